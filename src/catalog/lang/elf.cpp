// The bounded ELF reader (see elf.hpp). Layouts follow the System V ABI's
// ELF chapter: the 64-bit and 32-bit headers differ in field widths and, for
// program headers, in field order.
#include "catalog/lang/elf.hpp"

#include <algorithm>

#include "core/core.hpp"

namespace bulwark::catalog::elf {
namespace {

int64_t max_executable_bytes() {
  return std::min<int64_t>(kMaxExecutableBytes, static_cast<int64_t>(limits().max_file_read));
}

constexpr uint16_t kPnXnum = 0xffff;     // e_phnum escape: real count in section 0's sh_info
constexpr uint16_t kShnXindex = 0xffff;  // e_shstrndx escape: real index in section 0's sh_link

Error corrupt(std::string message) { return Error(ErrorCode::kCorrupt, "corrupt ELF file: " + std::move(message)); }

// Whether [off, off+len) lies inside a buffer of `size` bytes, without overflow.
bool inside(uint64_t off, uint64_t len, uint64_t size) { return off <= size && len <= size - off; }

}  // namespace

bool is_elf(std::string_view bytes) { return bytes.size() >= 4 && bytes.substr(0, 4) == "\x7f" "ELF"; }

uint64_t File::read_uint(std::string_view b, size_t width) const {
  uint64_t v = 0;
  for (size_t i = 0; i < width && i < b.size(); ++i) {
    size_t k = big_endian ? i : width - 1 - i;
    v = (v << 8) | static_cast<unsigned char>(b[k]);
  }
  return v;
}

const Section* File::find_section(std::string_view name) const {
  for (const auto& s : sections)
    if (s.name == name) return &s;
  return nullptr;
}

std::optional<std::string_view> File::section_data(const Section& s) const {
  if (s.type == kShtNobits || !inside(s.offset, s.size, bytes.size())) return std::nullopt;
  return bytes.substr(s.offset, s.size);
}

std::optional<std::string_view> File::read_vaddr(uint64_t addr, uint64_t max) const {
  for (const auto& seg : segments) {
    if (seg.type != kPtLoad || seg.filesz == 0 || addr < seg.vaddr || addr - seg.vaddr >= seg.filesz) continue;
    // The segment's file-backed bytes must themselves be inside the file; a
    // truncated file cannot serve them.
    if (!inside(seg.offset, seg.filesz, bytes.size())) return std::nullopt;
    uint64_t rel = addr - seg.vaddr;
    uint64_t n = std::min(max, seg.filesz - rel);
    return bytes.substr(seg.offset + rel, n);
  }
  return std::nullopt;
}

Result<File> parse(std::string_view bytes) {
  if (!is_elf(bytes)) return corrupt("no ELF magic");
  if (bytes.size() < 16) return corrupt("truncated identification");
  File f;
  f.bytes = bytes;
  switch (bytes[4]) {
    case 1: f.is64 = false; break;
    case 2: f.is64 = true; break;
    default: return corrupt("unknown class " + std::to_string(static_cast<unsigned char>(bytes[4])));
  }
  switch (bytes[5]) {
    case 1: f.big_endian = false; break;
    case 2: f.big_endian = true; break;
    default: return corrupt("unknown byte order " + std::to_string(static_cast<unsigned char>(bytes[5])));
  }
  const size_t ehsize = f.is64 ? 64 : 52;
  if (bytes.size() < ehsize) return corrupt("truncated header");
  auto u = [&](size_t off, size_t width) { return f.read_uint(bytes.substr(off, width), width); };
  const size_t w = f.is64 ? 8 : 4;  // width of addresses and offsets
  f.machine = static_cast<uint16_t>(u(18, 2));
  const uint64_t phoff = u(f.is64 ? 32 : 28, w);
  const uint64_t shoff = u(f.is64 ? 40 : 32, w);
  const size_t tail = f.is64 ? 52 : 40;  // e_ehsize follows e_flags
  const uint64_t phentsize = u(tail + 2, 2);
  uint64_t phnum = u(tail + 4, 2);
  const uint64_t shentsize = u(tail + 6, 2);
  uint64_t shnum = u(tail + 8, 2);
  uint64_t shstrndx = u(tail + 10, 2);

  const uint64_t sh_min = f.is64 ? 64 : 40;
  const uint64_t ph_min = f.is64 ? 56 : 32;
  // Section 0 carries the real counts when they do not fit the header's
  // 16-bit fields (extended numbering).
  auto section_header = [&](uint64_t i) { return bytes.substr(shoff + i * shentsize, sh_min); };
  if (shoff != 0) {
    if (shentsize < sh_min) return corrupt("section header entries of " + std::to_string(shentsize) + " bytes");
    if (!inside(shoff, shentsize, bytes.size())) return corrupt("section header table outside the file (truncated?)");
    std::string_view s0 = section_header(0);
    if (shnum == 0) shnum = f.read_uint(s0.substr(f.is64 ? 32 : 20, w), w);
    if (shstrndx == kShnXindex) shstrndx = f.read_uint(s0.substr(f.is64 ? 40 : 24, 4), 4);
    if (phnum == kPnXnum) phnum = f.read_uint(s0.substr(f.is64 ? 44 : 28, 4), 4);
  } else {
    shnum = 0;
  }
  if (phnum > 0) {
    if (phentsize < ph_min) return corrupt("program header entries of " + std::to_string(phentsize) + " bytes");
    if (phnum > bytes.size() / phentsize || !inside(phoff, phnum * phentsize, bytes.size()))
      return corrupt("program header table outside the file (truncated?)");
  }
  if (shnum > 0 && (shnum > bytes.size() / shentsize || !inside(shoff, shnum * shentsize, bytes.size())))
    return corrupt("section header table outside the file (truncated?)");

  f.segments.reserve(phnum);
  for (uint64_t i = 0; i < phnum; ++i) {
    std::string_view h = bytes.substr(phoff + i * phentsize, ph_min);
    auto r = [&](size_t off, size_t width) { return f.read_uint(h.substr(off, width), width); };
    Segment s;
    s.type = static_cast<uint32_t>(r(0, 4));
    if (f.is64) {
      s.flags = static_cast<uint32_t>(r(4, 4));
      s.offset = r(8, 8);
      s.vaddr = r(16, 8);
      s.filesz = r(32, 8);
      s.memsz = r(40, 8);
    } else {
      s.offset = r(4, 4);
      s.vaddr = r(8, 4);
      s.filesz = r(16, 4);
      s.memsz = r(20, 4);
      s.flags = static_cast<uint32_t>(r(24, 4));
    }
    f.segments.push_back(s);
  }

  f.sections.reserve(shnum);
  std::vector<uint32_t> name_offsets;
  name_offsets.reserve(shnum);
  for (uint64_t i = 0; i < shnum; ++i) {
    std::string_view h = section_header(i);
    auto r = [&](size_t off, size_t width) { return f.read_uint(h.substr(off, width), width); };
    Section s;
    name_offsets.push_back(static_cast<uint32_t>(r(0, 4)));
    s.type = static_cast<uint32_t>(r(4, 4));
    s.flags = r(8, w);
    s.addr = r(f.is64 ? 16 : 12, w);
    s.offset = r(f.is64 ? 24 : 16, w);
    s.size = r(f.is64 ? 32 : 20, w);
    f.sections.push_back(std::move(s));
  }
  // Names come from the section-name string table; a bad index or offset
  // leaves names empty rather than failing: the headers are still usable.
  if (shstrndx < f.sections.size()) {
    if (auto strtab = f.section_data(f.sections[shstrndx])) {
      for (size_t i = 0; i < f.sections.size(); ++i) {
        uint32_t off = name_offsets[i];
        if (off >= strtab->size()) continue;
        std::string_view rest = strtab->substr(off);
        f.sections[i].name = std::string(rest.substr(0, rest.find('\0')));
      }
    }
  }
  return f;
}

bool ExecutableAnalyzer::wants(std::string_view, int64_t) const { return false; }

bool ExecutableAnalyzer::wants_executable(std::string_view, int64_t size) const {
  return size >= kMinExecutableBytes && size <= max_executable_bytes();
}

Status ExecutableAnalyzer::analyze(const FileEntry& entry, FileResult& out) const {
  auto body = entry.read_all(static_cast<size_t>(max_executable_bytes()));
  if (!body) return body.error();
  analyze_bytes(*body, entry.path, out);
  return {};
}

}  // namespace bulwark::catalog::elf
