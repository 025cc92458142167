#include "catalog/lang/analyzers.hpp"

namespace bulwark::catalog {

// The one list of language analyzers: a new ecosystem is one file and one line here.
void register_language_analyzers(AnalyzerRegistry& registry) {
  registry.add(make_npm_installed_analyzer());
  registry.add(make_go_mod_analyzer());
  registry.add(make_go_binary_analyzer());
  registry.add(make_cargo_lock_analyzer());
  registry.add(make_rust_binary_analyzer());
}

}  // namespace bulwark::catalog
