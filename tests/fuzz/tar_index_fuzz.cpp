// Arbitrary bytes as an outer archive (docker-archive / OCI archive tar):
// the header indexer must return an index or an error, never crash or hang.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "artifact/tar_index.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bulwark;
  using namespace bulwark::artifact;
  artifact::ReadAt read_at = [&](int64_t off, char* buf, size_t n) -> Result<size_t> {
    if (off < 0 || static_cast<size_t>(off) >= size) return size_t{0};
    size_t k = std::min(n, size - static_cast<size_t>(off));
    std::memcpy(buf, data + off, k);
    return k;
  };
  TarIndexLimits lim;
  lim.max_members = 10000;
  auto idx = TarIndex::build(read_at, static_cast<int64_t>(size), "fuzz", lim);
  if (!idx) return 0;
  for (const auto& m : idx->members()) {
    if (m.offset < 0 || m.size < 0 || m.offset + m.size > static_cast<int64_t>(size)) __builtin_trap();
    (void)idx->find(m.name);
  }
  (void)idx->find("manifest.json");
  (void)idx->find("blobs/sha256/../../index.json");
  return 0;
}
