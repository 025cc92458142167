// Arbitrary bytes as `terraform show -json` output: at most one document, in
// the resource shape, or a diagnostic naming the file; never a crash.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "policy/misconfig/misconfig.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  bulwark::policy::ConfigFile file{"plan.json", "", std::string(reinterpret_cast<const char*>(data), size)};
  const auto* format = bulwark::policy::find_config_format("terraform-plan");
  if (!format) __builtin_trap();
  (void)format->detect(file.path, file.text);  // must not crash on anything
  const bulwark::policy::ConfigFile* files[] = {&file};
  std::vector<bulwark::Document> docs;
  std::vector<bulwark::Diagnostic> diags;
  format->parse(files, {}, docs, diags);
  if (docs.size() > 1) __builtin_trap();
  for (const auto& d : docs) {
    const bulwark::Node* rs = d.root.get("resources");
    if (d.path != file.path || !rs || !rs->is_list()) __builtin_trap();
    for (const auto& r : rs->items())
      if (!r.get("address") || !r.get("values") || !r.get("unknown")) __builtin_trap();
  }
  for (const auto& d : diags)
    if (d.location.path != file.path) __builtin_trap();
  return 0;
}
