// Arbitrary bytes as NuGet's packages.lock.json: packages with resolved
// versions, edges inside the file, warnings naming it, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/lang/lang.hpp"
#include "package_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  const std::string path = "src/App/packages.lock.json";
  auto pkgs = bulwark::catalog::parse_nuget_lock(text, path, diags);
  bulwark::fuzz::check_packages(pkgs, diags, path, "nuget");
  return 0;
}
