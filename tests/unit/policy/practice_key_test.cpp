// The `practice:` key of policy files (the board's practice of a policy's
// findings): file default beside a `policies:` list, per-policy override,
// bad values reported; and what the built-in policies say.
#include <gtest/gtest.h>

#include "policy/misconfig/misconfig.hpp"

namespace bulwark::policy {
namespace {

constexpr const char* kFile = R"(practice: 8
policies:
  - id: T-PR-1
    title: Privileged
    severity: high
    match: {format: kubernetes, kinds: [Workload]}
    violations: |
      containers.filter(c, has(c.securityContext) && has(c.securityContext.privileged)
          && c.securityContext.privileged == true).map(c, {"message": "privileged"})
  - id: T-PR-2
    title: NodePort
    severity: medium
    practice: 7
    match: {format: kubernetes, kinds: [Service]}
    violations: 'has(object.spec.type) && object.spec.type == "NodePort" ? [{"message": "nodeport"}] : []'
)";

TEST(PracticeKey, FileDefaultAndOverride) {
  std::vector<Diagnostic> diags;
  auto ps = load_policies(kFile, "p.yaml", diags);
  ASSERT_TRUE(diags.empty()) << diags[0].message;
  ASSERT_EQ(ps.size(), 2u);
  EXPECT_EQ(ps[0].practice, 8);
  EXPECT_EQ(ps[1].practice, 7);
}

TEST(PracticeKey, FindingsCarryIt) {
  std::vector<Diagnostic> diags;
  auto ps = load_policies(kFile, "p.yaml", diags);
  std::vector<Document> docs;
  for (auto& n : read_yaml("kind: Service\nmetadata: {name: web}\nspec: {type: NodePort}\n", "svc.yaml", diags)) {
    Document d;
    d.path = "svc.yaml";
    d.format = "kubernetes";
    d.kind = "Service";
    d.root = std::move(n);
    docs.push_back(std::move(d));
  }
  std::vector<Finding> out;
  evaluate_policies(ps, docs, [](const std::string&) { return std::string(); }, out, diags);
  ASSERT_TRUE(diags.empty()) << diags[0].message;
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].attributes.at("practice"), "7");
}

TEST(PracticeKey, AbsentMeansZeroAndBadValuesAreReported) {
  std::vector<Diagnostic> diags;
  auto ps = load_policies(R"(id: T-PR-3
title: t
severity: low
match: {format: dockerfile}
violations: '[]'
)",
                          "single.yaml", diags);
  ASSERT_EQ(ps.size(), 1u);
  EXPECT_EQ(ps[0].practice, 0);
  for (const char* bad : {"0", "15", "seven", "[7]"}) {
    diags.clear();
    auto bad_ps = load_policies(std::string("id: T-PR-4\ntitle: t\nseverity: low\npractice: ") + bad +
                                    "\nmatch: {format: dockerfile}\nviolations: '[]'\n",
                                "bad.yaml", diags);
    EXPECT_TRUE(bad_ps.empty()) << bad;
    ASSERT_EQ(diags.size(), 1u) << bad;
    EXPECT_EQ(diags[0].location.path, "bad.yaml");
    EXPECT_EQ(diags[0].location.line, 4);
    EXPECT_NE(diags[0].message.find("from 1 to 14"), std::string::npos);
  }
}

TEST(PracticeKey, BuiltinPoliciesAllSayTheirPractice) {
  std::map<std::string, int> want = {
      {"BW-K8S-030", 7}, {"BW-K8S-032", 7}, {"BW-K8S-034", 8}, {"BW-K8S-001", 8}, {"BW-K8S-005", 7},
      {"BW-K8S-013", 8}, {"BW-K8S-020", 8}, {"BW-K8S-022", 5}, {"BW-DF-001", 5},  {"BW-TF-010", 7},
      {"BW-TF-020", 5},  {"BW-TF-110", 7}, {"BW-CFN-010", 7}, {"BW-CFN-060", 5}};
  for (const Policy& p : builtin_policies()) {
    EXPECT_GE(p.practice, 1) << p.id;
    EXPECT_LE(p.practice, 14) << p.id;
    if (auto it = want.find(p.id); it != want.end()) {
      EXPECT_EQ(p.practice, it->second) << p.id;
      want.erase(it);
    }
  }
  EXPECT_TRUE(want.empty()) << want.begin()->first << " is not a built-in policy";
}

}  // namespace
}  // namespace bulwark::policy
