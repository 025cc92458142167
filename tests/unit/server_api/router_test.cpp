// The router's pipeline without a socket: matching, authentication, roles,
// CSRF, unknown parameters and errors as JSON.
#include <gtest/gtest.h>

#include "core/json.hpp"
#include "server/router.hpp"
#include "server/services.hpp"

namespace bulwark::server {
namespace {

struct Harness {
  Router router;
  Services svc;
  std::optional<Principal> caller;
  std::string last_handler;

  Harness() {
    auto mark = [this](std::string name) {
      return [this, name](Context& ctx) {
        last_handler = name;
        ctx.res.body = R"({"ok":true})";
      };
    };
    router.add({.method = "GET", .pattern = "/api/v1/findings", .access = Access::kViewer, .summary = "list",
                .handler = mark("list"), .query_params = {"severity"}});
    router.add({.method = "GET", .pattern = "/api/v1/findings/{id}", .access = Access::kViewer, .summary = "one",
                .handler = mark("one")});
    router.add({.method = "POST", .pattern = "/api/v1/findings/bulk", .access = Access::kOperator,
                .summary = "bulk", .handler = mark("bulk")});
    router.add({.method = "GET", .pattern = "/api/v1/users", .access = Access::kAdmin, .summary = "users",
                .handler = mark("users")});
    router.add({.method = "GET", .pattern = "/api/v1/health", .access = Access::kPublic, .summary = "health",
                .handler = mark("health")});
    router.add({.method = "GET", .pattern = "/api/v1/boom", .access = Access::kPublic, .summary = "boom",
                .handler = [](Context&) { bad_request("field 'x' is wrong"); }});
  }

  Response call(const std::string& method, const std::string& path,
                std::multimap<std::string, std::string> query = {}, std::string csrf = {}) {
    Request req;
    req.method = method;
    req.path = path;
    req.query = std::move(query);
    if (!csrf.empty()) req.headers["X-CSRF-Token"] = csrf;
    Response res;
    last_handler.clear();
    router.handle(req, res, svc, [this](const Request&) { return caller; });
    return res;
  }
};

std::string error_code(const Response& r) {
  auto j = json::parse(r.body);
  return j["error"]["code"].get<std::string>();
}

TEST(Router, PublicRoutesNeedNoCredentials) {
  Harness h;
  EXPECT_EQ(h.call("GET", "/api/v1/health").status, 200);
  EXPECT_EQ(h.last_handler, "health");
}

TEST(Router, AnonymousGets401AndNoHandlerRuns) {
  Harness h;
  auto r = h.call("GET", "/api/v1/findings");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(error_code(r), "unauthorized");
  EXPECT_TRUE(h.last_handler.empty());
}

TEST(Router, RolesIncludeTheOnesBelow) {
  Harness h;
  h.caller = Principal{.name = "v", .role = Access::kViewer};
  EXPECT_EQ(h.call("GET", "/api/v1/findings").status, 200);
  auto r = h.call("POST", "/api/v1/findings/bulk");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(error_code(r), "forbidden");
  EXPECT_NE(r.body.find("operator"), std::string::npos);
  h.caller->role = Access::kOperator;
  EXPECT_EQ(h.call("POST", "/api/v1/findings/bulk").status, 200);
  EXPECT_EQ(h.call("GET", "/api/v1/users").status, 403);
  h.caller->role = Access::kAdmin;
  EXPECT_EQ(h.call("GET", "/api/v1/users").status, 200);
}

TEST(Router, CookieSessionsNeedTheCsrfTokenToChangeState) {
  Harness h;
  h.caller = Principal{.name = "op", .role = Access::kOperator, .via_session = true, .csrf_token = "s3cret-token"};
  EXPECT_EQ(h.call("GET", "/api/v1/findings").status, 200);  // reading needs none
  auto r = h.call("POST", "/api/v1/findings/bulk");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(error_code(r), "csrf");
  EXPECT_EQ(h.call("POST", "/api/v1/findings/bulk", {}, "wrong-token!").status, 403);
  EXPECT_EQ(h.call("POST", "/api/v1/findings/bulk", {}, "s3cret-token").status, 200);
  // Bearer tokens are not sent by browsers on their own: no CSRF check.
  h.caller->via_session = false;
  EXPECT_EQ(h.call("POST", "/api/v1/findings/bulk").status, 200);
}

TEST(Router, LiteralSegmentsWinOverParameters) {
  Harness h;
  h.caller = Principal{.name = "op", .role = Access::kOperator};
  h.call("POST", "/api/v1/findings/bulk");
  EXPECT_EQ(h.last_handler, "bulk");
  h.call("GET", "/api/v1/findings/17");
  EXPECT_EQ(h.last_handler, "one");
}

TEST(Router, UnknownPathsMethodsAndParameters) {
  Harness h;
  h.caller = Principal{.name = "a", .role = Access::kAdmin};
  EXPECT_EQ(h.call("GET", "/api/v1/nothing").status, 404);
  auto r = h.call("DELETE", "/api/v1/findings");
  EXPECT_EQ(r.status, 405);
  r = h.call("GET", "/api/v1/findings", {{"sevrity", "HIGH"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("sevrity"), std::string::npos);
  EXPECT_TRUE(h.last_handler.empty());
  EXPECT_EQ(h.call("GET", "/api/v1/findings", {{"severity", "HIGH"}}).status, 200);
}

TEST(Router, HandlerErrorsBecomeJsonWithTheirStatus) {
  Harness h;
  auto r = h.call("GET", "/api/v1/boom");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(error_code(r), "bad_request");
  EXPECT_NE(r.body.find("field 'x'"), std::string::npos);
}

TEST(Router, CookiesAreReadByName) {
  Request req;
  req.headers["Cookie"] = "theme=dark; bulwark_session=abc.def; other=1";
  EXPECT_EQ(req.cookie("bulwark_session"), "abc.def");
  EXPECT_EQ(req.cookie("theme"), "dark");
  EXPECT_EQ(req.cookie("missing"), "");
}

}  // namespace
}  // namespace bulwark::server
