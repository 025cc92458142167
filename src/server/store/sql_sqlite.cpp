// SQLite backend of the SQL layer: one sqlite3 handle per connection, WAL
// journal, a busy timeout so that several processes can share the file, and
// foreign keys on.
#include <sqlite3.h>

#include <filesystem>
#include <utility>

#include "server/store/sql.hpp"

namespace bulwark::store::sql {

namespace {

Error sqlite_error(sqlite3* db, std::string_view what) {
  return Error(ErrorCode::kIo, std::string("SQLite: ") + (db ? sqlite3_errmsg(db) : "out of memory"),
               std::string(what.substr(0, 80)));
}

class SqliteStmt final : public Stmt {
 public:
  SqliteStmt(sqlite3* db, sqlite3_stmt* st) : db_(db), st_(st) {}
  ~SqliteStmt() override { sqlite3_finalize(st_); }
  SqliteStmt(const SqliteStmt&) = delete;
  SqliteStmt& operator=(const SqliteStmt&) = delete;

  void bind_null(int i) override { sqlite3_bind_null(st_, i); }
  void bind(int i, int64_t v) override { sqlite3_bind_int64(st_, i, v); }
  void bind(int i, double v) override { sqlite3_bind_double(st_, i, v); }
  void bind(int i, std::string_view v) override {
    sqlite3_bind_text64(st_, i, v.data() ? v.data() : "", v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  void bind_blob(int i, std::string_view v) override {
    sqlite3_bind_blob64(st_, i, v.data() ? v.data() : "", v.size(), SQLITE_TRANSIENT);
  }
  Result<bool> step() override {
    int rc = sqlite3_step(st_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) {
      changes_ = sqlite3_changes64(db_);
      return false;
    }
    busy_ = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
    Error e = sqlite_error(db_, sqlite3_sql(st_));
    sqlite3_reset(st_);
    return e;
  }
  bool is_null(int col) const override { return sqlite3_column_type(st_, col) == SQLITE_NULL; }
  int64_t integer(int col) const override { return sqlite3_column_int64(st_, col); }
  double real(int col) const override { return sqlite3_column_double(st_, col); }
  std::string text(int col) const override {
    const unsigned char* p = sqlite3_column_text(st_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(st_, col)))
             : std::string();
  }
  std::string blob(int col) const override {
    const void* p = sqlite3_column_blob(st_, col);
    return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(st_, col)))
             : std::string();
  }
  int64_t changes() const override { return changes_; }
  void reset() override {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
    changes_ = 0;
  }
  bool busy() const { return busy_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* st_;
  int64_t changes_ = 0;
  bool busy_ = false;
};

class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(sqlite3* db) : db_(db) {}
  ~SqliteConnection() override {
    clear_cache();  // statements before the handle
    sqlite3_close_v2(db_);
  }
  SqliteConnection(const SqliteConnection&) = delete;
  SqliteConnection& operator=(const SqliteConnection&) = delete;

  Dialect dialect() const override { return Dialect::kSqlite; }
  Status exec_script(std::string_view sql) override {
    std::string text(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      last_busy_ = rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
      std::string msg = err ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      return Error(ErrorCode::kIo, "SQLite: " + msg, text.substr(0, 80));
    }
    return {};
  }
  std::string last_sqlstate() const override { return {}; }
  bool last_error_retryable() const override {
    int rc = sqlite3_errcode(db_);
    return last_busy_ || rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
  }

 protected:
  Result<std::unique_ptr<Stmt>> prepare_new(std::string_view sql) override {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &st, nullptr) !=
        SQLITE_OK) {
      if (st) sqlite3_finalize(st);
      return sqlite_error(db_, sql);
    }
    return std::unique_ptr<Stmt>(new SqliteStmt(db_, st));
  }

 private:
  sqlite3* db_;
  bool last_busy_ = false;
};

}  // namespace

Result<std::unique_ptr<Connection>> open_sqlite(const std::string& path, int busy_timeout_ms) {
  std::error_code ec;
  std::filesystem::path p(path);
  if (p.has_parent_path()) {
    std::filesystem::create_directories(p.parent_path(), ec);
    if (ec) return Error(ErrorCode::kIo, "cannot create directory: " + ec.message(), p.parent_path().string());
  }
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    Error e(ErrorCode::kIo, std::string("SQLite: cannot open: ") + (raw ? sqlite3_errmsg(raw) : "out of memory"), path);
    sqlite3_close_v2(raw);
    return e;
  }
  auto conn = std::make_unique<SqliteConnection>(raw);
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  // WAL lets readers run while one process writes; NORMAL sync is durable
  // across process crashes (a power loss may drop the last commits).
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON",
                             "PRAGMA temp_store=MEMORY", "PRAGMA cache_size=-65536"}) {
    auto s = conn->exec_script(pragma);
    if (!s) return s.error().within(path);
  }
  return std::unique_ptr<Connection>(std::move(conn));
}

}  // namespace bulwark::store::sql
