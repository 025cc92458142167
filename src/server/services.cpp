// run_server(): opens the store, creates the first admin, loads sample
// reports, and serves; plus the authenticator and housekeeping.
#include "server/services.hpp"

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "enrich/enrich.hpp"
#include "server/store/store.hpp"

namespace bulwark::server {

std::string Services::today() const { return now_rfc3339().substr(0, 10); }

void Services::tick() {
  reassess_daily();
  auto now = std::chrono::steady_clock::now();
  if (last_housekeeping_ != std::chrono::steady_clock::time_point{} && now - last_housekeeping_ < std::chrono::hours(1))
    return;
  last_housekeeping_ = now;
  if (auto n = store->expire_exceptions(today()); !n) {
    log_warn("expiring exceptions: " + n.error().describe());
  } else if (*n > 0) {
    log_info(std::to_string(*n) + " accepted risks expired and re-opened");
  }
  if (auto n = store->delete_expired_sessions(); !n) log_warn("ending expired sessions: " + n.error().describe());
}

// Slices of a few thousand findings (a fraction of a second each) keep the
// listener's loop, which calls this, quick to stop; a pass over millions of
// open findings then spreads over some minutes. After a failure it waits an
// hour.
void Services::reassess_daily() {
  constexpr int kSlice = 5000;
  std::string day = today();
  if (reassessed_on_ == day) return;
  auto now = std::chrono::steady_clock::now();
  if (reassess_failed_at_ != std::chrono::steady_clock::time_point{} &&
      now - reassess_failed_at_ < std::chrono::hours(1))
    return;
  auto n = store->reassess_open(day, kSlice);
  if (!n) {
    reassess_failed_at_ = now;
    log_warn("re-assessing open findings: " + n.error().describe());
    return;
  }
  reassess_failed_at_ = {};
  reassessed_ += *n;
  if (*n < kSlice) {
    if (reassessed_ > 0) log_info(std::to_string(reassessed_) + " open findings re-assessed for " + day);
    reassessed_on_ = day;
    reassessed_ = 0;
  }
}

void Services::log_request(const Request& req, const Response& res) const {
  if (!debug_log && res.status < 500) return;
  std::fprintf(stderr, "%s %s %s %d %zu\n", req.client.c_str(), req.method.c_str(), req.path.c_str(), res.status,
               res.body.size());
}

Authenticator make_authenticator(Services& svc) {
  return [&svc](const Request& req) -> std::optional<Principal> {
    std::string authz = req.header("Authorization");
    if (!authz.empty()) {
      if (authz.rfind("Bearer ", 0) != 0) fail(401, "unauthorized", "Authorization must be 'Bearer <token>'");
      std::string token = authz.substr(7);
      if (token.rfind(kTokenPrefix, 0) != 0 || token.size() > 200) fail(401, "unauthorized", "invalid API token");
      auto found = svc.store->find_token(credential_hash(token));
      if (!found) fail(500, "internal", "store: " + found.error().describe());
      if (!*found) fail(401, "unauthorized", "invalid or revoked API token");
      auto role = parse_role((*found)->role);
      if (!role) fail(401, "unauthorized", "the token's role is unknown");
      return Principal{.name = "token:" + (*found)->name, .role = *role};
    }
    std::string sid = req.cookie("bulwark_session");
    if (sid.empty() || sid.size() > 200) return std::nullopt;
    std::string hash = credential_hash(sid);
    auto session = svc.store->get_session(hash);
    if (!session) fail(500, "internal", "store: " + session.error().describe());
    if (!*session) return std::nullopt;
    auto user = svc.store->get_user((*session)->user);
    if (!user) fail(500, "internal", "store: " + user.error().describe());
    if (!*user || (*user)->disabled) return std::nullopt;
    auto role = parse_role((*user)->role);
    if (!role) return std::nullopt;
    return Principal{.name = (*user)->name,
                     .role = *role,
                     .via_session = true,
                     .csrf_token = (*session)->csrf_token,
                     .session_id_hash = hash};
  };
}

namespace {

store::Assessment assess(const Finding& f, const Target& t, bool internet_facing, std::string_view today) {
  enrich::PriorityContext ctx;
  ctx.internet_facing = internet_facing;
  ctx.today = std::string(today);
  enrich::Priority p = enrich::prioritize(f, ctx);
  store::Assessment a;
  a.priority_score = p.score;
  a.priority_level = p.level;
  a.priority_factors_json = enrich::priority_factors_json(p);
  a.practice = enrich::practice_of(f, t);
  return a;
}

std::string describe_store(const std::string& url) {
  if (url.rfind("postgres", 0) != 0) return "sqlite:" + url;
  // Never print a password given in the URL.
  std::string shown = url;
  size_t scheme = shown.find("://");
  size_t at = shown.find('@');
  if (scheme != std::string::npos && at != std::string::npos) {
    size_t colon = shown.find(':', scheme + 3);
    if (colon != std::string::npos && colon < at) shown.replace(colon + 1, at - colon - 1, "***");
  }
  return shown;
}

}  // namespace

Status run_server(const ServerOptions& options, const CancelToken& stop,
                  const std::function<void(const ReadyInfo&)>& on_ready) {
  Services svc;
  svc.options = options;
  svc.debug_log = log_level() == LogLevel::kDebug;
  std::string url = options.db_url;
  if (url.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(options.data_dir, ec);
    if (ec) return Error(ErrorCode::kIo, "cannot create the data directory: " + ec.message(), options.data_dir);
    url = (std::filesystem::path(options.data_dir) / "bulwark.db").string();
  } else if (url.rfind("postgres://", 0) != 0 && url.rfind("postgresql://", 0) != 0) {
    return Error(ErrorCode::kInvalidArgument, "--db wants a postgres:// or postgresql:// URL");
  }
  store::StoreOptions so;
  so.assessor = assess;
  auto opened = store::Store::open(url, so);
  if (!opened) return opened.error().within("store " + describe_store(url));
  std::unique_ptr<store::Store> db = std::move(*opened);
  svc.store = db.get();
  svc.store_kind = store::to_string(db->backend());

  ReadyInfo info;
  info.store = describe_store(url);
  auto any = db->has_users();
  if (!any) return any.error();
  if (!*any) {
    std::string password = options.admin_password.empty() ? random_secret(18) : options.admin_password;
    if (auto why = password_problem(password); !why.empty()) return Error(ErrorCode::kInvalidArgument, "admin password: " + why);
    auto hash = hash_password(password);
    if (!hash) return hash.error();
    store::User admin{.name = "admin", .password_hash = *hash, .role = "admin"};
    auto created = db->create_user(admin, store::Actor{"system", ""});
    if (!created) return created.error();
    // Another server process of a shared PostgreSQL may have won the race.
    if (*created) {
      info.admin_user = "admin";
      info.admin_password = password;
    }
  }
  for (const auto& path : options.load_reports) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Error(ErrorCode::kNotFound, "cannot read the report", path);
    std::ostringstream text;
    text << in.rdbuf();
    auto r = db->ingest(text.str(), store::Actor{"system", ""});
    if (!r) return r.error().within(path);
    log_info(path + ": " + (r->created ? "loaded as scan " : "already stored as scan ") + std::to_string(r->scan_id));
  }

  Router router = make_api_router();
  Authenticator auth = make_authenticator(svc);
  return serve(svc, router, auth, stop, [&](const std::string& base) {
    info.url = base;
    on_ready(info);
  });
}

}  // namespace bulwark::server
