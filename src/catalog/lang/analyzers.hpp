// Internal header of catalog/lang: the analyzer factories registry.cpp lists.
#pragma once

#include <memory>

#include "catalog/lang/lang.hpp"

namespace bulwark::catalog {

std::unique_ptr<Analyzer> make_npm_installed_analyzer();

// Ruby, PHP and .NET.
std::unique_ptr<Analyzer> make_gemfile_lock_analyzer();
std::unique_ptr<Analyzer> make_gemspec_analyzer();
std::unique_ptr<Analyzer> make_composer_lock_analyzer();
std::unique_ptr<Analyzer> make_composer_installed_analyzer();
std::unique_ptr<Analyzer> make_nuget_lock_analyzer();
std::unique_ptr<Analyzer> make_dotnet_deps_analyzer();
std::unique_ptr<Analyzer> make_packages_config_analyzer();

}  // namespace bulwark::catalog
