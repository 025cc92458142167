// RAII wrappers over the SQLite C API for the vulndb module (internal header).
#pragma once

#include <sqlite3.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/core.hpp"

namespace bulwark::vulndb::sql {

class Db {
 public:
  Db() = default;
  explicit Db(sqlite3* db) : db_(db) {}
  ~Db() { close(); }
  Db(Db&& o) noexcept : db_(std::exchange(o.db_, nullptr)) {}
  Db& operator=(Db&& o) noexcept {
    if (this != &o) {
      close();
      db_ = std::exchange(o.db_, nullptr);
    }
    return *this;
  }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* get() const { return db_; }
  int close() {
    int rc = SQLITE_OK;
    if (db_) rc = sqlite3_close_v2(db_);
    db_ = nullptr;
    return rc;
  }
  std::string errmsg() const { return db_ ? sqlite3_errmsg(db_) : "no database"; }

  Status exec(const char* sql_text) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql_text, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : errmsg();
      sqlite3_free(err);
      return Error(ErrorCode::kIo, "SQLite: " + msg);
    }
    return {};
  }

 private:
  sqlite3* db_ = nullptr;
};

class Stmt {
 public:
  Stmt() = default;
  ~Stmt() {
    if (st_) sqlite3_finalize(st_);
  }
  Stmt(Stmt&& o) noexcept : st_(std::exchange(o.st_, nullptr)) {}
  Stmt& operator=(Stmt&& o) noexcept {
    if (this != &o) {
      if (st_) sqlite3_finalize(st_);
      st_ = std::exchange(o.st_, nullptr);
    }
    return *this;
  }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  static Result<Stmt> prepare(const Db& db, std::string_view sql_text) {
    Stmt s;
    if (sqlite3_prepare_v2(db.get(), sql_text.data(), static_cast<int>(sql_text.size()), &s.st_, nullptr) != SQLITE_OK)
      return Error(ErrorCode::kCorrupt, "SQLite: " + db.errmsg(), std::string(sql_text.substr(0, 60)));
    return s;
  }

  sqlite3_stmt* get() const { return st_; }
  void reset() {
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
  }
  void bind(int i, std::string_view v) {
    sqlite3_bind_text(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind_or_null(int i, std::string_view v) {
    if (v.empty())
      sqlite3_bind_null(st_, i);
    else
      bind(i, v);
  }
  // Without a copy: `v` must stay valid and unchanged until the statement is
  // stepped and reset.
  void bind_static(int i, std::string_view v) {
    // A null pointer would bind NULL, not an empty text.
    sqlite3_bind_text(st_, i, v.data() ? v.data() : "", static_cast<int>(v.size()), SQLITE_STATIC);
  }
  void bind_static_or_null(int i, std::string_view v) {
    if (v.empty())
      sqlite3_bind_null(st_, i);
    else
      bind_static(i, v);
  }
  void bind(int i, int64_t v) { sqlite3_bind_int64(st_, i, v); }
  void bind(int i, double v) { sqlite3_bind_double(st_, i, v); }
  void bind(int i, std::optional<double> v) {
    if (v)
      sqlite3_bind_double(st_, i, *v);
    else
      sqlite3_bind_null(st_, i);
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int step() { return sqlite3_step(st_); }

  std::string text(int col) const {
    const unsigned char* p = sqlite3_column_text(st_, col);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(st_, col)))
             : std::string();
  }
  // The bytes of a text column, valid until the next step or reset. Read as
  // a blob: sqlite3_column_text would copy every value that is not followed
  // by a NUL in the page to add one.
  std::string_view view(int col) const {
    const void* p = sqlite3_column_blob(st_, col);
    return p ? std::string_view(static_cast<const char*>(p), static_cast<size_t>(sqlite3_column_bytes(st_, col)))
             : std::string_view();
  }
  int64_t integer(int col) const { return sqlite3_column_int64(st_, col); }
  double real(int col) const { return sqlite3_column_double(st_, col); }
  bool is_null(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }

 private:
  sqlite3_stmt* st_ = nullptr;
};

}  // namespace bulwark::vulndb::sql
