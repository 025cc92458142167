#include "artifact/streams.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace bulwark::artifact {

Result<std::unique_ptr<FileRangeStream>> FileRangeStream::open(const std::string& path, int64_t offset,
                                                               int64_t length) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return Error(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, std::strerror(errno), path);
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    int e = errno;
    ::close(fd);
    return Error(ErrorCode::kIo, std::strerror(e), path);
  }
  if (length < 0) length = st.st_size - offset;
  if (offset < 0 || offset + length > st.st_size) {
    ::close(fd);
    return Error(ErrorCode::kCorrupt,
                 "byte range " + std::to_string(offset) + "+" + std::to_string(length) + " is past the end of the file (" +
                     std::to_string(st.st_size) + " bytes)",
                 path);
  }
  return std::unique_ptr<FileRangeStream>(new FileRangeStream(fd, path, offset, length));
}

FileRangeStream::~FileRangeStream() { ::close(fd_); }

Result<size_t> FileRangeStream::read(char* buf, size_t n) {
  int64_t left = length_ - pos_;
  if (left <= 0) return size_t{0};
  if (static_cast<int64_t>(n) > left) n = static_cast<size_t>(left);
  for (;;) {
    ssize_t got = ::pread(fd_, buf, n, offset_ + pos_);
    if (got < 0) {
      if (errno == EINTR) continue;
      return Error(ErrorCode::kIo, std::strerror(errno), path_);
    }
    if (got == 0)
      return Error(ErrorCode::kCorrupt, "file ended early (truncated?) at byte " + std::to_string(offset_ + pos_), path_);
    pos_ += got;
    return static_cast<size_t>(got);
  }
}

Result<size_t> MemoryStream::read(char* buf, size_t n) {
  size_t k = std::min(n, data_.size() - pos_);
  std::memcpy(buf, data_.data() + pos_, k);
  pos_ += k;
  return k;
}

Result<std::string> read_stream(ByteStream& s, uint64_t limit, const std::string& what) {
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    auto n = s.read(buf, sizeof buf);
    if (!n) return n.error().within(what);
    if (*n == 0) return out;
    if (out.size() + *n > limit)
      return Error(ErrorCode::kLimitExceeded, "larger than the limit of " + std::to_string(limit) + " bytes", what);
    out.append(buf, *n);
  }
}

}  // namespace bulwark::artifact
