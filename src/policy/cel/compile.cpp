// Program::compile: parse, then check the tree. Checking resolves
// identifiers (comprehension variables to local slots, declared variables to
// activation slots, with CEL's longest-prefix rule for qualified names, type
// names to type values), expands macros into comprehension nodes, binds
// calls to built-in functions by name and argument count, compiles constant
// regular expressions, and folds constant sub-expressions.
#include <re2/re2.h>

#include <algorithm>

#include "policy/cel/program.hpp"

namespace bulwark::cel {

using namespace detail;

namespace {

struct CheckFailure {
  std::string message;
  uint32_t offset;
};

[[noreturn]] void fail(std::string message, uint32_t offset) { throw CheckFailure{std::move(message), offset}; }

// `dyn` is only a function: as a value it denotes nothing.
const char* const kTypeNames[] = {"int", "uint", "double", "bool", "string", "bytes", "list", "map",
                                  "null_type", "type", "optional_type"};

std::optional<Value> type_constant(std::string_view name) {
  for (const char* t : kTypeNames)
    if (name == t) return Value::type(t);
  if (name == "google.protobuf.Timestamp" || name == "google.protobuf.Duration") return Value::type(std::string(name));
  return std::nullopt;
}

struct MacroInfo {
  const char* name;
  size_t args;  // including the variables
  size_t vars;
  Comp comp;
};

constexpr MacroInfo kMacros[] = {
    {"all", 2, 1, Comp::kAll},
    {"all", 3, 2, Comp::kAll},
    {"exists", 2, 1, Comp::kExists},
    {"exists", 3, 2, Comp::kExists},
    {"exists_one", 2, 1, Comp::kExistsOne},
    {"exists_one", 3, 2, Comp::kExistsOne},
    {"existsOne", 2, 1, Comp::kExistsOne},
    {"existsOne", 3, 2, Comp::kExistsOne},
    {"map", 2, 1, Comp::kMap},
    {"map", 3, 1, Comp::kMapFilter},
    {"filter", 2, 1, Comp::kFilter},
    {"transformList", 3, 2, Comp::kTransformList},
    {"transformList", 4, 2, Comp::kTransformListFilter},
    {"transformMap", 3, 2, Comp::kTransformMap},
    {"transformMap", 4, 2, Comp::kTransformMapFilter},
    {"optMap", 2, 1, Comp::kOptMap},
    {"optFlatMap", 2, 1, Comp::kOptFlatMap},
};

class Checker {
 public:
  Checker(const Env& env, Program::Impl& impl) : env_(env), impl_(impl), used_(env.variables.size(), false) {}

  Expr* check(Expr* e) {
    switch (e->op) {
      case Op::kConst: case Op::kVar: case Op::kLocal: return e;
      case Op::kIdent: return ident(e);
      case Op::kSelect: return select(e);
      case Op::kRawCall: return call(e);
      case Op::kMessage: fail("message construction is not supported", e->offset);
      default: break;
    }
    for (Expr*& a : e->args) a = check(a);
    if (e->op == Op::kBinary && e->binop == BinOp::kIn) index_string_list(e);
    return fold(e);
  }

  // `x in ['a', 'b', ...]` with constant strings (allow lists) becomes a
  // binary search. Only strings: a string equals no value of another type.
  void index_string_list(Expr* e) {
    const Expr* list = e->args[1];
    if (list->op != Op::kConst || list->constant.kind() != Value::Kind::kList || list->constant.size() < 4) return;
    auto set = std::make_shared<std::vector<std::string>>();
    for (size_t i = 0, n = list->constant.size(); i < n; ++i) {
      Value item = list->constant.element(i);
      if (item.kind() != Value::Kind::kString) return;
      set->push_back(item.as_string());
    }
    std::sort(set->begin(), set->end());
    e->string_set = std::move(set);
  }

  // Slots of the referenced declared variables, in Env order.
  void finish() {
    std::vector<int> compact(env_.variables.size(), -1);
    for (size_t i = 0; i < env_.variables.size(); ++i)
      if (used_[i]) {
        compact[i] = int(impl_.variables.size());
        impl_.variables.push_back(env_.variables[i]);
      }
    for (Expr* v : var_nodes_) v->slot = compact[size_t(v->slot)];
    impl_.locals = max_slots_;
  }

 private:
  const Env& env_;
  Program::Impl& impl_;
  std::vector<bool> used_;
  std::vector<Expr*> var_nodes_;
  std::vector<std::pair<std::string, int>> scopes_;  // comprehension variables, innermost last
  int max_slots_ = 0;

  const std::pair<std::string, int>* local(std::string_view name) const {
    for (size_t i = scopes_.size(); i-- > 0;)
      if (scopes_[i].first == name) return &scopes_[i];
    return nullptr;
  }

  int declared(std::string_view name) const {
    for (size_t i = 0; i < env_.variables.size(); ++i)
      if (env_.variables[i] == name) return int(i);
    return -1;
  }

  Expr* make_var(Expr* e, int index) {
    e->op = Op::kVar;
    e->name = env_.variables[size_t(index)];
    e->slot = index;
    e->args.clear();
    used_[size_t(index)] = true;
    var_nodes_.push_back(e);
    return e;
  }

  Expr* make_const(Expr* e, Value v) {
    e->op = Op::kConst;
    e->constant = std::move(v);
    e->args.clear();
    return e;
  }

  Expr* ident(Expr* e) {
    if (!e->leading_dot)
      if (auto* l = local(e->name)) {
        e->op = Op::kLocal;
        e->slot = l->second;
        return e;
      }
    int v = declared(e->name);
    if (v >= 0) return make_var(e, v);
    if (auto t = type_constant(e->name)) return make_const(e, std::move(*t));
    fail("undeclared reference to '" + e->name + "'", e->offset);
  }

  // `a.b.c` may name a declared variable "a.b" (or "a.b.c"): the longest
  // declared prefix wins, unless `a` is a comprehension variable.
  Expr* select(Expr* e) {
    std::vector<Expr*> chain;  // e, its operand, ... down to the identifier
    for (Expr* x = e; x->op == Op::kSelect && !x->optional; x = x->args[0]) chain.push_back(x);
    Expr* root = chain.empty() ? nullptr : chain.back()->args[0];
    if (root && root->op == Op::kIdent && (root->leading_dot || !local(root->name))) {
      std::string name = root->name;
      std::vector<std::string> names{name};
      for (size_t i = chain.size(); i-- > 0;) {
        name += "." + chain[i]->name;
        names.push_back(name);
      }
      // names[k] is the identifier plus k selections: node chain[chain.size() - k].
      for (size_t k = names.size(); k-- > 1;) {
        Expr* node = chain[chain.size() - k];
        int v = declared(names[k]);
        if (v >= 0) {
          make_var(node, v);
          break;
        }
        if (auto t = type_constant(names[k])) {
          make_const(node, std::move(*t));
          break;
        }
      }
    }
    if (e->op != Op::kSelect) return e;  // the whole chain was a name
    e->args[0] = check(e->args[0]);
    return fold(e);
  }

  // Whether a receiver is the bare namespace of a qualified function name
  // (optional.of, strings.quote, math.greatest) rather than a value.
  bool is_namespace(const Expr* recv, std::string_view ns) const {
    return recv->op == Op::kIdent && recv->name == ns && (recv->leading_dot || !local(ns)) && declared(ns) < 0;
  }

  Expr* call(Expr* e) {
    const size_t n = e->args.size();
    if (!e->receiver) {
      if (e->name == "has" && !e->leading_dot) {
        if (n != 1) fail("has() takes exactly one argument", e->offset);
        Expr* sel = e->args[0];
        if (sel->op != Op::kSelect || sel->optional)
          fail("has() takes a field selection, like has(object.spec.field)", sel->offset);
        Expr* operand = check(sel->args[0]);
        e->op = Op::kPresence;
        e->name = sel->name;
        e->args = {operand};
        return fold(e);
      }
      return function(e, e->name, false, 0);
    }
    std::string_view name = e->name;
    for (const auto& m : kMacros)
      if (name == m.name && n - 1 == m.args) return macro(e, m);
    Expr* recv = e->args[0];
    for (std::string_view ns : {"optional", "strings", "math"})
      if (is_namespace(recv, ns)) {
        std::string full = std::string(ns) + "." + e->name;
        bool known;
        bool method_known;
        find_function(e->name, true, n - 1, method_known);
        if (find_function(full, false, n - 1, known) || known || !method_known) {
          // optional.none(), math.ceil(x): a qualified global function.
          e->args.erase(e->args.begin());
          e->receiver = false;
          return function(e, full, false, 0);
        }
      }
    return function(e, e->name, true, 1);
  }

  Expr* function(Expr* e, const std::string& name, bool method, size_t receivers) {
    const size_t nargs = e->args.size() - receivers;
    bool known;
    const FunctionInfo* f = find_function(name, method, nargs, known);
    if (!f) {
      if (known) {
        // Right name, wrong call style or argument count.
        bool k2;
        const FunctionInfo* other = method ? find_function(name, false, nargs + 1, k2)
                                           : (nargs > 0 ? find_function(name, true, nargs - 1, k2) : nullptr);
        if (other)
          fail("function '" + name + "' is called as " +
                   (method ? name + "(x, ...), not as a method" : "x." + name + "(...), not as a global function"),
               e->offset);
        fail("function '" + name + "' does not take " + std::to_string(nargs) + " argument" + (nargs == 1 ? "" : "s"),
             e->offset);
      }
      for (const auto& m : kMacros)
        if (name == m.name)
          fail("macro '" + name + "' takes a variable name and an expression, like list." + name + "(x, x > 0)",
               e->offset);
      fail("undeclared reference to function '" + name + "'", e->offset);
    }
    for (Expr*& a : e->args) a = check(a);
    if (f->fn == Fn::kDyn) return e->args[0];
    e->op = Op::kCall;
    e->fn = f->fn;
    if (f->fn == Fn::kMatches && e->args[1]->op == Op::kConst && e->args[1]->constant.kind() == Value::Kind::kString) {
      re2::RE2::Options opts;
      opts.set_log_errors(false);
      auto re = std::make_unique<re2::RE2>(e->args[1]->constant.as_string(), opts);
      if (!re->ok()) fail("invalid regular expression: " + re->error(), e->args[1]->offset);
      e->regex = re.get();
      impl_.regexes.push_back(std::move(re));
    }
    return fold(e);
  }

  Expr* macro(Expr* e, const MacroInfo& m) {
    Expr* range = check(e->args[0]);
    std::vector<std::string> vars;
    for (size_t i = 0; i < m.vars; ++i) {
      Expr* v = e->args[1 + i];
      if (v->op != Op::kIdent || v->leading_dot)
        fail(std::string("the variable of macro '") + m.name + "' must be a simple name", v->offset);
      for (const auto& other : vars)
        if (other == v->name) fail("macro variable '" + v->name + "' is declared twice", v->offset);
      vars.push_back(v->name);
    }
    const size_t saved = scopes_.size();
    int slots[2] = {-1, -1};
    for (size_t i = 0; i < vars.size(); ++i) {
      slots[i] = int(scopes_.size());
      scopes_.emplace_back(vars[i], slots[i]);
    }
    max_slots_ = std::max(max_slots_, int(scopes_.size()));
    std::vector<Expr*> body;
    for (size_t i = 1 + m.vars; i < e->args.size(); ++i) body.push_back(check(e->args[i]));
    scopes_.resize(saved);
    e->op = Op::kComp;
    e->comp = m.comp;
    e->slot = slots[0];
    e->slot2 = slots[1];
    e->args.clear();
    e->args.push_back(range);
    for (Expr* b : body) e->args.push_back(b);
    return e;
  }

  // Replaces a node whose operands are all constant by its value.
  Expr* fold(Expr* e) {
    if (e->op == Op::kConst || e->op == Op::kComp || e->op == Op::kVar || e->op == Op::kLocal) return e;
    for (const Expr* a : e->args)
      if (a->op != Op::kConst) return e;
    Program::Impl scratch;
    scratch.max_cost = impl_.max_cost;
    scratch.root = e;
    Evaluator ev(scratch, nullptr);
    Value v = ev.run();
    scratch.root = nullptr;
    if (ev.exhausted()) return e;
    return make_const(e, std::move(v));
  }
};

// Line and column (1-based, columns in code points) of a byte offset.
void line_column(std::string_view text, size_t offset, int& line, int& column) {
  line = 1;
  column = 1;
  offset = std::min(offset, text.size());
  for (size_t i = 0; i < offset; ++i) {
    char c = text[i];
    if (c == '\n' || (c == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) {
      ++line;
      column = 1;
    } else if ((static_cast<unsigned char>(c) & 0xC0) != 0x80 && c != '\r') {
      ++column;
    }
  }
}

size_t first_invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
    if (len == 0 || i + len > s.size() || !valid_utf8(s.substr(i, len))) return i;
    i += len;
  }
  return s.size();
}

}  // namespace

Program::Program(std::unique_ptr<const Impl> impl) : impl_(std::move(impl)) {}
Program::Program(Program&&) noexcept = default;
Program& Program::operator=(Program&&) noexcept = default;
Program::~Program() = default;

Result<Program> Program::compile(std::string_view expression, const Env& env, CompileError* error) {
  auto failure = [&](const std::string& message, size_t offset) -> Result<Program> {
    CompileError ce;
    ce.message = message;
    line_column(expression, offset, ce.line, ce.column);
    if (error) *error = ce;
    return Error(ErrorCode::kInvalidArgument,
                 "CEL " + std::to_string(ce.line) + ":" + std::to_string(ce.column) + ": " + message);
  };
  if (expression.size() > env.max_expression_bytes)
    return failure("expression is longer than " + std::to_string(env.max_expression_bytes) + " bytes", 0);
  if (size_t bad = first_invalid_utf8(expression); bad < expression.size())
    return failure("expression is not valid UTF-8", bad);
  const int nesting = std::clamp(env.max_nesting, 1, 1000);
  auto impl = std::make_unique<Impl>();
  impl->max_cost = env.max_cost;
  ParseError pe;
  Expr* root = detail::parse(expression, impl->arena, nesting, pe);
  if (!root) return failure(pe.message, pe.offset);
  try {
    Checker checker(env, *impl);
    impl->root = checker.check(root);
    checker.finish();
  } catch (const CheckFailure& f) {
    return failure(f.message, f.offset);
  }
  return Program(std::move(impl));
}

Value Program::evaluate(const Activation& vars) const {
  if (!impl_) return Value::error("evaluate() on a moved-from program");
  Evaluator ev(*impl_, &vars);
  return ev.run();
}

const std::vector<std::string>& Program::referenced_variables() const {
  static const std::vector<std::string> kNone;
  return impl_ ? impl_->variables : kNone;
}

}  // namespace bulwark::cel
