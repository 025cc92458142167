// A real engine: podman's Docker-compatible API service on a unix socket, with
// its own storage in a TempDir. The image is loaded from the docker-archive
// and scanned through the engine with --image-src engine.
#include <gtest/gtest.h>

#include "integration/harness.hpp"

namespace bulwark::integration {
namespace {

using testing::TempDir;

TEST(Engine, ScanImageThroughPodmanApi) {
  BULWARK_REQUIRE_IMAGES(im);
  BULWARK_REQUIRE_TOOL("podman");
  TempDir t;
  PodmanService pm(t.path());
  auto load = pm.podman({"load", "-q", "-i", im.docker_archive.string()});
  if (load.exit_code != 0) GTEST_SKIP() << "podman cannot load images here: " << load.err;
  auto tag = pm.podman({"tag", "docker.io/bulwark/test:1", "localhost/bulwark/test:1"});
  ASSERT_EQ(tag.exit_code, 0) << tag.err;
  if (!pm.start()) GTEST_SKIP() << "podman system service cannot run here:\n" << pm.log();

  TempDir cache;
  auto s = scan_json({"image", "-q", "--image-src", "engine", "--engine-socket", pm.socket().string(),
                      "--cache-dir", cache.path().string(), "localhost/bulwark/test:1"});
  ASSERT_FALSE(s.report.is_null()) << s.why;
  EXPECT_EQ(diff(read_expected(im.expected("test")), packages_of(s.report)), "");
  const json& art = s.report["target"]["artifact"];
  EXPECT_EQ(art.value("layers", json::array()).size(), 3u) << art.dump(2);
  EXPECT_EQ(art.value("config", json::object()).value("user", ""), "1000:1000");
  EXPECT_EQ(s.report["inventory"].value("os", json::object()).value("family", ""), "debian");

  // An image the engine does not have: exit 3, the name in the message.
  auto r = bulwark({"image", "-q", "--no-cache", "--image-src", "engine", "--engine-socket",
                    pm.socket().string(), "localhost/bulwark/absent:1"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(mentions(r.err, "bulwark/absent")) << r.err;
}

// No engine behind the socket path: exit 3, the socket named.
TEST(Engine, MissingSocketIsAScanError) {
  TempDir t;
  std::string sock = (t / "no.sock").string();
  auto r = bulwark({"image", "-q", "--no-cache", "--image-src", "engine", "--engine-socket", sock,
                    "localhost/bulwark/test:1"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_TRUE(mentions(r.err, sock)) << r.err;
}

}  // namespace
}  // namespace bulwark::integration
