// Fuzz target: version parsing, comparison and range parsing for every
// scheme over arbitrary bytes. The first byte picks the scheme; the rest is
// split at the first two newlines into A, B and a range. Checks invariants:
// compare is antisymmetric and reflexive, and range evaluation never crashes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "version/version.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bulwark::version;
  if (size == 0) return 0;
  const auto& schemes = all_schemes();
  Scheme s = schemes[data[0] % schemes.size()];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t n1 = rest.find('\n');
  std::string_view a = rest.substr(0, n1);
  std::string_view tail = n1 == std::string_view::npos ? std::string_view() : rest.substr(n1 + 1);
  size_t n2 = tail.find('\n');
  std::string_view b = tail.substr(0, n2);
  std::string_view range = n2 == std::string_view::npos ? std::string_view() : tail.substr(n2 + 1);

  auto va = parse(s, a);
  auto vb = parse(s, b);
  if (va.ok()) {
    if (*va->compare(*va) != 0) std::abort();
    (void)va->is_prerelease();
  }
  if (va.ok() && vb.ok()) {
    int ab = *va->compare(*vb), ba = *vb->compare(*va);
    if (ab != -ba) std::abort();
  }
  auto r = parse_range(s, range);
  if (r.ok()) {
    if (va.ok()) (void)r->contains(*va);
    if (vb.ok()) (void)r->contains(*vb);
  }
  std::vector<Event> events = {{EventKind::kIntroduced, std::string(a)}, {EventKind::kFixed, std::string(b)}};
  auto o = parse_osv_range(s, events);
  if (o.ok() && va.ok()) (void)o->contains(*va);
  return 0;
}
