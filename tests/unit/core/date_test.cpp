// Civil-calendar arithmetic: day numbers against the C library's timegm()
// and gmtime_r(), leap years, month lengths, formatting.
#include <gtest/gtest.h>

#include <ctime>

#include "core/date.hpp"

namespace bulwark {
namespace {

TEST(Date, DayNumbersAgreeWithTheCLibrary) {
  // Every 7th day from 1601 to 2399 (and around the epoch), both ways.
  for (int64_t day = -134774; day <= 157000; day += 7) {
    time_t t = static_cast<time_t>(day) * 86400;
    std::tm tm{};
    ASSERT_NE(gmtime_r(&t, &tm), nullptr);
    CivilDate c = civil_from_days(day);
    ASSERT_EQ(c.year, tm.tm_year + 1900) << day;
    ASSERT_EQ(c.month, static_cast<unsigned>(tm.tm_mon + 1)) << day;
    ASSERT_EQ(c.day, static_cast<unsigned>(tm.tm_mday)) << day;
    ASSERT_EQ(days_from_civil(c.year, c.month, c.day), day);
    ASSERT_EQ(static_cast<time_t>(days_from_civil(c.year, c.month, c.day)) * 86400, timegm(&tm));
  }
}

TEST(Date, KnownDays) {
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
  EXPECT_EQ(days_from_civil(1969, 12, 31), -1);
  EXPECT_EQ(days_from_civil(2000, 3, 1), 11017);  // Python: date(2000,3,1).toordinal() - date(1970,1,1).toordinal()
  EXPECT_EQ(days_from_civil(2024, 3, 1) - days_from_civil(2024, 2, 28), 2);
  EXPECT_EQ(days_from_civil(2023, 3, 1) - days_from_civil(2023, 2, 28), 1);
  EXPECT_EQ(format_day(days_from_civil(2024, 2, 29)), "2024-02-29");
  EXPECT_EQ(format_day(days_from_civil(2024, 2, 28) + 2), "2024-03-01");
  EXPECT_EQ(format_day(days_from_civil(2024, 12, 31) + 1), "2025-01-01");
  EXPECT_EQ(format_day(days_from_civil(99, 1, 1)), "0099-01-01");
}

TEST(Date, LeapYearsAndMonthLengths) {
  EXPECT_TRUE(leap_year(2000));
  EXPECT_TRUE(leap_year(2024));
  EXPECT_FALSE(leap_year(1900));
  EXPECT_FALSE(leap_year(2023));
  EXPECT_EQ(days_in_month(2024, 2), 29u);
  EXPECT_EQ(days_in_month(2100, 2), 28u);
  EXPECT_EQ(days_in_month(2025, 4), 30u);
  EXPECT_EQ(days_in_month(2025, 12), 31u);
  // Month lengths add up to the year's days.
  for (int64_t y : {1900, 2000, 2023, 2024}) {
    unsigned total = 0;
    for (unsigned m = 1; m <= 12; ++m) total += days_in_month(y, m);
    EXPECT_EQ(static_cast<int64_t>(total), days_from_civil(y + 1, 1, 1) - days_from_civil(y, 1, 1)) << y;
  }
}

}  // namespace
}  // namespace bulwark
