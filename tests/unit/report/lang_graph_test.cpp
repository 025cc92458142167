// The dependency graph of language applications in the SBOM writers and
// readers: each application file depends on its root and direct packages,
// packages on what their lockfile says (resolved inside their own
// application), relationship and dev carried; both formats read back to the
// same packages, relationships and edges; the CycloneDX output validates
// against the official 1.5 schema.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>

#include "core/json.hpp"
#include "report/report.hpp"
#include "testing/testing.hpp"

namespace bulwark::report {
namespace {

namespace fs = std::filesystem;

Package pkg(const std::string& eco, const std::string& name, const std::string& version, Relationship rel,
            bool dev = false) {
  Package p;
  p.ecosystem = eco;
  p.name = name;
  p.version = version;
  p.relationship = rel;
  p.dev = dev;
  p.id = make_package_id(p);
  return p;
}

// Packages of one application, with edges given by name@version.
Application app(const std::string& type, const std::string& path, std::vector<Package> packages,
                const std::vector<std::pair<std::string, std::string>>& edges) {
  Application a;
  a.type = type;
  a.path = path;
  for (auto& p : packages) p.location.path = path;
  for (const auto& [from, to] : edges) {
    Package* f = nullptr;
    const Package* t = nullptr;
    for (auto& p : packages) {
      if (p.name + "@" + p.version == from) f = &p;
      if (p.name + "@" + p.version == to) t = &p;
    }
    EXPECT_TRUE(f && t) << from << " -> " << to;
    if (f && t) f->depends_on.push_back(t->id);
  }
  a.packages = std::move(packages);
  return a;
}

const auto kRoot = Relationship::kRoot;
const auto kDirect = Relationship::kDirect;
const auto kTrans = Relationship::kTransitive;
const auto kUnknown = Relationship::kUnknown;

// A repository with applications of five ecosystems: roots, direct and
// transitive packages, development-only ones, a cycle nothing reaches, packages
// of unknown relationship, and the same package (debug@2.6.9) in two lockfiles
// with different dependencies.
Report lang_report() {
  Report r;
  r.created_at = "2026-11-28T10:00:00Z";
  r.tool.version = "0.1.0";
  r.target.kind = TargetKind::kRepository;
  r.target.reference = "/src/project";
  r.target.repository = RepositoryInfo{"0123456789abcdef0123456789abcdef01234567", "main",
                                       "git@github.com:example/project.git"};
  Inventory& inv = r.inventory;
  inv.applications.push_back(app(
      "npm", "web/package-lock.json",
      {pkg("npm", "my-web", "1.0.0", kRoot), pkg("npm", "express", "4.18.2", kDirect),
       pkg("npm", "body-parser", "1.20.1", kTrans), pkg("npm", "debug", "2.6.9", kTrans),
       pkg("npm", "ms", "2.0.0", kTrans), pkg("npm", "jest", "29.7.0", kDirect, true),
       pkg("npm", "@jest/core", "29.7.0", kTrans, true), pkg("npm", "chalk", "4.1.2", kTrans, true),
       pkg("npm", "cycle-a", "1.0.0", kTrans), pkg("npm", "cycle-b", "1.0.0", kTrans)},
      {{"my-web@1.0.0", "express@4.18.2"}, {"my-web@1.0.0", "jest@29.7.0"}, {"express@4.18.2", "body-parser@1.20.1"},
       {"express@4.18.2", "debug@2.6.9"}, {"body-parser@1.20.1", "debug@2.6.9"}, {"debug@2.6.9", "ms@2.0.0"},
       {"jest@29.7.0", "@jest/core@29.7.0"}, {"@jest/core@29.7.0", "chalk@4.1.2"},
       {"cycle-a@1.0.0", "cycle-b@1.0.0"}, {"cycle-b@1.0.0", "cycle-a@1.0.0"}}));
  inv.applications.push_back(app("npm", "api/package-lock.json",
                                 {pkg("npm", "debug", "2.6.9", kDirect), pkg("npm", "ms", "2.1.3", kTrans)},
                                 {{"debug@2.6.9", "ms@2.1.3"}}));
  inv.applications.push_back(app("pip", "requirements.txt",
                                 {pkg("pypi", "requests", "2.31.0", kUnknown), pkg("pypi", "urllib3", "2.0.7", kUnknown)},
                                 {}));
  inv.applications.push_back(
      app("pom", "service/pom.xml",
          {pkg("maven", "org.example:service", "1.0.0", kRoot),
           pkg("maven", "com.fasterxml.jackson.core:jackson-databind", "2.15.2", kDirect),
           pkg("maven", "com.fasterxml.jackson.core:jackson-core", "2.15.2", kTrans),
           pkg("maven", "junit:junit", "4.13.2", kDirect, true)},
          {{"org.example:service@1.0.0", "com.fasterxml.jackson.core:jackson-databind@2.15.2"},
           {"org.example:service@1.0.0", "junit:junit@4.13.2"},
           {"com.fasterxml.jackson.core:jackson-databind@2.15.2", "com.fasterxml.jackson.core:jackson-core@2.15.2"}}));
  inv.applications.push_back(app("gomod", "go.mod",
                                 {pkg("golang", "golang.org/x/net", "v0.17.0", kDirect),
                                  pkg("golang", "golang.org/x/text", "v0.13.0", kTrans)},
                                 {{"golang.org/x/net@v0.17.0", "golang.org/x/text@v0.13.0"}}));
  inv.applications.push_back(app("cargo", "Cargo.lock",
                                 {pkg("cargo", "my-crate", "0.1.0", kRoot), pkg("cargo", "serde", "1.0.190", kDirect),
                                  pkg("cargo", "serde_derive", "1.0.190", kTrans)},
                                 {{"my-crate@0.1.0", "serde@1.0.190"}, {"serde@1.0.190", "serde_derive@1.0.190"}}));
  assign_package_ids(inv);
  return r;
}

std::string render(const Report& r, std::string_view format) {
  std::ostringstream out;
  Status st = write_report(r, format, {}, out);
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().describe());
  return out.str();
}

// Per application path: every package as "id rel=… dev=… -> sorted deps".
std::map<std::string, std::set<std::string>> graph_of(const Inventory& inv) {
  std::map<std::string, std::set<std::string>> out;
  for (const auto& a : inv.applications)
    for (const auto& p : a.packages) {
      std::set<std::string> deps(p.depends_on.begin(), p.depends_on.end());
      std::string line = p.id + " rel=" + to_string(p.relationship) + " dev=" + (p.dev ? "1" : "0") + " ->";
      for (const auto& d : deps) line += " " + d;
      out[a.type + " " + a.path].insert(line);
    }
  return out;
}

std::string prop(const json& c, const std::string& name) {
  for (const auto& p : c.value("properties", json::array()))
    if (p["name"] == name) return p["value"];
  return {};
}

TEST(LangGraph, CycloneDxApplicationsDependOnRootAndDirectPackages) {
  Report r = lang_report();
  json bom = json::parse(render(r, "cyclonedx"));
  // bom-ref -> "<application path> <package id>" (or the application itself).
  std::map<std::string, std::string> name;
  std::map<std::string, const json*> component;
  for (const auto& c : bom["components"]) {
    std::string ref = c["bom-ref"];
    component[ref] = &c;
    if (c["type"] == "application")
      name[ref] = "APP " + prop(c, "bulwark:package_path");
    else
      name[ref] = prop(c, "bulwark:package_path") + " " + prop(c, "bulwark:package_id");
  }
  std::map<std::string, std::set<std::string>> deps;
  for (const auto& d : bom["dependencies"]) {
    std::set<std::string> on;
    for (const auto& to : d["dependsOn"]) on.insert(name[to]);
    if (name.count(d["ref"])) deps[name[d["ref"]]] = on;
  }
  EXPECT_EQ(deps["APP web/package-lock.json"],
            (std::set<std::string>{"web/package-lock.json npm:my-web@1.0.0", "web/package-lock.json npm:express@4.18.2",
                                   "web/package-lock.json npm:jest@29.7.0",
                                   // a cycle nothing else reaches is still in the application's graph
                                   "web/package-lock.json npm:cycle-a@1.0.0"}));
  EXPECT_EQ(deps["web/package-lock.json npm:my-web@1.0.0"],
            (std::set<std::string>{"web/package-lock.json npm:express@4.18.2", "web/package-lock.json npm:jest@29.7.0"}));
  EXPECT_EQ(deps["web/package-lock.json npm:express@4.18.2"],
            (std::set<std::string>{"web/package-lock.json npm:body-parser@1.20.1", "web/package-lock.json npm:debug@2.6.9"}));
  // The same package in two lockfiles: each keeps its own dependencies.
  EXPECT_EQ(deps["web/package-lock.json npm:debug@2.6.9"], std::set<std::string>{"web/package-lock.json npm:ms@2.0.0"});
  EXPECT_EQ(deps["api/package-lock.json npm:debug@2.6.9"], std::set<std::string>{"api/package-lock.json npm:ms@2.1.3"});
  EXPECT_EQ(deps["APP api/package-lock.json"], std::set<std::string>{"api/package-lock.json npm:debug@2.6.9"});
  // Without relationships or edges the application depends on every package.
  EXPECT_EQ(deps["APP requirements.txt"],
            (std::set<std::string>{"requirements.txt pypi:requests@2.31.0", "requirements.txt pypi:urllib3@2.0.7"}));
  EXPECT_EQ(deps["APP service/pom.xml"],
            (std::set<std::string>{"service/pom.xml maven:org.example:service@1.0.0",
                                   "service/pom.xml maven:com.fasterxml.jackson.core:jackson-databind@2.15.2",
                                   "service/pom.xml maven:junit:junit@4.13.2"}));
  EXPECT_EQ(deps["APP go.mod"], std::set<std::string>{"go.mod golang:golang.org/x/net@v0.17.0"});
  EXPECT_EQ(deps["go.mod golang:golang.org/x/net@v0.17.0"], std::set<std::string>{"go.mod golang:golang.org/x/text@v0.13.0"});
  EXPECT_EQ(deps["APP Cargo.lock"],
            (std::set<std::string>{"Cargo.lock cargo:my-crate@0.1.0", "Cargo.lock cargo:serde@1.0.190"}));
  EXPECT_EQ(deps["Cargo.lock cargo:serde@1.0.190"], std::set<std::string>{"Cargo.lock cargo:serde_derive@1.0.190"});

  // Relationship and dev on each component; dev ones are out of the runtime scope.
  for (const auto& [ref, c] : component) {
    if ((*c)["type"] == "application") continue;
    std::string id = prop(*c, "bulwark:package_id");
    bool dev = id == "npm:jest@29.7.0" || id == "npm:@jest/core@29.7.0" || id == "npm:chalk@4.1.2" ||
               id == "maven:junit:junit@4.13.2";
    EXPECT_EQ(prop(*c, "bulwark:dev"), dev ? "true" : "") << id;
    EXPECT_EQ(c->value("scope", ""), dev ? "excluded" : "") << id;
    std::string rel = prop(*c, "bulwark:relationship");
    EXPECT_TRUE(rel == "root" || rel == "direct" || rel == "transitive" || (rel.empty() && id.rfind("pypi:", 0) == 0))
        << id << " " << rel;
  }
  EXPECT_EQ(prop(*component["npm:my-web@1.0.0"], "bulwark:relationship"), "root");
  EXPECT_EQ(prop(*component["npm:ms@2.0.0"], "bulwark:relationship"), "transitive");

  // The repository the SBOM describes.
  const json& target = bom["metadata"]["component"];
  EXPECT_EQ(prop(target, "bulwark:repository_commit"), "0123456789abcdef0123456789abcdef01234567");
  EXPECT_EQ(prop(target, "bulwark:repository_branch"), "main");
  EXPECT_EQ(prop(target, "bulwark:repository_url"), "git@github.com:example/project.git");
  EXPECT_EQ(target["externalReferences"][0]["type"], "vcs");
  EXPECT_EQ(target["externalReferences"][0]["url"], "ssh://git@github.com/example/project.git");
}

TEST(LangGraph, CycloneDxVulnerabilityAffectsThePackageOfItsApplication) {
  // debug@2.6.9 is in two lockfiles; the finding of the second names its own component.
  Report r = lang_report();
  Finding f;
  f.kind = FindingKind::kVulnerability;
  f.id = "CVE-2017-16137";
  f.package_name = "debug";
  f.package_version = "2.6.9";
  f.package_ecosystem = "npm";
  f.location.path = "api/package-lock.json";
  f.location.package_id = "npm:debug@2.6.9";
  r.findings.push_back(f);
  json bom = json::parse(render(r, "cyclonedx"));
  std::string ref = bom["vulnerabilities"][0]["affects"][0]["ref"];
  const json* component = nullptr;
  for (const auto& c : bom["components"])
    if (c["bom-ref"] == ref) component = &c;
  ASSERT_NE(component, nullptr) << ref;
  EXPECT_EQ(prop(*component, "bulwark:package_path"), "api/package-lock.json");
  r.findings[0].location.path = "web/package-lock.json";
  json web = json::parse(render(r, "cyclonedx"));
  EXPECT_EQ(web["vulnerabilities"][0]["affects"][0]["ref"], "npm:debug@2.6.9");
}

TEST(LangGraph, SpdxRelationships) {
  json doc = json::parse(render(lang_report(), "spdx-json"));
  std::map<std::string, std::string> name;  // SPDXID -> "<path> <id>" or "APP <path>"
  auto note = [](const json& p, const std::string& key) {
    for (const auto& a : p.value("annotations", json::array())) {
      std::string c = a["comment"];
      if (c.rfind("bulwark:" + key + "=", 0) == 0) return c.substr(key.size() + 9);
    }
    return std::string();
  };
  for (const auto& p : doc["packages"]) {
    if (p["primaryPackagePurpose"] == "APPLICATION")
      name[p["SPDXID"]] = "APP " + note(p, "package_path");
    else
      name[p["SPDXID"]] = note(p, "package_path") + " " + note(p, "package_id");
  }
  std::set<std::string> rels;
  for (const auto& rel : doc["relationships"]) {
    std::string type = rel["relationshipType"];
    if (type == "DEPENDS_ON" || type == "DEV_DEPENDENCY_OF")
      rels.insert(name[rel["spdxElementId"]] + " " + type + " " + name[rel["relatedSpdxElement"]]);
  }
  const std::set<std::string> want = {
      "APP web/package-lock.json DEPENDS_ON web/package-lock.json npm:my-web@1.0.0",
      "APP web/package-lock.json DEPENDS_ON web/package-lock.json npm:express@4.18.2",
      "web/package-lock.json npm:jest@29.7.0 DEV_DEPENDENCY_OF APP web/package-lock.json",
      "APP web/package-lock.json DEPENDS_ON web/package-lock.json npm:cycle-a@1.0.0",
      "web/package-lock.json npm:my-web@1.0.0 DEPENDS_ON web/package-lock.json npm:express@4.18.2",
      "web/package-lock.json npm:jest@29.7.0 DEV_DEPENDENCY_OF web/package-lock.json npm:my-web@1.0.0",
      "web/package-lock.json npm:express@4.18.2 DEPENDS_ON web/package-lock.json npm:body-parser@1.20.1",
      "web/package-lock.json npm:express@4.18.2 DEPENDS_ON web/package-lock.json npm:debug@2.6.9",
      "web/package-lock.json npm:body-parser@1.20.1 DEPENDS_ON web/package-lock.json npm:debug@2.6.9",
      "web/package-lock.json npm:debug@2.6.9 DEPENDS_ON web/package-lock.json npm:ms@2.0.0",
      // A dev package's own dependencies are what it needs to run.
      "web/package-lock.json npm:jest@29.7.0 DEPENDS_ON web/package-lock.json npm:@jest/core@29.7.0",
      "web/package-lock.json npm:@jest/core@29.7.0 DEPENDS_ON web/package-lock.json npm:chalk@4.1.2",
      "web/package-lock.json npm:cycle-a@1.0.0 DEPENDS_ON web/package-lock.json npm:cycle-b@1.0.0",
      "web/package-lock.json npm:cycle-b@1.0.0 DEPENDS_ON web/package-lock.json npm:cycle-a@1.0.0",
      "APP api/package-lock.json DEPENDS_ON api/package-lock.json npm:debug@2.6.9",
      "api/package-lock.json npm:debug@2.6.9 DEPENDS_ON api/package-lock.json npm:ms@2.1.3",
      "APP requirements.txt DEPENDS_ON requirements.txt pypi:requests@2.31.0",
      "APP requirements.txt DEPENDS_ON requirements.txt pypi:urllib3@2.0.7",
      "APP service/pom.xml DEPENDS_ON service/pom.xml maven:org.example:service@1.0.0",
      "APP service/pom.xml DEPENDS_ON service/pom.xml maven:com.fasterxml.jackson.core:jackson-databind@2.15.2",
      "service/pom.xml maven:junit:junit@4.13.2 DEV_DEPENDENCY_OF APP service/pom.xml",
      "service/pom.xml maven:org.example:service@1.0.0 DEPENDS_ON service/pom.xml "
      "maven:com.fasterxml.jackson.core:jackson-databind@2.15.2",
      "service/pom.xml maven:junit:junit@4.13.2 DEV_DEPENDENCY_OF service/pom.xml maven:org.example:service@1.0.0",
      "service/pom.xml maven:com.fasterxml.jackson.core:jackson-databind@2.15.2 DEPENDS_ON service/pom.xml "
      "maven:com.fasterxml.jackson.core:jackson-core@2.15.2",
      "APP go.mod DEPENDS_ON go.mod golang:golang.org/x/net@v0.17.0",
      "go.mod golang:golang.org/x/net@v0.17.0 DEPENDS_ON go.mod golang:golang.org/x/text@v0.13.0",
      "APP Cargo.lock DEPENDS_ON Cargo.lock cargo:my-crate@0.1.0",
      "APP Cargo.lock DEPENDS_ON Cargo.lock cargo:serde@1.0.190",
      "Cargo.lock cargo:my-crate@0.1.0 DEPENDS_ON Cargo.lock cargo:serde@1.0.190",
      "Cargo.lock cargo:serde@1.0.190 DEPENDS_ON Cargo.lock cargo:serde_derive@1.0.190",
  };
  EXPECT_EQ(rels, want);
  // The repository as the SPDX VCS download location.
  for (const auto& p : doc["packages"])
    if (p["SPDXID"] == "SPDXRef-Target") {
      EXPECT_EQ(p["primaryPackagePurpose"], "SOURCE");
      EXPECT_EQ(p["downloadLocation"],
                "git+ssh://git@github.com/example/project.git@0123456789abcdef0123456789abcdef01234567");
    }
}

class LangGraphTrip : public ::testing::TestWithParam<const char*> {};

TEST_P(LangGraphTrip, ReadsBackPackagesRelationshipsAndEdges) {
  Report original = lang_report();
  auto back = read_sbom(render(original, GetParam()), "bom.json");
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(graph_of(back->inventory), graph_of(original.inventory));
  ASSERT_TRUE(back->target.repository.has_value());
  EXPECT_EQ(*back->target.repository, *original.target.repository);
  // And once more: what was read writes the same graph again.
  auto twice = read_sbom(render(*back, GetParam()), "bom.json");
  ASSERT_TRUE(twice.ok()) << twice.error().describe();
  EXPECT_EQ(graph_of(twice->inventory), graph_of(original.inventory));
}

INSTANTIATE_TEST_SUITE_P(Formats, LangGraphTrip, ::testing::Values("cyclonedx", "spdx-json"));

TEST(LangGraph, ForeignGraphsGroupTransitivePackagesUnderTheirApplication) {
  // Another tool's CycloneDX: the application depends on its direct package
  // only; the transitive one is reached through it. SPDX: DEPENDS_ON from the
  // application and a dev dependency.
  const std::string cdx = R"({"bomFormat":"CycloneDX","specVersion":"1.5","version":1,
    "components":[
      {"bom-ref":"app","type":"application","name":"package-lock.json"},
      {"bom-ref":"a","type":"library","name":"a","version":"1.0.0","purl":"pkg:npm/a@1.0.0"},
      {"bom-ref":"b","type":"library","name":"b","version":"2.0.0","purl":"pkg:npm/b@2.0.0","scope":"excluded"}],
    "dependencies":[{"ref":"app","dependsOn":["a"]},{"ref":"a","dependsOn":["b"]}]})";
  auto r = read_sbom(cdx, "foreign.json");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->inventory.applications.size(), 1u);
  EXPECT_EQ(r->inventory.applications[0].path, "package-lock.json");
  EXPECT_EQ(graph_of(r->inventory)["npm package-lock.json"],
            (std::set<std::string>{"npm:a@1.0.0 rel=unknown dev=0 -> npm:b@2.0.0", "npm:b@2.0.0 rel=unknown dev=1 ->"}));

  const std::string spdx = R"({"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT","name":"x",
    "packages":[
      {"SPDXID":"SPDXRef-app","name":"requirements.txt","primaryPackagePurpose":"APPLICATION"},
      {"SPDXID":"SPDXRef-a","name":"flask","versionInfo":"3.0.0",
       "externalRefs":[{"referenceType":"purl","referenceLocator":"pkg:pypi/flask@3.0.0"}]},
      {"SPDXID":"SPDXRef-b","name":"werkzeug","versionInfo":"3.0.1",
       "externalRefs":[{"referenceType":"purl","referenceLocator":"pkg:pypi/werkzeug@3.0.1"}]},
      {"SPDXID":"SPDXRef-c","name":"pytest","versionInfo":"8.0.0",
       "externalRefs":[{"referenceType":"purl","referenceLocator":"pkg:pypi/pytest@8.0.0"}]}],
    "relationships":[
      {"spdxElementId":"SPDXRef-app","relationshipType":"DEPENDS_ON","relatedSpdxElement":"SPDXRef-a"},
      {"spdxElementId":"SPDXRef-a","relationshipType":"DEPENDS_ON","relatedSpdxElement":"SPDXRef-b"},
      {"spdxElementId":"SPDXRef-c","relationshipType":"DEV_DEPENDENCY_OF","relatedSpdxElement":"SPDXRef-app"}]})";
  auto s = read_sbom(spdx, "foreign.spdx.json");
  ASSERT_TRUE(s.ok()) << s.error().describe();
  ASSERT_EQ(s->inventory.applications.size(), 1u);
  EXPECT_EQ(graph_of(s->inventory)["pypi requirements.txt"],
            (std::set<std::string>{"pypi:flask@3.0.0 rel=unknown dev=0 -> pypi:werkzeug@3.0.1",
                                   "pypi:werkzeug@3.0.1 rel=unknown dev=0 ->", "pypi:pytest@8.0.0 rel=unknown dev=1 ->"}));
}

// ------------------------------------------------- schema validation --

fs::path tools_dir() { return fs::path(BULWARK_SOURCE_DIR) / "tests" / "tools"; }

TEST(LangGraph, CycloneDxIsValidAgainstTheOfficial15Schema) {
  BULWARK_REQUIRE_TOOL("node");
  if (!fs::exists(tools_dir() / "node_modules" / "@cyclonedx" / "cyclonedx-library"))
    GTEST_SKIP() << "run npm ci --prefix tests/tools";
  bulwark::testing::TempDir tmp;
  Report r = lang_report();
  // Other remote forms: an https URL, and one that is no URI (no vcs reference then).
  Report https = lang_report();
  https.target.repository->remote_url = "https://github.com/example/project.git";
  Report local = lang_report();
  local.target.repository->remote_url = "../relative/repo";
  int n = 0;
  for (const Report* rep : {&r, &https, &local}) {
    fs::path file = tmp / ("bom" + std::to_string(n++) + ".json");
    bulwark::testing::write_file(file, render(*rep, "cyclonedx"));
    auto res = bulwark::testing::run({"node", (tools_dir() / "validate.js").string(), "cyclonedx-1.5", file.string()});
    EXPECT_EQ(res.exit_code, 0) << res.out << res.err;
  }
}

}  // namespace
}  // namespace bulwark::report
