// Internal header of the artifact module: the decompressing, hashing layer
// stream, the tar reader on top of it, and the analyzer dispatch shared by the
// layer walker (walker.cpp) and the directory walker (tree.cpp).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "artifact/artifact.hpp"

struct archive;
struct archive_entry;

namespace bulwark::artifact {

// "layer sha256:…" (diffID, else blob digest, else "layer #?"), for messages.
std::string layer_label(const Layer& layer);

// The uncompressed bytes of one layer blob. Detects gzip (1f 8b), zstd
// (28 b5 2f fd) or plain tar by magic, decompresses, hashes both the stored and
// the uncompressed bytes, and enforces limits().max_layer_bytes and
// max_compression_ratio. Errors are sticky: once read() failed it keeps failing
// with the same error.
class LayerStream {
 public:
  LayerStream(std::unique_ptr<ByteStream> blob, std::string label);
  ~LayerStream();
  LayerStream(const LayerStream&) = delete;
  LayerStream& operator=(const LayerStream&) = delete;

  // Up to n uncompressed bytes; 0 at the end of the (whole) blob.
  Result<size_t> read(char* buf, size_t n);
  // Reads whatever is left so that the digests cover the whole blob.
  Status drain();
  // Valid after read() returned 0 (or drain() succeeded).
  std::string blob_digest();  // "sha256:…" of the stored bytes
  std::string diff_id();      // "sha256:…" of the uncompressed bytes
  uint64_t stored_bytes() const { return in_total_; }
  uint64_t uncompressed_bytes() const { return out_total_; }
  const std::string& compression() const { return kind_name_; }
  // The error read() failed with, if it did.
  const std::optional<Error>& error() const { return error_; }

 private:
  enum class Kind { kUnknown, kPlain, kGzip, kZstd };
  Result<size_t> fill_input();
  Result<size_t> read_plain(char* buf, size_t n);
  Result<size_t> read_gzip(char* buf, size_t n);
  Result<size_t> read_zstd(char* buf, size_t n);
  Status account(const char* buf, size_t n);
  Error fail(Error e);

  std::unique_ptr<ByteStream> blob_;
  std::string label_;
  Kind kind_ = Kind::kUnknown;
  std::string kind_name_;
  std::vector<char> in_;   // compressed input buffer
  size_t in_pos_ = 0;      // next unread byte of in_
  size_t in_len_ = 0;      // valid bytes in in_
  bool in_eof_ = false;
  uint64_t in_total_ = 0;
  uint64_t out_total_ = 0;
  bool done_ = false;
  std::optional<Error> error_;
  struct Codec;
  std::unique_ptr<Codec> codec_;
  Sha256 stored_hash_;
  Sha256 plain_hash_;
  std::string stored_digest_;
  std::string plain_digest_;
};

// A libarchive tar reader over a LayerStream (tar formats only, no libarchive
// filters: decompression is ours so that limits and digests stay exact).
class TarReader {
 public:
  explicit TarReader(LayerStream& stream);
  ~TarReader();
  TarReader(const TarReader&) = delete;
  TarReader& operator=(const TarReader&) = delete;
  // The next entry, or nullptr at the end of the archive.
  Result<archive_entry*> next();
  // Reads from the current entry's body.
  Result<size_t> read_data(char* buf, size_t n);
  // Uncompressed offset of the current header (for messages).
  int64_t header_offset() const;
  // The error for a failed libarchive call: the stream's own error when the
  // bytes below failed, else libarchive's message.
  Error error(const std::string& what) const;

 private:
  struct Callbacks;  // libarchive's C callbacks (layer_stream.cpp)
  friend struct Callbacks;
  LayerStream& stream_;
  archive* a_ = nullptr;
  std::vector<char> buf_;
  bool opened_ = false;
  std::optional<Error> open_error_;
};

// A BodyReader that counts bytes and remembers whether the source itself
// failed, so that the dispatch can tell "the tar is broken" (a layer error)
// from "the analyzer gave up on this file" (a diagnostic).
class CountingBody : public BodyReader {
 public:
  explicit CountingBody(BodyReader& inner) : inner_(inner) {}
  Result<size_t> read(char* buf, size_t n) override;
  uint64_t bytes() const { return bytes_; }
  const std::optional<Error>& failure() const { return failure_; }

 private:
  BodyReader& inner_;
  uint64_t bytes_ = 0;
  std::optional<Error> failure_;
};

// One analyzer to run on one body, under the path `path` (a hard link reads its
// target's body under its own path).
struct AnalysisJob {
  std::string path;
  size_t analyzer = 0;
};

// Runs `jobs` over one file body, appending a FileResult per job to `out`
// (analyzer, path and layer set before analyze() is called). One job streams
// the body; several read it into memory once (limits().max_file_read) and give
// each analyzer its own reader. An analyzer's failure becomes a warning
// diagnostic in `diags` and an empty result (the file still replaced what lower
// layers had there); only a failure of the body source itself is returned.
Status run_analyzers(const AnalyzerRegistry& analyzers, const FileEntry& entry, const std::vector<AnalysisJob>& jobs,
                     BodyReader& body, std::vector<FileResult>& out, std::vector<Diagnostic>& diags,
                     uint64_t& bytes_analyzed);

// A warning about one path of one layer.
Diagnostic path_warning(const std::string& layer, const std::string& path, std::string message);

// analyze_layer with an extra stop token (inspect_image's own, so that the first
// failing layer stops the others); opts.cancel is honoured as well.
Result<LayerResult> analyze_layer_stoppable(const BlobOpener& open_blob, const Layer& layer, bool verify_blob,
                                            const AnalyzerRegistry& analyzers, const Options& opts,
                                            const CancelToken* stop);

}  // namespace bulwark::artifact
