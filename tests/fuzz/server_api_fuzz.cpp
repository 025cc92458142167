// Fuzz target: arbitrary requests through the server's whole pipeline — the
// router, every handler, and the store on a real SQLite file — as an admin,
// so that every endpoint's parameter and body checks run. The input's first
// line is "METHOD PATH?QUERY"; the rest is the body. Whatever comes in, the
// answer is a 2xx/3xx/4xx with a JSON body (CSV for the export), never a 500
// (an unexpected error) and never a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "core/json.hpp"
#include "server/router.hpp"
#include "server/services.hpp"
#include "server/store/store.hpp"

namespace {

using namespace bulwark;
using namespace bulwark::server;

struct World {
  std::unique_ptr<store::Store> db;
  Services svc;
  Router router = make_api_router();
  World() {
    auto dir = std::filesystem::temp_directory_path() / ("bulwark-fuzz-server-" + std::to_string(getpid()));
    std::filesystem::remove_all(dir);
    auto opened = store::Store::open((dir / "board.db").string());
    if (!opened) __builtin_trap();
    db = std::move(*opened);
    svc.store = db.get();
    svc.store_kind = "sqlite";
    // Something to find: one small report.
    (void)db->ingest(
        R"({"schema_version":1,"created_at":"2026-01-01T00:00:00Z","target":{"kind":"image","reference":"r/app:1"},)"
        R"("findings":[{"kind":"vulnerability","id":"CVE-2024-0001","severity":"HIGH","package_name":"zlib",)"
        R"("package_version":"1.2","fingerprint":"f1","remediation":{"fixed_versions":["1.3"]}}]})",
        store::Actor{"fuzz", ""});
  }
};

std::string percent_decode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += s[i] == '+' ? ' ' : s[i];
    }
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256 * 1024) return 0;
  static World world;
  std::string text(reinterpret_cast<const char*>(data), size);
  size_t nl = text.find('\n');
  std::string line = text.substr(0, nl);
  Request req;
  size_t sp = line.find(' ');
  if (sp == std::string::npos) return 0;
  req.method = line.substr(0, sp);
  std::string target = line.substr(sp + 1);
  size_t q = target.find('?');
  req.path = target.substr(0, q);
  if (req.path.rfind("/api/v1/", 0) != 0) req.path = "/api/v1/" + req.path;
  if (q != std::string::npos) {
    std::string query = target.substr(q + 1);
    size_t start = 0;
    while (start <= query.size()) {
      size_t amp = query.find('&', start);
      std::string pair = query.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
      size_t eq = pair.find('=');
      req.query.emplace(percent_decode(pair.substr(0, eq)), eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1)));
      if (amp == std::string::npos) break;
      start = amp + 1;
    }
  }
  if (nl != std::string::npos) req.body = text.substr(nl + 1);
  req.client = "127.0.0.1";
  Response res;
  Authenticator admin = [](const Request&) {
    Principal p;
    p.name = "fuzz";
    p.role = Access::kAdmin;
    return std::optional<Principal>(p);
  };
  world.router.handle(req, res, world.svc, admin);
  if (res.status < 200 || res.status >= 600) __builtin_trap();
  if (res.status >= 500 && res.status != 502) __builtin_trap();  // 502: the ticket webhook, unreachable here
  if (res.content_type == "application/json") {
    auto doc = bulwark::parse_json(res.body, "answer");
    if (!doc) __builtin_trap();
  }
  return 0;
}
