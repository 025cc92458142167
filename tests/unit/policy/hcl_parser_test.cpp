// The HCL2 native syntax parser: every expression form of the specification,
// bodies with labelled blocks, comments, heredocs, templates, and syntax
// errors reported with file, line and column.
#include <gtest/gtest.h>

#include "policy/misconfig/hcl/hcl.hpp"

namespace bulwark::policy::hcl {
namespace {

using K = Expr::Kind;

File parse_ok(const std::string& text) {
  std::vector<Diagnostic> diags;
  File f = parse(text, "t.tf", diags);
  EXPECT_TRUE(f.ok);
  for (const auto& d : diags) ADD_FAILURE() << d.message;
  return f;
}

const Expr& attr(const File& f, const std::string& name) {
  const Attribute* a = f.body.attribute(name);
  if (!a) throw std::runtime_error("no attribute " + name);
  return *a->expr;
}

std::string error_of(const std::string& text) {
  std::vector<Diagnostic> diags;
  File f = parse(text, "dir/bad.tf", diags);
  EXPECT_FALSE(f.ok);
  if (diags.size() != 1) return "(" + std::to_string(diags.size()) + " diagnostics)";
  EXPECT_EQ(diags[0].location.path, "dir/bad.tf");
  return diags[0].message;
}

TEST(HclParser, BodyOfAttributesAndLabelledBlocksWithPositions) {
  File f = parse_ok(
      "# comment\n"
      "a = 1\n"
      "resource \"aws_s3_bucket\" \"b\" {\n"
      "  acl = \"private\" // trailing\n"
      "  /* block\n comment */ versioning {\n"
      "    enabled = true\n"
      "  }\n"
      "}\n"
      "provider aws { region = \"us-east-1\" }\n"
      "empty {}\n");
  ASSERT_EQ(f.body.attributes.size(), 1u);
  EXPECT_EQ(f.body.attributes[0].pos, (SourcePos{2, 1}));
  ASSERT_EQ(f.body.blocks.size(), 3u);
  const Block& r = f.body.blocks[0];
  EXPECT_EQ(r.type, "resource");
  EXPECT_EQ(r.labels, (std::vector<std::string>{"aws_s3_bucket", "b"}));
  EXPECT_EQ(r.pos, (SourcePos{3, 1}));
  const Attribute* acl = r.body->attribute("acl");
  ASSERT_NE(acl, nullptr);
  EXPECT_EQ(acl->pos, (SourcePos{4, 3}));
  EXPECT_EQ(acl->expr->pos, (SourcePos{4, 9}));
  ASSERT_EQ(r.body->blocks.size(), 1u);
  EXPECT_EQ(r.body->blocks[0].type, "versioning");
  EXPECT_EQ(r.body->blocks[0].pos, (SourcePos{6, 13}));
  EXPECT_EQ(f.body.blocks[1].labels, (std::vector<std::string>{"aws"}));  // identifier label
  ASSERT_NE(f.body.blocks[1].body->attribute("region"), nullptr);       // one-line block
  EXPECT_TRUE(f.body.blocks[2].body->attributes.empty());
}

TEST(HclParser, OperatorsFollowHclPrecedence) {
  File f = parse_ok("x = a || b && c == d + e * -f\ny = !a ? 1 : 2 > 1 ? 3 : 4\n");
  const Expr& x = attr(f, "x");
  ASSERT_EQ(x.kind, K::kBinary);
  EXPECT_EQ(x.name, "||");
  const Expr& andx = *x.kids[1];
  EXPECT_EQ(andx.name, "&&");
  const Expr& eq = *andx.kids[1];
  EXPECT_EQ(eq.name, "==");
  const Expr& plus = *eq.kids[1];
  EXPECT_EQ(plus.name, "+");
  const Expr& times = *plus.kids[1];
  EXPECT_EQ(times.name, "*");
  EXPECT_EQ(times.kids[1]->kind, K::kUnary);
  const Expr& y = attr(f, "y");
  ASSERT_EQ(y.kind, K::kConditional);
  EXPECT_EQ(y.kids[0]->kind, K::kUnary);
  EXPECT_EQ(y.kids[2]->kind, K::kConditional);  // right-associative
}

TEST(HclParser, TraversalsSplatsCallsAndCollections) {
  File f = parse_ok(
      "a = var.list[0].b[\"k\"].c\n"
      "b = aws_instance.x[*].id\n"
      "c = var.objs.*.name\n"
      "d = legacy.0.id\n"
      "e = max(1, [2, 3]...)\n"
      "f = { a = 1, \"b\" : 2, (var.k) = 3\n  d = [\n    1,\n    2,\n  ]\n}\n"
      "g = provider::aws::arn_parse(\"x\")\n"
      "h = a-b\n");
  const Expr& a = attr(f, "a");
  EXPECT_EQ(a.kind, K::kGetAttr);
  EXPECT_EQ(a.name, "c");
  EXPECT_EQ(a.kids[0]->kind, K::kIndex);
  const Expr& b = attr(f, "b");
  ASSERT_EQ(b.kind, K::kSplat);
  EXPECT_FALSE(b.flag);
  EXPECT_EQ(b.kids[1]->kind, K::kGetAttr);
  EXPECT_EQ(b.kids[1]->kids[0]->kind, K::kSplatItem);
  EXPECT_TRUE(attr(f, "c").flag);  // attribute-only splat
  EXPECT_EQ(attr(f, "d").kind, K::kGetAttr);
  EXPECT_EQ(attr(f, "d").kids[0]->kind, K::kIndex);
  const Expr& e = attr(f, "e");
  EXPECT_EQ(e.kind, K::kCall);
  EXPECT_TRUE(e.flag);
  EXPECT_EQ(e.kids.size(), 2u);
  const Expr& obj = attr(f, "f");
  ASSERT_EQ(obj.kind, K::kObject);
  ASSERT_EQ(obj.kids.size(), 8u);
  EXPECT_EQ(obj.kids[0]->text, "a");
  EXPECT_EQ(obj.kids[2]->kind, K::kString);
  EXPECT_EQ(obj.kids[4]->kind, K::kParens);
  EXPECT_EQ(obj.kids[7]->kind, K::kTuple);
  EXPECT_EQ(attr(f, "g").name, "provider::aws::arn_parse");
  EXPECT_EQ(attr(f, "h").kind, K::kVariable);  // '-' belongs to HCL identifiers
  EXPECT_EQ(attr(f, "h").name, "a-b");
}

TEST(HclParser, ForExpressions) {
  File f = parse_ok(
      "a = [for i, v in var.l : v if i > 0]\n"
      "b = {for k, v in var.m : v => k...}\n"
      "c = [\n  for x in var.l :\n  upper(x)\n]\n");
  const Expr& a = attr(f, "a");
  ASSERT_EQ(a.kind, K::kForTuple);
  EXPECT_EQ(a.name2, "i");
  EXPECT_EQ(a.name, "v");
  EXPECT_TRUE(a.has_cond);
  const Expr& b = attr(f, "b");
  ASSERT_EQ(b.kind, K::kForObject);
  EXPECT_TRUE(b.flag);  // grouping
  EXPECT_EQ(attr(f, "c").kind, K::kForTuple);
}

TEST(HclParser, StringsTemplatesAndEscapes) {
  File f = parse_ok(
      "a = \"tab\\there \\\"q\\\" \\u00e9 $${literal} %%{x}\"\n"
      "b = \"x-${var.y}-z\"\n"
      "c = \"${var.only}\"\n"
      "d = \"%{ if var.on }on%{ else }off%{ endif }\"\n"
      "e = \"%{ for k, v in var.m ~} ${k}=${v} %{~ endfor }\"\n");
  EXPECT_EQ(attr(f, "a").kind, K::kString);
  EXPECT_EQ(attr(f, "a").text, "tab\there \"q\" \xC3\xA9 ${literal} %{x}");
  EXPECT_EQ(attr(f, "b").kind, K::kTemplate);
  EXPECT_EQ(attr(f, "b").kids.size(), 3u);
  EXPECT_EQ(attr(f, "c").kids.size(), 1u);
  ASSERT_EQ(attr(f, "d").kids.size(), 1u);
  EXPECT_EQ(attr(f, "d").kids[0]->kind, K::kTemplateIf);
  EXPECT_EQ(attr(f, "d").kids[0]->kids.size(), 3u);
  ASSERT_EQ(attr(f, "e").kids.size(), 1u);
  const Expr& loop = *attr(f, "e").kids[0];
  EXPECT_EQ(loop.kind, K::kTemplateFor);
  EXPECT_EQ(loop.name2, "k");
  // The strip markers removed the blanks around the loop body.
  const Expr& body = *loop.kids[1];
  ASSERT_FALSE(body.kids.empty());
  EXPECT_NE(body.kids.front()->kind, K::kString);
}

TEST(HclParser, Heredocs) {
  File f = parse_ok(
      "a = <<EOT\n"
      "  kept ${var.x}\n"
      "EOT\n"
      "b = <<-EOT\n"
      "    one\n"
      "      two\n"
      "    EOT\n"
      "c = 1\n");
  const Expr& a = attr(f, "a");
  ASSERT_EQ(a.kind, K::kTemplate);
  EXPECT_EQ(a.kids[0]->text, "  kept ");
  EXPECT_EQ(attr(f, "b").kind, K::kString);
  EXPECT_EQ(attr(f, "b").text, "one\n  two\n");
  EXPECT_EQ(f.body.attribute("c")->pos.line, 8u);
}

TEST(HclParser, SyntaxErrorsNameFileLineAndColumn) {
  EXPECT_EQ(error_of("a = 1\nb = \"open\n"), "HCL syntax error at line 2, column 10: unterminated string (a quoted string cannot span lines)");
  EXPECT_EQ(error_of("resource \"x\" \"y\" {\n  a = 1\n"), "HCL syntax error at line 3, column 1: expected '}' to close the block, found end of file");
  EXPECT_EQ(error_of("a = 1 2\n"), "HCL syntax error at line 1, column 7: expected a newline after the attribute or block, found '2'");
  EXPECT_EQ(error_of("a = <<EOT\nno end\n"), "HCL syntax error at line 1, column 5: heredoc EOT has no closing marker");
  EXPECT_EQ(error_of("a = \"\\q\"\n"), "HCL syntax error at line 1, column 6: invalid escape sequence in string");
  EXPECT_EQ(error_of("a = [1, 2\n"), "HCL syntax error at line 2, column 1: expected ',' or ']' in the list, found end of file");
  EXPECT_EQ(error_of("a = \"%{ if x }y\"\n"), "HCL syntax error at line 1, column 16: expected %{endif} for the %{if} at line 1");
  EXPECT_EQ(error_of("x { a = 1 }}\n"), "HCL syntax error at line 1, column 12: expected a newline after the attribute or block, found '}'");
  EXPECT_NE(error_of("a = /* never closed\n").find("unterminated /* comment"), std::string::npos);
}

TEST(HclParser, NestingDepthIsBounded) {
  std::string deep = "a = " + std::string(10000, '[') + "\n";
  std::string msg = error_of(deep);
  EXPECT_NE(msg.find("nesting deeper than 128"), std::string::npos) << msg;
  std::string blocks;
  for (int i = 0; i < 300; ++i) blocks += "b {\n";
  EXPECT_NE(error_of(blocks).find("nesting deeper than"), std::string::npos);
}

TEST(HclParser, KeepsWhatWasReadBeforeAnError) {
  std::vector<Diagnostic> diags;
  File f = parse("a = 1\nresource \"x\" \"y\" {}\nb = (\n", "t.tf", diags);
  EXPECT_FALSE(f.ok);
  EXPECT_EQ(f.body.attributes.size(), 1u);
  EXPECT_EQ(f.body.blocks.size(), 1u);
}

}  // namespace
}  // namespace bulwark::policy::hcl
