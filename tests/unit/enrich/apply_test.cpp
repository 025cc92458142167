// apply(): the gate's filters, VEX statements and ignore rules on real-shaped
// reports, and OpenVEX parsing, including Canonical's published documents.
#include <gtest/gtest.h>

#include "core/json.hpp"
#include "enrich/enrich.hpp"
#include "testing/testing.hpp"

namespace bulwark::enrich {
namespace {

using bulwark::testing::fixture;
using bulwark::testing::read_file;
using bulwark::testing::TempDir;

Report fixture_report() {
  auto r = report_from_json(read_file(fixture("enrich/report-debian-image.json")), "report-debian-image.json");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
  return r.ok() ? *r : Report{};
}

const Finding& find(const Report& r, const std::string& id, const std::string& package = {}) {
  for (const auto& f : r.findings)
    if (f.id == id && (package.empty() || f.package_name == package)) return f;
  static Finding none;
  ADD_FAILURE() << "no finding " << id << " " << package;
  return none;
}

IgnoreFile ignore_file(const std::string& text, const std::string& path = "ignore.yaml") {
  auto r = parse_ignore_file(text, path);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
  return r.ok() ? *r : IgnoreFile{};
}

VexDocument vex(const std::string& text, const std::string& path = "vex.json") {
  auto r = parse_openvex(text, path);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
  return r.ok() ? *r : VexDocument{};
}

// ------------------------------------------------------------------ gate --

TEST(Gate, SeverityListParsing) {
  auto ok = parse_severity_list("CRITICAL,high, Medium");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(*ok, (std::vector<Severity>{Severity::kCritical, Severity::kHigh, Severity::kMedium}));
  EXPECT_EQ(parse_severity_list("HIGH,CRTICAL").error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(parse_severity_list("HIGH,CRTICAL").error().message.find("crtical"), std::string::npos);
  EXPECT_FALSE(parse_severity_list(" , ").ok());
}

TEST(Gate, SeverityFilterDropsOtherFindings) {
  Report r = fixture_report();
  ASSERT_EQ(r.findings.size(), 10u);
  Policy p;
  p.severities = {Severity::kCritical, Severity::kHigh};
  Outcome o = apply(p, r);
  EXPECT_EQ(o.dropped_by_severity, 5u);  // 4 MEDIUM, 1 LOW
  ASSERT_EQ(r.findings.size(), 5u);
  for (const auto& f : r.findings) EXPECT_TRUE(f.severity == Severity::kCritical || f.severity == Severity::kHigh);
  EXPECT_EQ(o.open, 5u);
}

TEST(Gate, IgnoreUnfixedDropsVulnerabilitiesWithoutAFix) {
  Report r = fixture_report();
  Policy p;
  p.ignore_unfixed = true;
  Outcome o = apply(p, r);
  EXPECT_EQ(o.dropped_unfixed, 2u);  // zlib CVE-2023-45853 (will_not_fix), perl CVE-2011-4116
  for (const auto& f : r.findings) {
    if (f.kind == FindingKind::kVulnerability) {
      EXPECT_FALSE(f.remediation.fixed_versions.empty()) << f.id;
    }
  }
  // Misconfigurations and secrets have no fixed version and are not vulnerabilities: kept.
  EXPECT_EQ(find(r, "BW-DF-002").status, FindingStatus::kOpen);
  EXPECT_EQ(find(r, "aws-access-key-id").status, FindingStatus::kOpen);
  EXPECT_EQ(o.open, 8u);
}

// --------------------------------------------------------------- ignores --

TEST(Ignore, MatchesByIdAliasPackageAndPathAndKeepsTheFinding) {
  Report r = fixture_report();
  Policy p;
  p.today = "2026-11-28";
  p.ignore_files.push_back(*load_ignore_file(fixture("enrich/bulwarkignore.yaml").string()));
  Outcome o = apply(p, r);
  EXPECT_EQ(r.findings.size(), 10u);  // suppressed, not deleted
  const Finding& glibc = find(r, "CVE-2023-4911");
  EXPECT_EQ(glibc.status, FindingStatus::kIgnored);
  EXPECT_EQ(glibc.status_reason, "setuid binaries are removed from this image");
  EXPECT_EQ(glibc.ignored_until, "2099-12-31");
  EXPECT_NE(glibc.attributes.at(kAttrIgnoreSource).find("bulwarkignore.yaml:3"), std::string::npos);
  // By alias: the entry says CVE-2021-23337, the finding is GHSA-35jh-r3h4-6jhm.
  EXPECT_EQ(find(r, "GHSA-35jh-r3h4-6jhm").status, FindingStatus::kIgnored);
  // The other lodash advisory is not named: still open.
  EXPECT_EQ(find(r, "GHSA-29mw-wpgm-hmr9").status, FindingStatus::kOpen);
  EXPECT_EQ(find(r, "BW-DF-002").status, FindingStatus::kIgnored);
  EXPECT_EQ(o.ignored, 3u);
  EXPECT_EQ(o.open, 7u);
  // The warning about the unknown key reached the report.
  bool warned = false;
  for (const auto& d : r.diagnostics) warned = warned || d.message.find("unknown key 'owner'") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(Ignore, ConstraintsMustAllHold) {
  Report r = fixture_report();
  Policy p;
  p.ignore_files.push_back(ignore_file(
      "ignores:\n"
      "  - id: CVE-2023-5678\n    package: libssl3\n"                          // one of two openssl findings
      "  - id: CVE-2023-4911\n    package: pkg:deb/debian/libc6@9.9\n"         // wrong version
      "  - id: GHSA-29mw-wpgm-hmr9\n    path: other/package-lock.json\n"       // wrong path
      "  - id: aws-access-key-id\n    kind: vulnerability\n"                   // wrong kind
      "  - id: cve-2023-31484\n    package: pkg:deb/debian/perl-base?arch=amd64\n"));  // case-insensitive id, purl without version
  apply(p, r);
  EXPECT_EQ(find(r, "CVE-2023-5678", "libssl3").status, FindingStatus::kIgnored);
  EXPECT_EQ(find(r, "CVE-2023-5678", "openssl").status, FindingStatus::kOpen);
  EXPECT_EQ(find(r, "CVE-2023-4911").status, FindingStatus::kOpen);
  EXPECT_EQ(find(r, "GHSA-29mw-wpgm-hmr9").status, FindingStatus::kOpen);
  EXPECT_EQ(find(r, "aws-access-key-id").status, FindingStatus::kOpen);
  EXPECT_EQ(find(r, "CVE-2023-31484").status, FindingStatus::kIgnored);
}

TEST(Ignore, TrivyLayoutsApply) {
  Report r = fixture_report();
  Policy p;
  p.today = "2026-11-28";
  p.ignore_files.push_back(*load_ignore_file(fixture("enrich/trivyignore").string()));
  p.ignore_files.push_back(ignore_file("secrets:\n  - id: aws-access-key-id\n    paths: [\"srv/app/**\"]\n"
                                       "misconfigurations:\n  - id: CVE-2023-5678\n",
                                       ".trivyignore.yaml"));
  apply(p, r);
  EXPECT_EQ(find(r, "CVE-2023-45853").status, FindingStatus::kIgnored);
  EXPECT_EQ(find(r, "CVE-2023-45853").status_reason, "Accept the risk: the MiniZip code is not built into zlib1g");
  EXPECT_EQ(find(r, "CVE-2023-4911").ignored_until, "2099-01-01");
  EXPECT_EQ(find(r, "aws-access-key-id").status, FindingStatus::kIgnored);
  // A misconfigurations entry never suppresses a vulnerability.
  EXPECT_EQ(find(r, "CVE-2023-5678", "openssl").status, FindingStatus::kOpen);
}

TEST(Ignore, ExpiredEntryStopsSuppressingAndTheReportSaysSo) {
  Report r = fixture_report();
  Policy p;
  p.today = "2026-11-28";
  p.ignore_files.push_back(ignore_file("ignores:\n"
                                       "  - id: CVE-2023-31484\n    reason: waiting for 12.6\n    expires: 2024-06-29\n"
                                       "  - id: CVE-2019-10744\n    expires: 2024-01-31\n",
                                       "/repo/.bulwarkignore.yaml"));
  Outcome o = apply(p, r);
  const Finding& perl = find(r, "CVE-2023-31484");
  EXPECT_EQ(perl.status, FindingStatus::kOpen);
  ASSERT_TRUE(perl.attributes.count(kAttrIgnoreExpired));
  EXPECT_EQ(perl.attributes.at(kAttrIgnoreExpired),
            "/repo/.bulwarkignore.yaml:2: CVE-2023-31484 expired on 2024-06-29");
  EXPECT_EQ(o.expired, 1u);
  EXPECT_EQ(o.open, 10u);
  // One warning per expired entry, naming the file, line, id and date.
  std::vector<const Diagnostic*> expired;
  for (const auto& d : r.diagnostics)
    if (d.message.find("expired on") != std::string::npos) expired.push_back(&d);
  ASSERT_EQ(expired.size(), 2u);
  EXPECT_EQ(expired[0]->level, Diagnostic::Level::kWarning);
  EXPECT_EQ(expired[0]->location.path, "/repo/.bulwarkignore.yaml");
  EXPECT_EQ(expired[0]->location.line, 2);
  EXPECT_NE(expired[0]->message.find("CVE-2023-31484 expired on 2024-06-29"), std::string::npos);
  EXPECT_NE(expired[0]->message.find("1 finding is open again"), std::string::npos) << expired[0]->message;
  EXPECT_EQ(expired[1]->location.line, 5);
  EXPECT_NE(expired[1]->message.find("no finding matches it now"), std::string::npos);

  // The day before the expiry date the entry still applies.
  Report before = fixture_report();
  p.today = "2024-06-28";
  apply(p, before);
  EXPECT_EQ(find(before, "CVE-2023-31484").status, FindingStatus::kIgnored);
  EXPECT_EQ(find(before, "CVE-2023-31484").ignored_until, "2024-06-29");
  // On the expiry date itself it no longer does (as Trivy's exp: does).
  Report on_the_day = fixture_report();
  p.today = "2024-06-29";
  apply(p, on_the_day);
  EXPECT_EQ(find(on_the_day, "CVE-2023-31484").status, FindingStatus::kOpen);
}

TEST(Ignore, IgnoresRecordedInAnOlderReportExpireToo) {
  Report r = fixture_report();
  Finding& f = r.findings[0];
  f.status = FindingStatus::kIgnored;
  f.ignored_until = "2025-01-01";
  Policy p;
  p.today = "2026-11-28";
  Outcome o = apply(p, r);
  EXPECT_EQ(r.findings[0].status, FindingStatus::kOpen);
  EXPECT_EQ(o.expired, 1u);
  ASSERT_FALSE(r.diagnostics.empty());
  EXPECT_NE(r.diagnostics.back().message.find("expired on 2025-01-01"), std::string::npos);
}

// ------------------------------------------------------------------- VEX --

TEST(OpenVex, FixtureStatementsApply) {
  Report r = fixture_report();
  Policy p;
  p.vex.push_back(*load_openvex(fixture("enrich/openvex-bulwark-fixture.json").string()));
  Outcome o = apply(p, r);
  // Product = the scanned image (pkg:oci + digest + repository_url), subcomponent = libc6.
  const Finding& glibc = find(r, "CVE-2023-4911");
  EXPECT_EQ(glibc.status, FindingStatus::kNotAffected);
  EXPECT_EQ(glibc.status_reason,
            "vulnerable_code_not_in_execute_path: the image has no setuid binaries, so ld.so never runs with raised "
            "privileges");
  EXPECT_EQ(glibc.attributes.at(kAttrVexJustification), "vulnerable_code_not_in_execute_path");
  // Two statements about zlib: the later one (by timestamp, across offsets) wins.
  EXPECT_EQ(find(r, "CVE-2023-45853").status, FindingStatus::kNotAffected);
  EXPECT_EQ(find(r, "CVE-2023-45853").attributes.at(kAttrVexJustification), "vulnerable_code_not_present");
  // "affected" keeps the finding open and records the action.
  const Finding& lodash = find(r, "GHSA-35jh-r3h4-6jhm");
  EXPECT_EQ(lodash.status, FindingStatus::kOpen);
  EXPECT_EQ(lodash.attributes.at(kAttrVexAction), "Upgrade lodash to 4.17.21");
  EXPECT_EQ(o.not_affected, 2u);
  EXPECT_EQ(o.open, 8u);
}

TEST(OpenVex, ImageProductMustBeThisImage) {
  Report r = fixture_report();
  std::string doc = read_file(fixture("enrich/openvex-bulwark-fixture.json"));
  // Another digest of the same repository: not this image.
  std::string other = doc;
  other.replace(other.find("sha256%3A3333"), 13, "sha256%3A9999");
  Policy p;
  p.vex.push_back(vex(other));
  apply(p, r);
  EXPECT_EQ(find(r, "CVE-2023-4911").status, FindingStatus::kOpen);

  // A plain image reference with the digest works as the product too; so does
  // a statement with no subcomponents about the whole image.
  Report r2 = fixture_report();
  Policy p2;
  p2.vex.push_back(vex(R"({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a",
      "timestamp": "2026-01-01T00:00:00Z",
      "statements": [{"vulnerability": {"name": "CVE-2023-5678"},
                      "products": [{"@id": "localhost/bulwark-fixture@sha256:3333333333333333333333333333333333333333333333333333333333333333"}],
                      "status": "not_affected", "justification": "vulnerable_code_not_in_execute_path"}]})"));
  apply(p2, r2);
  EXPECT_EQ(find(r2, "CVE-2023-5678", "openssl").status, FindingStatus::kNotAffected);
  EXPECT_EQ(find(r2, "CVE-2023-5678", "libssl3").status, FindingStatus::kNotAffected);
}

TEST(OpenVex, LaterStatementWinsEvenWhenWrittenFirst) {
  Report r = fixture_report();
  Policy p;
  p.vex.push_back(vex(R"({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "author": "a",
      "timestamp": "2026-01-01T00:00:00Z",
      "statements": [
        {"vulnerability": {"name": "CVE-2023-31484"}, "timestamp": "2026-03-01T00:00:00Z",
         "products": [{"@id": "pkg:deb/debian/perl-base"}], "status": "affected", "action_statement": "upgrade"},
        {"vulnerability": {"name": "CVE-2023-31484"}, "timestamp": "2026-02-01T00:00:00Z",
         "products": [{"@id": "pkg:deb/debian/perl-base"}], "status": "not_affected",
         "justification": "vulnerable_code_not_in_execute_path"}]})"));
  apply(p, r);
  EXPECT_EQ(find(r, "CVE-2023-31484").status, FindingStatus::kOpen);
  EXPECT_EQ(find(r, "CVE-2023-31484").attributes.at(kAttrVexStatus), "affected");
}

TEST(OpenVex, VexComesBeforeIgnores) {
  Report r = fixture_report();
  Policy p;
  p.vex.push_back(*load_openvex(fixture("enrich/openvex-bulwark-fixture.json").string()));
  p.ignore_files.push_back(ignore_file("ignores:\n  - id: CVE-2023-4911\n"));
  Outcome o = apply(p, r);
  EXPECT_EQ(find(r, "CVE-2023-4911").status, FindingStatus::kNotAffected);
  EXPECT_EQ(o.ignored, 0u);
}

TEST(OpenVex, BadDocumentsNameTheFileAndPlace) {
  auto err = [](const std::string& text) {
    auto r = parse_openvex(text, "doc.json");
    EXPECT_FALSE(r.ok()) << text;
    return r.ok() ? Error{} : r.error();
  };
  const std::string head = R"({"@context": "https://openvex.dev/ns/v0.2.0", "@id": "x", "statements": [)";
  Error syntax = err("{\n  \"@context\": \"https://openvex.dev/ns/v0.2.0\",\n  \"statements\": [\n}");
  EXPECT_NE(syntax.where.find("doc.json: line 4"), std::string::npos) << syntax.describe();
  EXPECT_NE(err(R"({"statements": []})").message.find("not an OpenVEX document"), std::string::npos);
  EXPECT_NE(err(R"({"@context": "https://cyclonedx.org", "statements": []})").where.find("@context"), std::string::npos);
  Error status = err(head + R"({"vulnerability": {"name": "CVE-1"}, "products": [{"@id": "pkg:npm/a"}], "status": "safe"}]})");
  EXPECT_EQ(status.where, "doc.json: statements[0].status");
  EXPECT_NE(status.message.find("'safe'"), std::string::npos);
  Error products = err(head + R"({"vulnerability": {"name": "CVE-1"}, "status": "fixed"}]})");
  EXPECT_EQ(products.where, "doc.json: statements[0]");
  EXPECT_NE(products.message.find("no products"), std::string::npos);
  Error why = err(head + R"({"vulnerability": "CVE-1", "products": [{"@id": "pkg:npm/a"}], "status": "not_affected"}]})");
  EXPECT_NE(why.message.find("justification"), std::string::npos);
  Error just = err(head + R"({"vulnerability": "CVE-1", "products": [{"@id": "pkg:npm/a"}], "status": "not_affected",
                              "justification": "trust_me"}]})");
  EXPECT_EQ(just.where, "doc.json: statements[0].justification");
  Error sub = err(head + R"({"vulnerability": "CVE-1", "status": "fixed",
                             "products": [{"@id": "pkg:npm/a", "subcomponents": [{"name": "b"}]}]}]})");
  EXPECT_EQ(sub.where, "doc.json: statements[0].products[0].subcomponents[0]");
  Error vuln = err(head + R"({"vulnerability": 42, "products": [{"@id": "pkg:npm/a"}], "status": "fixed"}]})");
  EXPECT_EQ(vuln.where, "doc.json: statements[0].vulnerability");
  EXPECT_EQ(load_openvex("/nonexistent.vex.json").error().code, ErrorCode::kNotFound);
  // v0.0.x's string vulnerability and identifiers{purl} are accepted.
  auto old = parse_openvex(head + R"({"vulnerability": "CVE-1", "status": "fixed",
                                      "products": [{"identifiers": {"purl": "pkg:npm/a@1"}}]}]})",
                           "old.json");
  ASSERT_TRUE(old.ok()) << old.error().describe();
  EXPECT_EQ(old->statements[0].vulnerability, "CVE-1");
  EXPECT_EQ(old->statements[0].products[0].ids, std::vector<std::string>{"pkg:npm/a@1"});
}

// Canonical publishes OpenVEX for every Ubuntu CVE. Real documents from the
// corpus, applied to findings shaped as Bulwark reports Ubuntu packages.
class CanonicalVex : public ::testing::Test {
 protected:
  void SetUp() override {
    if (bulwark::testing::corpus_dir().empty()) GTEST_SKIP() << "shared corpus (../shared/corpus) is absent; skipping";
    ASSERT_TRUE(bulwark::testing::untar(bulwark::testing::corpus_dir() / "distro/ubuntu-osv-vex-slice.tar.gz", tmp_.path()));
    root_ = tmp_.path() / "anchore-vunnel/tests/unit/providers/ubuntu/test-fixtures/vex/cve";
  }

  // One Ubuntu release with one package and one finding on it.
  static Report ubuntu(const std::string& version, const std::string& codename, const std::string& name,
                       const std::string& pkg_version, const std::string& cve) {
    Report r;
    r.target.kind = TargetKind::kImage;
    r.target.reference = "ubuntu:" + version;
    OsInfo os;
    os.family = "ubuntu";
    os.version = version;
    os.codename = codename;
    r.inventory.os = os;
    Package p;
    p.ecosystem = "deb";
    p.name = name;
    p.version = pkg_version;
    if (size_t colon = pkg_version.find(':'); colon != std::string::npos) p.epoch = std::stoi(pkg_version.substr(0, colon));
    p.arch = "amd64";
    r.inventory.packages.push_back(p);
    assign_package_ids(r.inventory);
    Finding f;
    f.id = cve;
    f.severity = Severity::kHigh;
    f.package_name = name;
    f.package_version = pkg_version;
    f.package_ecosystem = "deb";
    f.package_purl = r.inventory.packages[0].purl;
    f.location.package_id = r.inventory.packages[0].id;
    f.location.path = "var/lib/dpkg/status";
    r.findings.push_back(f);
    return r;
  }

  TempDir tmp_;
  std::filesystem::path root_;
};

TEST_F(CanonicalVex, DocumentsParse) {
  for (const char* file : {"2023/CVE-2023-38545.json", "2016/CVE-2016-20013.json"}) {
    auto doc = load_openvex((root_ / file).string());
    ASSERT_TRUE(doc.ok()) << doc.error().describe();
    EXPECT_EQ(doc->author, "Canonical Ltd.");
    EXPECT_FALSE(doc->statements.empty());
  }
  auto curl = load_openvex((root_ / "2023/CVE-2023-38545.json").string());
  ASSERT_TRUE(curl.ok());
  ASSERT_EQ(curl->statements.size(), 3u);
  EXPECT_EQ(curl->statements[0].vulnerability, "CVE-2023-38545");
  EXPECT_EQ(curl->statements[0].status, VexStatus::kFixed);
  EXPECT_EQ(curl->statements[2].status, VexStatus::kNotAffected);
  EXPECT_EQ(curl->statements[2].justification, "vulnerable_code_not_present");
  EXPECT_EQ(curl->statements[0].timestamp, "2023-10-11T06:00:00Z");
  size_t products = 0;
  for (const auto& s : curl->statements) products += s.products.size();
  EXPECT_EQ(products, 149u + 113u + 356u);
}

TEST_F(CanonicalVex, CurlOnUbuntuReleases) {
  Policy p;
  p.vex.push_back(*load_openvex((root_ / "2023/CVE-2023-38545.json").string()));
  // Focal with ESM: Canonical says the code is not present (the bug came in 7.69).
  Report focal = ubuntu("20.04", "focal", "libcurl4", "7.68.0-1ubuntu2.25+esm3", "CVE-2023-38545");
  apply(p, focal);
  EXPECT_EQ(focal.findings[0].status, FindingStatus::kNotAffected);
  EXPECT_EQ(focal.findings[0].attributes.at(kAttrVexJustification), "vulnerable_code_not_present");
  EXPECT_NE(focal.findings[0].status_reason.find("affects 7.69 and higher"), std::string::npos);
  // Jammy at the fixed version: the "fixed" statement applies.
  Report jammy = ubuntu("22.04", "jammy", "libcurl4", "7.81.0-1ubuntu1.24", "CVE-2023-38545");
  apply(p, jammy);
  EXPECT_EQ(jammy.findings[0].status, FindingStatus::kFixed);
  // Jammy at an older version: no statement names it, it stays open.
  Report old = ubuntu("22.04", "jammy", "libcurl4", "7.81.0-1ubuntu1.13", "CVE-2023-38545");
  apply(p, old);
  EXPECT_EQ(old.findings[0].status, FindingStatus::kOpen);
  // Same package and version on another release: the distro qualifier differs.
  Report wrong_release = ubuntu("24.04", "noble", "libcurl4", "7.68.0-1ubuntu2.25+esm3", "CVE-2023-38545");
  apply(p, wrong_release);
  EXPECT_EQ(wrong_release.findings[0].status, FindingStatus::kOpen);
}

TEST_F(CanonicalVex, EpochInTheVersionMatchesBulwarksEpochQualifier) {
  Policy p;
  p.vex.push_back(*load_openvex((root_ / "2016/CVE-2016-20013.json").string()));
  Report noble = ubuntu("24.04", "noble", "zabbix-agent", "1:6.0.25+dfsg-1", "CVE-2016-20013");
  ASSERT_NE(noble.findings[0].package_purl.find("epoch=1"), std::string::npos) << noble.findings[0].package_purl;
  apply(p, noble);
  EXPECT_EQ(noble.findings[0].status, FindingStatus::kNotAffected);
  EXPECT_EQ(noble.findings[0].attributes.at(kAttrVexJustification), "component_not_present");
  // An "affected" statement: libc6 on xenial stays open and carries the advice.
  Report xenial = ubuntu("16.04", "xenial", "libc6", "2.23-0ubuntu11.3", "CVE-2016-20013");
  apply(p, xenial);
  EXPECT_EQ(xenial.findings[0].status, FindingStatus::kOpen);
  EXPECT_EQ(xenial.findings[0].attributes.at(kAttrVexStatus), "affected");
  EXPECT_FALSE(xenial.findings[0].attributes.at(kAttrVexAction).empty());
}

}  // namespace
}  // namespace bulwark::enrich
