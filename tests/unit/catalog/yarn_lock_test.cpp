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

struct Parsed {
  std::vector<Package> pkgs;
  std::vector<Diagnostic> diags;
};

Parsed parse_fixture(const std::string& name) {
  Parsed r;
  std::string path = "web/" + name;
  r.pkgs = parse_yarn_lock(read_file(fixture("lang/npm/yarn/" + name)), path, r.diags);
  expect_well_formed(r.pkgs, r.diags, path);
  return r;
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

}  // namespace
}  // namespace bulwark::catalog
