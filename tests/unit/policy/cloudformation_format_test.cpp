// CloudFormation templates as documents: short-form tags become the long
// forms JSON templates use, positions are kept, and only templates are taken.
#include <gtest/gtest.h>

#include <map>

#include "policy/misconfig/misconfig.hpp"
#include "unit/policy/policy_format_testing.hpp"

namespace bulwark::policy {
namespace {

using testing::at;
using testing::fixture_file;
using testing::messages;
using testing::run_format;
using testing::str;

TEST(CloudFormationFormat, WantsTemplatesByExtension) {
  const ConfigFormat* f = find_config_format("cloudformation");
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->wants("infra/stack.yaml"));
  EXPECT_TRUE(f->wants("infra/stack.yml"));
  EXPECT_TRUE(f->wants("infra/stack.json"));
  EXPECT_TRUE(f->wants("infra/stack.template"));
  EXPECT_FALSE(f->wants("infra/main.tf"));
  EXPECT_FALSE(f->wants("package.json"));
}

TEST(CloudFormationFormat, DetectsTemplatesOnly) {
  const ConfigFormat* f = find_config_format("cloudformation");
  EXPECT_TRUE(f->detect("a.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: {}\n"));
  EXPECT_TRUE(f->detect("a.yaml", "Resources:\n  B:\n    Type: AWS::S3::Bucket\n"));
  EXPECT_TRUE(f->detect("a.yaml", "Resources:\n  B:\n    Type: Custom::X\n"));
  EXPECT_TRUE(f->detect("a.json", "{\"Resources\": {\"S\": {\"Type\": \"Alexa::ASK::Skill\"}}}"));
  EXPECT_FALSE(f->detect("a.yaml", "Resources:\n  B:\n    Type: OS::Nova::Server\n"));
  EXPECT_FALSE(f->detect("a.yaml", "apiVersion: v1\nkind: ConfigMap\ndata:\n  t: \"Type: AWS::S3::Bucket Resources\"\n"));
  EXPECT_FALSE(f->detect("a.yaml", "name: x\n"));
  // Broken YAML with a template's version key is taken, so the error is reported.
  EXPECT_TRUE(f->detect("a.yaml", "AWSTemplateFormatVersion: '2010-09-09'\nResources: [\n"));
  // A Kubernetes manifest is not a template, and a template is not a manifest.
  EXPECT_FALSE(find_config_format("kubernetes")->detect("a.yaml", "AWSTemplateFormatVersion: x\nResources: {}\n"));
}

TEST(CloudFormationFormat, ShortFormsBecomeLongForms) {
  auto r = run_format("cloudformation", {fixture_file("cloudformation/short-forms.yaml", "stack.yaml")});
  ASSERT_EQ(r.docs.size(), 1u) << messages(r.diags);
  EXPECT_TRUE(r.diags.empty()) << messages(r.diags);
  const Document& d = r.docs[0];
  EXPECT_EQ(d.format, "cloudformation");
  EXPECT_EQ(d.kind, "Template");
  EXPECT_EQ(d.index, 0);
  const Node& t = d.root;
  EXPECT_EQ(at(t, "Conditions.IsProd").to_text(), R"({"Fn::Equals":[{"Ref":"Env"},"prod"]})");
  EXPECT_EQ(at(t, "Conditions.NotProd").to_text(), R"({"Fn::Not":[{"Condition":"IsProd"}]})");
  EXPECT_EQ(at(t, "Conditions.Both").to_text(),
            R"({"Fn::And":[{"Condition":"IsProd"},{"Fn::Or":[{"Condition":"NotProd"},{"Fn::Equals":["a","a"]}]}]})");
  EXPECT_EQ(at(t, "Resources.Bucket.Properties.BucketName").to_text(), R"({"Fn::Sub":"${AWS::StackName}-${Env}-data"})");
  EXPECT_EQ(at(t, "Resources.Bucket.Properties.Tags[0].Value").to_text(),
            R"({"Fn::Join":["-",["a",{"Fn::Select":[0,{"Fn::Split":[",","x,y"]}]}]]})");
  const Node& inst = at(t, "Resources.Instance.Properties");
  EXPECT_EQ(at(inst, "ImageId").to_text(), R"({"Fn::FindInMap":["Region",{"Ref":"AWS::Region"},"Ami"]})");
  EXPECT_EQ(at(inst, "UserData").to_text(), R"({"Fn::Base64":"#!/bin/bash\necho hi\n"})");
  EXPECT_EQ(at(inst, "AvailabilityZone").to_text(), R"({"Fn::Select":[0,{"Fn::GetAZs":""}]})");
  EXPECT_EQ(at(inst, "SubnetId").to_text(), R"({"Fn::ImportValue":"network-subnet"})");
  EXPECT_EQ(at(inst, "Cidr").to_text(), R"({"Fn::Cidr":["10.0.0.0/16",4,8]})");
  EXPECT_EQ(at(inst, "Name").to_text(), R"({"Fn::If":["IsProd","prod-name",{"Ref":"AWS::NoValue"}]})");
  const Node& custom = at(t, "Resources.Custom.Properties");
  // The string form of GetAtt splits at the first dot only.
  EXPECT_EQ(at(custom, "ServiceToken").to_text(), R"({"Fn::GetAtt":["Bucket","Arn"]})");
  EXPECT_EQ(at(custom, "Endpoint").to_text(), R"({"Fn::GetAtt":["Db","Endpoint.Address"]})");
  EXPECT_EQ(at(custom, "Nested").to_text(), R"({"Fn::GetAtt":["Db","Endpoint.Address"]})");
  EXPECT_EQ(at(custom, "Macro").to_text(),
            R"({"Fn::Transform":{"Name":"AWS::Include","Parameters":{"Location":"s3://b/k"}}})");
  EXPECT_EQ(str(t, "Parameters.Env.Default"), "dev");
}

TEST(CloudFormationFormat, PositionsOfLongFormsAreThoseOfTheTags) {
  auto r = run_format("cloudformation", {fixture_file("cloudformation/short-forms.yaml", "stack.yaml")});
  ASSERT_EQ(r.docs.size(), 1u);
  const Node& t = r.docs[0].root;
  EXPECT_EQ(at(t, "Resources.Bucket.Properties.AccessControl").pos, (SourcePos{19, 22}));
  const Node& sub = at(t, "Resources.Bucket.Properties.BucketName");
  EXPECT_EQ(sub.pos.line, 18u);
  EXPECT_EQ(at(sub, "[\"Fn::Sub\"]").pos.line, 18u);
  const Node& arn = at(t, "Outputs.Arn.Value[\"Fn::GetAtt\"][1]");
  EXPECT_EQ(arn.as_string(), "Arn");
  EXPECT_EQ(arn.pos.line, 44u);
  EXPECT_EQ(at(t, "Resources.Instance.Condition").pos.line, 25u);
}

TEST(CloudFormationFormat, JsonAndSamTemplates) {
  auto r = run_format("cloudformation", {fixture_file("cloudformation/template.json", "q.json"),
                                         fixture_file("cloudformation/sam.template", "sam.template")});
  ASSERT_EQ(r.docs.size(), 2u) << messages(r.diags);
  EXPECT_TRUE(r.diags.empty()) << messages(r.diags);
  const Node& sse = at(r.docs[0].root, "Resources.Queue.Properties.SqsManagedSseEnabled");
  EXPECT_FALSE(sse.as_bool());
  EXPECT_EQ(sse.pos, (SourcePos{8, 33}));
  EXPECT_EQ(at(r.docs[0].root, "Resources.Queue.Properties.QueueName").to_text(), R"({"Fn::Sub":"${AWS::StackName}-q"})");
  EXPECT_EQ(str(r.docs[1].root, "Resources.Fn.Type"), "AWS::Serverless::Function");
  EXPECT_EQ(at(r.docs[1].root, "Resources.Fn.Properties.Role").to_text(), R"({"Fn::GetAtt":["FnRole","Arn"]})");
}

TEST(CloudFormationFormat, ProblemsAreDiagnosticsWithLines) {
  std::vector<ConfigFile> files = {
      {"unknown-tag.yaml", "", "AWSTemplateFormatVersion: x\nResources:\n  B:\n    Type: AWS::S3::Bucket\n"
                               "    Properties:\n      Name: !Frobnicate x\n"},
      {"two.yaml", "", "AWSTemplateFormatVersion: x\nResources: {}\n---\nMore: 1\n"},
      {"broken.yaml", "", "AWSTemplateFormatVersion: x\nResources:\n  B: {Type: AWS::S3::Bucket\n"},
      fixture_file("cloudformation/template.json", "ok.json"),
  };
  auto r = run_format("cloudformation", files);
  std::map<std::string, std::vector<const Diagnostic*>> by_path;
  for (const auto& d : r.diags) by_path[d.location.path].push_back(&d);
  ASSERT_EQ(by_path["unknown-tag.yaml"].size(), 1u) << messages(r.diags);
  EXPECT_EQ(by_path["unknown-tag.yaml"][0]->location.line, 6);
  EXPECT_NE(by_path["unknown-tag.yaml"][0]->message.find("!Frobnicate"), std::string::npos);
  ASSERT_EQ(by_path["two.yaml"].size(), 1u);
  EXPECT_EQ(by_path["two.yaml"][0]->location.line, 4);
  ASSERT_EQ(by_path["broken.yaml"].size(), 1u);
  EXPECT_EQ(by_path["broken.yaml"][0]->location.line, 4);
  EXPECT_TRUE(by_path["ok.json"].empty());
  // The unknown tag is read like cfn-lint reads it; the others are templates too.
  ASSERT_EQ(r.docs.size(), 3u);
  EXPECT_EQ(at(r.docs[0].root, "Resources.B.Properties.Name").to_text(), R"({"Fn::Frobnicate":"x"})");
  EXPECT_EQ(r.docs[2].path, "ok.json");
}

TEST(CloudFormationFormat, CfnGoatCorpus) {
  BULWARK_REQUIRE_CORPUS();
  auto dir = ::bulwark::testing::corpus_dir() / "iac/cfngoat";
  std::vector<ConfigFile> files;
  for (const char* name : {"cfngoat.yaml", "eks.yaml"})
    files.push_back({std::string("cfngoat/") + name, "", ::bulwark::testing::read_file(dir / name)});
  auto r = run_format("cloudformation", files);
  EXPECT_TRUE(r.diags.empty()) << messages(r.diags);
  ASSERT_EQ(r.docs.size(), 2u);
  // Resource counts as cfn-lint's decoder reads the same templates (45 and 24);
  // its decoded trees were compared whole, equal, when this was written.
  EXPECT_EQ(at(r.docs[0].root, "Resources").size(), 45u);
  EXPECT_EQ(at(r.docs[1].root, "Resources").size(), 24u);
  std::map<std::string, int> types;
  for (const auto& d : r.docs)
    for (const auto& f : at(d.root, "Resources").fields()) ++types[f.value.get("Type")->as_string()];
  EXPECT_GE(types["AWS::S3::Bucket"], 1);
  EXPECT_GE(types["AWS::EKS::Cluster"], 1);
  // No short-form tag is left as a plain string: `!Ref X` became {Ref: X}.
  const Node& image = at(r.docs[0].root, "Resources.EC2Instance.Properties.ImageId");
  EXPECT_EQ(image.to_text(), R"({"Ref":"LatestAmiId"})");
  EXPECT_EQ(image.pos.line, 41u);
}

}  // namespace
}  // namespace bulwark::policy
