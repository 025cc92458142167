// `bulwark compliance` through the real binary over a fake host root: the
// host module reads dockerd's and the kubelet's command lines from fake
// proc/<pid>/{stat,cmdline}, the compliance module reads daemon.json and
// the kubelet config under the root; no engine socket there makes the
// container controls errors. Also --list-specs, --dump-facts and the output
// formats.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "testing/testing.hpp"

namespace bulwark::testing {
namespace {

using nlohmann::json;

CommandResult bulwark(std::vector<std::string> args) {
  args.insert(args.begin(), bulwark_binary());
  return run(args);
}

void process(const fs::path& root, int pid, const std::string& comm, const std::vector<std::string>& args) {
  fs::path dir = root / "proc" / std::to_string(pid);
  fs::create_directories(dir);
  write_file(dir / "stat", std::to_string(pid) + " (" + comm + ") S 1 " + std::to_string(pid) + " 0 0 -1 4194560 0 0\n");
  std::string cmdline;
  for (const auto& a : args) cmdline += a + std::string(1, '\0');
  write_file(dir / "cmdline", cmdline);
}

std::map<std::string, std::string> statuses(const json& report) {
  std::map<std::string, std::string> out;
  for (const auto& c : report.at("compliance").at(0).at("controls")) out[c.at("id")] = c.at("status");
  return out;
}

TEST(ComplianceCli, DockerHostFromAFakeRoot) {
  TempDir root;
  write_file(root / "etc/docker/daemon.json", "{\n  \"icc\": false,\n  \"log-level\": \"debug\"\n}\n");
  ::chmod((root / "etc/docker/daemon.json").c_str(), 0666);
  write_file(root / "etc/passwd", "root:x:0:0::/root:/bin/sh\n");
  write_file(root / "etc/group", "root:x:0:\ndocker:x:999:\n");
  write_file(root / "proc/mounts", "/dev/sda1 / ext4 rw 0 0\n");
  process(root.path(), 1, "init", {"/sbin/init"});
  process(root.path(), 4242, "dockerd", {"/usr/bin/dockerd", "--live-restore", "-H", "tcp://0.0.0.0:2375"});

  auto r = bulwark({"compliance", "--spec", "docker-cis", "--root", root.path().string(), "-f", "json", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json report = json::parse(r.out);
  auto st = statuses(report);
  EXPECT_EQ(st["2.2"], "pass");   // icc false in daemon.json
  EXPECT_EQ(st["2.3"], "fail");   // log level debug
  EXPECT_EQ(st["2.15"], "pass");  // --live-restore on the command line
  EXPECT_EQ(st["2.7"], "fail");   // TCP without TLS
  EXPECT_EQ(st["3.18"], "fail");  // daemon.json 0666
  EXPECT_EQ(st["5.5"], "error");  // no engine socket under the root
  EXPECT_EQ(st["1.2.1"], "manual");
  EXPECT_EQ(report.at("target").at("kind"), "host");
  bool flag_evidence = false;
  for (const auto& c : report.at("compliance").at(0).at("controls"))
    if (c.at("id") == "2.15")
      flag_evidence = c.at("items").at(0).at("evidence").at(0).value("source", "") == "proc/4242/cmdline (dockerd)";
  EXPECT_TRUE(flag_evidence) << r.out.substr(0, 2000);
  // Failing controls are compliance findings; --exit-code gates on them.
  size_t compliance = 0;
  for (const auto& f : report.at("findings")) compliance += f.at("kind") == "compliance";
  EXPECT_GE(compliance, 3u);
  auto gate = bulwark({"compliance", "--spec", "docker-cis", "--root", root.path().string(), "-q", "-o",
                       (root / "out.txt").string(), "--exit-code", "5"});
  EXPECT_EQ(gate.exit_code, 5) << gate.err;
  std::string table = read_file(root / "out.txt");
  EXPECT_NE(table.find("CIS Docker Benchmark 1.6.0 (docker-cis-1.6.0)"), std::string::npos);
  EXPECT_NE(table.find("Score:"), std::string::npos);

  // A malformed daemon.json: the daemon controls are errors, not passes.
  write_file(root / "etc/docker/daemon.json", "{\"icc\": false,,}\n");
  auto bad = bulwark({"compliance", "--spec", "docker-cis", "--root", root.path().string(), "-f", "json", "-q"});
  ASSERT_EQ(bad.exit_code, 0) << bad.err;
  auto bst = statuses(json::parse(bad.out));
  EXPECT_EQ(bst["2.2"], "error");
  EXPECT_EQ(bst["2.15"], "error");
}

TEST(ComplianceCli, KubeletFromAFakeRoot) {
  TempDir root;
  write_file(root / "var/lib/kubelet/config.yaml",
             "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 10255\n");
  process(root.path(), 1, "init", {"/sbin/init"});
  process(root.path(), 900, "kubelet", {"/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml", "--anonymous-auth=true"});
  auto r = bulwark({"compliance", "--spec", "k8s-cis", "--root", root.path().string(), "-f", "json", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto st = statuses(json::parse(r.out));
  EXPECT_EQ(st["4.2.1"], "fail");   // the flag overrides the config's default
  EXPECT_EQ(st["4.2.2"], "pass");   // Webhook: the default with a config file
  EXPECT_EQ(st["4.2.4"], "fail");   // readOnlyPort 10255
  EXPECT_EQ(st["1.2.6"], "error");  // not a control plane node
}

TEST(ComplianceCli, ListDumpAndFormats) {
  auto list = bulwark({"compliance", "--list-specs"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  for (const char* s : {"docker-cis-1.6.0", "k8s-cis-1.8", "k8s-pss-baseline", "k8s-pss-restricted"})
    EXPECT_NE(list.out.find(s), std::string::npos) << s;

  TempDir root;
  write_file(root / "etc/docker/daemon.json", "{\"icc\": false}\n");
  auto dump = bulwark({"compliance", "--spec", "docker-cis", "--root", root.path().string(), "--dump-facts", "-q"});
  ASSERT_EQ(dump.exit_code, 0) << dump.err;
  json facts = json::parse(dump.out);
  EXPECT_EQ(facts.at("daemon").at("config").at("icc"), false);
  EXPECT_EQ(facts.at("daemon").at("effective").at("icc"), false);
  EXPECT_EQ(facts.at("files").at("etc/docker/daemon.json").at("perm"), "0644");
  EXPECT_TRUE(facts.at("errors").contains("containers"));

  auto junit = bulwark({"compliance", "--spec", "docker-cis", "--root", root.path().string(), "-f", "junit", "-q"});
  ASSERT_EQ(junit.exit_code, 0) << junit.err;
  EXPECT_EQ(junit.out.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites", 0), 0u);

  auto none = bulwark({"compliance"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("--spec"), std::string::npos) << none.err;
}

}  // namespace
}  // namespace bulwark::testing
