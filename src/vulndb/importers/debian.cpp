// The Debian security tracker's semantics, shared by the list and annotation
// importers (see debian.hpp). The rules follow the tracker itself: a package
// line without a release describes unstable, and the tracker judges a release
// that has no line of its own by comparing that release's version with the
// unstable fixed version; <no-dsa>, <ignored> and <postponed> only record that
// no advisory is planned, so the release keeps the unstable line's range.
#include "vulndb/importers/debian.hpp"

#include <openssl/evp.h>

#include <array>
#include <cctype>
#include <cstdio>
#include <map>

#include "core/json.hpp"
#include "version/version.hpp"

namespace bulwark::vulndb::debian {

const std::vector<Release>& releases() {
  // Debian's release numbers (distro-info-data). Releases before buster keep
  // their explicit lines (old DSAs name them) but no longer inherit the
  // unstable rule: the tracker stopped following them.
  static const std::vector<Release> table{
      {"potato", "2.2", false},  {"woody", "3.0", false},  {"sarge", "3.1", false},   {"etch", "4", false},
      {"lenny", "5", false},     {"squeeze", "6", false},  {"wheezy", "7", false},    {"jessie", "8", false},
      {"stretch", "9", false},   {"buster", "10", true},   {"bullseye", "11", true},  {"bookworm", "12", true},
      {"trixie", "13", true},    {"forky", "14", true},    {"duke", "15", false},     {"sid", "sid", true},
  };
  return table;
}

const Release* find_release(std::string_view codename) {
  for (const auto& r : releases())
    if (r.codename == codename) return &r;
  return nullptr;
}

std::string normalize_urgency(std::string_view u) {
  while (!u.empty() && u.back() == '*') u.remove_suffix(1);  // "**": taken from NVD by the tracker
  if (u == "unimportant" || u == "low") return "LOW";
  if (u == "medium") return "MEDIUM";
  if (u == "high") return "HIGH";
  return {};  // "not yet assigned", "end-of-life", "unknown"
}

std::string temp_id(uint64_t bug, std::string_view description) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(description.data(), description.size(), md, &len, EVP_md5(), nullptr);
  char buf[48];
  std::snprintf(buf, sizeof buf, "TEMP-%07llu-%02X%02X%02X", static_cast<unsigned long long>(bug % 100000000ull), md[0],
                md[1], md[2]);
  return buf;
}

std::string_view strip_description(std::string_view d) {
  d = trim(d);
  if (d.size() >= 2 && ((d.front() == '(' && d.back() == ')') || (d.front() == '[' && d.back() == ']')))
    d = d.substr(1, d.size() - 2);
  return d;
}

std::optional<Kind> parse_kind(std::string_view k) {
  static const std::map<std::string_view, Kind> kinds{
      {"fixed", Kind::kFixed},       {"unfixed", Kind::kUnfixed},     {"not-affected", Kind::kNotAffected},
      {"no-dsa", Kind::kNoDsa},      {"ignored", Kind::kIgnored},     {"postponed", Kind::kPostponed},
      {"end-of-life", Kind::kEndOfLife}, {"removed", Kind::kRemoved}, {"undetermined", Kind::kUndetermined},
      {"itp", Kind::kItp}};
  auto it = kinds.find(k);
  if (it == kinds.end()) return std::nullopt;
  return it->second;
}

bool is_cve_id(std::string_view s) {
  if (!starts_with(s, "CVE-") || s.size() < 13 || s.size() > 24 || s[8] != '-') return false;
  for (size_t i = 4; i < s.size(); ++i)
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

namespace {

struct State {
  std::string status;     // fixed, unfixed, will_not_fix, end_of_life, not_affected
  std::string threshold;  // the version from which the package is not vulnerable
};

// What one line with a version or a plain special version says on its own.
State base_state(const Annotation& a) {
  switch (a.kind) {
    case Kind::kFixed: return a.version == "0" ? State{"not_affected", ""} : State{"fixed", a.version};
    case Kind::kNotAffected: return {"not_affected", ""};
    case Kind::kEndOfLife: return {"end_of_life", ""};
    default: return {"unfixed", ""};  // unfixed, removed, undetermined
  }
}

bool is_nodsa(Kind k) { return k == Kind::kNoDsa || k == Kind::kIgnored || k == Kind::kPostponed; }

}  // namespace

AffectedEntry make_row(std::string_view package, const Release& rel, std::string status, std::string threshold,
                       std::string severity) {
  State st{std::move(status), std::move(threshold)};
  AffectedEntry e;
  e.ecosystem = "Debian";
  e.release = std::string(rel.number);
  e.package = normalize_package_name("Debian", package);
  e.status = st.status;
  e.severity = std::move(severity);
  e.versions_json = "[]";
  if (st.status == "not_affected") {
    // No version is affected: nothing for a matcher to match.
    e.ranges_json = "[]";
    e.matchable = false;
    return e;
  }
  json events = json::array({json{{"introduced", "0"}}});
  if (!st.threshold.empty()) events.push_back(json{{"fixed", st.threshold}});
  e.ranges_json = json::array({json{{"type", "ECOSYSTEM"}, {"events", std::move(events)}}}).dump();
  // Only a fix shipped in this release is a fixed version; the unstable
  // threshold under <no-dsa> is not installable on a stable release.
  if (st.status == "fixed") e.fixed.push_back(st.threshold);
  return e;
}

namespace {
AffectedEntry row(const std::string& package, const Release& rel, const State& st, std::string severity) {
  return make_row(package, rel, st.status, st.threshold, std::move(severity));
}
}  // namespace

std::vector<AffectedEntry> affected_rows(const std::vector<Annotation>& notes, const std::string& record_where,
                                         ImportContext& ctx, std::string* severity) {
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Annotation*>> by_package;
  for (const auto& n : notes) {
    auto [it, inserted] = by_package.try_emplace(n.package);
    if (inserted) order.push_back(n.package);
    it->second.push_back(&n);
  }
  std::vector<AffectedEntry> out;
  for (const auto& pkg : order) {
    const Annotation* unq = nullptr;
    bool unq_bad = false, itp = false;
    std::map<std::string_view, const Annotation*> explicit_lines;  // by release number
    std::vector<std::pair<const Release*, const Annotation*>> lines;
    for (const Annotation* n : by_package[pkg]) {
      if (n->kind == Kind::kItp) {
        itp = true;  // an intent to package: not in the archive, nothing to match
        continue;
      }
      if (n->kind == Kind::kFixed && n->version != "0") {
        auto v = version::parse(version::Scheme::kDpkg, n->version);
        if (!v) {
          ctx.warning(n->where, "package " + pkg + ": bad version '" + n->version.substr(0, 80) + "': " + v.error().message +
                                    "; annotation dropped");
          if (n->release.empty()) unq_bad = true;
          continue;
        }
      }
      if (n->release.empty()) {
        if (is_nodsa(n->kind)) {
          ctx.warning(n->where, "package " + pkg + ": <no-dsa>/<ignored>/<postponed> without a release; annotation dropped");
          continue;
        }
        if (!unq) unq = n;
        continue;
      }
      const Release* rel = find_release(n->release);
      if (!rel) {
        ctx.warning(n->where, "package " + pkg + ": unknown release codename '" + n->release.substr(0, 40) +
                                  "'; annotation dropped");
        continue;
      }
      if (explicit_lines.emplace(rel->number, n).second) lines.emplace_back(rel, n);
    }
    if (itp && !unq && lines.empty()) continue;
    std::string unq_sev = unq ? normalize_urgency(unq->urgency) : std::string();
    if (severity && severity->empty()) *severity = unq_sev;
    for (const auto& [rel, n] : lines) {
      State st;
      if (is_nodsa(n->kind)) {
        if (unq_bad) continue;  // the range would be a guess
        st = unq ? base_state(*unq) : State{"unfixed", ""};
        if (st.status != "not_affected" && st.status != "end_of_life")
          st.status = n->kind == Kind::kIgnored ? "will_not_fix" : "unfixed";
      } else {
        st = base_state(*n);
      }
      std::string sev = normalize_urgency(n->urgency);
      out.push_back(row(pkg, *rel, st, sev.empty() ? unq_sev : sev));
    }
    if (unq && !unq_bad)
      for (const auto& rel : releases())
        if (rel.tracked && !explicit_lines.count(rel.number)) out.push_back(row(pkg, rel, base_state(*unq), unq_sev));
  }
  (void)record_where;
  return out;
}

Advisory make_advisory(std::string id, const std::string& where) {
  Advisory a;
  a.origin = "debian";
  a.location = where;
  a.references.push_back({"ADVISORY", "https://security-tracker.debian.org/tracker/" + id});
  a.id = std::move(id);
  return a;
}

void add_bug_reference(Advisory& a, uint64_t bug) {
  if (bug == 0) return;
  std::string url = "https://bugs.debian.org/" + std::to_string(bug);
  for (const auto& r : a.references)
    if (r.url == url) return;
  a.references.push_back({"REPORT", std::move(url)});
}

std::optional<NoticeHeader> parse_notice_header(std::string_view line) {
  static const std::array<std::string_view, 12> months{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  line = trim(line);
  if (line.size() < 16 || line[0] != '[' || line[3] != ' ' || line[7] != ' ' || line[12] != ']' || line[13] != ' ')
    return std::nullopt;
  std::string_view day = line.substr(1, 2), mon = line.substr(4, 3), year = line.substr(8, 4);
  auto digits = [](std::string_view s) {
    for (char c : s)
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
  };
  if (!digits(day) || !digits(year)) return std::nullopt;
  size_t m = 0;
  while (m < months.size() && months[m] != mon) ++m;
  if (m == months.size()) return std::nullopt;
  std::string_view rest = trim(line.substr(14));
  size_t sp = rest.find_first_of(" \t");
  std::string_view id = rest.substr(0, sp);
  if (!(starts_with(id, "DSA-") || starts_with(id, "DLA-") || starts_with(id, "DTSA-")) || id.size() > 32)
    return std::nullopt;
  for (char c : id.substr(id.find('-') + 1))
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '-') return std::nullopt;
  NoticeHeader h;
  char buf[16];
  std::snprintf(buf, sizeof buf, "-%02zu-", m + 1);
  h.date = std::string(year) + buf + std::string(day);
  h.id = std::string(id);
  h.description = sp == std::string_view::npos ? std::string() : std::string(trim(rest.substr(sp)));
  return h;
}

}  // namespace bulwark::vulndb::debian
