// The artifact module: opens targets (images from archives, OCI layouts,
// registries and engines; directory trees), streams each layer once through the
// registered analyzers, caches per-layer results by diffID, and merges layers
// with whiteout semantics into one inventory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"

namespace bulwark::artifact {

struct RegistryAuth {
  std::string username;
  std::string password;
  std::string token;  // a registry bearer token given directly
};

struct Options {
  std::string cache_dir;       // layer results and downloaded blobs; nothing is written elsewhere
  bool use_cache = true;       // read and write the layer cache
  std::string platform;        // "os/arch[/variant]"; empty = linux/<host arch>
  bool insecure = false;       // registries: allow plain HTTP and unverified TLS
  RegistryAuth auth;           // registries: explicit credentials (else docker config.json)
  std::string engine_socket;   // podman/docker API socket; empty = look in the usual places
  // Where `bulwark image NAME` looks, in order: "archive" (a file or directory
  // path), "engine", "registry".
  std::vector<std::string> image_sources = {"archive", "engine", "registry"};
  int parallelism = 0;         // layers analyzed at once; 0 = hardware threads
  // Paths to leave unread: glob patterns matched against paths relative to the
  // target's root (inside the image for images). A pattern without "/" also
  // matches a base name at any depth; "**/" matches any number of directories.
  std::vector<std::string> skip_dirs;
  std::vector<std::string> skip_files;
  const CancelToken* cancel = nullptr;
  Progress* progress = nullptr;
};

// A byte stream: a layer blob as stored, a file, an HTTP body.
class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads up to n bytes; 0 means end of stream.
  virtual Result<size_t> read(char* buf, size_t n) = 0;
};

// An image opened from somewhere: its metadata, and each layer blob on demand.
class ImageSource {
 public:
  virtual ~ImageSource() = default;
  // Manifest, config and ordered layers. Layer digests and diffIDs are filled.
  virtual const Artifact& artifact() const = 0;
  // The blob of layer i as stored (gzip, zstd or plain tar). The caller
  // decompresses and verifies the blob digest (when `verify_blob_digest`) and
  // the diffID. May be called from several threads for different layers.
  virtual Result<std::unique_ptr<ByteStream>> open_layer(size_t index) = 0;
  // Whether layer blobs are named by the digest of their stored bytes (registry,
  // OCI). Docker archives store uncompressed layers named otherwise.
  virtual bool verify_blob_digest() const = 0;
  // "docker-archive img.tar", "registry 127.0.0.1:5000/app:1", …
  virtual std::string describe() const = 0;
};

// Opens an image by reference, trying opts.image_sources in order:
//  - a path to a docker-archive or OCI archive tar, or an OCI layout directory
//    ("DIR", "DIR:TAG", or "oci:DIR[:TAG]"; "docker-archive:FILE", "oci-archive:FILE");
//  - an image in a podman/docker engine reachable through its API socket;
//  - a registry over the v2 API ("registry.example/repo:tag", "host:5000/repo@sha256:…").
// Multi-platform indexes and manifest lists select opts.platform.
Result<std::unique_ptr<ImageSource>> open_image(const std::string& ref, const Options& opts);
// `image` picks one image ("name:tag") of an archive that holds several.
Result<std::unique_ptr<ImageSource>> open_docker_archive(const std::string& path, const Options& opts,
                                                         const std::string& image = {});
Result<std::unique_ptr<ImageSource>> open_oci_archive(const std::string& path, const std::string& tag,
                                                      const Options& opts);
Result<std::unique_ptr<ImageSource>> open_oci_layout(const std::string& dir, const std::string& tag,
                                                     const Options& opts);
Result<std::unique_ptr<ImageSource>> open_registry(const std::string& ref, const Options& opts);
Result<std::unique_ptr<ImageSource>> open_engine(const std::string& ref, const Options& opts);

// A base image pinned for `--fix`: the manifest digest the registry serves for
// `reference` now and, when one of the repository's version tags points at
// the same manifest, that tag (the most specific: "12.8" over "12").
// `pinned` is the reference as written with that tag and "@digest".
struct PinnedReference {
  std::string digest;
  std::string tag;     // the version tag found, or the tag as written
  std::string pinned;  // "debian:12.8@sha256:…"
};
Result<PinnedReference> pin_reference(const std::string& written, const Options& opts);

// Per-layer results, stored as files under <cache_dir>/layers/.
class LayerCache {
 public:
  virtual ~LayerCache() = default;
  virtual std::optional<LayerResult> get(const std::string& key) = 0;
  virtual Status put(const std::string& key, const LayerResult& result) = 0;
};
// A cache in `dir`; a cache that stores nothing when dir is empty.
std::unique_ptr<LayerCache> open_layer_cache(const std::string& dir);
// Key for one layer: diffID + analyzer versions + cache format version, and
// the skip patterns of `opts` when there are any (they change what is read).
std::string layer_cache_key(const std::string& diff_id, const AnalyzerRegistry& analyzers,
                            const Options& opts = Options{});

// Whether a skip pattern of opts.skip_dirs matches `dir` or opts.skip_files
// matches `file` (paths relative to the root, no leading "/").
bool skip_dir(const Options& opts, std::string_view dir);
bool skip_file(const Options& opts, std::string_view file);
// skip_file, or skip_dir for any directory above `file`: for walkers that see
// whole paths (tar entries) rather than descending directories.
bool skip_path(const Options& opts, std::string_view file);

// Opens a fresh stream of one layer blob (the walker may need a second pass for
// a wanted hard link whose target no analyzer read).
using BlobOpener = std::function<Result<std::unique_ptr<ByteStream>>()>;

// Streams one layer blob: detects gzip/zstd/plain by magic bytes, decompresses
// with the limits of core::limits(), verifies the blob digest (if layer.digest
// is set and `verify_blob`) and the diffID (if set), walks the tar with
// libarchive, records whiteouts/opaque dirs/symlinks, and hands wanted regular
// files to the analyzers. Entries with unsafe paths are skipped with a
// diagnostic. A digest mismatch is an error (kDigestMismatch).
Result<LayerResult> analyze_layer(const BlobOpener& open_blob, const Layer& layer, bool verify_blob,
                                  const AnalyzerRegistry& analyzers, const Options& opts);

// Walks a directory tree as a single layer (rootfs, fs and repo targets). Symlinks are
// recorded, never followed; nothing outside `root` is read.
Result<LayerResult> analyze_tree(const std::string& root, const AnalyzerRegistry& analyzers,
                                 const Options& opts);

// The merged view of all layers.
struct Merged {
  Inventory inventory;
  std::vector<Finding> findings;
  std::vector<Diagnostic> diagnostics;
};

// Applies layers in order (whiteouts and opaque directories of layer i hide
// results of layers < i; a later file at the same path replaces an earlier one),
// then lets each analyzer contribute what is visible. Each package's
// location.layer is the layer that introduced it (the first layer from which on
// it is present without interruption).
Merged merge_layers(const std::vector<LayerResult>& layers, const AnalyzerRegistry& analyzers);

// Resolves `path` against the symlinks of the merged layers, inside the image
// only: absolute targets are taken from the image root, ".." stops at the root.
// Errors on loops (more than limits().max_symlink_hops).
Result<std::string> resolve_in_image(const std::vector<LayerResult>& layers, const std::string& path);

struct Inspection {
  Artifact artifact;
  Merged merged;
  std::vector<LayerResult> layers;  // per-layer results in order
  int cache_hits = 0;
};

// Inspects a whole image: each layer from the cache or analyzed (in parallel,
// opts.parallelism at once), results stored in the cache, then merged.
Result<Inspection> inspect_image(ImageSource& image, const AnalyzerRegistry& analyzers, LayerCache& cache,
                                 const Options& opts);

// The state of the git work tree that contains `dir` (commit, branch, origin
// URL), read from git's own files the way git's discovery finds them: "<dir>/.git"
// as a directory, or a ".git" file naming the git directory (linked worktrees,
// submodules), looked for in `dir` and its parents. nullopt when there is no
// work tree; unreadable or malformed files are warnings in `diags`.
std::optional<RepositoryInfo> read_git_repository(const std::string& dir, std::vector<Diagnostic>& diags);

// Inspects a directory tree (rootfs, fs, repo): analyze_tree + merge_layers.
Result<Inspection> inspect_tree(const std::string& root, const AnalyzerRegistry& analyzers,
                                const Options& opts);

}  // namespace bulwark::artifact
