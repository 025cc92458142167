// RubyGems versions as Gem::Version orders them: digits and letters in
// segments separated by '.', a '-' meaning ".pre."; each run of digits or of
// letters is a segment; trailing zero segments are dropped from the release
// part and from the prerelease part; a missing segment counts as 0; a letter
// segment sorts below a number (so any letter makes a prerelease: 1.0.a <
// 1.0); letter segments compare by bytes.
//
// Requirements: comma-separated ANDs of = != > < >= <= ~> (bare is =);
// "~> 1.2.3" is ">= 1.2.3" with a release below 1.3.
#include "version/scheme.hpp"

namespace bulwark::version::detail {
namespace {

struct Segment {
  bool num = true;
  std::string value;
};

struct GemVersion : Parsed {
  std::vector<Segment> segments;   // as written
  std::vector<Segment> canonical;  // trailing zeros dropped per part
  int compare(const Parsed& o) const override;
  bool is_prerelease() const override {
    for (const auto& s : segments)
      if (!s.num) return true;
    return false;
  }
};

int GemVersion::compare(const Parsed& other) const {
  const auto& o = static_cast<const GemVersion&>(other);
  static const Segment kZero{true, "0"};
  size_t n = std::max(canonical.size(), o.canonical.size());
  for (size_t i = 0; i < n; ++i) {
    const Segment& a = i < canonical.size() ? canonical[i] : kZero;
    const Segment& b = i < o.canonical.size() ? o.canonical[i] : kZero;
    if (a.num != b.num) return a.num ? 1 : -1;
    int c = a.num ? compare_digits(a.value, b.value) : sign(a.value.compare(b.value));
    if (c != 0) return c;
  }
  return 0;
}

std::vector<Segment> canonicalize(const std::vector<Segment>& segs) {
  size_t first_str = segs.size();
  for (size_t i = 0; i < segs.size(); ++i)
    if (!segs[i].num) {
      first_str = i;
      break;
    }
  auto drop_zeros = [](std::vector<Segment> part) {
    while (!part.empty() && part.back().num && strip_zeros(part.back().value) == "0") part.pop_back();
    return part;
  };
  std::vector<Segment> out = drop_zeros({segs.begin(), segs.begin() + static_cast<std::ptrdiff_t>(first_str)});
  auto rest = drop_zeros({segs.begin() + static_cast<std::ptrdiff_t>(first_str), segs.end()});
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

Result<std::shared_ptr<GemVersion>> parse_gem(std::string_view text) {
  auto bad = [&](std::string_view why) { return invalid_version("rubygems", text, why); };
  std::string_view s = trim(text);
  if (s.empty()) return bad("empty version");
  // Gem::Version's pattern: [0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?
  if (!is_digit(s[0])) return bad("does not start with a digit");
  std::string norm;
  bool dashed = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (is_alnum(c)) {
      norm += c;
    } else if (c == '.') {
      if (i + 1 >= s.size() || s[i + 1] == '.' || s[i + 1] == '-') return bad("empty segment at offset " + std::to_string(i));
      norm += c;
    } else if (c == '-') {
      if (i + 1 >= s.size()) return bad("ends with '-'");
      if (!dashed) norm += ".pre.";  // the first '-' starts the prerelease
      else norm += '-';
      dashed = true;
    } else {
      return bad(std::string("character '") + c + "' is not allowed");
    }
  }
  auto v = std::make_shared<GemVersion>();
  v->text = std::string(text);
  for (size_t i = 0; i < norm.size();) {
    if (is_digit(norm[i])) {
      size_t st = i;
      while (i < norm.size() && is_digit(norm[i])) ++i;
      v->segments.push_back({true, std::string(strip_zeros(std::string_view(norm).substr(st, i - st)))});
    } else if (is_alpha(norm[i])) {
      size_t st = i;
      while (i < norm.size() && is_alpha(norm[i])) ++i;
      v->segments.push_back({false, norm.substr(st, i - st)});
    } else {
      ++i;  // '.' and the '-' kept inside the prerelease separate segments
    }
  }
  v->canonical = canonicalize(v->segments);
  return v;
}

Result<ParsedPtr> parse(std::string_view text) {
  auto v = parse_gem(text);
  if (!v) return v.error();
  return ParsedPtr(*v);
}

// The upper bound of "~> V": V's release segments, the last dropped (unless
// only one), the new last incremented.
Result<ParsedPtr> bump(const GemVersion& v) {
  std::vector<std::string> nums;
  for (const auto& s : v.segments) {
    if (!s.num) break;
    nums.push_back(s.value);
  }
  if (nums.size() > 1) nums.pop_back();
  std::string last = std::string(strip_zeros(nums.back()));
  int i = static_cast<int>(last.size()) - 1;
  while (i >= 0 && last[i] == '9') last[i--] = '0';
  if (i < 0) last.insert(last.begin(), '1');
  else ++last[i];
  nums.back() = last;
  std::string text;
  for (size_t k = 0; k < nums.size(); ++k) text += (k ? "." : "") + nums[k];
  return parse(text);
}

Result<RangePtr> range(std::string_view text) {
  auto impl = std::make_shared<RangeImpl>();
  for (std::string_view alt : split(text, "||")) {
    std::vector<Comparator> all;
    for (std::string_view part : split(alt, ",")) {
      part = trim(part);
      if (part.empty()) return invalid_range("rubygems", text, "empty requirement");
      std::string_view op = "=";
      for (std::string_view w : {"~>", ">=", "<=", "!=", "=", ">", "<"})
        if (part.substr(0, w.size()) == w) {
          op = w;
          part = trim(part.substr(w.size()));
          break;
        }
      auto v = parse_gem(part);
      if (!v) return v.error();
      if (op == "~>") {
        all.push_back({Op::kGe, *v});
        auto up = bump(**v);
        if (!up) return up.error();
        // Gem::Requirement wants the candidate's release (its numeric
        // prefix) below the bump, so prereleases of the bump are out too:
        // compare against the bump followed by a letter segment "\x01",
        // which sorts below every prerelease a gem version can spell.
        auto low = std::make_shared<GemVersion>(static_cast<const GemVersion&>(**up));
        low->canonical.push_back({false, std::string(1, '\x01')});
        low->segments.push_back({false, std::string(1, '\x01')});
        all.push_back({Op::kLt, low});
      } else {
        Op o = op == "=" ? Op::kEq : op == "!=" ? Op::kNe : op == ">" ? Op::kGt : op == "<" ? Op::kLt
               : op == ">=" ? Op::kGe : Op::kLe;
        all.push_back({o, *v});
      }
    }
    impl->alternatives.push_back(std::move(all));
  }
  return RangePtr(impl);
}

}  // namespace

SchemeDef rubygems_scheme() { return {Scheme::kRubyGems, "rubygems", {"gem", "gems", "rubygems", "ruby", "bundler"}, parse, range}; }

}  // namespace bulwark::version::detail
