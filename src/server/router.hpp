// Internal to the server module: the API as a table of routes. Each route
// names the least role that may call it; the router authenticates, checks the
// role and the CSRF token before any handler runs, so no handler can forget.
// The OpenAPI document is checked against this table by the tests.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "server/http.hpp"

namespace bulwark::server {

// Roles, each including the one before. kPublic routes need no credentials.
enum class Access { kPublic = 0, kViewer = 1, kOperator = 2, kAdmin = 3 };

const char* to_string(Access a);                        // "public", "viewer", "operator", "admin"
std::optional<Access> parse_role(std::string_view text);  // viewer, operator, admin

// Who is calling.
struct Principal {
  std::string name;            // user name, or "token:<name>"
  Access role = Access::kPublic;
  bool via_session = false;    // cookie session: state changes need the CSRF token
  std::string csrf_token;      // the session's
  std::string session_id_hash;
  int64_t token_id = 0;
};

struct Services;  // services.hpp: the store, settings, clock, …

struct Context {
  Request& req;
  Response& res;
  const Principal& who;
  Services& svc;
};

using Handler = std::function<void(Context&)>;

struct Route {
  std::string method;   // GET, POST, PUT, PATCH, DELETE
  std::string pattern;  // "/api/v1/findings/{id}"
  Access access = Access::kViewer;
  std::string summary;  // one line, for the OpenAPI document
  Handler handler;
  // For the OpenAPI document (openapi.cpp) and for checking requests: the
  // query parameters the route understands (others are refused with 400), the
  // schemas (components/schemas names) of its body and of its answer.
  std::string tag;
  std::vector<std::string> query_params;
  std::string request_schema;
  std::string response_schema;
  int success_status = 200;
  std::string response_type = "application/json";
};

// Finds who is calling from the request's credentials; nullopt = anonymous.
// A bearer token that is present but wrong is reported by throwing ApiError 401.
using Authenticator = std::function<std::optional<Principal>(const Request&)>;

class Router {
 public:
  void add(Route route);
  const std::vector<Route>& routes() const { return routes_; }

  // Whether some route has this path (for 404 versus 405).
  const Route* match(Request& req, bool* path_matched) const;

  // The whole pipeline: match, authenticate, role, CSRF, handler, errors as
  // JSON. Never throws.
  void handle(Request& req, Response& res, Services& svc, const Authenticator& auth) const;

 private:
  std::vector<Route> routes_;
};

// Registration of the API, one function per file of handlers.
void add_auth_routes(Router& r);
void add_report_routes(Router& r);
void add_artifact_routes(Router& r);
void add_finding_routes(Router& r);
void add_board_routes(Router& r);
void add_admin_routes(Router& r);
void add_meta_routes(Router& r);  // health, openapi.json

// Every route of /api/v1.
Router make_api_router();

}  // namespace bulwark::server
