// Checks shared by the Python fuzz targets: whatever the input, every package
// has a name, a version and its own id, ids are unique within the file, edges
// point at packages of the same file, and every diagnostic names the file.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/core.hpp"

namespace bulwark::fuzz {

inline void check_python_packages(const std::vector<Package>& pkgs, const std::vector<Diagnostic>& diags,
                                  const std::string& path) {
  std::set<std::string> ids;
  for (const auto& p : pkgs) {
    if (p.ecosystem != "pypi" || p.name.empty() || p.version.empty() || p.id != make_package_id(p)) __builtin_trap();
    if (p.location.path != path) __builtin_trap();
    if (!ids.insert(p.id).second) __builtin_trap();
  }
  for (const auto& p : pkgs)
    for (const auto& d : p.depends_on)
      if (!ids.count(d) || d == p.id) __builtin_trap();
  for (const auto& d : diags)
    if (d.location.path != path || d.location.line < 0) __builtin_trap();
}

}  // namespace bulwark::fuzz
