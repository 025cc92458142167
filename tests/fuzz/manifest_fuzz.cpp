// Arbitrary bytes as an image index, manifest, image config, image reference
// and WWW-Authenticate header, through the parsers of the image sources.
#include <cstddef>
#include <cstdint>
#include <string>

#include "artifact/image_config.hpp"
#include "artifact/reference.hpp"
#include "artifact/registry_client.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bulwark;
  using namespace bulwark::artifact;
  std::string text(reinterpret_cast<const char*>(data), size);
  (void)classify_document(text, "", "fuzz");
  (void)classify_document(text, "application/vnd.oci.image.index.v1+json", "fuzz");
  if (auto idx = parse_index(text, "fuzz")) {
    Platform p;
    p.os = "linux";
    p.architecture = "amd64";
    (void)select_platform(idx->manifests, p, "fuzz");
  }
  auto manifest = parse_manifest(text, "fuzz");
  auto config = parse_config(text, "fuzz");
  if (manifest && config) {
    Artifact a;
    (void)fill_layers(a, manifest->layers, *config, "fuzz");
  }
  if (size < 2048) {
    (void)parse_reference(text);
    (void)parse_platform(text);
    (void)parse_www_authenticate(text);
    (void)base64_decode(text);
    (void)classify_layer_media_type(text);
  }
  return 0;
}
