// Rust executables built with cargo-auditable: the section .dep-v0 holds the
// crate graph as zlib-compressed JSON,
//   {"packages": [{"name", "version", "source", "kind", "dependencies", "root"}, ...]}
// where "source" is "crates.io", "git", "local", "registry" or another word,
// "kind" is "build" for crates used only at build time (build scripts,
// proc-macros) and "runtime" (the default, often left out) otherwise,
// "dependencies" are indices into the package array and "root" marks the
// crate the executable was built from. Found by execute bit, like Go
// executables; ELF only.
//
// Reported: root kRoot; crates the root depends on kDirect; the rest
// kTransitive (kUnknown when no package is marked root). Build-only crates
// are not in the executable's code: they are reported with dev = true so that
// filters for what ships can leave them out.
#include <zlib.h>

#include <algorithm>
#include <map>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/elf.hpp"
#include "core/json.hpp"

namespace bulwark::catalog {
namespace {

constexpr std::string_view kSection = ".dep-v0";
// The JSON of the largest dependency trees is a few hundred KiB; cargo-auditable's
// own reader stops at 8 MiB.
constexpr size_t kMaxJsonBytes = 16 << 20;

// Inflates zlib data into at most kMaxJsonBytes, refusing output larger than
// the compression-ratio limit allows for the input.
Result<std::string> inflate_limited(std::string_view in) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return Error(ErrorCode::kInternal, "zlib initialisation failed");
  const double ratio = limits().max_compression_ratio;
  const size_t by_ratio =
      static_cast<size_t>(std::min<double>(static_cast<double>(kMaxJsonBytes), std::max(1.0, ratio) * static_cast<double>(in.size())));
  const size_t cap = std::max<size_t>(by_ratio, 64 << 10);  // small inputs: ratio is not a useful test
  std::string out;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(std::min<size_t>(in.size(), UINT32_MAX));
  char buf[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof buf;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      std::string msg = zs.msg ? zs.msg : (rc == Z_BUF_ERROR ? "data ends early" : "error " + std::to_string(rc));
      inflateEnd(&zs);
      return Error(ErrorCode::kCorrupt, "zlib: " + msg);
    }
    out.append(buf, sizeof buf - zs.avail_out);
    if (out.size() > cap) {
      inflateEnd(&zs);
      return Error(ErrorCode::kLimitExceeded, "decompresses to more than " + std::to_string(cap) + " bytes");
    }
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return Error(ErrorCode::kCorrupt, "zlib: data ends early");
    }
  }
  inflateEnd(&zs);
  return out;
}

}  // namespace

std::vector<Package> parse_cargo_auditable_data(std::string_view compressed, const std::string& path,
                                                std::vector<Diagnostic>& diags) {
  auto warn = [&](const std::string& m) { diags.push_back(make_warning(path, 0, "cargo-auditable data: " + m)); };
  auto text = inflate_limited(compressed);
  if (!text) {
    warn(text.error().message);
    return {};
  }
  auto doc = parse_json(*text, path);
  if (!doc) {
    warn(doc.error().message);
    return {};
  }
  const json* pkgs = nullptr;
  if (doc->is_object())
    if (auto it = doc->find("packages"); it != doc->end() && it->is_array()) pkgs = &*it;
  if (!pkgs) {
    warn("no \"packages\" array");
    return {};
  }

  struct Entry {
    Package pkg;
    bool root = false;
    std::vector<size_t> deps;
  };
  std::vector<std::optional<Entry>> entries(pkgs->size());
  for (size_t i = 0; i < pkgs->size(); ++i) {
    const json& j = (*pkgs)[i];
    std::string where = "package " + std::to_string(i);
    if (!j.is_object()) {
      warn(where + " is not an object");
      continue;
    }
    Entry e;
    e.pkg.ecosystem = "cargo";
    e.pkg.name = get_string(j, "name");
    e.pkg.version = get_string(j, "version");
    if (e.pkg.name.empty() || e.pkg.version.empty()) {
      warn(where + " has no name or version");
      continue;
    }
    e.pkg.dev = get_string(j, "kind") == "build";
    if (auto it = j.find("root"); it != j.end() && it->is_boolean()) e.root = it->get<bool>();
    if (auto it = j.find("dependencies"); it != j.end()) {
      if (!it->is_array()) {
        warn(e.pkg.name + ": dependencies is not an array");
      } else {
        for (const auto& d : *it) {
          if (d.is_number_unsigned() && d.get<uint64_t>() < pkgs->size() && d.get<uint64_t>() != i)
            e.deps.push_back(static_cast<size_t>(d.get<uint64_t>()));
          else
            warn(e.pkg.name + ": dependency " + d.dump() + " is not the index of another package");
        }
      }
    }
    e.pkg.location.path = path;
    e.pkg.id = make_package_id(e.pkg);
    entries[i] = std::move(e);
  }

  bool any_root = std::any_of(entries.begin(), entries.end(), [](const auto& e) { return e && e->root; });
  std::vector<Relationship> rel(entries.size(), any_root ? Relationship::kTransitive : Relationship::kUnknown);
  for (size_t i = 0; i < entries.size(); ++i)
    if (entries[i] && entries[i]->root) rel[i] = Relationship::kRoot;
  for (size_t i = 0; i < entries.size(); ++i)
    if (entries[i] && entries[i]->root)
      for (size_t d : entries[i]->deps)
        if (rel[d] == Relationship::kTransitive) rel[d] = Relationship::kDirect;

  std::vector<Package> out;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i]) continue;
    Package& p = entries[i]->pkg;
    p.relationship = rel[i];
    auto [it, fresh] = index.emplace(p.id, out.size());
    if (fresh) {
      out.push_back(p);
      continue;
    }
    // The same crate twice (two sources): one package, runtime wins over
    // build-only, the closer relationship wins.
    Package& seen = out[it->second];
    seen.dev = seen.dev && p.dev;
    auto rank = [](Relationship r) { return r == Relationship::kRoot ? 3 : r == Relationship::kDirect ? 2 : r == Relationship::kTransitive ? 1 : 0; };
    if (rank(p.relationship) > rank(seen.relationship)) seen.relationship = p.relationship;
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!entries[i]) continue;
    Package& p = out[index.at(entries[i]->pkg.id)];
    for (size_t d : entries[i]->deps) {
      if (!entries[d]) continue;
      const std::string& id = entries[d]->pkg.id;
      if (id != p.id && std::find(p.depends_on.begin(), p.depends_on.end(), id) == p.depends_on.end())
        p.depends_on.push_back(id);
    }
  }
  return out;
}

std::vector<Package> parse_rust_binary(std::string_view bytes, const std::string& path, std::vector<Diagnostic>& diags) {
  if (!elf::is_elf(bytes)) return {};
  auto f = elf::parse(bytes);
  if (!f) {
    // A broken file that names the section is an auditable binary gone bad;
    // other broken executables are not ours to report.
    if (bytes.find(kSection) != std::string_view::npos)
      diags.push_back(make_warning(path, 0, "cargo-auditable data: " + f.error().message));
    return {};
  }
  const elf::Section* s = f->find_section(kSection);
  if (!s) return {};
  auto data = f->section_data(*s);
  if (!data) {
    diags.push_back(make_warning(path, 0, "cargo-auditable data: section .dep-v0 lies outside the file (truncated?)"));
    return {};
  }
  return parse_cargo_auditable_data(*data, path, diags);
}

namespace {

class RustBinaryAnalyzer : public elf::ExecutableAnalyzer {
 public:
  std::string_view name() const override { return "rust-binary"; }
  int version() const override { return 1; }

 protected:
  void analyze_bytes(std::string_view bytes, const std::string& path, FileResult& out) const override {
    out.packages = parse_rust_binary(bytes, path, out.diagnostics);
    if (!out.packages.empty()) out.application_type = "rust-binary";
  }
};

}  // namespace

std::unique_ptr<Analyzer> make_rust_binary_analyzer() { return std::make_unique<RustBinaryAnalyzer>(); }

}  // namespace bulwark::catalog
