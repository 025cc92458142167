// Helpers shared by the enrich module's files. Internal.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.hpp"

namespace bulwark::enrich::detail {

// A package URL split into its parts, percent-decoded. Enough of the purl spec
// to compare identities; the report module owns the full parser and printer.
struct PurlKey {
  std::string type;                               // lower-case
  std::string ns;                                 // namespace
  std::string name;
  std::string version;                            // with the epoch folded in: "1:6.0.25+dfsg-1"
  std::map<std::string, std::string> qualifiers;  // lower-case keys; epoch removed
};

std::optional<PurlKey> parse_purl(std::string_view text);

// What a purl comparison needs to know about the scanned system: distro
// qualifiers are spelled "ubuntu-22.04" by Bulwark and "jammy" by Canonical.
struct DistroNames {
  std::string family_version;  // "ubuntu-22.04"
  std::string codename;        // "jammy"
};
DistroNames distro_names(const std::optional<OsInfo>& os);

// True when `pattern` names the package `candidate`: same type, namespace and
// name; the same version when the pattern has one; and every qualifier the
// pattern has equal in the candidate (distro names compared through `distro`).
bool purl_matches(const PurlKey& pattern, const PurlKey& candidate, const DistroNames& distro);

// Glob over '/'-separated paths: "*" and "?" stay inside one segment, "**"
// crosses segments; a pattern ending in "/" matches everything below it.
// Leading "/" and "./" are ignored on both sides.
bool glob_matches(std::string_view pattern, std::string_view path);

// True for a real calendar date "YYYY-MM-DD".
bool valid_date(std::string_view s);
// "YYYY-MM-DD" or an RFC 3339 date-time -> "YYYY-MM-DD"; nullopt otherwise.
std::optional<std::string> date_part(std::string_view s);
// Today's UTC date.
std::string today_utc();

// Case-insensitive ASCII equality (advisory ids).
bool iequals(std::string_view a, std::string_view b);

// Days since 1970-01-01 of "YYYY-MM-DD" (or the date of an RFC 3339
// date-time); nullopt when it is not a date. The inverse is format_day()
// (core/date.hpp).
std::optional<int64_t> day_number(std::string_view date);

// The data files of rules/eol/ (relative path, text), embedded at build time.
const std::vector<std::pair<std::string_view, std::string_view>>& embedded_eol_files();

}  // namespace bulwark::enrich::detail
