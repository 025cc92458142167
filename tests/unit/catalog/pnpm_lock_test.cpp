// pnpm-lock.yaml 5.x, 6.0 and 9.0 on fixtures written for these tests: key
// forms with peer suffixes, aliases, workspaces, dev flags, bad input.
#include <gtest/gtest.h>

#include "catalog_testing.hpp"
#include "node_lock_testing.hpp"

namespace bulwark::catalog {
namespace {
using testing::describe;
using testing::expect_well_formed;

testing::Parsed parse_fixture(const std::string& name) {
  return testing::parse_lock_fixture(parse_pnpm_lock, "pnpm", "mono", name);
}

TEST(PnpmLock, Version5KeysWithPeerSuffixesHostsAndGit) {
  auto r = parse_fixture("v5.yaml");
  EXPECT_TRUE(r.diags.empty()) << testing::all_messages(r.diags);
  EXPECT_EQ(describe(r.pkgs), (std::set<std::string>{
      "@typescript-eslint/parser@5.13.0 direct -> debug@4.3.3, eslint@8.10.0, typescript@4.6.2",
      "debug@4.3.3 transitive -> ms@2.1.2",
      "ms@2.1.2 transitive",
      // A devDependency production code also uses: pnpm writes no dev flag.
      "eslint@8.10.0 direct -> debug@4.3.3, eslint-utils@3.0.0",
      "eslint-utils@3.0.0 transitive dev -> eslint@8.10.0",
      "typescript@4.6.2 direct",
      "string-width@1.0.2 direct",  // old-width: /string-width/1.0.2
      "uuid@8.3.2 direct",
      "mocks@20.0.1 direct -> ms@2.1.2",
      "@corp/tool@2.0.0 transitive dev",  // registry.example.com/@corp/tool/2.0.0
  }));
}

TEST(PnpmLock, Version6ImportersLinksAndAliases) {
  auto r = parse_fixture("v6.yaml");
  EXPECT_TRUE(r.diags.empty()) << testing::all_messages(r.diags);
  EXPECT_EQ(describe(r.pkgs), (std::set<std::string>{
      "@types/react@18.2.48 direct dev -> csstype@3.1.3",
      "csstype@3.1.3 transitive dev",
      "loose-envify@1.4.0 transitive -> js-tokens@4.0.0",
      "js-tokens@4.0.0 transitive",
      "react-dom@18.2.0 direct -> loose-envify@1.4.0, react@18.2.0, scheduler@0.23.0",
      "react@18.2.0 direct -> loose-envify@1.4.0",
      "scheduler@0.23.0 transitive -> loose-envify@1.4.0",
      "string-width@4.2.3 direct",  // declared by the packages/ui workspace under an alias
      "debug@4.3.4 transitive",     // a tarball key: name and version from the entry
  }));
}

TEST(PnpmLock, Version9SnapshotsPeerVariantsAndDevByReachability) {
  auto r = parse_fixture("v9.yaml");
  EXPECT_TRUE(r.diags.empty()) << testing::all_messages(r.diags);
  EXPECT_EQ(describe(r.pkgs), (std::set<std::string>{
      // Reached from production code through jest-config as well: not dev.
      "@types/node@24.0.7 direct",
      "debug@4.3.5 direct -> shared@1.0.0",
      "jest-config@30.0.3 direct -> @types/node@24.0.7, jest-runner@30.0.3",
      // Two peer variants, one package with both variants' edges; one variant
      // is production's, so the package is not dev ...
      "jest-pnp-resolver@1.2.3 transitive -> jest-resolve@27.5.1, jest-resolve@30.0.2",
      // ... but what only the dev variant reaches is.
      "jest-resolve@27.5.1 transitive dev -> jest-pnp-resolver@1.2.3",
      "jest-resolve@30.0.2 transitive -> jest-pnp-resolver@1.2.3",
      "jest-runner@27.5.1 direct dev -> jest-pnp-resolver@1.2.3, shared@1.0.0",
      "jest-runner@30.0.3 transitive -> jest-pnp-resolver@1.2.3",
      "left@1.0.0 direct -> right@1.0.0",  // declared by the packages/app workspace
      "right@1.0.0 transitive -> left@1.0.0",
      "shared@1.0.0 direct",
      "string-width@1.0.2 direct",  // old-width: string-width@1.0.2
  }));
}

TEST(PnpmLock, EnvironmentDocumentIsSkipped) {
  auto r = parse_fixture("two-documents.yaml");
  EXPECT_TRUE(r.diags.empty()) << testing::all_messages(r.diags);
  EXPECT_EQ(describe(r.pkgs), (std::set<std::string>{"is-number@7.0.0 direct"}));
}

TEST(PnpmLock, UnknownVersionAndUnreadableKeysAreWarnings) {
  auto r = parse_fixture("future.yaml");
  EXPECT_EQ(describe(r.pkgs), (std::set<std::string>{"a@1.0.0 direct"}));
  EXPECT_EQ(testing::warning_lines(r.diags), (std::vector<int>{1, 23})) << testing::all_messages(r.diags);
  EXPECT_NE(r.diags[0].message.find("unknown lockfileVersion \"10.0\"; reading it as version 9"), std::string::npos);
  EXPECT_NE(r.diags[1].message.find("\"not-a-version-key\""), std::string::npos);
}

TEST(PnpmLock, BadYamlIsAWarningWithTheLine) {
  auto r = parse_fixture("broken.yaml");
  EXPECT_TRUE(r.pkgs.empty());
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].location.line, 9) << r.diags[0].message;
}

// A default string_view has a null data pointer, which libyaml refuses.
TEST(PnpmLock, EmptyInputOfEveryParserIsAWarning) {
  for (auto parse : {parse_pnpm_lock, parse_yarn_lock, parse_package_lock}) {
    std::vector<Diagnostic> diags;
    EXPECT_TRUE(parse(std::string_view(), "lock", diags).empty());
    if (parse != parse_yarn_lock) {
      EXPECT_EQ(diags.size(), 1u);  // an empty yarn.lock is a project without packages
    }
    expect_well_formed({}, diags, "lock");
  }
}

TEST(PnpmLock, LimitsHold) {
  // Nesting beyond the depth limit, and an alias bomb.
  std::string deep = "lockfileVersion: '9.0'\npackages:\n  a@1.0.0: ";
  for (int i = 0; i < 500; ++i) deep += "[";
  std::vector<Diagnostic> diags;
  EXPECT_TRUE(parse_pnpm_lock(deep, "pnpm-lock.yaml", diags).empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].message.find("nested deeper"), std::string::npos) << diags[0].message;

  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'k'; ++c, ++prev)
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev +
            ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + ", *" + prev + "]\n";
  diags.clear();
  EXPECT_TRUE(parse_pnpm_lock(bomb, "pnpm-lock.yaml", diags).empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].message.find("aliases expand"), std::string::npos) << diags[0].message;
}

}  // namespace
}  // namespace bulwark::catalog
