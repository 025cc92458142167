// apk (Alpine, Wolfi, Chainguard) versions: N(.N)*[letter](_suffix[N])*[~hash][-rN].
// Suffixes _alpha < _beta < _pre < _rc sort before the plain version, _cvs <
// _svn < _git < _hg < _p after it. Components after the first that start with
// '0' compare as strings with trailing zeros dropped (Gentoo's rule, which apk
// follows), others numerically. At the first difference in shape, more
// components win, a letter wins, an extra prerelease suffix loses and any
// other extra suffix wins, and a revision wins over none.
#include <array>

#include "version/scheme.hpp"

namespace bulwark::version::detail {
namespace {

constexpr std::array<std::string_view, 9> kSuffixes = {"alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"};
constexpr int kFirstPostSuffix = 4;  // cvs

struct Suffix {
  int rank = 0;
  std::string number;  // empty when absent
};

struct ApkVersion : Parsed {
  std::vector<std::string> numbers;
  char letter = 0;
  std::vector<Suffix> suffixes;
  std::string hash;
  std::string revision;  // empty when absent
  int compare(const Parsed& o) const override;
  bool is_prerelease() const override {
    return !suffixes.empty() && suffixes.front().rank < kFirstPostSuffix;
  }
};

int compare_component(std::string_view a, std::string_view b) {
  if (a[0] == '0' || b[0] == '0') {
    // Fractional comparison: "1.01" < "1.1"; trailing zeros do not count.
    while (!a.empty() && a.back() == '0') a.remove_suffix(1);
    while (!b.empty() && b.back() == '0') b.remove_suffix(1);
    return sign(a.compare(b));
  }
  return compare_digits(a, b);
}

int ApkVersion::compare(const Parsed& other) const {
  const auto& o = static_cast<const ApkVersion&>(other);
  size_t n = std::min(numbers.size(), o.numbers.size());
  for (size_t i = 0; i < n; ++i) {
    int c = i == 0 ? compare_digits(numbers[i], o.numbers[i]) : compare_component(numbers[i], o.numbers[i]);
    if (c != 0) return c;
  }
  if (numbers.size() != o.numbers.size()) return numbers.size() > o.numbers.size() ? 1 : -1;
  if (letter != o.letter) {
    if (letter == 0) return -1;
    if (o.letter == 0) return 1;
    return letter < o.letter ? -1 : 1;
  }
  size_t m = std::min(suffixes.size(), o.suffixes.size());
  for (size_t i = 0; i < m; ++i) {
    const Suffix& a = suffixes[i];
    const Suffix& b = o.suffixes[i];
    if (a.rank != b.rank) return a.rank < b.rank ? -1 : 1;
    if (a.number.empty() != b.number.empty()) return a.number.empty() ? -1 : 1;
    if (!a.number.empty())
      if (int c = compare_digits(a.number, b.number)) return c;
  }
  if (suffixes.size() != o.suffixes.size()) {
    bool mine = suffixes.size() > o.suffixes.size();
    const Suffix& extra = mine ? suffixes[m] : o.suffixes[m];
    bool pre = extra.rank < kFirstPostSuffix;
    return (mine != pre) ? 1 : -1;
  }
  if (hash != o.hash) {
    if (hash.empty() != o.hash.empty()) return hash.empty() ? 1 : -1;
    return sign(hash.compare(o.hash));
  }
  if (revision.empty() != o.revision.empty()) return revision.empty() ? -1 : 1;
  if (!revision.empty()) return compare_digits(revision, o.revision);
  return 0;
}

Result<ParsedPtr> parse(std::string_view text) {
  auto bad = [&](std::string_view why) { return invalid_version("apk", text, why); };
  std::string_view s = trim(text);
  if (s.empty()) return bad("empty version");
  auto v = std::make_shared<ApkVersion>();
  v->text = std::string(text);
  size_t i = 0;
  auto digits = [&] {
    size_t st = i;
    while (i < s.size() && is_digit(s[i])) ++i;
    return std::string(s.substr(st, i - st));
  };
  while (true) {
    std::string d = digits();
    if (d.empty())
      return bad(v->numbers.empty() ? "does not start with a digit" : "expected a digit after '.' at offset " + std::to_string(i));
    v->numbers.push_back(std::move(d));
    if (i < s.size() && s[i] == '.') {
      ++i;
      continue;
    }
    break;
  }
  if (i < s.size() && s[i] >= 'a' && s[i] <= 'z') v->letter = s[i++];
  while (i < s.size() && s[i] == '_') {
    ++i;
    size_t st = i;
    while (i < s.size() && s[i] >= 'a' && s[i] <= 'z') ++i;
    std::string_view name = s.substr(st, i - st);
    Suffix suf;
    suf.rank = -1;
    for (size_t k = 0; k < kSuffixes.size(); ++k)
      if (kSuffixes[k] == name) suf.rank = static_cast<int>(k);
    if (suf.rank < 0) return bad("unknown suffix '_" + std::string(name) + "'");
    suf.number = digits();
    v->suffixes.push_back(std::move(suf));
  }
  if (i < s.size() && s[i] == '~') {
    size_t st = ++i;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) ++i;
    if (i == st) return bad("empty commit hash after '~'");
    v->hash = std::string(s.substr(st, i - st));
  }
  if (i < s.size() && s[i] == '-') {
    if (i + 1 >= s.size() || s[i + 1] != 'r') return bad("expected '-r' revision at offset " + std::to_string(i));
    i += 2;
    v->revision = digits();
    if (v->revision.empty()) return bad("'-r' without a number");
  }
  if (i != s.size()) return bad("unexpected '" + std::string(1, s[i]) + "' at offset " + std::to_string(i));
  return ParsedPtr(v);
}

Result<RangePtr> range(std::string_view text) { return parse_comparator_range("apk", text, parse); }

}  // namespace

SchemeDef apk_scheme() {
  return {Scheme::kApk, "apk", {"alpine", "wolfi", "chainguard", "alpaquita", "bellsoft hardened containers", "postmarketos"},
          parse, range};
}

}  // namespace bulwark::version::detail
