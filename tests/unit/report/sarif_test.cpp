// The SARIF writer: one rule per finding id, levels by severity, locations at
// the finding's file, suppressions for ignored and not-affected findings.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "report/report.hpp"
#include "sample_report.hpp"

namespace bulwark::report {
namespace {

Finding vuln(std::string id, Severity sev, std::string path, FindingStatus st = FindingStatus::kOpen) {
  Finding f;
  f.id = std::move(id);
  f.title = "Prototype Pollution";
  f.severity = sev;
  f.location.path = std::move(path);
  f.package_name = "minimist";
  f.package_version = "1.2.0";
  f.remediation.fixed_versions = {"1.2.6"};
  f.status = st;
  f.fingerprint = "abc";
  return f;
}

TEST(Sarif, RulesResultsLevelsAndSuppressions) {
  Report r = testing::sample_report();
  r.findings.clear();
  r.findings.push_back(vuln("CVE-2021-44906", Severity::kCritical, "app/node_modules/minimist/package.json"));
  r.findings.push_back(vuln("CVE-2021-44906", Severity::kCritical, "app/node_modules/a/node_modules/minimist/package.json",
                            FindingStatus::kIgnored));
  r.findings.push_back(vuln("CVE-2020-7598", Severity::kMedium, "app/node_modules/minimist/package.json"));
  r.findings.back().scores.push_back({"ghsa", "cvss_v3", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:L/A:L", 5.6});
  std::ostringstream out;
  ASSERT_TRUE(write_report(r, "sarif", {}, out));
  auto j = nlohmann::json::parse(out.str());
  EXPECT_EQ(j["version"], "2.1.0");
  const auto& run = j["runs"][0];
  ASSERT_EQ(run["tool"]["driver"]["rules"].size(), 2u);
  ASSERT_EQ(run["results"].size(), 3u);
  EXPECT_EQ(run["results"][0]["level"], "error");
  EXPECT_EQ(run["results"][2]["level"], "warning");
  EXPECT_EQ(run["results"][2]["ruleIndex"], 1);
  EXPECT_EQ(run["tool"]["driver"]["rules"][1]["properties"]["security-severity"], "5.6");
  EXPECT_EQ(run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "app/node_modules/minimist/package.json");
  EXPECT_FALSE(run["results"][0].contains("suppressions"));
  EXPECT_EQ(run["results"][1]["suppressions"][0]["kind"], "external");
  EXPECT_NE(run["results"][0]["message"]["text"].get<std::string>().find("Fixed Version: 1.2.6"), std::string::npos);
}

}  // namespace
}  // namespace bulwark::report
