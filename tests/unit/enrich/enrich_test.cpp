// Ignore files, OpenVEX and the gate's filters on reports built in the test.
#include <gtest/gtest.h>

#include "enrich/enrich.hpp"
#include "testing/testing.hpp"

namespace bulwark::enrich {
namespace {
using bulwark::testing::TempDir;
using bulwark::testing::write_file;

Finding vuln(std::string id, std::vector<std::string> aliases, std::string pkg, std::string version, Severity sev,
             std::vector<std::string> fixed, std::string path) {
  Finding f;
  f.kind = FindingKind::kVulnerability;
  f.id = std::move(id);
  f.aliases = std::move(aliases);
  f.package_name = pkg;
  f.package_version = version;
  f.package_purl = "pkg:npm/" + pkg + "@" + version;
  f.severity = sev;
  f.remediation.fixed_versions = std::move(fixed);
  f.location.path = std::move(path);
  return f;
}

Report sample() {
  Report r;
  r.target.reference = "oci:app:1";
  r.findings.push_back(vuln("CVE-2021-44906", {"GHSA-xvch-5gv4-984h"}, "minimist", "1.2.0", Severity::kCritical,
                            {"1.2.6"}, "app/node_modules/minimist/package.json"));
  r.findings.push_back(vuln("CVE-2021-44906", {"GHSA-xvch-5gv4-984h"}, "minimist", "0.0.8", Severity::kCritical,
                            {"0.2.4"}, "app/node_modules/mkdirp/node_modules/minimist/package.json"));
  r.findings.push_back(vuln("CVE-2020-8203", {"GHSA-p6mc-m468-83gw"}, "lodash", "4.17.15", Severity::kHigh,
                            {"4.17.20"}, "app/node_modules/lodash/package.json"));
  r.findings.push_back(vuln("CVE-2005-2541", {}, "tar", "1.34", Severity::kLow, {}, "var/lib/dpkg/status"));
  return r;
}

FindingStatus status_of(const Report& r, const std::string& id, const std::string& version) {
  for (const auto& f : r.findings)
    if (f.id == id && f.package_version == version) return f.status;
  ADD_FAILURE() << id << " " << version << " not in report";
  return FindingStatus::kFixed;
}

TEST(IgnoreFile, YamlEntriesByAliasPathAndPurl) {
  TempDir d;
  write_file(d / "ignore.yaml", R"(vulnerabilities:
  - id: GHSA-xvch-5gv4-984h          # by alias
    paths: ["app/node_modules/mkdirp/*"]
    statement: only the nested copy, never called
  - id: CVE-2020-8203
    purls: ["pkg:npm/lodash"]        # versionless purl: every version
    expired_at: 2999-12-31
)");
  Report r = sample();
  Options o;
  o.ignore_files = {(d / "ignore.yaml").string()};
  ASSERT_TRUE(apply(r, o));
  EXPECT_EQ(status_of(r, "CVE-2021-44906", "1.2.0"), FindingStatus::kOpen);
  EXPECT_EQ(status_of(r, "CVE-2021-44906", "0.0.8"), FindingStatus::kIgnored);
  EXPECT_EQ(status_of(r, "CVE-2020-8203", "4.17.15"), FindingStatus::kIgnored);
  EXPECT_EQ(open_findings(r), 2u);
  for (const auto& f : r.findings) {
    if (f.id == "CVE-2020-8203") {
      EXPECT_EQ(f.ignored_until, "2999-12-31");
    }
  }
}

TEST(IgnoreFile, ExpiredEntryStopsSuppressingAndSaysSo) {
  TempDir d;
  write_file(d / "ignore.yaml", "- id: CVE-2020-8203\n  expires: 2024-01-31\n  reason: waiting for upstream\n");
  Report r = sample();
  Options o;
  o.ignore_files = {(d / "ignore.yaml").string()};
  o.today = "2024-02-01";
  ASSERT_TRUE(apply(r, o));
  EXPECT_EQ(status_of(r, "CVE-2020-8203", "4.17.15"), FindingStatus::kOpen);
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_NE(r.diagnostics[0].message.find("expired on 2024-01-31"), std::string::npos);
  EXPECT_NE(r.diagnostics[0].location.path.find("ignore.yaml:1"), std::string::npos);
  // The day before it expires it still suppresses.
  Report r2 = sample();
  o.today = "2024-01-31";
  ASSERT_TRUE(apply(r2, o));
  EXPECT_EQ(status_of(r2, "CVE-2020-8203", "4.17.15"), FindingStatus::kIgnored);
}

TEST(IgnoreFile, TrivyPlainForm) {
  auto rules = parse_ignore_file("# accepted\nCVE-2005-2541\nCVE-2020-8203 exp:2023-09-01\n\n", ".trivyignore");
  ASSERT_TRUE(rules) << rules.error().message;
  ASSERT_EQ(rules->size(), 2u);
  EXPECT_EQ((*rules)[1].expires, "2023-09-01");
  EXPECT_EQ((*rules)[1].where, ".trivyignore:3");
  auto bad = parse_ignore_file("CVE-1 exp:tomorrow\n", ".trivyignore");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().where, ".trivyignore:1");
}

TEST(IgnoreFile, MalformedYamlNamesFileAndLine) {
  auto bad = parse_ignore_file("vulnerabilities:\n  - id: [unclosed\n", "x.yaml");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().where.find("x.yaml:"), std::string::npos);
  auto noid = parse_ignore_file("vulnerabilities:\n  - statement: why\n", "y.yaml");
  ASSERT_FALSE(noid);
  EXPECT_EQ(noid.error().where, "y.yaml:2");
  auto baddate = parse_ignore_file("- id: CVE-1\n  expires: 01/02/2024\n", "z.yaml");
  ASSERT_FALSE(baddate);
}

TEST(OpenVex, NotAffectedSuppressesTheNamedProductOnly) {
  TempDir d;
  write_file(d / "vex.json", R"({
    "@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://example.test/vex-1",
    "author": "platform team", "timestamp": "2024-01-01T00:00:00Z", "version": 1,
    "statements": [
      {"vulnerability": {"name": "CVE-2021-44906"},
       "products": [{"@id": "pkg:npm/minimist@0.0.8"}],
       "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"},
      {"vulnerability": {"name": "GHSA-p6mc-m468-83gw"},
       "products": [{"@id": "oci:app:1", "subcomponents": [{"@id": "pkg:npm/lodash@4.17.15"}]}],
       "status": "not_affected", "justification": "inline_mitigations_already_exist",
       "timestamp": "2024-01-01T00:00:00Z"},
      {"vulnerability": {"name": "CVE-2020-8203"},
       "products": [{"@id": "pkg:npm/lodash@4.17.15"}],
       "status": "affected", "action_statement": "upgrade", "timestamp": "2024-03-01T00:00:00Z"}
    ]})");
  Report r = sample();
  Options o;
  o.vex_files = {(d / "vex.json").string()};
  ASSERT_TRUE(apply(r, o));
  EXPECT_EQ(status_of(r, "CVE-2021-44906", "0.0.8"), FindingStatus::kNotAffected);
  EXPECT_EQ(status_of(r, "CVE-2021-44906", "1.2.0"), FindingStatus::kOpen);
  // The later "affected" statement overrides the earlier not_affected.
  EXPECT_EQ(status_of(r, "CVE-2020-8203", "4.17.15"), FindingStatus::kOpen);
  for (const auto& f : r.findings) {
    if (f.package_version == "0.0.8") {
      EXPECT_EQ(f.status_reason, "vulnerable_code_not_in_execute_path");
    }
  }
}

TEST(OpenVex, BadDocumentsNameTheStatement) {
  EXPECT_FALSE(parse_openvex("{", "v.json"));
  EXPECT_FALSE(parse_openvex(R"({"@context":"https://cyclonedx.org","statements":[]})", "v.json"));
  auto bad = parse_openvex(R"({"statements":[{"vulnerability":{"name":"CVE-1"},"status":"maybe"}]})", "v.json");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().where, "v.json: statements[0]");
}

TEST(OpenVex, CanonicalUbuntuDocumentsFromTheCorpus) {
  BULWARK_REQUIRE_CORPUS();
  TempDir d;
  ASSERT_TRUE(bulwark::testing::untar(bulwark::testing::corpus_dir() / "distro/ubuntu-osv-vex-slice.tar.gz", d.path()));
  size_t docs = 0, statements = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(d.path())) {
    if (!e.is_regular_file() || e.path().string().find("/vex/") == std::string::npos) continue;
    if (e.path().extension() != ".json") continue;
    auto v = load_openvex(e.path().string());
    ASSERT_TRUE(v) << v.error().message << " " << v.error().where;
    ++docs;
    statements += v->size();
  }
  EXPECT_GE(docs, 2u);
  EXPECT_GT(statements, 0u);
}

TEST(Gate, SeverityFilterAndIgnoreUnfixed) {
  Report r = sample();
  Options o;
  o.severities = {Severity::kCritical, Severity::kLow};
  ASSERT_TRUE(apply(r, o));
  EXPECT_EQ(r.findings.size(), 3u);  // lodash HIGH dropped
  o.severities.clear();
  o.ignore_unfixed = true;
  ASSERT_TRUE(apply(r, o));
  EXPECT_EQ(r.findings.size(), 2u);  // tar has no fix
  for (const auto& f : r.findings) EXPECT_EQ(f.id, "CVE-2021-44906");
}

}  // namespace
}  // namespace bulwark::enrich
