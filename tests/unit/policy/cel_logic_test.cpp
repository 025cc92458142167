// CEL language definition, "Logical Operators" and "Runtime Errors": && and
// || are commutative and absorb errors when the other operand decides; !
// and ?: are strict in their condition; the untaken branch of ?: is not
// evaluated; errors are values that propagate through strict functions.
#include "policy/cel/cel.hpp"
#include "unit/policy/cel_testing.hpp"

namespace bulwark::cel {
namespace {

using namespace testing;

TEST(CelLogic, TruthTables) {
  EXPECT_TRUE(True("true && true"));
  EXPECT_TRUE(False("true && false"));
  EXPECT_TRUE(False("false && true"));
  EXPECT_TRUE(False("false && false"));
  EXPECT_TRUE(True("true || false"));
  EXPECT_TRUE(True("false || true"));
  EXPECT_TRUE(False("false || false"));
  EXPECT_TRUE(False("!true"));
  EXPECT_TRUE(True("!false"));
  EXPECT_TRUE(True("!!true"));
}

TEST(CelLogic, AndAbsorbsErrorsWhenFalseDecidesEitherSide) {
  EXPECT_TRUE(False("false && (1 / 0 > 3)"));
  EXPECT_TRUE(False("(1 / 0 > 3) && false"));
  EXPECT_TRUE(False("{}.missing && false"));
  EXPECT_TRUE(False("[1][5] == 1 && false"));
  EXPECT_TRUE(False("false && 32"));
  EXPECT_TRUE(False("'horses' && false"));
}

TEST(CelLogic, AndKeepsTheErrorWhenNothingDecides) {
  EXPECT_TRUE(Fails("true && 1 / 0 != 0", "division by zero"));
  EXPECT_TRUE(Fails("1 / 0 != 0 && true", "division by zero"));
  EXPECT_TRUE(Fails("'less filling' && 'tastes great'", "no matching overload for '&&'"));
  EXPECT_TRUE(Fails("true && 32", "no matching overload"));
  EXPECT_TRUE(Fails("{}.a && {}.b", "no such key: 'a'"));
}

TEST(CelLogic, OrAbsorbsErrorsWhenTrueDecidesEitherSide) {
  EXPECT_TRUE(True("true || (1 / 0 > 3)"));
  EXPECT_TRUE(True("(1 / 0 > 3) || true"));
  EXPECT_TRUE(True("{}.missing || true"));
  EXPECT_TRUE(True("true || 32"));
  EXPECT_TRUE(True("'horses' || true"));
}

TEST(CelLogic, OrKeepsTheErrorWhenNothingDecides) {
  EXPECT_TRUE(Fails("false || 1 / 0 != 0", "division by zero"));
  EXPECT_TRUE(Fails("1 / 0 != 0 || false", "division by zero"));
  EXPECT_TRUE(Fails("'less filling' || 'tastes great'", "no matching overload for '||'"));
}

TEST(CelLogic, LongChains) {
  std::string ors, ands;
  for (int i = 0; i < 32; ++i) {
    ors += "false || ";
    ands += "true && ";
  }
  EXPECT_TRUE(True(ors + "true"));
  EXPECT_TRUE(False(ands + "false"));
  EXPECT_TRUE(True("1/0 == 1 || 2/0 == 1 || {}.a || true || [][1]"));
  EXPECT_TRUE(False("1/0 == 1 && 2/0 == 1 && {}.a && false && [][1]"));
  EXPECT_TRUE(Fails("false || false || 1/0 == 1 || false", "division by zero"));
}

TEST(CelLogic, MixedAndOr) {
  EXPECT_TRUE(True("false && 1/0 == 1 || true"));
  EXPECT_TRUE(True("true || false && false"));  // && binds tighter
  EXPECT_TRUE(False("(true || false) && false"));
}

TEST(CelLogic, NotIsStrict) {
  EXPECT_TRUE(Fails("!0", "no matching overload for '!' applied to (int)"));
  EXPECT_TRUE(Fails("!(1 / 0 == 1)", "division by zero"));
  EXPECT_TRUE(Fails("!'true'", "no matching overload"));
}

TEST(CelConditional, TakesOneBranch) {
  EXPECT_TRUE(Same("true ? 1 : 2", "1"));
  EXPECT_TRUE(Same("false ? 'a' : 'b'", "'b'"));
  EXPECT_TRUE(Same("true ? 'cows' : 17", "'cows'"));
  EXPECT_TRUE(Same("(2 < 5) ? 'yes' : 'no'", "'yes'"));
  // The untaken branch's error never shows.
  EXPECT_TRUE(Same("('hello'.size() > 10) ? 1 / 0 : 42", "42"));
  EXPECT_TRUE(Same("false ? {}.a : 'safe'", "'safe'"));
  EXPECT_TRUE(Fails("true ? 1 / 0 : 2", "division by zero"));
}

TEST(CelConditional, ConditionMustBeBool) {
  EXPECT_TRUE(Fails("'cows' ? false : 17", "no matching overload"));
  EXPECT_TRUE(Fails("2 / 0 > 4 ? 'baz' : 'quux'", "division by zero"));
  EXPECT_TRUE(Fails("null ? 1 : 2", "no matching overload"));
}

TEST(CelConditional, NestsToTheRight) {
  EXPECT_TRUE(Same("false ? 1 : true ? 2 : 3", "2"));
  EXPECT_TRUE(Same("false ? 1 : false ? 2 : 3", "3"));
  std::string chain;
  for (int i = 0; i < 24; ++i) chain += "true ? true : ";
  EXPECT_TRUE(True(chain + "false"));
  // The condition of a conditional is itself a logical expression.
  EXPECT_TRUE(Same("1 < 2 && 2 < 3 ? 'ordered' : 'not'", "'ordered'"));
}

TEST(CelLogic, ShortCircuitSkipsEvaluationCost) {
  // The right operand would run for longer than the cost limit allows.
  Env env;
  env.max_cost = 1000;
  std::string costly = "[1,2,3,4,5,6,7,8,9,10].all(a, [1,2,3,4,5,6,7,8,9,10].all(b, [1,2,3,4,5,6,7,8,9,10].all(c, true)))";
  auto p = Program::compile("false && " + costly, env);
  ASSERT_TRUE(p.ok());
  Value v = p->evaluate({});
  ASSERT_EQ(v.kind(), Value::Kind::kBool);
  EXPECT_FALSE(v.as_bool());
  auto q = Program::compile("true && " + costly, env);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->evaluate({}).as_string(), "evaluation cost limit exceeded");
  auto r = Program::compile("true ? 1 : " + costly, env);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->evaluate({}).as_int(), 1);
}

TEST(CelErrors, UnboundVariableIsAnErrorValue) {
  // Declared but not bound in the activation: an error only when read.
  EXPECT_TRUE(Fails("x + 1", "no value bound to variable 'x'", {}, {"x"}));
  EXPECT_TRUE(True("true || x", {}, {"x"}));
  Activation a;
  a.bind("x", Value::integer(41));
  EXPECT_TRUE(Same("x + 1", "42", a, {"x"}));
}

TEST(CelErrors, FirstErrorOfStrictFunctionsWins) {
  EXPECT_TRUE(Fails("(1 / 0) + {}.a", "division by zero"));
  EXPECT_TRUE(Fails("size({}.a) + (1 / 0)", "no such key"));
  EXPECT_TRUE(Fails("[1 / 0].size()", "division by zero"));
}

}  // namespace
}  // namespace bulwark::cel
