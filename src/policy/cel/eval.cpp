// The tree-walking evaluator: field selection, indexing, operators with
// CEL's error semantics (errors are values; && and || absorb them when the
// other side decides), comprehensions, and the cost limit.
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "policy/cel/program.hpp"

namespace bulwark::cel {

Program::Impl::~Impl() = default;

namespace detail {

using Kind = Value::Kind;
using VA = ValueAccess;

Value no_overload(std::string_view op, std::initializer_list<const Value*> args) {
  std::string m = "no matching overload for '";
  m += op;
  m += "' applied to (";
  bool first = true;
  for (const Value* a : args) {
    if (!first) m += ", ";
    first = false;
    m += a->type_name();
  }
  m += ")";
  return Value::error(std::move(m));
}

Value cost_error() { return Value::error("evaluation cost limit exceeded"); }

namespace {

constexpr int64_t kNanosPerSecond = 1'000'000'000;

Value overflow() { return Value::error("integer overflow"); }

Value make_timestamp_checked(int64_t s, int64_t n) {
  s += n / kNanosPerSecond;
  n %= kNanosPerSecond;
  if (n < 0) {
    n += kNanosPerSecond;
    --s;
  }
  if (s < kMinTimestampSeconds || s > kMaxTimestampSeconds) return Value::error("timestamp out of range");
  return VA::make_timestamp(s, int32_t(n));
}

Value timestamp_plus(const Value& ts, int64_t dur) {
  return make_timestamp_checked(VA::seconds(ts) + dur / kNanosPerSecond, VA::nanos(ts) + dur % kNanosPerSecond);
}

const char* binop_name(BinOp b) {
  switch (b) {
    case BinOp::kAdd: return "+";
    case BinOp::kSub: return "-";
    case BinOp::kMul: return "*";
    case BinOp::kDiv: return "/";
    case BinOp::kMod: return "%";
    case BinOp::kEq: return "==";
    case BinOp::kNe: return "!=";
    case BinOp::kLt: return "<";
    case BinOp::kLe: return "<=";
    case BinOp::kGt: return ">";
    case BinOp::kGe: return ">=";
    case BinOp::kIn: return "in";
  }
  return "?";
}

Value sub(const Value& a, const Value& b) {
  Kind ka = VA::kind(a), kb = VA::kind(b);
  if (ka == kb) {
    switch (ka) {
      case Kind::kInt: {
        int64_t r;
        if (__builtin_sub_overflow(VA::i(a), VA::i(b), &r)) return overflow();
        return Value::integer(r);
      }
      case Kind::kUint: {
        if (VA::u(b) > VA::u(a)) return Value::error("unsigned integer overflow");
        return Value::uinteger(VA::u(a) - VA::u(b));
      }
      case Kind::kDouble: return Value::real(VA::d(a) - VA::d(b));
      case Kind::kDuration: {
        int64_t r;
        if (__builtin_sub_overflow(VA::i(a), VA::i(b), &r)) return Value::error("duration out of range");
        return VA::make_duration_nanos(r);
      }
      case Kind::kTimestamp: {
        // The difference must fit a duration (int64 nanoseconds).
        int64_t ds = VA::seconds(a) - VA::seconds(b);
        int64_t dn = int64_t(VA::nanos(a)) - VA::nanos(b);
        int64_t r;
        if (__builtin_mul_overflow(ds, kNanosPerSecond, &r) || __builtin_add_overflow(r, dn, &r))
          return Value::error("duration out of range");
        return VA::make_duration_nanos(r);
      }
      default: break;
    }
  }
  if (ka == Kind::kTimestamp && kb == Kind::kDuration) {
    if (VA::i(b) == std::numeric_limits<int64_t>::min()) return Value::error("timestamp out of range");
    return timestamp_plus(a, -VA::i(b));
  }
  return no_overload("-", {&a, &b});
}

Value mul(const Value& a, const Value& b) {
  Kind ka = VA::kind(a), kb = VA::kind(b);
  if (ka == kb) {
    switch (ka) {
      case Kind::kInt: {
        int64_t r;
        if (__builtin_mul_overflow(VA::i(a), VA::i(b), &r)) return overflow();
        return Value::integer(r);
      }
      case Kind::kUint: {
        uint64_t r;
        if (__builtin_mul_overflow(VA::u(a), VA::u(b), &r)) return Value::error("unsigned integer overflow");
        return Value::uinteger(r);
      }
      case Kind::kDouble: return Value::real(VA::d(a) * VA::d(b));
      default: break;
    }
  }
  return no_overload("*", {&a, &b});
}

Value div(const Value& a, const Value& b) {
  Kind ka = VA::kind(a), kb = VA::kind(b);
  if (ka == kb) {
    switch (ka) {
      case Kind::kInt: {
        if (VA::i(b) == 0) return Value::error("division by zero");
        if (VA::i(b) == -1 && VA::i(a) == std::numeric_limits<int64_t>::min()) return overflow();
        return Value::integer(VA::i(a) / VA::i(b));
      }
      case Kind::kUint:
        if (VA::u(b) == 0) return Value::error("division by zero");
        return Value::uinteger(VA::u(a) / VA::u(b));
      case Kind::kDouble: return Value::real(VA::d(a) / VA::d(b));
      default: break;
    }
  }
  return no_overload("/", {&a, &b});
}

Value mod(const Value& a, const Value& b) {
  Kind ka = VA::kind(a), kb = VA::kind(b);
  if (ka == kb) {
    switch (ka) {
      case Kind::kInt: {
        if (VA::i(b) == 0) return Value::error("modulus by zero");
        if (VA::i(b) == -1 && VA::i(a) == std::numeric_limits<int64_t>::min()) return overflow();
        return Value::integer(VA::i(a) % VA::i(b));
      }
      case Kind::kUint:
        if (VA::u(b) == 0) return Value::error("modulus by zero");
        return Value::uinteger(VA::u(a) % VA::u(b));
      default: break;
    }
  }
  return no_overload("%", {&a, &b});
}

bool in_list(Evaluator& ev, const Value& needle, const Value& list) {
  if (const Node* n = VA::node(list)) {
    for (const Node& item : n->items())
      if (ev.eq(needle, VA::view(item))) return true;
    return false;
  }
  for (const Value& item : VA::list_items(list)) {
    if (ev.eq(needle, item)) return true;
    if (ev.exhausted()) return false;
  }
  return false;
}

std::string quote_key(const Value& key) {
  if (key.kind() == Kind::kString) return "'" + key.as_string() + "'";
  return key.to_text();
}

// Iterates a list (index, element) or a map (key, value); `f` returns false
// to stop. Maps from documents skip entries shadowed by a later equal key.
template <class F>
bool iterate(const Value& range, F&& f) {
  if (VA::kind(range) == Kind::kList) {
    if (const Node* n = VA::node(range)) {
      const auto& items = n->items();
      for (size_t i = 0; i < items.size(); ++i)
        if (!f(Value::integer(int64_t(i)), VA::view(items[i]))) return true;
    } else {
      const auto& items = VA::list_items(range);
      for (size_t i = 0; i < items.size(); ++i)
        if (!f(Value::integer(int64_t(i)), items[i])) return true;
    }
    return true;
  }
  if (VA::kind(range) == Kind::kMap) {
    if (const Node* n = VA::node(range)) {
      const auto& fields = n->fields();
      bool dups = doc_map_has_duplicates(*n);
      for (size_t i = 0; i < fields.size(); ++i) {
        if (dups && n->get(fields[i].key) != &fields[i].value) continue;
        if (!f(VA::borrowed_string(fields[i].key), VA::view(fields[i].value))) return true;
      }
    } else {
      for (const auto& [k, v] : VA::map_heap(range).entries)
        if (!f(k, v)) return true;
    }
    return true;
  }
  return false;
}

}  // namespace

Value add(const Value& a, const Value& b) {
  Kind ka = VA::kind(a), kb = VA::kind(b);
  if (ka == kb) {
    switch (ka) {
      case Kind::kInt: {
        int64_t r;
        if (__builtin_add_overflow(VA::i(a), VA::i(b), &r)) return overflow();
        return Value::integer(r);
      }
      case Kind::kUint: {
        uint64_t r;
        if (__builtin_add_overflow(VA::u(a), VA::u(b), &r)) return Value::error("unsigned integer overflow");
        return Value::uinteger(r);
      }
      case Kind::kDouble: return Value::real(VA::d(a) + VA::d(b));
      case Kind::kString: return Value::string(VA::str(a) + VA::str(b));
      case Kind::kBytes: return Value::bytes(VA::str(a) + VA::str(b));
      case Kind::kList: {
        ValueList out;
        out.reserve(a.size() + b.size());
        for (size_t i = 0, n = a.size(); i < n; ++i) out.push_back(a.element(i));
        for (size_t i = 0, n = b.size(); i < n; ++i) out.push_back(b.element(i));
        return Value::list(std::move(out));
      }
      case Kind::kDuration: {
        int64_t r;
        if (__builtin_add_overflow(VA::i(a), VA::i(b), &r)) return Value::error("duration out of range");
        return VA::make_duration_nanos(r);
      }
      default: break;
    }
  }
  if (ka == Kind::kTimestamp && kb == Kind::kDuration) return timestamp_plus(a, VA::i(b));
  if (ka == Kind::kDuration && kb == Kind::kTimestamp) return timestamp_plus(b, VA::i(a));
  return no_overload("+", {&a, &b});
}

// ---------------------------------------------------------------- evaluator

struct Evaluator::RegexCache {
  std::vector<std::pair<std::string, std::unique_ptr<re2::RE2>>> entries;
  size_t next = 0;
};

Evaluator::Evaluator(const Program::Impl& program, const Activation* vars)
    : prog_(program), vars_(program.variables.size()), locals_(size_t(program.locals)), max_cost_(program.max_cost) {
  for (size_t i = 0; i < program.variables.size(); ++i) vars_[i] = vars ? vars->find(program.variables[i]) : nullptr;
}

Evaluator::~Evaluator() = default;

Value Evaluator::run() {
  Value v = eval(prog_.root);
  if (exhausted_) return cost_error();
  return v;
}

const re2::RE2* Evaluator::dynamic_regex(const std::string& pattern, std::string& error) {
  if (!regex_cache_) regex_cache_ = std::make_unique<RegexCache>();
  for (auto& [p, re] : regex_cache_->entries)
    if (p == pattern) return re.get();
  if (!charge(pattern.size())) return nullptr;
  re2::RE2::Options opts;
  opts.set_log_errors(false);
  auto re = std::make_unique<re2::RE2>(pattern, opts);
  if (!re->ok()) {
    error = "invalid regular expression: " + re->error();
    return nullptr;
  }
  constexpr size_t kMaxCached = 16;
  auto& entries = regex_cache_->entries;
  if (entries.size() < kMaxCached) {
    entries.emplace_back(pattern, std::move(re));
    return entries.back().second.get();
  }
  size_t slot = regex_cache_->next++ % kMaxCached;
  entries[slot] = {pattern, std::move(re)};
  return entries[slot].second.get();
}

Value Evaluator::eval(const Expr* e) {
  if (!charge(1)) return cost_error();
  switch (e->op) {
    case Op::kConst: return e->constant;
    case Op::kVar: {
      const Value* v = vars_[size_t(e->slot)];
      if (!v) return Value::error("no value bound to variable '" + e->name + "'");
      return *v;
    }
    case Op::kLocal: return locals_[size_t(e->slot)];
    case Op::kSelect: return eval_select(e, eval(e->args[0]));
    case Op::kPresence: return eval_presence(e);
    case Op::kIndex: {
      Value operand = eval(e->args[0]);
      if (operand.is_error()) return operand;
      Value index = eval(e->args[1]);
      if (index.is_error()) return index;
      return eval_index(e, std::move(operand), index);
    }
    case Op::kAnd: return eval_logic(e, true);
    case Op::kOr: return eval_logic(e, false);
    case Op::kNot: {
      Value v = eval(e->args[0]);
      if (VA::kind(v) == Kind::kBool) return Value::boolean(!VA::b(v));
      if (v.is_error()) return v;
      return no_overload("!", {&v});
    }
    case Op::kNeg: {
      Value v = eval(e->args[0]);
      switch (VA::kind(v)) {
        case Kind::kInt:
          if (VA::i(v) == std::numeric_limits<int64_t>::min()) return overflow();
          return Value::integer(-VA::i(v));
        case Kind::kDouble: return Value::real(-VA::d(v));
        case Kind::kDuration:
          if (VA::i(v) == std::numeric_limits<int64_t>::min()) return Value::error("duration out of range");
          return VA::make_duration_nanos(-VA::i(v));
        case Kind::kError: return v;
        default: return no_overload("-", {&v});
      }
    }
    case Op::kCond: {
      Value c = eval(e->args[0]);
      if (VA::kind(c) == Kind::kBool) return eval(e->args[VA::b(c) ? 1 : 2]);
      if (c.is_error()) return c;
      return no_overload("_?_:_", {&c});
    }
    case Op::kBinary: return eval_binary(e);
    case Op::kCall: return eval_call(e);
    case Op::kList: return eval_list(e);
    case Op::kMap: return eval_map(e);
    case Op::kComp: return eval_comprehension(e);
    case Op::kIdent: case Op::kRawCall: case Op::kMessage: break;
  }
  return Value::error("internal error: unresolved expression");
}

Value Evaluator::eval_select(const Expr* e, Value operand) {
  Kind k = VA::kind(operand);
  if (k == Kind::kMap) {
    if (const Node* n = VA::node(operand)) {
      if (const Node* child = n->get(e->name)) {
        Value v = VA::view(*child);
        return e->optional ? Value::optional(std::move(v)) : v;
      }
    } else if (auto v = operand.find(Value::string(e->name))) {
      return e->optional ? Value::optional(std::move(*v)) : std::move(*v);
    }
    if (e->optional) return Value::optional(std::nullopt);
    return Value::error("no such key: '" + e->name + "'");
  }
  if (k == Kind::kError) return operand;
  if (k == Kind::kOptional) {
    // Selection on an optional is optional selection on its value.
    const Value* inner = VA::opt(operand);
    if (!inner) return operand;
    if (VA::kind(*inner) == Kind::kMap) {
      auto v = inner->find(Value::string(e->name));
      return Value::optional(std::move(v));
    }
    return Value::error("no such key: '" + e->name + "' (type '" + inner->type_name() + "' has no fields)");
  }
  return Value::error("type '" + operand.type_name() + "' does not support field selection (selecting '" + e->name + "')");
}

Value Evaluator::eval_index(const Expr* e, Value operand, const Value& index) {
  Kind k = VA::kind(operand);
  bool opt = e->optional;
  if (k == Kind::kOptional) {
    const Value* inner = VA::opt(operand);
    if (!inner) return operand;
    operand = *inner;
    k = VA::kind(operand);
    opt = true;
  }
  if (k == Kind::kList) {
    int64_t i;
    switch (VA::kind(index)) {
      case Kind::kInt: i = VA::i(index); break;
      case Kind::kUint:
        i = VA::u(index) > uint64_t(std::numeric_limits<int64_t>::max()) ? -1 : int64_t(VA::u(index));
        break;
      case Kind::kDouble: {
        double d = VA::d(index);
        if (!(d == std::trunc(d)) || d < -9.2e18 || d > 9.2e18)
          return Value::error("invalid list index " + index.to_text() + ": not an integer");
        i = int64_t(d);
        break;
      }
      default: return no_overload("[]", {&operand, &index});
    }
    size_t n = operand.size();
    if (i < 0 || uint64_t(i) >= n) {
      if (opt) return Value::optional(std::nullopt);
      return Value::error("index out of range: " + std::to_string(i) + " (list of size " + std::to_string(n) + ")");
    }
    Value v = operand.element(size_t(i));
    return opt ? Value::optional(std::move(v)) : v;
  }
  if (k == Kind::kMap) {
    Kind ik = VA::kind(index);
    if (!is_key_kind(ik) && ik != Kind::kDouble)
      return Value::error("unsupported key type '" + index.type_name() + "' for map index");
    auto v = operand.find(index);
    if (v) return opt ? Value::optional(std::move(*v)) : std::move(*v);
    if (opt) return Value::optional(std::nullopt);
    return Value::error("no such key: " + quote_key(index));
  }
  return no_overload("[]", {&operand, &index});
}

Value Evaluator::eval_presence(const Expr* e) {
  Value operand = eval(e->args[0]);
  Kind k = VA::kind(operand);
  if (k == Kind::kOptional) {
    const Value* inner = VA::opt(operand);
    if (!inner) return Value::boolean(false);
    operand = *inner;
    k = VA::kind(operand);
  }
  if (k == Kind::kMap) {
    if (const Node* n = VA::node(operand)) return Value::boolean(n->get(e->name) != nullptr);
    return Value::boolean(operand.find(Value::string(e->name)).has_value());
  }
  if (k == Kind::kError) return operand;
  return Value::error("type '" + operand.type_name() + "' does not support field selection (has('" + e->name + "'))");
}

Value Evaluator::eval_logic(const Expr* e, bool is_and) {
  // Commutative: a deciding operand (false for &&, true for ||) wins over
  // errors and non-booleans on either side.
  Value first_bad;
  bool bad = false;
  for (const Expr* a : e->args) {
    Value v = eval(a);
    if (VA::kind(v) == Kind::kBool) {
      if (VA::b(v) != is_and) return v;
      continue;
    }
    if (!bad) {
      bad = true;
      first_bad = v.is_error() ? std::move(v) : no_overload(is_and ? "&&" : "||", {&v});
    }
    if (exhausted_) return cost_error();
  }
  if (bad) return first_bad;
  return Value::boolean(is_and);
}

Value Evaluator::eval_binary(const Expr* e) {
  Value a = eval(e->args[0]);
  if (a.is_error()) return a;
  Value b = eval(e->args[1]);
  if (b.is_error()) return b;
  switch (e->binop) {
    case BinOp::kEq: return Value::boolean(eq(a, b));
    case BinOp::kNe: return Value::boolean(!eq(a, b));
    case BinOp::kLt: case BinOp::kLe: case BinOp::kGt: case BinOp::kGe: {
      Order o = compare(a, b);
      if (o == Order::kInvalid) return no_overload(binop_name(e->binop), {&a, &b});
      if (o == Order::kUnordered) return Value::boolean(false);
      switch (e->binop) {
        case BinOp::kLt: return Value::boolean(o == Order::kLess);
        case BinOp::kLe: return Value::boolean(o != Order::kGreater);
        case BinOp::kGt: return Value::boolean(o == Order::kGreater);
        default: return Value::boolean(o != Order::kLess);
      }
    }
    case BinOp::kIn: {
      if (e->string_set) {
        if (VA::kind(a) != Kind::kString) return Value::boolean(false);
        return Value::boolean(std::binary_search(e->string_set->begin(), e->string_set->end(), VA::str(a)));
      }
      Kind k = VA::kind(b);
      if (k == Kind::kList) {
        charge(b.size());
        return Value::boolean(in_list(*this, a, b));
      }
      if (k == Kind::kMap) {
        if (!is_key_kind(VA::kind(a)) && VA::kind(a) != Kind::kDouble) return Value::boolean(false);
        return Value::boolean(b.find(a).has_value());
      }
      return no_overload("in", {&a, &b});
    }
    case BinOp::kAdd: {
      // Charged before building, so a too-large result is never allocated.
      Kind ka = VA::kind(a), kb = VA::kind(b);
      if (ka == kb && (ka == Kind::kString || ka == Kind::kBytes)) {
        if (!charge((VA::str(a).size() + VA::str(b).size()) / 8)) return cost_error();
      } else if (ka == kb && ka == Kind::kList) {
        if (!charge(a.size() + b.size())) return cost_error();
      }
      return add(a, b);
    }
    case BinOp::kSub: return sub(a, b);
    case BinOp::kMul: return mul(a, b);
    case BinOp::kDiv: return div(a, b);
    case BinOp::kMod: return mod(a, b);
  }
  return Value::error("internal error: unknown operator");
}

Value Evaluator::eval_list(const Expr* e) {
  ValueList items;
  items.reserve(e->args.size());
  for (size_t i = 0; i < e->args.size(); ++i) {
    Value v = eval(e->args[i]);
    if (v.is_error()) return v;
    if (e->optional_items[i]) {
      if (VA::kind(v) != Kind::kOptional) return Value::error("optional list element '?x' of type '" + v.type_name() + "', not optional");
      if (const Value* inner = VA::opt(v)) items.push_back(*inner);
      continue;
    }
    items.push_back(std::move(v));
  }
  return Value::list(std::move(items));
}

Value Evaluator::eval_map(const Expr* e) {
  ValueAccess::Entries entries;
  size_t n = e->args.size() / 2;
  entries.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    Value k = eval(e->args[2 * i]);
    if (k.is_error()) return k;
    if (!is_key_kind(VA::kind(k))) return Value::error("unsupported key type '" + k.type_name() + "' in map literal");
    Value v = eval(e->args[2 * i + 1]);
    if (v.is_error()) return v;
    if (e->optional_items[i]) {
      if (VA::kind(v) != Kind::kOptional) return Value::error("optional map entry '?k: v' whose value is of type '" + v.type_name() + "', not optional");
      const Value* inner = VA::opt(v);
      if (!inner) continue;
      v = *inner;
    }
    entries.emplace_back(std::move(k), std::move(v));
  }
  // Repeated keys (1 and 1u are the same key) are an error.
  if (entries.size() <= 32) {
    for (size_t i = 0; i < entries.size(); ++i)
      for (size_t j = i + 1; j < entries.size(); ++j)
        if (key_equals(entries[i].first, entries[j].first))
          return Value::error("repeated key " + quote_key(entries[j].first) + " in map literal");
  } else {
    std::vector<std::pair<uint64_t, size_t>> hashes;
    for (size_t i = 0; i < entries.size(); ++i) hashes.emplace_back(key_hash(entries[i].first), i);
    std::sort(hashes.begin(), hashes.end());
    for (size_t i = 0; i < hashes.size(); ++i)
      for (size_t j = i + 1; j < hashes.size() && hashes[j].first == hashes[i].first; ++j)
        if (key_equals(entries[hashes[i].second].first, entries[hashes[j].second].first))
          return Value::error("repeated key " + quote_key(entries[hashes[j].second].first) + " in map literal");
  }
  return VA::make_map_unchecked(std::move(entries));
}

Value Evaluator::eval_comprehension(const Expr* e) {
  Value range = eval(e->args[0]);
  if (range.is_error()) return range;
  Kind rk = VA::kind(range);
  if (e->comp == Comp::kOptMap || e->comp == Comp::kOptFlatMap) {
    if (rk != Kind::kOptional) return no_overload(e->comp == Comp::kOptMap ? "optMap" : "optFlatMap", {&range});
    const Value* inner = VA::opt(range);
    if (!inner) return range;
    locals_[size_t(e->slot)] = *inner;
    Value r = eval(e->args[1]);
    if (r.is_error() || e->comp == Comp::kOptFlatMap) {
      if (!r.is_error() && VA::kind(r) != Kind::kOptional) return no_overload("optFlatMap", {&r});
      return r;
    }
    return Value::optional(std::move(r));
  }
  if (rk != Kind::kList && rk != Kind::kMap)
    return Value::error("cannot iterate over a value of type '" + range.type_name() + "' (macros range over lists and maps)");
  const bool two = e->slot2 >= 0;
  const bool is_list = rk == Kind::kList;
  Value& var1 = locals_[size_t(e->slot)];
  Value* var2 = two ? &locals_[size_t(e->slot2)] : nullptr;
  auto bind = [&](const Value& key_or_index, const Value& elem) {
    if (two) {
      var1 = key_or_index;
      *var2 = elem;
    } else {
      var1 = is_list ? elem : key_or_index;
    }
  };
  const Expr* body = e->args[1];

  switch (e->comp) {
    case Comp::kAll: case Comp::kExists: {
      const bool want = e->comp == Comp::kExists;  // the deciding predicate result
      bool decided = false;
      bool bad = false;
      Value first_bad;
      iterate(range, [&](const Value& k, const Value& v) {
        if (!charge(1)) return false;
        bind(k, v);
        Value r = eval(body);
        if (VA::kind(r) == Kind::kBool) {
          if (VA::b(r) == want) {
            decided = true;
            return false;
          }
          return true;
        }
        if (!bad) {
          bad = true;
          first_bad = r.is_error() ? std::move(r) : no_overload(want ? "exists" : "all", {&r});
        }
        return true;
      });
      if (exhausted_) return cost_error();
      if (decided) return Value::boolean(want);
      if (bad) return first_bad;
      return Value::boolean(!want);
    }
    case Comp::kExistsOne: {
      int64_t count = 0;
      Value err;
      bool failed = false;
      iterate(range, [&](const Value& k, const Value& v) {
        if (!charge(1)) return false;
        bind(k, v);
        Value r = eval(body);
        if (VA::kind(r) == Kind::kBool) {
          count += VA::b(r);
          return true;
        }
        failed = true;
        err = r.is_error() ? std::move(r) : no_overload("exists_one", {&r});
        return false;
      });
      if (exhausted_) return cost_error();
      if (failed) return err;
      return Value::boolean(count == 1);
    }
    case Comp::kMap: case Comp::kMapFilter: case Comp::kFilter:
    case Comp::kTransformList: case Comp::kTransformListFilter: {
      const bool filtered = e->comp == Comp::kMapFilter || e->comp == Comp::kFilter || e->comp == Comp::kTransformListFilter;
      const Expr* transform = e->comp == Comp::kFilter ? nullptr : (filtered ? e->args[2] : e->args[1]);
      ValueList out;
      Value err;
      bool failed = false;
      iterate(range, [&](const Value& k, const Value& v) {
        if (!charge(1)) return false;
        bind(k, v);
        if (filtered) {
          Value keep = eval(body);
          if (VA::kind(keep) != Kind::kBool) {
            failed = true;
            err = keep.is_error() ? std::move(keep) : no_overload("filter", {&keep});
            return false;
          }
          if (!VA::b(keep)) return true;
        }
        if (!transform) {
          out.push_back(is_list ? v : k);
          return true;
        }
        Value r = eval(transform);
        if (r.is_error()) {
          failed = true;
          err = std::move(r);
          return false;
        }
        out.push_back(std::move(r));
        return true;
      });
      if (exhausted_) return cost_error();
      if (failed) return err;
      return Value::list(std::move(out));
    }
    case Comp::kTransformMap: case Comp::kTransformMapFilter: {
      const bool filtered = e->comp == Comp::kTransformMapFilter;
      const Expr* transform = filtered ? e->args[2] : e->args[1];
      ValueAccess::Entries out;
      Value err;
      bool failed = false;
      iterate(range, [&](const Value& k, const Value& v) {
        if (!charge(1)) return false;
        bind(k, v);
        if (filtered) {
          Value keep = eval(body);
          if (VA::kind(keep) != Kind::kBool) {
            failed = true;
            err = keep.is_error() ? std::move(keep) : no_overload("transformMap", {&keep});
            return false;
          }
          if (!VA::b(keep)) return true;
        }
        Value r = eval(transform);
        if (r.is_error()) {
          failed = true;
          err = std::move(r);
          return false;
        }
        out.emplace_back(k, std::move(r));
        return true;
      });
      if (exhausted_) return cost_error();
      if (failed) return err;
      return VA::make_map_unchecked(std::move(out));
    }
    case Comp::kOptMap: case Comp::kOptFlatMap: break;
  }
  return Value::error("internal error: unknown comprehension");
}

Value Evaluator::eval_call(const Expr* e) {
  const size_t n = e->args.size();
  // `or` and `orValue` leave their argument unevaluated when the receiver
  // decides, like the logical operators.
  if ((e->fn == Fn::kOr || e->fn == Fn::kOrValue) && n == 2) {
    Value recv = eval(e->args[0]);
    if (recv.is_error()) return recv;
    if (VA::kind(recv) != Kind::kOptional) return no_overload(e->fn == Fn::kOr ? "or" : "orValue", {&recv});
    if (const Value* inner = VA::opt(recv)) return e->fn == Fn::kOr ? recv : *inner;
    Value alt = eval(e->args[1]);
    if (alt.is_error()) return alt;
    if (e->fn == Fn::kOr && VA::kind(alt) != Kind::kOptional) return no_overload("or", {&recv, &alt});
    return alt;
  }
  SmallVec<Value, 4> args(n);
  for (size_t i = 0; i < n; ++i) {
    args[i] = eval(e->args[i]);
    if (args[i].is_error()) return args[i];
  }
  return call_builtin(*this, e, n ? &args[0] : nullptr, n);
}

}  // namespace detail
}  // namespace bulwark::cel
