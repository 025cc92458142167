// NDB layout (rpm lib/backend/ndb, all integers little-endian):
//   offset 0: file header  "RpmP" | version | generation | slot pages | next index
//   the first `slot pages` 4096-byte pages hold 16-byte slots; the first two
//   slot positions overlap the file header. A slot is
//     "Slot" | package index (0 = free) | block offset | block count
//   with blocks of 16 bytes. At block offset * 16 a blob starts:
//     "BlbS" | package index | generation | blob length | blob … | "BlbE" tail
#include "catalog/os/rpm_ndb.hpp"

#include <cstring>

#include "catalog/os/analyzers.hpp"

namespace bulwark::catalog {

namespace {

constexpr size_t kPage = 4096;
constexpr size_t kSlot = 16;
constexpr size_t kBlock = 16;
constexpr size_t kBlobHead = 16;
constexpr uint32_t kMaxSlotPages = 4096;  // 16 MiB of slots: far more than any real database

uint32_t le32(std::string_view b, size_t off) {
  const auto* p = reinterpret_cast<const unsigned char*>(b.data() + off);
  return p[0] | (p[1] << 8) | (p[2] << 16) | (static_cast<uint32_t>(p[3]) << 24);
}

}  // namespace

Result<std::vector<NdbBlob>> read_ndb_blobs(std::string_view bytes, const std::string& path, size_t max_blobs,
                                            std::vector<Diagnostic>& diags) {
  if (bytes.size() < kPage || std::memcmp(bytes.data(), "RpmP", 4) != 0)
    return Error(ErrorCode::kCorrupt, "not an NDB package database (no RpmP header)", path);
  uint32_t version = le32(bytes, 4);
  uint32_t slot_pages = le32(bytes, 12);
  if (version != 0) return Error(ErrorCode::kUnsupported, "NDB version " + std::to_string(version) + " is not supported", path);
  if (slot_pages == 0 || slot_pages > kMaxSlotPages || static_cast<uint64_t>(slot_pages) * kPage > bytes.size())
    return Error(ErrorCode::kCorrupt, "NDB header claims " + std::to_string(slot_pages) + " slot pages", path);

  std::vector<NdbBlob> out;
  size_t slots_end = static_cast<size_t>(slot_pages) * kPage;
  for (size_t off = 2 * kSlot; off + kSlot <= slots_end; off += kSlot) {
    if (std::memcmp(bytes.data() + off, "Slot", 4) != 0) {
      diags.push_back(make_warning(path, 0, "NDB slot at byte " + std::to_string(off) + " has a bad magic"));
      continue;
    }
    uint32_t index = le32(bytes, off + 4);
    if (index == 0) continue;  // free slot
    uint64_t blk_off = static_cast<uint64_t>(le32(bytes, off + 8)) * kBlock;
    uint64_t blk_len = static_cast<uint64_t>(le32(bytes, off + 12)) * kBlock;
    auto bad = [&](const std::string& why) {
      diags.push_back(make_warning(path, 0,
                                   "NDB package " + std::to_string(index) + " (slot at byte " + std::to_string(off) +
                                       ", blob at byte " + std::to_string(blk_off) + "): " + why));
    };
    if (blk_off < slots_end || blk_off + blk_len > bytes.size() || blk_len < kBlobHead) {
      bad("blob lies outside the file");
      continue;
    }
    if (std::memcmp(bytes.data() + blk_off, "BlbS", 4) != 0) {
      bad("blob has a bad magic");
      continue;
    }
    if (le32(bytes, blk_off + 4) != index) {
      bad("blob belongs to package " + std::to_string(le32(bytes, blk_off + 4)));
      continue;
    }
    uint64_t length = le32(bytes, blk_off + 12);
    if (kBlobHead + length > blk_len) {
      bad("blob length " + std::to_string(length) + " exceeds its blocks");
      continue;
    }
    if (out.size() >= max_blobs)
      return Error(ErrorCode::kLimitExceeded, "more than " + std::to_string(max_blobs) + " packages", path);
    out.push_back({index, static_cast<size_t>(blk_off + kBlobHead), static_cast<size_t>(length)});
  }
  return out;
}

}  // namespace bulwark::catalog
