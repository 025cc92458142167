// End to end: the app image (Debian minbase + dpkg layers + a Node application
// installed from the npm registry at known-vulnerable versions) scanned with a
// vulnerability database that `db update --db-repository` builds from feed
// files served by a loopback HTTP server; findings checked field by field,
// the gate's exit codes, and SARIF validated by @microsoft/sarif-multitool.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "harness.hpp"

namespace bulwark::integration {
namespace {

#define BULWARK_REQUIRE_APP_IMAGE(name)                                                   \
  BULWARK_REQUIRE_IMAGES(name);                                                           \
  if (!name.has_app) GTEST_SKIP() << "no app image here: " << name.app_unavailable

std::string app_ref(const Images& im) { return "oci:" + im.oci_layout.string() + ":app"; }

TEST(AppImage, NpmPackagesMatchNpmLsAndComeFromTheLastLayer) {
  BULWARK_REQUIRE_APP_IMAGE(images);
  auto scan = scan_json({"image", "--cache-dir", (images.dir / "cache-e2e").string(), app_ref(images)});
  ASSERT_TRUE(scan.why.empty()) << scan.why;
  std::set<std::pair<std::string, std::string>> expected, installed, locked;
  std::istringstream in(testing::read_file(images.dir / "app.expected.tsv"));
  std::string line;
  while (std::getline(in, line)) {
    auto tab = line.find('\t');
    if (tab != std::string::npos) expected.insert({line.substr(0, tab), line.substr(tab + 1)});
  }
  ASSERT_GE(expected.size(), 4u);
  // The same tree twice: installed under node_modules, and as npm's
  // package-lock.json records it (less the project's own root entry).
  for (const auto& app : scan.report["inventory"]["applications"])
    for (const auto& p : app["packages"]) {
      std::string path = p["location"].value("path", "");
      std::pair<std::string, std::string> nv{p.value("name", ""), p.value("version", "")};
      if (path == "app/package-lock.json") {
        if (p.value("relationship", "") != "root") locked.insert(nv);
      } else {
        EXPECT_EQ(path.rfind("app/node_modules/", 0), 0u) << path;
        installed.insert(nv);
      }
    }
  EXPECT_EQ(installed, expected);
  EXPECT_EQ(locked, expected);
  const auto& layers = scan.report["target"]["artifact"]["layers"];
  ASSERT_EQ(layers.size(), 4u);
  std::string last = layers.back().value("diff_id", "");
  for (const auto& app : scan.report["inventory"]["applications"])
    for (const auto& p : app["packages"]) EXPECT_EQ(p["location"].value("layer", ""), last) << p.dump();
  // The OS packages are still there, from the lower layers.
  EXPECT_EQ(diff(read_expected(images.expected("test")), packages_of(scan.report)), "");
}


// The feed server of the db-update tests, on a free loopback port; stopped by PID.
struct FeedMirror {
  testing::TempDir work;
  std::unique_ptr<Background> server;
  std::string url;
  explicit FeedMirror(const fs::path& root) {
    fs::path script = fs::path(BULWARK_BUILD_IMAGES).parent_path() / "feed_server.py";
    fs::path port_file = work / "port";
    server = std::make_unique<Background>(
        std::vector<std::string>{"python3", script.string(), "--root", root.string(), "--log",
                                 (work / "requests.log").string(), "--control", (work / "control.json").string(),
                                 "--port-file", port_file.string()},
        std::map<std::string, std::string>{}, work / "server.out");
    if (wait_until([&] { return fs::exists(port_file) && !testing::read_file(port_file).empty(); },
                   std::chrono::seconds(10)))
      url = "http://127.0.0.1:" + testing::read_file(port_file);
  }
  std::string log() const { return testing::read_file(work / "requests.log"); }
};

// Builds the mirror directory the way `db update` expects it (the names of
// <cache-dir>/db/feeds): the Debian tracker JSON and the npm OSV bundle.
void make_mirror(const fs::path& dir) {
  fs::create_directories(dir);
  fs::copy_file(testing::fixture("vulndb/e2e/debian-tracker.json"), dir / "debian-tracker.json");
  auto zip = testing::run({"python3", "-m", "zipfile", "-c", (dir / "osv-npm.zip").string(),
                           testing::fixture("vulndb/e2e/ghsa-npm.json").string()});
  ASSERT_EQ(zip.exit_code, 0) << zip.err;
}

// The source version of an installed source package, from a report.
std::string source_version(const json& report, const std::string& src) {
  for (const auto& p : report["inventory"].value("packages", json::array()))
    if (p.value("src_name", p.value("name", "")) == src) return p.value("src_version", p.value("version", ""));
  return "";
}

bool dpkg_lt(const std::string& a, const std::string& b) {
  return testing::run({"dpkg", "--compare-versions", a, "lt", b}).exit_code == 0;
}

// (id, package name, package version, path) of the vulnerability findings.
using Hit = std::tuple<std::string, std::string, std::string, std::string>;
std::map<Hit, json> findings_of(const json& report) {
  std::map<Hit, json> out;
  for (const auto& f : report.value("findings", json::array()))
    if (f.value("kind", "") == "vulnerability")
      out[{f.value("id", ""), f["package"].value("name", ""), f["package"].value("version", ""),
           f["location"].value("path", "")}] = f;
  return out;
}

class VulnEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto& r = test_images();
    if (!r.ok) {
      if (r.skip) GTEST_SKIP() << r.why;
      FAIL() << r.why;
    }
    images_ = &r.images;
    if (!images_->has_app) GTEST_SKIP() << "no app image here: " << images_->app_unavailable;
    if (!testing::have_tool("python3")) GTEST_SKIP() << "python3 is not installed";
    make_mirror(dir_ / "mirror");
    mirror_ = std::make_unique<FeedMirror>(dir_ / "mirror");
    ASSERT_FALSE(mirror_->url.empty()) << "feed server did not start";
    db_ = (dir_ / "db" / "bulwark.db").string();
    auto up = bulwark({"db", "update", "--db", db_, "--cache-dir", (dir_ / "cache").string(), "--db-repository",
                       mirror_->url, "--quiet"});
    ASSERT_EQ(up.exit_code, 0) << up.out << up.err;
    // The database came from the loopback mirror.
    ASSERT_NE(mirror_->log().find("/debian-tracker.json 200"), std::string::npos) << mirror_->log();
    ASSERT_NE(mirror_->log().find("/osv-npm.zip 200"), std::string::npos) << mirror_->log();
  }
  std::vector<std::string> scan_args(std::vector<std::string> extra = {}) {
    std::vector<std::string> a{"image", "--db", db_, "--cache-dir", (dir_ / "cache").string(), app_ref(*images_)};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  testing::TempDir dir_;
  const Images* images_ = nullptr;
  std::unique_ptr<FeedMirror> mirror_;
  std::string db_;
};

TEST_F(VulnEndToEnd, NpmFindingsFromTheGitHubAdvisories) {
  auto scan = scan_json(scan_args());
  ASSERT_TRUE(scan.why.empty()) << scan.why;
  auto hits = findings_of(scan.report);
  const std::string last_layer = scan.report["target"]["artifact"]["layers"].back().value("diff_id", "");
  struct Want {
    const char* id;
    const char* alias;
    const char* name;
    const char* version;
    const char* path;
    const char* fixed;
    const char* severity;
  };
  const Want want[] = {
      {"CVE-2020-8203", "GHSA-p6mc-m468-83gw", "lodash", "4.17.15", "app/node_modules/lodash/package.json", "4.17.20", "HIGH"},
      {"CVE-2020-28500", "GHSA-29mw-wpgm-hmr9", "lodash", "4.17.15", "app/node_modules/lodash/package.json", "4.17.21", "MEDIUM"},
      {"CVE-2021-23337", "GHSA-35jh-r3h4-6jhm", "lodash", "4.17.15", "app/node_modules/lodash/package.json", "4.17.21", "HIGH"},
      {"CVE-2020-7598", "GHSA-vh95-rmgr-6w4m", "minimist", "1.2.0", "app/node_modules/minimist/package.json", "1.2.3", "MEDIUM"},
      {"CVE-2021-44906", "GHSA-xvch-5gv4-984h", "minimist", "1.2.0", "app/node_modules/minimist/package.json", "1.2.6", "CRITICAL"},
      {"CVE-2020-7598", "GHSA-vh95-rmgr-6w4m", "minimist", "0.0.8", "app/node_modules/mkdirp/node_modules/minimist/package.json", "0.2.1", "MEDIUM"},
      {"CVE-2021-44906", "GHSA-xvch-5gv4-984h", "minimist", "0.0.8", "app/node_modules/mkdirp/node_modules/minimist/package.json", "0.2.4", "CRITICAL"},
  };
  std::set<Hit> npm_hits;
  for (const auto& [k, f] : hits)
    if (f["package"].value("ecosystem", "") == "npm") npm_hits.insert(k);
  std::set<Hit> expected;
  // Each vulnerable package is found twice: where it is installed and in the
  // package-lock.json that pins it.
  for (const auto& w : want)
    for (const std::string& path : {std::string(w.path), std::string("app/package-lock.json")}) {
    Hit k{w.id, w.name, w.version, path};
    expected.insert(k);
    auto it = hits.find(k);
    if (it == hits.end()) continue;
    const json& f = it->second;
    EXPECT_NE(f.value("aliases", json::array()).dump().find(w.alias), std::string::npos) << f.dump();
    EXPECT_EQ(f.value("severity", ""), w.severity) << w.id;
    EXPECT_EQ(f["remediation"].value("fix_state", ""), "fixed") << w.id;
    auto fixed = f["remediation"].value("fixed_versions", json::array());
    ASSERT_FALSE(fixed.empty()) << f.dump();
    EXPECT_EQ(fixed[0], w.fixed) << w.id << " " << w.version;
    EXPECT_EQ(f["location"].value("layer", ""), last_layer);
    EXPECT_EQ(f.value("status", ""), "open");
    }
  // Exactly these: lodash's older advisories (fixed before 4.17.15) and the
  // withdrawn minimist advisory give nothing.
  EXPECT_EQ(npm_hits, expected);
}

TEST_F(VulnEndToEnd, DebianFindingsFollowTheTrackerStatuses) {
  auto scan = scan_json(scan_args());
  ASSERT_TRUE(scan.why.empty()) << scan.why;
  auto hits = findings_of(scan.report);
  auto find = [&](const std::string& id) -> const json* {
    for (const auto& [k, f] : hits)
      if (std::get<0>(k) == id && f["package"].value("ecosystem", "") == "deb") return &f;
    return nullptr;
  };
  // Unfixed (unimportant) in bookworm: open, no fix.
  const json* tar = find("CVE-2005-2541");
  ASSERT_NE(tar, nullptr);
  EXPECT_EQ((*tar)["remediation"].value("fix_state", ""), "not_fixed");
  EXPECT_EQ((*tar)["location"].value("path", ""), "var/lib/dpkg/status");
  // no-dsa: still vulnerable, no fix; ignored: will not be fixed.
  ASSERT_NE(find("CVE-2023-29383"), nullptr);
  const json* coreutils = find("CVE-2016-2781");
  ASSERT_NE(coreutils, nullptr);
  EXPECT_EQ((*coreutils)["remediation"].value("fix_state", ""), "will_not_fix");
  ASSERT_NE(find("CVE-2026-0915"), nullptr);
  // Not affected in bookworm.
  EXPECT_EQ(find("CVE-2024-3094"), nullptr);
  // Fixed in bookworm: a finding exactly when the installed source version is
  // older, as dpkg itself orders versions.
  std::string glibc = source_version(scan.report, "glibc"), xz = source_version(scan.report, "xz-utils");
  ASSERT_FALSE(glibc.empty());
  ASSERT_FALSE(xz.empty());
  EXPECT_EQ(find("CVE-2023-4911") != nullptr, dpkg_lt(glibc, "2.36-9+deb12u3")) << glibc;
  const json* xzf = find("CVE-2026-34743");
  EXPECT_EQ(xzf != nullptr, dpkg_lt(xz, "5.4.1-2+deb12u1")) << xz;
  if (xzf) {
    EXPECT_EQ((*xzf)["remediation"]["fixed_versions"][0], "5.4.1-2+deb12u1");
  }
}

TEST_F(VulnEndToEnd, GateExitCodesAndIgnoreFile) {
  // CRITICAL findings exist (minimist CVE-2021-44906): the gate fails with the given code.
  auto fail = bulwark(scan_args({"--severity", "CRITICAL", "--exit-code", "5", "-f", "json", "-o",
                                 (dir_ / "gate.json").string()}));
  EXPECT_EQ(fail.exit_code, 5) << fail.err;
  // Ignoring that one vulnerability (by its GHSA alias) clears the CRITICAL gate.
  testing::write_file(dir_ / "ignore.yaml",
                      "vulnerabilities:\n  - id: GHSA-xvch-5gv4-984h\n    statement: not reachable from our code\n"
                      "    expired_at: 2999-01-01\n");
  auto pass = bulwark(scan_args({"--severity", "CRITICAL", "--exit-code", "5", "--ignorefile",
                                 (dir_ / "ignore.yaml").string(), "-f", "json", "-o", (dir_ / "gate2.json").string()}));
  EXPECT_EQ(pass.exit_code, 0) << pass.err;
  // An expired entry stops suppressing, and the run says so.
  testing::write_file(dir_ / "expired.yaml",
                      "vulnerabilities:\n  - id: CVE-2021-44906\n    statement: old\n    expired_at: 2020-01-01\n");
  auto expired = bulwark(scan_args({"--severity", "CRITICAL", "--exit-code", "5", "--ignorefile",
                                    (dir_ / "expired.yaml").string(), "-f", "json", "-o", (dir_ / "gate3.json").string()}));
  EXPECT_EQ(expired.exit_code, 5);
  EXPECT_NE(testing::read_file(dir_ / "gate3.json").find("2020-01-01"), std::string::npos);
}

TEST_F(VulnEndToEnd, SarifIsValidForCodeScanning) {
  fs::path tool = fs::path(BULWARK_BUILD_IMAGES).parent_path().parent_path().parent_path() / "tools" /
                  "node_modules" / ".bin" / "sarif-multitool";
  if (!fs::exists(tool)) GTEST_SKIP() << "sarif-multitool is not installed (npm ci --prefix tests/tools)";
  fs::path out = dir_ / "report.sarif";
  auto r = bulwark(scan_args({"-f", "sarif", "-o", out.string()}));
  ASSERT_TRUE(r.exit_code == 0 || r.exit_code == 1) << r.err;
  auto sarif = json::parse(testing::read_file(out));
  EXPECT_EQ(sarif.value("version", ""), "2.1.0");
  ASSERT_FALSE(sarif["runs"][0]["results"].empty());
  auto v = testing::run({tool.string(), "validate", out.string(), "--output", (dir_ / "validation.sarif").string()});
  auto validation = json::parse(testing::read_file(dir_ / "validation.sarif"));
  size_t errors = 0;
  std::string what;
  for (const auto& res : validation["runs"][0].value("results", json::array()))
    if (res.value("level", "warning") == "error") {
      ++errors;
      what += res["message"].dump() + "\n";
    }
  EXPECT_EQ(errors, 0u) << what << v.out << v.err;
}

}  // namespace
}  // namespace bulwark::integration
