// The package filter (table `package_filter`, docs/vulndb.md "Schema"): a
// Bloom filter of the (ecosystem, package) pairs that have affected rows,
// written by the builder. The matcher skips the lookup of a package that the
// filter says is absent — most packages of an image have no advisory — and
// looks up the others (a false "present" costs one lookup, never a miss).
// Internal to the vulndb module.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace bulwark::vulndb::package_filter {

// Bits set per key; a filter written with another number is not used.
inline constexpr int kHashes = 7;

// FNV-1a (64 bits) over the ecosystem, a NUL byte and the package name.
inline uint64_t hash(std::string_view ecosystem, std::string_view package) {
  uint64_t h = 14695981039346656037ull;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  };
  mix(ecosystem);
  h *= 1099511628211ull;  // the NUL byte: h ^ 0 == h
  mix(package);
  return h;
}

// Bytes for `keys` keys: about 10 bits a key (under 1% false "present"),
// rounded up to a power of two.
inline size_t bytes_for(size_t keys) {
  size_t bytes = 8;
  while (bytes * 8 < keys * 10) bytes *= 2;
  return bytes;
}

// Bit i of the key with hash h is (h1 + i * h2) mod the number of bits, h1
// and h2 the low and high halves of h (h2 made odd).
inline void add(std::vector<uint8_t>& bits, uint64_t h) {
  const uint64_t mask = bits.size() * 8 - 1, h1 = h & 0xffffffffu, h2 = (h >> 32) | 1;
  for (uint64_t i = 0; i < kHashes; ++i) {
    uint64_t bit = (h1 + i * h2) & mask;
    bits[bit >> 3] = static_cast<uint8_t>(bits[bit >> 3] | (1u << (bit & 7)));
  }
}

// False when no key with hash h was added. `bits` must be a power of two
// bytes long.
inline bool may_contain(const std::vector<uint8_t>& bits, uint64_t h) {
  const uint64_t mask = bits.size() * 8 - 1, h1 = h & 0xffffffffu, h2 = (h >> 32) | 1;
  for (uint64_t i = 0; i < kHashes; ++i) {
    uint64_t bit = (h1 + i * h2) & mask;
    if (!(bits[bit >> 3] & (1u << (bit & 7)))) return false;
  }
  return true;
}

// Whether `size` bytes can be a filter (a power of two, at least 8).
inline bool valid_size(size_t size) { return size >= 8 && (size & (size - 1)) == 0; }

}  // namespace bulwark::vulndb::package_filter
