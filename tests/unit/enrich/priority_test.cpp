// The priority score: orderings that matter, exact explanations for
// hand-built findings, the SLA helpers.
//
// Facts used: CVE-2023-4863 (libwebp) NVD CVSS 3.1 8.8
// AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H, published 2023-09-12, in CISA KEV
// since 2023-09-13 (KEV catalog 2025.08.25); Debian bookworm fixed it in
// 1.2.4-0.2+deb12u1 (DSA-5496-1). CVE-2024-3094 (xz) NVD CVSS 3.1 10.0
// AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H, published 2024-03-29, not in KEV.
// CVE-2023-4911 (glibc) NVD 7.8 AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H, in KEV
// since 2023-11-21. EPSS probabilities here are in the range FIRST published
// for these CVEs, not one day's exact value; the percentile arithmetic is
// checked with CVE-1999-0005's row of the 2025-02-20 EPSS file
// (0.91963, percentile 0.99214).
#include <gtest/gtest.h>

#include "core/json.hpp"
#include "enrich/enrich.hpp"

namespace bulwark::enrich {
namespace {

constexpr const char* kToday = "2026-11-29";

Score cvss(const std::string& source, const std::string& vector, double value) {
  std::string type = vector.rfind("CVSS:4", 0) == 0 ? "cvss_v4" : vector.rfind("CVSS:3", 0) == 0 ? "cvss_v31" : "cvss_v2";
  return Score{source, type, vector, value};
}

Finding vuln(const std::string& id, Severity sev) {
  Finding f;
  f.kind = FindingKind::kVulnerability;
  f.id = id;
  f.severity = sev;
  return f;
}

Finding libwebp() {
  Finding f = vuln("CVE-2023-4863", Severity::kHigh);
  f.package_name = "libwebp7";
  f.package_ecosystem = "deb";
  f.scores = {cvss("nvd", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8)};
  f.epss_score = 0.93;
  f.epss_percentile = 0.998;
  f.known_exploited = true;
  f.known_exploited_since = "2023-09-13";
  f.remediation.fix_state = "fixed";
  f.remediation.fixed_versions = {"1.2.4-0.2+deb12u1"};
  f.published = "2023-09-12T15:15:07Z";
  return f;
}

Finding xz() {
  Finding f = vuln("CVE-2024-3094", Severity::kCritical);
  f.package_name = "xz-utils";
  f.package_ecosystem = "deb";
  f.scores = {cvss("redhat", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0),
              cvss("nvd", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0)};
  f.remediation.fix_state = "fixed";
  f.remediation.fixed_versions = {"5.6.1+really5.4.5-1"};
  f.published = "2024-03-29";
  return f;
}

// A local privilege escalation rated high, with no EPSS score, not in KEV.
Finding local_high() {
  Finding f = vuln("TEST-LOCAL-HIGH", Severity::kHigh);
  f.scores = {cvss("nvd", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8)};
  f.remediation.fix_state = "fixed";
  f.remediation.fixed_versions = {"2.36-9+deb12u3"};
  f.published = "2023-10-03";
  return f;
}

PriorityContext ctx(bool internet_facing = false) { return PriorityContext{internet_facing, kToday}; }

std::vector<std::tuple<std::string, int, std::string>> factors(const Priority& p) {
  std::vector<std::tuple<std::string, int, std::string>> out;
  for (const auto& f : p.factors) out.emplace_back(f.factor, f.points, f.detail);
  return out;
}

int points_of(const Priority& p, const std::string& factor) {
  int sum = 0;
  for (const auto& f : p.factors)
    if (f.factor == factor) sum += f.points;
  return sum;
}

bool has_factor(const Priority& p, const std::string& factor) {
  for (const auto& f : p.factors)
    if (f.factor == factor) return true;
  return false;
}

// ------------------------------------------------------------ exact lists --

TEST(Priority, LibwebpExactFactors) {
  Priority p = prioritize(libwebp(), ctx());
  using F = std::tuple<std::string, int, std::string>;
  EXPECT_EQ(factors(p), (std::vector<F>{
                            {"cvss", 40, "CVSS 8.8 (NVD)"},
                            {"network", 10, "exploitable over the network (AV:N)"},
                            {"epss", 20, "EPSS 0.93 (99th percentile)"},
                            {"kev", 25, "in CISA KEV since 2023-09-13"},
                            {"fix", 5, "fixed in 1.2.4-0.2+deb12u1"},
                            {"age", 5, "published 2023-09-12, 1174 days ago"},
                        }));
  EXPECT_EQ(p.score, 100);  // 105 capped
  EXPECT_EQ(p.level, "P1");
}

TEST(Priority, XzExactFactorsWithExposure) {
  Priority p = prioritize(xz(), ctx(true));
  using F = std::tuple<std::string, int, std::string>;
  // Two 10.0 scores: the NVD's is named. No EPSS: listed with 0 points.
  EXPECT_EQ(factors(p), (std::vector<F>{
                            {"cvss", 45, "CVSS 10.0 (NVD)"},
                            {"network", 10, "exploitable over the network (AV:N)"},
                            {"epss", 0, "no EPSS score"},
                            {"fix", 5, "fixed in 5.6.1+really5.4.5-1"},
                            {"age", 5, "published 2024-03-29, 975 days ago"},
                            {"exposure", 10, "internet-facing and reachable over the network"},
                        }));
  EXPECT_EQ(p.score, 75);
  EXPECT_EQ(p.level, "P2");
}

TEST(Priority, LocalHighExactFactors) {
  Priority p = prioritize(local_high(), ctx(true));
  using F = std::tuple<std::string, int, std::string>;
  EXPECT_EQ(factors(p), (std::vector<F>{
                            {"cvss", 35, "CVSS 7.8 (NVD)"},
                            {"network", 0, "needs local access (AV:L)"},
                            {"epss", 0, "no EPSS score"},
                            {"fix", 5, "fixed in 2.36-9+deb12u3"},
                            {"age", 5, "published 2023-10-03, 1153 days ago"},
                            {"exposure", 2, "internet-facing, but the attack needs local access"},
                        }));
  EXPECT_EQ(p.score, 47);
  EXPECT_EQ(p.level, "P3");
}

TEST(Priority, MisconfigurationFromSeverityAndExposure) {
  Finding f;
  f.kind = FindingKind::kMisconfiguration;
  f.id = "BW-K8S-001";
  f.severity = Severity::kCritical;
  using F = std::tuple<std::string, int, std::string>;
  Priority inside = prioritize(f, ctx(false));
  EXPECT_EQ(factors(inside), (std::vector<F>{{"severity", 75, "severity CRITICAL (misconfiguration BW-K8S-001)"}}));
  EXPECT_EQ(inside.level, "P2");
  Priority outside = prioritize(f, ctx(true));
  EXPECT_EQ(factors(outside), (std::vector<F>{{"severity", 75, "severity CRITICAL (misconfiguration BW-K8S-001)"},
                                              {"exposure", 10, "internet-facing"}}));
  EXPECT_EQ(outside.score, 85);
  EXPECT_EQ(outside.level, "P1");
}

// ---------------------------------------------------------------- orderings --

TEST(Priority, KevNetworkCveWithFixOutranksLocalHighWithoutEpss) {
  Priority kev = prioritize(libwebp(), ctx());
  Priority local = prioritize(local_high(), ctx());
  EXPECT_GT(kev.score, local.score);
  EXPECT_EQ(kev.level, "P1");
  EXPECT_EQ(local.level, "P3");
  // Even without its EPSS and without exposure, KEV + network decide it.
  Finding bare = libwebp();
  bare.epss_score.reset();
  bare.epss_percentile.reset();
  EXPECT_GT(prioritize(bare, ctx()).score, prioritize(local_high(), ctx(true)).score);
}

TEST(Priority, KnownExploitationRaises) {
  Finding glibc = local_high();
  Priority before = prioritize(glibc, ctx());
  glibc.known_exploited = true;
  glibc.known_exploited_since = "2023-11-21";
  Priority after = prioritize(glibc, ctx());
  EXPECT_EQ(after.score - before.score, 25);
  EXPECT_EQ(after.factors[3].detail, "in CISA KEV since 2023-11-21");
}

TEST(Priority, ExposureRaisesByReachability) {
  for (auto [vector, expected] : {std::pair{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 10},
                                  std::pair{"CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 5},
                                  std::pair{"CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 2},
                                  std::pair{"CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 0}}) {
    Finding f = vuln("CVE-X", Severity::kHigh);
    f.scores = {cvss("nvd", vector, 7.0)};
    Priority in = prioritize(f, ctx(false)), out = prioritize(f, ctx(true));
    EXPECT_EQ(out.score - in.score, expected) << vector;
    EXPECT_GE(out.score, in.score);
    EXPECT_FALSE(has_factor(in, "exposure"));
    EXPECT_TRUE(has_factor(out, "exposure")) << vector;  // said even when it adds nothing
  }
}

TEST(Priority, EpssOrdersAndHigherSeverityOrders) {
  Finding f = vuln("CVE-X", Severity::kHigh);
  f.scores = {cvss("nvd", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8)};
  int last = -1;
  for (double p : {0.0004, 0.003, 0.04, 0.3, 0.92}) {
    f.epss_score = p;
    int s = prioritize(f, ctx()).score;
    EXPECT_GE(s, last) << p;
    last = s;
  }
  // The 2025-02-20 EPSS row of CVE-1999-0005: 0.91963 at percentile 0.99214.
  f.epss_score = 0.91963;
  f.epss_percentile = 0.99214;
  Priority p = prioritize(f, ctx());
  EXPECT_EQ(p.factors[2].detail, "EPSS 0.92 (99th percentile)");
  EXPECT_EQ(p.factors[2].points, 20);
  f.epss_score = 0.00383;
  f.epss_percentile = 0.73075;
  p = prioritize(f, ctx());
  EXPECT_EQ(p.factors[2].detail, "EPSS 0.0038 (73rd percentile)");
  EXPECT_EQ(p.factors[2].points, 4);

  Finding medium = vuln("CVE-M", Severity::kMedium), critical = vuln("CVE-C", Severity::kCritical);
  EXPECT_LT(prioritize(medium, ctx()).score, prioritize(critical, ctx()).score);
}

// ------------------------------------------------------------ missing data --

TEST(Priority, MissingDataIsSaidAndLowersNothing) {
  // No CVSS, no vector, no EPSS, no date, no fix state: every gap is a factor.
  Finding bare = vuln("CVE-BARE", Severity::kUnknown);
  Priority p = prioritize(bare, ctx());
  using F = std::tuple<std::string, int, std::string>;
  EXPECT_EQ(factors(p), (std::vector<F>{
                            {"severity", 23, "no CVSS score and severity unknown; counted as MEDIUM"},
                            {"network", 5, "attack vector unknown (no CVSS vector); counted as adjacent"},
                            {"epss", 0, "no EPSS score"},
                            {"fix", 0, "fix availability unknown"},
                            {"age", 0, "publication date unknown"},
                        }));
  // Unknown severity counts as much as MEDIUM, not as nothing.
  EXPECT_EQ(p.score, prioritize(vuln("CVE-MED", Severity::kMedium), ctx()).score);
  // An unknown attack vector scores no lower than a known adjacent one, and
  // more than a local one.
  Finding local = vuln("CVE-L", Severity::kUnknown);
  local.scores = {Score{"nvd", "cvss_v31", "CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 0}};
  EXPECT_GT(p.score, prioritize(local, ctx()).score);
  // A missing EPSS score is not worse than a tiny one.
  Finding tiny = bare;
  tiny.epss_score = 0.0004;
  EXPECT_EQ(prioritize(tiny, ctx()).score, p.score);
  // Unknown severity of other kinds: counted as MEDIUM too.
  Finding secret;
  secret.kind = FindingKind::kSecret;
  secret.id = "aws-access-key-id";
  Finding medium_secret = secret;
  medium_secret.severity = Severity::kMedium;
  EXPECT_EQ(prioritize(secret, ctx()).score, prioritize(medium_secret, ctx()).score);
  EXPECT_EQ(prioritize(secret, ctx()).factors[0].detail,
            "severity unknown; counted as MEDIUM (secret aws-access-key-id)");
}

TEST(Priority, NoFixIsExplained) {
  Finding f = vuln("CVE-2023-45853", Severity::kCritical);
  f.remediation.fix_state = "will_not_fix";
  Priority p = prioritize(f, ctx());
  EXPECT_EQ(points_of(p, "fix"), 0);
  EXPECT_EQ(p.factors[3].detail, "no fix available (will not fix)");
  Finding g = f;
  g.remediation.fix_state = "fixed";
  EXPECT_EQ(prioritize(g, ctx()).score - p.score, 5);
  EXPECT_EQ(prioritize(g, ctx()).factors[3].detail, "a fix is available");
}

// ------------------------------------------------------------------ CVSS --

TEST(Priority, ChoosesNewestGenerationHighestScore) {
  Finding f = vuln("CVE-X", Severity::kLow);
  f.scores = {cvss("nvd", "AV:N/AC:L/Au:N/C:C/I:C/A:C", 10.0),  // v2 only if nothing newer
              cvss("ghsa", "CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5),
              cvss("nvd", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:N", 9.1)};
  Priority p = prioritize(f, ctx());
  EXPECT_EQ(p.factors[0].detail, "CVSS 9.1 (NVD)");
  EXPECT_EQ(p.factors[0].points, 41);
  EXPECT_EQ(p.factors[1].detail, "exploitable over the network (AV:N)");

  Finding v4 = vuln("CVE-Y", Severity::kHigh);
  v4.scores = {cvss("ghsa", "CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.7)};
  Priority q = prioritize(v4, ctx());
  EXPECT_EQ(q.factors[0].detail, "CVSS 8.7 (GitHub)");
  EXPECT_EQ(q.factors[1].detail, "exploitable from an adjacent network (AV:A)");
  EXPECT_EQ(q.factors[1].points, 5);

  Finding v2 = vuln("CVE-Z", Severity::kHigh);
  v2.scores = {cvss("nvd", "AV:L/AC:L/Au:N/C:C/I:C/A:C", 7.2)};
  Priority r = prioritize(v2, ctx());
  EXPECT_EQ(r.factors[0].detail, "CVSS 7.2 (NVD)");
  EXPECT_EQ(r.factors[1].detail, "needs local access (AV:L)");

  // A vector without a value: severity decides the impact, the vector the reach.
  Finding vec_only = vuln("CVE-W", Severity::kHigh);
  vec_only.severity_source = "debian";
  vec_only.scores = {Score{"nvd", "cvss_v31", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 0}};
  Priority s = prioritize(vec_only, ctx());
  EXPECT_EQ(s.factors[0].factor, "severity");
  EXPECT_EQ(s.factors[0].detail, "severity HIGH (Debian), no CVSS score");
  EXPECT_EQ(s.factors[0].points, 34);
  EXPECT_EQ(s.factors[1].points, 10);
}

TEST(Priority, ScoreIsBoundedAndLevelsFollowThresholds) {
  EXPECT_EQ(priority_level(100), "P1");
  EXPECT_EQ(priority_level(80), "P1");
  EXPECT_EQ(priority_level(79), "P2");
  EXPECT_EQ(priority_level(60), "P2");
  EXPECT_EQ(priority_level(59), "P3");
  EXPECT_EQ(priority_level(35), "P3");
  EXPECT_EQ(priority_level(34), "P4");
  EXPECT_EQ(priority_level(0), "P4");
  Finding low;
  low.kind = FindingKind::kSast;
  low.severity = Severity::kLow;
  Priority p = prioritize(low, ctx());
  EXPECT_EQ(p.score, 15);
  EXPECT_EQ(p.level, "P4");
}

TEST(Priority, FactorsJson) {
  Priority p = prioritize(libwebp(), ctx());
  auto j = parse_json(priority_factors_json(p), "factors");
  ASSERT_TRUE(j.ok());
  ASSERT_TRUE(j->is_array());
  ASSERT_EQ(j->size(), p.factors.size());
  EXPECT_EQ((*j)[0]["factor"], "cvss");
  EXPECT_EQ((*j)[0]["points"], 40);
  EXPECT_EQ((*j)[0]["detail"], "CVSS 8.8 (NVD)");
  EXPECT_EQ((*j)[3]["detail"], "in CISA KEV since 2023-09-13");
  EXPECT_EQ(priority_factors_json(Priority{}), "[]");
}

TEST(Priority, SlaDaysAndDueDates) {
  EXPECT_EQ(sla_days("P1"), 7);
  EXPECT_EQ(sla_days("P2"), 30);
  EXPECT_EQ(sla_days("P3"), 90);
  EXPECT_EQ(sla_days("P4"), 180);
  std::map<std::string, int> custom = {{"P1", 3}};
  EXPECT_EQ(sla_days("P1", custom), 3);
  EXPECT_EQ(sla_days("P2", custom), 30);  // missing levels keep the default
  EXPECT_EQ(sla_days("P9"), 180);
  EXPECT_EQ(due_date("2026-11-29", "P1"), "2026-12-06");
  EXPECT_EQ(due_date("2024-02-20T10:11:12Z", "P2"), "2024-03-21");  // across a leap day
  EXPECT_EQ(due_date("2026-12-31", "P4"), "2027-06-29");
  EXPECT_EQ(due_date("2026-11-29", "P1", custom), "2026-12-02");
  EXPECT_EQ(due_date("not a date", "P1"), "");
}

}  // namespace
}  // namespace bulwark::enrich
