// End to end: the app image (Debian minbase + dpkg layers + a Node application
// installed from the npm registry at known-vulnerable versions) scanned with a
// vulnerability database that `db update --db-repository` builds from feed
// files served by a loopback HTTP server; findings checked field by field,
// the gate's exit codes, and SARIF validated by @microsoft/sarif-multitool.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "harness.hpp"

namespace bulwark::integration {
namespace {

#define BULWARK_REQUIRE_APP_IMAGE(name)                                                   \
  BULWARK_REQUIRE_IMAGES(name);                                                           \
  if (!name.has_app) GTEST_SKIP() << "no app image here: " << name.app_unavailable

std::string app_ref(const Images& im) { return "oci:" + im.oci_layout.string() + ":app"; }

// name -> versions of the npm packages a report lists, and where.
std::set<std::tuple<std::string, std::string, std::string>> npm_of(const json& report) {
  std::set<std::tuple<std::string, std::string, std::string>> out;
  for (const auto& app : report["inventory"].value("applications", json::array()))
    for (const auto& p : app.value("packages", json::array()))
      if (p.value("ecosystem", "") == "npm")
        out.insert({p.value("name", ""), p.value("version", ""), p["location"].value("path", "")});
  return out;
}

TEST(AppImage, NpmPackagesMatchNpmLsAndComeFromTheLastLayer) {
  BULWARK_REQUIRE_APP_IMAGE(images);
  auto scan = scan_json({"image", "--cache-dir", (images.dir / "cache-e2e").string(), app_ref(images)});
  ASSERT_TRUE(scan.why.empty()) << scan.why;
  std::set<std::pair<std::string, std::string>> expected, got;
  std::istringstream in(testing::read_file(images.dir / "app.expected.tsv"));
  std::string line;
  while (std::getline(in, line)) {
    auto tab = line.find('\t');
    if (tab != std::string::npos) expected.insert({line.substr(0, tab), line.substr(tab + 1)});
  }
  ASSERT_GE(expected.size(), 4u);
  for (const auto& [n, v, path] : npm_of(scan.report)) {
    got.insert({n, v});
    EXPECT_EQ(path.rfind("app/node_modules/", 0), 0u) << path;
  }
  EXPECT_EQ(got, expected);
  const auto& layers = scan.report["target"]["artifact"]["layers"];
  ASSERT_EQ(layers.size(), 4u);
  std::string last = layers.back().value("diff_id", "");
  for (const auto& app : scan.report["inventory"]["applications"])
    for (const auto& p : app["packages"]) EXPECT_EQ(p["location"].value("layer", ""), last) << p.dump();
  // The OS packages are still there, from the lower layers.
  EXPECT_EQ(diff(read_expected(images.expected("test")), packages_of(scan.report)), "");
}

}  // namespace
}  // namespace bulwark::integration
