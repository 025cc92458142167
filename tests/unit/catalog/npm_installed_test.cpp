// Installed npm packages (node_modules/**/package.json): which manifests count,
// what is read from them, and a cross-check against npm's own view of a real
// tree installed from the npm registry.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>

#include "artifact/artifact.hpp"
#include "catalog_testing.hpp"
#include "scan/scan.hpp"
#include "testing/testing.hpp"

namespace bulwark::catalog {
namespace {
using testing::find_package;
using testing::scan_files;

std::vector<const Package*> npm_packages(const Inventory& inv) {
  std::vector<const Package*> out;
  for (const auto& app : inv.applications)
    for (const auto& p : app.packages)
      if (p.ecosystem == "npm") out.push_back(&p);
  return out;
}

TEST(NpmInstalled, ReadsManifestsDirectlyInsideNodeModules) {
  auto s = scan_files({
      {"app/node_modules/lodash/package.json", R"({"name":"lodash","version":"4.17.15","license":"MIT"})"},
      {"app/node_modules/@babel/core/package.json", R"({"name":"@babel/core","version":"7.1.0","license":{"type":"MIT"}})"},
      {"app/node_modules/a/node_modules/minimist/package.json",
       R"({"name":"minimist","version":"1.2.0","licenses":[{"type":"MIT"}]})"},
      {"usr/lib/node_modules/npm/package.json", R"({"name":"npm","version":"9.2.0"})"},
      // Not installed packages: the app's own manifest, a package's test
      // fixture, the scope directory itself, dot directories.
      {"app/package.json", R"({"name":"my-app","version":"1.0.0"})"},
      {"app/node_modules/lodash/test/package.json", R"({"name":"fixture","version":"0.0.1"})"},
      {"app/node_modules/@babel/package.json", R"({"name":"scope","version":"1.0.0"})"},
      {"app/node_modules/.bin/package.json", R"({"name":"bin","version":"1.0.0"})"},
  });
  auto pkgs = npm_packages(s.inventory);
  std::set<std::string> names;
  for (const auto* p : pkgs) names.insert(p->name + "@" + p->version);
  EXPECT_EQ(names, (std::set<std::string>{"lodash@4.17.15", "@babel/core@7.1.0", "minimist@1.2.0", "npm@9.2.0"}));
  for (const auto* p : pkgs) {
    EXPECT_EQ(p->ecosystem, "npm");
    EXPECT_FALSE(p->purl.empty()) << p->name;
  }
  for (const auto& app : s.inventory.applications) {
    ASSERT_EQ(app.packages.size(), 1u);
    EXPECT_EQ(app.type, "node-pkg");
    EXPECT_EQ(app.path, app.packages[0].location.path);
  }
  const Package* babel = nullptr;
  for (const auto* p : pkgs)
    if (p->name == "@babel/core") babel = p;
  ASSERT_NE(babel, nullptr);
  EXPECT_EQ(babel->licenses, std::vector<std::string>{"MIT"});
  EXPECT_EQ(babel->purl, "pkg:npm/%40babel/core@7.1.0");
}

TEST(NpmInstalled, BadManifestsAreWarningsNamingTheFile) {
  auto s = scan_files({
      {"node_modules/broken/package.json", R"({"name":"broken","version":)"},
      {"node_modules/noversion/package.json", R"({"name":"noversion"})"},
      {"node_modules/array/package.json", R"([1,2])"},
      {"node_modules/ok/package.json", R"({"name":"ok","version":"1.0.0"})"},
  });
  EXPECT_EQ(npm_packages(s.inventory).size(), 1u);
  std::set<std::string> warned;
  for (const auto& d : s.diagnostics) warned.insert(d.location.path);
  EXPECT_EQ(warned, (std::set<std::string>{"node_modules/broken/package.json", "node_modules/noversion/package.json",
                                           "node_modules/array/package.json"}));
  EXPECT_TRUE(s.analyze_errors.empty());
}

// A real tree from the npm registry: every package `npm ls --all` reports is
// found, with the same version, and nothing else.
TEST(NpmInstalled, MatchesNpmLsOnARealInstall) {
  BULWARK_REQUIRE_TOOL("npm");
  bulwark::testing::TempDir dir;
  bulwark::testing::write_file(dir / "package.json",
                               R"({"name":"fixture-app","version":"1.0.0","private":true,
                                   "dependencies":{"lodash":"4.17.15","minimist":"1.2.0","mkdirp":"0.5.1",
                                                   "@types/minimist":"1.2.0"}})");
  auto install = bulwark::testing::sh("cd '" + dir.path().string() +
                                      "' && npm install --ignore-scripts --no-audit --no-fund --loglevel=error 2>&1");
  if (install.exit_code != 0) GTEST_SKIP() << "npm install failed (no access to the npm registry?): " << install.out;
  auto ls = bulwark::testing::sh("cd '" + dir.path().string() + "' && npm ls --all --json");
  ASSERT_EQ(ls.exit_code, 0) << ls.err;
  std::set<std::string> expected;
  std::function<void(const nlohmann::json&)> walk = [&](const nlohmann::json& deps) {
    for (const auto& [name, info] : deps.items()) {
      expected.insert(name + "@" + info.value("version", ""));
      if (info.contains("dependencies")) walk(info["dependencies"]);
    }
  };
  walk(nlohmann::json::parse(ls.out)["dependencies"]);
  ASSERT_GE(expected.size(), 5u);

  scan::Request req;
  req.kind = TargetKind::kFilesystem;
  req.target = dir.path().string();
  req.artifact.use_cache = false;
  auto report = scan::run(req);
  ASSERT_TRUE(report) << report.error().message;
  // Only what npm-installed read from node_modules; the package-lock.json npm
  // wrote is npm-lock's and is cross-checked in node_lock_native_test.cpp.
  std::set<std::string> found;
  for (const auto& app : report->inventory.applications)
    if (app.type == "node-pkg")
      for (const auto& p : app.packages) found.insert(p.name + "@" + p.version);
  EXPECT_EQ(found, expected);
}

}  // namespace
}  // namespace bulwark::catalog
