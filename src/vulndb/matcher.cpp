// The vulnerability matcher: inventory + database -> findings. The rules are
// in docs/vulndb.md ("Matching"); the comments here say why.
#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "version/version.hpp"
#include "vulndb/sqlite.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb {
namespace {

using json = nlohmann::json;

#define MATCHER_TRY(expr)          \
  do {                             \
    if (auto _st = (expr); !_st) { \
      return _st.error();          \
    }                              \
  } while (0)

// More rows than this for one package is a broken database; the rest are
// dropped with a diagnostic so one package cannot stall a scan.
constexpr size_t kMaxRowsPerPackage = 20000;

std::string major_of(std::string_view v) {
  size_t dot = v.find('.');
  return std::string(v.substr(0, dot));
}
std::string major_minor_of(std::string_view v) {
  size_t dot = v.find('.');
  if (dot == std::string_view::npos) return std::string(v);
  size_t dot2 = v.find('.', dot + 1);
  return std::string(v.substr(0, dot2));
}

// The vendor name distro severities are published under.
std::string vendor_of(std::string_view ecosystem) {
  if (ecosystem == "Debian") return "debian";
  if (ecosystem == "Ubuntu") return "ubuntu";
  if (ecosystem == "Alpine") return "alpine";
  if (ecosystem == "Red Hat") return "redhat";
  if (ecosystem == "Rocky Linux") return "rocky";
  if (ecosystem == "AlmaLinux") return "almalinux";
  if (ecosystem == "SUSE") return "suse";
  if (ecosystem == "openSUSE") return "opensuse";
  return to_lower(ecosystem);
}

Diagnostic warn(std::string message, Location where = {}) {
  Diagnostic d;
  d.level = Diagnostic::Level::kWarning;
  d.message = std::move(message);
  d.location = std::move(where);
  return d;
}

// One package as the matcher looks it up.
struct Lookup {
  std::string ecosystem;  // database ecosystem
  std::string release;    // distro release or empty
  std::string release_prefix;  // Red Hat: every stream of the major release
  std::string name;       // as looked up (normalised by the reader)
  std::string version;    // compared version
  version::Scheme scheme;
  bool distro = false;
};

struct RangeSet {
  bool ok = true;
  std::string error;
  std::vector<version::OsvRange> ranges;
  std::vector<version::Version> versions;
};

// Effective per-row result.
struct RowVerdict {
  bool vulnerable = false;
  std::string fix_state;
};

bool is_cvss(const SeverityEntry& s) { return starts_with(s.type, "cvss"); }

// NVD v3.1 > v3.0 > v4.0 > v2; lower is better.
int cvss_rank(const SeverityEntry& s) {
  if (s.type == "cvss_v3") return starts_with(s.vector, "CVSS:3.1") ? 0 : 1;
  if (s.type == "cvss_v4") return 2;
  if (s.type == "cvss_v2") return 3;
  return 4;
}

}  // namespace

std::optional<EcosystemRelease> distro_of(const OsInfo& os) {
  const std::string& f = os.family;
  const std::string& v = os.version;
  EcosystemRelease r;
  if (f == "debian") {
    r.ecosystem = "Debian";
    if (!v.empty() && std::isdigit(static_cast<unsigned char>(v[0]))) {
      r.release = major_of(v);
    } else {
      // testing/sid carry no VERSION_ID: the tracker files them under the
      // codename's release number only once released; before that there is no
      // per-release data, so no release (which the caller reports).
      static const std::map<std::string, std::string> kCodenames = {
          {"buster", "10"}, {"bullseye", "11"}, {"bookworm", "12"}, {"trixie", "13"}, {"forky", "14"}};
      auto it = kCodenames.find(os.codename);
      if (it == kCodenames.end()) return std::nullopt;
      r.release = it->second;
    }
  } else if (f == "ubuntu") {
    r.ecosystem = "Ubuntu";
    r.release = major_minor_of(v);
  } else if (f == "alpine") {
    r.ecosystem = "Alpine";
    r.release = major_minor_of(v);  // parse_ecosystem stores "v3.18" as "3.18"
  } else if (f == "wolfi") {
    r.ecosystem = "Wolfi";
  } else if (f == "chainguard") {
    r.ecosystem = "Chainguard";
  } else if (f == "rocky") {
    r.ecosystem = "Rocky Linux";
    r.release = major_of(v);
  } else if (f == "alma") {
    r.ecosystem = "AlmaLinux";
    r.release = major_of(v);
  } else if (f == "redhat") {
    r.ecosystem = "Red Hat";
    r.release = "enterprise_linux:" + major_of(v);
  } else if (f == "sles") {
    // OSV: "SUSE:Linux Enterprise Server 15 SP5"; VERSION_ID "15.5".
    r.ecosystem = "SUSE";
    std::string maj = major_of(v);
    size_t dot = v.find('.');
    std::string sp = dot == std::string::npos ? "" : v.substr(dot + 1);
    r.release = "Linux Enterprise Server " + maj + (sp.empty() || sp == "0" ? "" : " SP" + sp);
  } else if (f == "opensuse-leap") {
    r.ecosystem = "openSUSE";
    r.release = "Leap " + v;
  } else if (f == "opensuse-tumbleweed") {
    r.ecosystem = "openSUSE";
    r.release = "Tumbleweed";
  } else if (f == "azurelinux" || f == "cbl-mariner") {
    r.ecosystem = "Azure Linux";
    r.release = major_minor_of(v);
  } else {
    return std::nullopt;
  }
  if (r.release.empty() && r.ecosystem != "Wolfi" && r.ecosystem != "Chainguard" &&
      !(r.ecosystem == "openSUSE"))
    return std::nullopt;
  return r;
}

std::string_view language_ecosystem(std::string_view e) {
  static const std::pair<std::string_view, std::string_view> kMap[] = {
      {"npm", "npm"},       {"pypi", "PyPI"},           {"golang", "Go"},          {"maven", "Maven"},
      {"cargo", "crates.io"}, {"gem", "RubyGems"},     {"composer", "Packagist"}, {"nuget", "NuGet"},
      {"hex", "Hex"},       {"pub", "Pub"},             {"swift", "SwiftURL"},     {"conan", "ConanCenter"},
      {"cran", "CRAN"},     {"hackage", "Hackage"},
  };
  for (const auto& [k, v] : kMap)
    if (k == e) return v;
  return {};
}

// ------------------------------------------------------------------ impl --

// The matcher keeps its own read-only connection with prepared statements
// that live as long as it does: the Reader's per-call statements cost more
// than the lookups themselves at 2,000 packages a scan. Details are fetched in
// bulk (one statement per table for every matched vulnerability at once).
struct Matcher::Impl {
  Reader reader;
  sql::Db db;
  sql::Stmt aff_release, aff_all;
  std::string path;
  std::mutex mu;  // the statements are single-threaded; match() is const
  explicit Impl(Reader r) : reader(std::move(r)) {}
};

Matcher::Matcher(Reader reader) : impl_(std::make_unique<Impl>(std::move(reader))) {}
Matcher::~Matcher() = default;
Matcher::Matcher(Matcher&&) noexcept = default;
Matcher& Matcher::operator=(Matcher&&) noexcept = default;
const Reader& Matcher::reader() const { return impl_->reader; }

namespace {
constexpr const char* kAffectedColumns =
    "SELECT vulnerability, advisory, source, ecosystem, distro_release, variant, package, purl, ranges, versions, "
    "status, fixed, matchable, withdrawn, severity FROM affected WHERE ecosystem=?1 AND package=?2";
}  // namespace

Result<Matcher> Matcher::open(const std::string& path) {
  auto r = Reader::open(path);  // validates the file and its schema version
  if (!r) return r.error();
  Matcher m(std::move(*r));
  Impl& impl = *m.impl_;
  impl.path = path;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  impl.db = sql::Db(raw);
  if (rc != SQLITE_OK) return Error(ErrorCode::kIo, "SQLite: cannot open: " + impl.db.errmsg(), path);
  // The file is read-only and read in bursts: map it rather than pread page
  // by page, and keep a larger page cache between scans.
  (void)impl.db.exec("PRAGMA mmap_size=1073741824; PRAGMA cache_size=-65536;");
  auto a = sql::Stmt::prepare(impl.db, std::string(kAffectedColumns) + " AND distro_release=?3");
  if (!a) return a.error().within(path);
  auto b = sql::Stmt::prepare(impl.db, kAffectedColumns);
  if (!b) return b.error().within(path);
  impl.aff_release = std::move(*a);
  impl.aff_all = std::move(*b);
  return m;
}

namespace {

// What fill() learnt from the rows, kept until the details arrive.
struct Pending {
  size_t index = 0;  // into the output
  bool distro = false;
  std::string ecosystem;
  std::set<std::string> vendors;
  std::string row_severity, row_severity_source;
};

// State of one match() call: caches so that each (ecosystem, name, release)
// is looked up once and each range is parsed once; the details of every
// matched vulnerability are fetched in bulk at the end.
class Run {
 public:
  Run(Matcher::Impl& impl, std::vector<Diagnostic>& diags) : impl_(impl), diags_(diags) {}

  // `app` is the application a language package belongs to (nullptr for OS packages).
  Status match_package(const Package& p, const std::optional<EcosystemRelease>& distro, const Application* app,
                       std::vector<Finding>& out);
  Status enrich(std::vector<Finding>& out);

 private:
  Result<const std::vector<AffectedRow>*> rows(const Lookup& l, const Package& p);
  const RangeSet& ranges(const AffectedRow& row, version::Scheme scheme);
  RowVerdict judge(const AffectedRow& row, const Lookup& l, const version::Version& installed);
  void fill(Finding& f, const Lookup& l, const Package& p, const Application* app,
            const std::vector<const AffectedRow*>& matched, const version::Version& installed, Pending& pending);

  Matcher::Impl& impl_;
  std::vector<Diagnostic>& diags_;
  std::map<std::string, std::vector<AffectedRow>> rows_;
  std::map<std::pair<int, std::string>, RangeSet> ranges_;
  std::vector<Pending> pending_;
  std::set<std::string> reported_;
  std::unordered_set<std::string> seen_;  // (vulnerability, package, location) already reported
};

std::vector<std::string> json_strings(const std::string& text) {
  std::vector<std::string> out;
  auto j = json::parse(text.empty() ? "[]" : text, nullptr, false);
  if (j.is_array())
    for (const auto& v : j)
      if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

Result<const std::vector<AffectedRow>*> Run::rows(const Lookup& l, const Package& p) {
  std::string name = normalize_package_name(l.ecosystem, l.name);
  std::string key = l.ecosystem + '\x1f' + name + '\x1f' + l.release + '\x1f' + l.release_prefix;
  auto it = rows_.find(key);
  if (it != rows_.end()) return &it->second;
  sql::Stmt& st = l.release.empty() ? impl_.aff_all : impl_.aff_release;
  st.reset();
  st.bind(1, l.ecosystem);
  st.bind(2, name);
  if (!l.release.empty()) st.bind(3, l.release);
  std::vector<AffectedRow> keep;
  int rc;
  bool capped = false;
  while ((rc = st.step()) == SQLITE_ROW) {
    std::string release = st.text(4);
    if (!l.release_prefix.empty() && release != l.release_prefix.substr(0, l.release_prefix.size() - 1) &&
        !starts_with(release, l.release_prefix))
      continue;
    std::string variant = st.text(5);
    // Ubuntu Pro/ESM/FIPS fixes are published in archives a standard image
    // does not use: only the standard variant applies.
    if (l.ecosystem == "Ubuntu" && !variant.empty()) continue;
    if (keep.size() >= kMaxRowsPerPackage) {
      capped = true;
      break;
    }
    AffectedRow r;
    r.vulnerability = st.text(0);
    r.advisory = st.text(1);
    r.source = st.text(2);
    r.entry.ecosystem = st.text(3);
    r.entry.release = std::move(release);
    r.entry.variant = std::move(variant);
    r.entry.package = st.text(6);
    r.entry.purl = st.text(7);
    r.entry.ranges_json = st.text(8);
    r.entry.versions_json = st.text(9);
    r.entry.status = st.text(10);
    r.entry.fixed = json_strings(st.text(11));
    r.entry.matchable = st.integer(12) != 0;
    r.withdrawn = st.integer(13) != 0;
    r.entry.severity = st.text(14);
    keep.push_back(std::move(r));
  }
  st.reset();
  if (!capped && rc != SQLITE_DONE) return Error(ErrorCode::kCorrupt, "SQLite: " + impl_.db.errmsg(), impl_.path);
  if (capped)
    diags_.push_back(warn("vulnerability database has more than " + std::to_string(kMaxRowsPerPackage) +
                              " records for " + l.ecosystem + " package " + l.name + "; the rest were not matched",
                          p.location));
  // Rows of one vulnerability must be adjacent for the grouping below.
  std::stable_sort(keep.begin(), keep.end(),
                   [](const AffectedRow& a, const AffectedRow& b) { return a.vulnerability < b.vulnerability; });
  return &rows_.emplace(std::move(key), std::move(keep)).first->second;
}

const RangeSet& Run::ranges(const AffectedRow& row, version::Scheme scheme) {
  auto key = std::make_pair(static_cast<int>(scheme), row.entry.ranges_json + '\x1f' + row.entry.versions_json);
  auto it = ranges_.find(key);
  if (it != ranges_.end()) return it->second;
  RangeSet rs;
  auto fail = [&](std::string why) {
    rs.ok = false;
    rs.error = std::move(why);
  };
  auto rj = json::parse(row.entry.ranges_json.empty() ? "[]" : row.entry.ranges_json, nullptr, false);
  auto vj = json::parse(row.entry.versions_json.empty() ? "[]" : row.entry.versions_json, nullptr, false);
  if (rj.is_discarded() || !rj.is_array()) fail("ranges are not a JSON array");
  if (vj.is_discarded() || !vj.is_array()) fail("versions are not a JSON array");
  if (rs.ok) {
    for (const auto& r : rj) {
      if (!r.is_object()) continue;
      std::string type = r.value("type", "");
      if (type == "GIT") continue;  // commit hashes say nothing about installed versions
      version::Scheme s = scheme;
      // OSV SEMVER ranges are SemVer 2.0; Go keeps its own scheme (it accepts
      // the "v" of module versions and orders pseudo-versions).
      if (type == "SEMVER" && scheme != version::Scheme::kGo) s = version::Scheme::kSemver;
      std::vector<version::Event> events;
      if (r.contains("events") && r["events"].is_array())
        for (const auto& e : r["events"]) {
          if (!e.is_object()) continue;
          for (const auto& [k, v] : e.items()) {
            auto kind = version::parse_event_kind(k);
            if (!kind || !v.is_string()) continue;
            events.push_back({*kind, v.get<std::string>()});
          }
        }
      auto parsed = version::parse_osv_range(s, events);
      if (!parsed) {
        fail(parsed.error().message);
        continue;
      }
      rs.ranges.push_back(std::move(*parsed));
    }
    for (const auto& v : vj) {
      if (!v.is_string()) continue;
      auto parsed = version::parse(scheme, v.get<std::string>());
      if (parsed) rs.versions.push_back(std::move(*parsed));  // an odd enumerated version cannot match anyway
    }
  }
  return ranges_.emplace(std::move(key), std::move(rs)).first->second;
}

bool contains_version(const RangeSet& rs, const version::Version& v) {
  for (const auto& r : rs.ranges) {
    // A SemVer range cannot hold a version of another scheme: compare the
    // text under SemVer then (npm/crates installed versions are SemVer).
    if (r.scheme() == v.scheme()) {
      if (r.contains(v)) return true;
    } else if (auto sv = version::parse(r.scheme(), v.text()); sv && r.contains(*sv)) {
      return true;
    }
  }
  for (const auto& e : rs.versions)
    if (e == v) return true;
  return false;
}

RowVerdict Run::judge(const AffectedRow& row, const Lookup& l, const version::Version& installed) {
  const std::string& st = row.entry.status;
  if (st == "not_affected") return {};
  std::string state = st == "unfixed" ? "not_fixed" : st == "will_not_fix" || st == "end_of_life" ? st : "fixed";
  const RangeSet& rs = ranges(row, l.scheme);
  if (!rs.ok) {
    std::string key = row.advisory + '\x1f' + l.name;
    if (reported_.insert(key).second)
      diags_.push_back(warn("advisory " + row.advisory + " for " + l.ecosystem + " package " + l.name +
                            ": cannot read its affected versions: " + rs.error));
  }
  if (rs.ranges.empty() && rs.versions.empty()) {
    // No versions given: a distro's "unfixed" (or will-not-fix, end-of-life)
    // covers every version of that release; a bare fixed version covers the
    // versions below it.
    if (state != "fixed") return {rs.ok, state};
    for (const auto& f : row.entry.fixed) {
      auto fv = version::parse(l.scheme, f);
      if (fv && installed < *fv) return {true, state};
    }
    return {};
  }
  if (contains_version(rs, installed)) return {true, state};
  return {};
}

void Run::fill(Finding& f, const Lookup& l, const Package& p, const Application* app,
               const std::vector<const AffectedRow*>& matched, const version::Version& installed, Pending& pending) {
  const AffectedRow& first = *matched.front();
  f.kind = FindingKind::kVulnerability;
  f.id = first.vulnerability;
  f.status = FindingStatus::kOpen;
  f.location = p.location;
  f.location.package_id = p.id;
  // A language finding is where its application file is (the lockfile, the
  // binary, the archive), as the table groups it; a package recorded at
  // another path (a manifest inside an archive) keeps that path as an attribute.
  if (app != nullptr && !app->path.empty()) {
    if (!p.location.path.empty() && p.location.path != app->path) f.attributes["package_path"] = p.location.path;
    f.location.path = app->path;
  }
  f.package_name = p.name;
  f.package_version = p.version;
  f.package_ecosystem = p.ecosystem;
  f.package_purl = p.purl;
  if (l.distro) f.attributes["source_package"] = l.name;

  std::set<std::string> aliases;
  std::vector<version::Version> fixes;
  std::set<std::string> fix_texts;
  std::string distro_state;
  for (const AffectedRow* r : matched) {
    if (r->advisory != f.id) aliases.insert(r->advisory);
    if (r->entry.status == "unfixed" || r->entry.status == "will_not_fix" || r->entry.status == "end_of_life")
      distro_state = r->entry.status == "unfixed" ? "not_fixed" : r->entry.status;
    for (const auto& fx : r->entry.fixed) {
      auto fv = version::parse(l.scheme, fx);
      if (fv && installed < *fv && fix_texts.insert(fx).second) fixes.push_back(*fv);
    }
    if (pending.row_severity.empty() && !r->entry.severity.empty()) {
      pending.row_severity = r->entry.severity;
      pending.row_severity_source = r->source;
    }
  }
  std::sort(fixes.begin(), fixes.end());
  for (const auto& v : fixes) f.remediation.fixed_versions.push_back(v.text());
  f.remediation.fix_state = !fixes.empty() ? "fixed" : (distro_state.empty() ? "not_fixed" : distro_state);
  f.aliases.assign(aliases.begin(), aliases.end());

  // Severity: the vendor first (the distro for OS packages, the advisory
  // databases of the matching records for language packages), then CVSS.
  pending.distro = l.distro;
  pending.ecosystem = l.ecosystem;
  if (l.distro) {
    pending.vendors.insert(vendor_of(l.ecosystem));
  } else {
    for (const AffectedRow* r : matched) pending.vendors.insert(r->source);
  }
}

// Details of many vulnerabilities, one statement per table.
Result<std::unordered_map<std::string, VulnerabilityDetails>> fetch_details(Matcher::Impl& impl,
                                                                            const std::set<std::string>& ids) {
  std::unordered_map<std::string, VulnerabilityDetails> out;
  if (ids.empty()) return out;
  json list = json::array();
  for (const auto& id : ids) {
    list.push_back(id);
    out[id].id = id;
  }
  const std::string ids_json = list.dump();
  auto query = [&](const std::string& text, const std::string& bound, auto&& row) -> Status {
    auto st = sql::Stmt::prepare(impl.db, text);
    if (!st) return st.error().within(impl.path);
    st->bind(1, bound);
    int rc;
    while ((rc = st->step()) == SQLITE_ROW) row(*st);
    if (rc != SQLITE_DONE) return Error(ErrorCode::kCorrupt, "SQLite: " + impl.db.errmsg(), impl.path);
    return {};
  };
  // Rows come in index order, (vulnerability, rowid): no ORDER BY needed;
  // aliases are sorted when the finding is built.
  const std::string in = " IN (SELECT value FROM json_each(?1))";
  MATCHER_TRY(query("SELECT id, summary, details, published, modified, withdrawn FROM vulnerabilities WHERE id" + in,
                   ids_json, [&](sql::Stmt& s) {
                     auto& d = out[s.text(0)];
                     d.summary = s.text(1);
                     d.details = s.text(2);
                     d.published = s.text(3);
                     d.modified = s.text(4);
                     d.withdrawn = s.text(5);
                   }));
  MATCHER_TRY(query("SELECT vulnerability, alias FROM aliases WHERE alias<>vulnerability AND vulnerability" + in,
                   ids_json, [&](sql::Stmt& s) { out[s.text(0)].aliases.push_back(s.text(1)); }));
  MATCHER_TRY(query("SELECT vulnerability, id FROM advisories WHERE vulnerability" + in, ids_json,
                   [&](sql::Stmt& s) { out[s.text(0)].advisories.push_back(s.text(1)); }));
  MATCHER_TRY(query("SELECT vulnerability, source, type, vector, score, severity FROM severities WHERE vulnerability" +
                       in,
                   ids_json, [&](sql::Stmt& s) {
                     SeverityEntry e;
                     e.source = s.text(1);
                     e.type = s.text(2);
                     e.vector = s.text(3);
                     if (!s.is_null(4)) e.score = s.real(4);
                     e.severity = s.text(5);
                     out[s.text(0)].severities.push_back(std::move(e));
                   }));
  MATCHER_TRY(query("SELECT vulnerability, cwe FROM cwes WHERE vulnerability" + in, ids_json,
                   [&](sql::Stmt& s) { out[s.text(0)].cwes.push_back(s.text(1)); }));
  MATCHER_TRY(query("SELECT vulnerability, type, url FROM refs WHERE vulnerability" + in, ids_json,
                   [&](sql::Stmt& s) { out[s.text(0)].references.push_back({s.text(1), s.text(2)}); }));
  // EPSS and KEV are keyed by CVE: the canonical id or any CVE alias.
  std::map<std::string, std::vector<std::string>> by_cve;
  json cves = json::array();
  for (auto& entry : out) {
    // Not a structured binding: lambdas may not capture those before C++20 in clang 14.
    const std::string& id = entry.first;
    const VulnerabilityDetails& d = entry.second;
    auto add = [&](const std::string& c) {
      if (!starts_with(c, "CVE-")) return;
      if (by_cve[c].empty()) cves.push_back(c);
      by_cve[c].push_back(id);
    };
    add(id);
    for (const auto& a : d.aliases) add(a);
  }
  const std::string cves_json = cves.dump();
  MATCHER_TRY(query("SELECT cve, score, percentile, date FROM epss WHERE cve" + in, cves_json, [&](sql::Stmt& s) {
    for (const auto& id : by_cve[s.text(0)])
      if (!out[id].epss) out[id].epss = EpssEntry{s.text(0), s.real(1), s.real(2), s.text(3)};
  }));
  MATCHER_TRY(query("SELECT cve, date_added, due_date, ransomware, vendor, product, name FROM kev WHERE cve" + in,
                   cves_json, [&](sql::Stmt& s) {
                     for (const auto& id : by_cve[s.text(0)])
                       if (!out[id].kev)
                         out[id].kev = KevEntry{s.text(0), s.text(1), s.text(2), s.text(3),
                                                s.text(4), s.text(5), s.text(6)};
                   }));
  return out;
}

void apply_details(Finding& f, const Pending& pending, const VulnerabilityDetails* d) {
  std::set<std::string> aliases(f.aliases.begin(), f.aliases.end());
  if (d) {
    for (const auto& a : d->aliases) aliases.insert(a);
    for (const auto& a : d->advisories) aliases.insert(a);
    f.title = d->summary;
    if (f.title.empty()) f.title = d->details.substr(0, d->details.find('\n'));
    f.description = d->details;
    f.published = d->published;
    f.modified = d->modified;
    for (const auto& r : d->references) f.references.push_back(r.url);
    if (!d->cwes.empty()) {
      std::string cwes;
      for (const auto& c : d->cwes) cwes += (cwes.empty() ? "" : ",") + c;
      f.attributes["cwe"] = cwes;
    }
    for (const auto& s : d->severities)
      if (is_cvss(s) && s.score) f.scores.push_back(Score{s.source, s.type, s.vector, *s.score});
    if (d->epss) {
      f.epss_score = d->epss->score;
      f.epss_percentile = d->epss->percentile;
    }
    if (d->kev) {
      f.known_exploited = true;
      f.known_exploited_since = d->kev->date_added;
    }
  }
  aliases.erase(f.id);
  f.aliases.assign(aliases.begin(), aliases.end());

  const auto& vendors = pending.vendors;
  if (!pending.row_severity.empty() && parse_severity(pending.row_severity) != Severity::kUnknown &&
      (!pending.distro || vendors.count(pending.row_severity_source) > 0)) {
    f.severity = parse_severity(pending.row_severity);
    f.severity_source = pending.row_severity_source;
    return;
  }
  if (!d) return;
  const SeverityEntry* best = nullptr;
  // Vendor: a text rating beats a vendor CVSS.
  for (const auto& s : d->severities) {
    if (!vendors.count(s.source) || parse_severity(s.severity) == Severity::kUnknown) continue;
    if (!best || (s.type == "text" && best->type != "text") ||
        (is_cvss(s) && is_cvss(*best) && cvss_rank(s) < cvss_rank(*best)))
      best = &s;
  }
  if (!best) {
    auto better = [](const SeverityEntry& a, const SeverityEntry& b) {
      bool an = a.source == "nvd", bn = b.source == "nvd";
      if (an != bn) return an;
      return cvss_rank(a) < cvss_rank(b);
    };
    for (const auto& s : d->severities)
      if (is_cvss(s) && parse_severity(s.severity) != Severity::kUnknown && (!best || better(s, *best))) best = &s;
  }
  if (best) {
    f.severity = parse_severity(best->severity);
    f.severity_source = best->source;
  }
}

Status Run::enrich(std::vector<Finding>& out) {
  std::set<std::string> ids;
  for (const auto& pd : pending_) ids.insert(out[pd.index].id);
  auto details = fetch_details(impl_, ids);
  if (!details) return details.error();
  for (const auto& pd : pending_) {
    Finding& f = out[pd.index];
    auto it = details->find(f.id);
    apply_details(f, pd, it == details->end() ? nullptr : &it->second);
  }
  return {};
}

// Distro records of one vulnerability from several feeds: the per-CVE
// tracker records of the distro's own vendor (Debian tracker, Alpine secdb,
// Ubuntu CVE tracker) decide over notices (DSA/DLA/USN) and other feeds.
int distro_row_rank(const AffectedRow& r, const std::string& vendor) {
  bool own = r.source == vendor;
  bool per_cve = id_rank(r.advisory) == 0;
  return own && per_cve ? 0 : own ? 1 : 2;
}

Status Run::match_package(const Package& p, const std::optional<EcosystemRelease>& distro, const Application* app,
                          std::vector<Finding>& out) {
  bool os_pkg = p.ecosystem == "deb" || p.ecosystem == "apk" || p.ecosystem == "rpm";
  std::vector<Lookup> lookups;
  if (os_pkg) {
    if (!distro) return {};
    Lookup l;
    l.distro = true;
    l.ecosystem = distro->ecosystem;
    if (distro->ecosystem == "Red Hat") {
      l.release_prefix = distro->release + ":";  // "enterprise_linux:9:" matches every stream
    } else {
      l.release = distro->release;
    }
    auto scheme = version::lookup_ecosystem(p.ecosystem);
    if (!scheme) return {};
    l.scheme = *scheme;
    // dpkg: the tracker's fixed versions are source versions, and a binNMU
    // (+b1) only exists on the binary; apk: origin with the package version;
    // rpm: the source RPM and the binary (OSV distro feeds use both).
    l.name = p.src_name.empty() ? p.name : p.src_name;
    l.version = p.ecosystem == "apk" || p.src_version.empty() ? p.version : p.src_version;
    lookups.push_back(l);
    if (p.ecosystem == "rpm" && !p.src_name.empty() && p.src_name != p.name) {
      l.name = p.name;
      l.version = p.version;
      lookups.push_back(l);
    }
  } else {
    std::string_view eco = language_ecosystem(p.ecosystem);
    if (eco.empty()) return {};
    // A project's own root entry often has no version (a private package.json,
    // a workspace root); there is nothing to compare and nothing to warn about.
    if (p.relationship == Relationship::kRoot && p.version.empty()) return {};
    Lookup l;
    l.ecosystem = std::string(eco);
    auto scheme = version::lookup_ecosystem(l.ecosystem);
    if (!scheme) return {};
    l.scheme = *scheme;
    l.name = p.name;
    l.version = p.version;
    lookups.push_back(l);
  }

  for (const Lookup& l : lookups) {
    auto rs = rows(l, p);
    if (!rs) return rs.error();
    if ((*rs)->empty()) continue;
    auto installed = version::parse(l.scheme, l.version);
    if (!installed) {
      diags_.push_back(warn(p.ecosystem + " package " + p.name + ": version '" + l.version +
                                "' cannot be compared: " + installed.error().message,
                            p.location));
      continue;
    }
    // Group the rows by vulnerability (they arrive ordered by it).
    const auto& all = **rs;
    const std::string vendor = vendor_of(l.ecosystem);
    for (size_t i = 0; i < all.size();) {
      size_t j = i;
      while (j < all.size() && all[j].vulnerability == all[i].vulnerability) ++j;
      int best_rank = 3;
      if (l.distro)
        for (size_t k = i; k < j; ++k)
          if (!all[k].withdrawn && all[k].entry.matchable) best_rank = std::min(best_rank, distro_row_rank(all[k], vendor));
      std::vector<const AffectedRow*> matched;
      for (size_t k = i; k < j; ++k) {
        const AffectedRow& r = all[k];
        if (r.withdrawn || !r.entry.matchable) continue;
        if (l.distro && distro_row_rank(r, vendor) != best_rank) continue;
        if (judge(r, l, *installed).vulnerable) matched.push_back(&r);
      }
      i = j;
      if (matched.empty()) continue;
      // Same vulnerability already found for this package (an rpm source and
      // binary lookup): merge into that finding.
      std::string key = matched.front()->vulnerability + '\x1f' + p.id + '\x1f' + p.name + '\x1f' + p.version +
                        '\x1f' + p.location.layer + '\x1f' + p.location.path + '\x1f' + (app ? app->path : "");
      if (!seen_.insert(std::move(key)).second) continue;
      Finding f;
      Pending pending;
      pending.index = out.size();
      fill(f, l, p, app, matched, *installed, pending);
      out.push_back(std::move(f));
      pending_.push_back(std::move(pending));
    }
  }
  return {};
}

}  // namespace

Result<std::vector<Finding>> Matcher::match(const Inventory& inventory, std::vector<Diagnostic>& diagnostics) const {
  std::vector<Finding> out;
  std::optional<EcosystemRelease> distro;
  bool has_os_packages = std::any_of(inventory.packages.begin(), inventory.packages.end(), [](const Package& p) {
    return p.ecosystem == "deb" || p.ecosystem == "apk" || p.ecosystem == "rpm";
  });
  if (inventory.os) {
    distro = distro_of(*inventory.os);
    if (!distro && has_os_packages)
      diagnostics.push_back(warn("OS '" + inventory.os->family + " " + inventory.os->version +
                                     "' is not supported by the vulnerability matcher; OS packages were not matched",
                                 inventory.os->location));
    if (!inventory.os->eol.empty() && inventory.os->eol < now_rfc3339().substr(0, 10))
      diagnostics.push_back(warn("OS '" + inventory.os->family + " " + inventory.os->version + "' reached end of life on " +
                                     inventory.os->eol + "; its vulnerability data may be incomplete",
                                 inventory.os->location));
  } else if (has_os_packages) {
    diagnostics.push_back(warn("OS packages found but no OS release file; OS packages were not matched"));
  }
  std::lock_guard<std::mutex> lock(impl_->mu);
  // One read transaction for the whole match: one file lock and a page cache
  // that stays valid, instead of both per statement.
  if (auto st = impl_->db.exec("BEGIN"); !st) return st.error().within(impl_->path);
  struct EndRead {
    sql::Db& db;
    ~EndRead() { (void)db.exec("COMMIT"); }
  } end_read{impl_->db};
  Run run(*impl_, diagnostics);
  for (const auto& p : inventory.packages)
    if (auto st = run.match_package(p, distro, nullptr, out); !st) return st.error();
  for (const auto& app : inventory.applications)
    for (const auto& p : app.packages)
      if (auto st = run.match_package(p, distro, &app, out); !st) return st.error();
  if (auto st = run.enrich(out); !st) return st.error();
  return out;
}

// -------------------------------------------------------------- detector --

namespace {

class VulnerabilityDetector final : public Detector {
 public:
  explicit VulnerabilityDetector(MatcherOptions o) : opt_(std::move(o)) {
    if (opt_.db_path.empty()) opt_.db_path = default_database_path();
  }
  std::string_view name() const override { return "vulnerability"; }

  Status detect(const Inventory& inventory, DetectContext& ctx, std::vector<Finding>& out) const override {
    auto matcher = Matcher::open(opt_.db_path);
    if (!matcher) {
      if (matcher.error().code == ErrorCode::kNotFound && !opt_.require_db) {
        if (ctx.diagnostics)
          ctx.diagnostics->push_back(warn("no vulnerability database at " + opt_.db_path +
                                          "; vulnerabilities were not checked (run 'bulwark db update' or "
                                          "'bulwark db import')"));
        return {};
      }
      Error e = matcher.error();
      if (e.code == ErrorCode::kNotFound)
        e.message = "no vulnerability database at " + opt_.db_path + " (run 'bulwark db update' or 'bulwark db import')";
      return e;
    }
    auto status = matcher->reader().status();
    if (status) {
      auto age = data_age(*status, opt_.now);
      if (ctx.components) {
        std::string v = "built " + status->built_at;
        if (age) v += ", data " + age->newest;
        (*ctx.components)["vulndb"] = v;
      }
      if (age && age->days > kStaleAfterDays && ctx.diagnostics)
        ctx.diagnostics->push_back(warn("vulnerability data is " + std::to_string(static_cast<int64_t>(age->days)) +
                                        " days old (newest record " + age->newest + "); run 'bulwark db update'"));
    }
    std::vector<Diagnostic> local;
    auto found = matcher->match(inventory, ctx.diagnostics ? *ctx.diagnostics : local);
    if (!found) return found.error();
    for (auto& f : *found) out.push_back(std::move(f));
    return {};
  }

 private:
  MatcherOptions opt_;
};

}  // namespace

DetectorPtr make_vulnerability_detector(MatcherOptions options) {
  return std::make_unique<VulnerabilityDetector>(std::move(options));
}

}  // namespace bulwark::vulndb
