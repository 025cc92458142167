// Terraform configurations and plans into documents of one shape (see
// docs/config/terraform.md). Private to the misconfig module.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/document.hpp"
#include "policy/misconfig/misconfig.hpp"

namespace bulwark::policy::hcl {

// Every module directory among `files` (.tf, .tfvars, .tfvars.json and
// templates), evaluated from its root modules: one document per .tf file and
// module instance.
void build_terraform_documents(std::span<const ConfigFile* const> files, const ConfigLimits& limits,
                               std::vector<Document>& out, std::vector<Diagnostic>& diags);

// `terraform show -json` output into one document.
void build_plan_document(const ConfigFile& file, const ConfigLimits& limits, std::vector<Document>& out,
                         std::vector<Diagnostic>& diags);

// An address without its instance key: "module.a.aws_s3_bucket.b[0]" -> "module.a.aws_s3_bucket.b".
std::string base_address(std::string_view address);

// Strings of a resource's values that hold JSON documents (IAM policies) are
// decoded into `json` under their value path, so that policies can read them.
void add_json_view(Node& json, const std::string& path, const Node& decoded);
// The JSON document in `text`, or nullopt when it is none.
std::optional<Node> decode_json_text(std::string_view text, const std::string& file, SourcePos at, bool keep_lines);

}  // namespace bulwark::policy::hcl
