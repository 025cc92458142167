// OCI image layouts (directories) and OCI archives (the same layout in a tar):
// index.json, nested indexes, image manifests, configs and layer blobs, every
// document checked against the digest that names it.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "artifact/sources.hpp"
#include "core/json.hpp"

namespace bulwark::artifact {

namespace fs = std::filesystem;

// ------------------------------------------------------------ shared helpers --

Result<std::string> work_dir(const Options& opts, const std::string& sub) {
  std::error_code ec;
  fs::path base = opts.cache_dir.empty() ? fs::temp_directory_path(ec) / "bulwark" : fs::path(opts.cache_dir);
  fs::path dir = base / sub;
  fs::create_directories(dir, ec);
  if (ec) return Error(ErrorCode::kIo, "cannot create directory: " + ec.message(), dir.string());
  return dir.string();
}

std::string unique_name(const std::string& stem) {
  static std::atomic<uint64_t> counter{0};
  return stem + "." + std::to_string(::getpid()) + "." + std::to_string(counter.fetch_add(1));
}

Result<std::string> read_file_limited(const std::string& path, uint64_t limit) {
  auto s = FileRangeStream::open(path);
  if (!s) return s.error();
  if (static_cast<uint64_t>((*s)->length()) > limit)
    return Error(ErrorCode::kLimitExceeded,
                 std::to_string((*s)->length()) + " bytes, more than the limit of " + std::to_string(limit), path);
  return read_stream(**s, limit, path);
}

ArchiveFile::~ArchiveFile() {
  if (!temp_copy.empty()) ::unlink(temp_copy.c_str());
}

Result<std::shared_ptr<ArchiveFile>> open_archive_file(const std::string& path, const Options& opts) {
  auto a = std::make_shared<ArchiveFile>();
  a->path = path;
  auto c = sniff_compression(path);
  if (!c) return c.error();
  std::string tar_path = path;
  if (*c != Compression::kNone) {
    // The members of a compressed archive cannot be reached by offset: inflate
    // it once into the cache directory and index the copy.
    auto dir = work_dir(opts, "archives");
    if (!dir) return dir.error();
    a->temp_copy = *dir + "/" + unique_name("outer") + ".tar";
    if (auto st = decompress_file(path, *c, a->temp_copy, opts.cancel); !st) return st.error().within("archive " + path);
    tar_path = a->temp_copy;
  }
  auto idx = TarIndex::build_file(tar_path, {}, opts.cancel);
  if (!idx) {
    Error e = idx.error();
    if (!a->temp_copy.empty()) e.where = "archive " + path + " (decompressed)" + e.where.substr(e.where.find(':'));
    return e;
  }
  a->index = std::move(*idx);
  return a;
}

// --------------------------------------------------------------- blob stores --

namespace {

class ArchiveStore : public BlobStore {
 public:
  explicit ArchiveStore(std::shared_ptr<ArchiveFile> a) : a_(std::move(a)) {}
  Result<std::unique_ptr<ByteStream>> open_blob(const std::string& digest, int64_t& size) override {
    if (auto st = check_digest(digest, describe()); !st) return st.error();
    const TarMember* m = a_->index.find("blobs/sha256/" + digest_hex(digest));
    if (m == nullptr) return Error(ErrorCode::kNotFound, "blob " + digest + " is not in the archive", describe());
    size = m->size;
    auto s = a_->index.open(*m);
    if (!s) return s.error();
    return std::unique_ptr<ByteStream>(std::move(*s));
  }
  bool has_blob(const std::string& digest) override {
    return valid_digest(digest) && a_->index.find("blobs/sha256/" + digest_hex(digest)) != nullptr;
  }
  Result<std::string> read_top(const std::string& name, uint64_t limit) override {
    return a_->index.read(name, limit);
  }
  std::string describe() const override { return "archive " + a_->path; }

 private:
  std::shared_ptr<ArchiveFile> a_;
};

class LayoutStore : public BlobStore {
 public:
  explicit LayoutStore(std::string dir) : dir_(std::move(dir)) {}
  Result<std::unique_ptr<ByteStream>> open_blob(const std::string& digest, int64_t& size) override {
    if (auto st = check_digest(digest, describe()); !st) return st.error();
    std::string p = dir_ + "/blobs/sha256/" + digest_hex(digest);
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
      return Error(ErrorCode::kNotFound, "blob " + digest + " is not in the layout", describe());
    auto s = FileRangeStream::open(p);
    if (!s) return s.error();
    size = (*s)->length();
    return std::unique_ptr<ByteStream>(std::move(*s));
  }
  bool has_blob(const std::string& digest) override {
    if (!valid_digest(digest)) return false;
    struct stat st {};
    std::string p = dir_ + "/blobs/sha256/" + digest_hex(digest);
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
  }
  Result<std::string> read_top(const std::string& name, uint64_t limit) override {
    return read_file_limited(dir_ + "/" + name, limit);
  }
  std::string describe() const override { return "OCI layout " + dir_; }

 private:
  std::string dir_;
};

// Reads a metadata blob (index, manifest, config), bounded and verified.
Result<std::string> read_blob_verified(BlobStore& store, const Descriptor& d, const std::string& what) {
  const uint64_t limit = limits().max_metadata_bytes;
  if (d.size > 0 && static_cast<uint64_t>(d.size) > limit)
    return Error(ErrorCode::kLimitExceeded,
                 "descriptor size " + std::to_string(d.size) + " exceeds the metadata limit of " +
                     std::to_string(limit),
                 what);
  int64_t size = 0;
  auto s = store.open_blob(d.digest, size);
  if (!s) return s.error().within(what);
  auto data = read_stream(**s, limit, what);
  if (!data) return data.error();
  if (auto st = verify_digest(*data, d.digest, what); !st) return st.error();
  if (d.size >= 0 && static_cast<int64_t>(data->size()) != d.size)
    return Error(ErrorCode::kCorrupt,
                 "blob is " + std::to_string(data->size()) + " bytes, the descriptor says " + std::to_string(d.size),
                 what);
  return data;
}

std::string image_name_of(const Descriptor& d) {
  if (auto it = d.annotations.find("io.containerd.image.name"); it != d.annotations.end()) return it->second;
  if (auto it = d.annotations.find("org.opencontainers.image.ref.name"); it != d.annotations.end()) return it->second;
  return {};
}

class OciSource : public ImageSource {
 public:
  OciSource(std::unique_ptr<BlobStore> store, Artifact a, std::string description)
      : store_(std::move(store)), art_(std::move(a)), description_(std::move(description)) {}
  const Artifact& artifact() const override { return art_; }
  Result<std::unique_ptr<ByteStream>> open_layer(size_t index) override {
    if (index >= art_.layers.size()) return Error(ErrorCode::kInvalidArgument, "no layer " + std::to_string(index));
    const Layer& l = art_.layers[index];
    int64_t size = 0;
    auto s = store_->open_blob(l.digest, size);
    if (!s) return s.error().within("layer " + l.digest);
    if (l.size > 0 && size != l.size)
      return Error(ErrorCode::kCorrupt,
                   "blob is " + std::to_string(size) + " bytes, the manifest says " + std::to_string(l.size),
                   store_->describe() + ": layer " + l.digest);
    return s;
  }
  bool verify_blob_digest() const override { return true; }
  std::string describe() const override { return description_; }

 private:
  std::unique_ptr<BlobStore> store_;
  Artifact art_;
  std::string description_;
};

}  // namespace

std::unique_ptr<BlobStore> archive_blob_store(std::shared_ptr<ArchiveFile> archive) {
  return std::make_unique<ArchiveStore>(std::move(archive));
}
std::unique_ptr<BlobStore> layout_blob_store(const std::string& dir) { return std::make_unique<LayoutStore>(dir); }

// ------------------------------------------------------------ OCI resolution --

namespace {

struct Resolver {
  BlobStore& store;
  Platform want;
  std::string where;

  // Picks one image manifest out of index descriptors, descending into nested
  // indexes (bounded).
  Result<Descriptor> resolve(const std::vector<Descriptor>& cands, int depth) {
    if (depth > 8) return Error(ErrorCode::kLimitExceeded, "indexes nested more than 8 deep", where);
    if (cands.empty()) return Error(ErrorCode::kNotFound, "the index lists no manifests", where);
    const Descriptor* pick = nullptr;
    Descriptor selected;
    if (cands.size() == 1) {
      pick = &cands[0];
    } else {
      auto s = select_platform(cands, want, where);
      if (!s) return s.error();
      selected = std::move(*s);
      pick = &selected;
    }
    if (is_index_media_type(pick->media_type)) {
      auto text = read_blob_verified(store, *pick, where + ": index " + pick->digest);
      if (!text) return text.error();
      auto idx = parse_index(*text, where + ": index " + pick->digest);
      if (!idx) return idx.error();
      auto inner = resolve(idx->manifests, depth + 1);
      if (!inner) return inner.error();
      // Keep the annotations of the outer entry (the tag) for naming.
      for (const auto& [k, v] : pick->annotations) inner->annotations.emplace(k, v);
      return inner;
    }
    if (!pick->media_type.empty() && !is_manifest_media_type(pick->media_type))
      return Error(ErrorCode::kUnsupported, "descriptor " + pick->digest + " has unsupported media type \"" +
                                                pick->media_type + "\"",
                   where);
    if (cands.size() == 1 && pick->platform && !pick->platform->empty() &&
        (pick->platform->os != want.os || pick->platform->architecture != want.architecture))
      return Error(ErrorCode::kNotFound,
                   "no image for platform " + want.str() + " (available: " + pick->platform->str() + ")", where);
    return *pick;
  }
};

}  // namespace

Result<std::unique_ptr<ImageSource>> open_oci_store(std::unique_ptr<BlobStore> store, const std::string& tag,
                                                    const Options& opts, const std::string& name,
                                                    const std::string& description) {
  const std::string where = store->describe();
  auto want = wanted_platform(opts.platform);
  if (!want) return want.error();

  // oci-layout is required by the spec; a missing one usually means "not a layout".
  auto layout = store->read_top("oci-layout", 64 * 1024);
  if (!layout) {
    if (layout.error().code == ErrorCode::kNotFound)
      return Error(ErrorCode::kNotFound, "not an OCI image layout (no oci-layout file)", where);
    return layout.error();
  }
  if (auto lj = parse_json(*layout, where + ": oci-layout"); !lj) {
    return lj.error();
  } else if (std::string v = get_string(*lj, "imageLayoutVersion"); !starts_with(v, "1.")) {
    return Error(ErrorCode::kUnsupported, "unsupported imageLayoutVersion \"" + v + "\"", where + ": oci-layout");
  }
  auto index_text = store->read_top("index.json", limits().max_metadata_bytes);
  if (!index_text) return index_text.error().within(where);
  auto index = parse_index(*index_text, where + ": index.json");
  if (!index) return index.error();

  // Tag selection by the ref.name annotation (or the full image name).
  std::vector<Descriptor> cands;
  std::set<std::string> names;
  for (const auto& d : index->manifests) {
    auto it = d.annotations.find("org.opencontainers.image.ref.name");
    std::string ref_name = it == d.annotations.end() ? std::string() : it->second;
    if (!ref_name.empty()) names.insert(ref_name);
    if (tag.empty() || ref_name == tag || image_name_of(d) == tag) cands.push_back(d);
  }
  if (!tag.empty() && cands.empty()) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    return Error(ErrorCode::kNotFound, "no image tagged \"" + tag + "\" (tags: " + (list.empty() ? "none" : list) + ")",
                 where);
  }
  if (tag.empty() && names.size() > 1) {
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    return Error(ErrorCode::kInvalidArgument, "several images in one layout; choose one with :TAG (" + list + ")",
                 where);
  }

  Resolver r{*store, *want, where};
  auto md = r.resolve(cands, 0);
  if (!md) return md.error();
  const std::string mwhere = where + ": manifest " + md->digest;
  auto mtext = read_blob_verified(*store, *md, mwhere);
  if (!mtext) return mtext.error();
  auto kind = classify_document(*mtext, md->media_type, mwhere);
  if (!kind) return kind.error();
  if (*kind != DocKind::kManifest) return Error(ErrorCode::kCorrupt, "expected an image manifest, found an index", mwhere);
  auto manifest = parse_manifest(*mtext, mwhere);
  if (!manifest) return manifest.error();
  const std::string& cmt = manifest->config.media_type;
  if (!cmt.empty() && cmt != media::kOciConfig && cmt != media::kDockerConfig)
    return Error(ErrorCode::kUnsupported, "not a container image (config media type \"" + cmt + "\")", mwhere);
  const std::string cwhere = where + ": config " + manifest->config.digest;
  auto ctext = read_blob_verified(*store, manifest->config, cwhere);
  if (!ctext) return ctext.error();
  auto config = parse_config(*ctext, cwhere);
  if (!config) return config.error();

  for (const auto& l : manifest->layers) {
    LayerType t = classify_layer_media_type(l.media_type);
    if (t.kind == LayerKind::kUnknown)
      return Error(ErrorCode::kUnsupported, "layer " + l.digest + " has unsupported media type \"" + l.media_type + "\"",
                   mwhere);
    if (!store->has_blob(l.digest)) {
      if (t.foreign)
        return Error(ErrorCode::kUnsupported,
                     "foreign (non-distributable) layer " + l.digest + " is not in the image" +
                         (l.urls.empty() ? std::string() : " (it lives at " + l.urls[0] + ")"),
                     mwhere);
      return Error(ErrorCode::kNotFound, "layer blob " + l.digest + " is missing", mwhere);
    }
  }

  Artifact art;
  art.name = name;
  art.media_type = !manifest->media_type.empty() ? manifest->media_type : md->media_type;
  art.manifest_digest = md->digest;
  art.config_digest = manifest->config.digest;
  if (std::string n = image_name_of(*md); !n.empty()) art.repo_tags.push_back(n);
  if (auto st = fill_layers(art, manifest->layers, *config, mwhere); !st) return st.error();
  return std::unique_ptr<ImageSource>(new OciSource(std::move(store), std::move(art), description));
}

Result<std::unique_ptr<ImageSource>> open_oci_layout(const std::string& dir, const std::string& tag,
                                                     const Options& opts) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Error(ErrorCode::kNotFound, "not a directory", dir);
  return open_oci_store(layout_blob_store(dir), tag, opts, tag.empty() ? dir : dir + ":" + tag,
                        "oci " + dir + (tag.empty() ? "" : ":" + tag));
}

Result<std::unique_ptr<ImageSource>> open_oci_archive(const std::string& path, const std::string& tag,
                                                      const Options& opts) {
  auto a = open_archive_file(path, opts);
  if (!a) return a.error();
  if ((*a)->index.find("index.json") == nullptr) {
    if ((*a)->index.find("manifest.json") != nullptr)
      return Error(ErrorCode::kInvalidArgument, "not an OCI archive (no index.json); it looks like a docker-archive",
                   "archive " + path);
    return Error(ErrorCode::kNotFound, "not an OCI archive (no index.json)", "archive " + path);
  }
  return open_oci_store(archive_blob_store(std::move(*a)), tag, opts, tag.empty() ? path : path + ":" + tag,
                        "oci-archive " + path + (tag.empty() ? "" : ":" + tag));
}

}  // namespace bulwark::artifact
