// yarn.lock of Yarn 1 (its own text format) and Yarn Berry (YAML) on fixtures
// written for these tests: descriptors, aliases, protocols, edges, bad input.
#include <gtest/gtest.h>

#include "catalog_testing.hpp"
#include "node_lock_testing.hpp"

namespace bulwark::catalog {
namespace {
using bulwark::testing::fixture;
using bulwark::testing::read_file;
using testing::describe;
using testing::expect_well_formed;

testing::Parsed parse_fixture(const std::string& name) {
  return testing::parse_lock_fixture(parse_yarn_lock, "yarn", "web", name);
}

TEST(YarnLock, Yarn1DescriptorsAliasesAndCycles) {
  auto r = parse_fixture("v1.lock");
  EXPECT_TRUE(r.diags.empty()) << testing::all_messages(r.diags);
  // Yarn 1 does not say what the project declares: every relationship is unknown.
  EXPECT_EQ(describe(r.pkgs), (std::set<std::string>{
      "@babel/code-frame@7.12.13 unknown -> @babel/highlight@7.13.10",
      "@babel/highlight@7.13.10 unknown -> chalk@2.4.2, js-tokens@4.0.0",
      "chalk@2.4.2 unknown -> ansi-styles@3.2.1, escape-string-regexp@1.0.5, supports-color@5.5.0",
      "chalk@4.1.2 unknown -> ansi-styles@4.3.0, supports-color@7.2.0",
      "ansi-styles@3.2.1 unknown -> color-convert@1.9.3",
      "ansi-styles@4.3.0 unknown",
      "color-convert@1.9.3 unknown -> color-name@1.1.3",
      "color-name@1.1.3 unknown",
      "escape-string-regexp@1.0.5 unknown",
      "supports-color@5.5.0 unknown -> has-flag@3.0.0",
      "supports-color@7.2.0 unknown",
      "has-flag@3.0.0 unknown",
      "js-tokens@4.0.0 unknown",
      // "string-width-cjs@npm:string-width@^4.2.0" is string-width; optionalDependencies are edges too.
      "string-width@4.2.3 unknown -> ping@1.0.0",
      "ping@1.0.0 unknown -> pong@1.0.0",
      "pong@1.0.0 unknown -> ping@1.0.0",
      "local-package@0.0.1 unknown",
      "drag-drop@1.1.1 unknown",
  }));
}

TEST(YarnLock, Yarn1WrittenByNpmQuotesEverything) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse_yarn_lock(
      "\"jquery@^3.6.0\":\n  \"integrity\" \"sha512-x\"\n  \"resolved\" \"https://registry.npmjs.org/jquery/-/jquery-3.6.0.tgz\"\n"
      "  \"version\" \"3.6.0\"\n  \"dependencies\":\n    \"sizzle\" \"^2.0.0\"\n\n\"sizzle@^2.0.0\":\n  \"version\" \"2.3.1\"\r\n",
      "yarn.lock", diags);
  EXPECT_TRUE(diags.empty()) << testing::all_messages(diags);
  EXPECT_EQ(describe(pkgs), (std::set<std::string>{"jquery@3.6.0 unknown -> sizzle@2.3.1", "sizzle@2.3.1 unknown"}));
}

TEST(YarnLock, BerryWorkspacesProtocolsPatchesAndPeers) {
  auto r = parse_fixture("berry.lock");
  EXPECT_TRUE(r.diags.empty()) << testing::all_messages(r.diags);
  EXPECT_EQ(describe(r.pkgs), (std::set<std::string>{
      // What the workspaces (app, lib) depend on is declared by the project.
      "@types/node@20.11.5 direct -> undici-types@5.26.5",
      "debug@4.3.4 direct -> ms@2.1.2",
      "git-dep@3.0.0 direct -> debug@4.3.4",
      "left@1.0.0 direct -> right@1.0.0",
      "right@1.0.0 transitive -> left@1.0.0",
      "local-tgz@0.4.2 direct",    // key carries ::locator=..., the dependency list does not
      "ms@2.1.3 direct",           // ms-alias: "npm:ms@^2.1.0"
      "ms@2.1.2 transitive",
      // The patched resolve is resolve@1.22.8, one package with both entries' edges.
      "resolve@1.22.8 direct -> is-core-module@2.13.1, path-parse@1.0.7",
      "is-core-module@2.13.1 transitive",
      "path-parse@1.0.7 transitive",
      "undici-types@5.26.5 transitive",
      // Peers come from the parent: app gives react to react-dom and
      // host-lib, and host-lib, which has react as a peer itself, to plugin.
      "react@18.2.0 direct",
      "react-dom@18.2.0 direct -> react@18.2.0",
      "host-lib@1.0.0 direct -> plugin@1.0.0, react@18.2.0",
      "plugin@1.0.0 transitive -> react@18.2.0",
      // Not packages: app@workspace:., lib@workspace:packages/lib, tool@portal:./tools/tool.
  }));
}

TEST(YarnLock, BerryVersion4RangesWithoutProtocol) {
  auto r = parse_fixture("berry-v4.lock");
  EXPECT_TRUE(r.diags.empty()) << testing::all_messages(r.diags);
  EXPECT_EQ(describe(r.pkgs), (std::set<std::string>{
      "ansi-styles@4.2.1 direct -> @types/color-name@1.1.1, color-convert@2.0.1",
      "@types/color-name@1.1.1 transitive",
      "color-convert@2.0.1 transitive -> color-name@1.1.4",
      "color-name@1.1.4 transitive",
  }));
}

TEST(YarnLock, Yarn1BadLinesAreWarningsWithLines) {
  auto r = parse_fixture("broken-v1.lock");
  EXPECT_EQ(describe(r.pkgs), (std::set<std::string>{"good@1.0.0 unknown", "fine@3.0.0 unknown"}));
  // Line 3: indented before any entry; 8: unterminated quote; 10: entry without
  // version (reported at its header); 13: not a header.
  std::vector<int> lines = testing::warning_lines(r.diags);
  std::sort(lines.begin(), lines.end());
  EXPECT_EQ(lines, (std::vector<int>{3, 8, 10, 13})) << testing::all_messages(r.diags);
}

TEST(YarnLock, BerryBadYamlAndUnknownFormat) {
  auto r = parse_fixture("broken-berry.lock");
  EXPECT_TRUE(r.pkgs.empty());
  ASSERT_EQ(r.diags.size(), 1u) << testing::all_messages(r.diags);
  EXPECT_GE(r.diags[0].location.line, 9);
  EXPECT_NE(r.diags[0].message.find("YAML"), std::string::npos);

  std::vector<Diagnostic> diags;
  auto pkgs = parse_yarn_lock("__metadata:\n  version: 42\n\n\"a@npm:^1\":\n  version: 1.0.0\n  resolution: \"a@npm:1.0.0\"\n",
                              "yarn.lock", diags);
  EXPECT_EQ(describe(pkgs), (std::set<std::string>{"a@1.0.0 unknown"}));  // no workspace entry: nothing is known
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.line, 2);
  EXPECT_NE(diags[0].message.find("unknown yarn.lock __metadata version \"42\""), std::string::npos);
}

TEST(YarnLock, AnalyzerSkipsNodeModulesAndTagsTheApplication) {
  auto lock = read_file(fixture("lang/npm/yarn/berry-v4.lock"));
  auto s = testing::scan_files({{"srv/yarn.lock", lock}, {"srv/node_modules/x/yarn.lock", lock}});
  ASSERT_EQ(s.inventory.applications.size(), 1u);
  EXPECT_EQ(s.inventory.applications[0].type, "yarn");
  EXPECT_EQ(s.inventory.applications[0].path, "srv/yarn.lock");
}

std::vector<Package> yarn_app(const testing::Scan& s, const std::string& path) {
  for (const auto& app : s.inventory.applications)
    if (app.type == "yarn" && app.path == path) return app.packages;
  ADD_FAILURE() << "no yarn application " << path;
  return {};
}

// The package.json beside a yarn.lock says what the project declares: those
// become direct, the rest transitive, and what only devDependencies reach is dev.
TEST(YarnLock, PackageJsonBesideTheLockfileGivesDirectAndDev) {
  auto s = testing::scan_files({
      {"web/yarn.lock", read_file(fixture("lang/npm/yarn/v1.lock"))},
      {"web/package.json", R"({"name": "web-app", "version": "1.0.0",
          "dependencies": {"@babel/code-frame": "^7.10.4", "string-width-cjs": "npm:string-width@^4.2.0",
                           "not-in-the-lockfile": "^1.0.0"},
          "devDependencies": {"chalk": "^4.1.0"}})"},
      {"other/package.json", R"({"name": "no-lockfile-here", "version": "1.0.0"})"},
  });
  EXPECT_TRUE(s.diagnostics.empty()) << testing::all_messages(s.diagnostics);
  ASSERT_EQ(s.inventory.applications.size(), 1u);
  auto pkgs = yarn_app(s, "web/yarn.lock");
  expect_well_formed(pkgs, {}, "web/yarn.lock");
  EXPECT_EQ(describe(pkgs), (std::set<std::string>{
      "web-app@1.0.0 root -> @babel/code-frame@7.12.13, chalk@4.1.2, string-width@4.2.3",
      "@babel/code-frame@7.12.13 direct -> @babel/highlight@7.13.10",
      "@babel/highlight@7.13.10 transitive -> chalk@2.4.2, js-tokens@4.0.0",
      "chalk@2.4.2 transitive -> ansi-styles@3.2.1, escape-string-regexp@1.0.5, supports-color@5.5.0",
      "chalk@4.1.2 direct dev -> ansi-styles@4.3.0, supports-color@7.2.0",
      "ansi-styles@3.2.1 transitive -> color-convert@1.9.3",
      "ansi-styles@4.3.0 transitive dev",
      "color-convert@1.9.3 transitive -> color-name@1.1.3",
      "color-name@1.1.3 transitive",
      "escape-string-regexp@1.0.5 transitive",
      "supports-color@5.5.0 transitive -> has-flag@3.0.0",
      "supports-color@7.2.0 transitive dev",
      "has-flag@3.0.0 transitive",
      "js-tokens@4.0.0 transitive",
      "string-width@4.2.3 direct -> ping@1.0.0",
      "ping@1.0.0 transitive -> pong@1.0.0",
      "pong@1.0.0 transitive -> ping@1.0.0",
      "local-package@0.0.1 transitive",
      "drag-drop@1.1.1 transitive",
  }));
}

TEST(YarnLock, PackageJsonWithWorkspacesOnlyMarksItsOwnDeclarations) {
  // Members' manifests declare more; without them nothing else is known.
  auto s = testing::scan_files({
      {"web/yarn.lock", read_file(fixture("lang/npm/yarn/v1.lock"))},
      {"web/package.json", R"({"private": true, "workspaces": ["packages/*"],
                               "devDependencies": {"chalk": "^4.1.0"}})"},
  });
  auto pkgs = yarn_app(s, "web/yarn.lock");
  size_t unknown = 0;
  for (const auto& p : pkgs) {
    EXPECT_FALSE(p.dev) << p.id;
    EXPECT_NE(p.relationship, Relationship::kRoot);  // the manifest names no project
    if (p.relationship == Relationship::kUnknown) ++unknown;
    else EXPECT_EQ(p.id, "npm:chalk@4.1.2");
  }
  EXPECT_EQ(unknown, 17u);
}

TEST(YarnLock, BerryWithPackageJsonGetsDevFlags) {
  auto s = testing::scan_files({
      {"yarn.lock", read_file(fixture("lang/npm/yarn/berry-v4.lock"))},
      {"package.json", R"({"name": "code", "devDependencies": {"ansi-styles": "^4.1.0"}})"},
  });
  EXPECT_EQ(describe(yarn_app(s, "yarn.lock")), (std::set<std::string>{
      "code@ root -> ansi-styles@4.2.1",
      "ansi-styles@4.2.1 direct dev -> @types/color-name@1.1.1, color-convert@2.0.1",
      "@types/color-name@1.1.1 transitive dev",
      "color-convert@2.0.1 transitive dev -> color-name@1.1.4",
      "color-name@1.1.4 transitive dev",
  }));
}

TEST(YarnLock, UnreadablePackageJsonBesideIsAWarning) {
  auto s = testing::scan_files({
      {"web/yarn.lock", read_file(fixture("lang/npm/yarn/v1.lock"))},
      {"web/package.json", R"({"name": "broken",)"},
  });
  ASSERT_EQ(s.diagnostics.size(), 1u);
  EXPECT_EQ(s.diagnostics[0].location.path, "web/package.json");
  EXPECT_NE(s.diagnostics[0].message.find("direct dependencies unknown"), std::string::npos);
  auto pkgs = yarn_app(s, "web/yarn.lock");
  EXPECT_EQ(pkgs.size(), 18u);
  for (const auto& p : pkgs) EXPECT_EQ(p.relationship, Relationship::kUnknown);
}

}  // namespace
}  // namespace bulwark::catalog
