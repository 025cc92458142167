// Terraform configurations into documents: evaluation of variables, tfvars,
// locals, functions, templates and for expressions; count, for_each and
// dynamic blocks; local modules; references and unknowns; positions.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "policy/misconfig/misconfig.hpp"

namespace bulwark::policy {
namespace {

struct Result {
  std::vector<Document> docs;
  std::vector<Diagnostic> diags;

  const Node* resource(const std::string& address) const {
    for (const auto& d : docs)
      for (const auto& r : d.root.get("resources")->items())
        if (r.get("address")->as_string() == address) return &r;
    return nullptr;
  }
  const Document* doc(const std::string& path, const std::string& module = "") const {
    for (const auto& d : docs)
      if (d.path == path && d.root.get("module")->as_string() == module) return &d;
    return nullptr;
  }
  std::string value(const std::string& address, const std::string& path) const {
    const Node* r = resource(address);
    if (!r) return "(no resource " + address + ")";
    const Node* v = find_path(*r->get("values"), path);
    return v ? v->to_text() : "(absent)";
  }
};

Result run(std::vector<ConfigFile> files) {
  const ConfigFormat* f = find_config_format("terraform");
  Result r;
  if (!f) {
    ADD_FAILURE() << "terraform format not registered";
    return r;
  }
  std::vector<const ConfigFile*> selected;
  for (const auto& cf : files)
    if (f->wants(cf.path) && f->detect(cf.path, cf.text)) selected.push_back(&cf);
  f->parse(selected, {}, r.docs, r.diags);
  return r;
}

Result run_one(const std::string& text) { return run({{"main.tf", "", text}}); }

std::vector<std::string> strings(const Node* list) {
  std::vector<std::string> out;
  if (list)
    for (const auto& x : list->items()) out.push_back(x.to_text());
  return out;
}

std::string local_value(const Result& r, const std::string& name) {
  const Node* v = r.docs.at(0).root.get("locals")->get(name);
  return v ? v->to_text() : "(absent)";
}

TEST(TerraformConfig, FormatClaimsTerraformFiles) {
  const ConfigFormat* f = find_config_format("terraform");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->wants("a/main.tf"));
  EXPECT_TRUE(f->wants("terraform.tfvars"));
  EXPECT_TRUE(f->wants("a/prod.auto.tfvars.json"));
  EXPECT_FALSE(f->wants("a/main.tf.bak"));
  EXPECT_FALSE(f->wants("deploy.yaml"));
}

TEST(TerraformConfig, TemplatesHeredocsAndForExpressions) {
  Result r = run_one(R"(
variable "names" { default = ["a", "b", ""] }
locals {
  joined  = "${join(",", var.names)}!"
  upper   = [for n in var.names : upper(n) if n != ""]
  indexed = { for i, n in var.names : n => i if n != "" }
  grouped = { for n in ["x", "y", "x"] : n => n... }
  cond    = length(var.names) > 2 ? "many" : "few"
  tmpl    = "%{ for n in var.names ~}[${n}]%{ endfor ~}"
  ifelse  = "%{ if var.names[0] == "a" }yes%{ else }no%{ endif }"
  splat   = [{ id = 1 }, { id = 2 }][*].id
  heredoc = <<-EOT
    first ${var.names[1]}
      second
    EOT
  math    = 1 + 2 * 3 - 8 / 4 % 3
  logic   = !(1 > 2) && (2 >= 2 || false)
  same    = "${var.names}"
}
)");
  ASSERT_TRUE(r.diags.empty()) << r.diags[0].message;
  EXPECT_EQ(local_value(r, "joined"), "a,b,!");
  EXPECT_EQ(local_value(r, "upper"), R"(["A","B"])");
  EXPECT_EQ(local_value(r, "indexed"), R"({"a":0,"b":1})");
  EXPECT_EQ(local_value(r, "grouped"), R"({"x":["x","x"],"y":["y"]})");
  EXPECT_EQ(local_value(r, "cond"), "many");
  EXPECT_EQ(local_value(r, "tmpl"), "[a][b][]");
  EXPECT_EQ(local_value(r, "ifelse"), "yes");
  EXPECT_EQ(local_value(r, "splat"), "[1,2]");
  EXPECT_EQ(local_value(r, "heredoc"), "first b\n  second\n");
  EXPECT_EQ(local_value(r, "math"), "5");
  EXPECT_EQ(local_value(r, "logic"), "true");
  EXPECT_EQ(local_value(r, "same"), R"(["a","b",""])");  // a lone interpolation keeps the type
}

TEST(TerraformConfig, Functions) {
  Result r = run_one(R"(
locals {
  merge   = merge({ a = 1, b = 2 }, { b = 3 }, null)
  concat  = concat(["a"], ["b", "c"])
  lookup  = lookup({ k = "v" }, "x", "default")
  format  = format("%s-%03d-%v-%q", "x", 7, true, "q")
  flist   = formatlist("%s=%d", ["a", "b"], [1, 2])
  split   = split(",", "a,b,,c")
  json    = jsonencode({ b = [1, "two"], a = null })
  decoded = jsondecode("{\"k\": [true, 1.5]}").k[1]
  cidr    = cidrsubnet("10.1.0.0/16", 8, 3)
  host    = cidrhost("10.1.2.0/24", 5)
  try     = try(local.nope.x, "fallback")
  can     = [can(tonumber("x")), can(tonumber("1"))]
  element = element(["a", "b"], 3)
  coal    = coalesce("", null, "c")
  misc    = [length("four"), upper("x"), lower("Y"), replace("a-b-c", "-", "+"), trimspace("  t "), title("hi there")]
  coll    = [distinct([1, 1, 2]), flatten([[1], [2, [3]]]), keys({ b = 1, a = 2 }), values({ b = 1, a = 2 }), range(3), reverse([1, 2])]
  zip     = zipmap(["a", "b"], [1, 2])
  nums    = [max(1, 9, 3), min([4, 2]...), abs(-3), ceil(1.2), floor(1.8), pow(2, 10)]
  strs    = [substr("hello", 1, 3), trimprefix("pre-x", "pre-"), trimsuffix("x.tf", ".tf"), strrev("ab"), chomp("x\n")]
  conv    = [tostring(1), tonumber("2"), tobool("true"), toset(["a", "a"]), sort(["b", "a"])]
  b64     = base64decode(base64encode("hi"))
  unknown = timestamp()
}
)");
  ASSERT_TRUE(r.diags.empty()) << r.diags[0].message;
  EXPECT_EQ(local_value(r, "merge"), R"({"a":1,"b":3})");
  EXPECT_EQ(local_value(r, "concat"), R"(["a","b","c"])");
  EXPECT_EQ(local_value(r, "lookup"), "default");
  EXPECT_EQ(local_value(r, "format"), R"(x-007-true-"q")");
  EXPECT_EQ(local_value(r, "flist"), R"(["a=1","b=2"])");
  EXPECT_EQ(local_value(r, "split"), R"(["a","b","","c"])");
  EXPECT_EQ(local_value(r, "json"), R"({"a":null,"b":[1,"two"]})");  // keys sorted as Terraform does
  EXPECT_EQ(local_value(r, "decoded"), "1.5");
  EXPECT_EQ(local_value(r, "cidr"), "10.1.3.0/24");
  EXPECT_EQ(local_value(r, "host"), "10.1.2.5");
  EXPECT_EQ(local_value(r, "try"), "fallback");
  EXPECT_EQ(local_value(r, "can"), "[false,true]");
  EXPECT_EQ(local_value(r, "element"), "b");
  EXPECT_EQ(local_value(r, "coal"), "c");
  EXPECT_EQ(local_value(r, "misc"), R"([4,"X","y","a+b+c","t","Hi There"])");
  EXPECT_EQ(local_value(r, "coll"), R"([[1,2],[1,2,3],["a","b"],[2,1],[0,1,2],[2,1]])");
  EXPECT_EQ(local_value(r, "zip"), R"({"a":1,"b":2})");
  EXPECT_EQ(local_value(r, "nums"), "[9,2,3,2,1,1024]");
  EXPECT_EQ(local_value(r, "strs"), R"(["ell","x","x","ba","x"])");
  EXPECT_EQ(local_value(r, "conv"), R"(["1",2,true,["a"],["a","b"]])");
  EXPECT_EQ(local_value(r, "b64"), "hi");
  EXPECT_EQ(local_value(r, "unknown"), "timestamp()");
  EXPECT_EQ(strings(r.docs[0].root.get("unknown")), std::vector<std::string>{"locals.unknown"});
}

// The fixture project: a root module with tfvars, and a local module called twice.
Result run_fixture_project() {
  std::string dir = std::string(BULWARK_SOURCE_DIR) + "/tests/fixtures/config/terraform/project";
  std::vector<ConfigFile> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    files.push_back({"project/" + std::filesystem::relative(e.path(), dir).string(), "", ss.str()});
  }
  return run(files);
}

TEST(TerraformConfig, VariablesFromDefaultsAndTfvarsInTerraformsOrder) {
  Result r = run_fixture_project();
  ASSERT_TRUE(r.diags.empty()) << r.diags[0].message;
  const Document* main = r.doc("project/main.tf");
  ASSERT_NE(main, nullptr);
  const Node& vars = *main->root.get("variables");
  EXPECT_EQ(vars.get("env")->get("default")->to_text(), "dev");
  EXPECT_EQ(vars.get("env")->get("value")->to_text(), "prod");  // terraform.tfvars
  EXPECT_EQ(vars.get("open_ports")->get("value")->to_text(), "[22,443,3389]");  // *.auto.tfvars win
  EXPECT_EQ(vars.get("kms_key")->get("value")->to_text(), "var.kms_key");
  EXPECT_EQ(main->root.get("locals")->get("prefix")->to_text(), "acme-prod");
  EXPECT_EQ(r.value("aws_security_group.web", "name"), "acme-prod-web");
}

TEST(TerraformConfig, DynamicBlocksExpandIntoListsOfObjects) {
  Result r = run_fixture_project();
  const Node* sg = r.resource("aws_security_group.web");
  ASSERT_NE(sg, nullptr);
  const Node* ingress = sg->get("values")->get("ingress");
  ASSERT_NE(ingress, nullptr);
  ASSERT_EQ(ingress->size(), 3u);
  EXPECT_EQ(r.value("aws_security_group.web", "ingress[1].from_port"), "443");
  EXPECT_EQ(r.value("aws_security_group.web", "ingress[2].cidr_blocks[0]"), "0.0.0.0/0");
  EXPECT_EQ(r.value("aws_security_group.web", "egress[0].ipv6_cidr_blocks"), R"(["::/0"])");
  EXPECT_TRUE(sg->get("unknown")->items().empty());
  // Positions: the resource at its block header, values at their expressions.
  EXPECT_EQ(sg->pos.line, 43u);
  EXPECT_EQ(find_path(*sg->get("values"), "ingress[0].cidr_blocks")->pos, (SourcePos{52, 21}));
}

TEST(TerraformConfig, CountAndForEachGiveOneResourcePerInstance) {
  Result r = run_fixture_project();
  EXPECT_EQ(r.value("aws_ebs_volume.data[0]", "availability_zone"), "us-east-1a");
  EXPECT_EQ(r.value("aws_ebs_volume.data[1]", "availability_zone"), "us-east-1b");
  EXPECT_EQ(r.value("aws_ebs_volume.data[0]", "encrypted"), "true");
  EXPECT_EQ(r.value("aws_ebs_volume.data[1]", "encrypted"), "false");
  const Node* vol = r.resource("aws_ebs_volume.data[1]");
  ASSERT_NE(vol, nullptr);
  EXPECT_EQ(vol->get("index")->as_int(), 1);
  EXPECT_EQ(vol->get("base_address")->as_string(), "aws_ebs_volume.data");
  EXPECT_EQ(strings(vol->get("unknown")), std::vector<std::string>{"kms_key_id"});
  EXPECT_EQ(r.resource("aws_ebs_volume.data"), nullptr);
  EXPECT_EQ(r.value("aws_iam_policy.admin[\"ops\"]", "name"), "admin-ops");
  EXPECT_EQ(r.resource("aws_iam_policy.admin[\"dev\"]")->get("index")->as_string(), "dev");
}

TEST(TerraformConfig, HeredocJsonIsDecodedWithLinesOfTheTfFile) {
  Result r = run_fixture_project();
  const Node* p = r.resource("aws_iam_policy.admin[\"ops\"]");
  ASSERT_NE(p, nullptr);
  const Node* action = find_path(*p->get("json"), "policy.Statement[0].Action");
  ASSERT_NE(action, nullptr);
  EXPECT_EQ(action->as_string(), "*");
  EXPECT_EQ(action->pos.line, 77u);
}

TEST(TerraformConfig, LocalModulesAreInstancesWithTheirArguments) {
  Result r = run_fixture_project();
  EXPECT_EQ(r.value("module.site.aws_s3_bucket.this", "bucket"), "acme-prod-site");
  EXPECT_EQ(r.value("module.logs.aws_s3_bucket.this", "bucket"), "acme-prod-logs");
  EXPECT_EQ(r.value("module.site.aws_s3_bucket_acl.this", "acl"), "public-read");
  EXPECT_EQ(r.value("module.logs.aws_s3_bucket_acl.this", "acl"), "private");
  const Document* site = r.doc("project/modules/bucket/main.tf", "module.site");
  ASSERT_NE(site, nullptr);
  EXPECT_EQ(site->root.get("module_dir")->as_string(), "project/modules/bucket");
  // Every resource of the module instance, from all its files, for cross-resource policies.
  EXPECT_EQ(site->root.get("module_resources")->size(), 4u);
  // The module directory is not read again as a root of its own.
  for (const auto& d : r.docs) {
    if (d.path.starts_with("project/modules/")) {
      EXPECT_NE(d.root.get("module")->as_string(), "");
    }
  }
  const Document* main = r.doc("project/main.tf");
  const Node& calls = *main->root.get("module_calls");
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls.items()[1].get("dir")->as_string(), "project/modules/bucket");
  EXPECT_EQ(calls.items()[1].get("values")->get("name")->as_string(), "acme-prod-site");
}

TEST(TerraformConfig, ReferencesNameTheResourceReferredTo) {
  Result r = run_fixture_project();
  const Node* acl = r.resource("module.site.aws_s3_bucket_acl.this");
  ASSERT_NE(acl, nullptr);
  ASSERT_EQ(acl->get("references")->size(), 1u);
  const Node& ref = acl->get("references")->items()[0];
  EXPECT_EQ(ref.get("path")->as_string(), "bucket");
  EXPECT_EQ(ref.get("target")->as_string(), "module.site.aws_s3_bucket.this");
  EXPECT_EQ(ref.get("traversal")->as_string(), "aws_s3_bucket.this.id");
  EXPECT_EQ(r.resource("module.site.aws_s3_bucket.this")->get("base_address")->as_string(), ref.get("target")->as_string());
  // Through a module output: the root's public access block refers into module.site.
  const Node* pab = r.resource("aws_s3_bucket_public_access_block.site");
  ASSERT_NE(pab, nullptr);
  EXPECT_EQ(pab->get("values")->get("bucket")->as_string(), "module.site.bucket_id");
  EXPECT_EQ(find_path(*pab, "references[0].target")->as_string(), "module.site.aws_s3_bucket.this");
  // jsonencode() with an unknown inside: the value is unknown, its structure readable.
  const Node* pol = r.resource("module.site.aws_iam_policy.read");
  EXPECT_EQ(strings(pol->get("unknown")), std::vector<std::string>{"policy"});
  EXPECT_EQ(find_path(*pol->get("json"), "policy.Statement[0].Resource")->as_string(), "${aws_s3_bucket.this.arn}/*");
  EXPECT_EQ(find_path(*pol->get("json"), "policy.Statement[0].Action[0]")->pos.line, 24u);
}

TEST(TerraformConfig, UnknownsAreListedAndNeverLookLikeValues) {
  Result r = run_one(R"(
variable "enc" {}
resource "aws_ebs_volume" "v" {
  encrypted = var.enc
  size      = var.enc ? 10 : 20
  tags      = merge({ a = "x" }, { b = aws_instance.i.id })
  count     = length(data.aws_zones.z.names)
}
resource "aws_security_group" "s" {
  dynamic "ingress" {
    for_each = data.x.y.rules
    content {
      cidr_blocks = ingress.value.cidrs
    }
  }
}
)");
  ASSERT_TRUE(r.diags.empty());
  const Node* v = r.resource("aws_ebs_volume.v");
  ASSERT_NE(v, nullptr);  // unknown count: one instance without an index
  EXPECT_TRUE(v->get("unknown_instances")->as_bool());
  EXPECT_TRUE(v->get("index")->is_null());
  EXPECT_EQ(strings(v->get("unknown")), (std::vector<std::string>{"encrypted", "size", "tags.b"}));
  EXPECT_EQ(v->get("values")->get("encrypted")->as_string(), "var.enc");
  EXPECT_EQ(find_path(*v, "values.tags.a")->as_string(), "x");
  EXPECT_EQ(find_path(*v, "references[0].target")->as_string(), "aws_instance.i");
  const Node* s = r.resource("aws_security_group.s");
  EXPECT_EQ(strings(s->get("unknown")), (std::vector<std::string>{"ingress", "ingress[0].cidr_blocks"}));
}

TEST(TerraformConfig, ModuleCyclesAndDepthAreBounded) {
  Result r = run({{"a/main.tf", "", "module \"b\" {\n  source = \"../b\"\n}\n"},
                  {"b/main.tf", "", "module \"a\" {\n  source = \"../a\"\n}\nresource \"x\" \"y\" {}\n"},
                  {"self/main.tf", "", "module \"me\" {\n  source = \"./\"\n}\n"}});
  bool cycle = false;
  for (const auto& d : r.diags) cycle = cycle || d.message.find("a cycle") != std::string::npos;
  EXPECT_TRUE(cycle);
  EXPECT_FALSE(r.docs.empty());
}

TEST(TerraformConfig, SyntaxErrorInOneFileLeavesTheOthersRead) {
  Result r = run({{"m/bad.tf", "", "resource \"aws_s3_bucket\" \"b\" {\n  acl = \n}\n"},
                  {"m/good.tf", "", "resource \"aws_s3_bucket\" \"g\" {\n  acl = \"private\"\n}\n"}});
  ASSERT_EQ(r.diags.size(), 1u);
  EXPECT_EQ(r.diags[0].location.path, "m/bad.tf");
  EXPECT_EQ(r.diags[0].location.line, 2);
  EXPECT_NE(r.diags[0].message.find("line 2, column 9"), std::string::npos) << r.diags[0].message;
  EXPECT_EQ(r.value("aws_s3_bucket.g", "acl"), "private");
}

TEST(TerraformConfig, ExponentialLocalsStopAtTheBudget) {
  std::string text = "locals {\n  l0 = [\"x\"]\n";
  for (int i = 1; i <= 60; ++i)
    text += "  l" + std::to_string(i) + " = [local.l" + std::to_string(i - 1) + ", local.l" + std::to_string(i - 1) + "]\n";
  text += "  s = jsonencode(local.l60)\n}\n";
  Result r = run_one(text);
  bool budget = false;
  for (const auto& d : r.diags) budget = budget || d.message.find("budget") != std::string::npos;
  EXPECT_TRUE(budget);
}

TEST(TerraformConfig, FileAndTemplatefileReadOnlyScannedFiles) {
  Result r = run({{"m/main.tf", "", R"(locals {
  t = templatefile("${path.module}/p.tftpl", { who = "world", items = ["a", "b"] })
  missing = file("/etc/passwd")
  outside = file("../../x.tpl")
})"},
                  {"m/p.tftpl", "", "hello ${who}%{ for i in items }-${i}%{ endfor }"}});
  ASSERT_TRUE(r.diags.empty());
  EXPECT_EQ(local_value(r, "t"), "hello world-a-b");
  EXPECT_EQ(local_value(r, "missing"), "file(\"/etc/passwd\")");
  EXPECT_EQ(local_value(r, "outside"), "file(\"../../x.tpl\")");
}

}  // namespace
}  // namespace bulwark::policy
