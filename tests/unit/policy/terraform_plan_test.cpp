// `terraform show -json` plans into the configuration documents' resource
// shape (fixture written after Terraform's "JSON Output Format" documentation).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "policy/misconfig/misconfig.hpp"

namespace bulwark::policy {
namespace {

struct Plan {
  std::vector<Document> docs;
  std::vector<Diagnostic> diags;
  const Node* resource(const std::string& address) const {
    if (docs.empty()) return nullptr;
    for (const auto& r : docs[0].root.get("resources")->items())
      if (r.get("address")->as_string() == address) return &r;
    return nullptr;
  }
};

Plan run(const std::string& path, const std::string& text) {
  const ConfigFormat* f = find_config_format("terraform-plan");
  Plan p;
  if (!f) {
    ADD_FAILURE() << "terraform-plan format not registered";
    return p;
  }
  ConfigFile cf{path, "", text};
  const ConfigFile* files[] = {&cf};
  f->parse(files, {}, p.docs, p.diags);
  return p;
}

std::string fixture() {
  std::ifstream in(std::string(BULWARK_SOURCE_DIR) + "/tests/fixtures/config/terraform/plan/plan.json");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> strings(const Node* list) {
  std::vector<std::string> out;
  if (list)
    for (const auto& x : list->items()) out.push_back(x.to_text());
  return out;
}

TEST(TerraformPlan, DetectsPlansOnly) {
  const ConfigFormat* f = find_config_format("terraform-plan");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->wants("out/plan.json"));
  EXPECT_FALSE(f->wants("main.tf"));
  EXPECT_TRUE(f->detect("plan.json", fixture()));
  EXPECT_TRUE(f->detect("p.json", R"({"format_version":"1.0","terraform_version":"1.5.0"})"));
  EXPECT_FALSE(f->detect("package.json", R"({"name":"x","version":"1.0.0"})"));
  EXPECT_FALSE(f->detect("list.json", R"([{"format_version":"1.0","planned_values":{}}])"));
}

TEST(TerraformPlan, ResourcesOfAllModulesInTheConfigurationShape) {
  Plan p = run("plan.json", fixture());
  ASSERT_TRUE(p.diags.empty()) << p.diags[0].message;
  ASSERT_EQ(p.docs.size(), 1u);
  const Document& d = p.docs[0];
  EXPECT_EQ(d.format, "terraform-plan");
  EXPECT_EQ(d.kind, "plan");
  EXPECT_EQ(d.root.get("terraform_version")->as_string(), "1.6.6");
  EXPECT_EQ(d.root.get("resources")->size(), 4u);
  EXPECT_EQ(d.root.get("module_resources")->size(), 4u);
  const Node* sg = p.resource("aws_security_group.web");
  ASSERT_NE(sg, nullptr);
  EXPECT_EQ(find_path(*sg, "values.ingress[0].cidr_blocks[0]")->as_string(), "0.0.0.0/0");
  EXPECT_EQ(find_path(*sg, "values.ingress[0].cidr_blocks[0]")->pos.line, 61u);  // JSON positions
  EXPECT_EQ(sg->get("provider")->as_string(), "aws");
  EXPECT_EQ(sg->get("mode")->as_string(), "managed");
  const Node* pol = p.resource("module.iam.aws_iam_policy.admin[\"ops\"]");
  ASSERT_NE(pol, nullptr);
  EXPECT_EQ(pol->get("module")->as_string(), "module.iam");
  EXPECT_EQ(pol->get("base_address")->as_string(), "module.iam.aws_iam_policy.admin");
  EXPECT_EQ(pol->get("index")->as_string(), "ops");
  EXPECT_EQ(find_path(*pol, "json.policy.Statement[0].Action")->as_string(), "*");
}

TEST(TerraformPlan, AttributesKnownOnlyAfterApplyAreMarked) {
  Plan p = run("plan.json", fixture());
  const Node* b = p.resource("aws_s3_bucket.site");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(strings(b->get("unknown")), (std::vector<std::string>{"arn", "id", "acl", "versioning"}));
  EXPECT_EQ(find_path(*b, "values.acl")->as_string(), "(known after apply)");
  EXPECT_EQ(find_path(*b, "values.tags.Environment")->as_string(), "prod");
}

TEST(TerraformPlan, ReferencesComeFromTheConfiguration) {
  Plan p = run("plan.json", fixture());
  const Node* pab = p.resource("aws_s3_bucket_public_access_block.site");
  ASSERT_NE(pab, nullptr);
  ASSERT_EQ(pab->get("references")->size(), 1u);
  EXPECT_EQ(find_path(*pab, "references[0].path")->as_string(), "bucket");
  EXPECT_EQ(find_path(*pab, "references[0].target")->as_string(), "aws_s3_bucket.site");
  EXPECT_EQ(find_path(*pab, "references[0].traversal")->as_string(), "aws_s3_bucket.site.id");
  EXPECT_EQ(find_path(*p.resource("aws_security_group.web"), "references[0].target")->as_string(), "data.aws_vpc.main");
  const Node* pol = p.resource("module.iam.aws_iam_policy.admin[\"ops\"]");
  ASSERT_EQ(pol->get("references")->size(), 1u);  // each.key is no reference to another object
  EXPECT_EQ(find_path(*pol, "references[0].target")->as_string(), "module.iam.aws_iam_role.r");
  EXPECT_TRUE(p.resource("aws_s3_bucket.site")->get("references")->items().empty());  // var.env only
}

TEST(TerraformPlan, BadInputIsADiagnosticWithFileAndLine) {
  Plan p = run("dir/plan.json", "{\"format_version\": \"1.2\",\n  \"planned_values\": [\n");
  ASSERT_FALSE(p.diags.empty());
  EXPECT_EQ(p.diags[0].location.path, "dir/plan.json");
  EXPECT_GT(p.diags[0].location.line, 0);
  Plan q = run("q.json", "{\"planned_values\": {}}");
  ASSERT_EQ(q.diags.size(), 1u);
  EXPECT_TRUE(q.docs.empty());
  Plan odd = run("o.json", R"({"format_version": "1", "planned_values": {"root_module": {"resources": [1, {"address": 2}]}}})");
  ASSERT_EQ(odd.docs.size(), 1u);
  EXPECT_EQ(odd.docs[0].root.get("resources")->size(), 1u);
}

}  // namespace
}  // namespace bulwark::policy
