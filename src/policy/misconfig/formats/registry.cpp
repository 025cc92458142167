// The configuration formats, in the order they are offered a file: one line
// per format.
#include "policy/misconfig/internal.hpp"
#include "policy/misconfig/misconfig.hpp"

namespace bulwark::policy {

const std::vector<ConfigFormatPtr>& config_formats() {
  static const std::vector<ConfigFormatPtr> formats = [] {
    std::vector<ConfigFormatPtr> v;
    v.push_back(make_terraform_format());
    v.push_back(make_terraform_plan_format());
    v.push_back(make_kubernetes_format());
    v.push_back(make_dockerfile_format());
    v.push_back(make_cloudformation_format());
    return v;
  }();
  return formats;
}

bool within_file_limit(const ConfigFile& f, const ConfigLimits& limits, std::vector<Diagnostic>& diags) {
  if (f.text.size() <= limits.max_file_bytes) return true;
  diags.push_back(make_warning(f.path, 0,
                               "file is " + std::to_string(f.text.size()) + " bytes, more than the limit of " +
                                   std::to_string(limits.max_file_bytes) + "; not read"));
  return false;
}

const ConfigFormat* find_config_format(std::string_view name) {
  for (const auto& f : config_formats())
    if (f->name() == name) return f.get();
  return nullptr;
}

}  // namespace bulwark::policy
