// NuGet versions: Major.Minor[.Patch[.Revision]][-prerelease][+metadata]
// (numbers may have leading zeros; a missing part is 0, so 1.0 == 1.0.0.0),
// SemVer 2.0 prerelease precedence with labels compared case-insensitively,
// metadata ignored. Ranges: "1.0" means at least 1.0, "[1.0]" exactly 1.0,
// intervals "[1.0,2.0)", "(,1.0]", "(1.0,)".
#include "version/scheme.hpp"

namespace bulwark::version::detail {
namespace {

Result<ParsedPtr> parse(std::string_view text) {
  auto bad = [&](std::string_view why) { return invalid_version("nuget", text, why); };
  std::string_view s = trim(text);
  if (s.empty()) return bad("empty version");
  auto v = std::make_shared<SemverParsed>();
  v->text = std::string(text);
  v->case_insensitive = true;
  if (auto plus = s.find('+'); plus != std::string_view::npos) {
    v->build = std::string(s.substr(plus + 1));
    s = s.substr(0, plus);
    if (v->build.empty()) return bad("empty metadata after '+'");
    for (char c : v->build)
      if (!is_alnum(c) && c != '-' && c != '.') return bad(std::string("character '") + c + "' in metadata");
  }
  if (auto dash = s.find('-'); dash != std::string_view::npos) {
    std::string_view pre = s.substr(dash + 1);
    s = s.substr(0, dash);
    if (pre.empty()) return bad("empty prerelease after '-'");
    for (auto id : split(pre, ".")) {
      if (id.empty()) return bad("empty prerelease label");
      for (char c : id)
        if (!is_alnum(c) && c != '-') return bad(std::string("character '") + c + "' in prerelease");
      v->pre.emplace_back(id);
    }
  }
  auto parts = split(s, ".");
  if (parts.size() > 4) return bad("more than four numbers");
  for (auto p : parts) {
    if (!all_digits(p)) return bad("'" + std::string(p) + "' is not a number");
    v->nums.emplace_back(strip_zeros(p));
  }
  while (v->nums.size() < 4) v->nums.emplace_back("0");
  return ParsedPtr(v);
}

Result<RangePtr> range(std::string_view text) {
  std::string_view t = trim(text);
  if (t.find('*') != std::string_view::npos)
    return invalid_range("nuget", text, "floating versions ('*') are not supported");
  if (!t.empty() && t[0] != '[' && t[0] != '(') {
    auto v = parse(t);
    if (!v) return v.error();
    auto impl = std::make_shared<RangeImpl>();
    impl->alternatives.push_back({{Op::kGe, *v}});
    return RangePtr(impl);
  }
  return parse_interval_range("nuget", text, parse, false);
}

}  // namespace

SchemeDef nuget_scheme() { return {Scheme::kNuGet, "nuget", {"nuget", ".net", "dotnet"}, parse, range}; }

}  // namespace bulwark::version::detail
