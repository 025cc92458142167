#include "store_testing.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "core/json.hpp"
#include "server/store/sql.hpp"

namespace bulwark::store::testing {

namespace fs = std::filesystem;

ReportBuilder ReportBuilder::image(const std::string& repo_tag, const std::string& digest,
                                   const std::string& created_at) {
  ReportBuilder b;
  b.report.created_at = created_at;
  b.report.tool.version = "0.1.0-test";
  b.report.target.kind = TargetKind::kImage;
  b.report.target.reference = repo_tag;
  b.report.target.digest = digest;
  b.report.target.artifact.name = repo_tag;
  b.report.target.artifact.manifest_digest = digest;
  b.report.target.artifact.repo_tags = {repo_tag};
  size_t colon = repo_tag.rfind(':');
  b.report.target.artifact.repo_digests = {repo_tag.substr(0, colon) + "@" + digest};
  OsInfo os;
  os.family = "debian";
  os.version = "12.5";
  os.eol = "2028-06-30";
  b.report.inventory.os = os;
  return b;
}

ReportBuilder ReportBuilder::host(const std::string& hostname, const std::string& created_at) {
  ReportBuilder b;
  b.report.created_at = created_at;
  b.report.target.kind = TargetKind::kHost;
  b.report.target.reference = "/";
  HostInfo h;
  h.hostname = hostname;
  b.report.inventory.host = h;
  return b;
}

ReportBuilder& ReportBuilder::scanners(const std::vector<std::string>& components) {
  for (const auto& c : components) report.tool.components[c] = "on";
  return *this;
}

ReportBuilder& ReportBuilder::vuln(const std::string& id, Severity s, const std::string& pkg,
                                   const std::string& version, const std::vector<std::string>& fixed,
                                   std::optional<double> epss, bool kev, const std::string& title) {
  Finding f;
  f.kind = FindingKind::kVulnerability;
  f.id = id;
  f.title = title.empty() ? pkg + ": issue " + id : title;
  f.severity = s;
  f.package_name = pkg;
  f.package_version = version;
  f.package_ecosystem = "deb";
  f.remediation.fixed_versions = fixed;
  f.remediation.fix_state = fixed.empty() ? "not_fixed" : "fixed";
  f.epss_score = epss;
  f.known_exploited = kev;
  f.location.path = "var/lib/dpkg/status";
  f.location.package_id = "deb:" + pkg + "@" + version;
  if (!report.target.artifact.layers.empty()) f.location.layer = report.target.artifact.layers.back().diff_id;
  f.fingerprint = fingerprint(f, report.target);
  report.findings.push_back(f);
  return *this;
}

ReportBuilder& ReportBuilder::misconfig(const std::string& id, Severity s, const std::string& path) {
  Finding f;
  f.kind = FindingKind::kMisconfiguration;
  f.id = id;
  f.title = "misconfiguration " + id;
  f.severity = s;
  f.location.path = path;
  f.fingerprint = fingerprint(f, report.target);
  report.findings.push_back(f);
  return *this;
}

ReportBuilder& ReportBuilder::secret(const std::string& id, Severity s, const std::string& path, int line) {
  Finding f;
  f.kind = FindingKind::kSecret;
  f.id = id;
  f.title = "secret " + id;
  f.severity = s;
  f.location.path = path;
  f.location.line = line;
  f.fingerprint = fingerprint(f, report.target);
  report.findings.push_back(f);
  return *this;
}

ReportBuilder& ReportBuilder::layers(int n) {
  for (int i = 0; i < n; ++i) {
    Layer l;
    l.digest = "sha256:" + std::string(63, 'a') + std::to_string(i);
    l.diff_id = "sha256:" + std::string(63, 'd') + std::to_string(i);
    l.size = 1000 * (i + 1);
    l.created_by = "RUN step " + std::to_string(i);
    report.target.artifact.layers.push_back(l);
  }
  return *this;
}

ReportBuilder& ReportBuilder::package(const std::string& name, const std::string& version, const std::string& layer) {
  Package p;
  p.ecosystem = "deb";
  p.name = name;
  p.version = version;
  p.location.layer = layer;
  p.id = make_package_id(p);
  p.purl = "pkg:deb/debian/" + name + "@" + version;
  report.inventory.packages.push_back(p);
  return *this;
}

std::string ReportBuilder::json() const {
  bulwark::json j = report;
  return j.dump();
}

Assessment test_assessor(const Finding& f, const Target&, bool internet_facing, std::string_view) {
  Assessment a;
  a.priority_score = static_cast<int>(f.severity) * 20 + (internet_facing ? 10 : 0) + (f.known_exploited ? 10 : 0);
  a.priority_level = a.priority_score >= 80 ? "P1" : a.priority_score >= 60 ? "P2" : a.priority_score >= 35 ? "P3" : "P4";
  a.priority_factors_json = R"([{"factor":"severity","points":)" + std::to_string(static_cast<int>(f.severity) * 20) +
                            R"(,"detail":"test"}])";
  switch (f.kind) {
    case FindingKind::kVulnerability: a.practice = 3; break;
    case FindingKind::kMisconfiguration: a.practice = 5; break;
    case FindingKind::kSecret: a.practice = 1; break;
    case FindingKind::kCompliance: a.practice = 4; break;
    default: a.practice = 0; break;
  }
  return a;
}

std::vector<std::string> cells_text(const Overview& o) {
  std::vector<std::string> out;
  for (const auto& c : o.cells)
    if (c.count)
      out.push_back(std::to_string(c.practice) + "/" + c.kind + "/" + c.severity + "/" + c.state + "/" +
                    c.priority_level + "=" + std::to_string(c.count));
  std::sort(out.begin(), out.end());
  return out;
}

// ------------------------------------------------------------ PostgreSQL --

namespace {

// A process that exited but was not reaped (no init reaps here) still
// answers kill(pid, 0): read its state.
bool running(pid_t pid) {
  if (::kill(pid, 0) != 0) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  size_t paren = line.rfind(')');
  return paren == std::string::npos || paren + 2 >= line.size() || line[paren + 2] != 'Z';
}

const char* const kPgBin = "/usr/lib/postgresql/15/bin";

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

// Runs a command line as the postgres user when we are root (PostgreSQL
// refuses to run as root), else as ourselves.
bulwark::testing::CommandResult as_postgres(const std::string& cmd) {
  if (::geteuid() == 0) return bulwark::testing::run({"su", "postgres", "-s", "/bin/sh", "-c", cmd});
  return bulwark::testing::sh(cmd);
}

class PgEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { PostgresServer::instance().stop(); }
};
const auto* const kEnv = ::testing::AddGlobalTestEnvironment(new PgEnvironment);

}  // namespace

PostgresServer& PostgresServer::instance() {
  static PostgresServer s;
  return s;
}

bool PostgresServer::available() {
  if (tried_) return started_;
  tried_ = true;
  if (!fs::exists(std::string(kPgBin) + "/initdb")) {
    skip_ = std::string(kPgBin) + " is absent (apt-get install postgresql-15); skipping the PostgreSQL run";
    return false;
  }
  char tmpl[] = "/tmp/bulwark-pg-XXXXXX";
  if (!::mkdtemp(tmpl)) {
    skip_ = "cannot create a temporary directory";
    return false;
  }
  dir_ = tmpl;
  if (::geteuid() == 0) {
    auto r = bulwark::testing::run({"chown", "postgres:postgres", dir_});
    if (r.exit_code != 0) {
      skip_ = "cannot chown the PostgreSQL directory to postgres: " + r.err;
      return false;
    }
  }
  auto init = as_postgres(std::string(kPgBin) + "/initdb -D " + dir_ + "/data -A trust -U postgres --no-sync -E UTF8");
  if (init.exit_code != 0) {
    skip_ = "initdb failed: " + init.err;
    return false;
  }
  for (int attempt = 0; attempt < 3 && !started_; ++attempt) {
    port_ = free_port();
    auto start = as_postgres(std::string(kPgBin) + "/pg_ctl -D " + dir_ + "/data -l " + dir_ +
                             "/log -w -t 30 -o \"-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) +
                             " -c unix_socket_directories=" + dir_ + " -c fsync=off -c max_connections=200\" start");
    started_ = start.exit_code == 0;
    if (!started_) skip_ = "pg_ctl start failed: " + start.out + start.err;
  }
  return started_;
}

std::string PostgresServer::new_database() {
  std::string name = "bw" + std::to_string(::getpid()) + "_" + std::to_string(++next_db_);
  std::string base = "postgresql://postgres@127.0.0.1:" + std::to_string(port_);
  auto c = sql::open_postgres(base + "/postgres");
  if (!c) {
    ADD_FAILURE() << c.error().describe();
    return base + "/postgres";
  }
  auto s = (*c)->exec_script("CREATE DATABASE " + name);  // test-made name, no outside value
  if (!s) ADD_FAILURE() << s.error().describe();
  return base + "/" + name;
}

void PostgresServer::stop() {
  if (!started_) {
    if (!dir_.empty()) fs::remove_all(dir_);
    return;
  }
  std::ifstream pidfile(dir_ + "/data/postmaster.pid");
  pid_t pid = 0;
  pidfile >> pid;
  if (pid > 0) {
    ::kill(pid, SIGINT);  // fast shutdown
    for (int i = 0; i < 200 && running(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (running(pid)) ::kill(pid, SIGKILL);
  }
  started_ = false;
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

}  // namespace bulwark::store::testing
