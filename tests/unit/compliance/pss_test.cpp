// Pod Security Standards specs over manifests: one result per workload and
// control, through the built-in misconfiguration policies; manifests that do
// not read, or hold no workload, are errors rather than passes.
#include <gtest/gtest.h>

#include "compliance_testing.hpp"

namespace bulwark::compliance {
namespace {

using S = ComplianceStatus;
namespace fs = std::filesystem;

constexpr const char* kGood = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile: {type: RuntimeDefault}
      containers:
      - name: web
        image: registry.local/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
        securityContext:
          allowPrivilegeEscalation: false
          capabilities: {drop: [ALL]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec: {ports: [{port: 80}]}
)";

constexpr const char* kBad = R"(apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: ops}
spec:
  hostNetwork: true
  volumes:
  - name: root
    hostPath: {path: /}
  containers:
  - name: shell
    image: debian:12
    securityContext:
      privileged: true
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: ops}
spec:
  template:
    spec:
      containers:
      - name: agent
        image: agent:1
        securityContext:
          capabilities: {add: [SYS_ADMIN]}
)";

FactsInput manifests(std::vector<fs::path> paths) {
  FactsInput in;
  in.manifests = std::move(paths);
  return in;
}

TEST(PodSecurity, BaselineOneResultPerWorkload) {
  ::bulwark::testing::TempDir dir;
  ::bulwark::testing::write_file(dir / "good.yaml", kGood);
  ::bulwark::testing::write_file(dir / "sub/bad.yaml", kBad);
  const Spec* spec = find_builtin_spec("k8s-pss-baseline");
  ASSERT_NE(spec, nullptr);
  auto res = testing::run_spec(*spec, manifests({dir.path()}));

  // Three workloads; the Service is not one.
  EXPECT_EQ(res["pss-privileged"].items.size(), 3u) << testing::describe(res["pss-privileged"]);
  EXPECT_EQ(res.item("pss-privileged", "Deployment/shop/web"), S::kPass);
  EXPECT_EQ(res.item("pss-privileged", "Pod/ops/debug"), S::kFail);
  EXPECT_EQ(res.item("pss-privileged", "DaemonSet/ops/agent"), S::kPass);
  EXPECT_EQ(res.item("pss-host-namespaces", "Pod/ops/debug"), S::kFail);
  EXPECT_EQ(res.item("pss-host-path", "Pod/ops/debug"), S::kFail);
  EXPECT_EQ(res.item("pss-capabilities", "DaemonSet/ops/agent"), S::kFail);
  EXPECT_EQ(res.item("pss-capabilities", "Deployment/shop/web"), S::kPass);
  for (const char* id : {"pss-host-process", "pss-host-ports", "pss-apparmor", "pss-selinux", "pss-proc-mount", "pss-seccomp",
                         "pss-sysctls", "pss-probe-host"})
    EXPECT_EQ(res.status(id), S::kPass) << testing::describe(res[id]);
  // The failure points at the field in the manifest.
  const auto& item = res["pss-privileged"].items[1].subject.find("Pod/ops/debug") == 0 ? res["pss-privileged"].items[1]
                                                                                        : res["pss-privileged"].items[2];
  ASSERT_EQ(item.status, S::kFail) << testing::describe(res["pss-privileged"]);
  ASSERT_FALSE(item.evidence.empty());
  EXPECT_NE(item.evidence[0].source.find("sub/bad.yaml"), std::string::npos);
  EXPECT_EQ(item.evidence[0].line, 13);
  EXPECT_EQ(item.evidence[0].field, "spec.containers[0].securityContext.privileged");
  EXPECT_NE(item.message.find("BW-K8S-001"), std::string::npos) << item.message;

  auto findings = findings_of(res.report);
  size_t priv = std::count_if(findings.begin(), findings.end(),
                              [](const Finding& f) { return f.id == "k8s-pss-baseline/pss-privileged"; });
  EXPECT_EQ(priv, 1u);
}

TEST(PodSecurity, RestrictedAddsItsControls) {
  ::bulwark::testing::TempDir dir;
  ::bulwark::testing::write_file(dir / "good.yaml", kGood);
  ::bulwark::testing::write_file(dir / "bad.yaml", kBad);
  const Spec* spec = find_builtin_spec("k8s-pss-restricted");
  ASSERT_NE(spec, nullptr);
  auto res = testing::run_spec(*spec, manifests({dir / "good.yaml", dir / "bad.yaml"}));
  for (const auto& c : res.report.controls) EXPECT_EQ(res.item(c.id, "Deployment/shop/web"), S::kPass) << testing::describe(c);
  for (const char* id : {"pss-privilege-escalation", "pss-run-as-non-root", "pss-seccomp-restricted", "pss-capabilities-restricted"}) {
    EXPECT_EQ(res.item(id, "Pod/ops/debug"), S::kFail) << testing::describe(res[id]);
    EXPECT_EQ(res.item(id, "DaemonSet/ops/agent"), S::kFail) << testing::describe(res[id]);
  }
  EXPECT_EQ(res.item("pss-volume-types", "Pod/ops/debug"), S::kFail);
  // Sections: baseline and restricted, each with failures.
  ASSERT_EQ(res.report.sections.size(), 2u);
  EXPECT_GT(res.report.sections[0].counts.fail, 0);
  EXPECT_GT(res.report.sections[1].counts.fail, 0);
  EXPECT_EQ(res.report.total.fail + res.report.total.pass, static_cast<int>(spec->controls.size()));
}

TEST(PodSecurity, NothingToCheckIsAnError) {
  ::bulwark::testing::TempDir dir;
  ::bulwark::testing::write_file(dir / "svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: a}\n");
  const Spec* spec = find_builtin_spec("k8s-pss-restricted");
  auto none = testing::run_spec(*spec, manifests({dir.path()}));
  EXPECT_EQ(none.status("pss-privileged"), S::kError);
  EXPECT_NE(none["pss-privileged"].message.find("no Kubernetes workloads"), std::string::npos);

  auto missing = testing::run_spec(*spec, manifests({dir / "nope"}));
  EXPECT_EQ(missing.status("pss-privileged"), S::kError);
  EXPECT_NE(missing["pss-privileged"].message.find("no such file"), std::string::npos);

  auto unnamed = testing::run_spec(*spec, FactsInput{});
  EXPECT_EQ(unnamed.status("pss-privileged"), S::kError);
  EXPECT_EQ(unnamed.report.total.pass, 0);

  // A manifest that does not parse: its workloads are unknown, not passing.
  ::bulwark::testing::write_file(dir / "good.yaml", kGood);
  ::bulwark::testing::write_file(dir / "broken.yaml", "apiVersion: v1\nkind: Pod\nspec: {containers: [\n");
  auto broken = testing::run_spec(*spec, manifests({dir.path()}));
  EXPECT_EQ(broken.status("pss-privileged"), S::kError) << testing::describe(broken["pss-privileged"]);
  EXPECT_EQ(broken.item("pss-privileged", "Deployment/shop/web"), S::kPass);
  bool named = false;
  for (const auto& i : broken["pss-privileged"].items) named = named || i.subject.find("broken.yaml") != std::string::npos;
  EXPECT_TRUE(named) << testing::describe(broken["pss-privileged"]);
}

}  // namespace
}  // namespace bulwark::compliance
