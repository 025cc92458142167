#include "artifact/layer_stream.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>

namespace bulwark::artifact {

namespace {

constexpr size_t kInputBuffer = 256 * 1024;
constexpr size_t kTarBuffer = 128 * 1024;
// The compression ratio is only judged past this much output: tiny layers of
// zeros (an empty file system) compress absurdly well and are harmless.
constexpr uint64_t kRatioGrace = 64ull << 20;

}  // namespace

std::string layer_label(const Layer& layer) {
  if (!layer.diff_id.empty()) return "layer " + layer.diff_id;
  if (!layer.digest.empty()) return "layer " + layer.digest;
  return "layer (no digest)";
}

// ------------------------------------------------------------ LayerStream --

struct LayerStream::Codec {
  z_stream z{};
  bool z_init = false;
  bool member_open = false;  // inside a gzip member
  ZSTD_DCtx* zstd = nullptr;
  bool frame_open = false;  // inside a zstd frame

  ~Codec() {
    if (z_init) inflateEnd(&z);
    if (zstd != nullptr) ZSTD_freeDCtx(zstd);
  }
};

LayerStream::LayerStream(std::unique_ptr<ByteStream> blob, std::string label)
    : blob_(std::move(blob)), label_(std::move(label)), in_(kInputBuffer), codec_(std::make_unique<Codec>()) {}

LayerStream::~LayerStream() = default;

Error LayerStream::fail(Error e) {
  if (!error_) error_ = e;
  return e;
}

// Makes sure at least one unread input byte is buffered, reading more when
// needed. Returns the number of unread bytes (0 only at the end of the blob).
Result<size_t> LayerStream::fill_input() {
  if (in_pos_ < in_len_) return in_len_ - in_pos_;
  in_pos_ = in_len_ = 0;
  while (!in_eof_ && in_len_ == 0) {
    auto n = blob_->read(in_.data(), in_.size());
    if (!n) return fail(n.error().within(label_));
    if (*n == 0) {
      in_eof_ = true;
      break;
    }
    stored_hash_.update(in_.data(), *n);
    in_total_ += *n;
    in_len_ = *n;
  }
  return in_len_ - in_pos_;
}

Status LayerStream::account(const char* buf, size_t n) {
  if (n == 0) return {};
  plain_hash_.update(buf, n);
  out_total_ += n;
  const Limits& lim = limits();
  if (out_total_ > lim.max_layer_bytes)
    return fail(Error(ErrorCode::kLimitExceeded,
                      "uncompressed layer is larger than the limit of " + std::to_string(lim.max_layer_bytes) + " bytes",
                      label_));
  if (kind_ != Kind::kPlain && out_total_ > kRatioGrace && in_total_ > 0 &&
      static_cast<double>(out_total_) > lim.max_compression_ratio * static_cast<double>(in_total_))
    return fail(Error(ErrorCode::kLimitExceeded,
                      "decompression bomb: " + std::to_string(out_total_) + " bytes from " + std::to_string(in_total_) +
                          " " + kind_name_ + " bytes exceeds the compression ratio limit of " +
                          std::to_string(static_cast<int64_t>(lim.max_compression_ratio)),
                      label_));
  return {};
}

Result<size_t> LayerStream::read(char* buf, size_t n) {
  if (error_) return *error_;
  if (done_ || n == 0) return size_t{0};
  if (kind_ == Kind::kUnknown) {
    // Gather the four magic bytes (a blob may arrive in tiny pieces).
    while (in_len_ < 4 && !in_eof_) {
      auto got = blob_->read(in_.data() + in_len_, in_.size() - in_len_);
      if (!got) return fail(got.error().within(label_));
      if (*got == 0) {
        in_eof_ = true;
        break;
      }
      stored_hash_.update(in_.data() + in_len_, *got);
      in_total_ += *got;
      in_len_ += *got;
    }
    const auto* m = reinterpret_cast<const unsigned char*>(in_.data());
    if (in_len_ >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
      kind_ = Kind::kGzip;
      kind_name_ = "gzip";
      if (inflateInit2(&codec_->z, 16 + MAX_WBITS) != Z_OK)
        return fail(Error(ErrorCode::kInternal, "zlib initialisation failed", label_));
      codec_->z_init = true;
    } else if (in_len_ >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) {
      kind_ = Kind::kZstd;
      kind_name_ = "zstd";
      codec_->zstd = ZSTD_createDCtx();
      if (codec_->zstd == nullptr) return fail(Error(ErrorCode::kInternal, "zstd initialisation failed", label_));
    } else {
      kind_ = Kind::kPlain;
      kind_name_ = "tar";
    }
  }
  Result<size_t> r = size_t{0};
  switch (kind_) {
    case Kind::kGzip: r = read_gzip(buf, n); break;
    case Kind::kZstd: r = read_zstd(buf, n); break;
    default: r = read_plain(buf, n); break;
  }
  if (!r) return fail(r.error());
  if (*r == 0) {
    done_ = true;
    stored_digest_ = stored_hash_.digest();
    plain_digest_ = plain_hash_.digest();
    return size_t{0};
  }
  if (auto st = account(buf, *r); !st) return st.error();
  return r;
}

Result<size_t> LayerStream::read_plain(char* buf, size_t n) {
  auto avail = fill_input();
  if (!avail) return avail.error();
  size_t k = std::min(n, *avail);
  std::memcpy(buf, in_.data() + in_pos_, k);
  in_pos_ += k;
  return k;
}

Result<size_t> LayerStream::read_gzip(char* buf, size_t n) {
  z_stream& z = codec_->z;
  z.next_out = reinterpret_cast<Bytef*>(buf);
  z.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
  const uInt want = z.avail_out;
  while (z.avail_out == want) {
    auto avail = fill_input();
    if (!avail) return avail.error();
    if (*avail == 0) {
      if (codec_->member_open)
        return Error(ErrorCode::kCorrupt,
                     "gzip stream ends early (truncated) after " + std::to_string(in_total_) + " compressed bytes",
                     label_);
      break;  // clean end after the last member
    }
    if (!codec_->member_open) {
      // Between members: another member, or zero padding some tools append.
      auto* p = reinterpret_cast<unsigned char*>(in_.data()) + in_pos_;
      if (p[0] == 0) {
        size_t k = 0;
        while (k < *avail && p[k] == 0) ++k;
        in_pos_ += k;
        continue;
      }
      if (p[0] != 0x1f)
        return Error(ErrorCode::kCorrupt,
                     "unexpected bytes after gzip member at compressed offset " +
                         std::to_string(in_total_ - (in_len_ - in_pos_)),
                     label_);
      codec_->member_open = true;
    }
    z.next_in = reinterpret_cast<Bytef*>(in_.data() + in_pos_);
    z.avail_in = static_cast<uInt>(in_len_ - in_pos_);
    int rc = inflate(&z, Z_NO_FLUSH);
    in_pos_ = in_len_ - z.avail_in;
    if (rc == Z_STREAM_END) {
      codec_->member_open = false;
      inflateReset(&z);
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      return Error(ErrorCode::kCorrupt,
                   std::string("gzip data is corrupt (") + (z.msg != nullptr ? z.msg : "inflate failed") +
                       ") near compressed offset " + std::to_string(in_total_ - (in_len_ - in_pos_)),
                   label_);
    }
  }
  return static_cast<size_t>(want - z.avail_out);
}

Result<size_t> LayerStream::read_zstd(char* buf, size_t n) {
  ZSTD_outBuffer out{buf, n, 0};
  while (out.pos == 0) {
    auto avail = fill_input();
    if (!avail) return avail.error();
    // Between frames with no input left: a clean end. (Asking zstd again would
    // only report the size of a next frame header.)
    if (*avail == 0 && !codec_->frame_open) break;
    ZSTD_inBuffer in{in_.data() + in_pos_, in_len_ - in_pos_, 0};
    size_t rc = ZSTD_decompressStream(codec_->zstd, &out, &in);
    in_pos_ += in.pos;
    if (ZSTD_isError(rc))
      return Error(ErrorCode::kCorrupt,
                   std::string("zstd data is corrupt (") + ZSTD_getErrorName(rc) + ") near compressed offset " +
                       std::to_string(in_total_ - (in_len_ - in_pos_)),
                   label_);
    codec_->frame_open = rc != 0;  // 0: frame complete and fully flushed
    if (out.pos == 0 && *avail == 0 && codec_->frame_open)
      return Error(ErrorCode::kCorrupt,
                   "zstd stream ends early (truncated) after " + std::to_string(in_total_) + " compressed bytes",
                   label_);
  }
  return out.pos;
}

Status LayerStream::drain() {
  std::vector<char> buf(64 * 1024);
  for (;;) {
    auto n = read(buf.data(), buf.size());
    if (!n) return n.error();
    if (*n == 0) return {};
  }
}

std::string LayerStream::blob_digest() { return stored_digest_; }
std::string LayerStream::diff_id() { return plain_digest_; }

// -------------------------------------------------------------- TarReader --

struct TarReader::Callbacks {
  static la_ssize_t read(archive* a, void* self, const void** out) {
    auto* r = static_cast<TarReader*>(self);
    auto n = r->stream_.read(r->buf_.data(), r->buf_.size());
    if (!n) {
      archive_set_error(a, EIO, "%s", n.error().describe().c_str());
      return -1;
    }
    *out = r->buf_.data();
    return static_cast<la_ssize_t>(*n);
  }
};

TarReader::TarReader(LayerStream& stream) : stream_(stream), a_(archive_read_new()), buf_(kTarBuffer) {}

TarReader::~TarReader() {
  if (a_ != nullptr) archive_read_free(a_);
}

Error TarReader::error(const std::string& what) const {
  if (stream_.error()) return *stream_.error();
  const char* msg = a_ != nullptr ? archive_error_string(a_) : nullptr;
  return Error(ErrorCode::kCorrupt, what + ": " + (msg != nullptr ? msg : "malformed tar archive"),
               std::string());
}

Result<archive_entry*> TarReader::next() {
  if (a_ == nullptr) return Error(ErrorCode::kInternal, "libarchive allocation failed");
  if (open_error_) return *open_error_;
  if (!opened_) {
    opened_ = true;
    archive_read_support_format_tar(a_);
    if (archive_read_open(a_, this, nullptr, &Callbacks::read, nullptr) != ARCHIVE_OK) {
      open_error_ = error("not a tar archive");
      return *open_error_;
    }
  }
  archive_entry* e = nullptr;
  int rc = archive_read_next_header(a_, &e);
  if (rc == ARCHIVE_OK || rc == ARCHIVE_WARN) return e;
  if (rc == ARCHIVE_EOF) return static_cast<archive_entry*>(nullptr);
  return error("bad tar header at offset " + std::to_string(header_offset()));
}

Result<size_t> TarReader::read_data(char* buf, size_t n) {
  la_ssize_t got = archive_read_data(a_, buf, n);
  if (got < 0) return error("reading entry body");
  return static_cast<size_t>(got);
}

int64_t TarReader::header_offset() const {
  return a_ != nullptr ? static_cast<int64_t>(archive_read_header_position(a_)) : 0;
}

// ------------------------------------------------------------ CountingBody --

Result<size_t> CountingBody::read(char* buf, size_t n) {
  if (failure_) return *failure_;
  auto r = inner_.read(buf, n);
  if (!r) {
    failure_ = r.error();
    return r;
  }
  bytes_ += *r;
  return r;
}

}  // namespace bulwark::artifact
