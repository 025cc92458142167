// CEL language definition, "Standard Definitions": arithmetic without
// implicit conversion, overflow and division errors, equality
// (heterogeneous numeric, deep for lists and maps), ordering, `in`,
// concatenation, indexing and field selection, precedence.
#include "policy/cel/cel.hpp"
#include "unit/policy/cel_testing.hpp"

namespace bulwark::cel {
namespace {

using namespace testing;

TEST(CelArithmetic, SameTypeOperands) {
  EXPECT_TRUE(Same("1 + 2", "3"));
  EXPECT_TRUE(Same("3u + 4u", "7u"));
  EXPECT_TRUE(Same("1.5 + 2.25", "3.75"));
  EXPECT_TRUE(Same("5 - 8", "-3"));
  EXPECT_TRUE(Same("8u - 5u", "3u"));
  EXPECT_TRUE(Same("-2 * 6", "-12"));
  EXPECT_TRUE(Same("13u * 3u", "39u"));
  EXPECT_TRUE(Same("3.5 * 40.0", "140.0"));
  EXPECT_TRUE(Same("7 / 2", "3"));
  EXPECT_TRUE(Same("-7 / 2", "-3"));  // truncates toward zero
  EXPECT_TRUE(Same("7.0 / 2.0", "3.5"));
  EXPECT_TRUE(Same("7 % 3", "1"));
  EXPECT_TRUE(Same("-7 % 3", "-1"));  // sign of the dividend
  EXPECT_TRUE(Same("6u % 4u", "2u"));
}

TEST(CelArithmetic, NoImplicitConversion) {
  EXPECT_TRUE(Fails("1 + 1u", "no matching overload for '+' applied to (int, uint)"));
  EXPECT_TRUE(Fails("1 + 1.0", "(int, double)"));
  EXPECT_TRUE(Fails("2u * 2.0", "no matching overload"));
  EXPECT_TRUE(Fails("'a' - 'b'", "no matching overload"));
  EXPECT_TRUE(Fails("5.0 % 2.0", "no matching overload for '%'"));
  EXPECT_TRUE(Fails("null + 1", "no matching overload"));
  EXPECT_TRUE(Same("uint(1) + 1u", "2u"));
}

TEST(CelArithmetic, OverflowIsAnError) {
  EXPECT_TRUE(Fails("9223372036854775807 + 1", "overflow"));
  EXPECT_TRUE(Fails("-9223372036854775808 - 1", "overflow"));
  EXPECT_TRUE(Fails("4611686018427387904 * 2", "overflow"));
  EXPECT_TRUE(Fails("-(-9223372036854775808)", "overflow"));
  EXPECT_TRUE(Fails("-9223372036854775808 / -1", "overflow"));
  EXPECT_TRUE(Fails("-9223372036854775808 % -1", "overflow"));
  EXPECT_TRUE(Fails("18446744073709551615u + 1u", "overflow"));
  EXPECT_TRUE(Fails("0u - 1u", "overflow"));
  EXPECT_TRUE(Fails("9223372036854775808u * 2u", "overflow"));
  EXPECT_TRUE(Same("9223372036854775806 + 1", "9223372036854775807"));
}

TEST(CelArithmetic, DivisionByZero) {
  EXPECT_TRUE(Fails("1 / 0", "division by zero"));
  EXPECT_TRUE(Fails("1u / 0u", "division by zero"));
  EXPECT_TRUE(Fails("1 % 0", "modulus by zero"));
  EXPECT_TRUE(Fails("1u % 0u", "modulus by zero"));
  // Doubles follow IEEE 754.
  EXPECT_TRUE(True("1.0 / 0.0 > 1e308"));
  EXPECT_TRUE(True("-1.0 / 0.0 < -1e308"));
  EXPECT_TRUE(True("0.0 / 0.0 != 0.0 / 0.0"));
}

TEST(CelArithmetic, Negation) {
  EXPECT_TRUE(Same("-(5)", "-5"));
  EXPECT_TRUE(Same("-(3.14)", "-3.14"));
  EXPECT_TRUE(Same("--5", "5"));
  EXPECT_TRUE(Same("--------------------------------19", "19"));
  EXPECT_TRUE(Fails("-(1u)", "no matching overload for '-' applied to (uint)"));
  EXPECT_TRUE(Fails("-'a'", "no matching overload"));
}

TEST(CelArithmetic, Concatenation) {
  EXPECT_TRUE(Same("'Hello, ' + 'world!'", "'Hello, world!'"));
  EXPECT_TRUE(Same("b'ab' + b'cd'", "b'abcd'"));
  EXPECT_TRUE(Same("[1] + [2, 3]", "[1, 2, 3]"));
  EXPECT_TRUE(Same("[] + []", "[]"));
  EXPECT_TRUE(False("[0, 1] + [2] == [2, 0, 1]"));
  EXPECT_TRUE(Fails("'a' + b'a'", "no matching overload"));
  EXPECT_TRUE(Fails("[1] + 2", "no matching overload"));
}

TEST(CelArithmetic, Precedence) {
  EXPECT_TRUE(Same("1 + 2 * 3", "7"));
  EXPECT_TRUE(Same("(1 + 2) * 3", "9"));
  EXPECT_TRUE(Same("10 - 4 - 3", "3"));  // left associative
  EXPECT_TRUE(Same("100 / 10 / 5", "2"));
  EXPECT_TRUE(Same("-2 * -3", "6"));
  EXPECT_TRUE(True("1 + 1 == 2 && 3 > 2"));
  EXPECT_TRUE(True("!false && true"));
  EXPECT_TRUE(Same("3 - 3 + 3 - 3 + 3 - 3 + 3 - 3 + 3 - 3 + 3 - 3 + 3 - 3 + 3 - 3 + 3 - 3 + 3 - 3 + 3 - 3 + 3 - 3 + 3", "3"));
  EXPECT_TRUE(Same("4 * 4 / 4 * 4 / 4 * 4 / 4 * 4 / 4 * 4 / 4 * 4 / 4 * 4 / 4 * 4 / 4 * 4 / 4 * 4 / 4 * 4 / 4 * 4 / 4", "4"));
  EXPECT_TRUE(Same("((((((((((((((((((((((((((((((((7))))))))))))))))))))))))))))))))", "7"));
}

TEST(CelEquality, SameTypes) {
  EXPECT_TRUE(True("1 == 1"));
  EXPECT_TRUE(False("'hello' == 'world'"));
  EXPECT_TRUE(True("bytes('hello') == b'hello'"));
  EXPECT_TRUE(True("null == null"));
  EXPECT_TRUE(True("true != false"));
  EXPECT_TRUE(True("[1, [2, 'x']] == [1, [2, 'x']]"));
  EXPECT_TRUE(False("[1, 2] == [2, 1]"));
  EXPECT_TRUE(False("[1] == [1, 1]"));
  EXPECT_TRUE(True("{'a': 1, 'b': [2]} == {'b': [2], 'a': 1}"));  // order does not matter
  EXPECT_TRUE(False("{'a': 1} == {'a': 2}"));
  EXPECT_TRUE(False("{'a': 1} == {'b': 1}"));
  EXPECT_TRUE(True("type(1) == int"));
  EXPECT_TRUE(False("type(1) == string"));
  EXPECT_TRUE(True("type(type(1)) == type(string)"));
}

TEST(CelEquality, HeterogeneousNumbersCompareOnTheNumberLine) {
  EXPECT_TRUE(True("dyn(3.0) == 3"));
  EXPECT_TRUE(True("dyn(3) == 3u"));
  EXPECT_TRUE(True("dyn(3u) == 3.0"));
  EXPECT_TRUE(False("dyn(-1) == 18446744073709551615u"));
  EXPECT_TRUE(False("dyn(3.5) == 3"));
  EXPECT_TRUE(True("[1, 2.0] == [1.0, 2u]"));
  EXPECT_TRUE(True("{1: 'a'} == {1u: 'a'}"));
  // An int meets a double as a double (cel-go, conformance): 2^53 + 1 rounds to 2^53.
  EXPECT_TRUE(True("9007199254740993 == 9007199254740992.0"));
  EXPECT_TRUE(True("9007199254740992 == 9007199254740992.0"));
  EXPECT_TRUE(True("dyn(9223372036854775807) == 9223372036854775808.0"));
}

TEST(CelEquality, DifferentTypesAreUnequalNotErrors) {
  EXPECT_TRUE(False("1 == '1'"));
  EXPECT_TRUE(True("1 != '1'"));
  EXPECT_TRUE(False("null == 0"));
  EXPECT_TRUE(False("[] == {}"));
  EXPECT_TRUE(False("b'a' == 'a'"));
  EXPECT_TRUE(False("true == 1"));
}

TEST(CelEquality, NaNIsNeverEqual) {
  EXPECT_TRUE(False("double('NaN') == double('NaN')"));
  EXPECT_TRUE(True("double('NaN') != double('NaN')"));
  EXPECT_TRUE(False("[double('NaN')] == [double('NaN')]"));
}

TEST(CelEquality, ErrorsPropagateThroughEquality) {
  EXPECT_TRUE(Fails("1 / 0 == 1", "division by zero"));
  EXPECT_TRUE(Fails("1 == {}.a", "no such key"));
}

TEST(CelOrdering, Numbers) {
  EXPECT_TRUE(True("2 < 3"));
  EXPECT_TRUE(True("2u <= 2u"));
  EXPECT_TRUE(True("2.5 > 2.4"));
  EXPECT_TRUE(True("3 >= 3"));
  EXPECT_TRUE(True("-1 < dyn(1u)"));
  EXPECT_TRUE(False("1 >= dyn(18446744073709551615u)"));
  EXPECT_TRUE(True("dyn(1.5) > 1"));
  EXPECT_TRUE(True("dyn(1) < 1.5"));
  EXPECT_TRUE(True("dyn(18446744073709551615u) > 9223372036854775807"));
  EXPECT_TRUE(True("dyn(-9223372036854775808) < 0u"));
  EXPECT_TRUE(False("double('NaN') < 1"));
  EXPECT_TRUE(False("double('NaN') >= 1.0"));
  EXPECT_TRUE(False("dyn(9223372036854775807) < 9223372036854775808.0"));
  EXPECT_TRUE(True("dyn(9223372036854775807) >= 9223372036854775808.0"));
  EXPECT_TRUE(True("dyn(9223372036854775808.0) <= 9223372036854775807"));
  EXPECT_TRUE(True("9223372036854775807 < 1e19"));
  EXPECT_TRUE(True("18446744073709551615u < 1e20 && 0u > -0.5"));
}

TEST(CelOrdering, StringsBytesBoolsAndTime) {
  EXPECT_TRUE(True("'a' < 'b'"));
  EXPECT_TRUE(True("'abc' < 'abd'"));
  EXPECT_TRUE(True("'ab' < 'abc'"));
  EXPECT_TRUE(True("'Z' < 'a'"));
  EXPECT_TRUE(True("'\\u00e9' > 'z'"));  // code point order
  EXPECT_TRUE(True("b'\\x01' < b'\\xff'"));
  EXPECT_TRUE(True("false < true"));
  EXPECT_TRUE(True("duration('2h') < duration('3h')"));
  EXPECT_TRUE(True("timestamp('2023-08-25T12:00:00Z') <= timestamp('2023-08-26T12:00:00Z')"));
}

TEST(CelOrdering, UnorderedTypesAreErrors) {
  EXPECT_TRUE(Fails("1 < 'a'", "no matching overload for '<' applied to (int, string)"));
  EXPECT_TRUE(Fails("[1] < [2]", "no matching overload"));
  EXPECT_TRUE(Fails("{} > {}", "no matching overload"));
  EXPECT_TRUE(Fails("null <= null", "no matching overload"));
  EXPECT_TRUE(Fails("true < 1", "no matching overload"));
}

TEST(CelIn, Lists) {
  EXPECT_TRUE(True("2 in [1, 2, 3]"));
  EXPECT_TRUE(False("'a' in ['b', 'c']"));
  EXPECT_TRUE(False("7 in []"));
  EXPECT_TRUE(True("dyn(3.0) in [5, 4, 3]"));
  EXPECT_TRUE(True("dyn(3u) in [5.0, 3.0]"));
  EXPECT_TRUE(True("[1] in [[0], [1]]"));
  EXPECT_TRUE(False("1 in ['1']"));
}

TEST(CelIn, MapsTestKeys) {
  EXPECT_TRUE(True("'key1' in {'key1': 'value1', 'key2': 'value2'}"));
  EXPECT_TRUE(False("'value1' in {'key1': 'value1'}"));
  EXPECT_TRUE(False("3 in {1: 'one', 2: 'two'}"));
  EXPECT_TRUE(True("3.0 in {1: 1, 2: 2, 3u: 3} && 2u in {1u: 1, 2: 2} && 1 in {1u: 1, 2: 2}"));
  EXPECT_TRUE(False("3.1 in {1: 1, 2: 2, 3u: 3}"));
  EXPECT_TRUE(False("b'a' in {'a': 1}"));
}

TEST(CelIn, OtherContainersAreErrors) {
  EXPECT_TRUE(Fails("'a' in 'abc'", "no matching overload for 'in'"));
  EXPECT_TRUE(Fails("1 in 1", "no matching overload"));
}

TEST(CelIndex, Lists) {
  EXPECT_TRUE(Same("[7, 8, 9][0]", "7"));
  EXPECT_TRUE(Same("['George', 'John', 'Paul', 'Ringo'][3]", "'Ringo'"));
  EXPECT_TRUE(Same("[7, 8, 9][dyn(1u)]", "8"));
  EXPECT_TRUE(Same("[7, 8, 9][dyn(2.0)]", "9"));
  EXPECT_TRUE(Fails("[7, 8, 9][dyn(0.5)]", "not an integer"));
  EXPECT_TRUE(Fails("[1, 2, 3][3]", "index out of range: 3"));
  EXPECT_TRUE(Fails("[1, 2, 3][-1]", "index out of range: -1"));
  EXPECT_TRUE(Fails("[1, 2, 3]['0']", "no matching overload for '[]'"));
  EXPECT_TRUE(Same("[[[[[[[[[[[['foo']]]]]]]]]]]][0][0][0][0][0][0][0][0][0][0][0][0]", "'foo'"));
}

TEST(CelIndex, Maps) {
  EXPECT_TRUE(Same("{'key1': 'value1'}['key1']", "'value1'"));
  EXPECT_TRUE(Same("{0: 1, 2: 2, 5: true}[5]", "true"));
  EXPECT_TRUE(Same("{0u: 1u, 2u: 'happy'}[2u]", "'happy'"));
  EXPECT_TRUE(Same("{true: 5}[true]", "5"));
  EXPECT_TRUE(Same("{1u: 1.0, 2: 2.0, 3u: 3.0}[3.0]", "3.0"));
  EXPECT_TRUE(Same("{1u: 1.0, 2: 2.0, 3u: 3.0}[2u]", "2.0"));
  EXPECT_TRUE(Same("{1u: 1.0, 2: 2.0, 3u: 3.0}[1]", "1.0"));
  EXPECT_TRUE(Fails("{1u: 1.0, 2: 2.0, 3u: 3.0}[3.1]", "no such key"));
  EXPECT_TRUE(Fails("{0: 1, 2: 2}[1]", "no such key: 1"));
  EXPECT_TRUE(Fails("{'a': 1}['b']", "no such key: 'b'"));
  EXPECT_TRUE(Fails("{0: 1}[dyn(b'')]", "unsupported key type 'bytes'"));
  EXPECT_TRUE(Fails("'abc'[0]", "no matching overload"));
}

TEST(CelSelect, MapFields) {
  EXPECT_TRUE(Same("{'name': 'x'}.name", "'x'"));
  EXPECT_TRUE(Same("{'a': {'b': {'c': 3}}}.a.b.c", "3"));
  EXPECT_TRUE(Fails("{'a': 1}.b", "no such key: 'b'"));
  EXPECT_TRUE(Fails("[1].size", "type 'list' does not support field selection"));
  EXPECT_TRUE(Fails("(1).x", "type 'int' does not support field selection"));
  EXPECT_TRUE(Fails("null.x", "type 'null_type'"));
  EXPECT_TRUE(Fails("{1: 2}.a", "no such key"));
}

TEST(CelSelect, ErrorsInsideAggregatesPropagate) {
  EXPECT_TRUE(Fails("[1, 1 / 0, 3]", "division by zero"));
  EXPECT_TRUE(Fails("{'a': 1 / 0}", "division by zero"));
  EXPECT_TRUE(Fails("{1 / 0: 'a'}", "division by zero"));
  EXPECT_TRUE(Fails("size([{}.a])", "no such key"));
}

}  // namespace
}  // namespace bulwark::cel
