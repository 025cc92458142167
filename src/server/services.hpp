// Internal to the server module: what every handler can reach — the store,
// the options — and the pieces run_server() assembles. Login failures are
// counted in the store, so that every server of a shared PostgreSQL sees them.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "server/auth.hpp"
#include "server/http.hpp"
#include "server/router.hpp"
#include "server/server.hpp"

namespace bulwark::store {
class Store;
}

namespace bulwark::server {

struct Services {
  ServerOptions options;
  store::Store* store = nullptr;
  std::string store_kind;  // "sqlite" or "postgres"
  bool debug_log = false;

  // Today's date (UTC, YYYY-MM-DD): exception expiry, SLA due dates, ages.
  std::string today() const;
  // Called about once a second by the listener's loop: once an hour it ends
  // expired exceptions and sessions; once a day it re-assesses the open
  // findings (their age changes their priority), a slice per call.
  void tick();
  void log_request(const Request& req, const Response& res) const;

 private:
  void reassess_daily();
  std::chrono::steady_clock::time_point last_housekeeping_{};
  std::string reassessed_on_;  // the day the last complete pass ran
  int64_t reassessed_ = 0;     // findings re-assessed in the current pass
  std::chrono::steady_clock::time_point reassess_failed_at_{};
};

// Checks the bearer token or the session cookie against the store.
Authenticator make_authenticator(Services& svc);

// The board's files (embedded in the binary) for GET requests outside /api;
// false when there is no such file.
bool serve_static(const Request& req, Response& res);

// Listens until `stop`; calls on_listening with the base URL once bound.
Status serve(Services& svc, const Router& router, const Authenticator& auth, const CancelToken& stop,
             const std::function<void(const std::string& url)>& on_listening);

}  // namespace bulwark::server
