// Internals of the CEL module shared by its .cpp files: the heap objects
// behind Values and fast accessors the evaluator uses instead of the public
// (out-of-line) ones. Not part of the module's interface.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/utf8.hpp"
#include "policy/cel/cel.hpp"

namespace bulwark::cel {

struct Value::Heap {
  virtual ~Heap() = default;
};

struct ValueAccess {
  using Kind = Value::Kind;
  using Entries = std::vector<std::pair<Value, Value>>;

  struct Str final : Value::Heap {
    explicit Str(std::string v) : s(std::move(v)) {}
    std::string s;
  };
  struct List final : Value::Heap {
    explicit List(ValueList v) : items(std::move(v)) {}
    ValueList items;
  };
  // Maps keep insertion order; large ones also carry a sorted hash index.
  struct Map final : Value::Heap {
    Entries entries;
    std::vector<std::pair<uint64_t, uint32_t>> index;  // (key hash, entry), sorted; empty for small maps
  };

  // A present optional holds its value; an absent one has no heap object.
  struct Opt final : Value::Heap {
    explicit Opt(Value x) : v(std::move(x)) {}
    Value v;
  };

  static Kind kind(const Value& v) { return v.kind_; }
  static const Value* opt(const Value& v) {
    return v.heap_ ? &static_cast<const Opt&>(*v.heap_).v : nullptr;
  }
  static const Node* node(const Value& v) { return v.node_; }
  static bool b(const Value& v) { return v.b_; }
  static int64_t i(const Value& v) { return v.i_; }
  static uint64_t u(const Value& v) { return v.u_; }
  static double d(const Value& v) { return v.d_; }
  static int64_t seconds(const Value& v) { return v.ts_.seconds; }
  static int32_t nanos(const Value& v) { return v.ts_.nanos; }

  // Strings, bytes, type names and error messages.
  static const std::string& str(const Value& v) {
    if (v.node_) return v.node_->as_string();
    if (!v.heap_) return *v.borrowed_;
    return static_cast<const Str&>(*v.heap_).s;
  }
  // A string that lives as long as the document it comes from (a map key).
  static Value borrowed_string(const std::string& s) {
    Value v;
    v.kind_ = Kind::kString;
    v.borrowed_ = &s;
    return v;
  }
  static bool is_doc(const Value& v) { return v.node_ != nullptr; }
  // Value::from_node, inline for the evaluator's hot paths.
  static Value view(const Node& n) {
    Value v;
    v.node_ = &n;
    switch (n.kind()) {
      case Node::Kind::kNull: v.kind_ = Kind::kNull; break;
      case Node::Kind::kBool: v.kind_ = Kind::kBool; v.b_ = n.as_bool(); break;
      case Node::Kind::kInt: v.kind_ = Kind::kInt; v.i_ = n.as_int(); break;
      case Node::Kind::kDouble: v.kind_ = Kind::kDouble; v.d_ = n.as_double(); break;
      case Node::Kind::kString: v.kind_ = Kind::kString; break;
      case Node::Kind::kList: v.kind_ = Kind::kList; break;
      case Node::Kind::kMap: v.kind_ = Kind::kMap; break;
    }
    return v;
  }
  static const ValueList& list_items(const Value& v) { return static_cast<const List&>(*v.heap_).items; }
  static const Map& map_heap(const Value& v) { return static_cast<const Map&>(*v.heap_); }

  static Value make_string(std::string s, Kind k = Kind::kString) {
    Value v;
    v.kind_ = k;
    v.heap_ = std::make_shared<const Str>(std::move(s));
    return v;
  }
  static Value make_duration_nanos(int64_t n) {
    Value v;
    v.kind_ = Kind::kDuration;
    v.i_ = n;
    return v;
  }
  static Value make_timestamp(int64_t s, int32_t n) {
    Value v;
    v.kind_ = Kind::kTimestamp;
    v.ts_ = {s, n};
    return v;
  }
  // A map whose keys the caller has checked to be valid and unique.
  static Value make_map_unchecked(Entries entries);
};

// ---- helpers shared by value.cpp, eval.cpp and functions.cpp ----------------

// Equality that gives up (returning false with budget 0) after visiting
// `budget` values: the evaluator bounds it by the remaining cost.
bool equals(const Value& a, const Value& b, uint64_t& budget);

// Whether a document map holds a key twice (CEL sees only the last entry).
bool doc_map_has_duplicates(const Node& map);

// Ordering of two values: less, equal, greater; kUnordered for NaN;
// kInvalid when the types have no ordering between them.
enum class Order : int8_t { kLess = -1, kEqual = 0, kGreater = 1, kUnordered = 2, kInvalid = 3 };
Order compare(const Value& a, const Value& b);

bool is_numeric(Value::Kind k);
// Valid map key types: int, uint, bool, string.
bool is_key_kind(Value::Kind k);
// Map keys compare across int, uint and double as numbers.
bool key_equals(const Value& a, const Value& b);
uint64_t key_hash(const Value& key);

// Shortest text of a double as Go's strconv.FormatFloat(d, 'g', -1, 64)
// writes it (cel-go's string(double)): "123.456", "1e+06", "NaN", "+Inf".
std::string format_double(double d);

// ---- UTF-8 -------------------------------------------------------------------
bool valid_utf8(std::string_view s);
size_t utf8_length(std::string_view s);  // code points of valid UTF-8

// ---- time --------------------------------------------------------------------
constexpr int64_t kMinTimestampSeconds = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxTimestampSeconds = 253402300799;  // 9999-12-31T23:59:59Z

struct Civil {
  int64_t year;
  int month;   // 1..12
  int day;     // 1..31
  int hour, minute, second;
  int day_of_week;  // 0 = Sunday
  int day_of_year;  // 0-based
};
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
Civil civil_from_seconds(int64_t unix_seconds);

// RFC 3339 text ("2009-02-13T23:31:30Z", "...30.5+01:00") to seconds and nanos.
bool parse_timestamp(std::string_view text, int64_t& seconds, int32_t& nanos, std::string& error);
std::string format_timestamp(int64_t seconds, int32_t nanos);
// Go duration syntax ("1h30m", "-1.5s", "100ms", "0") to nanoseconds.
bool parse_duration(std::string_view text, int64_t& nanos, std::string& error);
std::string format_duration(int64_t nanos);  // "60.001s"

// A time zone argument of the timestamp accessors: "UTC", "+05:30",
// "-02:00", "02:00", or an IANA name read from the system's zoneinfo.
// Sets the offset from UTC in seconds at `unix_seconds`.
bool zone_offset(std::string_view zone, int64_t unix_seconds, int64_t& offset, std::string& error);

}  // namespace bulwark::cel
