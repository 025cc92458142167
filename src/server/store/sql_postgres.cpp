// PostgreSQL backend of the SQL layer (libpq). Statements are prepared once
// per connection under generated names; parameters go as text (bytea as
// binary) and the server infers their types from the statement.
#include <libpq-fe.h>

#include <cstdlib>
#include <memory>
#include <utility>

#include "server/store/sql.hpp"

namespace bulwark::store::sql {

namespace {

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

struct PgConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
using PgConn = std::unique_ptr<PGconn, PgConnDeleter>;

std::string trim_message(const char* m) {
  std::string s = m ? m : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class PgConnection;

class PgStmt final : public Stmt {
 public:
  PgStmt(PgConnection* conn, std::string name, int nparams, std::string sql)
      : conn_(conn), name_(std::move(name)), sql_(std::move(sql)) {
    values_.resize(static_cast<size_t>(nparams));
    nulls_.assign(static_cast<size_t>(nparams), true);
    formats_.assign(static_cast<size_t>(nparams), 0);
  }

  void bind_null(int i) override { set(i, {}, true, 0); }
  void bind(int i, int64_t v) override { set(i, std::to_string(v), false, 0); }
  void bind(int i, double v) override {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    set(i, buf, false, 0);
  }
  void bind(int i, std::string_view v) override { set(i, std::string(v), false, 0); }
  void bind_blob(int i, std::string_view v) override { set(i, std::string(v), false, 1); }

  Result<bool> step() override;
  bool is_null(int col) const override { return PQgetisnull(res_.get(), row_, col) != 0; }
  int64_t integer(int col) const override { return std::strtoll(PQgetvalue(res_.get(), row_, col), nullptr, 10); }
  double real(int col) const override { return std::strtod(PQgetvalue(res_.get(), row_, col), nullptr); }
  std::string text(int col) const override {
    return std::string(PQgetvalue(res_.get(), row_, col), static_cast<size_t>(PQgetlength(res_.get(), row_, col)));
  }
  std::string blob(int col) const override {
    size_t n = 0;
    unsigned char* p = PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(res_.get(), row_, col)), &n);
    if (!p) return {};
    std::string out(reinterpret_cast<char*>(p), n);
    PQfreemem(p);
    return out;
  }
  int64_t changes() const override { return changes_; }
  void reset() override {
    res_.reset();
    executed_ = false;
    row_ = -1;
    rows_ = 0;
    changes_ = 0;
    for (size_t i = 0; i < values_.size(); ++i) {
      values_[i].clear();
      nulls_[i] = true;
      formats_[i] = 0;
    }
  }

 private:
  void set(int i, std::string v, bool null, int format) {
    if (i < 1 || static_cast<size_t>(i) > values_.size()) return;
    values_[static_cast<size_t>(i - 1)] = std::move(v);
    nulls_[static_cast<size_t>(i - 1)] = null;
    formats_[static_cast<size_t>(i - 1)] = format;
  }

  PgConnection* conn_;
  std::string name_;
  std::string sql_;
  std::vector<std::string> values_;
  std::vector<bool> nulls_;
  std::vector<int> formats_;
  PgResult res_;
  bool executed_ = false;
  int row_ = -1;
  int rows_ = 0;
  int64_t changes_ = 0;
};

class PgConnection final : public Connection {
 public:
  explicit PgConnection(PgConn c) : conn_(std::move(c)) {}
  ~PgConnection() override { clear_cache(); }

  Dialect dialect() const override { return Dialect::kPostgres; }
  Status exec_script(std::string_view sql) override {
    std::string text(sql);
    PgResult r(PQexec(conn_.get(), text.c_str()));
    return check(r.get(), text);
  }
  std::string last_sqlstate() const override { return sqlstate_; }
  bool last_error_retryable() const override { return sqlstate_ == "40001" || sqlstate_ == "40P01"; }

  PGconn* raw() const { return conn_.get(); }

  Status check(PGresult* r, std::string_view what) {
    ExecStatusType st = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
      sqlstate_.clear();
      return {};
    }
    const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    sqlstate_ = state ? state : "";
    std::string msg = trim_message(r ? PQresultErrorMessage(r) : PQerrorMessage(conn_.get()));
    if (msg.empty()) msg = trim_message(PQerrorMessage(conn_.get()));
    return Error(ErrorCode::kIo, "PostgreSQL: " + msg + (sqlstate_.empty() ? "" : " (SQLSTATE " + sqlstate_ + ")"),
                 std::string(what.substr(0, 80)));
  }

 protected:
  Result<std::unique_ptr<Stmt>> prepare_new(std::string_view sql) override {
    std::string name = "bw" + std::to_string(++counter_);
    std::string text = to_dollar_params(sql);
    int nparams = 0;
    for (size_t i = 0; i + 1 < text.size(); ++i)
      if (text[i] == '$' && text[i + 1] >= '0' && text[i + 1] <= '9') ++nparams;
    PgResult r(PQprepare(conn_.get(), name.c_str(), text.c_str(), 0, nullptr));
    if (auto s = check(r.get(), sql); !s) return s.error();
    return std::unique_ptr<Stmt>(new PgStmt(this, std::move(name), nparams, std::string(sql)));
  }

 private:
  PgConn conn_;
  std::string sqlstate_;
  int64_t counter_ = 0;
};

Result<bool> PgStmt::step() {
  if (!executed_) {
    executed_ = true;
    std::vector<const char*> values(values_.size());
    std::vector<int> lengths(values_.size());
    for (size_t i = 0; i < values_.size(); ++i) {
      values[i] = nulls_[i] ? nullptr : values_[i].c_str();
      lengths[i] = static_cast<int>(values_[i].size());
    }
    res_.reset(PQexecPrepared(conn_->raw(), name_.c_str(), static_cast<int>(values.size()), values.data(),
                              lengths.data(), formats_.data(), 0));
    if (auto s = conn_->check(res_.get(), sql_); !s) {
      res_.reset();
      return s.error();
    }
    rows_ = PQntuples(res_.get());
    const char* n = PQcmdTuples(res_.get());
    changes_ = n && *n ? std::strtoll(n, nullptr, 10) : 0;
    row_ = -1;
  }
  if (row_ + 1 < rows_) {
    ++row_;
    return true;
  }
  return false;
}

void ignore_notice(void*, const char*) {}

}  // namespace

Result<std::unique_ptr<Connection>> open_postgres(const std::string& url) {
  PgConn c(PQconnectdb(url.c_str()));
  if (!c) return Error(ErrorCode::kNetwork, "PostgreSQL: out of memory");
  if (PQstatus(c.get()) != CONNECTION_OK) {
    std::string msg = trim_message(PQerrorMessage(c.get()));
    // The URL may carry a password: name only the host part.
    return Error(ErrorCode::kNetwork, "PostgreSQL: cannot connect: " + msg);
  }
  PQsetNoticeProcessor(c.get(), ignore_notice, nullptr);
  auto conn = std::make_unique<PgConnection>(std::move(c));
  if (auto s = conn->exec_script("SET client_min_messages = warning; SET TIME ZONE 'UTC'"); !s) return s.error();
  return std::unique_ptr<Connection>(std::move(conn));
}

}  // namespace bulwark::store::sql
