// Admin endpoints: local users, API tokens, settings (SLA days, ticket
// webhook) and the audit log.
#include "server/api.hpp"
#include "server/ticket.hpp"

namespace bulwark::server {

namespace {

json user_json(const store::User& u) {
  return {{"name", u.name}, {"role", u.role}, {"created_at", u.created_at},
          {"last_login", u.last_login.empty() ? json() : json(u.last_login)}, {"disabled", u.disabled}};
}

std::string role_field(const json& body, bool required) {
  auto role = field_string(body, "role", 20);
  if (!role) {
    if (required) bad_request("field 'role' is required (viewer, operator, admin)");
    return {};
  }
  if (!parse_role(*role)) bad_request("field 'role' must be viewer, operator or admin");
  return *role;
}

void check_fields(const json& body, std::initializer_list<const char*> known) {
  for (const auto& [k, v] : body.items()) {
    bool ok = false;
    for (const char* n : known) ok = ok || k == n;
    if (!ok) bad_request("unknown field '" + k + "'");
  }
}

void list_users(Context& ctx) {
  json items = json::array();
  for (const auto& u : must(ctx.svc.store->list_users())) items.push_back(user_json(u));
  send_json(ctx, {{"items", items}});
}

void create_user(Context& ctx) {
  json body = body_object(ctx);
  check_fields(body, {"name", "password", "role"});
  auto name = field_string(body, "name", 64);
  auto password = field_string(body, "password", 256);
  if (!name || !valid_user_name(*name)) bad_request("field 'name': 1 to 64 of letters, digits and . _ @ -");
  if (!password) bad_request("field 'password' is required");
  if (auto why = password_problem(*password); !why.empty()) bad_request("field 'password': " + why);
  std::string role = role_field(body, true);
  auto hash = hash_password(*password);
  if (!hash) fail(500, "internal", hash.error().describe());
  store::User u{.name = *name, .password_hash = *hash, .role = role};
  if (!must(ctx.svc.store->create_user(u, actor(ctx)))) fail(409, "conflict", "a user named '" + *name + "' exists");
  audit(ctx, "user_create", "user:" + *name, "role=" + role);
  auto created = must(ctx.svc.store->get_user(*name));
  send_json(ctx, user_json(created ? *created : u), 201);
}

void update_user(Context& ctx) {
  std::string name = ctx.req.params.at("name");
  json body = body_object(ctx);
  check_fields(body, {"password", "role", "disabled"});
  store::UserUpdate up;
  if (auto role = role_field(body, false); !role.empty()) up.role = role;
  if (auto password = field_string(body, "password", 256)) {
    if (auto why = password_problem(*password); !why.empty()) bad_request("field 'password': " + why);
    auto hash = hash_password(*password);
    if (!hash) fail(500, "internal", hash.error().describe());
    up.password_hash = *hash;
  }
  up.disabled = field_bool(body, "disabled");
  if (!up.role && !up.password_hash && !up.disabled) bad_request("nothing to change: give role, password or disabled");
  // The last admin cannot lock everybody out.
  if (name == ctx.who.name && ((up.role && *up.role != "admin") || (up.disabled && *up.disabled)))
    fail(409, "conflict", "you cannot demote or disable yourself");
  must(ctx.svc.store->update_user(name, up, actor(ctx)));
  std::string detail;
  if (up.role) detail += "role=" + *up.role + " ";
  if (up.password_hash) detail += "password ";
  if (up.disabled) detail += std::string("disabled=") + (*up.disabled ? "true" : "false");
  audit(ctx, "user_update", "user:" + name, detail);
  auto u = must(ctx.svc.store->get_user(name));
  if (!u) not_found("no user " + name);
  send_json(ctx, user_json(*u));
}

void delete_user(Context& ctx) {
  std::string name = ctx.req.params.at("name");
  if (name == ctx.who.name) fail(409, "conflict", "you cannot delete yourself");
  must(ctx.svc.store->delete_user(name, actor(ctx)));
  audit(ctx, "user_delete", "user:" + name);
  send_json(ctx, json::object());
}

json token_json(const store::ApiToken& t) {
  return {{"id", t.id}, {"name", t.name}, {"role", t.role}, {"created_by", t.created_by},
          {"created_at", t.created_at}, {"last_used", t.last_used.empty() ? json() : json(t.last_used)}};
}

void list_tokens(Context& ctx) {
  json items = json::array();
  for (const auto& t : must(ctx.svc.store->list_tokens())) items.push_back(token_json(t));
  send_json(ctx, {{"items", items}});
}

void create_token(Context& ctx) {
  json body = body_object(ctx);
  check_fields(body, {"name", "role"});
  auto name = field_string(body, "name", 100);
  if (!name || name->empty()) bad_request("field 'name' is required (what the token is for)");
  std::string role = role_field(body, true);
  std::string secret = new_api_token();
  store::ApiToken t{.id = random_secret(9), .name = *name, .role = role, .token_hash = credential_hash(secret),
                    .created_by = ctx.who.name};
  must(ctx.svc.store->create_token(t, actor(ctx)));
  audit(ctx, "token_create", "token:" + t.id, *name + " role=" + role);
  send_json(ctx, {{"id", t.id}, {"name", *name}, {"role", role}, {"token", secret}}, 201);
}

void delete_token(Context& ctx) {
  std::string id = ctx.req.params.at("token");
  must(ctx.svc.store->delete_token(id, actor(ctx)));
  audit(ctx, "token_delete", "token:" + id);
  send_json(ctx, json::object());
}

void get_settings(Context& ctx) {
  json out;
  json sla = json::object();
  for (const auto& [level, days] : must(ctx.svc.store->sla_days())) sla[level] = days;
  out["sla_days"] = sla;
  auto hook = must(ctx.svc.store->get_setting("webhook"));
  json h = json::object();
  if (hook) {
    if (auto doc = parse_json(*hook, "webhook"); doc && doc->is_object()) h = *doc;
  }
  // The Authorization value is a secret: say whether one is set, never what.
  if (h.contains("authorization")) h["authorization"] = h["authorization"].get<std::string>().empty() ? "" : "(set)";
  out["webhook"] = h;
  send_json(ctx, out);
}

void put_settings(Context& ctx) {
  json body = body_object(ctx);
  check_fields(body, {"sla_days", "webhook"});
  if (auto it = body.find("sla_days"); it != body.end()) {
    if (!it->is_object()) bad_request("field 'sla_days' must be an object {P1: days, …}");
    for (const auto& [level, days] : it->items()) {
      if (level != "P1" && level != "P2" && level != "P3" && level != "P4")
        bad_request("field 'sla_days': unknown level '" + level + "'");
      if (!days.is_number_integer() || days.get<int64_t>() < 1 || days.get<int64_t>() > 3650)
        bad_request("field 'sla_days." + level + "' must be a number of days from 1 to 3650");
    }
    must(ctx.svc.store->put_setting("sla_days", it->dump(), actor(ctx)));
    audit(ctx, "settings", "sla_days", it->dump());
  }
  if (auto it = body.find("webhook"); it != body.end()) {
    if (it->is_null() || (it->is_object() && it->empty())) {
      must(ctx.svc.store->put_setting("webhook", "null", actor(ctx)));
    } else {
      json hook = *it;
      // "(set)" is what GET shows: keep the stored secret.
      if (hook.is_object() && hook.value("authorization", "") == "(set)") {
        auto old = must(ctx.svc.store->get_setting("webhook"));
        auto doc = old ? parse_json(*old, "webhook") : Result<json>(json::object());
        hook["authorization"] = doc && doc->is_object() ? get_string(*doc, "authorization") : "";
      }
      auto parsed = parse_webhook_settings(hook.dump());
      if (!parsed) bad_request(parsed.error().describe());
      must(ctx.svc.store->put_setting("webhook", hook.dump(), actor(ctx)));
    }
    audit(ctx, "settings", "webhook", it->is_object() ? it->value("url", "") : "");
  }
  get_settings(ctx);
}

void list_audit(Context& ctx) {
  int limit = static_cast<int>(query_int(ctx, "limit", 1, 500).value_or(100));
  auto page = must(ctx.svc.store->list_audit(limit, query_string(ctx, "cursor", 500).value_or("")));
  send_json(ctx, page_json(page, [](const store::AuditEntry& e) {
    return json{{"id", e.id},         {"at", e.at},         {"actor", e.actor}, {"action", e.action},
                {"object", e.object}, {"detail", e.detail}, {"client", e.client}};
  }));
}

}  // namespace

void add_admin_routes(Router& r) {
  r.add({.method = "GET", .pattern = "/api/v1/users", .access = Access::kAdmin, .summary = "Local users",
         .handler = list_users, .tag = "admin", .response_schema = "UserList"});
  r.add({.method = "POST", .pattern = "/api/v1/users", .access = Access::kAdmin, .summary = "Create a user",
         .handler = create_user, .tag = "admin", .request_schema = "NewUser", .response_schema = "User",
         .success_status = 201});
  r.add({.method = "PATCH", .pattern = "/api/v1/users/{name}", .access = Access::kAdmin,
         .summary = "Change a user's role or password, or disable it", .handler = update_user, .tag = "admin",
         .request_schema = "UserPatch", .response_schema = "User"});
  r.add({.method = "DELETE", .pattern = "/api/v1/users/{name}", .access = Access::kAdmin, .summary = "Delete a user",
         .handler = delete_user, .tag = "admin", .response_schema = "Empty"});
  r.add({.method = "GET", .pattern = "/api/v1/tokens", .access = Access::kAdmin, .summary = "API tokens",
         .handler = list_tokens, .tag = "admin", .response_schema = "TokenList"});
  r.add({.method = "POST", .pattern = "/api/v1/tokens", .access = Access::kAdmin,
         .summary = "Create an API token (the secret is shown once)", .handler = create_token, .tag = "admin",
         .request_schema = "NewToken", .response_schema = "CreatedToken", .success_status = 201});
  r.add({.method = "DELETE", .pattern = "/api/v1/tokens/{token}", .access = Access::kAdmin,
         .summary = "Revoke an API token", .handler = delete_token, .tag = "admin", .response_schema = "Empty"});
  r.add({.method = "GET", .pattern = "/api/v1/settings", .access = Access::kAdmin,
         .summary = "SLA days per priority and the ticket webhook", .handler = get_settings, .tag = "admin",
         .response_schema = "Settings"});
  r.add({.method = "PUT", .pattern = "/api/v1/settings", .access = Access::kAdmin, .summary = "Change settings",
         .handler = put_settings, .tag = "admin", .request_schema = "Settings", .response_schema = "Settings"});
  r.add({.method = "GET", .pattern = "/api/v1/audit", .access = Access::kAdmin, .summary = "The audit log, newest first",
         .handler = list_audit, .tag = "admin", .query_params = {"limit", "cursor"}, .response_schema = "AuditList"});
}

}  // namespace bulwark::server
