// CEL values: construction, access, equality, ordering and text. Document
// views read the Node they point at on every access, so nothing is copied.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "policy/cel/internal.hpp"

namespace bulwark::cel {

using Kind = Value::Kind;
using VA = ValueAccess;

namespace {

const std::string kEmpty;

Kind kind_of_node(const Node& n) {
  switch (n.kind()) {
    case Node::Kind::kNull: return Kind::kNull;
    case Node::Kind::kBool: return Kind::kBool;
    case Node::Kind::kInt: return Kind::kInt;
    case Node::Kind::kDouble: return Kind::kDouble;
    case Node::Kind::kString: return Kind::kString;
    case Node::Kind::kList: return Kind::kList;
    case Node::Kind::kMap: return Kind::kMap;
  }
  return Kind::kNull;
}

// Maps from documents may hold a key twice (the reader keeps both entries);
// CEL sees the last one, as lookups do.
bool doc_field_visible(const Node& map, size_t i) {
  const auto& fields = map.fields();
  const std::string& key = fields[i].key;
  for (size_t j = i + 1; j < fields.size(); ++j)
    if (fields[j].key == key) return false;
  return true;
}

}  // namespace

bool doc_map_has_duplicates(const Node& map) {
  const auto& fields = map.fields();
  if (fields.size() < 2) return false;
  if (fields.size() <= 32) {
    for (size_t i = 0; i + 1 < fields.size(); ++i)
      if (!doc_field_visible(map, i)) return true;
    return false;
  }
  std::unordered_set<std::string_view> seen;
  for (const auto& f : fields)
    if (!seen.insert(f.key).second) return true;
  return false;
}

// ---------------------------------------------------------------- construction

Value::Value() = default;

Value Value::boolean(bool v) {
  Value r;
  r.kind_ = Kind::kBool;
  r.b_ = v;
  return r;
}
Value Value::integer(int64_t v) {
  Value r;
  r.kind_ = Kind::kInt;
  r.i_ = v;
  return r;
}
Value Value::uinteger(uint64_t v) {
  Value r;
  r.kind_ = Kind::kUint;
  r.u_ = v;
  return r;
}
Value Value::real(double v) {
  Value r;
  r.kind_ = Kind::kDouble;
  r.d_ = v;
  return r;
}
Value Value::string(std::string v) { return VA::make_string(std::move(v), Kind::kString); }
Value Value::bytes(std::string v) { return VA::make_string(std::move(v), Kind::kBytes); }
Value Value::type(std::string name) { return VA::make_string(std::move(name), Kind::kType); }
Value Value::error(std::string message) { return VA::make_string(std::move(message), Kind::kError); }

Value Value::optional(std::optional<Value> v) {
  Value r;
  r.kind_ = Kind::kOptional;
  if (v) r.heap_ = std::make_shared<const VA::Opt>(std::move(*v));
  return r;
}

std::optional<Value> Value::optional_value() const {
  if (kind_ != Kind::kOptional || !heap_) return std::nullopt;
  return *VA::opt(*this);
}

Value Value::list(ValueList items) {
  Value r;
  r.kind_ = Kind::kList;
  r.heap_ = std::make_shared<const VA::List>(std::move(items));
  return r;
}

Value ValueAccess::make_map_unchecked(Entries entries) {
  auto m = std::make_shared<Map>();
  m->entries = std::move(entries);
  if (m->entries.size() > 16) {
    m->index.reserve(m->entries.size());
    for (size_t i = 0; i < m->entries.size(); ++i) m->index.emplace_back(key_hash(m->entries[i].first), uint32_t(i));
    std::sort(m->index.begin(), m->index.end());
  }
  Value r;
  r.kind_ = Kind::kMap;
  r.heap_ = std::move(m);
  return r;
}

Value Value::map(std::vector<std::pair<Value, Value>> entries) {
  // Invalid keys are dropped and a repeated key keeps its last value: this
  // constructor cannot fail. Map literals in expressions check and report.
  std::vector<std::pair<Value, Value>> clean;
  clean.reserve(entries.size());
  for (auto& e : entries) {
    if (!is_key_kind(e.first.kind())) continue;
    auto same = std::find_if(clean.begin(), clean.end(), [&](const auto& c) { return key_equals(c.first, e.first); });
    if (same != clean.end())
      same->second = std::move(e.second);
    else
      clean.push_back(std::move(e));
  }
  return VA::make_map_unchecked(std::move(clean));
}

Value Value::duration(std::chrono::nanoseconds d) { return VA::make_duration_nanos(d.count()); }

Value Value::timestamp(std::chrono::sys_time<std::chrono::nanoseconds> t) {
  int64_t ns = t.time_since_epoch().count();
  int64_t s = ns / 1'000'000'000;
  int64_t n = ns % 1'000'000'000;
  if (n < 0) {
    n += 1'000'000'000;
    --s;
  }
  return VA::make_timestamp(s, int32_t(n));
}

Value Value::timestamp(int64_t unix_seconds, int32_t nanos) {
  if (nanos < 0 || nanos > 999'999'999) {
    unix_seconds += nanos / 1'000'000'000;
    nanos %= 1'000'000'000;
    if (nanos < 0) {
      nanos += 1'000'000'000;
      --unix_seconds;
    }
  }
  return VA::make_timestamp(unix_seconds, nanos);
}

Value Value::from_node(const Node& node) {
  Value r;
  r.kind_ = kind_of_node(node);
  switch (r.kind_) {
    case Kind::kBool: r.b_ = node.as_bool(); break;
    case Kind::kInt: r.i_ = node.as_int(); break;
    case Kind::kDouble: r.d_ = node.as_double(); break;
    default: break;
  }
  r.node_ = &node;
  return r;
}

// ---------------------------------------------------------------- access

Kind Value::kind() const { return kind_; }
bool Value::as_bool() const { return kind_ == Kind::kBool && b_; }
int64_t Value::as_int() const { return kind_ == Kind::kInt ? i_ : 0; }
uint64_t Value::as_uint() const { return kind_ == Kind::kUint ? u_ : 0; }
double Value::as_double() const { return kind_ == Kind::kDouble ? d_ : 0.0; }

const std::string& Value::as_string() const {
  switch (kind_) {
    case Kind::kString: case Kind::kBytes: case Kind::kType: case Kind::kError: return VA::str(*this);
    default: return kEmpty;
  }
}

std::chrono::nanoseconds Value::as_duration() const {
  return std::chrono::nanoseconds(kind_ == Kind::kDuration ? i_ : 0);
}

std::chrono::sys_time<std::chrono::nanoseconds> Value::as_timestamp() const {
  using TP = std::chrono::sys_time<std::chrono::nanoseconds>;
  if (kind_ != Kind::kTimestamp) return TP{};
  constexpr int64_t kMaxSec = std::numeric_limits<int64_t>::max() / 1'000'000'000 - 1;
  if (ts_.seconds > kMaxSec) return TP::max();
  if (ts_.seconds < -kMaxSec) return TP::min();
  return TP(std::chrono::nanoseconds(ts_.seconds * 1'000'000'000 + ts_.nanos));
}

int64_t Value::timestamp_seconds() const { return kind_ == Kind::kTimestamp ? ts_.seconds : 0; }
int32_t Value::timestamp_nanos() const { return kind_ == Kind::kTimestamp ? ts_.nanos : 0; }

size_t Value::size() const {
  if (kind_ == Kind::kList) return node_ ? node_->items().size() : VA::list_items(*this).size();
  if (kind_ == Kind::kMap) {
    if (!node_) return VA::map_heap(*this).entries.size();
    if (!doc_map_has_duplicates(*node_)) return node_->fields().size();
    size_t n = 0;
    std::unordered_set<std::string_view> seen;
    for (const auto& f : node_->fields()) n += seen.insert(f.key).second;
    return n;
  }
  return 0;
}

Value Value::element(size_t index) const {
  if (kind_ != Kind::kList) return Value::error("not a list");
  if (node_) {
    const auto& items = node_->items();
    return index < items.size() ? from_node(items[index]) : Value::error("index out of range");
  }
  const auto& items = VA::list_items(*this);
  return index < items.size() ? items[index] : Value::error("index out of range");
}

std::vector<std::pair<Value, Value>> Value::entries() const {
  std::vector<std::pair<Value, Value>> out;
  if (kind_ != Kind::kMap) return out;
  if (!node_) return VA::map_heap(*this).entries;
  const auto& fields = node_->fields();
  bool dups = doc_map_has_duplicates(*node_);
  out.reserve(fields.size());
  for (size_t i = 0; i < fields.size(); ++i) {
    if (dups && !doc_field_visible(*node_, i)) continue;
    out.emplace_back(VA::borrowed_string(fields[i].key), from_node(fields[i].value));
  }
  return out;
}

std::optional<Value> Value::find(const Value& key) const {
  if (kind_ != Kind::kMap) return std::nullopt;
  if (node_) {
    if (key.kind_ != Kind::kString) return std::nullopt;
    const Node* n = node_->get(VA::str(key));
    if (!n) return std::nullopt;
    return from_node(*n);
  }
  const auto& m = VA::map_heap(*this);
  if (m.index.empty()) {
    for (const auto& e : m.entries)
      if (key_equals(e.first, key)) return e.second;
    return std::nullopt;
  }
  uint64_t h = key_hash(key);
  auto it = std::lower_bound(m.index.begin(), m.index.end(), std::make_pair(h, uint32_t(0)));
  for (; it != m.index.end() && it->first == h; ++it)
    if (key_equals(m.entries[it->second].first, key)) return m.entries[it->second].second;
  return std::nullopt;
}

const Node* Value::node() const { return node_; }

std::string Value::type_name() const {
  switch (kind_) {
    case Kind::kNull: return "null_type";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kUint: return "uint";
    case Kind::kDouble: return "double";
    case Kind::kString: return "string";
    case Kind::kBytes: return "bytes";
    case Kind::kList: return "list";
    case Kind::kMap: return "map";
    case Kind::kDuration: return "google.protobuf.Duration";
    case Kind::kTimestamp: return "google.protobuf.Timestamp";
    case Kind::kType: return "type";
    case Kind::kError: return "error";
    case Kind::kOptional: return "optional_type";
  }
  return "error";
}

// ---------------------------------------------------------------- text

namespace {

void quote_into(std::string& out, std::string_view s, bool bytes) {
  if (bytes) out += 'b';
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f || (bytes && c >= 0x80)) {
          static const char* hex = "0123456789abcdef";
          out += "\\x";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += char(c);
        }
    }
  }
  out += '"';
}

// Text of values for messages stays bounded even for lists that share
// structure and so are far larger than the memory they take.
constexpr size_t kMaxText = 256 * 1024;

void text_into(std::string& out, const Value& v, bool top) {
  if (out.size() > kMaxText) return;
  switch (v.kind()) {
    case Kind::kNull: out += "null"; return;
    case Kind::kBool: out += v.as_bool() ? "true" : "false"; return;
    case Kind::kInt: out += std::to_string(v.as_int()); return;
    case Kind::kUint: out += std::to_string(v.as_uint()); out += 'u'; return;
    case Kind::kDouble: {
      std::string d = format_double(v.as_double());
      out += d;
      if (std::isfinite(v.as_double()) && d.find_first_of(".eEn") == std::string::npos) out += ".0";
      return;
    }
    case Kind::kString:
      if (top)
        out += v.as_string();
      else
        quote_into(out, v.as_string(), false);
      return;
    case Kind::kBytes: quote_into(out, v.as_string(), true); return;
    case Kind::kType: case Kind::kError: out += v.as_string(); return;
    case Kind::kDuration: out += "duration(\""; out += format_duration(v.as_duration().count()); out += "\")"; return;
    case Kind::kTimestamp:
      out += "timestamp(\"";
      out += format_timestamp(v.timestamp_seconds(), v.timestamp_nanos());
      out += "\")";
      return;
    case Kind::kOptional:
      if (auto inner = v.optional_value()) {
        out += "optional.of(";
        text_into(out, *inner, false);
        out += ')';
      } else {
        out += "optional.none()";
      }
      return;
    case Kind::kList: {
      out += '[';
      for (size_t i = 0, n = v.size(); i < n; ++i) {
        if (i) out += ", ";
        text_into(out, v.element(i), false);
      }
      out += ']';
      return;
    }
    case Kind::kMap: {
      out += '{';
      bool first = true;
      for (const auto& [k, val] : v.entries()) {
        if (!first) out += ", ";
        first = false;
        text_into(out, k, false);
        out += ": ";
        text_into(out, val, false);
      }
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string Value::to_text() const {
  std::string out;
  text_into(out, *this, true);
  if (out.size() > kMaxText) {
    out.resize(kMaxText);
    out += "...";
  }
  return out;
}

std::string format_double(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  if (d == 0) return std::signbit(d) ? "-0" : "0";
  // Shortest round-trip digits in scientific form, then laid out as Go's %g
  // with shortest precision: exponent notation when exp < -4 or exp >= 6.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string_view sci(buf, size_t(res.ptr - buf));
  bool neg = sci.front() == '-';
  if (neg) sci.remove_prefix(1);
  size_t e = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e))
    if (c != '.') digits += c;
  int exp = 0;
  std::from_chars(sci.data() + e + 1 + (sci[e + 1] == '+'), sci.data() + sci.size(), exp);
  std::string out = neg ? "-" : "";
  if (exp < -4 || exp >= 6) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += 'e';
    out += exp < 0 ? '-' : '+';
    int a = exp < 0 ? -exp : exp;
    if (a < 10) out += '0';
    out += std::to_string(a);
    return out;
  }
  if (exp < 0) {
    out += "0.";
    out.append(size_t(-exp - 1), '0');
    out += digits;
  } else if (size_t(exp) + 1 >= digits.size()) {
    out += digits;
    out.append(size_t(exp) + 1 - digits.size(), '0');
  } else {
    out += digits.substr(0, size_t(exp) + 1);
    out += '.';
    out += digits.substr(size_t(exp) + 1);
  }
  return out;
}

// ---------------------------------------------------------------- equality and order

bool is_numeric(Kind k) { return k == Kind::kInt || k == Kind::kUint || k == Kind::kDouble; }
bool is_key_kind(Kind k) { return k == Kind::kInt || k == Kind::kUint || k == Kind::kBool || k == Kind::kString; }

namespace {

constexpr double kTwo63 = 9223372036854775808.0;
constexpr double kTwo64 = 18446744073709551616.0;

Order cmp3(auto a, auto b) { return a < b ? Order::kLess : (b < a ? Order::kGreater : Order::kEqual); }

// An int or uint against a double compares as the double of the integer,
// as cel-go does and the conformance tests require (so 2^63-1 equals 2^63.0);
// only doubles beyond the integer's range are ordered without conversion.
Order cmp_double(double x, double y) {
  if (std::isnan(x) || std::isnan(y)) return Order::kUnordered;
  return cmp3(x, y);
}

Order cmp_int_double(int64_t i, double d) {
  if (std::isnan(d)) return Order::kUnordered;
  if (d < -kTwo63) return Order::kGreater;
  if (d > kTwo63) return Order::kLess;
  return cmp_double(double(i), d);
}

Order cmp_uint_double(uint64_t u, double d) {
  if (std::isnan(d)) return Order::kUnordered;
  if (d < 0) return Order::kGreater;
  if (d > kTwo64) return Order::kLess;
  return cmp_double(double(u), d);
}

Order flip(Order o) {
  if (o == Order::kLess) return Order::kGreater;
  if (o == Order::kGreater) return Order::kLess;
  return o;
}

Order cmp_numeric(const Value& a, const Value& b) {
  Kind ka = VA::kind(a), kb = VA::kind(b);
  if (ka == kb) {
    switch (ka) {
      case Kind::kInt: return cmp3(VA::i(a), VA::i(b));
      case Kind::kUint: return cmp3(VA::u(a), VA::u(b));
      default: {
        double x = VA::d(a), y = VA::d(b);
        if (std::isnan(x) || std::isnan(y)) return Order::kUnordered;
        return cmp3(x, y);
      }
    }
  }
  if (ka == Kind::kInt && kb == Kind::kUint) {
    if (VA::i(a) < 0) return Order::kLess;
    return cmp3(uint64_t(VA::i(a)), VA::u(b));
  }
  if (ka == Kind::kUint && kb == Kind::kInt) return flip(cmp_numeric(b, a));
  if (ka == Kind::kInt) return cmp_int_double(VA::i(a), VA::d(b));
  if (kb == Kind::kInt) return flip(cmp_int_double(VA::i(b), VA::d(a)));
  if (ka == Kind::kUint) return cmp_uint_double(VA::u(a), VA::d(b));
  return flip(cmp_uint_double(VA::u(b), VA::d(a)));
}

}  // namespace

Order compare(const Value& a, const Value& b) {
  Kind ka = VA::kind(a), kb = VA::kind(b);
  if (is_numeric(ka) && is_numeric(kb)) return cmp_numeric(a, b);
  if (ka != kb) return Order::kInvalid;
  switch (ka) {
    case Kind::kBool: return cmp3(int(VA::b(a)), int(VA::b(b)));
    case Kind::kString: case Kind::kBytes: {
      int c = VA::str(a).compare(VA::str(b));
      return c < 0 ? Order::kLess : (c > 0 ? Order::kGreater : Order::kEqual);
    }
    case Kind::kDuration: return cmp3(VA::i(a), VA::i(b));
    case Kind::kTimestamp: {
      Order o = cmp3(VA::seconds(a), VA::seconds(b));
      return o != Order::kEqual ? o : cmp3(VA::nanos(a), VA::nanos(b));
    }
    default: return Order::kInvalid;
  }
}

bool equals(const Value& a, const Value& b) {
  uint64_t unlimited = std::numeric_limits<uint64_t>::max();
  return equals(a, b, unlimited);
}

bool equals(const Value& a, const Value& b, uint64_t& budget) {
  if (budget == 0) return false;
  --budget;
  Kind ka = a.kind(), kb = b.kind();
  if (is_numeric(ka) && is_numeric(kb)) return cmp_numeric(a, b) == Order::kEqual;
  if (ka != kb) return false;
  switch (ka) {
    case Kind::kNull: return true;
    case Kind::kBool: return VA::b(a) == VA::b(b);
    case Kind::kString: case Kind::kBytes: case Kind::kType: case Kind::kError: return VA::str(a) == VA::str(b);
    case Kind::kDuration: return VA::i(a) == VA::i(b);
    case Kind::kTimestamp: return VA::seconds(a) == VA::seconds(b) && VA::nanos(a) == VA::nanos(b);
    case Kind::kList: {
      // No shortcut for identical lists: [NaN] == [NaN] is false.
      size_t n = a.size();
      if (n != b.size()) return false;
      for (size_t i = 0; i < n; ++i)
        if (!equals(a.element(i), b.element(i), budget)) return false;
      return true;
    }
    case Kind::kOptional: {
      const Value* x = VA::opt(a);
      const Value* y = VA::opt(b);
      if (!x || !y) return !x && !y;
      return equals(*x, *y, budget);
    }
    case Kind::kMap: {
      if (a.size() != b.size()) return false;
      for (const auto& [k, v] : a.entries()) {
        auto other = b.find(k);
        if (!other || !equals(v, *other, budget)) return false;
      }
      return true;
    }
    default: return false;
  }
}

bool key_equals(const Value& a, const Value& b) {
  Kind ka = VA::kind(a), kb = VA::kind(b);
  if (is_numeric(ka) && is_numeric(kb)) return cmp_numeric(a, b) == Order::kEqual;
  if (ka != kb) return false;
  if (ka == Kind::kString) return VA::str(a) == VA::str(b);
  if (ka == Kind::kBool) return VA::b(a) == VA::b(b);
  return false;
}

uint64_t key_hash(const Value& key) {
  auto mix = [](uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
  };
  // Numbers hash by their double: numbers equal as keys have the same double.
  auto number = [&](double d) {
    if (d == 0) d = 0;  // -0.0
    uint64_t bits;
    std::memcpy(&bits, &d, sizeof bits);
    return mix(bits);
  };
  switch (VA::kind(key)) {
    case Kind::kInt: return number(double(VA::i(key)));
    case Kind::kUint: return number(double(VA::u(key)));
    case Kind::kDouble: return number(VA::d(key));
    case Kind::kBool: return VA::b(key) ? 0x51ed27ULL : 0x2545f4ULL;
    case Kind::kString: return std::hash<std::string_view>{}(VA::str(key));
    default: return 0;
  }
}

// ---------------------------------------------------------------- activation

void Activation::bind(std::string name, Value v) {
  for (auto& [n, val] : vars_)
    if (n == name) {
      val = std::move(v);
      return;
    }
  vars_.emplace_back(std::move(name), std::move(v));
}

const Value* Activation::find(std::string_view name) const {
  for (const auto& [n, v] : vars_)
    if (n == name) return &v;
  return nullptr;
}

// ---------------------------------------------------------------- UTF-8

bool valid_utf8(std::string_view s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (int k = 1; k < len; ++k) {
      unsigned char cc = s[i + k];
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return false;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += len;
  }
  return true;
}

size_t utf8_length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace bulwark::cel
