// The host section of the JSON report reads back into the same model (what
// `bulwark convert` and the compliance checks of a saved report rely on).
#include <gtest/gtest.h>

#include "core/json.hpp"
#include "host/host.hpp"

namespace bulwark::host {
namespace {

TEST(HostJson, HostSectionRoundTrips) {
  HostInfo h;
  h.hostname = "node-1";
  h.kernel = {"6.1.0-18-amd64", "#1 SMP Debian 6.1.76-1 (2024-02-01)", "x86_64", "linux-image-6.1.0-18-amd64",
              "6.1.76-1", "linux"};
  h.modules = {{"overlay", 151552, 12, "Live"}};
  h.listening = {{"tcp6", "::", 443, 0, 6001, {812, 813}, "nginx"}};
  h.processes = {{812, 1, 33, "nginx", "/usr/sbin/nginx", {"nginx: master process"}}};
  h.engine = "podman 4.3.1";
  h.engine_socket = "/run/podman/podman.sock";
  ContainerInfo c;
  c.engine = "podman";
  c.id = "abc";
  c.name = "web";
  c.image = "nginx:1.25";
  c.state = "running";
  c.privileged = true;
  c.cap_add = {"NET_ADMIN"};
  c.network_mode = "host";
  c.mounts = {{"bind", "/etc", "/host/etc", false, "rprivate"}};
  c.ports = {{"127.0.0.1", 8080, 80, "tcp"}};
  c.memory_limit = 268435456;
  c.pids_limit = -1;
  c.has_healthcheck = true;
  c.pid = 4242;
  c.inspect_json = R"({"HostConfig":{"Privileged":true},"Id":"abc"})";  // compact, keys sorted: dump() gives it back
  h.containers = {c};
  HostImageScan s;
  s.image = "nginx:1.25";
  s.containers = {"web"};
  s.findings = 3;
  Package p;
  p.ecosystem = "deb";
  p.name = "bash";
  p.version = "5.2.15-2+b2";
  p.running_kernel = true;
  s.packages = {p};
  h.image_scans = {s};

  Inventory inv;
  inv.host = h;
  inv.packages = {p};
  json j = inv;
  EXPECT_TRUE(j["host"]["containers"][0]["inspect"].is_object());
  EXPECT_EQ(j["packages"][0]["running_kernel"], true);
  Inventory back = j.get<Inventory>();
  ASSERT_TRUE(back.host.has_value());
  EXPECT_EQ(*back.host, h);
  EXPECT_EQ(back.packages, inv.packages);
}

}  // namespace
}  // namespace bulwark::host
