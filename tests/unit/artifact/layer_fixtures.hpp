// Test helpers for the layer walker, merge, cache and tree tests: real tar
// archives written with libarchive, real gzip/zstd compression, and a small real
// analyzer (not a mock) that turns "*.pkgs" files into packages.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "artifact/artifact.hpp"
#include "artifact/streams.hpp"
#include "core/core.hpp"

namespace bulwark::artifact::testfx {

struct TarEntry {
  enum Kind { kFile, kDir, kSymlink, kHardlink, kFifo };
  Kind kind = kFile;
  std::string path;
  std::string content;  // kFile body
  std::string link;     // kSymlink target / kHardlink target path
};

inline TarEntry file(std::string path, std::string content) { return {TarEntry::kFile, std::move(path), std::move(content), {}}; }
inline TarEntry dir(std::string path) { return {TarEntry::kDir, std::move(path), {}, {}}; }
inline TarEntry symlink(std::string path, std::string target) { return {TarEntry::kSymlink, std::move(path), {}, std::move(target)}; }
inline TarEntry hardlink(std::string path, std::string target) { return {TarEntry::kHardlink, std::move(path), {}, std::move(target)}; }

inline la_ssize_t append_cb(archive*, void* self, const void* buf, size_t n) {
  static_cast<std::string*>(self)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

// A pax tar of the entries, written by libarchive (no compression).
inline std::string make_tar(const std::vector<TarEntry>& entries) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open(a, &out, nullptr, append_cb, nullptr);
  for (const auto& e : entries) {
    archive_entry* ae = archive_entry_new();
    archive_entry_set_pathname(ae, e.path.c_str());
    archive_entry_set_mtime(ae, 1700000000, 0);
    archive_entry_set_uid(ae, 0);
    archive_entry_set_gid(ae, 0);
    switch (e.kind) {
      case TarEntry::kFile:
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_perm(ae, 0644);
        archive_entry_set_size(ae, static_cast<la_int64_t>(e.content.size()));
        break;
      case TarEntry::kDir:
        archive_entry_set_filetype(ae, AE_IFDIR);
        archive_entry_set_perm(ae, 0755);
        break;
      case TarEntry::kSymlink:
        archive_entry_set_filetype(ae, AE_IFLNK);
        archive_entry_set_perm(ae, 0777);
        archive_entry_set_symlink(ae, e.link.c_str());
        break;
      case TarEntry::kHardlink:
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_perm(ae, 0644);
        archive_entry_set_hardlink(ae, e.link.c_str());
        archive_entry_set_size(ae, 0);
        break;
      case TarEntry::kFifo:
        archive_entry_set_filetype(ae, AE_IFIFO);
        archive_entry_set_perm(ae, 0644);
        break;
    }
    archive_write_header(a, ae);
    if (e.kind == TarEntry::kFile && !e.content.empty()) archive_write_data(a, e.content.data(), e.content.size());
    archive_entry_free(ae);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

inline std::string gzip(const std::string& data) {
  z_stream z{};
  deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

inline std::string zstd(const std::string& data) {
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), 3);
  out.resize(n);
  return out;
}

enum class Compression { kNone, kGzip, kZstd };

// A layer blob with its real digests.
struct TestLayer {
  std::string blob;
  Layer layer;
};

inline TestLayer make_layer(const std::vector<TarEntry>& entries, Compression c = Compression::kGzip) {
  std::string tar = make_tar(entries);
  TestLayer t;
  t.blob = c == Compression::kGzip ? gzip(tar) : c == Compression::kZstd ? zstd(tar) : tar;
  t.layer.diff_id = "sha256:" + sha256_hex(tar);
  t.layer.digest = "sha256:" + sha256_hex(t.blob);
  t.layer.size = static_cast<int64_t>(t.blob.size());
  return t;
}

inline BlobOpener opener_for(std::string blob) {
  return [blob = std::move(blob)]() -> Result<std::unique_ptr<ByteStream>> {
    return std::unique_ptr<ByteStream>(std::make_unique<MemoryStream>(blob));
  };
}

// Wants etc/marker.txt and every "*.pkgs" file. Each line "name version" of a
// .pkgs file is a package of ecosystem "test"; the marker's text becomes a fact.
// A file starting with "!fail" makes analyze() fail, like a real analyzer that
// cannot read a body.
class LinesAnalyzer : public Analyzer {
 public:
  std::string_view name() const override { return "lines"; }
  int version() const override { return 1; }
  bool wants(std::string_view path, int64_t) const override {
    return path == "etc/marker.txt" || ends_with(path, ".pkgs");
  }
  Status analyze(const FileEntry& entry, FileResult& out) const override {
    auto body = entry.read_all(1 << 20);
    if (!body) return body.error();
    if (starts_with(*body, "!fail")) return Error(ErrorCode::kCorrupt, "refusing this file", entry.describe());
    if (entry.path == "etc/marker.txt") {
      out.facts["marker"] = std::string(trim(*body));
      return {};
    }
    size_t pos = 0;
    int line = 0;
    while (pos < body->size()) {
      size_t nl = body->find('\n', pos);
      if (nl == std::string::npos) nl = body->size();
      std::string_view l = trim(std::string_view(*body).substr(pos, nl - pos));
      ++line;
      pos = nl + 1;
      if (l.empty()) continue;
      size_t sp = l.find(' ');
      Package p;
      p.ecosystem = "test";
      p.name = std::string(l.substr(0, sp));
      p.version = sp == std::string_view::npos ? "" : std::string(trim(l.substr(sp + 1)));
      p.location.path = entry.path;
      p.location.line = line;
      out.packages.push_back(std::move(p));
    }
    return {};
  }
};

// A second analyzer of the same "*.pkgs" files (so that a body is shared by
// two analyzers): records the size and sha256 of what it read.
class SumAnalyzer : public Analyzer {
 public:
  std::string_view name() const override { return "sum"; }
  int version() const override { return 3; }
  bool wants(std::string_view path, int64_t) const override { return ends_with(path, ".pkgs"); }
  Status analyze(const FileEntry& entry, FileResult& out) const override {
    auto body = entry.read_all(1 << 20);
    if (!body) return body.error();
    out.facts["bytes"] = std::to_string(body->size());
    out.facts["sha256"] = sha256_hex(*body);
    return {};
  }
};

inline AnalyzerRegistry lines_registry(bool with_sum = false) {
  AnalyzerRegistry r;
  r.add(std::make_unique<LinesAnalyzer>());
  if (with_sum) r.add(std::make_unique<SumAnalyzer>());
  return r;
}

// "name@version" of every OS package, sorted.
inline std::vector<std::string> package_names(const Inventory& inv) {
  std::vector<std::string> out;
  for (const auto& p : inv.packages) out.push_back(p.name + "@" + p.version);
  std::sort(out.begin(), out.end());
  return out;
}

// Restores the process-wide limits when a test lowered them.
class LimitsGuard {
 public:
  LimitsGuard() : saved_(limits()) {}
  ~LimitsGuard() { set_limits(saved_); }

 private:
  Limits saved_;
};

}  // namespace bulwark::artifact::testfx
