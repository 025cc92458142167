// OCI image-spec and Docker image documents: index / manifest list, manifest,
// config; media types, digests and platform matching.
#include "artifact/image_config.hpp"

#include <algorithm>

#include "core/json.hpp"

namespace bulwark::artifact {

namespace {

bool is_hex_lower(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string normalise_arch(std::string a) {
  a = to_lower(a);
  if (a == "x86_64" || a == "x86-64") return "amd64";
  if (a == "aarch64") return "arm64";
  if (a == "i386" || a == "i686") return "386";
  return a;
}

// Reads an array of strings; non-string elements are a format error.
Status get_string_list(const json& j, std::string_view key, std::vector<std::string>& out, std::string_view what) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return {};
  if (it->is_string()) {  // Docker accepts a bare string for Cmd/Entrypoint in some writers
    out.push_back(it->get<std::string>());
    return {};
  }
  if (!it->is_array()) return Error(ErrorCode::kCorrupt, "\"" + std::string(key) + "\" is not an array", std::string(what));
  for (const auto& e : *it) {
    if (!e.is_string())
      return Error(ErrorCode::kCorrupt, "\"" + std::string(key) + "\" has a non-string element", std::string(what));
    out.push_back(e.get<std::string>());
  }
  return {};
}

Result<Descriptor> parse_descriptor(const json& j, std::string_view what) {
  if (!j.is_object()) return Error(ErrorCode::kCorrupt, "descriptor is not an object", std::string(what));
  Descriptor d;
  d.media_type = get_string(j, "mediaType");
  d.digest = get_string(j, "digest");
  if (auto st = check_digest(d.digest, what); !st) return st.error();
  if (auto it = j.find("size"); it != j.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0)
      return Error(ErrorCode::kCorrupt, "descriptor " + d.digest + " has an invalid size", std::string(what));
    d.size = it->get<int64_t>();
  }
  if (auto it = j.find("platform"); it != j.end() && it->is_object()) {
    Platform p;
    p.os = get_string(*it, "os");
    p.architecture = normalise_arch(get_string(*it, "architecture"));
    p.variant = get_string(*it, "variant");
    d.platform = p;
  }
  if (auto it = j.find("annotations"); it != j.end() && it->is_object()) {
    for (const auto& [k, v] : it->items())
      if (v.is_string()) d.annotations[k] = v.get<std::string>();
  }
  if (auto st = get_string_list(j, "urls", d.urls, what); !st) return st.error();
  return d;
}

}  // namespace

std::string manifest_accept_header() {
  return std::string(media::kOciIndex) + ", " + std::string(media::kDockerList) + ", " +
         std::string(media::kOciManifest) + ", " + std::string(media::kDockerManifest);
}

bool is_index_media_type(std::string_view mt) { return mt == media::kOciIndex || mt == media::kDockerList; }
bool is_manifest_media_type(std::string_view mt) {
  return mt == media::kOciManifest || mt == media::kDockerManifest;
}

LayerType classify_layer_media_type(std::string_view mt) {
  LayerType t;
  static constexpr std::string_view kOci = "application/vnd.oci.image.layer.";
  static constexpr std::string_view kDocker = "application/vnd.docker.image.rootfs.";
  std::string_view rest;
  if (starts_with(mt, kOci)) {
    rest = mt.substr(kOci.size());
    if (starts_with(rest, "nondistributable.")) {
      t.foreign = true;
      rest.remove_prefix(std::string_view("nondistributable.").size());
    }
    if (rest == "v1.tar") t.kind = LayerKind::kTar;
    else if (rest == "v1.tar+gzip") t.kind = LayerKind::kGzip;
    else if (rest == "v1.tar+zstd") t.kind = LayerKind::kZstd;
  } else if (starts_with(mt, kDocker)) {
    rest = mt.substr(kDocker.size());
    if (starts_with(rest, "foreign.")) {
      t.foreign = true;
      rest.remove_prefix(std::string_view("foreign.").size());
    }
    if (rest == "diff.tar") t.kind = LayerKind::kTar;
    else if (rest == "diff.tar.gzip") t.kind = LayerKind::kGzip;
    else if (rest == "diff.tar.zstd") t.kind = LayerKind::kZstd;
  }
  return t;
}

bool valid_digest(std::string_view d) {
  return d.size() == 71 && starts_with(d, "sha256:") && is_hex_lower(d.substr(7));
}

Status check_digest(std::string_view d, std::string_view what) {
  if (valid_digest(d)) return {};
  auto colon = d.find(':');
  if (colon != std::string_view::npos && colon > 0 && d.substr(0, colon) != "sha256" && d.size() < 200 &&
      std::all_of(d.begin(), d.begin() + static_cast<long>(colon),
                  [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '.' || c == '_' || c == '-'; }))
    return Error(ErrorCode::kUnsupported, "digest algorithm " + std::string(d.substr(0, colon)) + " is not supported",
                 std::string(what));
  std::string shown(d.substr(0, 100));
  return Error(ErrorCode::kCorrupt, "invalid digest \"" + shown + "\"", std::string(what));
}

std::string digest_hex(std::string_view d) {
  auto colon = d.find(':');
  return std::string(colon == std::string_view::npos ? d : d.substr(colon + 1));
}

Status verify_digest(std::string_view data, std::string_view digest, std::string_view what) {
  if (auto st = check_digest(digest, what); !st) return st;
  std::string got = "sha256:" + sha256_hex(data);
  if (got != digest)
    return Error(ErrorCode::kDigestMismatch, "content has digest " + got + ", expected " + std::string(digest),
                 std::string(what));
  return {};
}

std::string Platform::str() const {
  std::string s = os + "/" + architecture;
  if (!variant.empty()) s += "/" + variant;
  return s;
}

Result<Platform> parse_platform(std::string_view text) {
  Platform p;
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    auto slash = text.find('/', start);
    parts.emplace_back(text.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty())
    return Error(ErrorCode::kInvalidArgument,
                 "platform \"" + std::string(text) + "\" is not of the form os/arch[/variant]");
  p.os = to_lower(parts[0]);
  p.architecture = normalise_arch(parts[1]);
  if (parts.size() == 3) p.variant = to_lower(parts[2]);
  return p;
}

Platform host_platform() {
  Platform p;
  p.os = "linux";
#if defined(__x86_64__)
  p.architecture = "amd64";
#elif defined(__aarch64__)
  p.architecture = "arm64";
#elif defined(__arm__)
  p.architecture = "arm";
  p.variant = "v7";
#elif defined(__i386__)
  p.architecture = "386";
#elif defined(__s390x__)
  p.architecture = "s390x";
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  p.architecture = "ppc64le";
#elif defined(__riscv) && __riscv_xlen == 64
  p.architecture = "riscv64";
#else
  p.architecture = "unknown";
#endif
  return p;
}

Result<Platform> wanted_platform(const std::string& text) {
  if (text.empty()) return host_platform();
  return parse_platform(text);
}

Result<DocKind> classify_document(std::string_view text, std::string_view transport_mt, std::string_view what) {
  std::string mt(transport_mt.substr(0, transport_mt.find(';')));
  mt = std::string(trim(mt));
  auto j = parse_json(text, what);
  if (!j) return j.error();
  if (!j->is_object()) return Error(ErrorCode::kCorrupt, "manifest is not a JSON object", std::string(what));
  std::string inner = get_string(*j, "mediaType");
  // The document's own mediaType wins over a generic transport type.
  if (!inner.empty() && (mt.empty() || mt == "application/json" || mt == "text/plain")) mt = inner;
  if (mt.empty() || mt == "application/json") {
    if (j->contains("manifests")) return DocKind::kIndex;
    if (j->contains("layers") || j->contains("config")) return DocKind::kManifest;
  }
  if (is_index_media_type(mt)) return DocKind::kIndex;
  if (is_manifest_media_type(mt)) return DocKind::kManifest;
  if (mt == media::kDockerSchema1 || mt == media::kDockerSchema1Signed || get_int(*j, "schemaVersion") == 1)
    return Error(ErrorCode::kUnsupported, "Docker image manifest schema 1 is not supported (deprecated format)",
                 std::string(what));
  return Error(ErrorCode::kUnsupported, "unsupported manifest media type \"" + mt.substr(0, 200) + "\"",
               std::string(what));
}

Result<IndexDoc> parse_index(std::string_view text, std::string_view what) {
  auto j = parse_json(text, what);
  if (!j) return j.error();
  if (!j->is_object()) return Error(ErrorCode::kCorrupt, "index is not a JSON object", std::string(what));
  IndexDoc doc;
  doc.media_type = get_string(*j, "mediaType");
  auto it = j->find("manifests");
  if (it == j->end() || !it->is_array())
    return Error(ErrorCode::kCorrupt, "index has no \"manifests\" array", std::string(what));
  size_t i = 0;
  for (const auto& m : *it) {
    auto d = parse_descriptor(m, std::string(what) + ": manifests[" + std::to_string(i++) + "]");
    if (!d) return d.error();
    doc.manifests.push_back(std::move(*d));
  }
  return doc;
}

Result<ManifestDoc> parse_manifest(std::string_view text, std::string_view what) {
  auto j = parse_json(text, what);
  if (!j) return j.error();
  if (!j->is_object()) return Error(ErrorCode::kCorrupt, "manifest is not a JSON object", std::string(what));
  ManifestDoc doc;
  doc.media_type = get_string(*j, "mediaType");
  if (get_int(*j, "schemaVersion") == 1)
    return Error(ErrorCode::kUnsupported, "Docker image manifest schema 1 is not supported", std::string(what));
  auto cfg = j->find("config");
  if (cfg == j->end()) return Error(ErrorCode::kCorrupt, "manifest has no \"config\"", std::string(what));
  auto c = parse_descriptor(*cfg, std::string(what) + ": config");
  if (!c) return c.error();
  doc.config = std::move(*c);
  auto layers = j->find("layers");
  if (layers == j->end() || !layers->is_array())
    return Error(ErrorCode::kCorrupt, "manifest has no \"layers\" array", std::string(what));
  size_t i = 0;
  for (const auto& l : *layers) {
    auto d = parse_descriptor(l, std::string(what) + ": layers[" + std::to_string(i++) + "]");
    if (!d) return d.error();
    doc.layers.push_back(std::move(*d));
  }
  if (doc.layers.size() > static_cast<size_t>(limits().max_layers))
    return Error(ErrorCode::kLimitExceeded,
                 std::to_string(doc.layers.size()) + " layers, more than the limit of " +
                     std::to_string(limits().max_layers),
                 std::string(what));
  return doc;
}

Result<ConfigDoc> parse_config(std::string_view text, std::string_view what) {
  auto j = parse_json(text, what);
  if (!j) return j.error();
  if (!j->is_object()) return Error(ErrorCode::kCorrupt, "image config is not a JSON object", std::string(what));
  ConfigDoc doc;
  ImageConfig& c = doc.config;
  c.os = get_string(*j, "os");
  c.architecture = get_string(*j, "architecture");
  c.variant = get_string(*j, "variant");
  c.created = get_string(*j, "created");
  // "config" holds the runtime settings; Docker also wrote "container_config"
  // (the build container), which says nothing about how the image runs.
  if (auto it = j->find("config"); it != j->end() && it->is_object()) {
    const json& r = *it;
    c.user = get_string(r, "User");
    c.working_dir = get_string(r, "WorkingDir");
    c.stop_signal = get_string(r, "StopSignal");
    if (auto st = get_string_list(r, "Env", c.env, what); !st) return st.error();
    if (auto st = get_string_list(r, "Entrypoint", c.entrypoint, what); !st) return st.error();
    if (auto st = get_string_list(r, "Cmd", c.cmd, what); !st) return st.error();
    if (auto p = r.find("ExposedPorts"); p != r.end() && p->is_object())
      for (const auto& [port, _] : p->items()) c.exposed_ports.push_back(port);
    if (auto l = r.find("Labels"); l != r.end() && l->is_object())
      for (const auto& [k, v] : l->items())
        if (v.is_string()) c.labels[k] = v.get<std::string>();
    if (auto h = r.find("Healthcheck"); h != r.end() && h->is_object())
      if (auto st = get_string_list(*h, "Test", c.healthcheck, what); !st) return st.error();
  }
  auto rootfs = j->find("rootfs");
  if (rootfs == j->end() || !rootfs->is_object())
    return Error(ErrorCode::kCorrupt, "image config has no \"rootfs\"", std::string(what));
  if (auto st = get_string_list(*rootfs, "diff_ids", doc.diff_ids, what); !st) return st.error();
  for (size_t i = 0; i < doc.diff_ids.size(); ++i)
    if (auto st = check_digest(doc.diff_ids[i], std::string(what) + ": rootfs.diff_ids[" + std::to_string(i) + "]");
        !st)
      return st.error();
  if (auto h = j->find("history"); h != j->end() && h->is_array()) {
    for (const auto& e : *h) {
      if (!e.is_object()) continue;
      HistoryEntry he;
      he.created_by = get_string(e, "created_by");
      if (auto el = e.find("empty_layer"); el != e.end() && el->is_boolean()) he.empty_layer = el->get<bool>();
      doc.history.push_back(std::move(he));
    }
  }
  return doc;
}

Status fill_layers(Artifact& artifact, const std::vector<Descriptor>& layers, const ConfigDoc& config,
                   std::string_view what) {
  if (layers.size() != config.diff_ids.size())
    return Error(ErrorCode::kCorrupt,
                 "the manifest lists " + std::to_string(layers.size()) + " layers but the config has " +
                     std::to_string(config.diff_ids.size()) + " diff_ids",
                 std::string(what));
  if (layers.size() > static_cast<size_t>(limits().max_layers))
    return Error(ErrorCode::kLimitExceeded,
                 std::to_string(layers.size()) + " layers, more than the limit of " +
                     std::to_string(limits().max_layers),
                 std::string(what));
  artifact.config = config.config;
  artifact.layers.clear();
  std::vector<const HistoryEntry*> non_empty;
  for (const auto& h : config.history)
    if (!h.empty_layer) non_empty.push_back(&h);
  for (size_t i = 0; i < layers.size(); ++i) {
    Layer l;
    l.digest = layers[i].digest;
    l.media_type = layers[i].media_type;
    l.size = layers[i].size < 0 ? 0 : layers[i].size;
    l.diff_id = config.diff_ids[i];
    // History is advisory: when writers got it out of step we still align by
    // position, which is what every tool does.
    if (i < non_empty.size()) l.created_by = non_empty[i]->created_by;
    artifact.layers.push_back(std::move(l));
  }
  return {};
}

Result<Descriptor> select_platform(const std::vector<Descriptor>& manifests, const Platform& want,
                                   std::string_view what) {
  std::vector<std::string> available;
  const Descriptor* best = nullptr;
  int best_score = -1;
  for (const auto& d : manifests) {
    if (!d.platform) continue;
    const Platform& p = *d.platform;
    if (p.os == "unknown" && p.architecture == "unknown") continue;
    available.push_back(p.str());
    if (p.os != want.os || p.architecture != want.architecture) continue;
    int score = 1;
    if (!want.variant.empty()) {
      std::string have = p.variant;
      // arm64 images usually omit the default variant v8.
      if (have.empty() && want.architecture == "arm64") have = "v8";
      if (have != want.variant) continue;
      score = 2;
    } else if (p.variant.empty() || (p.architecture == "arm64" && p.variant == "v8")) {
      score = 2;  // prefer the default variant when none was asked for
    }
    if (score > best_score) {
      best = &d;
      best_score = score;
    }
  }
  if (best != nullptr) return *best;
  std::string list;
  for (const auto& a : available) list += (list.empty() ? "" : ", ") + a;
  return Error(ErrorCode::kNotFound,
               "no image for platform " + want.str() + " (available: " + (list.empty() ? "none" : list) + ")",
               std::string(what));
}

}  // namespace bulwark::artifact
