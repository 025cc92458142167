// Internals shared by the store's implementation files.
#pragma once

#include <array>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

#include "server/store/sql.hpp"
#include "server/store/store.hpp"

namespace bulwark::store {

// ---- migrations (migrations.cpp)
int latest_migration();
Status run_migrations(sql::Connection& c, const std::string& now);

// ---- values (util.cpp)
constexpr int kMaxLimit = 500;
constexpr int64_t kExactTotal = 10000;

const char* severity_name(int s);  // 4 CRITICAL … 0 UNKNOWN
std::optional<int> severity_value(std::string_view name);  // upper case only
// Adds n to the count of severity s (4 CRITICAL … 0 and others UNKNOWN).
void add_severity(SeverityCounts& counts, int64_t s, int64_t n = 1);
void add_counts(SeverityCounts& into, const SeverityCounts& c);
// P1 from 80, P2 from 60, P3 from 35, else P4.
const char* level_of_score(int score);
bool known_state(std::string_view s);
bool open_state(std::string_view s);  // new, triaged, in_progress
extern const char* const kStates[6];
bool known_kind(std::string_view s);
bool known_level(std::string_view s);
bool known_justification(std::string_view s);
bool known_role(std::string_view s);

// "2025-01-31T10:00:00Z" from any RFC 3339 time (offsets converted to UTC,
// fractions dropped); nullopt when it is not one.
std::optional<std::string> normalize_time(std::string_view text);
bool valid_date(std::string_view date);                  // YYYY-MM-DD, a real day
std::string add_days(std::string_view date, int days);   // date ± days
std::string date_of(std::string_view time);              // first 10 characters

std::string join_lines(const std::vector<std::string>& v);
std::vector<std::string> split_lines(std::string_view s);
std::string lower(std::string_view s);
// A LIKE pattern matching `s` anywhere, with \ as the escape character.
std::string like_contains(std::string_view s);

std::string encode_cursor(const std::vector<std::string>& parts);
std::optional<std::vector<std::string>> decode_cursor(std::string_view cursor, size_t parts);

// Keyset pages. A page is read with limit + 1 rows: the extra one, when it
// comes, is dropped and the cursor names the last row kept.
Status check_limit(int limit);  // 1..500
// Lists newest first by id: the id to continue below (INT64_MAX for "").
Result<int64_t> id_before(const std::string& cursor);
template <class T, class F>
void close_page(Page<T>& page, int limit, F&& cursor_parts) {
  if (page.items.size() <= static_cast<size_t>(limit)) return;
  page.items.pop_back();
  page.next_cursor = encode_cursor(cursor_parts(page.items.back()));
}

Result<std::string> gzip(std::string_view data);      // zlib stream
Result<std::string> gunzip(std::string_view data, size_t limit);

// ---- rows

// Five consecutive columns critical, high, medium, low, unknown from `first`.
SeverityCounts read_severity_counts(sql::Stmt& st, int first);

// A SELECT list and the struct its rows fill, written once: each column (or
// group of columns, comma-separated) names the member it goes to, so the
// column text and the positions read cannot drift apart. Integer columns
// fill int64_t, int and bool (non-zero) members, real ones double; "\n"-joined text fills a
// vector; five columns fill SeverityCounts; anything else a function.
template <class T>
class RowMap {
 public:
  using Custom = void (*)(sql::Stmt& st, int first, T& into);
  using Target = std::variant<std::string T::*, int64_t T::*, int T::*, bool T::*, double T::*,
                              std::vector<std::string> T::*, SeverityCounts T::*, Custom>;
  struct Column {
    const char* sql;
    Target to;
  };

  RowMap(std::initializer_list<Column> columns) : columns_(columns) {
    for (const Column& c : columns_) {
      if (!select_.empty()) select_ += ", ";
      select_ += c.sql;
      int n = 1, depth = 0;
      for (const char* p = c.sql; *p; ++p) {
        depth += *p == '(' ? 1 : *p == ')' ? -1 : 0;
        n += *p == ',' && depth == 0;
      }
      widths_.push_back(n);
      width_ += n;
    }
  }
  // "a, b, c": the SELECT list.
  const std::string& select() const { return select_; }
  // How many result columns the list has (the first column after it).
  int width() const { return width_; }

  T read(sql::Stmt& st, int first = 0) const {
    T out{};
    read_into(st, first, out);
    return out;
  }
  // The first row of "SELECT <list>" + `tail` ("FROM … WHERE …"), if any.
  template <class... A>
  Result<std::optional<T>> one(sql::Connection& c, std::string_view tail, const A&... args) const {
    std::optional<T> out;
    auto r = sql::query_row(c, "SELECT " + select_ + " " + std::string(tail), [&](sql::Stmt& st) { out = read(st); },
                            args...);
    if (!r) return r.error();
    return out;
  }
  // Every row of "SELECT <list>" + `tail`.
  template <class... A>
  Result<std::vector<T>> all(sql::Connection& c, std::string_view tail, const A&... args) const {
    std::vector<T> out;
    auto s = sql::query_rows(c, "SELECT " + select_ + " " + std::string(tail),
                             [&](sql::Stmt& st) { out.push_back(read(st)); }, args...);
    if (!s) return s.error();
    return out;
  }
  void read_into(sql::Stmt& st, int first, T& out) const {
    int col = first;
    for (size_t i = 0; i < columns_.size(); ++i) {
      std::visit([&](auto to) { read_one(st, col, out, to); }, columns_[i].to);
      col += widths_[i];
    }
  }

 private:
  static void read_one(sql::Stmt& st, int col, T& out, Custom f) { f(st, col, out); }
  template <class M>
  static void read_one(sql::Stmt& st, int col, T& out, M T::*member) {
    M& field = out.*member;
    if constexpr (std::is_same_v<M, std::string>) field = st.text(col);
    else if constexpr (std::is_same_v<M, bool>) field = st.integer(col) != 0;
    else if constexpr (std::is_same_v<M, int>) field = static_cast<int>(st.integer(col));
    else if constexpr (std::is_same_v<M, int64_t>) field = st.integer(col);
    else if constexpr (std::is_same_v<M, double>) field = st.real(col);
    else if constexpr (std::is_same_v<M, std::vector<std::string>>) field = split_lines(st.text(col));
    else field = read_severity_counts(st, col);
  }

  std::vector<Column> columns_;
  std::vector<int> widths_;
  std::string select_;
  int width_ = 0;
};

// ---- the store
class Lease;

struct Store::Impl {
  std::string url;
  Backend backend = Backend::kSqlite;
  StoreOptions options;

  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::unique_ptr<sql::Connection>> idle;
  int connections = 0;

  Result<std::unique_ptr<sql::Connection>> connect();
  Result<Lease> lease();
  void give_back(std::unique_ptr<sql::Connection> c);

  // reassess_open(): one pass at a time, and where a pass given a limit stopped.
  std::mutex reassess_mu;
  std::string reassess_day;
  int64_t reassess_after = 0;

  std::string now() const { return options.clock ? options.clock() : now_rfc3339(); }
  std::string today() const { return date_of(now()); }
  Assessment assess(const Finding& f, const Target& t, bool internet_facing, std::string_view today) const;
};

// A pooled connection, returned on destruction.
class Lease {
 public:
  Lease(Store::Impl* impl, std::unique_ptr<sql::Connection> c) : impl_(impl), c_(std::move(c)) {}
  Lease(Lease&& o) noexcept : impl_(o.impl_), c_(std::move(o.c_)) {}
  Lease& operator=(Lease&&) = delete;
  ~Lease() {
    if (c_) impl_->give_back(std::move(c_));
  }
  sql::Connection& operator*() { return *c_; }
  sql::Connection* operator->() { return c_.get(); }

 private:
  Store::Impl* impl_;
  std::unique_ptr<sql::Connection> c_;
};

// Runs `body(conn)` on a pooled connection.
template <class F>
auto with_connection(Store::Impl& impl, F&& body) -> decltype(body(std::declval<sql::Connection&>())) {
  using R = decltype(body(std::declval<sql::Connection&>()));
  auto lease = impl.lease();
  if (!lease) return R(lease.error());
  return body(**lease);
}

// Runs `body(conn)` inside a write transaction, retrying a few times when the
// database reports a lock conflict (PostgreSQL deadlock or serialization
// failure, SQLite busy). `body` returns Result<T>; an error rolls back.
template <class F>
auto write_tx(Store::Impl& impl, F&& body) -> decltype(body(std::declval<sql::Connection&>())) {
  using R = decltype(body(std::declval<sql::Connection&>()));
  auto lease = impl.lease();
  if (!lease) return R(lease.error());
  sql::Connection& c = **lease;
  for (int attempt = 0;; ++attempt) {
    sql::Transaction tx(c);
    if (auto s = tx.begin_write(); !s) {
      if (attempt < 4 && c.last_error_retryable()) continue;
      return R(s.error());
    }
    R r = body(c);
    if (!r.ok()) {
      bool retry = attempt < 4 && c.last_error_retryable();
      if (retry) continue;  // ~Transaction rolls back
      return r;
    }
    if (auto s = tx.commit(); !s) {
      if (attempt < 4 && c.last_error_retryable()) continue;
      return R(s.error());
    }
    return r;
  }
}

// Runs `body(conn)` inside a read transaction: one consistent view of
// several statements.
template <class F>
auto read_tx(Store::Impl& impl, F&& body) -> decltype(body(std::declval<sql::Connection&>())) {
  using R = decltype(body(std::declval<sql::Connection&>()));
  return with_connection(impl, [&](sql::Connection& c) -> R {
    sql::Transaction tx(c);
    if (auto s = tx.begin_read(); !s) return s.error();
    return body(c);
  });
}

// ---- rollups (rollups.cpp)

// What a finding contributes to the rollups.
struct Contribution {
  int64_t artifact_id = 0;
  int practice = 0;
  std::string kind;
  int severity = 0;
  std::string state;
  std::string level;
  std::string due_date;
  int score = 0;
  bool kev = false, fixable = false;
};

// Changes to the rollups collected during one transaction and applied at its
// end in key order (so concurrent writers lock rows in the same order).
class RollupDelta {
 public:
  void add(const Contribution& c, int sign);
  void count_new(int practice, int64_t n = 1);
  void count_fixed(int practice, int64_t n = 1);
  Status apply(sql::Connection& c, std::string_view today);

 private:
  std::map<std::tuple<int, std::string, int, std::string, std::string>, int64_t> counts_;
  std::map<std::tuple<int, int, std::string>, int64_t> due_;
  std::map<std::tuple<int64_t, int, int>, int64_t> artifact_practice_;
  std::map<int64_t, std::pair<std::array<int64_t, 5>, int64_t>> artifact_open_;  // by severity, risk
  std::map<int, std::pair<int64_t, int64_t>> new_fixed_;                         // by practice
  std::map<std::string, int64_t> totals_;                                        // overview_totals
};

Status snapshot_day(sql::Connection& c, std::string_view today, const std::map<int, std::pair<int64_t, int64_t>>& new_fixed);

// ---- stored findings (ingest.cpp)

// A stored finding as the writers read it (ingest, triage, expiry,
// re-assessment): what it contributes to the rollups, its triage fields,
// and what the last scan stored, so that ingest can skip rewriting a
// finding that is unchanged (a rescan mostly reports the same again).
struct StoredFinding {
  int64_t id = 0;
  int64_t artifact_id = 0;
  std::string fingerprint, kind, state, level, due_date, sla_from;
  int practice = 0, severity = 0, score = 0;
  bool due_manual = false;
  std::string assignee, exception_reason, exception_until, justification;
  bool until_fix = false;
  int64_t rule_ref = 0;
  std::string package_name, package_version, fixed_versions, location, layer;
  bool fixable = false, kev = false, exposed = false;
  double epss = -1;
  std::string finding_json, factors_json;  // stored_detail_rows() only

  Contribution contribution() const {
    return {artifact_id, practice, kind, severity, state, level, due_date, score, kev, fixable};
  }
};
// The columns of `findings f`, and after them those of `finding_details d`.
const RowMap<StoredFinding>& stored_finding_rows();
const RowMap<StoredFinding>& stored_detail_rows();

// Calls f(StoredFinding&&) for each finding, with its details, matching
// `where` (fixed SQL over `findings f`; values bound from `args`).
template <class F, class... A>
Status each_stored_finding(sql::Connection& c, const std::string& where, F&& f, const A&... args) {
  const auto& base = stored_finding_rows();
  const auto& details = stored_detail_rows();
  return sql::query_rows(
      c,
      "SELECT " + base.select() + ", " + details.select() +
          " FROM findings f JOIN finding_details d ON d.finding_id = f.id WHERE " + where,
      [&](sql::Stmt& st) {
        StoredFinding row = base.read(st);
        details.read_into(st, base.width(), row);
        f(std::move(row));
      },
      args...);
}

// The SLA due date of a finding first seen (or reappeared) on `sla_from`.
std::string due_for(const std::string& sla_from, const std::string& level, const std::map<std::string, int>& sla);

// ---- audit (store.cpp)
Status write_audit(sql::Connection& c, const std::string& at, const Actor& actor, std::string_view action,
                   std::string_view object, std::string_view detail);

Status write_history(sql::Connection& c, int64_t finding, const std::string& at, const std::string& actor,
                     std::string_view field, std::string_view old_value, std::string_view new_value,
                     std::string_view note);

// settings "sla_days" over the defaults, read inside a transaction.
Result<std::map<std::string, int>> read_sla(sql::Connection& c);

}  // namespace bulwark::store
