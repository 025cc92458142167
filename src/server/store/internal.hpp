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

Result<std::string> gzip(std::string_view data);      // zlib stream
Result<std::string> gunzip(std::string_view data, size_t limit);

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
};

// Changes to the rollups collected during one transaction and applied at its
// end in key order (so concurrent writers lock rows in the same order).
class RollupDelta {
 public:
  void add(const Contribution& c, int sign);
  void count_new(int practice, int64_t n = 1);
  void count_fixed(int practice, int64_t n = 1);
  bool empty() const;
  Status apply(sql::Connection& c, std::string_view today);

 private:
  std::map<std::tuple<int, std::string, int, std::string, std::string>, int64_t> counts_;
  std::map<std::tuple<int, int, std::string>, int64_t> due_;
  std::map<std::tuple<int64_t, int, int>, int64_t> artifact_practice_;
  std::map<int64_t, std::pair<std::array<int64_t, 5>, int64_t>> artifact_open_;  // by severity, risk
  std::map<int, std::pair<int64_t, int64_t>> new_fixed_;                         // by practice
};

Status snapshot_day(sql::Connection& c, std::string_view today, const std::map<int, std::pair<int64_t, int64_t>>& new_fixed);

// ---- audit (store.cpp)
Status write_audit(sql::Connection& c, const std::string& at, const Actor& actor, std::string_view action,
                   std::string_view object, std::string_view detail);

Status write_history(sql::Connection& c, int64_t finding, const std::string& at, const std::string& actor,
                     std::string_view field, std::string_view old_value, std::string_view new_value,
                     std::string_view note);

// settings "sla_days" over the defaults, read inside a transaction.
Result<std::map<std::string, int>> read_sla(sql::Connection& c);

// ---- findings rows (findings.cpp)
extern const char* const kFindingColumns;  // SELECT list read by read_finding_row
FindingRow read_finding_row(sql::Stmt& st);

}  // namespace bulwark::store
