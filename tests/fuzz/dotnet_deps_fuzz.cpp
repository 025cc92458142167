// Arbitrary bytes as a .NET <App>.deps.json: packages (at most one root),
// edges inside the file, warnings naming it, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/lang/lang.hpp"
#include "package_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  const std::string path = "app/App.deps.json";
  auto pkgs = bulwark::catalog::parse_dotnet_deps(text, path, diags);
  bulwark::fuzz::check_packages(pkgs, diags, path, "nuget");
  int roots = 0;
  for (const auto& p : pkgs) roots += p.relationship == bulwark::Relationship::kRoot;
  if (roots > 1) __builtin_trap();
  return 0;
}
