// Shared Debian security tracker semantics (internal to the importers): the
// codename -> release number table, urgency normalisation, TEMP- ids, and the
// one place that turns tracker package annotations ("- pkg 1.2-3",
// "[bookworm] - pkg <no-dsa>", ...) into AffectedEntry rows. Used by the
// data/{CVE,DSA,DLA}/list importer and the per-file annotation JSON importer.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb::debian {

struct Release {
  std::string_view codename;
  std::string_view number;  // "12"; "sid" for unstable
  // Receives the unstable rule (an unqualified "- pkg V" line) when it has no
  // line of its own: the releases the tracker follows today, plus sid.
  bool tracked;
};
// nullptr for an unknown codename (experimental is unknown on purpose).
const Release* find_release(std::string_view codename);
const std::vector<Release>& releases();

// "high", "medium**", "unimportant", "end-of-life", "not yet assigned" ->
// "HIGH", "MEDIUM", "LOW" (unimportant = negligible), "" (no rating).
std::string normalize_urgency(std::string_view urgency);

// The tracker's id for an entry without a CVE ("CVE-2023-XXXX"):
// TEMP-<first Debian bug, 7 digits>-<first 6 hex of MD5(description), upper>.
std::string temp_id(uint64_t bug, std::string_view description);

// "(text)" / "[text]" -> "text", as the tracker strips header descriptions.
std::string_view strip_description(std::string_view desc);

enum class Kind { kFixed, kUnfixed, kNotAffected, kNoDsa, kIgnored, kPostponed, kEndOfLife, kRemoved, kUndetermined, kItp };
// "fixed", "unfixed", "not-affected", "no-dsa", ... ; nullopt when unknown.
std::optional<Kind> parse_kind(std::string_view kind);

// One package line of a tracker record.
struct Annotation {
  std::string release;  // codename; empty = unqualified (unstable)
  std::string package;  // source package
  Kind kind = Kind::kUnfixed;
  std::string version;  // for kFixed
  std::string urgency;  // raw urgency word, may be empty
  std::string where;    // for messages: "FILE: line N" or "FILE Annotations[i]"
};

// Rows of one record, following the tracker's rules (docs/vulndb.md):
// a release line wins; a release without one inherits the unqualified
// (unstable) line when it is a tracked release; <no-dsa>/<postponed>/<ignored>
// keep the unstable line's range and change only the status. Bad annotations
// (unknown codename, bad version) are warnings; the package's rows for that
// release are dropped rather than guessed. `severity` receives the
// normalised urgency of the first unqualified line.
std::vector<AffectedEntry> affected_rows(const std::vector<Annotation>& notes, const std::string& record_where,
                                         ImportContext& ctx, std::string* severity = nullptr);

// One row: ecosystem Debian, the release's number, status one of fixed,
// unfixed, will_not_fix, end_of_life, not_affected; `threshold` is the first
// version that is not vulnerable (empty: none). not_affected rows have no
// range and are not matchable.
AffectedEntry make_row(std::string_view package, const Release& release, std::string status, std::string threshold,
                       std::string severity);

// An advisory with Debian's origin and tracker/bug references filled in.
Advisory make_advisory(std::string id, const std::string& where);
void add_bug_reference(Advisory& a, uint64_t bug);

// "[03 Oct 2023] DSA-5514-1 glibc - security update" -> date "2023-10-03", id, description.
struct NoticeHeader {
  std::string date, id, description;
};
std::optional<NoticeHeader> parse_notice_header(std::string_view line);

bool is_cve_id(std::string_view s);

}  // namespace bulwark::vulndb::debian
