// Arbitrary bytes as a user's policy file (`--policy DIR`): loading never
// crashes or hangs, every diagnostic names the file, and every policy that
// loads has an id, a known format and compiled CEL — which is then evaluated
// over a small Kubernetes manifest and a Dockerfile, where the cost limit must
// stop runaway expressions and errors must stay diagnostics.
#include <cstddef>
#include <cstdint>
#include <string>

#include "policy/misconfig/misconfig.hpp"

namespace {
constexpr const char* kPod =
    "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ns}\n"
    "spec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext: {privileged: true}\n";
constexpr const char* kDockerfile = "FROM debian\nRUN useradd app\nCMD [\"x\"]\n";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bulwark;
  if (size > 64 * 1024) return 0;
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<Diagnostic> diags;
  auto policies = policy::load_policies(text, "mine/policy.yaml", diags);
  for (const auto& d : diags)
    if (d.location.path != "mine/policy.yaml") __builtin_trap();
  for (const auto& p : policies)
    if (p.id.empty() || p.format.empty() || !p.compiled) __builtin_trap();
  if (policies.empty()) return 0;
  std::vector<ConfigFile> files{{"pod.yaml", "", kPod}, {"Dockerfile", "", kDockerfile}};
  std::vector<Diagnostic> parse_diags;
  auto docs = policy::parse_config_files(files, policy::ConfigLimits{}, parse_diags);
  std::vector<Finding> findings;
  std::vector<Diagnostic> eval_diags;
  policy::evaluate_policies(policies, docs, nullptr, findings, eval_diags);
  for (const auto& f : findings)
    if (f.kind != FindingKind::kMisconfiguration || f.location.path.empty()) __builtin_trap();
  // Fixes a user's policy asks for are planned the same way as built-in ones.
  policy::ImagePinner pin = [](const std::string& ref, std::string&) -> std::optional<std::string> {
    return ref + "@sha256:" + std::string(64, 'b');
  };
  std::vector<Diagnostic> fix_diags;
  (void)policy::plan_fixes(files, docs, policies, findings, fix_diags, pin);
  return 0;
}
