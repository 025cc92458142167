// CIS Docker container controls against real containers: podman (with its own
// storage, run and tmp directories) runs known-bad and known-good containers
// from the test image, its Docker-compatible API service answers `bulwark
// compliance`, and every related control's result is checked per container.
// A socket with nothing behind it, and a Pod Security run over manifests,
// go through the real binary too.
#include <gtest/gtest.h>

#include "integration/harness.hpp"

namespace bulwark::integration {
namespace {

using testing::TempDir;

// control id -> subject (container name) -> status.
using Results = std::map<std::string, std::map<std::string, std::string>>;

Results results_of(const json& report) {
  Results out;
  for (const auto& c : report.at("compliance").at(0).at("controls")) {
    auto& by = out[c.at("id").get<std::string>()];
    for (const auto& i : c.value("items", json::array())) {
      std::string subject = i.value("subject", "");
      by[subject.substr(0, subject.find(' '))] = i.at("status").get<std::string>();
    }
    by["*"] = c.at("status").get<std::string>();
  }
  return out;
}

TEST(Compliance, DockerCisContainerControlsOnRealContainers) {
  BULWARK_REQUIRE_IMAGES(im);
  BULWARK_REQUIRE_TOOL("podman");
  TempDir t;
  PodmanService pm(t.path());
  auto load = pm.podman({"load", "-q", "-i", im.docker_archive.string()});
  if (load.exit_code != 0) GTEST_SKIP() << "podman cannot load images here: " << load.err;
  const std::string image = "docker.io/bulwark/test:1";
  // The engine socket a careless operator mounts into a container.
  fs::path fake_sock = t / "engine.sock";
  testing::write_file(fake_sock, "");
  int good_port = free_port();

  struct Run {
    std::string name;
    std::vector<std::string> args;
  };
  const std::vector<Run> runs = {
      {"bad", {"--privileged", "--network", "host", "--pid", "host", "--ipc", "host", "--uts", "host", "--user", "0",
               "-v", fake_sock.string() + ":/var/run/docker.sock", "-v", "/etc:/host/etc",
               "--security-opt", "seccomp=unconfined", "--restart", "always", "--pids-limit", "-1"}},
      {"caps", {"--network", "none", "--cap-add", "NET_ADMIN", "--cap-add", "SYS_ADMIN", "--user", "0"}},
      {"exposed", {"--network", "slirp4netns", "-p", "0.0.0.0:80:8080"}},
      {"good", {"--network", "slirp4netns", "-p", "127.0.0.1:" + std::to_string(good_port) + ":80", "--user", "1000:1000",
                "--cap-drop", "ALL", "--read-only", "--memory", "128m", "--cpu-shares", "512", "--pids-limit", "100",
                "--security-opt", "no-new-privileges", "--restart", "on-failure:3", "--health-cmd", "true",
                "--health-interval", "0"}},
  };
  for (const auto& r : runs) {
    std::vector<std::string> a = {"run", "-d", "--name", r.name};
    a.insert(a.end(), r.args.begin(), r.args.end());
    a.push_back(image);
    if (r.name == "exposed") {
      // A process named sshd (5.7): the image's sleep under that name.
      a.insert(a.end(), {"sh", "-c", "cp /bin/sleep /tmp/sshd && exec /tmp/sshd 600"});
    } else {
      a.insert(a.end(), {"sleep", "600"});
    }
    auto run = pm.podman(a);
    if (run.exit_code != 0) GTEST_SKIP() << "podman cannot run containers here (" << r.name << "): " << run.err;
  }
  if (!pm.start()) GTEST_SKIP() << "podman system service cannot run here:\n" << pm.log();

  auto s = scan_json({"compliance", "-q", "--spec", "docker-cis", "--engine-socket", pm.socket().string()});
  ASSERT_FALSE(s.report.is_null()) << s.why;
  Results res = results_of(s.report);

  struct Want {
    const char* id;
    const char* bad;
    const char* caps;
    const char* exposed;
    const char* good;
  };
  // AppArmor and SELinux are not enabled on this kind of host: 5.2 and 5.3
  // warn for every container; checked below only when that holds.
  const Want wants[] = {
      {"4.1", "fail", "fail", "pass", "pass"},    // user: bad and caps run as 0; exposed as the image's 1000:1000
      {"4.6", "fail", "fail", "fail", "pass"},    // health check defined
      {"5.4", "fail", "fail", "pass", "pass"},    // capabilities (privileged has all)
      {"5.5", "fail", "pass", "pass", "pass"},    // privileged
      {"5.6", "fail", "pass", "pass", "pass"},    // /etc mounted
      {"5.7", "pass", "pass", "fail", "pass"},    // sshd
      {"5.8", "pass", "pass", "fail", "pass"},    // host port 80
      {"5.10", "fail", "pass", "pass", "pass"},   // host network
      {"5.11", "fail", "fail", "fail", "pass"},   // memory limit
      {"5.12", "fail", "fail", "fail", "pass"},   // CPU shares
      {"5.13", "fail", "fail", "fail", "pass"},   // read-only root
      {"5.14", "pass", "pass", "fail", "pass"},   // bound to every interface
      {"5.15", "fail", "pass", "pass", "pass"},   // restart always
      {"5.16", "fail", "pass", "pass", "pass"},   // host PID namespace
      {"5.17", "fail", "pass", "pass", "pass"},   // host IPC namespace (podman says "shareable": the kernel decides)
      {"5.21", "fail", "pass", "pass", "pass"},   // host UTS namespace
      {"5.22", "fail", "pass", "pass", "pass"},   // seccomp unconfined
      {"5.26", "fail", "fail", "fail", "pass"},   // no-new-privileges
      {"5.27", "fail", "fail", "fail", "pass"},   // health at runtime
      {"5.29", "fail", "pass", "pass", "pass"},   // PIDs limit (podman's default is 2048)
      {"5.31", "pass", "pass", "pass", "pass"},   // --userns host not used
      {"5.32", "fail", "pass", "pass", "pass"},   // engine socket mounted
  };
  for (const auto& w : wants) {
    SCOPED_TRACE(w.id);
    const auto& by = res[w.id];
    EXPECT_EQ(by.size(), 5u);  // four containers and the control
    EXPECT_EQ(by.at("bad"), w.bad);
    EXPECT_EQ(by.at("caps"), w.caps);
    EXPECT_EQ(by.at("good"), w.good);
    EXPECT_EQ(by.at("exposed"), w.exposed);
  }
  EXPECT_EQ(res["5.1"]["*"], "pass");  // swarm inactive (podman has none)
  bool apparmor = fs::exists("/sys/kernel/security/apparmor");
  if (!apparmor) {
    EXPECT_EQ(res["5.2"]["good"], "warn");
  }

  // Failing containers are findings with the CIS reference, one per container.
  size_t privileged = 0;
  for (const auto& f : s.report.at("findings"))
    if (f.at("id") == "docker-cis-1.6.0/5.5") {
      ++privileged;
      EXPECT_EQ(f.at("kind"), "compliance");
      EXPECT_EQ(f.at("frameworks").at(0).at("framework"), "cis-docker-1.6.0");
      EXPECT_EQ(f.at("attributes").at("resource").get<std::string>().rfind("bad (", 0), 0u);
    }
  EXPECT_EQ(privileged, 1u);

  // JUnit of the same run: a valid-looking document with one testcase per container.
  TempDir out;
  auto ju = bulwark({"compliance", "-q", "--spec", "docker-cis", "--engine-socket", pm.socket().string(), "-f", "junit",
                     "-o", (out / "cis.xml").string()});
  ASSERT_EQ(ju.exit_code, 0) << ju.err;
  std::string xml = testing::read_file(out / "cis.xml");
  EXPECT_NE(xml.find("<testsuites name=\"bulwark\""), std::string::npos);
  EXPECT_NE(xml.find("5.5 Ensure that privileged containers are not used [bad ("), std::string::npos);
  if (testing::have_tool("xmllint")) {
    auto lint = testing::run({"xmllint", "--noout", (out / "cis.xml").string()});
    EXPECT_EQ(lint.exit_code, 0) << lint.err;
  }
  // --exit-code fails the gate on the failing controls.
  auto gate = bulwark({"compliance", "-q", "--spec", "docker-cis", "--engine-socket", pm.socket().string(), "-f", "json",
                       "-o", (out / "r.json").string(), "--exit-code", "4"});
  EXPECT_EQ(gate.exit_code, 4) << gate.err;
}

TEST(Compliance, SocketWithNothingBehindItIsAnError) {
  TempDir t;
  fs::path sock = t / "dead.sock";
  testing::write_file(sock, "");  // a file, not a listening socket
  auto s = scan_json({"compliance", "-q", "--spec", "docker-cis", "--engine-socket", sock.string()});
  ASSERT_FALSE(s.report.is_null()) << s.why;
  Results res = results_of(s.report);
  for (const char* id : {"4.1", "5.1", "5.5", "5.32"}) EXPECT_EQ(res[id]["*"], "error") << id;
  bool named = false;
  for (const auto& c : s.report.at("compliance").at(0).at("controls"))
    if (c.at("id") == "5.5") named = c.value("message", "").find(sock.string()) != std::string::npos;
  EXPECT_TRUE(named);
  EXPECT_EQ(s.report.at("compliance").at(0).at("summary").at("pass"), 0);
}

TEST(Compliance, PodSecurityOverManifestsAndBadSpecFiles) {
  TempDir t;
  testing::write_file(t / "k8s/pod.yaml",
                      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n  containers:\n"
                      "  - name: c\n    image: x:1\n    securityContext: {privileged: true}\n");
  auto s = scan_json({"compliance", "-q", "--spec", "k8s-pss-baseline", (t / "k8s").string()});
  ASSERT_FALSE(s.report.is_null()) << s.why;
  Results res = results_of(s.report);
  EXPECT_EQ(res["pss-privileged"]["Pod/p"], "fail");
  EXPECT_EQ(res["pss-host-namespaces"]["Pod/p"], "fail");
  EXPECT_EQ(res["pss-host-path"]["Pod/p"], "pass");
  EXPECT_EQ(s.report.at("target").at("kind"), "filesystem");

  // A spec file of one's own; one that does not load is a usage error naming the place.
  testing::write_file(t / "mine.yaml", "spec: mine\ncontrols:\n  - {id: a, title: A, scope: workload, policies: [BW-K8S-001]}\n");
  auto mine = scan_json({"compliance", "-q", "--spec-file", (t / "mine.yaml").string(), (t / "k8s").string()});
  ASSERT_FALSE(mine.report.is_null()) << mine.why;
  EXPECT_EQ(results_of(mine.report)["a"]["*"], "fail");
  testing::write_file(t / "broken.yaml", "spec: b\ncontrols:\n  - {id: a, title: A, check: 'daemon.('}\n");
  auto broken = bulwark({"compliance", "-q", "--spec-file", (t / "broken.yaml").string()});
  EXPECT_EQ(broken.exit_code, 2) << broken.err;
  EXPECT_TRUE(mentions(broken.err, "broken.yaml:3")) << broken.err;
  auto unknown = bulwark({"compliance", "--spec", "nope"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_TRUE(mentions(unknown.err, "docker-cis-1.6.0")) << unknown.err;
}

}  // namespace
}  // namespace bulwark::integration
