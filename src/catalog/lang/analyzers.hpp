// Internal header of catalog/lang: the analyzer factories registry.cpp lists.
#pragma once

#include <memory>

#include "catalog/lang/lang.hpp"

namespace bulwark::catalog {

std::unique_ptr<Analyzer> make_npm_installed_analyzer();
std::unique_ptr<Analyzer> make_npm_lock_analyzer();
std::unique_ptr<Analyzer> make_yarn_lock_analyzer();
std::unique_ptr<Analyzer> make_pnpm_lock_analyzer();

// Java
std::unique_ptr<Analyzer> make_java_archive_analyzer();
std::unique_ptr<Analyzer> make_maven_pom_analyzer();
std::unique_ptr<Analyzer> make_gradle_lock_analyzer();
// Python (docs/lang/python.md).
std::unique_ptr<Analyzer> make_python_dist_analyzer();
std::unique_ptr<Analyzer> make_pip_requirements_analyzer();
std::unique_ptr<Analyzer> make_pipfile_lock_analyzer();
std::unique_ptr<Analyzer> make_poetry_lock_analyzer();
std::unique_ptr<Analyzer> make_uv_lock_analyzer();
// Go and Rust
std::unique_ptr<Analyzer> make_go_mod_analyzer();
std::unique_ptr<Analyzer> make_go_binary_analyzer();
std::unique_ptr<Analyzer> make_cargo_lock_analyzer();
std::unique_ptr<Analyzer> make_rust_binary_analyzer();
// Ruby, PHP and .NET.
std::unique_ptr<Analyzer> make_gemfile_lock_analyzer();
std::unique_ptr<Analyzer> make_gemspec_analyzer();
std::unique_ptr<Analyzer> make_composer_lock_analyzer();
std::unique_ptr<Analyzer> make_composer_installed_analyzer();
std::unique_ptr<Analyzer> make_nuget_lock_analyzer();
std::unique_ptr<Analyzer> make_dotnet_deps_analyzer();
std::unique_ptr<Analyzer> make_packages_config_analyzer();

}  // namespace bulwark::catalog
