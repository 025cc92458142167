// Arbitrary bytes as a NuGet packages.config (XML through expat): packages
// with ids and versions, warnings naming the file, no entity expansion, never
// a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/lang/lang.hpp"
#include "package_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  const std::string path = "Web/packages.config";
  auto pkgs = bulwark::catalog::parse_packages_config(text, path, diags);
  bulwark::fuzz::check_packages(pkgs, diags, path, "nuget");
  return 0;
}
