// A real engine: podman's Docker-compatible API service on a unix socket, with
// its own storage in a TempDir. The image is loaded from the docker-archive
// and scanned through the engine with --image-src engine.
#include <gtest/gtest.h>

#include "integration/harness.hpp"

namespace bulwark::integration {
namespace {

using testing::TempDir;

class Podman {
 public:
  explicit Podman(const fs::path& dir) : dir_(dir) {
    // Per TESTBED.md: runc (crun refuses the hybrid cgroup layout) and
    // default ulimits that need no CAP_SYS_RESOURCE.
    testing::write_file(dir / "containers.conf",
                        "[containers]\ndefault_ulimits=[\"nofile=20000:20000\",\"nproc=4096:4096\"]\n"
                        "[engine]\nruntime=\"runc\"\n");
    env_ = {{"CONTAINERS_CONF", (dir / "containers.conf").string()}};
  }
  ~Podman() {
    if (service_) service_->stop();  // by PID
    // Leave nothing mounted or registered behind in the private storage: podman
    // bind-mounts its overlay directory onto itself, which would stop TempDir
    // from removing the tree.
    podman({"system", "reset", "--force"});
    std::string mounts = testing::read_file("/proc/self/mounts");
    std::string overlay = (dir_ / "root" / "overlay").string();
    if (mounts.find(" " + overlay + " ") != std::string::npos) testing::run({"umount", "-l", overlay});
  }
  // podman with private storage; `with_timeout` wraps short commands in a watchdog.
  std::vector<std::string> argv(bool with_timeout) const {
    std::vector<std::string> a;
    if (with_timeout) a = {"timeout", "180"};
    a.insert(a.end(), {"podman", "--root", (dir_ / "root").string(), "--runroot", (dir_ / "run").string(),
                       "--storage-driver", "overlay"});
    return a;
  }
  testing::CommandResult podman(const std::vector<std::string>& args) const {
    std::vector<std::string> a = {"env", "CONTAINERS_CONF=" + (dir_ / "containers.conf").string()};
    auto p = argv(true);
    a.insert(a.end(), p.begin(), p.end());
    a.insert(a.end(), args.begin(), args.end());
    return testing::run(a);
  }
  fs::path socket() const { return dir_ / "podman.sock"; }
  bool start_service() {
    auto a = argv(false);
    a.insert(a.end(), {"system", "service", "--time=0", "unix://" + socket().string()});
    service_ = std::make_unique<Background>(a, env_, dir_ / "service.log");
    return wait_until([this] { return fs::exists(socket()) || !service_->running(); }, std::chrono::seconds(30)) &&
           service_->running();
  }
  std::string log() const { return testing::read_file(dir_ / "service.log"); }

 private:
  fs::path dir_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<Background> service_;
};

TEST(Engine, ScanImageThroughPodmanApi) {
  BULWARK_REQUIRE_IMAGES(im);
  BULWARK_REQUIRE_TOOL("podman");
  TempDir t;
  Podman pm(t.path());
  auto load = pm.podman({"load", "-q", "-i", im.docker_archive.string()});
  if (load.exit_code != 0) GTEST_SKIP() << "podman cannot load images here: " << load.err;
  auto tag = pm.podman({"tag", "docker.io/bulwark/test:1", "localhost/bulwark/test:1"});
  ASSERT_EQ(tag.exit_code, 0) << tag.err;
  if (!pm.start_service()) GTEST_SKIP() << "podman system service cannot run here:\n" << pm.log();

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
