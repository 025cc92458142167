// The directory walker (rootfs, fs and repo targets). Every name is opened relative to
// its parent directory's descriptor with O_NOFOLLOW and inspected with
// AT_SYMLINK_NOFOLLOW, so a symlink (even one swapped in during the walk) can
// never lead the walk outside the root. Symlinks are recorded, never followed.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "artifact/layer_stream.hpp"

namespace bulwark::artifact {

namespace {

// Directories deeper than this are reported and skipped: the walk holds one
// descriptor per level.
constexpr int kMaxDepth = 256;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

class FdBody : public BodyReader {
 public:
  FdBody(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  Result<size_t> read(char* buf, size_t n) override {
    for (;;) {
      ssize_t got = ::read(fd_, buf, n);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno == EINTR) continue;
      return Error(ErrorCode::kIo, std::strerror(errno), path_);
    }
  }

 private:
  int fd_;
  std::string path_;
};

std::string join_path(const std::string& dir, const std::string& name) {
  return dir.empty() ? name : dir + "/" + name;
}

bool is_dir_at(int dirfd, const char* name) {
  struct stat st {};
  return fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

class TreeWalk {
 public:
  TreeWalk(std::string root, const AnalyzerRegistry& analyzers, const Options& opts)
      : root_(std::move(root)), analyzers_(analyzers), opts_(opts) {}

  Result<LayerResult> run() {
    // The root itself may be a symlink the user gave; only what is below it is
    // held to O_NOFOLLOW.
    Fd root(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root.ok())
      return Error(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo,
                   std::string("cannot open directory: ") + std::strerror(errno), root_);
    // proc, sys and dev are skipped only when the root looks like a root file
    // system, so that a project directory named "dev" is still scanned.
    rootfs_ = is_dir_at(root.get(), "etc") && (is_dir_at(root.get(), "usr") || is_dir_at(root.get(), "bin"));
    if (auto st = walk(root.get(), "", 0); !st) return st.error();
    return std::move(result_);
  }

 private:
  void warn(const std::string& path, const std::string& message) {
    result_.diagnostics.push_back(path_warning("", path, message));
  }

  Status walk(int dirfd, const std::string& rel, int depth) {
    std::vector<std::string> names;
    {
      int dup_fd = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
      DIR* d = dup_fd >= 0 ? ::fdopendir(dup_fd) : nullptr;
      if (d == nullptr) {
        if (dup_fd >= 0) ::close(dup_fd);
        warn(rel, std::string("directory not read: ") + std::strerror(errno));
        return {};
      }
      errno = 0;
      while (dirent* de = ::readdir(d)) {
        if (std::strcmp(de->d_name, ".") != 0 && std::strcmp(de->d_name, "..") != 0) names.emplace_back(de->d_name);
      }
      if (errno != 0) warn(rel, std::string("directory listing incomplete: ") + std::strerror(errno));
      ::closedir(d);
    }
    std::sort(names.begin(), names.end());  // deterministic results
    const Limits& lim = limits();
    for (const auto& name : names) {
      if (opts_.cancel != nullptr) {
        if (auto st = opts_.cancel->check(); !st) return st.error().within(root_);
      }
      if (++result_.entries > lim.max_entries)
        return Error(ErrorCode::kLimitExceeded, "more than " + std::to_string(lim.max_entries) + " entries", root_);
      std::string child = join_path(rel, name);
      if (child.size() > lim.max_path_length) {
        warn(child.substr(0, 256), "skipped: path longer than " + std::to_string(lim.max_path_length) + " bytes");
        continue;
      }
      struct stat st {};
      if (fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        warn(child, std::string("cannot stat: ") + std::strerror(errno));
        continue;
      }
      if (S_ISDIR(st.st_mode)) {
        if (name == ".git") continue;
        if (rel.empty() && rootfs_ && (name == "proc" || name == "sys" || name == "dev")) continue;
        if (skip_dir(opts_, child)) continue;
        if (depth + 1 >= kMaxDepth) {
          warn(child, "skipped: directories nested deeper than " + std::to_string(kMaxDepth) + " levels");
          continue;
        }
        Fd sub(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!sub.ok()) {
          warn(child, std::string("directory not read: ") + std::strerror(errno));
          continue;
        }
        if (auto s = walk(sub.get(), child, depth + 1); !s) return s;
      } else if (S_ISLNK(st.st_mode)) {
        std::vector<char> buf(PATH_MAX + 1);
        ssize_t n = ::readlinkat(dirfd, name.c_str(), buf.data(), buf.size());
        if (n < 0) {
          warn(child, std::string("cannot read symlink: ") + std::strerror(errno));
          continue;
        }
        result_.symlinks.emplace_back(child, std::string(buf.data(), static_cast<size_t>(n)));
      } else if (S_ISREG(st.st_mode)) {
        if (skip_file(opts_, child)) continue;
        file(dirfd, name, child, st);
      }
    }
    return {};
  }

  void file(int dirfd, const std::string& name, const std::string& child, const struct stat& st) {
    analyzers_.wanting(child, st.st_size, static_cast<uint32_t>(st.st_mode), scratch_);
    if (scratch_.empty()) return;
    // O_NONBLOCK: if the name was swapped for a FIFO since fstatat, the open
    // must not hang; fstat below rejects it.
    Fd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
    if (!fd.ok()) {
      warn(child, std::string("not analyzed: cannot open: ") + std::strerror(errno));
      return;
    }
    struct stat now {};
    if (fstat(fd.get(), &now) != 0 || !S_ISREG(now.st_mode)) {
      warn(child, "not analyzed: no longer a regular file");
      return;
    }
    int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
    FileEntry fe;
    fe.path = child;
    fe.type = FileType::kRegular;
    fe.mode = static_cast<uint32_t>(now.st_mode) & 07777;
    fe.size = now.st_size;
    fe.uid = now.st_uid;
    fe.gid = now.st_gid;
    std::vector<AnalysisJob> jobs;
    for (size_t a : scratch_) jobs.push_back({child, a});
    FdBody body(fd.get(), child);
    std::vector<FileResult> out;
    auto s = run_analyzers(analyzers_, fe, jobs, body, out, result_.diagnostics, result_.bytes_analyzed);
    if (!s) {
      warn(child, "not analyzed: " + s.error().describe());
      return;
    }
    for (auto& r : out) result_.files.push_back(std::move(r));
  }

  std::string root_;
  const AnalyzerRegistry& analyzers_;
  const Options& opts_;
  bool rootfs_ = false;
  LayerResult result_;
  std::vector<size_t> scratch_;
};

}  // namespace

Result<LayerResult> analyze_tree(const std::string& root, const AnalyzerRegistry& analyzers, const Options& opts) {
  TreeWalk walk(root, analyzers, opts);
  return walk.run();
}

}  // namespace bulwark::artifact
