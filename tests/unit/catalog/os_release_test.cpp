// OS detection: real os-release and release files from the shared corpus
// (expectations read off each file by hand), and own fixtures for the cases the
// corpus lacks. Both detect_os() and the analyzer through the registry.
#include <gtest/gtest.h>

#include "catalog/os/os.hpp"
#include "testing/testing.hpp"
#include "unit/catalog/catalog_testing.hpp"

namespace bulwark::catalog {
namespace {

namespace fs = std::filesystem;
using bulwark::testing::corpus_dir;
using bulwark::testing::fixture;
using bulwark::testing::read_file;
using testing::scan_files;

struct Expect {
  const char* file;     // under the testdata directory
  const char* as;       // path in the target it is presented as
  const char* family;   // "" = no OS detected
  const char* version;
};

fs::path trivy_os(const std::string& rel) {
  return corpus_dir() / "inputs/trivy/pkg/fanal/analyzer/os" / rel;
}

void check(const Expect& e, const fs::path& file) {
  SCOPED_TRACE(file.string());
  ASSERT_TRUE(fs::exists(file));
  std::string content = read_file(file);
  auto os = detect_os({{e.as, content}});
  if (std::string(e.family).empty()) {
    EXPECT_FALSE(os.has_value()) << "family " << (os ? os->family : "");
    return;
  }
  ASSERT_TRUE(os.has_value());
  EXPECT_EQ(os->family, e.family);
  EXPECT_EQ(os->version, e.version);
  EXPECT_EQ(os->location.path, e.as);

  // The same through the analyzer (wants -> analyze -> contribute).
  auto s = scan_files({{e.as, content}});
  ASSERT_TRUE(s.inventory.os.has_value());
  EXPECT_EQ(s.inventory.os->family, e.family);
  EXPECT_EQ(s.inventory.os->version, e.version);
  EXPECT_EQ(s.inventory.os->location.layer, "sha256:test");
}

TEST(OsRelease, TrivyReleaseTestdata) {
  BULWARK_REQUIRE_CORPUS();
  const Expect table[] = {
      {"activestate", "etc/os-release", "activestate", "1.0"},  // unknown ID: kept as the family
      {"alma", "etc/os-release", "alma", "9.4"},
      {"alpine", "etc/os-release", "alpine", "3.15.4"},
      {"azurelinux-3.0", "etc/os-release", "azurelinux", "3.0"},
      {"bottlerocket", "etc/os-release", "bottlerocket", "1.34.0"},
      {"centos", "etc/os-release", "centos", "7"},
      {"centos-stream", "etc/os-release", "centos", "8"},
      {"coreos", "etc/os-release", "coreos", "3.15.4"},
      {"echo", "etc/os-release", "echo", "1"},
      {"fedora", "etc/os-release", "fedora", "42"},
      {"mariner-1.0", "etc/os-release", "cbl-mariner", "1.0"},
      {"mariner-2.0", "etc/os-release", "cbl-mariner", "2.0"},
      {"minimos", "etc/os-release", "minimos", "20241031"},
      {"no-id", "etc/os-release", "", ""},  // NAME alone does not say which distribution
      {"no-version", "etc/os-release", "alpine", ""},
      {"opensuseleap-15.2.1", "etc/os-release", "opensuse-leap", "15.2.1"},
      {"opensuseleap-42.3", "etc/os-release", "opensuse-leap", "42.3"},  // ID=opensuse
      {"opensusetumbleweed", "etc/os-release", "opensuse-tumbleweed", "20220412"},
      {"oracle", "usr/lib/os-release", "oracle", "8.10"},
      {"photon", "etc/os-release", "photon", "4.0"},
      {"rhel", "etc/os-release", "redhat", "9.4"},
      {"rocky", "etc/os-release", "rocky", "9.3"},
      {"slemicro", "etc/os-release", "sle-micro", "5.3"},
      {"slemicro-rancher", "etc/os-release", "sle-micro", "5.4"},
      {"slemicro6.0", "etc/os-release", "sle-micro", "6.0"},
      {"sles", "etc/os-release", "sles", "15.3"},
      {"unknown", "etc/os-release", "unknown", "4.3.2"},
  };
  size_t n = 0;
  for (const auto& e : table) {
    check(e, trivy_os("release/testdata") / e.file);
    ++n;
  }
  // Every file of the directory is in the table.
  size_t files = 0;
  for (const auto& ent : fs::directory_iterator(trivy_os("release/testdata"))) files += ent.is_regular_file();
  EXPECT_EQ(files, n);
}

TEST(OsRelease, TrivyReleaseLineTestdata) {
  BULWARK_REQUIRE_CORPUS();
  const Expect table[] = {
      {"redhatbase/testdata/oracle_7/oracle-release", "etc/oracle-release", "oracle", "7.6"},
      {"redhatbase/testdata/alma/almalinux-release", "etc/almalinux-release", "alma", "8.4"},
      {"redhatbase/testdata/rocky/rocky-release", "etc/rocky-release", "rocky", "8.4"},
      // "Red Hat Linux release 6.2 (Zoot)": Red Hat, though not "Enterprise".
      {"redhatbase/testdata/redhat_6/redhat-release", "etc/redhat-release", "redhat", "6.2"},
      {"redhatbase/testdata/fedora_29/fedora-release", "etc/fedora-release", "fedora", "29"},
      {"redhatbase/testdata/centos/centos-release", "etc/centos-release", "centos", "7.6.1810"},
      {"redhatbase/testdata/centos/centos-release", "etc/redhat-release", "centos", "7.6.1810"},
      {"redhatbase/testdata/not_redhatbase/empty", "etc/redhat-release", "", ""},
      {"debian/testdata/debian_9/etc/debian_version", "etc/debian_version", "debian", "9.8"},
      // "buster/sid" is a codename, not a version.
      {"debian/testdata/debian_sid/etc/debian_version", "etc/debian_version", "debian", ""},
      {"ubuntu/testdata/lsb-release", "etc/lsb-release", "ubuntu", "18.04"},
      {"ubuntu/testdata/invalid", "etc/lsb-release", "", ""},
  };
  for (const auto& e : table) check(e, trivy_os(e.file));

  auto deb9 = detect_os({{"etc/debian_version", read_file(trivy_os("debian/testdata/debian_9/etc/debian_version"))}});
  ASSERT_TRUE(deb9);
  EXPECT_EQ(deb9->codename, "stretch");
  EXPECT_EQ(deb9->eol, "2020-07-18");
  auto bionic = detect_os({{"etc/lsb-release", read_file(trivy_os("ubuntu/testdata/lsb-release"))}});
  ASSERT_TRUE(bionic);
  EXPECT_EQ(bionic->codename, "bionic");
  EXPECT_EQ(bionic->eol, "2023-05-31");
}

TEST(OsRelease, CodenamesAndEolFromTrivyTestdata) {
  BULWARK_REQUIRE_CORPUS();
  struct Case {
    const char* file;
    const char* codename;
    const char* eol;
  };
  // Codenames as the files write them in VERSION's parentheses; Fedora's
  // "(Container Image)" is an edition, not a codename, so none is taken.
  const Case cases[] = {
      {"rhel", "Plow", "2032-05-31"},
      {"centos", "Core", "2024-06-30"},
      {"centos-stream", "", "2024-05-31"},  // Stream 8, not CentOS Linux 8 (2021-12-31)
      {"rocky", "Blue Onyx", "2032-05-31"},
      {"alma", "Seafoam Ocelot", "2032-05-31"},
      {"fedora", "", ""},
      {"alpine", "", "2023-11-01"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    auto os = detect_os({{"etc/os-release", read_file(trivy_os("release/testdata") / c.file)}});
    ASSERT_TRUE(os);
    EXPECT_EQ(os->codename, c.codename);
    EXPECT_EQ(os->eol, c.eol);
  }
  // A release line alone gives the codename too.
  auto rocky = detect_os({{"etc/rocky-release", read_file(trivy_os("redhatbase/testdata/rocky/rocky-release"))}});
  ASSERT_TRUE(rocky);
  EXPECT_EQ(rocky->codename, "Green Obsidian");
  EXPECT_EQ(rocky->eol, "2029-05-31");
}

// Loads every file under tests/fixtures/catalog/os/<name>/ as (path, content).
std::vector<std::pair<std::string, std::string>> rootfs(const std::string& name) {
  std::vector<std::pair<std::string, std::string>> out;
  fs::path root = fixture("catalog/os/" + name);
  for (const auto& ent : fs::recursive_directory_iterator(root))
    if (ent.is_regular_file()) out.emplace_back(fs::relative(ent.path(), root).string(), read_file(ent.path()));
  std::sort(out.begin(), out.end());
  return out;
}

OsInfo detect_fixture(const std::string& name) {
  auto files = rootfs(name);
  auto os = detect_os(files);
  EXPECT_TRUE(os.has_value()) << name;
  if (!os) return {};
  auto s = scan_files(files);
  EXPECT_TRUE(s.inventory.os.has_value()) << name;
  if (s.inventory.os) {
    OsInfo a = *s.inventory.os, b = *os;
    a.location.layer.clear();
    EXPECT_EQ(a, b) << name << ": the analyzer and detect_os disagree";
  }
  return *os;
}

TEST(OsRelease, DebianPointRelease) {
  OsInfo os = detect_fixture("debian12");
  EXPECT_EQ(os.family, "debian");
  EXPECT_EQ(os.version, "12.5");  // debian_version refines VERSION_ID=12
  EXPECT_EQ(os.codename, "bookworm");
  EXPECT_EQ(os.eol, "2026-07-11");
  EXPECT_EQ(os.name, "Debian GNU/Linux");
  EXPECT_EQ(os.pretty_name, "Debian GNU/Linux 12 (bookworm)");
  EXPECT_EQ(os.location.path, "etc/os-release");
  EXPECT_FALSE(os.distroless);
}

TEST(OsRelease, UbuntuFromLsbReleaseDespiteDebianVersion) {
  // Ubuntu images carry etc/debian_version ("bookworm/sid"): lsb-release must win.
  OsInfo os = detect_fixture("ubuntu2204");
  EXPECT_EQ(os.family, "ubuntu");
  EXPECT_EQ(os.version, "22.04");
  EXPECT_EQ(os.codename, "jammy");
  EXPECT_EQ(os.eol, "2027-06-01");
  EXPECT_EQ(os.location.path, "etc/lsb-release");
}

TEST(OsRelease, AlpineReleaseOnly) {
  OsInfo os = detect_fixture("alpine");
  EXPECT_EQ(os.family, "alpine");
  EXPECT_EQ(os.version, "3.19.1");
  EXPECT_EQ(os.eol, "2025-11-01");
  EXPECT_EQ(os.location.path, "etc/alpine-release");
}

TEST(OsRelease, WolfiAndChainguard) {
  OsInfo w = detect_fixture("wolfi");
  EXPECT_EQ(w.family, "wolfi");
  EXPECT_EQ(w.version, "20230201");
  OsInfo c = detect_fixture("chainguard");
  EXPECT_EQ(c.family, "chainguard");
  EXPECT_EQ(c.version, "20230214");
}

TEST(OsRelease, AmazonLinux2SystemReleaseOnly) {
  OsInfo os = detect_fixture("amzn2");
  EXPECT_EQ(os.family, "amazon");
  EXPECT_EQ(os.version, "2");
  EXPECT_EQ(os.eol, "2026-06-30");
  EXPECT_EQ(os.name, "Amazon Linux release 2 (Karoo)");
  EXPECT_EQ(os.location.path, "etc/system-release");

  auto al2023 = detect_os({{"etc/os-release", "ID=\"amzn\"\nVERSION_ID=\"2023\"\n"},
                           {"etc/system-release", "Amazon Linux release 2023.4.20240416 (Amazon Linux)\n"}});
  ASSERT_TRUE(al2023);
  EXPECT_EQ(al2023->family, "amazon");
  EXPECT_EQ(al2023->version, "2023.4.20240416");
  EXPECT_EQ(al2023->eol, "2029-06-30");
}

TEST(OsRelease, CentosReleaseRefinesVersion) {
  OsInfo os = detect_fixture("centos7");
  EXPECT_EQ(os.family, "centos");
  EXPECT_EQ(os.version, "7.9.2009");
  EXPECT_EQ(os.eol, "2024-06-30");
  EXPECT_EQ(os.location.path, "etc/os-release");
}

TEST(OsRelease, OracleWithoutOsReleaseIsNotRedHat) {
  // Oracle Linux 7's etc/redhat-release names Red Hat; etc/oracle-release is the
  // vendor's own file and must decide.
  OsInfo os = detect_fixture("oracle7");
  EXPECT_EQ(os.family, "oracle");
  EXPECT_EQ(os.version, "7.9");
  EXPECT_EQ(os.location.path, "etc/oracle-release");
}

TEST(OsRelease, Distroless) {
  OsInfo os = detect_fixture("distroless");
  EXPECT_TRUE(os.distroless);
  EXPECT_EQ(os.family, "debian");
  EXPECT_EQ(os.version, "12");
  EXPECT_EQ(os.codename, "bookworm");

  // Older distroless images have no ID at all.
  auto bare = detect_os({{"etc/os-release", "PRETTY_NAME=\"Distroless\"\nNAME=\"Debian GNU/Linux\"\n"}});
  ASSERT_TRUE(bare);
  EXPECT_TRUE(bare->distroless);
  EXPECT_EQ(bare->family, "debian");
}

TEST(OsRelease, DebianTestingHasNoNumericVersion) {
  OsInfo os = detect_fixture("debian-testing");
  EXPECT_EQ(os.family, "debian");
  EXPECT_EQ(os.version, "");  // "trixie/sid" is not a version
  EXPECT_EQ(os.codename, "trixie");
  EXPECT_EQ(os.eol, "");
}

TEST(OsRelease, ReleaseFileOfAnotherFamilyDoesNotRefine) {
  // Ubuntu with os-release and debian_version: debian_version must not touch it.
  auto os = detect_os({{"etc/os-release", "ID=ubuntu\nVERSION_ID=\"22.04\"\nVERSION_CODENAME=jammy\n"},
                       {"etc/debian_version", "12.5\n"}});
  ASSERT_TRUE(os);
  EXPECT_EQ(os->family, "ubuntu");
  EXPECT_EQ(os->version, "22.04");
  // A release number that is not an extension of VERSION_ID does not replace it.
  auto rocky = detect_os({{"etc/os-release", "ID=rocky\nVERSION_ID=9.3\n"},
                          {"etc/rocky-release", "Rocky Linux release 8.4 (Green Obsidian)\n"}});
  ASSERT_TRUE(rocky);
  EXPECT_EQ(rocky->version, "9.3");
}

TEST(OsRelease, OldSuseReleaseFile) {
  // etc/SuSE-release as SLES 12 SP3 and openSUSE Leap 42.3 wrote it.
  auto sles = detect_os({{"etc/SuSE-release",
                          "SUSE Linux Enterprise Server 12 (x86_64)\nVERSION = 12\nPATCHLEVEL = 3\n"
                          "# This file is deprecated and will be removed in a future service pack or release.\n"}});
  ASSERT_TRUE(sles);
  EXPECT_EQ(sles->family, "sles");
  EXPECT_EQ(sles->version, "12.3");
  auto leap = detect_os({{"etc/SuSE-release", "openSUSE 42.3 (x86_64)\nVERSION = 42.3\nCODENAME = Malachite\n"}});
  ASSERT_TRUE(leap);
  EXPECT_EQ(leap->family, "opensuse-leap");
  EXPECT_EQ(leap->version, "42.3");
}

TEST(OsRelease, EtcOsReleaseWinsOverUsrLib) {
  auto os = detect_os({{"usr/lib/os-release", "ID=alpine\nVERSION_ID=3.18.0\n"},
                       {"etc/os-release", "ID=alpine\nVERSION_ID=3.19.0\n"}});
  ASSERT_TRUE(os);
  EXPECT_EQ(os->version, "3.19.0");
  EXPECT_EQ(os->location.path, "etc/os-release");
}

TEST(OsRelease, IdLikeGivesFamilyOfUnknownDerivative) {
  auto os = detect_os({{"etc/os-release", "ID=mydistro\nID_LIKE=\"rhel fedora\"\nVERSION_ID=9\n"}});
  ASSERT_TRUE(os);
  EXPECT_EQ(os->family, "redhat");
}

TEST(OsRelease, QuotingAndComments) {
  auto os = detect_os({{"etc/os-release",
                        "# comment\n\nID='debian'\r\nNAME=\"Debian \\\"GNU\\\"/Linux\"\r\nVERSION_ID=\"11\"\r\n"}});
  ASSERT_TRUE(os);
  EXPECT_EQ(os->family, "debian");
  EXPECT_EQ(os->version, "11");
  EXPECT_EQ(os->name, "Debian \"GNU\"/Linux");
  EXPECT_EQ(os->codename, "bullseye");
}

TEST(OsRelease, ShellQuotingOfValues) {
  auto s = scan_files({{"etc/os-release",
                        "ID=debian\n"
                        "NAME='single \\ kept'\n"
                        "PRETTY_NAME=\"a \\$b \\`c\\` \\\\ d\"' and 'e\\ f\n"
                        "VERSION_ID=\"12\n"
                        "VERSION_CODENAME=bookworm\n"}});
  ASSERT_TRUE(s.inventory.os);
  EXPECT_EQ(s.inventory.os->name, "single \\ kept");
  EXPECT_EQ(s.inventory.os->pretty_name, "a $b `c` \\ d and e f");
  EXPECT_EQ(s.inventory.os->codename, "bookworm");
  // The unterminated quote is reported on its line; the text read is kept.
  ASSERT_EQ(s.diagnostics.size(), 1u);
  EXPECT_EQ(s.diagnostics[0].location.line, 4);
  EXPECT_NE(s.diagnostics[0].message.find("VERSION_ID"), std::string::npos);
  EXPECT_EQ(s.inventory.os->version, "12");
}

TEST(OsRelease, BadLinesAreDiagnosticsWithLineNumbers) {
  auto s = scan_files({{"etc/os-release", "ID=alpine\nthis is not a field\nVERSION_ID=3.20.1\n"}});
  ASSERT_TRUE(s.inventory.os);
  EXPECT_EQ(s.inventory.os->version, "3.20.1");
  ASSERT_EQ(s.diagnostics.size(), 1u);
  EXPECT_EQ(s.diagnostics[0].location.path, "etc/os-release");
  EXPECT_EQ(s.diagnostics[0].location.line, 2);
}

TEST(OsRelease, AnalyzerWantsOnlyReleaseFiles) {
  AnalyzerRegistry reg;
  register_os_analyzers(reg);
  const Analyzer* a = reg.find("os-release");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->wants("etc/os-release", 100));
  EXPECT_TRUE(a->wants("usr/lib/os-release", 100));
  EXPECT_TRUE(a->wants("etc/centos-release", 100));
  EXPECT_FALSE(a->wants("etc/os-release.bak", 100));
  EXPECT_FALSE(a->wants("home/x/etc/os-release", 100));
}

TEST(OsRelease, NothingKnownGivesNoOs) {
  EXPECT_FALSE(detect_os({}).has_value());
  EXPECT_FALSE(detect_os({{"etc/redhat-release", "\n"}}).has_value());
  EXPECT_FALSE(detect_os({{"etc/os-release", "\xff\xfe\x00garbage"}}).has_value());
}

}  // namespace
}  // namespace bulwark::catalog
