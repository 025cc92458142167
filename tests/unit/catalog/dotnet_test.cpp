// .NET: NuGet's packages.lock.json (nuget-lock), an application's
// <App>.deps.json (dotnet-deps) and packages.config (packages-config), on
// fixtures that follow the published formats and on the shared corpus. No
// .NET tooling runs on this machine, so there is no native cross-check.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "catalog_testing.hpp"
#include "testing/testing.hpp"

namespace bulwark::catalog {
namespace {
namespace fs = std::filesystem;
using testing::find_by_id;
using testing::fixture_text;
using testing::ids_of;
using testing::scan_files;

std::set<std::string> deps_of(const std::vector<Package>& pkgs, const std::string& id) {
  const Package* p = find_by_id(pkgs, id);
  return p ? std::set<std::string>(p->depends_on.begin(), p->depends_on.end()) : std::set<std::string>{};
}

std::vector<fs::path> corpus_files(const std::vector<std::string>& dirs) {
  std::vector<fs::path> out;
  fs::path inputs = bulwark::testing::corpus_dir() / "inputs";
  for (const auto& dir : dirs)
    if (fs::exists(inputs / dir))
      for (const auto& e : fs::recursive_directory_iterator(inputs / dir))
        if (e.is_regular_file()) out.push_back(e.path());
  return out;
}

// ------------------------------------------------------- packages.lock.json --

TEST(NugetLock, MergesTargetFrameworksAndResolvesEdgesPerFramework) {
  std::vector<Diagnostic> diags;
  const std::string path = "src/Shop/packages.lock.json";
  auto pkgs = parse_nuget_lock(fixture_text("lang/dotnet/packages.lock.json"), path, diags);
  EXPECT_EQ(ids_of(pkgs), (std::set<std::string>{"nuget:Newtonsoft.Json@13.0.3", "nuget:Serilog@3.1.1",
                                                 "nuget:System.Text.Json@8.0.4", "nuget:System.Text.Json@8.0.5",
                                                 "nuget:System.Text.Encodings.Web@8.0.0"}));
  // The project reference is not a NuGet package; the entry without a resolved version is a warning.
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.path, path);
  EXPECT_EQ(diags[0].location.line, 77);
  EXPECT_NE(diags[0].message.find("Broken.Entry"), std::string::npos);

  EXPECT_EQ(find_by_id(pkgs, "nuget:Newtonsoft.Json@13.0.3")->relationship, Relationship::kDirect);
  // Direct in net6.0, transitive in net8.0: direct.
  EXPECT_EQ(find_by_id(pkgs, "nuget:Serilog@3.1.1")->relationship, Relationship::kDirect);
  EXPECT_EQ(find_by_id(pkgs, "nuget:System.Text.Json@8.0.5")->relationship, Relationship::kTransitive);  // CentralTransitive
  EXPECT_EQ(find_by_id(pkgs, "nuget:System.Text.Encodings.Web@8.0.0")->relationship, Relationship::kTransitive);
  // An edge points at what the same framework resolved.
  EXPECT_EQ(deps_of(pkgs, "nuget:System.Text.Json@8.0.4"), std::set<std::string>{"nuget:System.Text.Encodings.Web@8.0.0"});
  EXPECT_EQ(deps_of(pkgs, "nuget:System.Text.Json@8.0.5"), std::set<std::string>{"nuget:System.Text.Encodings.Web@8.0.0"});
  EXPECT_EQ(find_by_id(pkgs, "nuget:Newtonsoft.Json@13.0.3")->digest,
            "sha512:HrC5BXdl00IP9zeV+0Z848QWPAoCr9P3bDEZguI+gkLcBKAOxix/tLEAAHC+UvDNPv4a2d18lOReHMOagPa+zQ==");
  EXPECT_EQ(find_by_id(pkgs, "nuget:Newtonsoft.Json@13.0.3")->location.line, 5);  // first framework's entry
  for (const auto& p : pkgs) EXPECT_FALSE(p.dev);
}

TEST(NugetLock, AnalyzerAndMalformedInput) {
  auto s = scan_files({{"src/Shop/packages.lock.json", fixture_text("lang/dotnet/packages.lock.json")},
                       {"src/Broken/packages.lock.json", "{\"version\": 1,\n \"dependencies\": {\n  \"net6.0\": [\n"},
                       {"src/Odd/packages.lock.json", "{\"version\": 3, \"dependencies\": {}}"}});
  ASSERT_EQ(s.inventory.applications.size(), 1u);
  EXPECT_EQ(s.inventory.applications[0].type, "nuget");
  EXPECT_EQ(s.inventory.applications[0].packages[0].purl.rfind("pkg:nuget/", 0), 0u);
  std::map<std::string, int> warned;
  for (const auto& d : s.diagnostics) warned[d.location.path] = d.location.line;
  EXPECT_EQ(warned["src/Broken/packages.lock.json"], 4);  // where the text ended
  EXPECT_EQ(warned.count("src/Odd/packages.lock.json"), 1u);  // unknown lock version
}

TEST(NugetLock, CorpusLockfilesParse) {
  BULWARK_REQUIRE_CORPUS();
  auto files = corpus_files({"trivy/pkg/dependency/parser/nuget/lock/testdata",
                             "osv-scalibr/extractor/filesystem/language/dotnet/packageslockjson/testdata"});
  ASSERT_GE(files.size(), 5u);
  for (const auto& f : files) {
    std::string text = bulwark::testing::read_file(f);
    std::vector<Diagnostic> diags;
    auto pkgs = parse_nuget_lock(text, f.string(), diags);
    auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded()) {
      EXPECT_EQ(diags.size(), 1u) << f;
      continue;
    }
    EXPECT_TRUE(diags.empty()) << f << ": " << diags.front().message;
    std::set<std::string> expected, direct;
    for (const auto& [tfm, entries] : doc["dependencies"].items())
      for (const auto& [name, e] : entries.items()) {
        if (e["type"] == "Project") continue;
        expected.insert("nuget:" + name + "@" + e["resolved"].get<std::string>());
        if (e["type"] == "Direct") direct.insert("nuget:" + name + "@" + e["resolved"].get<std::string>());
      }
    EXPECT_EQ(ids_of(pkgs), expected) << f;
    for (const auto& p : pkgs)
      EXPECT_EQ(p.relationship == Relationship::kDirect, direct.count(p.id) > 0) << f << " " << p.id;
  }
}

// ------------------------------------------------------------- .deps.json --

TEST(DotnetDeps, SelfContainedAppWithProjectsRuntimePackAndCompileOnlyPackages) {
  std::vector<Diagnostic> diags;
  const std::string path = "app/Shop.Web.deps.json";
  auto pkgs = parse_dotnet_deps(fixture_text("lang/dotnet/app/Shop.Web.deps.json"), path, diags);
  EXPECT_TRUE(diags.empty());
  // Not here: the Shop.Data project, the reference assembly, and the
  // SourceLink packages that deploy nothing.
  EXPECT_EQ(ids_of(pkgs), (std::set<std::string>{"nuget:Shop.Web@1.0.0", "nuget:Newtonsoft.Json@13.0.3",
                                                 "nuget:Microsoft.NETCore.App.Runtime.linux-x64@8.0.6",
                                                 "nuget:Microsoft.Data.Sqlite.Core@8.0.6", "nuget:SQLitePCLRaw.core@2.1.6"}));
  EXPECT_EQ(find_by_id(pkgs, "nuget:Shop.Web@1.0.0")->relationship, Relationship::kRoot);
  EXPECT_EQ(find_by_id(pkgs, "nuget:Newtonsoft.Json@13.0.3")->relationship, Relationship::kDirect);
  EXPECT_EQ(find_by_id(pkgs, "nuget:Microsoft.NETCore.App.Runtime.linux-x64@8.0.6")->relationship, Relationship::kDirect);
  EXPECT_EQ(find_by_id(pkgs, "nuget:Microsoft.Data.Sqlite.Core@8.0.6")->relationship, Relationship::kTransitive);
  EXPECT_EQ(deps_of(pkgs, "nuget:Shop.Web@1.0.0"),
            (std::set<std::string>{"nuget:Newtonsoft.Json@13.0.3", "nuget:Microsoft.NETCore.App.Runtime.linux-x64@8.0.6"}));
  EXPECT_EQ(deps_of(pkgs, "nuget:Microsoft.Data.Sqlite.Core@8.0.6"), std::set<std::string>{"nuget:SQLitePCLRaw.core@2.1.6"});
  EXPECT_EQ(find_by_id(pkgs, "nuget:SQLitePCLRaw.core@2.1.6")->digest,
            "sha512:wO6v9GeMx9CUngAet8hbO7xdm+M42p1XeJq47ogyRoYSvNSp0NGLI+MgC0bhrMk9C17MTVFlLiN6ylyExLCc5w==");
  EXPECT_EQ(find_by_id(pkgs, "nuget:Shop.Web@1.0.0")->location.line, 93);
}

TEST(DotnetDeps, RootByFileNameElseTheOnlyUnreferencedProject) {
  std::string two_projects = R"({
    "runtimeTarget": {"name": "t"},
    "targets": {"t": {"Web/1.0.0": {"dependencies": {"A": "1.0.0"}, "runtime": {"Web.dll": {}}},
                      "Worker/2.0.0": {"runtime": {"Worker.dll": {}}},
                      "A/1.0.0": {"runtime": {"lib/A.dll": {}}}}},
    "libraries": {"Web/1.0.0": {"type": "project"}, "Worker/2.0.0": {"type": "project"},
                  "A/1.0.0": {"type": "package"}}})";
  std::vector<Diagnostic> diags;
  // Ambiguous: two unreferenced projects, and the file name matches neither.
  auto pkgs = parse_dotnet_deps(two_projects, "app/host.deps.json", diags);
  EXPECT_EQ(ids_of(pkgs), std::set<std::string>{"nuget:A@1.0.0"});
  EXPECT_EQ(pkgs[0].relationship, Relationship::kUnknown);
  // The file name says which: Worker.deps.json belongs to Worker.dll.
  pkgs = parse_dotnet_deps(two_projects, "app/Worker.deps.json", diags);
  EXPECT_EQ(ids_of(pkgs), (std::set<std::string>{"nuget:A@1.0.0", "nuget:Worker@2.0.0"}));
  EXPECT_EQ(find_by_id(pkgs, "nuget:A@1.0.0")->relationship, Relationship::kTransitive);
  pkgs = parse_dotnet_deps(two_projects, "app/web.deps.json", diags);  // the host compares names ignoring case
  EXPECT_EQ(find_by_id(pkgs, "nuget:A@1.0.0")->relationship, Relationship::kDirect);
  EXPECT_TRUE(diags.empty());
}

TEST(DotnetDeps, MalformedInputIsAWarningWithALine) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse_dotnet_deps(R"({
  "libraries": {
    "Good/1.0.0": {"type": "package"},
    "NoVersion": {"type": "package"},
    "Bad/1.0.0": "package"
  }
})",
                                "x.deps.json", diags);
  EXPECT_EQ(ids_of(pkgs), std::set<std::string>{"nuget:Good@1.0.0"});
  std::set<int> lines;
  for (const auto& d : diags) lines.insert(d.location.line);
  EXPECT_EQ(lines, (std::set<int>{4, 5}));
  diags.clear();
  EXPECT_TRUE(parse_dotnet_deps("{\"libraries\": {", "x.deps.json", diags).empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.line, 1);
}

TEST(DotnetDeps, AnalyzerWantsOnlyDepsJsonFiles) {
  std::string deps = R"({"libraries": {"A/1.0.0": {"type": "package"}}})";
  auto s = scan_files({{"app/App.deps.json", deps}, {"app/deps.json", deps}, {"app/.deps.json", deps},
                       {"app/App.runtimeconfig.json", "{}"}});
  ASSERT_EQ(s.inventory.applications.size(), 1u);
  EXPECT_EQ(s.inventory.applications[0].type, "dotnet-core");
  EXPECT_EQ(s.inventory.applications[0].path, "app/App.deps.json");
  EXPECT_EQ(s.inventory.applications[0].packages[0].purl, "pkg:nuget/A@1.0.0");
}

TEST(DotnetDeps, CorpusFilesParse) {
  BULWARK_REQUIRE_CORPUS();
  auto files = corpus_files({"trivy/pkg/dependency/parser/dotnet/core_deps/testdata",
                             "osv-scalibr/extractor/filesystem/language/dotnet/depsjson/testdata"});
  ASSERT_GE(files.size(), 10u);
  const std::set<std::string> malformed = {"invalid.deps.json", "no-libraries.deps.json", "invalid", "empty",
                                           "nopackagename"};
  for (const auto& f : files) {
    std::string text = bulwark::testing::read_file(f);
    std::vector<Diagnostic> diags;
    auto pkgs = parse_dotnet_deps(text, f.string(), diags);
    std::string name = f.filename().string();
    EXPECT_EQ(diags.empty(), !malformed.count(name)) << name << (diags.empty() ? "" : ": " + diags.front().message);
    auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.contains("libraries")) continue;
    // Every package reported is a library of type package or runtimepack, or the root project.
    std::map<std::string, std::string> types;  // "Name/Version" -> type
    for (const auto& [key, lib] : doc["libraries"].items())
      if (lib.is_object()) types[key] = lib.value("type", "");
    int roots = 0;
    for (const auto& p : pkgs) {
      std::string key = p.name + "/" + p.version;
      if (p.relationship == Relationship::kRoot) {
        ++roots;
        EXPECT_EQ(types[key], "project") << name;
      } else if (!types.count(key)) {
        EXPECT_EQ(types["runtimepack." + key], "runtimepack") << name << " " << key;
      } else {
        EXPECT_EQ(types[key], "package") << name << " " << key;
      }
    }
    EXPECT_LE(roots, 1) << name;
  }
}

TEST(DotnetDeps, CorpusSpotChecks) {
  BULWARK_REQUIRE_CORPUS();
  fs::path dir = bulwark::testing::corpus_dir() / "inputs/trivy/pkg/dependency/parser/dotnet/core_deps/testdata";
  if (!fs::exists(dir)) GTEST_SKIP() << "Trivy deps.json testdata absent";
  std::vector<Diagnostic> diags;
  auto happy = parse_dotnet_deps(bulwark::testing::read_file(dir / "happy.deps.json"), "happy.deps.json", diags);
  EXPECT_EQ(ids_of(happy), (std::set<std::string>{"nuget:ExampleApp1@1.0.0", "nuget:Newtonsoft.Json@13.0.1"}));
  EXPECT_EQ(find_by_id(happy, "nuget:Newtonsoft.Json@13.0.1")->relationship, Relationship::kDirect);
  // Packages without runtime assets in the runtime target deploy nothing.
  auto without = parse_dotnet_deps(bulwark::testing::read_file(dir / "without-runtime.deps.json"), "w.deps.json", diags);
  EXPECT_EQ(ids_of(without), (std::set<std::string>{"nuget:hello2@1.0.0", "nuget:JsonDiffPatch@2.0.61",
                                                    "nuget:Libuv@1.9.1", "nuget:System.Collections.Immutable@1.3.0"}));
  auto self = parse_dotnet_deps(bulwark::testing::read_file(dir / "self-contained.deps.json"), "s.deps.json", diags);
  EXPECT_NE(find_by_id(self, "nuget:Microsoft.NETCore.App.Runtime.linux-x64@8.0.0"), nullptr);
  EXPECT_NE(find_by_id(self, "nuget:Microsoft.AspNetCore.App.Runtime.linux-x64@8.0.0"), nullptr);
  auto multi = parse_dotnet_deps(bulwark::testing::read_file(dir / "multi-project.deps.json"), "m.deps.json", diags);
  EXPECT_EQ(ids_of(multi), (std::set<std::string>{"nuget:Web@1.0.0", "nuget:Newtonsoft.Json@13.0.3"}));
  auto ambiguous = parse_dotnet_deps(bulwark::testing::read_file(dir / "ambiguous-root.deps.json"), "a.deps.json", diags);
  EXPECT_EQ(ids_of(ambiguous), std::set<std::string>{"nuget:Newtonsoft.Json@13.0.3"});
  EXPECT_EQ(ambiguous[0].relationship, Relationship::kUnknown);
  EXPECT_TRUE(diags.empty());
}

// --------------------------------------------------------- packages.config --

TEST(PackagesConfig, ReadsPackagesAndDevelopmentDependencies) {
  std::vector<Diagnostic> diags;
  const std::string path = "Web/packages.config";
  auto pkgs = parse_packages_config(fixture_text("lang/dotnet/packages.config"), path, diags);
  EXPECT_EQ(ids_of(pkgs), (std::set<std::string>{"nuget:EntityFramework@6.4.4",
                                                 "nuget:Microsoft.CodeDom.Providers.DotNetCompilerPlatform@2.0.1",
                                                 "nuget:Newtonsoft.Json@13.0.3"}));
  for (const auto& p : pkgs) {
    EXPECT_EQ(p.dev, p.name == "Microsoft.CodeDom.Providers.DotNetCompilerPlatform") << p.name;
    EXPECT_EQ(p.relationship, Relationship::kUnknown);
    EXPECT_TRUE(p.depends_on.empty());
  }
  EXPECT_EQ(find_by_id(pkgs, "nuget:Newtonsoft.Json@13.0.3")->location.line, 5);
  ASSERT_EQ(diags.size(), 1u);  // the package without a version
  EXPECT_EQ(diags[0].location.path, path);
  EXPECT_EQ(diags[0].location.line, 7);
}

TEST(PackagesConfig, MalformedXmlKeepsWhatCameBeforeAndWarnsAtTheLine) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse_packages_config(fixture_text("lang/dotnet/packages-malformed.config"), "packages.config", diags);
  EXPECT_EQ(ids_of(pkgs), (std::set<std::string>{"nuget:EntityFramework@6.4.4", "nuget:Newtonsoft.Json@13.0.3"}));
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.line, 5);  // </packages> closes the unclosed <package>
  EXPECT_NE(diags[0].message.find("malformed XML"), std::string::npos);

  diags.clear();
  EXPECT_TRUE(parse_packages_config("<configuration><package id=\"A\" version=\"1\"/></configuration>", "p", diags).empty());
  EXPECT_EQ(diags.size(), 1u);
  // Entity declarations are refused before anything expands.
  diags.clear();
  std::string bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE packages [\n <!ENTITY a \"aaaaaaaaaa\">\n"
                     " <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">\n]>\n<packages><package id=\"&b;\" version=\"1\"/></packages>";
  EXPECT_TRUE(parse_packages_config(bomb, "p", diags).empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.line, 3);
  // Deep nesting stops at the limit.
  diags.clear();
  std::string deep = "<packages>";
  for (int i = 0; i < 200; ++i) deep += "<x>";
  EXPECT_TRUE(parse_packages_config(deep, "p", diags).empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].message.find("nested deeper"), std::string::npos);
}

TEST(PackagesConfig, AnalyzerReadsOnlyPackagesConfig) {
  std::string config = "<packages><package id=\"A\" version=\"1.0.0\"/></packages>";
  auto s = scan_files({{"Web/packages.config", config}, {"Web/web.config", config}, {"Web/Packages.config.bak", config}});
  ASSERT_EQ(s.inventory.applications.size(), 1u);
  EXPECT_EQ(s.inventory.applications[0].type, "packages-config");
  EXPECT_EQ(s.inventory.applications[0].packages[0].id, "nuget:A@1.0.0");
}

TEST(PackagesConfig, CorpusFilesParse) {
  BULWARK_REQUIRE_CORPUS();
  auto files = corpus_files({"trivy/pkg/dependency/parser/nuget/config/testdata",
                             "osv-scalibr/extractor/filesystem/language/dotnet/packagesconfig/testdata"});
  ASSERT_GE(files.size(), 5u);
  const std::set<std::string> malformed = {"malformed_xml.config", "invalid", "nopackage", "noversion"};
  for (const auto& f : files) {
    std::string text = bulwark::testing::read_file(f);
    std::vector<Diagnostic> diags;
    auto pkgs = parse_packages_config(text, f.string(), diags);
    std::string name = f.filename().string();
    EXPECT_EQ(diags.empty(), !malformed.count(name)) << name;
    // Independent count: <package lines with both an id and a version.
    size_t expected = 0;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
      if (line.find("<package ") != std::string::npos && line.find(" id=\"") != std::string::npos &&
          line.find(" version=\"") != std::string::npos)
        ++expected;
    if (name != "invalid") {
      EXPECT_EQ(pkgs.size(), expected) << name;
    }
  }
}

}  // namespace
}  // namespace bulwark::catalog
