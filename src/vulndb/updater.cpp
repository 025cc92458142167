// update_database: download the feeds (or a prebuilt database) and swap a new
// database in atomically. Everything that can be interrupted is written
// beside its target and renamed: feed files (FILE.part, resumable), the state
// sidecar, a prebuilt database (DB.new) and the database itself
// (build_database's DB.tmp-PID). A kill -9 at any moment leaves the old or the
// new database, never a half one; the next run cleans up or resumes.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/json.hpp"
#include "net/net.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kMaxIndexBytes = 16ull << 20;
constexpr const char* kStateFile = ".state.json";
constexpr const char* kIndexFile = "index.json";
constexpr const char* kMirrorDbFile = "bulwark.db";

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status fsync_path(const fs::path& p, bool directory) {
  int fd = ::open(p.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) return Error(ErrorCode::kIo, std::string("cannot open: ") + std::strerror(errno), p.string());
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Error(ErrorCode::kIo, std::string("fsync failed: ") + std::strerror(errno), p.string());
  return {};
}

// Writes `content` to PATH.tmp-PID, fsyncs it and renames it over `path`.
Status write_atomically(const fs::path& path, const std::string& content) {
  fs::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) return Error(ErrorCode::kIo, "cannot write", tmp.string());
  }
  if (auto st = fsync_path(tmp, false); !st) return st;
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return Error(ErrorCode::kIo, "cannot rename: " + ec.message(), path.string());
  }
  (void)fsync_path(path.parent_path(), true);
  return {};
}

Result<std::string> sha256_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Error(ErrorCode::kIo, "cannot read", p.string());
  Sha256 h;
  std::string buf(1 << 16, '\0');
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    if (in.gcount() > 0) h.update(buf.data(), static_cast<size_t>(in.gcount()));
  }
  return h.hex();
}

// The exclusive update lock, released by the kernel when the process dies.
class LockFile {
 public:
  static Result<LockFile> acquire(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return Error(ErrorCode::kIo, std::string("cannot open lock file: ") + std::strerror(errno), path);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK)
        return Error(ErrorCode::kIo, "another database update is running (lock held)", path);
      return Error(ErrorCode::kIo, std::string("cannot lock: ") + std::strerror(err), path);
    }
    return LockFile(fd);
  }
  LockFile(LockFile&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  LockFile& operator=(LockFile&&) = delete;
  ~LockFile() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit LockFile(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// Removes NAME.tmp-PID files (NAME starting with `prefix`) in `dir` whose
// process no longer exists.
void clean_dead_tmp(const fs::path& dir, const std::string& prefix, std::vector<std::string>& removed) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    size_t at = name.rfind(".tmp-");
    if (at == std::string::npos || name.rfind(prefix, 0) != 0) continue;
    std::string pid_text = name.substr(at + 5);
    if (pid_text.empty() || pid_text.size() > 10 || pid_text.find_first_not_of("0123456789") != std::string::npos)
      continue;
    pid_t pid = static_cast<pid_t>(std::strtol(pid_text.c_str(), nullptr, 10));
    if (pid <= 0 || pid == ::getpid() || ::kill(pid, 0) == 0 || errno == EPERM) continue;  // alive
    std::error_code rec;
    if (fs::remove(e.path(), rec)) removed.push_back(e.path().string());
  }
}

// Removes what a killed run left behind: DB.tmp-PID (a database being
// written), DB.new (a prebuilt database never swapped in) and the feeds'
// NAME.tmp-PID (state files). FILE.part downloads stay: they are resumed.
// Called with the lock held.
std::vector<std::string> clean_stale(const fs::path& db, const fs::path& feeds_dir) {
  std::vector<std::string> removed;
  clean_dead_tmp(db.parent_path().empty() ? fs::path(".") : db.parent_path(), db.filename().string() + ".tmp-",
                 removed);
  clean_dead_tmp(feeds_dir, "", removed);
  fs::path stale_new = db.string() + ".new";
  std::error_code rec;
  if (fs::exists(stale_new, rec) && fs::remove(stale_new, rec)) removed.push_back(stale_new.string());
  return removed;
}

FeedOutcome outcome(std::string name, std::string file, std::string url) {
  FeedOutcome o;
  o.name = std::move(name);
  o.file = std::move(file);
  o.url = std::move(url);
  return o;
}

std::string join_url(std::string base, const std::string& rel) {
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + "/" + rel;
}

// What <feeds>/.state.json remembers: validators per cached file and what the
// database was last built from.
struct State {
  json doc = json::object();
  fs::path path;

  static State load(const fs::path& p) {
    State s;
    s.path = p;
    std::error_code ec;
    if (fs::exists(p, ec)) {
      auto text = read_all(p);
      json j = json::parse(text, nullptr, false);
      if (j.is_object()) s.doc = std::move(j);  // a damaged state file only costs a re-download
    }
    if (!s.doc.contains("files") || !s.doc["files"].is_object()) s.doc["files"] = json::object();
    return s;
  }
  std::string get(const std::string& file, const char* key) const {
    const auto& f = doc["files"];
    if (!f.contains(file) || !f[file].is_object()) return {};
    auto it = f[file].find(key);
    return it != f[file].end() && it->is_string() ? it->get<std::string>() : std::string();
  }
  void set(const std::string& file, const std::string& url, const std::string& etag, const std::string& lm) {
    doc["files"][file] = {{"url", url}, {"etag", etag}, {"last_modified", lm}};
  }
  void forget(const std::string& file) { doc["files"].erase(file); }
  Status save() const { return write_atomically(path, doc.dump(2) + "\n"); }
};

// A signature of the inputs (name, size, mtime) to tell whether a rebuild is
// needed when every feed answered 304.
std::string inputs_signature(const std::vector<std::string>& inputs) {
  std::string sig;
  for (const auto& in : inputs) {
    std::error_code ec;
    auto size = fs::file_size(in, ec);
    auto mtime = fs::last_write_time(in, ec).time_since_epoch().count();
    sig += in + ":" + std::to_string(size) + ":" + std::to_string(mtime) + ";";
  }
  return sig;
}

struct IndexEntry {
  uint64_t size = 0;
  std::string sha256;
};

Result<std::map<std::string, IndexEntry>> parse_index(const std::string& text, const std::string& where) {
  auto entries = parse_mirror_index(text, where);
  if (!entries) return entries.error();
  std::map<std::string, IndexEntry> out;
  for (auto& e : *entries) out[e.path] = IndexEntry{e.size, std::move(e.sha256)};
  return out;
}

class Updater {
 public:
  Updater(const UpdateOptions& opt, UpdateResult& r) : opt_(opt), r_(r) {}

  Status run() {
    fs::path db = opt_.db_path.empty() ? default_database_path(opt_.cache_dir) : opt_.db_path;
    r_.db_path = db.string();
    fs::path cache_db = fs::path(default_database_path(opt_.cache_dir));
    feeds_dir_ = cache_db.parent_path() / "feeds";
    std::error_code ec;
    fs::create_directories(feeds_dir_, ec);
    if (ec) return Error(ErrorCode::kIo, "cannot create: " + ec.message(), feeds_dir_.string());
    if (!db.parent_path().empty()) fs::create_directories(db.parent_path(), ec);
    db_ = db;

    auto lock = LockFile::acquire(db.string() + ".lock");
    if (!lock) return lock.error();
    r_.cleaned = clean_stale(db, feeds_dir_);
    state_ = State::load(feeds_dir_ / kStateFile);

    auto feeds = select_feeds(opt_.feeds);
    if (!feeds) return feeds.error();
    feeds_ = std::move(*feeds);

    if (opt_.offline) return offline();
    if (!opt_.repository.empty()) return from_repository();
    return from_sources();
  }

 private:
  net::DownloadRequest request(const std::string& url, const fs::path& dest) {
    net::DownloadRequest q;
    q.url = url;
    q.dest = dest.string();
    q.max_bytes = opt_.max_file_bytes;
    q.attempts = opt_.attempts;
    q.backoff_ms = opt_.backoff_ms;
    q.max_backoff_ms = opt_.max_backoff_ms;
    q.low_speed_time_s = opt_.low_speed_time_s;
    q.cancel = opt_.cancel;
    if (opt_.progress) {
      std::string name = dest.filename().string();
      auto cb = opt_.progress;
      q.progress = [cb, name](uint64_t done, uint64_t total) { cb(name, done, total); };
    }
    return q;
  }

  // Downloads one feed file into the cache with conditional headers.
  FeedOutcome fetch(const Feed& f, const std::string& url, const IndexEntry* expect) {
    FeedOutcome o = outcome(f.name, f.file, url);
    fs::path dest = feeds_dir_ / f.file;
    auto q = request(url, dest);
    if (state_.get(f.file, "url") == url) {
      q.etag = state_.get(f.file, "etag");
      q.last_modified = state_.get(f.file, "last_modified");
    }
    if (expect && expect->size > q.max_bytes) {
      o.state = FeedOutcome::State::kFailed;
      o.message = "index says " + std::to_string(expect->size) + " bytes, over the limit";
      return o;
    }
    auto got = net::download(q);
    if (!got) {
      o.message = got.error().describe();
      o.state = got.error().code == ErrorCode::kNotFound && !opt_.repository.empty() ? FeedOutcome::State::kNotMirrored
                                                                                      : FeedOutcome::State::kFailed;
      return o;
    }
    o.attempts = got->attempts;
    o.resumed = got->resumed;
    o.bytes = got->bytes;
    o.state = got->not_modified ? FeedOutcome::State::kNotModified : FeedOutcome::State::kDownloaded;
    if (expect) {
      auto sha = sha256_file(dest);
      std::error_code ec;
      uint64_t size = fs::file_size(dest, ec);
      if (!sha || *sha != expect->sha256 || size != expect->size) {
        o.state = FeedOutcome::State::kFailed;
        o.message = "does not match the mirror's index.json (size " + std::to_string(size) + ", expected " +
                    std::to_string(expect->size) + "; sha256 " + (sha ? *sha : std::string("?")) + ", expected " +
                    expect->sha256 + "); removed";
        fs::remove(dest, ec);
        state_.forget(f.file);
        (void)state_.save();
        return o;
      }
    }
    state_.set(f.file, url, got->etag, got->last_modified);
    if (auto st = state_.save(); !st) log_warn("cannot save download state: " + st.error().describe());
    return o;
  }

  Status from_sources() {
    for (const auto& f : feeds_) {
      if (opt_.cancel && opt_.cancel->stopped()) return opt_.cancel->check();
      r_.feeds.push_back(fetch(f, f.url, nullptr));
    }
    return finish_feeds();
  }

  Status from_repository() {
    const std::string& repo = opt_.repository;
    if (repo.size() > 3 && repo.ends_with(".db")) return prebuilt(repo, nullptr);
    // The optional index: verified sizes and digests, and maybe a prebuilt db.
    fs::path index_path = feeds_dir_ / ".mirror-index.json";
    std::error_code ec;
    fs::remove(index_path, ec);  // never trust an index from an earlier run
    auto iq = request(join_url(repo, kIndexFile), index_path);
    iq.max_bytes = kMaxIndexBytes;
    iq.progress = nullptr;
    auto got = net::download(iq);
    std::optional<std::map<std::string, IndexEntry>> index;
    if (got) {
      auto parsed = parse_index(read_all(index_path), join_url(repo, kIndexFile));
      if (!parsed) return parsed.error();
      index = std::move(*parsed);
    } else if (got.error().code != ErrorCode::kNotFound) {
      return got.error();
    }
    if (index) {
      if (auto it = index->find(kMirrorDbFile); it != index->end()) return prebuilt(join_url(repo, kMirrorDbFile), &it->second);
    }
    for (const auto& f : feeds_) {
      if (opt_.cancel && opt_.cancel->stopped()) return opt_.cancel->check();
      const IndexEntry* expect = nullptr;
      if (index) {
        auto it = index->find(f.file);
        if (it == index->end()) {
          FeedOutcome o = outcome(f.name, f.file, join_url(repo, f.file));
          o.state = FeedOutcome::State::kNotMirrored;
          o.message = "not listed in index.json";
          r_.feeds.push_back(std::move(o));
          continue;
        }
        expect = &it->second;
      }
      r_.feeds.push_back(fetch(f, join_url(repo, f.file), expect));
    }
    return finish_feeds();
  }

  Status offline() {
    for (const auto& f : feeds_) {
      FeedOutcome o = outcome(f.name, f.file, (feeds_dir_ / f.file).string());
      std::error_code ec;
      if (fs::is_regular_file(feeds_dir_ / f.file, ec)) {
        o.state = FeedOutcome::State::kCached;
        o.bytes = fs::file_size(feeds_dir_ / f.file, ec);
      } else {
        o.state = FeedOutcome::State::kMissing;
        o.message = "not in the download cache";
      }
      r_.feeds.push_back(std::move(o));
    }
    return finish_feeds();
  }

  // Builds the database from what the feeds left in the cache, unless a feed
  // failed (then the old database stays: a partial one would hide findings).
  Status finish_feeds() {
    std::vector<std::string> inputs;
    bool changed = false;
    size_t failed = 0;
    for (auto& o : r_.feeds) {
      using S = FeedOutcome::State;
      std::error_code exists_ec;
      if (o.state == S::kFailed && opt_.allow_stale && !o.file.empty() && fs::is_regular_file(feeds_dir_ / o.file, exists_ec)) {
        o.stale = true;
        o.message += (o.message.empty() ? "" : "; ") + std::string("using the copy of an earlier run");
        inputs.push_back((feeds_dir_ / o.file).string());
        continue;
      }
      if (o.state == S::kFailed) ++failed;
      if (o.state == S::kDownloaded) changed = true;
      if (o.state == S::kDownloaded || o.state == S::kNotModified || o.state == S::kCached)
        inputs.push_back((feeds_dir_ / o.file).string());
    }
    if (failed > 0)
      return Error(ErrorCode::kNetwork, std::to_string(failed) + " of " + std::to_string(r_.feeds.size()) +
                                            " feeds failed; the database was not rebuilt");
    if (inputs.empty())
      return Error(ErrorCode::kNotFound, opt_.offline ? "no feed file in the download cache " + feeds_dir_.string()
                                                      : "no feed could be fetched from " +
                                                            (opt_.repository.empty() ? std::string("the sources")
                                                                                     : opt_.repository));
    std::string sig = db_.string() + "|" + inputs_signature(inputs);
    std::error_code ec;
    if (!changed && !opt_.force_rebuild && fs::exists(db_, ec) && state_.doc.value("built_from", std::string()) == sig &&
        Reader::open(db_.string())) {
      r_.up_to_date = true;
      return {};
    }
    auto built = build_database(db_.string(), inputs);
    if (!built) return built.error();
    r_.build = std::move(*built);
    r_.rebuilt = true;
    state_.doc["built_from"] = sig;
    if (auto st = state_.save(); !st) log_warn("cannot save download state: " + st.error().describe());
    return {};
  }

  // Downloads a prebuilt database to DB.new, verifies it and renames it over DB.
  Status prebuilt(const std::string& url, const IndexEntry* expect) {
    r_.prebuilt = true;
    FeedOutcome o = outcome("database", kMirrorDbFile, url);
    std::error_code ec;
    // Up to date: the index names the very file we installed last time.
    if (expect && fs::exists(db_, ec) && state_.doc.value("prebuilt_sha256", std::string()) == expect->sha256 &&
        state_.doc.value("prebuilt_db", std::string()) == db_.string()) {
      auto cur = sha256_file(db_);
      if (cur && *cur == expect->sha256) {
        o.state = FeedOutcome::State::kNotModified;
        o.bytes = fs::file_size(db_, ec);
        r_.feeds.push_back(o);
        r_.up_to_date = true;
        return {};
      }
    }
    fs::path next = db_.string() + ".new";
    auto q = request(url, next);
    auto got = net::download(q);
    if (!got) {
      o.state = FeedOutcome::State::kFailed;
      o.message = got.error().describe();
      r_.feeds.push_back(o);
      return got.error();
    }
    o.bytes = got->bytes;
    o.attempts = got->attempts;
    o.resumed = got->resumed;
    auto reject = [&](Error e) -> Status {
      fs::remove(next, ec);
      o.state = FeedOutcome::State::kFailed;
      o.message = e.describe();
      r_.feeds.push_back(o);
      return e;
    };
    if (expect) {
      auto sha = sha256_file(next);
      if (!sha) return reject(sha.error());
      if (*sha != expect->sha256 || got->bytes != expect->size)
        return reject(Error(ErrorCode::kDigestMismatch,
                            "sha256 " + *sha + " does not match the index's " + expect->sha256, url));
    }
    {
      auto reader = Reader::open(next.string());
      if (!reader) return reject(reader.error().within(url));
      auto st = reader->status();
      if (!st) return reject(st.error().within(url));
    }
    fs::rename(next, db_, ec);
    if (ec) return reject(Error(ErrorCode::kIo, "cannot rename over the database: " + ec.message(), db_.string()));
    (void)fsync_path(db_.parent_path().empty() ? fs::path(".") : db_.parent_path(), true);
    o.state = FeedOutcome::State::kDownloaded;
    r_.feeds.push_back(o);
    r_.rebuilt = true;
    if (expect) {
      state_.doc["prebuilt_sha256"] = expect->sha256;
      state_.doc["prebuilt_db"] = db_.string();
    } else {
      state_.doc.erase("prebuilt_sha256");
    }
    (void)state_.save();
    return {};
  }

  const UpdateOptions& opt_;
  UpdateResult& r_;
  fs::path feeds_dir_;
  fs::path db_;
  State state_;
  std::vector<Feed> feeds_;
};

}  // namespace

const char* to_string(FeedOutcome::State s) {
  switch (s) {
    case FeedOutcome::State::kDownloaded: return "downloaded";
    case FeedOutcome::State::kNotModified: return "not modified";
    case FeedOutcome::State::kCached: return "cached";
    case FeedOutcome::State::kNotMirrored: return "not mirrored";
    case FeedOutcome::State::kMissing: return "missing";
    case FeedOutcome::State::kFailed: return "failed";
  }
  return "?";
}

Result<UpdateResult> update_database(const UpdateOptions& opt, UpdateResult* report) {
  UpdateResult r;
  Updater u(opt, r);
  Status st = u.run();
  if (report) *report = r;
  if (!st) return st.error();
  return r;
}

Result<std::vector<MirrorEntry>> parse_mirror_index(std::string_view text, const std::string& where) {
  if (text.size() > kMaxIndexBytes) return Error(ErrorCode::kLimitExceeded, "index larger than 16 MiB", where);
  json j = json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("files") || !j["files"].is_array())
    return Error(ErrorCode::kCorrupt, "not a Bulwark mirror index (no \"files\" array)", where);
  std::vector<MirrorEntry> out;
  size_t i = 0;
  for (const auto& f : j["files"]) {
    std::string at = where + " files[" + std::to_string(i++) + "]";
    if (!f.is_object() || !f.contains("path") || !f["path"].is_string() || !f.contains("sha256") ||
        !f["sha256"].is_string() || !f.contains("size") || !f["size"].is_number_unsigned())
      return Error(ErrorCode::kCorrupt, "entry needs path, size and sha256", at);
    std::string path = f["path"].get<std::string>();
    std::string sha = f["sha256"].get<std::string>();
    if (path.empty() || path.front() == '/' || path.find("..") != std::string::npos || path.size() > 1024 ||
        path.find('\0') != std::string::npos)
      return Error(ErrorCode::kCorrupt, "unsafe path '" + path.substr(0, 100) + "'", at);
    if (sha.size() != 64 || sha.find_first_not_of("0123456789abcdef") != std::string::npos)
      return Error(ErrorCode::kCorrupt, "sha256 is not 64 lowercase hex digits", at);
    out.push_back(MirrorEntry{std::move(path), f["size"].get<uint64_t>(), std::move(sha)});
  }
  return out;
}

Status write_mirror_index(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Error(ErrorCode::kNotFound, "not a directory", dir);
  json files = json::array();
  std::vector<fs::path> paths;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (name.starts_with(".")) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file() || name == kIndexFile || name.ends_with(".part") ||
        name.find(".tmp-") != std::string::npos || name.ends_with(".lock") || name.ends_with(".part.validator"))
      continue;
    paths.push_back(it->path());
  }
  if (ec) return Error(ErrorCode::kIo, "cannot list: " + ec.message(), dir);
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) {
    auto sha = sha256_file(p);
    if (!sha) return sha.error();
    files.push_back({{"path", fs::relative(p, dir).generic_string()}, {"size", fs::file_size(p)}, {"sha256", *sha}});
  }
  json doc = {{"format", "bulwark-db-mirror"}, {"version", 1}, {"files", files}};
  return write_atomically(fs::path(dir) / kIndexFile, doc.dump(2) + "\n");
}

}  // namespace bulwark::vulndb
