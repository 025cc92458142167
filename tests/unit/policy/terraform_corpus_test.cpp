// Every .tf file of TerraGoat (shared corpus) reads without a diagnostic, one
// resource per resource/data block, and known values come out resolved
// through variables and locals.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "policy/misconfig/misconfig.hpp"

namespace bulwark::policy {
namespace {

TEST(TerraformCorpus, TerraGoatReadsWithoutDiagnostics) {
  std::filesystem::path root = std::filesystem::path(BULWARK_SHARED_DIR) / "corpus/iac/terragoat";
  if (!std::filesystem::exists(root)) GTEST_SKIP() << "shared corpus not found at " << root;
  const ConfigFormat* f = find_config_format("terraform");
  ASSERT_NE(f, nullptr);
  std::vector<ConfigFile> files;
  size_t blocks = 0, tf_files = 0;
  std::regex block_re(R"(^\s*(resource|data)\s)");
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    std::string rel = std::filesystem::relative(e.path(), root).string();
    if (!f->wants(rel)) continue;
    std::ifstream in(e.path());
    std::stringstream ss;
    ss << in.rdbuf();
    files.push_back({rel, "", ss.str()});
    if (rel.ends_with(".tf")) {
      ++tf_files;
      std::istringstream lines(files.back().text);
      for (std::string line; std::getline(lines, line);)
        if (std::regex_search(line, block_re)) ++blocks;
    }
  }
  std::vector<const ConfigFile*> selected;
  for (const auto& cf : files)
    if (f->detect(cf.path, cf.text)) selected.push_back(&cf);
  std::vector<Document> docs;
  std::vector<Diagnostic> diags;
  f->parse(selected, {}, docs, diags);
  for (const auto& d : diags) ADD_FAILURE() << d.location.path << ":" << d.location.line << ": " << d.message;
  EXPECT_EQ(docs.size(), tf_files);
  size_t resources = 0;
  std::map<std::string, const Node*> by_address;
  for (const auto& d : docs)
    for (const auto& r : d.root.get("resources")->items()) {
      ++resources;
      by_address[d.path.substr(0, d.path.find('/', 10)) + ":" + r.get("address")->as_string()] = &r;
    }
  // TerraGoat's only count is `count = 1`: one resource per block.
  EXPECT_EQ(resources, blocks);
  std::cout << "terragoat: " << tf_files << " .tf files, " << resources << " resources\n";

  auto value = [&](const std::string& key, const std::string& path) -> std::string {
    auto it = by_address.find(key);
    if (it == by_address.end()) return "(no " + key + ")";
    const Node* v = find_path(*it->second->get("values"), path);
    return v ? v->to_text() : "(absent)";
  };
  EXPECT_EQ(value("terraform/aws:aws_security_group.web-node", "ingress[1].cidr_blocks[0]"), "0.0.0.0/0");
  EXPECT_EQ(value("terraform/aws:aws_instance.web_host", "ami"), "ami-09a5b0b7edf08843d");  // "${var.ami}"
  EXPECT_EQ(value("terraform/alicloud:alicloud_oss_bucket.bad_bucket", "acl"), "public-read-write");
  EXPECT_EQ(value("terraform/aws:aws_db_instance.default", "name"), "db1");  // var.dbname
  const Node* policy = by_address["terraform/aws:aws_iam_role_policy.ec2policy"];
  ASSERT_NE(policy, nullptr);
  EXPECT_EQ(find_path(*policy, "json.policy.Statement[0].Resource")->as_string(), "*");
  // Built from a data source: unknown, listed, with its reference.
  const Node* data = by_address["terraform/aws:aws_s3_bucket.data"];
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(find_path(*data, "values.bucket")->as_string(), "${data.aws_caller_identity.current.account_id}-acme-dev-data");
  EXPECT_EQ(find_path(*data, "unknown[0]")->as_string(), "bucket");
  EXPECT_EQ(find_path(*data, "references[0].target")->as_string(), "data.aws_caller_identity.current");
}

}  // namespace
}  // namespace bulwark::policy
