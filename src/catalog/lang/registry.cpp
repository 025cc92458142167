#include "catalog/lang/analyzers.hpp"

namespace bulwark::catalog {

// The one list of language analyzers: a new ecosystem is one file and one line here.
void register_language_analyzers(AnalyzerRegistry& registry) {
  registry.add(make_npm_installed_analyzer());
  registry.add(make_npm_lock_analyzer());
  registry.add(make_yarn_lock_analyzer());
  registry.add(make_pnpm_lock_analyzer());
}

}  // namespace bulwark::catalog
