// Static evaluation of HCL expressions: literals, templates, operators,
// conditionals, for expressions, splats and Terraform's common functions. What
// cannot be known without running Terraform (attributes of resources and data
// sources, functions of time or randomness, variables without a value) becomes
// an unknown value that remembers the expression's text and the resources it
// refers to; anything computed from an unknown is unknown.
#pragma once

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/document.hpp"
#include "policy/misconfig/hcl/hcl.hpp"

namespace bulwark::policy::hcl {

// A reference from an expression to another object of the configuration.
struct Ref {
  std::string target;     // the referenced resource, data source or module call: "module.a.aws_s3_bucket.b"
  std::string traversal;  // as written, with static indexes resolved: "aws_s3_bucket.b.id"
  bool operator==(const Ref&) const = default;
};

struct Member;

struct Val {
  enum class K : uint8_t { kNull, kBool, kNum, kStr, kList, kMap, kUnknown, kError };
  K k = K::kNull;
  bool b = false;  // kBool: the value; kUnknown: `s` is a partly rendered string ("${x}-data"), not an expression
  double n = 0;
  std::string s;  // kStr: the string; kUnknown: display text; kError: message
  std::shared_ptr<const std::vector<Val>> list;
  std::shared_ptr<const std::vector<Member>> map;
  std::shared_ptr<const std::vector<Ref>> refs;  // kUnknown: what it depends on
  std::shared_ptr<const Val> json_source;         // a string made by jsonencode(): the encoded value
  SourcePos pos;
  int file = -1;  // which file `pos` is in
  // Values share their members, so a value's logical size can be far beyond
  // the memory it takes (a local that lists another twice, sixty times over);
  // evaluation is charged by this size, and walks over it stay bounded.
  uint64_t size = 1;
  bool any_unknown = false;

  static Val null() { return {}; }
  static Val boolean(bool v);
  static Val number(double v);
  static Val string(std::string v);
  static Val list_of(std::vector<Val> items);
  static Val map_of(std::vector<Member> members);
  static Val unknown(std::string text, std::vector<Ref> refs = {});
  static Val error(std::string message);

  bool is_unknown() const { return k == K::kUnknown; }
  bool is_error() const { return k == K::kError; }
  bool is_list() const { return k == K::kList; }
  bool is_map() const { return k == K::kMap; }
  bool is_str() const { return k == K::kStr; }
  const std::vector<Val>& items() const;
  const std::vector<Member>& members() const;
  const Val* get(std::string_view key) const;
  // Unknown or containing an unknown anywhere.
  bool has_unknown() const;
};

struct Member {
  std::string key;
  SourcePos key_pos;
  Val v;
};

// One step of a traversal after its root: `.name` or `[key]`.
struct Step {
  bool attr = true;
  std::string name;  // attr
  Val key;           // index
  std::string text() const;  // ".name", "[0]", "[\"k\"]"
};

// Resolves the roots of traversals that the evaluator does not bind itself.
class Resolver {
 public:
  virtual ~Resolver() = default;
  // The value of `root` followed by a prefix of `steps`; sets `consumed` to
  // the number of steps used. Unknown references (resources, data sources,
  // missing variables) are returned as unknown values.
  virtual Val resolve(const std::string& root, std::span<const Step> steps, size_t& consumed) = 0;
  // The text of a file for file() and templatefile(), by path relative to the
  // module; nullopt when it is not within the scanned files.
  virtual std::optional<std::string> read_file(const std::string& path) = 0;
};

struct EvalBudget {
  uint64_t remaining = 2'000'000;  // values created, counting list and map members
  int max_depth = 128;
  bool exhausted = false;
};

class Evaluator {
 public:
  Evaluator(const File& file, int file_id, Resolver& resolver, EvalBudget& budget)
      : file_(file), file_id_(file_id), resolver_(resolver), budget_(budget) {}
  Val eval(const Expr& e);
  // Binds a name for nested evaluations (for-expression and iterator variables).
  void push(std::string name, Val v) { scope_.emplace_back(std::move(name), std::move(v)); }
  void pop() { scope_.pop_back(); }
  const File& file() const { return file_; }
  int file_id() const { return file_id_; }

 private:
  const File& file_;
  int file_id_;
  Resolver& resolver_;
  EvalBudget& budget_;
  std::vector<std::pair<std::string, Val>> scope_;
  std::vector<const Val*> splat_items_;
  int depth_ = 0;

  Val eval_inner(const Expr& e);
  Val traversal(const Expr& e);
  Val template_value(const Expr& e);
  bool render_template(const Expr& t, std::string& out, bool& unknown, std::vector<Ref>& refs, std::string& error);
  Val for_expr(const Expr& e);
  Val call(const Expr& e);
  Val unknown_of(const Expr& e, std::vector<Ref> refs = {});
  bool charge(uint64_t n);
};

// Applies one traversal step to a value.
Val apply_step(const Val& v, const Step& s);

// Numbers and strings as Terraform prints them in templates ("1", "1.5").
std::string number_text(double n);
// JSON text of a value (object keys sorted, as Terraform's jsonencode does);
// unknown leaves become strings "${text}".
std::string to_json(const Val& v);
// Deep equality, types strict.
bool equal(const Val& a, const Val& b);
// A JSON/YAML document tree as a value.
Val from_node(const Node& n, int file);

// Converts a value into a document node. Positions come from the value when
// it was written in `file`, else from `fallback`. Paths (relative to `path`)
// of unknown values are added to `unknown`, and their references to `refs`
// (as path, ref pairs).
struct NodeSink {
  std::vector<std::string> unknown;
  std::vector<std::pair<std::string, Ref>> refs;
  uint64_t remaining_nodes = 500'000;  // past this, values are cut to "(too large)" and listed as unknown
};
Node to_node(const Val& v, int file, SourcePos fallback, const std::string& path, NodeSink& sink);

}  // namespace bulwark::policy::hcl
