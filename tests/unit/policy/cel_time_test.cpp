// CEL language definition, "Date/Time Functions", "timestamp", "duration"
// and "Overflow": RFC 3339 and Go duration text, arithmetic and range
// errors, accessors in UTC and in time zones (fixed offsets and IANA names).
#include <filesystem>

#include "policy/cel/cel.hpp"
#include "unit/policy/cel_testing.hpp"

namespace bulwark::cel {
namespace {

using namespace testing;

TEST(CelTimestamp, ParsesRfc3339) {
  Value t = run("timestamp('2009-02-13T23:31:30Z')");
  ASSERT_EQ(t.kind(), Value::Kind::kTimestamp);
  EXPECT_EQ(t.timestamp_seconds(), 1234567890);
  EXPECT_EQ(t.as_timestamp().time_since_epoch().count(), 1234567890LL * 1'000'000'000);
  EXPECT_TRUE(True("timestamp('2023-08-26T12:39:00-07:00') == timestamp('2023-08-26T19:39:00Z')"));
  EXPECT_TRUE(True("timestamp('2023-08-26T12:39:00.5+01:30') == timestamp('2023-08-26T11:09:00.500Z')"));
  EXPECT_TRUE(Same("timestamp('2009-02-13T23:31:20.123456789Z').getMilliseconds()", "123"));
  EXPECT_TRUE(Same("string(timestamp('9999-12-31T23:59:59.999999999Z'))", "'9999-12-31T23:59:59.999999999Z'"));
  EXPECT_TRUE(Same("string(timestamp('2009-02-13T23:31:30.120Z'))", "'2009-02-13T23:31:30.12Z'"));
  EXPECT_TRUE(Same("string(timestamp('0001-01-01T00:00:00Z'))", "'0001-01-01T00:00:00Z'"));
  EXPECT_TRUE(True("timestamp(timestamp(1000000000)) == timestamp(1000000000)"));
  EXPECT_TRUE(Same("string(timestamp(0))", "'1970-01-01T00:00:00Z'"));
  EXPECT_TRUE(Same("string(timestamp(-1))", "'1969-12-31T23:59:59Z'"));
}

TEST(CelTimestamp, RejectsMalformedAndOutOfRange) {
  EXPECT_TRUE(Fails("timestamp('2009-02-13')", "RFC 3339"));
  EXPECT_TRUE(Fails("timestamp('2009-02-30T00:00:00Z')", "RFC 3339"));
  EXPECT_TRUE(Fails("timestamp('2009-02-13T24:00:00Z')", "RFC 3339"));
  EXPECT_TRUE(Fails("timestamp('2009-02-13T23:31:30')", "RFC 3339"));  // zone required
  EXPECT_TRUE(Fails("timestamp('2009-02-13 23:31:30Z')", "RFC 3339"));
  EXPECT_TRUE(Fails("timestamp('0000-01-01T00:00:00Z')", "range"));
  EXPECT_TRUE(Fails("timestamp('10000-01-01T00:00:00Z')", "range"));
  EXPECT_TRUE(Fails("timestamp(-62135596801)", "range"));
  EXPECT_TRUE(Fails("timestamp(253402300800)", "range"));
  EXPECT_TRUE(True("timestamp('2024-02-29T00:00:00Z') < timestamp('2024-03-01T00:00:00Z')"));  // leap day
}

TEST(CelDuration, ParsesGoDurations) {
  EXPECT_EQ(run("duration('1h30m')").as_duration(), std::chrono::minutes(90));
  EXPECT_EQ(run("duration('0')").as_duration(), std::chrono::nanoseconds(0));
  EXPECT_EQ(run("duration('-1.5h')").as_duration(), std::chrono::minutes(-90));
  EXPECT_EQ(run("duration('1h34us')").as_duration(), std::chrono::hours(1) + std::chrono::microseconds(34));
  EXPECT_EQ(run("duration('1.234s')").as_duration(), std::chrono::milliseconds(1234));
  EXPECT_EQ(run("duration('5\\u00b5s')").as_duration(), std::chrono::microseconds(5));
  EXPECT_EQ(run("duration('300ms')").as_duration(), std::chrono::milliseconds(300));
  EXPECT_EQ(run("duration('7ns')").as_duration(), std::chrono::nanoseconds(7));
  EXPECT_TRUE(True("duration('1h') == duration('60m')"));
  EXPECT_TRUE(True("duration(duration('100s')) == duration('100s')"));
  EXPECT_TRUE(Fails("duration('1d')", "not a duration"));
  EXPECT_TRUE(Fails("duration('')", "not a duration"));
  EXPECT_TRUE(Fails("duration('1')", "not a duration"));
  EXPECT_TRUE(Fails("duration('h')", "not a duration"));
  // Durations are int64 nanoseconds (about 292 years).
  EXPECT_TRUE(Fails("duration('320000000000s')", "range"));
  EXPECT_TRUE(Fails("duration('2562048h')", "range"));
}

TEST(CelDuration, Text) {
  EXPECT_TRUE(Same("string(duration('1000000s'))", "'1000000s'"));
  EXPECT_TRUE(Same("string(duration('1m1ms'))", "'60.001s'"));
  EXPECT_TRUE(Same("string(duration('-1.5s'))", "'-1.5s'"));
  EXPECT_TRUE(Same("string(duration('0'))", "'0s'"));
  EXPECT_TRUE(Same("string(duration('1ns'))", "'0.000000001s'"));
}

TEST(CelTime, Arithmetic) {
  EXPECT_TRUE(True("timestamp('2009-02-13T23:00:00Z') + duration('240s') == timestamp('2009-02-13T23:04:00Z')"));
  EXPECT_TRUE(True("duration('120s') + timestamp('2009-02-13T23:01:00Z') == timestamp('2009-02-13T23:03:00Z')"));
  EXPECT_TRUE(True("duration('600s') + duration('50s') == duration('650s')"));
  EXPECT_TRUE(True("timestamp('2009-02-13T23:10:00Z') - duration('600s') == timestamp('2009-02-13T23:00:00Z')"));
  EXPECT_TRUE(True("timestamp('2009-02-13T23:31:00Z') - timestamp('2009-02-13T23:29:00Z') == duration('120s')"));
  EXPECT_TRUE(True("duration('900s') - duration('42s') == duration('858s')"));
  EXPECT_TRUE(True("timestamp('0001-01-01T00:00:01.000000001Z') + duration('-999999999ns') == "
                   "timestamp('0001-01-01T00:00:00.000000002Z')"));
  EXPECT_TRUE(True("timestamp('0001-01-01T00:00:01.999999999Z') + duration('999999999ns') == "
                   "timestamp('0001-01-01T00:00:02.999999998Z')"));
  EXPECT_TRUE(True("-duration('1s') == duration('-1s')"));
  EXPECT_TRUE(Fails("timestamp('2009-02-13T23:00:00Z') + timestamp('2009-02-13T23:00:00Z')", "no matching overload"));
  EXPECT_TRUE(Fails("duration('1s') - timestamp('2009-02-13T23:00:00Z')", "no matching overload"));
  EXPECT_TRUE(Fails("duration('1s') * 2", "no matching overload"));
}

TEST(CelTime, RangeErrors) {
  EXPECT_TRUE(Fails("timestamp('0001-01-01T00:00:00Z') + duration('-1s')", "range"));
  EXPECT_TRUE(Fails("timestamp('9999-12-31T23:59:59Z') + duration('1s')", "range"));
  EXPECT_TRUE(Fails("timestamp('9999-12-31T23:59:59.999999999Z') + duration('1ns')", "range"));
  EXPECT_TRUE(Fails("timestamp('0001-01-01T00:00:00Z') + duration('-1ns')", "range"));
  EXPECT_TRUE(Fails("timestamp('9999-12-31T23:59:59Z') - timestamp('0001-01-01T00:00:00Z')", "range"));
  EXPECT_TRUE(Fails("duration('-2000000h') + duration('-2000000h')", "range"));
  EXPECT_TRUE(Fails("duration('2000000h') - duration('-2000000h')", "range"));
}

TEST(CelTime, Comparisons) {
  EXPECT_TRUE(True("timestamp('2009-02-13T23:00:00Z') <= timestamp('2009-02-13T23:00:00Z')"));
  EXPECT_TRUE(False("timestamp('2009-02-13T23:00:00Z') <= timestamp('2009-02-13T22:59:59Z')"));
  EXPECT_TRUE(True("timestamp('2009-02-13T23:00:00.1Z') > timestamp('2009-02-13T23:00:00Z')"));
  EXPECT_TRUE(True("duration('2h') + duration('1h1m') >= duration('3h')"));
  EXPECT_TRUE(True("duration('200s') < duration('300s')"));
  EXPECT_TRUE(Fails("duration('1s') < timestamp('2009-02-13T23:00:00Z')", "no matching overload"));
  EXPECT_TRUE(Fails("duration('1s') < 1", "no matching overload"));
}

TEST(CelTime, AccessorsInUtc) {
  const std::string t = "timestamp('2009-02-13T23:31:30Z')";
  EXPECT_TRUE(Same(t + ".getFullYear()", "2009"));
  EXPECT_TRUE(Same(t + ".getMonth()", "1"));  // zero-based
  EXPECT_TRUE(Same(t + ".getDate()", "13"));  // one-based
  EXPECT_TRUE(Same(t + ".getDayOfMonth()", "12"));  // zero-based
  EXPECT_TRUE(Same(t + ".getDayOfWeek()", "5"));  // Friday, Sunday is 0
  EXPECT_TRUE(Same(t + ".getDayOfYear()", "43"));
  EXPECT_TRUE(Same(t + ".getHours()", "23"));
  EXPECT_TRUE(Same(t + ".getMinutes()", "31"));
  EXPECT_TRUE(Same(t + ".getSeconds()", "30"));
  EXPECT_TRUE(Same("timestamp('2023-12-25T12:00:00Z').getDayOfWeek()", "1"));
  EXPECT_TRUE(Same("timestamp('2023-12-25T12:00:00Z').getDayOfYear()", "358"));
  EXPECT_TRUE(Same("timestamp('2024-12-31T00:00:00Z').getDayOfYear()", "365"));
  EXPECT_TRUE(Same("timestamp('1969-12-31T23:59:59Z').getFullYear()", "1969"));
  EXPECT_TRUE(Same("timestamp('0001-01-01T00:00:00Z').getDayOfWeek()", "1"));
}

TEST(CelTime, DurationAccessors) {
  EXPECT_TRUE(Same("duration('10000s').getHours()", "2"));
  EXPECT_TRUE(Same("duration('3730s').getMinutes()", "62"));
  EXPECT_TRUE(Same("duration('3730s').getSeconds()", "3730"));
  EXPECT_TRUE(Same("duration('123.321456789s').getMilliseconds()", "321"));  // the millisecond part only
  EXPECT_TRUE(Same("duration('1h30m').getMinutes()", "90"));
  EXPECT_TRUE(Fails("duration('1h').getFullYear()", "no matching overload"));
}

TEST(CelTime, AccessorsWithFixedOffsets) {
  const std::string t = "timestamp('2009-02-13T23:31:30Z')";
  EXPECT_TRUE(Same(t + ".getDayOfMonth('+11:00')", "13"));
  EXPECT_TRUE(Same("timestamp('2009-02-13T02:00:00Z').getDayOfMonth('-02:30')", "11"));
  EXPECT_TRUE(Same(t + ".getFullYear('-09:30')", "2009"));
  EXPECT_TRUE(Same(t + ".getHours('02:00')", "1"));  // unsigned means east
  EXPECT_TRUE(Same(t + ".getSeconds('-00:00')", "30"));
  EXPECT_TRUE(Same(t + ".getDayOfWeek('UTC')", "5"));
  EXPECT_TRUE(Same(t + ".getMonth('UTC')", "1"));
  EXPECT_TRUE(Fails(t + ".getHours('25:00')", "invalid time zone offset"));
  EXPECT_TRUE(Fails(t + ".getHours('../etc/passwd')", "invalid time zone"));
  EXPECT_TRUE(Fails(t + ".getHours('Mars/Olympus_Mons')", "unknown time zone"));
}

TEST(CelTime, AccessorsWithIanaZones) {
  if (!std::filesystem::exists("/usr/share/zoneinfo/Australia/Sydney"))
    GTEST_SKIP() << "no IANA time zone data in /usr/share/zoneinfo";
  const std::string t = "timestamp('2009-02-13T23:31:30Z')";
  EXPECT_TRUE(Same(t + ".getDate('Australia/Sydney')", "14"));  // UTC+11 in February (daylight time)
  EXPECT_TRUE(Same(t + ".getDayOfMonth('US/Central')", "12"));
  EXPECT_TRUE(Same("timestamp('2009-02-13T02:00:00Z').getDayOfMonth('America/St_Johns')", "11"));
  EXPECT_TRUE(Same(t + ".getDayOfYear('US/Central')", "43"));
  EXPECT_TRUE(Same(t + ".getMinutes('Asia/Kathmandu')", "16"));  // UTC+05:45
  // Daylight saving time switches, also beyond the transitions the file lists.
  EXPECT_TRUE(Same("timestamp('2023-07-01T12:00:00Z').getHours('Europe/Paris')", "14"));
  EXPECT_TRUE(Same("timestamp('2023-01-01T12:00:00Z').getHours('Europe/Paris')", "13"));
  EXPECT_TRUE(Same("timestamp('2300-07-01T12:00:00Z').getHours('Europe/Paris')", "14"));
  EXPECT_TRUE(Same("timestamp('2300-01-01T12:00:00Z').getHours('America/New_York')", "7"));
  EXPECT_TRUE(Same("timestamp('2300-07-01T12:00:00Z').getHours('America/New_York')", "8"));
  EXPECT_TRUE(Same("timestamp('2300-01-15T12:00:00Z').getHours('Australia/Sydney')", "23"));
  EXPECT_TRUE(Same("timestamp('1900-01-01T12:00:00Z').getFullYear('Asia/Tokyo')", "1900"));
}

TEST(CelTime, ValuesFromTheApi) {
  Activation a;
  a.bind("t", Value::timestamp(std::chrono::sys_days(std::chrono::year(2024) / 1 / 31) + std::chrono::hours(12)));
  a.bind("d", Value::duration(std::chrono::minutes(5)));
  EXPECT_TRUE(True("t == timestamp('2024-01-31T12:00:00Z') && d == duration('5m')", a, {"t", "d"}));
  EXPECT_TRUE(True("t + d > t", a, {"t", "d"}));
  Value old = Value::timestamp(-62135596800, 0);
  EXPECT_EQ(old.to_text(), "timestamp(\"0001-01-01T00:00:00Z\")");
  EXPECT_EQ(old.as_timestamp(), std::chrono::sys_time<std::chrono::nanoseconds>::min());  // saturates
}

}  // namespace
}  // namespace bulwark::cel
