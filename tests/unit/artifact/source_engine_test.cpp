// open_engine against a real podman API service on a unix socket (its own
// storage in a TempDir), with an image loaded from a docker-archive.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>

#include "artifact/artifact.hpp"
#include "artifact/streams.hpp"
#include "testing/testing.hpp"

namespace bulwark::artifact {
namespace {

using bulwark::testing::fixture;
using bulwark::testing::read_file;
using bulwark::testing::sh;
using bulwark::testing::TempDir;
using bulwark::testing::write_file;
namespace fs = std::filesystem;

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

bool socket_ready(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// podman with private storage and its API service, stopped by PID.
class Podman {
 public:
  Podman() {
    write_file(dir_ / "containers.conf",
               "[containers]\ndefault_ulimits=[\"nofile=20000:20000\",\"nproc=4096:4096\"]\n[engine]\nruntime=\"runc\"\n");
    podman_ = "CONTAINERS_CONF=" + q(dir_ / "containers.conf") + " podman --root " + q(dir_ / "root") +
              " --runroot " + q(dir_ / "run") + " --storage-driver vfs";
    socket_ = dir_ / "podman.sock";
    auto r = sh(podman_ + " system service --time=0 unix://" + socket_.string() + " > " + q(dir_ / "service.log") +
                " 2>&1 < /dev/null & echo $!");
    pid_ = std::atoi(r.out.c_str());
    for (int i = 0; i < 100 && !socket_ready(socket_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (!socket_ready(socket_)) why_ = "podman system service did not start: " + read_file(dir_ / "service.log");
  }
  ~Podman() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      for (int i = 0; i < 50 && ::kill(pid_, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (::kill(pid_, 0) == 0) ::kill(pid_, SIGKILL);
    }
  }
  const std::string& why_not() const { return why_; }
  std::string cli() const { return podman_; }
  const fs::path& socket() const { return socket_; }

 private:
  TempDir dir_;
  std::string podman_;
  fs::path socket_;
  int pid_ = -1;
  std::string why_;
};

TEST(SourceEngine, PodmanLoadedImage) {
  BULWARK_REQUIRE_TOOL("podman");
  BULWARK_REQUIRE_TOOL("umoci");
  BULWARK_REQUIRE_TOOL("skopeo");
  TempDir images;
  auto made = sh(fixture("registry/make-images.sh").string() + " " + images.path().string() + " 2>&1");
  ASSERT_EQ(made.exit_code, 0) << made.out;
  Podman podman;
  if (!podman.why_not().empty()) GTEST_SKIP() << podman.why_not();
  auto loaded = sh(podman.cli() + " load -i " + q(images / "x.tar") + " 2>&1");
  if (loaded.exit_code != 0) GTEST_SKIP() << "podman load failed here: " << loaded.out;

  TempDir cache;
  Options o;
  o.cache_dir = cache.path().string();
  o.engine_socket = "unix://" + podman.socket().string();
  auto src = open_engine("docker.io/test/img:1", o);
  ASSERT_TRUE(src.ok()) << src.error().describe();
  const Artifact& a = (*src)->artifact();
  EXPECT_EQ(a.repo_tags, std::vector<std::string>{"docker.io/test/img:1"});
  ASSERT_EQ(a.repo_digests.size(), 1u);
  EXPECT_TRUE(starts_with(a.repo_digests[0], "docker.io/test/img@sha256:"));
  EXPECT_EQ(a.config.user, "1000");
  ASSERT_EQ(a.layers.size(), 2u);
  EXPECT_EQ((*src)->describe(), "engine docker.io/test/img:1");
  // The same diffIDs as the archive that was loaded.
  auto archive = open_docker_archive((images / "x.tar").string(), Options{});
  ASSERT_TRUE(archive.ok());
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(a.layers[i].diff_id, (*archive)->artifact().layers[i].diff_id);
    auto s = (*src)->open_layer(i);
    ASSERT_TRUE(s.ok()) << s.error().describe();
    auto data = read_stream(**s, 1 << 30, "layer");
    ASSERT_TRUE(data.ok());
    EXPECT_EQ("sha256:" + sha256_hex(*data), a.layers[i].diff_id);  // exported uncompressed
  }
  EXPECT_FALSE(fs::is_empty(cache / "engine"));
  src->reset();
  EXPECT_TRUE(fs::is_empty(cache / "engine")) << "the export is removed with the source";

  // Short names resolve the way the engine resolves them.
  auto short_name = open_engine("test/img:1", o);
  EXPECT_TRUE(short_name.ok()) << short_name.error().describe();

  auto absent = open_engine("docker.io/test/absent:1", o);
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.error().code, ErrorCode::kNotFound);
  EXPECT_NE(absent.error().message.find("not in the engine"), std::string::npos) << absent.error().describe();

  auto bad = open_engine("x/../../containers/json?", o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);

  // open_image falls through archive to the engine.
  o.image_sources = {"archive", "engine"};
  auto via = open_image("docker.io/test/img:1", o);
  ASSERT_TRUE(via.ok()) << via.error().describe();
}

TEST(SourceEngine, NoSocketIsDistinctNotFound) {
  TempDir t;
  Options o;
  o.engine_socket = (t / "missing.sock").string();
  auto r = open_engine("debian:12", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_NE(r.error().message.find("no engine socket"), std::string::npos);
  // All sources failing: one error naming each.
  o.image_sources = {"archive", "engine"};
  auto all = open_image("debian:12", o);
  ASSERT_FALSE(all.ok());
  EXPECT_EQ(all.error().code, ErrorCode::kNotFound);
  EXPECT_NE(all.error().message.find("archive: "), std::string::npos);
  EXPECT_NE(all.error().message.find("engine: no engine socket"), std::string::npos) << all.error().message;
}

}  // namespace
}  // namespace bulwark::artifact
