// Go module versions (golang.org/ref/mod#versions): SemVer with a 'v' prefix
// ("v1.2.3"), "+incompatible" build metadata (ignored in ordering), and
// pseudo-versions such as v0.0.0-20210101000000-abcdef123456 or
// v1.2.4-0.20210101000000-abcdef123456, which are SemVer prereleases and order
// by the SemVer rules. OSV writes Go versions without the 'v', so it is
// optional here; "v1" and "v1.2" are shorthands for v1.0.0 and v1.2.0 as in
// golang.org/x/mod/semver. Ranges use the comparator syntax (">=1.2.0, <1.4.0").
#include "version/scheme.hpp"

namespace bulwark::version::detail {
namespace {

const SemverOptions kGo{"go", true, false, false, true, false};

Result<ParsedPtr> parse(std::string_view text) {
  auto p = parse_semver(text, kGo);
  if (!p) return p.error();
  if (!(*p)->build.empty() && (*p)->build != "incompatible")
    return invalid_version("go", text, "the only build metadata Go allows is '+incompatible'");
  return ParsedPtr(*p);
}

Result<RangePtr> range(std::string_view text) {
  NodeRangeOptions o;
  o.version = kGo;
  o.commas_and = true;
  o.prerelease_rule = false;
  return parse_node_range(text, o);
}

}  // namespace

SchemeDef go_scheme() { return {Scheme::kGo, "go", {"golang", "go"}, parse, range}; }

}  // namespace bulwark::version::detail
