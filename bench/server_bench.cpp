// The board over HTTP at scale: the real `bulwark server` on the store that
// server_store_bench generates (10,000 images, 5,000,000 findings; SQLite),
// measured from a client as a browser or a CI job meets it.
//
//   latency   p50/p95 over 30 requests each (after 2 warm-ups) of the
//             overview, the finding lists the board asks for (default,
//             HIGH,CRITICAL + new, kev, q=openssl, one artifact, page 5) and
//             trends; the baseline is GET /api/v1/health in the same run (the
//             HTTP round trip and the auth check, no store work).
//             Target: p95 <= 100 ms.
//   uploads   reports/s for JSON reports of 500 findings (new images), one
//             client and two at once, against parsing the same bodies in
//             process (report_from_json) as the baseline.
//
//   server_bench            (run server_store_bench first: it makes the store)
//   BULWARK_SERVER_BENCH_STORE=FILE server_bench
#include <curl/curl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/core.hpp"
#include "core/json.hpp"

namespace fs = std::filesystem;
using namespace bulwark;
using Clock = std::chrono::steady_clock;

namespace {

struct Answer {
  long status = 0;
  std::string body;
};

size_t collect(char* d, size_t s, size_t n, void* u) {
  static_cast<std::string*>(u)->append(d, s * n);
  return s * n;
}

Answer request(const std::string& method, const std::string& url, const std::string& body,
               const std::vector<std::string>& headers) {
  Answer a;
  CURL* h = curl_easy_init();
  curl_slist* list = nullptr;
  for (const auto& x : headers) list = curl_slist_append(list, x.c_str());
  list = curl_slist_append(list, "Content-Type: application/json");
  list = curl_slist_append(list, "Expect:");
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
  if (method != "GET") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &a.body);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &a.status);
  curl_slist_free_all(list);
  curl_easy_cleanup(h);
  return a;
}

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// A report of one new image with `n` vulnerability findings over common packages.
std::string make_report(int image, int n, std::mt19937& rng) {
  json findings = json::array();
  static const char* const kPkgs[] = {"openssl", "libssl3", "zlib1g", "libc6", "bash", "curl", "libxml2", "tar"};
  static const char* const kSev[] = {"CRITICAL", "HIGH", "MEDIUM", "LOW"};
  for (int i = 0; i < n; ++i) {
    std::string pkg = kPkgs[rng() % 8];
    findings.push_back({{"kind", "vulnerability"},
                        {"id", "CVE-2024-" + std::to_string(10000 + static_cast<int>(rng() % 40000))},
                        {"title", "a vulnerability in " + pkg},
                        {"severity", kSev[rng() % 4]},
                        {"package_name", pkg},
                        {"package_version", "1." + std::to_string(i % 50)},
                        {"package_ecosystem", "deb"},
                        {"fingerprint", "bench-" + std::to_string(image) + "-" + std::to_string(i)},
                        {"remediation", {{"fixed_versions", {"2.0"}}}},
                        {"location", {{"path", "var/lib/dpkg/status"}, {"layer", "sha256:l1"}}}});
  }
  json r = {{"schema_version", 1},
            {"created_at", now_rfc3339()},
            {"tool", {{"name", "bulwark"}, {"version", "bench"}, {"components", {{"scanner:vuln", "on"}}}}},
            {"target",
             {{"kind", "image"},
              {"reference", "bench.example/upload/app-" + std::to_string(image) + ":1"},
              {"digest", "sha256:" + sha256_hex(std::to_string(image) + "-" + std::to_string(rng()))}}},
            {"findings", findings}};
  return r.dump();
}

}  // namespace

int main() {
  curl_global_init(CURL_GLOBAL_DEFAULT);
  fs::path cache = BULWARK_BENCH_CACHE_DIR;
  fs::path store = std::getenv("BULWARK_SERVER_BENCH_STORE") ? fs::path(std::getenv("BULWARK_SERVER_BENCH_STORE"))
                                                             : cache / "server-store" / "store-10000x500.db";
  if (!fs::exists(store)) {
    std::fprintf(stderr, "server_bench: no store at %s; run server_store_bench first (it generates it)\n",
                 store.c_str());
    return 1;
  }
  fs::path data = cache / "server-http";
  fs::create_directories(data);
  fs::remove(data / "bulwark.db");
  fs::create_symlink(fs::absolute(store), data / "bulwark.db");
  fs::path log = data / "server.log";
  fs::remove(log);

  const std::string password = "bench-admin-password";
  pid_t pid = fork();
  if (pid == 0) {
    FILE* f = std::freopen(log.c_str(), "w", stdout);
    (void)f;
    dup2(1, 2);
    execl(BULWARK_BINARY, BULWARK_BINARY, "server", "--listen", "127.0.0.1:0", "--data-dir", data.c_str(),
          "--admin-password", password.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  std::string url;
  for (int i = 0; i < 600 && url.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::ifstream in(log);
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("Bulwark board: ", 0) == 0) url = line.substr(15, line.size() - 16);
  }
  auto stop = [&] {
    kill(pid, SIGTERM);
    waitpid(pid, nullptr, 0);
  };
  if (url.empty()) {
    std::fprintf(stderr, "server_bench: the server did not start (see %s)\n", log.c_str());
    stop();
    return 1;
  }
  std::string token;
  {
    // An operator token for the measurements, made with an admin session
    // (libcurl's cookie engine keeps the session cookie).
    CURL* h = curl_easy_init();
    std::string body = json{{"username", "admin"}, {"password", password}}.dump(), out;
    curl_slist* list = curl_slist_append(nullptr, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_COOKIEFILE, "");
    curl_easy_setopt(h, CURLOPT_URL, (url + "/api/v1/auth/login").c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out);
    curl_easy_perform(h);
    std::string session_csrf = json::parse(out, nullptr, false).value("csrf_token", "");
    out.clear();
    list = curl_slist_append(list, ("X-CSRF-Token: " + session_csrf).c_str());
    std::string tbody = R"({"name":"server_bench","role":"operator"})";
    curl_easy_setopt(h, CURLOPT_URL, (url + "/api/v1/tokens").c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, tbody.c_str());
    curl_easy_perform(h);
    token = json::parse(out, nullptr, false).value("token", "");
    curl_slist_free_all(list);
    curl_easy_cleanup(h);
  }
  if (token.empty()) {
    std::fprintf(stderr, "server_bench: could not create a token\n");
    stop();
    return 1;
  }
  std::vector<std::string> auth = {"Authorization: Bearer " + token};

  std::string page5;
  {
    std::string cursor;
    for (int i = 0; i < 4; ++i) {
      auto a = request("GET", url + "/api/v1/findings?limit=50" + (cursor.empty() ? "" : "&cursor=" + cursor), "", auth);
      auto j = json::parse(a.body, nullptr, false);
      if (!j.is_object() || !j["next_cursor"].is_string()) break;
      cursor = j["next_cursor"];
    }
    page5 = "findings?limit=50&cursor=" + cursor;
  }
  const std::vector<std::pair<std::string, std::string>> queries = {
      {"baseline (health)", "health"},
      {"overview", "overview"},
      {"list: default", "findings?limit=50"},
      {"list: HIGH,CRITICAL + new", "findings?severity=HIGH,CRITICAL&state=new&limit=50"},
      {"list: kev=true", "findings?kev=true&limit=50"},
      {"list: q=openssl", "findings?q=openssl&limit=50"},
      {"list: one artifact", "findings?artifact=4242&limit=50"},
      {"list: page 5", page5},
      {"trends (30 days)", "trends?days=30"},
  };
  std::printf("%-28s %9s %9s %9s\n", "request", "p50 ms", "p95 ms", "p95/base");
  double base = 0;
  for (const auto& [name, path] : queries) {
    std::vector<double> t;
    for (int i = 0; i < 32; ++i) {
      auto t0 = Clock::now();
      auto a = request("GET", url + "/api/v1/" + path, "", auth);
      double ms = ms_since(t0);
      if (a.status != 200) {
        std::fprintf(stderr, "%s: HTTP %ld %s\n", path.c_str(), a.status, a.body.substr(0, 200).c_str());
        break;
      }
      if (i >= 2) t.push_back(ms);
    }
    if (t.empty()) continue;
    double p50 = percentile(t, 0.5), p95 = percentile(t, 0.95);
    if (base == 0) base = p50;
    std::printf("%-28s %9.2f %9.2f %9.1f\n", name.c_str(), p50, p95, p95 / base);
  }

  // Uploads: new images, 500 findings each.
  std::mt19937 rng(static_cast<unsigned>(Clock::now().time_since_epoch().count()));
  const int kReports = 24;
  std::vector<std::string> bodies;
  for (int i = 0; i < kReports; ++i) bodies.push_back(make_report(static_cast<int>(rng() % 1000000000), 500, rng));
  auto t0 = Clock::now();
  for (const auto& b : bodies) (void)report_from_json(b, "bench");
  double parse_rate = kReports / (ms_since(t0) / 1000);
  t0 = Clock::now();
  int ok = 0;
  for (int i = 0; i < kReports / 2; ++i) ok += request("POST", url + "/api/v1/reports", bodies[i], auth).status == 201;
  double one = (kReports / 2) / (ms_since(t0) / 1000);
  t0 = Clock::now();
  std::atomic<int> ok2{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 2; ++c)
    clients.emplace_back([&, c] {
      for (int i = kReports / 2 + c; i < kReports; i += 2)
        ok2 += request("POST", url + "/api/v1/reports", bodies[i], auth).status == 201;
    });
  for (auto& th : clients) th.join();
  double two = (kReports / 2) / (ms_since(t0) / 1000);
  std::printf("\nuploads of 500-finding reports into the big store (%d + %d stored):\n", ok, ok2.load());
  std::printf("  baseline: report_from_json in process  %8.1f reports/s\n", parse_rate);
  std::printf("  HTTP, one client                       %8.1f reports/s (ratio %.1f)\n", one, parse_rate / one);
  std::printf("  HTTP, two clients                      %8.1f reports/s (ratio %.1f)\n", two, parse_rate / two);
  stop();
  curl_global_cleanup();
  return 0;
}
