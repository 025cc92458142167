// HCL2 native syntax (the language of Terraform's .tf files): a syntax tree
// with source positions, parsed by hand after HashiCorp's specification of the
// native syntax (bodies of attributes and labelled blocks; expressions with
// templates, heredocs, traversals, splats, function calls, operators,
// conditionals and for expressions). Private to the misconfig module.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/document.hpp"
#include "core/model.hpp"

namespace bulwark::policy::hcl {

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum class Kind : uint8_t {
    kNull,
    kBool,       // flag
    kNumber,     // number
    kString,     // text: a literal with no interpolation
    kTemplate,   // kids: parts (kString literals, interpolated expressions, kTemplateIf, kTemplateFor)
    kTemplateIf,   // kids: condition, then-template, [else-template]
    kTemplateFor,  // name2 (key var, may be empty), name (value var); kids: collection, body-template
    kVariable,   // name: the root of a traversal (var, local, aws_s3_bucket, count, ...)
    kGetAttr,    // kids: object; name: attribute
    kIndex,      // kids: collection, key
    kSplat,      // kids: source, each (an expression over kSplatItem); flag: attribute-only `.*`
    kSplatItem,  // the current element inside a splat
    kCall,       // name; kids: arguments; flag: the last one is expanded with `...`
    kTuple,      // kids: elements
    kObject,     // kids: key, value, key, value, ...
    kUnary,      // name: "-" or "!"; kids: operand
    kBinary,     // name: operator; kids: left, right
    kConditional,  // kids: condition, true result, false result
    kForTuple,   // name2 (key var, may be empty), name (value var); kids: collection, value, [condition]
    kForObject,  // as kForTuple; kids: collection, key, value, [condition]; flag: grouping `...`
    kParens,     // kids: inner (kept so that `(a) = 1` object keys are expressions)
  };
  Kind kind = Kind::kNull;
  bool flag = false;
  bool has_cond = false;  // for expressions: a trailing `if`
  SourcePos pos;
  uint32_t begin = 0, end = 0;  // byte range in the file's text
  double number = 0;
  std::string text;   // string literal
  std::string name;   // see Kind
  std::string name2;
  std::vector<ExprPtr> kids;
};

struct Body;

struct Attribute {
  std::string name;
  SourcePos pos;  // of the name
  ExprPtr expr;
};

struct Block {
  std::string type;
  std::vector<std::string> labels;
  SourcePos pos;  // of the type keyword
  std::unique_ptr<Body> body;
};

struct Body {
  std::vector<Attribute> attributes;  // in source order
  std::vector<Block> blocks;          // in source order
  const Attribute* attribute(std::string_view name) const;
};

// A parsed file. `text` is kept so that expressions can be shown as written.
struct File {
  std::string path;
  std::string text;
  Body body;
  bool ok = true;  // false when a syntax error stopped the parse
};

struct ParseLimits {
  int max_depth = 128;            // nesting of blocks and expressions
  uint64_t max_bytes = 16 << 20;  // input size
};

// Parses `text` (a whole .tf or .tfvars file). Syntax errors are warning
// diagnostics naming `path`, line and column; the parse stops at the first
// one and keeps what was read before it.
File parse(std::string text, const std::string& path, std::vector<Diagnostic>& diags, const ParseLimits& limits = {});

// The source text of an expression, whitespace-trimmed, at most `max` bytes.
std::string expr_text(const File& file, const Expr& e, size_t max = 256);

}  // namespace bulwark::policy::hcl
