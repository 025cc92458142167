// The directory walker on real trees: symlinks are recorded and never followed,
// nothing outside the root is read, skip rules apply.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "layer_fixtures.hpp"
#include "testing/testing.hpp"

namespace bulwark::artifact {
namespace {

using namespace testfx;
namespace fs = std::filesystem;

std::vector<std::string> result_paths(const LayerResult& r, const std::string& analyzer = "lines") {
  std::vector<std::string> out;
  for (const auto& f : r.files)
    if (f.analyzer == analyzer) out.push_back(f.path);
  std::sort(out.begin(), out.end());
  return out;
}

void put(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  testing::write_file(p, content);
}

TEST(Tree, AnalyzesWantedFilesAndRecordsSymlinks) {
  testing::TempDir tmp;
  fs::path root = tmp / "root";
  put(root / "etc/marker.txt", "tree\n");
  put(root / "app/deps.pkgs", "left 1\nright 2\n");
  put(root / "app/README", "not wanted");
  put(root / ".git/x.pkgs", "git 1\n");
  put(root / "app/.git/y.pkgs", "git 2\n");
  fs::create_symlink("deps.pkgs", root / "app/alias.pkgs");
  auto reg = lines_registry(true);
  auto r = analyze_tree(root.string(), reg, {});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(result_paths(*r), (std::vector<std::string>{"app/deps.pkgs", "etc/marker.txt"}));
  EXPECT_EQ(result_paths(*r, "sum"), (std::vector<std::string>{"app/deps.pkgs"}));
  ASSERT_EQ(r->symlinks.size(), 1u);
  EXPECT_EQ(r->symlinks[0], std::make_pair(std::string("app/alias.pkgs"), std::string("deps.pkgs")));
  EXPECT_TRUE(r->diff_id.empty());
  for (const auto& f : r->files) EXPECT_TRUE(f.layer.empty());
  EXPECT_EQ(r->bytes_analyzed, 5u + 15u);
}

TEST(Tree, NeverLeavesTheRootThroughSymlinks) {
  testing::TempDir tmp;
  fs::path outside = tmp / "outside";
  put(outside / "secret.pkgs", "stolen 1\n");
  put(outside / "marker.txt", "outside\n");
  fs::path root = tmp / "root";
  fs::create_directories(root / "etc");
  fs::create_symlink(outside / "marker.txt", root / "etc/marker.txt");  // absolute, outside
  fs::create_symlink("../../outside/secret.pkgs", root / "etc/secret.pkgs");
  fs::create_symlink(outside, root / "usr");  // a directory outside
  fs::create_symlink("/", root / "hostroot");
  auto reg = lines_registry();
  auto r = analyze_tree(root.string(), reg, {});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_TRUE(r->files.empty());
  EXPECT_EQ(r->symlinks.size(), 4u);
  EXPECT_EQ(r->bytes_analyzed, 0u);
  // Even a resolved path stays inside the image.
  std::vector<LayerResult> layers{*r};
  EXPECT_EQ(*resolve_in_image(layers, "etc/secret.pkgs"), "outside/secret.pkgs");
}

TEST(Tree, SkipsVirtualFileSystemsOfARootfsOnly) {
  testing::TempDir tmp;
  fs::path rootfs = tmp / "rootfs";
  for (const char* d : {"proc", "sys", "dev"}) put(rootfs / d / "x.pkgs", "virtual 1\n");
  put(rootfs / "etc/marker.txt", "rootfs");
  fs::create_directories(rootfs / "usr");
  put(rootfs / "usr/dev/y.pkgs", "nested 1\n");
  auto reg = lines_registry();
  auto r = analyze_tree(rootfs.string(), reg, {});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(result_paths(*r), (std::vector<std::string>{"etc/marker.txt", "usr/dev/y.pkgs"}));

  fs::path project = tmp / "project";
  put(project / "dev/z.pkgs", "project 1\n");
  auto p = analyze_tree(project.string(), reg, {});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(result_paths(*p), (std::vector<std::string>{"dev/z.pkgs"}));
}

TEST(Tree, SkipDirsAndSkipFiles) {
  testing::TempDir tmp;
  fs::path root = tmp / "root";
  put(root / "node_modules/a.pkgs", "a 1\n");
  put(root / "web/node_modules/b.pkgs", "b 1\n");
  put(root / "vendor/c.pkgs", "c 1\n");
  put(root / "src/d.pkgs", "d 1\n");
  put(root / "src/test.pkgs", "t 1\n");
  put(root / "e.pkgs", "e 1\n");
  Options opts;
  opts.skip_dirs = {"node_modules", "./vendor/"};
  opts.skip_files = {"src/test.pkgs", "**/e.pkgs"};
  auto reg = lines_registry();
  auto r = analyze_tree(root.string(), reg, opts);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(result_paths(*r), (std::vector<std::string>{"src/d.pkgs"}));
}

TEST(Tree, SkipPatternForms) {
  testing::TempDir tmp;
  fs::path root = tmp / "root";
  put(root / "testdata/a.pkgs", "a 1\n");
  put(root / "pkg/x/testdata/b.pkgs", "b 1\n");
  put(root / "pkg/x/testdatax/c.pkgs", "c 1\n");
  put(root / "third_party/vendor/d.pkgs", "d 1\n");
  put(root / "docs/examples/e.pkgs", "e 1\n");
  put(root / "docs/f.pkgs", "f 1\n");
  put(root / "build/out/g.pkgs", "g 1\n");
  put(root / "src/h.pkgs", "h 1\n");
  put(root / "src/gen/i.pkgs", "i 1\n");
  put(root / "src/j.gen.pkgs", "j 1\n");
  auto reg = lines_registry();
  auto scan = [&](std::vector<std::string> dirs, std::vector<std::string> files) {
    Options opts;
    opts.skip_dirs = std::move(dirs);
    opts.skip_files = std::move(files);
    auto r = analyze_tree(root.string(), reg, opts);
    EXPECT_TRUE(r.ok()) << r.error().describe();
    return r ? result_paths(*r) : std::vector<std::string>{};
  };
  // "**/testdata" at the root and at any depth, not a longer name.
  EXPECT_EQ(scan({"**/testdata"}, {}),
            (std::vector<std::string>{"build/out/g.pkgs", "docs/examples/e.pkgs", "docs/f.pkgs", "pkg/x/testdatax/c.pkgs",
                                      "src/gen/i.pkgs", "src/h.pkgs", "src/j.gen.pkgs", "third_party/vendor/d.pkgs"}));
  // A bare name matches that directory anywhere; "dir/**" the directory itself;
  // "a/**/b" with nothing in between too.
  EXPECT_EQ(scan({"vendor", "build/**", "docs/**/examples", "testdata"}, {}),
            (std::vector<std::string>{"docs/f.pkgs", "pkg/x/testdatax/c.pkgs", "src/gen/i.pkgs", "src/h.pkgs",
                                      "src/j.gen.pkgs"}));
  EXPECT_EQ(scan({"docs/**/f.pkgs"}, {}).size(), 10u);  // skip-dirs never matches files
  // Files: a pattern with "/" is relative to the root; "*" also crosses "/".
  EXPECT_EQ(scan({}, {"src/*.gen.pkgs", "**/testdata/*"}),
            (std::vector<std::string>{"build/out/g.pkgs", "docs/examples/e.pkgs", "docs/f.pkgs", "pkg/x/testdatax/c.pkgs",
                                      "src/gen/i.pkgs", "src/h.pkgs", "third_party/vendor/d.pkgs"}));
  EXPECT_EQ(scan({}, {"/docs/f.pkgs", "./src/h.pkgs"}).size(), 8u);
}

TEST(Tree, UnreadableFileIsAWarning) {
  testing::TempDir tmp;
  fs::path root = tmp / "root";
  put(root / "ok.pkgs", "ok 1\n");
  put(root / "bad.pkgs", "!fail\n");
  ASSERT_EQ(::mkfifo((root / "pipe.pkgs").c_str(), 0644), 0);  // not regular: never opened
  auto reg = lines_registry();
  auto r = analyze_tree(root.string(), reg, {});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(result_paths(*r), (std::vector<std::string>{"bad.pkgs", "ok.pkgs"}));
  ASSERT_EQ(r->diagnostics.size(), 1u);
  EXPECT_EQ(r->diagnostics[0].location.path, "bad.pkgs");
}

TEST(Tree, MissingRootIsNotFound) {
  auto reg = lines_registry();
  auto r = analyze_tree("/nonexistent/bulwark/tree", reg, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
}

TEST(Tree, InspectTreeMerges) {
  testing::TempDir tmp;
  fs::path root = tmp / "root";
  put(root / "a.pkgs", "one 1\ntwo 2\n");
  auto reg = lines_registry();
  auto r = inspect_tree(root.string(), reg, {});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(package_names(r->merged.inventory), (std::vector<std::string>{"one@1", "two@2"}));
  EXPECT_EQ(r->artifact.name, root.string());
  EXPECT_EQ(r->merged.inventory.packages[0].id, "test:one@1");
}

}  // namespace
}  // namespace bulwark::artifact
