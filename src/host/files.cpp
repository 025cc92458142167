// Bounded reads of files under the scanned root.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "host/internal.hpp"

namespace bulwark::host {

namespace fs = std::filesystem;

bool is_root_slash(const fs::path& root) {
  std::error_code ec;
  auto canon = fs::weakly_canonical(root, ec);
  return (ec ? root : canon) == fs::path("/");
}

fs::path under(const fs::path& root, std::string_view rel) {
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  return root / fs::path(rel);
}

std::string display_path(const fs::path& root, std::string_view rel) {
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  if (is_root_slash(root)) return "/" + std::string(rel);
  return std::string(rel);
}

ReadStatus read_bounded(const fs::path& file, size_t limit, std::string& out, std::string& error) {
  out.clear();
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return ReadStatus::kMissing;
    error = std::strerror(errno);
    return ReadStatus::kError;
  }
  // A FIFO or device planted in a fake root must not block or stream forever:
  // only regular files (proc files are regular with size 0) are read.
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    error = "not a regular file";
    ::close(fd);
    return ReadStatus::kError;
  }
  char buf[65536];
  ReadStatus status = ReadStatus::kOk;
  for (;;) {
    size_t want = sizeof buf;
    if (out.size() + want > limit + 1) want = limit + 1 - out.size();
    if (want == 0) break;
    ssize_t n = ::read(fd, buf, want);
    if (n < 0) {
      if (errno == EINTR) continue;
      // A process that exits while we read its files gives ESRCH.
      error = std::strerror(errno);
      status = ReadStatus::kError;
      break;
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > limit) {
      out.resize(limit);
      status = ReadStatus::kTruncated;
      break;
    }
  }
  ::close(fd);
  return status;
}

bool read_file_diag(const fs::path& file, const std::string& shown, size_t limit, bool required, std::string& out,
                    std::vector<Diagnostic>& diagnostics) {
  std::string error;
  switch (read_bounded(file, limit, out, error)) {
    case ReadStatus::kOk:
      return true;
    case ReadStatus::kMissing:
      if (required) diagnostics.push_back(make_warning(shown, 0, "missing; this part of the host is not reported"));
      return false;
    case ReadStatus::kError:
      diagnostics.push_back(make_warning(shown, 0, "cannot read: " + error));
      return false;
    case ReadStatus::kTruncated:
      diagnostics.push_back(make_warning(
          shown, 0, "longer than " + std::to_string(limit) + " bytes; only the first " + std::to_string(limit) +
                        " bytes were read"));
      return true;
  }
  return false;
}

}  // namespace bulwark::host
