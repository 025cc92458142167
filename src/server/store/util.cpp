// Value helpers of the store: enums, times and dates, cursors, compression.
#include <zlib.h>

#include <cctype>
#include <cstdio>
#include <cstring>

#include "server/store/internal.hpp"

namespace bulwark::store {

namespace {
const char* const kSeverityNames[] = {"UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"};
}

const char* const kStates[6] = {"new", "triaged", "in_progress", "fixed", "accepted_risk", "false_positive"};

const char* severity_name(int s) { return s >= 0 && s <= 4 ? kSeverityNames[s] : "UNKNOWN"; }

std::optional<int> severity_value(std::string_view name) {
  for (int i = 0; i <= 4; ++i)
    if (name == kSeverityNames[i]) return i;
  return std::nullopt;
}

bool known_state(std::string_view s) {
  for (const char* k : kStates)
    if (s == k) return true;
  return false;
}

bool open_state(std::string_view s) { return s == "new" || s == "triaged" || s == "in_progress"; }

bool known_kind(std::string_view s) { return parse_finding_kind(s).has_value() && s == lower(s); }

bool known_level(std::string_view s) { return s == "P1" || s == "P2" || s == "P3" || s == "P4"; }

bool known_justification(std::string_view s) {
  return s == "component_not_present" || s == "vulnerable_code_not_present" ||
         s == "vulnerable_code_not_in_execute_path" || s == "vulnerable_code_cannot_be_controlled_by_adversary" ||
         s == "inline_mitigations_already_exist";
}

bool known_role(std::string_view s) { return s == "viewer" || s == "operator" || s == "admin"; }

// ------------------------------------------------------------------ dates --

namespace {

// Days since 1970-01-01 of a civil date (proleptic Gregorian).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

unsigned days_in_month(int y, int m) {
  static const unsigned k[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : k[m - 1];
}

bool parse_date(std::string_view s, int& y, int& m, int& d) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (!digits(s, 0, 4, y) || !digits(s, 5, 2, m) || !digits(s, 8, 2, d)) return false;
  return y >= 1970 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && static_cast<unsigned>(d) <= days_in_month(y, m);
}

std::string format_date(int64_t days) {
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(y), m, d);
  return buf;
}

}  // namespace

bool valid_date(std::string_view date) {
  int y, m, d;
  return date.size() == 10 && parse_date(date, y, m, d);
}

std::string add_days(std::string_view date, int days) {
  int y, m, d;
  if (!parse_date(date, y, m, d)) return std::string(date);
  return format_date(days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) + days);
}

std::string date_of(std::string_view time) { return std::string(time.substr(0, 10)); }

std::optional<std::string> normalize_time(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (!parse_date(s, y, mo, d)) return std::nullopt;
  if (s.size() < 19 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
    return std::nullopt;
  if (!digits(s, 11, 2, h) || !digits(s, 14, 2, mi) || !digits(s, 17, 2, sec)) return std::nullopt;
  if (h > 23 || mi > 59 || sec > 60) return std::nullopt;
  size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    size_t start = pos;
    while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos;
    if (pos == start) return std::nullopt;
  }
  int offset_min = 0;
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int oh, om;
    if (pos + 6 > s.size() || s[pos + 3] != ':' || !digits(s, pos + 1, 2, oh) || !digits(s, pos + 4, 2, om))
      return std::nullopt;
    if (oh > 23 || om > 59) return std::nullopt;
    offset_min = (oh * 60 + om) * (s[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  int64_t t = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 +
              (sec == 60 ? 59 : sec) - static_cast<int64_t>(offset_min) * 60;
  int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
  int64_t rem = t - days * 86400;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", format_date(days).c_str(), static_cast<int>(rem / 3600),
                static_cast<int>(rem / 60 % 60), static_cast<int>(rem % 60));
  return std::string(buf);
}

// ---------------------------------------------------------------- strings --

std::string join_lines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += '\n';
    out += s;
  }
  return out;
}

std::vector<std::string> split_lines(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < s.size()) {
    size_t nl = s.find('\n', start);
    if (nl == std::string_view::npos) nl = s.size();
    if (nl > start) out.emplace_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

std::string like_contains(std::string_view s) {
  std::string out = "%";
  for (char ch : lower(s)) {
    if (ch == '%' || ch == '_' || ch == '\\') out += '\\';
    out += ch;
  }
  out += '%';
  return out;
}

// ---------------------------------------------------------------- cursors --

namespace {
const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::string b64url(std::string_view in) {
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (unsigned char ch : in) {
    buf = (buf << 8) | ch;
    bits += 8;
    while (bits >= 6) {
      out += kB64[(buf >> (bits - 6)) & 63];
      bits -= 6;
    }
  }
  if (bits > 0) out += kB64[(buf << (6 - bits)) & 63];
  return out;
}

std::optional<std::string> unb64url(std::string_view in) {
  std::string out;
  uint32_t buf = 0;
  int bits = 0;
  for (char ch : in) {
    const char* p = std::strchr(kB64, ch);
    if (!p || ch == 0) return std::nullopt;
    buf = (buf << 6) | static_cast<uint32_t>(p - kB64);
    bits += 6;
    if (bits >= 8) {
      out += static_cast<char>((buf >> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return out;
}
}  // namespace

std::string encode_cursor(const std::vector<std::string>& parts) {
  std::string raw = "c1";
  for (const auto& p : parts) {
    raw += '\x1f';
    raw += p;
  }
  return b64url(raw);
}

std::optional<std::vector<std::string>> decode_cursor(std::string_view cursor, size_t parts) {
  if (cursor.size() > 2048) return std::nullopt;
  auto raw = unb64url(cursor);
  if (!raw) return std::nullopt;
  std::vector<std::string> out;
  size_t start = 0;
  for (;;) {
    size_t sep = raw->find('\x1f', start);
    out.push_back(raw->substr(start, sep == std::string::npos ? std::string::npos : sep - start));
    if (sep == std::string::npos) break;
    start = sep + 1;
  }
  if (out.empty() || out[0] != "c1" || out.size() != parts + 1) return std::nullopt;
  out.erase(out.begin());
  return out;
}

// ------------------------------------------------------------ compression --

// Level 1: reports compress about 8:1 at it, several times faster than the
// default level, and ingest pays for it on every upload.
Result<std::string> gzip(std::string_view data) {
  uLongf n = compressBound(static_cast<uLong>(data.size()));
  std::string out(n, '\0');
  if (compress2(reinterpret_cast<Bytef*>(out.data()), &n, reinterpret_cast<const Bytef*>(data.data()),
                static_cast<uLong>(data.size()), 1) != Z_OK)
    return Error(ErrorCode::kInternal, "zlib: compression failed");
  out.resize(n);
  return out;
}

Result<std::string> gunzip(std::string_view data, size_t limit) {
  z_stream z{};
  if (inflateInit(&z) != Z_OK) return Error(ErrorCode::kInternal, "zlib: init failed");
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  std::string out;
  char buf[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (out.size() > limit) {
      inflateEnd(&z);
      return Error(ErrorCode::kLimitExceeded, "stored report larger than " + std::to_string(limit) + " bytes");
    }
    if (rc == Z_BUF_ERROR && z.avail_in == 0) break;
  }
  inflateEnd(&z);
  if (rc != Z_STREAM_END) return Error(ErrorCode::kCorrupt, "stored report: zlib stream is damaged");
  return out;
}

}  // namespace bulwark::store
