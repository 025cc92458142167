// Configuration scanning speed (docs/benchmarks.md):
//  1. the shared corpus's iac/ tree (terragoat, cfngoat, kubernetes-goat):
//     read, parse into documents, evaluate every built-in policy; baseline:
//     reading the same files;
//  2. generated Kubernetes manifests (Deployments with two containers, a
//     Service each): documents per millisecond on one core for parsing alone
//     (the baseline) and for parsing plus every built-in policy.
// Plain main: `config_bench [--corpus=DIR] [--manifests=N] [--iterations=N]`.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "policy/misconfig/misconfig.hpp"

namespace {
namespace fs = std::filesystem;
using bulwark::ConfigFile;
using Clock = std::chrono::steady_clock;

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

std::vector<ConfigFile> read_tree(const fs::path& root) {
  std::vector<ConfigFile> files;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    if (!it->is_regular_file()) continue;
    std::string rel = fs::relative(it->path(), root).string();
    bool wanted = false;
    for (const auto& f : bulwark::policy::config_formats()) wanted = wanted || f->wants(rel);
    if (!wanted || it->file_size() > (8u << 20)) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    files.push_back({rel, "", s.str()});
  }
  return files;
}

std::string manifest(int i) {
  char buf[2048];
  std::snprintf(buf, sizeof buf, R"(apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-%d
  namespace: team-%d
  labels: {app: app-%d}
spec:
  replicas: 2
  selector: {matchLabels: {app: app-%d}}
  template:
    metadata: {labels: {app: app-%d}}
    spec:
      serviceAccountName: app-%d
      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
      containers:
        - name: web
          image: registry.example.com/web:1.%d.0
          ports: [{containerPort: 8080}]
          securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
          resources: {limits: {cpu: 500m, memory: 256Mi}, requests: {cpu: 100m, memory: 128Mi}}
        - name: sidecar
          image: registry.example.com/proxy:latest
          securityContext: {privileged: %s}
          env: [{name: API_TOKEN, valueFrom: {secretKeyRef: {name: tok, key: t}}}]
---
apiVersion: v1
kind: Service
metadata: {name: app-%d, namespace: team-%d}
spec:
  type: %s
  selector: {app: app-%d}
  ports: [{port: 80, targetPort: 8080}]
)",
                i, i % 20, i, i, i, i, i % 50, i % 7 == 0 ? "true" : "false", i, i % 20,
                i % 5 == 0 ? "NodePort" : "ClusterIP", i);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  std::string corpus = fs::path(BULWARK_SOURCE_DIR) / ".." / "shared" / "corpus";
  int manifests = 5000, iterations = 3;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--corpus=", 0) == 0) corpus = a.substr(9);
    else if (a.rfind("--manifests=", 0) == 0) manifests = std::stoi(a.substr(12));
    else if (a.rfind("--iterations=", 0) == 0) iterations = std::stoi(a.substr(13));
  }
  const auto& policies = bulwark::policy::builtin_policies();
  std::printf("built-in policies: %zu\n", policies.size());

  fs::path iac = fs::path(corpus) / "iac";
  if (fs::is_directory(iac)) {
    double best_read = 1e18, best_all = 1e18;
    size_t docs = 0, findings = 0, nfiles = 0;
    for (int it = 0; it < iterations; ++it) {
      auto t0 = Clock::now();
      auto files = read_tree(iac);
      best_read = std::min(best_read, ms_since(t0));
      auto t1 = Clock::now();
      auto files2 = read_tree(iac);
      std::vector<bulwark::Diagnostic> diags;
      auto d = bulwark::policy::parse_config_files(files2, {}, diags);
      std::vector<bulwark::Finding> out;
      bulwark::policy::evaluate_policies(policies, d, nullptr, out, diags);
      best_all = std::min(best_all, ms_since(t1));
      docs = d.size();
      findings = out.size();
      nfiles = files.size();
    }
    std::printf("iac corpus: %zu files, %zu documents, %zu findings; read %.1f ms (baseline), read+parse+evaluate "
                "%.1f ms, ratio %.1f\n",
                nfiles, docs, findings, best_read, best_all, best_all / best_read);
  } else {
    std::printf("iac corpus: skipped (%s absent)\n", iac.c_str());
  }

  // Generated manifests in files of 10 objects (5 Deployments + 5 Services).
  std::vector<ConfigFile> files;
  for (int i = 0; i < manifests; i += 5) {
    std::string text;
    for (int k = i; k < std::min(manifests, i + 5); ++k) text += manifest(k) + "---\n";
    files.push_back({"deploy/app-" + std::to_string(i) + ".yaml", "", std::move(text)});
  }
  double best_parse = 1e18, best_eval = 1e18;
  size_t docs = 0, findings = 0;
  for (int it = 0; it < iterations; ++it) {
    std::vector<bulwark::Diagnostic> diags;
    auto t0 = Clock::now();
    auto d = bulwark::policy::parse_config_files(files, {}, diags);
    double parse = ms_since(t0);
    std::vector<bulwark::Finding> out;
    auto t1 = Clock::now();
    bulwark::policy::evaluate_policies(policies, d, nullptr, out, diags);
    double eval = ms_since(t1);
    best_parse = std::min(best_parse, parse);
    best_eval = std::min(best_eval, parse + eval);
    docs = d.size();
    findings = out.size();
  }
  std::printf("generated kubernetes: %zu documents, %zu findings; parse %.1f ms (%.1f docs/ms, baseline), "
              "parse+evaluate %.1f ms (%.1f docs/ms on one core), ratio %.1f\n",
              docs, findings, best_parse, docs / best_parse, best_eval, docs / best_eval, best_eval / best_parse);
  return 0;
}
