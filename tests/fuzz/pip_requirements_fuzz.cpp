// Arbitrary bytes as a pip requirements file: well-formed packages (see
// package_checks.hpp) and diagnostics naming the file, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/lang/lang.hpp"
#include "package_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  const std::string path = "app/requirements.txt";
  auto pkgs = bulwark::catalog::parse_requirements_txt(text, path, diags);
  bulwark::fuzz::check_packages(pkgs, diags, path, "pypi");
  return 0;
}
