// Fuzz target: read_sbom over arbitrary bytes (CycloneDX/SPDX JSON), then the
// writers over whatever it read, so that a document that parses can also be
// written again without a crash.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "report/report.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto report = bulwark::report::read_sbom(text, "fuzz.json");
  if (!report.ok()) {
    (void)report.error().describe();
    return 0;
  }
  for (const auto& format : bulwark::report::formats()) {
    std::ostringstream out;
    (void)bulwark::report::write_report(*report, format, {}, out);
  }
  return 0;
}
