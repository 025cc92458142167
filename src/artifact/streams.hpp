// Byte streams used inside the artifact module: a byte range of a file (a layer
// inside an archive, a blob in an OCI layout or the cache) and a memory buffer.
// Internal header of the artifact module.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "artifact/artifact.hpp"

namespace bulwark::artifact {

// Reads [offset, offset+length) of a file with pread, so several streams can
// share one archive from different threads. length < 0 means "to end of file".
class FileRangeStream : public ByteStream {
 public:
  static Result<std::unique_ptr<FileRangeStream>> open(const std::string& path, int64_t offset = 0,
                                                       int64_t length = -1);
  ~FileRangeStream() override;
  Result<size_t> read(char* buf, size_t n) override;
  int64_t length() const { return length_; }

 private:
  FileRangeStream(int fd, std::string path, int64_t offset, int64_t length)
      : fd_(fd), path_(std::move(path)), offset_(offset), length_(length) {}
  int fd_;
  std::string path_;
  int64_t offset_;
  int64_t length_;
  int64_t pos_ = 0;
};

// Reads from a string it owns.
class MemoryStream : public ByteStream {
 public:
  explicit MemoryStream(std::string data) : data_(std::move(data)) {}
  Result<size_t> read(char* buf, size_t n) override;

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Reads a whole stream into memory, failing past `limit` bytes.
Result<std::string> read_stream(ByteStream& s, uint64_t limit, const std::string& what);

}  // namespace bulwark::artifact
