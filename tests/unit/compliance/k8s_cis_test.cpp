// CIS Kubernetes Benchmark over fake node roots: a kubeadm-style control
// plane node configured well and one configured badly (static pod manifests,
// kubelet config and flags, ownership and modes of configs and PKI), a
// kubelet whose flags override its config file, a malformed config, and a
// worker node without a control plane.
#include <gtest/gtest.h>

#include "compliance_testing.hpp"

namespace bulwark::compliance {
namespace {

using testing::FakeRoot;
using testing::process;
using S = ComplianceStatus;

const Spec& k8s_spec() {
  const Spec* s = find_builtin_spec("k8s-cis");
  EXPECT_NE(s, nullptr);
  return *s;
}

std::string pod(const std::string& name, const std::vector<std::string>& command) {
  std::string out = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
                    "\n  namespace: kube-system\nspec:\n  hostNetwork: true\n  containers:\n  - name: " + name +
                    "\n    image: registry.k8s.io/" + name + ":v1.28.0\n    command:\n";
  for (const auto& c : command) out += "    - " + c + "\n";
  return out;
}

void good_node(FakeRoot& r) {
  r.mkdir("etc/kubernetes/manifests", 0700);
  r.write("etc/kubernetes/manifests/kube-apiserver.yaml",
          pod("kube-apiserver",
              {"kube-apiserver", "--advertise-address=10.0.0.10", "--anonymous-auth=false", "--authorization-mode=Node,RBAC",
               "--enable-admission-plugins=NodeRestriction,EventRateLimit,AlwaysPullImages,DenyServiceExternalIPs",
               "--profiling=false", "--audit-log-path=/var/log/kubernetes/audit.log", "--audit-log-maxage=30",
               "--audit-log-maxbackup=10", "--audit-log-maxsize=100",
               "--kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt",
               "--kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key",
               "--kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt",
               "--service-account-key-file=/etc/kubernetes/pki/sa.pub", "--etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt",
               "--etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key", "--etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt",
               "--tls-cert-file=/etc/kubernetes/pki/apiserver.crt", "--tls-private-key-file=/etc/kubernetes/pki/apiserver.key",
               "--client-ca-file=/etc/kubernetes/pki/ca.crt", "--encryption-provider-config=/etc/kubernetes/enc/enc.yaml",
               "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"}),
          0600);
  r.write("etc/kubernetes/manifests/kube-controller-manager.yaml",
          pod("kube-controller-manager",
              {"kube-controller-manager", "--bind-address=127.0.0.1", "--profiling=false", "--terminated-pod-gc-threshold=10",
               "--use-service-account-credentials=true", "--service-account-private-key-file=/etc/kubernetes/pki/sa.key",
               "--root-ca-file=/etc/kubernetes/pki/ca.crt", "--feature-gates=RotateKubeletServerCertificate=true"}),
          0600);
  r.write("etc/kubernetes/manifests/kube-scheduler.yaml",
          pod("kube-scheduler", {"kube-scheduler", "--bind-address=127.0.0.1", "--profiling=false"}), 0600);
  r.write("etc/kubernetes/manifests/etcd.yaml",
          pod("etcd", {"etcd", "--data-dir=/var/lib/etcd", "--cert-file=/etc/kubernetes/pki/etcd/server.crt",
                       "--key-file=/etc/kubernetes/pki/etcd/server.key", "--client-cert-auth=true",
                       "--peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt", "--peer-key-file=/etc/kubernetes/pki/etcd/peer.key",
                       "--peer-client-cert-auth=true"}),
          0600);
  for (const char* conf : {"admin.conf", "scheduler.conf", "controller-manager.conf", "kubelet.conf"})
    r.write(std::string("etc/kubernetes/") + conf, "apiVersion: v1\nkind: Config\n", 0600);
  r.mkdir("etc/kubernetes/pki/etcd", 0755);
  for (const char* f : {"ca.crt", "ca.key", "apiserver.crt", "apiserver.key", "etcd/ca.crt", "etcd/ca.key"})
    r.write(std::string("etc/kubernetes/pki/") + f, "x", 0600);
  r.mkdir("var/lib/etcd", 0700, 998, 998);
  r.write("etc/cni/net.d/10-flannel.conflist", "{}", 0600);
  r.write("var/lib/kubelet/config.yaml", R"(apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
authentication:
  anonymous:
    enabled: false
  webhook:
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
readOnlyPort: 0
streamingConnectionIdleTimeout: 5m
rotateCertificates: true
serverTLSBootstrap: true
podPidsLimit: 4096
tlsCipherSuites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]
)",
          0600);
  r.write("etc/systemd/system/kubelet.service.d/10-kubeadm.conf", "[Service]\n", 0600);
}

FactsInput node_input(const FakeRoot& r, std::vector<std::string> kubelet_args) {
  FactsInput in;
  in.root = r.path();
  HostInfo h;
  h.processes.push_back(process(1, "init", {"/sbin/init"}, 0));
  if (!kubelet_args.empty()) h.processes.push_back(process(800, "kubelet", std::move(kubelet_args)));
  in.host = h;
  return in;
}

TEST(K8sCis, WellConfiguredNodePasses) {
  FakeRoot r;
  good_node(r);
  auto res = testing::run_spec(
      k8s_spec(), node_input(r, {"/usr/bin/kubelet", "--config=/var/lib/kubelet/config.yaml", "--kubeconfig=/etc/kubernetes/kubelet.conf"}));
  for (const auto& c : res.report.controls) {
    if (c.status == S::kManual) continue;
    EXPECT_EQ(c.status, S::kPass) << testing::describe(c);
  }
  // Manual by nature, or no kube-proxy here to read.
  for (const char* id : {"1.2.12", "1.2.21", "1.2.29", "2.7", "3.1.1", "4.1.3", "4.1.4", "4.2.8", "5.1.1"})
    EXPECT_EQ(res.status(id), S::kManual) << testing::describe(res[id]);
  EXPECT_GE(res.report.total.pass, 80);
  // Evidence: the flag's line in the static pod manifest.
  const auto& ev = res["1.2.16"].items.at(0).evidence;
  ASSERT_FALSE(ev.empty()) << testing::describe(res["1.2.16"]);
  // 1.2.16 passes with `true`; its evidence is the manifest the flags came from.
  EXPECT_EQ(ev[0].source, "etc/kubernetes/manifests/kube-apiserver.yaml");
  const auto& anon = res["1.2.1"].items.at(0).evidence.at(0);
  EXPECT_EQ(anon.source, "etc/kubernetes/manifests/kube-apiserver.yaml");
  EXPECT_EQ(anon.line, 14);  // the third word of the command list (line 12 is the first)
  EXPECT_EQ(anon.field, "anonymous-auth");
  EXPECT_EQ(anon.value, "false");
  // The kubelet's setting, from its config file with the line.
  const auto& kanon = res["4.2.1"].items.at(0).evidence.at(0);
  EXPECT_EQ(kanon.source, "var/lib/kubelet/config.yaml");
  EXPECT_EQ(kanon.line, 5);
  EXPECT_EQ(kanon.field, "authentication.anonymous.enabled");
}

void bad_node(FakeRoot& r) {
  r.mkdir("etc/kubernetes/manifests", 0755);
  r.write("etc/kubernetes/manifests/kube-apiserver.yaml",
          pod("kube-apiserver", {"kube-apiserver", "--authorization-mode=AlwaysAllow", "--token-auth-file=/etc/kubernetes/tokens.csv",
                                 "--enable-admission-plugins=AlwaysAdmit", "--disable-admission-plugins=ServiceAccount,NamespaceLifecycle",
                                 "--profiling=true", "--audit-log-maxage=7", "--service-account-lookup=false",
                                 "--tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA"}),
          0644, 1000, 1000);
  r.write("etc/kubernetes/manifests/kube-controller-manager.yaml",
          pod("kube-controller-manager", {"kube-controller-manager", "--feature-gates=RotateKubeletServerCertificate=false"}), 0644);
  r.write("etc/kubernetes/manifests/kube-scheduler.yaml", pod("kube-scheduler", {"kube-scheduler", "--bind-address=0.0.0.0"}), 0644);
  r.write("etc/kubernetes/manifests/etcd.yaml",
          pod("etcd", {"etcd", "--data-dir=/var/lib/etcd", "--auto-tls=true", "--peer-auto-tls=true"}), 0644);
  r.write("etc/kubernetes/admin.conf", "x", 0644, 1000, 1000);
  r.write("etc/kubernetes/kubelet.conf", "x", 0666);
  r.mkdir("etc/kubernetes/pki", 0755);
  r.write("etc/kubernetes/pki/ca.key", "x", 0644, 1000, 0);
  r.write("etc/kubernetes/pki/ca.crt", "x", 0644);
  r.mkdir("var/lib/etcd", 0755);
  r.write("etc/cni/net.d/10-flannel.conflist", "{}", 0644, 1000, 1000);
  r.write("lib/systemd/system/kubelet.service", "[Service]\n", 0644);
}

TEST(K8sCis, BadlyConfiguredNodeFails) {
  FakeRoot r;
  bad_node(r);
  // No config file: the kubelet's legacy flag defaults apply.
  auto res = testing::run_spec(
      k8s_spec(), node_input(r, {"kubelet", "--kubeconfig=/etc/kubernetes/kubelet.conf", "--make-iptables-util-chains=false",
                                 "--hostname-override=node-a", "--streaming-connection-idle-timeout=0",
                                 "--rotate-certificates=false", "--feature-gates=RotateKubeletServerCertificate=false",
                                 "--tls-cipher-suites=TLS_RSA_WITH_RC4_128_SHA", "--event-qps=0"}));
  for (const char* id :
       {"1.1.1", "1.1.2", "1.1.3", "1.1.5", "1.1.7", "1.1.9", "1.1.10", "1.1.11", "1.1.12", "1.1.13", "1.1.14", "1.1.19", "1.1.20",
        "1.1.21", "1.2.1", "1.2.2", "1.2.3", "1.2.4", "1.2.5", "1.2.6", "1.2.7", "1.2.8", "1.2.9", "1.2.10", "1.2.11", "1.2.13",
        "1.2.14", "1.2.15", "1.2.16", "1.2.17", "1.2.18", "1.2.19", "1.2.20", "1.2.22", "1.2.23", "1.2.24", "1.2.25", "1.2.26",
        "1.2.27", "1.2.28", "1.2.30", "1.3.1", "1.3.2", "1.3.3", "1.3.4", "1.3.5", "1.3.6", "1.3.7", "1.4.1", "1.4.2", "2.1",
        "2.2", "2.3", "2.4", "2.5", "2.6", "4.1.1", "4.1.5", "4.1.7", "4.1.8", "4.2.1", "4.2.2", "4.2.3", "4.2.4", "4.2.5",
        "4.2.6", "4.2.7", "4.2.9", "4.2.10", "4.2.11", "4.2.12", "4.2.13"})
    EXPECT_EQ(res.status(id), S::kFail) << testing::describe(res[id]);
  // Files that are not there pass (4.1.9: no config file is used).
  for (const char* id : {"1.1.15", "1.1.17", "4.1.2", "4.1.9", "4.1.10"})
    EXPECT_EQ(res.status(id), S::kPass) << testing::describe(res[id]);
  EXPECT_NE(res["1.2.6"].message.find("AlwaysAllow"), std::string::npos) << res["1.2.6"].message;
  EXPECT_NE(res["1.2.30"].message.find("TLS_RSA_WITH_RC4_128_SHA"), std::string::npos) << res["1.2.30"].message;
  EXPECT_NE(res["1.1.14"].message.find("alice:alice"), std::string::npos) << res["1.1.14"].message;
  EXPECT_NE(res["1.1.21"].message.find("etc/kubernetes/pki/ca.key"), std::string::npos) << res["1.1.21"].message;
  EXPECT_NE(res["4.2.8"].message.find("eventRecordQPS is 0"), std::string::npos) << res["4.2.8"].message;
  // A default is named as such; a flag as the process's argument.
  const auto& anon = res["4.2.1"].items.at(0).evidence.at(0);
  EXPECT_EQ(anon.source, "kubelet default (no config file)");
  const auto& chains = res["4.2.6"].items.at(0).evidence.at(0);
  EXPECT_EQ(chains.source, "proc/800/cmdline (kubelet) --make-iptables-util-chains");
  EXPECT_EQ(chains.value, "false");
  const auto& mode = res["1.2.6"].items.at(0).evidence.at(0);
  EXPECT_EQ(mode.source, "etc/kubernetes/manifests/kube-apiserver.yaml");
  EXPECT_EQ(mode.line, 13);
  EXPECT_EQ(mode.value, "AlwaysAllow");
}

TEST(K8sCis, KubeletFlagsOverrideItsConfigFile) {
  FakeRoot r;
  good_node(r);
  auto res = testing::run_spec(k8s_spec(), node_input(r, {"kubelet", "--config", "/var/lib/kubelet/config.yaml",
                                                          "--anonymous-auth=true", "--read-only-port=10255"}));
  EXPECT_EQ(res.status("4.2.1"), S::kFail) << testing::describe(res["4.2.1"]);
  EXPECT_EQ(res.status("4.2.4"), S::kFail) << testing::describe(res["4.2.4"]);
  EXPECT_EQ(res["4.2.4"].items.at(0).evidence.at(0).source, "proc/800/cmdline (kubelet) --read-only-port");
  EXPECT_EQ(res.status("4.2.2"), S::kPass);  // from the file
}

TEST(K8sCis, OfflineRootReadsTheKubeadmFlagsFile) {
  FakeRoot r;
  good_node(r);
  r.write("var/lib/kubelet/kubeadm-flags.env",
          "KUBELET_KUBEADM_ARGS=\"--container-runtime-endpoint=unix:///run/containerd/containerd.sock --hostname-override=x\"\n");
  FactsInput in;
  in.root = r.path();
  in.host = HostInfo{};  // no kubelet process: a mounted root, not running
  auto res = testing::run_spec(k8s_spec(), in);
  EXPECT_EQ(res.status("4.2.1"), S::kPass) << testing::describe(res["4.2.1"]);
  EXPECT_EQ(res.status("4.2.7"), S::kFail) << testing::describe(res["4.2.7"]);
  EXPECT_EQ(res["4.2.7"].items.at(0).evidence.at(0).source, "var/lib/kubelet/kubeadm-flags.env");
}

TEST(K8sCis, MalformedConfigsAreErrors) {
  FakeRoot r;
  good_node(r);
  r.write("var/lib/kubelet/config.yaml", "authentication:\n  anonymous: [enabled: false\n", 0600);
  r.write("etc/kubernetes/manifests/etcd.yaml", "apiVersion: v1\nkind: Pod\nspec: {containers: [}\n", 0600);
  auto res = testing::run_spec(k8s_spec(), node_input(r, {"kubelet", "--config=/var/lib/kubelet/config.yaml"}));
  for (const char* id : {"4.1.1", "4.1.9", "4.2.1", "4.2.4", "4.2.10"}) {
    EXPECT_EQ(res.status(id), S::kError) << testing::describe(res[id]);
    EXPECT_NE(res[id].message.find("var/lib/kubelet/config.yaml"), std::string::npos) << res[id].message;
  }
  for (const char* id : {"1.1.11", "2.1", "2.2", "2.6"}) {
    EXPECT_EQ(res.status(id), S::kError) << testing::describe(res[id]);
    EXPECT_NE(res[id].message.find("etcd.yaml"), std::string::npos) << res[id].message;
  }
  // The other components still read fine; so do the files.
  EXPECT_EQ(res.status("1.2.6"), S::kPass);
  EXPECT_EQ(res.status("1.1.7"), S::kPass);

  // A --config that names a file that is not there is an error too.
  auto missing = testing::run_spec(k8s_spec(), node_input(r, {"kubelet", "--config=/etc/kubelet/nope.yaml"}));
  EXPECT_EQ(missing.status("4.2.1"), S::kError) << testing::describe(missing["4.2.1"]);
  EXPECT_NE(missing["4.2.1"].message.find("nope.yaml"), std::string::npos);
}

TEST(K8sCis, WorkerNodeHasNoControlPlane) {
  FakeRoot r;
  r.write("var/lib/kubelet/config.yaml", "authentication: {anonymous: {enabled: false}}\n", 0600);
  r.write("etc/kubernetes/kubelet.conf", "x", 0600);
  auto res = testing::run_spec(k8s_spec(), node_input(r, {"kubelet", "--config=/var/lib/kubelet/config.yaml"}));
  for (const char* id : {"1.1.1", "1.1.13", "1.2.6", "1.3.2", "1.4.1", "2.1"}) {
    EXPECT_EQ(res.status(id), S::kError) << testing::describe(res[id]);
  }
  EXPECT_NE(res["1.1.1"].message.find("not a control plane node"), std::string::npos) << res["1.1.1"].message;
  EXPECT_NE(res["1.2.6"].message.find("no kube-apiserver"), std::string::npos) << res["1.2.6"].message;
  EXPECT_EQ(res.status("4.2.1"), S::kPass);
  EXPECT_EQ(res.status("4.1.5"), S::kPass);
  // Without a kubelet at all, the worker checks are errors too.
  FakeRoot empty;
  FactsInput in;
  in.root = empty.path();
  in.host = HostInfo{};
  auto none = testing::run_spec(k8s_spec(), in);
  EXPECT_EQ(none.status("4.2.1"), S::kError);
  EXPECT_EQ(none.report.total.pass, 0);
}

}  // namespace
}  // namespace bulwark::compliance
