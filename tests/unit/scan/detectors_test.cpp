// scan::run with the vulnerability detector: a Debian tree with a dpkg status
// file, matched against a small database; missing database behaviour; scanners.
#include <gtest/gtest.h>

#include <filesystem>

#include "scan/scan.hpp"
#include "testing/testing.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::scan {
namespace {

namespace fs = std::filesystem;
using bulwark::testing::TempDir;
using bulwark::testing::write_file;

void make_tree(const fs::path& root) {
  write_file(root / "etc/os-release", "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n");
  write_file(root / "etc/debian_version", "12.5\n");
  write_file(root / "var/lib/dpkg/status",
             "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\n"
             "Source: openssl (3.0.11-1~deb12u2)\nVersion: 3.0.11-1~deb12u2+b1\nDescription: x\n\n");
}

Request request(const fs::path& root, const std::string& db) {
  Request r;
  r.kind = TargetKind::kRootfs;
  r.target = root.string();
  r.artifact.use_cache = false;
  r.db_path = db;
  return r;
}

TEST(ScanDetectors, FindsVulnerabilitiesInATree) {
  TempDir dir;
  make_tree(dir.path() / "root");
  vulndb::Dataset data;
  vulndb::Advisory a;
  a.id = "CVE-2024-0727";
  a.origin = "debian";
  vulndb::AffectedEntry e;
  e.ecosystem = "Debian";
  e.release = "12";
  e.package = "openssl";
  e.status = "fixed";
  e.fixed = {"3.0.13-1~deb12u1"};
  e.ranges_json = R"([{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.13-1~deb12u1"}]}])";
  e.versions_json = "[]";
  a.affected.push_back(e);
  data.advisories.push_back(a);
  std::string db = (dir.path() / "v.db").string();
  ASSERT_TRUE(vulndb::write_database(db, data).ok());

  auto report = run(request(dir.path() / "root", db));
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(report->findings.size(), 1u);
  const Finding& f = report->findings[0];
  EXPECT_EQ(f.id, "CVE-2024-0727");
  EXPECT_EQ(f.package_name, "libssl3");
  EXPECT_FALSE(f.location.package_id.empty());
  EXPECT_FALSE(f.fingerprint.empty());
  EXPECT_EQ(report->tool.components.count("vulndb"), 1u);

  Request none = request(dir.path() / "root", db);
  none.scanners = {"none"};
  auto quiet = run(none);
  ASSERT_TRUE(quiet.ok());
  EXPECT_TRUE(quiet->findings.empty());

  Request bad = request(dir.path() / "root", db);
  bad.scanners = {"vuln", "nope"};
  EXPECT_FALSE(run(bad).ok());
}

TEST(ScanDetectors, MissingDatabase) {
  TempDir dir;
  make_tree(dir.path() / "root");
  Request r = request(dir.path() / "root", (dir.path() / "missing.db").string());
  auto lenient = run(r);
  ASSERT_TRUE(lenient.ok());
  EXPECT_TRUE(lenient->findings.empty());
  bool warned = false;
  for (const auto& d : lenient->diagnostics)
    if (d.message.find("no vulnerability database") != std::string::npos) warned = true;
  EXPECT_TRUE(warned);
  r.require_db = true;
  auto strict = run(r);
  ASSERT_FALSE(strict.ok());
  EXPECT_NE(strict.error().message.find("bulwark db update"), std::string::npos);
}

}  // namespace
}  // namespace bulwark::scan
