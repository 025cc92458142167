// Merging real layers (walked from real tars) with whiteout semantics, package
// layer attribution, and path resolution through the image's symlinks.
#include <gtest/gtest.h>

#include <algorithm>

#include "layer_fixtures.hpp"

namespace bulwark::artifact {
namespace {

using namespace testfx;

std::vector<LayerResult> walk_all(const std::vector<std::vector<TarEntry>>& layers, const AnalyzerRegistry& reg) {
  std::vector<LayerResult> out;
  for (const auto& entries : layers) {
    TestLayer t = make_layer(entries);
    auto r = analyze_layer(opener_for(t.blob), t.layer, true, reg, {});
    EXPECT_TRUE(r.ok()) << r.error().describe();
    if (r.ok()) out.push_back(std::move(*r));
  }
  return out;
}

const Package* find_package(const Inventory& inv, const std::string& name) {
  for (const auto& p : inv.packages)
    if (p.name == name) return &p;
  return nullptr;
}

TEST(Merge, WhiteoutsAndOpaqueDirsAcrossThreeLayers) {
  auto reg = lines_registry();
  auto layers = walk_all(
      {
          // base
          {file("etc/marker.txt", "base"), file("a/x.pkgs", "ax 1\n"), file("a/keep.pkgs", "akeep 1\n"),
           file("b/y.pkgs", "by 1\n"), file("b/sub/z.pkgs", "bz 1\n"), file("c/w.pkgs", "cw 1\n"),
           file("c-sibling.pkgs", "sibling 1\n"), file("d/v.pkgs", "dv 1\n")},
          // removes a/x.pkgs, makes b opaque (adds one new file there)
          {file("a/.wh.x.pkgs", ""), file("b/.wh..wh..opq", ""), file("b/new.pkgs", "bnew 1\n")},
          // removes the directory c and the file just added in b; d/v.pkgs comes back in a new version
          {file(".wh.c", ""), file("b/.wh.new.pkgs", ""), file("d/v.pkgs", "dv 2\n")},
      },
      reg);
  ASSERT_EQ(layers.size(), 3u);
  Merged m = merge_layers(layers, reg);
  EXPECT_EQ(package_names(m.inventory), (std::vector<std::string>{"akeep@1", "dv@2", "sibling@1"}));
  const Package* dv = find_package(m.inventory, "dv");
  ASSERT_NE(dv, nullptr);
  EXPECT_EQ(dv->location.layer, layers[2].diff_id);
  EXPECT_EQ(dv->id, "test:dv@2");
  const Package* akeep = find_package(m.inventory, "akeep");
  ASSERT_NE(akeep, nullptr);
  EXPECT_EQ(akeep->location.layer, layers[0].diff_id);
}

TEST(Merge, OpaqueRootHidesEverythingBelow) {
  auto reg = lines_registry();
  auto layers = walk_all({{file("a.pkgs", "a 1\n"), file("x/b.pkgs", "b 1\n")},
                          {file(".wh..wh..opq", ""), file("c.pkgs", "c 1\n")}},
                         reg);
  Merged m = merge_layers(layers, reg);
  EXPECT_EQ(package_names(m.inventory), (std::vector<std::string>{"c@1"}));
}

TEST(Merge, ReplacedFileKeepsLayerOfUnchangedPackages) {
  auto reg = lines_registry();
  auto layers = walk_all({{file("var/db.pkgs", "libc 1\nbash 5.1\n")},
                          {file("etc/other", "x")},
                          {file("var/db.pkgs", "libc 1\nbash 5.2\ncurl 8\n")}},
                         reg);
  Merged m = merge_layers(layers, reg);
  EXPECT_EQ(package_names(m.inventory), (std::vector<std::string>{"bash@5.2", "curl@8", "libc@1"}));
  EXPECT_EQ(find_package(m.inventory, "libc")->location.layer, layers[0].diff_id);
  EXPECT_EQ(find_package(m.inventory, "bash")->location.layer, layers[2].diff_id);
  EXPECT_EQ(find_package(m.inventory, "curl")->location.layer, layers[2].diff_id);
}

TEST(Merge, InterruptedPackageIsAttributedToItsReturn) {
  auto reg = lines_registry();
  auto layers = walk_all({{file("p.pkgs", "tool 1\n")}, {file(".wh.p.pkgs", "")}, {file("q.pkgs", "tool 1\n")}},
                         reg);
  Merged m = merge_layers(layers, reg);
  ASSERT_EQ(package_names(m.inventory), (std::vector<std::string>{"tool@1"}));
  EXPECT_EQ(m.inventory.packages[0].location.layer, layers[2].diff_id);
}

TEST(Merge, ShadowedPathHidesLowerResult) {
  auto reg = lines_registry();
  auto layers = walk_all({{file("etc/marker.txt", "m"), file("lib/l.pkgs", "l 1\n")},
                          {dir("etc/marker.txt"), symlink("lib/l.pkgs", "/elsewhere")}},
                         reg);
  Merged m = merge_layers(layers, reg);
  EXPECT_TRUE(m.inventory.packages.empty());
}

// An analyzer whose contribute() records what it was given.
class RecordingAnalyzer : public LinesAnalyzer {
 public:
  explicit RecordingAnalyzer(std::vector<std::string>* seen) : seen_(seen) {}
  std::string_view name() const override { return "rec"; }
  void contribute(std::span<const FileResult* const> visible, Inventory& inv, std::vector<Finding>& findings,
                  std::vector<Diagnostic>& diags) const override {
    for (const FileResult* r : visible) seen_->push_back(r->path);
    Analyzer::contribute(visible, inv, findings, diags);
  }

 private:
  std::vector<std::string>* seen_;
};

TEST(Merge, ContributeSeesVisibleResultsInPathOrder) {
  std::vector<std::string> seen;
  AnalyzerRegistry reg;
  reg.add(std::make_unique<RecordingAnalyzer>(&seen));
  auto layers = walk_all({{file("z.pkgs", "z 1\n"), file("a.pkgs", "a 1\n"), file("m/b.pkgs", "b 1\n")},
                          {file("m/.wh.b.pkgs", ""), file("c.pkgs", "c 1\n")}},
                         reg);
  Merged m = merge_layers(layers, reg);
  EXPECT_EQ(seen, (std::vector<std::string>{"a.pkgs", "c.pkgs", "z.pkgs"}));
  EXPECT_EQ(m.inventory.packages.size(), 3u);
}

TEST(Merge, LayerDiagnosticsAreKept) {
  auto reg = lines_registry();
  auto layers = walk_all({{file("../up.pkgs", "u 1\n")}, {file("bad.pkgs", "!fail")}}, reg);
  Merged m = merge_layers(layers, reg);
  ASSERT_EQ(m.diagnostics.size(), 2u);
  EXPECT_EQ(m.diagnostics[0].location.layer, layers[0].diff_id);
  EXPECT_EQ(m.diagnostics[1].location.path, "bad.pkgs");
}

TEST(Merge, NoLayers) {
  auto reg = lines_registry();
  Merged m = merge_layers({}, reg);
  EXPECT_TRUE(m.inventory.packages.empty());
  EXPECT_FALSE(m.inventory.os.has_value());
}

TEST(Resolve, FollowsImageSymlinksOnly) {
  auto reg = lines_registry();
  auto layers = walk_all({{symlink("bin", "usr/bin"), symlink("usr/bin/sh", "dash"),
                           symlink("etc/alternatives/editor", "/usr/bin/vim.basic"), symlink("usr/bin/editor", "/etc/alternatives/editor"),
                           symlink("escape", "../../../../etc/passwd"), symlink("gone", "usr/lib")},
                          {file(".wh.gone", ""), symlink("lib", "usr/lib")}},
                         reg);
  EXPECT_EQ(*resolve_in_image(layers, "/bin/sh"), "usr/bin/dash");
  EXPECT_EQ(*resolve_in_image(layers, "bin/editor"), "usr/bin/vim.basic");
  EXPECT_EQ(*resolve_in_image(layers, "escape"), "etc/passwd");  // ".." stops at the image root
  EXPECT_EQ(*resolve_in_image(layers, "gone/x"), "gone/x");      // whited out in layer 2
  EXPECT_EQ(*resolve_in_image(layers, "lib/libc.so.6"), "usr/lib/libc.so.6");
  EXPECT_EQ(*resolve_in_image(layers, "usr/./bin/../bin/sh"), "usr/bin/dash");
}

TEST(Resolve, LoopsAreAClearError) {
  auto reg = lines_registry();
  auto layers = walk_all({{symlink("a", "b"), symlink("b", "/c/../a"), symlink("self", "self/x")}}, reg);
  auto r = resolve_in_image(layers, "a/file");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimitExceeded);
  EXPECT_NE(r.error().describe().find("loop"), std::string::npos) << r.error().describe();
  EXPECT_NE(r.error().describe().find("a/file"), std::string::npos) << r.error().describe();
  EXPECT_FALSE(resolve_in_image(layers, "self").ok());
}

}  // namespace
}  // namespace bulwark::artifact
