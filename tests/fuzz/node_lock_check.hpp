// What every JavaScript lockfile parser promises whatever its input: npm
// packages with names and ids, ids unique, edges only to packages of the same
// file and never to themselves, diagnostics that name the file.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/core.hpp"

namespace bulwark::fuzz {

inline void check_lockfile_result(const std::vector<Package>& pkgs, const std::vector<Diagnostic>& diags,
                                  const std::string& path) {
  std::set<std::string> ids;
  for (const auto& p : pkgs) {
    if (p.ecosystem != "npm" || p.name.empty() || p.id != make_package_id(p) || p.location.path != path)
      __builtin_trap();
    if (!ids.insert(p.id).second) __builtin_trap();
  }
  for (const auto& p : pkgs)
    for (const auto& d : p.depends_on)
      if (d == p.id || !ids.count(d)) __builtin_trap();
  for (const auto& d : diags)
    if (d.location.path != path || d.message.empty()) __builtin_trap();
}

}  // namespace bulwark::fuzz
