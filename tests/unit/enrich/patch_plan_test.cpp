// plan_patches() on a hand-written report of a Debian 12 image with an npm
// application (tests/fixtures/enrich/report-patch-plan-bookworm.json; fixed
// versions from the Debian security tracker and GitHub's advisories, see the
// fixture's findings), and the base-image heuristic.
#include <gtest/gtest.h>

#include "core/json.hpp"
#include "enrich/enrich.hpp"
#include "testing/testing.hpp"

namespace bulwark::enrich {
namespace {

using bulwark::testing::fixture;
using bulwark::testing::read_file;

constexpr const char* kToday = "2026-11-29";

Report bookworm() {
  auto r = report_from_json(read_file(fixture("enrich/report-patch-plan-bookworm.json")), "report-patch-plan-bookworm.json");
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
  return r.ok() ? *r : Report{};
}

const PackagePatch* find(const PatchPlan& plan, const std::string& name) {
  for (const auto& p : plan.packages)
    if (p.name == name) return &p;
  ADD_FAILURE() << "no package " << name;
  return nullptr;
}

TEST(PatchPlan, SmallestUpgradePerPackage) {
  PatchPlan plan = plan_patches(bookworm(), {kToday, {}});
  std::vector<std::string> order;
  for (const auto& p : plan.packages) order.push_back(p.name);
  // Packages with an upgrade first, by name; then those without one.
  EXPECT_EQ(order, (std::vector<std::string>{"express", "libc6", "libexpat1", "lodash", "openssh-client", "zlib1g"}));

  // Two glibc fixes: the larger of the two smallest fixed versions.
  const PackagePatch* libc = find(plan, "libc6");
  ASSERT_TRUE(libc);
  EXPECT_EQ(libc->installed, "2.36-9+deb12u1");
  EXPECT_EQ(libc->upgrade_to, "2.36-9+deb12u7");
  EXPECT_EQ(libc->fixes, (std::vector<std::string>{"CVE-2023-4911", "CVE-2024-2961"}));
  EXPECT_TRUE(libc->unfixed.empty());  // the ignored CVE-2011-3374 is not in the plan
  EXPECT_TRUE(libc->from_base_image);
  EXPECT_EQ(libc->ecosystem, "deb");

  // express: each advisory lists a 4.x and a 5.x fix; the 4.x ones are the
  // smallest above 4.18.2, and 4.20.0 covers both. One advisory has no fix.
  const PackagePatch* express = find(plan, "express");
  ASSERT_TRUE(express);
  EXPECT_EQ(express->upgrade_to, "4.20.0");
  EXPECT_EQ(express->fixes, (std::vector<std::string>{"GHSA-qw6h-vgh9-j6wx", "GHSA-rv95-896h-c2vc"}));
  EXPECT_EQ(express->unfixed, (std::vector<std::string>{"GHSA-jj78-5fmv-mv28"}));
  EXPECT_FALSE(express->from_base_image);
  EXPECT_EQ(express->purl, "pkg:npm/express@4.18.2");

  const PackagePatch* ssh = find(plan, "openssh-client");
  ASSERT_TRUE(ssh);
  EXPECT_EQ(ssh->upgrade_to, "1:9.2p1-2+deb12u3");  // epoch kept
  EXPECT_FALSE(ssh->from_base_image);               // installed by a RUN layer

  const PackagePatch* zlib = find(plan, "zlib1g");
  ASSERT_TRUE(zlib);
  EXPECT_EQ(zlib->upgrade_to, "");
  EXPECT_EQ(zlib->unfixed, (std::vector<std::string>{"CVE-2023-45853"}));
  EXPECT_TRUE(zlib->from_base_image);

  // 3 of 8 fixable findings are in the base layer: no base-image advice.
  EXPECT_EQ(plan.base_layers, 1u);
  EXPECT_FALSE(plan.base_image);
}

TEST(PatchPlan, OsSupportAndWarnings) {
  PatchPlan plan = plan_patches(bookworm(), {kToday, {}});
  ASSERT_TRUE(plan.os);
  EXPECT_EQ(plan.os->name, "Debian 12");
  EXPECT_EQ(plan.os->version, "12.6");
  EXPECT_EQ(plan.os->eol_date, "2028-06-30");
  EXPECT_FALSE(plan.os->eol);
  EXPECT_EQ(plan.warnings, (std::vector<std::string>{
                               "Debian 12: regular security support ended on 2026-07-11; long-term support "
                               "continues until 2028-06-30"}));
  // Before the regular support ended: nothing to say.
  EXPECT_TRUE(plan_patches(bookworm(), {"2025-01-01", {}}).warnings.empty());
  // Close to the end of LTS.
  auto late = plan_patches(bookworm(), {"2028-05-01", {}});
  ASSERT_EQ(late.warnings.size(), 2u);
  EXPECT_EQ(late.warnings[1], "Debian 12 reaches end of life on 2028-06-30 (in 60 days)");
}

Report os_only(Report r) {
  std::vector<Finding> kept;
  for (auto& f : r.findings)
    if (f.package_ecosystem == "deb") kept.push_back(f);
  r.findings = kept;
  return r;
}

TEST(PatchPlan, BaseImageAdviceWhenMostFixesComeFromIt) {
  // Only the OS findings: 3 of 4 fixable findings sit in the base layer.
  PatchPlan plan = plan_patches(os_only(bookworm()), {kToday, {}});
  ASSERT_TRUE(plan.base_image);
  EXPECT_DOUBLE_EQ(plan.base_image->share_of_findings, 0.75);
  EXPECT_EQ(plan.base_image->suggestion, "rebuild on the current debian:12 image");

  // The same image on Debian 10: past its end of life, move to the current release.
  Report old = os_only(bookworm());
  old.inventory.os->version = "10.13";
  PatchPlan eol = plan_patches(old, {kToday, {}});
  ASSERT_TRUE(eol.os);
  EXPECT_TRUE(eol.os->eol);
  EXPECT_EQ(eol.os->eol_date, "2024-06-30");
  ASSERT_TRUE(eol.base_image);
  EXPECT_EQ(eol.base_image->suggestion, "move to debian:13 (Debian 10 reached end of life on 2024-06-30)");
  EXPECT_EQ(eol.warnings.front(), "Debian 10 reached end of life on 2024-06-30 (paid extended support until 2029-06-30)");

  // Alpine 3.18 on the same day: the suggestion names the newest supported release.
  Report alpine = os_only(bookworm());
  alpine.inventory.os->family = "alpine";
  alpine.inventory.os->version = "3.18.4";
  PatchPlan a = plan_patches(alpine, {kToday, {}});
  ASSERT_TRUE(a.base_image);
  EXPECT_EQ(a.base_image->suggestion, "move to alpine:3.24 (Alpine Linux 3.18 reached end of life on 2025-05-09)");
  EXPECT_EQ(a.warnings, (std::vector<std::string>{"Alpine Linux 3.18 reached end of life on 2025-05-09"}));
}

TEST(PatchPlan, HistoryDecidesTheBaseImage) {
  // The history of an image built FROM debian:12 (BuildKit): the base's
  // ADD and CMD, then this Dockerfile's steps.
  std::vector<HistoryStep> history = {
      {"# debian.sh --arch 'amd64' out/ 'bookworm' '@1720396800'", false},
      {"CMD [\"bash\"]", true},
      {"RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends openssh-client # buildkit", false},
      {"WORKDIR /srv/app", true},
      {"COPY app /srv/app # buildkit", false},
      {"CMD [\"node\" \"server.js\"]", true},
  };
  Report r = bookworm();
  EXPECT_EQ(base_image_layers(history, r.target.artifact.layers), 1u);
  // A base image with two layers (node on debian): the CMD after the second.
  std::vector<HistoryStep> node_base = {
      {"/bin/sh -c #(nop) ADD file:9a3c9b5cc93f4fdd8b8e5bd87b45a7c5ea24a3f6b6f1e5b8a4a3c1e5b2a0f9d1 in / ", false},
      {"/bin/sh -c #(nop)  CMD [\"bash\"]", true},
      {"/bin/sh -c apt-get install -y openssh-client", false},
      {"/bin/sh -c #(nop)  CMD [\"node\"]", true},
      {"COPY app /srv/app # buildkit", false},
  };
  // The first CMD ends the base: only the ADD layer.
  EXPECT_EQ(base_image_layers(node_base, r.target.artifact.layers), 1u);
  std::vector<HistoryStep> two_layer_base = {
      {"/bin/sh -c #(nop) ADD file:9a3c in / ", false},
      {"/bin/sh -c apt-get install -y openssh-client", false},
      {"/bin/sh -c #(nop)  ENTRYPOINT [\"/docker-entrypoint.sh\"]", true},
      {"COPY app /srv/app # buildkit", false},
  };
  EXPECT_EQ(base_image_layers(two_layer_base, r.target.artifact.layers), 2u);
  // With it, openssh-client comes from the base too: 4 of 8 fixable, not more than half.
  PatchPlan plan = plan_patches(r, {kToday, two_layer_base});
  EXPECT_EQ(plan.base_layers, 2u);
  EXPECT_TRUE(find(plan, "openssh-client")->from_base_image);
  EXPECT_FALSE(plan.base_image);

  // Without history: layers that unpack a root file system; a first layer
  // without any history counts as the base; a first COPY does not.
  std::vector<Layer> layers(2);
  EXPECT_EQ(base_image_layers({}, layers), 1u);
  layers[0].created_by = "ADD alpine-minirootfs-3.20.3-x86_64.tar.gz / # buildkit";
  EXPECT_EQ(base_image_layers({}, layers), 1u);
  layers[0].created_by = "COPY bin/app /app # buildkit";
  EXPECT_EQ(base_image_layers({}, layers), 0u);
  EXPECT_EQ(base_image_layers({}, {}), 0u);
}

TEST(PatchPlan, HostScanWarnsForItsImages) {
  Report host;
  host.target.kind = TargetKind::kHost;
  OsInfo os;
  os.family = "ubuntu";
  os.version = "20.04";
  host.inventory.os = os;
  HostInfo info;
  HostImageScan img;
  img.image = "docker.io/library/alpine:3.17";
  OsInfo alpine;
  alpine.family = "alpine";
  alpine.version = "3.17.2";
  img.os = alpine;
  info.image_scans.push_back(img);
  host.inventory.host = info;
  PatchPlan plan = plan_patches(host, {kToday, {}});
  ASSERT_TRUE(plan.os);
  EXPECT_EQ(plan.os->name, "Ubuntu 20.04");
  EXPECT_TRUE(plan.os->eol);
  EXPECT_EQ(plan.warnings, (std::vector<std::string>{
                               "Ubuntu 20.04 reached end of life on 2025-05-29 (paid extended support until 2030-04-23)",
                               "image docker.io/library/alpine:3.17: Alpine Linux 3.17 reached end of life on 2024-11-22"}));
  EXPECT_TRUE(plan.packages.empty());
  EXPECT_FALSE(plan.base_image);
}

TEST(PatchPlan, UnknownReleaseOfAKnownFamilyIsSaid) {
  Report r;
  OsInfo os;
  os.family = "fedora";
  os.version = "12";
  os.pretty_name = "Fedora 12 (Constantine)";
  r.inventory.os = os;
  PatchPlan plan = plan_patches(r, {kToday, {}});
  ASSERT_TRUE(plan.os);
  EXPECT_EQ(plan.os->eol_date, "");
  EXPECT_EQ(plan.warnings, (std::vector<std::string>{"no end-of-life data for Fedora 12 (Constantine)"}));
}

TEST(PatchPlan, Json) {
  PatchPlan plan = plan_patches(os_only(bookworm()), {kToday, {}});
  auto j = parse_json(patch_plan_json(plan), "plan");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ((*j)["os"]["eol_date"], "2028-06-30");
  EXPECT_EQ((*j)["os"]["eol"], false);
  EXPECT_EQ((*j)["base_image"]["share_of_findings"], 0.75);
  ASSERT_EQ((*j)["packages"].size(), plan.packages.size());
  EXPECT_EQ((*j)["packages"][0]["name"], "libc6");
  EXPECT_EQ((*j)["packages"][0]["upgrade_to"], "2.36-9+deb12u7");
  EXPECT_EQ((*j)["packages"][0]["from_base_image"], true);
  EXPECT_TRUE((*j)["packages"].back()["upgrade_to"].is_null());
  EXPECT_EQ((*j)["warnings"].size(), 1u);
  EXPECT_TRUE(parse_json(patch_plan_json(PatchPlan{}), "empty")->at("os").is_null());
}

}  // namespace
}  // namespace bulwark::enrich
