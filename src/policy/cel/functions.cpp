// Built-in functions: the standard definitions of cel-spec (size, string
// tests, matches, conversions, time accessors), the string and list
// extensions Kubernetes enables (indexOf, split, join, sum, ...) and optional
// values. Arguments arrive evaluated and free of errors; a type mismatch is
// a "no matching overload" error value.
#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include "policy/cel/program.hpp"

namespace bulwark::cel::detail {

using Kind = Value::Kind;
using VA = ValueAccess;

namespace {

constexpr FunctionInfo kFunctions[] = {
    {"size", Fn::kSize, false, 1, 1},
    {"size", Fn::kSize, true, 0, 0},
    {"contains", Fn::kContains, true, 1, 1},
    {"startsWith", Fn::kStartsWith, true, 1, 1},
    {"endsWith", Fn::kEndsWith, true, 1, 1},
    {"matches", Fn::kMatches, false, 2, 2},
    {"matches", Fn::kMatches, true, 1, 1},
    {"int", Fn::kToInt, false, 1, 1},
    {"uint", Fn::kToUint, false, 1, 1},
    {"double", Fn::kToDouble, false, 1, 1},
    {"string", Fn::kToString, false, 1, 1},
    {"bytes", Fn::kToBytes, false, 1, 1},
    {"bool", Fn::kToBool, false, 1, 1},
    {"duration", Fn::kToDuration, false, 1, 1},
    {"timestamp", Fn::kToTimestamp, false, 1, 1},
    {"type", Fn::kType, false, 1, 1},
    {"dyn", Fn::kDyn, false, 1, 1},
    {"charAt", Fn::kCharAt, true, 1, 1},
    {"indexOf", Fn::kIndexOf, true, 1, 2},
    {"lastIndexOf", Fn::kLastIndexOf, true, 1, 2},
    {"lowerAscii", Fn::kLowerAscii, true, 0, 0},
    {"upperAscii", Fn::kUpperAscii, true, 0, 0},
    {"replace", Fn::kReplace, true, 2, 3},
    {"split", Fn::kSplit, true, 1, 2},
    {"substring", Fn::kSubstring, true, 1, 2},
    {"trim", Fn::kTrim, true, 0, 0},
    {"join", Fn::kJoin, true, 0, 1},
    {"reverse", Fn::kReverse, true, 0, 0},
    {"strings.quote", Fn::kQuote, false, 1, 1},
    {"format", Fn::kFormat, true, 1, 1},
    {"isSorted", Fn::kIsSorted, true, 0, 0},
    {"sum", Fn::kSum, true, 0, 0},
    {"min", Fn::kMin, true, 0, 0},
    {"max", Fn::kMax, true, 0, 0},
    {"distinct", Fn::kDistinct, true, 0, 0},
    {"flatten", Fn::kFlatten, true, 0, 1},
    {"slice", Fn::kSlice, true, 2, 2},
    {"sort", Fn::kSort, true, 0, 0},
    {"getFullYear", Fn::kGetFullYear, true, 0, 1},
    {"getMonth", Fn::kGetMonth, true, 0, 1},
    {"getDate", Fn::kGetDate, true, 0, 1},
    {"getDayOfMonth", Fn::kGetDayOfMonth, true, 0, 1},
    {"getDayOfWeek", Fn::kGetDayOfWeek, true, 0, 1},
    {"getDayOfYear", Fn::kGetDayOfYear, true, 0, 1},
    {"getHours", Fn::kGetHours, true, 0, 1},
    {"getMinutes", Fn::kGetMinutes, true, 0, 1},
    {"getSeconds", Fn::kGetSeconds, true, 0, 1},
    {"getMilliseconds", Fn::kGetMilliseconds, true, 0, 1},
    {"optional.of", Fn::kOptionalOf, false, 1, 1},
    {"optional.none", Fn::kOptionalNone, false, 0, 0},
    {"optional.ofNonZeroValue", Fn::kOptionalOfNonZero, false, 1, 1},
    {"hasValue", Fn::kHasValue, true, 0, 0},
    {"value", Fn::kOptValue, true, 0, 0},
    {"orValue", Fn::kOrValue, true, 1, 1},
    {"or", Fn::kOr, true, 1, 1},
    {"math.greatest", Fn::kGreatest, false, 1, 32},
    {"math.least", Fn::kLeast, false, 1, 32},
    {"math.ceil", Fn::kCeil, false, 1, 1},
    {"math.floor", Fn::kFloor, false, 1, 1},
    {"math.round", Fn::kRound, false, 1, 1},
    {"math.trunc", Fn::kTrunc, false, 1, 1},
    {"math.abs", Fn::kAbs, false, 1, 1},
    {"math.sign", Fn::kSign, false, 1, 1},
    {"math.isNaN", Fn::kIsNaN, false, 1, 1},
    {"math.isInf", Fn::kIsInf, false, 1, 1},
    {"math.isFinite", Fn::kIsFinite, false, 1, 1},
};

const char* fn_name(Fn fn) {
  for (const auto& f : kFunctions)
    if (f.fn == fn) return f.name;
  return "?";
}

Value bad_args(const Expr* e, const Value* a, size_t n) {
  std::string m = "no matching overload for '";
  m += fn_name(e->fn);
  m += "' applied to (";
  for (size_t i = 0; i < n; ++i) {
    if (i) m += ", ";
    m += a[i].type_name();
  }
  m += ")";
  return Value::error(std::move(m));
}

// ---- strings ---------------------------------------------------------------

bool is_ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80) return false;
  return true;
}

// Byte offset of code point `cp` in valid UTF-8 (the size when cp is the length).
size_t byte_at(std::string_view s, int64_t cp) {
  int64_t count = 0;
  for (size_t k = 0; k < s.size(); ++k) {
    if ((static_cast<unsigned char>(s[k]) & 0xC0) != 0x80) {
      if (count == cp) return k;
      ++count;
    }
  }
  return s.size();
}

size_t cp_index(std::string_view s, size_t byte) { return utf8_length(s.substr(0, byte)); }

uint32_t decode_at(std::string_view s, size_t& i) {
  unsigned char c = s[i];
  if (c < 0x80) {
    ++i;
    return c;
  }
  int len = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : 4;
  uint32_t cp = c & (len == 2 ? 0x1F : len == 3 ? 0x0F : 0x07);
  for (int k = 1; k < len && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
  i += len;
  return cp;
}

// White space as Go's unicode.IsSpace (what cel-go's trim() uses).
bool is_space(uint32_t c) {
  switch (c) {
    case '\t': case '\n': case '\v': case '\f': case '\r': case ' ': case 0x85: case 0xA0: case 0x1680:
    case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
      return true;
    default: return c >= 0x2000 && c <= 0x200A;
  }
}

Value index_error(int64_t i) { return Value::error("index out of range: " + std::to_string(i)); }

Value index_of(const std::string& s, const std::string& sub, const Value* offset, bool last) {
  const int64_t len = int64_t(utf8_length(s));
  const bool ascii = is_ascii(s);
  int64_t off = last ? len : 0;
  if (offset) {
    off = VA::i(*offset);
    if (off < 0 || off > len) return index_error(off);
  }
  size_t boff = ascii ? size_t(off) : byte_at(s, off);
  if (!last) {
    size_t pos = s.find(sub, boff);
    if (pos == std::string::npos) return Value::integer(-1);
    return Value::integer(ascii ? int64_t(pos) : int64_t(cp_index(s, pos)));
  }
  // The last occurrence that starts at or before `offset`.
  size_t pos = s.rfind(sub, boff);
  if (pos == std::string::npos) return Value::integer(-1);
  return Value::integer(ascii ? int64_t(pos) : int64_t(cp_index(s, pos)));
}

Value replace(const std::string& s, const std::string& from, const std::string& to, int64_t n) {
  std::string out;
  if (n == 0) return Value::string(s);
  if (from.empty()) {
    // As Go's strings.Replace: `to` before every code point and at the end.
    size_t i = 0;
    int64_t done = 0;
    while (i <= s.size()) {
      if (n < 0 || done < n) {
        out += to;
        ++done;
      }
      if (i == s.size()) break;
      size_t start = i;
      decode_at(s, i);
      out.append(s, start, i - start);
    }
    return Value::string(std::move(out));
  }
  size_t pos = 0;
  int64_t done = 0;
  for (;;) {
    if (n >= 0 && done >= n) break;
    size_t hit = s.find(from, pos);
    if (hit == std::string::npos) break;
    out.append(s, pos, hit - pos);
    out += to;
    pos = hit + from.size();
    ++done;
  }
  out.append(s, pos, std::string::npos);
  return Value::string(std::move(out));
}

Value split(const std::string& s, const std::string& sep, int64_t n) {
  ValueList out;
  if (n == 0) return Value::list({});
  if (sep.empty()) {
    size_t i = 0;
    while (i < s.size()) {
      if (n > 0 && int64_t(out.size()) == n - 1) {
        out.push_back(Value::string(s.substr(i)));
        return Value::list(std::move(out));
      }
      size_t start = i;
      decode_at(s, i);
      out.push_back(Value::string(s.substr(start, i - start)));
    }
    return Value::list(std::move(out));
  }
  size_t pos = 0;
  for (;;) {
    if (n > 0 && int64_t(out.size()) == n - 1) break;
    size_t hit = s.find(sep, pos);
    if (hit == std::string::npos) break;
    out.push_back(Value::string(s.substr(pos, hit - pos)));
    pos = hit + sep.size();
  }
  out.push_back(Value::string(s.substr(pos)));
  return Value::list(std::move(out));
}

Value quote(const std::string& s) {
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    uint32_t c = decode_at(s, i);
    switch (c) {
      case '\a': out += "\\a"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\v': out += "\\v"; break;
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      default: out.append(s, start, i - start);
    }
  }
  out += '"';
  return Value::string(std::move(out));
}

// ---- conversions -----------------------------------------------------------

constexpr double kTwo63 = 9223372036854775808.0;
constexpr double kTwo64 = 18446744073709551616.0;

Value conversion_error(const Value& v, const char* to) {
  return Value::error("type conversion error: cannot convert " + v.to_text() + " to " + to);
}

bool parse_int(std::string_view s, int64_t& out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty() || s[0] == '+') return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out, 10);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool parse_uint(std::string_view s, uint64_t& out) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  if (s.empty() || s[0] == '-' || s[0] == '+') return false;
  auto r = std::from_chars(s.data(), s.data() + s.size(), out, 10);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

bool parse_double(std::string_view s, double& out) {
  std::string_view t = s;
  bool neg = false;
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
    neg = t[0] == '-';
    t.remove_prefix(1);
  }
  if (iequals(t, "inf") || iequals(t, "infinity")) {
    out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (iequals(t, "nan")) {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  if (t.empty() || t[0] == '+' || t[0] == '-') return false;
  auto r = std::from_chars(t.data(), t.data() + t.size(), out);
  if (r.ptr != t.data() + t.size()) return false;
  if (r.ec == std::errc::result_out_of_range) {
    size_t e = t.find_first_of("eE");
    bool tiny = e != std::string_view::npos && e + 1 < t.size() && t[e + 1] == '-';
    out = tiny ? 0.0 : std::numeric_limits<double>::infinity();
  } else if (r.ec != std::errc()) {
    return false;
  }
  if (neg) out = -out;
  return true;
}

Value to_int(const Value& v) {
  switch (VA::kind(v)) {
    case Kind::kInt: return v;
    case Kind::kUint:
      if (VA::u(v) > uint64_t(std::numeric_limits<int64_t>::max())) return Value::error("int conversion: value out of range");
      return Value::integer(int64_t(VA::u(v)));
    case Kind::kDouble: {
      double d = VA::d(v);
      if (!(d > -kTwo63 && d < kTwo63)) return Value::error("int conversion: value out of range");
      return Value::integer(int64_t(d));
    }
    case Kind::kString: {
      int64_t i;
      if (!parse_int(VA::str(v), i)) return conversion_error(v, "int");
      return Value::integer(i);
    }
    case Kind::kTimestamp: return Value::integer(VA::seconds(v));
    case Kind::kDuration: return Value::integer(VA::i(v));
    default: return no_overload("int", {&v});
  }
}

Value to_uint(const Value& v) {
  switch (VA::kind(v)) {
    case Kind::kUint: return v;
    case Kind::kInt:
      if (VA::i(v) < 0) return Value::error("uint conversion: value out of range");
      return Value::uinteger(uint64_t(VA::i(v)));
    case Kind::kDouble: {
      double d = VA::d(v);
      if (!(d > -1.0 && d < kTwo64)) return Value::error("uint conversion: value out of range");
      return Value::uinteger(uint64_t(d));
    }
    case Kind::kString: {
      uint64_t u;
      if (!parse_uint(VA::str(v), u)) return conversion_error(v, "uint");
      return Value::uinteger(u);
    }
    default: return no_overload("uint", {&v});
  }
}

Value to_double(const Value& v) {
  switch (VA::kind(v)) {
    case Kind::kDouble: return v;
    case Kind::kInt: return Value::real(double(VA::i(v)));
    case Kind::kUint: return Value::real(double(VA::u(v)));
    case Kind::kString: {
      double d;
      if (!parse_double(VA::str(v), d)) return conversion_error(v, "double");
      return Value::real(d);
    }
    default: return no_overload("double", {&v});
  }
}

Value to_string(const Value& v) {
  switch (VA::kind(v)) {
    case Kind::kString: return v;
    case Kind::kBool: return Value::string(VA::b(v) ? "true" : "false");
    case Kind::kInt: return Value::string(std::to_string(VA::i(v)));
    case Kind::kUint: return Value::string(std::to_string(VA::u(v)));
    case Kind::kDouble: return Value::string(format_double(VA::d(v)));
    case Kind::kBytes:
      if (!valid_utf8(VA::str(v))) return Value::error("string conversion: bytes are not valid UTF-8");
      return Value::string(VA::str(v));
    case Kind::kTimestamp: return Value::string(format_timestamp(VA::seconds(v), VA::nanos(v)));
    case Kind::kDuration: return Value::string(format_duration(VA::i(v)));
    case Kind::kType: return Value::string(VA::str(v));
    default: return no_overload("string", {&v});
  }
}

Value to_bool(const Value& v) {
  switch (VA::kind(v)) {
    case Kind::kBool: return v;
    case Kind::kString: {
      const std::string& s = VA::str(v);
      if (s == "1" || s == "t" || s == "true" || s == "TRUE" || s == "True") return Value::boolean(true);
      if (s == "0" || s == "f" || s == "false" || s == "FALSE" || s == "False") return Value::boolean(false);
      return conversion_error(v, "bool");
    }
    default: return no_overload("bool", {&v});
  }
}

Value to_duration(const Value& v) {
  switch (VA::kind(v)) {
    case Kind::kDuration: return v;
    case Kind::kString: {
      int64_t ns;
      std::string err;
      if (!parse_duration(VA::str(v), ns, err)) return Value::error("duration conversion: " + err);
      return VA::make_duration_nanos(ns);
    }
    default: return no_overload("duration", {&v});
  }
}

Value to_timestamp(const Value& v) {
  switch (VA::kind(v)) {
    case Kind::kTimestamp: return v;
    case Kind::kString: {
      int64_t s;
      int32_t n;
      std::string err;
      if (!parse_timestamp(VA::str(v), s, n, err)) return Value::error("timestamp conversion: " + err);
      return VA::make_timestamp(s, n);
    }
    case Kind::kInt: {
      int64_t s = VA::i(v);
      if (s < kMinTimestampSeconds || s > kMaxTimestampSeconds) return Value::error("timestamp conversion: out of range");
      return VA::make_timestamp(s, 0);
    }
    default: return no_overload("timestamp", {&v});
  }
}

bool is_zero(const Value& v) {
  switch (VA::kind(v)) {
    case Kind::kNull: return true;
    case Kind::kBool: return !VA::b(v);
    case Kind::kInt: case Kind::kDuration: return VA::i(v) == 0;
    case Kind::kUint: return VA::u(v) == 0;
    case Kind::kDouble: return VA::d(v) == 0;
    case Kind::kString: case Kind::kBytes: return VA::str(v).empty();
    case Kind::kList: case Kind::kMap: return v.size() == 0;
    case Kind::kTimestamp: return VA::seconds(v) == 0 && VA::nanos(v) == 0;
    case Kind::kOptional: return VA::opt(v) == nullptr;
    default: return false;
  }
}

// ---- time ------------------------------------------------------------------

Value time_part(Evaluator& ev, const Expr* e, const Value* a, size_t n) {
  const Value& t = a[0];
  if (VA::kind(t) == Kind::kDuration && n == 1) {
    int64_t ns = VA::i(t);
    switch (e->fn) {
      case Fn::kGetHours: return Value::integer(ns / 3'600'000'000'000);
      case Fn::kGetMinutes: return Value::integer(ns / 60'000'000'000);
      case Fn::kGetSeconds: return Value::integer(ns / 1'000'000'000);
      case Fn::kGetMilliseconds: return Value::integer((ns % 1'000'000'000) / 1'000'000);
      default: return bad_args(e, a, n);
    }
  }
  if (VA::kind(t) != Kind::kTimestamp || (n == 2 && VA::kind(a[1]) != Kind::kString)) return bad_args(e, a, n);
  int64_t offset = 0;
  if (n == 2) {
    // A named zone is a file to read: charge it like the work it is.
    if (VA::str(a[1]).size() > 6 && !ev.charge(1000)) return cost_error();
    std::string err;
    if (!zone_offset(VA::str(a[1]), VA::seconds(t), offset, err)) return Value::error(err);
  }
  if (e->fn == Fn::kGetMilliseconds) return Value::integer(VA::nanos(t) / 1'000'000);
  Civil c = civil_from_seconds(VA::seconds(t) + offset);
  switch (e->fn) {
    case Fn::kGetFullYear: return Value::integer(c.year);
    case Fn::kGetMonth: return Value::integer(c.month - 1);
    case Fn::kGetDate: return Value::integer(c.day);
    case Fn::kGetDayOfMonth: return Value::integer(c.day - 1);
    case Fn::kGetDayOfWeek: return Value::integer(c.day_of_week);
    case Fn::kGetDayOfYear: return Value::integer(c.day_of_year);
    case Fn::kGetHours: return Value::integer(c.hour);
    case Fn::kGetMinutes: return Value::integer(c.minute);
    case Fn::kGetSeconds: return Value::integer(c.second);
    default: return bad_args(e, a, n);
  }
}

// ---- lists -----------------------------------------------------------------

Value list_extreme(const Expr* e, const Value& list, bool want_max) {
  size_t n = list.size();
  if (n == 0) return Value::error(std::string(want_max ? "max" : "min") + "() called on an empty list");
  Value best = list.element(0);
  for (size_t i = 1; i < n; ++i) {
    Value x = list.element(i);
    Order o = compare(x, best);
    if (o == Order::kInvalid) return no_overload(fn_name(e->fn), {&best, &x});
    if ((want_max && o == Order::kGreater) || (!want_max && o == Order::kLess)) best = std::move(x);
  }
  return best;
}

Value greatest_least(const Expr* e, const Value* a, size_t n) {
  // math.greatest(list) or math.greatest(x, y, ...): numbers only.
  ValueList items;
  if (n == 1 && VA::kind(a[0]) == Kind::kList) {
    for (size_t i = 0, m = a[0].size(); i < m; ++i) items.push_back(a[0].element(i));
  } else {
    items.assign(a, a + n);
  }
  if (items.empty()) return Value::error(std::string(fn_name(e->fn)) + "() called on an empty list");
  for (const Value& v : items)
    if (!is_numeric(VA::kind(v))) return bad_args(e, a, n);
  return list_extreme(e, Value::list(std::move(items)), e->fn == Fn::kGreatest);
}

// ---- format ----------------------------------------------------------------

constexpr size_t kMaxFormatted = 1 << 20;

Value format_value(const Value& v, char verb, int precision, std::string& out);

void format_string_clause(const Value& v, std::string& out, bool nested) {
  if (out.size() > kMaxFormatted) return;
  switch (VA::kind(v)) {
    case Kind::kString: case Kind::kBytes: out += VA::str(v); return;
    case Kind::kDouble: {
      double d = VA::d(v);
      if (std::isnan(d)) out += "NaN";
      else if (std::isinf(d)) out += d > 0 ? "Infinity" : "-Infinity";
      else out += format_double(d);
      return;
    }
    case Kind::kList: {
      out += '[';
      for (size_t i = 0, n = v.size(); i < n; ++i) {
        if (i) out += ", ";
        format_string_clause(v.element(i), out, true);
      }
      out += ']';
      return;
    }
    case Kind::kMap: {
      // Sorted by key text, as cel-go prints maps.
      std::vector<std::pair<std::string, std::string>> parts;
      for (const auto& [k, val] : v.entries()) {
        std::string ks, vs;
        format_string_clause(k, ks, true);
        format_string_clause(val, vs, true);
        parts.emplace_back(std::move(ks), std::move(vs));
      }
      std::sort(parts.begin(), parts.end());
      out += '{';
      for (size_t i = 0; i < parts.size(); ++i) {
        if (i) out += ", ";
        out += parts[i].first + ": " + parts[i].second;
      }
      out += '}';
      return;
    }
    default: {
      Value s = to_string(v);
      out += s.is_error() ? v.to_text() : VA::str(s);
      (void)nested;
      return;
    }
  }
}

Value format_value(const Value& v, char verb, int precision, std::string& out) {
  Kind k = VA::kind(v);
  auto special = [&](double d) {
    if (std::isnan(d)) {
      out += "NaN";
      return true;
    }
    if (std::isinf(d)) {
      out += d > 0 ? "Infinity" : "-Infinity";
      return true;
    }
    return false;
  };
  switch (verb) {
    case 's':
      if (k == Kind::kError || k == Kind::kOptional) return Value::error("format: %s cannot print " + v.type_name());
      format_string_clause(v, out, false);
      return Value();
    case 'd':
      if (k == Kind::kInt) out += std::to_string(VA::i(v));
      else if (k == Kind::kUint) out += std::to_string(VA::u(v));
      else if (k == Kind::kDouble && special(VA::d(v))) {}
      else return Value::error("format: %d needs an integer, was given " + v.type_name());
      return Value();
    case 'f': case 'e': {
      double d;
      if (k == Kind::kDouble) d = VA::d(v);
      else if (k == Kind::kInt) d = double(VA::i(v));
      else if (k == Kind::kUint) d = double(VA::u(v));
      else return Value::error(std::string("format: %") + verb + " needs a number, was given " + v.type_name());
      if (special(d)) return Value();
      char buf[512];
      int p = precision < 0 ? 6 : std::min(precision, 100);
      char spec[8] = {'%', '.', '*', verb, 0};
      if (std::abs(d) >= 1e300 && verb == 'f') return Value::error("format: number too large for %f");
      std::snprintf(buf, sizeof buf, spec, p, d);
      out += buf;
      return Value();
    }
    case 'x': case 'X': case 'o': case 'b': {
      static const char* lower = "0123456789abcdef";
      static const char* upper = "0123456789ABCDEF";
      const char* digits = verb == 'X' ? upper : lower;
      if ((k == Kind::kString || k == Kind::kBytes) && (verb == 'x' || verb == 'X')) {
        if (VA::str(v).size() > kMaxFormatted / 2) return Value::error("format: result larger than 1 MiB");
        for (unsigned char c : VA::str(v)) {
          out += digits[c >> 4];
          out += digits[c & 15];
        }
        return Value();
      }
      uint64_t mag;
      bool neg = false;
      if (k == Kind::kInt) {
        neg = VA::i(v) < 0;
        mag = neg ? 0 - uint64_t(VA::i(v)) : uint64_t(VA::i(v));
      } else if (k == Kind::kUint) {
        mag = VA::u(v);
      } else if (k == Kind::kBool && verb == 'b') {
        mag = VA::b(v) ? 1 : 0;
      } else {
        return Value::error(std::string("format: %") + verb + " needs an integer, was given " + v.type_name());
      }
      unsigned base = verb == 'o' ? 8 : verb == 'b' ? 2 : 16;
      std::string digs;
      do {
        digs += digits[mag % base];
        mag /= base;
      } while (mag);
      if (neg) out += '-';
      out.append(digs.rbegin(), digs.rend());
      return Value();
    }
    default: return Value::error(std::string("format: unrecognized formatting clause \"") + verb + "\"");
  }
}

Value format(const std::string& fmt, const Value& args) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%') {
      out += fmt[i];
      continue;
    }
    if (++i >= fmt.size()) return Value::error("format: unfinished formatting clause at the end");
    if (fmt[i] == '%') {
      out += '%';
      continue;
    }
    int precision = -1;
    if (fmt[i] == '.') {
      precision = 0;
      ++i;
      while (i < fmt.size() && fmt[i] >= '0' && fmt[i] <= '9') {
        precision = std::min(precision * 10 + (fmt[i] - '0'), 1000);
        ++i;
      }
      if (i >= fmt.size()) return Value::error("format: unfinished formatting clause at the end");
    }
    if (next >= args.size()) return Value::error("format: index " + std::to_string(next) + " out of range");
    Value err = format_value(args.element(next++), fmt[i], precision, out);
    if (err.is_error()) return err;
    if (out.size() > kMaxFormatted) return Value::error("format: result larger than 1 MiB");
  }
  return Value::string(std::move(out));
}

}  // namespace

const FunctionInfo* find_function(std::string_view name, bool method, size_t args, bool& name_known) {
  name_known = false;
  for (const auto& f : kFunctions) {
    if (name != f.name) continue;
    name_known = true;
    if (f.method == method && args >= f.min_args && args <= f.max_args) return &f;
  }
  return nullptr;
}

Value call_builtin(Evaluator& ev, const Expr* e, Value* a, size_t n) {
  const Kind k0 = n ? VA::kind(a[0]) : Kind::kNull;
  auto str_arg = [&](size_t i) { return i < n && VA::kind(a[i]) == Kind::kString; };
  auto int_arg = [&](size_t i) { return i < n && VA::kind(a[i]) == Kind::kInt; };
  switch (e->fn) {
    case Fn::kSize:
      switch (k0) {
        case Kind::kString: return Value::integer(int64_t(utf8_length(VA::str(a[0]))));
        case Kind::kBytes: return Value::integer(int64_t(VA::str(a[0]).size()));
        case Kind::kList: case Kind::kMap: return Value::integer(int64_t(a[0].size()));
        default: return bad_args(e, a, n);
      }
    case Fn::kContains: case Fn::kStartsWith: case Fn::kEndsWith: {
      if (k0 != Kind::kString || !str_arg(1)) return bad_args(e, a, n);
      std::string_view s = VA::str(a[0]), x = VA::str(a[1]);
      ev.charge(s.size() / 32);
      if (e->fn == Fn::kContains) return Value::boolean(s.find(x) != std::string_view::npos);
      if (e->fn == Fn::kStartsWith) return Value::boolean(s.substr(0, x.size()) == x);
      return Value::boolean(s.size() >= x.size() && s.substr(s.size() - x.size()) == x);
    }
    case Fn::kMatches: {
      if (k0 != Kind::kString || !str_arg(1)) return bad_args(e, a, n);
      const re2::RE2* re = e->regex;
      if (!re) {
        std::string err;
        re = ev.dynamic_regex(VA::str(a[1]), err);
        if (!re) return ev.exhausted() ? cost_error() : Value::error(err);
      }
      ev.charge(VA::str(a[0]).size() / 16);
      return Value::boolean(re2::RE2::PartialMatch(VA::str(a[0]), *re));
    }
    case Fn::kToInt: return to_int(a[0]);
    case Fn::kToUint: return to_uint(a[0]);
    case Fn::kToDouble: return to_double(a[0]);
    case Fn::kToString: return to_string(a[0]);
    case Fn::kToBytes:
      if (k0 == Kind::kBytes) return a[0];
      if (k0 == Kind::kString) return Value::bytes(VA::str(a[0]));
      return bad_args(e, a, n);
    case Fn::kToBool: return to_bool(a[0]);
    case Fn::kToDuration: return to_duration(a[0]);
    case Fn::kToTimestamp: return to_timestamp(a[0]);
    case Fn::kType: return Value::type(a[0].type_name());
    case Fn::kDyn: return a[0];

    case Fn::kCharAt: {
      if (k0 != Kind::kString || !int_arg(1)) return bad_args(e, a, n);
      const std::string& s = VA::str(a[0]);
      int64_t i = VA::i(a[1]);
      int64_t len = int64_t(utf8_length(s));
      if (i < 0 || i > len) return index_error(i);
      if (i == len) return Value::string("");
      size_t b = byte_at(s, i);
      size_t end = b;
      decode_at(s, end);
      return Value::string(s.substr(b, end - b));
    }
    case Fn::kIndexOf: case Fn::kLastIndexOf: {
      if (k0 == Kind::kList && n == 2) {
        size_t m = a[0].size();
        ev.charge(m);
        if (e->fn == Fn::kIndexOf) {
          for (size_t i = 0; i < m; ++i)
            if (ev.eq(a[0].element(i), a[1])) return Value::integer(int64_t(i));
        } else {
          for (size_t i = m; i-- > 0;)
            if (ev.eq(a[0].element(i), a[1])) return Value::integer(int64_t(i));
        }
        return Value::integer(-1);
      }
      if (k0 != Kind::kString || !str_arg(1) || (n == 3 && !int_arg(2))) return bad_args(e, a, n);
      ev.charge(VA::str(a[0]).size() / 32);
      return index_of(VA::str(a[0]), VA::str(a[1]), n == 3 ? &a[2] : nullptr, e->fn == Fn::kLastIndexOf);
    }
    case Fn::kLowerAscii: case Fn::kUpperAscii: {
      if (k0 != Kind::kString) return bad_args(e, a, n);
      std::string s = VA::str(a[0]);
      ev.charge(s.size() / 8);
      for (char& c : s) {
        if (e->fn == Fn::kLowerAscii && c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
        if (e->fn == Fn::kUpperAscii && c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
      }
      return Value::string(std::move(s));
    }
    case Fn::kReplace: {
      if (k0 != Kind::kString || !str_arg(1) || !str_arg(2) || (n == 4 && !int_arg(3))) return bad_args(e, a, n);
      // The most the result can grow to, charged before it is built.
      const std::string &s = VA::str(a[0]), &from = VA::str(a[1]), &to = VA::str(a[2]);
      uint64_t hits = from.empty() ? s.size() + 1 : s.size() / from.size();
      if (!ev.charge((s.size() + hits * to.size()) / 8)) return cost_error();
      return replace(s, from, to, n == 4 ? VA::i(a[3]) : -1);
    }
    case Fn::kSplit: {
      if (k0 != Kind::kString || !str_arg(1) || (n == 3 && !int_arg(2))) return bad_args(e, a, n);
      ev.charge(VA::str(a[0]).size() / 8);
      return split(VA::str(a[0]), VA::str(a[1]), n == 3 ? VA::i(a[2]) : -1);
    }
    case Fn::kSubstring: {
      if (k0 != Kind::kString || !int_arg(1) || (n == 3 && !int_arg(2))) return bad_args(e, a, n);
      const std::string& s = VA::str(a[0]);
      int64_t len = int64_t(utf8_length(s));
      int64_t start = VA::i(a[1]);
      int64_t end = n == 3 ? VA::i(a[2]) : len;
      if (start < 0 || start > len) return index_error(start);
      if (end < 0 || end > len) return index_error(end);
      if (end < start) return Value::error("substring: end " + std::to_string(end) + " is before start " + std::to_string(start));
      size_t b = byte_at(s, start), eb = byte_at(s, end);
      return Value::string(s.substr(b, eb - b));
    }
    case Fn::kTrim: {
      if (k0 != Kind::kString) return bad_args(e, a, n);
      const std::string& s = VA::str(a[0]);
      size_t start = s.size();
      for (size_t i = 0; i < s.size();) {
        size_t at = i;
        if (!is_space(decode_at(s, i))) {
          start = at;
          break;
        }
      }
      size_t end = start;
      for (size_t i = start; i < s.size();)
        if (!is_space(decode_at(s, i))) end = i;
      return Value::string(s.substr(start, end - start));
    }
    case Fn::kJoin: {
      if (k0 != Kind::kList || (n == 2 && !str_arg(1))) return bad_args(e, a, n);
      uint64_t total = 0;
      for (size_t i = 0, m = a[0].size(); i < m; ++i) {
        Value x = a[0].element(i);
        if (VA::kind(x) == Kind::kString) total += VA::str(x).size() + (n == 2 ? VA::str(a[1]).size() : 0);
      }
      if (!ev.charge(total / 8 + a[0].size())) return cost_error();
      std::string out;
      for (size_t i = 0, m = a[0].size(); i < m; ++i) {
        Value x = a[0].element(i);
        if (VA::kind(x) != Kind::kString) return Value::error("join: list element of type '" + x.type_name() + "', not string");
        if (i && n == 2) out += VA::str(a[1]);
        out += VA::str(x);
      }
      return Value::string(std::move(out));
    }
    case Fn::kReverse: {
      if (k0 == Kind::kList) {
        ValueList out;
        for (size_t i = a[0].size(); i-- > 0;) out.push_back(a[0].element(i));
        return Value::list(std::move(out));
      }
      if (k0 != Kind::kString) return bad_args(e, a, n);
      const std::string& s = VA::str(a[0]);
      std::vector<std::pair<size_t, size_t>> cps;
      for (size_t i = 0; i < s.size();) {
        size_t st = i;
        decode_at(s, i);
        cps.emplace_back(st, i - st);
      }
      std::string out;
      for (size_t i = cps.size(); i-- > 0;) out.append(s, cps[i].first, cps[i].second);
      return Value::string(std::move(out));
    }
    case Fn::kQuote:
      if (k0 != Kind::kString) return bad_args(e, a, n);
      return quote(VA::str(a[0]));
    case Fn::kFormat: {
      if (k0 != Kind::kString || n != 2 || VA::kind(a[1]) != Kind::kList) return bad_args(e, a, n);
      Value r = format(VA::str(a[0]), a[1]);
      if (!r.is_error()) ev.charge(VA::str(r).size() / 8);
      return r;
    }

    case Fn::kIsSorted: {
      if (k0 != Kind::kList) return bad_args(e, a, n);
      size_t m = a[0].size();
      ev.charge(m);
      for (size_t i = 1; i < m; ++i) {
        Value x = a[0].element(i - 1), y = a[0].element(i);
        Order o = compare(x, y);
        if (o == Order::kInvalid) return no_overload("isSorted", {&x, &y});
        if (o == Order::kGreater) return Value::boolean(false);
      }
      return Value::boolean(true);
    }
    case Fn::kSum: {
      if (k0 != Kind::kList) return bad_args(e, a, n);
      size_t m = a[0].size();
      ev.charge(m);
      if (m == 0) return Value::integer(0);
      Value total = a[0].element(0);
      Kind tk = VA::kind(total);
      if (!is_numeric(tk) && tk != Kind::kDuration) return no_overload("sum", {&total});
      for (size_t i = 1; i < m; ++i) {
        total = add(total, a[0].element(i));
        if (total.is_error()) return total;
      }
      return total;
    }
    case Fn::kMin: case Fn::kMax:
      if (k0 != Kind::kList) return bad_args(e, a, n);
      ev.charge(a[0].size());
      return list_extreme(e, a[0], e->fn == Fn::kMax);
    case Fn::kDistinct: {
      if (k0 != Kind::kList) return bad_args(e, a, n);
      ValueList out;
      size_t m = a[0].size();
      ev.charge(m * (m / 16 + 1));
      for (size_t i = 0; i < m; ++i) {
        Value x = a[0].element(i);
        bool seen = false;
        for (const Value& y : out)
          if (ev.eq(x, y)) {
            seen = true;
            break;
          }
        if (!seen) out.push_back(std::move(x));
      }
      return Value::list(std::move(out));
    }
    case Fn::kFlatten: {
      if (k0 != Kind::kList || (n == 2 && !int_arg(1))) return bad_args(e, a, n);
      int64_t depth = n == 2 ? VA::i(a[1]) : 1;
      if (depth < 0) return Value::error("flatten: negative depth");
      ValueList out;
      // Iterative, so that a deep depth argument cannot recurse.
      std::vector<std::pair<Value, int64_t>> stack;
      for (size_t i = a[0].size(); i-- > 0;) stack.emplace_back(a[0].element(i), depth);
      while (!stack.empty()) {
        auto [x, d] = std::move(stack.back());
        stack.pop_back();
        if (!ev.charge(1)) return cost_error();
        if (VA::kind(x) == Kind::kList && d > 0) {
          for (size_t i = x.size(); i-- > 0;) stack.emplace_back(x.element(i), d - 1);
        } else {
          out.push_back(std::move(x));
        }
      }
      return Value::list(std::move(out));
    }
    case Fn::kSlice: {
      if (k0 != Kind::kList || !int_arg(1) || !int_arg(2)) return bad_args(e, a, n);
      int64_t m = int64_t(a[0].size()), s = VA::i(a[1]), t = VA::i(a[2]);
      if (s < 0 || t < 0 || s > m || t > m || s > t)
        return Value::error("slice: indexes " + std::to_string(s) + ", " + std::to_string(t) + " out of range for a list of size " + std::to_string(m));
      ValueList out;
      for (int64_t i = s; i < t; ++i) out.push_back(a[0].element(size_t(i)));
      return Value::list(std::move(out));
    }
    case Fn::kSort: {
      if (k0 != Kind::kList) return bad_args(e, a, n);
      ValueList items;
      for (size_t i = 0, m = a[0].size(); i < m; ++i) items.push_back(a[0].element(i));
      ev.charge(items.size() * 4);
      for (size_t i = 1; i < items.size(); ++i) {
        Order o = compare(items[0], items[i]);
        if (o == Order::kInvalid) return no_overload("sort", {&items[0], &items[i]});
      }
      std::stable_sort(items.begin(), items.end(), [](const Value& x, const Value& y) { return compare(x, y) == Order::kLess; });
      return Value::list(std::move(items));
    }

    case Fn::kGetFullYear: case Fn::kGetMonth: case Fn::kGetDate: case Fn::kGetDayOfMonth: case Fn::kGetDayOfWeek:
    case Fn::kGetDayOfYear: case Fn::kGetHours: case Fn::kGetMinutes: case Fn::kGetSeconds: case Fn::kGetMilliseconds:
      return time_part(ev, e, a, n);

    case Fn::kOptionalOf: return Value::optional(a[0]);
    case Fn::kOptionalNone: return Value::optional(std::nullopt);
    case Fn::kOptionalOfNonZero:
      if (is_zero(a[0])) return Value::optional(std::nullopt);
      return Value::optional(a[0]);
    case Fn::kHasValue:
      if (k0 != Kind::kOptional) return bad_args(e, a, n);
      return Value::boolean(VA::opt(a[0]) != nullptr);
    case Fn::kOptValue:
      if (k0 != Kind::kOptional) return bad_args(e, a, n);
      if (const Value* v = VA::opt(a[0])) return *v;
      return Value::error("value() of optional.none()");
    case Fn::kOrValue: case Fn::kOr: return bad_args(e, a, n);  // evaluated lazily by the evaluator
    case Fn::kGreatest: case Fn::kLeast: return greatest_least(e, a, n);
    case Fn::kCeil: case Fn::kFloor: case Fn::kRound: case Fn::kTrunc: case Fn::kIsNaN: case Fn::kIsInf:
    case Fn::kIsFinite: {
      if (k0 != Kind::kDouble) return bad_args(e, a, n);
      double d = VA::d(a[0]);
      switch (e->fn) {
        case Fn::kCeil: return Value::real(std::ceil(d));
        case Fn::kFloor: return Value::real(std::floor(d));
        case Fn::kRound: return Value::real(std::round(d));  // half away from zero
        case Fn::kTrunc: return Value::real(std::trunc(d));
        case Fn::kIsNaN: return Value::boolean(std::isnan(d));
        case Fn::kIsInf: return Value::boolean(std::isinf(d));
        default: return Value::boolean(std::isfinite(d));
      }
    }
    case Fn::kAbs: case Fn::kSign:
      switch (k0) {
        case Kind::kInt: {
          int64_t i = VA::i(a[0]);
          if (e->fn == Fn::kSign) return Value::integer((i > 0) - (i < 0));
          if (i == std::numeric_limits<int64_t>::min()) return Value::error("integer overflow");
          return Value::integer(i < 0 ? -i : i);
        }
        case Kind::kUint:
          return e->fn == Fn::kSign ? Value::uinteger(VA::u(a[0]) ? 1 : 0) : a[0];
        case Kind::kDouble: {
          double d = VA::d(a[0]);
          if (e->fn == Fn::kAbs) return Value::real(std::fabs(d));
          if (std::isnan(d)) return a[0];
          return Value::real(d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0);
        }
        default: return bad_args(e, a, n);
      }
  }
  return bad_args(e, a, n);
}

}  // namespace bulwark::cel::detail
