// The configuration formats, in the order they are offered a file: one line
// per format.
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

const ConfigFormat* find_config_format(std::string_view name) {
  for (const auto& f : config_formats())
    if (f->name() == name) return f.get();
  return nullptr;
}

}  // namespace bulwark::policy
