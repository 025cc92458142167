// CIS Docker Benchmark over fake host roots: a well-configured host and a
// badly configured one (daemon.json, dockerd flags, file ownership and modes,
// mounts, audit rules), a malformed daemon.json, a host without Docker, and
// containers as the engine describes them.
#include <gtest/gtest.h>

#include "compliance_testing.hpp"

namespace bulwark::compliance {
namespace {

using testing::FakeRoot;
using testing::process;
using testing::Results;
using S = ComplianceStatus;

const Spec& docker_spec() {
  const Spec* s = find_builtin_spec("docker-cis-1.6.0");
  EXPECT_NE(s, nullptr);
  return *s;
}

void good_host(FakeRoot& r) {
  r.write("etc/group", "root:x:0:\ndocker:x:999:\n");
  r.mkdir("etc/docker", 0755);
  r.write("etc/docker/daemon.json", R"({
  "icc": false,
  "log-level": "info",
  "userns-remap": "default",
  "live-restore": true,
  "userland-proxy": false,
  "no-new-privileges": true,
  "authorization-plugins": ["authz-broker"],
  "log-driver": "syslog",
  "storage-driver": "overlay2",
  "tlsverify": true,
  "tlscacert": "/etc/docker/tls/ca.pem",
  "tlscert": "/etc/docker/tls/server.pem",
  "tlskey": "/etc/docker/tls/server-key.pem"
}
)",
          0644);
  r.write("etc/docker/tls/ca.pem", "ca", 0444);
  r.write("etc/docker/tls/server.pem", "cert", 0444);
  r.write("etc/docker/tls/server-key.pem", "key", 0400);
  r.write("etc/docker/certs.d/registry.local:5000/ca.crt", "ca", 0444);
  r.write("usr/lib/systemd/system/docker.service", "[Service]\n", 0644);
  r.write("usr/lib/systemd/system/docker.socket", "[Socket]\n", 0644);
  r.write("usr/bin/dockerd", "", 0755);
  // var/run -> /run: an absolute link that must resolve inside the root.
  r.symlink("var/run", "/run");
  r.socket("run/docker.sock", 0660, 0, 999);
  // The data root's partition is in etc/fstab (and not mounted in this tree).
  r.write("proc/mounts", "/dev/sda1 / ext4 rw,relatime 0 0\n");
  r.write("etc/fstab", "# static file systems\n/dev/sda1 / ext4 defaults 0 1\n/dev/sdb1 /var/lib/docker ext4 defaults 0 2\n");
  r.write("etc/audit/rules.d/docker.rules",
          "# docker\n-w /usr/bin/dockerd -k docker\n-w /var/lib/docker -k docker\n-w /etc/docker -k docker\n"
          "-w /usr/lib/systemd/system/docker.service -k docker\n-w /usr/lib/systemd/system/docker.socket -k docker\n"
          "-w /etc/docker/daemon.json -k docker\n");
}

void bad_host(FakeRoot& r) {
  r.mkdir("etc/docker", 0777, 1000, 1000);
  r.write("etc/docker/daemon.json", R"({
  "icc": true,
  "insecure-registries": ["registry.local:5000"],
  "storage-driver": "aufs",
  "log-level": "debug",
  "iptables": false,
  "experimental": true,
  "cgroup-parent": "/custom",
  "storage-opts": ["dm.basesize=20G"],
  "log-driver": "json-file"
}
)",
          0666, 1000, 1000);
  r.write("etc/docker/certs.d/registry.local:5000/ca.crt", "ca", 0644, 1000, 1000);
  r.write("usr/lib/systemd/system/docker.service", "[Service]\n", 0664, 1000, 0);
  r.write("usr/bin/dockerd", "", 0755);
  r.mkdir("var/lib/docker", 0710);
  r.symlink("var/run", "/run");
  r.socket("run/docker.sock", 0666, 0, 0);
  r.write("proc/mounts", "/dev/sda1 / ext4 rw,relatime 0 0\n");
}

FactsInput input_for(const FakeRoot& r, std::vector<std::string> dockerd_args) {
  FactsInput in;
  in.root = r.path();
  HostInfo h;
  h.processes.push_back(process(1, "init", {"/sbin/init"}, 0));
  if (!dockerd_args.empty()) h.processes.push_back(process(300, "dockerd", std::move(dockerd_args)));
  in.host = h;
  return in;
}

TEST(DockerCis, WellConfiguredHostPasses) {
  FakeRoot r;
  good_host(r);
  auto res = testing::run_spec(docker_spec(), input_for(r, {"/usr/bin/dockerd", "-H", "fd://", "-H", "tcp://127.0.0.1:2376",
                                                           "--containerd=/run/containerd/containerd.sock"}));
  for (const char* id : {"1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "1.1.6", "1.1.7", "1.1.9", "1.1.10", "1.1.11", "2.2",
                         "2.3", "2.4", "2.5", "2.6", "2.7", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14", "2.15", "2.16",
                         "2.18", "3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12",
                         "3.13", "3.14", "3.15", "3.16", "3.17", "3.18", "3.19", "3.20", "3.21", "3.22", "3.23", "3.24"})
    EXPECT_EQ(res.status(id), S::kPass) << testing::describe(res[id]);
  for (const char* id : {"1.2.1", "2.1", "2.8", "2.17", "4.2", "5.9", "6.1", "7.1"})
    EXPECT_EQ(res.status(id), S::kManual) << id;

  // Evidence names the file and line a setting came from, or the default.
  const auto& icc = res["2.2"].items.at(0);
  ASSERT_FALSE(icc.evidence.empty());
  EXPECT_NE(icc.evidence[0].source.find("etc/docker/daemon.json"), std::string::npos) << testing::describe(res["2.2"]);
  EXPECT_EQ(icc.evidence[0].line, 2);
  EXPECT_EQ(icc.evidence[0].field, "icc");
  EXPECT_EQ(icc.evidence[0].value, "false");
  // 2.7: the TCP socket comes from the command line.
  EXPECT_EQ(res["2.7"].items.at(0).status, S::kPass);
  // 3.15: the socket resolved through var/run -> /run inside the root.
  const auto& sock = res["3.15"].items.at(0).evidence.at(0);
  EXPECT_EQ(sock.source, "var/run/docker.sock");
  EXPECT_NE(sock.value.find("0660 root:docker socket"), std::string::npos) << sock.value;
  EXPECT_NE(sock.value.find("run/docker.sock"), std::string::npos) << sock.value;
  // 1.1.1: the partition, from etc/fstab line 3.
  const auto& mount = res["1.1.1"].items.at(0).evidence.at(0);
  EXPECT_EQ(mount.source, "etc/fstab");
  EXPECT_EQ(mount.line, 3);
  // 1.1.3: the audit rule and where it is.
  const auto& rule = res["1.1.3"].items.at(0).evidence.at(0);
  EXPECT_EQ(rule.source, "etc/audit/rules.d/docker.rules");
  EXPECT_EQ(rule.line, 2);
  EXPECT_EQ(res.report.total.fail, 0) << res.report.total.fail;
  EXPECT_TRUE(findings_of(res.report).empty());
}

TEST(DockerCis, BadlyConfiguredHostFails) {
  FakeRoot r;
  bad_host(r);
  auto res = testing::run_spec(docker_spec(), input_for(r, {"dockerd", "--userland-proxy=true", "-H", "tcp://0.0.0.0:2375"}));
  for (const char* id : {"1.1.1", "1.1.3", "1.1.5", "1.1.6", "1.1.7", "1.1.11", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7",
                         "2.9", "2.12", "2.13", "2.14", "2.15", "2.16", "2.18", "3.1", "3.2", "3.5", "3.6", "3.7", "3.8",
                         "3.15", "3.16", "3.17", "3.18"})
    EXPECT_EQ(res.status(id), S::kFail) << testing::describe(res[id]);
  for (const char* id : {"1.1.2", "2.10", "2.11"}) EXPECT_EQ(res.status(id), S::kWarn) << testing::describe(res[id]);
  // Files that are not there: nothing to protect.
  for (const char* id : {"3.3", "3.4", "3.9", "3.14", "3.19"}) EXPECT_EQ(res.status(id), S::kPass) << testing::describe(res[id]);

  EXPECT_NE(res["1.1.2"].message.find("alice, bob"), std::string::npos) << res["1.1.2"].message;
  EXPECT_NE(res["3.6"].message.find("0777"), std::string::npos) << res["3.6"].message;
  EXPECT_NE(res["3.17"].message.find("alice:alice"), std::string::npos) << res["3.17"].message;
  EXPECT_NE(res["2.5"].message.find("registry.local:5000"), std::string::npos) << res["2.5"].message;
  // A flag is evidence from the process's command line.
  const auto& proxy = res["2.16"].items.at(0).evidence.at(0);
  EXPECT_EQ(proxy.source, "proc/300/cmdline (dockerd)");
  EXPECT_EQ(proxy.field, "userland-proxy");
  EXPECT_EQ(proxy.value, "true");
  // A default is evidence too.
  const auto& nnp = res["2.14"].items.at(0).evidence.at(0);
  EXPECT_EQ(nnp.source, "dockerd default");

  // Failing controls become findings with the CIS reference.
  auto findings = findings_of(res.report);
  auto it = std::find_if(findings.begin(), findings.end(), [](const Finding& f) { return f.id == "docker-cis-1.6.0/2.2"; });
  ASSERT_NE(it, findings.end());
  EXPECT_EQ(it->kind, FindingKind::kCompliance);
  EXPECT_EQ(it->location.path, "etc/docker/daemon.json");
  EXPECT_EQ(it->location.line, 2);
  ASSERT_EQ(it->frameworks.size(), 1u);
  EXPECT_EQ(it->frameworks[0].framework, "cis-docker-1.6.0");
  EXPECT_EQ(it->frameworks[0].id, "2.2");
  EXPECT_EQ(it->severity, Severity::kMedium);

  // Section scores: section 2 has failures; the total excludes manual controls.
  const ComplianceSection* s2 = nullptr;
  for (const auto& s : res.report.sections)
    if (s.id == "2") s2 = &s;
  ASSERT_NE(s2, nullptr);
  EXPECT_GE(s2->counts.fail, 13);
  EXPECT_EQ(s2->counts.manual, 3);
  ASSERT_TRUE(res.report.total.percent());
  EXPECT_LT(*res.report.total.percent(), 50.0);
}

// The data root on a file system of its own passes; the same file system
// mounted there again (dockerd bind-mounts its data root) does not.
TEST(DockerCis, SeparatePartitionForTheDataRoot) {
  FakeRoot r;
  bad_host(r);
  r.write("proc/mounts", "/dev/sda1 / ext4 rw 0 0\n/dev/sda1 /var/lib/docker ext4 rw 0 0\n");
  auto bind = testing::run_spec(docker_spec(), input_for(r, {"dockerd"}));
  EXPECT_EQ(bind.status("1.1.1"), S::kFail) << testing::describe(bind["1.1.1"]);
  EXPECT_NE(bind["1.1.1"].message.find("bind mount"), std::string::npos) << bind["1.1.1"].message;

  std::string dir = (r.path() / "var/lib/docker").string();
  auto mounted = ::bulwark::testing::run({"mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir});
  if (mounted.exit_code != 0) GTEST_SKIP() << "cannot mount a tmpfs here: " << mounted.err;
  auto own = testing::run_spec(docker_spec(), input_for(r, {"dockerd"}));
  ::bulwark::testing::run({"umount", dir});
  EXPECT_EQ(own.status("1.1.1"), S::kPass) << testing::describe(own["1.1.1"]);
  EXPECT_EQ(own["1.1.1"].items.at(0).evidence.at(0).source, "var/lib/docker");

  // In etc/fstab but not mounted: a warning.
  r.write("etc/fstab", "/dev/sdb1 /var/lib/docker ext4 defaults 0 2\n");
  auto unmounted = testing::run_spec(docker_spec(), input_for(r, {"dockerd"}));
  EXPECT_EQ(unmounted.status("1.1.1"), S::kWarn) << testing::describe(unmounted["1.1.1"]);
}

TEST(DockerCis, MalformedDaemonJsonIsAnErrorNotAPass) {
  FakeRoot r;
  good_host(r);
  r.write("etc/docker/daemon.json", "{\n  \"icc\": false,\n  \"live-restore\": true,\n}\n", 0644);
  auto res = testing::run_spec(docker_spec(), input_for(r, {"dockerd"}));
  for (const char* id : {"1.1.1", "2.2", "2.3", "2.4", "2.5", "2.7", "2.9", "2.14", "2.15", "2.16", "3.9", "3.15", "3.23"}) {
    EXPECT_EQ(res.status(id), S::kError) << testing::describe(res[id]);
    EXPECT_NE(res[id].message.find("etc/docker/daemon.json"), std::string::npos) << testing::describe(res[id]);
  }
  EXPECT_NE(res["2.2"].message.find("line 4"), std::string::npos) << res["2.2"].message;
  // Controls that do not read the configuration still work.
  EXPECT_EQ(res.status("3.17"), S::kPass);
  EXPECT_EQ(res.status("1.1.3"), S::kPass);
  // And the problem is a diagnostic naming the file.
  bool named = std::any_of(res.diags.begin(), res.diags.end(),
                           [](const Diagnostic& d) { return d.location.path == "etc/docker/daemon.json"; });
  EXPECT_TRUE(named);

  // Not an object, and a file that cannot be read (a symbolic link loop).
  r.write("etc/docker/daemon.json", "[1, 2]\n", 0644);
  auto arr = testing::run_spec(docker_spec(), input_for(r, {"dockerd"}));
  EXPECT_EQ(arr.status("2.2"), S::kError) << testing::describe(arr["2.2"]);
  std::filesystem::remove(r.path() / "etc/docker/daemon.json");
  r.symlink("etc/docker/daemon.json", "loop-a");
  r.symlink("etc/docker/loop-a", "daemon.json");
  auto loop = testing::run_spec(docker_spec(), input_for(r, {"dockerd"}));
  EXPECT_EQ(loop.status("2.2"), S::kError) << testing::describe(loop["2.2"]);
  EXPECT_EQ(loop.status("3.17"), S::kError) << testing::describe(loop["3.17"]);
  EXPECT_EQ(loop.status("3.18"), S::kError) << testing::describe(loop["3.18"]);
}

TEST(DockerCis, NoDockerNoEngineIsAnError) {
  FakeRoot r;
  FactsInput in;
  in.root = r.path();
  in.host = HostInfo{};
  in.engine.error = "no container engine socket under /x";
  auto res = testing::run_spec(docker_spec(), in);
  for (const char* id : {"1.1.1", "1.1.3", "2.2", "2.7", "3.1", "3.17", "5.1"})
    EXPECT_EQ(res.status(id), S::kError) << testing::describe(res[id]);
  EXPECT_NE(res["2.2"].message.find("no Docker daemon"), std::string::npos) << res["2.2"].message;
  for (const char* id : {"4.1", "5.5", "5.10", "5.32"}) {
    EXPECT_EQ(res.status(id), S::kError) << testing::describe(res[id]);
    EXPECT_NE(res[id].message.find("no container engine socket"), std::string::npos) << res[id].message;
  }
  EXPECT_EQ(res.report.total.pass, 0);
}

ContainerInfo good_container() {
  ContainerInfo c;
  c.engine = "docker";
  c.id = "aaaaaaaaaaaa1111";
  c.name = "good";
  c.image = "localhost/app:1";
  c.state = "running";
  c.user = "1000:1000";
  c.cap_drop = {"ALL"};
  c.cap_add = {"NET_BIND_SERVICE"};
  c.network_mode = "bridge";
  c.apparmor_profile = "docker-default";
  c.security_opt = {"no-new-privileges", "label=type:container_t"};
  c.no_new_privileges = true;
  c.read_only_rootfs = true;
  c.memory_limit = 256 << 20;
  c.cpu_shares = 512;
  c.pids_limit = 100;
  c.restart_policy = "on-failure";
  c.restart_max_retries = 5;
  c.has_healthcheck = true;
  c.ports = {{"127.0.0.1", 8080, 80, "tcp"}};
  c.mounts = {{"volume", "data", "/data", true, ""}, {"bind", "/etc/localtime", "/etc/localtime", false, "rprivate"}};
  c.pid = 500;
  c.inspect_json = R"({"HostConfig": {"Privileged": false, "Devices": [], "CgroupParent": ""}, "State": {"Health": {"Status": "healthy"}}})";
  return c;
}

ContainerInfo bad_container() {
  ContainerInfo c;
  c.engine = "docker";
  c.id = "bbbbbbbbbbbb2222";
  c.name = "bad";
  c.image = "localhost/app:1";
  c.state = "running";
  c.privileged = true;
  c.cap_add = {"NET_ADMIN", "CAP_SYS_ADMIN"};
  c.network_mode = "host";
  c.pid_mode = "host";
  c.ipc_mode = "host";
  c.uts_mode = "host";
  c.userns_mode = "host";
  c.seccomp_profile = "unconfined";
  c.security_opt = {"seccomp=unconfined", "label=disable"};
  c.restart_policy = "always";
  c.ports = {{"0.0.0.0", 80, 80, "tcp"}};
  c.mounts = {{"bind", "/var/run/docker.sock", "/var/run/docker.sock", true, ""},
              {"bind", "/etc", "/host/etc", true, ""},
              {"bind", "/srv/data", "/data", true, "rshared"}};
  c.pid = 600;
  c.inspect_json =
      R"({"HostConfig": {"Privileged": true, "Devices": [{"PathOnHost": "/dev/fuse"}], "CgroupParent": "/special"}})";
  return c;
}

TEST(DockerCis, ContainersOneResultEach) {
  FakeRoot r;
  good_host(r);
  FactsInput in = input_for(r, {"dockerd"});
  in.host->processes.push_back(process(500, "app", {"/app"}, 400));
  in.host->processes.push_back(process(600, "sh", {"/bin/sh"}, 400));
  in.host->processes.push_back(process(601, "sshd", {"/usr/sbin/sshd", "-D"}, 600));
  // "caps": added capabilities, and an engine that says its IPC namespace
  // is private while the kernel shows the host's (podman 4.3 does that).
  ContainerInfo caps = good_container();
  caps.id = "cccccccccccc3333";
  caps.name = "caps";
  caps.cap_add = {"NET_ADMIN", "CAP_SYS_ADMIN"};
  caps.ipc_mode = "shareable";
  caps.pid = 700;
  r.symlink("proc/1/ns/ipc", "ipc:[4026531839]");
  r.symlink("proc/1/ns/net", "net:[4026531840]");
  r.symlink("proc/700/ns/ipc", "ipc:[4026531839]");
  r.symlink("proc/700/ns/net", "net:[4026532001]");
  in.host->processes.push_back(process(700, "app", {"/app"}, 400));
  in.host->containers = {good_container(), bad_container(), caps};
  ContainerInfo stopped = bad_container();
  stopped.name = "stopped";
  stopped.state = "exited";
  in.host->containers.push_back(stopped);
  in.engine.socket = "/run/docker.sock";
  in.engine.answered = true;
  in.engine.info_json = R"({"Swarm": {"LocalNodeState": "inactive"}})";
  auto res = testing::run_spec(docker_spec(), in);

  struct Want {
    const char* id;
    S good, bad;
  };
  const Want wants[] = {
      {"4.1", S::kPass, S::kFail},  {"4.6", S::kPass, S::kFail},  {"5.2", S::kPass, S::kWarn},
      {"5.3", S::kPass, S::kFail},  {"5.4", S::kPass, S::kFail},  {"5.5", S::kPass, S::kFail},
      {"5.6", S::kPass, S::kFail},  {"5.7", S::kPass, S::kFail},  {"5.8", S::kPass, S::kFail},
      {"5.10", S::kPass, S::kFail}, {"5.11", S::kPass, S::kFail}, {"5.12", S::kPass, S::kFail},
      {"5.13", S::kPass, S::kFail}, {"5.14", S::kPass, S::kFail}, {"5.15", S::kPass, S::kFail},
      {"5.16", S::kPass, S::kFail}, {"5.17", S::kPass, S::kFail}, {"5.18", S::kPass, S::kWarn},
      {"5.20", S::kPass, S::kFail}, {"5.21", S::kPass, S::kFail}, {"5.22", S::kPass, S::kFail},
      {"5.25", S::kPass, S::kWarn}, {"5.26", S::kPass, S::kFail}, {"5.27", S::kPass, S::kFail},
      {"5.29", S::kPass, S::kFail}, {"5.31", S::kPass, S::kFail}, {"5.32", S::kPass, S::kFail},
  };
  for (const auto& w : wants) {
    EXPECT_EQ(res[w.id].items.size(), 3u) << testing::describe(res[w.id]);  // the stopped one is not checked
    EXPECT_EQ(res.item(w.id, "good"), w.good) << testing::describe(res[w.id]);
    EXPECT_EQ(res.item(w.id, "bad"), w.bad) << testing::describe(res[w.id]);
    EXPECT_EQ(res.status(w.id), w.bad) << w.id;  // the worst item decides the control
  }
  EXPECT_EQ(res.status("5.1"), S::kPass) << testing::describe(res["5.1"]);
  // Each violation of a container is named.
  EXPECT_NE(res["5.4"].items[1].message.find("privileged"), std::string::npos) << res["5.4"].items[1].message;
  EXPECT_EQ(res.item("5.4", "caps"), S::kFail);
  const auto& added = res["5.4"].items[2];
  EXPECT_NE(added.message.find("NET_ADMIN"), std::string::npos) << added.message;
  EXPECT_NE(added.message.find("SYS_ADMIN"), std::string::npos) << added.message;
  // The kernel's namespaces decide, not only what the engine says.
  EXPECT_EQ(res.item("5.17", "caps"), S::kFail) << testing::describe(res["5.17"]);
  EXPECT_EQ(res.item("5.10", "caps"), S::kPass) << testing::describe(res["5.10"]);
  const auto& ipc = res["5.17"].items[2].evidence.at(0);
  EXPECT_EQ(ipc.source, "proc/700/ns (the host's: proc/1/ns)");
  EXPECT_EQ(ipc.field, "ipc.link");
  EXPECT_EQ(ipc.value, "ipc:[4026531839]");
  EXPECT_NE(res["5.32"].items[1].message.find("/var/run/docker.sock"), std::string::npos);
  EXPECT_NE(res["5.6"].items[1].message.find("/etc"), std::string::npos);
  EXPECT_EQ(res["5.5"].items[1].subject, "bad (bbbbbbbbbbbb)");
  const auto& priv = res["5.5"].items[1].evidence.at(0);
  EXPECT_EQ(priv.source, "container bad (bbbbbbbbbbbb)");
  EXPECT_EQ(priv.field, "inspect.HostConfig.Privileged");
  EXPECT_EQ(priv.value, "true");
  // A finding per failing container.
  auto findings = findings_of(res.report);
  size_t privileged = std::count_if(findings.begin(), findings.end(),
                                    [](const Finding& f) { return f.id == "docker-cis-1.6.0/5.5"; });
  EXPECT_EQ(privileged, 1u);

  // Swarm active fails 5.1; no running containers passes the container controls.
  in.engine.info_json = R"({"Swarm": {"LocalNodeState": "active"}})";
  in.host->containers.clear();
  auto swarm = testing::run_spec(docker_spec(), in);
  EXPECT_EQ(swarm.status("5.1"), S::kFail);
  EXPECT_EQ(swarm.status("5.5"), S::kPass);
  EXPECT_EQ(swarm["5.5"].message, "no running containers");
}

TEST(DockerCis, EngineThatDoesNotAnswerIsAnError) {
  FakeRoot r;
  good_host(r);
  FactsInput in = input_for(r, {"dockerd"});
  in.engine.socket = "/run/docker.sock";
  in.engine.error = "the container engine at /run/docker.sock did not answer: timed out";
  auto res = testing::run_spec(docker_spec(), in);
  for (const char* id : {"4.1", "5.1", "5.5", "5.32"}) {
    EXPECT_EQ(res.status(id), S::kError) << testing::describe(res[id]);
  }
  EXPECT_NE(res["5.5"].message.find("did not answer"), std::string::npos) << res["5.5"].message;
  // The host controls are unaffected.
  EXPECT_EQ(res.status("2.2"), S::kPass);
}

TEST(DockerCis, ContainerWithoutInspectDataIsAnError) {
  FakeRoot r;
  good_host(r);
  FactsInput in = input_for(r, {"dockerd"});
  ContainerInfo c = good_container();
  c.inspect_json = "{not json";
  in.host->containers = {c};
  in.engine.answered = true;
  auto res = testing::run_spec(docker_spec(), in);
  // Controls reading the raw inspect answer cannot decide; the others can.
  EXPECT_EQ(res.status("5.5"), S::kError) << testing::describe(res["5.5"]);
  EXPECT_EQ(res.status("5.18"), S::kError) << testing::describe(res["5.18"]);
  EXPECT_EQ(res.status("5.10"), S::kPass) << testing::describe(res["5.10"]);
}

}  // namespace
}  // namespace bulwark::compliance
