// CEL evaluation benchmark: a pod-security expression of the kind a
// ValidatingAdmissionPolicy holds (host namespaces, hostPath volumes,
// privileged containers, privilege escalation, added capabilities, host
// ports, image references), evaluated over a Pod read from YAML, against a
// baseline measured in the same run:
//
//   baseline  the same checks written by hand in C++ over the same Node tree
//             (Node::get, loops, the same RE2 pattern compiled once);
//   cel       Program::evaluate of the compiled expression (compiled once,
//             outside the timed loop) with the Pod bound as `object`.
//
// Both run over a compliant Pod (every check walks every container) and a
// violating one (the first container decides). Prints ns per evaluation and
// the ratio cel/baseline per Pod; timings depend on the machine, the ratio
// much less.
//
//   cel_bench [benchmark flags]
#include <benchmark/benchmark.h>
#include <re2/re2.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "core/document.hpp"
#include "policy/cel/cel.hpp"

using namespace bulwark;

namespace {

const char* const kPolicy = R"cel(
(!has(object.spec.hostNetwork) || object.spec.hostNetwork == false) &&
(!has(object.spec.hostPID) || object.spec.hostPID == false) &&
(!has(object.spec.hostIPC) || object.spec.hostIPC == false) &&
(!has(object.spec.volumes) || object.spec.volumes.all(v, !has(v.hostPath))) &&
object.spec.containers.all(c,
  (!has(c.securityContext) || (
    (!has(c.securityContext.privileged) || c.securityContext.privileged == false) &&
    (!has(c.securityContext.allowPrivilegeEscalation) || c.securityContext.allowPrivilegeEscalation == false) &&
    (!has(c.securityContext.capabilities) || !has(c.securityContext.capabilities.add) ||
      c.securityContext.capabilities.add.all(cap, cap in ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER',
        'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT'])))) &&
  (!has(c.ports) || c.ports.all(p, !has(p.hostPort) || p.hostPort == 0)) &&
  c.image.matches('^[a-z0-9.-]+(/[a-z0-9._-]+)*:[A-Za-z0-9._-]+$'))
)cel";

const char* const kAllowedCaps[] = {"AUDIT_WRITE", "CHOWN",   "DAC_OVERRIDE", "FOWNER",          "FSETID",
                                    "KILL",        "MKNOD",   "NET_BIND_SERVICE", "SETFCAP",     "SETGID",
                                    "SETPCAP",     "SETUID",  "SYS_CHROOT"};

std::string pod_yaml(bool violating) {
  std::string y =
      "apiVersion: v1\n"
      "kind: Pod\n"
      "metadata:\n"
      "  name: shop\n"
      "  namespace: prod\n"
      "  labels: {app: shop, tier: web, version: v3}\n"
      "spec:\n"
      "  hostNetwork: false\n"
      "  serviceAccountName: shop\n"
      "  volumes:\n"
      "    - name: config\n"
      "      configMap: {name: shop-config}\n"
      "    - name: cache\n"
      "      emptyDir: {}\n"
      "    - name: tls\n"
      "      secret: {secretName: shop-tls}\n"
      "  containers:\n";
  const char* names[] = {"web", "worker", "metrics", "proxy"};
  for (int i = 0; i < 4; ++i) {
    y += std::string("    - name: ") + names[i] + "\n";
    y += std::string("      image: registry.example.com/shop/") + names[i] + ":1.4." + std::to_string(i) + "\n";
    y += "      ports:\n        - containerPort: " + std::to_string(8080 + i) + "\n          protocol: TCP\n";
    y += "      env:\n        - {name: MODE, value: prod}\n        - {name: LOG, value: info}\n";
    y += "      resources: {limits: {cpu: 500m, memory: 256Mi}, requests: {cpu: 100m, memory: 128Mi}}\n";
    y += "      securityContext:\n";
    y += std::string("        privileged: ") + (violating && i == 0 ? "true" : "false") + "\n";
    y += "        allowPrivilegeEscalation: false\n";
    y += "        runAsNonRoot: true\n";
    y += "        capabilities:\n          drop: [ALL]\n          add: [NET_BIND_SERVICE, CHOWN]\n";
  }
  return y;
}

Node read_pod(bool violating) {
  std::vector<Diagnostic> diags;
  auto docs = read_yaml(pod_yaml(violating), "pod.yaml", diags);
  if (docs.size() != 1 || !diags.empty()) {
    std::fprintf(stderr, "cel_bench: the Pod YAML does not read\n");
    std::exit(1);
  }
  return std::move(docs[0]);
}

// The policy by hand: what a programmer would write against Node directly.
bool is_false_or_absent(const Node* parent, std::string_view key) {
  const Node* n = parent->get(key);
  return !n || (n->kind() == Node::Kind::kBool && !n->as_bool());
}

bool baseline(const Node& pod, const re2::RE2& image_re) {
  const Node* spec = pod.get("spec");
  if (!spec) return false;
  if (!is_false_or_absent(spec, "hostNetwork") || !is_false_or_absent(spec, "hostPID") ||
      !is_false_or_absent(spec, "hostIPC"))
    return false;
  if (const Node* volumes = spec->get("volumes"))
    for (const Node& v : volumes->items())
      if (v.get("hostPath")) return false;
  const Node* containers = spec->get("containers");
  if (!containers) return false;
  for (const Node& c : containers->items()) {
    if (const Node* sc = c.get("securityContext")) {
      if (!is_false_or_absent(sc, "privileged") || !is_false_or_absent(sc, "allowPrivilegeEscalation")) return false;
      if (const Node* caps = sc->get("capabilities"))
        if (const Node* add = caps->get("add"))
          for (const Node& cap : add->items()) {
            bool ok = false;
            if (cap.is_string())
              for (const char* a : kAllowedCaps) ok = ok || cap.as_string() == a;
            if (!ok) return false;
          }
    }
    if (const Node* ports = c.get("ports"))
      for (const Node& p : ports->items())
        if (const Node* hp = p.get("hostPort"); hp && !(hp->kind() == Node::Kind::kInt && hp->as_int() == 0))
          return false;
    const Node* image = c.get("image");
    if (!image || !image->is_string() || !re2::RE2::PartialMatch(image->as_string(), image_re)) return false;
  }
  return true;
}

const re2::RE2& image_regex() {
  static const re2::RE2 re("^[a-z0-9.-]+(/[a-z0-9._-]+)*:[A-Za-z0-9._-]+$");
  return re;
}

const cel::Program& program() {
  static const cel::Program p = [] {
    cel::Env env;
    env.variables = {"object"};
    cel::CompileError ce;
    auto r = cel::Program::compile(kPolicy, env, &ce);
    if (!r.ok()) {
      std::fprintf(stderr, "cel_bench: %d:%d: %s\n", ce.line, ce.column, ce.message.c_str());
      std::exit(1);
    }
    return std::move(*r);
  }();
  return p;
}

void BM_Baseline(benchmark::State& state, bool violating) {
  Node pod = read_pod(violating);
  const re2::RE2& re = image_regex();
  if (baseline(pod, re) == violating) state.SkipWithError("baseline gives the wrong answer");
  for (auto _ : state) benchmark::DoNotOptimize(baseline(pod, re));
}

void BM_Cel(benchmark::State& state, bool violating) {
  Node pod = read_pod(violating);
  const cel::Program& p = program();
  cel::Activation vars;
  vars.bind("object", pod);
  cel::Value v = p.evaluate(vars);
  if (v.kind() != cel::Value::Kind::kBool || v.as_bool() == violating)
    state.SkipWithError(("CEL gives " + v.to_text()).c_str());
  for (auto _ : state) benchmark::DoNotOptimize(p.evaluate(vars));
}

void BM_CelWithActivation(benchmark::State& state) {
  // Binding the document per evaluation, as an engine scanning many files does.
  Node pod = read_pod(false);
  const cel::Program& p = program();
  for (auto _ : state) {
    cel::Activation vars;
    vars.bind("object", pod);
    benchmark::DoNotOptimize(p.evaluate(vars));
  }
}

void BM_Compile(benchmark::State& state) {
  cel::Env env;
  env.variables = {"object"};
  for (auto _ : state) benchmark::DoNotOptimize(cel::Program::compile(kPolicy, env).ok());
}

// Collects the time per iteration of each run to print the ratios.
class RatioReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (r.run_type == Run::RT_Iteration && !r.error_occurred) ns_[r.benchmark_name()] = r.GetAdjustedCPUTime();
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    for (const char* pod : {"compliant", "violating"}) {
      auto b = ns_.find(std::string("baseline/") + pod);
      auto c = ns_.find(std::string("cel/") + pod);
      if (b == ns_.end() || c == ns_.end() || b->second <= 0) continue;
      std::printf("%-10s pod: baseline %8.1f ns/eval, CEL %8.1f ns/eval, ratio CEL/baseline %.2f\n", pod, b->second,
                  c->second, c->second / b->second);
    }
  }

 private:
  std::map<std::string, double> ns_;
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("baseline/compliant", BM_Baseline, false);
  benchmark::RegisterBenchmark("cel/compliant", BM_Cel, false);
  benchmark::RegisterBenchmark("baseline/violating", BM_Baseline, true);
  benchmark::RegisterBenchmark("cel/violating", BM_Cel, true);
  benchmark::RegisterBenchmark("cel/compliant+bind", BM_CelWithActivation);
  benchmark::RegisterBenchmark("compile", BM_Compile);
  benchmark::Initialize(&argc, argv);
  RatioReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
