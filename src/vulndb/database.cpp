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
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <variant>
#include <optional>
#include <filesystem>
#include <set>
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
  id TEXT NOT NULL, vulnerability TEXT NOT NULL, source TEXT NOT NULL,
  summary TEXT, published TEXT, modified TEXT, withdrawn TEXT,
  related TEXT, location TEXT, PRIMARY KEY (source, id));
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

// Staging tables in the connection's temporary database (a separate file
// that SQLite deletes on close): advisories land here keyed by an insertion
// number `k` while the import runs, because their vulnerability is only
// known once every alias edge has been seen. finish() copies them into the
// final tables in canonical order, so the main file never holds dead pages.
constexpr const char* kCreateStaging = R"sql(
CREATE TEMP TABLE s_adv (
  k INTEGER PRIMARY KEY, id TEXT NOT NULL, source TEXT NOT NULL, summary TEXT, details TEXT,
  published TEXT, modified TEXT, withdrawn TEXT, related TEXT, location TEXT);
CREATE TEMP TABLE s_sev (k INTEGER NOT NULL, source TEXT, type TEXT, vector TEXT, score REAL, severity TEXT);
CREATE TEMP TABLE s_cwe (k INTEGER NOT NULL, cwe TEXT);
CREATE TEMP TABLE s_ref (k INTEGER NOT NULL, type TEXT, url TEXT);
CREATE TEMP TABLE s_aff (
  k INTEGER NOT NULL, ecosystem TEXT, distro_release TEXT, variant TEXT, package TEXT, purl TEXT,
  ranges TEXT, versions TEXT, status TEXT, fixed TEXT, matchable INTEGER, severity TEXT);
CREATE TEMP TABLE s_map (ord INTEGER PRIMARY KEY, k INTEGER NOT NULL, vulnerability TEXT NOT NULL);
)sql";

constexpr const char* kIndexStaging = R"sql(
CREATE INDEX temp.s_sev_k ON s_sev (k);
CREATE INDEX temp.s_cwe_k ON s_cwe (k);
CREATE INDEX temp.s_ref_k ON s_ref (k);
CREATE INDEX temp.s_aff_k ON s_aff (k);
)sql";

// Created after the bulk insert: building an index once over sorted data is
// much cheaper than maintaining it row by row.
constexpr const char* kCreateIndexes = R"sql(
CREATE INDEX affected_by_package ON affected (ecosystem, package, distro_release);
CREATE INDEX affected_by_vulnerability ON affected (vulnerability);
CREATE INDEX aliases_by_vulnerability ON aliases (vulnerability, alias);
CREATE INDEX advisories_by_vulnerability ON advisories (vulnerability, id);
CREATE INDEX severities_by_vulnerability ON severities (vulnerability);
CREATE INDEX cwes_by_vulnerability ON cwes (vulnerability, cwe);
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

bool better_id(std::string_view a, std::string_view b) {
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

Status step_done(sql::Stmt& st, const sql::Db& db, const char* what) {
  int rc = st.step();
  st.reset();
  if (rc != SQLITE_DONE) return Error(ErrorCode::kIo, std::string("SQLite insert into ") + what + ": " + db.errmsg());
  return {};
}

Status prep(const sql::Db& db, sql::Stmt& out, const char* text) {
  auto r = sql::Stmt::prepare(db, text);
  if (!r) return r.error();
  out = std::move(*r);
  return {};
}

constexpr uint32_t kNone = UINT32_MAX;

// The id graph: every advisory id and alias interned once as a node number.
// This, plus one small slot per advisory, is all the builder keeps in memory.
class IdGraph {
 public:
  uint32_t node(std::string_view id) {
    auto it = index_.find(id);
    if (it != index_.end()) return it->second;
    auto n = static_cast<uint32_t>(ids_.size());
    ids_.emplace_back(id);
    index_.emplace(std::string_view(ids_.back()), n);
    return n;
  }
  const std::string& id(uint32_t n) const { return ids_[n]; }
  size_t size() const { return ids_.size(); }

 private:
  std::deque<std::string> ids_;  // stable addresses: index_ keys view into it
  std::unordered_map<std::string_view, uint32_t> index_;
};

// Union-find over graph nodes. Two groups that each already hold a different
// CVE are never joined: distinct CVEs are distinct vulnerabilities, whatever
// a notice that lists both says.
class UnionFind {
 public:
  explicit UnionFind(const IdGraph& g) : parent_(g.size()), cve_(g.size(), kNone) {
    for (uint32_t n = 0; n < g.size(); ++n) {
      parent_[n] = n;
      if (starts_with(g.id(n), "CVE-")) cve_[n] = n;
    }
  }
  uint32_t find(uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];
      x = parent_[x];
    }
    return x;
  }
  void join(uint32_t a, uint32_t b) {
    uint32_t ra = find(a), rb = find(b);
    if (ra == rb) return;
    if (cve_[ra] != kNone && cve_[rb] != kNone && cve_[ra] != cve_[rb]) return;
    parent_[rb] = ra;
    if (cve_[ra] == kNone) cve_[ra] = cve_[rb];
  }

 private:
  std::vector<uint32_t> parent_;
  std::vector<uint32_t> cve_;
};

// What alias merging needs of one advisory: its id node, the nodes it joins,
// and where its full record sits in the staging tables.
struct Slot {
  uint32_t source = 0;  // interned origin name
  uint32_t id = 0;
  int64_t k = 0;        // staging key of the copy that is kept
  std::string modified;
  std::vector<uint32_t> joins;  // aliases (and the single upstream) to merge with
  // Hashes of the affected-row sets staged for this record (its first copy and
  // each part), so that a part seen again (the same file imported twice) is
  // not staged twice.
  std::vector<uint64_t> parts;
};

// FNV-1a over the affected rows of one advisory copy.
uint64_t affected_hash(const Advisory& a) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::string_view v) {
    for (unsigned char c : v) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
  };
  for (const auto& af : a.affected) {
    mix(af.ecosystem), mix(af.release), mix(af.variant), mix(af.package), mix(af.purl);
    mix(af.ranges_json), mix(af.versions_json), mix(af.status), mix(af.severity);
    for (const auto& f : af.fixed) mix(f);
  }
  return h;
}

std::string slot_key(std::string_view source, std::string_view id) {
  std::string key;
  key.reserve(source.size() + id.size() + 1);
  key.append(source).push_back('\0');
  key.append(id);
  return key;
}

}  // namespace

// Records are parsed on the importing thread and written by one writer
// thread that owns the SQLite connection; a bounded queue between them keeps
// memory flat and the arrival order (so the result is the same every run).
// Records cross in batches: handing each one over on its own cost more in
// wake-ups and context switches than writing it.
using Record = std::variant<Advisory, EpssEntry, KevEntry>;

struct DatabaseBuilder::Impl {
  static constexpr size_t kBatch = 128;       // records per hand-over
  static constexpr size_t kQueueBatches = 4;  // batches waiting at most

  std::string path, tmp;
  WriteOptions opt;
  sql::Db db;
  sql::Stmt adv, sev, cwe, ref, aff, epss, kev;
  bool finished = false;
  int64_t next_k = 0;
  uint64_t added = 0;
  IdGraph graph;
  IdGraph origins;  // origin names, interned apart from ids
  std::unordered_map<std::string, Slot> slots;  // by (origin, id)

  std::mutex mu;
  std::condition_variable changed;
  std::vector<Record> pending;  // the importing thread's batch being filled
  std::deque<std::vector<Record>> queue;  // guarded by mu
  bool closing = false;      // guarded by mu
  std::optional<Error> error;  // guarded by mu; written only by the writer (or finish)
  std::thread writer;

  ~Impl() {
    stop();
    if (!finished) {
      stmts_close();
      db.close();
      std::error_code e;
      fs::remove(tmp, e);
    }
  }
  void stmts_close() {
    for (sql::Stmt* st : {&adv, &sev, &cwe, &ref, &aff, &epss, &kev}) *st = sql::Stmt();
  }
  Status fail(Error e) {
    std::lock_guard lock(mu);
    if (!error) error = e.within(tmp);
    return *error;
  }
  std::optional<Error> current_error() {
    std::lock_guard lock(mu);
    return error;
  }
  Status enqueue(Record&& r) {
    pending.push_back(std::move(r));
    return pending.size() < kBatch ? Status{} : flush();
  }
  Status flush() {
    if (pending.empty()) return {};
    std::unique_lock lock(mu);
    changed.wait(lock, [&] { return queue.size() < kQueueBatches || error || closing; });
    if (error) return *error;
    if (closing) return Error(ErrorCode::kInternal, "DatabaseBuilder::add after finish");
    bool was_empty = queue.empty();
    queue.push_back(std::move(pending));
    pending = {};
    pending.reserve(kBatch);
    if (was_empty) changed.notify_all();
    return {};
  }
  // Drains the queue; returns when it is closed and empty.
  void run() {
    for (;;) {
      std::vector<Record> batch;
      {
        std::unique_lock lock(mu);
        changed.wait(lock, [&] { return !queue.empty() || closing; });
        if (queue.empty()) return;
        bool was_full = queue.size() >= kQueueBatches;
        batch = std::move(queue.front());
        queue.pop_front();
        if (was_full) changed.notify_all();
        if (error) continue;  // after a failure the rest is only drained
      }
      try {
        for (const Record& r : batch) {
          bool ok = std::visit([&](const auto& rec) { return write(rec).ok(); }, r);
          if (!ok) break;  // write() recorded the error
        }
      } catch (const std::exception& e) {
        // Nothing may escape the writer thread; the build fails instead.
        (void)fail(Error(ErrorCode::kInternal, std::string("writing a record: ") + e.what()));
      }
    }
  }
  // Ends the writer after it has written what was handed over; `drain`
  // hands over the batch still being filled first.
  void stop(bool drain = false) {
    if (drain) (void)flush();
    {
      std::lock_guard lock(mu);
      closing = true;
    }
    changed.notify_all();
    if (writer.joinable()) writer.join();
  }
  Status open();
  Status stage(const Advisory& a, int64_t k);
  Status stage_affected(const Advisory& a, int64_t k);
  Status write(const Advisory& a);
  Status write(const EpssEntry& e);
  Status write(const KevEntry& k);
  Result<WriteStats> finish(const std::vector<SourceInfo>& sources);
};

DatabaseBuilder::DatabaseBuilder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
DatabaseBuilder::~DatabaseBuilder() = default;
DatabaseBuilder::DatabaseBuilder(DatabaseBuilder&&) noexcept = default;
DatabaseBuilder& DatabaseBuilder::operator=(DatabaseBuilder&&) noexcept = default;

Result<DatabaseBuilder> DatabaseBuilder::create(const std::string& path, const WriteOptions& opt) {
  fs::path target(path);
  std::error_code ec;
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path(), ec);
    if (ec) return Error(ErrorCode::kIo, "cannot create directory: " + ec.message(), target.parent_path().string());
  }
  auto impl = std::make_unique<Impl>();
  impl->path = path;
  impl->tmp = path + ".tmp-" + std::to_string(::getpid());
  impl->opt = opt;
  fs::remove(impl->tmp, ec);
  Status st = impl->open();
  if (!st.ok()) return st.error().within(impl->tmp);  // ~Impl removes the file
  Impl* raw = impl.get();
  impl->writer = std::thread([raw] { raw->run(); });
  return DatabaseBuilder(std::move(impl));
}

Status DatabaseBuilder::Impl::open() {
  auto opened = open_db(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX);
  if (!opened) return opened.error();
  db = std::move(*opened);
  // The file is private until the rename, so a journal buys nothing: a crash
  // leaves only a stray temporary file, never a half-written target.
  VULNDB_TRY(db.exec("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA locking_mode=EXCLUSIVE;"
                     "PRAGMA page_size=8192; PRAGMA cache_size=-8192; PRAGMA temp_store=FILE;"
                     "PRAGMA temp.journal_mode=OFF; PRAGMA temp.cache_size=-8192;"));
  VULNDB_TRY(db.exec("BEGIN"));
  VULNDB_TRY(db.exec(kCreateTables));
  VULNDB_TRY(db.exec(kCreateStaging));
  VULNDB_TRY(prep(db, adv, "INSERT INTO s_adv VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"));
  VULNDB_TRY(prep(db, sev, "INSERT INTO s_sev VALUES (?1,?2,?3,?4,?5,?6)"));
  VULNDB_TRY(prep(db, cwe, "INSERT INTO s_cwe VALUES (?1,?2)"));
  VULNDB_TRY(prep(db, ref, "INSERT INTO s_ref VALUES (?1,?2,?3)"));
  VULNDB_TRY(prep(db, aff, "INSERT INTO s_aff VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"));
  VULNDB_TRY(prep(db, epss, "INSERT OR REPLACE INTO epss VALUES (?1,?2,?3,?4)"));
  VULNDB_TRY(prep(db, kev, "INSERT OR REPLACE INTO kev VALUES (?1,?2,?3,?4,?5,?6,?7)"));
  return {};
}

Status DatabaseBuilder::Impl::stage(const Advisory& a, int64_t k) {
  adv.bind(1, k);
  adv.bind(2, a.id);
  adv.bind(3, a.origin);
  adv.bind_or_null(4, a.summary);
  adv.bind_or_null(5, a.details);
  adv.bind_or_null(6, a.published);
  adv.bind_or_null(7, a.modified);
  adv.bind_or_null(8, a.withdrawn);
  adv.bind(9, json_array(a.related));
  adv.bind_or_null(10, a.location);
  VULNDB_TRY(step_done(adv, db, "advisories"));
  for (const auto& sv : a.severities) {
    sev.bind(1, k);
    sev.bind(2, sv.source);
    sev.bind(3, sv.type);
    sev.bind(4, sv.vector);
    sev.bind(5, sv.score);
    sev.bind_or_null(6, sv.severity);
    VULNDB_TRY(step_done(sev, db, "severities"));
  }
  for (const auto& c : a.cwes) {
    cwe.bind(1, k);
    cwe.bind(2, c);
    VULNDB_TRY(step_done(cwe, db, "cwes"));
  }
  for (const auto& r : a.references) {
    ref.bind(1, k);
    ref.bind_or_null(2, r.type);
    ref.bind(3, r.url);
    VULNDB_TRY(step_done(ref, db, "refs"));
  }
  return stage_affected(a, k);
}

Status DatabaseBuilder::Impl::stage_affected(const Advisory& a, int64_t k) {
  for (const auto& af : a.affected) {
    aff.bind(1, k);
    aff.bind(2, af.ecosystem);
    aff.bind(3, af.release);
    aff.bind(4, af.variant);
    aff.bind(5, af.package);
    aff.bind_or_null(6, af.purl);
    aff.bind(7, af.ranges_json.empty() ? std::string_view("[]") : std::string_view(af.ranges_json));
    aff.bind(8, af.versions_json.empty() ? std::string_view("[]") : std::string_view(af.versions_json));
    aff.bind(9, af.status);
    aff.bind(10, json_array(af.fixed));
    aff.bind(11, int64_t{af.matchable ? 1 : 0});
    aff.bind_or_null(12, af.severity);
    VULNDB_TRY(step_done(aff, db, "affected"));
  }
  return {};
}

Status DatabaseBuilder::add(const Advisory& a) { return impl_->enqueue(Record(a)); }
Status DatabaseBuilder::add(Advisory&& a) { return impl_->enqueue(Record(std::move(a))); }
Status DatabaseBuilder::add(const EpssEntry& e) { return impl_->enqueue(Record(e)); }
Status DatabaseBuilder::add(const KevEntry& k) { return impl_->enqueue(Record(k)); }

Status DatabaseBuilder::Impl::write(const Advisory& a) {
  Impl& im = *this;
  if (im.opt.fail_after_advisories && im.added >= im.opt.fail_after_advisories)
    return im.fail(Error(ErrorCode::kIo, "simulated failure after " + std::to_string(im.added) + " advisories"));
  // One record per (origin, id): a record imported twice (two archives holding
  // the same GHSA) keeps the most recently modified copy. The superseded copy
  // stays in staging, unreferenced, and is never copied out.
  auto [it, inserted] = im.slots.try_emplace(slot_key(a.origin, a.id));
  Slot& slot = it->second;
  // A feed that publishes one record in parts, one file each (Alpine's secdb:
  // one file per release, the same CVE in each, no dates), gives copies with
  // the same origin, id and date: the affected rows of every part belong to
  // the record (identical rows are written once, see the copy-out below).
  if (!inserted && slot.modified == a.modified) {
    uint64_t h = affected_hash(a);
    if (std::find(slot.parts.begin(), slot.parts.end(), h) != slot.parts.end()) return {};
    slot.parts.push_back(h);
    Status st = im.stage_affected(a, slot.k);
    if (!st.ok()) return im.fail(st.error());
    return {};
  }
  if (!inserted && !(slot.modified < a.modified)) return {};
  int64_t k = im.next_k++;
  Status st = im.stage(a, k);
  if (!st.ok()) return im.fail(st.error());
  ++im.added;
  slot.source = im.origins.node(a.origin);
  slot.id = im.graph.node(a.id);
  slot.k = k;
  slot.modified = a.modified;
  slot.joins.clear();
  slot.parts.assign(1, affected_hash(a));
  size_t cves = 0;
  for (const auto& al : a.aliases) cves += starts_with(al, "CVE-") ? 1 : 0;
  for (const auto& al : a.aliases) {
    // A notice listing several CVEs (DSA, USN, RHSA) is about each of them:
    // it joins none of them, it is kept as its own vulnerability.
    if (cves > 1 && starts_with(al, "CVE-")) continue;
    slot.joins.push_back(im.graph.node(al));
  }
  if (a.upstream.size() == 1) slot.joins.push_back(im.graph.node(a.upstream[0]));
  slot.joins.shrink_to_fit();
  return {};
}

Status DatabaseBuilder::Impl::write(const EpssEntry& e) {
  Impl& im = *this;
  im.epss.bind(1, e.cve);
  im.epss.bind(2, e.score);
  im.epss.bind(3, e.percentile);
  im.epss.bind_or_null(4, e.date);
  Status st = step_done(im.epss, im.db, "epss");
  return st.ok() ? st : im.fail(st.error());
}

Status DatabaseBuilder::Impl::write(const KevEntry& k) {
  Impl& im = *this;
  im.kev.bind(1, k.cve);
  im.kev.bind_or_null(2, k.date_added);
  im.kev.bind_or_null(3, k.due_date);
  im.kev.bind_or_null(4, k.ransomware);
  im.kev.bind_or_null(5, k.vendor);
  im.kev.bind_or_null(6, k.product);
  im.kev.bind_or_null(7, k.name);
  Status st = step_done(im.kev, im.db, "kev");
  return st.ok() ? st : im.fail(st.error());
}

bool DatabaseBuilder::failed() const { return impl_->current_error().has_value(); }

Result<WriteStats> DatabaseBuilder::finish(const std::vector<SourceInfo>& sources) {
  Impl& im = *impl_;
  im.stop(/*drain=*/true);  // every record added is written (or the first error kept)
  if (auto e = im.current_error()) return *e;
  if (im.finished) return Error(ErrorCode::kInternal, "DatabaseBuilder::finish called twice");
  auto r = im.finish(sources);
  if (!r) return im.fail(r.error()).error();
  im.finished = true;
  return r;
}

Result<WriteStats> DatabaseBuilder::Impl::finish(const std::vector<SourceInfo>& sources) {
  WriteStats stats;
  // Merge in a fixed order, (id, origin), so that the CVE-conflict rule picks
  // the same groups whatever order the inputs were parsed in.
  std::vector<const Slot*> live;
  live.reserve(slots.size());
  for (const auto& [_, slot] : slots) live.push_back(&slot);
  auto by_id_source = [&](const Slot* x, const Slot* y) {
    const std::string &xi = graph.id(x->id), &yi = graph.id(y->id);
    return xi != yi ? xi < yi : origins.id(x->source) < origins.id(y->source);
  };
  std::sort(live.begin(), live.end(), by_id_source);
  UnionFind uf(graph);
  for (const Slot* s : live)
    for (uint32_t j : s->joins) uf.join(s->id, j);

  // Canonical id per group: the best id of every member node (aliases that
  // are not themselves records count too).
  std::unordered_map<uint32_t, uint32_t> canonical;  // root -> best node
  for (const Slot* s : live) canonical.emplace(uf.find(s->id), kNone);
  std::vector<std::pair<uint32_t, uint32_t>> members;  // (root, node) of groups with records
  for (uint32_t n = 0; n < graph.size(); ++n) {
    auto it = canonical.find(uf.find(n));
    if (it == canonical.end()) continue;
    members.emplace_back(it->first, n);
    if (it->second == kNone || better_id(graph.id(n), graph.id(it->second))) it->second = n;
  }

  // Order of every advisory in the final tables: by vulnerability, then the
  // best id first (its summary wins), then origin.
  std::sort(live.begin(), live.end(), [&](const Slot* x, const Slot* y) {
    const std::string& cx = graph.id(canonical[uf.find(x->id)]);
    const std::string& cy = graph.id(canonical[uf.find(y->id)]);
    if (cx != cy) return cx < cy;
    const std::string &xi = graph.id(x->id), &yi = graph.id(y->id);
    if (xi != yi) return better_id(xi, yi);
    return origins.id(x->source) < origins.id(y->source);
  });
  {
    sql::Stmt map;
    VULNDB_TRY(prep(db, map, "INSERT INTO s_map VALUES (?1,?2,?3)"));
    int64_t ord = 0;
    for (const Slot* s : live) {
      map.bind(1, ord++);
      map.bind(2, s->k);
      map.bind(3, graph.id(canonical[uf.find(s->id)]));
      VULNDB_TRY(step_done(map, db, "s_map"));
    }
  }
  stats.advisories = live.size();
  VULNDB_TRY(db.exec(kIndexStaging));

  // vulnerabilities: the merged fields of each group, advisories in order.
  {
    sql::Stmt q, ins;
    VULNDB_TRY(prep(db, q,
                    "SELECT m.vulnerability, a.summary, a.details, a.published, a.modified, a.withdrawn "
                    "FROM s_map m JOIN s_adv a ON a.k = m.k ORDER BY m.ord"));
    VULNDB_TRY(prep(db, ins, "INSERT INTO vulnerabilities VALUES (?1,?2,?3,?4,?5,?6)"));
    std::string id, summary, details, published, modified, withdrawn;
    bool all_withdrawn = true;
    auto flush = [&]() -> Status {
      if (id.empty()) return {};
      if (!all_withdrawn) withdrawn.clear();
      ins.bind(1, id);
      ins.bind_or_null(2, summary);
      ins.bind_or_null(3, details);
      ins.bind_or_null(4, published);
      ins.bind_or_null(5, modified);
      ins.bind_or_null(6, withdrawn);
      ++stats.vulnerabilities;
      return step_done(ins, db, "vulnerabilities");
    };
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      std::string v = q.text(0);
      if (v != id) {
        VULNDB_TRY(flush());
        id = v;
        summary.clear(), details.clear(), published.clear(), modified.clear(), withdrawn.clear();
        all_withdrawn = true;
      }
      std::string su = q.text(1), de = q.text(2), pu = q.text(3), mo = q.text(4), wi = q.text(5);
      if (summary.empty()) summary = su;
      if (details.empty()) details = de;
      if (!pu.empty() && (published.empty() || pu < published)) published = pu;
      if (mo > modified) modified = mo;
      if (wi.empty())
        all_withdrawn = false;
      else if (wi > withdrawn)
        withdrawn = wi;
    }
    if (rc != SQLITE_DONE) return Error(ErrorCode::kIo, "SQLite: " + db.errmsg());
    VULNDB_TRY(flush());
  }

  // aliases: every id of a group with records -> its canonical id.
  {
    std::vector<std::pair<std::string_view, std::string_view>> rows;  // (canonical, alias)
    for (const auto& [root, n] : members) rows.emplace_back(graph.id(canonical[root]), graph.id(n));
    std::sort(rows.begin(), rows.end());
    sql::Stmt ins;
    VULNDB_TRY(prep(db, ins, "INSERT OR IGNORE INTO aliases VALUES (?1,?2)"));
    for (const auto& [c, al] : rows) {
      ins.bind(1, al);
      ins.bind(2, c);
      VULNDB_TRY(step_done(ins, db, "aliases"));
      stats.aliases += static_cast<uint64_t>(sqlite3_changes(db.get()));
    }
  }

  // advisories and affected: straight copies with the vulnerability filled in.
  VULNDB_TRY(db.exec("INSERT INTO advisories SELECT a.id, m.vulnerability, a.source, a.summary, a.published, "
                     "a.modified, a.withdrawn, a.related, a.location FROM s_map m JOIN s_adv a ON a.k = m.k "
                     "ORDER BY m.ord"));
  VULNDB_TRY(db.exec("INSERT INTO affected SELECT m.vulnerability, a.id, a.source, f.ecosystem, f.distro_release, "
                     "f.variant, f.package, f.purl, f.ranges, f.versions, f.status, f.fixed, f.matchable, "
                     "a.withdrawn IS NOT NULL, f.severity FROM s_map m JOIN s_adv a ON a.k = m.k "
                     "JOIN s_aff f ON f.k = m.k ORDER BY m.ord, f.rowid"));
  stats.affected = static_cast<uint64_t>(sqlite3_changes(db.get()));

  // severities, cwes, refs: one row per distinct fact per vulnerability, the
  // first advisory (in order) that states it wins.
  auto copy_distinct = [&](const char* select, const char* insert, int cols, int key_cols) -> Status {
    sql::Stmt q, ins;
    VULNDB_TRY(prep(db, q, select));
    VULNDB_TRY(prep(db, ins, insert));
    // Values go across as sqlite3_value (type and bytes as stored), and the
    // key is built from the column bytes in place: this loop runs once per
    // fact of every advisory, so copies per column add up.
    std::string current, key;
    std::set<std::string, std::less<>> seen;
    auto column = [&](int c) {
      const auto* t = sqlite3_column_text(q.get(), c);
      return std::string_view(t ? reinterpret_cast<const char*>(t) : "", static_cast<size_t>(sqlite3_column_bytes(q.get(), c)));
    };
    int rc;
    while ((rc = q.step()) == SQLITE_ROW) {
      std::string_view v = column(0);
      if (v != current) {
        current.assign(v);
        seen.clear();
      }
      key.clear();
      for (int c = 1; c <= key_cols; ++c) {
        key += column(c);
        key += '\0';
      }
      if (seen.find(key) != seen.end()) continue;
      seen.insert(key);
      for (int c = 0; c < cols; ++c) sqlite3_bind_value(ins.get(), c + 1, sqlite3_column_value(q.get(), c));
      VULNDB_TRY(step_done(ins, db, "facts"));
    }
    if (rc != SQLITE_DONE) return Error(ErrorCode::kIo, "SQLite: " + db.errmsg());
    return {};
  };
  VULNDB_TRY(copy_distinct("SELECT m.vulnerability, s.source, s.type, s.vector, s.score, s.severity "
                           "FROM s_map m JOIN s_sev s ON s.k = m.k ORDER BY m.ord, s.rowid",
                           "INSERT INTO severities VALUES (?1,?2,?3,?4,?5,?6)", 6, 3));
  VULNDB_TRY(copy_distinct("SELECT m.vulnerability, c.cwe FROM s_map m JOIN s_cwe c ON c.k = m.k ORDER BY m.ord, c.rowid",
                           "INSERT INTO cwes VALUES (?1,?2)", 2, 1));
  // refs are keyed by url alone (column 2): select it first for the key.
  VULNDB_TRY(copy_distinct("SELECT m.vulnerability, r.url, r.type FROM s_map m JOIN s_ref r ON r.k = m.k "
                           "ORDER BY m.ord, r.rowid",
                           "INSERT INTO refs (vulnerability, url, type) VALUES (?1,?2,?3)", 3, 1));

  {
    sql::Stmt src, meta;
    VULNDB_TRY(prep(db, src, "INSERT OR REPLACE INTO sources VALUES (?1,?2,?3,?4,?5,?6)"));
    for (const auto& s : sources) {
      src.bind(1, s.name);
      src.bind(2, s.format);
      src.bind(3, s.location);
      src.bind_or_null(4, s.data_date);
      src.bind(5, static_cast<int64_t>(s.records));
      src.bind(6, static_cast<int64_t>(s.skipped));
      VULNDB_TRY(step_done(src, db, "sources"));
    }
    VULNDB_TRY(prep(db, meta, "INSERT OR REPLACE INTO metadata VALUES (?1,?2)"));
    const std::pair<std::string, std::string> rows[] = {
        {"schema_version", std::to_string(kSchemaVersion)},
        {"built_at", now_utc()},
        {"tool_version", std::string(tool_version())},
    };
    for (const auto& [k, v] : rows) {
      meta.bind(1, k);
      meta.bind(2, v);
      VULNDB_TRY(step_done(meta, db, "metadata"));
    }
  }
  slots.clear();
  VULNDB_TRY(db.exec(kCreateIndexes));
  VULNDB_TRY(db.exec("COMMIT"));
  VULNDB_TRY(db.exec("ANALYZE main"));
  stmts_close();
  if (db.close() != SQLITE_OK) return Error(ErrorCode::kIo, "SQLite: close failed");
  VULNDB_TRY(fsync_path(tmp, false));
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return Error(ErrorCode::kIo, std::string("rename: ") + std::strerror(errno), tmp + " -> " + path);
  finished = true;  // the temporary name is gone; nothing to remove
  fs::path target(path);
  std::string dir = target.has_parent_path() ? target.parent_path().string() : std::string(".");
  VULNDB_TRY(fsync_path(dir, true));
  return stats;
}

Result<WriteStats> write_database(const std::string& path, const Dataset& data, const WriteOptions& opt) {
  auto builder = DatabaseBuilder::create(path, opt);
  if (!builder) return builder.error();
  for (const auto& a : data.advisories) VULNDB_TRY(builder->add(a));
  for (const auto& e : data.epss) VULNDB_TRY(builder->add(e));
  for (const auto& k : data.kev) VULNDB_TRY(builder->add(k));
  return builder->finish(data.sources);
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
          std::string(rel.empty() ? "" : " AND distro_release=?3") + " ORDER BY vulnerability, advisory, source");
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
  VULNDB_TRY(query("SELECT DISTINCT id FROM advisories WHERE vulnerability=?1 ORDER BY id",
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
