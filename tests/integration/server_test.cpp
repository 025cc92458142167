// `bulwark server` as users meet it: the real binary on a real SQLite file
// and on a real PostgreSQL started here, driven over HTTP — uploads and their
// idempotency, findings across scans, filters, triage, exports, the overview,
// bad input, permissions on every endpoint, sessions and CSRF, login rate
// limiting, TLS, the upload client, and two servers on one PostgreSQL.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "core/json.hpp"
#include "integration/harness.hpp"
#include "testing/postgres.hpp"

namespace bulwark::integration {
namespace {

// ------------------------------------------------------------ report builders --

Finding vuln(const std::string& id, const std::string& pkg, const std::string& version, Severity sev,
             std::vector<std::string> fixed = {}, const std::string& layer = "sha256:l1") {
  Finding f;
  f.kind = FindingKind::kVulnerability;
  f.id = id;
  f.title = id + " in " + pkg;
  f.severity = sev;
  f.package_name = pkg;
  f.package_version = version;
  f.package_ecosystem = "deb";
  f.package_purl = "pkg:deb/debian/" + pkg + "@" + version + "?distro=debian-12";
  f.location.layer = layer;
  f.location.path = "var/lib/dpkg/status";
  f.remediation.fixed_versions = std::move(fixed);
  f.remediation.fix_state = f.remediation.fixed_versions.empty() ? "not_fixed" : "fixed";
  return f;
}

Package deb(const std::string& name, const std::string& version, const std::string& layer = "sha256:l1") {
  Package p;
  p.ecosystem = "deb";
  p.name = name;
  p.version = version;
  p.location.layer = layer;
  p.location.path = "var/lib/dpkg/status";
  return p;
}

// An image scan of registry.example/shop/web with the findings given.
Report image_report(const std::string& digest, std::vector<Finding> findings, const std::string& created_at) {
  Report r;
  r.created_at = created_at;
  r.tool.version = "test";
  r.tool.components["scanner:vuln"] = "on";
  r.target.kind = TargetKind::kImage;
  r.target.reference = "registry.example/shop/web:1.4";
  r.target.digest = digest;
  r.target.artifact.name = r.target.reference;
  r.target.artifact.manifest_digest = digest;
  r.target.artifact.repo_tags = {"registry.example/shop/web:1.4"};
  r.target.artifact.repo_digests = {"registry.example/shop/web@" + digest};
  r.target.artifact.layers = {Layer{"sha256:b1", "sha256:l1", "application/vnd.oci.image.layer.v1.tar+gzip", 1000,
                                    "ADD rootfs.tar /"},
                              Layer{"sha256:b2", "sha256:l2", "application/vnd.oci.image.layer.v1.tar+gzip", 500,
                                    "RUN npm ci"}};
  OsInfo os;
  os.family = "debian";
  os.version = "12.5";
  os.codename = "bookworm";
  r.inventory.os = os;
  r.inventory.packages = {deb("openssl", "3.0.11-1~deb12u2"), deb("xz-utils", "5.4.1-0.2"), deb("libwebp7", "1.2.4-0.2"),
                          deb("curl", "7.88.1-10+deb12u4")};
  assign_package_ids(r.inventory);
  for (auto& f : findings) f.fingerprint = fingerprint(f, r.target);
  r.findings = std::move(findings);
  return r;
}

std::vector<Finding> base_findings() {
  auto webp = vuln("CVE-2023-4863", "libwebp7", "1.2.4-0.2", Severity::kHigh, {"1.2.4-0.2+deb12u1"});
  webp.known_exploited = true;
  webp.known_exploited_since = "2023-09-13";
  webp.epss_score = 0.94;
  webp.scores.push_back({"nvd", "cvss_v31", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 8.8});
  auto ssl = vuln("CVE-2024-5535", "openssl", "3.0.11-1~deb12u2", Severity::kMedium, {"3.0.14-1~deb12u1"});
  auto curl = vuln("CVE-2023-38545", "curl", "7.88.1-10+deb12u4", Severity::kCritical, {"7.88.1-10+deb12u5"});
  curl.scores.push_back({"nvd", "cvss_v31", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8});
  auto xz = vuln("CVE-2025-31115", "xz-utils", "5.4.1-0.2", Severity::kLow);
  return {webp, ssl, curl, xz};
}

std::string to_text(const Report& r) {
  json j;
  to_json(j, r);
  return j.dump();
}

// -------------------------------------------------------------- the fixture --

enum class Backend { kSqlite, kPostgres };

struct Client {
  std::string base;
  std::string token;
  HttpAnswer call(const std::string& method, const std::string& path, const std::string& body = {}) const {
    std::vector<std::string> h;
    if (!token.empty()) h.push_back("Authorization: Bearer " + token);
    return http(method, base + path, body, h);
  }
  json get(const std::string& path) const { return call("GET", path).json_body(); }
};

class ServerApi : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (auto& c : name)
      if (c == '/') c = '-';
    dir_ = fs::temp_directory_path() / ("bulwark-server-test-" + std::to_string(getpid()) + "-" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    std::vector<std::string> args;
    if (GetParam() == Backend::kPostgres) {
      pg_ = std::make_unique<testing::PostgresService>(dir_ / "pg");
      std::string why;
      if (testing::PostgresService::bin_dir().empty()) GTEST_SKIP() << "PostgreSQL is not installed";
      ASSERT_TRUE(pg_->start(&why)) << why;
      ASSERT_TRUE(pg_->create_database("board", &why)) << why;
      args = {"--db", pg_->url("board")};
    }
    args.insert(args.end(), extra_args_.begin(), extra_args_.end());
    server_ = std::make_unique<ServerProcess>(dir_ / "server", args);
    std::string why;
    ASSERT_TRUE(server_->start(&why)) << why;
    admin_ = login("admin", server_->admin_password());
    for (const char* role : {"viewer", "operator", "admin"}) {
      auto r = session_call("POST", "/api/v1/tokens", json{{"name", std::string("ci-") + role}, {"role", role}}.dump());
      ASSERT_EQ(r.status, 201) << r.body;
      tokens_[role] = r.json_body()["token"].get<std::string>();
    }
  }
  void TearDown() override {
    server_.reset();
    pg_.reset();
    if (!HasFailure()) fs::remove_all(dir_);
  }

  struct Session {
    std::string cookie, csrf;
  };
  Session login(const std::string& user, const std::string& password) {
    auto r = http("POST", server_->url() + "/api/v1/auth/login", json{{"username", user}, {"password", password}}.dump());
    EXPECT_EQ(r.status, 200) << r.body;
    Session s;
    std::string set_cookie = r.headers["set-cookie"];
    s.cookie = set_cookie.substr(0, set_cookie.find(';'));
    s.csrf = r.json_body().value("csrf_token", "");
    return s;
  }
  HttpAnswer session_call(const std::string& method, const std::string& path, const std::string& body = {},
                          bool with_csrf = true) {
    std::vector<std::string> h = {"Cookie: " + admin_.cookie};
    if (with_csrf) h.push_back("X-CSRF-Token: " + admin_.csrf);
    return http(method, server_->url() + path, body, h);
  }
  Client as(const std::string& role) const { return Client{server_->url(), tokens_.at(role)}; }
  Client anonymous() const { return Client{server_->url(), ""}; }

  fs::path dir_;
  std::vector<std::string> extra_args_;
  std::unique_ptr<testing::PostgresService> pg_;
  std::unique_ptr<ServerProcess> server_;
  Session admin_;
  std::map<std::string, std::string> tokens_;
};

json find_by_rule(const json& list, const std::string& rule) {
  for (const auto& f : list["items"])
    if (f["rule_id"] == rule) return f;
  return json();
}

TEST_P(ServerApi, UploadsAreIdempotentAndFindingsHaveAHistoryAcrossScans) {
  Client op = as("operator");
  std::string first = to_text(image_report("sha256:aaa1", base_findings(), "2026-11-01T10:00:00Z"));
  auto r1 = op.call("POST", "/api/v1/reports", first);
  ASSERT_EQ(r1.status, 201) << r1.body;
  EXPECT_TRUE(r1.json_body()["created"].get<bool>());
  auto again = op.call("POST", "/api/v1/reports", first);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_FALSE(again.json_body()["created"].get<bool>());
  EXPECT_EQ(again.json_body()["scan_id"], r1.json_body()["scan_id"]);
  EXPECT_EQ(op.get("/api/v1/scans")["total"], 1);

  // A new digest of the same repository without the curl finding: it is fixed.
  auto second = base_findings();
  second.erase(second.begin() + 2);
  ASSERT_EQ(op.call("POST", "/api/v1/reports", to_text(image_report("sha256:aaa2", second, "2026-11-02T10:00:00Z"))).status, 201);
  json open = op.get("/api/v1/findings?limit=100");
  EXPECT_EQ(open["total"], 3);
  EXPECT_TRUE(find_by_rule(open, "CVE-2023-38545").is_null());
  json fixed = op.get("/api/v1/findings?state=fixed");
  ASSERT_EQ(fixed["total"], 1) << fixed.dump();
  json curl = fixed["items"][0];
  EXPECT_EQ(curl["rule_id"], "CVE-2023-38545");
  EXPECT_FALSE(curl["fixed_at"].is_null());

  // It comes back in a third scan: re-opened as new, with a history entry.
  ASSERT_EQ(op.call("POST", "/api/v1/reports", to_text(image_report("sha256:aaa3", base_findings(), "2026-11-03T10:00:00Z"))).status, 201);
  json back = find_by_rule(op.get("/api/v1/findings?limit=100"), "CVE-2023-38545");
  ASSERT_FALSE(back.is_null());
  EXPECT_EQ(back["state"], "new");
  json detail = op.get("/api/v1/findings/" + std::to_string(back["id"].get<int64_t>()));
  std::string history = detail["history"].dump();
  EXPECT_NE(history.find("reappeared"), std::string::npos) << history;
  EXPECT_EQ(detail["id"], curl["id"]);  // the same finding, not a new row

  // One artifact with the three digests.
  json artifacts = op.get("/api/v1/artifacts?kind=image");
  ASSERT_EQ(artifacts["total"], 1) << artifacts.dump();
  json art = op.get("/api/v1/artifacts/" + std::to_string(artifacts["items"][0]["id"].get<int64_t>()));
  EXPECT_EQ(art["artifact"]["digest"], "sha256:aaa3");
  EXPECT_EQ(art["artifact"]["digests"].size(), 3u);
  EXPECT_EQ(art["layers"].size(), 2u);
}

TEST_P(ServerApi, FiltersSortingAndBadFilters) {
  Client v = as("viewer");
  ASSERT_EQ(as("operator").call("POST", "/api/v1/reports", to_text(image_report("sha256:bbb1", base_findings(), "2026-11-01T10:00:00Z"))).status, 201);
  EXPECT_EQ(v.get("/api/v1/findings?severity=CRITICAL,HIGH")["total"], 2);
  EXPECT_EQ(v.get("/api/v1/findings?severity=critical")["total"], 1);
  json kev = v.get("/api/v1/findings?kev=true");
  ASSERT_EQ(kev["total"], 1);
  EXPECT_EQ(kev["items"][0]["rule_id"], "CVE-2023-4863");
  EXPECT_EQ(v.get("/api/v1/findings?fixable=true")["total"], 3);
  EXPECT_EQ(v.get("/api/v1/findings?q=openssl")["total"], 1);
  json by_priority = v.get("/api/v1/findings?sort=priority&order=desc");
  ASSERT_EQ(by_priority["items"].size(), 4u);
  for (size_t i = 1; i < by_priority["items"].size(); ++i)
    EXPECT_GE(by_priority["items"][i - 1]["priority"]["score"].get<int>(), by_priority["items"][i]["priority"]["score"].get<int>());
  // The known-exploited network CVE with a fix ranks first, the unfixed low last.
  EXPECT_EQ(by_priority["items"][0]["rule_id"], "CVE-2023-4863");
  EXPECT_EQ(by_priority["items"][3]["rule_id"], "CVE-2025-31115");
  // Pages: two by two, no overlap.
  json p1 = v.get("/api/v1/findings?limit=2");
  ASSERT_FALSE(p1["next_cursor"].is_null());
  json p2 = v.get("/api/v1/findings?limit=2&cursor=" + p1["next_cursor"].get<std::string>());
  ASSERT_EQ(p2["items"].size(), 2u);
  EXPECT_NE(p1["items"][0]["id"], p2["items"][0]["id"]);
  EXPECT_NE(p1["items"][1]["id"], p2["items"][1]["id"]);
  for (const char* bad : {"/api/v1/findings?severity=SEVERE", "/api/v1/findings?state=done", "/api/v1/findings?limit=0",
                          "/api/v1/findings?kev=maybe", "/api/v1/findings?sort=name", "/api/v1/findings?colour=red"}) {
    auto r = v.call("GET", bad);
    EXPECT_EQ(r.status, 400) << bad << " " << r.body;
    EXPECT_EQ(r.json_body()["error"]["code"], "bad_request") << bad;
  }
}

TEST_P(ServerApi, TriageExceptionsExportsAndTheAuditTrail) {
  Client op = as("operator");
  ASSERT_EQ(op.call("POST", "/api/v1/reports", to_text(image_report("sha256:ccc1", base_findings(), "2026-11-01T10:00:00Z"))).status, 201);
  json list = op.get("/api/v1/findings?limit=100");
  int64_t webp = find_by_rule(list, "CVE-2023-4863")["id"].get<int64_t>();
  int64_t ssl = find_by_rule(list, "CVE-2024-5535")["id"].get<int64_t>();
  int64_t xz = find_by_rule(list, "CVE-2025-31115")["id"].get<int64_t>();
  std::string p = "/api/v1/findings/";

  auto r = op.call("PATCH", p + std::to_string(webp), R"({"state":"in_progress","assignee":"dana","comment":"patching"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json_body()["state"], "in_progress");
  EXPECT_EQ(r.json_body()["assignee"], "dana");
  EXPECT_FALSE(r.json_body()["due_date"].get<std::string>().empty());

  // Accepted risk: needs a reason and an end; ends in the past are refused.
  EXPECT_EQ(op.call("PATCH", p + std::to_string(ssl), R"({"state":"accepted_risk"})").status, 400);
  EXPECT_EQ(op.call("PATCH", p + std::to_string(ssl), R"({"state":"accepted_risk","exception":{"reason":"x","until":"2001-01-01"}})").status, 400);
  r = op.call("PATCH", p + std::to_string(ssl), R"({"state":"accepted_risk","exception":{"reason":"not reachable","until":"2099-12-31","until_fix":true}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json_body()["exception"]["until"], "2099-12-31");

  // False positive: needs an OpenVEX justification; then it is in the VEX export.
  EXPECT_EQ(op.call("PATCH", p + std::to_string(xz), R"({"state":"false_positive"})").status, 400);
  ASSERT_EQ(op.call("PATCH", p + std::to_string(xz), R"({"state":"false_positive","justification":"vulnerable_code_not_in_execute_path"})").status, 200);
  json vex = op.get("/api/v1/vex");
  ASSERT_EQ(vex["statements"].size(), 1u) << vex.dump();
  EXPECT_EQ(vex["statements"][0]["status"], "not_affected");
  EXPECT_EQ(vex["statements"][0]["justification"], "vulnerable_code_not_in_execute_path");
  EXPECT_NE(vex.dump().find("CVE-2025-31115"), std::string::npos);

  // Bulk: all or nothing.
  auto bad = op.call("POST", "/api/v1/findings/bulk", json{{"ids", {webp, 999999}}, {"change", {{"state", "triaged"}}}}.dump());
  EXPECT_GE(bad.status, 400);
  EXPECT_EQ(op.get(p + std::to_string(webp))["state"], "in_progress");
  auto ok = op.call("POST", "/api/v1/findings/bulk", json{{"ids", {webp, ssl}}, {"change", {{"assignee", "lee"}}}}.dump());
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json_body()["updated"], 2);

  json detail = op.get(p + std::to_string(webp));
  EXPECT_EQ(detail["assignee"], "lee");
  EXPECT_GE(detail["history"].size(), 3u);
  EXPECT_EQ(detail["comments"].size(), 1u);
  EXPECT_GE(detail["priority"]["factors"].size(), 3u);

  // CSV: a header and one line per open finding (default states).
  auto csv = op.call("GET", "/api/v1/findings/export.csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.headers["content-type"].rfind("text/csv", 0), 0u);
  EXPECT_EQ(csv.body.rfind("id,artifact,kind,rule_id", 0), 0u);
  size_t lines = 0;
  for (char c : csv.body) lines += c == '\n';
  EXPECT_EQ(lines, 1u + op.get("/api/v1/findings")["total"].get<size_t>());

  // The audit log saw the triage (admin only).
  json audit = as("admin").get("/api/v1/audit?limit=500");
  std::string all = audit.dump();
  EXPECT_NE(all.find("triage_bulk"), std::string::npos);
  EXPECT_NE(all.find("token:ci-operator"), std::string::npos);
}

TEST_P(ServerApi, OverviewPatchPlanAndTrends) {
  Client v = as("viewer");
  Report report = image_report("sha256:ddd1", base_findings(), "2026-11-01T10:00:00Z");
  report.inventory.os->eol = "2020-06-30";  // past: the patch card warns
  ASSERT_EQ(as("operator").call("POST", "/api/v1/reports", to_text(report)).status, 201);
  json ov = v.get("/api/v1/overview");
  ASSERT_EQ(ov["stages"].size(), 4u) << ov.dump();
  size_t cards = 0;
  std::map<int, json> by_id;
  for (const auto& s : ov["stages"])
    for (const auto& c : s["practices"]) {
      ++cards;
      by_id[c["id"].get<int>()] = c;
    }
  EXPECT_EQ(cards, 14u);
  EXPECT_EQ(by_id[3]["status"], "critical") << by_id[3].dump();  // a KEV finding is open
  EXPECT_FALSE(by_id[3]["drivers"].empty());
  EXPECT_EQ(by_id[10]["status"], "no_data");
  EXPECT_FALSE(by_id[10]["feed"].get<std::string>().empty());
  EXPECT_NE(by_id[9]["status"], "no_data");
  EXPECT_EQ(by_id[3]["trend"].size(), 1u);
  // From the store's rollups: the fixable count and the end-of-life count.
  auto has_driver = [](const json& card, const std::string& text) {
    for (const auto& d : card["drivers"])
      if (d == text) return true;
    return false;
  };
  EXPECT_TRUE(has_driver(by_id[14], "3 open vulnerabilities have a fix")) << by_id[14].dump();
  EXPECT_TRUE(has_driver(by_id[14], "1 artifact runs an end-of-life OS")) << by_id[14].dump();

  int64_t id = v.get("/api/v1/artifacts")["items"][0]["id"].get<int64_t>();
  json plan = v.get("/api/v1/artifacts/" + std::to_string(id) + "/patch-plan");
  ASSERT_TRUE(plan["packages"].is_array()) << plan.dump();
  bool curl_seen = false;
  for (const auto& p : plan["packages"])
    if (p["name"] == "curl") {
      curl_seen = true;
      EXPECT_EQ(p["upgrade_to"], "7.88.1-10+deb12u5");
    }
  EXPECT_TRUE(curl_seen) << plan.dump();
  EXPECT_EQ(plan["os"]["family"], "debian");

  json trends = v.get("/api/v1/trends?days=7");
  ASSERT_EQ(trends["days"].size(), 7u);
  EXPECT_EQ(v.call("GET", "/api/v1/trends?days=0").status, 400);
}

TEST_P(ServerApi, BadUploadsAreRefusedAndNothingIsStored) {
  Client op = as("operator");
  auto r = op.call("POST", "/api/v1/reports", "{\"schema_version\": 1, \"findings\": [");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.json_body()["error"]["message"].get<std::string>().find("line"), std::string::npos) << r.body;
  r = op.call("POST", "/api/v1/reports", R"({"schema_version": 99})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.json_body()["error"]["code"], "unsupported_report_version") << r.body;
  r = op.call("POST", "/api/v1/reports", R"({"schema_version": 1, "findings": [{"kind": "vulnerability", "severity": 7}]})");
  EXPECT_EQ(r.status, 400) << r.body;
  r = op.call("POST", "/api/v1/reports", "[]");
  EXPECT_EQ(r.status, 400) << r.body;
  // Over the limit (the server was started with the default 64 MiB; send 65).
  std::string big = "{\"schema_version\":1,\"diagnostics\":[\"" + std::string(65u << 20, 'x') + "\"]}";
  r = op.call("POST", "/api/v1/reports", big);
  EXPECT_EQ(r.status, 413) << r.body.substr(0, 200);
  EXPECT_EQ(op.get("/api/v1/scans")["total"], 0);
  EXPECT_EQ(op.get("/api/v1/artifacts")["total"], 0);
}

TEST_P(ServerApi, EveryEndpointRefusesMissingCredentialsAndWeakRoles) {
  json doc = anonymous().get("/api/v1/openapi.json");
  ASSERT_TRUE(doc.contains("paths")) << doc.dump().substr(0, 300);
  int checked = 0;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, op] : item.items()) {
      std::string role = op["x-bulwark-role"].get<std::string>();
      std::string concrete = path;
      for (size_t at = concrete.find('{'); at != std::string::npos; at = concrete.find('{'))
        concrete.replace(at, concrete.find('}', at) - at + 1, "1");
      std::string url = "/api/v1" + concrete;
      std::string m = method;
      for (auto& c : m) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      std::string body = (m == "GET" || m == "DELETE") ? "" : "{}";
      auto anon = anonymous().call(m, url, body);
      if (role == "public") {
        EXPECT_NE(anon.status, 401) << m << " " << url;
        continue;
      }
      EXPECT_EQ(anon.status, 401) << m << " " << url << " " << anon.body;
      Client forger{server_->url(), "bwt_not-a-real-token"};
      auto forged = forger.call(m, url, body);
      EXPECT_EQ(forged.status, 401) << m << " " << url;
      if (role == "operator" || role == "admin") {
        auto weak = as("viewer").call(m, url, body);
        EXPECT_EQ(weak.status, 403) << m << " " << url << " " << weak.body;
      }
      if (role == "admin") {
        auto weak = as("operator").call(m, url, body);
        EXPECT_EQ(weak.status, 403) << m << " " << url << " " << weak.body;
      }
      ++checked;
    }
  }
  EXPECT_GE(checked, 30);
}

TEST_P(ServerApi, SessionsNeedCsrfAndLoginsAreRateLimited) {
  // Cookie without the CSRF header: refused; with it: allowed.
  auto r = session_call("PUT", "/api/v1/settings", R"({"sla_days":{"P1":5}})", false);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.json_body()["error"]["code"], "csrf");
  r = session_call("PUT", "/api/v1/settings", R"({"sla_days":{"P1":5}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json_body()["sla_days"]["P1"], 5);
  auto fresh = http("POST", server_->url() + "/api/v1/auth/login",
                    json{{"username", "admin"}, {"password", server_->admin_password()}}.dump());
  ASSERT_EQ(fresh.status, 200);
  EXPECT_NE(fresh.headers["set-cookie"].find("HttpOnly"), std::string::npos);
  EXPECT_NE(fresh.headers["set-cookie"].find("SameSite=Strict"), std::string::npos);
  EXPECT_EQ(fresh.headers["set-cookie"].find("Secure"), std::string::npos);  // plain HTTP here

  // Five wrong passwords, then even the right one waits.
  for (int i = 0; i < 5; ++i) {
    auto bad = http("POST", server_->url() + "/api/v1/auth/login", R"({"username":"admin","password":"wrong password!"})");
    ASSERT_EQ(bad.status, 401) << i << " " << bad.body;
  }
  auto limited = http("POST", server_->url() + "/api/v1/auth/login",
                      json{{"username", "admin"}, {"password", server_->admin_password()}}.dump());
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_FALSE(limited.headers["retry-after"].empty());

  // Logging out ends the session.
  ASSERT_EQ(session_call("POST", "/api/v1/auth/logout").status, 200);
  EXPECT_EQ(session_call("GET", "/api/v1/auth/me").status, 401);
}

TEST_P(ServerApi, UsersTokensAndTheUploadClient) {
  Client admin = as("admin");
  auto r = admin.call("POST", "/api/v1/users", R"({"name":"dana","password":"short","role":"operator"})");
  EXPECT_EQ(r.status, 400);
  r = admin.call("POST", "/api/v1/users", R"({"name":"dana","password":"a long enough password","role":"operator"})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(admin.call("POST", "/api/v1/users", R"({"name":"dana","password":"a long enough password","role":"viewer"})").status, 409);
  EXPECT_EQ(login("dana", "a long enough password").csrf.empty(), false);
  json users = admin.get("/api/v1/users");
  EXPECT_EQ(users["items"].size(), 2u);
  EXPECT_EQ(users.dump().find("argon2"), std::string::npos);  // hashes never leave the server

  // A revoked token stops working.
  r = admin.call("POST", "/api/v1/tokens", R"({"name":"temp","role":"viewer"})");
  ASSERT_EQ(r.status, 201);
  std::string temp = r.json_body()["token"];
  std::string temp_id = r.json_body()["id"];
  Client temp_client{server_->url(), temp};
  EXPECT_EQ(temp_client.call("GET", "/api/v1/findings").status, 200);
  ASSERT_EQ(admin.call("DELETE", "/api/v1/tokens/" + temp_id).status, 200);
  EXPECT_EQ(temp_client.call("GET", "/api/v1/findings").status, 401);

  // `bulwark report upload` and its idempotency.
  fs::path file = dir_ / "scan.json";
  testing::write_file(file, to_text(image_report("sha256:eee1", base_findings(), "2026-11-01T10:00:00Z")));
  auto up = bulwark({"report", "upload", file.string(), "--server", server_->url(), "--token", tokens_["operator"]});
  EXPECT_EQ(up.exit_code, 0) << up.err;
  EXPECT_NE(up.err.find("uploaded"), std::string::npos) << up.err;
  up = bulwark({"report", "upload", file.string(), "--server", server_->url(), "--token", tokens_["operator"]});
  EXPECT_EQ(up.exit_code, 0) << up.err;
  EXPECT_NE(up.err.find("already on the server"), std::string::npos) << up.err;
  up = bulwark({"report", "upload", file.string(), "--server", server_->url(), "--token", tokens_["viewer"]});
  EXPECT_NE(up.exit_code, 0);
  EXPECT_NE(up.err.find("refused"), std::string::npos) << up.err;
  EXPECT_EQ(admin.get("/api/v1/scans")["total"], 1);

  // Any scan command uploads when it finishes: a configuration scan of the
  // Kubernetes fixtures lands as a filesystem artifact with misconfigurations.
  auto scan = bulwark({"config", testing::fixture("config/kubernetes").string(), "-f", "json", "-o",
                       (dir_ / "config.json").string(), "--server", server_->url(), "--token", tokens_["operator"]});
  EXPECT_NE(scan.exit_code, 3) << scan.err;
  EXPECT_NE(scan.err.find("uploaded"), std::string::npos) << scan.err;
  EXPECT_EQ(admin.get("/api/v1/scans")["total"], 2);
  json misconfig = admin.get("/api/v1/findings?kind=misconfiguration&limit=500");
  json saved = json::parse(testing::read_file(dir_ / "config.json"));
  EXPECT_GT(misconfig["total"].get<int>(), 0);
  EXPECT_EQ(misconfig["total"].get<size_t>(), saved["findings"].size());
}

TEST_P(ServerApi, TicketsGoToTheConfiguredWebhook) {
  if (!testing::have_tool("python3")) GTEST_SKIP() << "python3 is needed for the webhook receiver";
  int port = free_port();
  fs::path got = dir_ / "webhook.json";
  std::string script =
      "import http.server,sys\n"
      "class H(http.server.BaseHTTPRequestHandler):\n"
      "  def do_POST(self):\n"
      "    n=int(self.headers['Content-Length']); b=self.rfile.read(n)\n"
      "    open(sys.argv[2],'wb').write(b)\n"
      "    self.send_response(201); self.send_header('Content-Type','application/json'); self.end_headers()\n"
      "    self.wfile.write(b'{\"id\":\"10001\",\"key\":\"SEC-42\"}')\n"
      "  def log_message(self,*a): pass\n"
      "http.server.HTTPServer(('127.0.0.1',int(sys.argv[1])),H).serve_forever()\n";
  testing::write_file(dir_ / "hook.py", script);
  Background hook({"python3", (dir_ / "hook.py").string(), std::to_string(port), got.string()}, {}, dir_ / "hook.log");
  ASSERT_TRUE(wait_until([&] { return port_open(port); }, std::chrono::seconds(20)));

  Client op = as("operator");
  ASSERT_EQ(op.call("POST", "/api/v1/reports", to_text(image_report("sha256:fff1", base_findings(), "2026-11-01T10:00:00Z"))).status, 201);
  int64_t id = find_by_rule(op.get("/api/v1/findings"), "CVE-2023-4863")["id"].get<int64_t>();
  EXPECT_EQ(op.call("POST", "/api/v1/findings/" + std::to_string(id) + "/ticket").status, 409);  // none configured
  auto s = as("admin").call("PUT", "/api/v1/settings",
                            json{{"webhook", {{"url", "http://127.0.0.1:" + std::to_string(port) + "/rest/api/2/issue"},
                                              {"format", "jira"}, {"project_key", "SEC"}}}}.dump());
  ASSERT_EQ(s.status, 200) << s.body;
  auto t = op.call("POST", "/api/v1/findings/" + std::to_string(id) + "/ticket");
  ASSERT_EQ(t.status, 200) << t.body;
  EXPECT_EQ(t.json_body()["ticket"], "SEC-42");
  json sent = json::parse(testing::read_file(got));
  EXPECT_EQ(sent["fields"]["project"]["key"], "SEC");
  EXPECT_NE(sent["fields"]["summary"].get<std::string>().find("CVE-2023-4863"), std::string::npos);
  EXPECT_EQ(op.get("/api/v1/findings/" + std::to_string(id))["ticket"], "SEC-42");
}

INSTANTIATE_TEST_SUITE_P(Backends, ServerApi, ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return info.param == Backend::kSqlite ? "Sqlite" : "Postgres"; });

// Two server processes on one PostgreSQL: both migrate at once, one creates
// the first admin, and what one stores the other serves.
TEST(ServerCluster, TwoServersShareOnePostgres) {
  if (testing::PostgresService::bin_dir().empty()) GTEST_SKIP() << "PostgreSQL is not installed";
  fs::path dir = fs::temp_directory_path() / ("bulwark-cluster-" + std::to_string(getpid()));
  fs::remove_all(dir);
  testing::PostgresService pg(dir / "pg");
  std::string why;
  ASSERT_TRUE(pg.start(&why)) << why;
  ASSERT_TRUE(pg.create_database("board", &why)) << why;
  ServerProcess a(dir / "a", {"--db", pg.url("board")});
  ServerProcess b(dir / "b", {"--db", pg.url("board")});
  std::thread start_b([&] { b.start(&why); });
  std::string why_a;
  ASSERT_TRUE(a.start(&why_a)) << why_a;
  start_b.join();
  ASSERT_EQ(http("GET", b.url() + "/api/v1/health").status, 200) << b.log();
  EXPECT_EQ(http("GET", a.url() + "/api/v1/health").json_body()["store"], "postgres");
  // Exactly one of them created (and printed) the first admin.
  std::string logs = a.log() + b.log();
  size_t first = logs.find("First login");
  EXPECT_NE(first, std::string::npos) << logs;
  EXPECT_EQ(logs.find("First login", first + 1), std::string::npos) << logs;

  auto login = http("POST", a.url() + "/api/v1/auth/login",
                    json{{"username", "admin"}, {"password", a.admin_password()}}.dump());
  ASSERT_EQ(login.status, 200) << login.body;
  std::string cookie = login.headers["set-cookie"].substr(0, login.headers["set-cookie"].find(';'));
  std::string csrf = login.json_body()["csrf_token"];
  // The session made on A works on B (sessions live in the store).
  auto tok = http("POST", b.url() + "/api/v1/tokens", R"({"name":"ci","role":"operator"})",
                  {"Cookie: " + cookie, "X-CSRF-Token: " + csrf});
  ASSERT_EQ(tok.status, 201) << tok.body;
  std::string token = tok.json_body()["token"];
  std::string report = to_text(image_report("sha256:abc1", base_findings(), "2026-11-01T10:00:00Z"));
  // The same report to both at once: stored once.
  HttpAnswer ra, rb;
  std::thread ta([&] { ra = http("POST", a.url() + "/api/v1/reports", report, {"Authorization: Bearer " + token}); });
  std::thread tb([&] { rb = http("POST", b.url() + "/api/v1/reports", report, {"Authorization: Bearer " + token}); });
  ta.join();
  tb.join();
  EXPECT_TRUE((ra.status == 201 && rb.status == 200) || (ra.status == 200 && rb.status == 201))
      << ra.status << " " << ra.body << " / " << rb.status << " " << rb.body;
  auto scans = http("GET", b.url() + "/api/v1/scans", "", {"Authorization: Bearer " + token}).json_body();
  EXPECT_EQ(scans["total"], 1);
  auto findings = http("GET", a.url() + "/api/v1/findings", "", {"Authorization: Bearer " + token}).json_body();
  EXPECT_EQ(findings["total"], 4);
  a.stop();
  b.stop();
  pg.stop();
  fs::remove_all(dir);
}

// TLS: HTTPS with the given certificate, and the session cookie is Secure.
TEST(ServerTls, ServesHttpsWithSecureCookies) {
  if (!testing::have_tool("openssl")) GTEST_SKIP() << "openssl is needed to make a test certificate";
  fs::path dir = fs::temp_directory_path() / ("bulwark-tls-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto gen = testing::sh("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=127.0.0.1 -keyout " +
                         (dir / "key.pem").string() + " -out " + (dir / "cert.pem").string() + " 2>&1");
  ASSERT_EQ(gen.exit_code, 0) << gen.out;
  int port = free_port();
  Background server({testing::bulwark_binary(), "server", "--listen", "127.0.0.1:" + std::to_string(port), "--data-dir",
                     (dir / "data").string(), "--admin-password", "first-admin-password-1", "--tls-cert",
                     (dir / "cert.pem").string(), "--tls-key", (dir / "key.pem").string()},
                    {}, dir / "server.log");
  std::string url = "https://127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(wait_until([&] { return http("GET", url + "/api/v1/health").status == 200; }, std::chrono::seconds(30)))
      << testing::read_file(dir / "server.log");
  EXPECT_EQ(http("GET", "http://127.0.0.1:" + std::to_string(port) + "/api/v1/health").status, 0);  // no plain HTTP
  auto login = http("POST", url + "/api/v1/auth/login", R"({"username":"admin","password":"first-admin-password-1"})");
  ASSERT_EQ(login.status, 200) << login.body;
  EXPECT_NE(login.headers["set-cookie"].find("Secure"), std::string::npos) << login.headers["set-cookie"];
  EXPECT_FALSE(login.headers["strict-transport-security"].empty());
  server.stop();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace bulwark::integration
