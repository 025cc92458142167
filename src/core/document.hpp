// Configuration documents as policies see them: a JSON-like tree in which every
// node remembers where it stood in its source file. Parsers of Kubernetes
// YAML/JSON, Dockerfiles, Terraform and CloudFormation produce these trees; the
// CEL evaluator reads them without copying; findings take their file, line and
// column from the node a policy points at.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "core/model.hpp"

namespace bulwark {

// 1-based; 0 when unknown.
struct SourcePos {
  uint32_t line = 0;
  uint32_t column = 0;
  bool operator==(const SourcePos&) const = default;
};

struct Field;

// One value of a document. Maps keep their keys in source order; a key that
// appears twice keeps both entries and lookups find the last one, as YAML and
// JSON readers that overwrite do.
class Node {
 public:
  enum class Kind : uint8_t { kNull, kBool, kInt, kDouble, kString, kList, kMap };

  Node() = default;
  static Node null(SourcePos pos = {});
  static Node boolean(bool v, SourcePos pos = {});
  static Node integer(int64_t v, SourcePos pos = {});
  static Node real(double v, SourcePos pos = {});
  static Node string(std::string v, SourcePos pos = {});
  static Node list(SourcePos pos = {});
  static Node map(SourcePos pos = {});

  Kind kind() const { return static_cast<Kind>(value_.index()); }
  bool is_null() const { return kind() == Kind::kNull; }
  bool is_map() const { return kind() == Kind::kMap; }
  bool is_list() const { return kind() == Kind::kList; }
  bool is_string() const { return kind() == Kind::kString; }

  // Typed access; calling the wrong one is a programming error (asserts).
  bool as_bool() const;
  int64_t as_int() const;
  double as_double() const;
  const std::string& as_string() const;
  const std::vector<Node>& items() const;
  std::vector<Node>& items();
  const std::vector<Field>& fields() const;
  std::vector<Field>& fields();

  // Map lookup (the last entry with that key); nullptr when absent or not a map.
  const Node* get(std::string_view key) const;
  Node* get(std::string_view key);
  // List element; nullptr when out of range or not a list.
  const Node* at(size_t index) const;
  size_t size() const;  // entries of a map or list, bytes of a string, else 0

  // Builders. add() on a map appends an entry and returns its value.
  Node& push(Node v);
  Node& add(std::string key, Node v, SourcePos key_pos = {});

  // The value as text for messages and evidence: strings as they are, other
  // scalars in their usual spelling, containers as compact JSON.
  std::string to_text() const;

  SourcePos pos;

 private:
  std::variant<std::monostate, bool, int64_t, double, std::string, std::vector<Node>, std::vector<Field>> value_;
};

struct Field {
  std::string key;
  SourcePos key_pos;
  Node value;
};

bool operator==(const Node& a, const Node& b);  // by value; positions are ignored

// One document of a configuration file. A multi-document YAML file gives
// several, numbered from 0 by `index`.
struct Document {
  std::string path;    // file inside the target
  std::string format;  // "kubernetes", "dockerfile", "terraform", "terraform-plan", "cloudformation"
  std::string kind;    // what the document is within its format ("Deployment", "Dockerfile", ...)
  int index = 0;
  Node root;
};

// ---- paths -------------------------------------------------------------------
// A field path names a node from the root: `spec.template.spec.containers[0].image`.
// Keys that are not identifiers are quoted: `metadata.annotations["a.b/c"]`.

// Appends one step to a path.
std::string path_append(std::string_view path, std::string_view key);
std::string path_append(std::string_view path, size_t index);

// The node at `path`, or nullptr.
const Node* find_path(const Node& root, std::string_view path);

// The deepest node on `path` that exists (the root at worst), with the number
// of steps it took: findings about a missing field point at its parent.
std::pair<const Node*, size_t> nearest_on_path(const Node& root, std::string_view path);

// Maps node addresses back to their paths, for policies that return a node
// rather than a path. Built once per document on demand.
class PathIndex {
 public:
  explicit PathIndex(const Node& root);
  // The path of `node` if it belongs to the indexed tree.
  const std::string* path_of(const Node* node) const;

 private:
  std::vector<std::pair<const Node*, std::string>> sorted_;
};

// ---- readers -------------------------------------------------------------------

struct ReadLimits {
  uint64_t max_bytes = 16ull << 20;     // input size
  int max_depth = 128;                  // nesting of maps and lists
  uint64_t max_nodes = 1'000'000;       // nodes produced, counting every alias expansion
};

// YAML text (one or more `---` documents; JSON is YAML) into trees with
// positions. Anchors and aliases are expanded, counted against max_nodes, so a
// "billion laughs" file is an error rather than an exhausted machine. Errors
// are diagnostics naming `path`, line and column; documents read before the
// error are kept. `tag_handler`, when set, is told about each explicit local
// tag (`!Ref x`) and may rewrite the node (CloudFormation's short forms).
struct YamlTag {
  std::string tag;  // without the leading '!'
  Node value;       // the tagged node as read
};
using TagHandler = Node (*)(YamlTag tagged);

std::vector<Node> read_yaml(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags,
                            const ReadLimits& limits = {}, TagHandler tag_handler = nullptr);

}  // namespace bulwark
