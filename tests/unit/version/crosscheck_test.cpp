// Cross-checks against the reference implementations installed on this
// machine: dpkg --compare-versions, rpm's own rpm.vercmp (through rpm's Lua),
// and Python's packaging module (Debian's python3-packaging). Each test skips
// when its tool is absent. Version pairs come from the real dpkg database of
// this machine plus generated ones with a fixed seed.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "testing/testing.hpp"
#include "version/version.hpp"

namespace bulwark::testing {
namespace {

using version::Scheme;
using Pairs = std::vector<std::pair<std::string, std::string>>;

std::vector<std::string> lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

// Versions of the packages installed here (real Debian versions).
std::vector<std::string> installed_dpkg_versions() {
  std::set<std::string> seen;
  std::istringstream in(read_file("/var/lib/dpkg/status"));
  std::string l;
  while (std::getline(in, l))
    if (l.rfind("Version: ", 0) == 0) seen.insert(l.substr(9));
  return {seen.begin(), seen.end()};
}

std::string random_version(std::mt19937& rng, const std::string& alphabet, bool epoch, bool release,
                           const std::string& release_alphabet) {
  auto pick = [&](const std::string& a) { return a[std::uniform_int_distribution<size_t>(0, a.size() - 1)(rng)]; };
  auto len = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::string v;
  if (epoch && len(0, 3) == 0) v += std::to_string(len(0, 3)) + ":";
  v += std::to_string(len(0, 12));
  for (int i = len(0, 6); i > 0; --i) v += pick(alphabet);
  if (release && len(0, 1) == 0) {
    v += "-";
    v += pick("0123456789");
    for (int i = len(0, 4); i > 0; --i) v += pick(release_alphabet);
  }
  return v;
}

Pairs pairs_from(const std::vector<std::string>& vs, std::mt19937& rng, size_t n) {
  Pairs out;
  for (size_t i = 0; i + 1 < vs.size() && out.size() < n / 2; ++i) out.emplace_back(vs[i], vs[i + 1]);
  std::uniform_int_distribution<size_t> d(0, vs.size() - 1);
  while (out.size() < n) out.emplace_back(vs[d(rng)], vs[d(rng)]);
  return out;
}

const char* sym(int c) { return c < 0 ? "<" : (c > 0 ? ">" : "="); }

void check(Scheme s, const Pairs& pairs, const std::vector<std::string>& reference) {
  ASSERT_EQ(reference.size(), pairs.size());
  int mismatches = 0;
  for (size_t i = 0; i < pairs.size(); ++i) {
    auto r = version::compare(s, pairs[i].first, pairs[i].second);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    if (reference[i] != sym(*r) && ++mismatches <= 20)
      ADD_FAILURE() << version::scheme_name(s) << ": " << pairs[i].first << " vs " << pairs[i].second
                    << ": reference " << reference[i] << ", ours " << sym(*r);
  }
  EXPECT_EQ(mismatches, 0);
}

TEST(CrossCheck, DpkgCompareVersions) {
  BULWARK_REQUIRE_TOOL("dpkg");
  std::mt19937 rng(12345);
  auto real = installed_dpkg_versions();
  ASSERT_GT(real.size(), 50u);
  Pairs pairs = pairs_from(real, rng, 300);
  std::vector<std::string> generated;
  for (int i = 0; i < 200; ++i) generated.push_back(random_version(rng, "0123456789az.+~", true, true, "0123456789az.+~"));
  auto gen_pairs = pairs_from(generated, rng, 200);
  pairs.insert(pairs.end(), gen_pairs.begin(), gen_pairs.end());
  for (auto [a, b] : Pairs{{"1.0~rc1", "1.0"}, {"1:0.9", "2.0"}, {"1.0-1", "1.0-1+b1"}, {"2.36-9+deb12u4", "2.36-9+deb12u10"},
                           {"1.0a", "1.0+"}, {"1.0", "1.0-0"}, {"1.0~~", "1.0~"}})
    pairs.emplace_back(a, b);
  TempDir dir;
  std::string script;
  for (const auto& [a, b] : pairs)
    script += "if dpkg --compare-versions '" + a + "' lt '" + b + "'; then echo '<'; elif dpkg --compare-versions '" + a +
              "' eq '" + b + "'; then echo '='; else echo '>'; fi\n";
  write_file(dir / "check.sh", script);
  auto r = sh("sh " + (dir / "check.sh").string() + " 2>/dev/null");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  check(Scheme::kDpkg, pairs, lines(r.out));
}

TEST(CrossCheck, RpmVercmp) {
  BULWARK_REQUIRE_TOOL("rpm");
  auto probe = sh("rpm --eval '%{lua: print(rpm.vercmp(\"1.0\", \"2.0\"))}'");
  if (probe.exit_code != 0 || probe.out.find("-1") == std::string::npos)
    GTEST_SKIP() << "this rpm has no Lua rpm.vercmp";
  std::mt19937 rng(777);
  std::vector<std::string> vs;
  for (int i = 0; i < 300; ++i) vs.push_back(random_version(rng, "0123456789abZ.~^_+", true, true, "0123456789ab.~^_"));
  for (const auto& v : installed_dpkg_versions()) vs.push_back(v);  // rpm takes these too
  Pairs pairs = pairs_from(vs, rng, 500);
  for (auto [a, b] : Pairs{{"1.0~rc1", "1.0"}, {"1.0^git1", "1.0"}, {"1.0^git1", "1.0.1"}, {"1.0a", "1.0.1"},
                           {"1.0-1", "1.0"}, {"1.0~", "1.0^"}, {"2.0-1.el9", "2.0-1.el9_1"}, {"1:1.0", "2.0"}})
    pairs.emplace_back(a, b);
  TempDir dir;
  std::string lua = "for _, p in ipairs({\n";
  for (const auto& [a, b] : pairs) lua += "{[[" + a + "]], [[" + b + "]]},\n";
  lua += "}) do local c = rpm.vercmp(p[1], p[2]); print((c < 0 and '<' or (c > 0 and '>' or '=')) .. '\\n') end\n";
  write_file(dir / "check.lua", lua);
  auto r = run({"rpm", "--eval", "%{lua: dofile('" + (dir / "check.lua").string() + "')}"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto out = lines(r.out);
  while (!out.empty() && out.back().empty()) out.pop_back();
  check(Scheme::kRpm, pairs, out);
}

// Python's packaging (Debian's python3-packaging), when importable.
std::string python_with_packaging() {
  for (const char* py : {"/usr/bin/python3", "python3"}) {
    auto r = run({py, "-c", "import packaging.version, packaging.specifiers"});
    if (r.exit_code == 0) return py;
  }
  return {};
}

TEST(CrossCheck, Pep440AgainstPackaging) {
  std::string py = python_with_packaging();
  if (py.empty()) GTEST_SKIP() << "python3-packaging is not installed";
  std::mt19937 rng(4242);
  std::vector<std::string> vs = {"1.0", "1.0.0", "1.0.dev0", "1.0a1", "1.0b1", "1.0rc1", "1.0.post1", "1.0+local",
                                 "1.0+local.1", "1.0+1", "1!0.5", "2.0", "1.0a1.dev1", "1.0.post1.dev1", "0.9.9",
                                 "1.0RC1", "1.0-1", "1.0c2", "1.1.dev3", "1.0a1.post2"};
  const std::vector<std::string> pre = {"", "a", "b", "rc"};
  for (int i = 0; i < 200; ++i) {
    auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    std::string v;
    if (r(0, 8) == 0) v += std::to_string(r(0, 2)) + "!";
    v += std::to_string(r(0, 3));
    for (int k = r(0, 3); k > 0; --k) v += "." + std::to_string(r(0, 3));
    if (int p = r(0, 5); p < 4 && !pre[p].empty()) v += pre[p] + std::to_string(r(0, 2));
    if (r(0, 3) == 0) v += ".post" + std::to_string(r(0, 2));
    if (r(0, 3) == 0) v += ".dev" + std::to_string(r(0, 2));
    if (r(0, 5) == 0) v += "+" + std::string(r(0, 1) ? "ubuntu" : "7") + "." + std::to_string(r(0, 9));
    vs.push_back(v);
  }
  Pairs pairs = pairs_from(vs, rng, 600);
  std::string input;
  for (const auto& [a, b] : pairs) input += a + " " + b + "\n";
  auto r = run({py, "-c",
                "import sys\nfrom packaging.version import Version as V\n"
                "for l in sys.stdin:\n a, b = l.split()\n x, y = V(a), V(b)\n"
                " print('<' if x < y else ('>' if x > y else '='))\n"},
               input);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  check(Scheme::kPep440, pairs, lines(r.out));

  // Specifier sets, prereleases included (as the matcher wants).
  const std::vector<std::string> specs = {">=1.0,<2", ">=1.0,!=1.3.*,<2", "~=1.4.2", "~=1.4", "==1.0", "==1.*",
                                          "!=1.0", "<1.0", ">1.0", "<=1.0", ">=1.0", "==1.0+local", "<1.0rc1",
                                          ">1.0.post1", "~=2.2.post3", "==0.*", "!=1.0.*", ">=1!0.1"};
  std::vector<std::string> cands(vs.begin(), vs.begin() + 120);
  std::string in2;
  for (const auto& s : specs)
    for (const auto& c : cands) in2 += s + " " + c + "\n";
  auto r2 = run({py, "-c",
                 "import sys\nfrom packaging.specifiers import SpecifierSet as S\nfrom packaging.version import Version as V\n"
                 "for l in sys.stdin:\n s, c = l.split()\n print('1' if S(s).contains(V(c), prereleases=True) else '0')\n"},
                in2);
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  auto ref = lines(r2.out);
  size_t k = 0;
  int mismatches = 0;
  for (const auto& s : specs) {
    auto range = version::parse_range(Scheme::kPep440, s);
    ASSERT_TRUE(range.ok()) << range.error().describe();
    for (const auto& c : cands) {
      auto v = version::parse(Scheme::kPep440, c);
      ASSERT_TRUE(v.ok());
      std::string ours = range->contains(*v) ? "1" : "0";
      ASSERT_LT(k, ref.size());
      // packaging 23.0 lets "==0.*" match "1!0.5"; PEP 440 compares the
      // epoch (implicitly 0 in the specifier), so such pairs are left out.
      bool epoch_prefix = s.find(".*") != std::string::npos && c.find('!') != std::string::npos;
      if (!epoch_prefix && ours != ref[k] && ++mismatches <= 20)
        ADD_FAILURE() << "'" << c << "' in '" << s << "': packaging " << ref[k] << ", ours " << ours;
      ++k;
    }
  }
  EXPECT_EQ(mismatches, 0);
}

}  // namespace
}  // namespace bulwark::testing
