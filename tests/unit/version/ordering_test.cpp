// Version ordering per ecosystem, cases written from each specification (Debian
// Policy 5.6.12, rpmvercmp, apk-tools/Gentoo, SemVer 2.0, node-semver, PEP 440,
// Maven ComparableVersion, Go modules, Gem::Version, NuGet, Composer).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "version/version.hpp"

namespace bulwark::version {
namespace {

int cmp(Scheme s, const std::string& a, const std::string& b) {
  auto r = compare(s, a, b);
  EXPECT_TRUE(r.ok()) << a << " vs " << b << ": " << (r.ok() ? "" : r.error().describe());
  return r.ok() ? *r : 99;
}

// Every earlier entry is strictly less than every later one.
void expect_ascending(Scheme s, const std::vector<std::string>& v) {
  for (size_t i = 0; i < v.size(); ++i)
    for (size_t j = 0; j < v.size(); ++j) {
      int want = i < j ? -1 : (i > j ? 1 : 0);
      EXPECT_EQ(cmp(s, v[i], v[j]), want) << scheme_name(s) << ": " << v[i] << " vs " << v[j];
    }
}

void expect_equal(Scheme s, const std::vector<std::string>& v) {
  for (const auto& a : v)
    for (const auto& b : v) EXPECT_EQ(cmp(s, a, b), 0) << scheme_name(s) << ": " << a << " vs " << b;
}

void expect_invalid(Scheme s, const std::vector<std::string>& v) {
  for (const auto& a : v) {
    auto r = parse(s, a);
    EXPECT_FALSE(r.ok()) << scheme_name(s) << " accepted '" << a << "'";
    if (!r.ok()) {
      EXPECT_TRUE(r.error().code == ErrorCode::kInvalidArgument || r.error().code == ErrorCode::kLimitExceeded);
      EXPECT_NE(r.error().message.find(scheme_name(s)), std::string::npos) << r.error().message;
    }
  }
}

TEST(Dpkg, PolicyOrdering) {
  expect_ascending(Scheme::kDpkg, {"1.0~~", "1.0~~a", "1.0~", "1.0~rc1", "1.0", "1.0-1", "1.0-1+b1", "1.0a",
                                   "1.0+dfsg", "1.0.1", "1.1", "1.10", "2.0", "1:0.9", "2:0.1"});
  expect_ascending(Scheme::kDpkg, {"2.36-9+deb12u4", "2.36-9+deb12u10"});
  expect_ascending(Scheme::kDpkg, {"1.2.3-1~bpo12+1", "1.2.3-1", "1.2.3-1+deb12u1", "1.2.3-1.1"});
  EXPECT_EQ(cmp(Scheme::kDpkg, "1:0.9", "2.0"), 1);
  EXPECT_EQ(cmp(Scheme::kDpkg, "1.0~rc1", "1.0"), -1);
  EXPECT_EQ(cmp(Scheme::kDpkg, "1.0-1", "1.0-1+b1"), -1);
  // Letters sort before non-letters: "a" < "+" < "."
  expect_ascending(Scheme::kDpkg, {"1.0a", "1.0+", "1.0."});
  // An absent revision compares like "0"; epoch 0 is no epoch; leading zeros.
  expect_equal(Scheme::kDpkg, {"1.0", "0:1.0", "1.0-0", "1.00", "01.0"});
  // Numbers of any length, no overflow.
  expect_ascending(Scheme::kDpkg, {"1.99999999999999999999", "1.100000000000000000000", "99999999999999999999999:1"});
}

TEST(Dpkg, Invalid) {
  expect_invalid(Scheme::kDpkg, {"", "a1.0", ":1.0", "x:1.0", "1.0-", "1.0 2", "1.0_1", "1.0-1:2", "1.0/1",
                                 std::string(300, '1')});
}

TEST(Rpm, RpmvercmpOrdering) {
  expect_ascending(Scheme::kRpm, {"1.0~rc1", "1.0", "1.0^git1", "1.0^git2", "1.0.1"});
  EXPECT_EQ(cmp(Scheme::kRpm, "1.0^git1", "1.0"), 1);
  EXPECT_EQ(cmp(Scheme::kRpm, "1.0^git1", "1.0.1"), -1);
  // rpmvercmp: a letter segment loses to a number segment at the same place.
  EXPECT_EQ(cmp(Scheme::kRpm, "1.0a", "1.0.1"), -1);
  EXPECT_EQ(cmp(Scheme::kRpm, "1.0a", "1.0"), 1);
  EXPECT_EQ(cmp(Scheme::kRpm, "1.0", "1.0a"), -1);
  // Separators only separate: "1..0" == "1.0" == "1_0".
  expect_equal(Scheme::kRpm, {"1.0", "1..0", "1_0", "1+0", "0:1.0", "1.00", "1.000"});
  expect_ascending(Scheme::kRpm, {"1.0", "1.0.0"});
  expect_ascending(Scheme::kRpm, {"2.0-1.el9", "2.0-1.el9_1", "2.0-2.el9", "1:1.0-1"});
  expect_ascending(Scheme::kRpm, {"1.0~~", "1.0~", "1.0", "1.0^", "1.0^a"});
  EXPECT_EQ(cmp(Scheme::kRpm, "1.0-1", "1.0"), 1);  // a missing release sorts first
  expect_ascending(Scheme::kRpm, {"a", "b", "1"});
  expect_ascending(Scheme::kRpm, {"1.99999999999999999999", "1.100000000000000000000"});
}

TEST(Rpm, Invalid) { expect_invalid(Scheme::kRpm, {"", "1.0-", "x:1.0", "1.0 1", "1:2:3", "-1", "1.0\x01"}); }

TEST(Apk, AlpineOrdering) {
  expect_ascending(Scheme::kApk, {"1.0_alpha", "1.0_alpha1", "1.0_alpha2", "1.0_beta", "1.0_pre1", "1.0_rc1", "1.0",
                                  "1.0-r0", "1.0-r1", "1.0-r10", "1.0_cvs", "1.0_svn", "1.0_git20200101", "1.0_hg",
                                  "1.0_p1", "1.0_p2", "1.0a", "1.0b", "1.0.1", "1.1", "2.0"});
  expect_ascending(Scheme::kApk, {"1.01", "1.1"});   // leading zero: fractional comparison
  expect_ascending(Scheme::kApk, {"1.2.3-r4", "1.2.3_p1-r0", "1.2.4_rc1-r0", "1.2.4-r0"});
  expect_equal(Scheme::kApk, {"1.10", "1.10"});
  expect_ascending(Scheme::kApk, {"3.0.8-r0", "3.0.10-r0", "3.1.4-r5"});
}

TEST(Apk, Invalid) { expect_invalid(Scheme::kApk, {"", "a", "1.0_foo", "1.0-1", "1.0-r", "1..0", "1.0.", "1.0 "+std::string("x")}); }

TEST(Semver, SpecPrecedence) {
  expect_ascending(Scheme::kSemver, {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
                                     "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0",
                                     "2.0.0"});
  expect_equal(Scheme::kSemver, {"1.0.0", "1.0.0+build.1", "1.0.0+20130313144700"});
  expect_ascending(Scheme::kSemver, {"1.9.0", "1.10.0", "1.11.0"});
  expect_ascending(Scheme::kSemver, {"1.0.0-2", "1.0.0-10", "1.0.0-a"});
}

TEST(Semver, Invalid) {
  expect_invalid(Scheme::kSemver, {"", "1", "1.2", "v1.2.3", "01.2.3", "1.2.3-01", "1.2.3-", "1.2.3+", "1.2.3-a..b",
                                   "1.2.3.4", "1.2.3-a_b", "a.b.c"});
}

TEST(Npm, LooseVersions) {
  expect_equal(Scheme::kNpm, {"1.2.3", "v1.2.3", "=1.2.3", " 1.2.3 ", "V1.2.3", "1.2.3+build"});
  expect_ascending(Scheme::kNpm, {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-beta", "1.0.0", "1.0.1"});
  expect_invalid(Scheme::kNpm, {"", "1.2", "x", "1.2.3.4"});
}

TEST(Pep440, SpecOrdering) {
  expect_ascending(Scheme::kPep440, {"1.0.dev0", "1.0a1", "1.0b1", "1.0rc1", "1.0", "1.0.post1"});
  expect_ascending(Scheme::kPep440, {"1.0.dev456", "1.0a1", "1.0a2.dev456", "1.0a12.dev456", "1.0a12", "1.0b1.dev456",
                                     "1.0b2", "1.0b2.post345.dev456", "1.0b2.post345", "1.0rc1.dev456", "1.0rc1",
                                     "1.0", "1.0+abc.5", "1.0+abc.7", "1.0+5", "1.0.post456.dev34", "1.0.post456",
                                     "1.0.15", "1.1.dev1"});
  EXPECT_EQ(cmp(Scheme::kPep440, "1.0+local", "1.0"), 1);
  // Normalisation.
  expect_equal(Scheme::kPep440, {"1.0RC1", "1.0rc1", "1.0c1", "1.0-rc.1", "1.0_rc_1", "1.0pre1", "1.0preview1", "v1.0rc1"});
  expect_equal(Scheme::kPep440, {"1.0a", "1.0alpha0", "1.0.alpha.0", "1.0-a0"});
  expect_equal(Scheme::kPep440, {"1.0.post1", "1.0-1", "1.0post1", "1.0.rev1", "1.0-r1", "1.0_post_1"});
  expect_equal(Scheme::kPep440, {"1.0.dev", "1.0dev0", "1.0-dev0", "1.0.DEV0"});
  expect_equal(Scheme::kPep440, {"1.0", "1.0.0", "1.0.0.0", "0!1.0", "01.00"});
  expect_ascending(Scheme::kPep440, {"2024.1", "1!0.1"});
  expect_ascending(Scheme::kPep440, {"1.0+ubuntu.1", "1.0+ubuntu.2", "1.0+1"});
}

TEST(Pep440, Invalid) {
  expect_invalid(Scheme::kPep440, {"", "a", "1.0+", "1.0+a..b", "1.0foo", "1!", "1.0-", "1.0 rc", "1..0"});
}

TEST(Maven, ComparableVersion) {
  expect_ascending(Scheme::kMaven, {"1.0-alpha-1", "1.0-beta", "1.0-rc1", "1.0-SNAPSHOT", "1.0", "1.0-sp1"});
  expect_equal(Scheme::kMaven, {"1.0", "1.0.0", "1-ga", "1", "1.0-final", "1.0-GA", "1.0.0-release"});
  expect_equal(Scheme::kMaven, {"1.0-cr1", "1.0-rc1", "1.0RC1"});
  expect_equal(Scheme::kMaven, {"1a1", "1-alpha-1", "1.0-alpha1"});
  expect_ascending(Scheme::kMaven, {"1-alpha", "1-beta", "1-milestone", "1-rc", "1-snapshot", "1", "1-sp", "1-abc",
                                    "1-xyz", "1-1", "1.1"});
  expect_ascending(Scheme::kMaven, {"1.0.0", "1.0.1", "1.0.10", "1.1", "2"});
  expect_ascending(Scheme::kMaven, {"2.17.0", "2.17.1", "2.17.2"});
  expect_ascending(Scheme::kMaven, {"5.3.18", "5.3.18.RELEASE1"});
  expect_ascending(Scheme::kMaven, {"1.0-SNAPSHOT", "1.0"});
  expect_ascending(Scheme::kMaven, {"2.9.10.7", "2.9.10.8", "2.10.0"});
  expect_invalid(Scheme::kMaven, {"", "1.0 1", "[1.0]", "1,0"});
}

TEST(Go, ModuleVersions) {
  expect_ascending(Scheme::kGo, {"v0.0.0-20190101000000-aaaaaaaaaaaa", "v0.0.0-20210101000000-abcdef123456",
                                 "v0.1.0", "v1.2.3", "v1.2.4-0.20210101000000-abcdef123456", "v1.2.4-pre",
                                 "v1.2.4", "v2.0.0+incompatible", "v2.1.0+incompatible"});
  expect_equal(Scheme::kGo, {"v1.2.3", "1.2.3"});
  expect_equal(Scheme::kGo, {"v2.0.0+incompatible", "v2.0.0"});
  expect_equal(Scheme::kGo, {"v1", "v1.0", "v1.0.0"});
  expect_invalid(Scheme::kGo, {"", "v1.2.3+build", "v01.2.3", "latest", "v1.2.3.4"});
}

TEST(RubyGems, GemVersion) {
  expect_ascending(Scheme::kRubyGems, {"1.0.a", "1.0.a.1", "1.0.b1", "1.0.rc1", "1.0", "1.0.1", "1.1", "1.10"});
  expect_equal(Scheme::kRubyGems, {"1.0", "1", "1.0.0", "1.00"});
  expect_equal(Scheme::kRubyGems, {"1.0-rc1", "1.0.pre.rc1"});
  expect_ascending(Scheme::kRubyGems, {"1.0.pre", "1.0.rc", "1.0"});
  expect_ascending(Scheme::kRubyGems, {"5.2.4.beta1", "5.2.4.rc1", "5.2.4", "5.2.4.1", "6.0.0.beta1", "6.0.0"});
  expect_ascending(Scheme::kRubyGems, {"1.2.3.a", "1.2.3"});
  expect_invalid(Scheme::kRubyGems, {"", "a", "1..0", "1.0-", "1.0 1", "1.0_1"});
}

TEST(NuGet, Versions) {
  expect_equal(Scheme::kNuGet, {"1.0", "1.0.0", "1.0.0.0", "1.00.0", "1.0.0+meta"});
  expect_equal(Scheme::kNuGet, {"1.0.0-Beta", "1.0.0-beta", "1.0.0-BETA"});
  expect_ascending(Scheme::kNuGet, {"1.0.0-alpha", "1.0.0-alpha.2", "1.0.0-alpha.10", "1.0.0-beta", "1.0.0-RC.1",
                                    "1.0.0", "1.0.0.1", "1.0.1", "1.1"});
  expect_invalid(Scheme::kNuGet, {"", "a", "1.0.0.0.0", "1.0-", "1..0"});
}

TEST(Composer, Versions) {
  expect_ascending(Scheme::kComposer, {"1.0.0-dev", "1.0.0-alpha1", "1.0.0-alpha2", "1.0.0-beta1-dev", "1.0.0-beta1",
                                       "1.0.0-beta2", "1.0.0-RC1", "1.0.0", "1.0.0-patch1", "1.0.1", "1.1",
                                       "1.1.x-dev", "2.0"});
  expect_equal(Scheme::kComposer, {"1.0", "v1.0.0", "1.0.0.0", "1.0.0-stable", "1.0.0+build"});
  expect_equal(Scheme::kComposer, {"1.0.0-beta.2", "1.0.0-beta2", "1.0.0-b2", "1.0.0beta2"});
  expect_equal(Scheme::kComposer, {"1.0.0-RC1", "1.0.0-rc1", "1.0.0-rc.1"});
  expect_equal(Scheme::kComposer, {"1.0.0-p1", "1.0.0-pl1", "1.0.0-patch1"});
  expect_invalid(Scheme::kComposer, {"", "dev-main", "abc", "1.0.0-foo", "1.0.x"});
}

TEST(Cargo, StrictSemver) {
  expect_ascending(Scheme::kCargo, {"0.1.0", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0", "1.0.1"});
  expect_invalid(Scheme::kCargo, {"v1.0.0", "1.0", "1.0.0.0", "01.0.0"});
}

TEST(Lookup, EcosystemNames) {
  struct Case {
    const char* name;
    Scheme scheme;
  };
  for (auto c : std::vector<Case>{{"deb", Scheme::kDpkg},          {"Debian", Scheme::kDpkg},
                                  {"Debian:12", Scheme::kDpkg},    {"ubuntu", Scheme::kDpkg},
                                  {"Ubuntu:Pro:22.04:LTS", Scheme::kDpkg},
                                  {"rpm", Scheme::kRpm},           {"Red Hat", Scheme::kRpm},
                                  {"redhat", Scheme::kRpm},        {"Rocky Linux:9", Scheme::kRpm},
                                  {"AlmaLinux:8", Scheme::kRpm},   {"alma", Scheme::kRpm},
                                  {"SUSE:Linux Enterprise Server 15", Scheme::kRpm},
                                  {"openSUSE", Scheme::kRpm},      {"apk", Scheme::kApk},
                                  {"Alpine:v3.18", Scheme::kApk},  {"Wolfi", Scheme::kApk},
                                  {"Chainguard", Scheme::kApk},    {"npm", Scheme::kNpm},
                                  {"PyPI", Scheme::kPep440},       {"pypi", Scheme::kPep440},
                                  {"Maven", Scheme::kMaven},       {"maven", Scheme::kMaven},
                                  {"Go", Scheme::kGo},             {"golang", Scheme::kGo},
                                  {"RubyGems", Scheme::kRubyGems}, {"gem", Scheme::kRubyGems},
                                  {"NuGet", Scheme::kNuGet},       {"Packagist", Scheme::kComposer},
                                  {"composer", Scheme::kComposer}, {"crates.io", Scheme::kCargo},
                                  {"cargo", Scheme::kCargo},       {"SemVer", Scheme::kSemver}}) {
    auto s = lookup_ecosystem(c.name);
    ASSERT_TRUE(s.ok()) << c.name;
    EXPECT_EQ(*s, c.scheme) << c.name;
  }
  auto bad = lookup_ecosystem("cobol");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.error().message.find("cobol"), std::string::npos);
  EXPECT_EQ(all_schemes().size(), 12u);
  for (Scheme s : all_schemes()) EXPECT_EQ(*lookup_ecosystem(scheme_name(s)), s);
}

TEST(Api, ErrorsNameTheVersionAndWhy) {
  auto r = compare("deb", "1.0", "x.y");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("'x.y'"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("digit"), std::string::npos) << r.error().message;
  auto long_v = parse(Scheme::kSemver, "1.0.0-" + std::string(300, 'a'));
  ASSERT_FALSE(long_v.ok());
  EXPECT_EQ(long_v.error().code, ErrorCode::kLimitExceeded);
  auto long_r = parse_range(Scheme::kNpm, std::string(5000, ' '));
  ASSERT_FALSE(long_r.ok());
  EXPECT_EQ(long_r.error().code, ErrorCode::kLimitExceeded);
  // Control bytes in the message are escaped.
  auto ctl = parse(Scheme::kRpm, "1\x1b[2J");
  ASSERT_FALSE(ctl.ok());
  EXPECT_EQ(ctl.error().message.find('\x1b'), std::string::npos);
  // Different schemes do not compare.
  auto a = parse(Scheme::kNpm, "1.0.0");
  auto b = parse(Scheme::kCargo, "1.0.0");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_FALSE(a->compare(*b).ok());
}

TEST(Api, ParseOnceCompareMany) {
  auto installed = parse(Scheme::kDpkg, "2.36-9+deb12u4");
  ASSERT_TRUE(installed.ok());
  EXPECT_EQ(installed->text(), "2.36-9+deb12u4");
  int below = 0;
  for (int i = 0; i < 20; ++i) {
    auto f = parse(Scheme::kDpkg, "2.36-9+deb12u" + std::to_string(i));
    ASSERT_TRUE(f.ok());
    if (*installed < *f) ++below;
  }
  EXPECT_EQ(below, 15);  // u5..u19
}

}  // namespace
}  // namespace bulwark::version
