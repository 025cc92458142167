#include "store_testing.hpp"

#include <unistd.h>

#include <algorithm>

#include "core/date.hpp"
#include "core/json.hpp"

namespace bulwark::store::testing {

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

ReportBuilder& ReportBuilder::located(FindingKind kind, const std::string& id, Severity s, const std::string& path,
                                      int line) {
  Finding f;
  f.kind = kind;
  f.id = id;
  f.title = std::string(to_string(kind)) + " " + id;
  f.severity = s;
  f.location.path = path;
  f.location.line = line;
  f.fingerprint = fingerprint(f, report.target);
  report.findings.push_back(f);
  return *this;
}

ReportBuilder& ReportBuilder::misconfig(const std::string& id, Severity s, const std::string& path) {
  return located(FindingKind::kMisconfiguration, id, s, path, 0);
}

ReportBuilder& ReportBuilder::secret(const std::string& id, Severity s, const std::string& path, int line) {
  return located(FindingKind::kSecret, id, s, path, line);
}

ReportBuilder& ReportBuilder::published(const std::string& date) {
  report.findings.back().published = date;
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

Assessment test_assessor(const Finding& f, const Target&, bool internet_facing, std::string_view today) {
  auto day = [](std::string_view d) {
    auto number = [&](size_t at, size_t n) { return std::stoi(std::string(d.substr(at, n))); };
    return days_from_civil(number(0, 4), static_cast<unsigned>(number(5, 2)), static_cast<unsigned>(number(8, 2)));
  };
  const bool old = f.published.size() >= 10 && today.size() >= 10 && day(today) - day(f.published) >= 30;
  Assessment a;
  a.priority_score = static_cast<int>(f.severity) * 20 + (internet_facing ? 10 : 0) + (f.known_exploited ? 10 : 0) +
                     (old ? 20 : 0);
  a.priority_level = a.priority_score >= 80 ? "P1" : a.priority_score >= 60 ? "P2" : a.priority_score >= 35 ? "P3" : "P4";
  a.priority_factors_json = R"([{"factor":"severity","points":)" + std::to_string(static_cast<int>(f.severity) * 20) +
                            R"(,"detail":"test"})" + (old ? R"(,{"factor":"age","points":20})" : "") + "]";
  switch (f.kind) {
    case FindingKind::kVulnerability: a.practice = 3; break;
    case FindingKind::kMisconfiguration: a.practice = 5; break;
    case FindingKind::kSecret: a.practice = 1; break;
    case FindingKind::kCompliance: a.practice = 4; break;
    default: a.practice = 0; break;
  }
  return a;
}

std::vector<std::string> history_text(const FindingDetail& d) {
  std::vector<std::string> out;
  for (const auto& h : d.history)
    out.push_back(h.field + ": " + h.old_value + " -> " + h.new_value + (h.note.empty() ? "" : " (" + h.note + ")"));
  return out;
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

void expect_same_overview(const Overview& rollup, const Overview& recount, const std::string& context) {
  auto text = [](const std::map<int, SeverityCounts>& m) {
    std::vector<std::string> v;
    for (auto& [p, c] : m)
      if (c.critical || c.high || c.medium || c.low || c.unknown)
        v.push_back(std::to_string(p) + ":" + std::to_string(c.critical) + "," + std::to_string(c.high) + "," +
                    std::to_string(c.medium) + "," + std::to_string(c.low) + "," + std::to_string(c.unknown));
    return v;
  };
  EXPECT_EQ(cells_text(rollup), cells_text(recount)) << context;
  EXPECT_EQ(text(rollup.overdue_by_practice), text(recount.overdue_by_practice)) << context;
  EXPECT_EQ(text(rollup.artifacts_by_practice), text(recount.artifacts_by_practice)) << context;
  EXPECT_EQ(rollup.artifacts_by_kind, recount.artifacts_by_kind) << context;
  EXPECT_EQ(rollup.scans_by_target_kind, recount.scans_by_target_kind) << context;
  EXPECT_EQ(rollup.last_scan_at, recount.last_scan_at) << context;
  EXPECT_EQ(rollup.open_kev, recount.open_kev) << context;
  EXPECT_EQ(rollup.open_fixable, recount.open_fixable) << context;
  EXPECT_EQ(rollup.eol_artifacts, recount.eol_artifacts) << context;
}

SeverityCounts count_severities(const std::vector<FindingRow>& rows) {
  SeverityCounts c;
  for (const auto& row : rows) {
    if (row.severity == "CRITICAL") ++c.critical;
    else if (row.severity == "HIGH") ++c.high;
    else if (row.severity == "MEDIUM") ++c.medium;
    else if (row.severity == "LOW") ++c.low;
    else ++c.unknown;
  }
  return c;
}

// ------------------------------------------------------------ PostgreSQL --

namespace {

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
  if (tried_) return service_ != nullptr;
  tried_ = true;
  if (bulwark::testing::PostgresService::bin_dir().empty()) {
    skip_ = "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl; apt-get install postgresql-15); "
            "skipping the PostgreSQL run";
    return false;
  }
  dir_ = std::make_unique<bulwark::testing::TempDir>();
  auto service = std::make_unique<bulwark::testing::PostgresService>(dir_->path() / "pg");
  std::string why;
  if (!service->start(&why)) {
    skip_ = "PostgreSQL did not start: " + why;
    return false;
  }
  service_ = std::move(service);
  return true;
}

std::string PostgresServer::new_database() {
  std::string name = "bw" + std::to_string(::getpid()) + "_" + std::to_string(++next_db_);
  std::string why;
  if (!service_->create_database(name, &why)) ADD_FAILURE() << why;
  return service_->url(name);
}

void PostgresServer::stop() {
  service_.reset();  // stops the server by PID
  dir_.reset();
}

}  // namespace bulwark::store::testing
