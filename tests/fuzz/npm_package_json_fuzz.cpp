// Arbitrary bytes as an installed npm package.json: a package with a name and
// a version, or a diagnostic naming the file, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/lang/lang.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  const std::string path = "node_modules/x/package.json";
  auto pkg = bulwark::catalog::parse_npm_package_json(text, path, diags);
  if (pkg && (pkg->name.empty() || pkg->version.empty() || pkg->ecosystem != "npm")) __builtin_trap();
  if (!pkg && (diags.empty() || diags.back().location.path != path)) __builtin_trap();
  return 0;
}
