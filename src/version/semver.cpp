// SemVer 2.0.0 (https://semver.org): MAJOR.MINOR.PATCH[-prerelease][+build].
// Precedence: numeric fields numerically; a prerelease sorts before its
// release; prerelease identifiers compare numerically when both are numeric,
// a numeric one before an alphanumeric one, alphanumerics by ASCII, and a
// longer list after its prefix; build metadata is ignored.
//
// Also the shared machinery of npm, cargo and go: loose parsing and the
// node-semver range grammar (^ ~ x * partial versions, hyphen ranges, ||).
#include <algorithm>

#include "version/scheme.hpp"

namespace bulwark::version::detail {

namespace {

bool numeric_id(std::string_view s) { return all_digits(s); }

int compare_ids(const std::vector<std::string>& a, const std::vector<std::string>& b, bool ci) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    bool na = numeric_id(a[i]), nb = numeric_id(b[i]);
    int c;
    if (na && nb) c = compare_digits(a[i], b[i]);
    else if (na) c = -1;
    else if (nb) c = 1;
    else c = ci ? sign(to_lower(a[i]).compare(to_lower(b[i]))) : sign(a[i].compare(b[i]));
    if (c != 0) return c;
  }
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return 0;
}

// "9" -> "10", any length.
std::string increment(std::string d) {
  d = std::string(strip_zeros(d));
  int i = static_cast<int>(d.size()) - 1;
  while (i >= 0 && d[i] == '9') d[i--] = '0';
  if (i < 0) d.insert(d.begin(), '1');
  else ++d[i];
  return d;
}

}  // namespace

int SemverParsed::compare(const Parsed& other) const {
  const auto& o = static_cast<const SemverParsed&>(other);
  size_t n = std::max(nums.size(), o.nums.size());
  for (size_t i = 0; i < n; ++i) {
    std::string_view a = i < nums.size() ? std::string_view(nums[i]) : "0";
    std::string_view b = i < o.nums.size() ? std::string_view(o.nums[i]) : "0";
    if (int c = compare_digits(a, b)) return c;
  }
  if (pre.empty() != o.pre.empty()) return pre.empty() ? 1 : -1;
  return compare_ids(pre, o.pre, case_insensitive || o.case_insensitive);
}

bool SemverParsed::same_release(const Parsed& other) const {
  const auto& o = static_cast<const SemverParsed&>(other);
  size_t n = std::max(nums.size(), o.nums.size());
  for (size_t i = 0; i < n; ++i) {
    std::string_view a = i < nums.size() ? std::string_view(nums[i]) : "0";
    std::string_view b = i < o.nums.size() ? std::string_view(o.nums[i]) : "0";
    if (compare_digits(a, b) != 0) return false;
  }
  return true;
}

Result<std::shared_ptr<SemverParsed>> parse_semver(std::string_view text, const SemverOptions& o) {
  auto bad = [&](std::string_view why) { return invalid_version(o.scheme, text, why); };
  std::string_view s = text;
  if (o.loose) {
    s = trim(s);
    if (!s.empty() && s[0] == '=') s = trim(s.substr(1));
  }
  if (s.empty()) return bad("empty version");
  if (s[0] == 'v' || s[0] == 'V') {
    if (!o.allow_v && !o.require_v) return bad("a leading 'v' is not allowed");
    s.remove_prefix(1);
  } else if (o.require_v) {
    return bad("must start with 'v'");
  }
  auto v = std::make_shared<SemverParsed>();
  v->text = std::string(text);
  v->case_insensitive = o.case_insensitive;
  size_t plus = s.find('+');
  std::string_view build;
  if (plus != std::string_view::npos) {
    build = s.substr(plus + 1);
    s = s.substr(0, plus);
    if (build.empty()) return bad("empty build metadata after '+'");
    for (auto id : split(build, ".")) {
      if (id.empty()) return bad("empty build identifier");
      for (char c : id)
        if (!is_alnum(c) && c != '-') return bad(std::string("character '") + c + "' in build metadata");
    }
    v->build = std::string(build);
  }
  size_t dash = s.find('-');
  if (dash != std::string_view::npos) {
    std::string_view pre = s.substr(dash + 1);
    s = s.substr(0, dash);
    if (pre.empty()) return bad("empty prerelease after '-'");
    for (auto id : split(pre, ".")) {
      if (id.empty()) return bad("empty prerelease identifier");
      for (char c : id)
        if (!is_alnum(c) && c != '-') return bad(std::string("character '") + c + "' in prerelease");
      if (!o.loose && all_digits(id) && id.size() > 1 && id[0] == '0')
        return bad("numeric prerelease identifier '" + std::string(id) + "' has a leading zero");
      v->pre.emplace_back(id);
    }
  }
  auto parts = split(s, ".");
  if (parts.size() > 3) return bad("more than three numeric fields");
  if (parts.size() < 3 && !o.allow_partial) return bad("expected MAJOR.MINOR.PATCH");
  for (auto p : parts) {
    if (!all_digits(p)) return bad("'" + std::string(p) + "' is not a number");
    if (!o.loose && p.size() > 1 && p[0] == '0') return bad("'" + std::string(p) + "' has a leading zero");
    v->nums.emplace_back(p);
  }
  while (v->nums.size() < 3) v->nums.emplace_back("0");
  return v;
}

namespace {

// A possibly partial version in a range: "1", "1.2", "1.x", "*", "1.2.3-beta".
struct Partial {
  int parts = 0;  // numeric fields given before the first wildcard
  std::string M = "0", m = "0", p = "0";
  std::string tail;  // "-pre+build" when all three are given
};

Result<Partial> parse_partial(std::string_view range_text, std::string_view t, const NodeRangeOptions& ro) {
  std::string_view scheme = ro.version.scheme;
  Partial out;
  std::string_view s = t;
  if (!s.empty() && s[0] == '=') s.remove_prefix(1);
  if (!s.empty() && (s[0] == 'v' || s[0] == 'V')) s.remove_prefix(1);
  size_t cut = s.find_first_of("-+");
  std::string_view main = s.substr(0, cut);
  if (cut != std::string_view::npos) out.tail = std::string(s.substr(cut));
  if (main.empty()) return invalid_range(scheme, range_text, "empty version in '" + std::string(t) + "'");
  auto fields = split(main, ".");
  if (fields.size() > 3) return invalid_range(scheme, range_text, "more than three fields in '" + std::string(t) + "'");
  std::string* slots[3] = {&out.M, &out.m, &out.p};
  bool wild = false;
  for (size_t i = 0; i < fields.size(); ++i) {
    std::string_view f = fields[i];
    if (f == "x" || f == "X" || f == "*") {
      wild = true;
      continue;
    }
    if (wild || !all_digits(f))
      return invalid_range(scheme, range_text, "bad version field '" + std::string(f) + "' in '" + std::string(t) + "'");
    *slots[i] = std::string(f);
    out.parts = static_cast<int>(i) + 1;
  }
  if (!out.tail.empty() && out.parts < 3)
    return invalid_range(scheme, range_text, "prerelease or build on a partial version '" + std::string(t) + "'");
  return out;
}

}  // namespace

Result<RangePtr> parse_node_range(std::string_view text, const NodeRangeOptions& ro) {
  std::string_view scheme = ro.version.scheme;
  auto impl = std::make_shared<RangeImpl>();
  impl->prerelease_rule = ro.prerelease_rule;

  auto make = [&](const std::string& v) -> Result<ParsedPtr> {
    SemverOptions o = ro.version;
    o.loose = true;
    o.allow_v = true;
    o.require_v = false;
    auto p = parse_semver(v, o);
    if (!p) return p.error();
    return ParsedPtr(*p);
  };
  auto full = [](const Partial& p) { return p.M + "." + p.m + "." + p.p + p.tail; };

  for (std::string_view alt : split(text, "||")) {
    std::vector<Comparator> all;
    bool nothing = false;  // an impossible comparator such as "<0.0.0" or ">*"
    auto add = [&](Op op, const std::string& v) -> Status {
      auto p = make(v);
      if (!p) return p.error();
      all.push_back({op, *p});
      return {};
    };
    // Tokens: operator plus version (a space may separate them).
    std::vector<std::pair<std::string, std::string>> toks;
    size_t i = 0;
    while (true) {
      while (i < alt.size() && (is_space(alt[i]) || (ro.commas_and && alt[i] == ','))) ++i;
      if (i >= alt.size()) break;
      size_t os = i;
      while (i < alt.size() && std::string_view("<>=~^").find(alt[i]) != std::string_view::npos) ++i;
      std::string op(alt.substr(os, i - os));
      while (i < alt.size() && is_space(alt[i])) ++i;
      size_t vs = i;
      while (i < alt.size() && !is_space(alt[i]) && !(ro.commas_and && alt[i] == ',')) ++i;
      toks.emplace_back(op, std::string(alt.substr(vs, i - vs)));
    }
    // Hyphen range "A - B".
    if (ro.hyphen_ranges && toks.size() == 3 && toks[1].first.empty() && toks[1].second == "-" &&
        toks[0].first.empty() && toks[2].first.empty()) {
      auto lo = parse_partial(text, toks[0].second, ro);
      if (!lo) return lo.error();
      auto hi = parse_partial(text, toks[2].second, ro);
      if (!hi) return hi.error();
      if (lo->parts > 0)
        if (auto s = add(Op::kGe, full(*lo)); !s) return s.error();
      if (hi->parts == 3) {
        if (auto s = add(Op::kLe, full(*hi)); !s) return s.error();
      } else if (hi->parts == 2) {
        if (auto s = add(Op::kLt, hi->M + "." + increment(hi->m) + ".0-0"); !s) return s.error();
      } else if (hi->parts == 1) {
        if (auto s = add(Op::kLt, increment(hi->M) + ".0.0-0"); !s) return s.error();
      }
      impl->alternatives.push_back(std::move(all));
      continue;
    }
    for (const auto& [op_in, vtext] : toks) {
      std::string op = op_in;
      if (vtext.empty()) return invalid_range(scheme, text, "operator '" + op + "' without a version");
      auto pp = parse_partial(text, vtext, ro);
      if (!pp) return pp.error();
      const Partial& p = *pp;
      if (op.empty() && ro.bare_is_caret) op = "^";
      if (op == "~>") op = "~";
      Status st;
      if (op.empty() || op == "=") {
        if (p.parts == 3) st = add(Op::kEq, full(p));
        else if (p.parts == 2) {
          st = add(Op::kGe, p.M + "." + p.m + ".0");
          if (st) st = add(Op::kLt, p.M + "." + increment(p.m) + ".0-0");
        } else if (p.parts == 1) {
          st = add(Op::kGe, p.M + ".0.0");
          if (st) st = add(Op::kLt, increment(p.M) + ".0.0-0");
        }
      } else if (op == "~") {
        if (p.parts >= 1) st = add(Op::kGe, full(p));
        if (st && p.parts == 1) st = add(Op::kLt, increment(p.M) + ".0.0-0");
        else if (st && p.parts >= 2) st = add(Op::kLt, p.M + "." + increment(p.m) + ".0-0");
      } else if (op == "^") {
        if (p.parts >= 1) st = add(Op::kGe, full(p));
        if (!st || p.parts == 0) {
        } else if (strip_zeros(p.M) != "0") {
          st = add(Op::kLt, increment(p.M) + ".0.0-0");
        } else if (p.parts == 1) {
          st = add(Op::kLt, "1.0.0-0");
        } else if (strip_zeros(p.m) != "0") {
          st = add(Op::kLt, "0." + increment(p.m) + ".0-0");
        } else if (p.parts == 2) {
          st = add(Op::kLt, "0.1.0-0");
        } else {
          st = add(Op::kLt, "0.0." + increment(p.p) + "-0");
        }
      } else if (op == "<") {
        if (p.parts == 0) nothing = true;
        else if (p.parts == 3) st = add(Op::kLt, full(p));
        else st = add(Op::kLt, p.M + "." + p.m + ".0-0");
      } else if (op == "<=") {
        if (p.parts == 3) st = add(Op::kLe, full(p));
        else if (p.parts == 2) st = add(Op::kLt, p.M + "." + increment(p.m) + ".0-0");
        else if (p.parts == 1) st = add(Op::kLt, increment(p.M) + ".0.0-0");
      } else if (op == ">") {
        if (p.parts == 0) nothing = true;
        else if (p.parts == 3) st = add(Op::kGt, full(p));
        else if (p.parts == 2) st = add(Op::kGe, p.M + "." + increment(p.m) + ".0");
        else st = add(Op::kGe, increment(p.M) + ".0.0");
      } else if (op == ">=") {
        if (p.parts >= 1) st = add(Op::kGe, full(p));
      } else {
        return invalid_range(scheme, text, "unknown operator '" + op + "'");
      }
      if (!st) return st.error();
    }
    if (!nothing) impl->alternatives.push_back(std::move(all));
  }
  return RangePtr(impl);
}

namespace {

const SemverOptions kStrict{"semver", false, false, false, false, false};

Result<ParsedPtr> parse(std::string_view text) {
  auto p = parse_semver(text, kStrict);
  if (!p) return p.error();
  return ParsedPtr(*p);
}

Result<RangePtr> range(std::string_view text) {
  NodeRangeOptions o;
  o.version = kStrict;
  o.commas_and = true;
  o.prerelease_rule = false;
  return parse_node_range(text, o);
}

}  // namespace

SchemeDef semver_scheme() {
  return {Scheme::kSemver, "semver", {"semver", "hex", "pub", "bitnami", "swifturl"}, parse, range};
}

}  // namespace bulwark::version::detail
