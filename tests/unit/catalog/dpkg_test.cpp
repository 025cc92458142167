// dpkg: a real debootstrap status file against its recorded package list, this
// machine's own database against dpkg-query, the trivy and osv-scalibr
// testdata, and own fixtures for the edge cases; then the analyzer through the
// framework (status + info lists + copyright -> one inventory).
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "catalog/os/os.hpp"
#include "testing/testing.hpp"
#include "unit/catalog/catalog_testing.hpp"

namespace bulwark::catalog {
namespace {

namespace fs = std::filesystem;
using bulwark::testing::corpus_dir;
using bulwark::testing::fixture;
using bulwark::testing::read_file;
using bulwark::testing::TempDir;
using testing::find_package;
using testing::scan_files;

std::vector<Package> parse(const std::string& text, std::vector<Diagnostic>& diags,
                           const std::string& path = "var/lib/dpkg/status") {
  return parse_dpkg_status(text, path, diags);
}

std::string triple(const Package& p) { return p.name + " " + p.version + " " + p.arch; }

TEST(Dpkg, DebootstrapMinbaseMatchesRecordedList) {
  BULWARK_REQUIRE_CORPUS();
  TempDir tmp;
  ASSERT_TRUE(bulwark::testing::untar(corpus_dir() / "distro/debian-tracker-bookworm-minbase.tar.gz", tmp.path()));
  std::string status = read_file(tmp / "minbase-rootfs/var/lib/dpkg/status");
  std::vector<Diagnostic> diags;
  auto pkgs = parse(status, diags);
  EXPECT_TRUE(diags.empty()) << diags.front().message;

  // installed-binary-packages.tsv: header, then package version arch source source_version.
  std::istringstream tsv(read_file(tmp / "installed-binary-packages.tsv"));
  std::string line;
  std::getline(tsv, line);
  ASSERT_EQ(line, "package\tversion\tarchitecture\tsource\tsource_version");
  std::multiset<std::string> want, got, want_src, got_src;
  while (std::getline(tsv, line)) {
    std::vector<std::string> col;
    std::istringstream ls(line);
    for (std::string c; std::getline(ls, c, '\t');) col.push_back(c);
    ASSERT_EQ(col.size(), 5u) << line;
    want.insert(col[0] + " " + col[1] + " " + col[2]);
    want_src.insert(col[0] + " " + col[3] + " " + col[4]);
  }
  for (const auto& p : pkgs) {
    got.insert(triple(p));
    got_src.insert(p.name + " " + p.src_name + " " + p.src_version);
  }
  EXPECT_EQ(want.size(), 88u);
  EXPECT_EQ(got, want);
  EXPECT_EQ(got_src, want_src);

  const Package* z = find_package(pkgs, "zlib1g");
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(z->src_name, "zlib");
  EXPECT_EQ(z->version, "1:1.2.13.dfsg-1");
  EXPECT_EQ(z->epoch, 1);
  EXPECT_EQ(z->ecosystem, "deb");
  EXPECT_GT(z->location.line, 0);
  EXPECT_EQ(z->location.path, "var/lib/dpkg/status");
  // libc6 is depended upon by nearly everything; its own edges resolve.
  const Package* libc = find_package(pkgs, "libc6");
  ASSERT_NE(libc, nullptr);
  EXPECT_EQ(libc->src_name, "glibc");
  const Package* apt = find_package(pkgs, "apt");
  ASSERT_NE(apt, nullptr);
  EXPECT_NE(std::find(apt->depends_on.begin(), apt->depends_on.end(), make_package_id(*libc)), apt->depends_on.end());

  // The analyzer over the same rootfs (status + os-release + debian_version).
  auto s = scan_files({{"var/lib/dpkg/status", status},
                       {"etc/os-release", read_file(tmp / "minbase-rootfs/etc/os-release")},
                       {"etc/debian_version", read_file(tmp / "minbase-rootfs/etc/debian_version")}});
  ASSERT_TRUE(s.inventory.os);
  EXPECT_EQ(s.inventory.os->family, "debian");
  EXPECT_EQ(s.inventory.os->version, "12.15");
  EXPECT_EQ(s.inventory.packages.size(), 88u);
  for (const auto& p : s.inventory.packages) {
    EXPECT_FALSE(p.id.empty());
    EXPECT_NE(p.purl.find("distro=debian-12.15"), std::string::npos) << p.purl;
  }
}

// The states for which the code reports a package (files are on disk).
bool has_files(const std::string& state) {
  return state == "installed" || state == "triggers-awaited" || state == "triggers-pending" ||
         state == "half-configured" || state == "unpacked";
}

TEST(Dpkg, HostDatabaseMatchesDpkgQuery) {
  BULWARK_REQUIRE_TOOL("dpkg-query");
  if (!fs::exists("/var/lib/dpkg/status")) GTEST_SKIP() << "no dpkg database on this machine";
  auto q = bulwark::testing::run(
      {"dpkg-query", "-W", "-f=${db:Status-Status} ${Package} ${Version} ${Architecture}\n"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  std::multiset<std::string> want;
  std::istringstream in(q.out);
  for (std::string line; std::getline(in, line);) {
    size_t sp = line.find(' ');
    if (has_files(line.substr(0, sp))) want.insert(line.substr(sp + 1));
  }
  std::vector<Diagnostic> diags;
  auto pkgs = parse(read_file("/var/lib/dpkg/status"), diags, "var/lib/dpkg/status");
  std::multiset<std::string> got;
  for (const auto& p : pkgs) got.insert(triple(p));
  EXPECT_GT(want.size(), 50u);
  EXPECT_EQ(got, want);
  EXPECT_TRUE(diags.empty());
}

// The status file of a trivy txtar archive ("-- var/lib/dpkg/status --" section).
std::string txtar_section(const std::string& archive, const std::string& name) {
  std::istringstream in(archive);
  std::string out, line;
  bool on = false;
  while (std::getline(in, line)) {
    if (line.rfind("-- ", 0) == 0 && line.size() > 6 && line.compare(line.size() - 3, 3, " --") == 0) {
      on = line == "-- " + name + " --";
      continue;
    }
    if (on) out += line + "\n";
  }
  return out;
}

TEST(Dpkg, TrivyTestdata) {
  BULWARK_REQUIRE_CORPUS();
  fs::path dir = corpus_dir() / "inputs/trivy/pkg/fanal/analyzer/pkg/dpkg/testdata";
  // Package counts checked by hand: installed stanzas of each status section.
  const std::map<std::string, size_t> counts = {{"corrupsed.txtar", 4}, {"digest.txtar", 2},
                                                {"md5sums.txtar", 1},   {"only-apt.txtar", 1},
                                                {"third-party.txtar", 2}, {"valid.txtar", 90}};
  for (const auto& [file, n] : counts) {
    SCOPED_TRACE(file);
    std::vector<Diagnostic> diags;
    auto pkgs = parse(txtar_section(read_file(dir / file), "var/lib/dpkg/status"), diags);
    EXPECT_EQ(pkgs.size(), n);
  }
  // valid.txtar: one "deinstall ok config-files" package is left out.
  std::vector<Diagnostic> diags;
  auto valid = parse(txtar_section(read_file(dir / "valid.txtar"), "var/lib/dpkg/status"), diags);
  EXPECT_TRUE(diags.empty());
  const Package* fdisk = find_package(valid, "fdisk");
  ASSERT_NE(fdisk, nullptr);
  EXPECT_EQ(fdisk->version, "2.31.1-0.4ubuntu3.1");
  EXPECT_EQ(fdisk->src_name, "util-linux");
  EXPECT_EQ(fdisk->src_version, "2.31.1-0.4ubuntu3.1");
  EXPECT_EQ(fdisk->arch, "amd64");

  // corrupsed.txtar: two stanzas without Status (one also without Version) are
  // reported, not silently dropped; libgcc1 has "Source: gcc-5 (5.1.1-12ubuntu1)".
  diags.clear();
  auto corrupt = parse(txtar_section(read_file(dir / "corrupsed.txtar"), "var/lib/dpkg/status"), diags);
  const Package* gcc = find_package(corrupt, "libgcc1");
  ASSERT_NE(gcc, nullptr);
  EXPECT_EQ(gcc->src_name, "gcc-5");
  EXPECT_EQ(gcc->src_version, "5.1.1-12ubuntu1");
  EXPECT_EQ(gcc->version, "1:5.1.1-12ubuntu1");
  EXPECT_EQ(gcc->epoch, 1);
  EXPECT_EQ(find_package(corrupt, "git"), nullptr);
  ASSERT_EQ(diags.size(), 2u);
  for (const auto& d : diags) {
    EXPECT_EQ(d.location.path, "var/lib/dpkg/status");
    EXPECT_GT(d.location.line, 0);
  }
  EXPECT_NE(diags[0].message.find("brokenPackageWithNoVersionThatShouldGetThrownOut"), std::string::npos);
  EXPECT_NE(diags[1].message.find("invalidpkg"), std::string::npos);
}

TEST(Dpkg, OsvScalibrTestdata) {
  BULWARK_REQUIRE_CORPUS();
  fs::path dir = corpus_dir() / "inputs/osv-scalibr/extractor/filesystem/os/dpkg/testdata/dpkg";
  auto run = [&](const std::string& file, std::vector<Diagnostic>& diags) {
    std::string path = file.rfind("status.d/", 0) == 0 ? "var/lib/dpkg/" + file : "var/lib/dpkg/status";
    return parse_dpkg_status(read_file(dir / file), path, diags);
  };
  std::vector<Diagnostic> d;
  EXPECT_TRUE(run("empty", d).empty());
  EXPECT_TRUE(d.empty());

  d.clear();
  EXPECT_TRUE(run("invalid", d).empty());  // "asdf", "yolo": neither fields nor continuations
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].location.line, 1);
  EXPECT_EQ(d[1].location.line, 3);

  d.clear();
  auto nopkg = run("nopackage", d);  // middle stanza (line 5) has no Package field
  ASSERT_EQ(nopkg.size(), 2u);
  EXPECT_EQ(nopkg[0].name, "foo");
  EXPECT_EQ(nopkg[1].name, "bar");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].location.line, 5);

  d.clear();
  auto nover = run("noversion", d);  // acl (line 5) has no Version
  ASSERT_EQ(nover.size(), 2u);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].location.line, 5);
  EXPECT_NE(d[0].message.find("acl"), std::string::npos);

  d.clear();
  auto single = run("single", d);
  ASSERT_EQ(single.size(), 1u);
  EXPECT_EQ(triple(single[0]), "acl 2.3.1-3 amd64");
  EXPECT_EQ(single[0].maintainer, "Guillem Jover <guillem@debian.org>");
  EXPECT_TRUE(single[0].depends_on.empty());  // libacl1, libc6 are not installed here
  EXPECT_EQ(run("trailingnewlines", d).size(), 1u);

  d.clear();
  auto st = run("statusfield", d);
  std::set<std::string> names;
  for (const auto& p : st) names.insert(p.name);
  EXPECT_EQ(names, (std::set<std::string>{"wantinstall_installed", "wantdeinstall_installed",
                                          "wantinstall_unpacked", "wantpurge_installed"}));
  ASSERT_EQ(d.size(), 1u);  // wantnostatus
  EXPECT_NE(d[0].message.find("wantnostatus"), std::string::npos);

  d.clear();
  auto ice = run("transitional", d);
  ASSERT_EQ(ice.size(), 1u);
  EXPECT_EQ(ice[0].src_name, "firefox-esr");
  EXPECT_EQ(ice[0].src_version, "78.13.0esr-1~deb10u1");

  d.clear();
  auto valid = run("valid", d);
  EXPECT_EQ(valid.size(), 7u);
  EXPECT_TRUE(d.empty());

  // status.d/foo is a distroless file without Status; foo.md5sums is not a status file.
  d.clear();
  auto foo = run("status.d/foo", d);
  EXPECT_EQ(foo.size(), 1u);
  EXPECT_TRUE(d.empty());
}

TEST(Dpkg, ContinuationLinesAndCrlf) {
  std::string text =
      "Package: a\r\nStatus: install ok installed\r\nVersion: 1.0-1\r\nArchitecture: amd64\r\n"
      "Depends: b (>= 2),\r\n c | d\r\nDescription: x\r\n long\r\n .\r\n text\r\n\r\n"
      "Package: b\r\nStatus: install ok installed\r\nVersion: 2.0\r\nArchitecture: amd64\r\n"
      "Provides: virt\r\n\r\n"
      "Package: c\r\nStatus: install ok installed\r\nVersion: 3.0\r\nArchitecture: all\r\n";
  std::vector<Diagnostic> d;
  auto pkgs = parse(text, d);
  ASSERT_EQ(pkgs.size(), 3u);
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(pkgs[0].version, "1.0-1");
  EXPECT_EQ(pkgs[0].arch, "amd64");  // no trailing \r
  EXPECT_EQ(pkgs[2].location.line, 18);
  // The continued Depends line still yields b and c (d is not installed).
  EXPECT_EQ(pkgs[0].depends_on, (std::vector<std::string>{make_package_id(pkgs[1]), make_package_id(pkgs[2])}));
}

TEST(Dpkg, StanzaWithoutVersionIsADiagnosticWithItsLine) {
  std::string text =
      "Package: ok\nStatus: install ok installed\nVersion: 1\n\n"
      "Package: broken\nStatus: install ok installed\nArchitecture: amd64\n\n"
      "Package: ok2\nStatus: install ok installed\nVersion: 2\n";
  std::vector<Diagnostic> d;
  auto pkgs = parse(text, d);
  ASSERT_EQ(pkgs.size(), 2u);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].location.line, 5);
  EXPECT_EQ(d[0].location.path, "var/lib/dpkg/status");
  EXPECT_NE(d[0].message.find("broken"), std::string::npos);
  EXPECT_NE(d[0].message.find("Version"), std::string::npos);
}

TEST(Dpkg, SourceWithVersionAndConfigFilesExcluded) {
  std::string text =
      "Package: libgcc-s1\nStatus: install ok installed\nArchitecture: amd64\n"
      "Source: gcc-12 (12.2.0-14)\nVersion: 12.2.0-14\n\n"
      "Package: libbsd0\nStatus: install ok installed\nArchitecture: amd64\n"
      "Source: libbsd\nVersion: 0.11.7-2\n\n"
      "Package: old\nStatus: deinstall ok config-files\nVersion: 1\n\n"
      "Package: gone\nStatus: purge ok not-installed\n\n"
      "Package: half\nStatus: install reinstreq half-installed\nVersion: 1\n\n"
      "Package: trig\nStatus: install ok triggers-pending\nVersion: 1\n";
  std::vector<Diagnostic> d;
  auto pkgs = parse(text, d);
  EXPECT_TRUE(d.empty());
  ASSERT_EQ(pkgs.size(), 3u);
  EXPECT_EQ(pkgs[0].src_name, "gcc-12");
  EXPECT_EQ(pkgs[0].src_version, "12.2.0-14");
  EXPECT_EQ(pkgs[1].src_name, "libbsd");
  EXPECT_EQ(pkgs[1].src_version, "0.11.7-2");
  EXPECT_EQ(pkgs[2].name, "trig");
}

TEST(Dpkg, DependsResolveToInstalledPackagesOnly) {
  std::string text =
      "Package: app\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\n"
      "Pre-Depends: libc6 (>= 2.34)\n"
      "Depends: perl:any, awk | nawk, libmissing (>= 1), libc6:amd64 (>= 2.0), app\n\n"
      "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nArchitecture: amd64\n\n"
      "Package: perl\nStatus: install ok installed\nVersion: 5.36.0-7\nArchitecture: amd64\n\n"
      "Package: mawk\nStatus: install ok installed\nVersion: 1.3.4\nArchitecture: amd64\n"
      "Provides: awk\n\n"
      "Package: nawk\nStatus: deinstall ok config-files\nVersion: 1\nArchitecture: amd64\n";
  std::vector<Diagnostic> d;
  auto pkgs = parse(text, d);
  ASSERT_EQ(pkgs.size(), 4u);
  std::vector<std::string> want = {"deb:libc6@2.36-9:amd64", "deb:mawk@1.3.4:amd64", "deb:perl@5.36.0-7:amd64"};
  EXPECT_EQ(pkgs[0].depends_on, want);  // sorted, unique, no self edge, nothing not installed
  EXPECT_EQ(pkgs[0].id, "deb:app@1:amd64");
}

TEST(Dpkg, DistrolessStatusD) {
  std::vector<Diagnostic> d;
  auto base = parse_dpkg_status(read_file(fixture("catalog/dpkg/status.d-base-files")),
                                "var/lib/dpkg/status.d/base", d);
  ASSERT_EQ(base.size(), 1u);  // no Status field: status.d files list installed packages only
  EXPECT_EQ(triple(base[0]), "base-files 12.4+deb12u5 amd64");
  EXPECT_TRUE(d.empty());

  auto s = scan_files({{"var/lib/dpkg/status.d/base", read_file(fixture("catalog/dpkg/status.d-base-files"))},
                       {"var/lib/dpkg/status.d/libssl3", read_file(fixture("catalog/dpkg/status.d-libssl3"))},
                       {"var/lib/dpkg/status.d/libssl3.md5sums", "d41d8cd98f00b204e9800998ecf8427e  usr/lib/x\n"},
                       {"etc/os-release", read_file(fixture("catalog/os/distroless/etc/os-release"))}});
  EXPECT_TRUE(s.diagnostics.empty());
  ASSERT_EQ(s.inventory.packages.size(), 2u);
  const Package* ssl = find_package(s.inventory.packages, "libssl3");
  ASSERT_NE(ssl, nullptr);
  EXPECT_EQ(ssl->src_name, "openssl");
  EXPECT_EQ(ssl->location.path, "var/lib/dpkg/status.d/libssl3");
  ASSERT_TRUE(s.inventory.os);
  EXPECT_TRUE(s.inventory.os->distroless);
}

TEST(Dpkg, AnalyzerJoinsInfoListsAndCopyright) {
  std::string status =
      "Package: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\n"
      "Source: zlib\nDepends: libc6 (>= 2.14)\n\n"
      "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\n"
      "Source: glibc\n\n"
      "Package: old\nStatus: deinstall ok config-files\nVersion: 1\nArchitecture: amd64\n";
  auto s = scan_files({
      {"var/lib/dpkg/status", status},
      {"var/lib/dpkg/info/zlib1g:amd64.list", read_file(fixture("catalog/dpkg/zlib1g.list"))},
      {"var/lib/dpkg/info/zlib1g:amd64.md5sums", "x  usr/lib/x86_64-linux-gnu/libz.so.1.2.13\n"},
      {"var/lib/dpkg/info/old.list", "/etc/old.conf\n"},
      {"usr/share/doc/zlib1g/copyright", read_file(fixture("catalog/dpkg/copyright-zlib1g"))},
      {"usr/share/doc/libc6/copyright", "This is not a DEP-5 file.\n"},
      {"usr/share/doc/zlib1g/examples/copyright", "License: WRONG\n"},
  });
  EXPECT_TRUE(s.analyze_errors.empty());
  ASSERT_EQ(s.inventory.packages.size(), 2u);
  const Package* z = find_package(s.inventory.packages, "zlib1g");
  const Package* c = find_package(s.inventory.packages, "libc6");
  ASSERT_TRUE(z && c);
  EXPECT_EQ(z->installed_files.size(), 10u);  // every line except "/."
  EXPECT_EQ(z->installed_files.front(), "/usr");
  EXPECT_EQ(z->installed_files.back(), "/usr/lib/x86_64-linux-gnu/libz.so.1");
  EXPECT_TRUE(c->installed_files.empty());
  EXPECT_EQ(z->licenses, (std::vector<std::string>{"Zlib", "BSL-1.0"}));  // "Zlib," is the same licence
  EXPECT_TRUE(c->licenses.empty());
  EXPECT_EQ(z->depends_on, std::vector<std::string>{c->id});
  EXPECT_EQ(z->id, "deb:zlib1g@1:1.2.13.dfsg-1:amd64");
}

TEST(Dpkg, MultiArchPackagesKeepTheirOwnFileLists) {
  std::string status =
      "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nArchitecture: amd64\nMulti-Arch: same\n\n"
      "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nArchitecture: i386\nMulti-Arch: same\n\n"
      "Package: bash\nStatus: install ok installed\nVersion: 5.2.15-2+b2\nArchitecture: amd64\n";
  auto s = scan_files({{"var/lib/dpkg/status", status},
                       {"var/lib/dpkg/info/libc6:amd64.list", "/lib/x86_64-linux-gnu/libc.so.6\n"},
                       {"var/lib/dpkg/info/libc6:i386.list", "/lib/i386-linux-gnu/libc.so.6\n"},
                       {"var/lib/dpkg/info/bash.list", "/bin/bash\n"}});
  ASSERT_EQ(s.inventory.packages.size(), 3u);
  for (const auto& p : s.inventory.packages) {
    ASSERT_EQ(p.installed_files.size(), 1u) << p.id;
    if (p.name == "bash") EXPECT_EQ(p.installed_files[0], "/bin/bash");
    else if (p.arch == "amd64") EXPECT_EQ(p.installed_files[0], "/lib/x86_64-linux-gnu/libc.so.6");
    else EXPECT_EQ(p.installed_files[0], "/lib/i386-linux-gnu/libc.so.6");
  }
}

TEST(Dpkg, MultiArchDependenciesStayWithinTheirArchitecture) {
  // An i386 program next to its amd64 twin: each one's libc6 is its own
  // architecture's; an Architecture: all package meets either.
  std::string status =
      "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nArchitecture: amd64\nMulti-Arch: same\n\n"
      "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nArchitecture: i386\nMulti-Arch: same\n\n"
      "Package: tzdata\nStatus: install ok installed\nVersion: 2024a-0+deb12u1\nArchitecture: all\n\n"
      "Package: libfoo1\nStatus: install ok installed\nVersion: 1\nArchitecture: i386\nMulti-Arch: same\n"
      "Depends: libc6 (>= 2.34), tzdata\n\n"
      "Package: libfoo1\nStatus: install ok installed\nVersion: 1\nArchitecture: amd64\nMulti-Arch: same\n"
      "Depends: libc6 (>= 2.34)\n";
  for (bool through_analyzer : {false, true}) {
    SCOPED_TRACE(through_analyzer ? "analyzer" : "parse_dpkg_status");
    std::vector<Package> pkgs;
    if (through_analyzer) {
      pkgs = scan_files({{"var/lib/dpkg/status", status}}).inventory.packages;
    } else {
      std::vector<Diagnostic> d;
      pkgs = parse(status, d);
    }
    ASSERT_EQ(pkgs.size(), 5u);
    for (const auto& p : pkgs) {
      if (p.name != "libfoo1") continue;
      if (p.arch == "i386")
        EXPECT_EQ(p.depends_on, (std::vector<std::string>{"deb:libc6@2.36-9:i386", "deb:tzdata@2024a-0+deb12u1:all"}));
      else
        EXPECT_EQ(p.depends_on, std::vector<std::string>{"deb:libc6@2.36-9:amd64"});
    }
  }
}

TEST(Dpkg, DuplicateRecordIsNoSelfEdge) {
  // Found by fuzzing: two records of the same package (same id), the first
  // depending on what the second provides, must not make the package depend
  // on itself.
  std::string text =
      "Package: c\nStatus: install ok installed\nVersion: 2\nDepends: d, e\n\n"
      "Package: c\nStatus: install ok installed\nVersion: 2\nProvides: d\n\n"
      "Package: e\nStatus: install ok installed\nVersion: 1\n";
  std::vector<Diagnostic> d;
  auto pkgs = parse(text, d);
  ASSERT_EQ(pkgs.size(), 3u);
  EXPECT_EQ(pkgs[0].depends_on, std::vector<std::string>{"deb:e@1"});
}

TEST(Dpkg, MalformedStatusIsADiagnostic) {
  std::string text =
      "Package: a\nStatus: installed\nVersion: 1\n\n"
      "Package: b\nStatus:  install  ok  installed \nVersion: 1\n";
  std::vector<Diagnostic> d;
  auto pkgs = parse(text, d);
  ASSERT_EQ(pkgs.size(), 1u);  // extra blanks between the words are fine
  EXPECT_EQ(pkgs[0].name, "b");
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].location.line, 1);
  EXPECT_NE(d[0].message.find("'installed'"), std::string::npos);
}

TEST(Dpkg, AnalyzerWants) {
  AnalyzerRegistry reg;
  register_os_analyzers(reg);
  const Analyzer* a = reg.find("dpkg");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->wants("var/lib/dpkg/status", 1));
  EXPECT_FALSE(a->wants("var/lib/dpkg/status-old", 1));
  EXPECT_TRUE(a->wants("var/lib/dpkg/status.d/base", 1));
  EXPECT_FALSE(a->wants("var/lib/dpkg/status.d/base.md5sums", 1));
  EXPECT_TRUE(a->wants("var/lib/dpkg/info/bash.list", 1));
  EXPECT_FALSE(a->wants("var/lib/dpkg/info/bash.md5sums", 1));
  EXPECT_TRUE(a->wants("usr/share/doc/bash/copyright", 1));
  EXPECT_FALSE(a->wants("usr/share/doc/bash/x/copyright", 1));
  EXPECT_FALSE(a->wants("usr/share/doc/copyright", 1));
}

}  // namespace
}  // namespace bulwark::catalog
