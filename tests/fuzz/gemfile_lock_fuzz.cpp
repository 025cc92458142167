// Arbitrary bytes as a Bundler Gemfile.lock: gems with names and versions, or
// warnings naming the file, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/lang/lang.hpp"
#include "package_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  std::map<std::string, std::string> facts;
  const std::string path = "app/Gemfile.lock";
  auto pkgs = bulwark::catalog::parse_gemfile_lock(text, path, diags, &facts);
  bulwark::fuzz::check_packages(pkgs, diags, path, "gem");
  return 0;
}
