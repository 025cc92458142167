// Terraform plans as `terraform show -json` writes them: the planned values of
// every resource (root and child modules), in the same resource shape as the
// Terraform configuration documents, unknowns and references taken from
// resource_changes and configuration. Shapes: docs/config/terraform.md.
#include "policy/misconfig/hcl/terraform.hpp"
#include "policy/misconfig/misconfig.hpp"

namespace bulwark::policy {

namespace {

class TerraformPlanFormat : public ConfigFormat {
 public:
  std::string_view name() const override { return "terraform-plan"; }
  bool wants(std::string_view path) const override { return path.ends_with(".json"); }
  // A JSON object with "format_version" and "planned_values" or
  // "terraform_version" at its top level (keys only looked for, not parsed:
  // detect() must stay cheap).
  bool detect(std::string_view, std::string_view text) const override {
    size_t i = 0;
    if (text.starts_with("\xEF\xBB\xBF")) i = 3;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i >= text.size() || text[i] != '{') return false;
    return text.find("\"format_version\"") != std::string_view::npos &&
           (text.find("\"planned_values\"") != std::string_view::npos ||
            text.find("\"terraform_version\"") != std::string_view::npos);
  }
  void parse(std::span<const ConfigFile* const> files, const ConfigLimits& limits, std::vector<Document>& out,
             std::vector<Diagnostic>& diags) const override {
    for (const ConfigFile* f : files) hcl::build_plan_document(*f, limits, out, diags);
  }
};

}  // namespace

ConfigFormatPtr make_terraform_plan_format() { return std::make_unique<TerraformPlanFormat>(); }

}  // namespace bulwark::policy
