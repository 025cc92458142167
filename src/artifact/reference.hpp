// Internal header of the artifact module: image references ("debian",
// "host:5000/app:1@sha256:…") and local transports ("docker-archive:FILE",
// "oci-archive:FILE[:TAG]", "oci:DIR[:TAG]").
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/core.hpp"

namespace bulwark::artifact {

// A normalised registry reference. "debian" is
// {docker.io, library/debian, latest, ""}.
struct ImageReference {
  std::string registry;    // "docker.io", "127.0.0.1:5000", "localhost"
  std::string repository;  // "library/debian"
  std::string tag;         // "latest" when neither tag nor digest was given
  std::string digest;      // "sha256:…" or empty

  // "docker.io/library/debian:latest", "host/app:1@sha256:…"
  std::string str() const;
  // "docker.io/library/debian" (no tag or digest)
  std::string name() const;
  // The host to talk to: registry-1.docker.io for docker.io.
  std::string api_host() const;
  // What to ask the manifest endpoint for: the digest if any, else the tag.
  std::string manifest_ref() const { return digest.empty() ? tag : digest; }
};

// Parses a docker reference. kInvalidArgument with the reason otherwise.
Result<ImageReference> parse_reference(std::string_view text);

// Whether a host (with optional port) is a loopback address.
bool is_loopback_host(std::string_view host_port);

struct LocalReference {
  enum class Kind { kArchiveFile, kDockerArchive, kOciArchive, kOciLayout };  // kArchiveFile: told apart by content
  Kind kind = Kind::kArchiveFile;
  std::string path;
  std::string tag;  // OCI: ref.name annotation; docker-archive: an image in a multi-image archive
};

// An explicit transport prefix ("docker-archive:", "oci-archive:", "oci:");
// nullopt when `ref` has none.
std::optional<LocalReference> parse_transport(std::string_view ref);

// A plain path: an existing file (docker-archive or OCI archive, told apart by
// their members), an existing directory (OCI layout), or "DIR:TAG" /
// "FILE:TAG" whose path part exists. nullopt when nothing on disk matches.
std::optional<LocalReference> detect_local(std::string_view ref);

}  // namespace bulwark::artifact
