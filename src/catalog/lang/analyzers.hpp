// Internal header of catalog/lang: the analyzer factories registry.cpp lists.
#pragma once

#include <memory>

#include "catalog/lang/lang.hpp"

namespace bulwark::catalog {

std::unique_ptr<Analyzer> make_npm_installed_analyzer();

// Go and Rust
std::unique_ptr<Analyzer> make_go_mod_analyzer();
std::unique_ptr<Analyzer> make_go_binary_analyzer();
std::unique_ptr<Analyzer> make_cargo_lock_analyzer();
std::unique_ptr<Analyzer> make_rust_binary_analyzer();

}  // namespace bulwark::catalog
