// `bulwark convert` and the gate flags, through the real binary: exit codes,
// filters, ignore files, VEX, and what each output format says about it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "testing/testing.hpp"

namespace bulwark::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

CommandResult bulwark(std::vector<std::string> args) {
  args.insert(args.begin(), bulwark_binary());
  return run(args);
}

std::string report_file() { return fixture("enrich/report-debian-image.json").string(); }

json findings_by_id(const json& report) {
  json out = json::object();
  for (const auto& f : report["findings"])
    out[f["id"].get<std::string>() + "/" + f.value("/package/name"_json_pointer, std::string())] = f;
  return out;
}

TEST(Convert, TableByDefaultAndNeverFailsWithoutExitCode) {
  auto r = bulwark({"convert", report_file()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("Findings: 10 (CRITICAL: 2, HIGH: 3, MEDIUM: 4, LOW: 1, UNKNOWN: 0)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("localhost/bulwark-fixture:1.0 (debian 12.5)"), std::string::npos);
  EXPECT_NE(r.out.find("| Library "), std::string::npos);
}

TEST(Convert, JsonRoundTripKeepsEverything) {
  auto r = bulwark({"convert", "-f", "json", report_file()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json in = json::parse(read_file(report_file()));
  json out = json::parse(r.out);
  EXPECT_EQ(out["findings"], in["findings"]);
  EXPECT_EQ(out["inventory"], in["inventory"]);
  EXPECT_EQ(out["target"], in["target"]);
}

TEST(Convert, ExitCodeOnlyWhenOpenFindingsRemain) {
  EXPECT_EQ(bulwark({"convert", "-q", "-f", "json", "--exit-code", "7", report_file()}).exit_code, 7);
  // --severity drops findings from the output; what is left decides.
  auto crit = bulwark({"convert", "-f", "json", "--severity", "CRITICAL", "--exit-code", "7", report_file()});
  EXPECT_EQ(crit.exit_code, 7);
  EXPECT_NE(crit.err.find("2 open findings: exit code 7 (--exit-code)"), std::string::npos) << crit.err;
  json j = json::parse(crit.out);
  ASSERT_EQ(j["findings"].size(), 2u);
  for (const auto& f : j["findings"]) EXPECT_EQ(f["severity"], "CRITICAL");
  // Ignore both CRITICAL findings: they stay in the report, suppressed, and the gate passes.
  TempDir tmp;
  write_file(tmp / "ignore.yaml",
             "ignores:\n  - id: CVE-2023-45853\n    reason: MiniZip is not built\n  - id: aws-access-key-id\n"
             "    reason: a revoked test key\n    expires: 2099-01-01\n");
  auto pass = bulwark({"convert", "-f", "json", "--severity", "CRITICAL", "--exit-code", "7", "--ignorefile",
                       (tmp / "ignore.yaml").string(), report_file()});
  EXPECT_EQ(pass.exit_code, 0) << pass.err;
  json p = json::parse(pass.out);
  ASSERT_EQ(p["findings"].size(), 2u);
  for (const auto& f : p["findings"]) EXPECT_EQ(f["status"], "ignored");
  EXPECT_EQ(p["findings"][1]["ignored_until"], "2099-01-01");
  EXPECT_EQ(p["findings"][1]["status_reason"], "a revoked test key");
}

TEST(Convert, IgnoreUnfixed) {
  auto r = bulwark({"convert", "-f", "json", "--ignore-unfixed", report_file()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json f = findings_by_id(json::parse(r.out));
  EXPECT_EQ(f.size(), 8u);
  EXPECT_FALSE(f.contains("CVE-2023-45853/zlib1g"));
  EXPECT_FALSE(f.contains("CVE-2011-4116/perl-base"));
  EXPECT_TRUE(f.contains("BW-DF-002/"));
}

TEST(Convert, ExpiredIgnoreIsReportedAndFailsTheGate) {
  TempDir tmp;
  write_file(tmp / ".trivyignore", "# waiting for the 12.6 point release\nCVE-2023-31484 exp:2024-06-29\n");
  auto r = bulwark({"convert", "-f", "json", "--severity", "HIGH", "--ignorefile", (tmp / ".trivyignore").string(),
                    "--exit-code", "1", report_file()});
  EXPECT_EQ(r.exit_code, 1);
  std::string where = (tmp / ".trivyignore").string() + ":2";
  EXPECT_NE(r.err.find(where + ": ignore entry for CVE-2023-31484 expired on 2024-06-29"), std::string::npos) << r.err;
  json j = json::parse(r.out);
  json f = findings_by_id(j);
  EXPECT_EQ(f["CVE-2023-31484/perl-base"]["status"], "open");
  EXPECT_EQ(f["CVE-2023-31484/perl-base"]["attributes"]["ignore_expired"],
            where + ": CVE-2023-31484 expired on 2024-06-29");
  bool diag = false;
  for (const auto& d : j["diagnostics"]) diag = diag || d["message"].get<std::string>().find("expired") != std::string::npos;
  EXPECT_TRUE(diag);
}

TEST(Convert, VexSuppressesAndSarifCarriesTheSuppression) {
  TempDir tmp;
  std::string vex = fixture("enrich/openvex-bulwark-fixture.json").string();
  auto j = bulwark({"convert", "-f", "json", "--vex", vex, report_file()});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  json f = findings_by_id(json::parse(j.out));
  EXPECT_EQ(f["CVE-2023-4911/libc6"]["status"], "not_affected");
  EXPECT_EQ(f["CVE-2023-45853/zlib1g"]["status"], "not_affected");
  EXPECT_EQ(f["CVE-2023-45853/zlib1g"]["attributes"]["vex_justification"], "vulnerable_code_not_present");

  auto s = bulwark({"convert", "-f", "sarif", "-o", (tmp / "out.sarif").string(), "--vex", vex, report_file()});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_TRUE(s.out.empty());
  json sarif = json::parse(read_file(tmp / "out.sarif"));
  size_t suppressed = 0;
  for (const auto& res : sarif["runs"][0]["results"])
    if (res.contains("suppressions")) {
      ++suppressed;
      EXPECT_EQ(res["suppressions"][0]["kind"], "external");
    }
  EXPECT_EQ(suppressed, 2u);
  EXPECT_EQ(sarif["runs"][0]["results"].size(), 10u);

  auto c = bulwark({"convert", "-f", "cyclonedx", "--vex", vex, report_file()});
  ASSERT_EQ(c.exit_code, 0) << c.err;
  json bom = json::parse(c.out);
  size_t not_affected = 0;
  for (const auto& v : bom["vulnerabilities"])
    if (v.contains("analysis") && v["analysis"]["state"] == "not_affected") {
      ++not_affected;
      EXPECT_TRUE(v["analysis"]["justification"] == "code_not_reachable" ||
                  v["analysis"]["justification"] == "code_not_present")
          << v["analysis"];
    }
  EXPECT_EQ(not_affected, 2u);

  auto t = bulwark({"convert", "--vex", vex, report_file()});
  EXPECT_NE(t.out.find("Suppressed: 2 (2 not affected)"), std::string::npos) << t.out;
  EXPECT_EQ(t.out.find("CVE-2023-4911"), std::string::npos);
}

TEST(Convert, DefaultIgnoreFileInTheWorkingDirectory) {
  TempDir tmp;
  write_file(tmp / ".bulwarkignore.yaml", "vulnerabilities:\n  - id: CVE-2021-23337\n    statement: not reachable\n");
  auto r = sh("cd '" + tmp.path().string() + "' && '" + bulwark_binary() + "' convert -f json '" + report_file() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json f = findings_by_id(json::parse(r.out));
  EXPECT_EQ(f["GHSA-35jh-r3h4-6jhm/lodash"]["status"], "ignored");
  EXPECT_EQ(f["GHSA-35jh-r3h4-6jhm/lodash"]["attributes"]["ignore_source"], ".bulwarkignore.yaml:2");
}

TEST(Convert, BadInputIsAClearErrorWithExitThree) {
  TempDir tmp;
  write_file(tmp / "bad.yaml", "ignores:\n  - id: CVE-1\n    expires: next week\n");
  auto yaml = bulwark({"convert", "--ignorefile", (tmp / "bad.yaml").string(), report_file()});
  EXPECT_EQ(yaml.exit_code, 3);
  EXPECT_NE(yaml.err.find("bad.yaml: line 3"), std::string::npos) << yaml.err;
  EXPECT_TRUE(yaml.out.empty());

  write_file(tmp / "broken.yaml", "ignores:\n  - id: CVE-1\n   reason: [unclosed\n");
  auto syntax = bulwark({"convert", "--ignorefile", (tmp / "broken.yaml").string(), report_file()});
  EXPECT_EQ(syntax.exit_code, 3);
  EXPECT_NE(syntax.err.find("broken.yaml: line"), std::string::npos) << syntax.err;

  write_file(tmp / "bad.vex.json", R"({"@context": "https://openvex.dev/ns/v0.2.0", "statements": [
    {"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/a"}], "status": "maybe"}]})");
  auto vex = bulwark({"convert", "--vex", (tmp / "bad.vex.json").string(), report_file()});
  EXPECT_EQ(vex.exit_code, 3);
  EXPECT_NE(vex.err.find("bad.vex.json: statements[0].status"), std::string::npos) << vex.err;

  EXPECT_EQ(bulwark({"convert", "--vex", (tmp / "none.json").string(), report_file()}).exit_code, 3);

  write_file(tmp / "truncated.json", read_file(report_file()).substr(0, 500));
  auto report = bulwark({"convert", (tmp / "truncated.json").string()});
  EXPECT_EQ(report.exit_code, 3);
  EXPECT_NE(report.err.find("truncated.json: line"), std::string::npos) << report.err;
  EXPECT_EQ(bulwark({"convert", (tmp / "missing.json").string()}).exit_code, 3);

  auto sev = bulwark({"convert", "--severity", "HIGH,SEVERE", report_file()});
  EXPECT_EQ(sev.exit_code, 2);
  EXPECT_NE(sev.err.find("unknown severity 'severe'"), std::string::npos) << sev.err;
  EXPECT_EQ(bulwark({"convert", "-f", "pdf", report_file()}).exit_code, 2);
  EXPECT_EQ(bulwark({"convert"}).exit_code, 2);
}

// The outputs of a real convert run, checked by the official validators
// (tests/tools: npm ci --prefix tests/tools --ignore-scripts).
TEST(Convert, SarifAndCycloneDxOutputsPassTheOfficialValidators) {
  fs::path tools = fs::path(BULWARK_SOURCE_DIR) / "tests" / "tools";
  fs::path multitool = tools / "node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool";
  if (!fs::exists(multitool) || !fs::exists(tools / "node_modules/@cyclonedx/cyclonedx-library"))
    GTEST_SKIP() << "run npm ci --prefix tests/tools --ignore-scripts";
  BULWARK_REQUIRE_TOOL("node");
  std::error_code ec;
  fs::permissions(multitool, fs::perms::owner_exec, fs::perm_options::add, ec);  // its install script's only job
  TempDir tmp;
  std::vector<std::string> gate = {"--vex", fixture("enrich/openvex-bulwark-fixture.json").string(), "--ignorefile",
                                   fixture("enrich/trivyignore").string(), report_file()};
  auto convert = [&](const std::string& format, const fs::path& out) {
    std::vector<std::string> args = {"convert", "-q", "-f", format, "-o", out.string()};
    args.insert(args.end(), gate.begin(), gate.end());
    return bulwark(args);
  };
  ASSERT_EQ(convert("sarif", tmp / "scan.sarif").exit_code, 0);
  auto v = run({multitool.string(), "validate", (tmp / "scan.sarif").string(), "-o", (tmp / "v.sarif").string(),
                "--log", "ForceOverwrite", "--rule-kind", "Sarif;Gh", "--level", "Error;Warning"});
  ASSERT_EQ(v.exit_code, 0) << v.out << v.err;
  json validation = json::parse(read_file(tmp / "v.sarif"));
  EXPECT_TRUE(validation["runs"][0]["results"].empty()) << validation["runs"][0]["results"].dump(2);

  ASSERT_EQ(convert("cyclonedx", tmp / "bom.json").exit_code, 0);
  auto c = run({"node", (tools / "validate.js").string(), "cyclonedx-1.5", (tmp / "bom.json").string()});
  EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
  json bom = json::parse(read_file(tmp / "bom.json"));
  EXPECT_EQ(bom["vulnerabilities"].size(), 8u);
}

TEST(ScanGate, FlagsAreThereAndABadIgnoreFileFailsBeforeScanning) {
  TempDir tmp;
  write_file(tmp / "root/etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
  auto help = bulwark({"rootfs", "--help"});
  for (const char* flag : {"--severity", "--ignore-unfixed", "--ignorefile", "--vex", "--exit-code"})
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  // No findings: --exit-code never fires.
  EXPECT_EQ(bulwark({"rootfs", "-q", "-f", "json", "--scanners", "none", "--exit-code", "9", (tmp / "root").string()})
                .exit_code,
            0);
  // A gate with vulnerability scanning on and no database fails closed.
  auto nodb = bulwark({"rootfs", "-q", "-f", "json", "--db", (tmp / "missing.db").string(), "--exit-code", "9",
                       (tmp / "root").string()});
  EXPECT_EQ(nodb.exit_code, 3);
  EXPECT_NE(nodb.err.find("db update"), std::string::npos) << nodb.err;
  write_file(tmp / "bad.yaml", "ignores: [\n");
  auto bad = bulwark({"rootfs", "-q", "--ignorefile", (tmp / "bad.yaml").string(), (tmp / "root").string()});
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_NE(bad.err.find("bad.yaml"), std::string::npos) << bad.err;
  EXPECT_TRUE(bad.out.empty());
  EXPECT_EQ(bulwark({"rootfs", "--severity", "BAD", (tmp / "root").string()}).exit_code, 2);
}

}  // namespace
}  // namespace bulwark::testing
