// Arbitrary bytes as an ignore file, in both forms: rules or an error naming
// the file, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "enrich/enrich.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const char* name : {"ignore.yaml", ".trivyignore"}) {
    auto r = bulwark::enrich::parse_ignore_file(text, name);
    if (r) {
      for (const auto& rule : *r)
        if (rule.id.empty()) __builtin_trap();
    } else if (r.error().where.find(name) == std::string::npos) {
      __builtin_trap();
    }
  }
  return 0;
}
