#include <gtest/gtest.h>

#include <functional>
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

std::string render(const Report& r, std::string_view format) {
  std::ostringstream out;
  Status st = write_report(r, format, {}, out);
  EXPECT_TRUE(st.ok());
  return out.str();
}

// What must survive a trip through an SBOM: identity, version facts, edges.
std::string summary(const Package& p) {
  std::string s = p.ecosystem + "|" + p.name + "|" + p.version + "|" + p.arch + "|" + std::to_string(p.epoch) + "|" +
                  p.purl + "|" + p.id + "|deps:";
  std::vector<std::string> deps = p.depends_on;
  std::sort(deps.begin(), deps.end());
  for (const auto& d : deps) s += d + ",";
  return s;
}

std::set<std::string> os_packages(const Report& r) {
  std::set<std::string> out;
  for (const auto& p : r.inventory.packages) out.insert(summary(p));
  return out;
}

std::set<std::string> app_packages(const Report& r) {
  std::set<std::string> out;
  for (const auto& a : r.inventory.applications)
    for (const auto& p : a.packages) out.insert(a.type + "@" + a.path + ": " + summary(p));
  return out;
}

const Package* find(const std::vector<Package>& v, const std::string& name) {
  for (const auto& p : v)
    if (p.name == name) return &p;
  return nullptr;
}

Report expected_after_trip() {
  Report r = testing::sample_report();
  // The dependency on a package that is not in the inventory cannot be written.
  r.inventory.packages[2].depends_on = {r.inventory.packages[0].id};
  return r;
}

class RoundTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(RoundTrip, KeepsPackagesOsApplicationsAndEdges) {
  Report original = expected_after_trip();
  std::string text = render(testing::sample_report(), GetParam());
  auto back = read_sbom(text, "sbom.json");
  ASSERT_TRUE(back.ok()) << back.error().describe();
  const Report& r = *back;
  EXPECT_EQ(r.target.kind, TargetKind::kSbom);
  EXPECT_EQ(r.target.reference, "sbom.json");
  EXPECT_EQ(r.target.artifact.name, "localhost/bulwark-fixture:1.0");
  EXPECT_EQ(r.target.digest, original.target.digest);
  ASSERT_TRUE(r.inventory.os.has_value());
  EXPECT_EQ(*r.inventory.os, *original.inventory.os);
  EXPECT_EQ(os_packages(r), os_packages(original));
  EXPECT_EQ(app_packages(r), app_packages(original));
  ASSERT_EQ(r.inventory.applications.size(), 1u);
  EXPECT_EQ(r.inventory.applications[0].type, "npm");
  EXPECT_EQ(r.inventory.applications[0].path, "srv/app/package-lock.json");

  // Every package field Bulwark writes comes back, not only the identity.
  for (size_t i = 0; i < original.inventory.packages.size(); ++i) {
    const Package* got = find(r.inventory.packages, original.inventory.packages[i].name);
    ASSERT_NE(got, nullptr);
    Package want = original.inventory.packages[i];
    EXPECT_EQ(got->src_name, want.src_name) << want.name;
    EXPECT_EQ(got->src_version, want.src_version) << want.name;
    EXPECT_EQ(got->licenses, want.licenses) << want.name;
    EXPECT_EQ(got->maintainer, want.maintainer) << want.name;
    EXPECT_EQ(got->location, want.location) << want.name;
  }
  const Package* babel = find(r.inventory.applications[0].packages, "@babel/core");
  ASSERT_NE(babel, nullptr);
  EXPECT_TRUE(babel->dev);
  EXPECT_EQ(babel->relationship, Relationship::kDirect);
  EXPECT_EQ(babel->licenses, std::vector<std::string>{"MIT"});
  EXPECT_TRUE(r.diagnostics.empty() || GetParam() == std::string("cyclonedx")) << r.diagnostics[0].message;
}

INSTANTIATE_TEST_SUITE_P(Formats, RoundTrip, ::testing::Values("cyclonedx", "spdx-json"));

TEST(ReadSbom, SecondTripIsStable) {
  for (const char* format : {"cyclonedx", "spdx-json"}) {
    auto once = read_sbom(render(testing::sample_report(), format), "a.json");
    ASSERT_TRUE(once.ok());
    auto twice = read_sbom(render(*once, format), "a.json");
    ASSERT_TRUE(twice.ok()) << twice.error().describe();
    EXPECT_EQ(os_packages(*twice), os_packages(*once)) << format;
    EXPECT_EQ(app_packages(*twice), app_packages(*once)) << format;
  }
}

// ------------------------------------------------ hand-written fixtures --

Report read_fixture(const std::string& name) {
  fs::path p = bulwark::testing::fixture("report/" + name);
  auto r = read_sbom(bulwark::testing::read_file(p), name);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
  return r.ok() ? *r : Report{};
}

TEST(ReadSbom, CycloneDx14AlpineImage) {
  Report r = read_fixture("cyclonedx-1.4-alpine.json");
  EXPECT_EQ(r.target.artifact.name, "alpine:3.18.4");
  ASSERT_TRUE(r.inventory.os);
  EXPECT_EQ(r.inventory.os->family, "alpine");
  EXPECT_EQ(r.inventory.os->version, "3.18.4");
  EXPECT_EQ(r.inventory.os->pretty_name, "Alpine Linux v3.18");
  ASSERT_EQ(r.inventory.packages.size(), 3u);
  EXPECT_TRUE(r.inventory.applications.empty());
  const Package* musl = find(r.inventory.packages, "musl");
  ASSERT_NE(musl, nullptr);
  EXPECT_EQ(musl->ecosystem, "apk");
  EXPECT_EQ(musl->version, "1.2.4-r2");
  EXPECT_EQ(musl->arch, "x86_64");
  EXPECT_EQ(musl->id, "apk:musl@1.2.4-r2:x86_64");
  EXPECT_EQ(musl->licenses, std::vector<std::string>{"MIT"});
  EXPECT_EQ(musl->digest, "sha1:6f12b7b0b7c4e5a1b3a4c2d1e0f9a8b7c6d5e4f3");
  const Package* busybox = find(r.inventory.packages, "busybox");
  ASSERT_NE(busybox, nullptr);
  EXPECT_EQ(busybox->licenses, std::vector<std::string>{"GPL-2.0-only"});
  EXPECT_EQ(busybox->depends_on, std::vector<std::string>{"apk:musl@1.2.4-r2:x86_64"});
  // The file component is reported, not silently dropped.
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_NE(r.diagnostics[0].message.find("components[4]"), std::string::npos) << r.diagnostics[0].message;
  EXPECT_NE(r.diagnostics[0].message.find("'file'"), std::string::npos);
}

TEST(ReadSbom, CycloneDx16NestedPythonComponents) {
  Report r = read_fixture("cyclonedx-1.6-python.json");
  EXPECT_EQ(r.target.artifact.name, "my-service");
  EXPECT_FALSE(r.inventory.os);
  ASSERT_EQ(r.inventory.applications.size(), 1u);
  const Application& app = r.inventory.applications[0];
  EXPECT_EQ(app.type, "pypi");
  EXPECT_EQ(app.path, "cyclonedx-1.6-python.json");
  ASSERT_EQ(app.packages.size(), 4u);  // urllib3 is nested inside requests
  const Package* requests = find(app.packages, "requests");
  ASSERT_NE(requests, nullptr);
  std::vector<std::string> deps = requests->depends_on;
  std::sort(deps.begin(), deps.end());
  EXPECT_EQ(deps, (std::vector<std::string>{"pypi:certifi@2023.7.22", "pypi:charset-normalizer@3.3.2",
                                            "pypi:urllib3@2.0.7"}));
  EXPECT_EQ(requests->licenses, std::vector<std::string>{"Apache-2.0"});
  // A library without a purl has no ecosystem: reported, not guessed.
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_NE(r.diagnostics[0].message.find("components[3]"), std::string::npos);
  EXPECT_NE(r.diagnostics[0].message.find("internal-lib"), std::string::npos);
}

TEST(ReadSbom, CycloneDx15TrivyStyleImage) {
  Report r = read_fixture("cyclonedx-1.5-trivy-style.json");
  EXPECT_EQ(r.target.artifact.name, "node:20-bookworm-slim");
  ASSERT_TRUE(r.inventory.os);
  EXPECT_EQ(r.inventory.os->family, "debian");
  EXPECT_EQ(r.inventory.os->version, "12.5");
  ASSERT_EQ(r.inventory.packages.size(), 1u);
  const Package& ssl = r.inventory.packages[0];
  EXPECT_EQ(ssl.name, "libssl3");
  EXPECT_EQ(ssl.version, "3.0.11-1~deb12u2");
  EXPECT_EQ(ssl.src_name, "openssl");
  EXPECT_EQ(ssl.location.layer, "sha256:9853575bc4f955c5892dd64187538a6cd02dba6968eba9201854876a7a257034");
  EXPECT_EQ(ssl.maintainer, "Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>");
  // The application component groups the npm packages under its path and type.
  ASSERT_EQ(r.inventory.applications.size(), 1u);
  const Application& app = r.inventory.applications[0];
  EXPECT_EQ(app.path, "usr/local/lib/node_modules/npm/package-lock.json");
  EXPECT_EQ(app.type, "node-pkg");
  ASSERT_EQ(app.packages.size(), 2u);
  const Package* semver = find(app.packages, "semver");
  ASSERT_NE(semver, nullptr);
  EXPECT_EQ(semver->depends_on, std::vector<std::string>{"npm:lru-cache@6.0.0"});
  EXPECT_TRUE(r.diagnostics.empty());
}

TEST(ReadSbom, Spdx22DebianWithPurlDistro) {
  Report r = read_fixture("spdx-2.2-debian.json");
  EXPECT_EQ(r.target.artifact.name, "debian:11-slim");
  ASSERT_TRUE(r.inventory.os);
  EXPECT_EQ(r.inventory.os->family, "debian");
  EXPECT_EQ(r.inventory.os->version, "11");
  ASSERT_EQ(r.inventory.packages.size(), 3u);
  const Package* libc = find(r.inventory.packages, "libc6");
  ASSERT_NE(libc, nullptr);
  EXPECT_EQ(libc->version, "2.31-13+deb11u5");
  EXPECT_EQ(libc->src_name, "glibc");
  EXPECT_EQ(libc->src_version, "2.31-13+deb11u5");
  EXPECT_EQ(libc->maintainer, "GNU Libc Maintainers <debian-glibc@lists.debian.org>");
  EXPECT_EQ(libc->licenses, (std::vector<std::string>{"LGPL-2.1-or-later", "GPL-2.0-or-later"}));
  const Package* login = find(r.inventory.packages, "login");
  ASSERT_NE(login, nullptr);
  EXPECT_EQ(login->epoch, 1);
  EXPECT_EQ(login->version, "1:4.8.1-1");
  EXPECT_EQ(login->id, "deb:login@1:4.8.1-1:amd64");
  EXPECT_EQ(login->depends_on, std::vector<std::string>{"deb:libc6@2.31-13+deb11u5:amd64"});  // DEPENDENCY_OF
  const Package* gcrypt = find(r.inventory.packages, "libgcrypt20");
  ASSERT_NE(gcrypt, nullptr);
  EXPECT_EQ(gcrypt->licenses, std::vector<std::string>{"GPL-2"});  // LicenseRef resolved to its name
  EXPECT_EQ(gcrypt->digest, "sha256:0b6f3c1a2d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e");
  EXPECT_EQ(gcrypt->depends_on, std::vector<std::string>{"deb:libc6@2.31-13+deb11u5:amd64"});
}

TEST(ReadSbom, Spdx23NpmGroupedByContainingApplication) {
  Report r = read_fixture("spdx-2.3-npm.json");
  EXPECT_EQ(r.target.artifact.name, "web-frontend");
  ASSERT_EQ(r.inventory.applications.size(), 1u);
  const Application& app = r.inventory.applications[0];
  EXPECT_EQ(app.path, "package-lock.json");
  EXPECT_EQ(app.type, "npm");
  ASSERT_EQ(app.packages.size(), 3u);
  const Package* core = find(app.packages, "@angular/core");
  ASSERT_NE(core, nullptr);
  EXPECT_EQ(core->purl, "pkg:npm/%40angular/core@17.0.8");
  EXPECT_EQ(core->licenses, std::vector<std::string>{"MIT"});  // concluded when declared is NOASSERTION
  EXPECT_EQ(core->depends_on.size(), 2u);
  const Package* tslib = find(app.packages, "tslib");
  ASSERT_NE(tslib, nullptr);
  EXPECT_EQ(tslib->licenses, std::vector<std::string>{"(0BSD OR MIT)"});  // expressions stay whole
  ASSERT_EQ(r.diagnostics.size(), 1u);
  EXPECT_NE(r.diagnostics[0].message.find("files"), std::string::npos);
}

// ------------------------------------------------------------ malformed --

Error read_error(const std::string& text) {
  auto r = read_sbom(text, "sbom.json");
  EXPECT_FALSE(r.ok()) << text.substr(0, 200);
  return r.ok() ? Error() : r.error();
}

TEST(ReadSbom, MalformedDocumentsNameTheFileAndPath) {
  struct Case {
    std::string text;
    ErrorCode code;
    std::string where;     // Error::describe() must contain this
  };
  const std::string cdx = R"({"bomFormat":"CycloneDX","specVersion":"1.5",)";
  const std::string spdx = R"({"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT",)";
  std::vector<Case> cases = {
      {"not json at all", ErrorCode::kCorrupt, "sbom.json: line 1 column"},
      {"{\"bomFormat\": \"CycloneDX\",", ErrorCode::kCorrupt, "sbom.json: line 1"},
      {"[1,2,3]", ErrorCode::kCorrupt, "sbom.json: an SBOM must be a JSON object"},
      {"{\"hello\": 1}", ErrorCode::kUnsupported, "neither CycloneDX"},
      {R"({"bomFormat":"SPDX","specVersion":"1.5"})", ErrorCode::kCorrupt, "sbom.json: bomFormat: expected \"CycloneDX\""},
      {R"({"bomFormat":"CycloneDX","specVersion":1.5})", ErrorCode::kCorrupt, "sbom.json: specVersion: expected a string, found a number"},
      {R"({"bomFormat":"CycloneDX","specVersion":"1.1"})", ErrorCode::kUnsupported, "specVersion: CycloneDX 1.1 has no JSON form"},
      {cdx + R"("components":{"a":1}})", ErrorCode::kCorrupt, "sbom.json: components: expected an array, found an object"},
      {cdx + R"("components":[{"type":"library","name":"a"}, 7]})", ErrorCode::kCorrupt, "sbom.json: components[1]: expected an object, found a number"},
      {cdx + R"("components":[{"type":"library"}]})", ErrorCode::kCorrupt, "sbom.json: components[0].name: required field is missing"},
      {cdx + R"("components":[{"type":"library","name":"a","version":2}]})", ErrorCode::kCorrupt, "sbom.json: components[0].version: expected a string"},
      {cdx + R"("components":[{"type":"library","name":"a"},{"type":"library","name":"b"},{"type":"library","name":"c"},{"type":"library","name":"d","purl":"npm/d@1"}]})",
       ErrorCode::kCorrupt, "sbom.json: components[3].purl: package URL does not start with 'pkg:'"},
      {cdx + R"("components":[{"type":"library","name":"a","components":[{"type":"library","name":"b","purl":"pkg:npm/b@%zz"}]}]})",
       ErrorCode::kCorrupt, "sbom.json: components[0].components[0].purl: bad percent-encoding"},
      {cdx + R"("components":[{"type":"library","name":"a","licenses":[{"license":{"id":5}}]}]})", ErrorCode::kCorrupt,
       "sbom.json: components[0].licenses[0].license.id: expected a string"},
      {cdx + R"("components":[{"type":"library","name":"a","properties":[{"name":"x","value":[]}]}]})", ErrorCode::kCorrupt,
       "sbom.json: components[0].properties[0].value: expected a string, found an array"},
      {cdx + R"("components":[{"type":"library","name":"a","purl":"pkg:deb/debian/a@1?epoch=x1"}]})", ErrorCode::kCorrupt,
       "sbom.json: components[0].purl: epoch 'x1' is not a number"},
      {cdx + R"("dependencies":[{"ref":"a","dependsOn":["b",3]}]})", ErrorCode::kCorrupt, "sbom.json: dependencies[0].dependsOn[1]: expected a string"},
      {cdx + R"("dependencies":[{"dependsOn":[]}]})", ErrorCode::kCorrupt, "sbom.json: dependencies[0].ref: required field is missing"},
      {cdx + R"("metadata":{"component":"x"}})", ErrorCode::kCorrupt, "sbom.json: metadata.component: expected an object"},
      {R"({"spdxVersion":"SPDX-2.1"})", ErrorCode::kUnsupported, "sbom.json: spdxVersion: SPDX version \"SPDX-2.1\" is not supported"},
      {spdx + R"("packages":[{"SPDXID":7,"name":"a"}]})", ErrorCode::kCorrupt, "sbom.json: packages[0].SPDXID: expected a string, found a number"},
      {spdx + R"("packages":[{"SPDXID":"SPDXRef-a"}]})", ErrorCode::kCorrupt, "sbom.json: packages[0].name: required field is missing"},
      {spdx + R"("packages":[{"SPDXID":"SPDXRef-a","name":"a"},{"SPDXID":"SPDXRef-a","name":"b"}]})", ErrorCode::kCorrupt,
       "sbom.json: packages[1].SPDXID: duplicate SPDXID"},
      {spdx + R"("packages":[{"SPDXID":"SPDXRef-a","name":"a","externalRefs":[{"referenceType":"purl","referenceLocator":"pkg:npm"}]}]})",
       ErrorCode::kCorrupt, "sbom.json: packages[0].externalRefs[0].referenceLocator: package URL has no name"},
      {spdx + R"("relationships":[{"spdxElementId":"SPDXRef-a","relationshipType":"DEPENDS_ON"}]})", ErrorCode::kCorrupt,
       "sbom.json: relationships[0].relatedSpdxElement: required field is missing"},
      {spdx + R"("packages":"none"})", ErrorCode::kCorrupt, "sbom.json: packages: expected an array, found a string"},
      {"SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n", ErrorCode::kUnsupported, "sbom.json: SPDX tag-value documents are not supported"},
      {"<?xml version=\"1.0\"?><bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\"/>", ErrorCode::kUnsupported, "XML SBOMs"},
      {R"({"@context":"https://spdx.org/rdf/3.0.0/spdx-context.jsonld","@graph":[]})", ErrorCode::kUnsupported, "SPDX 3"},
  };
  for (const auto& c : cases) {
    Error e = read_error(c.text);
    EXPECT_EQ(e.code, c.code) << c.text << " -> " << e.describe();
    EXPECT_NE(e.describe().find(c.where), std::string::npos) << c.text << "\n  got: " << e.describe();
  }
}

TEST(ReadSbom, HugeNestingIsALimitNotACrash) {
  std::string deep = R"({"bomFormat":"CycloneDX","specVersion":"1.5","components":)";
  for (int i = 0; i < 100000; ++i) deep += "[";
  Error e = read_error(deep);
  EXPECT_EQ(e.code, ErrorCode::kLimitExceeded) << e.describe();
  EXPECT_NE(e.describe().find("sbom.json"), std::string::npos);
  // Nested components (objects within objects) hit the same bound.
  std::string nested = R"({"bomFormat":"CycloneDX","specVersion":"1.5","components":[)";
  for (int i = 0; i < 200; ++i) nested += R"({"type":"library","name":"n","components":[)";
  Error e2 = read_error(nested);
  EXPECT_EQ(e2.code, ErrorCode::kLimitExceeded) << e2.describe();
}

TEST(ReadSbom, SizeLimit) {
  Limits saved = limits();
  Limits small = saved;
  small.max_sbom_bytes = 64;
  set_limits(small);
  Error e = read_error(render(testing::sample_report(), "cyclonedx"));
  set_limits(saved);
  EXPECT_EQ(e.code, ErrorCode::kLimitExceeded);
  EXPECT_NE(e.describe().find("sbom.json"), std::string::npos);
}

TEST(ReadSbom, NewerCycloneDxIsReadWithAWarning) {
  auto r = read_sbom(R"({"bomFormat":"CycloneDX","specVersion":"1.7","components":[
      {"type":"library","name":"left-pad","version":"1.3.0","purl":"pkg:npm/left-pad@1.3.0"}]})",
                     "new.json");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->inventory.applications.size(), 1u);
  EXPECT_EQ(r->inventory.applications[0].packages[0].name, "left-pad");
  ASSERT_FALSE(r->diagnostics.empty());
  EXPECT_NE(r->diagnostics[0].message.find("1.7"), std::string::npos);
}

TEST(ReadSbom, EmptyDocumentsAreFine) {
  auto c = read_sbom(R"({"bomFormat":"CycloneDX","specVersion":"1.2"})", "a.json");
  ASSERT_TRUE(c.ok()) << c.error().describe();
  EXPECT_TRUE(c->inventory.packages.empty());
  auto s = read_sbom(R"({"spdxVersion":"SPDX-2.2"})", "b.json");
  ASSERT_TRUE(s.ok()) << s.error().describe();
}

// ------------------------------------------- SBOMs made by other tools --

TEST(ReadSbom, RealCycloneDxFromCycloneDxNpm) {
  // cyclonedx-npm (installed by `npm ci --prefix tests/tools`) describes the
  // test tools' own node_modules: a real third-party CycloneDX 1.5 document.
  BULWARK_REQUIRE_TOOL("node");
  BULWARK_REQUIRE_TOOL("npm");
  fs::path tools = fs::path(BULWARK_SOURCE_DIR) / "tests" / "tools";
  fs::path cli = tools / "node_modules" / "@cyclonedx" / "cyclonedx-npm" / "bin" / "cyclonedx-npm-cli.js";
  if (!fs::exists(cli)) GTEST_SKIP() << "run npm ci --prefix tests/tools";
  TempDir tmp;
  fs::path out = tmp / "bom.json";
  auto res = bulwark::testing::sh("cd '" + tools.string() + "' && node '" + cli.string() +
                                  "' --spec-version 1.5 --output-format JSON --output-file '" + out.string() +
                                  "' package.json");
  ASSERT_EQ(res.exit_code, 0) << res.out << res.err;
  std::string text = bulwark::testing::read_file(out);
  auto r = read_sbom(text, "bom.json");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  json doc = json::parse(text);
  // cyclonedx-npm nests packages installed inside other packages.
  size_t npm_components = 0;
  std::function<void(const json&)> count = [&](const json& list) {
    for (const auto& c : list) {
      if (starts_with(c.value("purl", ""), "pkg:npm/")) ++npm_components;
      if (c.contains("components")) count(c["components"]);
    }
  };
  count(doc["components"]);
  ASSERT_GT(npm_components, 20u);
  size_t read = 0;
  const Package* ajv = nullptr;
  const Package* lib = nullptr;
  for (const auto& app : r->inventory.applications) {
    EXPECT_EQ(app.type, "npm");
    for (const auto& p : app.packages) {
      ++read;
      EXPECT_EQ(p.ecosystem, "npm");
      if (p.name == "ajv" && p.version == "8.20.0") ajv = &p;
      if (p.name == "@cyclonedx/cyclonedx-library") lib = &p;
    }
  }
  EXPECT_EQ(read, npm_components) << "every npm component becomes a package";
  ASSERT_NE(ajv, nullptr);
  EXPECT_EQ(ajv->licenses, std::vector<std::string>{"MIT"});
  EXPECT_FALSE(ajv->depends_on.empty()) << "edges from the dependencies section";
  ASSERT_NE(lib, nullptr);
  EXPECT_EQ(lib->version, "10.3.0");
  // And it validates against the official schema, as a cross-check of validate.js.
  auto v = bulwark::testing::run({"node", (tools / "validate.js").string(), "cyclonedx-1.5", out.string()});
  EXPECT_EQ(v.exit_code, 0) << v.err;
}

}  // namespace
}  // namespace bulwark::report
