// CEL language definition, "Syntax" and "Values": literals of every type,
// string escapes, raw, triple-quoted and bytes literals, whitespace and
// comments, aggregate literals.
#include <cmath>

#include "policy/cel/cel.hpp"
#include "unit/policy/cel_testing.hpp"

namespace bulwark::cel {
namespace {

using namespace testing;
using Kind = Value::Kind;

TEST(CelLiterals, IntegersAreInt64) {
  Value v = run("42");
  ASSERT_EQ(v.kind(), Kind::kInt);
  EXPECT_EQ(v.as_int(), 42);
  EXPECT_EQ(run("0x1F").as_int(), 31);
  EXPECT_EQ(run("0XfF").as_int(), 255);
  EXPECT_EQ(run("9223372036854775807").as_int(), INT64_MAX);
  EXPECT_EQ(run("-9223372036854775808").as_int(), INT64_MIN);
  EXPECT_EQ(run("-0x8000000000000000").as_int(), INT64_MIN);
  EXPECT_EQ(run("-(42)").as_int(), -42);
}

TEST(CelLiterals, UnsignedLiterals) {
  Value v = run("42u");
  ASSERT_EQ(v.kind(), Kind::kUint);
  EXPECT_EQ(v.as_uint(), 42u);
  EXPECT_EQ(run("18446744073709551615u").as_uint(), UINT64_MAX);
  EXPECT_EQ(run("0xFFU").as_uint(), 255u);
  EXPECT_EQ(run("0u").kind(), Kind::kUint);
}

TEST(CelLiterals, IntegerLiteralsOutOfRangeDoNotCompile) {
  EXPECT_TRUE(CompileFails("9223372036854775808", 1, 1, "out of range"));
  EXPECT_TRUE(CompileFails("1 + 18446744073709551616u", 1, 5, "out of range"));
  EXPECT_TRUE(CompileFails("-9223372036854775809", 1, 2, "out of range"));
  EXPECT_TRUE(CompileFails("0x", 1, 1, "hexadecimal"));
}

TEST(CelLiterals, Doubles) {
  EXPECT_DOUBLE_EQ(run("3.25").as_double(), 3.25);
  EXPECT_DOUBLE_EQ(run(".5").as_double(), 0.5);
  EXPECT_DOUBLE_EQ(run("7e0").as_double(), 7.0);
  EXPECT_DOUBLE_EQ(run(".700e1").as_double(), 7.0);
  EXPECT_DOUBLE_EQ(run("1e-3").as_double(), 0.001);
  EXPECT_DOUBLE_EQ(run("-2.5E+2").as_double(), -250.0);
  EXPECT_EQ(run("7.0").kind(), Kind::kDouble);
  EXPECT_EQ(run("7").kind(), Kind::kInt);
  EXPECT_TRUE(std::isinf(run("1e400").as_double()));
  EXPECT_TRUE(CompileFails("1e", 1, 2, "exponent"));
}

TEST(CelLiterals, BoolNullAndTypes) {
  EXPECT_EQ(run("true").kind(), Kind::kBool);
  EXPECT_TRUE(run("true").as_bool());
  EXPECT_FALSE(run("false").as_bool());
  EXPECT_EQ(run("null").kind(), Kind::kNull);
  EXPECT_EQ(run("int").kind(), Kind::kType);
  EXPECT_EQ(run("int").as_string(), "int");
}

TEST(CelLiterals, QuotedStrings) {
  EXPECT_EQ(run("'hello'").as_string(), "hello");
  EXPECT_EQ(run("\"hello\"").as_string(), "hello");
  EXPECT_EQ(run("'\"\"'").as_string(), "\"\"");
  EXPECT_EQ(run("\"\\\"\"").as_string(), "\"");
  EXPECT_EQ(run("''").as_string(), "");
  EXPECT_TRUE(CompileFails("'abc", 1, 1, "unterminated"));
  EXPECT_TRUE(CompileFails("'a\nb'", 1, 3, "newline"));
}

TEST(CelLiterals, TripleQuotedStringsSpanLines) {
  EXPECT_EQ(run("'''x''x'''").as_string(), "x''x");
  EXPECT_EQ(run("\"\"\"a\nb\"\"\"").as_string(), "a\nb");
  EXPECT_EQ(run("'''it's'''").as_string(), "it's");
}

TEST(CelLiterals, EscapeSequences) {
  EXPECT_EQ(run(R"('\\ \? \" \' \`')").as_string(), "\\ ? \" ' `");
  EXPECT_EQ(run(R"('\a\b\f\n\r\t\v')").as_string(), "\a\b\f\n\r\t\v");
  EXPECT_EQ(run(R"('\x41\X42')").as_string(), "AB");
  EXPECT_EQ(run(R"('\101')").as_string(), "A");
  // Octal and \x in strings are code points: \377 is ÿ (two UTF-8 bytes).
  EXPECT_EQ(run(R"('\377')").as_string(), "\xC3\xBF");
  EXPECT_EQ(run(R"('\xFF')").as_string(), "\xC3\xBF");
  EXPECT_EQ(run(R"('\303\277')").as_string(), "\xC3\x83\xC2\xBF");
  EXPECT_EQ(run(R"('\u00e9')").as_string(), "\xC3\xA9");
  EXPECT_EQ(run(R"('\U0001F600')").as_string(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(run(R"('\U00088888')").as_string(), "\xF2\x88\xA2\x88");
}

TEST(CelLiterals, InvalidEscapesDoNotCompile) {
  EXPECT_TRUE(CompileFails(R"('a\s')", 1, 3, "invalid escape"));
  EXPECT_TRUE(CompileFails(R"('\uD83D\uDE03')", 1, 2, "code point"));
  EXPECT_TRUE(CompileFails(R"('\U00110000')", 1, 2, "code point"));
  EXPECT_TRUE(CompileFails(R"('\x4')", 1, 2, "hexadecimal"));
  EXPECT_TRUE(CompileFails(R"('\400')", 1, 2, "escape"));
  EXPECT_TRUE(CompileFails(R"(b'\U00000041')", 1, 3, "bytes"));
}

TEST(CelLiterals, RawStringsKeepBackslashes) {
  EXPECT_EQ(run(R"(r'\\')").as_string(), "\\\\");
  EXPECT_EQ(run(R"(R"\d+\.\n")").as_string(), "\\d+\\.\\n");
  EXPECT_EQ(run(R"(r'''a\'b''')").as_string(), "a\\'b");
}

TEST(CelLiterals, Bytes) {
  Value v = run("b'abc'");
  ASSERT_EQ(v.kind(), Kind::kBytes);
  EXPECT_EQ(v.as_string(), "abc");
  // In bytes, \ooo and \xhh are octets, not code points.
  EXPECT_EQ(run(R"(b'\377')").as_string(), std::string("\xFF"));
  EXPECT_EQ(run(R"(b'\xff')").as_string(), std::string("\xFF"));
  EXPECT_EQ(run(R"(b'\303\277')").as_string(), "\xC3\xBF");
  EXPECT_EQ(run("b'\xC3\xBF'").as_string(), "\xC3\xBF");  // UTF-8 of ÿ
  EXPECT_EQ(run(R"(B"\x00")").as_string(), std::string(1, '\0'));
  EXPECT_EQ(run(R"(br'\x00')").as_string(), "\\x00");
  EXPECT_EQ(run(R"(Rb'\n')").as_string(), "\\n");
  EXPECT_EQ(run("b'''a\nb'''").as_string(), "a\nb");
  EXPECT_TRUE(True(R"(b'\303\277' == b'ÿ')"));
  EXPECT_TRUE(False(R"(b'\377' == b'ÿ')"));
}

TEST(CelLiterals, Lists) {
  Value v = run("[1, 'two', 3.0, [4]]");
  ASSERT_EQ(v.kind(), Kind::kList);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v.element(1).as_string(), "two");
  EXPECT_EQ(v.element(3).element(0).as_int(), 4);
  EXPECT_EQ(run("[]").size(), 0u);
  EXPECT_EQ(run("[1, 2, ]").size(), 2u);  // trailing comma
  EXPECT_TRUE(CompileFails("[1, 2", 1, 6, "']'"));
  EXPECT_TRUE(CompileFails("[,]", 1, 2, "unexpected ','"));
}

TEST(CelLiterals, Maps) {
  Value v = run("{'a': 1, 2: 'two', true: null, 3u: [1]}");
  ASSERT_EQ(v.kind(), Kind::kMap);
  EXPECT_EQ(v.size(), 4u);
  EXPECT_EQ(v.find(Value::string("a"))->as_int(), 1);
  EXPECT_EQ(v.find(Value::integer(2))->as_string(), "two");
  EXPECT_EQ(v.find(Value::boolean(true))->kind(), Kind::kNull);
  // Map keys compare as numbers across int, uint and double.
  EXPECT_EQ(v.find(Value::uinteger(2))->as_string(), "two");
  EXPECT_EQ(v.find(Value::real(3.0))->size(), 1u);
  EXPECT_FALSE(v.find(Value::real(2.5)).has_value());
  EXPECT_EQ(run("{}").size(), 0u);
  EXPECT_EQ(run("{'a': 1,}").size(), 1u);
  // Entries keep their order.
  auto entries = run("{'z': 1, 'a': 2, 'm': 3}").entries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].first.as_string(), "z");
  EXPECT_EQ(entries[2].first.as_string(), "m");
}

TEST(CelLiterals, MapKeysMustBeValidAndUnique) {
  EXPECT_TRUE(Fails("{1.5: 'x'}", "unsupported key type 'double'"));
  EXPECT_TRUE(Fails("{null: false}", "unsupported key type"));
  EXPECT_TRUE(Fails("{[1]: 2}", "unsupported key type"));
  EXPECT_TRUE(Fails("{true: 1, false: 2, true: 3}", "repeated key"));
  EXPECT_TRUE(Fails("{0: 1, 0u: 2}", "repeated key"));
  EXPECT_TRUE(Fails("{'a': 1, 'a': 1}", "repeated key"));
}

TEST(CelLiterals, LargeMapLiteralsUseTheirIndex) {
  std::string expr = "{";
  for (int i = 0; i < 100; ++i) expr += (i ? ", " : "") + std::string("'k") + std::to_string(i) + "': " + std::to_string(i);
  expr += "}";
  Value m = run(expr);
  ASSERT_EQ(m.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(m.find(Value::string("k" + std::to_string(i)))->as_int(), i);
  EXPECT_FALSE(m.find(Value::string("k100")).has_value());
  EXPECT_TRUE(Fails(expr.substr(0, expr.size() - 1) + ", 'k7': 0}", "repeated key 'k7'"));
  EXPECT_TRUE(True(expr + "['k42'] == 42 && 'k99' in " + expr + " && !('k100' in " + expr + ")"));
}

TEST(CelLiterals, WhitespaceAndComments) {
  EXPECT_TRUE(Same("1\t+\n2\r*\f3", "7"));
  EXPECT_TRUE(Same("// leading\n[ // one\n1, // two\n2] // end", "[1, 2]"));
  EXPECT_TRUE(Same("1 + // comment with ' and \"\n 1", "2"));
}

TEST(CelLiterals, ReservedWordsAreNotIdentifiersButAreSelectors) {
  EXPECT_TRUE(CompileFails("if", 1, 1, "reserved"));
  EXPECT_TRUE(CompileFails("1 + while", 1, 5, "reserved"));
  EXPECT_TRUE(Same("{'if': 1, 'package': 2}.if + {'package': 2}.package", "3"));
  EXPECT_TRUE(CompileFails("{'in': 1}.in", 1, 11, "field name"));
}

TEST(CelLiterals, QuotedFieldNames) {
  EXPECT_TRUE(Same("{'content-type': 'json'}.`content-type`", "'json'"));
  EXPECT_TRUE(Same("{'a.b/c': 1}.`a.b/c`", "1"));
  EXPECT_TRUE(True("has({'foo.txt': 1}.`foo.txt`)"));
  EXPECT_TRUE(False("has({'foo.txt': 1}.`bar.txt`)"));
  EXPECT_TRUE(CompileFails("{}.`a$b`", 1, 6, "quoted field name"));
}

TEST(CelLiterals, ToTextIsCelSyntax) {
  EXPECT_EQ(run("[1, 2u, 2.5, 'x', b'y', null, true, {'k': [3.0]}]").to_text(),
            "[1, 2u, 2.5, \"x\", b\"y\", null, true, {\"k\": [3.0]}]");
  EXPECT_EQ(run("'plain'").to_text(), "plain");
  EXPECT_EQ(run("duration('90s')").to_text(), "duration(\"90s\")");
  EXPECT_EQ(run("timestamp('2024-01-02T03:04:05Z')").to_text(), "timestamp(\"2024-01-02T03:04:05Z\")");
}

}  // namespace
}  // namespace bulwark::cel
