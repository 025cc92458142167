// Arbitrary bytes as a mirror's index.json: entries or a kCorrupt error,
// never a crash; every accepted entry has a safe relative path and a digest.
#include <cstddef>
#include <cstdint>
#include <string>

#include "vulndb/vulndb.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = bulwark::vulndb::parse_mirror_index(text, "index.json");
  if (!r) return 0;
  for (const auto& e : *r) {
    if (e.path.empty() || e.path[0] == '/' || e.path.find("..") != std::string::npos) __builtin_trap();
    if (e.sha256.size() != 64) __builtin_trap();
  }
  return 0;
}
