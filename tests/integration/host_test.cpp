// bulwark host against a real engine: podman's Docker-compatible API service
// with private storage in a TempDir; containers with known-bad and known-good
// settings are created and started through that API (as a docker client
// would), then `bulwark host --engine-socket` must report each setting as
// podman applied it, the published port among the host's listening sockets,
// and --scan-containers must find the image's packages.
#include <gtest/gtest.h>

#include <algorithm>

#include "integration/harness.hpp"

namespace bulwark::integration {
namespace {

using testing::TempDir;

const json* container_named(const json& host, const std::string& name) {
  for (const auto& c : host["containers"])
    if (c["name"] == name) return &c;
  return nullptr;
}

TEST(Host, ContainersOfARealPodmanThroughItsApi) {
  BULWARK_REQUIRE_IMAGES(im);
  BULWARK_REQUIRE_TOOL("podman");
  BULWARK_REQUIRE_TOOL("curl");
  BULWARK_REQUIRE_TOOL("slirp4netns");
  TempDir t;
  PodmanService pm(t.path());
  auto load = pm.podman({"load", "-q", "-i", im.docker_archive.string()});
  if (load.exit_code != 0) GTEST_SKIP() << "podman cannot load images here: " << load.err;
  if (!pm.start()) GTEST_SKIP() << "podman system service cannot run here:\n" << pm.log();
  const std::string image = "docker.io/bulwark/test:1";
  const std::string sock = pm.socket().string();
  const int port = free_port();

  std::string why;
  // Everything CIS says not to do.
  std::string bad = pm.create(
      "bad",
      {{"Image", image},
       {"Cmd", {"sleep", "600"}},
       {"HostConfig",
        {{"Privileged", true},
         {"NetworkMode", "host"},
         {"PidMode", "host"},
         {"IpcMode", "host"},
         {"Binds", {sock + ":/var/run/docker.sock", "/etc:/host/etc:ro"}}}}},
      true, why);
  ASSERT_FALSE(bad.empty()) << why << "\n" << pm.log();
  // Everything it asks for, and a port published on loopback.
  std::string good = pm.create(
      "good",
      {{"Image", image},
       {"Cmd", {"sleep", "600"}},
       {"User", "1000"},
       {"ExposedPorts", {{"80/tcp", json::object()}}},
       {"Healthcheck", {{"Test", {"CMD", "true"}}, {"Interval", 30000000000LL}}},
       {"HostConfig",
        {{"ReadonlyRootfs", true},
         {"Memory", 268435456},
         {"NanoCpus", 500000000},
         {"PidsLimit", 100},
         {"CapDrop", {"ALL"}},
         {"SecurityOpt", {"no-new-privileges"}},
         {"RestartPolicy", {{"Name", "on-failure"}, {"MaximumRetryCount", 3}}},
         {"NetworkMode", "slirp4netns"},
         {"PortBindings", {{"80/tcp", {{{"HostIp", "127.0.0.1"}, {"HostPort", std::to_string(port)}}}}}}}}},
      true, why);
  ASSERT_FALSE(good.empty()) << why << "\n" << pm.log();
  // Created, never started.
  std::string idle = pm.create("idle", {{"Image", image}, {"Cmd", {"true"}}}, false, why);
  ASSERT_FALSE(idle.empty()) << why;

  TempDir cache;
  auto s = scan_json({"host", "-q", "--scanners", "none", "--skip-dirs", "*", "--engine-socket", sock,
                      "--scan-containers", "--cache-dir", cache.path().string()});
  ASSERT_FALSE(s.report.is_null()) << s.why;
  const json& host = s.report["inventory"]["host"];
  EXPECT_EQ(host["engine"].get<std::string>().rfind("podman ", 0), 0u) << host["engine"];
  EXPECT_EQ(host["engine_socket"], sock);
  ASSERT_EQ(host["containers"].size(), 3u) << host["containers"].dump(1);

  const json* b = container_named(host, "bad");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ((*b)["id"], bad);
  EXPECT_EQ((*b)["engine"], "podman");
  EXPECT_EQ((*b)["image"], image);
  EXPECT_EQ((*b)["image_id"].get<std::string>().rfind("sha256:", 0), 0u);
  EXPECT_EQ((*b)["image_digest"].get<std::string>().rfind("sha256:", 0), 0u) << (*b)["image_digest"];
  EXPECT_EQ((*b)["state"], "running");
  EXPECT_EQ((*b)["privileged"], true);
  EXPECT_EQ((*b)["network_mode"], "host");
  EXPECT_EQ((*b)["pid_mode"], "host");
  EXPECT_EQ((*b)["ipc_mode"], "host");
  EXPECT_EQ((*b)["seccomp_profile"], "unconfined");
  EXPECT_EQ((*b)["memory_limit"], 0);
  EXPECT_EQ((*b)["read_only_rootfs"], false);
  EXPECT_EQ((*b)["has_healthcheck"], false);
  bool socket_mount = false, etc_mount = false;
  for (const auto& m : (*b)["mounts"]) {
    if (m["destination"] == "/var/run/docker.sock") socket_mount = m["source"] == sock && m["read_write"] == true;
    if (m["destination"] == "/host/etc") etc_mount = m["source"] == "/etc" && m["read_write"] == false;
  }
  EXPECT_TRUE(socket_mount) << (*b)["mounts"].dump(1);
  EXPECT_TRUE(etc_mount) << (*b)["mounts"].dump(1);
  EXPECT_TRUE((*b)["inspect"].is_object());
  EXPECT_EQ((*b)["inspect"]["HostConfig"]["Privileged"], true);
  // Its main process is one of the host's processes, the sleep it runs.
  int pid = (*b).value("pid", 0);
  ASSERT_GT(pid, 0);
  bool seen = false;
  for (const auto& p : host["processes"])
    if (p["pid"] == pid) seen = p["name"] == "sleep";
  EXPECT_TRUE(seen) << "pid " << pid;

  const json* g = container_named(host, "good");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ((*g)["state"], "running");
  EXPECT_EQ((*g)["privileged"], false);
  EXPECT_EQ((*g)["user"], "1000");
  EXPECT_EQ((*g)["read_only_rootfs"], true);
  EXPECT_EQ((*g)["no_new_privileges"], true);
  EXPECT_EQ((*g)["seccomp_profile"], "default");
  EXPECT_EQ((*g)["memory_limit"], 268435456);
  EXPECT_EQ((*g)["nano_cpus"], 500000000);
  EXPECT_EQ((*g)["pids_limit"], 100);
  EXPECT_EQ((*g)["restart_policy"], "on-failure");
  EXPECT_EQ((*g)["restart_max_retries"], 3);
  EXPECT_EQ((*g)["has_healthcheck"], true);
  EXPECT_EQ((*g)["network_mode"], "slirp4netns");
  const auto drops = (*g).value("cap_drop", std::vector<std::string>{});
  EXPECT_NE(std::find(drops.begin(), drops.end(), "NET_RAW"), drops.end()) << (*g)["cap_drop"];
  EXPECT_TRUE((*g).value("cap_add", json::array()).empty());
  ASSERT_EQ((*g)["ports"].size(), 1u) << (*g)["ports"].dump();
  EXPECT_EQ((*g)["ports"][0]["host_ip"], "127.0.0.1");
  EXPECT_EQ((*g)["ports"][0]["host_port"], port);
  EXPECT_EQ((*g)["ports"][0]["container_port"], 80);
  EXPECT_EQ((*g)["ports"][0]["protocol"], "tcp");
  // The published port is one of the host's listening sockets, held by the
  // engine's port forwarder: the exposure view joins the two.
  bool listening = false;
  for (const auto& l : host["listening"])
    if (l["protocol"] == "tcp" && l["address"] == "127.0.0.1" && l["port"] == port)
      listening = !l.value("pids", json::array()).empty();
  EXPECT_TRUE(listening) << host["listening"].dump(1);

  const json* i = container_named(host, "idle");
  ASSERT_NE(i, nullptr);
  EXPECT_EQ((*i)["state"], "created");

  // --scan-containers: one image behind both running containers, its
  // packages those dpkg-query listed when the image was built.
  ASSERT_EQ(host["image_scans"].size(), 1u) << host["image_scans"].dump(1);
  const json& scan = host["image_scans"][0];
  EXPECT_EQ(scan.value("error", ""), "");
  auto names = scan["containers"].get<std::vector<std::string>>();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"bad", "good"}));
  json as_report = {{"inventory", {{"packages", scan["packages"]}}}};
  EXPECT_EQ(diff(read_expected(im.expected("test")), packages_of(as_report)), "");
  EXPECT_EQ(scan["os"]["family"], "debian");

  // The table names the containers and what is wrong with the bad one.
  auto table = bulwark({"host", "-q", "--scanners", "none", "--skip-dirs", "*", "--engine-socket", sock});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("Containers: 3"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("privileged, host net, host pid, host ipc"), std::string::npos) << table.out;
}

}  // namespace
}  // namespace bulwark::integration
