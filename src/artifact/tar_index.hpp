// Internal header of the artifact module: an index of the members of an outer
// tar archive (docker-archive, OCI archive), built in one pass over the headers
// without reading member bodies, so that each layer is then read as a byte
// range of the archive file, from several threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "artifact/streams.hpp"
#include "core/core.hpp"

namespace bulwark::artifact {

struct TarMember {
  std::string name;       // normalised: no leading "./" or "/"
  char type = '0';        // '0' regular, '1' hard link, '2' symlink, '5' directory, …
  int64_t header_offset = 0;
  int64_t offset = 0;     // of the body
  int64_t size = 0;
  std::string link;       // link target for '1' and '2'
};

struct TarIndexLimits {
  size_t max_members = 1'000'000;
  size_t max_name = 0;        // 0 = limits().max_path_length
  size_t max_pax_bytes = 1 << 20;
};

// Reads n bytes at offset (short only at end of input).
using ReadAt = std::function<Result<size_t>(int64_t offset, char* buf, size_t n)>;

class TarIndex {
 public:
  // Indexes an uncompressed tar read through `read_at`; `total` is its size;
  // `label` names it in errors ("archive img.tar: offset 1536: …").
  static Result<TarIndex> build(const ReadAt& read_at, int64_t total, const std::string& label,
                                const TarIndexLimits& lim = {}, const CancelToken* cancel = nullptr);
  // Indexes a tar file on disk.
  static Result<TarIndex> build_file(const std::string& path, const TarIndexLimits& lim = {},
                                     const CancelToken* cancel = nullptr);

  const std::vector<TarMember>& members() const { return members_; }
  // The last member of that name (tar semantics), following hard links to
  // their target; nullptr when absent or not a regular file.
  const TarMember* find(std::string_view name) const;
  const std::string& path() const { return path_; }
  const std::string& label() const { return label_; }

  // The body of a member as a stream over the archive file.
  Result<std::unique_ptr<FileRangeStream>> open(const TarMember& m) const;
  // The body of a named member read into memory, at most `limit` bytes.
  Result<std::string> read(std::string_view name, uint64_t limit) const;

 private:
  std::string path_;
  std::string label_;
  std::vector<TarMember> members_;
  std::unordered_map<std::string, size_t> by_name_;
};

// Whether the file starts with gzip or zstd magic.
enum class Compression { kNone, kGzip, kZstd };
Result<Compression> sniff_compression(const std::string& path);

// Decompresses a gzip or zstd file to `dest` (bounded by limits().max_layer_bytes
// and the compression ratio), for compressed outer archives.
Status decompress_file(const std::string& src, Compression c, const std::string& dest, const CancelToken* cancel);

}  // namespace bulwark::artifact
