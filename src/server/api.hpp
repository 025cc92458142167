// Internal to the server module: what the handler files share — JSON bodies
// in and out, and the parameter parsers that turn bad input into a 400 naming
// the parameter. Includes nlohmann/json: .cpp files only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "server/router.hpp"
#include "server/services.hpp"
#include "server/store/store.hpp"

namespace bulwark::server {

// The request body as a JSON object; 400 when it is not one.
json body_object(const Context& ctx, size_t max_bytes = 1u << 20);

void send_json(Context& ctx, const json& body, int status = 0);  // 0 keeps the route's status

// Path parameter {id} as a positive integer, else 404.
int64_t id_param(const Context& ctx, const char* name = "id");

// Query parameters, validated: 400 with the parameter's name on a bad value.
std::optional<std::string> query_string(const Context& ctx, const char* name, size_t max_len = 200);
std::optional<bool> query_bool(const Context& ctx, const char* name);
std::optional<int64_t> query_int(const Context& ctx, const char* name, int64_t min, int64_t max);
std::vector<std::string> query_list(const Context& ctx, const char* name, const std::vector<std::string>& allowed,
                                    bool upper = false);

// Body fields, validated the same way ("field 'state': …").
std::optional<std::string> field_string(const json& body, const char* name, size_t max_len = 1000);
std::optional<bool> field_bool(const json& body, const char* name);

// YYYY-MM-DD, a real date.
bool valid_date(std::string_view text);

// Who the store records for this request.
store::Actor actor(const Context& ctx);

// Audit log entry for the request's principal.
void audit(Context& ctx, std::string_view action, std::string_view object, std::string_view detail = {});

// A store error as an API error: kNotFound 404, kInvalidArgument 400, others 500.
[[noreturn]] void store_failed(const Error& e);

// The value of a store Result, or the matching API error.
template <class T>
T must(Result<T> r) {
  if (!r) store_failed(r.error());
  return std::move(*r);
}
inline void must(Status s) {
  if (!s) store_failed(s.error());
}

json counts_json(const store::SeverityCounts& c);

// {"items":[…],"next_cursor":…,"total":…,"total_is_estimate":…}
template <class T, class F>
json page_json(const store::Page<T>& page, F&& item) {
  json items = json::array();
  for (const auto& x : page.items) items.push_back(item(x));
  return {{"items", std::move(items)},
          {"next_cursor", page.next_cursor ? json(*page.next_cursor) : json()},
          {"total", page.total},
          {"total_is_estimate", page.total_is_estimate}};
}

// RFC 3339 UTC of now + `seconds` (negative for the past).
std::string time_from_now(int64_t seconds);

}  // namespace bulwark::server
