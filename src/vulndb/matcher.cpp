// The vulnerability matcher: inventory + database -> findings. The rules are
// in docs/vulndb.md ("Matching"); the comments here say why.
#include <pthread.h>
#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "version/version.hpp"
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

// ------------------------------------------------------------------ impl --

// The matcher keeps its own read-only connections with prepared statements
// that live as long as it does: the Reader's per-call statements cost more
// than the lookups themselves at 2,000 packages a scan. The details of a
// matched vulnerability are its one row in `vulnerabilities` (with the
// details record), read on a second connection by a second thread while the
// first goes on with the lookups.
struct Matcher::Impl {
  Reader reader;
  sql::Db db, details_db;
  sql::Stmt aff_release, aff_all;  // on db
  sql::Stmt details;               // on details_db
  std::string path;
  record::Parser parser;  // the details thread's
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
    "withdrawn, severity FROM affected WHERE ecosystem=?1 AND package=?2";
}  // namespace

Result<Matcher> Matcher::open(const std::string& path) {
  auto r = Reader::open(path);  // validates the file and its schema version
  if (!r) return r.error();
  Matcher m(std::move(*r));
  Impl& impl = *m.impl_;
  impl.path = path;
  // The file is read-only and read in bursts: map it rather than pread page
  // by page, and keep a larger page cache between scans.
  auto connect = [&](sql::Db& db) -> Status {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    db = sql::Db(raw);
    if (rc != SQLITE_OK) return Error(ErrorCode::kIo, "SQLite: cannot open: " + db.errmsg(), path);
    (void)db.exec("PRAGMA mmap_size=1073741824; PRAGMA cache_size=-32768;");
    return {};
  };
  if (auto st = connect(impl.db); !st) return st.error();
  if (auto st = connect(impl.details_db); !st) return st.error();
  auto prepare = [&](const sql::Db& db, sql::Stmt& out, const std::string& text) -> Status {
    auto st = sql::Stmt::prepare(db, text);
    if (!st) return st.error().within(path);
    out = std::move(*st);
    return {};
  };
  if (auto st = prepare(impl.db, impl.aff_release, std::string(kAffectedColumns) + " AND distro_release=?3"); !st)
    return st.error();
  if (auto st = prepare(impl.db, impl.aff_all, kAffectedColumns); !st) return st.error();
  if (auto st = prepare(impl.details_db, impl.details,
                        "SELECT summary, details, published, modified, record FROM vulnerabilities WHERE id=?1");
      !st)
    return st.error();
  return m;
}

namespace {

// What fill() learnt from the rows, kept until the details arrive.
struct Pending {
  size_t index = 0;  // into the output
  uint32_t vulnerability = 0;  // its number at the DetailsFetcher
  bool distro = false;
  std::vector<std::string> vendors;  // few: a plain list
  bool vendor(std::string_view v) const { return std::find(vendors.begin(), vendors.end(), v) != vendors.end(); }
  std::string row_severity, row_severity_source;
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

// What a finding takes from its vulnerability's row, owned (it crosses
// from the details thread).
struct Fetched {
  std::string summary, details, published, modified;
  std::vector<std::string> ids;  // aliases and advisory ids, sorted, distinct
  std::vector<std::string> references;
  std::string cwe;               // comma-separated
  std::vector<Score> scores;     // the CVSS entries with a score
  struct Rating {
    std::string source, type, vector, severity;
  };
  std::vector<Rating> ratings;   // every severity entry, in order
  std::optional<double> epss_score, epss_percentile;
  bool known_exploited = false;
  std::string known_exploited_since;
};

void fetched_from(const record::View& v, Fetched& out) {
  out.ids.reserve(v.aliases.size() + v.advisories.size());
  out.ids.assign(v.aliases.begin(), v.aliases.end());
  out.ids.insert(out.ids.end(), v.advisories.begin(), v.advisories.end());
  std::sort(out.ids.begin(), out.ids.end());
  out.ids.erase(std::unique(out.ids.begin(), out.ids.end()), out.ids.end());
  for (const auto& r : v.references) out.references.emplace_back(r.url);
  for (const auto& c : v.cwes) {
    if (!out.cwe.empty()) out.cwe += ',';
    out.cwe += c;
  }
  for (const auto& s : v.severities) {
    if (is_cvss(s.type) && s.score)
      out.scores.push_back(Score{std::string(s.source), std::string(s.type), std::string(s.vector), *s.score});
    out.ratings.push_back({std::string(s.source), std::string(s.type), std::string(s.vector), std::string(s.severity)});
  }
  if (v.epss) out.epss_score = v.epss->score, out.epss_percentile = v.epss->percentile;
  if (v.kev) out.known_exploited = true, out.known_exploited_since = v.kev->date_added;
}

// Reads the details of matched vulnerabilities on its own thread and
// connection while the matching thread goes on with the lookups.
class DetailsFetcher {
 public:
  explicit DetailsFetcher(Matcher::Impl& impl) : impl_(impl), thread_([this] { run(); }) {}
  ~DetailsFetcher() { (void)finish(); }
  DetailsFetcher(const DetailsFetcher&) = delete;
  DetailsFetcher& operator=(const DetailsFetcher&) = delete;

  // Asks for the details of `id` (read once per id); returns its number.
  uint32_t want(const std::string& id) {
    auto [it, added] = numbers_.try_emplace(id, static_cast<uint32_t>(numbers_.size()));
    if (added) {
      batch_.emplace_back(it->second, id);
      if (batch_.size() >= 64) hand_over();
    }
    return it->second;
  }
  // Waits until everything asked for is read.
  Status finish() {
    if (thread_.joinable()) {
      hand_over();
      {
        std::lock_guard lock(mu_);
        closing_ = true;
      }
      ready_.notify_one();
      thread_.join();
    }
    if (error_) return *error_;
    return {};
  }
  // After finish(): the details of the id numbered `n`, or nullptr when it
  // has no row.
  Fetched* get(uint32_t n) { return n < done_.size() && done_[n] ? &*done_[n] : nullptr; }

 private:
  void hand_over() {
    if (batch_.empty()) return;
    {
      std::lock_guard lock(mu_);
      for (auto& item : batch_) queue_.push_back(std::move(item));
    }
    batch_.clear();
    ready_.notify_one();
  }
  void run() {
    pthread_setname_np(pthread_self(), "vuln-details");
    sql::Db& db = impl_.details_db;
    // One read transaction, as on the matching thread's connection.
    if (auto st = db.exec("BEGIN"); !st) error_ = st.error().within(impl_.path);
    std::vector<std::pair<uint32_t, std::string>> ids;
    record::View view;
    for (;;) {
      {
        std::unique_lock lock(mu_);
        ready_.wait(lock, [&] { return !queue_.empty() || closing_; });
        if (queue_.empty()) break;
        ids.swap(queue_);
      }
      for (size_t i = 0; i < ids.size() && !error_; ++i) {
        const auto& [n, id] = ids[i];
        sql::Stmt& st = impl_.details;
        st.bind_static(1, id);
        int rc = st.step();
        if (rc == SQLITE_ROW) {
          if (done_.size() <= n) done_.resize(n + 1);
          Fetched& d = done_[n].emplace();
          d.summary = st.view(0);
          d.details = st.view(1);
          d.published = st.view(2);
          d.modified = st.view(3);
          if (auto parsed = impl_.parser.parse(st.view(4), view); !parsed)
            error_ = parsed.error().within(impl_.path + ": " + id);
          else
            fetched_from(view, d);
        } else if (rc != SQLITE_DONE) {
          error_ = Error(ErrorCode::kCorrupt, "SQLite: " + db.errmsg(), impl_.path);
        }
        st.reset();
      }
      ids.clear();  // after an error the rest is only drained
    }
    (void)db.exec("COMMIT");
  }

  Matcher::Impl& impl_;
  std::unordered_map<std::string, uint32_t> numbers_;     // the matching thread's
  std::vector<std::pair<uint32_t, std::string>> batch_;  // the matching thread's, not handed over yet
  std::mutex mu_;
  std::condition_variable ready_;
  std::vector<std::pair<uint32_t, std::string>> queue_;  // guarded by mu_
  bool closing_ = false;            // guarded by mu_
  // The details thread's until finish() has joined it:
  std::vector<std::optional<Fetched>> done_;  // by number
  std::optional<Error> error_;
  std::thread thread_;  // last: it starts once the rest is built
};

// State of one match() call: caches so that each (ecosystem, name, release)
// is looked up once and each range is parsed once; the details of every
// matched vulnerability are read at the end.
class Run {
 public:
  Run(Matcher::Impl& impl, std::vector<Diagnostic>& diags) : impl_(impl), diags_(diags), fetcher_(impl) {}

  // `app` is the application a language package belongs to (nullptr for OS packages).
  Status match_package(const Package& p, const std::optional<EcosystemRelease>& distro, const Application* app,
                       std::deque<Finding>& out);
  Status enrich(std::deque<Finding>& out);

 private:
  Result<const std::vector<Row>*> rows(const Lookup& l, const Package& p);
  const RangeSet& versions(version::Scheme scheme, std::string_view ranges, std::string_view versions,
                           std::string_view fixed);
  RowVerdict judge(const Row& row, const Lookup& l, Installed& installed);
  void fill(Finding& f, const Lookup& l, const Package& p, const Application* app,
            const std::vector<const Row*>& matched, const version::Version& installed, Pending& pending);

  Matcher::Impl& impl_;
  std::vector<Diagnostic>& diags_;
  std::unordered_map<std::string, std::vector<Row>> rows_;
  std::unordered_map<std::string, RangeSet> versions_;
  std::string key_;  // scratch
  simdjson::dom::parser json_;
  std::vector<Pending> pending_;
  std::set<std::string> reported_;
  // (package, location) -> its number; (vulnerability, package) numbers already reported
  std::unordered_map<std::string, uint32_t> packages_;
  std::unordered_set<uint64_t> seen_;
  DetailsFetcher fetcher_;  // last: its thread ends before the rest goes
};

Result<const std::vector<Row>*> Run::rows(const Lookup& l, const Package& p) {
  std::string name = normalize_package_name(l.ecosystem, l.name);
  std::string key = std::to_string(static_cast<int>(l.scheme)) + '\x1f' + l.ecosystem + '\x1f' + name + '\x1f' +
                    l.release + '\x1f' + l.release_prefix;
  auto it = rows_.find(key);
  if (it != rows_.end()) return &it->second;
  sql::Stmt& st = l.release.empty() ? impl_.aff_all : impl_.aff_release;
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
  }
  st.reset();
  if (!capped && rc != SQLITE_DONE) return Error(ErrorCode::kCorrupt, "SQLite: " + impl_.db.errmsg(), impl_.path);
  if (capped)
    diags_.push_back(warn("vulnerability database has more than " + std::to_string(kMaxRowsPerPackage) +
                              " records for " + l.ecosystem + " package " + l.name + "; the rest were not matched",
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
    for (const auto& fv : rs.fixed_parsed)
      if (fv && installed.version() < *fv) return {true, state};
    return {};
  }
  if (contains_version(rs, installed)) return {true, state};
  return {};
}

void Run::fill(Finding& f, const Lookup& l, const Package& p, const Application* app,
               const std::vector<const Row*>& matched, const version::Version& installed, Pending& pending) {
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
  if (l.distro) f.attributes["source_package"] = l.name;

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
  pending.distro = l.distro;
  if (l.distro) {
    pending.vendors.push_back(vendor_of(l.ecosystem));
  } else {
    for (const Row* r : matched)
      if (!pending.vendor(r->source)) pending.vendors.push_back(r->source);
  }
}

// NVD v3.1 > v3.0 > v4.0 > v2; lower is better.
int cvss_rank(const Fetched::Rating& s) {
  if (s.type == "cvss_v3") return starts_with(s.vector, "CVSS:3.1") ? 0 : 1;
  if (s.type == "cvss_v4") return 2;
  if (s.type == "cvss_v2") return 3;
  return 4;
}

// `last`: no other finding needs `d`, its strings may be moved out.
void apply_details(Finding& f, const Pending& pending, Fetched& d, bool last) {
  auto take = [&](std::string& from) { return last ? std::move(from) : from; };
  if (!d.ids.empty()) {
    std::vector<std::string> merged;  // both sorted: the union is sorted
    merged.reserve(f.aliases.size() + d.ids.size());
    std::set_union(f.aliases.begin(), f.aliases.end(), d.ids.begin(), d.ids.end(), std::back_inserter(merged));
    merged.erase(std::remove(merged.begin(), merged.end(), f.id), merged.end());
    f.aliases = std::move(merged);
  }
  f.title = d.summary.empty() ? d.details.substr(0, d.details.find('\n')) : take(d.summary);
  f.description = take(d.details);
  f.published = take(d.published);
  f.modified = take(d.modified);
  if (last) {
    f.references = std::move(d.references);
    f.scores = std::move(d.scores);
  } else {
    f.references = d.references;
    f.scores = d.scores;
  }
  if (!d.cwe.empty()) f.attributes["cwe"] = d.cwe;
  f.epss_score = d.epss_score;
  f.epss_percentile = d.epss_percentile;
  if (d.known_exploited) {
    f.known_exploited = true;
    f.known_exploited_since = d.known_exploited_since;
  }

  if (!pending.row_severity.empty() && parse_severity(pending.row_severity) != Severity::kUnknown &&
      (!pending.distro || pending.vendor(pending.row_severity_source))) {
    f.severity = parse_severity(pending.row_severity);
    f.severity_source = pending.row_severity_source;
    return;
  }
  const Fetched::Rating* best = nullptr;
  // Vendor: a text rating beats a vendor CVSS.
  for (const auto& s : d.ratings) {
    if (!pending.vendor(s.source) || parse_severity(s.severity) == Severity::kUnknown) continue;
    if (!best || (s.type == "text" && best->type != "text") ||
        (is_cvss(s.type) && is_cvss(best->type) && cvss_rank(s) < cvss_rank(*best)))
      best = &s;
  }
  if (!best) {
    auto better = [](const Fetched::Rating& a, const Fetched::Rating& b) {
      bool an = a.source == "nvd", bn = b.source == "nvd";
      if (an != bn) return an;
      return cvss_rank(a) < cvss_rank(b);
    };
    for (const auto& s : d.ratings)
      if (is_cvss(s.type) && parse_severity(s.severity) != Severity::kUnknown && (!best || better(s, *best))) best = &s;
  }
  if (best) {
    f.severity = parse_severity(best->severity);
    f.severity_source = best->source;
  }
}

Status Run::enrich(std::deque<Finding>& out) {
  if (auto st = fetcher_.finish(); !st) return st;
  // The last finding of a vulnerability may take its details' strings.
  std::vector<size_t> last(pending_.size(), SIZE_MAX);
  for (size_t i = 0; i < pending_.size(); ++i) {
    uint32_t n = pending_[i].vulnerability;
    if (last.size() <= n) last.resize(n + 1, SIZE_MAX);
    last[n] = i;
  }
  Fetched none;
  for (size_t i = 0; i < pending_.size(); ++i) {
    const Pending& pd = pending_[i];
    Fetched* d = fetcher_.get(pd.vulnerability);
    apply_details(out[pd.index], pd, d ? *d : none, d && last[pd.vulnerability] == i);
  }
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

Status Run::match_package(const Package& p, const std::optional<EcosystemRelease>& distro, const Application* app,
                          std::deque<Finding>& out) {
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
      diags_.push_back(warn(p.ecosystem + " package " + p.name + ": version '" + l.version +
                                "' cannot be compared: " + parsed.error().message,
                            p.location));
      continue;
    }
    Installed installed(std::move(*parsed));
    // Group the rows by vulnerability (they arrive ordered by it).
    const auto& all = **rs;
    const std::string vendor = vendor_of(l.ecosystem);
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
        package = packages_.try_emplace(std::move(key), static_cast<uint32_t>(packages_.size())).first->second;
      }
      Pending pending;
      pending.vulnerability = fetcher_.want(matched.front()->vulnerability);
      if (!seen_.insert(uint64_t{package} << 32 | pending.vulnerability).second) continue;
      pending.index = out.size();
      Finding& f = out.emplace_back();  // a deque: built in place, never moved
      fill(f, l, p, app, matched, installed.version(), pending);
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
  std::deque<Finding> found;
  for (const auto& p : inventory.packages)
    if (auto st = run.match_package(p, distro, nullptr, found); !st) return st.error();
  for (const auto& app : inventory.applications)
    for (const auto& p : app.packages)
      if (auto st = run.match_package(p, distro, &app, found); !st) return st.error();
  if (auto st = run.enrich(found); !st) return st.error();
  out.reserve(found.size());
  for (auto& f : found) out.push_back(std::move(f));
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
