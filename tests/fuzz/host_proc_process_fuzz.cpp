// Arbitrary bytes as a process's stat, status and cmdline files: fields or
// "not parsed", never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "host/host.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  bulwark::ProcessInfo p;
  if (bulwark::host::parse_proc_stat(text, p) && (p.pid <= 0 || p.ppid < 0 || p.name.size() > 64)) __builtin_trap();
  bulwark::ProcessInfo s;
  bulwark::host::parse_proc_status(text, s);
  if (s.pid < 0 || s.ppid < 0 || s.name.size() > 64) __builtin_trap();
  auto args = bulwark::host::parse_proc_cmdline(text);
  size_t total = 0;
  for (const auto& a : args) total += a.size();
  if (args.size() > 4096 || total > size) __builtin_trap();
  return 0;
}
