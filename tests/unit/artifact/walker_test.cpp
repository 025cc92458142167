// The layer walker on real tars (libarchive's writer) with real gzip and zstd.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "layer_fixtures.hpp"
#include "testing/testing.hpp"

namespace bulwark::artifact {
namespace {

using namespace testfx;

Result<LayerResult> analyze(const TestLayer& t, const AnalyzerRegistry& reg, bool verify = true,
                            const Options& opts = {}) {
  return analyze_layer(opener_for(t.blob), t.layer, verify, reg, opts);
}

const FileResult* find_result(const LayerResult& r, const std::string& analyzer, const std::string& path) {
  for (const auto& f : r.files)
    if (f.analyzer == analyzer && f.path == path) return &f;
  return nullptr;
}

bool has_warning(const LayerResult& r, const std::string& path, const std::string& words) {
  return std::any_of(r.diagnostics.begin(), r.diagnostics.end(), [&](const Diagnostic& d) {
    return d.level == Diagnostic::Level::kWarning && d.location.path == path &&
           d.message.find(words) != std::string::npos;
  });
}

std::vector<TarEntry> basic_entries() {
  return {dir("etc"), file("etc/marker.txt", "hello\n"), file("etc/passwd", "root:x:0:0\n"),
          dir("usr"), file("usr/a.pkgs", "alpha 1.0\nbeta 2.0\n"), symlink("usr/link", "../etc/passwd")};
}

class WalkerCompression : public ::testing::TestWithParam<Compression> {};

TEST_P(WalkerCompression, ReadsAndVerifiesEveryFormat) {
  auto reg = lines_registry();
  TestLayer t = make_layer(basic_entries(), GetParam());
  auto r = analyze(t, reg);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->diff_id, t.layer.diff_id);
  EXPECT_EQ(r->entries, 6u);
  ASSERT_EQ(r->files.size(), 2u);
  const FileResult* marker = find_result(*r, "lines", "etc/marker.txt");
  ASSERT_NE(marker, nullptr);
  EXPECT_EQ(marker->facts.at("marker"), "hello");
  EXPECT_EQ(marker->layer, t.layer.diff_id);
  const FileResult* pk = find_result(*r, "lines", "usr/a.pkgs");
  ASSERT_NE(pk, nullptr);
  ASSERT_EQ(pk->packages.size(), 2u);
  EXPECT_EQ(pk->packages[1].name, "beta");
  // Only wanted bodies are read: 6 + 19 bytes, not etc/passwd.
  EXPECT_EQ(r->bytes_analyzed, 25u);
  ASSERT_EQ(r->symlinks.size(), 1u);
  EXPECT_EQ(r->symlinks[0], std::make_pair(std::string("usr/link"), std::string("../etc/passwd")));
  EXPECT_TRUE(r->diagnostics.empty());
}

INSTANTIATE_TEST_SUITE_P(Formats, WalkerCompression,
                         ::testing::Values(Compression::kNone, Compression::kGzip, Compression::kZstd));

TEST(Walker, UnknownDiffIdIsComputed) {
  auto reg = lines_registry();
  TestLayer t = make_layer(basic_entries(), Compression::kZstd);
  std::string expected = t.layer.diff_id;
  t.layer.diff_id.clear();
  auto r = analyze(t, reg);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->diff_id, expected);
  for (const auto& f : r->files) EXPECT_EQ(f.layer, expected);
}

TEST(Walker, MultiMemberGzipIsOneStream) {
  auto reg = lines_registry();
  std::string tar = make_tar(basic_entries());
  size_t half = tar.size() / 2;
  TestLayer t;
  t.blob = gzip(tar.substr(0, half)) + gzip(tar.substr(half));
  t.layer.diff_id = "sha256:" + sha256_hex(tar);
  t.layer.digest = "sha256:" + sha256_hex(t.blob);
  auto r = analyze(t, reg);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->files.size(), 2u);
}

TEST(Walker, WrongDiffIdIsDigestMismatch) {
  auto reg = lines_registry();
  TestLayer t = make_layer(basic_entries());
  std::string actual = t.layer.diff_id;
  t.layer.diff_id = "sha256:" + std::string(64, '0');
  auto r = analyze(t, reg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kDigestMismatch);
  std::string msg = r.error().describe();
  EXPECT_NE(msg.find(t.layer.diff_id), std::string::npos) << msg;
  EXPECT_NE(msg.find(actual), std::string::npos) << msg;
}

TEST(Walker, WrongBlobDigestIsDigestMismatchOnlyWhenVerified) {
  auto reg = lines_registry();
  TestLayer t = make_layer(basic_entries());
  std::string actual = t.layer.digest;
  t.layer.digest = "sha256:" + std::string(64, 'a');
  auto r = analyze(t, reg, /*verify=*/true);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kDigestMismatch);
  EXPECT_NE(r.error().describe().find(actual), std::string::npos) << r.error().describe();
  EXPECT_NE(r.error().describe().find(t.layer.digest), std::string::npos);
  // Docker archives store layers under other names: no blob check then.
  auto unverified = analyze(t, reg, /*verify=*/false);
  EXPECT_TRUE(unverified.ok());
}

TEST(Walker, TruncatedGzipIsCorrupt) {
  auto reg = lines_registry();
  TestLayer t = make_layer(basic_entries(), Compression::kGzip);
  t.blob.resize(t.blob.size() * 2 / 3);
  t.layer.digest.clear();
  auto r = analyze(t, reg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt) << r.error().describe();
  EXPECT_NE(r.error().describe().find(t.layer.diff_id), std::string::npos) << r.error().describe();
}

TEST(Walker, TruncatedZstdIsCorrupt) {
  auto reg = lines_registry();
  // Enough incompressible content that the cut lands inside the frame.
  std::string big;
  for (int i = 0; i < 20000; ++i) big += sha256_hex(std::to_string(i)).substr(0, 8) + " " + std::to_string(i) + "\n";
  TestLayer t = make_layer({file("usr/big.pkgs", big)}, Compression::kZstd);
  t.blob.resize(t.blob.size() / 2);
  t.layer.digest.clear();
  auto r = analyze(t, reg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt) << r.error().describe();
  EXPECT_NE(r.error().describe().find("layer "), std::string::npos);
}

TEST(Walker, TruncatedTarNamesTheEntry) {
  auto reg = lines_registry();
  std::string body(100000, 'x');
  TestLayer t = make_layer({file("usr/one.pkgs", "a 1\n"), file("usr/big.pkgs", body)}, Compression::kNone);
  t.blob.resize(t.blob.size() - 60000);
  t.layer.digest.clear();
  t.layer.diff_id.clear();
  auto r = analyze(t, reg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt) << r.error().describe();
  EXPECT_NE(r.error().describe().find("usr/big.pkgs"), std::string::npos) << r.error().describe();
}

TEST(Walker, GarbageIsCorrupt) {
  auto reg = lines_registry();
  TestLayer t;
  t.blob = std::string(4096, '\x42');
  auto r = analyze(t, reg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCorrupt) << r.error().describe();
}

// A real gzip bomb: a 512 MiB file of zeros inside a tar, compressed on the fly
// into a file of about 0.5 MiB, never held in memory.
std::string write_gzip_bomb(const std::filesystem::path& path, uint64_t zero_bytes) {
  struct Sink {
    gzFile gz;
  } sink{gzopen(path.c_str(), "wb9")};
  archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_open(
      a, &sink, nullptr,
      [](archive*, void* self, const void* buf, size_t n) -> la_ssize_t {
        return gzwrite(static_cast<Sink*>(self)->gz, buf, static_cast<unsigned>(n));
      },
      nullptr);
  archive_entry* e = archive_entry_new();
  archive_entry_set_pathname(e, "zeros");
  archive_entry_set_filetype(e, AE_IFREG);
  archive_entry_set_perm(e, 0644);
  archive_entry_set_size(e, static_cast<la_int64_t>(zero_bytes));
  archive_write_header(a, e);
  archive_entry_free(e);
  std::string chunk(1 << 20, '\0');
  for (uint64_t done = 0; done < zero_bytes; done += chunk.size()) archive_write_data(a, chunk.data(), chunk.size());
  archive_write_close(a);
  archive_write_free(a);
  gzclose(sink.gz);
  return path.string();
}

TEST(Walker, GzipBombIsLimitExceeded) {
  LimitsGuard guard;
  Limits lim = limits();
  lim.max_compression_ratio = 100;  // deflate of zeros reaches ~1000:1
  set_limits(lim);
  testing::TempDir tmp;
  std::string bomb = write_gzip_bomb(tmp / "bomb.tar.gz", 512ull << 20);
  ASSERT_LT(std::filesystem::file_size(bomb), 8u << 20);
  Layer layer;
  layer.digest = "sha256:" + std::string(64, '1');
  BlobOpener open = [bomb]() -> Result<std::unique_ptr<ByteStream>> {
    auto s = FileRangeStream::open(bomb);
    if (!s) return s.error();
    return std::unique_ptr<ByteStream>(std::move(*s));
  };
  auto reg = lines_registry();
  auto r = analyze_layer(open, layer, true, reg, {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimitExceeded) << r.error().describe();
  EXPECT_NE(r.error().describe().find("bomb"), std::string::npos) << r.error().describe();
  EXPECT_NE(r.error().describe().find(layer.digest), std::string::npos) << r.error().describe();
}

TEST(Walker, LayerSizeLimit) {
  LimitsGuard guard;
  Limits lim = limits();
  lim.max_layer_bytes = 1 << 20;
  set_limits(lim);
  auto reg = lines_registry();
  TestLayer t = make_layer({file("big", std::string(2 << 20, 'z'))}, Compression::kNone);
  auto r = analyze(t, reg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimitExceeded) << r.error().describe();
}

TEST(Walker, UnsafePathsAreSkippedOrMadeRelative) {
  LimitsGuard guard;
  Limits lim = limits();
  lim.max_path_length = 200;
  set_limits(lim);
  auto reg = lines_registry();
  std::string long_path = std::string(250, 'd') + "/x.pkgs";
  TestLayer t = make_layer({file("../evil.pkgs", "evil 1\n"), file("a/../../b.pkgs", "evil 2\n"),
                            file("/abs/x.pkgs", "abs 1\n"), file(long_path, "long 1\n"),
                            file("./ok/./y.pkgs", "ok 1\n")},
                           Compression::kNone);
  auto r = analyze(t, reg);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  std::vector<std::string> paths;
  for (const auto& f : r->files) paths.push_back(f.path);
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, (std::vector<std::string>{"abs/x.pkgs", "ok/y.pkgs"}));
  EXPECT_TRUE(has_warning(*r, "../evil.pkgs", "climbs above the root"));
  EXPECT_TRUE(has_warning(*r, "a/../../b.pkgs", "climbs above the root"));
  EXPECT_TRUE(has_warning(*r, "abs/x.pkgs", "absolute path"));
  EXPECT_TRUE(std::any_of(r->diagnostics.begin(), r->diagnostics.end(), [](const Diagnostic& d) {
    return d.message.find("longer than 200") != std::string::npos;
  }));
  for (const auto& d : r->diagnostics) EXPECT_EQ(d.location.layer, t.layer.diff_id);
}

TEST(Walker, WhiteoutsAndOpaqueDirsNeverReachAnalyzers) {
  auto reg = lines_registry();
  TestLayer t = make_layer({file("usr/.wh.old.pkgs", ""), file(".wh.opt", ""), file("var/lib/.wh..wh..opq", ""),
                            file(".wh..wh..opq", ""), file("usr/.wh..wh.plnk", "")},
                           Compression::kGzip);
  auto r = analyze(t, reg);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_TRUE(r->files.empty());
  EXPECT_EQ(r->whiteouts, (std::vector<std::string>{"usr/old.pkgs", "opt"}));
  EXPECT_EQ(r->opaque_dirs, (std::vector<std::string>{"var/lib", ""}));
}

TEST(Walker, SharedBodyGoesToEveryAnalyzer) {
  auto reg = lines_registry(/*with_sum=*/true);
  std::string body = "one 1\ntwo 2\n";
  TestLayer t = make_layer({file("x.pkgs", body)});
  auto r = analyze(t, reg);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  const FileResult* lines = find_result(*r, "lines", "x.pkgs");
  const FileResult* sum = find_result(*r, "sum", "x.pkgs");
  ASSERT_TRUE(lines && sum);
  EXPECT_EQ(lines->packages.size(), 2u);
  EXPECT_EQ(sum->facts.at("sha256"), sha256_hex(body));
  EXPECT_EQ(r->bytes_analyzed, body.size());  // read once
}

TEST(Walker, AnalyzerFailureIsAWarningAndKeepsThePathReplaced) {
  auto reg = lines_registry();
  TestLayer t = make_layer({file("bad.pkgs", "!fail\n"), file("good.pkgs", "g 1\n")});
  auto r = analyze(t, reg);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  const FileResult* bad = find_result(*r, "lines", "bad.pkgs");
  ASSERT_NE(bad, nullptr);
  EXPECT_TRUE(bad->packages.empty());
  EXPECT_TRUE(has_warning(*r, "bad.pkgs", "refusing this file"));
  ASSERT_NE(find_result(*r, "lines", "good.pkgs"), nullptr);
}

TEST(Walker, HardLinkToAnalyzedFileCopiesResults) {
  auto reg = lines_registry(true);
  TestLayer t = make_layer({file("a.pkgs", "p 1\n"), hardlink("b.pkgs", "a.pkgs")});
  auto r = analyze(t, reg);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  const FileResult* b = find_result(*r, "lines", "b.pkgs");
  ASSERT_NE(b, nullptr);
  ASSERT_EQ(b->packages.size(), 1u);
  EXPECT_EQ(b->packages[0].name, "p");
  const FileResult* bsum = find_result(*r, "sum", "b.pkgs");
  ASSERT_NE(bsum, nullptr);
  EXPECT_EQ(bsum->facts.at("bytes"), "4");
  EXPECT_EQ(r->bytes_analyzed, 4u);  // no second read
}

TEST(Walker, HardLinkToUnreadFileTakesASecondPass) {
  auto reg = lines_registry(true);
  int opens = 0;
  TestLayer t = make_layer({file("data/blob", "q 7\nr 8\n"), file("other.pkgs", "o 1\n"),
                            hardlink("usr/linked.pkgs", "data/blob"), hardlink("etc/marker.txt", "data/blob")});
  BlobOpener counting = [&opens, inner = opener_for(t.blob)]() {
    ++opens;
    return inner();
  };
  auto r = analyze_layer(counting, t.layer, true, reg, {});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(opens, 2);
  const FileResult* linked = find_result(*r, "lines", "usr/linked.pkgs");
  ASSERT_NE(linked, nullptr);
  ASSERT_EQ(linked->packages.size(), 2u);
  EXPECT_EQ(linked->packages[0].name, "q");
  EXPECT_EQ(linked->packages[0].location.path, "usr/linked.pkgs");
  const FileResult* sum = find_result(*r, "sum", "usr/linked.pkgs");
  ASSERT_NE(sum, nullptr);
  EXPECT_EQ(sum->facts.at("bytes"), "8");
  const FileResult* marker = find_result(*r, "lines", "etc/marker.txt");
  ASSERT_NE(marker, nullptr);
  EXPECT_EQ(marker->facts.at("marker"), "q 7\nr 8");
  EXPECT_EQ(r->files.size(), 5u);  // other.pkgs x2, usr/linked.pkgs x2, etc/marker.txt
}

TEST(Walker, HardLinkToMissingFileIsAWarning) {
  auto reg = lines_registry();
  TestLayer t = make_layer({hardlink("usr/x.pkgs", "nowhere/y"), file("z.pkgs", "z 1\n")});
  auto r = analyze(t, reg);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_TRUE(has_warning(*r, "usr/x.pkgs", "nowhere/y"));
  EXPECT_EQ(find_result(*r, "lines", "usr/x.pkgs"), nullptr);
  EXPECT_NE(find_result(*r, "lines", "z.pkgs"), nullptr);
}

TEST(Walker, WantedPathsMadeNonRegularAreShadowed) {
  auto reg = lines_registry();
  TestLayer t = make_layer({dir("etc/marker.txt"), symlink("lib/x.pkgs", "y.pkgs"), dir("usr/share")});
  auto r = analyze(t, reg);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->shadowed, (std::vector<std::string>{"etc/marker.txt", "lib/x.pkgs"}));
}

TEST(Walker, LaterEntryForTheSamePathWins) {
  auto reg = lines_registry();
  TestLayer t = make_layer({file("x.pkgs", "old 1\n"), file("x.pkgs", "new 2\n"), file("y.pkgs", "y 1\n"),
                            symlink("y.pkgs", "x.pkgs")});
  auto r = analyze(t, reg);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->files.size(), 1u);
  EXPECT_EQ(r->files[0].packages.at(0).name, "new");
}

TEST(Walker, SkipDirsAndSkipFilesApplyToPathsInTheImage) {
  TestLayer t = make_layer({dir("srv"), file("srv/app/a.pkgs", "a 1\n"),
                            file("srv/app/node_modules/x/n.pkgs", "n 1\n"),
                            file("srv/app/src/testdata/t.pkgs", "t 1\n"), file("usr/lib/go/testdata/g.pkgs", "g 1\n"),
                            file("vendor/v.pkgs", "v 1\n"), file("srv/lib/vendor/deep/v2.pkgs", "v2 1\n"),
                            file("srv/app/skip-me.pkgs", "s 1\n"), file("srv/app/keep.pkgs", "k 1\n"),
                            hardlink("srv/app/testdata/link.pkgs", "srv/app/keep.pkgs"),
                            hardlink("srv/app/link-to-skipped.pkgs", "srv/app/node_modules/x/n.pkgs")});
  auto reg = lines_registry();
  Options opts;
  opts.skip_dirs = {"**/testdata", "vendor", "srv/app/node_modules/**"};
  opts.skip_files = {"**/skip-*.pkgs"};
  auto r = analyze(t, reg, true, opts);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  std::vector<std::string> paths;
  for (const auto& f : r->files) paths.push_back(f.path);
  std::sort(paths.begin(), paths.end());
  // A link outside the skipped directories is read even when its target is
  // inside one (through the second pass).
  EXPECT_EQ(paths, (std::vector<std::string>{"srv/app/a.pkgs", "srv/app/keep.pkgs", "srv/app/link-to-skipped.pkgs"}));
  const FileResult* link = find_result(*r, "lines", "srv/app/link-to-skipped.pkgs");
  ASSERT_NE(link, nullptr);
  ASSERT_EQ(link->packages.size(), 1u);
  EXPECT_EQ(link->packages[0].name, "n");
  // Without patterns everything is read.
  auto all = analyze(t, reg);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->files.size(), 10u);
}

TEST(Walker, CancelStopsTheWalk) {
  auto reg = lines_registry();
  TestLayer t = make_layer(basic_entries());
  CancelToken token;
  token.cancel();
  Options opts;
  opts.cancel = &token;
  auto r = analyze(t, reg, true, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
}

TEST(Walker, EntryLimit) {
  LimitsGuard guard;
  Limits lim = limits();
  lim.max_entries = 3;
  set_limits(lim);
  auto reg = lines_registry();
  TestLayer t = make_layer(basic_entries());
  auto r = analyze(t, reg);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kLimitExceeded);
}

TEST(Walker, GnuTarFromTheTarTool) {
  BULWARK_REQUIRE_TOOL("tar");
  testing::TempDir tmp;
  std::filesystem::create_directories(tmp / "root/usr");
  testing::write_file(tmp / "root/usr/t.pkgs", "gnu 1\n");
  auto res = testing::run({"tar", "--format=gnu", "-C", (tmp / "root").string(), "-czf", (tmp / "l.tgz").string(), "."});
  ASSERT_EQ(res.exit_code, 0) << res.err;
  TestLayer t;
  t.blob = testing::read_file(tmp / "l.tgz");
  auto reg = lines_registry();
  auto r = analyze(t, reg);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->files.size(), 1u);
  EXPECT_EQ(r->files[0].path, "usr/t.pkgs");
}

}  // namespace
}  // namespace bulwark::artifact
