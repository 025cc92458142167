#include "catalog/lang/analyzers.hpp"

namespace bulwark::catalog {

// The one list of language analyzers: a new ecosystem is one file and one line here.
void register_language_analyzers(AnalyzerRegistry& registry) {
  registry.add(make_npm_installed_analyzer());
  registry.add(make_java_archive_analyzer());
  registry.add(make_maven_pom_analyzer());
  registry.add(make_gradle_lock_analyzer());
  registry.add(make_python_dist_analyzer());
  registry.add(make_pip_requirements_analyzer());
  registry.add(make_pipfile_lock_analyzer());
  registry.add(make_poetry_lock_analyzer());
  registry.add(make_uv_lock_analyzer());
  registry.add(make_go_mod_analyzer());
  registry.add(make_go_binary_analyzer());
  registry.add(make_cargo_lock_analyzer());
  registry.add(make_rust_binary_analyzer());
  // Ruby, PHP and .NET.
  registry.add(make_gemfile_lock_analyzer());
  registry.add(make_gemspec_analyzer());
  registry.add(make_composer_lock_analyzer());
  registry.add(make_composer_installed_analyzer());
  registry.add(make_nuget_lock_analyzer());
  registry.add(make_dotnet_deps_analyzer());
  registry.add(make_packages_config_analyzer());
  registry.add(make_npm_lock_analyzer());
  registry.add(make_yarn_lock_analyzer());
  registry.add(make_pnpm_lock_analyzer());
}

}  // namespace bulwark::catalog
