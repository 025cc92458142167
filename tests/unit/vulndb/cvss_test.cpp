// CVSS parsing and scoring: the specification documents' worked examples,
// boundaries, strict validation, and every CVSS metric in the real NVD CVE
// API 2.0 records of the shared corpus checked against NVD's published score.
#include "vulndb/cvss.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "core/json.hpp"
#include "testing/testing.hpp"

namespace bulwark::vulndb {
namespace {

namespace fs = std::filesystem;
using bulwark::testing::TempDir;

CvssScore must_parse(const std::string& v) {
  auto r = parse_cvss(v);
  EXPECT_TRUE(r.ok()) << v << ": " << (r.ok() ? "" : r.error().describe());
  return r.ok() ? *r : CvssScore{};
}

std::string must_fail(const std::string& v) {
  auto r = parse_cvss(v);
  EXPECT_FALSE(r.ok()) << v << " parsed but should not";
  return r.ok() ? std::string() : r.error().message;
}

// ------------------------------------------------------------- v3.1 / v3.0 --

struct BaseCase {
  const char* vector;
  double score;
};

// Base scores of the worked examples in FIRST's "CVSS v3.1: Examples"
// (the same vectors score identically under v3.0, checked below).
const BaseCase kV31Examples[] = {
    {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5},  // CVE-2014-0160 Heartbleed
    {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8},  // CVE-2014-6271 Shellshock
    {"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 6.1},  // CVE-2013-1937 phpMyAdmin XSS
    {"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 6.4},  // CVE-2013-0375 MySQL
    {"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 3.1},  // CVE-2014-3566 POODLE
    {"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 9.9},  // CVE-2012-1516 VMware
    {"CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 4.2},  // CVE-2009-0783 Tomcat
    {"CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 8.8},  // CVE-2012-0384 Cisco IOS
    {"CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.8},  // CVE-2015-1098 iWork
    {"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 7.4},  // CVE-2014-0224 OpenSSL CCS
    {"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 9.6},  // CVE-2012-5376 Chrome
    {"CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H", 7.5},  // CVE-2016-2118 Badlock
    {"CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H", 8.2},  // CVE-2016-5729 Lenovo
    {"CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 6.8},  // CVE-2014-2005 Sophos
    {"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 5.8},  // CVE-2010-0467 Joomla
};

TEST(Cvss, V31SpecificationExamples) {
  for (const auto& c : kV31Examples) {
    auto s = must_parse(c.vector);
    EXPECT_EQ(s.major, 3);
    EXPECT_EQ(s.minor, 1);
    EXPECT_DOUBLE_EQ(s.base, c.score) << c.vector;
    EXPECT_DOUBLE_EQ(s.score, c.score) << c.vector;
    EXPECT_FALSE(s.temporal.has_value());
    EXPECT_FALSE(s.environmental.has_value());
    EXPECT_EQ(s.normalized_vector, c.vector);
    // The same base metrics under v3.0.
    std::string v30 = std::string("CVSS:3.0/") + (c.vector + 9);
    EXPECT_DOUBLE_EQ(must_parse(v30).base, c.score) << v30;
  }
}

TEST(Cvss, V3Ratings) {
  EXPECT_EQ(must_parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H").rating, CvssRating::kCritical);
  EXPECT_EQ(must_parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H").rating, CvssRating::kHigh);  // 8.8
  EXPECT_EQ(must_parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N").rating, CvssRating::kMedium);
  EXPECT_EQ(must_parse("CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N").rating, CvssRating::kLow);
  EXPECT_EQ(cvss_rating(3, 0.0), CvssRating::kNone);
  EXPECT_EQ(cvss_rating(3, 0.1), CvssRating::kLow);
  EXPECT_EQ(cvss_rating(3, 3.9), CvssRating::kLow);
  EXPECT_EQ(cvss_rating(3, 4.0), CvssRating::kMedium);
  EXPECT_EQ(cvss_rating(3, 6.9), CvssRating::kMedium);
  EXPECT_EQ(cvss_rating(3, 7.0), CvssRating::kHigh);
  EXPECT_EQ(cvss_rating(3, 8.9), CvssRating::kHigh);
  EXPECT_EQ(cvss_rating(3, 9.0), CvssRating::kCritical);
  EXPECT_EQ(cvss_rating(4, 10.0), CvssRating::kCritical);
  EXPECT_EQ(to_severity(CvssRating::kNone), Severity::kUnknown);
  EXPECT_EQ(to_severity(CvssRating::kHigh), Severity::kHigh);
  EXPECT_STREQ(to_string(CvssRating::kMedium), "MEDIUM");
}

TEST(Cvss, V3Boundaries) {
  // No impact scores 0.0 whatever the exploitability.
  auto none = must_parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N");
  EXPECT_DOUBLE_EQ(none.base, 0.0);
  EXPECT_EQ(none.rating, CvssRating::kNone);
  EXPECT_DOUBLE_EQ(must_parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:N/A:N").base, 0.0);
  // Scope changed: 1.08 x (impact + exploitability) is above 10 and is capped.
  auto top = must_parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
  EXPECT_DOUBLE_EQ(top.base, 10.0);
  EXPECT_EQ(top.rating, CvssRating::kCritical);
  EXPECT_DOUBLE_EQ(must_parse("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H").base, 10.0);
  // The lowest non-zero base score.
  EXPECT_DOUBLE_EQ(must_parse("CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N").base, 1.6);
}

TEST(Cvss, V31Roundup) {
  EXPECT_DOUBLE_EQ(cvss31_roundup(4.0), 4.0);
  EXPECT_DOUBLE_EQ(cvss31_roundup(4.02), 4.1);
  EXPECT_DOUBLE_EQ(cvss31_roundup(4.1), 4.1);
  EXPECT_DOUBLE_EQ(cvss31_roundup(0.0), 0.0);
  EXPECT_DOUBLE_EQ(cvss31_roundup(9.99), 10.0);
  // The case the v3.1 Roundup exists for: an exact 4.0 that binary floating
  // point computes as 4.000000000000001 must stay 4.0 (v3.0's ceil moves it).
  EXPECT_DOUBLE_EQ(cvss31_roundup(4.000000000000001), 4.0);
  EXPECT_DOUBLE_EQ(cvss30_roundup(4.000000000000001), 4.1);
  EXPECT_DOUBLE_EQ(cvss30_roundup(4.0), 4.0);
  EXPECT_DOUBLE_EQ(cvss30_roundup(4.02), 4.1);
}

TEST(Cvss, V3TemporalAndEnvironmental) {
  // Temporal: Roundup(8.8 x 0.94 x 0.95 x 0.96) = Roundup(7.5433) = 7.6.
  auto t = must_parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H/E:P/RL:O/RC:R");
  EXPECT_DOUBLE_EQ(t.base, 8.8);
  ASSERT_TRUE(t.temporal.has_value());
  EXPECT_DOUBLE_EQ(*t.temporal, 7.6);
  EXPECT_FALSE(t.environmental.has_value());
  EXPECT_DOUBLE_EQ(t.score, 7.6);
  // All "not defined" temporal metrics leave the base score.
  auto tx = must_parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:X/RL:X/RC:X");
  ASSERT_TRUE(tx.temporal.has_value());
  EXPECT_DOUBLE_EQ(*tx.temporal, 9.8);
  EXPECT_EQ(tx.normalized_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
  // Environmental with unchanged modified metrics and default requirements
  // reproduces the base (9.8).
  auto e0 = must_parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/CR:X/MAV:X");
  ASSERT_TRUE(e0.environmental.has_value());
  EXPECT_DOUBLE_EQ(*e0.environmental, 9.8);
  // Modified scope changed makes MPR use the changed-scope weight (0.68):
  // MISS = 0.22, MI = 7.52 x 0.191 = 1.43632, ME = 8.22 x .85 x .44 x .68 x .85
  // = 1.77694, Roundup(1.08 x 3.21326 = 3.4703) = 3.5.
  auto e1 = must_parse(
      "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:L/A:L/IR:M/MAC:H/MPR:L/MS:C/MC:N/MA:N");
  ASSERT_TRUE(e1.environmental.has_value());
  EXPECT_DOUBLE_EQ(*e1.environmental, 3.5);
  // MISS is capped at 0.915: with every requirement High the scope-unchanged
  // modified impact is 6.42 x 0.915 = 5.8743; + 3.887 = 9.76 -> 9.8.
  auto e2 = must_parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/CR:H/IR:H/AR:H");
  EXPECT_DOUBLE_EQ(*e2.environmental, 9.8);
  // Environmental with temporal: Roundup(Roundup(9.8) x 0.91 x 0.95 x 0.92) = 7.8.
  auto e3 = must_parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O/RC:U/MAV:N");
  EXPECT_DOUBLE_EQ(*e3.temporal, 7.8);
  EXPECT_DOUBLE_EQ(*e3.environmental, 7.8);
  // No modified impact gives 0.
  auto e4 = must_parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/MC:N/MI:N/MA:N");
  EXPECT_DOUBLE_EQ(*e4.environmental, 0.0);
  EXPECT_EQ(e4.score_rating, CvssRating::kNone);
  EXPECT_EQ(e4.rating, CvssRating::kCritical);
}

// -------------------------------------------------------------------- v2 --

TEST(Cvss, V2GuideExamples) {
  // CVSS v2 guide, section 3.3: CVE-2002-0392 (Apache chunked encoding).
  auto a = must_parse("AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H");
  EXPECT_EQ(a.major, 2);
  EXPECT_DOUBLE_EQ(a.base, 7.8);
  EXPECT_DOUBLE_EQ(*a.temporal, 6.4);
  EXPECT_DOUBLE_EQ(*a.environmental, 9.2);
  // CVE-2003-0818 (Microsoft ASN.1), in old NVD parentheses.
  auto b = must_parse("(AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:L)");
  EXPECT_DOUBLE_EQ(b.base, 10.0);
  EXPECT_DOUBLE_EQ(*b.temporal, 8.3);
  EXPECT_DOUBLE_EQ(*b.environmental, 9.0);
  EXPECT_EQ(b.normalized_vector, "AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:L");
  // CVE-2003-0062 (NOD32).
  auto c = must_parse("AV:L/AC:H/Au:N/C:C/I:C/A:C/E:POC/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:M");
  EXPECT_DOUBLE_EQ(c.base, 6.2);
  EXPECT_DOUBLE_EQ(*c.temporal, 4.9);
  EXPECT_DOUBLE_EQ(*c.environmental, 7.5);
  EXPECT_DOUBLE_EQ(c.score, 7.5);
}

TEST(Cvss, V2BoundariesAndRatings) {
  auto none = must_parse("AV:N/AC:L/Au:N/C:N/I:N/A:N");
  EXPECT_DOUBLE_EQ(none.base, 0.0);
  EXPECT_EQ(none.rating, CvssRating::kLow);  // NVD's v2 bands have no None
  EXPECT_DOUBLE_EQ(must_parse("AV:N/AC:L/Au:N/C:C/I:C/A:C").base, 10.0);
  EXPECT_EQ(must_parse("AV:N/AC:L/Au:N/C:C/I:C/A:C").rating, CvssRating::kHigh);  // no Critical in v2
  EXPECT_DOUBLE_EQ(must_parse("AV:N/AC:L/Au:N/C:P/I:P/A:P").base, 7.5);
  EXPECT_EQ(must_parse("AV:N/AC:M/Au:N/C:N/I:P/A:N").rating, CvssRating::kMedium);  // 4.3
  EXPECT_EQ(cvss_rating(2, 3.9), CvssRating::kLow);
  EXPECT_EQ(cvss_rating(2, 6.9), CvssRating::kMedium);
  // Target distribution None zeroes the environmental score.
  EXPECT_DOUBLE_EQ(*must_parse("AV:N/AC:L/Au:N/C:C/I:C/A:C/TD:N").environmental, 0.0);
}

// -------------------------------------------------------------------- v4 --

TEST(Cvss, V4BaseScores) {
  const BaseCase cases[] = {
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H", 10.0},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.3},
      {"CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 9.2},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.7},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", 8.7},
      {"CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 6.9},
      {"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N", 6.9},
      {"CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 1.0},
  };
  for (const auto& c : cases) {
    auto s = must_parse(c.vector);
    EXPECT_EQ(s.major, 4);
    EXPECT_DOUBLE_EQ(s.base, c.score) << c.vector;
    EXPECT_DOUBLE_EQ(s.score, c.score) << c.vector;
    EXPECT_EQ(s.nomenclature, "CVSS-B");
    EXPECT_EQ(s.normalized_vector, c.vector);
  }
}

TEST(Cvss, V4MacroVectors) {
  EXPECT_EQ(must_parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H").macro_vector, "000100");
  EXPECT_EQ(must_parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").macro_vector, "000200");
  EXPECT_EQ(must_parse("CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N").macro_vector, "100200");
  EXPECT_EQ(must_parse("CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N").macro_vector, "212201");
  // EQ4 = 0 only through MSI/MSA Safety; EQ5 follows E; EQ6 follows CR/IR/AR.
  EXPECT_EQ(must_parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSI:S").macro_vector,
            "000000");
  EXPECT_EQ(must_parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U").macro_vector,
            "000220");
  EXPECT_EQ(
      must_parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:L/IR:L/AR:L").macro_vector,
      "000201");
}

TEST(Cvss, V4ThreatAndEnvironmental) {
  auto bt = must_parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U");
  EXPECT_EQ(bt.nomenclature, "CVSS-BT");
  EXPECT_DOUBLE_EQ(bt.base, 9.3);
  EXPECT_DOUBLE_EQ(bt.score, 8.1);
  EXPECT_EQ(bt.score_rating, CvssRating::kHigh);
  EXPECT_DOUBLE_EQ(must_parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P").score, 8.9);
  auto be = must_parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:L/IR:L/AR:L");
  EXPECT_EQ(be.nomenclature, "CVSS-BE");
  EXPECT_DOUBLE_EQ(be.score, 8.9);
  auto safety = must_parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MSI:S");
  EXPECT_DOUBLE_EQ(safety.score, 10.0);
  auto bte = must_parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/MAV:N");
  EXPECT_EQ(bte.nomenclature, "CVSS-BTE");
  EXPECT_DOUBLE_EQ(bte.score, 9.3);
  // Modified impacts all None: 0 whatever the base says.
  auto zero = must_parse(
      "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MVC:N/MVI:N/MVA:N");
  EXPECT_DOUBLE_EQ(zero.score, 0.0);
  EXPECT_DOUBLE_EQ(zero.base, 9.3);
  // Supplemental metrics do not change the score and stay in the vector.
  auto sup = must_parse(
      "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:P/AU:Y/R:I/V:C/RE:H/U:Amber");
  EXPECT_DOUBLE_EQ(sup.score, 9.3);
  EXPECT_EQ(sup.nomenclature, "CVSS-B");
  EXPECT_EQ(sup.normalized_vector,
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/S:P/AU:Y/R:I/V:C/RE:H/U:Amber");
}

TEST(Cvss, V4Zero) {
  auto z = must_parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N");
  EXPECT_DOUBLE_EQ(z.base, 0.0);
  EXPECT_EQ(z.rating, CvssRating::kNone);
}

// ------------------------------------------------------------ validation --

TEST(Cvss, NormalizesOrderAndNotDefined) {
  auto s = must_parse("CVSS:3.1/C:H/I:H/A:H/AV:N/AC:L/PR:N/UI:N/S:U/E:X");
  EXPECT_DOUBLE_EQ(s.base, 9.8);
  EXPECT_EQ(s.normalized_vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H");
  EXPECT_EQ(must_parse("  AV:N/AC:L/Au:N/C:P/I:P/A:P\n").normalized_vector, "AV:N/AC:L/Au:N/C:P/I:P/A:P");
  auto x = must_parse(
      "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/AR:X/MAV:X/MAC:X/MAT:X/"
      "MPR:X/MUI:X/MVC:X/MVI:X/MVA:X/MSC:X/MSI:X/MSA:X/S:X/AU:X/R:X/V:X/RE:X/U:X");
  EXPECT_EQ(x.nomenclature, "CVSS-B");
  EXPECT_EQ(x.normalized_vector, "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N");
}

TEST(Cvss, RejectsInvalidVectorsNamingTheMetric) {
  auto has = [](const std::string& msg, const std::string& part) {
    EXPECT_NE(msg.find(part), std::string::npos) << "message '" << msg << "' lacks '" << part << "'";
  };
  has(must_fail("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H"), "mandatory metric A is missing");
  has(must_fail("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/A:H"), "metric A appears more than once");
  has(must_fail("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/XX:Y"), "unknown metric 'XX'");
  has(must_fail("CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), "metric AV has invalid value 'Q'");
  has(must_fail("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/"), "empty component");
  has(must_fail("CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), "empty component");
  has(must_fail("CVSS:3.1/AV:N/AC/PR:N/UI:N/S:U/C:H/I:H/A:H"), "not METRIC:VALUE");
  has(must_fail("CVSS:3.1/"), "no metrics");
  has(must_fail("CVSS:3.1"), "no metrics");
  has(must_fail("CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), "unsupported CVSS version '3.2'");
  has(must_fail("CVSS:3.1/AV:n/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), "metric AV has invalid value 'n'");
  // A v4 metric in a v3 vector and the reverse.
  has(must_fail("CVSS:3.1/AV:N/AC:L/AT:N/PR:N/UI:N/S:U/C:H/I:H/A:H"), "unknown metric 'AT'");
  has(must_fail("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:R/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"), "metric UI has invalid value 'R'");
  has(must_fail("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N"), "mandatory metric SA is missing");
  // Safety exists only for the modified subsequent integrity/availability.
  has(must_fail("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N"), "metric SI has invalid value 'S'");
  has(must_fail("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/U:amber"), "metric U has invalid value");
  // v2: metric names are case-sensitive, and a v3 metric is unknown.
  has(must_fail("AV:N/AC:L/AU:N/C:P/I:P/A:P"), "unknown metric 'AU'");
  has(must_fail("AV:N/AC:L/Au:N/C:P/I:P/A:P/E:X"), "metric E has invalid value 'X'");
  has(must_fail("(AV:N/AC:L/Au:N/C:P/I:P/A:P"), "parenthesis");
  has(must_fail("AV:N/AC:L/Au:N/C:P/I:P"), "mandatory metric A is missing");
  has(must_fail("   "), "empty");
  has(must_fail("garbage"), "not METRIC:VALUE");
  // Non-printable bytes are quoted safely.
  has(must_fail(std::string("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/\x01\xff:1")), "unknown metric '?" "?'");  // split: no trigraph
}

TEST(Cvss, RejectsOverlongVectors) {
  std::string v = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
  while (v.size() <= kMaxCvssVectorLength) v += "/E:X";
  auto r = parse_cvss(v);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimitExceeded);
}

// ------------------------------------------------------------ NVD corpus --

// Calls f(metric_object, key) for every object under a "cvssMetricV*" array.
template <class F>
void walk_metrics(const json& j, F&& f) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      if (starts_with(it.key(), "cvssMetricV") && it.value().is_array()) {
        for (const auto& m : it.value()) f(m, it.key());
      } else {
        walk_metrics(it.value(), f);
      }
    }
  } else if (j.is_array()) {
    for (const auto& e : j) walk_metrics(e, f);
  }
}

TEST(Cvss, EveryNvdPublishedBaseScoreInTheCorpus) {
  BULWARK_REQUIRE_CORPUS();
  const fs::path archive = bulwark::testing::corpus_dir() / "enrich" / "nvd-cve-api-2.0-slice.tar.gz";
  ASSERT_TRUE(fs::exists(archive)) << archive;
  TempDir dir;
  ASSERT_TRUE(bulwark::testing::untar(archive, dir.path()));

  int files = 0, checked = 0, per_version[5] = {0, 0, 0, 0, 0};
  for (const auto& entry : fs::recursive_directory_iterator(dir.path())) {
    if (!entry.is_regular_file() || entry.path().extension() != ".json") continue;
    auto doc = parse_json(bulwark::testing::read_file(entry.path()), entry.path().string());
    ASSERT_TRUE(doc.ok()) << doc.error().describe();
    ++files;
    walk_metrics(*doc, [&](const json& metric, const std::string& key) {
      const json& data = metric.at("cvssData");
      const std::string vector = data.at("vectorString").get<std::string>();
      const double published = data.at("baseScore").get<double>();
      const std::string where = entry.path().filename().string() + " " + key + " " + vector;
      auto r = parse_cvss(vector);
      ASSERT_TRUE(r.ok()) << where << ": " << r.error().describe();
      // NVD's v4 "baseScore" is the score of the vector as written.
      const double computed = r->major == 4 ? r->score : r->base;
      EXPECT_DOUBLE_EQ(computed, published) << where;
      const std::string version = data.at("version").get<std::string>();
      EXPECT_EQ(std::to_string(r->major) + "." + std::to_string(r->minor), version) << where;
      // v3/v4 carry the rating inside cvssData, v2 beside it.
      std::string severity = data.value("baseSeverity", metric.value("baseSeverity", ""));
      if (!severity.empty()) {
        EXPECT_EQ(to_string(r->major == 4 ? r->score_rating : r->rating), severity) << where;
      }
      ++checked;
      ++per_version[r->major];
    });
  }
  std::printf("NVD corpus: %d files, %d CVSS metrics checked (v2 %d, v3 %d, v4 %d)\n", files, checked,
              per_version[2], per_version[3], per_version[4]);
  EXPECT_GE(checked, 100);
  EXPECT_GT(per_version[2], 0);
  EXPECT_GT(per_version[3], 0);
  EXPECT_GT(per_version[4], 0);
}

}  // namespace
}  // namespace bulwark::vulndb
