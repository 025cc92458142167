// The Value API the policy engine uses directly: construction, accessors on
// the wrong kind (defaults, never a crash), maps built from C++, equality,
// type names and text.
#include <cmath>

#include "policy/cel/cel.hpp"
#include "unit/policy/cel_testing.hpp"

namespace bulwark::cel {
namespace {

using namespace testing;
using Kind = Value::Kind;

TEST(CelValue, ConstructionAndAccess) {
  EXPECT_EQ(Value().kind(), Kind::kNull);
  EXPECT_EQ(Value::boolean(true).as_bool(), true);
  EXPECT_EQ(Value::integer(-5).as_int(), -5);
  EXPECT_EQ(Value::uinteger(5).as_uint(), 5u);
  EXPECT_DOUBLE_EQ(Value::real(2.5).as_double(), 2.5);
  EXPECT_EQ(Value::string("s").as_string(), "s");
  EXPECT_EQ(Value::bytes("b").kind(), Kind::kBytes);
  EXPECT_EQ(Value::type("int").as_string(), "int");
  EXPECT_EQ(Value::error("boom").as_string(), "boom");
  EXPECT_TRUE(Value::error("boom").is_error());
  EXPECT_EQ(Value::duration(std::chrono::seconds(3)).as_duration(), std::chrono::seconds(3));
  Value list = Value::list({Value::integer(1), Value::string("a")});
  EXPECT_EQ(list.size(), 2u);
  EXPECT_EQ(list.element(1).as_string(), "a");
  EXPECT_TRUE(list.element(2).is_error());
}

TEST(CelValue, WrongKindAccessorsGiveDefaults) {
  Value i = Value::integer(7);
  EXPECT_FALSE(i.as_bool());
  EXPECT_EQ(i.as_string(), "");
  EXPECT_EQ(i.as_uint(), 0u);
  EXPECT_EQ(i.size(), 0u);
  EXPECT_TRUE(i.entries().empty());
  EXPECT_FALSE(i.find(Value::string("a")).has_value());
  EXPECT_TRUE(i.element(0).is_error());
  EXPECT_EQ(i.node(), nullptr);
  EXPECT_FALSE(i.optional_value().has_value());
  EXPECT_EQ(Value::string("x").as_int(), 0);
}

TEST(CelValue, MapsFromCppDropInvalidKeysAndKeepTheLastDuplicate) {
  Value m = Value::map({{Value::string("a"), Value::integer(1)},
                        {Value::real(1.5), Value::integer(2)},  // not a key type: dropped
                        {Value::integer(1), Value::string("one")},
                        {Value::uinteger(1), Value::string("uno")},  // same key as 1
                        {Value::string("a"), Value::integer(3)}});
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.find(Value::string("a"))->as_int(), 3);
  EXPECT_EQ(m.find(Value::integer(1))->as_string(), "uno");
  EXPECT_EQ(m.find(Value::real(1.0))->as_string(), "uno");
  Activation a;
  a.bind("m", m);
  EXPECT_TRUE(True("m.a == 3 && m[1u] == 'uno' && size(m) == 2", a, {"m"}));
}

TEST(CelValue, TypeNames) {
  EXPECT_EQ(Value().type_name(), "null_type");
  EXPECT_EQ(Value::uinteger(1).type_name(), "uint");
  EXPECT_EQ(Value::list({}).type_name(), "list");
  EXPECT_EQ(Value::map({}).type_name(), "map");
  EXPECT_EQ(Value::duration({}).type_name(), "google.protobuf.Duration");
  EXPECT_EQ(Value::timestamp(0, 0).type_name(), "google.protobuf.Timestamp");
  EXPECT_EQ(Value::optional(std::nullopt).type_name(), "optional_type");
  EXPECT_EQ(Value::type("x").type_name(), "type");
}

TEST(CelValue, EqualsIsCelEquality) {
  EXPECT_TRUE(equals(Value::integer(1), Value::real(1.0)));
  EXPECT_TRUE(equals(Value::uinteger(1), Value::integer(1)));
  EXPECT_FALSE(equals(Value::integer(1), Value::string("1")));
  EXPECT_FALSE(equals(Value::real(std::nan("")), Value::real(std::nan(""))));
  EXPECT_TRUE(equals(Value::list({Value::integer(1)}), Value::list({Value::real(1.0)})));
  EXPECT_TRUE(equals(Value::optional(Value::integer(1)), Value::optional(Value::uinteger(1))));
  EXPECT_TRUE(equals(Value::timestamp(5, 1), Value::timestamp(5, 1)));
  EXPECT_FALSE(equals(Value::timestamp(5, 1), Value::timestamp(5, 2)));
}

TEST(CelValue, TimestampsNormaliseNanos) {
  Value t = Value::timestamp(10, -1);
  EXPECT_EQ(t.timestamp_seconds(), 9);
  EXPECT_EQ(t.timestamp_nanos(), 999'999'999);
  Value u = Value::timestamp(std::chrono::sys_time<std::chrono::nanoseconds>(std::chrono::nanoseconds(-1)));
  EXPECT_EQ(u.timestamp_seconds(), -1);
  EXPECT_EQ(u.timestamp_nanos(), 999'999'999);
  EXPECT_EQ(u.as_timestamp().time_since_epoch().count(), -1);
}

TEST(CelValue, TextOfEveryKind) {
  EXPECT_EQ(Value().to_text(), "null");
  EXPECT_EQ(Value::real(1.0).to_text(), "1.0");
  EXPECT_EQ(Value::real(1e6).to_text(), "1e+06");
  EXPECT_EQ(Value::real(-0.5).to_text(), "-0.5");
  EXPECT_EQ(Value::uinteger(3).to_text(), "3u");
  EXPECT_EQ(Value::bytes(std::string("a\xff", 2)).to_text(), "b\"a\\xff\"");
  EXPECT_EQ(Value::list({Value::string("q\"\n")}).to_text(), "[\"q\\\"\\n\"]");
  EXPECT_EQ(Value::map({{Value::integer(1), Value::boolean(false)}}).to_text(), "{1: false}");
  EXPECT_EQ(Value::duration(std::chrono::milliseconds(-1500)).to_text(), "duration(\"-1.5s\")");
  EXPECT_EQ(Value::optional(Value::integer(1)).to_text(), "optional.of(1)");
}

TEST(CelValue, NamedZonesAreChargedToTheCostLimit) {
  Env env;
  env.max_cost = 5000;
  auto p = Program::compile(
      "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(i, timestamp(i).getHours('Europe/Paris') >= 0)", env);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->evaluate({}).as_string(), "evaluation cost limit exceeded");
}

}  // namespace
}  // namespace bulwark::cel
