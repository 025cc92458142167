// practice_of(): the attribute from the policy files wins; otherwise the
// finding's kind, package and the target decide.
#include <gtest/gtest.h>

#include "enrich/enrich.hpp"

namespace bulwark::enrich {
namespace {

Target target(TargetKind kind) {
  Target t;
  t.kind = kind;
  return t;
}

Finding finding(FindingKind kind, const std::string& ecosystem = {}) {
  Finding f;
  f.kind = kind;
  f.package_ecosystem = ecosystem;
  return f;
}

TEST(Practice, ByKind) {
  Target repo = target(TargetKind::kRepository);
  EXPECT_EQ(practice_of(finding(FindingKind::kSast), repo), 1);
  EXPECT_EQ(practice_of(finding(FindingKind::kSecret), target(TargetKind::kImage)), 1);
  EXPECT_EQ(practice_of(finding(FindingKind::kCompliance), target(TargetKind::kHost)), 4);
  EXPECT_EQ(practice_of(finding(FindingKind::kMisconfiguration), repo), 5);
  EXPECT_EQ(practice_of(finding(FindingKind::kRuntime), target(TargetKind::kHost)), 10);
}

TEST(Practice, VulnerabilitiesByPackageAndTarget) {
  EXPECT_EQ(practice_of(finding(FindingKind::kVulnerability, "npm"), target(TargetKind::kRepository)), 2);
  EXPECT_EQ(practice_of(finding(FindingKind::kVulnerability, "pypi"), target(TargetKind::kImage)), 2);
  EXPECT_EQ(practice_of(finding(FindingKind::kVulnerability, "deb"), target(TargetKind::kImage)), 3);
  EXPECT_EQ(practice_of(finding(FindingKind::kVulnerability, "apk"), target(TargetKind::kRootfs)), 3);
  EXPECT_EQ(practice_of(finding(FindingKind::kVulnerability, "rpm"), target(TargetKind::kHost)), 6);
  // A host scan's --scan-containers findings belong to their images.
  Finding in_container = finding(FindingKind::kVulnerability, "deb");
  in_container.attributes["image"] = "localhost/web:1";
  EXPECT_EQ(practice_of(in_container, target(TargetKind::kHost)), 3);
  // No package named: the target decides.
  EXPECT_EQ(practice_of(finding(FindingKind::kVulnerability), target(TargetKind::kHost)), 6);
  EXPECT_EQ(practice_of(finding(FindingKind::kVulnerability), target(TargetKind::kImage)), 3);
  EXPECT_EQ(practice_of(finding(FindingKind::kVulnerability), target(TargetKind::kFilesystem)), 2);
}

TEST(Practice, AttributeWins) {
  Finding f = finding(FindingKind::kMisconfiguration);
  f.attributes[kAttrPractice] = "7";
  EXPECT_EQ(practice_of(f, target(TargetKind::kRepository)), 7);
  f.attributes[kAttrPractice] = "8";
  EXPECT_EQ(practice_of(f, target(TargetKind::kRepository)), 8);
  Finding c = finding(FindingKind::kCompliance);
  c.attributes[kAttrPractice] = "8";  // the Pod Security Standards specs
  EXPECT_EQ(practice_of(c, target(TargetKind::kFilesystem)), 8);
  // Out of range or not a number: ignored, the kind decides.
  for (const char* bad : {"0", "15", "7a", "", "-3"}) {
    f.attributes[kAttrPractice] = bad;
    EXPECT_EQ(practice_of(f, target(TargetKind::kRepository)), 5) << bad;
  }
}

}  // namespace
}  // namespace bulwark::enrich
