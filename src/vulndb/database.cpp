// The database file: schema, the atomic writer (alias merging included) and
// the read-only reader. The schema is documented in docs/vulndb.md; keep the
// two in step and bump kSchemaVersion when a column changes meaning.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
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
#include "vulndb/package_filter.hpp"
#include "vulndb/record.hpp"
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
  published TEXT, modified TEXT, withdrawn TEXT, record TEXT NOT NULL);
CREATE TABLE advisories (
  id TEXT NOT NULL, vulnerability TEXT NOT NULL, source TEXT NOT NULL,
  summary TEXT, published TEXT, modified TEXT, withdrawn TEXT,
  related TEXT, location TEXT);
CREATE TABLE aliases (alias TEXT PRIMARY KEY, vulnerability TEXT NOT NULL) WITHOUT ROWID;
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
  withdrawn INTEGER NOT NULL, severity TEXT, vulnerability_row INTEGER NOT NULL);
CREATE TABLE epss (cve TEXT PRIMARY KEY, score REAL NOT NULL, percentile REAL NOT NULL, date TEXT) WITHOUT ROWID;
CREATE TABLE package_filter (bits BLOB NOT NULL, hashes INTEGER NOT NULL);
CREATE TABLE kev (
  cve TEXT PRIMARY KEY, date_added TEXT, due_date TEXT, ransomware TEXT,
  vendor TEXT, product TEXT, name TEXT) WITHOUT ROWID;
)sql";

// Created after the bulk insert: building an index once over sorted data is
// much cheaper than maintaining it row by row.
constexpr const char* kCreateIndexes = R"sql(
CREATE INDEX affected_by_package ON affected (ecosystem, package, distro_release);
CREATE INDEX affected_by_vulnerability ON affected (vulnerability);
CREATE INDEX aliases_by_vulnerability ON aliases (vulnerability, alias);
CREATE INDEX advisories_by_vulnerability ON advisories (vulnerability, id);
CREATE UNIQUE INDEX advisories_by_source ON advisories (source, id);
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

// Interns strings (advisory ids and aliases, origin names, package keys) as
// numbers. This, one small slot per advisory and one per affected row, is all
// the builder keeps in memory.
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

// An unnamed file beside the database that holds every staged record until
// finish() writes the final tables: appended to while the import runs, read
// back at random by offset. It has no name (O_TMPFILE, or unlinked at once),
// so nothing of it survives the process, whatever way that ends.
class StagingFile {
 public:
  StagingFile() = default;
  StagingFile(const StagingFile&) = delete;
  StagingFile& operator=(const StagingFile&) = delete;
  ~StagingFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  Status open(const std::string& dir) {
#ifdef O_TMPFILE
    fd_ = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
#endif
    if (fd_ < 0) {  // a file system without O_TMPFILE
      std::string name = (fs::path(dir) / ".bulwark-staging-XXXXXX").string();
      fd_ = ::mkostemp(name.data(), O_CLOEXEC);
      if (fd_ >= 0) ::unlink(name.c_str());
    }
    if (fd_ < 0) return Error(ErrorCode::kIo, std::string("cannot create a staging file: ") + std::strerror(errno), dir);
    return {};
  }
  uint64_t size() const { return size_; }
  // The offset `data` is stored at.
  Result<uint64_t> append(std::string_view data) {
    uint64_t off = size_;
    buf_.append(data);
    size_ += data.size();
    if (buf_.size() >= kFlushAt) VULNDB_TRY(flush());
    return off;
  }
  Status flush() {
    const char* p = buf_.data();
    size_t left = buf_.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Error(ErrorCode::kIo, std::string("writing the staging file: ") + std::strerror(errno));
      p += n;
      left -= static_cast<size_t>(n);
    }
    buf_.clear();
    return {};
  }
  // Reads what append() stored at `off` (flush() first).
  Status read(uint64_t off, uint32_t len, std::string& out) {
    out.resize(len);
    size_t done = 0;
    while (done < len) {
      ssize_t n = ::pread(fd_, out.data() + done, len - done, static_cast<off_t>(off + done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return Error(ErrorCode::kIo, std::string("reading the staging file: ") + std::strerror(errno));
      done += static_cast<size_t>(n);
    }
    return {};
  }

 private:
  static constexpr size_t kFlushAt = 1 << 20;
  int fd_ = -1;
  std::string buf_;  // not yet written
  uint64_t size_ = 0;
};

// The staging encoding: strings as a varint length and the bytes, numbers as
// varints, an optional double as a flag byte and 8 bytes.
class Encoder {
 public:
  void clear() { out_.clear(); }
  const std::string& bytes() const { return out_; }
  void number(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void text(std::string_view s) {
    number(s.size());
    out_.append(s);
  }
  void real(std::optional<double> v) {
    out_.push_back(v ? 1 : 0);
    if (!v) return;
    char b[sizeof(double)];
    std::memcpy(b, &*v, sizeof b);
    out_.append(b, sizeof b);
  }

 private:
  std::string out_;
};

class Decoder {
 public:
  explicit Decoder(std::string_view in) : p_(in.data()), end_(in.data() + in.size()) {}
  bool ok() const { return ok_; }
  uint64_t number() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ >= end_) return fail();
      auto c = static_cast<unsigned char>(*p_++);
      v |= static_cast<uint64_t>(c & 0x7f) << shift;
      if (c < 0x80) return v;
    }
    return fail();
  }
  std::string_view text() {
    uint64_t n = number();
    if (!ok_ || n > static_cast<uint64_t>(end_ - p_)) return fail(), std::string_view(p_, 0);
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }
  std::optional<double> real() {
    if (p_ >= end_) return fail(), std::nullopt;
    if (*p_++ == 0) return std::nullopt;
    if (end_ - p_ < static_cast<ptrdiff_t>(sizeof(double))) return fail(), std::nullopt;
    double v;
    std::memcpy(&v, p_, sizeof v);
    p_ += sizeof v;
    return v;
  }

 private:
  uint64_t fail() {
    ok_ = false;
    p_ = end_;
    return 0;
  }
  const char* p_;
  const char* end_;
  bool ok_ = true;
};

// A staged advisory (all but its affected entries), in the staging file:
//   summary details published modified withdrawn related location
//   n × (source type vector score severity)   severities
//   n × cwe
//   n × (type url)                             references
void encode_advisory(const Advisory& a, Encoder& e) {
  e.clear();
  e.text(a.summary), e.text(a.details), e.text(a.published), e.text(a.modified), e.text(a.withdrawn);
  e.text(json_array(a.related));
  e.text(a.location);
  e.number(a.severities.size());
  for (const auto& s : a.severities) e.text(s.source), e.text(s.type), e.text(s.vector), e.real(s.score), e.text(s.severity);
  e.number(a.cwes.size());
  for (const auto& c : a.cwes) e.text(c);
  e.number(a.references.size());
  for (const auto& r : a.references) e.text(r.type), e.text(r.url);
}

// A staged affected entry: ecosystem release variant package purl ranges
// versions status fixed matchable severity (the final table's columns).
void encode_affected(const AffectedEntry& af, Encoder& e) {
  e.clear();
  e.text(af.ecosystem), e.text(af.release), e.text(af.variant), e.text(af.package), e.text(af.purl);
  e.text(af.ranges_json.empty() ? std::string_view("[]") : std::string_view(af.ranges_json));
  e.text(af.versions_json.empty() ? std::string_view("[]") : std::string_view(af.versions_json));
  e.text(af.status);
  e.text(json_array(af.fixed));
  e.number(af.matchable ? 1 : 0);
  e.text(af.severity);
}

// What alias merging needs of one advisory: its id node, the nodes it joins,
// and where its full record sits in the staging file.
struct Slot {
  uint32_t source = 0;  // interned origin name
  uint32_t id = 0;
  uint32_t copy = 0;    // number of the staged copy that is kept (its affected rows carry it)
  uint32_t order = 0;   // position in the final tables (finish)
  int64_t vulnerability_row = 0;  // rowid of its vulnerability's row (finish)
  uint64_t offset = 0;  // the kept copy's record in the staging file
  uint32_t length = 0;
  bool withdrawn = false;
  std::string modified;
  std::vector<uint32_t> joins;  // aliases (and the single upstream) to merge with
  // Hashes of the affected-row sets staged for this record (its first copy and
  // each part), so that a part seen again (the same file imported twice) is
  // not staged twice.
  std::vector<uint64_t> parts;
};

// One staged affected entry. Rows are written ordered by package
// (`key`: ecosystem, package, release), so that a package's rows are
// neighbours in the file and the matcher's lookup reads them in one place.
struct StagedRow {
  Slot* slot;
  uint32_t copy;  // a row of a superseded copy (copy != slot->copy) is dropped
  uint32_t key;   // interned package key
  uint32_t length;
  uint64_t offset;
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
// thread that owns the SQLite connection and the staging file; a bounded
// queue between them keeps memory flat and the arrival order (so the result
// is the same every run). Records cross in batches: handing each one over on
// its own cost more in wake-ups and context switches than writing it.
using Record = std::variant<Advisory, EpssEntry, KevEntry>;


struct DatabaseBuilder::Impl {
  static constexpr size_t kBatch = 128;       // records per hand-over
  static constexpr size_t kQueueBatches = 4;  // batches waiting at most

  std::string path, tmp;
  WriteOptions opt;
  sql::Db db;
  sql::Stmt epss, kev;
  StagingFile staging;
  Encoder encoder;
  bool finished = false;
  uint32_t next_copy = 0;
  uint64_t added = 0;
  IdGraph graph;
  IdGraph origins;   // origin names, interned apart from ids
  IdGraph packages;  // "ecosystem\0package\0release" of affected rows
  std::unordered_map<std::string, Slot> slots;  // by (origin, id)
  std::vector<StagedRow> rows;

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
    for (sql::Stmt* st : {&epss, &kev}) *st = sql::Stmt();
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
  Status stage(const Advisory& a, Slot& slot);
  Status stage_affected(const Advisory& a, Slot& slot);
  Status write(const Advisory& a);
  Status write(const EpssEntry& e);
  Status write(const KevEntry& k);
  Result<WriteStats> finish(const std::vector<SourceInfo>& sources);
  Status write_vulnerabilities(const std::vector<Slot*>& order, const std::vector<std::string_view>& canonical_of,
                               const std::vector<uint32_t>& root_of,
                               const std::vector<std::pair<uint32_t, uint32_t>>& members, WriteStats& stats);
  void order_affected();
  Status write_affected(const std::vector<std::string_view>& canonical_of, WriteStats& stats);
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
                     "PRAGMA page_size=16384; PRAGMA cache_size=-8192; PRAGMA temp_store=FILE;"
                     "PRAGMA temp.journal_mode=OFF; PRAGMA temp.cache_size=-8192;"));
  VULNDB_TRY(db.exec("BEGIN"));
  VULNDB_TRY(db.exec(kCreateTables));
  fs::path dir = fs::path(tmp).parent_path();
  VULNDB_TRY(staging.open(dir.empty() ? std::string(".") : dir.string()));
  VULNDB_TRY(prep(db, epss, "INSERT OR REPLACE INTO epss VALUES (?1,?2,?3,?4)"));
  VULNDB_TRY(prep(db, kev, "INSERT OR REPLACE INTO kev VALUES (?1,?2,?3,?4,?5,?6,?7)"));
  return {};
}

Status DatabaseBuilder::Impl::stage(const Advisory& a, Slot& slot) {
  encode_advisory(a, encoder);
  auto off = staging.append(encoder.bytes());
  if (!off) return off.error();
  slot.copy = next_copy++;
  slot.offset = *off;
  slot.length = static_cast<uint32_t>(encoder.bytes().size());
  slot.withdrawn = !a.withdrawn.empty();
  return stage_affected(a, slot);
}

Status DatabaseBuilder::Impl::stage_affected(const Advisory& a, Slot& slot) {
  std::string key;
  for (const auto& af : a.affected) {
    encode_affected(af, encoder);
    auto off = staging.append(encoder.bytes());
    if (!off) return off.error();
    key.assign(af.ecosystem).push_back('\0');
    key.append(af.package).push_back('\0');
    key.append(af.release);
    rows.push_back(StagedRow{&slot, slot.copy, packages.node(key), static_cast<uint32_t>(encoder.bytes().size()), *off});
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
  // stays in the staging file, unreferenced, and is never copied out.
  auto [it, inserted] = im.slots.try_emplace(slot_key(a.origin, a.id));
  Slot& slot = it->second;
  // A feed that publishes one record in parts, one file each (Alpine's secdb:
  // one file per release, the same CVE in each, no dates), gives copies with
  // the same origin, id and date: the affected rows of every part belong to
  // the record.
  if (!inserted && slot.modified == a.modified) {
    uint64_t h = affected_hash(a);
    if (std::find(slot.parts.begin(), slot.parts.end(), h) != slot.parts.end()) return {};
    slot.parts.push_back(h);
    Status st = im.stage_affected(a, slot);
    if (!st.ok()) return im.fail(st.error());
    return {};
  }
  if (!inserted && !(slot.modified < a.modified)) return {};
  Status st = im.stage(a, slot);
  if (!st.ok()) return im.fail(st.error());
  ++im.added;
  slot.source = im.origins.node(a.origin);
  slot.id = im.graph.node(a.id);
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

namespace {
Error damaged_staging() { return Error(ErrorCode::kIo, "the staging file does not read back as written"); }
}  // namespace

Result<WriteStats> DatabaseBuilder::Impl::finish(const std::vector<SourceInfo>& sources) {
  WriteStats stats;
  VULNDB_TRY(staging.flush());
  // Merge in a fixed order, (id, origin), so that the CVE-conflict rule picks
  // the same groups whatever order the inputs were parsed in.
  std::vector<Slot*> order;
  order.reserve(slots.size());
  for (auto& [_, slot] : slots) order.push_back(&slot);
  std::sort(order.begin(), order.end(), [&](const Slot* x, const Slot* y) {
    const std::string &xi = graph.id(x->id), &yi = graph.id(y->id);
    return xi != yi ? xi < yi : origins.id(x->source) < origins.id(y->source);
  });
  UnionFind uf(graph);
  for (const Slot* s : order)
    for (uint32_t j : s->joins) uf.join(s->id, j);

  // Canonical id per group: the best id of every member node (aliases that
  // are not themselves records count too). Indexed by root node.
  std::vector<uint32_t> best(graph.size(), kNone);
  constexpr uint32_t kHasRecord = kNone - 1;
  for (const Slot* s : order) best[uf.find(s->id)] = kHasRecord;
  std::vector<uint32_t> root_of(graph.size());
  for (uint32_t n = 0; n < graph.size(); ++n) {
    uint32_t r = root_of[n] = uf.find(n);
    if (best[r] == kNone) continue;
    if (best[r] == kHasRecord || better_id(graph.id(n), graph.id(best[r]))) best[r] = n;
  }
  // canonical_of[node]: the canonical id of the node's group, empty for
  // nodes of groups without records.
  std::vector<std::string_view> canonical_of(graph.size());
  for (uint32_t n = 0; n < graph.size(); ++n)
    if (best[root_of[n]] != kNone) canonical_of[n] = graph.id(best[root_of[n]]);

  // Order of every advisory in the final tables: by vulnerability, then the
  // best id first (its summary wins), then origin.
  std::sort(order.begin(), order.end(), [&](const Slot* x, const Slot* y) {
    std::string_view cx = canonical_of[x->id], cy = canonical_of[y->id];
    if (cx != cy) return cx < cy;
    const std::string &xi = graph.id(x->id), &yi = graph.id(y->id);
    if (xi != yi) return better_id(xi, yi);
    return origins.id(x->source) < origins.id(y->source);
  });
  for (uint32_t i = 0; i < order.size(); ++i) order[i]->order = i;
  stats.advisories = order.size();

  // The ids of each group (its aliases), as (root, node) sorted by root.
  std::vector<std::pair<uint32_t, uint32_t>> members;
  for (uint32_t n = 0; n < graph.size(); ++n)
    if (best[root_of[n]] != kNone) members.emplace_back(root_of[n], n);
  std::sort(members.begin(), members.end());
  // The order of the aliases and affected rows is worked out on a second
  // thread (memory only) while this one writes the vulnerabilities.
  std::vector<uint32_t> alias_nodes;
  std::optional<Error> order_error;
  std::thread orderer([&] {
    try {
      for (uint32_t n = 0; n < graph.size(); ++n)
        if (!canonical_of[n].empty()) alias_nodes.push_back(n);
      std::sort(alias_nodes.begin(), alias_nodes.end(),
                [&](uint32_t a, uint32_t b) { return graph.id(a) < graph.id(b); });
      order_affected();
    } catch (const std::exception& e) {  // nothing may escape a thread
      order_error = Error(ErrorCode::kInternal, std::string("ordering rows: ") + e.what());
    }
  });
  Status written = write_vulnerabilities(order, canonical_of, root_of, members, stats);
  orderer.join();
  VULNDB_TRY(written);
  if (order_error) return *order_error;
  std::vector<uint32_t>().swap(root_of);
  std::vector<std::pair<uint32_t, uint32_t>>().swap(members);

  // aliases: every id of a group with records -> its canonical id, in the
  // order of the table's key.
  {
    sql::Stmt ins;
    VULNDB_TRY(prep(db, ins, "INSERT INTO aliases VALUES (?1,?2)"));
    for (uint32_t n : alias_nodes) {
      ins.bind_static(1, graph.id(n));
      ins.bind_static(2, canonical_of[n]);
      VULNDB_TRY(step_done(ins, db, "aliases"));
      ++stats.aliases;
    }
  }

  VULNDB_TRY(write_affected(canonical_of, stats));

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
    const std::pair<std::string, std::string> rows_[] = {
        {"schema_version", std::to_string(kSchemaVersion)},
        {"built_at", now_utc()},
        {"tool_version", std::string(tool_version())},
    };
    for (const auto& [k, v] : rows_) {
      meta.bind(1, k);
      meta.bind(2, v);
      VULNDB_TRY(step_done(meta, db, "metadata"));
    }
  }
  slots.clear();
  VULNDB_TRY(db.exec(kCreateIndexes));
  VULNDB_TRY(db.exec("COMMIT"));
  VULNDB_TRY(db.exec("PRAGMA analysis_limit=400; ANALYZE main"));
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

// vulnerabilities, advisories, severities, cwes and refs, one group at a time
// in canonical order: each advisory's staged record is read once, its row
// written, and the group's merged fields, facts and details record collected.
// Facts stated by several advisories of one vulnerability are kept once, the
// first advisory (in order) that states it wins.
Status DatabaseBuilder::Impl::write_vulnerabilities(const std::vector<Slot*>& order,
                                                     const std::vector<std::string_view>& canonical_of,
                                                     const std::vector<uint32_t>& root_of,
                                                     const std::vector<std::pair<uint32_t, uint32_t>>& members,
                                                     WriteStats& stats) {
  sql::Stmt vul, adv, sev, cwe, ref, epss_q, kev_q;
  VULNDB_TRY(prep(db, vul, "INSERT INTO vulnerabilities VALUES (?1,?2,?3,?4,?5,?6,?7)"));
  VULNDB_TRY(prep(db, adv, "INSERT INTO advisories VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)"));
  VULNDB_TRY(prep(db, sev, "INSERT INTO severities VALUES (?1,?2,?3,?4,?5,?6)"));
  VULNDB_TRY(prep(db, cwe, "INSERT INTO cwes VALUES (?1,?2)"));
  VULNDB_TRY(prep(db, ref, "INSERT INTO refs VALUES (?1,?2,?3)"));
  VULNDB_TRY(prep(db, epss_q, "SELECT score, percentile, date FROM epss WHERE cve=?1"));
  VULNDB_TRY(prep(db, kev_q, "SELECT date_added, due_date, ransomware, vendor, product, name FROM kev WHERE cve=?1"));

  // The staged records of the group being written: every view below points
  // into them until the group is done (the strings keep their capacity).
  std::vector<std::string> bufs;
  std::string_view summary, details, published, modified, withdrawn;
  // The facts already written for the group (groups are small: a list).
  std::vector<std::array<std::string_view, 3>> seen_severities;
  std::vector<std::string_view> seen_cwes, seen_urls;
  auto first = [](auto& seen, const auto& key) {
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) return false;
    seen.push_back(key);
    return true;
  };
  record::Builder rec;
  for (size_t i = 0; i < order.size();) {
    const std::string_view vid = canonical_of[order[i]->id];
    size_t j = i;
    while (j < order.size() && canonical_of[order[j]->id] == vid) ++j;
    if (bufs.size() < j - i) bufs.resize(j - i);
    summary = details = published = modified = withdrawn = {};
    bool all_withdrawn = true;
    seen_severities.clear(), seen_cwes.clear(), seen_urls.clear();
    rec.clear();
    for (size_t k = i; k < j; ++k) {
      const Slot& s = *order[k];
      std::string& buf = bufs[k - i];
      VULNDB_TRY(staging.read(s.offset, s.length, buf));
      Decoder d(buf);
      std::string_view su = d.text(), de = d.text(), pu = d.text(), mo = d.text(), wi = d.text();
      std::string_view related = d.text(), location = d.text();
      const std::string& id = graph.id(s.id);
      const std::string& source = origins.id(s.source);
      adv.bind_static(1, id);
      adv.bind_static(2, vid);
      adv.bind_static(3, source);
      adv.bind_static_or_null(4, su);
      adv.bind_static_or_null(5, pu);
      adv.bind_static_or_null(6, mo);
      adv.bind_static_or_null(7, wi);
      adv.bind_static(8, related);
      adv.bind_static_or_null(9, location);
      VULNDB_TRY(step_done(adv, db, "advisories"));
      rec.advisory(id);

      if (summary.empty()) summary = su;
      if (details.empty()) details = de;
      if (!pu.empty() && (published.empty() || pu < published)) published = pu;
      if (mo > modified) modified = mo;
      if (wi.empty())
        all_withdrawn = false;
      else if (wi > withdrawn)
        withdrawn = wi;

      for (uint64_t n = d.number(); d.ok() && n > 0; --n) {
        std::string_view source_ = d.text(), type = d.text(), vector = d.text();
        std::optional<double> score = d.real();
        std::string_view severity = d.text();
        if (!first(seen_severities, std::array<std::string_view, 3>{source_, type, vector})) continue;
        sev.bind_static(1, vid);
        sev.bind_static(2, source_);
        sev.bind_static(3, type);
        sev.bind_static(4, vector);
        sev.bind(5, score);
        sev.bind_static_or_null(6, severity);
        VULNDB_TRY(step_done(sev, db, "severities"));
        rec.severity(source_, type, vector, score, severity);
      }
      for (uint64_t n = d.number(); d.ok() && n > 0; --n) {
        std::string_view c = d.text();
        if (!first(seen_cwes, c)) continue;
        cwe.bind_static(1, vid);
        cwe.bind_static(2, c);
        VULNDB_TRY(step_done(cwe, db, "cwes"));
        rec.cwe(c);
      }
      for (uint64_t n = d.number(); d.ok() && n > 0; --n) {
        std::string_view type = d.text(), url = d.text();
        if (!first(seen_urls, url)) continue;
        ref.bind_static(1, vid);
        ref.bind_static_or_null(2, type);
        ref.bind_static(3, url);
        VULNDB_TRY(step_done(ref, db, "refs"));
        rec.reference(type, url);
      }
      if (!d.ok()) return damaged_staging();
    }
    // The group's other ids, and EPSS and KEV by its CVE (a group holds at
    // most one: see UnionFind).
    const uint32_t root = root_of[order[i]->id];
    const size_t group_begin = i;
    i = j;
    std::string_view cve = starts_with(vid, "CVE-") ? vid : std::string_view();
    auto m = std::lower_bound(members.begin(), members.end(), std::make_pair(root, uint32_t{0}));
    for (; m != members.end() && m->first == root; ++m) {
      const std::string& alias = graph.id(m->second);
      if (alias == vid) continue;
      rec.alias(alias);
      if (cve.empty() && starts_with(alias, "CVE-")) cve = alias;
    }
    if (!cve.empty()) {
      epss_q.bind_static(1, cve);
      if (epss_q.step() == SQLITE_ROW)
        rec.epss(record::Epss{cve, epss_q.view(2), epss_q.real(0), epss_q.real(1)});
      epss_q.reset();
      kev_q.bind_static(1, cve);
      if (kev_q.step() == SQLITE_ROW)
        rec.kev(record::Kev{cve, kev_q.view(0), kev_q.view(1), kev_q.view(2), kev_q.view(3), kev_q.view(4), kev_q.view(5)});
      kev_q.reset();
    }
    if (!all_withdrawn) withdrawn = {};
    vul.bind_static(1, vid);
    vul.bind_static_or_null(2, summary);
    vul.bind_static_or_null(3, details);
    vul.bind_static_or_null(4, published);
    vul.bind_static_or_null(5, modified);
    vul.bind_static_or_null(6, withdrawn);
    vul.bind_static(7, rec.json());
    VULNDB_TRY(step_done(vul, db, "vulnerabilities"));
    const int64_t rowid = sqlite3_last_insert_rowid(db.get());
    for (size_t k = group_begin; k < i; ++k) order[k]->vulnerability_row = rowid;
    ++stats.vulnerabilities;
  }
  return {};
}

// affected: every kept row, ordered by package key (then by the advisory's
// place in canonical order, then as staged: order_affected()), with its
// vulnerability.
void DatabaseBuilder::Impl::order_affected() {
  std::vector<uint32_t> key_rank(packages.size());
  {
    std::vector<uint32_t> keys(packages.size());
    for (uint32_t n = 0; n < keys.size(); ++n) keys[n] = n;
    std::sort(keys.begin(), keys.end(), [&](uint32_t a, uint32_t b) { return packages.id(a) < packages.id(b); });
    for (uint32_t r = 0; r < keys.size(); ++r) key_rank[keys[r]] = r;
  }
  std::erase_if(rows, [](const StagedRow& r) { return r.copy != r.slot->copy; });
  std::stable_sort(rows.begin(), rows.end(), [&](const StagedRow& a, const StagedRow& b) {
    if (a.key != b.key) return key_rank[a.key] < key_rank[b.key];
    return a.slot->order < b.slot->order;
  });
}

Status DatabaseBuilder::Impl::write_affected(const std::vector<std::string_view>& canonical_of, WriteStats& stats) {
  sql::Stmt ins;
  VULNDB_TRY(prep(db, ins, "INSERT INTO affected VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)"));
  std::string buf;
  for (const StagedRow& r : rows) {
    VULNDB_TRY(staging.read(r.offset, r.length, buf));
    Decoder d(buf);
    ins.bind_static(1, canonical_of[r.slot->id]);
    ins.bind_static(2, graph.id(r.slot->id));
    ins.bind_static(3, origins.id(r.slot->source));
    for (int c = 4; c <= 11; ++c) {
      std::string_view v = d.text();
      if (c == 8)
        ins.bind_static_or_null(c, v);  // purl
      else
        ins.bind_static(c, v);
    }
    ins.bind_static(12, d.text());  // fixed
    ins.bind(13, static_cast<int64_t>(d.number()));
    ins.bind(14, int64_t{r.slot->withdrawn ? 1 : 0});
    ins.bind_static_or_null(15, d.text());
    ins.bind(16, r.slot->vulnerability_row);
    if (!d.ok()) return damaged_staging();
    VULNDB_TRY(step_done(ins, db, "affected"));
    ++stats.affected;
  }
  std::vector<StagedRow>().swap(rows);

  // The package filter, from every (ecosystem, package) staged.
  std::vector<uint8_t> bits(package_filter::bytes_for(packages.size()));
  for (uint32_t n = 0; n < packages.size(); ++n) {
    std::string_view key = packages.id(n);  // ecosystem \0 package \0 release
    size_t a = key.find('\0'), b = key.find('\0', a + 1);
    package_filter::add(bits, package_filter::hash(key.substr(0, a), key.substr(a + 1, b - a - 1)));
  }
  sql::Stmt filter;
  VULNDB_TRY(prep(db, filter, "INSERT INTO package_filter VALUES (?1,?2)"));
  sqlite3_bind_blob(filter.get(), 1, bits.data(), static_cast<int>(bits.size()), SQLITE_STATIC);
  filter.bind(2, int64_t{package_filter::kHashes});
  VULNDB_TRY(step_done(filter, db, "package_filter"));
  return {};
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
  if (v < kSchemaVersion)
    return Error(ErrorCode::kUnsupported,
                 "vulnerability database has schema version " + std::to_string(v) + ", older than version " +
                     std::to_string(kSchemaVersion) +
                     " that this bulwark reads: rebuild the database ('bulwark db update' or 'bulwark db import')",
                 path);
  if (v != kSchemaVersion)
    return Error(ErrorCode::kUnsupported,
                 "vulnerability database has schema version " + std::to_string(v) + ", newer than version " +
                     std::to_string(kSchemaVersion) + " that this bulwark reads: update bulwark or rebuild the database",
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
  auto st = sql::Stmt::prepare(
      impl_->db, "SELECT summary, details, published, modified, withdrawn, record FROM vulnerabilities WHERE id=?1");
  if (!st) return st.error().within(impl_->path);
  st->bind(1, canonical);
  if (st->step() != SQLITE_ROW)
    return Error(ErrorCode::kCorrupt, "vulnerability " + canonical + " has aliases but no row", impl_->path);
  VulnerabilityDetails d;
  d.id = canonical;
  d.summary = st->text(0);
  d.details = st->text(1);
  d.published = st->text(2);
  d.modified = st->text(3);
  d.withdrawn = st->text(4);
  record::Parser parser;
  record::View view;
  if (auto parsed = parser.parse(st->view(5), view); !parsed) return parsed.error().within(impl_->path + ": " + canonical);
  record::copy_to(view, d);
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
