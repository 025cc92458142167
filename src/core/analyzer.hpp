// Analyzers: the pieces that read files of a target and say what they found.
// The walker (artifact module) streams every layer or tree once; for each entry
// it asks each registered analyzer whether it wants the path, and reads the body
// only when one does. What an analyzer learns from one file is a FileResult,
// keyed by path so that a later layer's copy replaces it and a whiteout removes
// it. After all layers are merged, each analyzer turns the results that are
// still visible into inventory (contribute).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"

namespace bulwark {

enum class FileType { kRegular, kDirectory, kSymlink, kHardlink, kCharDevice, kBlockDevice, kFifo, kSocket, kOther };

// Reads a file body in pieces. Valid only during the Analyzer::analyze call
// that received it.
class BodyReader {
 public:
  virtual ~BodyReader() = default;
  // Reads up to n bytes; returns 0 at end of body.
  virtual Result<size_t> read(char* buf, size_t n) = 0;
};

// One path seen in a layer or a tree.
struct FileEntry {
  std::string path;         // relative, cleaned, no leading "/" or "./"
  FileType type = FileType::kRegular;
  uint32_t mode = 0;        // permission bits incl. setuid/setgid/sticky
  int64_t size = 0;
  std::string link_target;  // symlink target as written, or hard link target path
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::string layer;        // diffID of the layer, empty for directory targets
  BodyReader* body = nullptr;

  // Reads the whole body, failing with kLimitExceeded when it is larger than
  // `limit` bytes. The error names the layer and path.
  Result<std::string> read_all(size_t limit) const;
  // "layer sha256:… path etc/os-release" — for error messages.
  std::string describe() const;
};

// What one analyzer learned from one file.
struct FileResult {
  std::string analyzer;
  std::string path;     // the file's path in the target
  std::string layer;    // filled by the walker
  std::optional<OsInfo> os;
  // Small key/value facts a release file or config holds (os-release fields).
  std::map<std::string, std::string> facts;
  std::vector<Package> packages;
  std::string application_type;  // set by language analyzers: packages form an Application
  // Installed files by package name, for databases that keep file lists apart
  // from the package records (dpkg's info/*.list).
  std::map<std::string, std::vector<std::string>> package_files;
  // The whole text of a file a detector reads later (configuration files).
  std::string content;
  std::vector<Finding> findings;  // misconfiguration, secret, … found in this file
  std::vector<Diagnostic> diagnostics;
};

// Everything learned from one layer (or one directory tree). Cached by
// layer diffID + analyzer versions.
struct LayerResult {
  std::string diff_id;
  std::vector<FileResult> files;
  std::vector<std::string> whiteouts;    // paths this layer deletes from lower layers
  std::vector<std::string> opaque_dirs;  // directories whose lower-layer content is hidden
  // Every symlink in the layer: path -> target as written. Used to resolve paths
  // inside the image (never on the host).
  std::vector<std::pair<std::string, std::string>> symlinks;
  // Paths of wanted files this layer replaced with something that is not a
  // regular file (a directory, device, or link), so that lower results at that
  // path stop being visible.
  std::vector<std::string> shadowed;
  std::vector<Diagnostic> diagnostics;
  uint64_t entries = 0;         // tar entries seen
  uint64_t bytes_analyzed = 0;  // body bytes handed to analyzers
};

class Analyzer {
 public:
  virtual ~Analyzer() = default;
  virtual std::string_view name() const = 0;
  // Bumped whenever what the analyzer extracts changes; part of the cache key.
  virtual int version() const = 0;
  // Asked for every regular file (and hard link) before its body is read.
  // Must be cheap and depend on the path and size alone.
  virtual bool wants(std::string_view path, int64_t size) const = 0;
  // Asked, besides wants(), for regular files with an execute bit: analyzers
  // of compiled programs (Go build info, cargo-auditable) find their files by
  // mode rather than by name. Same rules as wants().
  virtual bool wants_executable(std::string_view path, int64_t size) const {
    (void)path;
    (void)size;
    return false;
  }
  // Reads one wanted file into `out` (analyzer and path already set). Problems
  // in the file's content go into out.diagnostics with line numbers; a returned
  // error means the body could not be read at all. Must be thread-safe: layers
  // are analyzed in parallel.
  virtual Status analyze(const FileEntry& entry, FileResult& out) const = 0;
  // Turns the results still visible after merging all layers into inventory.
  // `visible` is in path order. The default adds packages of OS databases to
  // inv.packages, application packages to inv.applications, and findings and
  // diagnostics to the report.
  virtual void contribute(std::span<const FileResult* const> visible, Inventory& inv,
                          std::vector<Finding>& findings, std::vector<Diagnostic>& diags) const;
};

// The one table of analyzers. Modules register theirs with one line each in
// their registration function (catalog::register_os_analyzers, …).
class AnalyzerRegistry {
 public:
  void add(std::unique_ptr<Analyzer> analyzer);
  // Drops analyzers by name (--disable-analyzer). Unknown names are an error.
  Status disable(const std::vector<std::string>& names);
  const std::vector<std::unique_ptr<Analyzer>>& all() const { return analyzers_; }
  const Analyzer* find(std::string_view name) const;
  // "apk@1,dpkg@2,…" sorted by name: goes into cache keys.
  std::string versions() const;
  // Indices of analyzers that want this path. `mode` holds the permission
  // bits; pass kAnyMode when asking whether any analyzer could have wanted a
  // path whatever its mode (to hide a lower layer's result).
  static constexpr uint32_t kAnyMode = 0777;
  void wanting(std::string_view path, int64_t size, uint32_t mode, std::vector<size_t>& out) const;

 private:
  std::vector<std::unique_ptr<Analyzer>> analyzers_;
};

// Path helpers shared by walkers and analyzers.
// Cleans a path from an archive or tree: strips "./" and leading "/", collapses
// "//" and ".". Returns nullopt when ".." would climb above the root.
std::optional<std::string> clean_path(std::string_view raw);
// The last path component.
std::string_view base_name(std::string_view path);
// Everything before the last "/", or "" for top-level names.
std::string_view dir_name(std::string_view path);

}  // namespace bulwark
