// Fuzz target: the three Debian security tracker importers (the JSON export,
// the data/*/list text files, vuln-list-debian's annotation JSON) over the
// same arbitrary bytes. Every accepted advisory must name a Debian release and
// a known status.
#include <cstddef>
#include <cstdint>
#include <string>

#include "vulndb/importers/importers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bulwark::vulndb;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto import : {feeds::import_debian_tracker, feeds::import_debian_lists, feeds::import_debian_annotations}) {
    Dataset dataset;
    ImportSummary summary;
    ImportContext ctx(dataset, summary);
    import(text, "fuzz", ctx);
    for (const auto& a : dataset.advisories)
      for (const auto& af : a.affected) {
        if (af.ecosystem != "Debian" || af.package.empty()) __builtin_trap();
        if (af.status != "fixed" && af.status != "unfixed" && af.status != "will_not_fix" &&
            af.status != "end_of_life" && af.status != "not_affected")
          __builtin_trap();
      }
  }
  return 0;
}
