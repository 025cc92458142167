// The store's small SQL layer (internal header): one interface, two backends
// (SQLite, PostgreSQL). Statements are written with `?` placeholders and
// always prepared with bound parameters; the PostgreSQL backend rewrites `?`
// to `$n`. Every handle is owned by an RAII object.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace bulwark::store::sql {

enum class Dialect { kSqlite, kPostgres };

// A prepared statement. Bind (1-based), then step(); columns are 0-based.
class Stmt {
 public:
  virtual ~Stmt() = default;
  virtual void bind_null(int i) = 0;
  virtual void bind(int i, int64_t v) = 0;
  virtual void bind(int i, double v) = 0;
  virtual void bind(int i, std::string_view v) = 0;
  virtual void bind_blob(int i, std::string_view bytes) = 0;
  void bind(int i, int v) { bind(i, static_cast<int64_t>(v)); }
  void bind(int i, bool v) { bind(i, static_cast<int64_t>(v ? 1 : 0)); }
  void bind(int i, const std::string& v) { bind(i, std::string_view(v)); }
  void bind(int i, const char* v) { bind(i, std::string_view(v)); }

  // true: a row is available; false: done.
  virtual Result<bool> step() = 0;
  virtual bool is_null(int col) const = 0;
  virtual int64_t integer(int col) const = 0;
  virtual double real(int col) const = 0;
  virtual std::string text(int col) const = 0;
  virtual std::string blob(int col) const = 0;
  // Rows changed by the last INSERT/UPDATE/DELETE.
  virtual int64_t changes() const = 0;
  // Clears bindings and results so the statement can run again.
  virtual void reset() = 0;

  // Binds every argument in order, starting at 1.
  template <class... A>
  void bind_all(const A&... args) {
    int i = 0;
    (bind(++i, args), ...);
  }
};

class Connection;

// A cached statement checked out of its connection; returned on destruction.
class StmtRef {
 public:
  StmtRef(Connection* c, std::string key, std::unique_ptr<Stmt> s)
      : conn_(c), key_(std::move(key)), stmt_(std::move(s)) {}
  StmtRef(StmtRef&&) = default;
  StmtRef& operator=(StmtRef&&) = delete;
  ~StmtRef();
  Stmt* operator->() { return stmt_.get(); }
  Stmt& operator*() { return *stmt_; }

 private:
  Connection* conn_;
  std::string key_;
  std::unique_ptr<Stmt> stmt_;
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual Dialect dialect() const = 0;
  // Runs SQL text without parameters (DDL, BEGIN/COMMIT, migrations; may
  // hold several statements). Never used with values.
  virtual Status exec_script(std::string_view sql) = 0;
  // SQLSTATE of the last PostgreSQL error ("23505"); "" for SQLite.
  virtual std::string last_sqlstate() const = 0;
  // True when the last error was a lock conflict worth retrying
  // (SQLITE_BUSY; PostgreSQL 40001/40P01).
  virtual bool last_error_retryable() const = 0;

  // A prepared statement for `sql`, from the connection's cache when one is
  // free. The statement is reset.
  Result<StmtRef> prepare(std::string_view sql);

  // Write transaction: SQLite BEGIN IMMEDIATE (takes the writer lock now),
  // PostgreSQL BEGIN.
  Status begin_write();
  Status begin_read();
  Status commit();
  Status rollback();
  bool in_transaction() const { return in_tx_; }

  // Forget every cached statement (after a schema change).
  void clear_cache() { cache_.clear(); }

 protected:
  virtual Result<std::unique_ptr<Stmt>> prepare_new(std::string_view sql) = 0;

 private:
  friend class StmtRef;
  void give_back(std::string key, std::unique_ptr<Stmt> s);
  std::multimap<std::string, std::unique_ptr<Stmt>> cache_;
  bool in_tx_ = false;
};

// Rolls back on destruction unless committed.
class Transaction {
 public:
  explicit Transaction(Connection& c) : c_(c) {}
  ~Transaction() {
    if (active_) (void)c_.rollback();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  Status begin_write() {
    auto s = c_.begin_write();
    active_ = s.ok();
    return s;
  }
  Status begin_read() {
    auto s = c_.begin_read();
    active_ = s.ok();
    return s;
  }
  Status commit() {
    active_ = false;
    return c_.commit();
  }

 private:
  Connection& c_;
  bool active_ = false;
};

Result<std::unique_ptr<Connection>> open_sqlite(const std::string& path, int busy_timeout_ms);
Result<std::unique_ptr<Connection>> open_postgres(const std::string& url);

// `?` → `$1`, `$2`, … outside quoted strings and identifiers.
std::string to_dollar_params(std::string_view sql);

// ---- small helpers over a prepared statement

// Runs a statement that returns no rows (or ignores them); returns changes().
template <class... A>
Result<int64_t> exec(Connection& c, std::string_view sql, const A&... args) {
  auto st = c.prepare(sql);
  if (!st) return st.error();
  (*st)->bind_all(args...);
  for (;;) {
    auto r = (*st)->step();
    if (!r) return r.error();
    if (!*r) break;
  }
  return (*st)->changes();
}

// Steps through the rows of a bound statement, calling f(stmt) for each.
template <class F>
Status each_row(Stmt& st, F&& f) {
  for (;;) {
    auto r = st.step();
    if (!r) return r.error();
    if (!*r) return {};
    f(st);
  }
}

// Prepares `sql`, binds `args` and calls f(stmt) for every row.
template <class F, class... A>
Status query_rows(Connection& c, std::string_view sql, F&& f, const A&... args) {
  auto st = c.prepare(sql);
  if (!st) return st.error();
  (*st)->bind_all(args...);
  return each_row(**st, f);
}

// The first row only: f(stmt) when there is one. Returns whether there was.
template <class F, class... A>
Result<bool> query_row(Connection& c, std::string_view sql, F&& f, const A&... args) {
  auto st = c.prepare(sql);
  if (!st) return st.error();
  (*st)->bind_all(args...);
  auto r = (*st)->step();
  if (!r) return r.error();
  if (*r) f(**st);
  return *r;
}

// The first column of the first row as an integer, nullopt without a row.
template <class... A>
Result<std::optional<int64_t>> query_int(Connection& c, std::string_view sql, const A&... args) {
  std::optional<int64_t> v;
  auto r = query_row(c, sql, [&](Stmt& st) { if (!st.is_null(0)) v = st.integer(0); }, args...);
  if (!r) return r.error();
  return v;
}

template <class... A>
Result<std::optional<std::string>> query_text(Connection& c, std::string_view sql, const A&... args) {
  std::optional<std::string> v;
  auto r = query_row(c, sql, [&](Stmt& st) { if (!st.is_null(0)) v = st.text(0); }, args...);
  if (!r) return r.error();
  return v;
}

}  // namespace bulwark::store::sql
