// CEL, the Common Expression Language of Kubernetes ValidatingAdmissionPolicy,
// evaluated over configuration documents. An expression is compiled once into
// a Program and evaluated many times against different bindings; values taken
// from a document keep a pointer to the node they came from, so a policy that
// returns a field lets the caller report that field's file, line and column.
//
// Semantics follow the CEL language definition: int (int64) / uint / double
// without implicit conversion, overflow and division by zero are errors, `&&`
// and `||` are commutative and absorb errors (false && error == false), `?:`
// evaluates one branch, `has()` tests presence, macros `all`, `exists`,
// `exists_one`, `map` (2 and 3 arguments), `filter`, and the standard
// functions and conversions. Evaluation never throws; errors are values.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/document.hpp"
#include "core/result.hpp"

namespace bulwark::cel {

class Value;
using ValueList = std::vector<Value>;

// A CEL value. Lists and maps built by an expression own their elements;
// values read from a document refer to its nodes (no copy) and are presented
// as CEL maps, lists and scalars: a document map is a map<string, dyn>, a YAML
// integer an int, and so on.
class Value {
 public:
  enum class Kind : uint8_t {
    kNull, kBool, kInt, kUint, kDouble, kString, kBytes, kList, kMap,
    kDuration, kTimestamp, kType, kError,
    kOptional,  // CEL optional values (`a.?b`, `l[?0]`, optional.of(x))
  };

  Value();  // null
  static Value boolean(bool v);
  static Value integer(int64_t v);
  static Value uinteger(uint64_t v);
  static Value real(double v);
  static Value string(std::string v);
  static Value bytes(std::string v);
  static Value list(ValueList items);
  // Keys are CEL values (string, int, uint, bool); order is insertion order.
  static Value map(std::vector<std::pair<Value, Value>> entries);
  static Value duration(std::chrono::nanoseconds d);
  static Value timestamp(std::chrono::sys_time<std::chrono::nanoseconds> t);
  // CEL timestamps span the years 1 to 9999, beyond what sys_time<nanoseconds>
  // holds; this form takes seconds since the epoch and 0..999'999'999 nanos.
  static Value timestamp(int64_t unix_seconds, int32_t nanos);
  static Value type(std::string name);
  static Value error(std::string message);
  static Value optional(std::optional<Value> v);
  // A view of a document node (and so of everything under it).
  static Value from_node(const Node& node);

  Kind kind() const;
  bool is_error() const { return kind() == Kind::kError; }

  bool as_bool() const;
  int64_t as_int() const;
  uint64_t as_uint() const;
  double as_double() const;
  const std::string& as_string() const;  // strings, bytes, type names and error messages
  std::chrono::nanoseconds as_duration() const;
  std::chrono::sys_time<std::chrono::nanoseconds> as_timestamp() const;  // saturates outside 1678..2262
  int64_t timestamp_seconds() const;  // seconds since the epoch
  int32_t timestamp_nanos() const;    // 0..999'999'999

  // Lists and maps, whether built or document views.
  size_t size() const;
  Value element(size_t index) const;                 // list element
  std::vector<std::pair<Value, Value>> entries() const;  // map entries in order
  std::optional<Value> find(const Value& key) const;     // map lookup
  std::optional<Value> optional_value() const;           // the value of a present optional

  // The document node this value was read from, or nullptr when the
  // expression computed it.
  const Node* node() const;

  // CEL's type name: "int", "string", "list", "map", "google.protobuf.Duration", ...
  std::string type_name() const;
  // For messages: strings as they are, the rest in CEL literal syntax.
  std::string to_text() const;

 private:
  // Scalars, timestamps and document nodes live inline; strings, bytes,
  // built lists and maps, type names and error messages are shared
  // immutable heap objects, so copying a Value never copies data.
  struct Heap;
  struct Instant {
    int64_t seconds;
    int32_t nanos;
  };
  Kind kind_ = Kind::kNull;
  const Node* node_ = nullptr;  // set for document views
  union {
    int64_t i_ = 0;  // int, duration (nanoseconds)
    bool b_;
    uint64_t u_;
    double d_;
    Instant ts_;
    const std::string* borrowed_;  // strings owned by a document (map keys)
  };
  std::shared_ptr<const Heap> heap_;
  friend struct ValueAccess;
};

// CEL equality (heterogeneous numeric equality, deep for lists and maps).
bool equals(const Value& a, const Value& b);

// Variables visible to an expression.
class Activation {
 public:
  void bind(std::string name, Value v);
  void bind(std::string name, const Node& node) { bind(std::move(name), Value::from_node(node)); }
  const Value* find(std::string_view name) const;

 private:
  std::vector<std::pair<std::string, Value>> vars_;
};

// A parse or check error at a place in the expression's text.
struct CompileError {
  std::string message;
  int line = 0;    // 1-based, within the expression
  int column = 0;  // 1-based
};

// Declared variables (names only: documents are dynamically typed) and
// evaluation bounds. A declared name may be qualified ("params.spec"): then
// `params.spec.x` reads variable "params.spec", as CEL's name resolution says.
struct Env {
  std::vector<std::string> variables;
  size_t max_expression_bytes = 64 * 1024;
  // Depth of the parsed expression: parentheses, operands of operators,
  // call arguments, selections and macros each count one level. At most 1000.
  int max_nesting = 100;
  uint64_t max_cost = 10'000'000;        // evaluation steps per evaluate() before an error
};

class Program {
 public:
  // Parses and checks `expression` (unknown variables and functions, wrong
  // argument counts are compile errors).
  static Result<Program> compile(std::string_view expression, const Env& env, CompileError* error = nullptr);

  // Thread-safe: one Program may be evaluated on several threads at once.
  Value evaluate(const Activation& vars) const;

  // The declared variables the expression refers to, in Env order.
  const std::vector<std::string>& referenced_variables() const;

  Program(Program&&) noexcept;
  Program& operator=(Program&&) noexcept;
  ~Program();

  struct Impl;  // opaque: the compiled tree, defined by the implementation

 private:
  std::unique_ptr<const Impl> impl_;
  explicit Program(std::unique_ptr<const Impl> impl);
};

}  // namespace bulwark::cel
