// Arbitrary bytes as a go.mod file: Go module packages with consistent ids and
// edges, warnings naming the file, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "catalog/lang/lang.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  const std::string path = "src/go.mod";
  auto pkgs = bulwark::catalog::parse_go_mod(text, path, diags);
  std::set<std::string> ids;
  for (const auto& p : pkgs) {
    if (p.ecosystem != "golang" || p.name.empty() || p.id != bulwark::make_package_id(p)) __builtin_trap();
    if (!ids.insert(p.id).second) __builtin_trap();  // ids are unique within the file
  }
  for (const auto& p : pkgs)
    for (const auto& d : p.depends_on)
      if (!ids.count(d)) __builtin_trap();
  for (const auto& d : diags)
    if (d.location.path != path || d.location.line < 1) __builtin_trap();
  return 0;
}
