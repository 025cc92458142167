// Arbitrary bytes as an installed gem specification: a gem with a name and a
// version, or a warning naming the file, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/lang/lang.hpp"
#include "package_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  const std::string path = "usr/lib/ruby/gems/3.1.0/specifications/x-1.0.gemspec";
  auto pkg = bulwark::catalog::parse_gemspec(text, path, diags);
  std::vector<bulwark::Package> pkgs;
  if (pkg) pkgs.push_back(*pkg);
  else if (diags.empty()) __builtin_trap();  // nothing read must say why
  bulwark::fuzz::check_packages(pkgs, diags, path, "gem");
  return 0;
}
