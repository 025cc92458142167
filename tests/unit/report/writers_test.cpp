#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

#include "core/json.hpp"
#include "report/internal.hpp"
#include "report/report.hpp"
#include "sample_report.hpp"
#include "testing/testing.hpp"

namespace bulwark::report {
namespace {

namespace fs = std::filesystem;
using bulwark::testing::TempDir;

std::string render(const Report& r, std::string_view format, WriteOptions opts = {}) {
  std::ostringstream out;
  Status st = write_report(r, format, opts, out);
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().describe());
  return out.str();
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

bool valid_utf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    i += len;
  }
  return true;
}

TEST(Registry, ListsFormatsInOrderAndRejectsUnknown) {
  EXPECT_EQ(formats(), (std::vector<std::string>{"table", "json", "cyclonedx", "spdx-json", "sarif", "junit"}));
  std::ostringstream out;
  Status st = write_report(testing::sample_report(), "xml", {}, out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(st.error().message.find("cyclonedx"), std::string::npos);
}

TEST(Registry, EveryFormatWritesAndEndsWithNewline) {
  Report r = testing::sample_report();
  for (const auto& f : formats()) {
    std::string text = render(r, f);
    ASSERT_FALSE(text.empty()) << f;
    EXPECT_EQ(text.back(), '\n') << f;
    EXPECT_TRUE(valid_utf8(text)) << f;
  }
  // An empty report is fine too.
  for (const auto& f : formats()) EXPECT_FALSE(render(Report{}, f).empty()) << f;
}

// ---------------------------------------------------------------- json --

TEST(JsonWriter, PrettyPrintedAndRoundTrips) {
  Report r = testing::sample_report();
  std::string text = render(r, "json");
  auto lines = lines_of(text);
  ASSERT_GT(lines.size(), 3u);
  EXPECT_EQ(lines[0], "{");
  EXPECT_TRUE(starts_with(lines[1], "  \"")) << lines[1];
  auto back = report_from_json(text, "report.json");
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(json(*back), json(r));
}

// ----------------------------------------------------------- cyclonedx --

json cdx_of(const Report& r) { return json::parse(render(r, "cyclonedx")); }

const json* component_named(const json& bom, const std::string& name) {
  for (const auto& c : bom["components"])
    if (c.value("name", "") == name) return &c;
  return nullptr;
}

std::string prop(const json& c, const std::string& name) {
  for (const auto& p : c.value("properties", json::array()))
    if (p["name"] == name) return p["value"];
  return {};
}

TEST(CycloneDx, DocumentHeaderAndTarget) {
  json bom = cdx_of(testing::sample_report());
  EXPECT_EQ(bom["bomFormat"], "CycloneDX");
  EXPECT_EQ(bom["specVersion"], "1.5");
  EXPECT_EQ(bom["version"], 1);
  std::regex uuid("urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  EXPECT_TRUE(std::regex_match(bom["serialNumber"].get<std::string>(), uuid)) << bom["serialNumber"];
  EXPECT_NE(bom["serialNumber"], cdx_of(testing::sample_report())["serialNumber"]) << "serial numbers must differ per run";
  EXPECT_EQ(bom["metadata"]["timestamp"], "2026-11-28T10:00:00Z");
  EXPECT_EQ(bom["metadata"]["tools"]["components"][0]["name"], "bulwark");
  const json& target = bom["metadata"]["component"];
  EXPECT_EQ(target["type"], "container");
  EXPECT_EQ(target["name"], "localhost/bulwark-fixture:1.0");
  EXPECT_EQ(target["version"], "sha256:3333333333333333333333333333333333333333333333333333333333333333");
  EXPECT_EQ(target["purl"],
            "pkg:oci/bulwark-fixture@sha256%3A3333333333333333333333333333333333333333333333333333333333333333"
            "?repository_url=localhost%2Fbulwark-fixture");
}

TEST(CycloneDx, DirectoryTargetIsAnApplication) {
  Report r = testing::sample_report();
  r.target.kind = TargetKind::kFilesystem;
  r.target.reference = "/srv/project";
  json bom = cdx_of(r);
  EXPECT_EQ(bom["metadata"]["component"]["type"], "application");
  EXPECT_FALSE(bom["metadata"]["component"].contains("purl"));
}

TEST(CycloneDx, ComponentsCarryPackageFacts) {
  Report r = testing::sample_report();
  json bom = cdx_of(r);
  const json* os = component_named(bom, "debian");
  ASSERT_NE(os, nullptr);
  EXPECT_EQ((*os)["type"], "operating-system");
  EXPECT_EQ((*os)["version"], "12");
  EXPECT_EQ(prop(*os, "bulwark:eol"), "2026-06-10");

  const json* zlib = component_named(bom, "zlib1g");
  ASSERT_NE(zlib, nullptr);
  EXPECT_EQ((*zlib)["type"], "library");
  EXPECT_EQ((*zlib)["bom-ref"], "deb:zlib1g@1:1.2.13.dfsg-1:amd64");
  EXPECT_EQ((*zlib)["version"], "1:1.2.13.dfsg-1");
  EXPECT_EQ((*zlib)["purl"], "pkg:deb/debian/zlib1g@1.2.13.dfsg-1?arch=amd64&distro=debian-12&epoch=1");
  EXPECT_EQ((*zlib)["licenses"][0]["license"]["id"], "Zlib");  // known SPDX id, canonical case
  EXPECT_EQ(prop(*zlib, "bulwark:src_name"), "zlib");
  EXPECT_EQ(prop(*zlib, "bulwark:layer_diff_id"), r.inventory.packages[1].location.layer);
  EXPECT_EQ((*zlib)["supplier"]["name"], "GNU Libc Maintainers <debian-glibc@lists.debian.org>");

  const json* libc = component_named(bom, "libc6");
  ASSERT_NE(libc, nullptr);
  EXPECT_EQ((*libc)["licenses"][1]["license"]["name"], "GPL-2");  // not an SPDX id: by name

  const json* babel = component_named(bom, "core");
  ASSERT_NE(babel, nullptr);
  EXPECT_EQ((*babel)["group"], "@babel");
  EXPECT_EQ((*babel)["purl"], "pkg:npm/%40babel/core@7.23.0");
  EXPECT_EQ(prop(*babel, "bulwark:package_path"), "srv/app/package-lock.json");
  EXPECT_EQ(prop(*babel, "bulwark:dev"), "true");
  EXPECT_EQ(prop(*babel, "bulwark:relationship"), "direct");
  EXPECT_EQ((*babel)["scope"], "excluded");
  const json* express = component_named(bom, "express");
  ASSERT_NE(express, nullptr);
  EXPECT_FALSE(express->contains("scope"));
}

TEST(CycloneDx, DependencyGraph) {
  json bom = cdx_of(testing::sample_report());
  std::map<std::string, std::set<std::string>> deps;
  for (const auto& d : bom["dependencies"]) {
    std::set<std::string> on(d["dependsOn"].begin(), d["dependsOn"].end());
    EXPECT_EQ(on.size(), d["dependsOn"].size()) << "dependsOn must be unique";
    deps[d["ref"]] = on;
  }
  // Every component has an entry; refs are unique.
  std::set<std::string> refs;
  for (const auto& c : bom["components"]) EXPECT_TRUE(refs.insert(c["bom-ref"]).second) << c["bom-ref"];
  for (const auto& ref : refs) EXPECT_TRUE(deps.count(ref)) << ref;
  const std::string root = bom["metadata"]["component"]["bom-ref"];
  EXPECT_EQ(deps[root], (std::set<std::string>{"os:debian@12", "app:npm:srv/app/package-lock.json"}));
  EXPECT_EQ(deps["os:debian@12"].size(), 4u);
  EXPECT_EQ(deps["deb:zlib1g@1:1.2.13.dfsg-1:amd64"], (std::set<std::string>{"deb:libc6@2.36-9+deb12u4:amd64"}));
  // A dependency on a package that is not installed is not invented.
  EXPECT_EQ(deps["deb:bash@5.2.15-2+b2:amd64"], (std::set<std::string>{"deb:libc6@2.36-9+deb12u4:amd64"}));
  EXPECT_EQ(deps["npm:express@4.18.2"], (std::set<std::string>{"npm:lodash@4.17.20"}));
  // The application depends on its direct packages; lodash is express's.
  EXPECT_EQ(deps["app:npm:srv/app/package-lock.json"],
            (std::set<std::string>{"npm:express@4.18.2", "npm:@babel/core@7.23.0"}));
}

TEST(CycloneDx, VulnerabilitiesSection) {
  json bom = cdx_of(testing::sample_report());
  ASSERT_TRUE(bom.contains("vulnerabilities"));
  ASSERT_EQ(bom["vulnerabilities"].size(), 3u);  // misconfiguration and secret are not vulnerabilities
  const json& v = bom["vulnerabilities"][0];
  EXPECT_EQ(v["id"], "CVE-2023-4911");
  EXPECT_EQ(v["source"]["name"], "debian");
  EXPECT_EQ(v["ratings"][0]["method"], "CVSSv31");
  EXPECT_EQ(v["ratings"][0]["score"], 7.8);
  EXPECT_EQ(v["ratings"][0]["severity"], "high");
  EXPECT_EQ(v["affects"][0]["ref"], "deb:libc6@2.36-9+deb12u4:amd64");
  EXPECT_EQ(v["recommendation"], "Upgrade libc6 to 2.36-9+deb12u5");
  EXPECT_EQ(v["published"], "2023-10-03T00:00:00Z");
  const json& na = bom["vulnerabilities"][1];
  EXPECT_EQ(na["analysis"]["state"], "not_affected");
  EXPECT_EQ(na["analysis"]["detail"], "minizip is not built into zlib1g");
  EXPECT_EQ(na["ratings"][0]["severity"], "critical");
  const json& lo = bom["vulnerabilities"][2];
  EXPECT_EQ(lo["affects"][0]["ref"], "npm:lodash@4.17.20");
  EXPECT_EQ(lo["references"][0]["id"], "CVE-2021-23337");
}

TEST(CycloneDx, VulnerabilityAnalysisRatingsAndReferences) {
  Report r = testing::sample_report();
  Finding& glibc = r.findings[0];
  glibc.attributes["cwe"] = "CWE-787, CWE-122";
  glibc.scores.push_back({"nvd", "cvss_v40", "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", 8.5});
  Finding& zl = r.findings[1];
  zl.attributes["vex_justification"] = "vulnerable_code_not_present";
  zl.attributes["vex_status"] = "not_affected";
  Finding& lo = r.findings[2];
  lo.attributes["vex_status"] = "affected";
  lo.attributes["vex_action"] = "Upgrade lodash to 4.17.21";
  Finding ignored = glibc;
  ignored.id = "CVE-2024-2961";
  ignored.status = FindingStatus::kIgnored;
  ignored.status_reason = "iconv() is not reachable with ISO-2022-CN-EXT input";
  ignored.ignored_until = "2099-01-01";
  r.findings.push_back(ignored);
  json bom = cdx_of(r);
  const json& v = bom["vulnerabilities"];
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0]["cwes"], json::array({787, 122}));
  // One rating per score with the score's own band, plus the reporting source's severity.
  ASSERT_EQ(v[0]["ratings"].size(), 3u);
  EXPECT_EQ(v[0]["ratings"][1]["method"], "CVSSv4");
  EXPECT_EQ(v[0]["ratings"][1]["severity"], "high");
  EXPECT_EQ(v[0]["ratings"][2]["source"]["name"], "debian");
  EXPECT_EQ(v[0]["ratings"][2]["severity"], "high");
  EXPECT_FALSE(v[0].contains("analysis"));
  EXPECT_EQ(v[0]["affects"][0]["versions"][0]["status"], "affected");
  // not_affected: OpenVEX's justification in CycloneDX's words.
  EXPECT_EQ(v[1]["analysis"]["state"], "not_affected");
  EXPECT_EQ(v[1]["analysis"]["justification"], "code_not_present");
  EXPECT_EQ(v[1]["affects"][0]["versions"][0]["status"], "unaffected");
  EXPECT_EQ(v[1]["source"]["name"], "NVD");  // no severity source: the id's database
  EXPECT_EQ(v[1]["source"]["url"], "https://nvd.nist.gov/vuln/detail/CVE-2023-45853");
  // affected per VEX: exploitable, update, the action as detail.
  EXPECT_EQ(v[2]["analysis"]["state"], "exploitable");
  EXPECT_EQ(v[2]["analysis"]["response"], json::array({"update"}));
  EXPECT_EQ(v[2]["analysis"]["detail"], "Upgrade lodash to 4.17.21");
  EXPECT_EQ(v[2]["references"][0]["id"], "CVE-2021-23337");
  EXPECT_EQ(v[2]["references"][0]["source"]["url"], "https://nvd.nist.gov/vuln/detail/CVE-2021-23337");
  // ignored: accepted risk.
  EXPECT_EQ(v[3]["analysis"]["state"], "exploitable");
  EXPECT_EQ(v[3]["analysis"]["response"], json::array({"will_not_fix"}));
  EXPECT_EQ(v[3]["analysis"]["detail"], "iconv() is not reachable with ISO-2022-CN-EXT input");
}

// --------------------------------------------------------------- spdx --

json spdx_of(const Report& r) { return json::parse(render(r, "spdx-json")); }

TEST(Spdx, DocumentHasTheRequiredFields) {
  // SPDX 2.3 required document fields (spec clause 6) and package fields
  // (clause 7: name, SPDXID, downloadLocation; filesAnalyzed=false waives the
  // verification code), relationships (clause 11). No SPDX 2.3 JSON schema is
  // shipped in any npm or Debian package we can use, so these are checked here.
  json doc = spdx_of(testing::sample_report());
  EXPECT_EQ(doc["spdxVersion"], "SPDX-2.3");
  EXPECT_EQ(doc["dataLicense"], "CC0-1.0");
  EXPECT_EQ(doc["SPDXID"], "SPDXRef-DOCUMENT");
  EXPECT_EQ(doc["name"], "localhost/bulwark-fixture:1.0");
  std::string ns = doc["documentNamespace"];
  EXPECT_TRUE(std::regex_match(ns, std::regex("https://[^ #]+-[0-9a-f-]{36}"))) << ns;
  EXPECT_NE(ns, spdx_of(testing::sample_report())["documentNamespace"]) << "namespace must be unique per run";
  EXPECT_EQ(doc["creationInfo"]["creators"][0], "Tool: bulwark-0.1.0");
  EXPECT_TRUE(std::regex_match(doc["creationInfo"]["created"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));

  std::set<std::string> ids{"SPDXRef-DOCUMENT"};
  std::regex id_re("SPDXRef-[A-Za-z0-9.-]+");
  for (const auto& p : doc["packages"]) {
    ASSERT_TRUE(p.contains("name") && p["name"].is_string());
    std::string id = p["SPDXID"];
    EXPECT_TRUE(std::regex_match(id, id_re)) << id;
    EXPECT_TRUE(ids.insert(id).second) << "duplicate " << id;
    EXPECT_EQ(p["downloadLocation"], "NOASSERTION");
    EXPECT_EQ(p["filesAnalyzed"], false);
    EXPECT_TRUE(p.contains("licenseConcluded"));
    EXPECT_TRUE(p.contains("licenseDeclared"));
    static const std::set<std::string> kPurposes{"APPLICATION", "FRAMEWORK", "LIBRARY", "CONTAINER",
                                                 "OPERATING-SYSTEM", "DEVICE", "FIRMWARE", "SOURCE",
                                                 "ARCHIVE", "FILE", "INSTALL", "OTHER"};
    EXPECT_TRUE(kPurposes.count(p["primaryPackagePurpose"])) << p["primaryPackagePurpose"];
    for (const auto& a : p.value("annotations", json::array())) {
      for (const char* k : {"annotationDate", "annotationType", "annotator", "comment"}) EXPECT_TRUE(a.contains(k));
    }
  }
  for (const auto& rel : doc["relationships"]) {
    EXPECT_TRUE(ids.count(rel["spdxElementId"])) << rel;
    EXPECT_TRUE(ids.count(rel["relatedSpdxElement"])) << rel;
  }
  std::set<std::string> license_refs;
  for (const auto& e : doc["hasExtractedLicensingInfos"]) {
    EXPECT_TRUE(starts_with(e["licenseId"].get<std::string>(), "LicenseRef-"));
    EXPECT_TRUE(e.contains("extractedText"));
    license_refs.insert(e["licenseId"]);
  }
  EXPECT_TRUE(license_refs.count("LicenseRef-GPL-2"));
  EXPECT_TRUE(license_refs.count("LicenseRef-public-domain"));
}

TEST(Spdx, PackagesAndRelationships) {
  json doc = spdx_of(testing::sample_report());
  std::map<std::string, json> by_name;
  std::map<std::string, std::string> name_of;
  for (const auto& p : doc["packages"]) {
    by_name[p["name"]] = p;
    name_of[p["SPDXID"]] = p["name"];
  }
  const json& zlib = by_name["zlib1g"];
  EXPECT_EQ(zlib["versionInfo"], "1:1.2.13.dfsg-1");
  EXPECT_EQ(zlib["licenseDeclared"], "Zlib");
  EXPECT_EQ(zlib["licenseConcluded"], "NOASSERTION");
  EXPECT_EQ(zlib["primaryPackagePurpose"], "LIBRARY");
  EXPECT_EQ(zlib["supplier"], "Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)");
  EXPECT_EQ(zlib["sourceInfo"], "built package from: zlib 1:1.2.13.dfsg-1");
  EXPECT_EQ(zlib["externalRefs"][0]["referenceCategory"], "PACKAGE-MANAGER");
  EXPECT_EQ(zlib["externalRefs"][0]["referenceType"], "purl");
  EXPECT_EQ(zlib["externalRefs"][0]["referenceLocator"],
            "pkg:deb/debian/zlib1g@1.2.13.dfsg-1?arch=amd64&distro=debian-12&epoch=1");
  EXPECT_EQ(by_name["libc6"]["licenseDeclared"], "LicenseRef-LGPL-2.1 AND LicenseRef-GPL-2");
  EXPECT_EQ(by_name["debian"]["primaryPackagePurpose"], "OPERATING-SYSTEM");
  EXPECT_EQ(by_name["localhost/bulwark-fixture:1.0"]["primaryPackagePurpose"], "CONTAINER");
  EXPECT_EQ(by_name["srv/app/package-lock.json"]["primaryPackagePurpose"], "APPLICATION");

  std::multiset<std::string> rels;
  for (const auto& rel : doc["relationships"]) {
    std::string from = rel["spdxElementId"] == "SPDXRef-DOCUMENT" ? "DOCUMENT" : name_of[rel["spdxElementId"]];
    rels.insert(from + " " + rel["relationshipType"].get<std::string>() + " " + name_of[rel["relatedSpdxElement"]]);
  }
  EXPECT_EQ(rels.count("DOCUMENT DESCRIBES localhost/bulwark-fixture:1.0"), 1u);
  EXPECT_EQ(rels.count("localhost/bulwark-fixture:1.0 CONTAINS debian"), 1u);
  EXPECT_EQ(rels.count("debian CONTAINS zlib1g"), 1u);
  EXPECT_EQ(rels.count("srv/app/package-lock.json CONTAINS @babel/core"), 1u);
  EXPECT_EQ(rels.count("zlib1g DEPENDS_ON libc6"), 1u);
  EXPECT_EQ(rels.count("bash DEPENDS_ON libc6"), 1u);
  EXPECT_EQ(rels.count("express DEPENDS_ON lodash"), 1u);
  // The application depends on its direct packages, the dev one as SPDX's
  // DEV_DEPENDENCY_OF.
  EXPECT_EQ(rels.count("srv/app/package-lock.json DEPENDS_ON express"), 1u);
  EXPECT_EQ(rels.count("@babel/core DEV_DEPENDENCY_OF srv/app/package-lock.json"), 1u);
  EXPECT_EQ(rels.size(), 2u + 4u + 1u + 3u + 3u + 2u);
}

TEST(Spdx, SpdxIdsAreSanitised) {
  Report r = testing::sample_report();
  r.inventory.applications[0].packages[0].name = "weird name/with:chars+ü";
  r.inventory.applications[0].packages[1].name = "weird name/with:chars+ü";  // same name, different package
  json doc = spdx_of(r);
  std::set<std::string> ids;
  for (const auto& p : doc["packages"]) {
    std::string id = p["SPDXID"];
    EXPECT_TRUE(std::regex_match(id, std::regex("SPDXRef-[A-Za-z0-9.-]+"))) << id;
    EXPECT_TRUE(ids.insert(id).second) << id;
  }
}

// ------------------------------------------------- schema validation --

fs::path tools_dir() { return fs::path(BULWARK_SOURCE_DIR) / "tests" / "tools"; }

#define REQUIRE_VALIDATORS()                                                               \
  do {                                                                                     \
    BULWARK_REQUIRE_TOOL("node");                                                          \
    if (!fs::exists(tools_dir() / "node_modules" / "@cyclonedx" / "cyclonedx-library"))    \
      GTEST_SKIP() << "run npm ci --prefix tests/tools";                                   \
  } while (0)

bulwark::testing::CommandResult validate(const std::string& schema, const fs::path& file) {
  return bulwark::testing::run({"node", (tools_dir() / "validate.js").string(), schema, file.string()});
}

TEST(SchemaValidation, CycloneDxOutputIsValidAgainstTheOfficial15Schema) {
  REQUIRE_VALIDATORS();
  TempDir tmp;
  Report full = testing::sample_report();
  Report dir = testing::sample_report();
  dir.target.kind = TargetKind::kFilesystem;
  dir.target.reference = "/srv/project";
  dir.inventory.os.reset();
  Report empty;
  Report triaged = testing::sample_report();  // every analysis shape the writer makes
  triaged.findings[0].attributes["cwe"] = "CWE-787, CWE-122";
  triaged.findings[1].attributes["vex_justification"] = "vulnerable_code_not_in_execute_path";
  triaged.findings[2].attributes["vex_status"] = "affected";
  triaged.findings[2].attributes["vex_action"] = "Upgrade lodash to 4.17.21";
  Finding ignored = triaged.findings[0];
  ignored.id = "CVE-2024-2961";
  ignored.status = FindingStatus::kIgnored;
  ignored.status_reason = "accepted";
  triaged.findings.push_back(ignored);
  Finding fixed = triaged.findings[0];
  fixed.id = "CVE-2024-33599";
  fixed.status = FindingStatus::kFixed;
  triaged.findings.push_back(fixed);
  int n = 0;
  for (const Report* r : {&full, &dir, &empty, &triaged}) {
    fs::path file = tmp / ("bom" + std::to_string(n++) + ".json");
    bulwark::testing::write_file(file, render(*r, "cyclonedx"));
    auto res = validate("cyclonedx-1.5", file);
    EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
  }
}

TEST(SchemaValidation, ValidatorRejectsAnInvalidBom) {
  // The check must be able to fail: an unknown component type is invalid.
  REQUIRE_VALIDATORS();
  TempDir tmp;
  json bom = cdx_of(testing::sample_report());
  bom["components"][0]["type"] = "gadget";
  bulwark::testing::write_file(tmp / "bad.json", bom.dump());
  auto res = validate("cyclonedx-1.5", tmp / "bad.json");
  EXPECT_EQ(res.exit_code, 1) << res.out << res.err;
  EXPECT_NE(res.err.find("/components/0/type"), std::string::npos) << res.err;
}

TEST(SchemaValidation, HandWrittenCycloneDxFixturesAreValid) {
  REQUIRE_VALIDATORS();
  for (auto [file, version] : {std::pair{"cyclonedx-1.4-alpine.json", "cyclonedx-1.4"},
                               std::pair{"cyclonedx-1.5-trivy-style.json", "cyclonedx-1.5"},
                               std::pair{"cyclonedx-1.6-python.json", "cyclonedx-1.6"}}) {
    auto res = validate(version, bulwark::testing::fixture(std::string("report/") + file));
    EXPECT_EQ(res.exit_code, 0) << file << "\n" << res.out << res.err;
  }
}

// -------------------------------------------------------------- table --

struct TableBlock {
  std::vector<std::string> lines;
};

// The ASCII tables in the output: runs of lines starting with '+' or '|'.
std::vector<TableBlock> tables_in(const std::string& text) {
  std::vector<TableBlock> out;
  bool in = false;
  for (const auto& line : lines_of(text)) {
    bool row = !line.empty() && (line[0] == '+' || line[0] == '|');
    if (row && !in) out.emplace_back();
    if (row) out.back().lines.push_back(line);
    in = row;
  }
  return out;
}

TEST(Table, HeaderSummaryFindingsInventoryAndDiagnostics) {
  std::string text = render(testing::sample_report(), "table");
  EXPECT_NE(text.find("Target: localhost/bulwark-fixture:1.0 (image)"), std::string::npos) << text;
  EXPECT_NE(text.find("Digest: sha256:3333"), std::string::npos);
  EXPECT_NE(text.find("OS:     Debian GNU/Linux 12 (bookworm) [debian 12]"), std::string::npos);
  EXPECT_NE(text.find("WARNING: debian 12 reached end of life on 2026-06-10"), std::string::npos);
  // Open findings are counted and listed; the not_affected zlib finding is counted as suppressed.
  EXPECT_NE(text.find("Findings: 4 (CRITICAL: 1, HIGH: 2, MEDIUM: 1, LOW: 0, UNKNOWN: 0), 1 suppressed\n"),
            std::string::npos)
      << text;
  // Trivy's layout: the OS packages under the image name, then each application file.
  EXPECT_NE(text.find("localhost/bulwark-fixture:1.0 (debian 12)\n=========================================\n"
                      "Total: 1 (CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 0, UNKNOWN: 0)\n"
                      "Suppressed: 1 (1 not affected)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("srv/app/package-lock.json (npm)\n===============================\n"
                      "Total: 1 (CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 0, UNKNOWN: 0)\n"),
            std::string::npos);
  EXPECT_NE(text.find("Misconfigurations in Dockerfile\n"), std::string::npos);
  EXPECT_NE(text.find("Secrets in srv/app/.env\n"), std::string::npos);
  EXPECT_NE(text.find("| Library | Vulnerability       | Severity | Status | Installed Version | Fixed Version |"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("OS packages (debian 12): 4"), std::string::npos);
  EXPECT_NE(text.find("srv/app/package-lock.json (npm): 3 packages"), std::string::npos);
  EXPECT_NE(text.find("WARNING: layer 222222222222 srv/app/broken.json: unreadable file skipped"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("\x1b["), std::string::npos) << "no colour unless asked";

  // Expected rows (cells separated by " | ").
  auto has_row = [&](std::initializer_list<std::string> cells) {
    for (const auto& line : lines_of(text)) {
      size_t pos = 0;
      bool all = true;
      for (const auto& c : cells) {
        size_t at = line.find("| " + c, pos);  // a cell starting with c
        if (at == std::string::npos) {
          all = false;
          break;
        }
        pos = at + c.size();
      }
      if (all) return true;
    }
    return false;
  };
  EXPECT_TRUE(has_row({"libc6", "CVE-2023-4911", "HIGH", "fixed", "2.36-9+deb12u4", "2.36-9+deb12u5"})) << text;
  EXPECT_EQ(text.find("CVE-2023-45853"), std::string::npos) << "suppressed findings are counted, not listed";
  EXPECT_TRUE(has_row({"lodash", "GHSA-35jh-r3h4-6jhm", "HIGH", "fixed", "4.17.20", "4.17.21"}));
  // Misconfigurations are grouped by file, so a row gives the line within it.
  EXPECT_TRUE(has_row({"BW-DF-002", "MEDIUM", "line 3"})) << text;
  EXPECT_TRUE(has_row({"aws-access-key-id", "CRITICAL", "srv/app/.env:2", "AWS_ACCESS_KEY_ID=AKIA"}));
  EXPECT_TRUE(has_row({"zlib1g", "1:1.2.13.dfsg-1", "amd64", "zlib", "111111111111"}));
  EXPECT_TRUE(has_row({"bash", "5.2.15-2+b2", "amd64", "bash 5.2.15-2", "111111111111"}));
  EXPECT_TRUE(has_row({"tzdata", "2024a-0+deb12u1", "amd64", "", "222222222222"}));
  EXPECT_TRUE(has_row({"@babel/core", "7.23.0"}));

  // OS packages before applications, vulnerabilities before other kinds.
  EXPECT_LT(text.find("CVE-2023-4911"), text.find("GHSA-35jh-r3h4-6jhm"));
  EXPECT_LT(text.find("GHSA-35jh-r3h4-6jhm"), text.find("BW-DF-002"));
  // Findings before the inventory, diagnostics last.
  EXPECT_LT(text.find("Findings:"), text.find("OS packages"));
  EXPECT_LT(text.find("OS packages"), text.find("Diagnostics:"));
}

TEST(Table, EveryTableLineHasTheComputedWidth) {
  Report r = testing::sample_report();
  // Long and multi-byte cells: must be cut with an ellipsis, not break characters.
  r.findings[0].title = std::string(300, 'x');
  r.findings[2].title = "Überlauf in der Verarbeitung: 日本語のタイトルはとても長いのでここで切られるはずです" + std::string(80, 'y');
  r.inventory.applications[0].packages[0].name = "a-package-with-a-name-that-is-much-longer-than-forty-columns-wide";
  std::string text = render(r, "table");
  EXPECT_TRUE(valid_utf8(text));
  auto tables = tables_in(text);
  ASSERT_EQ(tables.size(), 4u + 2u);  // 4 finding groups, OS packages, one application
  for (const auto& t : tables) {
    size_t w = display_width(t.lines.front());
    EXPECT_GT(w, 10u);
    EXPECT_LE(w, 260u);
    for (const auto& line : t.lines) EXPECT_EQ(display_width(line), w) << line;
  }
  EXPECT_NE(text.find(std::string(49, 'x') + "\u2026"), std::string::npos);
  EXPECT_EQ(text.find(std::string(51, 'x')), std::string::npos);
  EXPECT_NE(text.find("a-package-with-a-name-that-is-much-long\u2026"), std::string::npos) << text;
}

TEST(Table, ColoursOnlyWhenAsked) {
  WriteOptions opts;
  opts.color = true;
  std::string text = render(testing::sample_report(), "table", opts);
  EXPECT_NE(text.find("\x1b[1;31mCRITICAL\x1b[0m"), std::string::npos);
  // Colour codes do not change the layout: strip them and the widths still agree.
  std::string plain = std::regex_replace(text, std::regex("\x1b\\[[0-9;]*m"), "");
  EXPECT_EQ(plain, render(testing::sample_report(), "table"));
}

TEST(Table, TrivyStatusColumnSeverityOrderAndSuppressedGroups) {
  Report r = testing::sample_report();
  r.findings[1].status = FindingStatus::kOpen;              // zlib CRITICAL, no fix
  r.findings[1].remediation.fix_state = "will_not_fix";
  r.findings[3].status = FindingStatus::kIgnored;           // the misconfiguration
  r.findings[3].ignored_until = "2099-01-01";
  r.findings[4].status = FindingStatus::kNotAffected;       // the secret
  Finding fixed_by_vex = r.findings[0];
  fixed_by_vex.id = "CVE-2024-2961";
  fixed_by_vex.status = FindingStatus::kFixed;
  r.findings.push_back(fixed_by_vex);
  std::string text = render(r, "table");
  // Severity order inside a table: CRITICAL before HIGH.
  EXPECT_LT(text.find("CVE-2023-45853"), text.find("CVE-2023-4911"));
  EXPECT_NE(text.find("| zlib1g  | CVE-2023-45853 | CRITICAL | will_not_fix |"), std::string::npos) << text;
  EXPECT_NE(text.find("Suppressed: 1 (1 fixed)"), std::string::npos) << text;
  EXPECT_EQ(text.find("CVE-2024-2961"), std::string::npos);
  // A group whose findings are all suppressed: its title, a zero total, the note, no table.
  EXPECT_NE(text.find("Misconfigurations in Dockerfile\n===============================\n"
                      "Total: 0 (CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0)\nSuppressed: 1 (1 ignored)\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Suppressed: 1 (1 not affected)"), std::string::npos);
  EXPECT_EQ(text.find("BW-DF-002"), std::string::npos);
  EXPECT_EQ(text.find("AKIA"), std::string::npos);
  EXPECT_NE(text.find("Findings: 3 (CRITICAL: 1, HIGH: 2, MEDIUM: 0, LOW: 0, UNKNOWN: 0), 3 suppressed"),
            std::string::npos)
      << text;
  EXPECT_EQ(tables_in(text).size(), 2u + 2u);  // OS and npm vulnerabilities; OS packages and the application
}

TEST(Table, QuietInventoryAndNoFindings) {
  Report r = testing::sample_report();
  r.findings.clear();
  r.inventory.os->eol = "2099-01-01";
  WriteOptions opts;
  opts.show_packages = false;
  std::string text = render(r, "table", opts);
  EXPECT_NE(text.find("Findings: none"), std::string::npos);
  EXPECT_EQ(text.find("end of life"), std::string::npos);
  EXPECT_EQ(text.find("OS packages"), std::string::npos);
  EXPECT_TRUE(tables_in(text).empty());
}

TEST(Table, Utf8Helpers) {
  EXPECT_EQ(display_width("abc"), 3u);
  EXPECT_EQ(display_width("Über"), 4u);
  EXPECT_EQ(display_width("日本"), 4u);
  EXPECT_EQ(truncate_to_width("日本語", 4), "日\u2026");  // never half a wide character
  EXPECT_EQ(truncate_to_width("Überlauf", 3), "Üb\u2026");
  EXPECT_EQ(truncate_to_width("short", 10), "short");
  EXPECT_TRUE(valid_utf8(truncate_to_width("ééééé", 3)));
}

}  // namespace
}  // namespace bulwark::report
