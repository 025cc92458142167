// Kubernetes manifests as documents: one per object, lists opened up, pod
// templates found by pod_spec_path, positions kept, bad input reported with
// file and line while the other files are still read.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>

#include "policy/misconfig/misconfig.hpp"
#include "unit/policy/policy_format_testing.hpp"

namespace bulwark::policy {
namespace {

using testing::at;
using testing::fixture_file;
using testing::messages;
using testing::run_format;
using testing::str;

TEST(KubernetesFormat, IsRegisteredAndWantsYamlAndJsonByPath) {
  const ConfigFormat* f = find_config_format("kubernetes");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->wants("deploy/app.yaml"));
  EXPECT_TRUE(f->wants("k8s/Service.YML"));
  EXPECT_TRUE(f->wants("pod.json"));
  EXPECT_FALSE(f->wants("Dockerfile"));
  EXPECT_FALSE(f->wants("app/package.json"));
  EXPECT_FALSE(f->wants("web/node_modules/x/deploy.yaml"));
  EXPECT_FALSE(f->wants("chart/Chart.yaml"));
  EXPECT_FALSE(f->wants("chart/values.yaml"));
}

TEST(KubernetesFormat, DetectsObjectsOnly) {
  const ConfigFormat* f = find_config_format("kubernetes");
  EXPECT_TRUE(f->detect("a.yaml", "apiVersion: v1\nkind: Pod\n"));
  EXPECT_TRUE(f->detect("a.yaml", "foo: 1\n---\napiVersion: v1\nkind: Service\n"));
  EXPECT_FALSE(f->detect("a.yaml", "name: build\non: push\njobs: {}\n"));
  EXPECT_FALSE(f->detect("a.yaml", "apiVersion: v1\nkindness: 1\n"));  // no kind key
  EXPECT_FALSE(f->detect("a.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n"));
  // A Helm template is not a manifest until rendered.
  EXPECT_FALSE(f->detect("chart/templates/deploy.yaml",
                         "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n"));
  // Broken YAML that is plainly a manifest is taken, so that the error is reported.
  EXPECT_TRUE(f->detect("bad.yaml", "apiVersion: v1\nkind: Pod\nspec: [\n"));
}

TEST(KubernetesFormat, OneDocumentPerObjectWithListsOpenedUp) {
  auto r = run_format("kubernetes", {fixture_file("kubernetes/workloads.yaml", "deploy/workloads.yaml")});
  ASSERT_EQ(r.docs.size(), 4u) << messages(r.diags);
  std::vector<std::string> kinds;
  for (const auto& d : r.docs) {
    kinds.push_back(d.kind);
    EXPECT_EQ(d.format, "kubernetes");
    EXPECT_EQ(d.path, "deploy/workloads.yaml");
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"Deployment", "CronJob", "Pod", "StatefulSet"}));
  for (size_t i = 0; i < r.docs.size(); ++i) EXPECT_EQ(r.docs[i].index, static_cast<int>(i));
  // The last YAML document is not an object: noted with its line, not a document.
  ASSERT_EQ(r.diags.size(), 1u) << messages(r.diags);
  EXPECT_EQ(r.diags[0].location.path, "deploy/workloads.yaml");
  EXPECT_EQ(r.diags[0].location.line, 54);
  EXPECT_NE(r.diags[0].message.find("not a Kubernetes object"), std::string::npos);
}

TEST(KubernetesFormat, RootIsTheObjectWithPositions) {
  auto r = run_format("kubernetes", {fixture_file("kubernetes/workloads.yaml")});
  ASSERT_GE(r.docs.size(), 4u);
  const Node& deploy = r.docs[0].root;
  EXPECT_EQ(str(deploy, "metadata.name"), "web");
  EXPECT_EQ(str(deploy, "metadata.annotations[\"example.com/owner\"]"), "team-a");
  const Node& privileged = at(deploy, "spec.template.spec.containers[0].securityContext.privileged");
  ASSERT_EQ(privileged.kind(), Node::Kind::kBool);
  EXPECT_TRUE(privileged.as_bool());
  EXPECT_EQ(privileged.pos, (SourcePos{17, 25}));
  EXPECT_EQ(at(deploy, "spec.replicas").as_int(), 2);
  // The key's position too, for findings about the key itself.
  const Node& sc = at(deploy, "spec.template.spec.containers[0].securityContext");
  EXPECT_EQ(sc.fields()[0].key_pos, (SourcePos{17, 13}));

  // List items keep their positions in the file.
  const Node& listed = r.docs[2].root;
  EXPECT_EQ(str(listed, "metadata.name"), "listed");
  EXPECT_EQ(listed.pos.line, 35u);
  EXPECT_EQ(at(listed, "spec.containers[0].image").pos, (SourcePos{42, 18}));
  EXPECT_EQ(at(r.docs[3].root, "spec.template.spec.containers[0].image").pos.line, 52u);
}

TEST(KubernetesFormat, PodSpecPathsLeadToPodSpecs) {
  EXPECT_EQ(pod_spec_path("Pod"), "spec");
  for (const char* k : {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"})
    EXPECT_EQ(pod_spec_path(k), "spec.template.spec") << k;
  EXPECT_EQ(pod_spec_path("CronJob"), "spec.jobTemplate.spec.template.spec");
  EXPECT_EQ(pod_spec_path("PodTemplate"), "template.spec");
  EXPECT_EQ(pod_spec_path("Service"), "");
  EXPECT_EQ(pod_spec_path("deployment"), "");  // kinds are case-sensitive

  auto r = run_format("kubernetes", {fixture_file("kubernetes/workloads.yaml")});
  for (const auto& d : r.docs) {
    const Node* spec = find_path(d.root, pod_spec_path(d.kind));
    ASSERT_NE(spec, nullptr) << d.kind;
    const Node* containers = spec->get("containers");
    ASSERT_NE(containers, nullptr) << d.kind;
    EXPECT_TRUE(containers->is_list()) << d.kind;
  }
  const Node& cron = r.docs[1].root;
  EXPECT_EQ(str(*find_path(cron, pod_spec_path("CronJob")), "containers[0].image"), "busybox:1.36");
  EXPECT_EQ(str(*find_path(cron, pod_spec_path("CronJob")), "containers[0].command[2]"), "date");
}

TEST(KubernetesFormat, JsonManifestsWithTabs) {
  auto r = run_format("kubernetes", {fixture_file("kubernetes/pod.json", "pod.json")});
  ASSERT_EQ(r.docs.size(), 1u) << messages(r.diags);
  EXPECT_TRUE(r.diags.empty()) << messages(r.diags);
  EXPECT_EQ(r.docs[0].kind, "Pod");
  const Node& pid = at(r.docs[0].root, "spec.hostPID");
  EXPECT_TRUE(pid.as_bool());
  EXPECT_EQ(pid.pos, (SourcePos{6, 14}));
}

TEST(KubernetesFormat, ListItemsThatAreNotObjectsAreNoted) {
  auto r = run_format("kubernetes", {fixture_file("kubernetes/podlist.yaml", "pods.yaml")});
  ASSERT_EQ(r.docs.size(), 2u);
  EXPECT_EQ(str(r.docs[0].root, "metadata.name"), "one");
  EXPECT_EQ(str(r.docs[1].root, "metadata.name"), "two");
  EXPECT_EQ(r.docs[1].index, 1);
  ASSERT_EQ(r.diags.size(), 1u) << messages(r.diags);
  EXPECT_EQ(r.diags[0].location.line, 8);
  EXPECT_NE(r.diags[0].message.find("item 1 of PodList"), std::string::npos) << r.diags[0].message;
}

TEST(KubernetesFormat, BadFilesAreDiagnosticsAndTheOthersAreStillRead) {
  std::string bomb = "apiVersion: v1\nkind: ConfigMap\na: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
    bomb += "]\n";
    prev = c;
  }
  std::string deep = "apiVersion: v1\nkind: ConfigMap\ndata: " + std::string(500, '[') + std::string(500, ']') + "\n";
  std::vector<ConfigFile> files = {
      {"bad.yaml", "", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n spec: [\n"},
      {"bomb.yaml", "", bomb},
      {"deep.yaml", "", deep},
      {"chart/deploy.yaml", "", "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.name }\n"},
      fixture_file("kubernetes/pod.json", "good.json"),
  };
  auto r = run_format("kubernetes", files);
  ASSERT_EQ(r.docs.size(), 1u) << messages(r.diags);
  EXPECT_EQ(r.docs[0].path, "good.json");
  std::map<std::string, const Diagnostic*> by_path;
  for (const auto& d : r.diags) by_path[d.location.path] = &d;
  ASSERT_EQ(by_path.size(), 4u) << messages(r.diags);
  EXPECT_EQ(by_path["bad.yaml"]->location.line, 5);
  EXPECT_NE(by_path["bad.yaml"]->message.find("YAML"), std::string::npos);
  EXPECT_NE(by_path["bomb.yaml"]->message.find("nodes"), std::string::npos);
  EXPECT_NE(by_path["deep.yaml"]->message.find("deeper"), std::string::npos);
  EXPECT_EQ(by_path["deep.yaml"]->location.line, 3);
  EXPECT_NE(by_path["chart/deploy.yaml"]->message.find("helm template"), std::string::npos);
}

TEST(KubernetesFormat, FilesOverTheSizeLimitAreNotRead) {
  ConfigLimits limits;
  limits.max_file_bytes = 20;
  auto r = run_format("kubernetes", {fixture_file("kubernetes/pod.json", "big.json")}, limits);
  EXPECT_TRUE(r.docs.empty());
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].location.path, "big.json");
  EXPECT_NE(r.diags[0].message.find("limit"), std::string::npos);
}

// Every manifest of the shared corpus: Kubernetes Goat and the pod security
// admission test data; no diagnostics at all.
std::vector<ConfigFile> corpus_yaml(const std::filesystem::path& dir, const std::filesystem::path& rel_to) {
  std::vector<ConfigFile> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::string ext = e.path().extension().string();
    if (ext != ".yaml" && ext != ".yml" && ext != ".json") continue;
    files.push_back({std::filesystem::relative(e.path(), rel_to).string(), "", ::bulwark::testing::read_file(e.path())});
  }
  return files;
}

TEST(KubernetesFormat, KubernetesGoatCorpus) {
  BULWARK_REQUIRE_CORPUS();
  auto dir = ::bulwark::testing::corpus_dir() / "iac/kubernetes-goat";
  auto files = corpus_yaml(dir, dir);
  ASSERT_FALSE(files.empty());
  auto r = run_format("kubernetes", files);
  EXPECT_TRUE(r.diags.empty()) << messages(r.diags);
  std::map<std::string, int> kinds;
  for (const auto& d : r.docs) ++kinds[d.kind];
  // Counted independently with PyYAML over the same files (Helm templates left out).
  EXPECT_EQ(r.docs.size(), 35u);
  EXPECT_EQ(kinds["Deployment"], 8);
  EXPECT_EQ(kinds["Service"], 9);
  EXPECT_EQ(kinds["Job"], 4);
  EXPECT_EQ(kinds["DaemonSet"], 1);
  // The Helm chart templates with template actions were not taken.
  EXPECT_NE(std::find(r.skipped.begin(), r.skipped.end(), "scenarios/metadata-db/templates/deployment.yaml"),
            r.skipped.end());
  for (const auto& d : r.docs) EXPECT_EQ(d.path.find("metadata-db/templates/"), std::string::npos) << d.path;
  // Every workload's pod spec is there.
  for (const auto& d : r.docs) {
    if (!pod_spec_path(d.kind).empty()) {
      EXPECT_NE(find_path(d.root, pod_spec_path(d.kind)), nullptr) << d.path << " " << d.kind;
    }
  }
}

TEST(KubernetesFormat, PodSecurityAdmissionTestdata) {
  BULWARK_REQUIRE_CORPUS();
  ::bulwark::testing::TempDir tmp;
  ASSERT_TRUE(::bulwark::testing::untar(
      ::bulwark::testing::corpus_dir() / "iac/pod-security-admission-testdata.tar.gz", tmp.path()));
  auto files = corpus_yaml(tmp.path(), tmp.path());
  EXPECT_EQ(files.size(), 4537u);
  auto r = run_format("kubernetes", files);
  EXPECT_TRUE(r.diags.empty()) << messages(r.diags);
  EXPECT_TRUE(r.skipped.empty());
  EXPECT_EQ(r.docs.size(), files.size());
  size_t with_containers = 0;
  for (const auto& d : r.docs) {
    EXPECT_EQ(d.kind, "Pod");
    const Node* c = find_path(d.root, "spec.containers[0].image");
    if (c && c->pos.line > 0) ++with_containers;
  }
  EXPECT_EQ(with_containers, r.docs.size());
}

}  // namespace
}  // namespace bulwark::policy
