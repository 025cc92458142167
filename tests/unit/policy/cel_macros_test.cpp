// CEL language definition, "Macros": has(), all, exists, exists_one, map
// (two and three arguments), filter; their error semantics (all/exists absorb
// like && and ||, the others are strict), variable scoping and nesting; and
// the two-variable comprehensions (all(i, v, p), transformList, ...).
#include "policy/cel/cel.hpp"
#include "unit/policy/cel_testing.hpp"

namespace bulwark::cel {
namespace {

using namespace testing;

TEST(CelHas, MapKeys) {
  EXPECT_TRUE(True("has({'a': 1, 'b': 2}.a)"));
  EXPECT_TRUE(False("has({'a': 1, 'b': 2}.c)"));
  EXPECT_TRUE(False("has({}.a)"));
  EXPECT_TRUE(True("has({'a': null}.a)"));  // null is present
  EXPECT_TRUE(True("has({'a': {'b': 1}}.a.b)"));
  EXPECT_TRUE(Fails("has({'a': {}}.x.b)", "no such key: 'x'"));  // the operand must exist
  EXPECT_TRUE(Fails("has([1].a)", "does not support field selection"));
  EXPECT_TRUE(Fails("has((1).a)", "does not support field selection"));
}

TEST(CelHas, NeedsAFieldSelection) {
  EXPECT_TRUE(CompileFails("has(1)", 1, 5, "field selection"));
  EXPECT_TRUE(CompileFails("has({'a': 1}['a'])", 1, 13, "field selection"));
  EXPECT_TRUE(CompileFails("has(a.b, c.d)", 1, 1, "one argument"));
}

TEST(CelAll, ListsAndMaps) {
  EXPECT_TRUE(True("[1, 2, 3].all(x, x > 0)"));
  EXPECT_TRUE(False("[1, 2, 0].all(x, x > 0)"));
  EXPECT_TRUE(True("[].all(x, x > 0)"));
  EXPECT_TRUE(True("['apple', 'banana', 'cherry'].all(fruit, fruit.size() > 3)"));
  EXPECT_TRUE(False("[3.14, 2.71, 1.61].all(num, num < 3.0)"));
  EXPECT_TRUE(False("{'a': 1, 'b': 2, 'c': 3}.all(key, key != 'b')"));  // over keys
}

TEST(CelAll, AbsorbsErrorsLikeAnd) {
  EXPECT_TRUE(False("[1, 'foo', 3].all(e, e == 1)"));  // 'foo' == 1 is false, not an error
  EXPECT_TRUE(False("[1, 2, 3].all(e, 6 / (2 - e) == 6)"));  // error at 2, false at 1 and 3
  EXPECT_TRUE(False("[0, 1].all(e, 1 / e > 1)"));  // error at 0 absorbed by false at 1
  EXPECT_TRUE(Fails("[0, 1].all(e, 1 / e > 0)", "division by zero"));  // nothing false
  EXPECT_TRUE(Fails("[1, 'foo', 3].all(e, e % 2 == 1)", "no matching overload"));
  EXPECT_TRUE(Fails("[1, 2, 3].all(e, e / 0 != 17)", "division by zero"));
  EXPECT_TRUE(Fails("[1, 2].all(e, e)", "no matching overload for 'all'"));
}

TEST(CelExists, ListsAndMaps) {
  EXPECT_TRUE(True("[1, 2, 3].exists(i, i % 2 != 0)"));
  EXPECT_TRUE(False("[].exists(i, i > 0)"));
  EXPECT_TRUE(True("[0, -1, 5].exists(num, num < 0)"));
  EXPECT_TRUE(False("{'x': 'foo', 'y': 'bar'}.exists(key, key.startsWith('z'))"));
  EXPECT_TRUE(True("{'key1': 1, 'key2': 2}.exists(k, k == 'key2')"));
}

TEST(CelExists, AbsorbsErrorsLikeOr) {
  EXPECT_TRUE(True("[1, 'foo', 3].exists(e, e != '1')"));
  EXPECT_TRUE(False("[1, 'foo', 3].exists(e, e == '10')"));
  EXPECT_TRUE(True("[0, 2].exists(e, 4 / e == 2)"));  // error at 0, true at 2
  EXPECT_TRUE(True("{'key': 1, 1: 21}.exists(k, k != 2)"));
  EXPECT_TRUE(Fails("[1, 2, 3].exists(e, e / 0 == 17)", "division by zero"));
}

TEST(CelExistsOne, CountsExactlyOne) {
  EXPECT_TRUE(False("[].exists_one(a, a == 7)"));
  EXPECT_TRUE(True("[7].exists_one(a, a == 7)"));
  EXPECT_TRUE(True("[1, 2, 2].exists_one(i, i < 2)"));
  EXPECT_TRUE(False("[1, 2, 3, 4].exists_one(num, num % 2 == 0)"));
  EXPECT_TRUE(True("[6, 7, 8].exists_one(foo, foo % 5 == 2)"));
  EXPECT_TRUE(False("{'a': 'hello', 'aa': 'hellohello'}.exists_one(k, k.startsWith('a'))"));
  EXPECT_TRUE(True("{6: 'six', 7: 'seven', 8: 'eight'}.exists_one(foo, foo % 5 == 2)"));
}

TEST(CelExistsOne, DoesNotShortCircuitErrors) {
  EXPECT_TRUE(Fails("[3, 2, 1, 0].exists_one(n, 12 / n > 1)", "division by zero"));
  EXPECT_TRUE(Fails("[1, 1, 0].exists_one(n, 1 / n == 1)", "division by zero"));
  EXPECT_TRUE(Fails("[1].exists_one(n, 'x')", "no matching overload"));
}

TEST(CelMap, Transforms) {
  EXPECT_TRUE(Same("[1, 2, 3].map(x, x * 2)", "[2, 4, 6]"));
  EXPECT_TRUE(Same("[5, 10, 15].map(x, x / 5)", "[1, 2, 3]"));
  EXPECT_TRUE(Same("['apple', 'banana'].map(fruit, fruit.upperAscii())", "['APPLE', 'BANANA']"));
  EXPECT_TRUE(Same("[].map(n, n / 2)", "[]"));
  EXPECT_TRUE(Same("{'one': 1, 'two': 2}.map(k, k)", "['one', 'two']"));
  EXPECT_TRUE(Fails("[2, 1, 0].map(n, 4 / n)", "division by zero"));
}

TEST(CelMap, ThreeArgumentFormFilters) {
  EXPECT_TRUE(Same("[1, 2, 3, 4].map(num, num % 2 == 0, num * 2)", "[4, 8]"));
  EXPECT_TRUE(Same("{'a': 1, 'b': 2}.map(k, k != 'a', k + '!')", "['b!']"));
  EXPECT_TRUE(Fails("[1, 0].map(n, 1 / n > 0, n)", "division by zero"));
  EXPECT_TRUE(Fails("[1].map(n, n, n)", "no matching overload"));
}

TEST(CelFilter, KeepsMatchingElementsOrKeys) {
  EXPECT_TRUE(Same("[1, 2, 3].filter(x, x > 1)", "[2, 3]"));
  EXPECT_TRUE(Same("['cat', 'dog', 'bird', 'fish'].filter(pet, pet.size() == 3)", "['cat', 'dog']"));
  EXPECT_TRUE(Same("[1, 2, 3].filter(e, e > 3)", "[]"));
  EXPECT_TRUE(Same("{'John': 'smart', 'Ringo': 'funny'}.filter(key, key == 'Ringo')", "['Ringo']"));
  EXPECT_TRUE(Same("[{'a': 10, 'b': 5, 'c': 20}].map(m, m.filter(key, m[key] > 10))", "[['c']]"));
  EXPECT_TRUE(Fails("[3, 2, 1, 0].filter(n, 12 / n > 4)", "division by zero"));
}

TEST(CelMacros, RangeMustBeListOrMap) {
  EXPECT_TRUE(Fails("'abc'.all(c, true)", "cannot iterate over a value of type 'string'"));
  EXPECT_TRUE(Fails("(1).exists(x, true)", "cannot iterate"));
  EXPECT_TRUE(Fails("null.map(x, x)", "cannot iterate"));
  EXPECT_TRUE(Fails("{}.a.all(x, true)", "no such key"));
}

TEST(CelMacros, VariableMustBeASimpleName) {
  EXPECT_TRUE(CompileFails("[1].all(x.y, true)", 1, 11, "simple name"));
  EXPECT_TRUE(CompileFails("[1].exists(1, true)", 1, 12, "simple name"));
  EXPECT_TRUE(CompileFails("[1].all(i, i, true)", 1, 12, "declared twice"));
  EXPECT_TRUE(CompileFails("[1].all(x)", 1, 5, "macro 'all'"));
  EXPECT_TRUE(CompileFails("all([1], x, true)", 1, 1, "macro 'all'"));
}

TEST(CelMacros, VariablesAreScopedToTheirBody) {
  EXPECT_TRUE(CompileFails("[1].all(x, true) && x", 1, 21, "undeclared reference to 'x'"));
  // An inner variable shadows an outer one of the same name.
  EXPECT_TRUE(True("[1].all(x, [2].all(x, x == 2) && x == 1)"));
  // It also shadows a declared variable; a leading dot reaches the global.
  Activation a;
  a.bind("x", Value::integer(10));
  EXPECT_TRUE(Same("[1, 2].map(x, x + .x)", "[11, 12]", a, {"x"}));
  EXPECT_TRUE(Same("x + [1].map(x, x)[0]", "11", a, {"x"}));
}

TEST(CelMacros, Nesting) {
  EXPECT_TRUE(Same("['signer'].filter(signer, ['artifact'].all(artifact, true))", "['signer']"));
  EXPECT_TRUE(True("['signer'].all(signer, ['artifact'].all(artifact, true))"));
  EXPECT_TRUE(Same("[1, 2].map(x, [10, 20].map(y, x * y))", "[[10, 20], [20, 40]]"));
  EXPECT_TRUE(True("[[1, 2], [3]].all(l, l.exists(e, e > 0))"));
  EXPECT_TRUE(Same("[1, 2, 3].map(x, x * 2).filter(x, x > 2).map(x, x + 1)", "[5, 7]"));
  EXPECT_TRUE(True("[1, 2].exists(a, [3, 4].exists(b, [5].exists(c, a + b + c == 10)))"));
  EXPECT_TRUE(Same("[[1, 2], [3, 4]].map(row, row.map(cell, cell * 10).filter(v, v > 10))", "[[20], [30, 40]]"));
}

TEST(CelMacros, TwoVariableForms) {
  EXPECT_TRUE(True("[1, 2, 3].all(i, v, i > -1 && v > 0)"));
  EXPECT_TRUE(True("[1, 2, 3].exists(i, v, i == 1 && v == 2)"));
  EXPECT_TRUE(False("[1, 2, 3].exists(i, v, i > 2 && v > 3)"));
  EXPECT_TRUE(True("{'key1': 1, 'key2': 2}.exists(k, v, k == 'key2' && v == 2)"));
  EXPECT_TRUE(True("[5, 7, 8].existsOne(i, v, v % 5 == i)"));
  EXPECT_TRUE(True("[5, 7, 8].exists_one(i, v, v % 5 == i)"));
  EXPECT_TRUE(Fails("[1, 2, 3].exists(i, v, v / i == 17)", "division by zero"));
  EXPECT_TRUE(Same("[1, 2, 3].transformList(i, v, i * v)", "[0, 2, 6]"));
  EXPECT_TRUE(Same("[1, 2, 3].transformList(i, v, i > 0, v)", "[2, 3]"));
  EXPECT_TRUE(Same("{'a': 1, 'b': 2}.transformList(k, v, k + string(v))", "['a1', 'b2']"));
  EXPECT_TRUE(Same("{'a': 1, 'b': 2}.transformMap(k, v, v * 10)", "{'a': 10, 'b': 20}"));
  EXPECT_TRUE(Same("{'a': 1, 'b': 2}.transformMap(k, v, v > 1, v)", "{'b': 2}"));
  EXPECT_TRUE(Same("['x', 'y'].transformMap(i, v, v + v)", "{0: 'xx', 1: 'yy'}"));
}

TEST(CelMacros, MacroNamesAreFreeAsPlainMethods) {
  // `map` with the wrong shape is not the macro and no such method exists.
  EXPECT_TRUE(CompileFails("[1].map()", 1, 5, "macro 'map'"));
  EXPECT_TRUE(CompileFails("[1].filter(1)", 1, 5, "macro 'filter'"));
}

TEST(CelMacros, ExponentialNestingIsStoppedByTheCostLimit) {
  std::string expr = "[0, 1]";
  for (int i = 0; i < 30; ++i) expr = "[0, 1].all(x" + std::to_string(i) + ", " + (i ? expr : "true") + ")";
  Env env;
  env.max_cost = 100'000;
  auto p = Program::compile(expr, env);
  ASSERT_TRUE(p.ok()) << p.error().describe();
  EXPECT_EQ(p->evaluate({}).as_string(), "evaluation cost limit exceeded");
  // Lists built from shared parts grow exponentially in logical size but
  // not in memory; walking them (equality, text) is what must stay bounded.
  std::string grow = "['foo', 'bar']";
  for (int i = 0; i < 40; ++i) grow += ".map(x, [x + x, x + x])";
  auto q = Program::compile(grow, env);
  ASSERT_TRUE(q.ok()) << q.error().describe();
  Value big = q->evaluate({});
  ASSERT_EQ(big.kind(), Value::Kind::kList);
  EXPECT_LT(big.to_text().size(), 300'000u);
  q = Program::compile(grow + ".all(g, g == g)", env);
  ASSERT_TRUE(q.ok()) << q.error().describe();
  EXPECT_EQ(q->evaluate({}).as_string(), "evaluation cost limit exceeded");
  q = Program::compile("'%s'.format([" + grow + "]).size()", env);
  ASSERT_TRUE(q.ok()) << q.error().describe();
  EXPECT_TRUE(q->evaluate({}).is_error());
}

}  // namespace
}  // namespace bulwark::cel
