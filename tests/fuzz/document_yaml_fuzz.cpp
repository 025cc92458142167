// Arbitrary bytes as a YAML/JSON configuration file: document trees or a
// diagnostic naming the file and a line, never a crash, and every node path the
// index knows leads back to its node.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/document.hpp"

namespace {
bulwark::Node tag_to_map(bulwark::YamlTag t) {
  bulwark::Node m = bulwark::Node::map(t.value.pos);
  m.add("Fn::" + t.tag, std::move(t.value));
  return m;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  const std::string path = "deploy/app.yaml";
  bulwark::ReadLimits limits;
  limits.max_nodes = 100'000;
  limits.max_depth = 64;
  auto docs = bulwark::read_yaml(text, path, diags, limits, size % 2 ? tag_to_map : nullptr);
  for (const auto& d : diags)
    if (d.location.path != path) __builtin_trap();
  for (const auto& doc : docs) {
    bulwark::PathIndex index(doc);
    // Spot-check the first few entries of every container.
    const bulwark::Node* n = &doc;
    while (n && (n->is_map() || n->is_list()) && n->size() > 0) {
      n = n->is_map() ? &n->fields().back().value : &n->items().front();
      const std::string* p = index.path_of(n);
      if (!p || bulwark::find_path(doc, *p) != n) __builtin_trap();
    }
    (void)doc.to_text();
  }
  return 0;
}
