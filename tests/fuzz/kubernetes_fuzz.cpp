// Arbitrary bytes as a Kubernetes manifest: documents that are objects (a map
// with string apiVersion and kind equal to the document's kind) or diagnostics
// naming the file, never a crash; detect() never crashes either.
#include <cstddef>
#include <cstdint>
#include <string>

#include "policy/misconfig/misconfig.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bulwark;
  const policy::ConfigFormat* f = policy::find_config_format("kubernetes");
  if (!f) __builtin_trap();
  policy::ConfigFile file{"deploy/app.yaml", "", std::string(reinterpret_cast<const char*>(data), size)};
  (void)f->detect(file.path, file.text);
  (void)f->detect("chart/templates/app.yaml", file.text);
  policy::ConfigLimits limits;
  limits.read.max_nodes = 100'000;
  limits.read.max_depth = 64;
  const policy::ConfigFile* files[] = {&file};
  std::vector<Document> docs;
  std::vector<Diagnostic> diags;
  f->parse(files, limits, docs, diags);
  for (const auto& d : diags)
    if (d.location.path != file.path) __builtin_trap();
  int index = 0;
  for (const auto& d : docs) {
    if (d.format != "kubernetes" || d.path != file.path || d.index != index++) __builtin_trap();
    const Node* kind = d.root.get("kind");
    const Node* api = d.root.get("apiVersion");
    if (!kind || !kind->is_string() || kind->as_string() != d.kind || !api || !api->is_string()) __builtin_trap();
    if (d.root.pos.line == 0) __builtin_trap();
    std::string_view p = policy::pod_spec_path(d.kind);
    if (!p.empty()) (void)find_path(d.root, p);
  }
  return 0;
}
