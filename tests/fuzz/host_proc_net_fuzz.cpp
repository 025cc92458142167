// Arbitrary bytes as proc/net/{tcp,tcp6,udp,udp6} (the first byte picks the
// table): listening sockets with a printable address, or diagnostics naming
// the file, never a crash.
#include <arpa/inet.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "host/host.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* kProtos[] = {"tcp", "tcp6", "udp", "udp6"};
  const std::string proto = kProtos[data[0] % 4];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::string path = "proc/net/" + proto;
  std::vector<bulwark::Diagnostic> diags;
  auto socks = bulwark::host::parse_proc_net(text, proto, path, diags);
  for (const auto& s : socks) {
    unsigned char buf[16];
    int family = proto.back() == '6' ? AF_INET6 : AF_INET;
    if (s.protocol != proto || inet_pton(family, s.address.c_str(), buf) != 1 || !s.pids.empty()) __builtin_trap();
  }
  for (const auto& d : diags)
    if (d.location.path != path) __builtin_trap();
  return 0;
}
