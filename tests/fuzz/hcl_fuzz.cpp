// Arbitrary bytes as a Terraform module tree: the input is split at NUL bytes
// into a root module file, a tfvars file and a local module's file (the root
// may call it as "./m"). Documents name only those files, diagnostics too;
// never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "policy/misconfig/misconfig.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  static const char* names[] = {"main.tf", "terraform.tfvars", "m/main.tf", "m/t.tftpl"};
  std::vector<bulwark::policy::ConfigFile> files;
  size_t start = 0;
  for (size_t k = 0; k < 4 && start <= text.size(); ++k) {
    size_t end = k == 3 ? text.size() : text.find('\0', start);
    if (end == std::string_view::npos) end = text.size();
    files.push_back({names[k], "", std::string(text.substr(start, end - start))});
    start = end + 1;
  }
  const auto* format = bulwark::policy::find_config_format("terraform");
  if (!format) __builtin_trap();
  std::vector<const bulwark::policy::ConfigFile*> selected;
  for (const auto& f : files)
    if (format->wants(f.path) && format->detect(f.path, f.text)) selected.push_back(&f);
  std::vector<bulwark::Document> docs;
  std::vector<bulwark::Diagnostic> diags;
  format->parse(selected, {}, docs, diags);
  auto known = [&](const std::string& p) {
    for (const auto& f : files)
      if (f.path == p) return true;
    return false;
  };
  for (const auto& d : docs) {
    if (d.format != "terraform" || !known(d.path) || !d.root.is_map() || !d.root.get("resources")) __builtin_trap();
    (void)d.root.to_text();
  }
  for (const auto& d : diags)
    if (!known(d.location.path)) __builtin_trap();
  return 0;
}
