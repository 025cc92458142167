// The layer cache: one JSON file per layer result under <dir>/layers/, keyed by
// diffID + analyzer versions + the cache format version. Writes go to a temp
// file in the same directory and are renamed into place, so concurrent scans
// never see a half-written entry; anything unreadable is treated as a miss and
// rewritten by the next put().
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>

#include "artifact/artifact.hpp"
#include "artifact/streams.hpp"
#include "core/json.hpp"

namespace bulwark::artifact {

namespace {

// Bump when the stored shape or the walker's semantics change, so that old
// entries are never read as new ones.
constexpr int kCacheFormat = 1;

namespace fs = std::filesystem;

class NullCache : public LayerCache {
 public:
  std::optional<LayerResult> get(const std::string&) override { return std::nullopt; }
  Status put(const std::string&, const LayerResult&) override { return {}; }
};

bool valid_key(const std::string& key) {
  if (key.empty() || key.size() > 128) return false;
  for (char c : key)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

class FileCache : public LayerCache {
 public:
  explicit FileCache(fs::path dir) : dir_(std::move(dir) / "layers") {}

  std::optional<LayerResult> get(const std::string& key) override {
    if (!valid_key(key)) return std::nullopt;
    fs::path file = dir_ / (key + ".json");
    auto stream = FileRangeStream::open(file.string());
    if (!stream) {
      if (stream.error().code != ErrorCode::kNotFound) log_debug("layer cache: " + stream.error().describe());
      return std::nullopt;
    }
    auto text = read_stream(**stream, limits().max_sbom_bytes, file.string());
    if (!text) {
      log_debug("layer cache: ignoring " + text.error().describe());
      return std::nullopt;
    }
    auto j = parse_json(*text, file.string());
    if (!j) {
      log_debug("layer cache: ignoring corrupt entry: " + j.error().describe());
      return std::nullopt;
    }
    try {
      if (!j->is_object() || get_int(*j, "format") != kCacheFormat || get_string(*j, "key") != key ||
          !j->contains("result")) {
        log_debug("layer cache: ignoring " + file.string() + ": not an entry of this cache format");
        return std::nullopt;
      }
      return (*j)["result"].get<LayerResult>();
    } catch (const std::exception& e) {
      log_debug("layer cache: ignoring " + file.string() + ": " + e.what());
      return std::nullopt;
    }
  }

  Status put(const std::string& key, const LayerResult& result) override {
    if (!valid_key(key)) return Error(ErrorCode::kInvalidArgument, "bad layer cache key '" + key + "'");
    std::string text;
    try {
      json j = json{{"format", kCacheFormat}, {"key", key}, {"result", result}};
      text = j.dump();
    } catch (const std::exception& e) {
      return Error(ErrorCode::kInternal, std::string("layer cache: cannot serialise result: ") + e.what(), key);
    }
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) return Error(ErrorCode::kIo, "cannot create cache directory: " + ec.message(), dir_.string());
    // Unique per process and call, so concurrent writers never share a temp file.
    static std::atomic<uint64_t> counter{0};
    fs::path tmp = dir_ / (key + ".json.tmp." + std::to_string(::getpid()) + "." +
                           std::to_string(counter.fetch_add(1)));
    fs::path final_path = dir_ / (key + ".json");
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return Error(ErrorCode::kIo, std::string("cannot write: ") + std::strerror(errno), tmp.string());
    size_t off = 0;
    while (off < text.size()) {
      ssize_t n = ::write(fd, text.data() + off, text.size() - off);
      if (n < 0) {
        if (errno == EINTR) continue;
        int e = errno;
        ::close(fd);
        ::unlink(tmp.c_str());
        return Error(ErrorCode::kIo, std::string("cannot write: ") + std::strerror(e), tmp.string());
      }
      off += static_cast<size_t>(n);
    }
    if (::close(fd) != 0) {
      int e = errno;
      ::unlink(tmp.c_str());
      return Error(ErrorCode::kIo, std::string("cannot write: ") + std::strerror(e), tmp.string());
    }
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
      int e = errno;
      ::unlink(tmp.c_str());
      return Error(ErrorCode::kIo, std::string("cannot rename into place: ") + std::strerror(e), final_path.string());
    }
    return {};
  }

 private:
  fs::path dir_;
};

}  // namespace

std::unique_ptr<LayerCache> open_layer_cache(const std::string& dir) {
  if (dir.empty()) return std::make_unique<NullCache>();
  return std::make_unique<FileCache>(fs::path(dir));
}

std::string layer_cache_key(const std::string& diff_id, const AnalyzerRegistry& analyzers, const Options& opts) {
  std::string text = "bulwark-layer-cache\n" + std::to_string(kCacheFormat) + "\n" + diff_id + "\n" + analyzers.versions();
  // Skipped paths are absent from the result: a scan with other patterns must
  // not reuse it. Without patterns the key is what it always was.
  auto add = [&](const char* what, const std::vector<std::string>& patterns) {
    if (patterns.empty()) return;
    text += std::string("\n") + what;
    for (const auto& p : patterns) text += '\x1f' + p;
  };
  add("skip-dirs", opts.skip_dirs);
  add("skip-files", opts.skip_files);
  return sha256_hex(text);
}

}  // namespace bulwark::artifact
