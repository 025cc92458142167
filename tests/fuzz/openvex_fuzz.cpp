// Arbitrary bytes as an OpenVEX document: statements with a vulnerability and
// a known status, or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "enrich/enrich.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = bulwark::enrich::parse_openvex(text, "vex.json");
  if (r)
    for (const auto& s : *r)
      if (s.vulnerabilities.empty() || s.status.empty()) __builtin_trap();
  return 0;
}
