// docker-archive (`docker save`, `podman save --format docker-archive`,
// `skopeo copy … docker-archive:`): manifest.json names the config and the
// layer tars inside the archive. Newer `docker save` also writes an OCI layout
// (index.json, blobs/sha256/…) into the same tar; then the OCI documents are
// used (they carry digests and media types) and manifest.json adds the tags.
#include <unistd.h>

#include <algorithm>

#include "artifact/reference.hpp"
#include "artifact/sources.hpp"
#include "core/json.hpp"

namespace bulwark::artifact {

namespace {

struct ArchiveEntry {
  std::string config;
  std::vector<std::string> repo_tags;
  std::vector<std::string> layers;
};

Result<std::vector<ArchiveEntry>> parse_archive_manifest(std::string_view text, const std::string& what) {
  auto j = parse_json(text, what);
  if (!j) return j.error();
  if (!j->is_array()) return Error(ErrorCode::kCorrupt, "manifest.json is not a JSON array", what);
  std::vector<ArchiveEntry> out;
  size_t i = 0;
  for (const auto& e : *j) {
    const std::string at = what + ": [" + std::to_string(i++) + "]";
    if (!e.is_object()) return Error(ErrorCode::kCorrupt, "entry is not an object", at);
    ArchiveEntry a;
    a.config = get_string(e, "Config");
    if (a.config.empty()) return Error(ErrorCode::kCorrupt, "entry has no \"Config\"", at);
    for (const char* key : {"RepoTags", "Layers"}) {
      auto it = e.find(key);
      if (it == e.end() || it->is_null()) continue;
      if (!it->is_array()) return Error(ErrorCode::kCorrupt, std::string("\"") + key + "\" is not an array", at);
      for (const auto& v : *it) {
        if (!v.is_string()) return Error(ErrorCode::kCorrupt, std::string("\"") + key + "\" has a non-string", at);
        (std::string_view(key) == "Layers" ? a.layers : a.repo_tags).push_back(v.get<std::string>());
      }
    }
    out.push_back(std::move(a));
  }
  if (out.empty()) return Error(ErrorCode::kCorrupt, "manifest.json lists no images", what);
  return out;
}

// The 64-hex digest a member name carries ("blobs/sha256/<hex>",
// "<hex>.json", "<hex>/layer.tar", "<hex>.tar"), or "".
std::string hex_in_name(const std::string& name) {
  auto is_hex64 = [](std::string_view s) {
    return s.size() == 64 && valid_digest("sha256:" + std::string(s));
  };
  if (starts_with(name, "blobs/sha256/") && is_hex64(std::string_view(name).substr(13))) return name.substr(13);
  std::string_view base = name;
  if (auto slash = base.rfind('/'); slash != std::string_view::npos) base = base.substr(slash + 1);
  if (auto dot = base.find('.'); dot != std::string_view::npos) base = base.substr(0, dot);
  if (is_hex64(base)) return std::string(base);
  return {};
}

bool same_image_name(const std::string& a, const std::string& b) {
  if (a == b) return true;
  auto ra = parse_reference(a), rb = parse_reference(b);
  return ra && rb && ra->str() == rb->str();
}

class DockerArchiveSource : public ImageSource {
 public:
  DockerArchiveSource(std::shared_ptr<ArchiveFile> a, Artifact art, std::vector<TarMember> members, bool verify)
      : a_(std::move(a)), art_(std::move(art)), members_(std::move(members)), verify_(verify) {}
  const Artifact& artifact() const override { return art_; }
  Result<std::unique_ptr<ByteStream>> open_layer(size_t index) override {
    if (index >= members_.size()) return Error(ErrorCode::kInvalidArgument, "no layer " + std::to_string(index));
    auto s = a_->index.open(members_[index]);
    if (!s) return s.error().within("archive " + a_->path + ": " + members_[index].name);
    return std::unique_ptr<ByteStream>(std::move(*s));
  }
  bool verify_blob_digest() const override { return verify_; }
  std::string describe() const override { return "docker-archive " + a_->path; }

 private:
  std::shared_ptr<ArchiveFile> a_;
  Artifact art_;
  std::vector<TarMember> members_;
  bool verify_;
};

Result<std::unique_ptr<ImageSource>> open_legacy(std::shared_ptr<ArchiveFile> a, const std::vector<ArchiveEntry>& entries,
                                                 const std::string& image, const Options& opts) {
  (void)opts;
  const std::string where = "archive " + a->path;
  const ArchiveEntry* e = nullptr;
  if (image.empty()) {
    e = &entries[0];
    if (entries.size() > 1) {
      std::string list;
      for (const auto& x : entries)
        list += (list.empty() ? "" : ", ") + (x.repo_tags.empty() ? x.config : x.repo_tags[0]);
      return Error(ErrorCode::kInvalidArgument,
                   "the archive holds " + std::to_string(entries.size()) +
                       " images; choose one with docker-archive:FILE:NAME:TAG (" + list + ")",
                   where);
    }
  } else {
    for (const auto& x : entries) {
      for (const auto& t : x.repo_tags)
        if (same_image_name(t, image)) e = &x;
      if (e != nullptr) break;
    }
    if (e == nullptr) return Error(ErrorCode::kNotFound, "no image named \"" + image + "\" in the archive", where);
  }

  auto ctext = a->index.read(e->config, limits().max_metadata_bytes);
  if (!ctext) return ctext.error();
  const std::string cdigest = "sha256:" + sha256_hex(*ctext);
  if (std::string hex = hex_in_name(e->config); !hex.empty() && "sha256:" + hex != cdigest)
    return Error(ErrorCode::kDigestMismatch, "config has digest " + cdigest + ", its name says sha256:" + hex,
                 where + ": " + e->config);
  auto config = parse_config(*ctext, where + ": " + e->config);
  if (!config) return config.error();

  std::vector<TarMember> members;
  std::vector<Descriptor> descs;
  bool all_named = !e->layers.empty();
  for (const auto& name : e->layers) {
    const TarMember* m = a->index.find(name);
    if (m == nullptr) return Error(ErrorCode::kNotFound, "layer " + name + " is not in the archive", where);
    members.push_back(*m);
    Descriptor d;
    d.size = m->size;
    // Layers named blobs/sha256/<hex> are content-addressed; the others are
    // stored as plain tars (then the blob digest is the diffID) or, rarely,
    // compressed under a name that says nothing about their digest.
    auto s = a->index.open(*m);
    if (!s) return s.error();
    unsigned char magic[4] = {0, 0, 0, 0};
    auto got = (*s)->read(reinterpret_cast<char*>(magic), 4);
    if (!got) return got.error();
    const bool gz = *got >= 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    const bool zst = *got >= 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd;
    d.media_type = gz ? std::string(media::kDockerLayer)
                   : zst ? "application/vnd.docker.image.rootfs.diff.tar.zstd"
                         : std::string(media::kDockerLayerTar);
    if (starts_with(name, "blobs/sha256/") && !hex_in_name(name).empty()) {
      d.digest = "sha256:" + hex_in_name(name);
    } else {
      all_named = false;
    }
    descs.push_back(std::move(d));
  }
  Artifact art;
  art.name = a->path;
  art.config_digest = cdigest;
  art.repo_tags = e->repo_tags;
  if (auto st = fill_layers(art, descs, *config, where + ": manifest.json"); !st) return st.error();
  if (!all_named) {
    for (auto& l : art.layers)
      if (l.media_type == media::kDockerLayerTar) l.digest = l.diff_id;  // stored uncompressed
  }
  return std::unique_ptr<ImageSource>(new DockerArchiveSource(std::move(a), std::move(art), std::move(members), all_named));
}

// Wraps an OCI source read from a docker-archive, to describe it as such.
class Renamed : public ImageSource {
 public:
  Renamed(std::unique_ptr<ImageSource> inner, Artifact art, std::string description)
      : inner_(std::move(inner)), art_(std::move(art)), description_(std::move(description)) {}
  const Artifact& artifact() const override { return art_; }
  Result<std::unique_ptr<ByteStream>> open_layer(size_t i) override { return inner_->open_layer(i); }
  bool verify_blob_digest() const override { return inner_->verify_blob_digest(); }
  std::string describe() const override { return description_; }

 private:
  std::unique_ptr<ImageSource> inner_;
  Artifact art_;
  std::string description_;
};

Result<std::unique_ptr<ImageSource>> open_docker(std::shared_ptr<ArchiveFile> a, const std::string& image,
                                                 const Options& opts) {
  const std::string where = "archive " + a->path;
  auto mtext = a->index.read("manifest.json", limits().max_metadata_bytes);
  if (!mtext) return mtext.error();
  auto entries = parse_archive_manifest(*mtext, where + ": manifest.json");
  if (!entries) return entries.error();

  if (a->index.find("index.json") != nullptr && a->index.find("oci-layout") != nullptr) {
    auto oci = open_oci_store(archive_blob_store(a), image, opts, a->path, "docker-archive " + a->path);
    if (oci) {
      Artifact art = (*oci)->artifact();
      for (const auto& e : *entries)
        if (hex_in_name(e.config) == digest_hex(art.config_digest))
          for (const auto& t : e.repo_tags)
            if (std::find(art.repo_tags.begin(), art.repo_tags.end(), t) == art.repo_tags.end())
              art.repo_tags.push_back(t);
      return std::unique_ptr<ImageSource>(new Renamed(std::move(*oci), std::move(art), "docker-archive " + a->path));
    }
    // Content that is wrong is reported; an index we cannot map to the
    // requested image falls back to manifest.json.
    if (oci.error().code == ErrorCode::kDigestMismatch || oci.error().code == ErrorCode::kCorrupt) return oci.error();
    log_debug("docker-archive " + a->path + ": OCI index not used: " + oci.error().describe());
  }
  return open_legacy(std::move(a), *entries, image, opts);
}

}  // namespace

Result<std::unique_ptr<ImageSource>> open_docker_archive(const std::string& path, const Options& opts,
                                                         const std::string& image) {
  auto a = open_archive_file(path, opts);
  if (!a) return a.error();
  if ((*a)->index.find("manifest.json") == nullptr) {
    if ((*a)->index.find("index.json") != nullptr)
      return Error(ErrorCode::kInvalidArgument, "not a docker-archive (no manifest.json); it looks like an OCI archive",
                   "archive " + path);
    return Error(ErrorCode::kNotFound, "not a docker-archive (no manifest.json)", "archive " + path);
  }
  return open_docker(std::move(*a), image, opts);
}

Result<std::unique_ptr<ImageSource>> open_archive_auto(const std::string& path, const std::string& tag,
                                                       const Options& opts) {
  auto a = open_archive_file(path, opts);
  if (!a) return a.error();
  if ((*a)->index.find("manifest.json") != nullptr) return open_docker(std::move(*a), tag, opts);
  if ((*a)->index.find("index.json") != nullptr)
    return open_oci_store(archive_blob_store(std::move(*a)), tag, opts, tag.empty() ? path : path + ":" + tag,
                          "oci-archive " + path + (tag.empty() ? "" : ":" + tag));
  return Error(ErrorCode::kUnsupported, "neither a docker-archive (manifest.json) nor an OCI archive (index.json)",
               "archive " + path);
}

}  // namespace bulwark::artifact
