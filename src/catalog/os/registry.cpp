#include "catalog/os/os.hpp"

namespace bulwark::catalog {

// The one list of OS analyzers: a new cataloger is one file and one line here.
void register_os_analyzers(AnalyzerRegistry& registry) {
  (void)registry;
}

}  // namespace bulwark::catalog
