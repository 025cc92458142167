// Arbitrary bytes as answers of a Docker-compatible engine (/version,
// /containers/json, /containers/{id}/json, /images/{id}/json): values or an
// error, never a crash or an exception.
#include <cstddef>
#include <cstdint>
#include <string>

#include "host/host.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace h = bulwark::host;
  if (auto v = h::parse_engine_version(text); v && v->find(' ') == std::string::npos) __builtin_trap();
  if (auto ids = h::parse_container_list(text))
    for (const auto& id : *ids)
      if (id.empty()) __builtin_trap();
  if (auto c = h::parse_container_inspect(text, "docker")) {
    if (c->id.empty() || c->inspect_json != text || c->engine != "docker") __builtin_trap();
    for (const auto& p : c->ports)
      if (p.protocol.empty()) __builtin_trap();
  }
  (void)h::parse_image_repo_digests(text);
  return 0;
}
