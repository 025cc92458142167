// Gradle lockfiles: gradle.lockfile lines, the "empty=" line, dev by test
// configurations, the pre-6.0 per-configuration files, and bad lines.
#include <gtest/gtest.h>

#include <map>

#include "catalog_testing.hpp"
#include "testing/testing.hpp"

namespace bulwark::catalog {
namespace {
using bulwark::testing::fixture;
using bulwark::testing::read_file;
using testing::scan_files;

TEST(GradleLock, ReadsModulesAndMarksTestOnlyOnesDev) {
  const std::string text = read_file(fixture("lang/java/gradle/app/gradle.lockfile"));
  auto s = scan_files({{"app/gradle.lockfile", text}});
  ASSERT_EQ(s.inventory.applications.size(), 1u);
  const Application& app = s.inventory.applications[0];
  EXPECT_EQ(app.type, "gradle-lockfile");
  std::map<std::string, bool> dev;
  for (const auto& p : app.packages) {
    EXPECT_EQ(p.ecosystem, "maven");
    EXPECT_EQ(p.relationship, Relationship::kUnknown);
    EXPECT_EQ(p.location.path, "app/gradle.lockfile");
    EXPECT_GT(p.location.line, 3);
    dev[p.name + "@" + p.version] = p.dev;
  }
  EXPECT_EQ(dev, (std::map<std::string, bool>{
                     {"com.fasterxml.jackson.core:jackson-annotations@2.15.2", false},
                     {"com.fasterxml.jackson.core:jackson-databind@2.15.2", false},
                     {"junit:junit@4.13.2", true},
                     {"org.hamcrest:hamcrest-core@1.3", true},
                     {"org.mockito:mockito-android@5.4.0", true},  // androidTest* configurations
                     {"com.google.errorprone:error_prone_annotations@2.18.0", false},
                     {"org.projectlombok:lombok@1.18.28", false},
                 }));
  const Package* junit = testing::find_package(app.packages, "junit:junit");
  ASSERT_NE(junit, nullptr);
  EXPECT_EQ(junit->purl, "pkg:maven/junit/junit@4.13.2");
  // Two bad lines, each a warning with its line number.
  ASSERT_EQ(s.diagnostics.size(), 2u);
  EXPECT_EQ(s.diagnostics[0].location.line, 11);
  EXPECT_EQ(s.diagnostics[1].location.line, 12);
  for (const auto& d : s.diagnostics) EXPECT_EQ(d.location.path, "app/gradle.lockfile");
}

TEST(GradleLock, PerConfigurationLockfilesOfOldGradle) {
  auto s = scan_files({
      {"legacy/gradle/dependency-locks/testRuntimeClasspath.lockfile",
       read_file(fixture("lang/java/gradle/legacy/gradle/dependency-locks/testRuntimeClasspath.lockfile"))},
      {"legacy/gradle/dependency-locks/compileClasspath.lockfile",
       read_file(fixture("lang/java/gradle/legacy/gradle/dependency-locks/compileClasspath.lockfile"))},
      // Not lockfiles of Gradle, and a lockfile under node_modules.
      {"other/dir/foo.lockfile", "a:b:1\n"},
      {"node_modules/x/gradle.lockfile", "a:b:1=compileClasspath\n"},
  });
  std::map<std::string, bool> dev;
  for (const auto& app : s.inventory.applications)
    for (const auto& p : app.packages) dev[p.name + "@" + p.version] = p.dev;
  EXPECT_EQ(dev, (std::map<std::string, bool>{{"junit:junit@4.12", true},
                                              {"org.hamcrest:hamcrest-core@1.3", true},
                                              {"com.google.guava:guava@31.1-jre", false}}));
  EXPECT_TRUE(s.diagnostics.empty());
}

TEST(GradleLock, EmptyAndCommentOnlyFilesHaveNoPackages) {
  std::vector<Diagnostic> diags;
  EXPECT_TRUE(parse_gradle_lockfile("# comment\nempty=\n", "gradle.lockfile", diags).empty());
  EXPECT_TRUE(parse_gradle_lockfile("", "gradle.lockfile", diags).empty());
  EXPECT_TRUE(diags.empty());
  // Windows line ends, blanks around names, a module listed twice.
  auto pkgs = parse_gradle_lockfile("a:b:1=testRuntimeClasspath\r\n a:b:1 = compileClasspath \r\n", "gradle.lockfile", diags);
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_FALSE(pkgs[0].dev);  // needed outside tests by one of its lines
  EXPECT_TRUE(diags.empty());
}

}  // namespace
}  // namespace bulwark::catalog
