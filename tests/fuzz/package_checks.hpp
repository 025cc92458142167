// What the language parsers whose packages always have a version (Python,
// Rust, Ruby, PHP, .NET) promise on any input, checked by their fuzz targets:
// packages of the ecosystem, complete and identified, one per id, edges stay
// inside the file and never point at the package itself, diagnostics name
// the file.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/core.hpp"

namespace bulwark::fuzz {

inline void check_packages(const std::vector<Package>& pkgs, const std::vector<Diagnostic>& diags,
                           const std::string& path, const char* ecosystem) {
  std::set<std::string> ids;
  for (const auto& p : pkgs) {
    if (p.name.empty() || p.version.empty() || p.ecosystem != ecosystem) __builtin_trap();
    if (p.id != make_package_id(p) || p.location.path != path) __builtin_trap();
    if (!ids.insert(p.id).second) __builtin_trap();  // one package per id
  }
  for (const auto& p : pkgs)
    for (const auto& d : p.depends_on)
      if (d == p.id || !ids.count(d)) __builtin_trap();
  for (const auto& d : diags)
    if (d.location.path != path || d.location.line < 0) __builtin_trap();
}

}  // namespace bulwark::fuzz
