// Go executables: the build information the Go linker (1.13 and later) puts
// into every program built in module mode, the same data `go version -m`
// prints. Found by execute bit, not by name: any executable may be a Go
// program. ELF only (Linux images); Mach-O and PE executables are left out.
//
// Where it is: the section .go.buildinfo, or, when the section headers are
// stripped, the start of the first writable (non-executable) PT_LOAD segment.
// It begins, 16-byte aligned, with a 32-byte header: the magic
// "\xff Go buildinf:", the pointer size, and a flags byte (bit 0: big endian;
// bit 1: strings inline). Go 1.18 and later write two varint-length-prefixed
// strings right after the header (the toolchain version, then the module
// information); older linkers write two pointers to Go string headers
// (address, length) that point into the program's data, read here through the
// PT_LOAD segments. The module information is text between two 16-byte
// sentinels, one line per item:
//   path  <main package path>
//   mod   <path> <version> [<sum>]   the main module
//   dep   <path> <version> [<sum>]   a module linked in
//   =>    <path> <version> <sum>     replaces the module on the line before
//   build <key>=<value>              build settings (quoted when needed)
#include <algorithm>
#include <map>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/elf.hpp"
#include "catalog/lang/golang.hpp"

namespace bulwark::catalog {
namespace {

constexpr std::string_view kMagic{"\xff Go buildinf:", 14};
constexpr size_t kHeaderSize = 32;
constexpr size_t kAlign = 16;
// Go's reader looks for the header in the first 64 KiB of the data.
constexpr size_t kSearchWindow = 64 << 10;
// Version and module strings: the module list of the largest programs is a
// few hundred KiB.
constexpr uint64_t kMaxStringBytes = 16 << 20;

struct Raw {
  bool go = false;     // the file claims Go build info
  std::string error;   // why it could not be read (with go == true)
  std::string_view version;
  std::string_view modinfo;
};

// The index of the build info header in `data` (aligned relative to its start,
// which is itself aligned in the address space), or npos.
size_t find_header(std::string_view data) {
  std::string_view window = data.substr(0, kSearchWindow);
  for (size_t i = window.find(kMagic); i != std::string_view::npos; i = window.find(kMagic, i + 1))
    if (i % kAlign == 0 && data.size() - i >= kHeaderSize) return i;
  return std::string_view::npos;
}

// Unsigned LEB128 as Go's encoding/binary writes it; nullopt when it runs
// past the data or overflows 64 bits.
std::optional<uint64_t> uvarint(std::string_view data, size_t& pos) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64 && pos < data.size(); shift += 7) {
    auto b = static_cast<unsigned char>(data[pos++]);
    if (shift == 63 && b > 1) return std::nullopt;
    v |= uint64_t{b & 0x7fu} << shift;
    if (b < 0x80) return v;
  }
  return std::nullopt;
}

std::optional<std::string_view> inline_string(std::string_view data, size_t& pos) {
  auto n = uvarint(data, pos);
  if (!n || *n > kMaxStringBytes || *n > data.size() - pos) return std::nullopt;
  std::string_view s = data.substr(pos, *n);
  pos += *n;
  return s;
}

// A Go string header (data pointer, length) at `addr`, and the bytes it names.
std::optional<std::string_view> pointed_string(const elf::File& f, uint64_t addr, size_t ptr_size) {
  auto hdr = f.read_vaddr(addr, 2 * ptr_size);
  if (!hdr || hdr->size() < 2 * ptr_size) return std::nullopt;
  uint64_t data_addr = f.read_uint(hdr->substr(0, ptr_size), ptr_size);
  uint64_t len = f.read_uint(hdr->substr(ptr_size, ptr_size), ptr_size);
  if (len > kMaxStringBytes) return std::nullopt;
  if (len == 0) return std::string_view{};
  auto s = f.read_vaddr(data_addr, len);
  if (!s || s->size() < len) return std::nullopt;
  return s;
}

Raw read_raw(const elf::File& f) {
  Raw raw;
  std::string_view data;
  if (const elf::Section* s = f.find_section(".go.buildinfo")) {
    raw.go = true;
    auto d = f.section_data(*s);
    if (!d) {
      raw.error = "section .go.buildinfo lies outside the file (truncated?)";
      return raw;
    }
    data = *d;
  } else if (f.sections.empty()) {
    // Section headers stripped: Go looks in the first writable data segment.
    for (const auto& seg : f.segments) {
      if (seg.type != elf::kPtLoad || (seg.flags & (elf::kPfX | elf::kPfW)) != elf::kPfW) continue;
      if (auto d = f.read_vaddr(seg.vaddr, seg.filesz)) data = *d;
      break;
    }
  }
  size_t at = find_header(data);
  if (at == std::string_view::npos) {
    if (raw.go) raw.error = "section .go.buildinfo has no build info header";
    return raw;
  }
  raw.go = true;
  data = data.substr(at);
  const auto ptr_size = static_cast<size_t>(static_cast<unsigned char>(data[14]));
  const auto flags = static_cast<unsigned char>(data[15]);
  if (flags & 2) {
    size_t pos = kHeaderSize;
    auto version = inline_string(data, pos);
    auto mod = version ? inline_string(data, pos) : std::nullopt;
    if (!version || !mod) {
      raw.error = "build info strings run past the data";
      return raw;
    }
    raw.version = *version;
    raw.modinfo = *mod;
  } else {
    if (ptr_size != 4 && ptr_size != 8) {
      raw.error = "build info pointer size " + std::to_string(ptr_size) + " (expected 4 or 8)";
      return raw;
    }
    // Before Go 1.18 the byte after the pointer size is the byte order alone;
    // read pointers in that order whatever the ELF header says.
    elf::File order = f;
    order.big_endian = flags != 0;
    uint64_t vaddr = order.read_uint(data.substr(16, ptr_size), ptr_size);
    uint64_t maddr = order.read_uint(data.substr(16 + ptr_size, ptr_size), ptr_size);
    auto version = pointed_string(order, vaddr, ptr_size);
    auto mod = version ? pointed_string(order, maddr, ptr_size) : std::nullopt;
    if (!version || !mod) {
      raw.error = "build info pointers do not point into the file's data";
      return raw;
    }
    raw.version = *version;
    raw.modinfo = *mod;
  }
  if (raw.version.empty()) raw.error = "build info has no Go version";
  return raw;
}

// strconv.QuotedPrefix: the length of the Go string literal ("..." or `...`)
// at the start of `s`, or nullopt.
std::optional<size_t> quoted_prefix(std::string_view s) {
  if (s.empty()) return std::nullopt;
  char q = s[0];
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == q) return i + 1;
    if (q == '"' && s[i] == '\n') return std::nullopt;
    if (q == '"' && s[i] == '\\') ++i;
  }
  return std::nullopt;
}

std::vector<std::string_view> split_tabs(std::string_view s) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t tab = s.find('\t', start);
    out.push_back(s.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) return out;
    start = tab + 1;
  }
}

struct Module {
  std::string path;
  std::string version;
  bool replaced = false;
  std::string replace_path;
  std::string replace_version;
};

class Builder {
 public:
  explicit Builder(const std::string& file) : file_(file) {}

  void add(std::string name, std::string version, Relationship rel) {
    Package p;
    p.ecosystem = "golang";
    p.name = std::move(name);
    p.version = std::move(version);
    p.relationship = rel;
    p.location.path = file_;
    p.id = make_package_id(p);
    auto [it, fresh] = index_.emplace(p.id, packages_.size());
    if (fresh) {
      packages_.push_back(std::move(p));
    } else if (rel == Relationship::kRoot) {
      packages_[it->second].relationship = rel;
    }
  }
  std::vector<Package> take() { return std::move(packages_); }

 private:
  const std::string& file_;
  std::vector<Package> packages_;
  std::map<std::string, size_t> index_;
};

// What a module line reports: the replacement when there is one, the original
// path without a version when the replacement is a local directory (its code
// is not a published version of anything).
std::pair<std::string, std::string> reported(const Module& m) {
  if (!m.replaced) return {m.path, m.version};
  if (golang::is_local_path(m.replace_path)) return {m.path, ""};
  return {m.replace_path, m.replace_version};
}

}  // namespace

std::optional<GoBuildInfo> parse_go_binary(std::string_view bytes, const std::string& path,
                                           std::vector<Diagnostic>& diags) {
  if (!elf::is_elf(bytes)) return std::nullopt;
  auto warn = [&](const std::string& message) {
    diags.push_back(make_warning(path, 0, "Go build info: " + message));
  };
  auto f = elf::parse(bytes);
  if (!f) {
    // Only a file that shows the build info magic at an aligned offset is
    // a Go program worth a warning; other broken executables are not ours.
    for (size_t i = bytes.find(kMagic); i != std::string_view::npos; i = bytes.find(kMagic, i + 1)) {
      if (i % kAlign == 0) {
        warn(f.error().message);
        break;
      }
    }
    return std::nullopt;
  }
  Raw raw = read_raw(*f);
  if (!raw.go) return std::nullopt;
  if (!raw.error.empty()) {
    warn(raw.error);
    return std::nullopt;
  }

  GoBuildInfo info;
  info.go_version = std::string(raw.version);
  std::string_view mod = raw.modinfo;
  // The text sits between two 16-byte sentinels; binaries built outside
  // module mode have no module information at all.
  if (mod.size() >= 33 && mod[mod.size() - 17] == '\n') {
    mod = mod.substr(16, mod.size() - 32);
  } else {
    if (!mod.empty()) warn("module information without its sentinels; modules not read");
    mod = {};
  }

  Module main;
  bool has_main = false;
  std::vector<Module> deps;
  Module* last = nullptr;
  int line_no = 0;
  while (!mod.empty()) {
    size_t nl = mod.find('\n');
    if (nl == std::string_view::npos) break;  // Go ignores an unterminated last line
    std::string_view line = mod.substr(0, nl);
    mod.remove_prefix(nl + 1);
    ++line_no;
    auto bad = [&](const std::string& why) { warn("line " + std::to_string(line_no) + ": " + why); };
    auto cut = [&](std::string_view word) {
      return line.substr(0, word.size()) == word ? std::optional<std::string_view>(line.substr(word.size()))
                                                 : std::nullopt;
    };
    if (auto rest = cut("path\t")) {
      info.path = std::string(*rest);
    } else if (auto m = cut("mod\t"), d = cut("dep\t"); m || d) {
      auto elem = split_tabs(m ? *m : *d);
      if (elem.size() != 2 && elem.size() != 3) {
        bad("expected 2 or 3 columns, got " + std::to_string(elem.size()));
        last = nullptr;
        continue;
      }
      Module mo;
      mo.path = std::string(elem[0]);
      mo.version = std::string(elem[1]);
      if (m) {
        main = std::move(mo);
        has_main = true;
        last = &main;
      } else {
        deps.push_back(std::move(mo));
        last = &deps.back();  // valid until the next dep line, which also resets it
      }
    } else if (auto r = cut("=>\t")) {
      auto elem = split_tabs(*r);
      if (elem.size() != 3) {
        bad("expected 3 columns for a replacement, got " + std::to_string(elem.size()));
      } else if (!last) {
        bad("replacement with no module on the line before");
      } else {
        last->replaced = true;
        last->replace_path = std::string(elem[0]);
        last->replace_version = std::string(elem[1]);
      }
      last = nullptr;
    } else if (auto b = cut("build\t")) {
      std::string_view kv = *b;
      std::string key;
      std::string_view raw_value;
      if (!kv.empty() && (kv[0] == '"' || kv[0] == '`')) {
        auto n = quoted_prefix(kv);
        auto k = n ? golang::unquote(kv.substr(0, *n)) : std::nullopt;
        if (!k || *n >= kv.size() || kv[*n] != '=') {
          bad("bad quoted key in build setting");
          continue;
        }
        key = std::move(*k);
        raw_value = kv.substr(*n + 1);
      } else {
        size_t eq = kv.find('=');
        if (eq == std::string_view::npos || eq == 0) {
          bad("build setting without key=value");
          continue;
        }
        key = std::string(kv.substr(0, eq));
        raw_value = kv.substr(eq + 1);
      }
      std::string value(raw_value);
      if (!raw_value.empty() && (raw_value[0] == '"' || raw_value[0] == '`')) {
        auto v = golang::unquote(raw_value);
        if (!v) {
          bad("bad quoted value in build setting " + key);
          continue;
        }
        value = std::move(*v);
      }
      info.settings.emplace_back(std::move(key), std::move(value));
    }
    // Other lines are ignored, as Go's own parser does (room for new kinds).
  }

  Builder out(path);
  if (auto v = golang::stdlib_version(info.go_version)) out.add(std::string(golang::kStdlib), *v, Relationship::kDirect);
  if (has_main) {
    auto [name, version] = reported(main);
    out.add(std::move(name), std::move(version), Relationship::kRoot);
  }
  for (const auto& d : deps) {
    auto [name, version] = reported(d);
    out.add(std::move(name), std::move(version), Relationship::kUnknown);
  }
  info.packages = out.take();
  return info;
}

namespace {

class GoBinaryAnalyzer : public elf::ExecutableAnalyzer {
 public:
  std::string_view name() const override { return "go-binary"; }
  int version() const override { return 1; }

 protected:
  void analyze_bytes(std::string_view bytes, const std::string& path, FileResult& out) const override {
    auto info = parse_go_binary(bytes, path, out.diagnostics);
    if (!info) return;
    out.application_type = "gobinary";
    out.packages = std::move(info->packages);
    out.facts["go.version"] = info->go_version;
    if (!info->path.empty()) out.facts["go.path"] = info->path;
    for (auto& [k, v] : info->settings) out.facts["go.build." + k] = std::move(v);
  }
};

}  // namespace

std::unique_ptr<Analyzer> make_go_binary_analyzer() { return std::make_unique<GoBinaryAnalyzer>(); }

}  // namespace bulwark::catalog
