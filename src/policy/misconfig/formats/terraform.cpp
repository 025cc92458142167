// Terraform configurations (HCL2 native syntax): every module directory in the
// target is read as a whole (its .tf files, terraform.tfvars and
// *.auto.tfvars, template files for file() and templatefile()), evaluated
// where static, and turned into one document per .tf file and module instance.
// Shapes: docs/config/terraform.md.
#include "policy/misconfig/hcl/terraform.hpp"
#include "policy/misconfig/misconfig.hpp"

namespace bulwark::policy {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) { return s.ends_with(suffix); }

class TerraformFormat : public ConfigFormat {
 public:
  std::string_view name() const override { return "terraform"; }
  bool wants(std::string_view path) const override {
    return ends_with(path, ".tf") || ends_with(path, ".tfvars") || ends_with(path, ".tfvars.json") ||
           ends_with(path, ".tftpl") || ends_with(path, ".tpl");
  }
  bool detect(std::string_view path, std::string_view) const override { return wants(path); }
  void parse(std::span<const ConfigFile* const> files, const ConfigLimits& limits, std::vector<Document>& out,
             std::vector<Diagnostic>& diags) const override {
    hcl::build_terraform_documents(files, limits, out, diags);
  }
};

}  // namespace

ConfigFormatPtr make_terraform_format() { return std::make_unique<TerraformFormat>(); }

}  // namespace bulwark::policy
