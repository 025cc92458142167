// The misconfiguration engine: policy files, what a policy's CEL may yield and
// where the resulting findings point; the built-in Pod Security Standards
// policies against the upstream pod-security-admission test data.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "policy/misconfig/internal.hpp"
#include "policy/misconfig/misconfig.hpp"
#include "testing/testing.hpp"

namespace bulwark::policy {
namespace {
namespace fs = std::filesystem;

// A Kubernetes document straight from YAML (the engine does not care which
// reader made it).
std::vector<Document> k8s_docs(const std::string& yaml, const std::string& path = "deploy.yaml") {
  std::vector<Diagnostic> diags;
  std::vector<Document> out;
  int i = 0;
  for (auto& n : read_yaml(yaml, path, diags)) {
    Document d;
    d.path = path;
    d.format = "kubernetes";
    const Node* kind = n.get("kind");
    d.kind = kind && kind->is_string() ? kind->as_string() : "";
    d.index = i++;
    d.root = std::move(n);
    out.push_back(std::move(d));
  }
  EXPECT_TRUE(diags.empty()) << diags[0].message;
  return out;
}

std::vector<Finding> run(const std::vector<Policy>& policies, const std::vector<Document>& docs,
                         std::vector<Diagnostic>* diags_out = nullptr) {
  std::vector<Finding> out;
  std::vector<Diagnostic> diags;
  evaluate_policies(policies, docs, [](const std::string&) { return std::string("sha256:layer"); }, out, diags);
  if (diags_out) *diags_out = diags;
  else EXPECT_TRUE(diags.empty()) << diags[0].message;
  return out;
}

std::vector<Policy> load(const std::string& yaml, std::vector<Diagnostic>* diags_out = nullptr) {
  std::vector<Diagnostic> diags;
  auto ps = load_policies(yaml, "my-policies.yaml", diags);
  if (diags_out) *diags_out = diags;
  else EXPECT_TRUE(diags.empty()) << diags[0].location.line << ": " << diags[0].message;
  return ps;
}

constexpr const char* kPrivileged = R"(
id: T-001
title: Privileged
severity: high
description: d
remediation: r
references: [https://example.com/a]
frameworks: {pss: baseline, cis-kubernetes: ["5.2.2", "5.2.3"]}
match: {format: kubernetes, kinds: [Workload]}
violations: |
  containers.filter(c, has(c.securityContext) && has(c.securityContext.privileged)
      && c.securityContext.privileged == true)
    .map(c, {"message": "container " + c.name + " is privileged", "field": c.securityContext.privileged})
)";

constexpr const char* kDeployment = R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: ok
          image: nginx
        - name: bad
          image: nginx
          securityContext:
            privileged: true
)";

TEST(PolicyEngine, FindingPointsAtTheOffendingField) {
  auto policies = load(kPrivileged);
  ASSERT_EQ(policies.size(), 1u);
  EXPECT_EQ(policies[0].severity, Severity::kHigh);
  EXPECT_EQ(policies[0].frameworks.size(), 3u);
  auto fs = run(policies, k8s_docs(kDeployment));
  ASSERT_EQ(fs.size(), 1u);
  const Finding& f = fs[0];
  EXPECT_EQ(f.kind, FindingKind::kMisconfiguration);
  EXPECT_EQ(f.id, "T-001");
  EXPECT_EQ(f.location.path, "deploy.yaml");
  EXPECT_EQ(f.location.layer, "sha256:layer");
  EXPECT_EQ(f.location.line, 15);
  EXPECT_EQ(f.location.column, 25);
  EXPECT_EQ(f.attributes.at("field"), "spec.template.spec.containers[1].securityContext.privileged");
  EXPECT_EQ(f.attributes.at("message"), "container bad is privileged");
  EXPECT_EQ(f.attributes.at("resource"), "Deployment/shop/web");
  EXPECT_EQ(f.evidence, "true");
  EXPECT_EQ(f.remediation.text, "r");
  EXPECT_EQ(f.references, std::vector<std::string>{"https://example.com/a"});
}

TEST(PolicyEngine, KindsSelectDocuments) {
  auto policies = load(kPrivileged);
  // A ConfigMap has no pod spec: not a workload, nothing evaluated.
  auto fs = run(policies, k8s_docs("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {privileged: 'true'}\n"));
  EXPECT_TRUE(fs.empty());
  // A CronJob's pod spec is three levels down.
  fs = run(policies, k8s_docs(R"(kind: CronJob
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers: [{name: init, securityContext: {privileged: true}}]
          containers: [{name: main}]
)"));
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].attributes.at("field"), "spec.jobTemplate.spec.template.spec.initContainers[0].securityContext.privileged");
}

TEST(PolicyEngine, ResultShapes) {
  auto policies = load(R"(
policies:
  - id: B
    title: Bool result
    match: {format: kubernetes}
    violations: has(object.spec)
  - id: S
    title: String result
    match: {format: kubernetes}
    violations: '"kind is " + object.kind'
  - id: P
    title: Path result
    match: {format: kubernetes}
    violations: '[{"message": "missing", "path": "spec.template.spec.securityContext.runAsNonRoot"}]'
  - id: N
    title: Nested lists and nothing
    match: {format: kubernetes}
    violations: '[[], [null, false], [["deep"]]]'
)");
  ASSERT_EQ(policies.size(), 4u);
  auto fs = run(policies, k8s_docs(kDeployment));
  std::map<std::string, const Finding*> by_id;
  for (const auto& f : fs) by_id[f.id] = &f;
  ASSERT_EQ(fs.size(), 4u);
  EXPECT_EQ(by_id["B"]->attributes.at("message"), "Bool result");
  EXPECT_EQ(by_id["B"]->location.line, 1);
  EXPECT_EQ(by_id["S"]->attributes.at("message"), "kind is Deployment");
  // The deepest existing part of the path: spec.template.spec, a mapping
  // that starts with its first key (line 9).
  EXPECT_EQ(by_id["P"]->location.line, 9);
  EXPECT_EQ(by_id["P"]->attributes.at("field"), "spec.template.spec");
  EXPECT_EQ(by_id["N"]->attributes.at("message"), "deep");
}

TEST(PolicyEngine, EvaluationErrorsAreDiagnosticsNotFindings) {
  auto policies = load(R"(
id: E
title: Error
match: {format: kubernetes}
violations: object.spec.nothing.here == 1
)");
  std::vector<Diagnostic> diags;
  auto fs = run(policies, k8s_docs(kDeployment), &diags);
  EXPECT_TRUE(fs.empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.path, "deploy.yaml");
  EXPECT_NE(diags[0].message.find("policy E"), std::string::npos);
}

TEST(PolicyEngine, VariablesSeeEarlierVariables) {
  auto policies = load(R"(
id: V
title: Vars
match: {format: kubernetes, kinds: [Deployment]}
variables:
  - name: names
    expression: containers.map(c, c.name)
  - name: count
    expression: size(variables.names)
violations: 'variables.count == 2 ? [variables.names.join(",")] : []'
)");
  auto fs = run(policies, k8s_docs(kDeployment));
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].attributes.at("message"), "ok,bad");
}

TEST(PolicyEngine, CrossDocumentPolicy) {
  auto policies = load(R"(
id: X
title: Namespaces without a NetworkPolicy
match: {format: kubernetes, scope: all}
variables:
  - name: covered
    expression: documents.filter(d, d.kind == "NetworkPolicy").map(d, d.metadata.namespace)
violations: |
  documents.filter(d, d.kind == "Deployment" && !(d.metadata.namespace in variables.covered))
    .map(d, {"message": d.metadata.name, "field": d.metadata.namespace})
)");
  auto docs = k8s_docs(std::string(kDeployment) + "---\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: other}\n");
  auto fs = run(policies, docs);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].location.path, "deploy.yaml");
  EXPECT_EQ(fs[0].location.line, 5);
  docs = k8s_docs(std::string(kDeployment) + "---\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\n");
  EXPECT_TRUE(run(policies, docs).empty());
}

TEST(PolicyEngine, CrossDocumentViolationWithoutFieldIsAWarningNotAPlacelessFinding) {
  auto policies = load(R"(
id: X
title: Every namespace needs a NetworkPolicy
match: {format: kubernetes, scope: all}
violations: '[1, 2].map(i, {"message": string(i)})'
)");
  auto docs = k8s_docs(kDeployment);
  std::vector<Finding> findings;
  std::vector<Diagnostic> diags;
  evaluate_policies(policies, docs, nullptr, findings, diags);
  EXPECT_TRUE(findings.empty());
  ASSERT_EQ(diags.size(), 2u);
  EXPECT_NE(diags[0].message.find("policy X"), std::string::npos) << diags[0].message;
  EXPECT_NE(diags[0].message.find("field"), std::string::npos) << diags[0].message;
}

TEST(PolicyLoader, BadPoliciesAreDiagnosticsWithPlaces) {
  std::vector<Diagnostic> diags;
  auto ps = load(R"(
policies:
  - id: OK
    match: {format: kubernetes}
    violations: "false"
  - title: no id
    match: {format: kubernetes}
    violations: "true"
  - id: BADFMT
    match: {format: helm}
    violations: "true"
  - id: BADCEL
    match: {format: kubernetes}
    violations: |
      object.spec.containers.exists(c,
        c.name ==)
  - id: BADSCOPE
    match: {format: kubernetes, scope: resource}
    violations: "true"
  - id: BADSEV
    severity: extreme
    match: {format: kubernetes}
    violations: "true"
)",
                 &diags);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].id, "OK");
  ASSERT_EQ(diags.size(), 5u);
  for (const auto& d : diags) EXPECT_EQ(d.location.path, "my-policies.yaml");
  EXPECT_NE(diags[1].message.find("helm"), std::string::npos);
  // The CEL error is on the second line of the block scalar (file line 16).
  EXPECT_NE(diags[2].message.find("BADCEL"), std::string::npos);
  EXPECT_EQ(diags[2].location.line, 16);
  EXPECT_GT(diags[2].location.column, 0);
}

TEST(BuiltinPolicies, AllLoadAndIdsAreUnique) {
  std::vector<Diagnostic> diags;
  std::set<std::string> ids;
  size_t count = 0;
  for (const auto& [name, text] : embedded_policy_files()) {
    auto ps = load_policies(text, std::string(name), diags);
    for (const auto& p : ps) {
      EXPECT_TRUE(ids.insert(p.id).second) << "duplicate id " << p.id;
      EXPECT_FALSE(p.title.empty()) << p.id;
      EXPECT_NE(p.severity, Severity::kUnknown) << p.id;
      EXPECT_FALSE(p.description.empty()) << p.id;
      EXPECT_FALSE(p.remediation.empty()) << p.id;
      ++count;
    }
  }
  for (const auto& d : diags) ADD_FAILURE() << d.location.path << ":" << d.location.line << ": " << d.message;
  EXPECT_GE(count, 30u);
  EXPECT_EQ(builtin_policies().size(), count);
}

// The upstream pod-security-admission fixtures of the newest policy version:
// every `fail` pod breaks at least one policy of its level (restricted
// includes baseline), every `pass` pod breaks none.
TEST(BuiltinPolicies, PodSecurityStandardsMatchTheUpstreamFixtures) {
  BULWARK_REQUIRE_CORPUS();
  testing::TempDir dir;
  ASSERT_TRUE(testing::untar(testing::corpus_dir() / "iac/pod-security-admission-testdata.tar.gz", dir.path()));
  fs::path root = dir / "pod-security-admission/test/testdata";
  std::string newest;
  for (const auto& e : fs::directory_iterator(root / "baseline")) {
    std::string v = e.path().filename().string();
    auto minor = [](const std::string& s) { return std::stoi(s.substr(s.find('.') + 1)); };
    if (newest.empty() || minor(v) > minor(newest)) newest = v;
  }
  ASSERT_FALSE(newest.empty());
  std::vector<Policy> baseline, restricted;
  for (const auto& p : builtin_policies()) {
    for (const auto& f : p.frameworks) {
      if (f.framework != "pss") continue;
      restricted.push_back(p);
      if (f.id == "baseline") baseline.push_back(p);
    }
  }
  ASSERT_GE(baseline.size(), 10u);
  int checked = 0;
  std::vector<std::string> wrong;
  for (const char* level : {"baseline", "restricted"}) {
    const auto& policies = std::string(level) == "baseline" ? baseline : restricted;
    for (const char* outcome : {"pass", "fail"}) {
      for (const auto& e : fs::directory_iterator(root / level / newest / outcome)) {
        auto docs = k8s_docs(testing::read_file(e.path()), e.path().filename().string());
        std::vector<Diagnostic> diags;
        auto found = run(policies, docs, &diags);
        EXPECT_TRUE(diags.empty()) << e.path() << ": " << diags[0].message;
        bool failed = !found.empty();
        if (failed != (std::string(outcome) == "fail"))
          wrong.push_back(std::string(level) + "/" + outcome + "/" + e.path().filename().string() +
                          (found.empty() ? "" : " (" + found[0].id + ": " + found[0].attributes["message"] + ")"));
        ++checked;
      }
    }
  }
  EXPECT_GT(checked, 100);
  std::string all;
  for (const auto& w : wrong) all += "\n  " + w;
  EXPECT_TRUE(wrong.empty()) << wrong.size() << " of " << checked << " disagree:" << all;
}

}  // namespace
}  // namespace bulwark::policy
