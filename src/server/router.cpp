#include "server/router.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstdio>

#include "core/json.hpp"
#include "server/services.hpp"

namespace bulwark::server {

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) < std::tolower(static_cast<unsigned char>(y));
  });
}

std::string Request::header(std::string_view name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

std::optional<std::string> Request::query_value(std::string_view name) const {
  std::optional<std::string> v;
  auto [lo, hi] = query.equal_range(std::string(name));
  for (auto it = lo; it != hi; ++it) v = it->second;
  return v;
}

std::string Request::cookie(std::string_view name) const {
  std::string_view all = [&]() -> std::string_view {
    auto it = headers.find("cookie");
    return it == headers.end() ? std::string_view() : std::string_view(it->second);
  }();
  while (!all.empty()) {
    size_t semi = all.find(';');
    std::string_view part = all.substr(0, semi);
    all = semi == std::string_view::npos ? std::string_view() : all.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    size_t eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
  }
  return {};
}

void fail(int status, std::string code, std::string message) {
  throw ApiError{status, std::move(code), std::move(message)};
}

std::string error_body(std::string_view code, std::string_view message) {
  json j = {{"error", {{"code", code}, {"message", message}}}};
  // Messages quote what the client sent, which need not be UTF-8.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

const char* to_string(Access a) {
  switch (a) {
    case Access::kPublic: return "public";
    case Access::kViewer: return "viewer";
    case Access::kOperator: return "operator";
    case Access::kAdmin: return "admin";
  }
  return "public";
}

std::optional<Access> parse_role(std::string_view text) {
  if (text == "viewer") return Access::kViewer;
  if (text == "operator") return Access::kOperator;
  if (text == "admin") return Access::kAdmin;
  return std::nullopt;
}

void Router::add(Route route) { routes_.push_back(std::move(route)); }

namespace {

// Matches "/api/v1/findings/{id}" against a path, filling params.
bool match_pattern(std::string_view pattern, std::string_view path, std::map<std::string, std::string>& params) {
  params.clear();
  while (true) {
    if (pattern.empty() || path.empty()) return pattern.empty() && path.empty();
    if (pattern.front() != '/' || path.front() != '/') return false;
    pattern.remove_prefix(1);
    path.remove_prefix(1);
    size_t pe = pattern.find('/');
    size_t se = path.find('/');
    std::string_view pseg = pattern.substr(0, pe), seg = path.substr(0, se);
    if (pseg.size() > 2 && pseg.front() == '{' && pseg.back() == '}') {
      if (seg.empty()) return false;
      params.emplace(std::string(pseg.substr(1, pseg.size() - 2)), std::string(seg));
    } else if (pseg != seg) {
      return false;
    }
    pattern = pe == std::string_view::npos ? std::string_view() : pattern.substr(pe);
    path = se == std::string_view::npos ? std::string_view() : path.substr(se);
  }
}

bool constant_time_equal(const std::string& a, const std::string& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool changes_state(const std::string& method) { return method != "GET" && method != "HEAD"; }

}  // namespace

const Route* Router::match(Request& req, bool* path_matched) const {
  *path_matched = false;
  std::map<std::string, std::string> params;
  const Route* exact = nullptr;
  // Literal segments win over parameters ("/findings/bulk" over "/findings/{id}").
  size_t best_literals = 0;
  for (const Route& r : routes_) {
    if (!match_pattern(r.pattern, req.path, params)) continue;
    *path_matched = true;
    if (r.method != req.method && !(req.method == "HEAD" && r.method == "GET")) continue;
    size_t literals = static_cast<size_t>(std::count(r.pattern.begin(), r.pattern.end(), '/')) - params.size();
    if (!exact || literals > best_literals) {
      exact = &r;
      best_literals = literals;
      req.params = params;
    }
  }
  return exact;
}

void Router::handle(Request& req, Response& res, Services& svc, const Authenticator& auth) const {
  auto send_error = [&](int status, std::string_view code, std::string_view message) {
    res.status = status;
    res.content_type = "application/json";
    res.body = error_body(code, message);
  };
  try {
    bool path_matched = false;
    const Route* route = match(req, &path_matched);
    if (!route) {
      if (path_matched) {
        send_error(405, "method_not_allowed", req.method + " is not allowed on " + req.path);
      } else {
        send_error(404, "not_found", "no API endpoint " + req.path);
      }
      return;
    }
    Principal anonymous;
    std::optional<Principal> who;
    if (route->access != Access::kPublic) who = auth(req);
    if (route->access != Access::kPublic) {
      if (!who) return send_error(401, "unauthorized", "sign in or send an API token (Authorization: Bearer …)");
      if (static_cast<int>(who->role) < static_cast<int>(route->access)) {
        return send_error(403, "forbidden",
                          std::string("this needs the ") + to_string(route->access) + " role; " + who->name +
                              " has " + to_string(who->role));
      }
      if (who->via_session && changes_state(req.method) &&
          !constant_time_equal(req.header("X-CSRF-Token"), who->csrf_token)) {
        return send_error(403, "csrf", "missing or wrong X-CSRF-Token header for a cookie session");
      }
    }
    for (const auto& [name, value] : req.query) {
      if (std::find(route->query_params.begin(), route->query_params.end(), name) == route->query_params.end()) {
        return send_error(400, "bad_request", "unknown query parameter '" + name + "' for " + route->pattern);
      }
    }
    Context ctx{req, res, who ? *who : anonymous, svc};
    res.status = route->success_status;
    res.content_type = route->response_type;
    route->handler(ctx);
  } catch (const ApiError& e) {
    send_error(e.status, e.code, e.message);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bulwark server: %s %s: internal error: %s\n", req.method.c_str(), req.path.c_str(), e.what());
    send_error(500, "internal", "internal error; the server log has the details");
  }
}

Router make_api_router() {
  Router r;
  add_meta_routes(r);
  add_auth_routes(r);
  add_report_routes(r);
  add_artifact_routes(r);
  add_finding_routes(r);
  add_board_routes(r);
  add_admin_routes(r);
  return r;
}

}  // namespace bulwark::server
