// apk: the installed databases of the trivy and osv-scalibr testdata, checked
// against counts and fields read off the files by hand (grep/awk over P:, V:,
// A:, o:, L:, D:, p:, F:, R: lines), plus edge cases.
#include <gtest/gtest.h>

#include "catalog/os/os.hpp"
#include "testing/testing.hpp"
#include "unit/catalog/catalog_testing.hpp"

namespace bulwark::catalog {
namespace {

namespace fs = std::filesystem;
using bulwark::testing::corpus_dir;
using bulwark::testing::read_file;
using testing::find_package;
using testing::scan_files;

const char* kPath = "lib/apk/db/installed";

bool depends_on(const Package& p, const Package& q) {
  return std::find(p.depends_on.begin(), p.depends_on.end(), make_package_id(q)) != p.depends_on.end();
}

TEST(Apk, TrivyTestdata) {
  BULWARK_REQUIRE_CORPUS();
  std::string text = read_file(corpus_dir() / "inputs/trivy/pkg/fanal/analyzer/pkg/apk/testdata/apk");
  std::vector<Diagnostic> d;
  auto pkgs = parse_apk_installed(text, kPath, d);
  // 16 P: lines; "invalidPackageWithoutAVersion" (line 23) has no V:.
  EXPECT_EQ(pkgs.size(), 15u);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].location.line, 23);
  EXPECT_EQ(d[0].location.path, kPath);

  const Package* musl = find_package(pkgs, "musl");
  const Package* busybox = find_package(pkgs, "busybox");
  const Package* zlib = find_package(pkgs, "zlib");
  const Package* crypto = find_package(pkgs, "libcrypto1.0");
  const Package* ssl = find_package(pkgs, "libssl1.0");
  const Package* apk = find_package(pkgs, "apk-tools");
  const Package* scanelf = find_package(pkgs, "scanelf");
  const Package* utils = find_package(pkgs, "musl-utils");
  const Package* libc_utils = find_package(pkgs, "libc-utils");
  const Package* pkgconf = find_package(pkgs, "pkgconf");
  const Package* sqlite = find_package(pkgs, "sqlite-libs");
  const Package* test = find_package(pkgs, "test");
  const Package* ada = find_package(pkgs, "ada-libs");
  ASSERT_TRUE(musl && busybox && zlib && crypto && ssl && apk && scanelf && utils && libc_utils && pkgconf &&
              sqlite && test && ada);

  EXPECT_EQ(musl->version, "1.1.14-r10");
  EXPECT_EQ(musl->arch, "x86_64");
  EXPECT_EQ(musl->src_name, "musl");
  EXPECT_EQ(musl->licenses, std::vector<std::string>{"MIT"});
  EXPECT_EQ(musl->ecosystem, "apk");
  EXPECT_EQ(musl->digest, "Q11otALzX1d1D0kVawy06IairTXS0=");
  EXPECT_EQ(musl->maintainer, "Timo Teräs <timo.teras@iki.fi>");
  EXPECT_EQ(musl->location.line, 1);
  EXPECT_EQ(musl->installed_files,
            (std::vector<std::string>{"/lib/libc.musl-x86_64.so.1", "/lib/ld-musl-x86_64.so.1"}));
  EXPECT_TRUE(musl->depends_on.empty());

  EXPECT_EQ(busybox->installed_files, (std::vector<std::string>{"/bin/busybox", "/bin/sh", "/etc/securetty",
                                                                "/etc/udhcpd.conf", "/etc/logrotate.d/acpid"}));
  // D:so:libc.musl-x86_64.so.1 resolves through musl's p:so:libc.musl-x86_64.so.1=1.
  EXPECT_EQ(busybox->depends_on, std::vector<std::string>{make_package_id(*musl)});
  EXPECT_EQ(apk->depends_on.size(), 4u);  // musl, libcrypto, libssl, zlib through so: names
  EXPECT_TRUE(depends_on(*apk, *musl) && depends_on(*apk, *crypto) && depends_on(*apk, *ssl) && depends_on(*apk, *zlib));
  // "D:!uclibc-utils scanelf musl=1.1.14-r10 so:libc.musl-x86_64.so.1": the
  // conflict is dropped, musl appears once.
  EXPECT_EQ(utils->depends_on.size(), 2u);
  EXPECT_TRUE(depends_on(*utils, *scanelf) && depends_on(*utils, *musl));
  EXPECT_EQ(utils->licenses, std::vector<std::string>{"MIT BSD GPL2+"});
  EXPECT_EQ(libc_utils->src_name, "libc-dev");
  EXPECT_TRUE(depends_on(*libc_utils, *utils));
  // "D:pkgconfig sqlite-libs=3.26.0-r3": pkgconfig is provided by pkgconf.
  EXPECT_EQ(test->depends_on.size(), 2u);
  EXPECT_TRUE(depends_on(*test, *pkgconf) && depends_on(*test, *sqlite));
  EXPECT_EQ(test->version, "2.9.11_pre20061021-r2");
  EXPECT_EQ(test->src_name, "test-parent");
  EXPECT_EQ(ada->licenses, std::vector<std::string>{"( Apache-2.0 OR MIT ) AND MPL-2.0"});

  // File counts by package (R: lines), counted with awk.
  const std::map<std::string, size_t> files = {
      {"zlib", 2},       {"busybox", 5},    {"libcrypto1.0", 15}, {"pkgconf", 5},      {"apk-tools", 1},
      {"libssl1.0", 2},  {"ada-libs", 2},   {"alpine-baselayout", 25}, {"musl-utils", 5}, {"musl", 2},
      {"test", 4},       {"scanelf", 1},    {"alpine-keys", 5},   {"sqlite-libs", 2},  {"libc-utils", 0}};
  for (const auto& [name, n] : files) EXPECT_EQ(find_package(pkgs, name)->installed_files.size(), n) << name;
}

TEST(Apk, OsvScalibrTestdata) {
  BULWARK_REQUIRE_CORPUS();
  fs::path dir = corpus_dir() / "inputs/osv-scalibr/extractor/filesystem/os/apk/testdata";
  std::vector<Diagnostic> d;
  EXPECT_TRUE(parse_apk_installed(read_file(dir / "empty"), kPath, d).empty());
  EXPECT_TRUE(d.empty());

  auto inv = parse_apk_installed(read_file(dir / "invalid"), kPath, d);  // "asdf", "", "yolo"
  EXPECT_TRUE(inv.empty());
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].location.line, 1);
  EXPECT_EQ(d[1].location.line, 3);

  d.clear();
  auto no_origin = parse_apk_installed(read_file(dir / "no-origin"), kPath, d);
  ASSERT_EQ(no_origin.size(), 1u);
  EXPECT_EQ(no_origin[0].src_name, "pkgname");  // defaults to the package's own name
  EXPECT_EQ(no_origin[0].version, "1.2.3");
  EXPECT_EQ(no_origin[0].licenses, std::vector<std::string>{"GPL-2.0-only"});

  auto arch = parse_apk_installed(read_file(dir / "different-arch"), kPath, d);
  ASSERT_EQ(arch.size(), 1u);
  EXPECT_EQ(arch[0].arch, "noarch");
  EXPECT_EQ(arch[0].src_name, "alpine-baselayout");
  EXPECT_EQ(arch[0].installed_files.size(), 15u);
  EXPECT_EQ(arch[0].installed_files.front(), "/etc/fstab");

  auto all = parse_apk_installed(read_file(dir / "installed"), kPath, d);
  EXPECT_TRUE(d.empty());
  ASSERT_EQ(all.size(), 15u);
  const std::map<std::string, std::pair<std::string, size_t>> want = {
      {"alpine-keys", {"2.4-r1", 41}}, {"libcrypto3", {"3.1.0-r4", 14}}, {"busybox-binsh", {"1.36.0-r9", 1}},
      {"ssl_client", {"1.36.0-r9", 1}}, {"zlib", {"1.2.13-r1", 2}}};
  for (const auto& [name, vf] : want) {
    const Package* p = find_package(all, name);
    ASSERT_NE(p, nullptr) << name;
    EXPECT_EQ(p->version, vf.first);
    EXPECT_EQ(p->installed_files.size(), vf.second) << name;
  }
  EXPECT_EQ(find_package(all, "ssl_client")->src_name, "busybox");
  EXPECT_EQ(find_package(all, "libssl3")->src_name, "openssl");
}

TEST(Apk, EdgeCases) {
  // Record without P: (line 4), unknown fields, no blank line at the end, a
  // provider that is also a real name, a dependency that is not installed.
  std::string text =
      "P:a\nV:1-r0\n\nV:2-r0\nA:x86_64\n\n"
      "P:b\nV:1.0-r1\nA:aarch64\nD:a>=1 cmd:c missing so:libz.so.1\nX:whatever\nq:1\n"
      "R:top-level-file\n\n\n"
      "P:c\nV:3\np:cmd:c=3\n";
  std::vector<Diagnostic> d;
  auto pkgs = parse_apk_installed(text, kPath, d);
  ASSERT_EQ(pkgs.size(), 3u);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].location.line, 4);
  EXPECT_EQ(pkgs[1].location.line, 7);
  EXPECT_EQ(pkgs[1].installed_files, std::vector<std::string>{"/top-level-file"});
  EXPECT_EQ(pkgs[1].depends_on, (std::vector<std::string>{"apk:a@1-r0", "apk:c@3"}));
  EXPECT_EQ(pkgs[2].location.line, 16);
}

TEST(Apk, PathDependencyResolvesToTheFileOwner) {
  std::string text =
      "P:busybox\nV:1.36.1-r15\nA:x86_64\nF:bin\nR:busybox\nR:sh\n\n"
      "P:ca-certificates\nV:20240226-r0\nA:x86_64\nD:/bin/sh /usr/bin/missing\n";
  std::vector<Diagnostic> d;
  auto pkgs = parse_apk_installed(text, kPath, d);
  ASSERT_EQ(pkgs.size(), 2u);
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(pkgs[0].installed_files, (std::vector<std::string>{"/bin/busybox", "/bin/sh"}));
  EXPECT_EQ(pkgs[1].depends_on, std::vector<std::string>{"apk:busybox@1.36.1-r15:x86_64"});
}

TEST(Apk, AnalyzerThroughTheFramework) {
  BULWARK_REQUIRE_CORPUS();
  std::string text = read_file(corpus_dir() / "inputs/osv-scalibr/extractor/filesystem/os/apk/testdata/installed");
  auto s = scan_files({{"lib/apk/db/installed", text}, {"etc/alpine-release", "3.18.2\n"},
                       {"lib/apk/db/installed.bak", "P:x\nV:1\n"}});
  EXPECT_TRUE(s.analyze_errors.empty());
  ASSERT_EQ(s.inventory.packages.size(), 15u);
  ASSERT_TRUE(s.inventory.os);
  EXPECT_EQ(s.inventory.os->family, "alpine");
  const Package* zlib = find_package(s.inventory.packages, "zlib");
  const Package* musl = find_package(s.inventory.packages, "musl");
  ASSERT_TRUE(zlib && musl);
  EXPECT_EQ(zlib->id, "apk:zlib@1.2.13-r1:x86_64");
  EXPECT_EQ(zlib->depends_on, std::vector<std::string>{musl->id});
  EXPECT_EQ(zlib->location.path, "lib/apk/db/installed");
  EXPECT_NE(zlib->purl.find("pkg:apk/alpine/zlib@1.2.13-r1"), std::string::npos) << zlib->purl;
}

}  // namespace
}  // namespace bulwark::catalog
