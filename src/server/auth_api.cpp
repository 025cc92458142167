// /api/v1/auth: log in (a session cookie and its CSRF token), log out, who am I.
#include "server/api.hpp"

namespace bulwark::server {

namespace {

constexpr int64_t kSessionSeconds = 12 * 3600;
constexpr int kMaxFailures = 5;
constexpr int64_t kFailureWindowSeconds = 300;

// A real Argon2 hash of a random password: verifying against it costs what a
// real check costs, so a missing user answers as slowly as a wrong password.
const std::string& decoy_hash() {
  static const std::string h = hash_password(random_secret(16)).value();
  return h;
}

void login(Context& ctx) {
  json body = body_object(ctx, 16 * 1024);
  auto name = field_string(body, "username", 64);
  auto password = field_string(body, "password", 256);
  if (!name || !password) bad_request("username and password are required");
  const std::string user_key = "user:" + *name;
  const std::string addr_key = "addr:" + ctx.req.client;
  std::string since = time_from_now(-kFailureWindowSeconds);
  for (const auto& key : {user_key, addr_key}) {
    if (must(ctx.svc.store->count_login_failures(key, since)) >= kMaxFailures) {
      ctx.res.set_header("Retry-After", std::to_string(kFailureWindowSeconds));
      fail(429, "rate_limited", "too many failed logins; try again in a few minutes");
    }
  }
  auto user = must(ctx.svc.store->get_user(*name));
  bool ok = user && !user->disabled ? verify_password(user->password_hash, *password)
                                    : (verify_password(decoy_hash(), *password), false);
  if (!ok) {
    must(ctx.svc.store->record_login_failure(user_key));
    must(ctx.svc.store->record_login_failure(addr_key));
    (void)ctx.svc.store->audit("login_failed", "user:" + name->substr(0, 64), "", store::Actor{*name, ctx.req.client});
    fail(401, "unauthorized", "wrong user name or password");
  }
  must(ctx.svc.store->clear_login_failures(user_key));
  std::string sid = random_secret(32);
  store::Session s{.id_hash = credential_hash(sid),
                   .user = user->name,
                   .csrf_token = random_secret(32),
                   .created_at = now_rfc3339(),
                   .expires_at = time_from_now(kSessionSeconds)};
  must(ctx.svc.store->create_session(s));
  must(ctx.svc.store->record_login(user->name));
  (void)ctx.svc.store->audit("login", "user:" + user->name, "", store::Actor{user->name, ctx.req.client});
  std::string cookie = "bulwark_session=" + sid + "; Path=/; HttpOnly; SameSite=Strict; Max-Age=" +
                       std::to_string(kSessionSeconds);
  if (ctx.req.tls) cookie += "; Secure";
  ctx.res.set_header("Set-Cookie", cookie);
  send_json(ctx, {{"user", {{"name", user->name}, {"role", user->role}}}, {"csrf_token", s.csrf_token}});
}

void logout(Context& ctx) {
  if (ctx.who.via_session) must(ctx.svc.store->delete_session(ctx.who.session_id_hash));
  std::string cookie = "bulwark_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0";
  if (ctx.req.tls) cookie += "; Secure";
  ctx.res.set_header("Set-Cookie", cookie);
  send_json(ctx, json::object());
}

void me(Context& ctx) {
  json out = {{"user", {{"name", ctx.who.name}, {"role", to_string(ctx.who.role)}}}};
  if (ctx.who.via_session) out["csrf_token"] = ctx.who.csrf_token;
  send_json(ctx, out);
}

}  // namespace

void add_auth_routes(Router& r) {
  r.add({.method = "POST", .pattern = "/api/v1/auth/login", .access = Access::kPublic,
         .summary = "Log in: sets the session cookie and returns the CSRF token", .handler = login, .tag = "auth",
         .request_schema = "LoginRequest", .response_schema = "Session"});
  r.add({.method = "POST", .pattern = "/api/v1/auth/logout", .access = Access::kViewer, .summary = "Log out",
         .handler = logout, .tag = "auth", .response_schema = "Empty"});
  r.add({.method = "GET", .pattern = "/api/v1/auth/me", .access = Access::kViewer,
         .summary = "The signed-in user and the session's CSRF token", .handler = me, .tag = "auth",
         .response_schema = "Session"});
}

}  // namespace bulwark::server
