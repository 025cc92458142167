// Value helpers of the store: enums, times and dates, cursors, compression.
#include <zlib.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/date.hpp"
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

void add_severity(SeverityCounts& counts, int64_t s, int64_t n) {
  switch (s) {
    case 4: counts.critical += n; break;
    case 3: counts.high += n; break;
    case 2: counts.medium += n; break;
    case 1: counts.low += n; break;
    default: counts.unknown += n; break;
  }
}

void add_counts(SeverityCounts& into, const SeverityCounts& c) {
  into.critical += c.critical;
  into.high += c.high;
  into.medium += c.medium;
  into.low += c.low;
  into.unknown += c.unknown;
}

SeverityCounts read_severity_counts(sql::Stmt& st, int first) {
  SeverityCounts s;
  s.critical = st.integer(first);
  s.high = st.integer(first + 1);
  s.medium = st.integer(first + 2);
  s.low = st.integer(first + 3);
  s.unknown = st.integer(first + 4);
  return s;
}

const char* level_of_score(int score) { return score >= 80 ? "P1" : score >= 60 ? "P2" : score >= 35 ? "P3" : "P4"; }

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

bool digits(std::string_view s, size_t pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool parse_date(std::string_view s, int& y, int& m, int& d) {
  if (s.size() < 10 || s[4] != '-' || s[7] != '-') return false;
  if (!digits(s, 0, 4, y) || !digits(s, 5, 2, m) || !digits(s, 8, 2, d)) return false;
  return y >= 1970 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 &&
         static_cast<unsigned>(d) <= days_in_month(y, static_cast<unsigned>(m));
}

}  // namespace

bool valid_date(std::string_view date) {
  int y, m, d;
  return date.size() == 10 && parse_date(date, y, m, d);
}

std::string add_days(std::string_view date, int days) {
  int y, m, d;
  if (!parse_date(date, y, m, d)) return std::string(date);
  return format_day(days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d)) + days);
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
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", format_day(days).c_str(), static_cast<int>(rem / 3600),
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

Status check_limit(int limit) {
  if (limit < 1 || limit > kMaxLimit) return Error(ErrorCode::kInvalidArgument, "limit: must be 1..500");
  return {};
}

Result<int64_t> id_before(const std::string& cursor) {
  if (cursor.empty()) return INT64_MAX;
  auto parts = decode_cursor(cursor, 1);
  if (!parts) return Error(ErrorCode::kInvalidArgument, "cursor: not a cursor of this list");
  return static_cast<int64_t>(std::strtoll((*parts)[0].c_str(), nullptr, 10));
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
