// CEL language definition, "Standard Definitions" (size, contains,
// startsWith, endsWith, matches) and the string and list extensions that
// Kubernetes enables (charAt, indexOf, lastIndexOf, lowerAscii, upperAscii,
// replace, split, substring, trim, join, reverse, quote, format; isSorted,
// sum, min, max, indexOf, lastIndexOf, distinct, flatten, slice, sort).
#include "policy/cel/cel.hpp"
#include "unit/policy/cel_testing.hpp"

namespace bulwark::cel {
namespace {

using namespace testing;

TEST(CelSize, FunctionAndMethod) {
  EXPECT_TRUE(Same("size('hello')", "5"));
  EXPECT_TRUE(Same("'hello'.size()", "5"));
  EXPECT_TRUE(Same("'fiance\\u0301'.size()", "7"));  // code points, not bytes
  EXPECT_TRUE(Same("size('\\U0001F92A')", "1"));
  EXPECT_TRUE(Same("size(b'\\xF0\\x9F\\xA4\\xAA')", "4"));  // bytes count bytes
  EXPECT_TRUE(Same("b'hello'.size()", "5"));
  EXPECT_TRUE(Same("['hello', 'world'].size()", "2"));
  EXPECT_TRUE(Same("size(['first', 'second', 'third'])", "3"));
  EXPECT_TRUE(Same("{'hello': 'world'}.size()", "1"));
  EXPECT_TRUE(Same("size({1: true, 2: false})", "2"));
  EXPECT_TRUE(Same("size([])", "0"));
  EXPECT_TRUE(Fails("size(1)", "no matching overload for 'size' applied to (int)"));
  EXPECT_TRUE(Fails("size(null)", "no matching overload"));
  EXPECT_TRUE(Fails("true.size()", "no matching overload"));
}

TEST(CelStrings, ContainsStartsEnds) {
  EXPECT_TRUE(True("'hello world'.contains('world')"));
  EXPECT_TRUE(False("'foobar'.contains('baz')"));
  EXPECT_TRUE(True("'foobar'.contains('')"));
  EXPECT_TRUE(True("'hello world'.startsWith('hello')"));
  EXPECT_TRUE(False("'hello'.startsWith('hello world')"));
  EXPECT_TRUE(True("'foobar'.endsWith('bar')"));
  EXPECT_TRUE(False("'bar'.endsWith('foobar')"));
  EXPECT_TRUE(True("''.endsWith('')"));
  EXPECT_TRUE(Fails("'abc'.contains(1)", "no matching overload for 'contains' applied to (string, int)"));
  EXPECT_TRUE(Fails("[1].contains(1)", "no matching overload"));
}

TEST(CelStrings, MatchesIsAnUnanchoredRe2Search) {
  EXPECT_TRUE(True("matches('foobar', 'foo.*')"));
  EXPECT_TRUE(True("'foobar'.matches('foo.*')"));
  EXPECT_TRUE(True("'foobar'.matches('oba')"));  // substring match
  EXPECT_TRUE(False("'foobar'.matches('^oba')"));
  EXPECT_TRUE(True("'registry.k8s.io/pause:3.9'.matches('^registry\\\\.k8s\\\\.io/')"));
  EXPECT_TRUE(True("'a1b2'.matches(r'^[a-z]\\d[a-z]\\d$')"));
  EXPECT_TRUE(True("'ÿ'.matches('^.$')"));  // UTF-8 aware
  EXPECT_TRUE(False("'abc'.matches('^$')"));
}

TEST(CelStrings, InvalidConstantPatternsDoNotCompile) {
  EXPECT_TRUE(CompileFails("'a'.matches('(')", 1, 13, "invalid regular expression"));
  EXPECT_TRUE(CompileFails("matches('a', '[z-a]')", 1, 14, "invalid regular expression"));
  // RE2 has no backreferences or lookaround.
  EXPECT_TRUE(CompileFails("'aa'.matches('(a)\\\\1')", 1, 14, "invalid regular expression"));
}

TEST(CelStrings, DynamicPatterns) {
  Activation a;
  a.bind("p", Value::string("^ab+c$"));
  a.bind("bad", Value::string("(("));
  a.bind("names", Value::list({Value::string("abbc"), Value::string("ac"), Value::string("abc")}));
  EXPECT_TRUE(Same("names.filter(n, n.matches(p))", "['abbc', 'abc']", a, {"p", "bad", "names"}));
  EXPECT_TRUE(Fails("'x'.matches(bad)", "invalid regular expression", a, {"p", "bad", "names"}));
  EXPECT_TRUE(Same("names.map(n, n.matches(n + '+'))", "[true, true, true]", a, {"p", "bad", "names"}));
}

TEST(CelStrings, CharAtAndIndexOf) {
  EXPECT_TRUE(Same("'tacocat'.charAt(3)", "'o'"));
  EXPECT_TRUE(Same("'tacocat'.charAt(7)", "''"));
  EXPECT_TRUE(True("'©αT'.charAt(0) == '©' && '©αT'.charAt(1) == 'α' && '©αT'.charAt(2) == 'T'"));
  EXPECT_TRUE(Fails("'tacocat'.charAt(30)", "index out of range: 30"));
  EXPECT_TRUE(Same("'tacocat'.indexOf('')", "0"));
  EXPECT_TRUE(Same("'tacocat'.indexOf('ac')", "1"));
  EXPECT_TRUE(Same("'tacocat'.indexOf('none')", "-1"));
  EXPECT_TRUE(Same("'tacocat'.indexOf('', 3)", "3"));
  EXPECT_TRUE(Same("'tacocat'.indexOf('a', 3)", "5"));
  EXPECT_TRUE(Same("'ta©o©αT'.indexOf('©')", "2"));
  EXPECT_TRUE(Same("'ta©o©αT'.indexOf('©', 3)", "4"));
  EXPECT_TRUE(Same("'ta©o©αT'.indexOf('©α', 5)", "-1"));
  EXPECT_TRUE(Same("'hello wello'.indexOf('ello', 6)", "7"));
  EXPECT_TRUE(Fails("'tacocat'.indexOf('a', 30)", "index out of range: 30"));
  EXPECT_TRUE(Fails("'tacocat'.indexOf('a', -1)", "index out of range: -1"));
}

TEST(CelStrings, LastIndexOf) {
  EXPECT_TRUE(Same("''.lastIndexOf('@@')", "-1"));
  EXPECT_TRUE(Same("'tacocat'.lastIndexOf('')", "7"));
  EXPECT_TRUE(Same("'tacocat'.lastIndexOf('at')", "5"));
  EXPECT_TRUE(Same("'tacocat'.lastIndexOf('', 3)", "3"));
  EXPECT_TRUE(Same("'tacocat'.lastIndexOf('a', 3)", "1"));
  EXPECT_TRUE(Same("'ta©o©αT'.lastIndexOf('©')", "4"));
  EXPECT_TRUE(Same("'ta©o©αT'.lastIndexOf('©', 3)", "2"));
  EXPECT_TRUE(Same("'ta©o©αT'.lastIndexOf('©α', 4)", "4"));
  EXPECT_TRUE(Same("'hello wello'.lastIndexOf('ello', 6)", "1"));
  EXPECT_TRUE(Same("'bananananana'.lastIndexOf('nana', 7)", "6"));
  EXPECT_TRUE(Fails("'tacocat'.lastIndexOf('a', -1)", "index out of range: -1"));
  EXPECT_TRUE(Fails("'tacocat'.lastIndexOf('a', 30)", "index out of range: 30"));
}

TEST(CelStrings, Case) {
  EXPECT_TRUE(Same("'TacoCat'.lowerAscii()", "'tacocat'"));
  EXPECT_TRUE(Same("'TacoCÆt Xii'.lowerAscii()", "'tacocÆt xii'"));  // ASCII only
  EXPECT_TRUE(Same("'tacoCαt'.upperAscii()", "'TACOCαT'"));
}

TEST(CelStrings, Replace) {
  EXPECT_TRUE(Same("'12 days 12 hours'.replace('{0}', '2')", "'12 days 12 hours'"));
  EXPECT_TRUE(Same("'{0} days {0} hours'.replace('{0}', '2')", "'2 days 2 hours'"));
  EXPECT_TRUE(Same("'{0} days {0} hours'.replace('{0}', '2', 1).replace('{0}', '23')", "'2 days 23 hours'"));
  EXPECT_TRUE(Same("'1 ©αT taco'.replace('αT', 'o©α')", "'1 ©o©α taco'"));
  EXPECT_TRUE(Same("'aaa'.replace('a', 'b', 0)", "'aaa'"));
  EXPECT_TRUE(Same("'aaa'.replace('a', 'b', -1)", "'bbb'"));
  EXPECT_TRUE(Same("'ab'.replace('', '-')", "'-a-b-'"));
}

TEST(CelStrings, Split) {
  EXPECT_TRUE(Same("'hello world'.split(' ')", "['hello', 'world']"));
  EXPECT_TRUE(Same("'hello world events!'.split(' ', 0)", "[]"));
  EXPECT_TRUE(Same("'hello world events!'.split(' ', 1)", "['hello world events!']"));
  EXPECT_TRUE(Same("'hello world events!'.split(' ', 2)", "['hello', 'world events!']"));
  EXPECT_TRUE(Same("'o©o©o©o'.split('©', -1)", "['o', 'o', 'o', 'o']"));
  EXPECT_TRUE(Same("'a,,b'.split(',')", "['a', '', 'b']"));
  EXPECT_TRUE(Same("''.split(',')", "['']"));
  EXPECT_TRUE(Same("'a©b'.split('')", "['a', '©', 'b']"));
  EXPECT_TRUE(Same("'nginx:1.25'.split(':')[1]", "'1.25'"));
}

TEST(CelStrings, Substring) {
  EXPECT_TRUE(Same("'tacocat'.substring(4)", "'cat'"));
  EXPECT_TRUE(Same("'tacocat'.substring(7)", "''"));
  EXPECT_TRUE(Same("'tacocat'.substring(0, 4)", "'taco'"));
  EXPECT_TRUE(Same("'tacocat'.substring(4, 4)", "''"));
  EXPECT_TRUE(Same("'ta©o©αT'.substring(2, 6)", "'©o©α'"));
  EXPECT_TRUE(Same("'ta©o©αT'.substring(7, 7)", "''"));
  EXPECT_TRUE(Fails("'tacocat'.substring(40)", "index out of range: 40"));
  EXPECT_TRUE(Fails("'tacocat'.substring(-1)", "index out of range: -1"));
  EXPECT_TRUE(Fails("'tacocat'.substring(4, 3)", "before start"));
}

TEST(CelStrings, Trim) {
  EXPECT_TRUE(Same("' \\f\\n\\r\\t\\vtext  '.trim()", "'text'"));
  EXPECT_TRUE(Same("'\\u0085\\u00a0\\u1680text'.trim()", "'text'"));
  EXPECT_TRUE(Same("'text\\u2000\\u2001\\u2009'.trim()", "'text'"));
  EXPECT_TRUE(Same("'\\u200atext\\u2028\\u2029\\u202F\\u205F\\u3000'.trim()", "'text'"));
  // Zero-width characters are not white space.
  EXPECT_TRUE(Same("'\\u180etext\\u200b\\ufeff'.trim()", "'\\u180etext\\u200b\\ufeff'"));
  EXPECT_TRUE(Same("'   '.trim()", "''"));
  EXPECT_TRUE(Same("' a b '.trim()", "'a b'"));
}

TEST(CelStrings, JoinReverseQuote) {
  EXPECT_TRUE(Same("['x', 'y'].join()", "'xy'"));
  EXPECT_TRUE(Same("['x', 'y'].join('-')", "'x-y'"));
  EXPECT_TRUE(Same("[].join()", "''"));
  EXPECT_TRUE(Same("[].join('-')", "''"));
  EXPECT_TRUE(Fails("['x', 1].join()", "not string"));
  EXPECT_TRUE(Same("'gums'.reverse()", "'smug'"));
  EXPECT_TRUE(Same("'©αT'.reverse()", "'Tα©'"));
  EXPECT_TRUE(Same("strings.quote('first\\nsecond')", "'\"first\\\\nsecond\"'"));
  EXPECT_TRUE(Same("strings.quote('say \"hi\"')", "'\"say \\\\\"hi\\\\\"\"'"));
}

TEST(CelStrings, Format) {
  EXPECT_TRUE(Same("'no substitution'.format([])", "'no substitution'"));
  EXPECT_TRUE(Same("'str is %s and some more'.format(['filler'])", "'str is filler and some more'"));
  EXPECT_TRUE(Same("'%% and also %%'.format([])", "'% and also %'"));
  EXPECT_TRUE(Same("'%d %s %d'.format([1, 'A', 2u])", "'1 A 2'"));
  EXPECT_TRUE(Same("'%.3f'.format([1.2345])", "'1.234'"));  // the nearest double is below 1.2345
  EXPECT_TRUE(Same("'%f'.format([2])", "'2.000000'"));
  EXPECT_TRUE(Same("'%.6e'.format([1052.032911275])", "'1.052033e+03'"));
  EXPECT_TRUE(Same("'%b'.format([5])", "'101'"));
  EXPECT_TRUE(Same("'%o'.format([11])", "'13'"));
  EXPECT_TRUE(Same("'%x is %X'.format([30, 30])", "'1e is 1E'"));
  EXPECT_TRUE(Same("'%x'.format(['Hello world!'])", "'48656c6c6f20776f726c6421'"));
  EXPECT_TRUE(Same("'%s'.format([null])", "'null'"));
  EXPECT_TRUE(Same("'%s'.format([[1, 'a', 2.5]])", "'[1, a, 2.5]'"));
  EXPECT_TRUE(Same("'%s'.format([{'b': 1, 'a': true}])", "'{a: true, b: 1}'"));
  EXPECT_TRUE(Same("'%s'.format([duration('1h45m47s')])", "'6347s'"));
  EXPECT_TRUE(Same("'%s'.format([timestamp('2023-02-03T23:31:20+00:00')])", "'2023-02-03T23:31:20Z'"));
  EXPECT_TRUE(Same("'%f'.format([double('NaN')])", "'NaN'"));
  EXPECT_TRUE(Fails("'%d %d %d'.format([0, 1])", "index 2 out of range"));
  EXPECT_TRUE(Fails("'%a'.format([1])", "unrecognized formatting clause"));
  EXPECT_TRUE(Fails("'%d'.format(['x'])", "needs an integer"));
  EXPECT_TRUE(Fails("'abc %'.format([])", "unfinished"));
}

TEST(CelLists, KubernetesListLibrary) {
  EXPECT_TRUE(True("[1, 2, 3].isSorted()"));
  EXPECT_TRUE(False("[1, 3, 2].isSorted()"));
  EXPECT_TRUE(True("['a', 'b', 'b'].isSorted()"));
  EXPECT_TRUE(True("[].isSorted()"));
  EXPECT_TRUE(Same("[1, 2, 3].sum()", "6"));
  EXPECT_TRUE(Same("[1.5, 2.5].sum()", "4.0"));
  EXPECT_TRUE(Same("[1u, 2u].sum()", "3u"));
  EXPECT_TRUE(Same("[].sum()", "0"));
  EXPECT_TRUE(Same("[duration('1s'), duration('2s')].sum()", "duration('3s')"));
  EXPECT_TRUE(Fails("[9223372036854775807, 1].sum()", "overflow"));
  EXPECT_TRUE(Fails("[1, 2.0].sum()", "no matching overload"));
  EXPECT_TRUE(Fails("['a'].sum()", "no matching overload"));
  EXPECT_TRUE(Same("[3, 1, 2].min()", "1"));
  EXPECT_TRUE(Same("[3, 1, 2].max()", "3"));
  EXPECT_TRUE(Same("['b', 'a'].min()", "'a'"));
  EXPECT_TRUE(Fails("[].max()", "empty list"));
  EXPECT_TRUE(Fails("[1, 'a'].max()", "no matching overload"));
  EXPECT_TRUE(Same("[1, 2, 2, 3].indexOf(2)", "1"));
  EXPECT_TRUE(Same("[1, 2, 2, 3].lastIndexOf(2)", "2"));
  EXPECT_TRUE(Same("[1, 2].indexOf(5)", "-1"));
  EXPECT_TRUE(Same("[1, 2].indexOf(2.0)", "1"));
}

TEST(CelLists, ExtensionFunctions) {
  EXPECT_TRUE(Same("[1, 2, 1, 3, 2].distinct()", "[1, 2, 3]"));
  EXPECT_TRUE(Same("[1, 1.0, 1u].distinct()", "[1]"));
  EXPECT_TRUE(Same("[[1], [2, [3]], 4].flatten()", "[1, 2, [3], 4]"));
  EXPECT_TRUE(Same("[[1], [2, [3]], 4].flatten(2)", "[1, 2, 3, 4]"));
  EXPECT_TRUE(Same("[1, 2, 3, 4].slice(1, 3)", "[2, 3]"));
  EXPECT_TRUE(Fails("[1, 2].slice(1, 3)", "out of range"));
  EXPECT_TRUE(Same("[3, 1, 2].sort()", "[1, 2, 3]"));
  EXPECT_TRUE(Same("['b', 'c', 'a'].sort()", "['a', 'b', 'c']"));
  EXPECT_TRUE(Fails("[1, 'a'].sort()", "no matching overload"));
  EXPECT_TRUE(Same("[1, 2, 3].reverse()", "[3, 2, 1]"));
  EXPECT_TRUE(Same("math.greatest(1, 5, 3)", "5"));
  EXPECT_TRUE(Same("math.least([4, 2.5, 3u])", "2.5"));
}

TEST(CelMath, RoundingAndSigns) {
  EXPECT_TRUE(Same("math.ceil(-1.2)", "-1.0"));
  EXPECT_TRUE(Same("math.floor(-1.2)", "-2.0"));
  EXPECT_TRUE(Same("math.round(-1.5)", "-2.0"));
  EXPECT_TRUE(Same("math.round(1.5)", "2.0"));
  EXPECT_TRUE(Same("math.round(1.4)", "1.0"));
  EXPECT_TRUE(Same("math.trunc(-1.7)", "-1.0"));
  EXPECT_TRUE(Same("math.abs(-11)", "11"));
  EXPECT_TRUE(Same("math.abs(1u)", "1u"));
  EXPECT_TRUE(Same("math.abs(-11.5)", "11.5"));
  EXPECT_TRUE(Fails("math.abs(-9223372036854775808)", "overflow"));
  EXPECT_TRUE(Same("math.sign(-11)", "-1"));
  EXPECT_TRUE(Same("math.sign(0u)", "0u"));
  EXPECT_TRUE(Same("math.sign(100.5)", "1.0"));
  EXPECT_TRUE(True("math.isNaN(0.0 / 0.0) && math.isInf(1.0 / 0.0) && math.isFinite(1.0)"));
  EXPECT_TRUE(Fails("math.ceil(1)", "no matching overload"));
}

TEST(CelFunctions, UnknownFunctionsAndWrongArityDoNotCompile) {
  EXPECT_TRUE(CompileFails("foo(1)", 1, 1, "undeclared reference to function 'foo'"));
  EXPECT_TRUE(CompileFails("'a'.frobnicate()", 1, 5, "undeclared reference to function 'frobnicate'"));
  EXPECT_TRUE(CompileFails("size(1, 2)", 1, 1, "does not take 2 arguments"));
  EXPECT_TRUE(CompileFails("'a'.contains()", 1, 5, "does not take 0 arguments"));
  EXPECT_TRUE(CompileFails("'a'.int()", 1, 5, "int(x, ...)"));
  EXPECT_TRUE(CompileFails("contains('a', 'b')", 1, 1, "x.contains(...)"));
  EXPECT_TRUE(CompileFails("optional.nothing()", 1, 10, "undeclared reference to function 'optional.nothing'"));
  EXPECT_TRUE(CompileFails("math.sqrt(2.0)", 1, 6, "undeclared reference to function 'math.sqrt'"));
}

}  // namespace
}  // namespace bulwark::cel
