// Internal header of the artifact module: the OCI / Docker image documents
// (index and manifest list, image manifest, image config), media types, digests
// and platform selection, shared by every image source.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"

namespace bulwark::artifact {

namespace media {
inline constexpr std::string_view kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view kDockerList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr std::string_view kDockerSchema1 = "application/vnd.docker.distribution.manifest.v1+json";
inline constexpr std::string_view kDockerSchema1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";
inline constexpr std::string_view kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr std::string_view kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr std::string_view kDockerLayer = "application/vnd.docker.image.rootfs.diff.tar.gzip";
inline constexpr std::string_view kDockerLayerTar = "application/vnd.docker.image.rootfs.diff.tar";
}  // namespace media

// The Accept header value for manifests: indexes, lists and image manifests.
std::string manifest_accept_header();

bool is_index_media_type(std::string_view mt);
bool is_manifest_media_type(std::string_view mt);

enum class LayerKind { kUnknown, kTar, kGzip, kZstd };
struct LayerType {
  LayerKind kind = LayerKind::kUnknown;
  bool foreign = false;  // Docker foreign or OCI non-distributable: may be fetched from elsewhere
};
// Classifies an OCI or Docker layer media type.
LayerType classify_layer_media_type(std::string_view mt);

// "sha256:<64 lowercase hex>". Only sha256 is accepted: digests become file
// names, so nothing else may pass.
bool valid_digest(std::string_view digest);
// Checks a digest string; kUnsupported for other algorithms, kCorrupt otherwise.
Status check_digest(std::string_view digest, std::string_view what);
std::string digest_hex(std::string_view digest);  // the part after "sha256:"
// kDigestMismatch when sha256(data) differs from `digest`.
Status verify_digest(std::string_view data, std::string_view digest, std::string_view what);

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;
  std::string str() const;  // "linux/arm64/v8"
  bool empty() const { return os.empty() && architecture.empty(); }
};
// "os/arch[/variant]"; architecture aliases (x86_64, aarch64) are normalised.
Result<Platform> parse_platform(std::string_view text);
// linux/<architecture of this build>.
Platform host_platform();
// opts.platform parsed, or the host platform when empty.
Result<Platform> wanted_platform(const std::string& text);

struct Descriptor {
  std::string media_type;
  std::string digest;
  int64_t size = -1;  // -1 when absent
  std::optional<Platform> platform;
  std::map<std::string, std::string> annotations;
  std::vector<std::string> urls;
};

struct IndexDoc {
  std::string media_type;
  std::vector<Descriptor> manifests;
};

struct ManifestDoc {
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
};

enum class DocKind { kIndex, kManifest };
// Whether a manifest document is an index/list or an image manifest, from the
// media type given by the transport (may be empty) and the document itself.
Result<DocKind> classify_document(std::string_view text, std::string_view transport_media_type,
                                  std::string_view what);

Result<IndexDoc> parse_index(std::string_view text, std::string_view what);
Result<ManifestDoc> parse_manifest(std::string_view text, std::string_view what);

struct HistoryEntry {
  std::string created_by;
  bool empty_layer = false;
};
struct ConfigDoc {
  ImageConfig config;
  std::vector<std::string> diff_ids;
  std::vector<HistoryEntry> history;
};
Result<ConfigDoc> parse_config(std::string_view text, std::string_view what);

// Fills artifact.config and artifact.layers from a manifest (or bare layer
// list) and a config: diff IDs by position, created_by from the non-empty
// history entries. Errors when the counts of layers and diff IDs differ.
Status fill_layers(Artifact& artifact, const std::vector<Descriptor>& layers, const ConfigDoc& config,
                   std::string_view what);

// Picks the manifest for `want` from an index's descriptors. Entries for
// "unknown/unknown" (attestations) are ignored. The error lists the platforms
// that are there.
Result<Descriptor> select_platform(const std::vector<Descriptor>& manifests, const Platform& want,
                                   std::string_view what);

}  // namespace bulwark::artifact
