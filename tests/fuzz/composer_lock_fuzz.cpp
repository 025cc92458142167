// Arbitrary bytes as Composer's files: the same text read as composer.lock,
// as vendor/composer/installed.json and as composer.json; packages are
// complete, edges stay in the file, problems are warnings, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/lang/lang.hpp"
#include "package_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  {
    std::vector<bulwark::Diagnostic> diags;
    const std::string path = "app/composer.lock";
    auto pkgs = bulwark::catalog::parse_composer_lock(text, path, diags);
    std::vector<bulwark::Diagnostic> manifest_diags;
    if (auto m = bulwark::catalog::parse_composer_json(text, path, manifest_diags))
      bulwark::catalog::apply_composer_manifest(pkgs, *m);
    else if (manifest_diags.empty()) __builtin_trap();
    bulwark::fuzz::check_packages(pkgs, diags, path, "composer");
  }
  {
    std::vector<bulwark::Diagnostic> diags;
    const std::string path = "app/vendor/composer/installed.json";
    auto pkgs = bulwark::catalog::parse_composer_installed(text, path, diags);
    bulwark::fuzz::check_packages(pkgs, diags, path, "composer");
  }
  return 0;
}
