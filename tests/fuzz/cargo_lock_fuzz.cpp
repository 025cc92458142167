// Arbitrary bytes as a Cargo.lock: well-formed crates (see package_checks.hpp)
// and warnings naming the file, never a crash or a hang (toml++ errors are
// caught).
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/lang/lang.hpp"
#include "package_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  const std::string path = "Cargo.lock";
  auto pkgs = bulwark::catalog::parse_cargo_lock(text, path, diags);
  bulwark::fuzz::check_packages(pkgs, diags, path, "cargo");
  return 0;
}
