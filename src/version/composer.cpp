// Composer (Packagist) versions, normalised as Composer does: a leading 'v',
// up to four numbers padded to four (1.2 -> 1.2.0.0), an optional stability
// (alpha/a, beta/b, RC, stable, patch/pl/p) with numbers, an optional dev
// marker ("1.0.x-dev" is 1.0.9999999.9999999-dev), build metadata dropped.
// Order (PHP version_compare on the normalised form): numbers, then dev <
// alpha < beta < RC < stable < patch; "-dev" after a stability sorts before it.
// Branch names ("dev-main") have no order and are rejected.
//
// Constraints: "||" (or "|") ORs of ANDs separated by ',' or spaces; = == !=
// <> < <= > >= ~ ^, wildcards "1.0.*", hyphen ranges "1.0 - 2.0".
#include "version/scheme.hpp"

namespace bulwark::version::detail {
namespace {

enum Stability { kDev = 0, kAlpha = 1, kBeta = 2, kRc = 3, kStable = 4, kPatch = 5 };

struct ComposerVersion : Parsed {
  std::vector<std::string> nums;  // always four
  int given = 0;                  // numbers written
  int stability = kStable;
  std::vector<std::string> stab_nums;
  bool dev = false;
  bool explicit_stability = false;  // a stability word or dev marker was written

  // The tokens after the numbers, as version_compare sees them: a word's
  // rank (dev 0 .. patch 5) or a number.
  struct Tok {
    bool num;
    int rank;
    std::string value;
  };
  std::vector<Tok> tail() const {
    std::vector<Tok> t;
    if (stability != kStable) t.push_back({false, stability, {}});
    for (const auto& n : stab_nums) t.push_back({true, 4, n});
    if (dev) t.push_back({false, kDev, {}});
    return t;
  }
  int compare(const Parsed& o) const override;
  bool is_prerelease() const override { return stability < kStable || dev; }
};

int ComposerVersion::compare(const Parsed& other) const {
  const auto& o = static_cast<const ComposerVersion&>(other);
  for (size_t i = 0; i < 4; ++i)
    if (int c = compare_digits(nums[i], o.nums[i])) return c;
  auto a = tail(), b = o.tail();
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    int c;
    if (a[i].num && b[i].num) c = compare_digits(a[i].value, b[i].value);
    else c = a[i].rank < b[i].rank ? -1 : (a[i].rank > b[i].rank ? 1 : 0);  // a number ranks as "#" (4)
    if (c != 0) return c;
  }
  if (a.size() == b.size()) return 0;
  // The longer one goes on: a number wins; a word compares with "#".
  bool mine = a.size() > b.size();
  const Tok& extra = mine ? a[n] : b[n];
  int c = extra.num ? 1 : (extra.rank < 4 ? -1 : (extra.rank > 4 ? 1 : 0));
  return mine ? c : -c;
}

Result<std::shared_ptr<ComposerVersion>> parse_composer(std::string_view text) {
  auto bad = [&](std::string_view why) { return invalid_version("composer", text, why); };
  std::string s = to_lower(trim(text));
  if (s.empty()) return bad("empty version");
  if (starts_with(s, "dev-")) return bad("a branch name ('dev-...') has no version order");
  if (auto plus = s.find('+'); plus != std::string::npos) s.resize(plus);
  if (!s.empty() && s[0] == 'v') s.erase(0, 1);
  auto v = std::make_shared<ComposerVersion>();
  v->text = std::string(text);
  size_t i = 0;
  bool wildcard = false;
  while (v->nums.size() < 4) {
    if (!v->nums.empty()) {
      if (i + 1 < s.size() && s[i] == '.' && (is_digit(s[i + 1]) || s[i + 1] == 'x' || s[i + 1] == '*')) ++i;
      else break;
    }
    if (i < s.size() && (s[i] == 'x' || s[i] == '*')) {
      v->nums.emplace_back("9999999");
      wildcard = true;
      ++i;
      continue;
    }
    size_t st = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    if (i == st) return bad(v->nums.empty() ? "does not start with a number" : "expected a number");
    if (wildcard) return bad("a number after a wildcard");
    v->nums.emplace_back(strip_zeros(std::string_view(s).substr(st, i - st)));
  }
  v->given = static_cast<int>(v->nums.size());
  while (v->nums.size() < 4) v->nums.emplace_back(wildcard ? "9999999" : "0");
  size_t save = i;
  if (i < s.size() && (s[i] == '.' || s[i] == '_' || s[i] == '-')) ++i;
  static const std::pair<std::string_view, int> kWords[] = {
      {"stable", kStable}, {"beta", kBeta}, {"b", kBeta}, {"rc", kRc}, {"alpha", kAlpha},
      {"a", kAlpha},       {"patch", kPatch}, {"pl", kPatch}, {"p", kPatch}};
  bool word = false;
  for (const auto& [w, rank] : kWords) {
    if (s.compare(i, w.size(), w) == 0 && !(w.size() == 1 && s.compare(i, 3, "dev") == 0)) {
      v->stability = rank;
      v->explicit_stability = true;
      i += w.size();
      word = true;
      while (true) {
        size_t j = i;
        if (j < s.size() && (s[j] == '.' || s[j] == '-')) ++j;
        size_t st = j;
        while (j < s.size() && is_digit(s[j])) ++j;
        if (j == st) break;
        v->stab_nums.emplace_back(strip_zeros(std::string_view(s).substr(st, j - st)));
        i = j;
      }
      break;
    }
  }
  if (!word) i = save;
  size_t before_dev = i;
  if (i < s.size() && (s[i] == '.' || s[i] == '-')) ++i;
  if (s.compare(i, 3, "dev") == 0) {
    v->dev = true;
    v->explicit_stability = true;
    i += 3;
  } else {
    i = before_dev;
  }
  if (wildcard && !v->dev) return bad("a wildcard version must end in '-dev' (e.g. 1.0.x-dev)");
  if (i != s.size()) return bad("unexpected '" + s.substr(i, 10) + "' at offset " + std::to_string(i));
  if (v->stability == kStable) v->explicit_stability = v->explicit_stability || word;
  return v;
}

Result<ParsedPtr> parse(std::string_view text) {
  auto v = parse_composer(text);
  if (!v) return v.error();
  return ParsedPtr(*v);
}

std::string incr(std::string d) {
  int i = static_cast<int>(d.size()) - 1;
  while (i >= 0 && d[i] == '9') d[i--] = '0';
  if (i < 0) d.insert(d.begin(), '1');
  else ++d[i];
  return d;
}

// The version with the first `keep` numbers, the last of them incremented,
// zeros after, as a "-dev" lower-most version of that release.
ParsedPtr bumped_dev(const ComposerVersion& v, int index) {
  auto b = std::make_shared<ComposerVersion>();
  b->text = v.text;
  for (int k = 0; k < 4; ++k) b->nums.push_back(k < index ? v.nums[k] : (k == index ? incr(v.nums[k]) : "0"));
  b->given = 4;
  b->stability = kStable;
  b->dev = true;
  return b;
}

ParsedPtr as_dev(const ComposerVersion& v) {
  if (v.explicit_stability) return std::make_shared<ComposerVersion>(v);
  auto b = std::make_shared<ComposerVersion>(v);
  b->dev = true;
  return b;
}

Result<RangePtr> range(std::string_view text) {
  auto impl = std::make_shared<RangeImpl>();
  std::string norm(text);
  // "|" and "||" both mean OR.
  std::vector<std::string_view> alts;
  {
    std::string_view t = norm;
    size_t st = 0;
    for (size_t i = 0; i <= t.size(); ++i) {
      if (i == t.size() || t[i] == '|') {
        alts.push_back(t.substr(st, i - st));
        if (i + 1 < t.size() && t[i + 1] == '|') ++i;
        st = i + 1;
      }
    }
  }
  for (std::string_view alt : alts) {
    std::vector<std::pair<std::string, std::string>> toks;
    size_t i = 0;
    while (true) {
      while (i < alt.size() && (is_space(alt[i]) || alt[i] == ',')) ++i;
      if (i >= alt.size()) break;
      size_t os = i;
      while (i < alt.size() && std::string_view("<>=!~^").find(alt[i]) != std::string_view::npos) ++i;
      std::string op(alt.substr(os, i - os));
      while (i < alt.size() && is_space(alt[i])) ++i;
      size_t vs = i;
      while (i < alt.size() && !is_space(alt[i]) && alt[i] != ',') ++i;
      std::string ver(alt.substr(vs, i - vs));
      if (auto at = ver.find('@'); at != std::string::npos) ver.resize(at);  // stability flags
      toks.emplace_back(op, ver);
    }
    if (toks.empty()) return invalid_range("composer", text, "empty constraint");
    std::vector<Comparator> all;
    auto version_of = [&](const std::string& t) { return parse_composer(t); };
    if (toks.size() == 3 && toks[1].second == "-" && toks[0].first.empty() && toks[1].first.empty() &&
        toks[2].first.empty()) {
      auto lo = version_of(toks[0].second);
      if (!lo) return lo.error();
      auto hi = version_of(toks[2].second);
      if (!hi) return hi.error();
      all.push_back({Op::kGe, as_dev(**lo)});
      if ((*hi)->given >= 3 || (*hi)->explicit_stability) all.push_back({Op::kLe, *hi});
      else all.push_back({Op::kLt, bumped_dev(**hi, (*hi)->given - 1)});
      impl->alternatives.push_back(std::move(all));
      continue;
    }
    for (auto& [op, vt] : toks) {
      if (vt.empty()) return invalid_range("composer", text, "operator '" + op + "' without a version");
      if (vt == "*" || vt == "x") {
        if (!op.empty() && op != "=" && op != "==" && op != ">=")
          return invalid_range("composer", text, "operator '" + op + "' with '*'");
        continue;
      }
      bool wild = vt.size() > 2 && (vt.substr(vt.size() - 2) == ".*" || vt.substr(vt.size() - 2) == ".x");
      if (wild) {
        if (!op.empty() && op != "=" && op != "==") return invalid_range("composer", text, "operator '" + op + "' with a wildcard");
        auto base = version_of(vt.substr(0, vt.size() - 2));
        if (!base) return base.error();
        if ((*base)->explicit_stability) return invalid_range("composer", text, "a wildcard with a stability");
        all.push_back({Op::kGe, as_dev(**base)});
        all.push_back({Op::kLt, bumped_dev(**base, (*base)->given - 1)});
        continue;
      }
      auto v = version_of(vt);
      if (!v) return v.error();
      const ComposerVersion& cv = **v;
      if (op.empty() || op == "=" || op == "==") all.push_back({Op::kEq, *v});
      else if (op == "!=" || op == "<>") all.push_back({Op::kNe, *v});
      else if (op == "<") all.push_back({Op::kLt, as_dev(cv)});
      else if (op == "<=") all.push_back({Op::kLe, *v});
      else if (op == ">") all.push_back({Op::kGt, *v});
      else if (op == ">=") all.push_back({Op::kGe, as_dev(cv)});
      else if (op == "~") {
        all.push_back({Op::kGe, as_dev(cv)});
        all.push_back({Op::kLt, bumped_dev(cv, cv.given <= 1 ? 0 : cv.given - 2)});
      } else if (op == "^") {
        all.push_back({Op::kGe, as_dev(cv)});
        int idx;
        if (cv.nums[0] != "0" || cv.given == 1) idx = 0;
        else if (cv.nums[1] != "0" || cv.given == 2) idx = 1;
        else idx = 2;
        all.push_back({Op::kLt, bumped_dev(cv, idx)});
      } else {
        return invalid_range("composer", text, "unknown operator '" + op + "'");
      }
    }
    impl->alternatives.push_back(std::move(all));
  }
  return RangePtr(impl);
}

}  // namespace

SchemeDef composer_scheme() { return {Scheme::kComposer, "composer", {"composer", "packagist", "php"}, parse, range}; }

}  // namespace bulwark::version::detail
