// npm versions and ranges as node-semver reads them: SemVer 2.0 with a loose
// leading 'v' or '=', surrounding spaces and leading zeros tolerated; ranges
// with ^ ~ x/X/* partial versions, hyphen ranges, space-separated ANDs and
// "||" ORs. A prerelease version is only in a comparator set that names a
// prerelease of the same MAJOR.MINOR.PATCH (node-semver's default).
#include "version/scheme.hpp"

namespace bulwark::version::detail {
namespace {

const SemverOptions kNpm{"npm", true, false, true, false, false};

Result<ParsedPtr> parse(std::string_view text) {
  auto p = parse_semver(text, kNpm);
  if (!p) return p.error();
  return ParsedPtr(*p);
}

Result<RangePtr> range(std::string_view text) {
  NodeRangeOptions o;
  o.version = kNpm;
  return parse_node_range(text, o);
}

}  // namespace

SchemeDef npm_scheme() { return {Scheme::kNpm, "npm", {"node", "nodejs", "yarn", "pnpm"}, parse, range}; }

}  // namespace bulwark::version::detail
