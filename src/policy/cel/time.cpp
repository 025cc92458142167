// Timestamps and durations: RFC 3339 and Go duration text, the civil
// calendar (proleptic Gregorian, years 1..9999), and time zones for the
// timestamp accessors: fixed offsets, UTC, and IANA names read from the
// system's zoneinfo files (TZif, including the POSIX rule in their footer for
// times after the last listed transition).
#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>

#include "policy/cel/internal.hpp"

namespace bulwark::cel {

namespace {

constexpr int64_t kNanos = 1'000'000'000;

bool digits(std::string_view s, size_t at, size_t n, int& out) {
  if (at + n > s.size()) return false;
  out = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int month_days(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

}  // namespace

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = floor_div(y, 400);
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + int64_t(doe) - 719468;
}

Civil civil_from_seconds(int64_t unix_seconds) {
  int64_t days = floor_div(unix_seconds, 86400);
  int64_t secs = unix_seconds - days * 86400;
  Civil c{};
  int64_t z = days + 719468;
  const int64_t era = floor_div(z, 146097);
  const unsigned doe = unsigned(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  c.day = int(doy - (153 * mp + 2) / 5 + 1);
  c.month = int(mp < 10 ? mp + 3 : mp - 9);
  c.year = int64_t(yoe) + era * 400 + (c.month <= 2);
  c.hour = int(secs / 3600);
  c.minute = int(secs / 60 % 60);
  c.second = int(secs % 60);
  c.day_of_week = int(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  c.day_of_year = int(days - days_from_civil(c.year, 1, 1));
  return c;
}

bool parse_timestamp(std::string_view s, int64_t& seconds, int32_t& nanos, std::string& error) {
  int y, mo, d, h, mi, se;
  auto bad = [&] {
    error = "'" + std::string(s.substr(0, 64)) + "' is not an RFC 3339 timestamp (like 2024-01-31T12:00:00Z)";
    return false;
  };
  // A year past 9999 has more digits: out of range rather than malformed.
  size_t dash = s.find('-');
  if (dash != std::string_view::npos && dash > 4) {
    error = "timestamp out of range (years 0001 to 9999)";
    return false;
  }
  if (!digits(s, 0, 4, y) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, mo) || s[7] != '-' ||
      !digits(s, 8, 2, d) || (s[10] != 'T' && s[10] != 't') || !digits(s, 11, 2, h) || s[13] != ':' ||
      !digits(s, 14, 2, mi) || s[16] != ':' || !digits(s, 17, 2, se))
    return bad();
  if (mo < 1 || mo > 12 || d < 1 || d > month_days(y, mo) || h > 23 || mi > 59 || se > 59) return bad();
  size_t i = 19;
  int64_t frac = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t start = i;
    int64_t scale = kNanos;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (i - start < 9) {
        scale /= 10;
        frac += (s[i] - '0') * scale;
      }
      ++i;
    }
    if (i == start) return bad();
  }
  int64_t offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh, om;
    if (!digits(s, i + 1, 2, oh) || i + 3 >= s.size() || s[i + 3] != ':' || !digits(s, i + 4, 2, om) || oh > 23 || om > 59)
      return bad();
    offset = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
    i += 6;
  } else {
    return bad();
  }
  if (i != s.size()) return bad();
  seconds = days_from_civil(y, unsigned(mo), unsigned(d)) * 86400 + h * 3600 + mi * 60 + se - offset;
  nanos = int32_t(frac);
  if (seconds < kMinTimestampSeconds || seconds > kMaxTimestampSeconds) {
    error = "timestamp out of range (years 0001 to 9999)";
    return false;
  }
  return true;
}

std::string format_timestamp(int64_t seconds, int32_t nanos) {
  Civil c = civil_from_seconds(seconds);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d", static_cast<long long>(c.year), c.month, c.day,
                c.hour, c.minute, c.second);
  std::string out = buf;
  if (nanos) {
    std::snprintf(buf, sizeof buf, ".%09d", nanos);
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 'Z';
  return out;
}

bool parse_duration(std::string_view s, int64_t& out, std::string& error) {
  const std::string_view orig = s;
  auto bad = [&] {
    error = "'" + std::string(orig.substr(0, 64)) + "' is not a duration (like 1h30m, 10s, 500ms)";
    return false;
  };
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") {
    out = 0;
    return true;
  }
  if (s.empty()) return bad();
  __int128 total = 0;
  const __int128 limit = __int128(std::numeric_limits<int64_t>::max()) + (neg ? 1 : 0);
  while (!s.empty()) {
    __int128 whole = 0;
    size_t i = 0;
    bool any = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      whole = whole * 10 + (s[i] - '0');
      if (whole > limit) {
        error = "duration out of range";
        return false;
      }
      ++i;
      any = true;
    }
    __int128 frac = 0, scale = 1;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (scale < __int128(1) << 100) {
          frac = frac * 10 + (s[i] - '0');
          scale *= 10;
        }
        ++i;
        any = true;
      }
    }
    if (!any) return bad();
    s.remove_prefix(i);
    int64_t unit;
    if (s.starts_with("ns")) { unit = 1; s.remove_prefix(2); }
    else if (s.starts_with("us")) { unit = 1000; s.remove_prefix(2); }
    else if (s.starts_with("\xC2\xB5s") || s.starts_with("\xCE\xBCs")) { unit = 1000; s.remove_prefix(3); }
    else if (s.starts_with("ms")) { unit = 1'000'000; s.remove_prefix(2); }
    else if (s.starts_with("s")) { unit = kNanos; s.remove_prefix(1); }
    else if (s.starts_with("m")) { unit = 60 * kNanos; s.remove_prefix(1); }
    else if (s.starts_with("h")) { unit = 3600 * kNanos; s.remove_prefix(1); }
    else return bad();
    total += whole * unit + frac * unit / scale;
    if (total > limit) {
      error = "duration out of range";
      return false;
    }
  }
  out = neg ? int64_t(-total) : int64_t(total);
  return true;
}

std::string format_duration(int64_t nanos) {
  std::string out;
  uint64_t mag = nanos < 0 ? 0 - uint64_t(nanos) : uint64_t(nanos);
  if (nanos < 0) out += '-';
  out += std::to_string(mag / uint64_t(kNanos));
  if (uint64_t frac = mag % uint64_t(kNanos)) {
    char buf[16];
    std::snprintf(buf, sizeof buf, ".%09llu", static_cast<unsigned long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 's';
  return out;
}

// ---------------------------------------------------------------- zones

namespace {

// A POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3"): standard and daylight
// offsets (east of UTC, in seconds) and when daylight time starts and ends.
struct PosixRule {
  struct When {
    char kind = 'M';  // 'M' month.week.day, 'J' 1-based day without Feb 29, 'D' 0-based day
    int month = 0, week = 0, day = 0;
    int64_t time = 7200;  // local seconds after midnight
  };
  int64_t std_offset = 0;
  bool has_dst = false;
  int64_t dst_offset = 0;
  When start, end;
};

class RuleParser {
 public:
  explicit RuleParser(std::string_view s) : s_(s) {}

  bool parse(PosixRule& r) {
    if (!name()) return false;
    int64_t off;
    if (!offset(off)) return false;
    r.std_offset = -off;
    if (i_ == s_.size()) return true;
    if (!name()) return false;
    r.has_dst = true;
    r.dst_offset = r.std_offset + 3600;
    if (i_ < s_.size() && s_[i_] != ',') {
      if (!offset(off)) return false;
      r.dst_offset = -off;
    }
    if (i_ == s_.size()) {
      // No rule: the US rules, as POSIX implementations commonly assume.
      r.start = {'M', 3, 2, 0, 7200};
      r.end = {'M', 11, 1, 0, 7200};
      return true;
    }
    if (s_[i_] != ',') return false;
    ++i_;
    if (!when(r.start) || i_ >= s_.size() || s_[i_] != ',') return false;
    ++i_;
    return when(r.end) && i_ == s_.size();
  }

 private:
  std::string_view s_;
  size_t i_ = 0;

  bool name() {
    if (i_ < s_.size() && s_[i_] == '<') {
      size_t close = s_.find('>', i_);
      if (close == std::string_view::npos) return false;
      i_ = close + 1;
      return true;
    }
    size_t start = i_;
    while (i_ < s_.size() && ((s_[i_] >= 'A' && s_[i_] <= 'Z') || (s_[i_] >= 'a' && s_[i_] <= 'z'))) ++i_;
    return i_ - start >= 3;
  }

  bool number(int& v) {
    size_t start = i_;
    v = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9' && i_ - start < 4) v = v * 10 + (s_[i_++] - '0');
    return i_ > start;
  }

  // [+-]hh[:mm[:ss]] in seconds.
  bool offset(int64_t& out) {
    int sign = 1;
    if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) sign = s_[i_++] == '-' ? -1 : 1;
    int h, m = 0, sec = 0;
    if (!number(h)) return false;
    if (i_ < s_.size() && s_[i_] == ':') {
      ++i_;
      if (!number(m)) return false;
      if (i_ < s_.size() && s_[i_] == ':') {
        ++i_;
        if (!number(sec)) return false;
      }
    }
    out = sign * (int64_t(h) * 3600 + m * 60 + sec);
    return true;
  }

  bool when(PosixRule::When& w) {
    if (i_ >= s_.size()) return false;
    if (s_[i_] == 'M') {
      ++i_;
      w.kind = 'M';
      if (!number(w.month) || i_ >= s_.size() || s_[i_++] != '.' || !number(w.week) || i_ >= s_.size() ||
          s_[i_++] != '.' || !number(w.day))
        return false;
      if (w.month < 1 || w.month > 12 || w.week < 1 || w.week > 5 || w.day > 6) return false;
    } else {
      w.kind = 'D';
      if (s_[i_] == 'J') {
        w.kind = 'J';
        ++i_;
      }
      if (!number(w.day) || w.day > 365) return false;
    }
    if (i_ < s_.size() && s_[i_] == '/') {
      ++i_;
      if (!offset(w.time)) return false;
    }
    return true;
  }
};

// Seconds since the epoch, in local wall-clock terms, at which `w` happens in `year`.
int64_t rule_local_time(const PosixRule::When& w, int64_t year) {
  int64_t day;
  if (w.kind == 'M') {
    int64_t first = days_from_civil(year, unsigned(w.month), 1);
    int wd1 = int(((first % 7) + 11) % 7);
    int dom = 1 + (w.day - wd1 + 7) % 7 + (w.week - 1) * 7;
    while (dom > month_days(year, w.month)) dom -= 7;
    day = first + dom - 1;
  } else if (w.kind == 'J') {
    int jd = w.day;  // 1..365, February 29 never counted
    day = days_from_civil(year, 1, 1) + jd - 1 + (leap(year) && jd >= 60 ? 1 : 0);
  } else {
    day = days_from_civil(year, 1, 1) + w.day;
  }
  return day * 86400 + w.time;
}

int64_t rule_offset(const PosixRule& r, int64_t t) {
  if (!r.has_dst) return r.std_offset;
  int64_t year = civil_from_seconds(t + r.std_offset).year;
  int64_t start = rule_local_time(r.start, year) - r.std_offset;
  int64_t end = rule_local_time(r.end, year) - r.dst_offset;
  bool dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
  return dst ? r.dst_offset : r.std_offset;
}

int64_t be(const unsigned char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | p[i];
  if (n == 4) return int64_t(int32_t(uint32_t(v)));
  return int64_t(v);
}

// Offset from UTC at `t` from a TZif file's contents.
bool tzif_offset(const std::string& data, int64_t t, int64_t& out) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  auto header = [&](size_t at, int64_t c[6]) {
    if (at + 44 > n || std::memcmp(p + at, "TZif", 4) != 0) return false;
    for (int i = 0; i < 6; ++i) c[i] = be(p + at + 20 + 4 * i, 4);
    for (int i = 0; i < 6; ++i)
      if (c[i] < 0 || c[i] > 100000) return false;
    return true;
  };
  int64_t c[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
  if (!header(0, c)) return false;
  char version = char(p[4]);
  size_t at = 44;
  int tsize = 4;
  if (version >= '2') {
    at += size_t(c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0]);
    if (!header(at, c)) return false;
    at += 44;
    tsize = 8;
  }
  const size_t times = at, idx = times + size_t(c[3]) * tsize, types = idx + size_t(c[3]);
  const size_t end = types + size_t(c[4]) * 6 + size_t(c[5]) + size_t(c[2]) * (tsize + 4) + size_t(c[1] + c[0]);
  if (end > n || c[4] == 0) return false;
  auto type_offset = [&](size_t ti) -> int64_t { return ti < size_t(c[4]) ? be(p + types + ti * 6, 4) : 0; };
  const int64_t count = c[3];
  if (count == 0 || t < be(p + times, tsize)) {
    // Before the first transition: the first standard-time type.
    size_t ti = 0;
    for (size_t k = 0; k < size_t(c[4]); ++k)
      if (p[types + k * 6 + 4] == 0) {
        ti = k;
        break;
      }
    if (count == 0 && version >= '2') {
      // No transitions at all: the footer rule (if any) decides.
      size_t nl = data.find('\n', end);
      size_t nl2 = nl == std::string::npos ? nl : data.find('\n', nl + 1);
      PosixRule r;
      if (nl2 != std::string::npos && RuleParser(std::string_view(data).substr(nl + 1, nl2 - nl - 1)).parse(r)) {
        out = rule_offset(r, t);
        return true;
      }
    }
    out = type_offset(ti);
    return true;
  }
  int64_t lo = 0, hi = count - 1;  // the last transition at or before t
  while (lo < hi) {
    int64_t mid = (lo + hi + 1) / 2;
    if (be(p + times + size_t(mid) * tsize, tsize) <= t)
      lo = mid;
    else
      hi = mid - 1;
  }
  if (lo == count - 1 && version >= '2') {
    size_t nl = data.find('\n', end);
    size_t nl2 = nl == std::string::npos ? nl : data.find('\n', nl + 1);
    PosixRule r;
    if (nl2 != std::string::npos && nl2 > nl + 1 &&
        RuleParser(std::string_view(data).substr(nl + 1, nl2 - nl - 1)).parse(r)) {
      out = rule_offset(r, t);
      return true;
    }
  }
  out = type_offset(p[idx + size_t(lo)]);
  return true;
}

bool valid_zone_name(std::string_view z) {
  if (z.empty() || z.size() > 64 || z[0] == '/' || z.find("..") != std::string_view::npos) return false;
  for (char c : z)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
          c == '+' || c == '/'))
      return false;
  return true;
}

}  // namespace

bool zone_offset(std::string_view zone, int64_t unix_seconds, int64_t& offset, std::string& error) {
  if (zone == "UTC" || zone == "Z" || zone == "utc") {
    offset = 0;
    return true;
  }
  // Fixed offsets: [+-]HH:MM (a missing sign means east).
  {
    std::string_view z = zone;
    int sign = 1;
    if (!z.empty() && (z[0] == '+' || z[0] == '-')) {
      sign = z[0] == '-' ? -1 : 1;
      z.remove_prefix(1);
    }
    int h, m;
    if (z.size() == 5 && digits(z, 0, 2, h) && z[2] == ':' && digits(z, 3, 2, m)) {
      if (h > 23 || m > 59) {
        error = "invalid time zone offset '" + std::string(zone) + "'";
        return false;
      }
      offset = sign * (h * 3600 + m * 60);
      return true;
    }
  }
  if (!valid_zone_name(zone)) {
    error = "invalid time zone '" + std::string(zone.substr(0, 64)) + "'";
    return false;
  }
  std::ifstream in("/usr/share/zoneinfo/" + std::string(zone), std::ios::binary);
  std::string data;
  if (in) {
    char buf[4096];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
      data.append(buf, size_t(in.gcount()));
      if (data.size() > (1u << 20)) break;
    }
  }
  if (data.empty() || !tzif_offset(data, unix_seconds, offset)) {
    error = "unknown time zone '" + std::string(zone) + "'";
    return false;
  }
  return true;
}

}  // namespace bulwark::cel
