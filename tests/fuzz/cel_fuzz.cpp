// Arbitrary bytes as a CEL expression, compiled and evaluated against a
// small fixed Kubernetes-like document: a compile error with a line and
// column inside the text, or a value (possibly an error value), never a
// crash, hang or unbounded memory. Document views in the result must point
// into the document, and evaluating twice gives the same text.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/document.hpp"
#include "policy/cel/cel.hpp"

namespace {

const bulwark::Node& document() {
  static const bulwark::Node doc = [] {
    std::vector<bulwark::Diagnostic> diags;
    auto docs = bulwark::read_yaml(
        "kind: Pod\n"
        "metadata: {name: web, labels: {app: web, tier: front}, annotations: {a.b/c: 'x'}}\n"
        "spec:\n"
        "  containers:\n"
        "    - name: app\n"
        "      image: nginx:1.25\n"
        "      ports: [{containerPort: 8080}, {containerPort: 9090}]\n"
        "      securityContext: {privileged: true, runAsUser: 0}\n"
        "    - {name: side, image: 'busybox', args: [sh, -c, 'echo hi'], cpu: 0.5, x: ~}\n"
        "  volumes: []\n",
        "pod.yaml", diags);
    return docs.empty() ? bulwark::Node() : std::move(docs[0]);
  }();
  return doc;
}

bool inside(const bulwark::Node* n, const bulwark::Node& root) {
  if (n == &root) return true;
  if (root.is_map())
    for (const auto& f : root.fields())
      if (inside(n, f.value)) return true;
  if (root.is_list())
    for (const auto& i : root.items())
      if (inside(n, i)) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view expr(reinterpret_cast<const char*>(data), size);
  bulwark::cel::Env env;
  env.variables = {"object", "x", "params.spec"};
  env.max_cost = 200'000;
  bulwark::cel::CompileError ce;
  auto program = bulwark::cel::Program::compile(expr, env, &ce);
  if (!program.ok()) {
    if (ce.line < 1 || ce.column < 1 || ce.message.empty()) __builtin_trap();
    int lines = 1;
    for (char c : expr) lines += c == '\n' || c == '\r';
    if (ce.line > lines) __builtin_trap();
    return 0;
  }
  bulwark::cel::Activation vars;
  vars.bind("object", document());
  vars.bind("x", bulwark::cel::Value::list({bulwark::cel::Value::integer(1), bulwark::cel::Value::string("two")}));
  vars.bind("params.spec", bulwark::cel::Value::map({{bulwark::cel::Value::string("max"), bulwark::cel::Value::integer(3)}}));
  bulwark::cel::Value v = program->evaluate(vars);
  if (v.is_error() && v.as_string().empty()) __builtin_trap();
  if (v.node() && !inside(v.node(), document())) __builtin_trap();
  std::string text = v.to_text();
  bulwark::cel::Value again = program->evaluate(vars);
  if (again.to_text() != text || again.kind() != v.kind()) __builtin_trap();
  return 0;
}
