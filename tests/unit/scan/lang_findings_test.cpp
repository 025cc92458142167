// Language findings: the matcher gives packages of npm, PyPI, Maven, Go and
// crates.io applications the same fields as OS findings (installed and fixed
// version, fix state, status, severity and its source, CVSS, EPSS, KEV, layer,
// path = the application file), and the table groups them by that file. The
// database is built by the real importers from OSV records of real advisories
// and the EPSS and KEV fixture feeds; the inventory is given directly.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "report/report.hpp"
#include "testing/testing.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark {
namespace {

namespace fs = std::filesystem;
using bulwark::testing::fixture;

const std::string kLayer1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const std::string kLayer2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

Package pkg(const std::string& eco, const std::string& name, const std::string& version, const std::string& path,
            const std::string& layer) {
  Package p;
  p.ecosystem = eco;
  p.name = name;
  p.version = version;
  p.location.path = path;
  p.location.layer = layer;
  p.relationship = Relationship::kDirect;
  return p;
}

Application app(const std::string& type, const std::string& path, std::vector<Package> packages) {
  return Application{type, path, std::move(packages)};
}

class LangFindings : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = (tmp_ / "v.db").string();
    std::vector<std::string> inputs = {
        fixture("vulndb/osv/GHSA-jf85-cpcp-j695.json").string(),        // npm lodash
        fixture("vulndb/osv/PYSEC-2019-217.yaml").string(),             // PyPI Jinja2
        fixture("vulndb/osv-lang/GHSA-jfh8-c2jp-5v3q.json").string(),   // Maven log4j-core
        fixture("vulndb/osv/GO-2021-0113.json").string(),               // Go golang.org/x/text
        fixture("vulndb/osv-lang/RUSTSEC-2021-0124.json").string(),     // crates.io tokio
        fixture("vulndb/feeds/epss.csv").string(),
        fixture("vulndb/feeds/kev.json").string(),
    };
    auto built = vulndb::build_database(db_, inputs);
    ASSERT_TRUE(built.ok()) << built.error().describe();
    ASSERT_TRUE(built->summary.problems.empty()) << built->summary.problems.front().message;

    Report& r = report_;
    r.created_at = "2026-11-28T10:00:00Z";
    r.target.kind = TargetKind::kImage;
    r.target.reference = "registry.example/app:1";
    Inventory& inv = r.inventory;
    inv.applications.push_back(app("npm", "srv/web/package-lock.json",
                                   {pkg("npm", "lodash", "4.17.11", "srv/web/package-lock.json", kLayer2),
                                    pkg("npm", "express", "4.18.2", "srv/web/package-lock.json", kLayer2)}));
    inv.applications.push_back(app("pip", "srv/api/requirements.txt",
                                   {pkg("pypi", "Jinja2", "2.10", "srv/api/requirements.txt", kLayer2)}));
    // A jar inside a war: the package's own path differs from the application file.
    inv.applications.push_back(
        app("jar", "srv/app.war",
            {pkg("maven", "org.apache.logging.log4j:log4j-core", "2.14.1", "srv/app.war/WEB-INF/lib/log4j-core-2.14.1.jar",
                 kLayer1)}));
    inv.applications.push_back(app("gobinary", "usr/local/bin/svc",
                                   {pkg("golang", "golang.org/x/text", "v0.3.6", "usr/local/bin/svc", kLayer1),
                                    pkg("golang", "stdlib", "v1.21.0", "usr/local/bin/svc", kLayer1)}));
    inv.applications.push_back(app("cargo", "srv/rs/Cargo.lock",
                                   {pkg("cargo", "tokio", "1.12.0", "srv/rs/Cargo.lock", kLayer2),
                                    pkg("cargo", "serde", "1.0.190", "srv/rs/Cargo.lock", kLayer2)}));
    // Not affected: a fixed lodash in another lockfile, tokio in the gap between two ranges.
    inv.applications.push_back(app("npm", "srv/other/package-lock.json",
                                   {pkg("npm", "lodash", "4.17.21", "srv/other/package-lock.json", kLayer2),
                                    pkg("cargo", "tokio", "1.8.4", "srv/other/package-lock.json", kLayer2)}));
    assign_package_ids(inv);

    auto matcher = vulndb::Matcher::open(db_);
    ASSERT_TRUE(matcher.ok()) << matcher.error().describe();
    auto found = matcher->match(inv, r.diagnostics);
    ASSERT_TRUE(found.ok()) << found.error().describe();
    r.findings = std::move(*found);
    for (auto& f : r.findings) f.fingerprint = fingerprint(f, r.target);
  }

  const Finding* by_package(const std::string& name) const {
    for (const auto& f : report_.findings)
      if (f.package_name == name) return &f;
    return nullptr;
  }

  bulwark::testing::TempDir tmp_;
  std::string db_;
  Report report_;
};

TEST_F(LangFindings, EveryFindingHasTheFieldsOfAnOsFinding) {
  EXPECT_TRUE(report_.diagnostics.empty()) << report_.diagnostics.front().message;
  ASSERT_EQ(report_.findings.size(), 5u);

  struct Want {
    std::string package, ecosystem, version, id, alias, path, layer, fixed;
    Severity severity;
    std::string severity_source;
    double cvss;  // 0: none
  };
  const std::vector<Want> wants = {
      {"lodash", "npm", "4.17.11", "CVE-2019-10744", "GHSA-jf85-cpcp-j695", "srv/web/package-lock.json", kLayer2,
       "4.17.12", Severity::kCritical, "ghsa", 9.1},
      {"Jinja2", "pypi", "2.10", "CVE-2019-10906", "PYSEC-2019-217", "srv/api/requirements.txt", kLayer2, "2.10.1",
       Severity::kUnknown, "", 0},
      {"org.apache.logging.log4j:log4j-core", "maven", "2.14.1", "CVE-2021-44228", "GHSA-jfh8-c2jp-5v3q", "srv/app.war",
       kLayer1, "2.15.0", Severity::kCritical, "ghsa", 10.0},
      {"golang.org/x/text", "golang", "v0.3.6", "CVE-2021-38561", "GO-2021-0113", "usr/local/bin/svc", kLayer1, "0.3.7",
       Severity::kUnknown, "", 0},
      {"tokio", "cargo", "1.12.0", "CVE-2021-45710", "RUSTSEC-2021-0124", "srv/rs/Cargo.lock", kLayer2, "1.13.1",
       Severity::kUnknown, "", 0},
  };
  for (const auto& w : wants) {
    SCOPED_TRACE(w.package);
    const Finding* f = by_package(w.package);
    ASSERT_NE(f, nullptr);
    EXPECT_EQ(f->kind, FindingKind::kVulnerability);
    EXPECT_EQ(f->id, w.id);
    EXPECT_NE(std::find(f->aliases.begin(), f->aliases.end(), w.alias), f->aliases.end());
    EXPECT_EQ(f->package_ecosystem, w.ecosystem);
    EXPECT_EQ(f->package_version, w.version);
    EXPECT_FALSE(f->package_purl.empty());
    EXPECT_EQ(f->status, FindingStatus::kOpen);
    EXPECT_EQ(f->remediation.fix_state, "fixed");
    EXPECT_EQ(f->remediation.fixed_versions, std::vector<std::string>{w.fixed});
    EXPECT_EQ(f->severity, w.severity);
    EXPECT_EQ(f->severity_source, w.severity_source);
    if (w.cvss > 0) {
      ASSERT_FALSE(f->scores.empty());
      EXPECT_NEAR(f->scores.front().value, w.cvss, 1e-9);
      EXPECT_EQ(f->scores.front().type, "cvss_v3");
    } else {
      EXPECT_TRUE(f->scores.empty());
    }
    EXPECT_EQ(f->location.path, w.path);
    EXPECT_EQ(f->location.layer, w.layer);
    EXPECT_FALSE(f->location.package_id.empty());
    EXPECT_FALSE(f->title.empty());
    EXPECT_FALSE(f->fingerprint.empty());
  }
  // EPSS and KEV come from the CVE, whatever database matched the package.
  const Finding* log4j = by_package("org.apache.logging.log4j:log4j-core");
  ASSERT_TRUE(log4j->epss_score.has_value());
  EXPECT_DOUBLE_EQ(*log4j->epss_score, 0.97565);
  EXPECT_DOUBLE_EQ(*log4j->epss_percentile, 0.99995);
  EXPECT_TRUE(log4j->known_exploited);
  EXPECT_EQ(log4j->known_exploited_since, "2021-12-10");
  EXPECT_EQ(log4j->attributes.at("package_path"), "srv/app.war/WEB-INF/lib/log4j-core-2.14.1.jar");
  const Finding* lodash = by_package("lodash");
  ASSERT_TRUE(lodash->epss_score.has_value());
  EXPECT_DOUBLE_EQ(*lodash->epss_score, 0.00383);
  EXPECT_FALSE(lodash->known_exploited);
  EXPECT_EQ(lodash->attributes.count("package_path"), 0u);
  EXPECT_FALSE(by_package("tokio")->epss_score.has_value());
}

// The table's sections: "<title>\n====\nTotal: …" blocks, by title.
std::map<std::string, std::string> sections(const std::string& table) {
  std::map<std::string, std::string> out;
  std::istringstream in(table);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  std::string current;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i + 1 < lines.size() && !lines[i].empty() && lines[i + 1] == std::string(lines[i].size(), '=')) {
      current = lines[i];
      ++i;
      continue;
    }
    // The inventory after the findings is not a finding section.
    if (lines[i].find(" packages") != std::string::npos && lines[i].find("): ") != std::string::npos) current.clear();
    if (!current.empty()) out[current] += lines[i] + "\n";
  }
  return out;
}

TEST_F(LangFindings, TableGroupsFindingsByApplicationFile) {
  std::ostringstream out;
  report::WriteOptions opts;
  opts.show_packages = false;
  ASSERT_TRUE(report::write_report(report_, "table", opts, out).ok());
  auto s = sections(out.str());
  const std::map<std::string, std::pair<std::string, std::string>> want = {
      {"srv/web/package-lock.json (npm)", {"lodash", "CVE-2019-10744"}},
      {"srv/api/requirements.txt (pip)", {"Jinja2", "CVE-2019-10906"}},
      {"srv/app.war (jar)", {"org.apache.logging.log4j:log4j-core", "CVE-2021-44228"}},
      {"usr/local/bin/svc (gobinary)", {"golang.org/x/text", "CVE-2021-38561"}},
      {"srv/rs/Cargo.lock (cargo)", {"tokio", "CVE-2021-45710"}},
  };
  ASSERT_EQ(s.size(), want.size()) << out.str();
  const std::vector<std::string> all_packages = {"lodash", "Jinja2", "log4j-core", "golang.org/x/text", "tokio"};
  for (const auto& [title, pv] : want) {
    SCOPED_TRACE(title);
    ASSERT_TRUE(s.count(title)) << out.str();
    const std::string& body = s[title];
    EXPECT_NE(body.find("Total: 1 ("), std::string::npos) << body;
    EXPECT_NE(body.find(pv.first.substr(0, 20)), std::string::npos) << body;
    EXPECT_NE(body.find(pv.second), std::string::npos) << body;
    // No other application's package in this section.
    for (const auto& other : all_packages)
      if (pv.first.find(other) == std::string::npos) {
        EXPECT_EQ(body.find(" " + other), std::string::npos) << other;
      }
  }
  EXPECT_NE(s["srv/app.war (jar)"].find("CRITICAL"), std::string::npos);
  EXPECT_NE(s["srv/app.war (jar)"].find("2.15.0"), std::string::npos);
}

}  // namespace
}  // namespace bulwark
