// Internal to the server module: the request and response the handlers see.
// Only listener.cpp includes cpp-httplib; handlers work on these plain types,
// so they compile fast and the router can be driven without a socket in tests.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace bulwark::server {

struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
  using is_transparent = void;
};

struct Request {
  std::string method;  // "GET", "POST", …
  std::string path;    // "/api/v1/findings/12", without the query
  std::multimap<std::string, std::string> query;
  std::map<std::string, std::string, CaseInsensitiveLess> headers;
  std::string body;
  std::string client;  // remote address
  bool tls = false;
  std::map<std::string, std::string> params;  // path parameters ("{id}") set by the router

  std::string header(std::string_view name) const;
  std::optional<std::string> query_value(std::string_view name) const;  // the last one given
  std::string cookie(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;

  void set_header(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
};

// A failure a handler reports to the client: the status, a code word of
// docs/server/api.md (`bad_request`, `not_found`, …) and a message saying what
// and where. Thrown inside a handler and turned into the JSON error body by the
// router; it never leaves the request's thread.
struct ApiError {
  int status;
  std::string code;
  std::string message;
};

[[noreturn]] void fail(int status, std::string code, std::string message);
[[noreturn]] inline void bad_request(std::string message) { fail(400, "bad_request", std::move(message)); }
[[noreturn]] inline void not_found(std::string message) { fail(404, "not_found", std::move(message)); }

// {"error":{"code":…,"message":…}}
std::string error_body(std::string_view code, std::string_view message);

}  // namespace bulwark::server
