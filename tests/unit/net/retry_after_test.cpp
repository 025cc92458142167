// Retry-After (RFC 9110 10.2.3): delay-seconds or an HTTP-date in any of its
// three forms, relative to the time the response arrived.
#include <gtest/gtest.h>

#include <ctime>
#include <string>

#include "net/net.hpp"

namespace bulwark::net {
namespace {

std::string http_date(std::time_t t, const char* format) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

TEST(RetryAfter, DelaySeconds) {
  EXPECT_EQ(parse_retry_after("120", 0), 120);
  EXPECT_EQ(parse_retry_after("0", 0), 0);
  EXPECT_EQ(parse_retry_after("12a", 0), -1);
  EXPECT_EQ(parse_retry_after("99999999999999999999", 0), 999'999'999);  // clamped, not overflowed
}

TEST(RetryAfter, HttpDateInEveryForm) {
  const std::time_t now = 1'790'000'000;  // 2026-09-21
  EXPECT_EQ(parse_retry_after(http_date(now + 90, "%a, %d %b %Y %H:%M:%S GMT"), now), 90);  // IMF-fixdate
  EXPECT_EQ(parse_retry_after(http_date(now + 30, "%A, %d-%b-%y %H:%M:%S GMT"), now), 30);  // RFC 850
  EXPECT_EQ(parse_retry_after(http_date(now + 5, "%a %b %e %H:%M:%S %Y"), now), 5);         // asctime
}

TEST(RetryAfter, PastDateMeansNowAndGarbageIsIgnored) {
  const std::time_t now = 1'790'000'000;
  EXPECT_EQ(parse_retry_after(http_date(now - 3600, "%a, %d %b %Y %H:%M:%S GMT"), now), 0);
  EXPECT_EQ(parse_retry_after("soon", now), -1);
  EXPECT_EQ(parse_retry_after("", now), -1);
}

}  // namespace
}  // namespace bulwark::net
