// Compile errors point at line and column of the expression (1-based, columns
// in code points); limits on size, nesting and evaluation cost are errors,
// never crashes; unknown names are compile errors.
#include "policy/cel/cel.hpp"
#include "unit/policy/cel_testing.hpp"

namespace bulwark::cel {
namespace {

using namespace testing;

TEST(CelCompile, SyntaxErrorsPointAtTheToken) {
  EXPECT_TRUE(CompileFails("1 +", 1, 4, "unexpected end of expression"));
  EXPECT_TRUE(CompileFails("1 + * 2", 1, 5, "unexpected '*'"));
  EXPECT_TRUE(CompileFails("(1 + 2", 1, 7, "expected ')'"));
  EXPECT_TRUE(CompileFails("1 2", 1, 3, "after the end of the expression"));
  EXPECT_TRUE(CompileFails("a = 1", 1, 3, "'=='"));
  EXPECT_TRUE(CompileFails("a & b", 1, 3, "'&&'"));
  EXPECT_TRUE(CompileFails("a | b", 1, 3, "'||'"));
  EXPECT_TRUE(CompileFails("true ? 1", 1, 9, "':'"));
  EXPECT_TRUE(CompileFails("{1 2}", 1, 4, "':'"));
  EXPECT_TRUE(CompileFails("f(1,)", 1, 5, "unexpected ')'"));
  EXPECT_TRUE(CompileFails("x.", 1, 3, "field name"));
  EXPECT_TRUE(CompileFails("#", 1, 1, "unexpected character '#'"));
  EXPECT_TRUE(CompileFails("", 1, 1, "unexpected end of expression"));
  EXPECT_TRUE(CompileFails("// only a comment", 1, 18, "unexpected end of expression"));
}

TEST(CelCompile, LinesAndColumns) {
  EXPECT_TRUE(CompileFails("1 +\n  2 +\n    )", 3, 5, "unexpected ')'"));
  EXPECT_TRUE(CompileFails("object.a &&\r\n  undefined_thing", 2, 3, "undeclared reference to 'undefined_thing'",
                           test_env({"object"})));
  // Columns count code points, not bytes.
  EXPECT_TRUE(CompileFails("'héllo' + ", 1, 11, "unexpected end"));
  EXPECT_TRUE(CompileFails("'''a\nb''' + '\\q'", 2, 9, "invalid escape"));
  EXPECT_TRUE(CompileFails("[1,\n 2,\n 3].all(x, x > 0) &&\n nope", 4, 2, "undeclared reference to 'nope'"));
}

TEST(CelCompile, ErrorDescriptionCarriesThePosition) {
  CompileError ce;
  auto p = Program::compile("1 + + ", Env{}, &ce);
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(ce.line, 1);
  EXPECT_EQ(ce.column, 5);
  EXPECT_EQ(p.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(p.error().describe().find("1:5"), std::string::npos) << p.error().describe();
  // Without an out-parameter the error still has everything.
  auto q = Program::compile("nope", Env{});
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().message.find("CEL 1:1: undeclared reference to 'nope'"), std::string::npos)
      << q.error().message;
}

TEST(CelCompile, UndeclaredNames) {
  EXPECT_TRUE(CompileFails("x", 1, 1, "undeclared reference to 'x'"));
  EXPECT_TRUE(CompileFails("object.spec", 1, 1, "undeclared reference to 'object'"));
  EXPECT_TRUE(CompileFails("[1].map(y, x)", 1, 12, "undeclared reference to 'x'"));
  EXPECT_TRUE(CompileFails("Foo{a: 1}", 1, 4, "message construction"));
  EXPECT_TRUE(CompileFails("a.b.Foo{}", 1, 8, "message construction"));
  auto ok = Program::compile("object.spec", test_env({"object"}));
  EXPECT_TRUE(ok.ok());
}

TEST(CelCompile, InvalidUtf8) {
  EXPECT_TRUE(CompileFails("'ab\xff'", 1, 4, "UTF-8"));
  EXPECT_TRUE(CompileFails("1 +\n '\xC3'", 2, 3, "UTF-8"));
}

TEST(CelCompile, SizeLimit) {
  Env env;
  env.max_expression_bytes = 10;
  EXPECT_TRUE(CompileFails("1 + 2 + 3 + 4", 1, 1, "longer than 10 bytes", env));
  EXPECT_TRUE(Program::compile("1 + 2", env).ok());
}

TEST(CelCompile, NestingLimitIsAnErrorNotACrash) {
  std::string deep(10000, '(');
  EXPECT_TRUE(CompileFails(deep, 1, 101, "nested too deeply"));
  std::string lists(10000, '[');
  EXPECT_TRUE(CompileFails(lists, 1, 101, "nested too deeply"));
  std::string nots(10000, '!');
  EXPECT_FALSE(Program::compile(nots + "true", Env{}).ok());
  std::string chain = "1";
  for (int i = 0; i < 5000; ++i) chain += " + 1";
  CompileError ce;
  EXPECT_FALSE(Program::compile(chain, Env{}, &ce).ok());
  EXPECT_NE(ce.message.find("nested too deeply"), std::string::npos);
  std::string selects = "{}";
  for (int i = 0; i < 5000; ++i) selects += ".a";
  EXPECT_FALSE(Program::compile(selects, Env{}).ok());
  std::string calls = "1";
  for (int i = 0; i < 5000; ++i) calls = "int(" + calls + ")";
  EXPECT_FALSE(Program::compile(calls, Env{}).ok());
  // Long flat chains of && and || are one node each.
  std::string ors = "false";
  for (int i = 0; i < 5000; ++i) ors += " || false";
  EXPECT_TRUE(False(ors));
  // The limit is configurable.
  Env env;
  env.max_nesting = 5;
  EXPECT_FALSE(Program::compile("((((((1))))))", env).ok());
  EXPECT_TRUE(Program::compile("((1))", env).ok());
  env.max_nesting = 300;
  std::string sum = "0";
  for (int i = 0; i < 250; ++i) sum += " + 1";
  auto p = Program::compile(sum, env);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->evaluate({}).as_int(), 250);
}

TEST(CelCompile, SpecMinimumsFitTheDefaultLimits) {
  // cel-spec: 12 nested calls, selections, indexes and literals; 32 terms.
  EXPECT_TRUE(Same("size([[[[[[[[[[[[0]]]]]]]]]]]])", "1"));
  EXPECT_TRUE(Same("size({0: {0: {0: {0: {0: {0: {0: {0: {0: {0: {0: {0: 'foo'}}}}}}}}}}}})", "1"));
  EXPECT_TRUE(Same("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, "
                   "27, 28, 29, 30, 31][17]",
                   "17"));
  Activation a;
  a.bind("a", Value::list({Value::integer(0)}));
  EXPECT_TRUE(Same("a[a[a[a[a[a[a[a[a[a[a[a[0]]]]]]]]]]]]", "0", a, {"a"}));
}

TEST(CelCompile, CostLimit) {
  Env env;
  env.max_cost = 200;
  auto p = Program::compile("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(x, x * x).filter(x, x > 10).size()", env);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->evaluate({}).as_int(), 7);
  auto q = Program::compile(
      "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(a, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(b, a * b > 0))", env);
  ASSERT_TRUE(q.ok());
  Value v = q->evaluate({});
  ASSERT_TRUE(v.is_error());
  EXPECT_EQ(v.as_string(), "evaluation cost limit exceeded");
  // An absorbing operator does not hide an exhausted budget.
  auto r = Program::compile("true || [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(a, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(b, true))", env);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->evaluate({}).as_bool());
  auto s = Program::compile("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(a, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(b, true)) || true", env);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->evaluate({}).as_string(), "evaluation cost limit exceeded");
  // Each evaluation starts with a fresh budget.
  EXPECT_EQ(p->evaluate({}).as_int(), 7);
}

TEST(CelCompile, LongStringsCostTheirLength) {
  Env env;
  env.max_cost = 10'000;
  Activation a;
  a.bind("s", Value::string(std::string(1'000'000, 'a')));
  env.variables = {"s"};
  auto p = Program::compile("[1, 2, 3].all(i, s.contains('b') == false)", env);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->evaluate(a).as_string(), "evaluation cost limit exceeded");
  // Results that would be huge are refused before they are built: this one
  // would be a terabyte.
  env.max_cost = 10'000'000;
  for (const char* expr : {"s.replace('', s).size()", "[s, s, s, s, s, s, s, s].map(x, s).join().size()",
                           "(s + s + s + s + s + s + s + s + s + s).size()"}) {
    auto q = Program::compile(expr, env);
    ASSERT_TRUE(q.ok()) << expr;
    Value v = q->evaluate(a);
    if (std::string(expr).find("replace") != std::string::npos) EXPECT_EQ(v.as_string(), "evaluation cost limit exceeded");
    else EXPECT_FALSE(v.is_error()) << expr << ": " << v.as_string();  // 8-10 MB is within the budget
  }
  Activation many;
  many.bind("s", Value::string(std::string(1'000'000, 'a')));
  many.bind("l", Value::list(ValueList(100'000, Value::string(std::string(1'000'000, 'b')))));
  env.variables = {"s", "l"};
  auto j = Program::compile("l.join(s).size()", env);
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(j->evaluate(many).as_string(), "evaluation cost limit exceeded");
}

TEST(CelCompile, ConstantSubexpressionsAreFoldedOnce) {
  // Folding keeps the semantics: errors in folded parts are still errors,
  // and only when evaluated.
  EXPECT_TRUE(Fails("1 / 0", "division by zero"));
  EXPECT_TRUE(Same("false ? 1 / 0 : 2", "2"));
  EXPECT_TRUE(True("x || 1 / 0 == 1", [] {
    Activation a;
    a.bind("x", Value::boolean(true));
    return a;
  }(), {"x"}));
}

TEST(CelCompile, MovedFromProgram) {
  auto p = Program::compile("1", Env{});
  ASSERT_TRUE(p.ok());
  Program moved = std::move(*p);
  EXPECT_EQ(moved.evaluate({}).as_int(), 1);
  EXPECT_TRUE(p->evaluate({}).is_error());  // NOLINT(bugprone-use-after-move): defined behaviour
  EXPECT_TRUE(p->referenced_variables().empty());
}

}  // namespace
}  // namespace bulwark::cel
