// Arbitrary bytes both as an executable with a cargo-auditable section and as
// the section's contents (zlib-compressed JSON): crates with consistent ids
// and edges, warnings naming the file, decompression within its limits,
// never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "catalog/lang/lang.hpp"

namespace {

void check(const std::vector<bulwark::Package>& pkgs, const std::vector<bulwark::Diagnostic>& diags,
           const std::string& path) {
  std::set<std::string> ids;
  for (const auto& p : pkgs) {
    if (p.ecosystem != "cargo" || p.name.empty() || p.version.empty() || p.id != bulwark::make_package_id(p))
      __builtin_trap();
    if (!ids.insert(p.id).second) __builtin_trap();
  }
  for (const auto& p : pkgs)
    for (const auto& d : p.depends_on)
      if (!ids.count(d) || d == p.id) __builtin_trap();
  for (const auto& d : diags)
    if (d.location.path != path) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string path = "usr/bin/app";
  std::vector<bulwark::Diagnostic> diags;
  check(bulwark::catalog::parse_rust_binary(bytes, path, diags), diags, path);
  diags.clear();
  check(bulwark::catalog::parse_cargo_auditable_data(bytes, path, diags), diags, path);
  return 0;
}
