// Arbitrary bytes as an executable that may carry Go build info (ELF of any
// class and byte order): packages with consistent ids, or nothing; warnings
// naming the file; never a read outside the bytes, a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "catalog/lang/lang.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  const std::string path = "usr/bin/app";
  auto info = bulwark::catalog::parse_go_binary(bytes, path, diags);
  if (info) {
    if (info->go_version.empty()) __builtin_trap();
    std::set<std::string> ids;
    for (const auto& p : info->packages) {
      if (p.ecosystem != "golang" || p.id != bulwark::make_package_id(p)) __builtin_trap();
      if (!ids.insert(p.id).second) __builtin_trap();
    }
  }
  for (const auto& d : diags)
    if (d.location.path != path) __builtin_trap();
  return 0;
}
