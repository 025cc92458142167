// A bounded reader of tar headers (ustar, pax, GNU long names) that records
// where each member's body lies, seeking over the bodies.
#include "artifact/tar_index.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

namespace bulwark::artifact {

namespace {

constexpr int64_t kBlock = 512;

// RAII for a file descriptor.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

std::string field(const char* p, size_t n) {
  size_t len = 0;
  while (len < n && p[len] != '\0') ++len;
  return std::string(p, len);
}

// Octal (possibly space/NUL padded) or GNU base-256 number.
bool parse_number(const unsigned char* p, size_t n, int64_t& out) {
  if (p[0] & 0x80) {
    if (p[0] == 0xff) return false;  // negative
    uint64_t v = p[0] & 0x7f;
    for (size_t i = 1; i < n; ++i) {
      if (v >> 55) return false;  // would overflow int64
      v = (v << 8) | p[i];
    }
    out = static_cast<int64_t>(v);
    return true;
  }
  size_t i = 0;
  while (i < n && p[i] == ' ') ++i;
  uint64_t v = 0;
  bool any = false;
  for (; i < n && p[i] != '\0' && p[i] != ' '; ++i) {
    if (p[i] < '0' || p[i] > '7') return false;
    if (v >> 60) return false;
    v = v * 8 + (p[i] - '0');
    any = true;
  }
  for (; i < n; ++i)
    if (p[i] != '\0' && p[i] != ' ') return false;
  out = any ? static_cast<int64_t>(v) : 0;
  return true;
}

bool checksum_ok(const unsigned char* h) {
  int64_t stored = 0;
  if (!parse_number(h + 148, 8, stored)) return false;
  int64_t u = 0, s = 0;
  for (int i = 0; i < kBlock; ++i) {
    unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];
    u += c;
    s += static_cast<signed char>(c);  // some old writers summed signed chars
  }
  return stored == u || stored == s;
}

std::string normalise(std::string name) {
  for (;;) {
    if (starts_with(name, "./")) name.erase(0, 2);
    else if (starts_with(name, "/")) name.erase(0, 1);
    else break;
  }
  while (name.size() > 1 && name.back() == '/') name.pop_back();
  if (name == ".") name.clear();
  return name;
}

// "a/b/../c" -> "a/c"; false when it climbs above the root.
bool clean_path(std::string_view p, std::string& out) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= p.size()) {
    auto slash = p.find('/', start);
    std::string_view part = p.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part == "..") {
      if (parts.empty()) return false;
      parts.pop_back();
    } else if (!part.empty() && part != ".") {
      parts.emplace_back(part);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  out.clear();
  for (const auto& s : parts) out += (out.empty() ? "" : "/") + s;
  return true;
}

struct Pax {
  bool has_path = false, has_link = false, has_size = false;
  std::string path, link;
  int64_t size = 0;
};

Status parse_pax(std::string_view body, Pax& pax, const std::string& where) {
  size_t pos = 0;
  while (pos < body.size()) {
    if (body[pos] == '\0') break;  // padding some writers leave
    size_t sp = body.find(' ', pos);
    if (sp == std::string_view::npos || sp - pos > 20)
      return Error(ErrorCode::kCorrupt, "bad pax record (no length) at record offset " + std::to_string(pos), where);
    uint64_t len = 0;
    for (size_t i = pos; i < sp; ++i) {
      if (body[i] < '0' || body[i] > '9')
        return Error(ErrorCode::kCorrupt, "bad pax record length at record offset " + std::to_string(pos), where);
      len = len * 10 + (body[i] - '0');
    }
    if (len <= sp - pos + 1 || len > body.size() - pos || body[pos + len - 1] != '\n')
      return Error(ErrorCode::kCorrupt, "bad pax record length at record offset " + std::to_string(pos), where);
    std::string_view rec = body.substr(sp + 1, pos + len - 1 - (sp + 1));
    auto eq = rec.find('=');
    if (eq == std::string_view::npos)
      return Error(ErrorCode::kCorrupt, "pax record without '=' at record offset " + std::to_string(pos), where);
    std::string_view key = rec.substr(0, eq), value = rec.substr(eq + 1);
    if (key == "path") {
      pax.has_path = true;
      pax.path = std::string(value);
    } else if (key == "linkpath") {
      pax.has_link = true;
      pax.link = std::string(value);
    } else if (key == "size") {
      uint64_t v = 0;
      if (value.empty() || value.size() > 18 ||
          !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return Error(ErrorCode::kCorrupt, "bad pax size \"" + std::string(value.substr(0, 40)) + "\"", where);
      for (char c : value) v = v * 10 + (c - '0');
      pax.has_size = true;
      pax.size = static_cast<int64_t>(v);
    }
    pos += len;
  }
  return {};
}

Result<std::string> read_exact(const ReadAt& read_at, int64_t offset, size_t n, const std::string& where) {
  std::string buf(n, '\0');
  size_t got = 0;
  while (got < n) {
    auto r = read_at(offset + static_cast<int64_t>(got), buf.data() + got, n - got);
    if (!r) return r.error();
    if (*r == 0) return Error(ErrorCode::kCorrupt, "archive ends inside a member (truncated?)", where);
    got += *r;
  }
  return buf;
}

}  // namespace

Result<TarIndex> TarIndex::build(const ReadAt& read_at, int64_t total, const std::string& label,
                                 const TarIndexLimits& lim, const CancelToken* cancel) {
  TarIndex idx;
  idx.label_ = label;
  const size_t max_name = lim.max_name != 0 ? lim.max_name : limits().max_path_length;
  auto at = [&](int64_t off) { return label + ": offset " + std::to_string(off); };

  Pax pax;
  bool has_long_name = false, has_long_link = false;
  std::string long_name, long_link;
  int64_t offset = 0;
  bool ended = false;
  size_t headers = 0;
  while (offset < total) {
    if (cancel != nullptr && (++headers & 1023) == 0)
      if (auto st = cancel->check(); !st) return st.error();
    if (total - offset < kBlock)
      return Error(ErrorCode::kCorrupt, "archive ends inside a header (truncated?)", at(offset));
    auto hb = read_exact(read_at, offset, kBlock, at(offset));
    if (!hb) return hb.error();
    const auto* h = reinterpret_cast<const unsigned char*>(hb->data());
    if (std::all_of(h, h + kBlock, [](unsigned char c) { return c == 0; })) {
      ended = true;
      break;  // end-of-archive marker; whatever follows is padding
    }
    if (!checksum_ok(h))
      return Error(ErrorCode::kCorrupt,
                   offset == 0 ? "not a tar archive (bad header checksum)" : "bad tar header checksum", at(offset));
    int64_t size = 0;
    if (!parse_number(h + 124, 12, size)) return Error(ErrorCode::kCorrupt, "bad size field in tar header", at(offset));
    const char type = static_cast<char>(h[156]);
    const bool is_extension = type == 'x' || type == 'g' || type == 'L' || type == 'K';
    if (!is_extension && pax.has_size) size = pax.size;
    const int64_t body = offset + kBlock;
    if (size < 0 || size > total - body)
      return Error(ErrorCode::kCorrupt,
                   "member body of " + std::to_string(size) + " bytes runs past the end of the archive (" +
                       std::to_string(total) + " bytes; truncated?)",
                   at(offset));
    const int64_t padded = (size + kBlock - 1) / kBlock * kBlock;

    if (type == 'x' || type == 'g') {
      if (static_cast<uint64_t>(size) > lim.max_pax_bytes)
        return Error(ErrorCode::kLimitExceeded,
                     "pax header of " + std::to_string(size) + " bytes exceeds the limit of " +
                         std::to_string(lim.max_pax_bytes),
                     at(offset));
      auto text = read_exact(read_at, body, static_cast<size_t>(size), at(offset));
      if (!text) return text.error();
      Pax parsed;
      if (auto st = parse_pax(*text, parsed, at(offset)); !st) return st.error();
      if (type == 'x') pax = parsed;  // global headers carry no per-member names we rely on
    } else if (type == 'L' || type == 'K') {
      if (static_cast<size_t>(size) > max_name + 1)
        return Error(ErrorCode::kLimitExceeded,
                     "GNU long name of " + std::to_string(size) + " bytes exceeds the limit of " +
                         std::to_string(max_name),
                     at(offset));
      auto text = read_exact(read_at, body, static_cast<size_t>(size), at(offset));
      if (!text) return text.error();
      std::string v = field(text->data(), text->size());
      if (type == 'L') {
        long_name = std::move(v);
        has_long_name = true;
      } else {
        long_link = std::move(v);
        has_long_link = true;
      }
    } else {
      TarMember m;
      m.type = type == '\0' ? '0' : type;
      m.header_offset = offset;
      m.offset = body;
      m.size = size;
      std::string name;
      if (pax.has_path) {
        name = pax.path;
      } else if (has_long_name) {
        name = long_name;
      } else {
        name = field(hb->data(), 100);
        // POSIX ustar keeps a directory prefix; GNU ("ustar  ") uses that area otherwise.
        if (std::memcmp(h + 257, "ustar\0", 6) == 0) {
          std::string prefix = field(hb->data() + 345, 155);
          if (!prefix.empty()) name = prefix + "/" + name;
        }
      }
      if (name.size() > max_name)
        return Error(ErrorCode::kLimitExceeded,
                     "member name of " + std::to_string(name.size()) + " bytes exceeds the limit of " +
                         std::to_string(max_name),
                     at(offset));
      if (name.find('\0') != std::string::npos)
        return Error(ErrorCode::kCorrupt, "member name contains a NUL byte", at(offset));
      m.name = normalise(std::move(name));
      m.link = pax.has_link ? pax.link : has_long_link ? long_link : field(hb->data() + 157, 100);
      if (m.link.size() > max_name)
        return Error(ErrorCode::kLimitExceeded, "link target exceeds the name length limit", at(offset));
      if (m.type == '1') m.link = normalise(m.link);
      // Hard links, symlinks, devices, FIFOs and directories have no body to
      // skip, whatever their size field says (except '7', contiguous files).
      int64_t skip = padded;
      if (m.type == '1' || m.type == '2' || m.type == '3' || m.type == '4' || m.type == '5' || m.type == '6') {
        m.size = 0;
        skip = 0;
      }
      if (idx.members_.size() >= lim.max_members)
        return Error(ErrorCode::kLimitExceeded,
                     "more than " + std::to_string(lim.max_members) + " members in the archive", at(offset));
      idx.by_name_[m.name] = idx.members_.size();
      idx.members_.push_back(std::move(m));
      pax = Pax{};
      has_long_name = has_long_link = false;
      long_name.clear();
      long_link.clear();
      offset = body + skip;
      continue;
    }
    offset = body + padded;
  }
  if (!ended && (pax.has_path || has_long_name))
    return Error(ErrorCode::kCorrupt, "archive ends after an extended header without its member", at(offset));
  return idx;
}

Result<TarIndex> TarIndex::build_file(const std::string& path, const TarIndexLimits& lim, const CancelToken* cancel) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0)
    return Error(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, std::strerror(errno), path);
  struct stat st {};
  if (fstat(fd.fd, &st) != 0) return Error(ErrorCode::kIo, std::strerror(errno), path);
  if (!S_ISREG(st.st_mode)) return Error(ErrorCode::kInvalidArgument, "not a regular file", path);
  const int f = fd.fd;
  ReadAt read_at = [f, &path](int64_t off, char* buf, size_t n) -> Result<size_t> {
    for (;;) {
      ssize_t got = ::pread(f, buf, n, off);
      if (got < 0) {
        if (errno == EINTR) continue;
        return Error(ErrorCode::kIo, std::strerror(errno), path);
      }
      return static_cast<size_t>(got);
    }
  };
  auto idx = build(read_at, st.st_size, "archive " + path, lim, cancel);
  if (!idx) return idx.error();
  idx->path_ = path;
  return idx;
}

const TarMember* TarIndex::find(std::string_view name) const {
  std::string want;
  if (!clean_path(normalise(std::string(name)), want)) return nullptr;
  for (int hops = 0; hops < 16; ++hops) {
    auto it = by_name_.find(want);
    if (it == by_name_.end()) return nullptr;
    const TarMember& m = members_[it->second];
    if (m.type == '0' || m.type == '7') return &m;
    if (m.type == '1') {
      want = m.link;
    } else if (m.type == '2') {
      // Old `docker save` links identical layers: "<id>/layer.tar -> ../<id2>/layer.tar".
      std::string base;
      if (!starts_with(m.link, "/")) {
        auto slash = m.name.rfind('/');
        if (slash != std::string::npos) base = m.name.substr(0, slash + 1);
      }
      if (!clean_path(base + m.link, want)) return nullptr;
    } else {
      return nullptr;
    }
  }
  return nullptr;
}

Result<std::unique_ptr<FileRangeStream>> TarIndex::open(const TarMember& m) const {
  if (path_.empty()) return Error(ErrorCode::kInternal, "tar index has no file", label_);
  return FileRangeStream::open(path_, m.offset, m.size);
}

Result<std::string> TarIndex::read(std::string_view name, uint64_t limit) const {
  const TarMember* m = find(name);
  if (m == nullptr) return Error(ErrorCode::kNotFound, "no member " + std::string(name), label_);
  if (static_cast<uint64_t>(m->size) > limit)
    return Error(ErrorCode::kLimitExceeded,
                 std::string(name) + " is " + std::to_string(m->size) + " bytes, more than the limit of " +
                     std::to_string(limit),
                 label_);
  auto s = open(*m);
  if (!s) return s.error();
  return read_stream(**s, limit, label_ + ": " + std::string(name));
}

Result<Compression> sniff_compression(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0)
    return Error(errno == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, std::strerror(errno), path);
  unsigned char m[4] = {0, 0, 0, 0};
  ssize_t n = ::pread(fd.fd, m, 4, 0);
  if (n < 0) return Error(ErrorCode::kIo, std::strerror(errno), path);
  if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) return Compression::kGzip;
  if (n >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) return Compression::kZstd;
  return Compression::kNone;
}

Status decompress_file(const std::string& src, Compression c, const std::string& dest, const CancelToken* cancel) {
  Fd in(::open(src.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd < 0) return Error(ErrorCode::kIo, std::strerror(errno), src);
  Fd out(::open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (out.fd < 0) return Error(ErrorCode::kIo, std::strerror(errno), dest);
  const uint64_t max_out = limits().max_layer_bytes;
  uint64_t in_total = 0, out_total = 0;
  std::vector<unsigned char> ibuf(256 * 1024), obuf(256 * 1024);
  auto write_all = [&](const unsigned char* p, size_t n) -> Status {
    out_total += n;
    if (out_total > max_out)
      return Error(ErrorCode::kLimitExceeded,
                   "decompressed archive exceeds " + std::to_string(max_out) + " bytes", src);
    if (out_total > (64u << 20) && static_cast<double>(out_total) > limits().max_compression_ratio * (in_total + 1))
      return Error(ErrorCode::kLimitExceeded, "compression ratio exceeds the limit", src);
    while (n > 0) {
      ssize_t w = ::write(out.fd, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return Error(ErrorCode::kIo, std::strerror(errno), dest);
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    return {};
  };
  auto read_some = [&]() -> Result<size_t> {
    for (;;) {
      ssize_t r = ::read(in.fd, ibuf.data(), ibuf.size());
      if (r < 0) {
        if (errno == EINTR) continue;
        return Error(ErrorCode::kIo, std::strerror(errno), src);
      }
      in_total += static_cast<uint64_t>(r);
      return static_cast<size_t>(r);
    }
  };

  if (c == Compression::kGzip) {
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 32) != Z_OK) return Error(ErrorCode::kInternal, "inflateInit failed", src);
    struct Guard {
      z_stream* z;
      ~Guard() { inflateEnd(z); }
    } guard{&zs};
    bool stream_end = false;
    for (;;) {
      if (cancel != nullptr)
        if (auto st = cancel->check(); !st) return st;
      auto n = read_some();
      if (!n) return n.error();
      if (*n == 0) break;
      zs.next_in = ibuf.data();
      zs.avail_in = static_cast<uInt>(*n);
      while (zs.avail_in > 0) {
        if (stream_end) {  // concatenated gzip members
          if (inflateReset(&zs) != Z_OK) return Error(ErrorCode::kCorrupt, "gzip reset failed", src);
          stream_end = false;
        }
        zs.next_out = obuf.data();
        zs.avail_out = static_cast<uInt>(obuf.size());
        int rc = inflate(&zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
          return Error(ErrorCode::kCorrupt,
                       std::string("gzip: ") + (zs.msg != nullptr ? zs.msg : "data error") + " at compressed byte " +
                           std::to_string(in_total - zs.avail_in),
                       src);
        if (auto st = write_all(obuf.data(), obuf.size() - zs.avail_out); !st) return st;
        if (rc == Z_STREAM_END) stream_end = true;
        if (rc == Z_BUF_ERROR && zs.avail_out != 0) break;
      }
    }
    if (!stream_end) return Error(ErrorCode::kCorrupt, "gzip stream ends early (truncated?)", src);
  } else if (c == Compression::kZstd) {
    ZSTD_DStream* zd = ZSTD_createDStream();
    if (zd == nullptr) return Error(ErrorCode::kInternal, "ZSTD_createDStream failed", src);
    struct Guard {
      ZSTD_DStream* d;
      ~Guard() { ZSTD_freeDStream(d); }
    } guard{zd};
    ZSTD_DCtx_setParameter(zd, ZSTD_d_windowLogMax, 27);  // bound the window memory
    size_t last = 0;
    for (;;) {
      if (cancel != nullptr)
        if (auto st = cancel->check(); !st) return st;
      auto n = read_some();
      if (!n) return n.error();
      if (*n == 0) break;
      ZSTD_inBuffer ib{ibuf.data(), *n, 0};
      while (ib.pos < ib.size) {
        ZSTD_outBuffer ob{obuf.data(), obuf.size(), 0};
        last = ZSTD_decompressStream(zd, &ob, &ib);
        if (ZSTD_isError(last))
          return Error(ErrorCode::kCorrupt, std::string("zstd: ") + ZSTD_getErrorName(last), src);
        if (auto st = write_all(obuf.data(), ob.pos); !st) return st;
      }
    }
    if (last != 0) return Error(ErrorCode::kCorrupt, "zstd stream ends early (truncated?)", src);
  } else {
    return Error(ErrorCode::kInternal, "decompress_file called on an uncompressed file", src);
  }
  return {};
}

}  // namespace bulwark::artifact
