#include <gtest/gtest.h>

#include "core/core.hpp"
#include "core/json.hpp"

namespace bulwark {
namespace {

TEST(Severity, ParsesSynonymsAndCase) {
  EXPECT_EQ(parse_severity("CRITICAL"), Severity::kCritical);
  EXPECT_EQ(parse_severity("important"), Severity::kHigh);
  EXPECT_EQ(parse_severity("Moderate"), Severity::kMedium);
  EXPECT_EQ(parse_severity("negligible"), Severity::kLow);
  EXPECT_EQ(parse_severity("whatever"), Severity::kUnknown);
  EXPECT_STREQ(to_string(Severity::kHigh), "HIGH");
}

TEST(Purl, DebianPackageWithEpochAndDistro) {
  Package p;
  p.ecosystem = "deb";
  p.name = "zlib1g";
  p.version = "1:1.2.13.dfsg-1";
  p.epoch = 1;
  p.arch = "amd64";
  OsInfo os;
  os.family = "debian";
  os.version = "12.5";
  EXPECT_EQ(make_purl(p, os), "pkg:deb/debian/zlib1g@1.2.13.dfsg-1?arch=amd64&distro=debian-12.5&epoch=1");
}

TEST(Purl, EscapesPlusAndScopes) {
  Package deb;
  deb.ecosystem = "deb";
  deb.name = "bash";
  deb.version = "5.2.15-2+b2";
  EXPECT_EQ(make_purl(deb, std::nullopt), "pkg:deb/bash@5.2.15-2%2Bb2");
  Package npm;
  npm.ecosystem = "npm";
  npm.name = "@babel/core";
  npm.version = "7.0.0";
  EXPECT_EQ(make_purl(npm, std::nullopt), "pkg:npm/%40babel/core@7.0.0");
  Package mvn;
  mvn.ecosystem = "maven";
  mvn.name = "org.apache.logging.log4j:log4j-core";
  mvn.version = "2.14.1";
  EXPECT_EQ(make_purl(mvn, std::nullopt), "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1");
}

TEST(Fingerprint, IgnoresTagButNotRepository) {
  Finding f;
  f.id = "CVE-2024-3094";
  f.package_name = "xz-utils";
  Target a{TargetKind::kImage, "registry.local/app:1.0", "", {}, {}};
  Target b{TargetKind::kImage, "registry.local/app:2.0", "", {}, {}};
  Target c{TargetKind::kImage, "registry.local/other:1.0", "", {}, {}};
  EXPECT_EQ(fingerprint(f, a), fingerprint(f, b));
  EXPECT_NE(fingerprint(f, a), fingerprint(f, c));
  Target port{TargetKind::kImage, "localhost:5000/app", "", {}, {}};
  Target port_tag{TargetKind::kImage, "localhost:5000/app:3", "", {}, {}};
  EXPECT_EQ(fingerprint(f, port), fingerprint(f, port_tag));
}

TEST(Fingerprint, MisconfigurationsOnOneFieldStayApartByWhatTheySay) {
  Target t{TargetKind::kFilesystem, "deploy", "", {}, {}};
  Finding cpu;
  cpu.kind = FindingKind::kMisconfiguration;
  cpu.id = "BW-K8S-020";
  cpu.location.path = "pod.yaml";
  cpu.attributes = {{"resource", "Pod/web"}, {"field", "spec.containers[0]"}, {"message", "container 'a' has no cpu limit"}};
  Finding memory = cpu;
  memory.attributes["message"] = "container 'a' has no memory limit";
  EXPECT_NE(fingerprint(cpu, t), fingerprint(memory, t));
  Finding moved = cpu;
  moved.location.line = 40;  // an edit above it does not make it a new finding
  EXPECT_EQ(fingerprint(cpu, t), fingerprint(moved, t));
}

TEST(CleanPath, RejectsClimbingAboveRoot) {
  EXPECT_EQ(clean_path("./etc//os-release"), "etc/os-release");
  EXPECT_EQ(clean_path("/usr/lib/../lib/os-release"), "usr/lib/os-release");
  EXPECT_EQ(clean_path("../etc/passwd"), std::nullopt);
  EXPECT_EQ(clean_path("a/../../b"), std::nullopt);
}

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(parse_duration("5m")->count(), 300000);
  EXPECT_EQ(parse_duration("1h30m")->count(), 5400000);
  EXPECT_EQ(parse_duration("90")->count(), 90000);
  EXPECT_FALSE(parse_duration("5x").ok());
  EXPECT_FALSE(parse_duration("").ok());
}

TEST(Sha256, KnownVector) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Json, ReportRoundTrips) {
  Report r;
  r.created_at = "2026-01-01T00:00:00Z";
  r.target.kind = TargetKind::kImage;
  r.target.reference = "debian:12";
  r.target.artifact.layers.push_back({"sha256:aa", "sha256:bb", "application/vnd.oci.image.layer.v1.tar+gzip", 10, "RUN x"});
  Package p;
  p.ecosystem = "deb";
  p.name = "bash";
  p.version = "5.2.15-2+b2";
  p.installed_files = {"/bin/bash"};
  p.location.layer = "sha256:bb";
  r.inventory.packages.push_back(p);
  OsInfo os;
  os.family = "debian";
  os.version = "12";
  r.inventory.os = os;
  assign_package_ids(r.inventory);
  Finding f;
  f.id = "CVE-1";
  f.severity = Severity::kHigh;
  f.epss_score = 0.5;
  f.package_name = "bash";
  f.package_version = "5.2.15-2+b2";
  r.findings.push_back(f);
  json j = r;
  auto back = report_from_json(j.dump(), "test");
  ASSERT_TRUE(back.ok()) << back.error().describe();
  EXPECT_EQ(back->inventory.packages, r.inventory.packages);
  EXPECT_EQ(back->inventory.os, r.inventory.os);
  EXPECT_EQ(back->target.artifact.layers.size(), 1u);
  EXPECT_EQ(back->findings[0].severity, Severity::kHigh);
  EXPECT_EQ(back->findings[0].epss_score, 0.5);
  EXPECT_EQ(back->findings[0].package_name, "bash");
}

TEST(Json, ParseErrorNamesLineAndColumn) {
  auto r = parse_json("{\n  \"a\": 1,\n  \"b\": ]\n}", "manifest.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(r.error().where.find("manifest.json: line 3"), std::string::npos) << r.error().where;
}

TEST(Json, DepthLimit) {
  std::string deep(1000, '[');
  deep += std::string(1000, ']');
  auto r = parse_json(deep, "deep.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimitExceeded);
}

TEST(Json, RejectsNewerSchema) {
  auto r = report_from_json(R"({"schema_version": 99})", "r.json");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kUnsupported);
}

}  // namespace
}  // namespace bulwark
