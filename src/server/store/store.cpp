// Opening the store (backend by URL, connection pool, migrations) and the
// access tables: users, API tokens, sessions, login failures, audit log,
// settings.
#include <nlohmann/json.hpp>

#include "server/store/internal.hpp"

namespace bulwark::store {

const char* to_string(Backend b) { return b == Backend::kPostgres ? "postgres" : "sqlite"; }

Assessment default_assessment(const Finding& f) {
  Assessment a;
  switch (f.severity) {
    case Severity::kCritical: a.priority_score = 90; break;
    case Severity::kHigh: a.priority_score = 70; break;
    case Severity::kMedium: a.priority_score = 45; break;
    case Severity::kLow: a.priority_score = 20; break;
    case Severity::kUnknown: a.priority_score = 10; break;
  }
  a.priority_level = level_of_score(a.priority_score);
  nlohmann::json factors = nlohmann::json::array();
  factors.push_back({{"factor", "severity"}, {"points", a.priority_score}, {"detail", to_string(f.severity)}});
  a.priority_factors_json = factors.dump();
  return a;
}

Assessment Store::Impl::assess(const Finding& f, const Target& t, bool internet_facing, std::string_view today) const {
  Assessment a = options.assessor ? options.assessor(f, t, internet_facing, today) : default_assessment(f);
  // The assessor is outside code: keep what is stored within the schema.
  if (a.priority_score < 0) a.priority_score = 0;
  if (a.priority_score > 100) a.priority_score = 100;
  if (!known_level(a.priority_level)) a.priority_level = level_of_score(a.priority_score);
  if (a.practice < 0 || a.practice > 14) a.practice = 0;
  if (a.priority_factors_json.empty()) a.priority_factors_json = "[]";
  return a;
}

// ------------------------------------------------------------------- pool --

Result<std::unique_ptr<sql::Connection>> Store::Impl::connect() {
  if (backend == Backend::kPostgres) return sql::open_postgres(url);
  return sql::open_sqlite(url, options.busy_timeout_ms);
}

Result<Lease> Store::Impl::lease() {
  std::unique_lock lock(mu);
  for (;;) {
    if (!idle.empty()) {
      auto c = std::move(idle.back());
      idle.pop_back();
      return Lease(this, std::move(c));
    }
    if (connections < std::max(1, options.pool_size)) {
      ++connections;
      lock.unlock();
      auto c = connect();
      if (!c) {
        std::lock_guard again(mu);
        --connections;
        cv.notify_one();
        return c.error();
      }
      return Lease(this, std::move(*c));
    }
    cv.wait(lock);
  }
}

void Store::Impl::give_back(std::unique_ptr<sql::Connection> c) {
  if (c->in_transaction()) (void)c->rollback();
  std::lock_guard lock(mu);
  idle.push_back(std::move(c));
  cv.notify_one();
}

// ------------------------------------------------------------------- open --

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::open(std::string_view url, StoreOptions options) {
  auto impl = std::make_unique<Impl>();
  impl->url = std::string(url);
  impl->options = std::move(options);
  if (url.starts_with("postgres://") || url.starts_with("postgresql://")) {
    impl->backend = Backend::kPostgres;
  } else {
    impl->backend = Backend::kSqlite;
    if (url.empty()) return Error(ErrorCode::kInvalidArgument, "store: empty database path");
  }
  std::unique_ptr<Store> store(new Store(std::move(impl)));
  if (auto s = store->migrate(); !s) return s.error();
  return store;
}

Backend Store::backend() const { return impl_->backend; }

Status Store::migrate() {
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  return run_migrations(**lease, impl_->now());
}

Result<int> Store::schema_version() {
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  auto v = sql::query_int(**lease, "SELECT max(version) FROM schema_migrations");
  if (!v) return v.error();
  return static_cast<int>(v->value_or(0));
}

// ------------------------------------------------------------------ audit --

Status write_audit(sql::Connection& c, const std::string& at, const Actor& actor, std::string_view action,
                   std::string_view object, std::string_view detail) {
  auto r = sql::exec(c, "INSERT INTO audit_log (at, actor, action, object, detail, client) VALUES (?, ?, ?, ?, ?, ?)",
                     at, actor.name, action, object, detail, actor.client);
  if (!r) return r.error();
  return {};
}

Status write_history(sql::Connection& c, int64_t finding, const std::string& at, const std::string& actor,
                     std::string_view field, std::string_view old_value, std::string_view new_value,
                     std::string_view note) {
  auto r = sql::exec(c,
                     "INSERT INTO finding_history (finding_id, at, actor, field, old_value, new_value, note) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)",
                     finding, at, actor, field, old_value, new_value, note);
  if (!r) return r.error();
  return {};
}

Status Store::audit(std::string_view action, std::string_view object, std::string_view detail, const Actor& actor) {
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  return write_audit(**lease, impl_->now(), actor, action, object, detail);
}

namespace {
const RowMap<AuditEntry> kAuditRows{
    {"id", &AuditEntry::id},         {"at", &AuditEntry::at},         {"actor", &AuditEntry::actor},
    {"action", &AuditEntry::action}, {"object", &AuditEntry::object}, {"detail", &AuditEntry::detail},
    {"client", &AuditEntry::client},
};
}  // namespace

Result<Page<AuditEntry>> Store::list_audit(int limit, const std::string& cursor) {
  if (auto s = check_limit(limit); !s) return s.error();
  auto before = id_before(cursor);
  if (!before) return before.error();
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  Page<AuditEntry> page;
  auto rows = kAuditRows.all(**lease, "FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?", *before,
                             static_cast<int64_t>(limit + 1));
  if (!rows) return rows.error();
  page.items = std::move(*rows);
  close_page(page, limit, [](const AuditEntry& e) { return std::vector<std::string>{std::to_string(e.id)}; });
  auto total = sql::query_int(**lease, "SELECT count(*) FROM (SELECT 1 FROM audit_log LIMIT ?) AS t", kExactTotal + 1);
  if (!total) return total.error();
  page.total = total->value_or(0);
  if (page.total > kExactTotal) {
    page.total_is_estimate = true;
    auto max_id = sql::query_int(**lease, "SELECT max(id) FROM audit_log");
    if (!max_id) return max_id.error();
    page.total = std::max<int64_t>(page.total, max_id->value_or(0));
  }
  return page;
}

// --------------------------------------------------------------- settings --

Result<std::optional<std::string>> Store::get_setting(std::string_view key) {
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  return sql::query_text(**lease, "SELECT value FROM settings WHERE key = ?", key);
}

Result<std::map<std::string, std::string>> Store::settings() {
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  std::map<std::string, std::string> out;
  if (auto s = sql::query_rows(**lease, "SELECT key, value FROM settings ORDER BY key",
                               [&](sql::Stmt& st) { out[st.text(0)] = st.text(1); });
      !s)
    return s.error();
  return out;
}

Status Store::put_setting(std::string_view key, std::string_view json_value, const Actor& actor) {
  if (key.empty() || key.size() > 128) return Error(ErrorCode::kInvalidArgument, "setting: key must be 1..128 bytes");
  if (json_value.size() > 1024 * 1024) return Error(ErrorCode::kInvalidArgument, "setting: value larger than 1 MiB");
  if (!nlohmann::json::accept(json_value))
    return Error(ErrorCode::kInvalidArgument, "setting " + std::string(key) + ": value is not JSON");
  std::string now = impl_->now();
  auto r = write_tx(*impl_, [&](sql::Connection& c) -> Status {
    auto old = sql::query_text(c, "SELECT value FROM settings WHERE key = ?", key);
    if (!old) return old.error();
    auto up = sql::exec(c,
                        "INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) "
                        "ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                        key, json_value, now);
    if (!up) return up.error();
    return write_audit(c, now, actor, "settings.update", key,
                       (old->has_value() ? **old : std::string("(unset)")) + " -> " + std::string(json_value));
  });
  return r;
}

Result<std::map<std::string, int>> read_sla(sql::Connection& c) {
  std::map<std::string, int> days = {{"P1", 7}, {"P2", 30}, {"P3", 90}, {"P4", 180}};
  auto v = sql::query_text(c, "SELECT value FROM settings WHERE key = 'sla_days'");
  if (!v) return v.error();
  if (v->has_value()) {
    auto j = nlohmann::json::parse(**v, nullptr, false);
    if (j.is_object())
      for (auto& [level, d] : days)
        if (j.contains(level) && j[level].is_number_integer()) {
          int n = j[level].get<int>();
          if (n >= 0 && n <= 3650) d = n;
        }
  }
  return days;
}

Result<std::map<std::string, int>> Store::sla_days() {
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  return read_sla(**lease);
}

// ------------------------------------------------------------------ users --

namespace {

const RowMap<User> kUserRows{
    {"name", &User::name},         {"password_hash", &User::password_hash}, {"role", &User::role},
    {"created_at", &User::created_at}, {"last_login", &User::last_login},     {"disabled", &User::disabled},
};

Status check_name(std::string_view what, std::string_view name) {
  if (name.empty() || name.size() > 128)
    return Error(ErrorCode::kInvalidArgument, std::string(what) + ": must be 1..128 bytes");
  for (unsigned char ch : name)
    if (ch < 0x20 || ch == 0x7f)
      return Error(ErrorCode::kInvalidArgument, std::string(what) + ": control characters are not allowed");
  return {};
}

}  // namespace

Result<bool> Store::has_users() {
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  auto v = sql::query_int(**lease, "SELECT 1 FROM users LIMIT 1");
  if (!v) return v.error();
  return v->has_value();
}

Result<bool> Store::create_user(const User& user, const Actor& actor) {
  if (auto s = check_name("user name", user.name); !s) return s.error();
  if (!known_role(user.role)) return Error(ErrorCode::kInvalidArgument, "role: must be viewer, operator or admin");
  if (user.password_hash.empty() || user.password_hash.size() > 1024)
    return Error(ErrorCode::kInvalidArgument, "password hash: must be 1..1024 bytes");
  std::string now = impl_->now();
  return write_tx(*impl_, [&](sql::Connection& c) -> Result<bool> {
    auto r = sql::exec(c,
                       "INSERT INTO users (name, password_hash, role, created_at, disabled) VALUES (?, ?, ?, ?, ?) "
                       "ON CONFLICT (name) DO NOTHING",
                       user.name, user.password_hash, user.role, user.created_at.empty() ? now : user.created_at,
                       user.disabled);
    if (!r) return r.error();
    if (*r == 0) return false;
    if (auto s = write_audit(c, now, actor, "user.create", user.name, "role " + user.role); !s) return s.error();
    return true;
  });
}

Result<std::optional<User>> Store::get_user(std::string_view name) {
  return with_connection(*impl_,
                         [&](sql::Connection& c) { return kUserRows.one(c, "FROM users WHERE name = ?", name); });
}

Result<std::vector<User>> Store::list_users() {
  return with_connection(*impl_, [&](sql::Connection& c) { return kUserRows.all(c, "FROM users ORDER BY name"); });
}

Status Store::update_user(std::string_view name, const UserUpdate& update, const Actor& actor) {
  if (update.role && !known_role(*update.role))
    return Error(ErrorCode::kInvalidArgument, "role: must be viewer, operator or admin");
  if (update.password_hash && (update.password_hash->empty() || update.password_hash->size() > 1024))
    return Error(ErrorCode::kInvalidArgument, "password hash: must be 1..1024 bytes");
  std::string now = impl_->now();
  return write_tx(*impl_, [&](sql::Connection& c) -> Status {
    auto exists = sql::query_int(c, "SELECT 1 FROM users WHERE name = ?", name);
    if (!exists) return exists.error();
    if (!exists->has_value()) return Error(ErrorCode::kNotFound, "user '" + std::string(name) + "' does not exist");
    std::string detail;
    if (update.role) {
      if (auto r = sql::exec(c, "UPDATE users SET role = ? WHERE name = ?", *update.role, name); !r) return r.error();
      detail += "role " + *update.role + "; ";
    }
    if (update.password_hash) {
      if (auto r = sql::exec(c, "UPDATE users SET password_hash = ? WHERE name = ?", *update.password_hash, name); !r)
        return r.error();
      detail += "password changed; ";
    }
    if (update.disabled) {
      if (auto r = sql::exec(c, "UPDATE users SET disabled = ? WHERE name = ?", *update.disabled, name); !r)
        return r.error();
      detail += *update.disabled ? "disabled; " : "enabled; ";
    }
    // A changed password, role or disabled account ends the user's sessions.
    if (auto r = sql::exec(c, "DELETE FROM sessions WHERE user_name = ?", name); !r) return r.error();
    return write_audit(c, now, actor, "user.update", name, detail);
  });
}

Status Store::delete_user(std::string_view name, const Actor& actor) {
  std::string now = impl_->now();
  return write_tx(*impl_, [&](sql::Connection& c) -> Status {
    if (auto r = sql::exec(c, "DELETE FROM sessions WHERE user_name = ?", name); !r) return r.error();
    auto r = sql::exec(c, "DELETE FROM users WHERE name = ?", name);
    if (!r) return r.error();
    if (*r == 0) return Error(ErrorCode::kNotFound, "user '" + std::string(name) + "' does not exist");
    return write_audit(c, now, actor, "user.delete", name, "");
  });
}

Status Store::record_login(std::string_view name) {
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  auto r = sql::exec(**lease, "UPDATE users SET last_login = ? WHERE name = ?", impl_->now(), name);
  if (!r) return r.error();
  return {};
}

// ----------------------------------------------------------------- tokens --

namespace {
const RowMap<ApiToken> kTokenRows{
    {"id", &ApiToken::id},
    {"name", &ApiToken::name},
    {"role", &ApiToken::role},
    {"token_hash", &ApiToken::token_hash},
    {"created_by", &ApiToken::created_by},
    {"created_at", &ApiToken::created_at},
    {"last_used", &ApiToken::last_used},
};
}  // namespace

Status Store::create_token(const ApiToken& token, const Actor& actor) {
  if (auto s = check_name("token id", token.id); !s) return s;
  if (auto s = check_name("token name", token.name); !s) return s;
  if (!known_role(token.role)) return Error(ErrorCode::kInvalidArgument, "role: must be viewer, operator or admin");
  if (token.token_hash.size() != 64) return Error(ErrorCode::kInvalidArgument, "token hash: must be hex SHA-256");
  std::string now = impl_->now();
  return write_tx(*impl_, [&](sql::Connection& c) -> Status {
    auto r = sql::exec(c,
                       "INSERT INTO api_tokens (id, name, role, token_hash, created_by, created_at) "
                       "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                       token.id, token.name, token.role, token.token_hash,
                       token.created_by.empty() ? actor.name : token.created_by,
                       token.created_at.empty() ? now : token.created_at);
    if (!r) return r.error();
    if (*r == 0) return Error(ErrorCode::kInvalidArgument, "token id '" + token.id + "' already exists");
    return write_audit(c, now, actor, "token.create", token.id, token.name + " (" + token.role + ")");
  });
}

Result<std::vector<ApiToken>> Store::list_tokens() {
  return with_connection(
      *impl_, [&](sql::Connection& c) { return kTokenRows.all(c, "FROM api_tokens ORDER BY created_at, id"); });
}

Result<std::optional<ApiToken>> Store::find_token(std::string_view token_hash) {
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  auto found = kTokenRows.one(**lease, "FROM api_tokens WHERE token_hash = ?", token_hash);
  if (!found || !*found) return found;
  std::optional<ApiToken>& out = *found;
  // last_used to the minute: one write per token per minute at most.
  std::string now = impl_->now();
  if (out->last_used.substr(0, 16) != now.substr(0, 16)) {
    auto r = sql::exec(**lease, "UPDATE api_tokens SET last_used = ? WHERE id = ?", now, out->id);
    if (!r) return r.error();
    out->last_used = now;
  }
  return out;
}

Status Store::delete_token(std::string_view id, const Actor& actor) {
  std::string now = impl_->now();
  return write_tx(*impl_, [&](sql::Connection& c) -> Status {
    auto r = sql::exec(c, "DELETE FROM api_tokens WHERE id = ?", id);
    if (!r) return r.error();
    if (*r == 0) return Error(ErrorCode::kNotFound, "token '" + std::string(id) + "' does not exist");
    return write_audit(c, now, actor, "token.delete", id, "");
  });
}

// --------------------------------------------------------------- sessions --

Status Store::create_session(const Session& session) {
  if (session.id_hash.size() != 64) return Error(ErrorCode::kInvalidArgument, "session: id hash must be hex SHA-256");
  if (!normalize_time(session.expires_at)) return Error(ErrorCode::kInvalidArgument, "session: bad expires_at");
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  auto r = sql::exec(**lease,
                     "INSERT INTO sessions (id_hash, user_name, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                     session.id_hash, session.user, session.csrf_token,
                     session.created_at.empty() ? impl_->now() : session.created_at, *normalize_time(session.expires_at));
  if (!r) return r.error();
  return {};
}

Result<std::optional<Session>> Store::get_session(std::string_view id_hash) {
  static const RowMap<Session> kSessionRows{
      {"id_hash", &Session::id_hash},       {"user_name", &Session::user},         {"csrf_token", &Session::csrf_token},
      {"created_at", &Session::created_at}, {"expires_at", &Session::expires_at},
  };
  return with_connection(*impl_, [&](sql::Connection& c) {
    return kSessionRows.one(c, "FROM sessions WHERE id_hash = ? AND expires_at > ?", id_hash, impl_->now());
  });
}

Status Store::delete_session(std::string_view id_hash) {
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  auto r = sql::exec(**lease, "DELETE FROM sessions WHERE id_hash = ?", id_hash);
  if (!r) return r.error();
  return {};
}

Result<int> Store::delete_expired_sessions() {
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  auto r = sql::exec(**lease, "DELETE FROM sessions WHERE expires_at <= ?", impl_->now());
  if (!r) return r.error();
  return static_cast<int>(*r);
}

// -------------------------------------------------------- login failures --

Status Store::record_login_failure(std::string_view key) {
  if (key.size() > 512) key = key.substr(0, 512);
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  std::string now = impl_->now();
  auto r = sql::exec(**lease, "INSERT INTO login_failures (fail_key, at) VALUES (?, ?)", key, now);
  if (!r) return r.error();
  // Failures older than a day matter to no limit: keep the table small.
  auto d = sql::exec(**lease, "DELETE FROM login_failures WHERE at < ?", add_days(date_of(now), -1) + now.substr(10));
  if (!d) return d.error();
  return {};
}

Result<int> Store::count_login_failures(std::string_view key, std::string_view since) {
  if (key.size() > 512) key = key.substr(0, 512);
  auto t = normalize_time(since);
  if (!t) return Error(ErrorCode::kInvalidArgument, "since: not an RFC 3339 time");
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  auto v = sql::query_int(**lease, "SELECT count(*) FROM login_failures WHERE fail_key = ? AND at >= ?", key, *t);
  if (!v) return v.error();
  return static_cast<int>(v->value_or(0));
}

Status Store::clear_login_failures(std::string_view key) {
  if (key.size() > 512) key = key.substr(0, 512);
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  auto r = sql::exec(**lease, "DELETE FROM login_failures WHERE fail_key = ?", key);
  if (!r) return r.error();
  return {};
}

}  // namespace bulwark::store
