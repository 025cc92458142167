// The vulnerability matcher: inventory + database -> findings. The rules are
// in docs/vulndb.md ("Matching"); the comments here say why.
#include <simdjson.h>

#include <algorithm>
#include <condition_variable>
#include <cctype>
#include <map>
#include <mutex>
#include <thread>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "version/version.hpp"
#include "vulndb/package_filter.hpp"
#include "vulndb/record.hpp"
#include "vulndb/sqlite.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb {
namespace {

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

// The versions of one affected row (its ranges, enumerated versions and
// fixed versions) parsed under one scheme. Rows share them: a range text is
// parsed once per match.
struct RangeSet {
  bool ok = true;
  std::string error;
  std::vector<version::OsvRange> ranges;
  std::vector<version::Version> versions;
  std::vector<std::string> fixed;                         // as stored
  std::vector<std::optional<version::Version>> fixed_parsed;  // each under the scheme, if it parses
};

enum class RowStatus { kFixed, kUnfixed, kWillNotFix, kEndOfLife, kNotAffected, kOther };

RowStatus row_status(std::string_view s) {
  if (s == "fixed") return RowStatus::kFixed;
  if (s == "unfixed") return RowStatus::kUnfixed;
  if (s == "will_not_fix") return RowStatus::kWillNotFix;
  if (s == "end_of_life") return RowStatus::kEndOfLife;
  if (s == "not_affected") return RowStatus::kNotAffected;
  return RowStatus::kOther;
}

// One affected row as the matcher keeps it: what judging and the finding need.
struct Row {
  std::string vulnerability, advisory, source, severity;
  int64_t vulnerability_row = 0;  // rowid of the vulnerability's row
  RowStatus status = RowStatus::kOther;
  bool matchable = true, withdrawn = false;
  const RangeSet* versions = nullptr;
};

// Effective per-row result.
struct RowVerdict {
  bool vulnerable = false;
  std::string fix_state;
};

bool is_cvss(std::string_view type) { return starts_with(type, "cvss"); }

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

namespace {

// One read-only connection and its prepared statements, used by one thread
// at a time.
struct Connection {
  sql::Db db;
  sql::Stmt aff_release, aff_all, details;
  record::Parser parser;
};

}  // namespace

// The matcher keeps its own read-only connections with prepared statements
// that live as long as it does: the Reader's per-call statements cost more
// than the lookups themselves at 2,000 packages a scan. A large inventory is
// matched in two halves on two threads, one connection each; the details of
// a matched vulnerability are its one row in `vulnerabilities` (with the
// details record).
struct Matcher::Impl {
  Reader reader;
  Connection connections[2];
  std::vector<uint8_t> package_filter;  // empty: none (look every package up)
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
    "SELECT vulnerability, advisory, source, distro_release, variant, ranges, versions, status, fixed, matchable, "
    "withdrawn, severity, vulnerability_row FROM affected WHERE ecosystem=?1 AND package=?2";
}  // namespace

Result<Matcher> Matcher::open(const std::string& path) {
  auto r = Reader::open(path);  // validates the file and its schema version
  if (!r) return r.error();
  Matcher m(std::move(*r));
  Impl& impl = *m.impl_;
  impl.path = path;
  for (Connection& c : impl.connections) {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    c.db = sql::Db(raw);
    if (rc != SQLITE_OK) return Error(ErrorCode::kIo, "SQLite: cannot open: " + c.db.errmsg(), path);
    // The file is read-only and read in bursts: map it rather than pread page
    // by page, and keep a larger page cache between scans.
    (void)c.db.exec("PRAGMA mmap_size=1073741824; PRAGMA cache_size=-32768;");
    auto prepare = [&](sql::Stmt& out, const std::string& text) -> Status {
      auto st = sql::Stmt::prepare(c.db, text);
      if (!st) return st.error().within(path);
      out = std::move(*st);
      return {};
    };
    if (auto st = prepare(c.aff_release, std::string(kAffectedColumns) + " AND distro_release=?3"); !st)
      return st.error();
    if (auto st = prepare(c.aff_all, kAffectedColumns); !st) return st.error();
    if (auto st = prepare(c.details,
                          "SELECT rowid, summary, details, published, modified, record FROM vulnerabilities "
                          "WHERE rowid IN (SELECT value FROM json_each(?1))");
        !st)
      return st.error();
  }
  // The package filter: read once, consulted before every lookup.
  auto filter = sql::Stmt::prepare(impl.connections[0].db, "SELECT bits, hashes FROM package_filter");
  if (!filter) return filter.error().within(path);
  if (filter->step() == SQLITE_ROW && filter->integer(1) == package_filter::kHashes) {
    const auto* bits = static_cast<const uint8_t*>(sqlite3_column_blob(filter->get(), 0));
    size_t size = static_cast<size_t>(sqlite3_column_bytes(filter->get(), 0));
    if (bits && package_filter::valid_size(size)) impl.package_filter.assign(bits, bits + size);
  }
  return m;
}

namespace {

// What fill() learnt from the rows, for the severity choice once the details
// are there.
struct Pending {
  bool distro = false;
  // Views of the run's rows and vendor names (they outlive the findings'
  // completion): few, a plain list.
  std::vector<std::string_view> vendors;
  bool vendor(std::string_view v) const { return std::find(vendors.begin(), vendors.end(), v) != vendors.end(); }
  std::string_view row_severity, row_severity_source;
};

// The installed version of one lookup, parsed once, and once more under
// SemVer when a SEMVER range of another scheme asks for it.
class Installed {
 public:
  explicit Installed(version::Version v) : v_(std::move(v)) {}
  const version::Version& version() const { return v_; }
  const version::Version* as(version::Scheme s) {
    if (s == v_.scheme()) return &v_;
    auto& slot = other_[static_cast<int>(s)];  // unset: not tried yet
    if (!slot) {
      auto parsed = version::parse(s, v_.text());
      slot.emplace(parsed ? std::optional<version::Version>(std::move(*parsed)) : std::nullopt);
    }
    return *slot ? &**slot : nullptr;
  }

 private:
  version::Version v_;
  std::map<int, std::optional<std::optional<version::Version>>> other_;
};

// One thread's part of a match() call: caches so that each (ecosystem,
// name, release) is looked up once and each range is parsed once; the details
// of every matched vulnerability are read at the end.
class Run {
 public:
  Run(Connection& c, const std::string& path, const std::vector<uint8_t>& filter)
      : c_(c), path_(path), filter_(filter) {}

  // Matches package number `item` of the inventory (items come in
  // increasing order). `app` is the application a language package belongs
  // to (nullptr for OS packages).
  Status match_package(size_t item, const Package& p, const std::optional<EcosystemRelease>& distro,
                       const Application* app);
  // A finding to be: what the matching of one package found for one
  // vulnerability. The finding itself is built by complete(), in place in
  // the output, once the joined order has given it a position.
  struct Plan {
    size_t item = 0;
    const Package* package = nullptr;
    const Application* app = nullptr;
    bool distro = false;
    std::string name;             // as looked up (the source package for distro lookups)
    std::string_view vendor;      // distro lookups: the distro's vendor name
    std::vector<const Row*> matched;
    std::optional<version::Version> installed;
    uint32_t package_number = 0, vulnerability = 0;  // numbers given by the run
    size_t position = SIZE_MAX;   // in the output; SIZE_MAX: dropped
  };
  std::vector<Plan> plans;  // in item order
  // Builds the findings of the plans that have a position in `out`, with the
  // details of their vulnerabilities (read in one statement).
  Status complete(std::vector<Finding>& out);
  // Its diagnostics, in item order; `key` is set on those given once per
  // match.
  struct Diag {
    size_t item;
    Diagnostic diagnostic;
    std::string key;
  };
  std::vector<Diag> diags;
  static constexpr size_t kNever = SIZE_MAX;
  // The item at which this run gave diagnostic `key`, or found
  // `vulnerability` for the package (and location) of `package_key`;
  // kNever when it did not.
  size_t reported_at(const std::string& key) const {
    auto it = reported_.find(key);
    return it == reported_.end() ? kNever : it->second;
  }
  size_t found_at(const std::string& package_key, const std::string& vulnerability) const {
    auto p = packages_.find(package_key);
    if (p == packages_.end()) return kNever;
    auto v = vulnerabilities_.find(vulnerability);
    if (v == vulnerabilities_.end()) return kNever;
    auto it = seen_.find(uint64_t{p->second} << 32 | v->second);
    return it == seen_.end() ? kNever : it->second;
  }
  // The id of a plan's vulnerability.
  const std::string* vulnerability_id(const Plan& plan) const { return vulnerability_ids_[plan.vulnerability]; }
  // The package key of a plan.
  const std::string& package_key(const Plan& plan) const { return *package_keys_[plan.package_number]; }
  // Frees the run's caches and plans (on the run's own thread).
  void release() {
    decltype(plans)().swap(plans);
    decltype(rows_)().swap(rows_);
    decltype(versions_)().swap(versions_);
    decltype(vendors_)().swap(vendors_);
  }

 private:
  Result<const std::vector<Row>*> rows(const Lookup& l, const Package& p);
  const RangeSet& versions(version::Scheme scheme, std::string_view ranges, std::string_view versions,
                           std::string_view fixed);
  RowVerdict judge(const Row& row, const Lookup& l, Installed& installed);
  static void fill(Finding& f, const Plan& plan, Pending& pending);
  void warn_once(std::string key, Diagnostic d) {
    if (reported_.try_emplace(key, item_).second) diags.push_back({item_, std::move(d), std::move(key)});
  }

  Connection& c_;
  const std::string& path_;
  const std::vector<uint8_t>& filter_;
  std::unordered_map<std::string, std::vector<Row>> rows_;
  std::unordered_map<std::string, RangeSet> versions_;
  std::string key_;  // scratch
  simdjson::dom::parser json_;
  size_t item_ = 0;  // the item being matched
  std::unordered_set<std::string> vendors_;  // distro vendor names, for Pending::vendors
  std::unordered_map<std::string, size_t> reported_;  // once-only diagnostic -> item
  // Numbers of packages (with their location) and of vulnerabilities, and
  // the (package, vulnerability) pairs already reported.
  std::unordered_map<std::string, uint32_t> packages_;
  std::vector<const std::string*> package_keys_;  // by number
  std::unordered_map<std::string, uint32_t> vulnerabilities_;
  std::vector<const std::string*> vulnerability_ids_;  // by number
  std::vector<int64_t> vulnerability_rows_;            // by number
  std::unordered_map<uint64_t, size_t> seen_;  // -> item
};

Result<const std::vector<Row>*> Run::rows(const Lookup& l, const Package& p) {
  std::string name = normalize_package_name(l.ecosystem, l.name);
  std::string key = std::to_string(static_cast<int>(l.scheme)) + '\x1f' + l.ecosystem + '\x1f' + name + '\x1f' +
                    l.release + '\x1f' + l.release_prefix;
  auto it = rows_.find(key);
  if (it != rows_.end()) return &it->second;
  if (!filter_.empty() && !package_filter::may_contain(filter_, package_filter::hash(l.ecosystem, name)))
    return &rows_.emplace(std::move(key), std::vector<Row>()).first->second;  // no advisory for it
  sql::Stmt& st = l.release.empty() ? c_.aff_all : c_.aff_release;
  st.bind_static(1, l.ecosystem);
  st.bind_static(2, name);
  if (!l.release.empty()) st.bind_static(3, l.release);
  std::vector<Row> keep;
  int rc;
  bool capped = false;
  const bool ubuntu = l.ecosystem == "Ubuntu";
  const std::string_view prefix = l.release_prefix;
  while ((rc = st.step()) == SQLITE_ROW) {
    if (!prefix.empty()) {
      std::string_view release = st.view(3);
      if (release != prefix.substr(0, prefix.size() - 1) && !starts_with(release, prefix)) continue;
    }
    // Ubuntu Pro/ESM/FIPS fixes are published in archives a standard image
    // does not use: only the standard variant applies.
    if (ubuntu && !st.view(4).empty()) continue;
    if (keep.size() >= kMaxRowsPerPackage) {
      capped = true;
      break;
    }
    Row& r = keep.emplace_back();
    r.vulnerability = st.view(0);
    r.advisory = st.view(1);
    r.source = st.view(2);
    r.versions = &versions(l.scheme, st.view(5), st.view(6), st.view(8));
    r.status = row_status(st.view(7));
    r.matchable = st.integer(9) != 0;
    r.withdrawn = st.integer(10) != 0;
    r.severity = st.view(11);
    r.vulnerability_row = st.integer(12);
  }
  st.reset();
  if (!capped && rc != SQLITE_DONE) return Error(ErrorCode::kCorrupt, "SQLite: " + c_.db.errmsg(), path_);
  if (capped)
    warn_once("capped\x1f" + key,
              warn("vulnerability database has more than " + std::to_string(kMaxRowsPerPackage) + " records for " +
                       l.ecosystem + " package " + l.name + "; the rest were not matched",
                   p.location));
  // Rows of one vulnerability must be adjacent for the grouping below. They
  // arrive ordered by it (the table is in vulnerability order within a
  // release) unless several releases matched (Red Hat's streams).
  auto by_vulnerability = [](const Row& a, const Row& b) { return a.vulnerability < b.vulnerability; };
  if (!std::is_sorted(keep.begin(), keep.end(), by_vulnerability))
    std::stable_sort(keep.begin(), keep.end(), by_vulnerability);
  return &rows_.emplace(std::move(key), std::move(keep)).first->second;
}

const RangeSet& Run::versions(version::Scheme scheme, std::string_view ranges, std::string_view versions,
                              std::string_view fixed) {
  key_.clear();
  key_.push_back(static_cast<char>('0' + static_cast<int>(scheme)));
  key_.append(ranges).push_back('\x1f');
  key_.append(versions).push_back('\x1f');
  key_.append(fixed);
  auto it = versions_.find(key_);
  if (it != versions_.end()) return it->second;
  RangeSet rs;
  auto fail = [&](std::string why) {
    rs.ok = false;
    rs.error = std::move(why);
  };
  using simdjson::SUCCESS;
  using simdjson::dom::array;
  using simdjson::dom::element;
  using simdjson::dom::object;
  // The columns are JSON the builder wrote; simdjson's parse is reused, so
  // each text is copied out before the next one is parsed.
  auto strings = [&](std::string_view text, std::vector<std::string>& out) {
    element doc;
    array a;
    if (json_.parse(text.empty() ? std::string_view("[]") : text).get(doc) != SUCCESS ||
        doc.get_array().get(a) != SUCCESS)
      return false;
    for (element v : a) {
      std::string_view s;
      if (v.get_string().get(s) == SUCCESS) out.emplace_back(s);
    }
    return true;
  };
  std::vector<std::string> enumerated;
  const bool versions_ok = strings(versions, enumerated);
  (void)strings(fixed, rs.fixed);
  for (const auto& f : rs.fixed) {
    auto parsed = version::parse(scheme, f);
    rs.fixed_parsed.push_back(parsed ? std::optional<version::Version>(std::move(*parsed)) : std::nullopt);
  }
  element doc;
  array list;  // parsed last: it is read below, and the parser's next parse would end it
  const bool ranges_ok = json_.parse(ranges.empty() ? std::string_view("[]") : ranges).get(doc) == SUCCESS &&
                         doc.get_array().get(list) == SUCCESS;
  if (!ranges_ok) fail("ranges are not a JSON array");
  if (!versions_ok) fail("versions are not a JSON array");
  if (rs.ok) {
    for (element r : list) {
      object o;
      if (r.get_object().get(o) != SUCCESS) continue;
      std::string_view type;
      if (o.at_key("type").get_string().get(type) != SUCCESS) type = {};
      if (type == "GIT") continue;  // commit hashes say nothing about installed versions
      version::Scheme s = scheme;
      // OSV SEMVER ranges are SemVer 2.0; Go keeps its own scheme (it accepts
      // the "v" of module versions and orders pseudo-versions).
      if (type == "SEMVER" && scheme != version::Scheme::kGo) s = version::Scheme::kSemver;
      std::vector<version::Event> events;
      array evs;
      if (o.at_key("events").get_array().get(evs) == SUCCESS)
        for (element e : evs) {
          object eo;
          if (e.get_object().get(eo) != SUCCESS) continue;
          for (auto [k, v] : eo) {
            auto kind = version::parse_event_kind(k);
            std::string_view text;
            if (!kind || v.get_string().get(text) != SUCCESS) continue;
            events.push_back({*kind, std::string(text)});
          }
        }
      auto parsed = version::parse_osv_range(s, events);
      if (!parsed) {
        fail(parsed.error().message);
        continue;
      }
      rs.ranges.push_back(std::move(*parsed));
    }
    for (const auto& v : enumerated) {
      auto parsed = version::parse(scheme, v);
      if (parsed) rs.versions.push_back(std::move(*parsed));  // an odd enumerated version cannot match anyway
    }
  }
  return versions_.emplace(key_, std::move(rs)).first->second;
}

bool contains_version(const RangeSet& rs, Installed& installed) {
  for (const auto& r : rs.ranges) {
    // A SemVer range cannot hold a version of another scheme: compare the
    // text under SemVer then (npm/crates installed versions are SemVer).
    const version::Version* v = installed.as(r.scheme());
    if (v && r.contains(*v)) return true;
  }
  for (const auto& e : rs.versions)
    if (e == installed.version()) return true;
  return false;
}

RowVerdict Run::judge(const Row& row, const Lookup& l, Installed& installed) {
  if (row.status == RowStatus::kNotAffected) return {};
  std::string state = row.status == RowStatus::kUnfixed       ? "not_fixed"
                      : row.status == RowStatus::kWillNotFix ? "will_not_fix"
                      : row.status == RowStatus::kEndOfLife  ? "end_of_life"
                                                             : "fixed";
  const RangeSet& rs = *row.versions;
  if (!rs.ok)
    warn_once(row.advisory + '\x1f' + l.name, warn("advisory " + row.advisory + " for " + l.ecosystem + " package " +
                                                     l.name + ": cannot read its affected versions: " + rs.error));
  if (rs.ranges.empty() && rs.versions.empty()) {
    // No versions given: a distro's "unfixed" (or will-not-fix, end-of-life)
    // covers every version of that release; a bare fixed version covers the
    // versions below it.
    if (state != "fixed") return {rs.ok, state};
    for (const auto& fv : rs.fixed_parsed)
      if (fv && installed.version() < *fv) return {true, state};
    return {};
  }
  if (contains_version(rs, installed)) return {true, state};
  return {};
}

void Run::fill(Finding& f, const Plan& plan, Pending& pending) {
  const Package& p = *plan.package;
  const Application* app = plan.app;
  const std::vector<const Row*>& matched = plan.matched;
  const version::Version& installed = *plan.installed;
  const Row& first = *matched.front();
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
  if (plan.distro) f.attributes["source_package"] = plan.name;

  std::vector<std::string> aliases;
  std::vector<const version::Version*> fixes;
  std::set<std::string_view> fix_texts;
  std::string distro_state;
  for (const Row* r : matched) {
    if (r->advisory != f.id) aliases.push_back(r->advisory);
    if (r->status == RowStatus::kUnfixed) distro_state = "not_fixed";
    if (r->status == RowStatus::kWillNotFix) distro_state = "will_not_fix";
    if (r->status == RowStatus::kEndOfLife) distro_state = "end_of_life";
    const RangeSet& rs = *r->versions;
    for (size_t i = 0; i < rs.fixed.size(); ++i) {
      const auto& fv = rs.fixed_parsed[i];
      if (fv && installed < *fv && fix_texts.insert(rs.fixed[i]).second) fixes.push_back(&*fv);
    }
    if (pending.row_severity.empty() && !r->severity.empty()) {
      pending.row_severity = r->severity;
      pending.row_severity_source = r->source;
    }
  }
  std::sort(fixes.begin(), fixes.end(), [](const version::Version* a, const version::Version* b) { return *a < *b; });
  for (const auto* v : fixes) f.remediation.fixed_versions.push_back(v->text());
  f.remediation.fix_state = !fixes.empty() ? "fixed" : (distro_state.empty() ? "not_fixed" : distro_state);
  std::sort(aliases.begin(), aliases.end());
  aliases.erase(std::unique(aliases.begin(), aliases.end()), aliases.end());
  f.aliases = std::move(aliases);

  // Severity: the vendor first (the distro for OS packages, the advisory
  // databases of the matching records for language packages), then CVSS.
  pending.distro = plan.distro;
  if (plan.distro) {
    pending.vendors.push_back(plan.vendor);
  } else {
    for (const Row* r : matched)
      if (!pending.vendor(r->source)) pending.vendors.push_back(r->source);
  }
}

// NVD v3.1 > v3.0 > v4.0 > v2; lower is better.
int cvss_rank(const record::Severity& s) {
  if (s.type == "cvss_v3") return starts_with(s.vector, "CVSS:3.1") ? 0 : 1;
  if (s.type == "cvss_v4") return 2;
  if (s.type == "cvss_v2") return 3;
  return 4;
}

// A vulnerability's row: its columns and its parsed details record.
struct Details {
  std::string_view summary, details, published, modified;
  record::View facts;
  std::vector<std::string_view> ids;  // aliases and advisory ids, sorted, distinct
};

void apply_details(Finding& f, const Pending& pending, const Details& d) {
  if (!d.ids.empty()) {
    std::vector<std::string> merged;  // both sorted: so is the union
    merged.reserve(f.aliases.size() + d.ids.size());
    auto a = f.aliases.begin();
    auto b = d.ids.begin();
    while (a != f.aliases.end() || b != d.ids.end()) {
      if (b == d.ids.end() || (a != f.aliases.end() && std::string_view(*a) < *b)) {
        merged.push_back(std::move(*a++));
      } else if (a == f.aliases.end() || *b < std::string_view(*a)) {
        merged.emplace_back(*b++);
      } else {
        merged.push_back(std::move(*a++));
        ++b;
      }
    }
    merged.erase(std::remove(merged.begin(), merged.end(), f.id), merged.end());
    f.aliases = std::move(merged);
  }
  f.title = d.summary.empty() ? d.details.substr(0, d.details.find('\n')) : d.summary;
  f.description = d.details;
  f.published = d.published;
  f.modified = d.modified;
  f.references.reserve(d.facts.references.size());
  for (const auto& r : d.facts.references) f.references.emplace_back(r.url);
  if (!d.facts.cwes.empty()) {
    std::string cwes;
    for (const auto& c : d.facts.cwes) {
      if (!cwes.empty()) cwes += ',';
      cwes += c;
    }
    f.attributes["cwe"] = std::move(cwes);
  }
  for (const auto& s : d.facts.severities)
    if (is_cvss(s.type) && s.score)
      f.scores.push_back(Score{std::string(s.source), std::string(s.type), std::string(s.vector), *s.score});
  if (d.facts.epss) {
    f.epss_score = d.facts.epss->score;
    f.epss_percentile = d.facts.epss->percentile;
  }
  if (d.facts.kev) {
    f.known_exploited = true;
    f.known_exploited_since = d.facts.kev->date_added;
  }

  if (!pending.row_severity.empty() && parse_severity(pending.row_severity) != Severity::kUnknown &&
      (!pending.distro || pending.vendor(pending.row_severity_source))) {
    f.severity = parse_severity(pending.row_severity);
    f.severity_source = std::string(pending.row_severity_source);
    return;
  }
  const record::Severity* best = nullptr;
  // Vendor: a text rating beats a vendor CVSS.
  for (const auto& s : d.facts.severities) {
    if (!pending.vendor(s.source) || parse_severity(s.severity) == Severity::kUnknown) continue;
    if (!best || (s.type == "text" && best->type != "text") ||
        (is_cvss(s.type) && is_cvss(best->type) && cvss_rank(s) < cvss_rank(*best)))
      best = &s;
  }
  if (!best) {
    auto better = [](const record::Severity& a, const record::Severity& b) {
      bool an = a.source == "nvd", bn = b.source == "nvd";
      if (an != bn) return an;
      return cvss_rank(a) < cvss_rank(b);
    };
    for (const auto& s : d.facts.severities)
      if (is_cvss(s.type) && parse_severity(s.severity) != Severity::kUnknown && (!best || better(s, *best))) best = &s;
  }
  if (best) {
    f.severity = parse_severity(best->severity);
    f.severity_source = std::string(best->source);
  }
}

// One row per matched vulnerability, each finding of it completed from it.
Status Run::complete(std::vector<Finding>& out) {
  // The kept plans of each vulnerability, by its number.
  std::vector<uint32_t> first(vulnerability_ids_.size(), UINT32_MAX), next(plans.size(), UINT32_MAX);
  for (size_t i = plans.size(); i-- > 0;) {
    if (plans[i].position == SIZE_MAX) continue;
    uint32_t v = plans[i].vulnerability;
    next[i] = first[v];
    first[v] = static_cast<uint32_t>(i);
  }
  // Every row in one statement, by rowid (one B-tree, no statement per
  // vulnerability).
  std::vector<std::pair<int64_t, uint32_t>> by_row;  // (rowid, number), sorted
  by_row.reserve(vulnerability_rows_.size());
  for (uint32_t v = 0; v < vulnerability_rows_.size(); ++v)
    if (first[v] != UINT32_MAX) by_row.emplace_back(vulnerability_rows_[v], v);
  std::sort(by_row.begin(), by_row.end());
  std::string rowids = "[";
  for (const auto& [row, _] : by_row) {
    if (rowids.size() > 1) rowids += ',';
    rowids += std::to_string(row);
  }
  rowids += ']';
  sql::Stmt& st = c_.details;
  st.bind_static(1, rowids);
  Details d;
  std::vector<bool> done(vulnerability_rows_.size(), false);
  Pending pending;
  auto build = [&](uint32_t v) {
    done[v] = true;
    for (uint32_t i = first[v]; i != UINT32_MAX; i = next[i]) {
      Finding& f = out[plans[i].position];
      pending = Pending{};
      fill(f, plans[i], pending);
      apply_details(f, pending, d);
    }
  };
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    const int64_t row = st.integer(0);
    d.summary = st.view(1);
    d.details = st.view(2);
    d.published = st.view(3);
    d.modified = st.view(4);
    d.ids.clear();
    if (auto parsed = c_.parser.parse(st.view(5), d.facts); !parsed) {
      st.reset();
      return parsed.error().within(path_ + ": vulnerability row " + std::to_string(row));
    }
    std::merge(d.facts.aliases.begin(), d.facts.aliases.end(), d.facts.advisories.begin(), d.facts.advisories.end(),
               std::back_inserter(d.ids));
    d.ids.erase(std::unique(d.ids.begin(), d.ids.end()), d.ids.end());
    // Every vulnerability number of this row (one, unless the database is
    // inconsistent).
    for (auto it = std::lower_bound(by_row.begin(), by_row.end(), std::make_pair(row, uint32_t{0}));
         it != by_row.end() && it->first == row; ++it)
      build(it->second);
  }
  st.reset();
  if (rc != SQLITE_DONE) return Error(ErrorCode::kCorrupt, "SQLite: " + c_.db.errmsg(), path_);
  // A vulnerability without a row: its findings get no details.
  d = Details{};
  for (uint32_t v = 0; v < done.size(); ++v)
    if (!done[v] && first[v] != UINT32_MAX) build(v);
  return {};
}

// Distro records of one vulnerability from several feeds: the per-CVE
// tracker records of the distro's own vendor (Debian tracker, Alpine secdb,
// Ubuntu CVE tracker) decide over notices (DSA/DLA/USN) and other feeds.
int distro_row_rank(const Row& r, const std::string& vendor) {
  bool own = r.source == vendor;
  bool per_cve = id_rank(r.advisory) == 0;
  return own && per_cve ? 0 : own ? 1 : 2;
}

Status Run::match_package(size_t item, const Package& p, const std::optional<EcosystemRelease>& distro,
                          const Application* app) {
  item_ = item;
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

  std::vector<const Row*> matched;
  uint32_t package = UINT32_MAX;  // numbered at its first finding
  for (const Lookup& l : lookups) {
    auto rs = rows(l, p);
    if (!rs) return rs.error();
    if ((*rs)->empty()) continue;
    auto parsed = version::parse(l.scheme, l.version);
    if (!parsed) {
      diags.push_back({item_,
                       warn(p.ecosystem + " package " + p.name + ": version '" + l.version +
                                "' cannot be compared: " + parsed.error().message,
                            p.location),
                       {}});
      continue;
    }
    Installed installed(std::move(*parsed));
    // Group the rows by vulnerability (they arrive ordered by it).
    const auto& all = **rs;
    const std::string vendor = l.distro ? vendor_of(l.ecosystem) : std::string();  // distro rows only
    for (size_t i = 0; i < all.size();) {
      size_t j = i;
      while (j < all.size() && all[j].vulnerability == all[i].vulnerability) ++j;
      int best_rank = 3;
      if (l.distro)
        for (size_t k = i; k < j; ++k)
          if (!all[k].withdrawn && all[k].matchable) best_rank = std::min(best_rank, distro_row_rank(all[k], vendor));
      matched.clear();
      for (size_t k = i; k < j; ++k) {
        const Row& r = all[k];
        if (r.withdrawn || !r.matchable) continue;
        if (l.distro && distro_row_rank(r, vendor) != best_rank) continue;
        if (judge(r, l, installed).vulnerable) matched.push_back(&r);
      }
      i = j;
      if (matched.empty()) continue;
      // Same vulnerability already found for this package (an rpm source and
      // binary lookup): merge into that finding.
      if (package == UINT32_MAX) {
        std::string key = p.id + '\x1f' + p.name + '\x1f' + p.version + '\x1f' + p.location.layer + '\x1f' +
                          p.location.path + '\x1f' + (app ? app->path : "");
        auto [it, added] = packages_.try_emplace(std::move(key), static_cast<uint32_t>(packages_.size()));
        if (added) package_keys_.push_back(&it->first);
        package = it->second;
      }
      auto [vit, vadded] = vulnerabilities_.try_emplace(matched.front()->vulnerability,
                                                        static_cast<uint32_t>(vulnerabilities_.size()));
      if (vadded) {
        vulnerability_ids_.push_back(&vit->first);
        vulnerability_rows_.push_back(matched.front()->vulnerability_row);
      }
      if (!seen_.try_emplace(uint64_t{package} << 32 | vit->second, item).second) continue;
      Plan& plan = plans.emplace_back();
      plan.item = item;
      plan.package = &p;
      plan.app = app;
      plan.distro = l.distro;
      plan.name = l.name;
      if (l.distro) plan.vendor = *vendors_.insert(vendor).first;
      plan.matched = matched;
      plan.installed = installed.version();
      plan.package_number = package;
      plan.vulnerability = vit->second;
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
  // Every package in order. A large inventory is matched by two threads,
  // each on its own connection, taking chunks of 16 packages in turn (the
  // first thread the even chunks; fixed, so that a run can be repeated); their
  // results are joined in package order as one thread would give them: a
  // finding (same package, location and vulnerability) or a once-only
  // diagnostic that the other thread had at an earlier package is dropped.
  std::vector<std::pair<const Package*, const Application*>> items;
  for (const auto& p : inventory.packages) items.emplace_back(&p, nullptr);
  for (const auto& app : inventory.applications)
    for (const auto& p : app.packages) items.emplace_back(&p, &app);
  constexpr size_t kTwoThreadsFrom = 64;  // below this a second thread costs more than it saves
  constexpr size_t kChunk = 16;
  const bool two = items.size() >= kTwoThreadsFrom;
  const size_t stride = two ? 2 * kChunk : kChunk;
  Run runs[2] = {Run(impl_->connections[0], impl_->path, impl_->package_filter),
                 Run(impl_->connections[1], impl_->path, impl_->package_filter)};
  Status found[2], built[2];
  size_t failed_at[2] = {Run::kNever, Run::kNever};
  // Matching: each thread its chunks, in one read transaction (one file
  // lock and a page cache that stays valid) that lasts until its findings
  // are built.
  auto match_part = [&](int r) -> Status {
    if (auto st = impl_->connections[r].db.exec("BEGIN"); !st) return st.error().within(impl_->path);
    for (size_t from = r * kChunk; from < items.size(); from += stride)
      for (size_t i = from; i < std::min(from + kChunk, items.size()); ++i)
        if (auto st = runs[r].match_package(i, *items[i].first, distro, items[i].second); !st) {
          failed_at[r] = i;
          return st;
        }
    return {};
  };
  auto end_part = [&](int r) {
    (void)impl_->connections[r].db.exec("COMMIT");
    runs[r].release();
  };
  // The second thread matches, waits for the join to give its plans their
  // positions, then builds its findings in place.
  std::mutex mu;
  std::condition_variable changed;
  bool matched_second = false, positions_ready = false, abandon = false;
  std::thread helper;
  if (two)
    helper = std::thread([&] {
      found[1] = match_part(1);
      std::unique_lock lock(mu);
      matched_second = true;
      changed.notify_all();
      changed.wait(lock, [&] { return positions_ready || abandon; });
      lock.unlock();
      if (positions_ready && found[1].ok()) built[1] = runs[1].complete(out);
      end_part(1);
    });
  found[0] = match_part(0);
  if (two) {
    std::unique_lock lock(mu);
    changed.wait(lock, [&] { return matched_second; });
  }
  auto abandon_helper = [&] {
    if (!helper.joinable()) return;
    {
      std::lock_guard lock(mu);
      abandon = true;
    }
    changed.notify_all();
    helper.join();
  };
  // The error a match in order would have met first.
  if (!found[0] && (found[1] || failed_at[0] <= failed_at[1])) {
    abandon_helper();
    end_part(0);
    return found[0].error();
  }
  if (!found[1]) {
    abandon_helper();
    end_part(0);
    return found[1].error();
  }

  // The join: plans in package order; one that the other thread had at an
  // earlier package (same package, location and vulnerability) is dropped.
  size_t kept = 0;
  for (size_t i[2] = {0, 0};;) {
    auto& p0 = runs[0].plans;
    auto& p1 = runs[1].plans;
    int r = i[0] < p0.size() && (i[1] >= p1.size() || p0[i[0]].item < p1[i[1]].item) ? 0
            : i[1] < p1.size()                                                        ? 1
                                                                                      : -1;
    if (r < 0) break;
    Run::Plan& plan = runs[r].plans[i[r]++];
    if (runs[1 - r].found_at(runs[r].package_key(plan), *runs[r].vulnerability_id(plan)) < plan.item) continue;
    plan.position = kept++;
  }
  out.resize(kept);
  for (size_t i[2] = {0, 0};;) {
    int r = i[0] < runs[0].diags.size() &&
                    (i[1] >= runs[1].diags.size() || runs[0].diags[i[0]].item < runs[1].diags[i[1]].item)
                ? 0
            : i[1] < runs[1].diags.size() ? 1
                                          : -1;
    if (r < 0) break;
    Run::Diag& d = runs[r].diags[i[r]++];
    if (!d.key.empty() && runs[1 - r].reported_at(d.key) < d.item) continue;
    diagnostics.push_back(std::move(d.diagnostic));
  }
  if (helper.joinable()) {
    {
      std::lock_guard lock(mu);
      positions_ready = true;
    }
    changed.notify_all();
  }
  built[0] = runs[0].complete(out);
  end_part(0);
  if (helper.joinable()) helper.join();
  if (!built[0]) return built[0].error();
  if (!built[1]) return built[1].error();
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
