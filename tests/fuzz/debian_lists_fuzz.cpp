// Fuzz target: the Debian tracker data/{CVE,DSA,DLA}/list reader over arbitrary bytes, through the
// registered importer, then the database writer over whatever it accepted.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "vulndb/vulndb.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bulwark::vulndb::Importer* importer = bulwark::vulndb::find_importer("debian-tracker-lists");
  if (!importer) return 0;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  bulwark::vulndb::Dataset dataset;
  bulwark::vulndb::ImportSummary summary;
  bulwark::vulndb::ImportContext ctx(dataset, summary);
  importer->import(text, "list", ctx);
  if (!dataset.advisories.empty()) {
    std::string path = "/tmp/debian_lists_fuzz-" + std::to_string(::getpid()) + ".db";
    auto w = bulwark::vulndb::write_database(path, dataset);
    (void)w.ok();
    ::unlink(path.c_str());
  }
  return 0;
}
