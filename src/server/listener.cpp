// The only file that includes cpp-httplib: it turns httplib's requests into the
// module's plain Request/Response, serves the board's files and the API
// through the router, and adds the security headers every answer carries.
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "server/services.hpp"

namespace bulwark::server {

namespace {

void add_security_headers(httplib::Response& res, bool tls) {
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
                 "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  if (tls) res.set_header("Strict-Transport-Security", "max-age=31536000");
}

Request to_request(const httplib::Request& in, bool tls) {
  Request r;
  r.method = in.method;
  r.path = in.path;
  for (const auto& [k, v] : in.params) r.query.emplace(k, v);
  for (const auto& [k, v] : in.headers) r.headers[k] = v;
  r.body = in.body;
  r.client = in.remote_addr;
  r.tls = tls;
  return r;
}

void from_response(const Response& in, httplib::Response& out) {
  out.status = in.status;
  for (const auto& [k, v] : in.headers) out.set_header(k, v);
  out.set_content(in.body, in.content_type.c_str());
}

// "HOST:PORT" or "[v6]:PORT".
Result<std::pair<std::string, int>> split_listen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon + 1 == listen.size())
    return Error(ErrorCode::kInvalidArgument, "--listen wants HOST:PORT, got '" + listen + "'");
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  for (char c : listen.substr(colon + 1)) {
    if (c < '0' || c > '9' || port > 65535)
      return Error(ErrorCode::kInvalidArgument, "--listen: bad port in '" + listen + "'");
    port = port * 10 + (c - '0');
  }
  if (port > 65535) return Error(ErrorCode::kInvalidArgument, "--listen: bad port in '" + listen + "'");
  if (host.empty()) host = "0.0.0.0";
  return std::make_pair(host, port);
}

}  // namespace

Status serve(Services& svc, const Router& router, const Authenticator& auth, const CancelToken& stop,
             const std::function<void(const std::string& url)>& on_listening) {
  const ServerOptions& opt = svc.options;
  auto where = split_listen(opt.listen);
  if (!where) return where.error();
  bool tls = !opt.tls_cert.empty() || !opt.tls_key.empty();
  std::unique_ptr<httplib::Server> http;
  if (tls) {
    if (opt.tls_cert.empty() || opt.tls_key.empty())
      return Error(ErrorCode::kInvalidArgument, "TLS needs both --tls-cert and --tls-key");
    auto ssl = std::make_unique<httplib::SSLServer>(opt.tls_cert.c_str(), opt.tls_key.c_str());
    if (!ssl->is_valid())
      return Error(ErrorCode::kInvalidArgument, "cannot load the TLS certificate or key", opt.tls_cert + ", " + opt.tls_key);
    http = std::move(ssl);
  } else {
    http = std::make_unique<httplib::Server>();
  }
  int threads = opt.threads > 0 ? opt.threads : 8;
  http->new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  http->set_payload_max_length(opt.max_upload_bytes);
  http->set_read_timeout(30, 0);
  http->set_write_timeout(30, 0);
  http->set_keep_alive_max_count(1000);

  auto api = [&, tls](const httplib::Request& in, httplib::Response& out) {
    Request req = to_request(in, tls);
    Response res;
    if (req.path.rfind("/api/", 0) == 0 || req.path == "/api") {
      router.handle(req, res, svc, auth);
      out.set_header("Cache-Control", "no-store");
    } else if (!serve_static(req, res)) {
      res.status = 404;
      res.content_type = "text/plain";
      res.body = "not found\n";
    }
    from_response(res, out);
    add_security_headers(out, tls);
    svc.log_request(req, res);
  };
  http->Get(".*", api);
  http->Post(".*", api);
  http->Put(".*", api);
  http->Patch(".*", api);
  http->Delete(".*", api);
  // What httplib answers by itself (413 for a body over the limit, 400 for a
  // malformed request) gets the API's JSON error shape too.
  http->set_error_handler([&](const httplib::Request& in, httplib::Response& out) {
    if (!out.body.empty()) return;
    std::string code = out.status == 413 ? "payload_too_large" : out.status == 404 ? "not_found" : "bad_request";
    std::string msg = out.status == 413
                          ? "the request body is larger than the server's limit of " +
                                std::to_string(opt.max_upload_bytes) + " bytes"
                          : "malformed request for " + in.path;
    out.set_content(error_body(code, msg), "application/json");
    add_security_headers(out, tls);
  });

  int port = where->second;
  if (port == 0) {
    port = http->bind_to_any_port(where->first);
    if (port < 0) return Error(ErrorCode::kIo, "cannot listen on " + opt.listen);
  } else if (!http->bind_to_port(where->first, port)) {
    return Error(ErrorCode::kIo, "cannot listen on " + opt.listen + " (address in use or not allowed)");
  }
  std::string host = where->first.find(':') != std::string::npos ? "[" + where->first + "]" : where->first;
  if (host == "0.0.0.0") host = "127.0.0.1";
  std::string url = std::string(tls ? "https://" : "http://") + host + ":" + std::to_string(port);

  std::atomic<bool> serving{true};
  std::thread worker([&] {
    http->listen_after_bind();
    serving = false;  // the accept loop ended on its own (socket error)
  });
  on_listening(url);
  while (!stop.stopped() && serving) {
    svc.tick();
    for (int i = 0; i < 10 && !stop.stopped(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  bool failed = !serving && !stop.stopped();
  http->stop();
  worker.join();
  if (failed) return Error(ErrorCode::kIo, "the listener on " + url + " stopped accepting connections");
  return {};
}

}  // namespace bulwark::server
