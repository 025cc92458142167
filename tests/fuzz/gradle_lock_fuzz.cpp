// Arbitrary bytes as a gradle.lockfile: group:artifact packages with a
// version, or warnings with the file's path and a line number.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/lang/lang.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  for (const std::string path : {"gradle.lockfile", "gradle/dependency-locks/testCompileClasspath.lockfile"}) {
    auto pkgs = bulwark::catalog::parse_gradle_lockfile(text, path, diags);
    for (const auto& p : pkgs)
      if (p.version.empty() || p.name.find(':') == std::string::npos || p.location.line <= 0) __builtin_trap();
    for (const auto& d : diags)
      if (d.location.line <= 0) __builtin_trap();
    diags.clear();
  }
  return 0;
}
