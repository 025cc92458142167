// Bad input through the real binary: truncated archives, corrupted and
// tampered layers, missing paths. Each must exit 3 (scan error) with the file
// or layer named on stderr, never crash, hang or report a partial inventory.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <optional>

#include "integration/harness.hpp"

namespace bulwark::integration {
namespace {

using testing::TempDir;

constexpr int kExitError = 3;

// A member of an uncompressed tar: where its data starts and how long it is.
struct TarMember {
  uint64_t offset = 0;
  uint64_t size = 0;
};

uint64_t octal(const char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n && p[i]; ++i)
    if (p[i] >= '0' && p[i] <= '7') v = v * 8 + static_cast<uint64_t>(p[i] - '0');
  return v;
}

// Finds `name` in the ustar stream that starts at `base` in `file` (tests only
// need short names, so pax/GNU long-name records are stepped over, not read).
std::optional<TarMember> find_tar_member(const fs::path& file, uint64_t base, const std::string& name) {
  std::ifstream in(file, std::ios::binary);
  uint64_t pos = base;
  char h[512];
  for (;;) {
    in.seekg(static_cast<std::streamoff>(pos));
    if (!in.read(h, sizeof h)) return std::nullopt;
    if (h[0] == '\0') return std::nullopt;  // end-of-archive block
    std::string n(h, strnlen(h, 100));
    std::string prefix(h + 345, strnlen(h + 345, 155));
    if (!prefix.empty()) n = prefix + "/" + n;
    if (n.rfind("./", 0) == 0) n = n.substr(2);
    uint64_t size = octal(h + 124, 12);
    if (n == name && (h[156] == '0' || h[156] == '\0')) return TarMember{pos + 512, size};
    pos += 512 + (size + 511) / 512 * 512;
  }
}

fs::path copy_tree(const fs::path& from, const fs::path& to) {
  fs::copy(from, to, fs::copy_options::recursive);
  return to;
}

// The blob of layer i of the OCI layout's `test` tag.
std::string layer_digest(const fs::path& layout, size_t i) {
  json m = oci_manifest(layout, "test");
  return m["layers"][i]["digest"];
}

// The diffID of layer i of the OCI layout's `test` tag.
std::string layer_diff_id(const fs::path& layout, size_t i) {
  json m = oci_manifest(layout, "test");
  json config = json::parse(testing::read_file(layout / "blobs" / "sha256" / hex_of(m["config"]["digest"])));
  return config["rootfs"]["diff_ids"][i];
}

// `named` lists what stderr must mention; an entry "a|b" accepts either (a layer
// may be named by its blob digest or its diffID).
void expect_scan_error(const testing::CommandResult& r, const std::vector<std::string>& named,
                       const std::string& what) {
  EXPECT_EQ(r.exit_code, kExitError) << what << "\nstdout:\n" << r.out.substr(0, 500) << "\nstderr:\n" << r.err;
  for (const auto& n : named) {
    bool found = false;
    for (size_t start = 0; start <= n.size();) {
      size_t bar = n.find('|', start);
      if (bar == std::string::npos) bar = n.size();
      found = found || mentions(r.err, n.substr(start, bar - start));
      start = bar + 1;
    }
    EXPECT_TRUE(found) << what << ": stderr does not name " << n << ":\n" << r.err;
  }
  EXPECT_EQ(r.out, "") << what << ": a failed scan must not print a report";
}

// Either name of layer i, for expect_scan_error.
std::string layer_names(const fs::path& layout, size_t i) {
  return hex_of(layer_digest(layout, i)).substr(0, 12) + "|" + hex_of(layer_diff_id(layout, i)).substr(0, 12);
}

class Truncated : public ::testing::TestWithParam<std::string> {};

// Half of the archive: the file is named and the exit code is 3.
TEST_P(Truncated, ArchiveGivesScanError) {
  BULWARK_REQUIRE_IMAGES(im);
  TempDir t;
  fs::path src = GetParam() == "docker-archive" ? im.docker_archive : im.oci_archive;
  fs::path cut = t / ("truncated-" + src.filename().string());
  fs::copy_file(src, cut);
  for (double frac : {0.5, 0.9}) {
    fs::resize_file(cut, static_cast<uintmax_t>(static_cast<double>(fs::file_size(src)) * frac));
    auto r = bulwark({"image", "-q", "--no-cache", "--image-src", "archive", cut.string()});
    expect_scan_error(r, {cut.filename().string()}, "truncated to " + std::to_string(frac));
  }
}

INSTANTIATE_TEST_SUITE_P(Forms, Truncated, ::testing::Values("docker-archive", "oci-archive"),
                         [](const auto& info) { return info.param == "docker-archive" ? "docker" : "oci"; });

// Bytes flipped in the middle of a compressed layer blob of an OCI layout.
TEST(CorruptLayer, FlippedBytesInOciBlobNameTheLayer) {
  BULWARK_REQUIRE_IMAGES(im);
  TempDir t;
  fs::path layout = copy_tree(im.oci_layout, t / "oci");
  std::string digest = layer_digest(layout, 1);
  fs::path blob = layout / "blobs" / "sha256" / hex_of(digest);
  flip_bytes(blob, fs::file_size(blob) / 2, 16);
  auto r = bulwark({"image", "-q", "--no-cache", layout.string() + ":test"});
  expect_scan_error(r, {layer_names(layout, 1)}, "flipped bytes in " + digest);
}

// The gzip header's MTIME field is not checked by decompression, so this blob
// decompresses to the same tar: only the blob digest can catch it.
TEST(CorruptLayer, TamperedBlobIsADigestMismatch) {
  BULWARK_REQUIRE_IMAGES(im);
  TempDir t;
  fs::path layout = copy_tree(im.oci_layout, t / "oci");
  std::string digest = layer_digest(layout, 1);
  fs::path blob = layout / "blobs" / "sha256" / hex_of(digest);
  flip_bytes(blob, 4, 4);
  auto r = bulwark({"image", "-q", "--no-cache", layout.string() + ":test"});
  // The blob digest is what mismatches, so that is the name to show.
  expect_scan_error(r, {hex_of(digest).substr(0, 12), "digest"}, "tampered gzip header of " + digest);
  EXPECT_TRUE(mentions(r.err, "mismatch") || mentions(r.err, "does not match")) << r.err;
}

// Uncompressed docker-archive layers have no blob digest: the diffID catches a
// change in a file's content (bytes of usr/lib/file/magic.mgc in layer 2).
TEST(CorruptLayer, DockerArchiveLayerContentIsADiffIdMismatch) {
  BULWARK_REQUIRE_IMAGES(im);
  TempDir t;
  fs::path archive = t / "tampered.docker.tar";
  fs::copy_file(im.docker_archive, archive);
  std::vector<std::string> diff_ids =
      json::parse(testing::read_file(im.oci_layout / "blobs" / "sha256" /
                                     hex_of(oci_manifest(im.oci_layout, "test")["config"]["digest"])))["rootfs"]
                                                                                                    ["diff_ids"];
  ASSERT_EQ(diff_ids.size(), 3u);
  auto layer = find_tar_member(archive, 0, hex_of(diff_ids[1]) + ".tar");
  ASSERT_TRUE(layer) << "layer 2 not found in " << archive;
  auto file = find_tar_member(archive, layer->offset, "usr/lib/file/magic.mgc");
  ASSERT_TRUE(file) << "magic.mgc not found in layer 2";
  ASSERT_GT(file->size, 1000u);
  flip_bytes(archive, file->offset + file->size / 2, 8);
  auto r = bulwark({"image", "-q", "--no-cache", archive.string()});
  expect_scan_error(r, {hex_of(diff_ids[1]).substr(0, 12), "digest"}, "tampered layer 2 content");
}

// A layer blob cut short on disk.
TEST(CorruptLayer, TruncatedBlobInOciLayout) {
  BULWARK_REQUIRE_IMAGES(im);
  TempDir t;
  fs::path layout = copy_tree(im.oci_layout, t / "oci");
  std::string digest = layer_digest(layout, 0);
  fs::path blob = layout / "blobs" / "sha256" / hex_of(digest);
  fs::resize_file(blob, fs::file_size(blob) / 3);
  auto r = bulwark({"image", "-q", "--no-cache", layout.string() + ":test"});
  expect_scan_error(r, {layer_names(layout, 0)}, "truncated blob " + digest);
}

// A missing layer blob.
TEST(CorruptLayer, MissingBlobInOciLayout) {
  BULWARK_REQUIRE_IMAGES(im);
  TempDir t;
  fs::path layout = copy_tree(im.oci_layout, t / "oci");
  std::string digest = layer_digest(layout, 2);
  fs::remove(layout / "blobs" / "sha256" / hex_of(digest));
  auto r = bulwark({"image", "-q", "--no-cache", layout.string() + ":test"});
  expect_scan_error(r, {hex_of(digest).substr(0, 12)}, "missing blob " + digest);
}

// Paths that do not exist, for every command.
TEST(Missing, NonExistentPathsAreNamed) {
  TempDir t;
  std::string gone = (t / "does-not-exist").string();
  expect_scan_error(bulwark({"image", "-q", "--image-src", "archive", gone + ".tar"}), {gone + ".tar"}, "image");
  expect_scan_error(bulwark({"image", "-q", "oci-archive:" + gone + ".tar"}), {gone + ".tar"}, "oci-archive:");
  expect_scan_error(bulwark({"image", "-q", "oci:" + gone}), {gone}, "oci:");
  expect_scan_error(bulwark({"rootfs", "-q", gone}), {gone}, "rootfs");
  expect_scan_error(bulwark({"fs", "-q", gone}), {gone}, "fs");
  expect_scan_error(bulwark({"sbom", "-q", gone + ".json"}), {gone + ".json"}, "sbom");
}

// A tag that is not in the layout is named.
TEST(Missing, UnknownTagInOciLayout) {
  BULWARK_REQUIRE_IMAGES(im);
  auto r = bulwark({"image", "-q", "--no-cache", "oci:" + im.oci_layout.string() + ":no-such-tag"});
  expect_scan_error(r, {"no-such-tag"}, "unknown tag");
}

}  // namespace
}  // namespace bulwark::integration
