#include "catalog/os/analyzers.hpp"

#include <algorithm>
#include <map>

namespace bulwark::catalog {

// The one list of OS analyzers: a new cataloger is one file and one line here.
void register_os_analyzers(AnalyzerRegistry& registry) {
  registry.add(make_os_release_analyzer());
  registry.add(make_dpkg_analyzer());
  registry.add(make_apk_analyzer());
  registry.add(make_rpm_analyzer());
}

Diagnostic make_warning(const std::string& path, int line, std::string message) {
  Diagnostic d;
  d.message = std::move(message);
  d.location.path = path;
  d.location.line = line;
  return d;
}

void resolve_dependencies(std::vector<Package>& packages,
                          const std::vector<std::vector<std::string>>& wanted_names,
                          const std::vector<std::vector<std::string>>& provided_names) {
  std::map<std::string, std::string> by_name;
  for (size_t i = 0; i < packages.size(); ++i) {
    if (packages[i].id.empty()) packages[i].id = make_package_id(packages[i]);
    by_name.emplace(packages[i].name, packages[i].id);
  }
  for (size_t i = 0; i < packages.size() && i < provided_names.size(); ++i)
    for (const auto& n : provided_names[i]) by_name.emplace(n, packages[i].id);
  for (size_t i = 0; i < packages.size() && i < wanted_names.size(); ++i) {
    std::vector<std::string> deps;
    for (const auto& n : wanted_names[i]) {
      auto it = by_name.find(n);
      if (it == by_name.end() || it->second == packages[i].id) continue;
      if (std::find(deps.begin(), deps.end(), it->second) == deps.end()) deps.push_back(it->second);
    }
    std::sort(deps.begin(), deps.end());
    packages[i].depends_on = std::move(deps);
  }
}

}  // namespace bulwark::catalog
