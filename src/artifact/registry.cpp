// Images in a registry over the v2 API: manifest (index → platform), config,
// and layer blobs downloaded only when a layer is actually opened.
#include <unistd.h>

#include <cstdio>

#include "artifact/image_config.hpp"
#include "artifact/reference.hpp"
#include "artifact/registry_client.hpp"
#include "artifact/sources.hpp"

namespace bulwark::artifact {

namespace {

class RegistrySource : public ImageSource {
 public:
  RegistrySource(std::unique_ptr<RegistryClient> client, Artifact art, Options opts)
      : client_(std::move(client)), art_(std::move(art)), opts_(std::move(opts)) {}
  const Artifact& artifact() const override { return art_; }
  Result<std::unique_ptr<ByteStream>> open_layer(size_t index) override {
    if (index >= art_.layers.size()) return Error(ErrorCode::kInvalidArgument, "no layer " + std::to_string(index));
    const Layer& l = art_.layers[index];
    auto dir = work_dir(opts_, "blobs");
    if (!dir) return dir.error();
    const std::string hex = digest_hex(l.digest);
    const std::string partial = *dir + "/" + unique_name(hex) + ".partial";
    const std::string final_path = *dir + "/" + hex;
    if (auto st = client_->download_blob(l.digest, l.size, partial); !st) {
      ::unlink(partial.c_str());
      Error e = st.error();
      // Foreign (non-distributable) layers live elsewhere; we do not fetch
      // from the URLs a manifest names.
      if (e.code == ErrorCode::kNotFound && classify_layer_media_type(l.media_type).foreign)
        e.message += " (a foreign, non-distributable layer that the registry does not hold)";
      return e;
    }
    if (std::rename(partial.c_str(), final_path.c_str()) != 0) {
      ::unlink(partial.c_str());
      return Error(ErrorCode::kIo, "cannot rename the downloaded blob", final_path);
    }
    auto s = FileRangeStream::open(final_path);
    // The open descriptor keeps the data readable; the cache holds analysis
    // results, not blobs, so nothing stays on disk.
    ::unlink(final_path.c_str());
    if (!s) return s.error();
    return std::unique_ptr<ByteStream>(std::move(*s));
  }
  bool verify_blob_digest() const override { return true; }
  std::string describe() const override { return "registry " + art_.name; }

 private:
  std::unique_ptr<RegistryClient> client_;
  Artifact art_;
  Options opts_;
};

}  // namespace

Result<std::unique_ptr<ImageSource>> open_registry(const std::string& text, const Options& opts) {
  auto ref = parse_reference(text);
  if (!ref) return ref.error();
  auto want = wanted_platform(opts.platform);
  if (!want) return want.error();
  auto client = std::make_unique<RegistryClient>(*ref, opts);
  const std::string where = client->describe();
  if (auto st = client->ping(); !st) return st.error().within(where);

  auto top = client->get_manifest(ref->manifest_ref());
  if (!top) return top.error();
  const std::string top_digest = top->digest;
  RegistryClient::Manifest m = std::move(*top);
  for (int depth = 0;; ++depth) {
    const std::string mwhere = where + ": manifest " + m.digest;
    auto kind = classify_document(m.body, m.media_type, mwhere);
    if (!kind) return kind.error();
    if (*kind == DocKind::kManifest) break;
    if (depth >= 4) return Error(ErrorCode::kLimitExceeded, "indexes nested more than 4 deep", mwhere);
    auto index = parse_index(m.body, mwhere);
    if (!index) return index.error();
    auto pick = select_platform(index->manifests, *want, mwhere);
    if (!pick) return pick.error();
    auto next = client->get_manifest(pick->digest);  // verified against the digest
    if (!next) return next.error();
    m = std::move(*next);
  }
  const std::string mwhere = where + ": manifest " + m.digest;
  auto manifest = parse_manifest(m.body, mwhere);
  if (!manifest) return manifest.error();
  const std::string& cmt = manifest->config.media_type;
  if (!cmt.empty() && cmt != media::kOciConfig && cmt != media::kDockerConfig)
    return Error(ErrorCode::kUnsupported, "not a container image (config media type \"" + cmt + "\")", mwhere);
  for (const auto& l : manifest->layers) {
    LayerType t = classify_layer_media_type(l.media_type);
    if (t.kind == LayerKind::kUnknown)
      return Error(ErrorCode::kUnsupported, "layer " + l.digest + " has unsupported media type \"" + l.media_type + "\"",
                   mwhere);
  }
  auto ctext = client->get_blob(manifest->config.digest, manifest->config.size);
  if (!ctext) return ctext.error();
  auto config = parse_config(*ctext, where + ": config " + manifest->config.digest);
  if (!config) return config.error();

  Artifact art;
  art.name = text;
  art.media_type = manifest->media_type.empty() ? std::string(trim(m.media_type.substr(0, m.media_type.find(';'))))
                                                : manifest->media_type;
  art.manifest_digest = m.digest;
  art.config_digest = manifest->config.digest;
  if (!ref->tag.empty() && ref->digest.empty()) art.repo_tags.push_back(ref->name() + ":" + ref->tag);
  // The repo digest is what was pulled by name: the index for multi-platform images.
  art.repo_digests.push_back(ref->name() + "@" + top_digest);
  if (auto st = fill_layers(art, manifest->layers, *config, mwhere); !st) return st.error();
  return std::unique_ptr<ImageSource>(new RegistrySource(std::move(client), std::move(art), opts));
}

}  // namespace bulwark::artifact
