#include "server/api.hpp"

#include <charconv>
#include <cstdio>
#include <ctime>

namespace bulwark::server {

json body_object(const Context& ctx, size_t max_bytes) {
  if (ctx.req.body.size() > max_bytes)
    fail(413, "payload_too_large", "request body larger than " + std::to_string(max_bytes) + " bytes");
  if (ctx.req.body.empty()) bad_request("the request needs a JSON object body");
  auto doc = parse_json(ctx.req.body, "request body");
  if (!doc) bad_request(doc.error().describe());
  if (!doc->is_object()) bad_request("request body: expected a JSON object");
  return std::move(*doc);
}

void send_json(Context& ctx, const json& body, int status) {
  if (status) ctx.res.status = status;
  ctx.res.content_type = "application/json";
  ctx.res.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
}

int64_t id_param(const Context& ctx, const char* name) {
  auto it = ctx.req.params.find(name);
  if (it == ctx.req.params.end()) not_found("missing path parameter " + std::string(name));
  int64_t v = 0;
  const std::string& s = it->second;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v <= 0) not_found("no object with id '" + s + "'");
  return v;
}

std::optional<std::string> query_string(const Context& ctx, const char* name, size_t max_len) {
  auto v = ctx.req.query_value(name);
  if (v && v->size() > max_len)
    bad_request("query parameter '" + std::string(name) + "' is longer than " + std::to_string(max_len) + " characters");
  return v;
}

std::optional<bool> query_bool(const Context& ctx, const char* name) {
  auto v = ctx.req.query_value(name);
  if (!v) return std::nullopt;
  if (*v == "true" || *v == "1") return true;
  if (*v == "false" || *v == "0") return false;
  bad_request("query parameter '" + std::string(name) + "' must be true or false, got '" + v->substr(0, 40) + "'");
}

std::optional<int64_t> query_int(const Context& ctx, const char* name, int64_t min, int64_t max) {
  auto v = ctx.req.query_value(name);
  if (!v) return std::nullopt;
  int64_t n = 0;
  auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || p != v->data() + v->size() || n < min || n > max)
    bad_request("query parameter '" + std::string(name) + "' must be an integer from " + std::to_string(min) + " to " +
                std::to_string(max) + ", got '" + v->substr(0, 40) + "'");
  return n;
}

std::vector<std::string> query_list(const Context& ctx, const char* name, const std::vector<std::string>& allowed,
                                    bool upper) {
  std::vector<std::string> out;
  auto v = ctx.req.query_value(name);
  if (!v || v->empty()) return out;
  size_t start = 0;
  while (start <= v->size()) {
    size_t comma = v->find(',', start);
    std::string item = v->substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (upper)
      for (auto& c : item) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (!item.empty()) {
      if (std::find(allowed.begin(), allowed.end(), item) == allowed.end()) {
        std::string known;
        for (const auto& a : allowed) known += (known.empty() ? "" : ", ") + a;
        bad_request("query parameter '" + std::string(name) + "': unknown value '" + item.substr(0, 40) +
                    "' (known: " + known + ")");
      }
      out.push_back(item);
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

std::optional<std::string> field_string(const json& body, const char* name, size_t max_len) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) bad_request("field '" + std::string(name) + "' must be a string");
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > max_len)
    bad_request("field '" + std::string(name) + "' is longer than " + std::to_string(max_len) + " characters");
  return s;
}

std::optional<bool> field_bool(const json& body, const char* name) {
  auto it = body.find(name);
  if (it == body.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) bad_request("field '" + std::string(name) + "' must be true or false");
  return it->get<bool>();
}

bool valid_date(std::string_view t) {
  if (t.size() != 10 || t[4] != '-' || t[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (t[i] < '0' || t[i] > '9') return false;
  int y = std::stoi(std::string(t.substr(0, 4))), m = std::stoi(std::string(t.substr(5, 2))),
      d = std::stoi(std::string(t.substr(8, 2)));
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m < 1 || m > 12 || d < 1 || d > kDays[m - 1]) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

store::Actor actor(const Context& ctx) { return store::Actor{ctx.who.name, ctx.req.client}; }

void audit(Context& ctx, std::string_view action, std::string_view object, std::string_view detail) {
  if (auto st = ctx.svc.store->audit(action, object, detail, actor(ctx)); !st)
    log_warn("audit log: " + st.error().describe());
}

void store_failed(const Error& e) {
  switch (e.code) {
    case ErrorCode::kNotFound: not_found(e.describe());
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kCorrupt:
    case ErrorCode::kLimitExceeded: bad_request(e.describe());
    case ErrorCode::kUnsupported: fail(400, "unsupported_report_version", e.describe());
    default: break;
  }
  std::fprintf(stderr, "bulwark server: store: %s\n", e.describe().c_str());
  fail(500, "internal", "the store failed; the server log has the details");
}

json counts_json(const store::SeverityCounts& c) {
  return {{"critical", c.critical}, {"high", c.high}, {"medium", c.medium}, {"low", c.low}, {"unknown", c.unknown}};
}

std::string time_from_now(int64_t seconds) {
  std::time_t t = std::time(nullptr) + seconds;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace bulwark::server
