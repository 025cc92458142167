// The server module: `bulwark server` — the REST API under /api/v1, the board's
// static files, authentication and roles — and the client side that scanners
// use to upload their reports to it.
//
// Pieces (one file each, see docs/server/): the router (routes as a table with
// the role each needs, which the OpenAPI document and the permission tests are
// checked against), auth (Argon2 passwords, hashed API tokens, sessions with
// CSRF tokens, login rate limiting), the HTTP listener (cpp-httplib, optional
// TLS), and one file of handlers per resource. Data lives in the store
// (server/store), priorities and patch plans come from enrich.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"

namespace bulwark::server {

struct ServerOptions {
  std::string listen = "127.0.0.1:8080";  // HOST:PORT; port 0 picks a free one
  std::string data_dir;                   // SQLite file, generated secrets; created if missing
  std::string db_url;                     // postgres://…; empty = SQLite in data_dir
  std::string tls_cert;                   // PEM files; both set = HTTPS
  std::string tls_key;
  uint64_t max_upload_bytes = 64ull << 20;
  int threads = 8;                        // request worker threads
  // First start (no user yet): the admin's password. Empty = generate one and
  // report it through on_ready.
  std::string admin_password;
  std::vector<std::string> load_reports;  // JSON reports ingested at start (demo data)
};

struct ReadyInfo {
  std::string url;             // "http://127.0.0.1:8080"
  std::string store;           // "sqlite:/path/bulwark.db" or "postgres://host/db"
  std::string admin_user;      // set only when this start created the first user
  std::string admin_password;  // idem
};

// Runs the server until `stop` is cancelled. `on_ready` is called once the
// socket listens. Errors: the store cannot be opened or migrated, the address
// is taken, TLS files unreadable.
Status run_server(const ServerOptions& options, const CancelToken& stop,
                  const std::function<void(const ReadyInfo&)>& on_ready);

// ------------------------------------------------------------------ client --

struct UploadResult {
  int http_status = 0;
  int64_t scan_id = 0;
  int64_t artifact_id = 0;
  bool created = false;  // false: the server already had this report
};

// POSTs a JSON report to SERVER/api/v1/reports with a bearer token. Errors
// carry the server's message (401 kAuth, 4xx kInvalidArgument, network kNetwork).
Result<UploadResult> upload_report(const std::string& server_url, const std::string& token,
                                   std::string_view report_json, bool insecure_tls = false);

}  // namespace bulwark::server
