// Native range syntaxes and OSV range events, plus order properties
// (antisymmetry, transitivity) over generated version sets of every scheme.
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "version/version.hpp"

namespace bulwark::version {
namespace {

void in(Scheme s, const std::string& range, const std::vector<std::string>& yes, const std::vector<std::string>& no) {
  auto r = parse_range(s, range);
  ASSERT_TRUE(r.ok()) << range << ": " << r.error().describe();
  for (const auto& v : yes) {
    auto pv = parse(s, v);
    ASSERT_TRUE(pv.ok()) << pv.error().describe();
    EXPECT_TRUE(r->contains(*pv)) << scheme_name(s) << ": " << v << " should be in " << range;
  }
  for (const auto& v : no) {
    auto pv = parse(s, v);
    ASSERT_TRUE(pv.ok()) << pv.error().describe();
    EXPECT_FALSE(r->contains(*pv)) << scheme_name(s) << ": " << v << " should not be in " << range;
  }
}

void bad_range(Scheme s, const std::string& range) {
  auto r = parse_range(s, range);
  EXPECT_FALSE(r.ok()) << scheme_name(s) << " accepted range '" << range << "'";
}

TEST(NpmRange, NodeSemverDesugaring) {
  Scheme n = Scheme::kNpm;
  in(n, "^1.2.3", {"1.2.3", "1.9.9", "1.2.4"}, {"1.2.2", "2.0.0", "2.0.0-0", "1.3.0-beta"});
  in(n, "^0.2.3", {"0.2.3", "0.2.9"}, {"0.3.0", "0.2.2"});
  in(n, "^0.0.3", {"0.0.3"}, {"0.0.4", "0.0.2"});
  in(n, "^0.0", {"0.0.0", "0.0.9"}, {"0.1.0"});
  in(n, "^0.x", {"0.0.1", "0.9.0"}, {"1.0.0"});
  in(n, "^1.2.3-beta.2", {"1.2.3-beta.2", "1.2.3-beta.4", "1.2.3", "1.9.0"}, {"1.2.4-beta.2", "1.2.3-beta.1"});
  in(n, "~1.2.3", {"1.2.3", "1.2.9"}, {"1.3.0", "1.2.2"});
  in(n, "~1.2", {"1.2.0", "1.2.9"}, {"1.3.0"});
  in(n, "~1", {"1.0.0", "1.9.9"}, {"2.0.0"});
  in(n, "~>1.2", {"1.2.5"}, {"1.3.0"});
  in(n, "1.x", {"1.0.0", "1.99.0"}, {"2.0.0", "0.9.0"});
  in(n, "1.2.*", {"1.2.0", "1.2.7"}, {"1.3.0"});
  in(n, "*", {"0.0.0", "99.0.0"}, {"1.0.0-alpha"});
  in(n, "", {"1.0.0"}, {});
  in(n, "1.2.3 - 2.3.4", {"1.2.3", "2.3.4"}, {"2.3.5", "1.2.2"});
  in(n, "1.2 - 2.3", {"1.2.0", "2.3.9"}, {"2.4.0"});
  in(n, ">=1.0.0 <1.4.3 || >=2.0.0 <2.1.1", {"1.0.0", "1.4.2", "2.1.0"}, {"1.4.3", "2.1.1", "0.9.0"});
  in(n, ">1.2", {"1.3.0"}, {"1.2.9"});
  in(n, "<=1.2", {"1.2.9"}, {"1.3.0"});
  in(n, "<1.2", {"1.1.9"}, {"1.2.0"});
  in(n, "> 1.2.3", {"1.2.4"}, {"1.2.3"});
  in(n, "=1.2.3", {"1.2.3", "v1.2.3"}, {"1.2.4"});
  in(n, "<1.0.0", {"0.9.0"}, {"1.0.0-rc.1"});  // prerelease excluded by default
  in(n, ">=1.0.0-rc.1 <1.0.0", {"1.0.0-rc.1", "1.0.0-rc.2"}, {"1.0.0"});
  bad_range(n, ">=abc");
  bad_range(n, "1.2.3.4");
  bad_range(n, ">=");
}

TEST(CargoRange, Requirements) {
  Scheme c = Scheme::kCargo;
  in(c, "1.2.3", {"1.2.3", "1.9.0"}, {"2.0.0", "1.2.2"});  // bare is caret
  in(c, "=1.2.3", {"1.2.3"}, {"1.2.4"});
  in(c, ">=1.2.0, <1.5.0", {"1.2.0", "1.4.9"}, {"1.5.0"});
  in(c, "^0.1.2", {"0.1.5"}, {"0.2.0"});
  in(c, "~1.2", {"1.2.9"}, {"1.3.0"});
  in(c, "1.*", {"1.5.0"}, {"2.0.0"});
  in(c, "<0.4.2", {"0.4.1"}, {"0.4.2-alpha.1", "0.4.2"});
  in(c, ">=0.4.2-alpha.1", {"0.4.2-alpha.2", "0.4.2"}, {"0.5.0-alpha.1"});
}

TEST(GoRange, Comparators) {
  in(Scheme::kGo, ">=1.2.0, <1.4.0", {"v1.2.0", "1.3.9", "v1.3.0-0.20210101000000-abcdef123456"}, {"v1.4.0", "v1.1.9"});
}

TEST(Pep440Range, Specifiers) {
  Scheme p = Scheme::kPep440;
  in(p, ">=1.0,!=1.3.*,<2", {"1.0", "1.2.9", "1.4", "1.9.post1"}, {"1.3", "1.3.5", "2.0", "0.9"});
  in(p, "~=1.4.2", {"1.4.2", "1.4.9"}, {"1.5", "1.4.1"});
  in(p, "~=1.4", {"1.4", "1.9"}, {"2.0", "1.3"});
  in(p, "==1.0", {"1.0", "1.0.0", "1.0+local"}, {"1.0.post1", "1.0a1"});
  in(p, "==1.0+local", {"1.0+local"}, {"1.0", "1.0+other"});
  in(p, "<2.0", {"1.9", "1.9rc1"}, {"2.0rc1", "2.0"});
  in(p, ">1.0", {"1.1", "1.0.1"}, {"1.0.post1", "1.0+local", "1.0"});
  in(p, "===1.0", {"1.0"}, {"1.0.0"});
  in(p, "===foobar", {}, {"1.0"});
  in(p, "", {"1.0"}, {});
  bad_range(p, "1.0");
  bad_range(p, ">=1.0,,<2");
  bad_range(p, "~=1");
  bad_range(p, ">=1.*");
}

TEST(MavenRange, Intervals) {
  Scheme m = Scheme::kMaven;
  in(m, "[1.0,2.0)", {"1.0", "1.5", "2.0-SNAPSHOT", "2.0-rc1"}, {"2.0", "0.9"});
  in(m, "(,1.0]", {"0.1", "1.0", "1-ga"}, {"1.0.1"});
  in(m, "[1.0]", {"1.0", "1.0.0"}, {"1.0.1"});
  in(m, "[1.0,)", {"1.0", "99"}, {"0.9"});
  in(m, "(1.0,2.0]", {"1.0.1", "2.0"}, {"1.0"});
  in(m, "[1.0,2.0),[3.0,4.0)", {"1.5", "3.5"}, {"2.5", "4.0"});
  in(m, "2.17.0", {"2.17.0"}, {"2.17.1"});
  bad_range(m, "[1.0,2.0");
  bad_range(m, "[2.0,1.0]");
  bad_range(m, "(1.0)");
  bad_range(m, "[1.0,2.0)x");
}

TEST(RubyGemsRange, Requirements) {
  Scheme g = Scheme::kRubyGems;
  in(g, "~> 1.2", {"1.2", "1.9.9"}, {"2.0", "2.0.a", "1.1"});
  in(g, "~> 1.2.3", {"1.2.3", "1.2.99"}, {"1.3", "1.3.0.rc1"});
  in(g, "~> 1", {"1.0", "1.9"}, {"2.0"});
  in(g, ">= 1, < 2", {"1", "1.9"}, {"2", "0.9"});
  in(g, "!= 1.5", {"1.4"}, {"1.5.0"});
  in(g, "= 5.2.4.1", {"5.2.4.1"}, {"5.2.4"});
  in(g, "< 5.2.4.3, >= 5.2.0", {"5.2.4.2"}, {"5.2.4.3"});
  bad_range(g, ">= ");
  bad_range(g, "~> a");
}

TEST(NuGetRange, Intervals) {
  Scheme n = Scheme::kNuGet;
  in(n, "1.0", {"1.0", "2.0"}, {"0.9"});
  in(n, "[1.0,2.0)", {"1.0", "1.9"}, {"2.0"});
  in(n, "[1.0]", {"1.0.0.0"}, {"1.0.1"});
  in(n, "(,1.0]", {"0.1"}, {"1.0.1"});
  bad_range(n, "[1,2),[3,4)");
  bad_range(n, "1.*");
}

TEST(ComposerRange, Constraints) {
  Scheme c = Scheme::kComposer;
  in(c, "^1.2 || ~2.0", {"1.2", "1.9.9", "2.0.5", "2.9"}, {"1.1", "3.0"});
  in(c, ">=1 <2", {"1.0", "1.9", "1.0-beta1"}, {"2.0", "2.0-beta1", "0.9"});
  in(c, ">=1.0,<1.2.3", {"1.0", "1.2.2"}, {"1.2.3"});
  in(c, "~1.2.3", {"1.2.3", "1.2.9"}, {"1.3.0"});
  in(c, "~1.2", {"1.2", "1.9"}, {"2.0"});
  in(c, "^0.3", {"0.3.0", "0.3.9"}, {"0.4.0"});
  in(c, "1.0.*", {"1.0.0", "1.0.9", "1.0.0-beta1"}, {"1.1.0"});
  in(c, "1.0 - 2.0", {"1.0", "2.0.9"}, {"2.1"});
  in(c, "1.0.0 - 2.1.0", {"2.1.0"}, {"2.1.1"});
  in(c, "<1.2.3|>=2.0", {"1.0", "2.0"}, {"1.5"});
  in(c, "*", {"1.0"}, {});
  in(c, "1.2.3", {"v1.2.3", "1.2.3.0"}, {"1.2.4"});
  bad_range(c, ">=dev-main");
  bad_range(c, "=>1.0");
}

TEST(PlainRanges, DistroComparators) {
  in(Scheme::kDpkg, ">= 1.0, << 2.0", {"1.0", "1.9-1"}, {"2.0", "1.0~rc1"});
  in(Scheme::kRpm, ">= 1.0 < 2.0 || = 3.0-1", {"1.5-1", "3.0-1"}, {"2.0", "3.0-2"});
  in(Scheme::kApk, "<1.2.3-r4", {"1.2.3-r3", "1.2.3"}, {"1.2.3-r4"});
  in(Scheme::kSemver, ">=1.0.0, <2.0.0", {"1.0.0", "1.5.0-rc.1"}, {"2.0.0"});
  bad_range(Scheme::kDpkg, ">= ");
  bad_range(Scheme::kDpkg, "=> 1.0");
}

std::vector<Event> ev(std::vector<std::pair<EventKind, std::string>> v) {
  std::vector<Event> out;
  for (auto& [k, s] : v) out.push_back({k, s});
  return out;
}

bool osv(Scheme s, const std::vector<Event>& events, const std::string& v) {
  auto r = parse_osv_range(s, events);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
  auto pv = parse(s, v);
  EXPECT_TRUE(pv.ok());
  return r.ok() && pv.ok() && r->contains(*pv);
}

TEST(OsvRange, Events) {
  using K = EventKind;
  auto simple = ev({{K::kIntroduced, "0"}, {K::kFixed, "1.2.3"}});
  EXPECT_TRUE(osv(Scheme::kSemver, simple, "0.0.1"));
  EXPECT_TRUE(osv(Scheme::kSemver, simple, "1.2.3-rc.1"));
  EXPECT_FALSE(osv(Scheme::kSemver, simple, "1.2.3"));
  // Two branches, given out of order.
  auto two = ev({{K::kIntroduced, "2.0.0"}, {K::kFixed, "2.1.1"}, {K::kIntroduced, "1.0.0"}, {K::kFixed, "1.4.3"}});
  EXPECT_TRUE(osv(Scheme::kNpm, two, "1.4.2"));
  EXPECT_FALSE(osv(Scheme::kNpm, two, "1.5.0"));
  EXPECT_TRUE(osv(Scheme::kNpm, two, "2.1.0"));
  EXPECT_FALSE(osv(Scheme::kNpm, two, "2.1.1"));
  EXPECT_FALSE(osv(Scheme::kNpm, two, "0.9.0"));
  auto last = ev({{K::kIntroduced, "1.0"}, {K::kLastAffected, "1.5"}});
  EXPECT_TRUE(osv(Scheme::kPep440, last, "1.5"));
  EXPECT_FALSE(osv(Scheme::kPep440, last, "1.5.post1"));
  auto lim = ev({{K::kIntroduced, "0"}, {K::kLimit, "2.0"}});
  EXPECT_TRUE(osv(Scheme::kMaven, lim, "1.9"));
  EXPECT_FALSE(osv(Scheme::kMaven, lim, "2.0"));
  auto nolimit = ev({{K::kIntroduced, "0"}, {K::kLimit, "*"}});
  EXPECT_TRUE(osv(Scheme::kMaven, nolimit, "99"));
  // Debian: introduced 0, fixed in a security update.
  auto deb = ev({{K::kIntroduced, "0"}, {K::kFixed, "2.36-9+deb12u7"}});
  EXPECT_TRUE(osv(Scheme::kDpkg, deb, "2.36-9+deb12u4"));
  EXPECT_FALSE(osv(Scheme::kDpkg, deb, "2.36-9+deb12u10"));
  // Zero-width: introduced and fixed at the same version affects nothing.
  EXPECT_FALSE(osv(Scheme::kSemver, ev({{K::kIntroduced, "1.0.0"}, {K::kFixed, "1.0.0"}}), "1.0.0"));
  // Go: OSV writes versions without 'v'; installed has it.
  EXPECT_TRUE(osv(Scheme::kGo, ev({{K::kIntroduced, "0"}, {K::kFixed, "0.0.0-20220101000000-abcdefabcdef"}}),
                  "v0.0.0-20210101000000-abcdef123456"));
  // Bad event versions are errors naming the event.
  auto bad = parse_osv_range(Scheme::kSemver, ev({{K::kIntroduced, "0"}, {K::kFixed, "not.a.version"}}));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().describe().find("OSV event 2"), std::string::npos) << bad.error().describe();
  EXPECT_TRUE(parse_event_kind("last_affected").ok());
  EXPECT_FALSE(parse_event_kind("ecosystem").ok());
}

// Generated versions per scheme: every pair must be antisymmetric and every
// sorted sequence consistent (transitivity).
std::vector<std::string> generate(Scheme s, std::mt19937& rng, int n) {
  auto r = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto num = [&] { return std::to_string(r(0, 3) == 0 ? r(0, 120) : r(0, 3)); };
  std::vector<std::string> out;
  const std::vector<std::string> words = {"alpha", "beta", "rc", "a", "b", "sp", "snapshot", "ga", "final", "pre", "dev", "p", "post"};
  auto word = [&] { return words[r(0, static_cast<int>(words.size()) - 1)]; };
  for (int i = 0; i < n; ++i) {
    std::string v = num();
    switch (s) {
      case Scheme::kDpkg:
      case Scheme::kRpm: {
        if (r(0, 4) == 0) v = num() + ":" + v;
        for (int k = r(0, 3); k > 0; --k) v += std::string(1, ".~+a^"[r(0, s == Scheme::kRpm ? 4 : 3)]) + num();
        if (r(0, 1)) v += "-" + num() + (r(0, 1) ? "+b" + num() : "");
        break;
      }
      case Scheme::kApk: {
        for (int k = r(0, 2); k > 0; --k) v += "." + num();
        if (r(0, 3) == 0) v += "abc"[r(0, 2)];
        if (r(0, 2) == 0) v += std::string("_") + std::vector<std::string>{"alpha", "rc", "p", "git"}[r(0, 3)] + num();
        if (r(0, 1)) v += "-r" + num();
        break;
      }
      case Scheme::kSemver:
      case Scheme::kNpm:
      case Scheme::kGo:
      case Scheme::kCargo:
      case Scheme::kNuGet: {
        v += "." + num() + "." + num();
        if (r(0, 1)) {
          v += "-" + (r(0, 1) ? word() : num());
          for (int k = r(0, 2); k > 0; --k) v += "." + (r(0, 1) ? word() : num());
        }
        break;
      }
      case Scheme::kPep440: {
        for (int k = r(0, 2); k > 0; --k) v += "." + num();
        if (r(0, 2) == 0) v += std::vector<std::string>{"a", "b", "rc"}[r(0, 2)] + num();
        if (r(0, 3) == 0) v += ".post" + num();
        if (r(0, 3) == 0) v += ".dev" + num();
        if (r(0, 5) == 0) v += "+" + word() + "." + num();
        break;
      }
      case Scheme::kMaven:
      case Scheme::kRubyGems: {
        for (int k = r(0, 3); k > 0; --k) v += std::string(1, s == Scheme::kMaven ? ".-"[r(0, 1)] : '.') + (r(0, 2) ? num() : word());
        break;
      }
      case Scheme::kComposer: {
        for (int k = r(0, 3); k > 0; --k) v += "." + num();
        if (r(0, 2) == 0) v += "-" + std::vector<std::string>{"alpha", "beta", "RC", "patch"}[r(0, 3)] + num();
        if (r(0, 3) == 0) v += "-dev";
        break;
      }
    }
    out.push_back(v);
  }
  return out;
}

TEST(Properties, AntisymmetryAndTransitivity) {
  std::mt19937 rng(99);
  for (Scheme s : all_schemes()) {
    std::vector<Version> vs;
    for (const auto& text : generate(s, rng, 150)) {
      auto v = parse(s, text);
      ASSERT_TRUE(v.ok()) << v.error().describe();
      vs.push_back(*v);
    }
    for (const auto& a : vs)
      for (const auto& b : vs) {
        int ab = *a.compare(b), ba = *b.compare(a);
        ASSERT_EQ(ab, -ba) << scheme_name(s) << ": " << a.text() << " vs " << b.text();
      }
    // Maven's ComparableVersion is itself not transitive where a qualifier
    // meets a nested list ("1-rc" < "1" < "1.a", yet "1-rc" > "1.a" because
    // a list beats a string; likewise "0.rc" < "0" < "0-a" < "0.rc"). We
    // reproduce Maven, so only antisymmetry is checked for it.
    if (s == Scheme::kMaven) continue;
    std::sort(vs.begin(), vs.end());
    // Transitivity: after sorting, every earlier element is <= every later one.
    for (size_t i = 0; i < vs.size(); ++i)
      for (size_t j = i + 1; j < vs.size(); ++j)
        ASSERT_LE(*vs[i].compare(vs[j]), 0) << scheme_name(s) << ": " << vs[i].text() << " vs " << vs[j].text();
  }
}

}  // namespace
}  // namespace bulwark::version
