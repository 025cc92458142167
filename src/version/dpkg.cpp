// dpkg versions, from Debian Policy 5.6.12: [epoch:]upstream_version[-debian_revision].
// Upstream and revision compare by alternating non-digit and digit parts; in
// the non-digit parts '~' sorts before everything (even the end), letters sort
// before non-letters, and digit parts compare numerically.
#include "version/scheme.hpp"

namespace bulwark::version::detail {
namespace {

struct DpkgVersion : Parsed {
  std::string epoch = "0";
  std::string upstream;
  std::string revision;  // empty when absent (which compares like "0")

  int compare(const Parsed& o) const override;
  bool is_prerelease() const override { return upstream.find('~') != std::string::npos; }
};

// The weight of one character of a non-digit part (Policy: '~' before the
// end, the end before letters, letters before everything else).
int order(char c) {
  if (c == '~') return -1;
  if (is_digit(c)) return 0;
  if (c == 0) return 0;
  if (is_alpha(c)) return static_cast<unsigned char>(c);
  return static_cast<unsigned char>(c) + 256;
}

int compare_part(std::string_view a, std::string_view b) {
  size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    // Non-digit prefix, character by character.
    while ((i < a.size() && !is_digit(a[i])) || (j < b.size() && !is_digit(b[j]))) {
      int ca = order(i < a.size() ? a[i] : 0);
      int cb = order(j < b.size() ? b[j] : 0);
      if (ca != cb) return ca < cb ? -1 : 1;
      if (i < a.size()) ++i;
      if (j < b.size()) ++j;
    }
    // Digit run, numerically; an absent run counts as 0.
    size_t si = i, sj = j;
    while (i < a.size() && is_digit(a[i])) ++i;
    while (j < b.size() && is_digit(b[j])) ++j;
    std::string_view da = a.substr(si, i - si), db = b.substr(sj, j - sj);
    int c = compare_digits(da.empty() ? "0" : da, db.empty() ? "0" : db);
    if (c != 0) return c;
  }
  return 0;
}

int DpkgVersion::compare(const Parsed& other) const {
  const auto& o = static_cast<const DpkgVersion&>(other);
  if (int c = compare_digits(epoch, o.epoch)) return c;
  if (int c = compare_part(upstream, o.upstream)) return c;
  return compare_part(revision, o.revision);
}

Result<ParsedPtr> parse(std::string_view text) {
  auto bad = [&](std::string_view why) { return invalid_version("dpkg", text, why); };
  std::string_view s = trim(text);
  if (s.empty()) return bad("empty version");
  auto v = std::make_shared<DpkgVersion>();
  v->text = std::string(text);
  if (auto colon = s.find(':'); colon != std::string_view::npos) {
    std::string_view e = s.substr(0, colon);
    if (e.empty()) return bad("empty epoch before ':'");
    if (!all_digits(e)) return bad("epoch '" + std::string(e) + "' is not a number");
    v->epoch = std::string(strip_zeros(e));
    s = s.substr(colon + 1);
  }
  if (auto dash = s.rfind('-'); dash != std::string_view::npos) {
    v->revision = std::string(s.substr(dash + 1));
    s = s.substr(0, dash);
    if (v->revision.empty()) return bad("empty revision after '-'");
    for (char c : v->revision)
      if (!is_alnum(c) && c != '.' && c != '+' && c != '~')
        return bad(std::string("character '") + c + "' is not allowed in the revision");
  }
  if (s.empty()) return bad("empty upstream version");
  if (!is_digit(s[0])) return bad("upstream version does not start with a digit");
  for (char c : s)
    if (!is_alnum(c) && c != '.' && c != '+' && c != '~' && c != '-')
      return bad(std::string("character '") + c + "' is not allowed in the upstream version");
  v->upstream = std::string(s);
  return ParsedPtr(v);
}

Result<RangePtr> range(std::string_view text) { return parse_comparator_range("dpkg", text, parse); }

}  // namespace

SchemeDef dpkg_scheme() {
  return {Scheme::kDpkg, "dpkg",
          {"deb", "debian", "ubuntu", "dpkg", "devuan", "kali", "linux mint", "raspbian", "pop", "pop!_os"},
          parse, range};
}

}  // namespace bulwark::version::detail
