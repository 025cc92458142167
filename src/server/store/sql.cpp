// The backend-independent part of the SQL layer: statement cache,
// transactions, placeholder rewriting.
#include "server/store/sql.hpp"

namespace bulwark::store::sql {

namespace {
// Statements kept per connection; beyond this the cache is emptied (the
// filter combinations of list queries are many, each a distinct text).
constexpr size_t kMaxCachedStatements = 256;
}  // namespace

StmtRef::~StmtRef() {
  if (conn_ && stmt_) conn_->give_back(std::move(key_), std::move(stmt_));
}

void Connection::give_back(std::string key, std::unique_ptr<Stmt> s) {
  s->reset();
  if (cache_.size() >= kMaxCachedStatements) cache_.clear();
  cache_.emplace(std::move(key), std::move(s));
}

Result<StmtRef> Connection::prepare(std::string_view sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  if (it != cache_.end()) {
    std::unique_ptr<Stmt> s = std::move(it->second);
    cache_.erase(it);
    return StmtRef(this, std::move(key), std::move(s));
  }
  auto s = prepare_new(sql);
  if (!s) return s.error();
  return StmtRef(this, std::move(key), std::move(*s));
}

Status Connection::begin_write() {
  auto s = exec_script(dialect() == Dialect::kSqlite ? "BEGIN IMMEDIATE" : "BEGIN");
  if (s) in_tx_ = true;
  return s;
}

Status Connection::begin_read() {
  auto s = exec_script("BEGIN");
  if (s) in_tx_ = true;
  return s;
}

Status Connection::commit() {
  auto s = exec_script("COMMIT");
  if (!s) {
    (void)exec_script("ROLLBACK");
  }
  in_tx_ = false;
  return s;
}

Status Connection::rollback() {
  in_tx_ = false;
  return exec_script("ROLLBACK");
}

std::string to_dollar_params(std::string_view sql) {
  std::string out;
  out.reserve(sql.size() + 16);
  int n = 0;
  char quote = 0;
  for (char ch : sql) {
    if (quote) {
      out += ch;
      if (ch == quote) quote = 0;  // a doubled quote re-enters at once: same result
      continue;
    }
    if (ch == '\'' || ch == '"') {
      quote = ch;
      out += ch;
    } else if (ch == '?') {
      out += '$';
      out += std::to_string(++n);
    } else {
      out += ch;
    }
  }
  return out;
}

}  // namespace bulwark::store::sql
