// Python versions per PEP 440: [N!]N(.N)*[{a|b|rc}N][.postN][.devN][+local],
// normalised as the PEP says (case-insensitive; "alpha"/"beta"/"c"/"pre"/
// "preview" spellings; "-", "_" and "." separators; implicit numbers; "1.0-1"
// is a post release; a leading "v"). Ordering: epoch, release (trailing zeros
// ignored), then .devN < aN < bN < rcN < final < .postN, with a dev release of
// a pre or post release just before it, and a local version after its public
// version (numeric local segments above alphanumeric ones).
//
// Specifier sets: comma-separated ANDs of ~= == != <= >= < > === with "==X.*"
// and "!=X.*" prefix matching and the PEP's exclusive-bound rules (<V excludes
// prereleases of V, >V excludes post releases and local versions of V).
// Prereleases are NOT filtered out: a vulnerability range applies to them.
#include <array>

#include "version/scheme.hpp"

namespace bulwark::version::detail {
namespace {

struct Pep440Version : Parsed {
  std::string epoch = "0";
  std::vector<std::string> release;
  int pre_kind = -1;  // 0 a, 1 b, 2 rc; -1 none
  std::string pre_num;
  bool has_post = false;
  std::string post_num;
  bool has_dev = false;
  std::string dev_num;
  std::vector<std::string> local;  // lower-cased segments
  bool raw = false;                // only text: the operand of "==="

  int compare(const Parsed& o) const override { return compare_to(static_cast<const Pep440Version&>(o), true); }
  int compare_to(const Pep440Version& o, bool with_local) const;
  bool is_prerelease() const override { return pre_kind >= 0 || has_dev; }
  bool test(Op op, const Parsed& bound) const override;
  bool same_base(const Pep440Version& o) const;
};

int compare_release(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  size_t n = std::max(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    std::string_view x = i < a.size() ? std::string_view(a[i]) : "0";
    std::string_view y = i < b.size() ? std::string_view(b[i]) : "0";
    if (int c = compare_digits(x, y)) return c;
  }
  return 0;
}

// Pre-release key: dev-only versions (no pre, no post) sort before any
// pre-release, a final release after all of them.
int pre_rank(const Pep440Version& v) {
  if (v.pre_kind >= 0) return 1;
  if (!v.has_post && v.has_dev) return 0;
  return 2;
}

int Pep440Version::compare_to(const Pep440Version& o, bool with_local) const {
  if (int c = compare_digits(epoch, o.epoch)) return c;
  if (int c = compare_release(release, o.release)) return c;
  int ra = pre_rank(*this), rb = pre_rank(o);
  if (ra != rb) return ra < rb ? -1 : 1;
  if (ra == 1) {
    if (pre_kind != o.pre_kind) return pre_kind < o.pre_kind ? -1 : 1;
    if (int c = compare_digits(pre_num, o.pre_num)) return c;
  }
  if (has_post != o.has_post) return has_post ? 1 : -1;
  if (has_post)
    if (int c = compare_digits(post_num, o.post_num)) return c;
  if (has_dev != o.has_dev) return has_dev ? -1 : 1;
  if (has_dev)
    if (int c = compare_digits(dev_num, o.dev_num)) return c;
  if (!with_local) return 0;
  if (local.empty() != o.local.empty()) return local.empty() ? -1 : 1;
  size_t n = std::min(local.size(), o.local.size());
  for (size_t i = 0; i < n; ++i) {
    bool na = all_digits(local[i]), nb = all_digits(o.local[i]);
    int c;
    if (na && nb) c = compare_digits(local[i], o.local[i]);
    else if (na) c = 1;
    else if (nb) c = -1;
    else c = sign(local[i].compare(o.local[i]));
    if (c != 0) return c;
  }
  if (local.size() != o.local.size()) return local.size() < o.local.size() ? -1 : 1;
  return 0;
}

bool Pep440Version::same_base(const Pep440Version& o) const {
  return compare_digits(epoch, o.epoch) == 0 && compare_release(release, o.release) == 0;
}

bool Pep440Version::test(Op op, const Parsed& bound_in) const {
  const auto& b = static_cast<const Pep440Version&>(bound_in);
  if (op == Op::kArbitraryEq) return to_lower(trim(text)) == to_lower(trim(b.text));
  if (b.raw || raw) return false;
  switch (op) {
    case Op::kPrefixEq:
    case Op::kPrefixNe: {
      bool match = compare_digits(epoch, b.epoch) == 0;
      for (size_t i = 0; match && i < b.release.size(); ++i) {
        std::string_view mine = i < release.size() ? std::string_view(release[i]) : "0";
        if (compare_digits(mine, b.release[i]) != 0) match = false;
      }
      return op == Op::kPrefixEq ? match : !match;
    }
    case Op::kEq:
    case Op::kNe: {
      // "==1.0" matches 1.0+anything; "==1.0+x" needs the same local.
      bool eq = compare_to(b, !b.local.empty()) == 0;
      return op == Op::kEq ? eq : !eq;
    }
    case Op::kLe: return compare_to(b, false) <= 0;
    case Op::kGe: return compare_to(b, false) >= 0;
    case Op::kLt:
      if (compare_to(b, true) >= 0) return false;
      if (!b.is_prerelease() && is_prerelease() && same_base(b)) return false;
      return true;
    case Op::kGt:
      if (compare_to(b, true) <= 0) return false;
      if (!b.has_post && has_post && same_base(b)) return false;
      if (!local.empty() && same_base(b) && compare_to(b, false) == 0) return false;
      return true;
    case Op::kArbitraryEq: break;
  }
  return false;
}

struct Cursor {
  std::string_view s;
  size_t i = 0;
  bool eat(std::string_view w) {
    if (s.substr(i, w.size()) == w) {
      i += w.size();
      return true;
    }
    return false;
  }
  bool sep() {
    if (i < s.size() && (s[i] == '-' || s[i] == '_' || s[i] == '.')) {
      ++i;
      return true;
    }
    return false;
  }
  std::string digits() {
    size_t st = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return std::string(s.substr(st, i - st));
  }
};

Result<std::shared_ptr<Pep440Version>> parse_pep440(std::string_view text) {
  auto bad = [&](std::string_view why) { return invalid_version("pep440", text, why); };
  std::string lower = to_lower(trim(text));
  Cursor c{lower};
  auto v = std::make_shared<Pep440Version>();
  v->text = std::string(text);
  if (lower.empty()) return bad("empty version");
  c.eat("v");
  std::string first = c.digits();
  if (first.empty()) return bad("does not start with a number");
  if (c.eat("!")) {
    v->epoch = std::string(strip_zeros(first));
    first = c.digits();
    if (first.empty()) return bad("no release number after the epoch");
  }
  v->release.push_back(first);
  while (c.i + 1 < lower.size() && lower[c.i] == '.' && is_digit(lower[c.i + 1])) {
    ++c.i;
    v->release.push_back(c.digits());
  }
  // Pre-release.
  {
    size_t save = c.i;
    c.sep();
    static const std::array<std::pair<std::string_view, int>, 8> kPre = {
        {{"alpha", 0}, {"a", 0}, {"beta", 1}, {"b", 1}, {"preview", 2}, {"pre", 2}, {"rc", 2}, {"c", 2}}};
    int kind = -1;
    for (const auto& [w, k] : kPre)
      if (c.eat(w)) {
        kind = k;
        break;
      }
    if (kind >= 0) {
      v->pre_kind = kind;
      size_t s2 = c.i;
      c.sep();
      v->pre_num = c.digits();
      if (v->pre_num.empty()) {
        c.i = s2;
        v->pre_num = "0";
      }
    } else {
      c.i = save;
    }
  }
  // Post-release: "-N" or [sep](post|rev|r)[sep][N].
  {
    size_t save = c.i;
    if (c.i + 1 < lower.size() && lower[c.i] == '-' && is_digit(lower[c.i + 1])) {
      ++c.i;
      v->has_post = true;
      v->post_num = c.digits();
    } else {
      c.sep();
      if (c.eat("post") || c.eat("rev") || c.eat("r")) {
        v->has_post = true;
        size_t s2 = c.i;
        c.sep();
        v->post_num = c.digits();
        if (v->post_num.empty()) {
          c.i = s2;
          v->post_num = "0";
        }
      } else {
        c.i = save;
      }
    }
  }
  // Development release.
  {
    size_t save = c.i;
    c.sep();
    if (c.eat("dev")) {
      v->has_dev = true;
      size_t s2 = c.i;
      c.sep();
      v->dev_num = c.digits();
      if (v->dev_num.empty()) {
        c.i = s2;
        v->dev_num = "0";
      }
    } else {
      c.i = save;
    }
  }
  if (c.eat("+")) {
    size_t st = c.i;
    while (c.i < lower.size() && (is_alnum(lower[c.i]) || lower[c.i] == '.' || lower[c.i] == '-' || lower[c.i] == '_'))
      ++c.i;
    std::string_view loc = std::string_view(lower).substr(st, c.i - st);
    if (loc.empty()) return bad("empty local version after '+'");
    std::string seg;
    for (size_t k = 0; k <= loc.size(); ++k) {
      if (k == loc.size() || loc[k] == '.' || loc[k] == '-' || loc[k] == '_') {
        if (seg.empty()) return bad("empty segment in the local version");
        v->local.push_back(seg);
        seg.clear();
      } else {
        seg += loc[k];
      }
    }
  }
  if (c.i != lower.size())
    return bad("unexpected '" + lower.substr(c.i, 10) + "' at offset " + std::to_string(c.i));
  return v;
}

Result<ParsedPtr> parse(std::string_view text) {
  auto v = parse_pep440(text);
  if (!v) return v.error();
  return ParsedPtr(*v);
}

Result<RangePtr> range(std::string_view text) {
  auto impl = std::make_shared<RangeImpl>();
  std::vector<Comparator> all;
  for (std::string_view part : split(text, ",")) {
    part = trim(part);
    if (part.empty()) {
      if (trim(text).empty()) break;  // "" is the empty specifier set: everything
      return invalid_range("pep440", text, "empty specifier between commas");
    }
    static const std::array<std::pair<std::string_view, int>, 8> kOps = {
        {{"===", 0}, {"~=", 1}, {"==", 2}, {"!=", 3}, {"<=", 4}, {">=", 5}, {"<", 6}, {">", 7}}};
    int op = -1;
    for (const auto& [w, k] : kOps)
      if (part.substr(0, w.size()) == w) {
        op = k;
        part = trim(part.substr(w.size()));
        break;
      }
    if (op < 0) return invalid_range("pep440", text, "specifier '" + std::string(part) + "' has no operator");
    if (part.empty()) return invalid_range("pep440", text, "operator without a version");
    if (op == 0) {
      auto raw = std::make_shared<Pep440Version>();
      raw->raw = true;
      raw->text = std::string(part);
      all.push_back({Op::kArbitraryEq, raw});
      continue;
    }
    bool wildcard = part.size() > 2 && part.substr(part.size() - 2) == ".*";
    if (wildcard && op != 2 && op != 3)
      return invalid_range("pep440", text, "'.*' is only allowed with == and !=");
    auto v = parse_pep440(wildcard ? part.substr(0, part.size() - 2) : part);
    if (!v) return v.error();
    const auto& pv = **v;
    if (wildcard && (!pv.local.empty()))
      return invalid_range("pep440", text, "a prefix match cannot have a local version");
    if (wildcard && (pv.pre_kind >= 0 || pv.has_post || pv.has_dev))
      return invalid_range("pep440", text, "prefix matches on pre, post or dev releases are not supported");
    if (!pv.local.empty() && op != 2 && op != 3)
      return invalid_range("pep440", text, "a local version is only allowed with == and !=");
    switch (op) {
      case 1: {  // ~=V: >=V and ==V's release without its last number .*
        if (pv.release.size() < 2) return invalid_range("pep440", text, "'~=' needs at least two release numbers");
        all.push_back({Op::kGe, *v});
        auto prefix = std::make_shared<Pep440Version>();
        prefix->text = std::string(part);
        prefix->epoch = pv.epoch;
        prefix->release.assign(pv.release.begin(), pv.release.end() - 1);
        all.push_back({Op::kPrefixEq, prefix});
        break;
      }
      case 2: all.push_back({wildcard ? Op::kPrefixEq : Op::kEq, *v}); break;
      case 3: all.push_back({wildcard ? Op::kPrefixNe : Op::kNe, *v}); break;
      case 4: all.push_back({Op::kLe, *v}); break;
      case 5: all.push_back({Op::kGe, *v}); break;
      case 6: all.push_back({Op::kLt, *v}); break;
      case 7: all.push_back({Op::kGt, *v}); break;
    }
  }
  impl->alternatives.push_back(std::move(all));
  return RangePtr(impl);
}

}  // namespace

SchemeDef pep440_scheme() { return {Scheme::kPep440, "pep440", {"pypi", "python", "pip", "pep440"}, parse, range}; }

}  // namespace bulwark::version::detail
