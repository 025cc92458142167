// A compiled program and the evaluator that walks it. The program is
// immutable after compile(); every evaluate() gets its own Evaluator with the
// variable bindings, comprehension slots, cost counter and regex cache, so
// one program serves many threads at once.
#pragma once

#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "policy/cel/ast.hpp"

namespace re2 {
class RE2;
}

namespace bulwark::cel {

struct Program::Impl {
  detail::Arena arena;
  detail::Expr* root = nullptr;
  std::vector<std::string> variables;  // referenced declared variables; kVar slots index this
  int locals = 0;                      // comprehension slots needed
  uint64_t max_cost = 0;
  std::vector<std::unique_ptr<re2::RE2>> regexes;  // constant patterns of matches()
  ~Impl();
};

namespace detail {

// A fixed-size array that keeps up to N elements inline (constructing only
// the ones used), so an evaluation over a handful of variables and
// comprehension slots allocates nothing for its frame.
template <class T, size_t N>
class SmallVec {
 public:
  explicit SmallVec(size_t n) : n_(n) {
    if (n > N) {
      heap_.resize(n);
      data_ = heap_.data();
    } else {
      data_ = reinterpret_cast<T*>(inline_);
      for (size_t i = 0; i < n; ++i) new (data_ + i) T();
    }
  }
  ~SmallVec() {
    if (n_ <= N)
      for (size_t i = 0; i < n_; ++i) data_[i].~T();
  }
  SmallVec(const SmallVec&) = delete;
  SmallVec& operator=(const SmallVec&) = delete;
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }

 private:
  size_t n_;
  T* data_;
  alignas(T) unsigned char inline_[N * sizeof(T)];
  std::vector<T> heap_;
};

class Evaluator {
 public:
  Evaluator(const Program::Impl& program, const Activation* vars);
  ~Evaluator();
  Value run();
  Value eval(const Expr* e);

  // Cost accounting: every node is one step; work proportional to data
  // (iterations, bytes produced or scanned) is charged as well.
  bool charge(uint64_t n) {
    cost_ += n;
    if (cost_ > max_cost_) exhausted_ = true;
    return !exhausted_;
  }
  bool exhausted() const { return exhausted_; }

  // CEL equality charged by the values it visits.
  bool eq(const Value& a, const Value& b) {
    uint64_t left = cost_ < max_cost_ ? max_cost_ - cost_ + 1 : 1;
    const uint64_t start = left;
    bool r = equals(a, b, left);
    charge(start - left);
    return r;
  }

  // Regexes of matches() whose pattern is computed at run time.
  const re2::RE2* dynamic_regex(const std::string& pattern, std::string& error);

 private:
  const Program::Impl& prog_;
  SmallVec<const Value*, 8> vars_;
  SmallVec<Value, 8> locals_;
  uint64_t cost_ = 0;
  uint64_t max_cost_;
  bool exhausted_ = false;
  struct RegexCache;
  std::unique_ptr<RegexCache> regex_cache_;

  Value eval_select(const Expr* e, Value operand);
  Value eval_index(const Expr* e, Value operand, const Value& index);
  Value eval_presence(const Expr* e);
  Value eval_logic(const Expr* e, bool is_and);
  Value eval_binary(const Expr* e);
  Value eval_list(const Expr* e);
  Value eval_map(const Expr* e);
  Value eval_comprehension(const Expr* e);
  Value eval_call(const Expr* e);
};

// Errors as values.
Value no_overload(std::string_view op, std::initializer_list<const Value*> args);
Value cost_error();

// Built-in functions (functions.cpp): args are evaluated, none is an error.
Value call_builtin(Evaluator& ev, const Expr* e, Value* args, size_t n);

// Arithmetic shared by operators and functions (e.g. sum()).
Value add(const Value& a, const Value& b);

// Name, receiver style and argument counts of built-in functions.
struct FunctionInfo {
  const char* name;
  Fn fn;
  bool method;        // called as receiver.name(...)
  uint8_t min_args;   // not counting the receiver
  uint8_t max_args;
};
const FunctionInfo* find_function(std::string_view name, bool method, size_t args, bool& name_known);

}  // namespace detail
}  // namespace bulwark::cel
