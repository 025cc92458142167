// Arbitrary bytes as a CloudFormation template: at most one document, a map,
// with short-form tags rewritten, or diagnostics naming the file; never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "policy/misconfig/misconfig.hpp"

namespace {
// No short-form tag survives as a tag: every tagged node became a map.
void walk(const bulwark::Node& n, int depth) {
  if (depth > 200) __builtin_trap();  // deeper than the read limit allows
  if (n.is_map())
    for (const auto& f : n.fields()) walk(f.value, depth + 1);
  else if (n.is_list())
    for (const auto& x : n.items()) walk(x, depth + 1);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace bulwark;
  const policy::ConfigFormat* f = policy::find_config_format("cloudformation");
  if (!f) __builtin_trap();
  policy::ConfigFile file{"stack/template.yaml", "", std::string(reinterpret_cast<const char*>(data), size)};
  (void)f->detect(file.path, file.text);
  policy::ConfigLimits limits;
  limits.read.max_nodes = 100'000;
  limits.read.max_depth = 64;
  const policy::ConfigFile* files[] = {&file};
  std::vector<Document> docs;
  std::vector<Diagnostic> diags;
  f->parse(files, limits, docs, diags);
  for (const auto& d : diags)
    if (d.location.path != file.path) __builtin_trap();
  if (docs.size() > 1) __builtin_trap();
  for (const auto& d : docs) {
    if (d.format != "cloudformation" || d.kind != "Template" || !d.root.is_map()) __builtin_trap();
    walk(d.root, 0);
  }
  return 0;
}
