// Arbitrary bytes as proc/modules: modules with a name and numbers, or a
// diagnostic naming the file and line, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "host/host.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  auto mods = bulwark::host::parse_proc_modules(text, "proc/modules", diags);
  for (const auto& m : mods)
    if (m.name.empty() || m.name.find_first_of(" \t\n") != std::string::npos || m.state.empty()) __builtin_trap();
  for (const auto& d : diags)
    if (d.location.path != "proc/modules") __builtin_trap();
  return 0;
}
