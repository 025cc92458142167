// Writes small ELF executables for the tests of the Go and Rust binary
// analyzers: any class (32/64-bit) and byte order, sections with or without
// section headers, one PT_LOAD segment per loaded section. Also the Go build
// info blob in both layouts (inline strings since Go 1.18, pointers before).
// The files are real enough for Go's own reader: the tests check them with
// `go version -m` where Go is installed.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace bulwark::catalog::testing {

struct ElfSection {
  std::string name;
  std::string data;
  bool load = true;      // mapped by a PT_LOAD segment of its own
  bool writable = true;  // PF_W (else PF_X) on that segment
};

struct ElfImage {
  bool is64 = true;
  bool big_endian = false;
  bool strip_section_headers = false;  // no section header table at all
  uint16_t machine = 62;               // EM_X86_64
  std::vector<ElfSection> sections;
};

class ElfWriter {
 public:
  static constexpr uint64_t kBase = 0x400000;

  // Virtual address of each loaded section; depends only on section sizes,
  // so it can be asked before the data is final (same sizes, then build()).
  static std::map<std::string, uint64_t> addresses(const ElfImage& img) {
    std::map<std::string, uint64_t> out;
    Layout l = layout(img);
    for (size_t i = 0; i < img.sections.size(); ++i)
      if (img.sections[i].load) out[img.sections[i].name] = kBase + l.offsets[i];
    return out;
  }

  static std::string build(const ElfImage& img) {
    Layout l = layout(img);
    std::string f(l.total, '\0');
    const bool w64 = img.is64;
    auto put = [&](uint64_t off, uint64_t v, int width) {
      for (int i = 0; i < width; ++i) {
        int shift = img.big_endian ? 8 * (width - 1 - i) : 8 * i;
        f[off + static_cast<uint64_t>(i)] = static_cast<char>((v >> shift) & 0xff);
      }
    };
    const int aw = w64 ? 8 : 4;
    // ELF header.
    f.replace(0, 4, "\x7f" "ELF");
    f[4] = w64 ? 2 : 1;
    f[5] = img.big_endian ? 2 : 1;
    f[6] = 1;
    put(16, 2, 2);  // ET_EXEC
    put(18, img.machine, 2);
    put(20, 1, 4);
    const uint64_t tail = w64 ? 52 : 40;
    put(24, kBase, aw);                                // e_entry
    put(w64 ? 32 : 28, l.phoff, aw);                   // e_phoff
    put(w64 ? 40 : 32, img.strip_section_headers ? 0 : l.shoff, aw);
    put(tail, w64 ? 64 : 52, 2);                       // e_ehsize
    put(tail + 2, w64 ? 56 : 32, 2);                   // e_phentsize
    put(tail + 4, l.phnum, 2);
    put(tail + 6, w64 ? 64 : 40, 2);                   // e_shentsize
    put(tail + 8, img.strip_section_headers ? 0 : img.sections.size() + 2, 2);
    put(tail + 10, img.strip_section_headers ? 0 : img.sections.size() + 1, 2);  // shstrndx: last
    // Program headers and section bodies.
    uint64_t ph = l.phoff;
    for (size_t i = 0; i < img.sections.size(); ++i) {
      const auto& s = img.sections[i];
      f.replace(l.offsets[i], s.data.size(), s.data);
      if (!s.load) continue;
      uint32_t flags = 4 | (s.writable ? 2 : 1);  // PF_R | PF_W or PF_X
      if (w64) {
        put(ph, 1, 4);
        put(ph + 4, flags, 4);
        put(ph + 8, l.offsets[i], 8);
        put(ph + 16, kBase + l.offsets[i], 8);
        put(ph + 24, kBase + l.offsets[i], 8);
        put(ph + 32, s.data.size(), 8);
        put(ph + 40, s.data.size(), 8);
        put(ph + 48, 16, 8);
        ph += 56;
      } else {
        put(ph, 1, 4);
        put(ph + 4, l.offsets[i], 4);
        put(ph + 8, kBase + l.offsets[i], 4);
        put(ph + 12, kBase + l.offsets[i], 4);
        put(ph + 16, s.data.size(), 4);
        put(ph + 20, s.data.size(), 4);
        put(ph + 24, flags, 4);
        put(ph + 28, 16, 4);
        ph += 32;
      }
    }
    f.replace(l.strtab_off, l.strtab.size(), l.strtab);
    if (img.strip_section_headers) return f;
    // Section headers: null, the sections, .shstrtab.
    const uint64_t shsize = w64 ? 64 : 40;
    auto section_header = [&](size_t idx, uint32_t name, uint32_t type, uint64_t flags, uint64_t addr, uint64_t off,
                              uint64_t size) {
      uint64_t h = l.shoff + idx * shsize;
      put(h, name, 4);
      put(h + 4, type, 4);
      put(h + 8, flags, aw);
      put(h + (w64 ? 16 : 12), addr, aw);
      put(h + (w64 ? 24 : 16), off, aw);
      put(h + (w64 ? 32 : 20), size, aw);
      put(h + (w64 ? 48 : 32), 1, aw);  // sh_addralign
    };
    for (size_t i = 0; i < img.sections.size(); ++i) {
      const auto& s = img.sections[i];
      uint64_t flags = s.load ? (2 | (s.writable ? 1 : 4)) : 0;  // SHF_ALLOC | SHF_WRITE or SHF_EXECINSTR
      section_header(i + 1, l.name_offsets[i], 1, flags, s.load ? kBase + l.offsets[i] : 0, l.offsets[i], s.data.size());
    }
    section_header(img.sections.size() + 1, l.name_offsets.back(), 3, 0, 0, l.strtab_off, l.strtab.size());
    return f;
  }

 private:
  struct Layout {
    uint64_t phoff = 0;
    uint64_t phnum = 0;
    std::vector<uint64_t> offsets;
    std::string strtab;
    std::vector<uint32_t> name_offsets;  // per section, then .shstrtab's own
    uint64_t strtab_off = 0;
    uint64_t shoff = 0;
    uint64_t total = 0;
  };

  static uint64_t align(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

  static Layout layout(const ElfImage& img) {
    Layout l;
    const uint64_t ehsize = img.is64 ? 64 : 52;
    const uint64_t phsize = img.is64 ? 56 : 32;
    for (const auto& s : img.sections) l.phnum += s.load ? 1 : 0;
    l.phoff = ehsize;
    uint64_t off = align(ehsize + l.phnum * phsize, 16);
    for (const auto& s : img.sections) {
      l.offsets.push_back(off);
      off = align(off + s.data.size(), 16);
    }
    l.strtab.push_back('\0');
    for (const auto& s : img.sections) {
      l.name_offsets.push_back(static_cast<uint32_t>(l.strtab.size()));
      l.strtab += s.name + '\0';
    }
    l.name_offsets.push_back(static_cast<uint32_t>(l.strtab.size()));
    l.strtab += std::string(".shstrtab") + '\0';
    l.strtab_off = off;
    off = align(off + l.strtab.size(), 16);
    l.shoff = off;
    l.total = img.strip_section_headers ? off : off + (img.sections.size() + 2) * (img.is64 ? 64 : 40);
    return l;
  }
};

// The module information text as the Go linker stores it: between two
// 16-byte sentinels.
inline std::string go_modinfo(const std::string& text) {
  static const std::string start("0w\xaf\x0c\x92t\x08\x02" "A\xe1\xc1\x07\xe6\xd6\x18\xe6", 16);
  static const std::string end("\xf9" "2C1\x86\x18 r\x00\x82" "B\x10" "A\x16\xd8\xf2", 16);
  return start + text + end;
}

inline std::string go_uvarint(uint64_t v) {
  std::string out;
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
  return out;
}

// An ELF file with Go build info. `inline_strings`: the Go 1.18+ layout;
// otherwise the older one with pointers into .data/.rodata.
inline std::string go_elf(const std::string& version, const std::string& modinfo, bool is64, bool big_endian,
                          bool inline_strings, bool strip_section_headers = false) {
  const std::string magic("\xff Go buildinf:", 14);
  const int ptr = is64 ? 8 : 4;
  ElfImage img;
  img.is64 = is64;
  img.big_endian = big_endian;
  img.strip_section_headers = strip_section_headers;
  img.machine = is64 ? (big_endian ? 22 : 62) : (big_endian ? 8 : 3);  // s390x, x86-64, mips, 386
  img.sections.push_back({".text", std::string(64, '\xcc'), true, false});
  std::string header = magic;
  header += static_cast<char>(ptr);
  if (inline_strings) {
    header += static_cast<char>(2 | (big_endian ? 1 : 0));
    header += std::string(16, '\0');
    header += go_uvarint(version.size()) + version + go_uvarint(modinfo.size()) + modinfo;
    // The linker pads the section; Go 1.19's reader even needs a byte after
    // the last string.
    header += std::string(16 - header.size() % 16, '\0');
    img.sections.push_back({".go.buildinfo", header, true, true});
    return ElfWriter::build(img);
  }
  header += static_cast<char>(big_endian ? 1 : 0);
  header += std::string(16, '\0');
  img.sections.push_back({".go.buildinfo", header, true, true});
  img.sections.push_back({".data", std::string(4 * static_cast<size_t>(ptr), '\0'), true, true});
  img.sections.push_back({".rodata", version + modinfo, true, false});
  auto addr = ElfWriter::addresses(img);
  auto enc = [&](uint64_t v) {
    std::string out(static_cast<size_t>(ptr), '\0');
    for (int i = 0; i < ptr; ++i) out[static_cast<size_t>(i)] = static_cast<char>((v >> (big_endian ? 8 * (ptr - 1 - i) : 8 * i)) & 0xff);
    return out;
  };
  std::string& bi = img.sections[1].data;
  bi.replace(16, static_cast<size_t>(ptr), enc(addr[".data"]));
  bi.replace(16 + static_cast<size_t>(ptr), static_cast<size_t>(ptr), enc(addr[".data"] + 2 * static_cast<uint64_t>(ptr)));
  img.sections[2].data = enc(addr[".rodata"]) + enc(version.size()) + enc(addr[".rodata"] + version.size()) + enc(modinfo.size());
  return ElfWriter::build(img);
}

}  // namespace bulwark::catalog::testing
