// Helpers for the CEL tests: compile-and-evaluate with assertion results that
// name the expression, so a failing case says which one and what it gave.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "policy/cel/cel.hpp"

namespace bulwark::cel::testing {

inline Env test_env(std::vector<std::string> vars = {}) {
  Env env;
  env.variables = std::move(vars);
  return env;
}

// Evaluates `expr` with `vars` (every bound name is declared). A compile
// error comes back as an error value starting with "compile: ".
inline Value run(std::string_view expr, const Activation& vars = {}, std::vector<std::string> declared = {},
                 Env env = Env{}) {
  for (auto& d : declared) env.variables.push_back(d);
  CompileError ce;
  auto p = Program::compile(expr, env, &ce);
  if (!p.ok())
    return Value::error("compile: " + std::to_string(ce.line) + ":" + std::to_string(ce.column) + ": " + ce.message);
  return p->evaluate(vars);
}

inline std::string show(const Value& v) {
  std::string t = v.type_name() + " " + v.to_text();
  return t.size() > 300 ? t.substr(0, 300) + "..." : t;
}

// Expressions in failure messages, shortened.
inline std::string brief(std::string_view expr) {
  return expr.size() > 200 ? std::string(expr.substr(0, 200)) + "..." : std::string(expr);
}

// `expr` evaluates to `true`.
inline ::testing::AssertionResult True(std::string_view expr, const Activation& vars = {},
                                       std::vector<std::string> declared = {}) {
  Value v = run(expr, vars, std::move(declared));
  if (v.kind() == Value::Kind::kBool && v.as_bool()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << brief(expr) << " gave " << show(v);
}

// `expr` evaluates to `false`.
inline ::testing::AssertionResult False(std::string_view expr, const Activation& vars = {},
                                        std::vector<std::string> declared = {}) {
  Value v = run(expr, vars, std::move(declared));
  if (v.kind() == Value::Kind::kBool && !v.as_bool()) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << brief(expr) << " gave " << show(v);
}

// `expr` and `expected` evaluate to values of the same type that are equal.
inline ::testing::AssertionResult Same(std::string_view expr, std::string_view expected, const Activation& vars = {},
                                       std::vector<std::string> declared = {}) {
  Value a = run(expr, vars, declared);
  Value b = run(expected, vars, declared);
  if (b.is_error()) return ::testing::AssertionFailure() << "expected value " << brief(expected) << " gave " << show(b);
  if (a.kind() == b.kind() && equals(a, b)) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << brief(expr) << " gave " << show(a) << ", expected " << show(b);
}

// `expr` evaluates to an error (not a compile error) whose message contains `part`.
inline ::testing::AssertionResult Fails(std::string_view expr, std::string_view part = "",
                                        const Activation& vars = {}, std::vector<std::string> declared = {}) {
  Value v = run(expr, vars, std::move(declared));
  if (v.is_error() && v.as_string().rfind("compile: ", 0) != 0 && v.as_string().find(part) != std::string::npos)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << brief(expr) << " gave " << show(v) << ", expected an error with '" << part << "'";
}

// `expr` does not compile; the error is at line:column and mentions `part`.
inline ::testing::AssertionResult CompileFails(std::string_view expr, int line, int column, std::string_view part = "",
                                               Env env = Env{}) {
  CompileError ce;
  auto p = Program::compile(expr, env, &ce);
  if (p.ok()) return ::testing::AssertionFailure() << brief(expr) << " compiled";
  if (ce.line == line && ce.column == column && ce.message.find(part) != std::string::npos)
    return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << brief(expr) << " failed at " << ce.line << ":" << ce.column << ": " << ce.message
                                       << "; expected " << line << ":" << column << " with '" << part << "'";
}

}  // namespace bulwark::cel::testing
