// Internal header of catalog/lang: the analyzer factories registry.cpp lists.
#pragma once

#include <memory>

#include "catalog/lang/lang.hpp"

namespace bulwark::catalog {

std::unique_ptr<Analyzer> make_npm_installed_analyzer();
std::unique_ptr<Analyzer> make_npm_lock_analyzer();
std::unique_ptr<Analyzer> make_yarn_lock_analyzer();
std::unique_ptr<Analyzer> make_pnpm_lock_analyzer();

}  // namespace bulwark::catalog
