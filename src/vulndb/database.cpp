// The database file: schema, the atomic writer (alias merging included) and
// the read-only reader. The schema is documented in docs/vulndb.md; keep the
// two in step and bump kSchemaVersion when a column changes meaning.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <set>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "core/json.hpp"
#include "vulndb/sqlite.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb {
namespace fs = std::filesystem;
namespace {

constexpr const char* kCreateTables = R"sql(
CREATE TABLE metadata (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (
  name TEXT PRIMARY KEY, format TEXT NOT NULL, location TEXT NOT NULL,
  data_date TEXT, records INTEGER NOT NULL, skipped INTEGER NOT NULL);
CREATE TABLE vulnerabilities (
  id TEXT PRIMARY KEY, summary TEXT, details TEXT,
  published TEXT, modified TEXT, withdrawn TEXT);
CREATE TABLE advisories (
  id TEXT PRIMARY KEY, vulnerability TEXT NOT NULL, source TEXT NOT NULL,
  summary TEXT, published TEXT, modified TEXT, withdrawn TEXT,
  related TEXT, location TEXT);
CREATE TABLE aliases (alias TEXT PRIMARY KEY, vulnerability TEXT NOT NULL);
CREATE TABLE severities (
  vulnerability TEXT NOT NULL, source TEXT NOT NULL, type TEXT NOT NULL,
  vector TEXT NOT NULL, score REAL, severity TEXT);
CREATE TABLE cwes (vulnerability TEXT NOT NULL, cwe TEXT NOT NULL);
CREATE TABLE refs (vulnerability TEXT NOT NULL, type TEXT, url TEXT NOT NULL);
CREATE TABLE affected (
  vulnerability TEXT NOT NULL, advisory TEXT NOT NULL, source TEXT NOT NULL,
  ecosystem TEXT NOT NULL, distro_release TEXT NOT NULL, variant TEXT NOT NULL,
  package TEXT NOT NULL, purl TEXT, ranges TEXT NOT NULL, versions TEXT NOT NULL,
  status TEXT NOT NULL, fixed TEXT NOT NULL, matchable INTEGER NOT NULL,
  withdrawn INTEGER NOT NULL, severity TEXT);
CREATE TABLE epss (cve TEXT PRIMARY KEY, score REAL NOT NULL, percentile REAL NOT NULL, date TEXT);
CREATE TABLE kev (
  cve TEXT PRIMARY KEY, date_added TEXT, due_date TEXT, ransomware TEXT,
  vendor TEXT, product TEXT, name TEXT);
)sql";

// Created after the bulk insert: building an index once over sorted data is
// much cheaper than maintaining it row by row.
constexpr const char* kCreateIndexes = R"sql(
CREATE INDEX affected_by_package ON affected (ecosystem, package, distro_release);
CREATE INDEX affected_by_vulnerability ON affected (vulnerability);
CREATE INDEX aliases_by_vulnerability ON aliases (vulnerability);
CREATE INDEX advisories_by_vulnerability ON advisories (vulnerability);
CREATE INDEX severities_by_vulnerability ON severities (vulnerability);
CREATE INDEX cwes_by_vulnerability ON cwes (vulnerability);
CREATE INDEX refs_by_vulnerability ON refs (vulnerability);
)sql";

std::string now_utc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string json_array(const std::vector<std::string>& v) { return json(v).dump(); }

// Union-find over advisory ids and their aliases. Two groups that each
// already hold a different CVE are never joined: distinct CVEs are distinct
// vulnerabilities, whatever a notice that lists both says.
class AliasGraph {
 public:
  size_t node(const std::string& id) {
    auto [it, inserted] = index_.try_emplace(id, parent_.size());
    if (inserted) {
      parent_.push_back(it->second);
      cve_.push_back(starts_with(id, "CVE-") ? id : std::string());
      ids_.push_back(id);
    }
    return it->second;
  }
  size_t find(size_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  void join(const std::string& a, const std::string& b) {
    size_t ra = find(node(a)), rb = find(node(b));
    if (ra == rb) return;
    if (!cve_[ra].empty() && !cve_[rb].empty() && cve_[ra] != cve_[rb]) return;
    parent_[rb] = ra;
    if (cve_[ra].empty()) cve_[ra] = cve_[rb];
  }
  size_t size() const { return parent_.size(); }
  const std::string& id(size_t n) const { return ids_[n]; }
  size_t lookup(const std::string& id) const { return index_.at(id); }

 private:
  std::unordered_map<std::string, size_t> index_;
  std::vector<size_t> parent_;
  std::vector<std::string> cve_;
  std::vector<std::string> ids_;
};

bool better_id(const std::string& a, const std::string& b) {
  int ra = id_rank(a), rb = id_rank(b);
  return ra != rb ? ra < rb : a < b;
}

Status fsync_path(const std::string& path, bool directory) {
  int fd = ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDWR) | O_CLOEXEC);
  if (fd < 0) return Error(ErrorCode::kIo, std::string("open for fsync: ") + std::strerror(errno), path);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Error(ErrorCode::kIo, std::string("fsync: ") + std::strerror(err), path);
  return {};
}

Result<sql::Db> open_db(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  sql::Db db(raw);
  if (rc != SQLITE_OK) return Error(ErrorCode::kIo, "SQLite: cannot open: " + db.errmsg(), path);
  sqlite3_extended_result_codes(raw, 1);
  return db;
}

#define VULNDB_TRY(expr)            \
  do {                              \
    auto _st = (expr);              \
    if (!_st.ok()) return _st.error(); \
  } while (0)

struct Statements {
  sql::Stmt vuln, adv, alias, sev, cwe, ref, aff, epss, kev, source, meta;
};

Result<Statements> prepare_all(const sql::Db& db) {
  Statements s;
  auto prep = [&](sql::Stmt& out, const char* text) -> Status {
    auto r = sql::Stmt::prepare(db, text);
    if (!r) return r.error();
    out = std::move(*r);
    return {};
  };
  VULNDB_TRY(prep(s.vuln, "INSERT INTO vulnerabilities VALUES (?1,?2,?3,?4,?5,?6)"));
  VULNDB_TRY(prep(s.adv, "INSERT INTO advisories VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)"));
  VULNDB_TRY(prep(s.alias, "INSERT OR IGNORE INTO aliases VALUES (?1,?2)"));
  VULNDB_TRY(prep(s.sev, "INSERT INTO severities VALUES (?1,?2,?3,?4,?5,?6)"));
  VULNDB_TRY(prep(s.cwe, "INSERT INTO cwes VALUES (?1,?2)"));
  VULNDB_TRY(prep(s.ref, "INSERT INTO refs VALUES (?1,?2,?3)"));
  VULNDB_TRY(prep(s.aff, "INSERT INTO affected VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)"));
  VULNDB_TRY(prep(s.epss, "INSERT OR REPLACE INTO epss VALUES (?1,?2,?3,?4)"));
  VULNDB_TRY(prep(s.kev, "INSERT OR REPLACE INTO kev VALUES (?1,?2,?3,?4,?5,?6,?7)"));
  VULNDB_TRY(prep(s.source, "INSERT OR REPLACE INTO sources VALUES (?1,?2,?3,?4,?5,?6)"));
  VULNDB_TRY(prep(s.meta, "INSERT OR REPLACE INTO metadata VALUES (?1,?2)"));
  return s;
}

Status step_done(sql::Stmt& st, const sql::Db& db, const char* what) {
  int rc = st.step();
  st.reset();
  if (rc != SQLITE_DONE) return Error(ErrorCode::kIo, std::string("SQLite insert into ") + what + ": " + db.errmsg());
  return {};
}

Status fill(const sql::Db& db, const Dataset& data, const WriteOptions& opt, WriteStats& stats) {
  auto prepared = prepare_all(db);
  if (!prepared) return prepared.error();
  Statements& s = *prepared;

  // One record per advisory id: a record imported twice (two archives holding
  // the same GHSA) keeps the most recently modified copy.
  // A feed that publishes one record in parts, one file each (Alpine's secdb:
  // one file per release, the same CVE in each, no dates), gives copies with
  // the same origin and date: the affected rows of every part are kept
  // (identical rows once, so a record imported twice is not doubled).
  std::unordered_map<std::string, size_t> by_id;
  std::unordered_map<std::string, std::vector<size_t>> parts;
  for (size_t i = 0; i < data.advisories.size(); ++i) {
    const Advisory& a = data.advisories[i];
    auto [it, inserted] = by_id.try_emplace(a.id, i);
    if (inserted) continue;
    const Advisory& kept = data.advisories[it->second];
    if (kept.origin == a.origin && kept.modified == a.modified)
      parts[a.id].push_back(i);
    else if (kept.modified < a.modified)
      it->second = i;
  }

  AliasGraph graph;
  for (const auto& [id, idx] : by_id) {
    const Advisory& a = data.advisories[idx];
    graph.node(a.id);
    size_t cves = 0;
    for (const auto& al : a.aliases) cves += starts_with(al, "CVE-") ? 1 : 0;
    for (const auto& al : a.aliases) {
      // A notice listing several CVEs (DSA, USN, RHSA) is about each of them:
      // it joins none of them, it is kept as its own vulnerability.
      if (cves > 1 && starts_with(al, "CVE-")) continue;
      graph.join(a.id, al);
    }
    if (a.upstream.size() == 1) graph.join(a.id, a.upstream[0]);
  }

  // Groups: root -> member nodes; canonical = best id among members.
  std::unordered_map<size_t, std::vector<size_t>> groups;
  for (size_t n = 0; n < graph.size(); ++n) groups[graph.find(n)].push_back(n);
  std::unordered_map<size_t, std::vector<const Advisory*>> group_advisories;
  for (const auto& [id, idx] : by_id) group_advisories[graph.find(graph.lookup(id))].push_back(&data.advisories[idx]);

  std::vector<size_t> roots;
  roots.reserve(group_advisories.size());
  for (const auto& [root, _] : group_advisories) roots.push_back(root);
  std::sort(roots.begin(), roots.end());  // deterministic output order

  uint64_t inserted_advisories = 0;
  for (size_t root : roots) {
    auto& advs = group_advisories[root];
    std::sort(advs.begin(), advs.end(), [](const Advisory* x, const Advisory* y) { return better_id(x->id, y->id); });
    std::string canonical;
    for (size_t n : groups[root])
      if (canonical.empty() || better_id(graph.id(n), canonical)) canonical = graph.id(n);

    std::string summary, details, published, modified, withdrawn;
    bool all_withdrawn = true;
    for (const Advisory* a : advs) {
      if (summary.empty()) summary = a->summary;
      if (details.empty()) details = a->details;
      if (!a->published.empty() && (published.empty() || a->published < published)) published = a->published;
      if (a->modified > modified) modified = a->modified;
      if (a->withdrawn.empty())
        all_withdrawn = false;
      else if (a->withdrawn > withdrawn)
        withdrawn = a->withdrawn;
    }
    if (!all_withdrawn) withdrawn.clear();
    s.vuln.bind(1, canonical);
    s.vuln.bind_or_null(2, summary);
    s.vuln.bind_or_null(3, details);
    s.vuln.bind_or_null(4, published);
    s.vuln.bind_or_null(5, modified);
    s.vuln.bind_or_null(6, withdrawn);
    VULNDB_TRY(step_done(s.vuln, db, "vulnerabilities"));
    ++stats.vulnerabilities;

    for (size_t n : groups[root]) {
      s.alias.bind(1, graph.id(n));
      s.alias.bind(2, canonical);
      VULNDB_TRY(step_done(s.alias, db, "aliases"));
      ++stats.aliases;
    }

    std::set<std::tuple<std::string, std::string, std::string>> seen_sev;
    std::set<std::string> seen_cwe, seen_ref;
    for (const Advisory* a : advs) {
      if (opt.fail_after_advisories && inserted_advisories >= opt.fail_after_advisories)
        return Error(ErrorCode::kIo, "simulated failure after " + std::to_string(inserted_advisories) + " advisories");
      s.adv.bind(1, a->id);
      s.adv.bind(2, canonical);
      s.adv.bind(3, a->origin);
      s.adv.bind_or_null(4, a->summary);
      s.adv.bind_or_null(5, a->published);
      s.adv.bind_or_null(6, a->modified);
      s.adv.bind_or_null(7, a->withdrawn);
      s.adv.bind(8, json_array(a->related));
      s.adv.bind_or_null(9, a->location);
      VULNDB_TRY(step_done(s.adv, db, "advisories"));
      ++inserted_advisories;
      for (const auto& sv : a->severities) {
        if (!seen_sev.emplace(sv.source, sv.type, sv.vector).second) continue;
        s.sev.bind(1, canonical);
        s.sev.bind(2, sv.source);
        s.sev.bind(3, sv.type);
        s.sev.bind(4, sv.vector);
        s.sev.bind(5, sv.score);
        s.sev.bind_or_null(6, sv.severity);
        VULNDB_TRY(step_done(s.sev, db, "severities"));
      }
      for (const auto& c : a->cwes) {
        if (!seen_cwe.insert(c).second) continue;
        s.cwe.bind(1, canonical);
        s.cwe.bind(2, c);
        VULNDB_TRY(step_done(s.cwe, db, "cwes"));
      }
      for (const auto& r : a->references) {
        if (!seen_ref.insert(r.url).second) continue;
        s.ref.bind(1, canonical);
        s.ref.bind_or_null(2, r.type);
        s.ref.bind(3, r.url);
        VULNDB_TRY(step_done(s.ref, db, "refs"));
      }
      std::vector<const AffectedEntry*> rows;
      std::set<std::tuple<std::string, std::string, std::string, std::string, std::string>> seen_aff;
      auto collect = [&](const Advisory& from) {
        for (const auto& af : from.affected)
          if (seen_aff.emplace(af.ecosystem, af.release, af.package, af.ranges_json, af.status).second) rows.push_back(&af);
      };
      collect(*a);
      if (auto pt = parts.find(a->id); pt != parts.end())
        for (size_t i : pt->second)
          if (data.advisories[i].origin == a->origin && data.advisories[i].modified == a->modified) collect(data.advisories[i]);
      for (const AffectedEntry* afp : rows) {
        const AffectedEntry& af = *afp;
        s.aff.bind(1, canonical);
        s.aff.bind(2, a->id);
        s.aff.bind(3, a->origin);
        s.aff.bind(4, af.ecosystem);
        s.aff.bind(5, af.release);
        s.aff.bind(6, af.variant);
        s.aff.bind(7, af.package);
        s.aff.bind_or_null(8, af.purl);
        s.aff.bind(9, af.ranges_json.empty() ? std::string_view("[]") : std::string_view(af.ranges_json));
        s.aff.bind(10, af.versions_json.empty() ? std::string_view("[]") : std::string_view(af.versions_json));
        s.aff.bind(11, af.status);
        s.aff.bind(12, json_array(af.fixed));
        s.aff.bind(13, int64_t{af.matchable ? 1 : 0});
        s.aff.bind(14, int64_t{a->withdrawn.empty() ? 0 : 1});
        s.aff.bind_or_null(15, af.severity);
        VULNDB_TRY(step_done(s.aff, db, "affected"));
        ++stats.affected;
      }
    }
  }
  stats.advisories = inserted_advisories;

  for (const auto& e : data.epss) {
    s.epss.bind(1, e.cve);
    s.epss.bind(2, e.score);
    s.epss.bind(3, e.percentile);
    s.epss.bind_or_null(4, e.date);
    VULNDB_TRY(step_done(s.epss, db, "epss"));
  }
  for (const auto& k : data.kev) {
    s.kev.bind(1, k.cve);
    s.kev.bind_or_null(2, k.date_added);
    s.kev.bind_or_null(3, k.due_date);
    s.kev.bind_or_null(4, k.ransomware);
    s.kev.bind_or_null(5, k.vendor);
    s.kev.bind_or_null(6, k.product);
    s.kev.bind_or_null(7, k.name);
    VULNDB_TRY(step_done(s.kev, db, "kev"));
  }
  for (const auto& src : data.sources) {
    s.source.bind(1, src.name);
    s.source.bind(2, src.format);
    s.source.bind(3, src.location);
    s.source.bind_or_null(4, src.data_date);
    s.source.bind(5, static_cast<int64_t>(src.records));
    s.source.bind(6, static_cast<int64_t>(src.skipped));
    VULNDB_TRY(step_done(s.source, db, "sources"));
  }
  const std::pair<std::string, std::string> meta[] = {
      {"schema_version", std::to_string(kSchemaVersion)},
      {"built_at", now_utc()},
      {"tool_version", std::string(tool_version())},
  };
  for (const auto& [k, v] : meta) {
    s.meta.bind(1, k);
    s.meta.bind(2, v);
    VULNDB_TRY(step_done(s.meta, db, "metadata"));
  }
  return {};
}

}  // namespace

Result<WriteStats> write_database(const std::string& path, const Dataset& data, const WriteOptions& opt) {
  fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec) return Error(ErrorCode::kIo, "cannot create directory: " + ec.message(), target.parent_path().string());
  }
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  fs::remove(tmp, ec);
  // Removes the temporary file on every early return: the target is only ever
  // replaced by a complete, synced file.
  struct TmpGuard {
    std::string p;
    bool keep = false;
    ~TmpGuard() {
      if (!keep) {
        std::error_code e;
        fs::remove(p, e);
      }
    }
  } guard{tmp};

  WriteStats stats;
  {
    auto opened = open_db(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
    if (!opened) return opened.error();
    sql::Db db = std::move(*opened);
    // The file is private until the rename, so a journal buys nothing: a crash
    // leaves only a stray temporary file, never a half-written target.
    VULNDB_TRY(db.exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE;"
                       "PRAGMA page_size=8192; PRAGMA cache_size=-65536;"));
    VULNDB_TRY(db.exec("BEGIN"));
    VULNDB_TRY(db.exec(kCreateTables));
    Status filled = fill(db, data, opt, stats);
    if (!filled.ok()) return filled.error().within(tmp);
    VULNDB_TRY(db.exec(kCreateIndexes));
    VULNDB_TRY(db.exec("COMMIT"));
    VULNDB_TRY(db.exec("ANALYZE"));
    if (db.close() != SQLITE_OK) return Error(ErrorCode::kIo, "SQLite: close failed", tmp);
  }
  VULNDB_TRY(fsync_path(tmp, false));
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return Error(ErrorCode::kIo, std::string("rename: ") + std::strerror(errno), tmp + " -> " + path);
  guard.keep = true;
  std::string dir = target.has_parent_path() ? target.parent_path().string() : std::string(".");
  VULNDB_TRY(fsync_path(dir, true));
  return stats;
}

// ------------------------------------------------------------------ reader --

struct Reader::Impl {
  sql::Db db;
  std::string path;
};

Reader::Reader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Reader::~Reader() = default;
Reader::Reader(Reader&&) noexcept = default;
Reader& Reader::operator=(Reader&&) noexcept = default;

Result<Reader> Reader::open(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return Error(ErrorCode::kNotFound, "no vulnerability database (run 'bulwark db import' or 'bulwark db update')", path);
  auto opened = open_db(path, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX);
  if (!opened) return opened.error();
  auto impl = std::make_unique<Impl>();
  impl->db = std::move(*opened);
  impl->path = path;
  auto st = sql::Stmt::prepare(impl->db, "SELECT value FROM metadata WHERE key='schema_version'");
  if (!st) return Error(ErrorCode::kCorrupt, "not a Bulwark vulnerability database (" + st.error().message + ")", path);
  if (st->step() != SQLITE_ROW) return Error(ErrorCode::kCorrupt, "database has no schema_version", path);
  int v = std::atoi(st->text(0).c_str());
  if (v != kSchemaVersion)
    return Error(ErrorCode::kUnsupported,
                 "database schema version " + std::to_string(v) + " is not " + std::to_string(kSchemaVersion) +
                     " (rebuild it with this version of bulwark)",
                 path);
  return Reader(std::move(impl));
}

Result<std::vector<AffectedRow>> Reader::affected(std::string_view ecosystem, std::string_view name,
                                                  std::string_view release) const {
  auto eco = parse_ecosystem(ecosystem);
  std::string eco_name = eco ? eco->ecosystem : std::string(ecosystem);
  std::string rel = release.empty() && eco ? eco->release : std::string(release);
  auto st = sql::Stmt::prepare(
      impl_->db,
      "SELECT vulnerability, advisory, source, ecosystem, distro_release, variant, package, purl, ranges, versions, status, "
      "fixed, matchable, withdrawn, severity FROM affected WHERE ecosystem=?1 AND package=?2" +
          std::string(rel.empty() ? "" : " AND distro_release=?3") + " ORDER BY vulnerability, advisory");
  if (!st) return st.error().within(impl_->path);
  st->bind(1, eco_name);
  st->bind(2, normalize_package_name(eco_name, name));
  if (!rel.empty()) st->bind(3, rel);
  std::vector<AffectedRow> out;
  int rc;
  while ((rc = st->step()) == SQLITE_ROW) {
    AffectedRow r;
    r.vulnerability = st->text(0);
    r.advisory = st->text(1);
    r.source = st->text(2);
    r.entry.ecosystem = st->text(3);
    r.entry.release = st->text(4);
    r.entry.variant = st->text(5);
    r.entry.package = st->text(6);
    r.entry.purl = st->text(7);
    r.entry.ranges_json = st->text(8);
    r.entry.versions_json = st->text(9);
    r.entry.status = st->text(10);
    auto fixed = parse_json(st->text(11), "affected.fixed");
    if (fixed && fixed->is_array())
      for (const auto& f : *fixed)
        if (f.is_string()) r.entry.fixed.push_back(f.get<std::string>());
    r.entry.matchable = st->integer(12) != 0;
    r.withdrawn = st->integer(13) != 0;
    r.entry.severity = st->text(14);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return Error(ErrorCode::kCorrupt, "SQLite: " + impl_->db.errmsg(), impl_->path);
  return out;
}

std::string Reader::canonical_id(std::string_view id) const {
  auto st = sql::Stmt::prepare(impl_->db, "SELECT vulnerability FROM aliases WHERE alias=?1");
  if (!st) return {};
  st->bind(1, id);
  return st->step() == SQLITE_ROW ? st->text(0) : std::string();
}

Result<VulnerabilityDetails> Reader::vulnerability(std::string_view id) const {
  std::string canonical = canonical_id(id);
  if (canonical.empty()) return Error(ErrorCode::kNotFound, "no vulnerability " + std::string(id), impl_->path);
  VulnerabilityDetails d;
  d.id = canonical;
  auto query = [&](const char* text, auto&& row) -> Status {
    auto st = sql::Stmt::prepare(impl_->db, text);
    if (!st) return st.error();
    st->bind(1, canonical);
    int rc;
    while ((rc = st->step()) == SQLITE_ROW) row(*st);
    if (rc != SQLITE_DONE) return Error(ErrorCode::kCorrupt, "SQLite: " + impl_->db.errmsg(), impl_->path);
    return {};
  };
  VULNDB_TRY(query("SELECT summary, details, published, modified, withdrawn FROM vulnerabilities WHERE id=?1",
                   [&](sql::Stmt& s) {
                     d.summary = s.text(0);
                     d.details = s.text(1);
                     d.published = s.text(2);
                     d.modified = s.text(3);
                     d.withdrawn = s.text(4);
                   }));
  VULNDB_TRY(query("SELECT alias FROM aliases WHERE vulnerability=?1 AND alias<>?1 ORDER BY alias",
                   [&](sql::Stmt& s) { d.aliases.push_back(s.text(0)); }));
  VULNDB_TRY(query("SELECT id FROM advisories WHERE vulnerability=?1 ORDER BY id",
                   [&](sql::Stmt& s) { d.advisories.push_back(s.text(0)); }));
  VULNDB_TRY(query("SELECT source, type, vector, score, severity FROM severities WHERE vulnerability=?1",
                   [&](sql::Stmt& s) {
                     SeverityEntry e;
                     e.source = s.text(0);
                     e.type = s.text(1);
                     e.vector = s.text(2);
                     if (!s.is_null(3)) e.score = s.real(3);
                     e.severity = s.text(4);
                     d.severities.push_back(std::move(e));
                   }));
  VULNDB_TRY(query("SELECT cwe FROM cwes WHERE vulnerability=?1", [&](sql::Stmt& s) { d.cwes.push_back(s.text(0)); }));
  VULNDB_TRY(query("SELECT type, url FROM refs WHERE vulnerability=?1",
                   [&](sql::Stmt& s) { d.references.push_back({s.text(0), s.text(1)}); }));
  // EPSS and KEV are keyed by CVE: the canonical id or any CVE alias.
  std::vector<std::string> cves;
  if (starts_with(canonical, "CVE-")) cves.push_back(canonical);
  for (const auto& a : d.aliases)
    if (starts_with(a, "CVE-")) cves.push_back(a);
  for (const auto& cve : cves) {
    auto e = sql::Stmt::prepare(impl_->db, "SELECT score, percentile, date FROM epss WHERE cve=?1");
    if (e) {
      e->bind(1, cve);
      if (!d.epss && e->step() == SQLITE_ROW) d.epss = EpssEntry{cve, e->real(0), e->real(1), e->text(2)};
    }
    auto k = sql::Stmt::prepare(impl_->db,
                                "SELECT date_added, due_date, ransomware, vendor, product, name FROM kev WHERE cve=?1");
    if (k) {
      k->bind(1, cve);
      if (!d.kev && k->step() == SQLITE_ROW)
        d.kev = KevEntry{cve, k->text(0), k->text(1), k->text(2), k->text(3), k->text(4), k->text(5)};
    }
  }
  return d;
}

Result<DbStatus> Reader::status() const {
  DbStatus out;
  auto scalar = [&](const char* text) -> int64_t {
    auto st = sql::Stmt::prepare(impl_->db, text);
    return st && st->step() == SQLITE_ROW ? st->integer(0) : 0;
  };
  auto meta = sql::Stmt::prepare(impl_->db, "SELECT key, value FROM metadata");
  if (!meta) return meta.error().within(impl_->path);
  while (meta->step() == SQLITE_ROW) {
    std::string k = meta->text(0);
    if (k == "schema_version") out.schema_version = std::atoi(meta->text(1).c_str());
    if (k == "built_at") out.built_at = meta->text(1);
    if (k == "tool_version") out.tool_version = meta->text(1);
  }
  auto src = sql::Stmt::prepare(impl_->db,
                                "SELECT name, format, location, data_date, records, skipped FROM sources ORDER BY name");
  if (!src) return src.error().within(impl_->path);
  while (src->step() == SQLITE_ROW)
    out.sources.push_back({src->text(0), src->text(1), src->text(2), src->text(3),
                           static_cast<uint64_t>(src->integer(4)), static_cast<uint64_t>(src->integer(5))});
  auto eco = sql::Stmt::prepare(
      impl_->db, "SELECT ecosystem, count(*), count(DISTINCT vulnerability) FROM affected GROUP BY ecosystem ORDER BY ecosystem");
  if (!eco) return eco.error().within(impl_->path);
  while (eco->step() == SQLITE_ROW)
    out.ecosystems.push_back({eco->text(0), static_cast<uint64_t>(eco->integer(1)), static_cast<uint64_t>(eco->integer(2))});
  out.vulnerabilities = static_cast<uint64_t>(scalar("SELECT count(*) FROM vulnerabilities"));
  out.advisories = static_cast<uint64_t>(scalar("SELECT count(*) FROM advisories"));
  out.affected = static_cast<uint64_t>(scalar("SELECT count(*) FROM affected"));
  out.epss = static_cast<uint64_t>(scalar("SELECT count(*) FROM epss"));
  out.kev = static_cast<uint64_t>(scalar("SELECT count(*) FROM kev"));
  return out;
}

}  // namespace bulwark::vulndb
