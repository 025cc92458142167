// Fuzz target: parse_cvss over arbitrary bytes. A vector that parses must
// score within 0..10, and its normalized form must parse again to the same
// base score (the database stores the normalized vector), else the target
// traps. (Only v4 keeps its overall score: in v2/v3 dropping "not defined"
// metrics drops the temporal/environmental score they asked for.)
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "vulndb/cvss.hpp"

namespace {

bool in_range(double x) { return x >= 0.0 && x <= 10.0; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = bulwark::vulndb::parse_cvss(text);
  if (!r.ok()) {
    (void)r.error().describe();
    return 0;
  }
  const auto& s = *r;
  if (!in_range(s.base) || !in_range(s.score)) __builtin_trap();
  if (s.temporal && !in_range(*s.temporal)) __builtin_trap();
  if (s.environmental && !in_range(*s.environmental)) __builtin_trap();
  auto again = bulwark::vulndb::parse_cvss(s.normalized_vector);
  if (!again.ok()) __builtin_trap();
  if (again->base != s.base || (s.major == 4 && again->score != s.score) || again->major != s.major ||
      again->minor != s.minor || again->normalized_vector != s.normalized_vector)
    __builtin_trap();
  return 0;
}
