// Generated fixes: the changed manifest keeps its comments and layout, is
// well-formed, and no longer fails the fixed policies; the diff is a valid
// unified diff of exactly those changes.
#include <gtest/gtest.h>

#include <set>

#include "policy/misconfig/misconfig.hpp"
#include "testing/testing.hpp"

namespace bulwark::policy {
namespace {

struct Scan {
  std::vector<Document> docs;
  std::vector<Finding> findings;
};

Scan scan(const std::vector<ConfigFile>& files) {
  Scan s;
  std::vector<Diagnostic> diags;
  s.docs = parse_config_files(files, ConfigLimits{}, diags);
  evaluate_policies(builtin_policies(), s.docs, nullptr, s.findings, diags);
  EXPECT_TRUE(diags.empty()) << diags[0].message;
  return s;
}

std::set<std::string> ids(const std::vector<Finding>& fs) {
  std::set<std::string> out;
  for (const auto& f : fs) out.insert(f.id);
  return out;
}

constexpr const char* kPod = R"(# The web pod
apiVersion: v1
kind: Pod
metadata:
  name: web   # keep this comment
spec:
  containers:
    - name: app
      image: nginx:1.25
      securityContext: {privileged: true}
      resources:
        limits: {cpu: 1}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      securityContext:
        runAsNonRoot: false
      containers:
      - name: api
        image: api:2.0
        securityContext:
          capabilities:
            drop:
            - NET_RAW
)";

TEST(Fix, KubernetesManifestPassesTheFixedPoliciesAfterwards) {
  std::vector<ConfigFile> files{{"k8s/app.yaml", "", kPod}};
  Scan before = scan(files);
  std::vector<Diagnostic> diags;
  auto fixes = plan_fixes(files, before.docs, builtin_policies(), before.findings, diags);
  ASSERT_TRUE(diags.empty()) << diags[0].message;
  ASSERT_EQ(fixes.size(), 1u);
  const FileFix& fx = fixes[0];
  EXPECT_EQ(fx.path, "k8s/app.yaml");
  for (const char* id : {"BW-K8S-001", "BW-K8S-013", "BW-K8S-014", "BW-K8S-016", "BW-K8S-017", "BW-K8S-020",
                         "BW-K8S-021", "BW-K8S-023", "BW-K8S-024"})
    EXPECT_TRUE(std::find(fx.policies.begin(), fx.policies.end(), id) != fx.policies.end()) << id;
  // Comments and untouched lines stay as they were.
  EXPECT_NE(fx.fixed.find("# The web pod\n"), std::string::npos);
  EXPECT_NE(fx.fixed.find("  name: web   # keep this comment\n"), std::string::npos);
  EXPECT_NE(fx.fixed.find("        image: api:2.0\n"), std::string::npos);

  Scan after = scan({{"k8s/app.yaml", "", fx.fixed}});
  SCOPED_TRACE(fx.fixed);
  ASSERT_EQ(after.docs.size(), 2u);
  auto left = ids(after.findings);
  for (const auto& id : fx.policies) EXPECT_FALSE(left.count(id)) << id << " still fails:\n" << fx.fixed;
  // What the fix sets, where it was missing, wrong, or incomplete.
  EXPECT_EQ(find_path(after.docs[0].root, "spec.containers[0].securityContext.privileged")->as_bool(), false);
  EXPECT_EQ(find_path(after.docs[0].root, "spec.containers[0].resources.limits.cpu")->as_int(), 1);  // kept
  EXPECT_EQ(find_path(after.docs[0].root, "spec.containers[0].resources.limits.memory")->as_string(), "512Mi");
  EXPECT_EQ(find_path(after.docs[1].root, "spec.template.spec.securityContext.runAsNonRoot")->as_bool(), true);
  const Node* drop = find_path(after.docs[1].root, "spec.template.spec.containers[0].securityContext.capabilities.drop");
  ASSERT_NE(drop, nullptr);
  EXPECT_EQ(drop->size(), 2u);  // ALL added beside NET_RAW
}

TEST(Fix, UnifiedDiffShowsOnlyTheChanges) {
  std::string before = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
  std::string after = "a\nb\nX\nc\nd\ne\nf\ng\nh\ni\nJ\n";
  std::string diff = unified_diff("f.yaml", before, after);
  EXPECT_EQ(diff,
            "--- a/f.yaml\n+++ b/f.yaml\n"
            "@@ -1,5 +1,6 @@\n a\n b\n+X\n c\n d\n e\n"
            "@@ -7,4 +8,4 @@\n g\n h\n i\n-j\n+J\n");
  EXPECT_EQ(unified_diff("f", "same\n", "same\n"), "--- a/f\n+++ b/f\n");
}

TEST(Fix, NothingToFixGivesNoFiles) {
  std::vector<ConfigFile> files{{"cm.yaml", "", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"}};
  Scan s = scan(files);
  std::vector<Diagnostic> diags;
  EXPECT_TRUE(plan_fixes(files, s.docs, builtin_policies(), s.findings, diags).empty());
}


// ---- Dockerfiles ----------------------------------------------------------------

// A pinner standing in for the registry: these tests are about placing the
// edit; pinning against a real registry is an integration test.
std::optional<std::string> pin_known(const std::string& ref, std::string& why) {
  if (ref == "debian" || ref == "debian:latest") return "debian:12.8@sha256:" + std::string(64, 'a');
  why = "unknown to this test";
  return std::nullopt;
}

TEST(Fix, DockerfileGetsTheUserItCreatesAndPinnedBaseImages) {
  const std::string text =
      "# build\n"
      "FROM golang:1.22 AS build\n"
      "RUN go build -o /app .\n"
      "\n"
      "FROM debian\n"
      "RUN apt-get update && apt-get install -y ca-certificates \\\n"
      "    && useradd --system -u 10001 --shell /usr/sbin/nologin appuser\n"
      "COPY --from=build /app /usr/bin/app\n"
      "CMD [\"app\"]   # run it\n";
  std::vector<ConfigFile> files{{"Dockerfile", "", text}};
  Scan s = scan(files);
  ASSERT_TRUE(ids(s.findings).count("BW-DF-001"));
  ASSERT_TRUE(ids(s.findings).count("BW-DF-002"));
  std::vector<Diagnostic> diags;
  auto fixes = plan_fixes(files, s.docs, builtin_policies(), s.findings, diags, pin_known);
  ASSERT_EQ(fixes.size(), 1u);
  EXPECT_EQ(fixes[0].fixed,
            "# build\n"
            "FROM golang:1.22 AS build\n"
            "RUN go build -o /app .\n"
            "\n"
            "FROM debian:12.8@sha256:" + std::string(64, 'a') + "\n"
            "RUN apt-get update && apt-get install -y ca-certificates \\\n"
            "    && useradd --system -u 10001 --shell /usr/sbin/nologin appuser\n"
            "COPY --from=build /app /usr/bin/app\n"
            "USER appuser\n"
            "CMD [\"app\"]   # run it\n");
  EXPECT_EQ(fixes[0].policies, (std::vector<std::string>{"BW-DF-001", "BW-DF-002"}));
  // The fixed file passes both policies.
  std::vector<ConfigFile> after{{"Dockerfile", "", fixes[0].fixed}};
  Scan again = scan(after);
  EXPECT_FALSE(ids(again.findings).count("BW-DF-001"));
  EXPECT_FALSE(ids(again.findings).count("BW-DF-002"));
}

TEST(Fix, DockerfileUserFromAParentStageGoesAtTheEnd) {
  const std::string text =
      "FROM alpine:3.20 AS base\n"
      "RUN addgroup -S app && adduser -S -G app -h /srv app\n"
      "FROM base\n"
      "USER root\n"
      "RUN apk add --no-cache curl";  // no final newline
  std::vector<ConfigFile> files{{"Containerfile", "", text}};
  Scan s = scan(files);
  ASSERT_TRUE(ids(s.findings).count("BW-DF-001"));
  std::vector<Diagnostic> diags;
  auto fixes = plan_fixes(files, s.docs, builtin_policies(), s.findings, diags, pin_known);
  ASSERT_EQ(fixes.size(), 1u);
  EXPECT_EQ(fixes[0].fixed, text + "\nUSER app\n");
  Scan again = scan({{"Containerfile", "", fixes[0].fixed}});
  EXPECT_FALSE(ids(again.findings).count("BW-DF-001"));
}

TEST(Fix, DockerfileWithoutACreatedUserOrAResolvableImageSaysWhy) {
  const std::string text =
      "ARG BASE=node\n"
      "FROM $BASE\n"
      "FROM ubuntu\n"
      "RUN adduser deploy sudo\n"  // adds an existing user to a group: creates nobody
      "CMD [\"bash\"]\n";
  std::vector<ConfigFile> files{{"Dockerfile", "", text}};
  Scan s = scan(files);
  ASSERT_TRUE(ids(s.findings).count("BW-DF-001"));
  std::vector<Diagnostic> diags;
  auto fixes = plan_fixes(files, s.docs, builtin_policies(), s.findings, diags, pin_known);
  EXPECT_TRUE(fixes.empty());
  std::string all;
  for (const auto& d : diags) all += d.message + "\n";
  EXPECT_NE(all.find("BW-DF-001 not fixed: no user is created"), std::string::npos) << all;
  EXPECT_NE(all.find("BW-DF-002 not fixed: unknown to this test"), std::string::npos) << all;
  // Without a pinner (no registry), nothing is guessed.
  diags.clear();
  EXPECT_TRUE(plan_fixes(files, s.docs, builtin_policies(), s.findings, diags).empty());
}

TEST(Fix, DockerfileFixActionIsCheckedWhenThePolicyLoads) {
  std::vector<Diagnostic> diags;
  auto p = load_policies(R"(id: X-1
title: t
severity: LOW
match: {format: dockerfile}
fix:
  - {target: dockerfile, action: make-it-safe}
violations: '[]'
)",
                         "mine.yaml", diags);
  EXPECT_TRUE(p.empty());
  ASSERT_FALSE(diags.empty());
  EXPECT_NE(diags[0].message.find("add-user or pin-base-image"), std::string::npos) << diags[0].message;
  EXPECT_EQ(diags[0].location.line, 6);
}

}  // namespace
}  // namespace bulwark::policy
