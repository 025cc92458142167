// rpm: the three database formats against what rpm itself says (SQLite and
// BerkeleyDB through `rpm -qa --dbpath`), NDB against an independent count of
// its slot table, databases built here with rpmbuild/rpm/gpg, corrupt inputs,
// and the analyzer through the framework.
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
using bulwark::testing::read_file;
using bulwark::testing::run;
using bulwark::testing::TempDir;
using bulwark::testing::write_file;
using testing::find_package;
using testing::scan_files;

fs::path gordb(const std::string& rel) { return corpus_dir() / "inputs/go-rpmdb/pkg/testdata" / rel; }

// "name epoch version release arch" from a Package (version without epoch and release).
std::string nevra(const Package& p) {
  std::string v = p.version;
  if (p.epoch) v = v.substr(v.find(':') + 1);
  if (!p.release.empty()) v.resize(v.size() - p.release.size() - 1);
  return p.name + " " + std::to_string(p.epoch) + " " + v + " " + p.release + " " + p.arch;
}

// What rpm lists for a database file copied into a fresh directory under the
// name rpm expects; gpg-pubkey pseudo-packages left out as Bulwark does.
std::multiset<std::string> rpm_qa(const fs::path& db, const std::string& name, const std::string& backend) {
  TempDir dir;
  fs::copy_file(db, dir / name);
  fs::permissions(dir / name, fs::perms::owner_read | fs::perms::owner_write);
  auto r = run({"rpm", "-qa", "--dbpath", dir.path().string(), "--define", "_db_backend " + backend, "--qf",
                "%{NAME} %{EPOCHNUM} %{VERSION} %{RELEASE} %{ARCH}\\n"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::multiset<std::string> out;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);)
    if (line.rfind("gpg-pubkey ", 0) != 0) out.insert(line);
  return out;
}

std::vector<Package> parse_file(const fs::path& file, const std::string& path, std::vector<Diagnostic>& d) {
  auto r = parse_rpmdb(read_file(file), path, d);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : std::vector<Package>{};
}

TEST(Rpm, SqliteMatchesRpmQa) {
  BULWARK_REQUIRE_CORPUS();
  BULWARK_REQUIRE_TOOL("rpm");
  fs::path db = gordb("cbl-mariner-2.0/rpmdb.sqlite");
  std::vector<Diagnostic> d;
  auto pkgs = parse_file(db, "var/lib/rpm/rpmdb.sqlite", d);
  EXPECT_TRUE(d.empty());
  std::multiset<std::string> got;
  for (const auto& p : pkgs) got.insert(nevra(p));
  auto want = rpm_qa(db, "rpmdb.sqlite", "sqlite");
  EXPECT_EQ(want.size(), 129u);
  EXPECT_EQ(got, want);

  // Epoch 1 packages: the version carries it.
  const Package* ca = find_package(pkgs, "ca-certificates-base");
  ASSERT_NE(ca, nullptr);
  EXPECT_EQ(ca->epoch, 1);
  EXPECT_EQ(ca->version, "1:2.0.0-1.cm2");
  EXPECT_EQ(ca->src_name, "ca-certificates");
  EXPECT_EQ(ca->src_version, "1:2.0.0-1.cm2");
  const Package* bash = find_package(pkgs, "bash");
  ASSERT_NE(bash, nullptr);
  EXPECT_EQ(bash->src_name, "bash");
  EXPECT_FALSE(bash->installed_files.empty());
  EXPECT_NE(std::find(bash->installed_files.begin(), bash->installed_files.end(), "/bin/bash"),
            bash->installed_files.end());
  EXPECT_FALSE(bash->licenses.empty());
  EXPECT_EQ(bash->digest.rfind("md5:", 0), 0u);
  EXPECT_EQ(bash->location.path, "var/lib/rpm/rpmdb.sqlite");
  // bash requires libc.so.6 (provided by glibc) and /bin/sh (a file of bash itself: no self edge).
  const Package* glibc = find_package(pkgs, "glibc");
  ASSERT_NE(glibc, nullptr);
  EXPECT_NE(std::find(bash->depends_on.begin(), bash->depends_on.end(), make_package_id(*glibc)),
            bash->depends_on.end());
  // File requirements resolve through the files packages own, as `rpm -q
  // --whatprovides` does: bash requires /bin/grep (grep) and /bin/cp
  // (coreutils) and nothing else of those two packages.
  for (const char* owner : {"grep", "coreutils"}) {
    const Package* o = find_package(pkgs, owner);
    ASSERT_NE(o, nullptr) << owner;
    EXPECT_NE(std::find(bash->depends_on.begin(), bash->depends_on.end(), make_package_id(*o)),
              bash->depends_on.end())
        << owner;
  }
  EXPECT_EQ(std::find(bash->depends_on.begin(), bash->depends_on.end(), make_package_id(*bash)),
            bash->depends_on.end());
}

TEST(Rpm, BerkeleyDbMatchesRpmQa) {
  BULWARK_REQUIRE_CORPUS();
  BULWARK_REQUIRE_TOOL("rpm");
  for (const auto& file : {gordb("libuuid/Packages"),
                           corpus_dir() / "inputs/osv-scalibr/extractor/filesystem/os/rpm/testdata/Packages_epoch"}) {
    SCOPED_TRACE(file.string());
    std::vector<Diagnostic> d;
    auto pkgs = parse_file(file, "var/lib/rpm/Packages", d);
    std::multiset<std::string> got;
    for (const auto& p : pkgs) got.insert(nevra(p));
    auto want = rpm_qa(file, "Packages", "bdb_ro");
    EXPECT_EQ(want.size(), 1u);
    EXPECT_EQ(got, want);
    for (const auto& diag : d) ADD_FAILURE() << diag.message;
  }
  std::vector<Diagnostic> d;
  auto uuid = parse_file(gordb("libuuid/Packages"), "var/lib/rpm/Packages", d);
  ASSERT_EQ(uuid.size(), 1u);
  EXPECT_EQ(uuid[0].version, "2.32.1-42.el8_8");
  EXPECT_EQ(uuid[0].src_name, "util-linux");
  EXPECT_EQ(uuid[0].src_version, "2.32.1-42.el8_8");
  EXPECT_FALSE(uuid[0].installed_files.empty());
  auto hello = parse_file(corpus_dir() / "inputs/osv-scalibr/extractor/filesystem/os/rpm/testdata/Packages_epoch",
                          "var/lib/rpm/Packages", d);
  ASSERT_EQ(hello.size(), 1u);
  EXPECT_EQ(hello[0].version, "1:0.0.1-rls");
  EXPECT_EQ(hello[0].epoch, 1);
}

// Reads the NDB slot table independently of rpm_ndb.cpp: little-endian
// "RpmP" header with the slot page count at byte 12; 16-byte slots
// ("Slot", package index, block offset, block count) from byte 32 to the end of
// the slot pages; index 0 = free. The same count was made by hand with a short
// python3 struct.unpack loop over the file (35 used slots), and the names below
// were read from the header blobs (string store after the index entries) by
// the same script.
size_t count_ndb_slots(const std::string& b) {
  auto le32 = [&](size_t off) {
    uint32_t v;
    std::memcpy(&v, b.data() + off, 4);
    return v;
  };
  size_t pages = le32(12), used = 0;
  for (size_t off = 32; off + 16 <= pages * 4096; off += 16)
    if (b.compare(off, 4, "Slot") == 0 && le32(off + 4) != 0) ++used;
  return used;
}

TEST(Rpm, NdbSle15Bci) {
  BULWARK_REQUIRE_CORPUS();
  std::string bytes = read_file(gordb("sle15-bci/Packages.db"));
  EXPECT_EQ(count_ndb_slots(bytes), 35u);
  std::vector<Diagnostic> d;
  auto r = parse_rpmdb(bytes, "usr/lib/sysimage/rpm/Packages.db", d);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(d.empty());
  EXPECT_EQ(r->size(), 35u);  // no gpg-pubkey in this database
  struct Want {
    const char* name;
    const char* version;
    const char* src;
  };
  for (const Want& w : {Want{"system-user-root", "20190513-3.3.1", "system-user-root"},
                        Want{"filesystem", "15.0-11.3.2", "filesystem"}, Want{"glibc", "2.31-9.3.2", "glibc"},
                        Want{"libreadline7", "7.0-19.6.1", "bash"}, Want{"terminfo-base", "6.1-5.9.1", "ncurses"},
                        Want{"rpm-ndb", "4.14.3-40.1", "rpm-ndb"}}) {
    const Package* p = find_package(*r, w.name);
    ASSERT_NE(p, nullptr) << w.name;
    EXPECT_EQ(p->version, w.version);
    EXPECT_EQ(p->src_name, w.src);
  }
  const Package* readline = find_package(*r, "libreadline7");
  EXPECT_EQ(readline->src_version, "4.4-19.6.1");  // from bash-4.4-19.6.1.src.rpm
  EXPECT_FALSE(find_package(*r, "bash")->installed_files.empty());
}

// Builds a real rpm with rpmbuild and installs it (database only) next to an
// imported gpg key: a SQLite database as rpm 4.18 writes it.
class BuiltDb : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* tool : {"rpm", "rpmbuild", "gpg"})
      if (!bulwark::testing::have_tool(tool)) GTEST_SKIP() << tool << " is not installed";
    fs::create_directories(tmp_ / "top/SPECS");
    fs::create_directories(tmp_ / "db");
    fs::create_directories(tmp_ / "gnupg");
    fs::permissions(tmp_ / "gnupg", fs::perms::owner_all);
    write_file(tmp_ / "top/SPECS/t.spec",
               "Name: bw-hello\nVersion: 1.2\nRelease: 3\nEpoch: 2\nSummary: t\nLicense: MIT\n"
               "BuildArch: noarch\nRequires: /bin/sh\n%description\nt\n%install\n"
               "mkdir -p %{buildroot}/usr/share/bw-hello\necho hi > %{buildroot}/usr/share/bw-hello/README\n"
               "%files\n/usr/share/bw-hello/README\n");
    std::string t = tmp_.path().string();
    auto r = bulwark::testing::sh(
        "set -e; export GNUPGHOME=" + t + "/gnupg; cd " + t +
        "; rpmbuild --define '_topdir " + t + "/top' -bb top/SPECS/t.spec >/dev/null 2>&1"
        "; gpg --batch --passphrase '' --quick-gen-key 'Test <t@example.org>' default default never 2>/dev/null"
        "; gpg --armor --export > key.asc; rpm --dbpath " + t + "/db --initdb"
        "; rpm --dbpath " + t + "/db --import key.asc"
        "; rpm --dbpath " + t + "/db -i --justdb --nodeps --noscripts top/RPMS/noarch/*.rpm 2>/dev/null");
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto q = run({"rpm", "-qa", "--dbpath", t + "/db"});
    ASSERT_NE(q.out.find("gpg-pubkey-"), std::string::npos) << q.out;
  }
  TempDir tmp_;
};

TEST_F(BuiltDb, GpgPubkeyExcludedAndFieldsRead) {
  std::vector<Diagnostic> d;
  auto pkgs = parse_file(tmp_ / "db/rpmdb.sqlite", "var/lib/rpm/rpmdb.sqlite", d);
  ASSERT_EQ(pkgs.size(), 1u);  // the gpg-pubkey pseudo-package is not a package
  const Package& p = pkgs[0];
  EXPECT_EQ(p.name, "bw-hello");
  EXPECT_EQ(p.version, "2:1.2-3");
  EXPECT_EQ(p.epoch, 2);
  EXPECT_EQ(p.release, "3");
  EXPECT_EQ(p.arch, "noarch");
  EXPECT_EQ(p.src_name, "bw-hello");
  EXPECT_EQ(p.src_version, "2:1.2-3");
  EXPECT_EQ(p.licenses, std::vector<std::string>{"MIT"});
  EXPECT_EQ(p.installed_files, std::vector<std::string>{"/usr/share/bw-hello/README"});
  EXPECT_TRUE(p.depends_on.empty());  // /bin/sh is provided by nothing installed
}

TEST_F(BuiltDb, SqliteWinsOverOtherDatabasesInTheAnalyzer) {
  BULWARK_REQUIRE_CORPUS();
  auto s = scan_files({{"var/lib/rpm/rpmdb.sqlite", read_file(tmp_ / "db/rpmdb.sqlite")},
                       {"var/lib/rpm/Packages", read_file(gordb("libuuid/Packages"))},
                       {"var/lib/rpm/Packages.db", read_file(gordb("sle15-bci/Packages.db"))},
                       {"etc/os-release", "ID=\"rhel\"\nVERSION_ID=\"9.4\"\n"}});
  EXPECT_TRUE(s.analyze_errors.empty());
  ASSERT_EQ(s.inventory.packages.size(), 1u);
  EXPECT_EQ(s.inventory.packages[0].name, "bw-hello");
  EXPECT_EQ(s.inventory.packages[0].id, "rpm:bw-hello@2:1.2-3:noarch");
  EXPECT_EQ(s.inventory.packages[0].location.path, "var/lib/rpm/rpmdb.sqlite");
  ASSERT_EQ(s.results["rpm"].size(), 3u);  // all three were read

  // Without the SQLite file, NDB wins over BerkeleyDB.
  auto s2 = scan_files({{"var/lib/rpm/Packages", read_file(gordb("libuuid/Packages"))},
                        {"usr/lib/sysimage/rpm/Packages.db", read_file(gordb("sle15-bci/Packages.db"))}});
  EXPECT_EQ(s2.inventory.packages.size(), 35u);
}

TEST(Rpm, CorruptInputsGiveErrorsNamingTheFile) {
  BULWARK_REQUIRE_CORPUS();
  std::string sqlite = read_file(gordb("cbl-mariner-2.0/rpmdb.sqlite"));
  std::vector<Diagnostic> d;

  // Truncated SQLite: an error (or diagnostics), never a crash.
  for (size_t cut : {size_t{100}, size_t{4096}, sqlite.size() / 2, sqlite.size() - 1}) {
    SCOPED_TRACE(cut);
    d.clear();
    auto r = parse_rpmdb(std::string_view(sqlite).substr(0, cut), "var/lib/rpm/rpmdb.sqlite", d);
    if (r.ok()) {
      EXPECT_FALSE(d.empty()) << "a truncated database read without a word";
      for (const auto& x : d) EXPECT_EQ(x.location.path, "var/lib/rpm/rpmdb.sqlite");
    } else {
      EXPECT_NE(r.error().describe().find("var/lib/rpm/rpmdb.sqlite"), std::string::npos) << r.error().describe();
    }
  }

  // An SQLite database without a Packages table.
  TempDir tmp;
  if (bulwark::testing::have_tool("sqlite3")) {
    auto r0 = bulwark::testing::sh("sqlite3 " + (tmp / "x.sqlite").string() + " 'CREATE TABLE t(a);'");
    ASSERT_EQ(r0.exit_code, 0);
    auto r = parse_rpmdb(read_file(tmp / "x.sqlite"), "var/lib/rpm/rpmdb.sqlite", d);
    ASSERT_FALSE(r.ok());
    EXPECT_NE(r.error().message.find("Packages"), std::string::npos) << r.error().message;
  }

  // NDB with one slot pointing past the end: that package is a diagnostic naming
  // the slot, the other 34 are read.
  std::string ndb = read_file(gordb("sle15-bci/Packages.db"));
  uint32_t far = static_cast<uint32_t>(ndb.size() / 16 + 10);
  std::memcpy(ndb.data() + 48 + 8, &far, 4);  // second used slot (byte 48): block offset
  d.clear();
  auto r = parse_rpmdb(ndb, "usr/lib/sysimage/rpm/Packages.db", d);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 34u);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].location.path, "usr/lib/sysimage/rpm/Packages.db");
  EXPECT_NE(d[0].message.find("slot at byte 48"), std::string::npos) << d[0].message;

  // NDB truncated inside the slot pages: a clear error.
  d.clear();
  auto t = parse_rpmdb(std::string_view(ndb).substr(0, 100), "usr/lib/sysimage/rpm/Packages.db", d);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().describe().find("Packages.db"), std::string::npos);

  // Random bytes under each name.
  std::string junk(8192, '\0');
  for (size_t i = 0; i < junk.size(); ++i) junk[i] = static_cast<char>((i * 2654435761u) >> 13);
  for (const char* path : {"var/lib/rpm/Packages", "var/lib/rpm/rpmdb.sqlite", "var/lib/rpm/Packages.db"}) {
    d.clear();
    auto j = parse_rpmdb(junk, path, d);
    ASSERT_FALSE(j.ok()) << path;
    EXPECT_NE(j.error().describe().find(path), std::string::npos) << j.error().describe();
  }
  d.clear();
  EXPECT_FALSE(parse_rpmdb("", "var/lib/rpm/Packages", d).ok());
  // osv-scalibr's "invalid" (5 bytes) and empty.sqlite (0 bytes).
  fs::path sc = corpus_dir() / "inputs/osv-scalibr/extractor/filesystem/os/rpm/testdata";
  EXPECT_FALSE(parse_rpmdb(read_file(sc / "invalid"), "var/lib/rpm/Packages", d).ok());
  EXPECT_FALSE(parse_rpmdb(read_file(sc / "empty.sqlite"), "var/lib/rpm/rpmdb.sqlite", d).ok());

  // BerkeleyDB with a valid metadata page but damaged data pages.
  std::string bdb = read_file(gordb("libuuid/Packages"));
  for (size_t i = 4096; i < bdb.size(); i += 7) bdb[i] = static_cast<char>(bdb[i] ^ 0x5a);
  d.clear();
  auto b = parse_rpmdb(bdb, "var/lib/rpm/Packages", d);
  // librpm decides what survives; what matters is no crash and a named file on failure.
  if (b.ok()) EXPECT_LE(b->size(), 1u);
  else EXPECT_NE(b.error().describe().find("var/lib/rpm/Packages"), std::string::npos);

  // Through the analyzer, a corrupt database is an error diagnostic, not a failed scan.
  auto s = scan_files({{"var/lib/rpm/Packages", junk}});
  EXPECT_TRUE(s.analyze_errors.empty());
  ASSERT_EQ(s.diagnostics.size(), 1u);
  EXPECT_EQ(s.diagnostics[0].level, Diagnostic::Level::kError);
  EXPECT_EQ(s.diagnostics[0].location.path, "var/lib/rpm/Packages");
  EXPECT_EQ(s.diagnostics[0].location.layer, "sha256:test");
}

TEST(Rpm, AnalyzerWants) {
  AnalyzerRegistry reg;
  register_os_analyzers(reg);
  const Analyzer* a = reg.find("rpm");
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(a->wants("var/lib/rpm/Packages", 1));
  EXPECT_TRUE(a->wants("var/lib/rpm/rpmdb.sqlite", 1));
  EXPECT_TRUE(a->wants("usr/lib/sysimage/rpm/Packages.db", 1));
  EXPECT_TRUE(a->wants("usr/lib/sysimage/rpm/rpmdb.sqlite", 1));
  EXPECT_FALSE(a->wants("var/lib/rpm/Name", 1));
  EXPECT_FALSE(a->wants("var/lib/rpm/rpmdb.sqlite-wal", 1));
}

}  // namespace
}  // namespace bulwark::catalog

namespace bulwark::catalog {
namespace {

// The fuzz seeds are real databases of each kind (see tests/fuzz/rpmdb_fuzz.cpp):
// each must read as the one package it holds.
TEST(Rpm, FuzzSeedsAreValidDatabases) {
  fs::path dir = fs::path(BULWARK_SOURCE_DIR) / "tests/fuzz/corpus/rpmdb";
  for (const char* f : {"tiny.sqlite", "tiny-ndb.db", "tiny-bdb-Packages"}) {
    SCOPED_TRACE(f);
    std::vector<Diagnostic> d;
    auto r = parse_rpmdb(read_file(dir / f), std::string("var/lib/rpm/") + f, d);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_TRUE(d.empty()) << d.front().message;
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ((*r)[0].name, "bw-hello");
    EXPECT_EQ((*r)[0].version, "2:1.2-3");
    EXPECT_EQ((*r)[0].installed_files, std::vector<std::string>{"/usr/share/bw-hello/README"});
  }
}

}  // namespace
}  // namespace bulwark::catalog

namespace bulwark::catalog {
namespace {

// Found by fuzz_rpmdb: a 677-byte BerkeleyDB file (a mutation of the tiny
// seed) whose metadata page gives a page size of 0xFFFFFF00 made librpm's
// bdb_ro allocate ~4 GiB (and librpm exits the process when an allocation
// fails). Such files must be refused before librpm sees them; the same for an
// overflow item whose length is larger than the file.
TEST(Rpm, BerkeleyDbLengthsBeyondTheFileAreRefused) {
  std::string bytes = read_file(bulwark::testing::fixture("catalog/rpm/bdb-overflow-claims-4g"));
  ASSERT_EQ(bytes.size(), 677u);
  std::vector<Diagnostic> d;
  auto r = parse_rpmdb(bytes, "var/lib/rpm/Packages", d);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("page size 4294967040"), std::string::npos) << r.error().message;
  EXPECT_EQ(r.error().where, "var/lib/rpm/Packages");

  // The tiny seed's header lives on overflow pages: its H_OFFPAGE item (page 2,
  // item 1, found with a python3 walk of the hash pages) stores the length
  // 1764 at byte 1527.
  std::string seed = read_file(fs::path(BULWARK_SOURCE_DIR) / "tests/fuzz/corpus/rpmdb/tiny-bdb-Packages");
  uint32_t len;
  std::memcpy(&len, seed.data() + 1527, 4);
  ASSERT_EQ(len, 1764u);
  len = 0xFFFFFFF0u;
  std::memcpy(seed.data() + 1527, &len, 4);
  auto o = parse_rpmdb(seed, "var/lib/rpm/Packages", d);
  ASSERT_FALSE(o.ok());
  EXPECT_NE(o.error().message.find("page 2 item 1 claims 4294967280 bytes"), std::string::npos) << o.error().message;
}

}  // namespace
}  // namespace bulwark::catalog
