#include "catalog/lang/analyzers.hpp"

namespace bulwark::catalog {

// The one list of language analyzers: a new ecosystem is one file and one line here.
void register_language_analyzers(AnalyzerRegistry& registry) {
  registry.add(make_npm_installed_analyzer());
  // Ruby, PHP and .NET.
  registry.add(make_gemfile_lock_analyzer());
  registry.add(make_gemspec_analyzer());
  registry.add(make_composer_lock_analyzer());
  registry.add(make_composer_installed_analyzer());
  registry.add(make_nuget_lock_analyzer());
  registry.add(make_dotnet_deps_analyzer());
  registry.add(make_packages_config_analyzer());
}

}  // namespace bulwark::catalog
