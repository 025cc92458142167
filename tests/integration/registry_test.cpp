// A real registry (CNCF distribution) on a loopback port: push the test image
// with skopeo, scan it over the v2 API, then corrupt a blob in the registry's
// storage and check that the scan fails naming it.
#include <gtest/gtest.h>

#include "core/core.hpp"
#include "integration/harness.hpp"

namespace bulwark::integration {
namespace {

using testing::TempDir;

class Registry {
 public:
  explicit Registry(const fs::path& dir) : dir_(dir) {
    port_ = free_port();
    testing::write_file(dir / "config.yml",
                        "version: 0.1\n"
                        "log:\n  level: info\n"
                        "storage:\n  filesystem:\n    rootdirectory: " + (dir / "storage").string() + "\n"
                        "  delete:\n    enabled: true\n"
                        "http:\n  addr: 127.0.0.1:" + std::to_string(port_) + "\n");
    proc_ = std::make_unique<Background>(std::vector<std::string>{"docker-registry", "serve",
                                                                  (dir / "config.yml").string()},
                                         std::map<std::string, std::string>{}, dir / "registry.log");
    up_ = wait_until([this] { return port_open(port_) || !proc_->running(); }, std::chrono::seconds(20)) &&
          proc_->running();
  }
  ~Registry() { proc_->stop(); }  // by PID, whatever happened in the test
  bool up() const { return up_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string log() const { return testing::read_file(dir_ / "registry.log"); }
  // The registry's file holding a blob (filesystem storage driver layout).
  fs::path blob_file(const std::string& digest) const {
    std::string hex = hex_of(digest);
    return dir_ / "storage/docker/registry/v2/blobs/sha256" / hex.substr(0, 2) / hex / "data";
  }

 private:
  fs::path dir_;
  int port_ = 0;
  bool up_ = false;
  std::unique_ptr<Background> proc_;
};

testing::CommandResult push(const std::string& src, const std::string& dest, const std::string& format = {}) {
  std::vector<std::string> argv = {"timeout", "120", "skopeo", "copy", "-q", "--dest-tls-verify=false"};
  if (!format.empty()) argv.insert(argv.end(), {"--format", format});
  argv.insert(argv.end(), {src, dest});
  return testing::run(argv);
}

TEST(Registry, ScanPushedImageThenCorruptBlob) {
  BULWARK_REQUIRE_IMAGES(im);
  BULWARK_REQUIRE_TOOL("docker-registry");
  BULWARK_REQUIRE_TOOL("skopeo");
  TempDir t;
  Registry reg(t.path());
  ASSERT_TRUE(reg.up()) << "docker-registry did not start:\n" << reg.log();

  // Tag 1: the OCI manifest as built; tag 2: converted to Docker schema 2.
  std::string repo = reg.host() + "/bulwark/test";
  auto p1 = push("oci:" + im.oci_layout.string() + ":test", "docker://" + repo + ":1");
  ASSERT_EQ(p1.exit_code, 0) << p1.err;
  auto p2 = push("oci:" + im.oci_layout.string() + ":test", "docker://" + repo + ":2", "v2s2");
  ASSERT_EQ(p2.exit_code, 0) << p2.err;

  PkgSet want = read_expected(im.expected("test"));
  for (std::string tag : {"1", "2"}) {
    TempDir cache;
    auto s = scan_json({"image", "-q", "--insecure", "--cache-dir", cache.path().string(), repo + ":" + tag});
    ASSERT_FALSE(s.report.is_null()) << s.why;
    EXPECT_EQ(diff(want, packages_of(s.report)), "") << "registry tag " << tag;
    EXPECT_EQ(s.report["target"]["artifact"].value("layers", json::array()).size(), 3u);
    EXPECT_EQ(s.report["target"].value("digest", "").rfind("sha256:", 0), 0u) << s.report["target"].dump(2);
    const json& os = s.report["inventory"].value("os", json::object());
    EXPECT_EQ(os.value("family", ""), "debian");
  }

  // By digest as well.
  auto inspect = testing::run({"skopeo", "inspect", "--tls-verify=false", "docker://" + repo + ":1"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  std::string digest = json::parse(inspect.out)["Digest"];
  {
    TempDir cache;
    auto s = scan_json({"image", "-q", "--insecure", "--cache-dir", cache.path().string(), repo + "@" + digest});
    ASSERT_FALSE(s.report.is_null()) << s.why;
    EXPECT_EQ(diff(want, packages_of(s.report)), "") << "by digest " << digest;
    EXPECT_EQ(s.report["target"].value("digest", ""), digest);
  }

  // Corrupt layer 2's blob in storage: its gzip header MTIME, which leaves the
  // stream decompressible, so only the blob digest can notice.
  std::string layer = oci_manifest(im.oci_layout, "test")["layers"][1]["digest"];
  fs::path data = reg.blob_file(layer);
  ASSERT_TRUE(fs::exists(data)) << data;
  flip_bytes(data, 4, 4);
  TempDir cache;
  auto r = bulwark({"image", "-q", "--insecure", "--no-cache", "--cache-dir", cache.path().string(), repo + ":1"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(mentions(r.err, hex_of(layer).substr(0, 12))) << "stderr does not name " << layer << ":\n" << r.err;
  EXPECT_TRUE(mentions(r.err, "digest")) << r.err;
  EXPECT_EQ(r.out, "");

  // Bytes flipped in the middle of the blob: still exit 3, the layer named.
  flip_bytes(data, 4, 4);  // undo
  flip_bytes(data, fs::file_size(data) / 2, 16);
  auto r2 = bulwark({"image", "-q", "--insecure", "--no-cache", "--cache-dir", cache.path().string(), repo + ":1"});
  EXPECT_EQ(r2.exit_code, 3) << r2.err;
  json m = oci_manifest(im.oci_layout, "test");
  std::string diff_id = json::parse(testing::read_file(im.oci_layout / "blobs" / "sha256" /
                                                       hex_of(m["config"]["digest"])))["rootfs"]["diff_ids"][1];
  EXPECT_TRUE(mentions(r2.err, hex_of(layer).substr(0, 12)) || mentions(r2.err, hex_of(diff_id).substr(0, 12)))
      << "stderr names neither " << layer << " nor " << diff_id << ":\n" << r2.err;
}

// Nothing listening: a network error (exit 3) naming the registry, quickly.
TEST(Registry, UnreachableRegistryIsAScanError) {
  int port = free_port();
  std::string ref = "127.0.0.1:" + std::to_string(port) + "/bulwark/test:1";
  auto r = bulwark({"image", "-q", "--insecure", "--no-cache", "--image-src", "registry", "--timeout", "60s", ref},
                   90);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(mentions(r.err, "127.0.0.1:" + std::to_string(port))) << r.err;
}

// A tag the registry does not have.
TEST(Registry, UnknownTagIsNamed) {
  BULWARK_REQUIRE_TOOL("docker-registry");
  TempDir t;
  Registry reg(t.path());
  ASSERT_TRUE(reg.up()) << reg.log();
  auto r = bulwark({"image", "-q", "--insecure", "--no-cache", "--image-src", "registry",
                    reg.host() + "/bulwark/none:nope"}, 90);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(mentions(r.err, "bulwark/none")) << r.err;
}


// `config --fix` pins an unpinned base image to what the registry serves: the
// digest of its manifest and the most specific version tag naming the same
// manifest ("1.2.3" over "1.2" and "1"; "2.0.0" names another image).
TEST(Registry, FixPinsBaseImagesToTheRegistrysDigestAndVersionTag) {
  BULWARK_REQUIRE_IMAGES(im);
  BULWARK_REQUIRE_TOOL("docker-registry");
  BULWARK_REQUIRE_TOOL("skopeo");
  TempDir t;
  Registry reg(t.path());
  ASSERT_TRUE(reg.up()) << reg.log();
  std::string repo = reg.host() + "/bulwark/base";
  for (std::string tag : {"latest", "1", "1.2", "1.2.3"}) {
    auto p = push("oci:" + im.oci_layout.string() + ":test", "docker://" + repo + ":" + tag);
    ASSERT_EQ(p.exit_code, 0) << p.err;
  }
  // Another image under a newer version: same repository, different manifest.
  auto other = push("oci:" + im.oci_layout.string() + ":test", "docker://" + repo + ":2.0.0", "v2s2");
  ASSERT_EQ(other.exit_code, 0) << other.err;
  auto inspect = testing::run({"skopeo", "inspect", "--tls-verify=false", "--raw", "docker://" + repo + ":1.2.3"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  std::string digest = "sha256:" + sha256_hex(inspect.out);

  TempDir work;
  testing::write_file(work / "Dockerfile",
                      "FROM " + repo + ":1 AS base\nRUN true\n"
                      "FROM " + repo + "\nRUN useradd -m app\nCMD [\"sh\"]\n");
  auto dry = bulwark({"config", "-q", "--insecure", "--fix-dry-run", (work / "Dockerfile").string()}, 120);
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("+FROM " + repo + ":1.2.3@" + digest + "\n"), std::string::npos) << dry.out << dry.err;
  EXPECT_NE(dry.out.find("+USER app\n"), std::string::npos) << dry.out;
  // Tag "1" is pinned already as far as BW-DF-002 goes: left alone.
  EXPECT_EQ(dry.out.find(" AS base"), dry.out.rfind(" AS base")) << dry.out;
  EXPECT_EQ(dry.out.find("+FROM " + repo + ":1 AS base"), std::string::npos) << dry.out;

  auto fix = bulwark({"config", "-q", "--insecure", "--fix", (work / "Dockerfile").string()}, 120);
  EXPECT_EQ(fix.exit_code, 0) << fix.err;
  auto after = bulwark({"config", "-q", "-f", "json", (work / "Dockerfile").string()}, 120);
  ASSERT_EQ(after.exit_code, 0) << after.err;
  json report = json::parse(after.out);
  for (const auto& f : report["findings"]) {
    EXPECT_NE(f.value("id", ""), "BW-DF-001");
    EXPECT_NE(f.value("id", ""), "BW-DF-002");
  }

  // A registry that is not there: the finding stays, and the warning says why.
  TempDir work2;
  int port = free_port();
  testing::write_file(work2 / "Dockerfile", "FROM 127.0.0.1:" + std::to_string(port) + "/x/y\nCMD [\"sh\"]\n");
  auto gone = bulwark({"config", "--insecure", "--fix-dry-run", (work2 / "Dockerfile").string()}, 120);
  EXPECT_EQ(gone.exit_code, 0) << gone.err;
  EXPECT_EQ(gone.out.find("+FROM"), std::string::npos) << gone.out;
  EXPECT_TRUE(mentions(gone.err, "BW-DF-002 not fixed: cannot resolve 127.0.0.1:" + std::to_string(port)))
      << gone.err;
}

}  // namespace
}  // namespace bulwark::integration
