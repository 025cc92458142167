// CEL language definition, "Types and Conversions": int, uint, double,
// string, bytes, bool, type, dyn — identities, conversions, range errors and
// malformed text.
#include "policy/cel/cel.hpp"
#include "unit/policy/cel_testing.hpp"

namespace bulwark::cel {
namespace {

using namespace testing;

TEST(CelConvert, Int) {
  EXPECT_TRUE(Same("int(123)", "123"));
  EXPECT_TRUE(Same("int(42u)", "42"));
  EXPECT_TRUE(Same("int(9223372036854775807u)", "9223372036854775807"));
  EXPECT_TRUE(Fails("int(18446744073709551615u)", "out of range"));
  EXPECT_TRUE(Same("int(3.14)", "3"));
  EXPECT_TRUE(Same("int(1.9)", "1"));
  EXPECT_TRUE(Same("int(-7.9)", "-7"));  // toward zero
  EXPECT_TRUE(Same("int(-3.5)", "-3"));
  EXPECT_TRUE(Same("int(double(36028797018963969))", "36028797018963968"));
  EXPECT_TRUE(Fails("int(9223372036854775807.0)", "out of range"));
  EXPECT_TRUE(Fails("int(-9223372036854775808.0)", "out of range"));
  EXPECT_TRUE(Fails("int(1e99)", "out of range"));
  EXPECT_TRUE(Fails("int(double('NaN'))", "out of range"));
  EXPECT_TRUE(Same("int('987')", "987"));
  EXPECT_TRUE(Same("int('-12')", "-12"));
  EXPECT_TRUE(Fails("int('1.5')", "type conversion error"));
  EXPECT_TRUE(Fails("int(' 1')", "type conversion error"));
  EXPECT_TRUE(Fails("int('9223372036854775808')", "type conversion error"));
  EXPECT_TRUE(Fails("int('')", "type conversion error"));
  EXPECT_TRUE(Same("int(timestamp('2009-02-13T23:31:30Z'))", "1234567890"));
  EXPECT_TRUE(Fails("int(true)", "no matching overload for 'int'"));
  EXPECT_TRUE(Same("int(uint(int(uint(int(uint(int(uint(int(uint(int(uint(7))))))))))))", "7"));
}

TEST(CelConvert, Uint) {
  EXPECT_TRUE(Same("uint(1729)", "1729u"));
  EXPECT_TRUE(Same("uint(9223372036854775807)", "9223372036854775807u"));
  EXPECT_TRUE(Fails("uint(-1)", "out of range"));
  EXPECT_TRUE(Same("uint(3.14159265)", "3u"));
  EXPECT_TRUE(Same("uint(25.5)", "25u"));
  EXPECT_TRUE(Fails("uint(6.022e23)", "out of range"));
  EXPECT_TRUE(Fails("uint(-1.5)", "out of range"));
  EXPECT_TRUE(Same("uint('300')", "300u"));
  EXPECT_TRUE(Fails("uint('-1')", "type conversion error"));
  EXPECT_TRUE(Same("uint(1u)", "1u"));
}

TEST(CelConvert, Double) {
  EXPECT_TRUE(Same("double(10)", "10.0"));
  EXPECT_TRUE(Same("double(123u)", "123.0"));
  EXPECT_TRUE(Same("double(-9007199254740992)", "-9007199254740992.0"));
  EXPECT_TRUE(Same("double(18446744073709551615u)", "1.8446744073709552e19"));
  EXPECT_TRUE(Same("double('3.14')", "3.14"));
  EXPECT_TRUE(Same("double('6.02214e23')", "6.02214e23"));
  EXPECT_TRUE(Same("double('-0.0')", "-0.0"));
  EXPECT_TRUE(True("double('Infinity') > 1e308 && double('-inf') < -1e308"));
  EXPECT_TRUE(True("double('NaN') != double('NaN')"));
  EXPECT_TRUE(Fails("double('abc')", "type conversion error"));
  EXPECT_TRUE(Fails("double('1.0x')", "type conversion error"));
  EXPECT_TRUE(Same("double(5.5)", "5.5"));
}

TEST(CelConvert, String) {
  EXPECT_TRUE(Same("string(123)", "'123'"));
  EXPECT_TRUE(Same("string(-456)", "'-456'"));
  EXPECT_TRUE(Same("string(9876u)", "'9876'"));
  EXPECT_TRUE(Same("string(123.456)", "'123.456'"));
  EXPECT_TRUE(Same("string(-4.5e-3)", "'-0.0045'"));
  EXPECT_TRUE(Same("string(1.0)", "'1'"));
  EXPECT_TRUE(Same("string(1e6)", "'1e+06'"));       // as cel-go (Go's %g) writes it
  EXPECT_TRUE(Same("string(123456.0)", "'123456'"));
  EXPECT_TRUE(Same("string(0.00001)", "'1e-05'"));
  EXPECT_TRUE(Same("string(double('NaN'))", "'NaN'"));
  EXPECT_TRUE(Same("string(true)", "'true'"));
  EXPECT_TRUE(Same("string(b'abc')", "'abc'"));
  EXPECT_TRUE(Same("string(b'\\303\\277')", "'ÿ'"));
  EXPECT_TRUE(Fails("string(b'\\000\\xff')", "not valid UTF-8"));
  EXPECT_TRUE(Same("string(duration('1m1ms'))", "'60.001s'"));
  EXPECT_TRUE(Same("string(timestamp('2009-02-13T23:31:30Z'))", "'2009-02-13T23:31:30Z'"));
  EXPECT_TRUE(Same("string(int)", "'int'"));
  EXPECT_TRUE(Fails("string([1])", "no matching overload for 'string'"));
}

TEST(CelConvert, BytesAndBool) {
  EXPECT_TRUE(Same("bytes('')", "b''"));
  EXPECT_TRUE(Same("bytes('abc')", "b'abc'"));
  EXPECT_TRUE(Same("bytes('ÿ')", "b'\\303\\277'"));
  EXPECT_TRUE(True("bytes('\\377') == b'\\303\\277'"));
  EXPECT_TRUE(Same("bytes(b'abc')", "b'abc'"));
  for (const char* t : {"'1'", "'t'", "'true'", "'TRUE'", "'True'"}) EXPECT_TRUE(True(std::string("bool(") + t + ")"));
  for (const char* f : {"'0'", "'f'", "'false'", "'FALSE'", "'False'"}) EXPECT_TRUE(False(std::string("bool(") + f + ")"));
  EXPECT_TRUE(Fails("bool('TrUe')", "type conversion error"));
  EXPECT_TRUE(Fails("bool('yes')", "type conversion error"));
  EXPECT_TRUE(True("bool(true)"));
  EXPECT_TRUE(Fails("bool(1)", "no matching overload"));
}

TEST(CelConvert, TypesAreValues) {
  EXPECT_TRUE(Same("type(true)", "bool"));
  EXPECT_TRUE(Same("type(0)", "int"));
  EXPECT_TRUE(Same("type(64u)", "uint"));
  EXPECT_TRUE(Same("type(3.14)", "double"));
  EXPECT_TRUE(Same("type(null)", "null_type"));
  EXPECT_TRUE(Same("type('foo')", "string"));
  EXPECT_TRUE(Same("type(b'\\xff')", "bytes"));
  EXPECT_TRUE(Same("type([1, 2, 3])", "list"));
  EXPECT_TRUE(Same("type({4: 16})", "map"));
  EXPECT_TRUE(Same("type(int)", "type"));
  EXPECT_TRUE(Same("type(type)", "type"));
  EXPECT_TRUE(Same("type(duration('1s'))", "google.protobuf.Duration"));
  EXPECT_TRUE(Same("type(timestamp('2009-02-13T23:31:30Z'))", "google.protobuf.Timestamp"));
  EXPECT_TRUE(True("type([1, 2, 3]) == type(['one', 'two'])"));
  EXPECT_TRUE(True("type({'one': 1}) == type({1: 'one'})"));
  EXPECT_TRUE(False("type(7) == type(7u)"));
  EXPECT_TRUE(False("type(0.0) == type(0)"));
  EXPECT_TRUE(True("type(type(7)) == type(type(7u))"));
  EXPECT_TRUE(True("type(dyn([1, 'one'])) == list"));
  EXPECT_TRUE(True("type(x) == string", [] {
    Activation a;
    a.bind("x", Value::string("s"));
    return a;
  }(), {"x"}));
}

TEST(CelConvert, DynIsTheIdentity) {
  EXPECT_TRUE(Same("dyn(123)", "123"));
  EXPECT_TRUE(Same("dyn('hello')", "'hello'"));
  EXPECT_TRUE(True("dyn(3.0) == 3"));
  EXPECT_TRUE(Same("dyn([1, 'one'])[1]", "'one'"));
}

}  // namespace
}  // namespace bulwark::cel
