#include "catalog/os/analyzers.hpp"

#include <algorithm>
#include <cstdint>
#include <map>

namespace bulwark::catalog {

// The one list of OS analyzers: a new cataloger is one file and one line here.
void register_os_analyzers(AnalyzerRegistry& registry) {
  registry.add(make_os_release_analyzer());
  registry.add(make_dpkg_analyzer());
  registry.add(make_apk_analyzer());
  registry.add(make_rpm_analyzer());
}

void resolve_dependencies(std::vector<Package>& packages,
                          const std::vector<std::vector<std::string>>& wanted_names,
                          const std::vector<std::vector<std::string>>& provided_names) {
  // Every name a package answers to -> the packages answering to it: real
  // package names first, then what packages provide, so that a package named
  // "awk" would win over one that only provides "awk".
  std::map<std::string, std::vector<size_t>> by_name;
  for (size_t i = 0; i < packages.size(); ++i) {
    if (packages[i].id.empty()) packages[i].id = make_package_id(packages[i]);
    by_name[packages[i].name].push_back(i);
  }
  for (size_t i = 0; i < packages.size() && i < provided_names.size(); ++i)
    for (const auto& n : provided_names[i]) {
      auto& v = by_name[n];
      if (std::find(v.begin(), v.end(), i) == v.end()) v.push_back(i);
    }
  auto arch_neutral = [](const std::string& a) { return a == "all" || a == "noarch"; };
  for (size_t i = 0; i < packages.size() && i < wanted_names.size(); ++i) {
    std::vector<std::string> deps;
    for (const auto& n : wanted_names[i]) {
      auto it = by_name.find(n);
      if (it == by_name.end()) continue;
      // With several architectures installed (dpkg multiarch, rpm multilib), a
      // dependency is met by the package of the same architecture, then by an
      // architecture-independent one, then by whichever comes first.
      const std::vector<size_t>& cands = it->second;
      size_t pick = SIZE_MAX;
      for (size_t c : cands)
        if (packages[c].arch == packages[i].arch) {
          pick = c;
          break;
        }
      if (pick == SIZE_MAX)
        for (size_t c : cands)
          if (arch_neutral(packages[c].arch)) {
            pick = c;
            break;
          }
      if (pick == SIZE_MAX) pick = cands.front();
      // A package meeting its own requirement is no edge; neither is a second
      // record of the same package (same id), which a damaged database can hold.
      const std::string& id = packages[pick].id;
      if (pick == i || id == packages[i].id) continue;
      if (std::find(deps.begin(), deps.end(), id) == deps.end()) deps.push_back(id);
    }
    std::sort(deps.begin(), deps.end());
    packages[i].depends_on = std::move(deps);
  }
}

}  // namespace bulwark::catalog
