// Arbitrary bytes as an apk installed database: packages or diagnostics, never
// a crash; dependency edges point at packages of the result.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "catalog/os/os.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  auto pkgs = bulwark::catalog::parse_apk_installed(text, "lib/apk/db/installed", diags);
  std::set<std::string> ids;
  for (const auto& p : pkgs) {
    if (p.name.empty() || p.version.empty()) __builtin_trap();
    ids.insert(p.id);
  }
  for (const auto& p : pkgs)
    for (const auto& d : p.depends_on)
      if (!ids.count(d)) __builtin_trap();
  return 0;
}
