// Arbitrary bytes as a dpkg status file and as a distroless status.d file:
// packages or diagnostics, never a crash; every package has a name and version
// and every dependency edge points at a package of the result.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "catalog/os/os.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const char* path : {"var/lib/dpkg/status", "var/lib/dpkg/status.d/x"}) {
    std::vector<bulwark::Diagnostic> diags;
    auto pkgs = bulwark::catalog::parse_dpkg_status(text, path, diags);
    std::set<std::string> ids;
    for (const auto& p : pkgs) {
      if (p.name.empty() || p.version.empty()) __builtin_trap();
      ids.insert(p.id);
    }
    for (const auto& p : pkgs)
      for (const auto& d : p.depends_on)
        if (!ids.count(d) || d == p.id) __builtin_trap();
    for (const auto& d : diags)
      if (d.location.path != path || d.location.line <= 0) __builtin_trap();
  }
  return 0;
}
