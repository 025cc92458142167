// Civil-calendar arithmetic (proleptic Gregorian, UTC): day numbers since
// 1970-01-01 and back. Parsing stays with the callers, whose rules differ
// (which years, whether a time may follow).
#pragma once

#include <cstdint>
#include <string>

namespace bulwark {

struct CivilDate {
  int64_t year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31
};

bool leap_year(int64_t year);
unsigned days_in_month(int64_t year, unsigned month);  // month 1..12

// Days since 1970-01-01 (negative before it).
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);
CivilDate civil_from_days(int64_t days);
// "YYYY-MM-DD" of a day number.
std::string format_day(int64_t days);

}  // namespace bulwark
