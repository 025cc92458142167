// Arbitrary bytes as os-release and as the one line of each distribution
// release file: detect_os must return an OS or nothing, never crash or hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/os/os.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using bulwark::catalog::detect_os;
  std::string text(reinterpret_cast<const char*>(data), size);
  auto check = [](const std::optional<bulwark::OsInfo>& os) {
    if (os && os->family.empty()) __builtin_trap();  // an OS always has a family
  };
  check(detect_os({{"etc/os-release", text}}));
  check(detect_os({{"usr/lib/os-release", text}, {"etc/debian_version", text}}));
  check(detect_os({{"etc/lsb-release", text}, {"etc/debian_version", "12.5\n"}}));
  for (const char* path : {"etc/redhat-release", "etc/centos-release", "etc/system-release", "etc/alpine-release",
                           "etc/photon-release", "etc/mariner-release", "etc/SuSE-release"}) {
    check(detect_os({{path, text}}));
    check(detect_os({{"etc/os-release", "ID=centos\nVERSION_ID=7\n"}, {path, text}}));
  }
  return 0;
}
