// package-lock.json and npm-shrinkwrap.json (lockfileVersion 1, 2, 3) on
// fixtures written for these tests: packages, relationships, dev flags, edges
// resolved the way node resolves them, licences, bad input.
#include <gtest/gtest.h>

#include "catalog_testing.hpp"
#include "node_lock_testing.hpp"

namespace bulwark::catalog {
namespace {
using bulwark::testing::fixture;
using bulwark::testing::read_file;
using testing::describe;
using testing::expect_well_formed;
using testing::find_version;

testing::Parsed parse_fixture(const std::string& name) {
  return testing::parse_lock_fixture(parse_package_lock, "package-lock", "app", name);
}

TEST(NpmLock, Version3PackagesMapWithWorkspacesAliasesPeersAndCycles) {
  auto r = parse_fixture("v3.json");
  EXPECT_TRUE(r.diags.empty()) << testing::all_messages(r.diags);
  EXPECT_EQ(describe(r.pkgs), (std::set<std::string>{
      "shop@2.1.0 root -> @scope/util@1.4.0, debug@2.6.9, fsevents@2.3.3, react@18.2.0, string-width@1.0.2, tester@3.1.0",
      // A workspace member: declared by the project, and so are its own dependencies.
      "@shop/api@0.3.0 direct -> debug@4.3.4, tester@3.1.0",
      "debug@4.3.4 direct -> ms@2.1.2",  // found in packages/api/node_modules first
      "ms@2.1.2 transitive",
      "@scope/util@1.4.0 direct -> cycle-a@1.0.0, ms@2.1.3",  // walks up past the scope directory
      "cycle-a@1.0.0 transitive -> cycle-b@1.0.0",
      "cycle-b@1.0.0 transitive -> cycle-a@1.0.0",
      "debug@2.6.9 direct -> ms@2.0.0",  // its nested copy wins over the hoisted one
      "ms@2.0.0 transitive",
      "ms@2.1.3 transitive",
      "fsevents@2.3.3 direct",
      "react@18.2.0 direct -> loose-envify@1.4.0",
      "loose-envify@1.4.0 transitive",
      // "str-old": "npm:string-width@^1.0.0" is installed under the alias; the package is string-width.
      "string-width@1.0.2 direct -> strip-ansi@3.0.1",
      // devOptional: needed by a dev tool and optionally by production code, so installed without dev.
      "strip-ansi@3.0.1 transitive",
      "tester@3.1.0 direct dev -> fsevents@2.3.3, ms@2.1.3, strip-ansi@3.0.1",
  }));
  EXPECT_EQ(find_version(r.pkgs, "shop", "2.1.0")->licenses, std::vector<std::string>{"UNLICENSED"});
  EXPECT_EQ(find_version(r.pkgs, "@scope/util", "1.4.0")->licenses, std::vector<std::string>{"Apache-2.0"});
  EXPECT_EQ(find_version(r.pkgs, "cycle-a", "1.0.0")->licenses, (std::vector<std::string>{"MIT", "ISC"}));
  EXPECT_EQ(find_version(r.pkgs, "cycle-b", "1.0.0")->licenses, std::vector<std::string>{"BSD-3-Clause"});
  EXPECT_TRUE(find_version(r.pkgs, "fsevents", "2.3.3")->licenses.empty());
}

TEST(NpmLock, Version1NestedTree) {
  auto r = parse_fixture("v1.json");
  EXPECT_EQ(describe(r.pkgs), (std::set<std::string>{
      "legacy-app@0.9.0 root -> express@4.17.1, local-lib@file:../local-lib, string-width@1.0.2",
      // Version 1 does not record the project's dependencies: a top-level
      // package nothing requires is direct, one that is required may be either.
      "express@4.17.1 direct -> accepts@1.3.7, mime-types@2.0.14",
      "accepts@1.3.7 unknown -> mime-types@2.1.35, negotiator@0.6.2",
      "mime-types@2.1.35 unknown -> mime-db@1.52.0",
      "mime-db@1.52.0 unknown",
      "negotiator@0.6.2 unknown",
      "mime-types@2.0.14 transitive -> mime-db@1.12.0",
      "mime-db@1.12.0 transitive",
      "string-width@1.0.2 direct -> code-point-at@1.1.0",
      "code-point-at@1.1.0 unknown dev",
      "ping@1.0.0 unknown dev -> pong@1.0.0",
      "pong@1.0.0 unknown dev -> ping@1.0.0",
      "local-lib@file:../local-lib direct -> negotiator@0.6.2",
  }));
  ASSERT_EQ(r.diags.size(), 1u) << testing::all_messages(r.diags);
  EXPECT_EQ(r.diags[0].location.line, 77);
  EXPECT_NE(r.diags[0].message.find("\"broken\" has no version"), std::string::npos) << r.diags[0].message;
}

TEST(NpmLock, Version2ReadsThePackagesMapNotTheOldTree) {
  auto r = parse_fixture("v2.json");
  EXPECT_TRUE(r.diags.empty()) << testing::all_messages(r.diags);
  EXPECT_EQ(describe(r.pkgs), (std::set<std::string>{
      "both-forms@1.0.0 root -> is-odd@3.0.1, left-pad@1.3.0",
      "is-odd@3.0.1 direct dev -> is-number@6.0.0",
      "is-number@6.0.0 transitive dev",
      "left-pad@1.3.0 direct",
  }));
  EXPECT_EQ(find_version(r.pkgs, "left-pad", "1.3.0")->licenses, std::vector<std::string>{"WTFPL"});
}

TEST(NpmLock, ShrinkwrapIsReadLikeALockfile) {
  auto s = testing::scan_files({
      {"opt/cli/npm-shrinkwrap.json", read_file(fixture("lang/npm/package-lock/npm-shrinkwrap.json"))},
      {"srv/package-lock.json", read_file(fixture("lang/npm/package-lock/v2.json"))},
      // Lockfiles inside installed packages belong to those packages' own development.
      {"srv/node_modules/left-pad/package-lock.json", read_file(fixture("lang/npm/package-lock/v3.json"))},
      {"srv/node_modules/.package-lock.json", read_file(fixture("lang/npm/package-lock/v3.json"))},
  });
  ASSERT_EQ(s.results["npm-lock"].size(), 2u);
  std::set<std::string> apps;
  for (const auto& app : s.inventory.applications)
    if (app.type == "npm") apps.insert(app.path + " " + std::to_string(app.packages.size()));
  EXPECT_EQ(apps, (std::set<std::string>{"opt/cli/npm-shrinkwrap.json 2", "srv/package-lock.json 4"}));
  for (const auto& app : s.inventory.applications)
    for (const auto& p : app.packages) EXPECT_FALSE(p.purl.empty());
}

TEST(NpmLock, UnknownVersionIsAWarningAndStillRead) {
  auto r = parse_fixture("future.json");
  EXPECT_EQ(describe(r.pkgs), (std::set<std::string>{"future@1.0.0 root -> a@1.0.0", "a@1.0.0 direct"}));
  EXPECT_EQ(testing::warning_lines(r.diags), (std::vector<int>{4, 9, 8})) << testing::all_messages(r.diags);
  EXPECT_NE(r.diags[0].message.find("unknown lockfileVersion 4"), std::string::npos);
}

TEST(NpmLock, MalformedJsonIsAWarningWithTheLine) {
  auto r = parse_fixture("truncated.json");
  EXPECT_TRUE(r.pkgs.empty());
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].location.line, 7) << r.diags[0].message;  // the end of the text, where it breaks off
  EXPECT_NE(r.diags[0].message.find("not a usable package-lock.json"), std::string::npos);
}

TEST(NpmLock, OddDocumentsAreWarningsNotCrashes) {
  for (std::string text : {"", "[]", "null", "\"x\"", "{\"lockfileVersion\": \"3\"}", "{\"packages\": []}",
                           "{\"lockfileVersion\": 3, \"packages\": {\"node_modules/a\": {\"version\": 1}}}"}) {
    std::vector<Diagnostic> diags;
    auto pkgs = parse_package_lock(text, "p/package-lock.json", diags);
    EXPECT_TRUE(pkgs.empty()) << text;
    EXPECT_FALSE(diags.empty()) << text;
    expect_well_formed(pkgs, diags, "p/package-lock.json");
  }
  // Deeper than the JSON depth limit.
  std::string deep = "{\"lockfileVersion\":1,\"dependencies\":";
  for (int i = 0; i < 300; ++i) deep += "{\"a\":{\"version\":\"1.0.0\",\"dependencies\":";
  deep += "{}";
  for (int i = 0; i < 300; ++i) deep += "}}";
  deep += "}";
  std::vector<Diagnostic> diags;
  EXPECT_TRUE(parse_package_lock(deep, "p/package-lock.json", diags).empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].message.find("nested deeper"), std::string::npos) << diags[0].message;
}

}  // namespace
}  // namespace bulwark::catalog
