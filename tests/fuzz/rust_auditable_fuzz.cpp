// Arbitrary bytes both as an executable with a cargo-auditable section and as
// the section's contents (zlib-compressed JSON): well-formed crates (see
// package_checks.hpp), warnings naming the file, decompression within its
// limits, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/lang/lang.hpp"
#include "package_checks.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const std::string path = "usr/bin/app";
  std::vector<bulwark::Diagnostic> diags;
  auto pkgs = bulwark::catalog::parse_rust_binary(bytes, path, diags);
  bulwark::fuzz::check_packages(pkgs, diags, path, "cargo");
  diags.clear();
  pkgs = bulwark::catalog::parse_cargo_auditable_data(bytes, path, diags);
  bulwark::fuzz::check_packages(pkgs, diags, path, "cargo");
  return 0;
}
