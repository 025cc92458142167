// Arbitrary bytes as installed package metadata (METADATA / PKG-INFO) and as
// an egg-info requires.txt: a package with a one-line name and version, or a
// diagnostic naming the file; dependency names are PEP 503 normalised.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/lang/lang.hpp"
#include "package_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  std::vector<std::string> deps;
  const std::string path = "site-packages/x-1.0.dist-info/METADATA";
  auto pkg = bulwark::catalog::parse_python_metadata(text, path, diags, &deps);
  if (pkg) {
    if (pkg->name.find('\n') != std::string::npos || pkg->version.find('\n') != std::string::npos) __builtin_trap();
    bulwark::fuzz::check_packages({*pkg}, diags, path, "pypi");
  } else if (diags.empty()) {
    __builtin_trap();
  }
  for (const auto& lists : {deps, bulwark::catalog::parse_egg_requires(text)})
    for (const auto& d : lists)
      if (d.empty() || d != bulwark::catalog::pep503_normalize(d)) __builtin_trap();
  return 0;
}
