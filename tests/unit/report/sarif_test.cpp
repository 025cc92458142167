// The SARIF 2.1.0 writer: structure GitHub code scanning reads, and validation
// with Microsoft's SARIF multitool (GitHub's rules included) and the SARIF
// JSON schema it ships.
#include <gtest/gtest.h>

#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "core/json.hpp"
#include "report/report.hpp"
#include "sample_report.hpp"
#include "testing/testing.hpp"

namespace bulwark::report {
namespace {

namespace fs = std::filesystem;
using bulwark::testing::TempDir;

json sarif_of(const Report& r) {
  std::ostringstream out;
  Status st = write_report(r, "sarif", {}, out);
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().describe());
  return json::parse(out.str());
}

// The sample report plus what enrich leaves on findings: an ignore with an
// expiry, a VEX justification, CWE ids.
Report triaged_report() {
  Report r = testing::sample_report();
  r.findings[0].attributes["cwe"] = "CWE-787";
  r.findings[1].attributes["vex_justification"] = "vulnerable_code_not_present";
  r.findings[2].status = FindingStatus::kIgnored;
  r.findings[2].status_reason = "template() never sees user input";
  r.findings[2].ignored_until = "2099-12-31";
  Finding libssl = r.findings[0];  // same advisory id in a second package: one rule, two results
  libssl.package_name = "libssl3";
  libssl.location.package_id.clear();
  libssl.fingerprint = "other";
  r.findings.push_back(libssl);
  return r;
}

TEST(Sarif, LogRunAndDriver) {
  json log = sarif_of(testing::sample_report());
  EXPECT_EQ(log["version"], "2.1.0");
  EXPECT_EQ(log["$schema"], "https://json.schemastore.org/sarif-2.1.0.json");
  ASSERT_EQ(log["runs"].size(), 1u);
  const json& run = log["runs"][0];
  const json& driver = run["tool"]["driver"];
  EXPECT_EQ(driver["name"], "Bulwark");
  EXPECT_EQ(driver["version"], "0.1.0");
  EXPECT_EQ(driver["semanticVersion"], "0.1.0");
  EXPECT_TRUE(driver.contains("informationUri"));
  EXPECT_EQ(run["originalUriBaseIds"]["ROOTPATH"]["uri"], "file:///");
  EXPECT_EQ(run["automationDetails"]["id"], "bulwark/image/localhost-bulwark-fixture/");
  EXPECT_EQ(run["columnKind"], "utf16CodeUnits");
  EXPECT_EQ(run["properties"]["digest"], "sha256:3333333333333333333333333333333333333333333333333333333333333333");
}

TEST(Sarif, OneRulePerIdWithWhatGitHubReads) {
  json run = sarif_of(triaged_report())["runs"][0];
  const json& rules = run["tool"]["driver"]["rules"];
  std::set<std::string> ids;
  for (const auto& rule : rules) EXPECT_TRUE(ids.insert(rule["id"].get<std::string>()).second) << rule["id"];
  EXPECT_EQ(ids.size(), 5u);  // 6 findings, CVE-2023-4911 twice
  const json& glibc = rules[0];
  EXPECT_EQ(glibc["id"], "CVE-2023-4911");
  EXPECT_EQ(glibc["name"], "OsPackageVulnerability");
  EXPECT_EQ(glibc["shortDescription"]["text"], "glibc: buffer overflow in ld.so leading to privilege escalation");
  EXPECT_FALSE(glibc["fullDescription"]["text"].get<std::string>().empty());
  EXPECT_EQ(glibc["helpUri"], "https://security-tracker.debian.org/tracker/CVE-2023-4911");
  EXPECT_NE(glibc["help"]["text"].get<std::string>().find("Package: libc6, libssl3"), std::string::npos);
  EXPECT_NE(glibc["help"]["markdown"].get<std::string>().find("| HIGH | libc6, libssl3 | 2.36-9+deb12u5 |"),
            std::string::npos)
      << glibc["help"]["markdown"];
  EXPECT_EQ(glibc["defaultConfiguration"]["level"], "error");
  EXPECT_EQ(glibc["properties"]["tags"], json::array({"vulnerability", "security", "HIGH", "external/cwe/cwe-787"}));
  EXPECT_EQ(glibc["properties"]["precision"], "very-high");
  EXPECT_EQ(glibc["properties"]["security-severity"], "7.8");  // its CVSS score, inside the HIGH band
  const json& zlib = rules[1];
  EXPECT_EQ(zlib["properties"]["security-severity"], "9.5");  // CRITICAL without a score
  EXPECT_EQ(zlib["helpUri"], "https://nvd.nist.gov/vuln/detail/CVE-2023-45853");
  EXPECT_EQ(rules[2]["name"], "LanguageSpecificPackageVulnerability");
  EXPECT_EQ(rules[2]["helpUri"], "https://github.com/advisories/GHSA-35jh-r3h4-6jhm");
  EXPECT_EQ(rules[3]["defaultConfiguration"]["level"], "warning");  // MEDIUM misconfiguration
  EXPECT_EQ(rules[3]["properties"]["tags"][0], "misconfiguration");
  EXPECT_EQ(rules[4]["properties"]["tags"][0], "secret");
}

TEST(Sarif, ResultsLocationsFingerprintsAndSuppressions) {
  json run = sarif_of(triaged_report())["runs"][0];
  const json& results = run["results"];
  ASSERT_EQ(results.size(), 6u);
  const json& glibc = results[0];
  EXPECT_EQ(glibc["ruleId"], "CVE-2023-4911");
  EXPECT_EQ(glibc["ruleIndex"], 0);
  EXPECT_EQ(glibc["level"], "error");
  std::string msg = glibc["message"]["text"];
  for (const char* part : {"Package: libc6", "Installed Version: 2.36-9+deb12u4", "Severity: HIGH",
                           "Fixed Version: 2.36-9+deb12u5"})
    EXPECT_NE(msg.find(part), std::string::npos) << part << "\n" << msg;
  const json& loc = glibc["locations"][0]["physicalLocation"];
  EXPECT_EQ(loc["artifactLocation"]["uri"], "var/lib/dpkg/status");
  EXPECT_EQ(loc["artifactLocation"]["uriBaseId"], "ROOTPATH");
  EXPECT_EQ(loc["region"]["startLine"], 1);
  EXPECT_EQ(glibc["partialFingerprints"]["bulwarkFingerprint/v1"], testing::sample_report().findings[0].fingerprint);
  EXPECT_FALSE(glibc.contains("suppressions"));
  EXPECT_EQ(results[5]["ruleIndex"], 0);  // libssl3: the same rule

  const json& zlib = results[1];  // not_affected
  ASSERT_EQ(zlib["suppressions"].size(), 1u);
  EXPECT_EQ(zlib["suppressions"][0]["kind"], "external");
  EXPECT_EQ(zlib["suppressions"][0]["status"], "accepted");
  EXPECT_EQ(zlib["suppressions"][0]["justification"], "minizip is not built into zlib1g");
  EXPECT_EQ(zlib["suppressions"][0]["properties"]["vexJustification"], "vulnerable_code_not_present");
  const json& lodash = results[2];  // ignored
  EXPECT_EQ(lodash["suppressions"][0]["justification"], "template() never sees user input");
  EXPECT_EQ(lodash["suppressions"][0]["properties"]["ignoredUntil"], "2099-12-31");
  EXPECT_EQ(lodash["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "srv/app/package-lock.json");
  EXPECT_EQ(lodash["level"], "error");
  const json& misconf = results[3];
  EXPECT_EQ(misconf["level"], "warning");
  EXPECT_EQ(misconf["locations"][0]["physicalLocation"]["region"]["startLine"], 3);
  EXPECT_EQ(results[4]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "srv/app/.env");
}

TEST(Sarif, UrisAreRelativeAndEscaped) {
  Report r = testing::sample_report();
  r.findings.resize(1);
  r.findings[0].location.path = "/opt/my app/lib:1/ünïcode.jar";
  json run = sarif_of(r)["runs"][0];
  EXPECT_EQ(run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "opt/my%20app/lib%3A1/%C3%BCn%C3%AFcode.jar");
  // Without a path the target stands in; a directory target is its own base.
  r.findings[0].location.path.clear();
  r.target.kind = TargetKind::kFilesystem;
  r.target.reference = "/srv/project";
  run = sarif_of(r)["runs"][0];
  EXPECT_EQ(run["originalUriBaseIds"]["ROOTPATH"]["uri"], "file:///srv/project/");
  EXPECT_EQ(run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], ".");
  r.target.kind = TargetKind::kImage;
  r.target.reference = "debian:12";  // never read as a URI scheme
  run = sarif_of(r)["runs"][0];
  EXPECT_EQ(run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "debian%3A12");
  // An empty report is a valid log with no rules and no results.
  json empty = sarif_of(Report{})["runs"][0];
  EXPECT_TRUE(empty["results"].empty());
  EXPECT_TRUE(empty["tool"]["driver"]["rules"].empty());
}

// ------------------------------------------------------------ validation --

fs::path tools_dir() { return fs::path(BULWARK_SOURCE_DIR) / "tests" / "tools"; }
fs::path multitool() {
  return tools_dir() / "node_modules" / "@microsoft" / "sarif-multitool-linux" / "Sarif.Multitool";
}

// The npm package ships the Linux binary without its execute bit and sets it
// in an install script (chmod u+x); `npm ci --ignore-scripts` skips that, so
// the test does the same chmod (scripts/test also runs that one script).
#define REQUIRE_MULTITOOL()                                                                          \
  do {                                                                                               \
    if (!fs::exists(multitool())) GTEST_SKIP() << "run npm ci --prefix tests/tools (sarif-multitool)"; \
    std::error_code ec_;                                                                             \
    fs::permissions(multitool(), fs::perms::owner_exec, fs::perm_options::add, ec_);                 \
  } while (0)

struct Validation {
  int exit_code = -1;
  std::map<std::string, std::vector<std::string>> by_level;  // "error" -> ["GH2012: …", …]
  std::string log;
};

// Runs `sarif-multitool validate` with the SARIF rules and GitHub's ("Gh"),
// all levels, and reads its own SARIF output.
Validation validate(const fs::path& file, const TempDir& tmp) {
  Validation v;
  fs::path out = tmp / "validation.sarif";
  auto r = bulwark::testing::run({multitool().string(), "validate", file.string(), "-o", out.string(), "--log",
                                  "ForceOverwrite", "--rule-kind", "Sarif;Gh", "--level", "Error;Warning;Note"});
  v.exit_code = r.exit_code;
  v.log = r.out + r.err;
  if (!fs::exists(out)) return v;
  json log = json::parse(bulwark::testing::read_file(out));
  for (const auto& res : log["runs"][0]["results"]) {
    std::string text = res["ruleId"].get<std::string>();
    if (res["message"].contains("arguments")) text += ": " + res["message"]["arguments"].dump();
    v.by_level[res.value("level", "warning")].push_back(text);
  }
  return v;
}

TEST(Sarif, RepositoryTargetsCarryVersionControlProvenance) {
  Report r = testing::sample_report();
  r.target.kind = TargetKind::kRepository;
  r.target.reference = "/srv/project";
  r.target.repository = RepositoryInfo{"0123456789abcdef0123456789abcdef01234567", "main",
                                       "git@github.com:example/project.git"};
  const json run = sarif_of(r)["runs"][0];
  EXPECT_EQ(run["originalUriBaseIds"]["ROOTPATH"]["uri"], "file:///srv/project/");
  ASSERT_EQ(run["versionControlProvenance"].size(), 1u);
  const json& vcs = run["versionControlProvenance"][0];
  EXPECT_EQ(vcs["repositoryUri"], "ssh://git@github.com/example/project.git");  // scp-like made a URI
  EXPECT_EQ(vcs["revisionId"], "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(vcs["branch"], "main");
  EXPECT_EQ(vcs["mappedTo"]["uriBaseId"], "ROOTPATH");
  EXPECT_EQ(run["properties"]["remoteUrl"], "git@github.com:example/project.git");
  // A remote that is no URI (a relative path) gives no provenance, only the property.
  r.target.repository->remote_url = "../upstream";
  EXPECT_FALSE(sarif_of(r)["runs"][0].contains("versionControlProvenance"));
  r.target.repository->remote_url = "https://github.com/example/project.git";
  EXPECT_EQ(sarif_of(r)["runs"][0]["versionControlProvenance"][0]["repositoryUri"],
            "https://github.com/example/project.git");
}

TEST(SarifValidation, MultitoolFindsNoErrorsOrWarnings) {
  REQUIRE_MULTITOOL();
  TempDir tmp;
  Report dir = triaged_report();
  dir.target.kind = TargetKind::kFilesystem;
  dir.target.reference = "/srv/project";
  Report repo = dir;
  repo.target.kind = TargetKind::kRepository;
  repo.target.repository = RepositoryInfo{"0123456789abcdef0123456789abcdef01234567", "main",
                                          "git@github.com:example/project.git"};
  int n = 0;
  for (const Report& r : {testing::sample_report(), triaged_report(), dir, repo, Report{}}) {
    fs::path file = tmp / ("log" + std::to_string(n++) + ".sarif");
    std::ostringstream text;
    ASSERT_TRUE(write_report(r, "sarif", {}, text).ok());
    bulwark::testing::write_file(file, text.str());
    Validation v = validate(file, tmp);
    ASSERT_EQ(v.exit_code, 0) << v.log;
    EXPECT_TRUE(v.by_level["error"].empty()) << ::testing::PrintToString(v.by_level["error"]);
    EXPECT_TRUE(v.by_level["warning"].empty()) << ::testing::PrintToString(v.by_level["warning"]);
    // Notes are advice, listed for whoever reads the log: SARIF2002 (message
    // ids instead of text), SARIF2003 (no version control provenance for an
    // image), SARIF2006 (URLs not reachable offline), SARIF2009 (advisory ids
    // are not "AB1234"), SARIF2010/2011 (no source snippets for a package
    // database), SARIF2012 (rules without a help page).
    std::set<std::string> notes;
    for (const auto& note : v.by_level["note"]) notes.insert(note.substr(0, note.find(':')));
    for (const auto& id : notes)
      EXPECT_TRUE(std::set<std::string>({"SARIF2002", "SARIF2003", "SARIF2006", "SARIF2009", "SARIF2010", "SARIF2011",
                                         "SARIF2012"})
                      .count(id))
          << "unexpected note " << id;
    std::cout << "[ sarif-multitool ] " << file.filename().string() << ": 0 errors, 0 warnings, "
              << v.by_level["note"].size() << " notes " << ::testing::PrintToString(notes) << "\n";
  }
}

TEST(SarifValidation, MultitoolCatchesWhatGitHubRejects) {
  // The check must be able to fail: a rule without help is rejected by GitHub (GH2012).
  REQUIRE_MULTITOOL();
  TempDir tmp;
  json log = sarif_of(testing::sample_report());
  log["runs"][0]["tool"]["driver"]["rules"][0].erase("help");
  bulwark::testing::write_file(tmp / "bad.sarif", log.dump());
  Validation v = validate(tmp / "bad.sarif", tmp);
  ASSERT_FALSE(v.by_level["error"].empty()) << v.log;
  EXPECT_EQ(v.by_level["error"][0].substr(0, 6), "GH2012");
}

TEST(SarifValidation, ValidAgainstTheSarifSchema) {
  // The multitool's own schema check skips some constraints (enums, minimums);
  // ajv checks the same schema file fully.
  REQUIRE_MULTITOOL();
  BULWARK_REQUIRE_TOOL("node");
  fs::path schema = multitool().parent_path() / "sarif-2.1.0.json";
  TempDir tmp;
  std::ostringstream text;
  ASSERT_TRUE(write_report(triaged_report(), "sarif", {}, text).ok());
  bulwark::testing::write_file(tmp / "log.sarif", text.str());
  auto ok = bulwark::testing::run({"node", (tools_dir() / "validate.js").string(), schema.string(),
                                   (tmp / "log.sarif").string()});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  json bad = json::parse(text.str());
  bad["runs"][0]["results"][0]["level"] = "fatal";
  bad["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0;
  bulwark::testing::write_file(tmp / "bad.sarif", bad.dump());
  auto fails = bulwark::testing::run({"node", (tools_dir() / "validate.js").string(), schema.string(),
                                      (tmp / "bad.sarif").string()});
  EXPECT_EQ(fails.exit_code, 1) << fails.out << fails.err;
  EXPECT_NE(fails.err.find("/runs/0/results/0/level"), std::string::npos) << fails.err;
}

}  // namespace
}  // namespace bulwark::report
