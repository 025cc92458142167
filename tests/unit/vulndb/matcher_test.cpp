// The matcher: databases written by write_database from small records (OSV
// documents through the real importer, and distro-tracker style entries with
// statuses), matched against hand-made inventories.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "core/json.hpp"
#include "testing/testing.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb {
namespace {

namespace fs = std::filesystem;
using bulwark::testing::TempDir;

// Adds one OSV document through the real OSV importer.
void add_osv(Dataset& data, const std::string& text) {
  ImportSummary summary;
  ImportContext ctx(data, summary);
  import_osv_document(text, "test.json", ctx);
  ASSERT_TRUE(summary.problems.empty()) << summary.problems.front().where << ": " << summary.problems.front().message;
}

// A distro tracker style entry (status, fixed version, urgency).
Advisory tracker(const std::string& cve, const std::string& eco, const std::string& release, const std::string& pkg,
                 const std::string& status, const std::string& fixed = {}, const std::string& severity = {}) {
  Advisory a;
  a.id = cve;
  a.origin = eco == "Debian" ? "debian" : to_lower(eco);
  a.summary = cve + " in " + pkg;
  AffectedEntry e;
  e.ecosystem = eco;
  e.release = release;
  e.package = pkg;
  e.status = status;
  e.severity = severity;
  if (!fixed.empty()) {
    e.fixed = {fixed};
    e.ranges_json = R"([{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":")" + fixed + R"("}]}])";
  } else {
    e.ranges_json = "[]";
  }
  e.versions_json = "[]";
  a.affected.push_back(e);
  return a;
}

Package pkg(const std::string& eco, const std::string& name, const std::string& version,
            const std::string& src_name = {}, const std::string& src_version = {}) {
  Package p;
  p.ecosystem = eco;
  p.name = name;
  p.version = version;
  p.src_name = src_name;
  p.src_version = src_version;
  p.location.path = eco == "deb" ? "var/lib/dpkg/status" : "lock";
  p.location.layer = "sha256:abc";
  p.id = make_package_id(p);
  return p;
}

OsInfo os(const std::string& family, const std::string& version) {
  OsInfo o;
  o.family = family;
  o.version = version;
  return o;
}

class MatcherTest : public ::testing::Test {
 protected:
  void build() {
    path_ = (dir_.path() / "v.db").string();
    auto w = write_database(path_, data_);
    ASSERT_TRUE(w.ok()) << w.error().message;
    auto m = Matcher::open(path_);
    ASSERT_TRUE(m.ok()) << m.error().message;
    matcher_.emplace(std::move(*m));
  }
  std::vector<Finding> match(const Inventory& inv) {
    diags_.clear();
    auto r = matcher_->match(inv, diags_);
    EXPECT_TRUE(r.ok()) << r.error().message;
    return r ? *r : std::vector<Finding>{};
  }
  static std::vector<std::string> ids(const std::vector<Finding>& fs) {
    std::vector<std::string> out;
    for (const auto& f : fs) out.push_back(f.id + "@" + f.package_name);
    std::sort(out.begin(), out.end());
    return out;
  }
  static const Finding* find(const std::vector<Finding>& fs, const std::string& id, const std::string& pkg = {}) {
    for (const auto& f : fs)
      if (f.id == id && (pkg.empty() || f.package_name == pkg)) return &f;
    return nullptr;
  }
  TempDir dir_;
  Dataset data_;
  std::string path_;
  std::optional<Matcher> matcher_;
  std::vector<Diagnostic> diags_;
};

TEST_F(MatcherTest, DebianMatchesSourcePackageAndSourceVersion) {
  // The tracker's fixed versions are source versions.
  data_.advisories.push_back(tracker("CVE-2024-0001", "Debian", "12", "openssl", "fixed", "3.0.13-1~deb12u1", "high"));
  data_.advisories.push_back(tracker("CVE-2024-0002", "Debian", "12", "openssl", "fixed", "3.0.11-1~deb12u2"));
  // Epoch: 1:1.0 is newer than any version without an epoch.
  data_.advisories.push_back(tracker("CVE-2024-0003", "Debian", "12", "shadow", "fixed", "1:4.13+dfsg1-2"));
  data_.advisories.push_back(tracker("CVE-2024-0004", "Debian", "12", "shadow", "fixed", "4.99-1"));
  // Tilde sorts before the release.
  data_.advisories.push_back(tracker("CVE-2024-0005", "Debian", "12", "rc", "fixed", "1.2-1"));
  // The binary's own version is higher than the fix, the source is not.
  data_.advisories.push_back(tracker("CVE-2024-0006", "Debian", "12", "gcc-12", "fixed", "12.2.0-15"));
  build();
  Inventory inv;
  inv.os = os("debian", "12.5");
  // binNMU: the binary is 3.0.11-1~deb12u2+b1, built from source 3.0.11-1~deb12u2.
  inv.packages.push_back(pkg("deb", "libssl3", "3.0.11-1~deb12u2+b1", "openssl", "3.0.11-1~deb12u2"));
  inv.packages.push_back(pkg("deb", "login", "1:4.13+dfsg1-1", "shadow", "1:4.13+dfsg1-1"));
  inv.packages.push_back(pkg("deb", "rc", "1.2~rc1-1"));
  inv.packages.push_back(pkg("deb", "libgcc-s1", "12.9.0-14", "gcc-12", "12.2.0-14"));
  auto fs = match(inv);
  EXPECT_EQ(ids(fs), (std::vector<std::string>{"CVE-2024-0001@libssl3", "CVE-2024-0003@login", "CVE-2024-0005@rc",
                                                "CVE-2024-0006@libgcc-s1"}));
  const Finding* f = find(fs, "CVE-2024-0001");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->remediation.fix_state, "fixed");
  EXPECT_EQ(f->remediation.fixed_versions, std::vector<std::string>{"3.0.13-1~deb12u1"});
  EXPECT_EQ(f->severity, Severity::kHigh);
  EXPECT_EQ(f->severity_source, "debian");
  EXPECT_EQ(f->package_version, "3.0.11-1~deb12u2+b1");
  EXPECT_EQ(f->location.layer, "sha256:abc");
  EXPECT_EQ(f->location.path, "var/lib/dpkg/status");
  EXPECT_EQ(f->attributes.at("source_package"), "openssl");
  EXPECT_EQ(f->status, FindingStatus::kOpen);
}

TEST_F(MatcherTest, DistroStatuses) {
  data_.advisories.push_back(tracker("CVE-2024-1001", "Debian", "12", "zlib", "unfixed", {}, "low"));
  data_.advisories.push_back(tracker("CVE-2024-1002", "Debian", "12", "zlib", "will_not_fix"));
  data_.advisories.push_back(tracker("CVE-2024-1003", "Debian", "12", "zlib", "end_of_life"));
  data_.advisories.push_back(tracker("CVE-2024-1004", "Debian", "12", "zlib", "not_affected"));
  build();
  Inventory inv;
  inv.os = os("debian", "12");
  inv.packages.push_back(pkg("deb", "zlib1g", "1:1.2.13.dfsg-1", "zlib", "1:1.2.13.dfsg-1"));
  auto fs = match(inv);
  ASSERT_EQ(fs.size(), 3u);
  EXPECT_EQ(find(fs, "CVE-2024-1001")->remediation.fix_state, "not_fixed");
  EXPECT_EQ(find(fs, "CVE-2024-1001")->severity, Severity::kLow);
  EXPECT_EQ(find(fs, "CVE-2024-1002")->remediation.fix_state, "will_not_fix");
  EXPECT_EQ(find(fs, "CVE-2024-1003")->remediation.fix_state, "end_of_life");
  EXPECT_EQ(find(fs, "CVE-2024-1004"), nullptr);
}

TEST_F(MatcherTest, ReleaseIsolationAndNoUpstreamDataForOsPackages) {
  data_.advisories.push_back(tracker("CVE-2024-2001", "Debian", "11", "curl", "fixed", "9.0-1"));
  // An upstream (language) advisory for a same-named package must not apply.
  add_osv(data_, R"({"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-01T00:00:00Z",
    "affected":[{"package":{"ecosystem":"npm","name":"curl"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]})");
  build();
  Inventory inv;
  inv.os = os("debian", "12.1");
  inv.packages.push_back(pkg("deb", "curl", "7.88.1-10", "curl", "7.88.1-10"));
  EXPECT_TRUE(match(inv).empty());
  inv.os = os("debian", "11.9");
  EXPECT_EQ(match(inv).size(), 1u);
}

TEST_F(MatcherTest, TrackerDecidesOverNotices) {
  // The tracker says fixed in 1.1-1; an osv.dev DSA record says (wrongly for
  // this release) that 1.2-1 fixes it. The tracker wins: not vulnerable.
  data_.advisories.push_back(tracker("CVE-2024-3001", "Debian", "12", "foo", "fixed", "1.1-1"));
  add_osv(data_, R"({"id":"DSA-9999-1","modified":"2024-01-01T00:00:00Z","upstream":["CVE-2024-3001"],
    "aliases":["CVE-2024-3001"],
    "affected":[{"package":{"ecosystem":"Debian:12","name":"foo"},
      "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.2-1"}]}]}]})");
  build();
  Inventory inv;
  inv.os = os("debian", "12");
  inv.packages.push_back(pkg("deb", "foo", "1.1-1", "foo", "1.1-1"));
  EXPECT_TRUE(match(inv).empty());
}

TEST_F(MatcherTest, AlpineUsesOrigin) {
  add_osv(data_, R"({"id":"ALPINE-CVE-2023-42363","aliases":["CVE-2023-42363"],"modified":"2024-01-01T00:00:00Z",
    "affected":[{"package":{"ecosystem":"Alpine:v3.18","name":"busybox"},
      "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.36.1-r7"}]}]}]})");
  build();
  Inventory inv;
  inv.os = os("alpine", "3.18.4");
  Package bb = pkg("apk", "busybox-binsh", "1.36.1-r5", "busybox", "1.36.1-r5");
  inv.packages.push_back(bb);
  auto fs = match(inv);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].id, "CVE-2023-42363");
  EXPECT_EQ(fs[0].remediation.fixed_versions, std::vector<std::string>{"1.36.1-r7"});
  inv.os = os("alpine", "3.19.1");
  EXPECT_TRUE(match(inv).empty());
}

TEST_F(MatcherTest, UbuntuStandardVariantOnly) {
  add_osv(data_, R"({"id":"UBUNTU-CVE-2024-4001","aliases":["CVE-2024-4001"],"modified":"2024-01-01T00:00:00Z",
    "affected":[{"package":{"ecosystem":"Ubuntu:22.04:LTS","name":"tar"},
      "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.34+dfsg-1ubuntu0.1.22.04.2"}]}]},
     {"package":{"ecosystem":"Ubuntu:Pro:22.04:LTS","name":"tar"},
      "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.34+dfsg-1ubuntu0.1.22.04.9+esm1"}]}]}]})");
  build();
  Inventory inv;
  inv.os = os("ubuntu", "22.04");
  inv.packages.push_back(pkg("deb", "tar", "1.34+dfsg-1ubuntu0.1.22.04.1", "tar", "1.34+dfsg-1ubuntu0.1.22.04.1"));
  auto fs = match(inv);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].remediation.fixed_versions, std::vector<std::string>{"1.34+dfsg-1ubuntu0.1.22.04.2"});
  inv.packages[0] = pkg("deb", "tar", "1.34+dfsg-1ubuntu0.1.22.04.2", "tar", "1.34+dfsg-1ubuntu0.1.22.04.2");
  EXPECT_TRUE(match(inv).empty());
}

TEST_F(MatcherTest, RockyAndRedHatStreams) {
  add_osv(data_, R"({"id":"RLSA-2024:0001","aliases":["CVE-2024-5001"],"modified":"2024-01-01T00:00:00Z",
    "affected":[{"package":{"ecosystem":"Rocky Linux:9","name":"openssl"},
      "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1:3.0.7-25.el9_3"}]}]}]})");
  add_osv(data_, R"({"id":"RHSA-2024:0002","aliases":["CVE-2024-5002"],"modified":"2024-01-01T00:00:00Z",
    "affected":[{"package":{"ecosystem":"Red Hat:enterprise_linux:9::appstream","name":"openssl"},
      "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1:3.0.7-26.el9"}]}]},
      {"package":{"ecosystem":"Red Hat:enterprise_linux:8::appstream","name":"openssl"},
      "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1:9.0-1.el8"}]}]}]})");
  build();
  Inventory inv;
  inv.os = os("rocky", "9.3");
  Package ssl = pkg("rpm", "openssl-libs", "1:3.0.7-24.el9", "openssl", "1:3.0.7-24.el9");
  inv.packages.push_back(ssl);
  EXPECT_EQ(ids(match(inv)), std::vector<std::string>{"CVE-2024-5001@openssl-libs"});
  inv.os = os("redhat", "9.4");
  auto fs = match(inv);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].id, "CVE-2024-5002");
  EXPECT_EQ(fs[0].remediation.fixed_versions, std::vector<std::string>{"1:3.0.7-26.el9"});
}

TEST_F(MatcherTest, LanguageNamesAndSchemes) {
  add_osv(data_, R"({"id":"GHSA-npm1-0000-0000","aliases":["CVE-2024-6001"],"modified":"2024-01-01T00:00:00Z",
    "affected":[{"package":{"ecosystem":"npm","name":"@Babel/Traverse"},
      "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"7.23.2"}]}]}]})");
  add_osv(data_, R"({"id":"PYSEC-2024-1","aliases":["CVE-2024-6002"],"modified":"2024-01-01T00:00:00Z",
    "affected":[{"package":{"ecosystem":"PyPI","name":"foo-bar"},
      "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"fixed":"1.4.post1"}]}]}]})");
  add_osv(data_, R"({"id":"GHSA-mvn1-0000-0000","aliases":["CVE-2021-44228"],"modified":"2024-01-01T00:00:00Z",
    "affected":[{"package":{"ecosystem":"Maven","name":"org.apache.logging.log4j:log4j-core"},
      "ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"2.0-beta9"},{"fixed":"2.15.0"}]}]}]})");
  add_osv(data_, R"({"id":"GO-2024-0001","aliases":["CVE-2024-6003"],"modified":"2024-01-01T00:00:00Z",
    "affected":[{"package":{"ecosystem":"Go","name":"golang.org/x/net"},
      "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"0.17.0"}]}]},
      {"package":{"ecosystem":"Go","name":"stdlib"},
      "ranges":[{"type":"SEMVER","events":[{"introduced":"1.21.0"},{"fixed":"1.21.3"}]}]}]})");
  build();
  Inventory inv;
  Application app;
  app.type = "mixed";
  app.path = "app";
  app.packages.push_back(pkg("npm", "@babel/traverse", "7.22.0"));
  app.packages.push_back(pkg("pypi", "Foo_Bar", "1.4"));
  app.packages.push_back(pkg("pypi", "foo.bar", "1.4.post1"));
  app.packages.push_back(pkg("maven", "org.apache.logging.log4j:log4j-core", "2.14.1"));
  app.packages.push_back(pkg("golang", "golang.org/x/net", "v0.0.0-20230523000000-abcdefabcdef"));
  app.packages.push_back(pkg("golang", "stdlib", "v1.21.1"));
  inv.applications.push_back(app);
  auto fs = match(inv);
  EXPECT_EQ(ids(fs), (std::vector<std::string>{"CVE-2021-44228@org.apache.logging.log4j:log4j-core",
                                                "CVE-2024-6001@@babel/traverse", "CVE-2024-6002@Foo_Bar",
                                                "CVE-2024-6003@golang.org/x/net", "CVE-2024-6003@stdlib"}))
      << (diags_.empty() ? "" : diags_[0].message);
  const Finding* l4j = find(fs, "CVE-2021-44228");
  ASSERT_NE(l4j, nullptr);
  EXPECT_EQ(l4j->aliases, std::vector<std::string>{"GHSA-mvn1-0000-0000"});
  EXPECT_EQ(l4j->remediation.fixed_versions, std::vector<std::string>{"2.15.0"});
}

TEST_F(MatcherTest, LastAffectedEnumeratedVersionsAndWithdrawn) {
  add_osv(data_, R"({"id":"GHSA-last-0000-0000","modified":"2024-01-01T00:00:00Z",
    "affected":[{"package":{"ecosystem":"npm","name":"a"},
      "ranges":[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"last_affected":"1.2.0"}]}]}]})");
  add_osv(data_, R"({"id":"GHSA-enum-0000-0000","modified":"2024-01-01T00:00:00Z",
    "affected":[{"package":{"ecosystem":"npm","name":"b"},"versions":["2.0.0","2.0.1"]}]})");
  add_osv(data_, R"({"id":"GHSA-gone-0000-0000","modified":"2024-01-01T00:00:00Z","withdrawn":"2024-02-01T00:00:00Z",
    "affected":[{"package":{"ecosystem":"npm","name":"c"},
      "ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]})");
  build();
  Inventory inv;
  Application app;
  app.packages = {pkg("npm", "a", "1.2.0"), pkg("npm", "a", "1.2.1"), pkg("npm", "b", "2.0.1"),
                  pkg("npm", "b", "2.0.2"), pkg("npm", "c", "1.0.0")};
  app.packages[1].location.path = "other";
  inv.applications.push_back(app);
  auto fs = match(inv);
  ASSERT_EQ(fs.size(), 2u);
  EXPECT_EQ(fs[0].id, "GHSA-last-0000-0000");
  EXPECT_EQ(fs[0].package_version, "1.2.0");
  EXPECT_EQ(fs[0].remediation.fix_state, "not_fixed");
  EXPECT_EQ(fs[1].id, "GHSA-enum-0000-0000");
  EXPECT_EQ(fs[1].package_version, "2.0.1");
}

TEST_F(MatcherTest, AliasesMergeIntoOneFindingWithEnrichment) {
  add_osv(data_, R"({"id":"GHSA-merg-0000-0000","aliases":["CVE-2024-7001"],"modified":"2024-01-01T00:00:00Z",
    "summary":"Prototype pollution in m","details":"Long text.","published":"2024-01-02T00:00:00Z",
    "severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:N"}],
    "database_specific":{"severity":"MODERATE","cwe_ids":["CWE-1321"]},
    "references":[{"type":"ADVISORY","url":"https://example.org/a"}],
    "affected":[{"package":{"ecosystem":"npm","name":"m"},
      "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"2.0.0"}]}]}]})");
  add_osv(data_, R"({"id":"OSV-2024-0001","aliases":["CVE-2024-7001"],"modified":"2024-01-01T00:00:00Z",
    "affected":[{"package":{"ecosystem":"npm","name":"m"},
      "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.5.0"}]},
                {"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.4.0"}]}]}]})");
  data_.epss.push_back({"CVE-2024-7001", 0.42, 0.97, "2024-05-01"});
  KevEntry kev;
  kev.cve = "CVE-2024-7001";
  kev.date_added = "2024-03-01";
  data_.kev.push_back(kev);
  build();
  Inventory inv;
  Application app;
  app.packages = {pkg("npm", "m", "1.3.0")};
  inv.applications.push_back(app);
  auto fs = match(inv);
  ASSERT_EQ(fs.size(), 1u);
  const Finding& f = fs[0];
  EXPECT_EQ(f.id, "CVE-2024-7001");
  EXPECT_EQ(f.aliases, (std::vector<std::string>{"GHSA-merg-0000-0000", "OSV-2024-0001"}));
  EXPECT_EQ(f.remediation.fixed_versions, (std::vector<std::string>{"1.4.0", "1.5.0", "2.0.0"}));
  EXPECT_EQ(f.severity, Severity::kMedium);
  EXPECT_EQ(f.severity_source, "ghsa");
  ASSERT_EQ(f.scores.size(), 1u);
  EXPECT_NEAR(f.scores[0].value, 6.5, 1e-9);
  ASSERT_TRUE(f.epss_score.has_value());
  EXPECT_DOUBLE_EQ(*f.epss_score, 0.42);
  EXPECT_DOUBLE_EQ(*f.epss_percentile, 0.97);
  EXPECT_TRUE(f.known_exploited);
  EXPECT_EQ(f.known_exploited_since, "2024-03-01");
  EXPECT_EQ(f.title, "Prototype pollution in m");
  EXPECT_EQ(f.attributes.at("cwe"), "CWE-1321");
  EXPECT_EQ(f.references, std::vector<std::string>{"https://example.org/a"});
}

TEST_F(MatcherTest, CvssFallbackPrefersNvdV31) {
  // No distro rating: NVD's CVSS v3.1 decides over its v2.
  Advisory a = tracker("CVE-2024-8001", "Debian", "12", "bar", "unfixed");
  a.severities.push_back({"nvd", "cvss_v2", "AV:N/AC:L/Au:N/C:P/I:P/A:P", 7.5, "HIGH"});
  a.severities.push_back({"nvd", "cvss_v3", "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N", 1.6, "LOW"});
  data_.advisories.push_back(a);
  build();
  Inventory inv;
  inv.os = os("debian", "12");
  inv.packages.push_back(pkg("deb", "bar", "1.0-1"));
  auto fs = match(inv);
  ASSERT_EQ(fs.size(), 1u);
  EXPECT_EQ(fs[0].severity, Severity::kLow);
  EXPECT_EQ(fs[0].severity_source, "nvd");
  EXPECT_EQ(fs[0].scores.size(), 2u);
}

TEST_F(MatcherTest, BadVersionsAreDiagnostics) {
  add_osv(data_, R"({"id":"GHSA-badv-0000-0000","modified":"2024-01-01T00:00:00Z",
    "affected":[{"package":{"ecosystem":"npm","name":"x"},
      "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}]}]})");
  build();
  Inventory inv;
  Application app;
  app.packages = {pkg("npm", "x", "not a version"), pkg("npm", "x", "0.9.0")};
  inv.applications.push_back(app);
  auto fs = match(inv);
  EXPECT_EQ(fs.size(), 1u);
  ASSERT_EQ(diags_.size(), 1u);
  EXPECT_NE(diags_[0].message.find("not a version"), std::string::npos);
}

// A large inventory is matched on two threads, in alternate chunks of 16
// packages; the result is the one of a match in order: a package repeated
// in the other thread's chunk is not reported again, and a once-only
// diagnostic is given once.
TEST_F(MatcherTest, LargeInventoryGivesTheResultOfAMatchInOrder) {
  add_osv(data_, R"({"id":"GHSA-good-0000-0000","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-7777"],
    "summary":"a is vulnerable","affected":[{"package":{"ecosystem":"npm","name":"a"},
      "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}]}]})");
  Advisory bad;  // ranges that do not read: a diagnostic once per advisory and package
  bad.id = "GHSA-badr-0000-0000";
  bad.origin = "ghsa";
  AffectedEntry e;
  e.ecosystem = "npm";
  e.package = "b";
  e.ranges_json = "not json";
  e.versions_json = "[]";
  e.status = "fixed";
  bad.affected.push_back(e);
  data_.advisories.push_back(bad);
  build();
  const Package a = pkg("npm", "a", "0.5.0"), b = pkg("npm", "b", "0.5.0");

  Inventory small;
  Application app;
  app.path = "app/lock";
  app.packages = {a, b, a, b};
  small.applications.push_back(app);
  auto expected = match(small);
  auto expected_diags = diags_;
  ASSERT_EQ(expected.size(), 1u);
  ASSERT_EQ(expected_diags.size(), 1u);
  EXPECT_NE(expected_diags[0].message.find("cannot read its affected versions"), std::string::npos);

  // Packages 16-31 are the second thread's first chunk: a and b again there.
  Inventory large;
  app.packages = {a, b};
  for (int i = 2; i < 20; ++i) app.packages.push_back(pkg("npm", "filler-" + std::to_string(i), "1.0.0"));
  app.packages.push_back(a);
  app.packages.push_back(b);
  for (int i = 22; i < 200; ++i) app.packages.push_back(pkg("npm", "filler-" + std::to_string(i), "1.0.0"));
  Application other;  // the same package in another application is another finding
  other.path = "other/lock";
  other.packages = {a};
  large.applications = {app, other};
  auto fs = match(large);
  ASSERT_EQ(fs.size(), 2u);
  json first, again;
  to_json(first, expected[0]);
  to_json(again, fs[0]);
  EXPECT_EQ(again.dump(), first.dump());
  EXPECT_EQ(fs[0].location.path, "app/lock");
  EXPECT_EQ(fs[1].location.path, "other/lock");
  EXPECT_EQ(fs[1].aliases, (std::vector<std::string>{"GHSA-good-0000-0000"}));
  ASSERT_EQ(diags_.size(), 1u);
  EXPECT_EQ(diags_[0].message, expected_diags[0].message);
}

TEST_F(MatcherTest, VersionlessProjectRootIsSkippedQuietly) {
  add_osv(data_, R"({"id":"GHSA-root-0000-0000","modified":"2024-01-01T00:00:00Z",
    "affected":[{"package":{"ecosystem":"npm","name":"my-app"},
      "ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.0.0"}]}]}]})");
  build();
  Inventory inv;
  Application app;
  Package root = pkg("npm", "my-app", "");
  root.relationship = Relationship::kRoot;
  Package dep = pkg("npm", "my-app", "");  // a dependency without a version is still reported
  app.packages = {root, dep};
  inv.applications.push_back(app);
  auto fs = match(inv);
  EXPECT_TRUE(fs.empty());
  ASSERT_EQ(diags_.size(), 1u);
}

TEST_F(MatcherTest, UnknownOsIsADiagnostic) {
  data_.advisories.push_back(tracker("CVE-2024-9001", "Debian", "12", "bar", "unfixed"));
  build();
  Inventory inv;
  inv.os = os("plan9", "4");
  inv.packages.push_back(pkg("deb", "bar", "1.0-1"));
  EXPECT_TRUE(match(inv).empty());
  ASSERT_EQ(diags_.size(), 1u);
  EXPECT_NE(diags_[0].message.find("plan9"), std::string::npos);
}

TEST(Distro, OsToEcosystemRelease) {
  auto check = [](const char* fam, const char* ver, const char* eco, const char* rel) {
    auto d = distro_of(os(fam, ver));
    ASSERT_TRUE(d.has_value()) << fam;
    EXPECT_EQ(d->ecosystem, eco);
    EXPECT_EQ(d->release, rel);
  };
  check("debian", "12.15", "Debian", "12");
  check("ubuntu", "22.04", "Ubuntu", "22.04");
  check("alpine", "3.18.4", "Alpine", "3.18");
  check("rocky", "9.3", "Rocky Linux", "9");
  check("alma", "9.4", "AlmaLinux", "9");
  check("redhat", "9.4", "Red Hat", "enterprise_linux:9");
  check("sles", "15.5", "SUSE", "Linux Enterprise Server 15 SP5");
  check("wolfi", "20230201", "Wolfi", "");
  OsInfo sid = os("debian", "");
  sid.codename = "trixie";
  EXPECT_EQ(distro_of(sid)->release, "13");
  sid.codename = "sid";
  EXPECT_FALSE(distro_of(sid).has_value());
  EXPECT_FALSE(distro_of(os("plan9", "4")).has_value());
}

// ---------------------------------------------------------------- detector --

TEST(VulnerabilityDetector, MissingDatabase) {
  TempDir dir;
  Target target;
  std::vector<Diagnostic> diags;
  std::map<std::string, std::string> components;
  DetectContext ctx{target, nullptr, &diags, &components};
  std::vector<Finding> out;
  MatcherOptions o;
  o.db_path = (dir.path() / "none.db").string();
  auto lenient = make_vulnerability_detector(o);
  EXPECT_TRUE(lenient->detect(Inventory{}, ctx, out).ok());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].message.find("bulwark db update"), std::string::npos);
  o.require_db = true;
  auto strict = make_vulnerability_detector(o);
  auto st = strict->detect(Inventory{}, ctx, out);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, ErrorCode::kNotFound);
  EXPECT_NE(st.error().message.find("bulwark db update"), std::string::npos);
}

TEST(VulnerabilityDetector, StaleDataWarnsAndRecordsDates) {
  TempDir dir;
  Dataset data;
  data.advisories.push_back(tracker("CVE-2024-9101", "Debian", "12", "bar", "unfixed"));
  SourceInfo src;
  src.name = "test";
  src.format = "osv";
  src.data_date = "2024-01-01";
  data.sources.push_back(src);
  std::string path = (dir.path() / "v.db").string();
  ASSERT_TRUE(write_database(path, data).ok());
  Target target;
  std::vector<Diagnostic> diags;
  std::map<std::string, std::string> components;
  DetectContext ctx{target, nullptr, &diags, &components};
  MatcherOptions o;
  o.db_path = path;
  o.now = 1704067200 + 30 * 86400;  // 2024-01-31
  Inventory inv;
  inv.os = os("debian", "12");
  inv.packages.push_back(pkg("deb", "bar", "1.0-1"));
  std::vector<Finding> out;
  ASSERT_TRUE(make_vulnerability_detector(o)->detect(inv, ctx, out).ok());
  EXPECT_EQ(out.size(), 1u);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].message.find("vulnerability data is 30 days old (newest record 2024-01-01"), std::string::npos)
      << diags[0].message;
  EXPECT_NE(components["vulndb"].find("2024-01-01"), std::string::npos);
  // Fresh data: no warning.
  diags.clear();
  o.now = 1704067200 + 86400;
  out.clear();
  ASSERT_TRUE(make_vulnerability_detector(o)->detect(inv, ctx, out).ok());
  EXPECT_TRUE(diags.empty());
}

}  // namespace
}  // namespace bulwark::vulndb

// ------------------------------------------------------------------ corpus --

namespace bulwark::vulndb {
namespace {

// Real GitHub advisories (the corpus GHSA archives). The expected ids and
// first fixed versions are the public advisories' own: lodash 4.17.15 is hit
// by CVE-2020-8203 (fixed 4.17.20), CVE-2020-28500 and CVE-2021-23337 (fixed
// 4.17.21) but not by the older ones fixed in 4.17.5..4.17.12; minimist 1.2.0
// by CVE-2020-7598 (1.2.3) and CVE-2021-44906 (1.2.6) -- GHSA-7fhm-mqm4-2wp7
// (ranges up to 1.2.2) was withdrawn by GitHub on 2020-04-03 and must not
// show; log4j-core 2.14.1 by Log4Shell (2.15.0).
TEST(MatcherCorpus, GhsaNpmAndMaven) {
  BULWARK_REQUIRE_CORPUS();
  TempDir dir;
  std::string path = (dir.path() / "v.db").string();
  auto osv = bulwark::testing::corpus_dir() / "osv";
  auto built = build_database(path, {(osv / "ghsa-npm-maven-selected.tar.gz").string(),
                                     (osv / "ghsa-npm-selected-2.tar.gz").string()});
  ASSERT_TRUE(built.ok()) << built.error().message;
  auto m = Matcher::open(path);
  ASSERT_TRUE(m.ok());
  Inventory inv;
  Application app;
  app.packages = {pkg("npm", "lodash", "4.17.15"), pkg("npm", "minimist", "1.2.0"),
                  pkg("maven", "org.apache.logging.log4j:log4j-core", "2.14.1")};
  inv.applications.push_back(app);
  std::vector<Diagnostic> diags;
  auto fs = m->match(inv, diags);
  ASSERT_TRUE(fs.ok());
  std::map<std::string, std::map<std::string, std::string>> got;  // package -> id -> first fix
  for (const auto& f : *fs) got[f.package_name][f.id] = f.remediation.fixed_versions.empty() ? "" : f.remediation.fixed_versions[0];
  EXPECT_EQ(got["lodash"], (std::map<std::string, std::string>{
                               {"CVE-2020-8203", "4.17.20"}, {"CVE-2020-28500", "4.17.21"}, {"CVE-2021-23337", "4.17.21"}}));
  EXPECT_EQ(got["minimist"], (std::map<std::string, std::string>{{"CVE-2020-7598", "1.2.3"},
                                                                 {"CVE-2021-44906", "1.2.6"}}));
  EXPECT_EQ(got["org.apache.logging.log4j:log4j-core"],
            (std::map<std::string, std::string>{{"CVE-2021-44228", "2.15.0"}}));
  for (const auto& f : *fs)
    if (f.id == "CVE-2021-44228") {
      EXPECT_NE(std::find(f.aliases.begin(), f.aliases.end(), "GHSA-jfh8-c2jp-5v3q"), f.aliases.end());
      EXPECT_EQ(f.severity, Severity::kCritical);
    }
}

}  // namespace
}  // namespace bulwark::vulndb
