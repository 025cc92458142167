// `bulwark config` through the real binary: findings with lines in JSON and
// SARIF, the gate, own policy directories, disabled policies, broken policies
// failing the run, --fix-dry-run and --fix, and `fs` scanning configuration
// alongside packages.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <set>

#include "testing/testing.hpp"

namespace bulwark::testing {
namespace {

using nlohmann::json;

CommandResult bulwark(std::vector<std::string> args) {
  args.insert(args.begin(), bulwark_binary());
  return run(args);
}

constexpr const char* kPod = R"(apiVersion: v1
kind: Pod
metadata:
  name: web  # the web pod
spec:
  containers:
    - name: app
      image: nginx:1.25
      securityContext:
        privileged: true
)";

std::set<std::string> ids(const json& report) {
  std::set<std::string> out;
  for (const auto& f : report.value("findings", json::array())) out.insert(f.value("id", ""));
  return out;
}

TEST(ConfigCommand, FindingsPointAtTheLineInJsonAndSarif) {
  TempDir dir;
  write_file(dir / "k8s/pod.yaml", kPod);
  write_file(dir / "Dockerfile", "FROM debian\nRUN apt-get update\n");
  auto r = bulwark({"config", dir.path().string(), "-q", "-f", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json report = json::parse(r.out);
  const json* privileged = nullptr;
  for (const auto& f : report["findings"])
    if (f["id"] == "BW-K8S-001") privileged = &f;
  ASSERT_NE(privileged, nullptr) << r.out;
  EXPECT_EQ((*privileged)["kind"], "misconfiguration");
  EXPECT_EQ((*privileged)["location"]["path"], "k8s/pod.yaml");
  EXPECT_EQ((*privileged)["location"]["line"], 10);
  EXPECT_EQ((*privileged)["attributes"]["field"], "spec.containers[0].securityContext.privileged");
  EXPECT_TRUE(ids(report).count("BW-DF-001")) << r.out;  // no USER in the Dockerfile
  EXPECT_TRUE(ids(report).count("BW-DF-002"));          // FROM debian, no tag

  auto sarif = bulwark({"config", dir.path().string(), "-q", "-f", "sarif"});
  ASSERT_EQ(sarif.exit_code, 0) << sarif.err;
  json s = json::parse(sarif.out);
  bool found = false;
  for (const auto& res : s["runs"][0]["results"])
    if (res["ruleId"] == "BW-K8S-001") {
      const auto& loc = res["locations"][0]["physicalLocation"];
      EXPECT_EQ(loc["artifactLocation"]["uri"], "k8s/pod.yaml");
      EXPECT_EQ(loc["region"]["startLine"], 10);
      EXPECT_EQ(loc["region"]["startColumn"], 21);
      found = true;
    }
  EXPECT_TRUE(found);
}

TEST(ConfigCommand, GateOwnPoliciesAndDisabledOnes) {
  TempDir dir;
  write_file(dir / "pod.yaml", kPod);
  auto gate = bulwark({"config", (dir / "pod.yaml").string(), "-q", "--severity", "HIGH", "--exit-code", "4"});
  EXPECT_EQ(gate.exit_code, 4) << gate.err;
  auto off = bulwark({"config", (dir / "pod.yaml").string(), "-q", "-f", "json", "--disable-policy", "BW-K8S-001"});
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_FALSE(ids(json::parse(off.out)).count("BW-K8S-001"));
  auto unknown = bulwark({"config", (dir / "pod.yaml").string(), "-q", "--disable-policy", "NOPE-1"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("NOPE-1"), std::string::npos);

  TempDir policies;
  write_file(policies / "team.yaml", R"(id: TEAM-001
title: Images come from our registry
severity: MEDIUM
description: Only registry.example.com is allowed.
remediation: Push the image to registry.example.com.
match: {format: kubernetes, kinds: [Workload]}
violations: |
  containers.filter(c, !c.image.startsWith("registry.example.com/"))
    .map(c, {"message": c.image + " is not from registry.example.com", "field": c.image})
)");
  auto own = bulwark({"config", dir.path().string(), "-q", "-f", "json", "--policy", policies.path().string()});
  ASSERT_EQ(own.exit_code, 0) << own.err;
  json report = json::parse(own.out);
  bool team = false;
  for (const auto& f : report["findings"])
    if (f["id"] == "TEAM-001") {
      team = true;
      EXPECT_EQ(f["location"]["line"], 8);
      EXPECT_EQ(f["attributes"]["message"], "nginx:1.25 is not from registry.example.com");
    }
  EXPECT_TRUE(team);

  // A broken policy stops the run and says where.
  write_file(policies / "broken.yaml", "id: TEAM-002\nmatch: {format: kubernetes}\nviolations: object.spec.(\n");
  auto broken = bulwark({"config", dir.path().string(), "-q", "--policy", policies.path().string()});
  EXPECT_NE(broken.exit_code, 0);
  EXPECT_NE(broken.err.find("broken.yaml:3"), std::string::npos) << broken.err;
}

TEST(ConfigCommand, FixDryRunPrintsADiffAndFixWritesTheFile) {
  TempDir dir;
  write_file(dir / "pod.yaml", kPod);
  auto dry = bulwark({"config", dir.path().string(), "-q", "-o", (dir / "report.txt").string(), "--fix-dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("--- a/pod.yaml\n+++ b/pod.yaml\n@@"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("-        privileged: true\n"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("+        privileged: false\n"), std::string::npos) << dry.out;
  EXPECT_EQ(read_file(dir / "pod.yaml"), kPod);  // unchanged

  auto fix = bulwark({"config", dir.path().string(), "-q", "-o", (dir / "report.txt").string(), "--fix"});
  ASSERT_EQ(fix.exit_code, 0) << fix.err;
  std::string fixed = read_file(dir / "pod.yaml");
  EXPECT_NE(fixed, kPod);
  EXPECT_NE(fixed.find("name: web  # the web pod"), std::string::npos);
  auto again = bulwark({"config", dir.path().string(), "-q", "-f", "json"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  auto left = ids(json::parse(again.out));
  for (const char* id : {"BW-K8S-001", "BW-K8S-013", "BW-K8S-014", "BW-K8S-017", "BW-K8S-023", "BW-K8S-024"})
    EXPECT_FALSE(left.count(id)) << id << "\n" << fixed;
}

// -o naming a FIFO (or /dev/null) writes into it; it must stay what it was.
TEST(ConfigCommand, OutputToASpecialFileWritesIntoIt) {
  TempDir dir;
  write_file(dir / "pod.yaml", kPod);
  fs::path fifo = dir / "report.fifo";
  ASSERT_EQ(sh("mkfifo '" + fifo.string() + "'").exit_code, 0);
  // The reader must not hold the test's output pipe (sh waits for its end), and must
  // give up if bulwark never opens the FIFO.
  auto reader = sh("(timeout 60 cat '" + fifo.string() + "' > '" + (dir / "got.json").string() +
                   "') </dev/null >/dev/null 2>&1 & echo started");
  ASSERT_EQ(reader.exit_code, 0);
  auto r = bulwark({"config", (dir / "pod.yaml").string(), "-q", "-f", "json", "-o", fifo.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::is_fifo(fifo));
  sh("sleep 0.2");
  EXPECT_TRUE(ids(json::parse(read_file(dir / "got.json"))).count("BW-K8S-001"));
}

TEST(ConfigCommand, FsScansConfigurationWithPackages) {
  TempDir dir;
  write_file(dir / "deploy/pod.yaml", kPod);
  write_file(dir / "node_modules/x/package.json", R"({"name":"x","version":"1.0.0"})");
  // Manifests inside installed packages are not the project's configuration.
  write_file(dir / "node_modules/x/deploy.yaml", kPod);
  auto r = bulwark({"fs", dir.path().string(), "-q", "-f", "json", "--scanners", "misconfig"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json report = json::parse(r.out);
  std::set<std::string> paths;
  for (const auto& f : report["findings"]) paths.insert(f["location"].value("path", ""));
  EXPECT_EQ(paths, std::set<std::string>{"deploy/pod.yaml"});
  auto vuln_only = bulwark({"fs", dir.path().string(), "-q", "-f", "json", "--scanners", "none"});
  ASSERT_EQ(vuln_only.exit_code, 0) << vuln_only.err;
  EXPECT_TRUE(ids(json::parse(vuln_only.out)).empty());
}


// The shared corpus's deliberately vulnerable IaC projects: each row below was
// checked by hand against the file (the line holds the resource or field the
// message names). A scan must find all of them, read every file without
// diagnostics, and report no packages (configuration only).
TEST(ConfigCommand, IacCorpusFindsTheKnownMisconfigurations) {
  BULWARK_REQUIRE_CORPUS();
  fs::path iac = corpus_dir() / "iac";
  if (!fs::is_directory(iac)) GTEST_SKIP() << "no iac/ in the shared corpus";
  auto r = bulwark({"config", iac.string(), "-q", "-f", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json report = json::parse(r.out);
  std::set<std::string> got;
  for (const auto& f : report["findings"])
    got.insert(f.value("id", "") + " " + f["location"].value("path", "") + ":" +
               std::to_string(f["location"].value("line", 0)) + " " + f["attributes"].value("resource", ""));
  const char* expected[] = {
      // cfngoat: the data bucket is world-readable.
      "BW-CFN-001 cfngoat/cfngoat.yaml:923 DataBucket",
      // terragoat AWS: SSH open to the internet, a public unencrypted database,
      // an EKS endpoint open to everyone, wildcard IAM.
      "BW-TF-010 terragoat/terraform/aws/ec2.tf:90 aws_security_group.web-node",
      "BW-TF-030 terragoat/terraform/aws/db-app.tf:22 aws_db_instance.default",
      "BW-TF-031 terragoat/terraform/aws/db-app.tf:19 aws_db_instance.default",
      "BW-TF-040 terragoat/terraform/aws/eks.tf:122 aws_eks_cluster.eks_cluster",
      "BW-TF-020 terragoat/terraform/aws/iam.tf:34 aws_iam_user_policy.userpolicy",
      // terragoat GCP and Azure: allUsers on a bucket, a firewall open on all
      // ports, SSH and RDP open in a network security group.
      "BW-TF-100 terragoat/terraform/gcp/gcs.tf:19 google_storage_bucket_iam_binding.allow_public_read",
      "BW-TF-110 terragoat/terraform/gcp/networks.tf:23 google_compute_firewall.allow_all",
      "BW-TF-210 terragoat/terraform/azure/networking.tf:80 azurerm_network_security_group.bad_sg",
      "BW-TF-210 terragoat/terraform/azure/networking.tf:92 azurerm_network_security_group.bad_sg",
      // kubernetes-goat: privileged containers, the host's container runtime
      // socket mounted, cluster-admin bound.
      "BW-K8S-001 kubernetes-goat/scenarios/health-check/deployment.yaml:25 Deployment/health-check-deployment",
      "BW-K8S-001 kubernetes-goat/scenarios/system-monitor/deployment.yaml:41 "
      "Deployment/default/system-monitor-deployment",
      "BW-K8S-012 kubernetes-goat/scenarios/docker-bench-security/deployment.yaml:89 "
      "DaemonSet/docker-bench-security",
      "BW-K8S-034 kubernetes-goat/scenarios/insecure-rbac/setup.yaml:14 ClusterRoleBinding/superadmin",
  };
  for (const char* e : expected) EXPECT_TRUE(got.count(e)) << "missing: " << e;
  // Port 80 open to the internet on the same security group is a web server,
  // not an administration port: not reported.
  EXPECT_FALSE(got.count("BW-TF-010 terragoat/terraform/aws/ec2.tf:83 aws_security_group.web-node"));
  EXPECT_TRUE(report["inventory"].value("packages", json::array()).empty());
  EXPECT_TRUE(report["inventory"].value("applications", json::array()).empty());
  for (const auto& d : report.value("diagnostics", json::array()))
    ADD_FAILURE() << "diagnostic: " << d.dump();
  // The table of a configuration scan has no inventory section.
  auto table = bulwark({"config", iac.string(), "-q"});
  EXPECT_EQ(table.out.find("No packages found."), std::string::npos);
  EXPECT_NE(table.out.find("Misconfigurations in"), std::string::npos);
}

}  // namespace
}  // namespace bulwark::testing
