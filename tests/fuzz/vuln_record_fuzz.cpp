// Fuzz target: the details record of a vulnerability (vulnerabilities.record)
// over arbitrary bytes — a database can come from a mirror, so the record is
// input. A record that parses is written again with record::Builder; that
// text must parse, and writing it once more must give the same text, else the
// target traps.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "vulndb/record.hpp"

namespace {

std::string rebuild(const bulwark::vulndb::record::View& v) {
  bulwark::vulndb::record::Builder b;
  for (auto id : v.aliases) b.alias(id);
  for (auto id : v.advisories) b.advisory(id);
  for (const auto& s : v.severities) b.severity(s.source, s.type, s.vector, s.score, s.severity);
  for (auto c : v.cwes) b.cwe(c);
  for (const auto& r : v.references) b.reference(r.type, r.url);
  if (v.epss) b.epss(*v.epss);
  if (v.kev) b.kev(*v.kev);
  return b.json();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bulwark::vulndb;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  record::Parser parser;
  record::View view;
  if (!parser.parse(text, view).ok()) return 0;
  VulnerabilityDetails d;
  record::copy_to(view, d);
  const std::string once = rebuild(view);
  record::Parser again;
  record::View view2;
  if (!again.parse(once, view2).ok()) __builtin_trap();
  if (rebuild(view2) != once) __builtin_trap();
  return 0;
}
