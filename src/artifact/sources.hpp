// Internal header of the artifact module: pieces shared by the image sources
// (OCI layout/archive, docker-archive, registry, engine).
#pragma once

#include <memory>
#include <string>

#include "artifact/artifact.hpp"
#include "artifact/image_config.hpp"
#include "artifact/tar_index.hpp"

namespace bulwark::artifact {

// A directory under opts.cache_dir (created), or under the system temporary
// directory when no cache directory was given.
Result<std::string> work_dir(const Options& opts, const std::string& sub);
// A name unique within this process, for temporary files.
std::string unique_name(const std::string& stem);

// Reads a whole file, failing past `limit` bytes.
Result<std::string> read_file_limited(const std::string& path, uint64_t limit);

// An outer archive opened for reading: its tar index, and the decompressed copy
// (removed with the last reference) when the archive was compressed.
struct ArchiveFile {
  std::string path;  // as given
  TarIndex index;
  std::string temp_copy;
  ArchiveFile() = default;
  ArchiveFile(const ArchiveFile&) = delete;
  ArchiveFile& operator=(const ArchiveFile&) = delete;
  ~ArchiveFile();
};
Result<std::shared_ptr<ArchiveFile>> open_archive_file(const std::string& path, const Options& opts);

// Where OCI blobs and the layout's top-level files live.
class BlobStore {
 public:
  virtual ~BlobStore() = default;
  // kNotFound when absent. `size` receives the stored size.
  virtual Result<std::unique_ptr<ByteStream>> open_blob(const std::string& digest, int64_t& size) = 0;
  virtual bool has_blob(const std::string& digest) = 0;
  // "index.json", "oci-layout" (kNotFound when absent).
  virtual Result<std::string> read_top(const std::string& name, uint64_t limit) = 0;
  virtual std::string describe() const = 0;
};
std::unique_ptr<BlobStore> archive_blob_store(std::shared_ptr<ArchiveFile> archive);
std::unique_ptr<BlobStore> layout_blob_store(const std::string& dir);

// An OCI image found in a store: manifest chosen by tag and platform, config
// and layers filled, every document's digest verified.
Result<std::unique_ptr<ImageSource>> open_oci_store(std::unique_ptr<BlobStore> store, const std::string& tag,
                                                    const Options& opts, const std::string& name,
                                                    const std::string& description);

// A docker-archive (manifest.json) or, by content, an OCI archive.
Result<std::unique_ptr<ImageSource>> open_archive_auto(const std::string& path, const std::string& tag,
                                                       const Options& opts);

}  // namespace bulwark::artifact
