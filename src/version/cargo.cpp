// crates.io versions are strict SemVer 2.0. Cargo requirements: comparators
// separated by ',', a bare version means caret ("1.2" is "^1.2"), ~ and
// wildcards as in Cargo's documentation, and a prerelease version only
// matches a requirement naming a prerelease of the same MAJOR.MINOR.PATCH.
#include "version/scheme.hpp"

namespace bulwark::version::detail {
namespace {

const SemverOptions kCargo{"cargo", false, false, false, false, false};

Result<ParsedPtr> parse(std::string_view text) {
  auto p = parse_semver(text, kCargo);
  if (!p) return p.error();
  return ParsedPtr(*p);
}

Result<RangePtr> range(std::string_view text) {
  NodeRangeOptions o;
  o.version = kCargo;
  o.bare_is_caret = true;
  o.commas_and = true;
  o.hyphen_ranges = false;
  return parse_node_range(text, o);
}

}  // namespace

SchemeDef cargo_scheme() { return {Scheme::kCargo, "cargo", {"crates.io", "crates", "rust", "rustsec"}, parse, range}; }

}  // namespace bulwark::version::detail
