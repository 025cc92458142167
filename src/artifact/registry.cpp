// Images in a registry over the v2 API: manifest (index → platform), config,
// and layer blobs downloaded only when a layer is actually opened.
#include <unistd.h>

#include <algorithm>
#include <cctype>
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

namespace {

// "12", "12.8", "v1.2.3", each optionally with the suffix of the tag as
// written ("20-alpine" -> "20.11.1-alpine"): numeric components, or nullopt.
std::optional<std::vector<uint64_t>> version_tag(std::string_view tag, std::string_view suffix) {
  if (!suffix.empty()) {
    if (tag.size() <= suffix.size() + 1 || !ends_with(tag, suffix) || tag[tag.size() - suffix.size() - 1] != '-')
      return std::nullopt;
    tag.remove_suffix(suffix.size() + 1);
  }
  if (!tag.empty() && tag[0] == 'v') tag.remove_prefix(1);
  std::vector<uint64_t> parts;
  size_t start = 0;
  while (start <= tag.size()) {
    size_t dot = tag.find('.', start);
    if (dot == std::string_view::npos) dot = tag.size();
    std::string_view part = tag.substr(start, dot - start);
    if (part.empty() || part.size() > 9 || part.find_first_not_of("0123456789") != std::string_view::npos)
      return std::nullopt;
    parts.push_back(std::stoull(std::string(part)));
    start = dot + 1;
  }
  return parts;
}

}  // namespace

Result<PinnedReference> pin_reference(const std::string& written, const Options& opts) {
  auto ref = parse_reference(written);
  if (!ref) return ref.error();
  // The name as written, without its tag: a ':' after the last '/'.
  std::string name = written;
  if (size_t at = name.find('@'); at != std::string::npos) name.resize(at);
  size_t slash = name.rfind('/');
  if (size_t colon = name.find(':', slash == std::string::npos ? 0 : slash); colon != std::string::npos)
    name.resize(colon);
  RegistryClient client(*ref, opts);
  if (auto st = client.ping(); !st) return st.error().within(client.describe());
  auto top = client.get_manifest(ref->manifest_ref());
  if (!top) return top.error();
  PinnedReference out;
  out.digest = top->digest;
  const bool tag_written = name.size() < written.size() && written[name.size()] == ':';
  out.tag = tag_written ? ref->tag : "";
  // A version tag naming the same manifest: the tag as written may be
  // "latest" or a major version; its suffix ("-alpine") is kept.
  std::string suffix;
  if (!ref->tag.empty() && std::isdigit(static_cast<unsigned char>(ref->tag[0])))
    if (size_t dash = ref->tag.find('-'); dash != std::string::npos) suffix = ref->tag.substr(dash + 1);
  if (auto tags = client.list_tags(20000); tags) {
    std::vector<std::pair<std::vector<uint64_t>, std::string>> candidates;
    // A written version ("20-alpine") only matches tags under it ("20.11.1-alpine").
    auto prefix = version_tag(ref->tag, suffix).value_or(std::vector<uint64_t>{});
    for (const auto& t : *tags)
      if (auto v = version_tag(t, suffix); v && v->size() >= prefix.size() &&
                                           std::equal(prefix.begin(), prefix.end(), v->begin()))
        candidates.emplace_back(std::move(*v), t);
    // Most components first (the most specific tag), then newest.
    std::sort(candidates.begin(), candidates.end(), [](const auto& a, const auto& b) {
      if (a.first.size() != b.first.size()) return a.first.size() > b.first.size();
      return a.first > b.first;
    });
    constexpr size_t kMaxLookups = 24;  // manifests fetched to compare
    for (size_t i = 0; i < candidates.size() && i < kMaxLookups; ++i) {
      auto m = client.get_manifest(candidates[i].second);
      if (m && m->digest == out.digest) {
        out.tag = candidates[i].second;
        break;
      }
    }
  }
  out.pinned = name + (out.tag.empty() ? "" : ":" + out.tag) + "@" + out.digest;
  return out;
}

}  // namespace bulwark::artifact
