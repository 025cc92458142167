// Arbitrary bytes as a Java archive: packages with a name, or warnings naming
// the file, never a crash, a hang or unbounded memory (nested archives, zip
// bombs and corrupt entries included).
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/lang/lang.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  const std::string path = "app/app-1.0.war";
  auto pkgs = bulwark::catalog::parse_java_archive(bytes, path, diags);
  for (const auto& p : pkgs) {
    if (p.name.empty() || p.ecosystem != "maven" || p.id.empty()) __builtin_trap();
    if (p.location.path.compare(0, path.size(), path) != 0) __builtin_trap();
  }
  for (const auto& d : diags)
    if (d.location.path != path) __builtin_trap();
  return 0;
}
