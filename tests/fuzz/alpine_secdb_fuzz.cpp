// Fuzz target: the Alpine secdb importer (JSON and YAML forms, secfixes lines, apk version keys) over arbitrary bytes, then the database writer over
// whatever it accepted, so that every accepted record can also be stored.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "vulndb/vulndb.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  bulwark::vulndb::Dataset dataset;
  bulwark::vulndb::ImportSummary summary;
  bulwark::vulndb::ImportContext ctx(dataset, summary);
  bulwark::vulndb::import_alpine_secdb_document(text, "fuzz/v3.18/main.json", ctx);
  if (!dataset.advisories.empty()) {
    std::string path = "/tmp/alpine_secdb_fuzz-" + std::to_string(::getpid()) + ".db";
    auto w = bulwark::vulndb::write_database(path, dataset);
    (void)w.ok();
    ::unlink(path.c_str());
  }
  return 0;
}
