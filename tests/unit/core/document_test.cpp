// Document trees: YAML/JSON reading with positions, scalar typing, merge keys,
// tags, limits, and paths from the root to a node and back.
#include <gtest/gtest.h>

#include <cmath>

#include "core/document.hpp"

namespace bulwark {
namespace {

std::vector<Node> read(std::string_view text, std::vector<Diagnostic>& diags, const ReadLimits& limits = {}) {
  return read_yaml(text, "f.yaml", diags, limits);
}

TEST(Document, ReadsMultiDocumentYamlWithPositions) {
  std::vector<Diagnostic> diags;
  auto docs = read(
      "apiVersion: v1\n"
      "kind: Pod\n"
      "spec:\n"
      "  containers:\n"
      "    - name: app\n"
      "      image: nginx:1.25\n"
      "---\n"
      "kind: Service\n",
      diags);
  ASSERT_TRUE(diags.empty()) << diags[0].message;
  ASSERT_EQ(docs.size(), 2u);
  const Node* image = find_path(docs[0], "spec.containers[0].image");
  ASSERT_NE(image, nullptr);
  EXPECT_EQ(image->as_string(), "nginx:1.25");
  EXPECT_EQ(image->pos, (SourcePos{6, 14}));
  const Node* container = find_path(docs[0], "spec.containers[0]");
  EXPECT_EQ(container->pos.line, 5u);
  EXPECT_EQ(docs[0].fields()[1].key_pos, (SourcePos{2, 1}));
  EXPECT_EQ(docs[1].get("kind")->as_string(), "Service");
}

TEST(Document, PlainScalarsAreTypedQuotedOnesAreStrings) {
  std::vector<Diagnostic> diags;
  auto docs = read(
      "a: 8080\nb: \"8080\"\nc: true\nd: 'true'\ne: ~\nf:\ng: 1.5e3\nh: 0x1F\ni: yes\nj: v1.2\nk: -7\n"
      "l: .inf\nm: !!str 12\nn: 99999999999999999999\n",
      diags);
  ASSERT_EQ(docs.size(), 1u);
  const Node& d = docs[0];
  EXPECT_EQ(d.get("a")->as_int(), 8080);
  EXPECT_EQ(d.get("b")->as_string(), "8080");
  EXPECT_TRUE(d.get("c")->as_bool());
  EXPECT_EQ(d.get("d")->as_string(), "true");
  EXPECT_TRUE(d.get("e")->is_null());
  EXPECT_TRUE(d.get("f")->is_null());
  EXPECT_DOUBLE_EQ(d.get("g")->as_double(), 1500.0);
  EXPECT_EQ(d.get("h")->as_int(), 31);
  EXPECT_TRUE(d.get("i")->as_bool());
  EXPECT_EQ(d.get("j")->as_string(), "v1.2");
  EXPECT_EQ(d.get("k")->as_int(), -7);
  EXPECT_TRUE(std::isinf(d.get("l")->as_double()));
  EXPECT_EQ(d.get("m")->as_string(), "12");
  // Too big for int64: a double, not a wrapped integer.
  EXPECT_EQ(d.get("n")->kind(), Node::Kind::kDouble);
}

TEST(Document, JsonIsReadWithPositionsToo) {
  std::vector<Diagnostic> diags;
  auto docs = read("{\"kind\":\"Pod\",\n \"spec\":{\"hostNetwork\":true,\"ports\":[80,443]}}", diags);
  ASSERT_TRUE(diags.empty());
  ASSERT_EQ(docs.size(), 1u);
  const Node* hn = find_path(docs[0], "spec.hostNetwork");
  ASSERT_NE(hn, nullptr);
  EXPECT_TRUE(hn->as_bool());
  EXPECT_EQ(hn->pos.line, 2u);
  EXPECT_EQ(find_path(docs[0], "spec.ports[1]")->as_int(), 443);
}

TEST(Document, MergeKeysAndAliases) {
  std::vector<Diagnostic> diags;
  auto docs = read(
      "base: &b\n  cpu: 100m\n  memory: 64Mi\n"
      "c1:\n  <<: *b\n  memory: 128Mi\n"
      "c2: *b\n",
      diags);
  ASSERT_TRUE(diags.empty());
  const Node& d = docs[0];
  EXPECT_EQ(find_path(d, "c1.cpu")->as_string(), "100m");
  EXPECT_EQ(find_path(d, "c1.memory")->as_string(), "128Mi");  // the mapping's own key wins
  EXPECT_EQ(d.get("c1")->size(), 2u);
  EXPECT_EQ(find_path(d, "c2.memory")->as_string(), "64Mi");
}

TEST(Document, BillionLaughsIsStoppedByTheNodeLimit) {
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'j'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", *" : "*") + prev;
    bomb += "]\n";
    prev = c;
  }
  std::vector<Diagnostic> diags;
  auto docs = read(bomb, diags);
  EXPECT_TRUE(docs.empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].message.find("nodes"), std::string::npos);
  EXPECT_EQ(diags[0].location.path, "f.yaml");
  EXPECT_GT(diags[0].location.line, 1);
}

TEST(Document, DepthAndSizeLimits) {
  std::vector<Diagnostic> diags;
  ReadLimits limits;
  limits.max_depth = 10;
  std::string deep(20, '[');
  deep += std::string(20, ']');
  EXPECT_TRUE(read(deep, diags, limits).empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].message.find("deeper than 10"), std::string::npos);
  diags.clear();
  limits.max_bytes = 4;
  EXPECT_TRUE(read("a: 12345", diags, limits).empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].message.find("limit"), std::string::npos);
}

TEST(Document, SyntaxErrorNamesLineAndColumnAndKeepsEarlierDocuments) {
  std::vector<Diagnostic> diags;
  auto docs = read("a: 1\n---\nb: [1, 2\nc: 3\n", diags);
  ASSERT_EQ(docs.size(), 1u);
  EXPECT_EQ(docs[0].get("a")->as_int(), 1);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.path, "f.yaml");
  EXPECT_GE(diags[0].location.line, 3);
  EXPECT_GT(diags[0].location.column, 0);
  EXPECT_NE(diags[0].message.find("YAML"), std::string::npos);
}

Node tag_to_map(YamlTag t) {
  Node m = Node::map(t.value.pos);
  m.add(t.tag == "GetAtt" ? "Fn::GetAtt" : (t.tag == "Ref" ? "Ref" : "Fn::" + t.tag), std::move(t.value));
  return m;
}

TEST(Document, LocalTagsGoToTheHandler) {
  std::vector<Diagnostic> diags;
  auto docs = read_yaml("A: !Ref Bucket\nB: !Sub 'arn:${AWS::Region}'\nC: !GetAtt [X, Arn]\nD: !!int 5\n", "t.yaml",
                        diags, {}, tag_to_map);
  ASSERT_TRUE(diags.empty());
  const Node& d = docs[0];
  EXPECT_EQ(find_path(d, "A.Ref")->as_string(), "Bucket");
  EXPECT_EQ(find_path(d, "B[\"Fn::Sub\"]")->as_string(), "arn:${AWS::Region}");
  EXPECT_EQ(find_path(d, "C[\"Fn::GetAtt\"][1]")->as_string(), "Arn");
  EXPECT_EQ(d.get("D")->as_int(), 5);
}

TEST(Document, PathsRoundTrip) {
  std::vector<Diagnostic> diags;
  auto docs = read("metadata:\n  annotations:\n    a.b/c: x\nspec:\n  list: [1, {k: v}]\n", diags);
  const Node& d = docs[0];
  std::string p = path_append(path_append("metadata", "annotations"), "a.b/c");
  EXPECT_EQ(p, "metadata.annotations[\"a.b/c\"]");
  ASSERT_NE(find_path(d, p), nullptr);
  EXPECT_EQ(find_path(d, p)->as_string(), "x");
  PathIndex index(d);
  const Node* k = find_path(d, "spec.list[1].k");
  ASSERT_NE(k, nullptr);
  ASSERT_NE(index.path_of(k), nullptr);
  EXPECT_EQ(*index.path_of(k), "spec.list[1].k");
  Node other = Node::string("x");
  EXPECT_EQ(index.path_of(&other), nullptr);
  auto [near, steps] = nearest_on_path(d, "spec.list[1].missing.deeper");
  EXPECT_EQ(near, find_path(d, "spec.list[1]"));
  EXPECT_EQ(steps, 3u);
  EXPECT_EQ(find_path(d, "spec.list[9]"), nullptr);
  EXPECT_EQ(find_path(d, "spec.list[x"), nullptr);
}

TEST(Document, TextForMessages) {
  std::vector<Diagnostic> diags;
  auto docs = read("a: [1, \"two\", {b: null}]\ns: plain text\n", diags);
  EXPECT_EQ(docs[0].get("a")->to_text(), R"([1,"two",{"b":null}])");
  EXPECT_EQ(docs[0].get("s")->to_text(), "plain text");
}

}  // namespace
}  // namespace bulwark
