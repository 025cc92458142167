// The streaming build: advisories keyed by (origin, id), identical results
// whatever the run, memory that does not grow with the input, and a failed
// build that leaves the previous database in place.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <string>

#include "testing/testing.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb {
namespace {

namespace fs = std::filesystem;
using bulwark::testing::fixture;
using bulwark::testing::read_file;
using bulwark::testing::TempDir;
using bulwark::testing::write_file;

Advisory record(std::string origin, std::string id, std::string modified) {
  Advisory a;
  a.origin = std::move(origin);
  a.id = std::move(id);
  a.modified = std::move(modified);
  return a;
}

AffectedEntry npm(std::string package, std::string fixed) {
  AffectedEntry e;
  e.ecosystem = "npm";
  e.package = std::move(package);
  e.ranges_json = R"([{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":")" + fixed + R"("}]}])";
  e.fixed = {std::move(fixed)};
  e.status = "fixed";
  return e;
}

TEST(AdvisoryIdentity, SameIdFromTwoSourcesIsKeptTwice) {
  TempDir tmp;
  Dataset d;
  // What an NVD importer publishes: the CVE id, a description, no packages.
  Advisory nvd = record("nvd", "CVE-2024-0001", "2024-02-01T00:00:00Z");
  nvd.summary = "NVD description";
  SeverityEntry sev;
  sev.source = "nvd";
  sev.type = "cvss_v3";
  sev.vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
  sev.score = 9.8;
  sev.severity = "CRITICAL";
  nvd.severities.push_back(sev);
  d.advisories.push_back(nvd);
  // An OSV record of another database under the same CVE id, with a package.
  Advisory osv = record("debian", "CVE-2024-0001", "2024-01-01T00:00:00Z");
  osv.affected.push_back(npm("left-pad", "1.0.1"));
  d.advisories.push_back(osv);
  // The same (origin, id) twice: the most recently modified copy wins,
  // whichever comes first.
  Advisory newer = record("ghsa", "GHSA-aaaa-bbbb-cccc", "2024-03-01T00:00:00Z");
  newer.aliases = {"CVE-2024-0001"};
  newer.affected.push_back(npm("left-pad", "1.0.2"));
  Advisory older = newer;
  older.modified = "2023-03-01T00:00:00Z";
  older.affected = {npm("left-pad", "0.9.0")};
  d.advisories.push_back(newer);
  d.advisories.push_back(older);

  const std::string db = (tmp / "x.db").string();
  auto w = write_database(db, d);
  ASSERT_TRUE(w.ok()) << w.error().describe();
  EXPECT_EQ(w->advisories, 3u);
  EXPECT_EQ(w->vulnerabilities, 1u);
  auto r = Reader::open(db);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status()->advisories, 3u);
  auto rows = r->affected("npm", "left-pad");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].advisory, "CVE-2024-0001");
  EXPECT_EQ((*rows)[0].source, "debian");
  EXPECT_EQ((*rows)[0].vulnerability, "CVE-2024-0001");
  EXPECT_EQ((*rows)[1].advisory, "GHSA-aaaa-bbbb-cccc");
  EXPECT_EQ((*rows)[1].entry.fixed, std::vector<std::string>{"1.0.2"});
  auto v = r->vulnerability("GHSA-aaaa-bbbb-cccc");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->id, "CVE-2024-0001");
  EXPECT_EQ(v->summary, "NVD description");
  ASSERT_EQ(v->severities.size(), 1u);
  EXPECT_EQ(v->severities[0].source, "nvd");
  EXPECT_EQ(v->advisories, (std::vector<std::string>{"CVE-2024-0001", "GHSA-aaaa-bbbb-cccc"}));
}

// A synthetic OSV feed: `n` GHSA records in files, every third one aliased to
// a CVE, every fifth sharing the CVE of the one before (so merging happens).
void write_synthetic(const fs::path& dir, int n) {
  fs::create_directories(dir);
  const std::string details(600, 'x');
  for (int i = 0; i < n; ++i) {
    char id[64], cve[64];
    std::snprintf(id, sizeof id, "GHSA-%04x-%04x-syn%d", i & 0xffff, (i * 7) & 0xffff, i);
    std::snprintf(cve, sizeof cve, "CVE-2099-%d", i % 5 == 0 && i > 0 ? i - 1 : i);
    std::string rec = std::string("{\"schema_version\":\"1.4.0\",\"id\":\"") + id +
                      "\",\"modified\":\"2024-01-01T00:00:00Z\",\"published\":\"2023-01-01T00:00:00Z\"," +
                      (i % 3 == 0 || i % 5 == 0 ? std::string("\"aliases\":[\"") + cve + "\"]," : std::string()) +
                      "\"summary\":\"synthetic " + std::to_string(i) + "\",\"details\":\"" + details +
                      "\",\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"pkg-" +
                      std::to_string(i % 997) +
                      "\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1." +
                      std::to_string(i % 50) + ".0\"}]}]}],\"references\":[{\"type\":\"WEB\",\"url\":\"https://example.org/" +
                      std::to_string(i) + "\"}]}";
    write_file(dir / (std::string(id) + ".json"), rec);
  }
}

// Everything a query can see, as text: the same input must give the same.
std::string dump(const std::string& db) {
  auto r = Reader::open(db);
  if (!r) return "open failed: " + r.error().describe();
  std::string out;
  for (int p = 0; p < 997; p += 37) {
    auto rows = r->affected("npm", "pkg-" + std::to_string(p));
    if (!rows) return "query failed";
    for (const auto& row : *rows)
      out += row.vulnerability + " " + row.advisory + " " + row.source + " " + row.entry.ranges_json + "\n";
  }
  for (int i = 0; i < 400; i += 7) {
    auto v = r->vulnerability("CVE-2099-" + std::to_string(i));
    if (!v) continue;
    out += v->id + " " + v->summary + " " + std::to_string(v->advisories.size()) + " " +
           std::to_string(v->aliases.size()) + "\n";
  }
  auto st = r->status();
  out += std::to_string(st->vulnerabilities) + " " + std::to_string(st->advisories) + " " + std::to_string(st->affected);
  return out;
}

TEST(StreamingBuild, SameInputGivesSameQueryResults) {
  TempDir tmp;
  write_synthetic(tmp / "feed", 600);
  auto a = build_database((tmp / "a.db").string(), {(tmp / "feed").string()});
  ASSERT_TRUE(a.ok()) << a.error().describe();
  EXPECT_EQ(a->written.advisories, 600u);
  // Merged: i%5==0 records share the CVE of record i-1 when that one has it.
  EXPECT_LT(a->written.vulnerabilities, 600u);
  auto b = build_database((tmp / "b.db").string(), {(tmp / "feed").string()});
  ASSERT_TRUE(b.ok());
  std::string da = dump((tmp / "a.db").string());
  EXPECT_GT(da.size(), 1000u);
  EXPECT_EQ(da, dump((tmp / "b.db").string()));
  // The in-memory path (write_database) writes the same content.
  Dataset d;
  ASSERT_TRUE(import_paths({(tmp / "feed").string()}, d).ok());
  std::reverse(d.advisories.begin(), d.advisories.end());  // input order does not matter
  ASSERT_TRUE(write_database((tmp / "c.db").string(), d).ok());
  EXPECT_EQ(da, dump((tmp / "c.db").string()));
}

// Peak RSS in KiB of a child process that builds a database from `feed`.
long child_peak_rss_kib(const std::string& db, const std::string& feed) {
  int fds[2];
  if (::pipe(fds) != 0) return -1;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(fds[0]);
    auto r = build_database(db, {feed});
    struct rusage ru {};
    ::getrusage(RUSAGE_SELF, &ru);
    long v = r.ok() ? ru.ru_maxrss : -1;
    (void)!::write(fds[1], &v, sizeof v);
    ::_exit(0);
  }
  ::close(fds[1]);
  long v = -1;
  if (::read(fds[0], &v, sizeof v) != static_cast<ssize_t>(sizeof v)) v = -1;
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return v;
}

TEST(StreamingBuild, PeakMemoryDoesNotGrowWithTheInput) {
  TempDir tmp;
  // Three times the records (not two): thread scheduling moves the peak by a
  // few MB between runs, and the difference must stand clear of that.
  write_synthetic(tmp / "x1", 6000);
  write_synthetic(tmp / "x2", 18000);
  long one = child_peak_rss_kib((tmp / "1.db").string(), (tmp / "x1").string());
  long two = child_peak_rss_kib((tmp / "2.db").string(), (tmp / "x2").string());
  ASSERT_GT(one, 0);
  ASSERT_GT(two, 0);
  const auto size1 = fs::file_size(tmp / "1.db");
  const auto size2 = fs::file_size(tmp / "2.db");
  RecordProperty("peak_rss_kib_1x", std::to_string(one));
  RecordProperty("peak_rss_kib_2x", std::to_string(two));
  // Three times the records, three times the file; the process grows by
  // less than the extra data: only the id graph, the list of input paths and
  // SQLite's bounded page caches grow (about 800 bytes a record, against
  // ~1.6 KB of database and ~3.7 KB of memory a record when a build held
  // every record).
  EXPECT_GT(size2, size1 * 5 / 2);
  EXPECT_LT(two - one, static_cast<long>((size2 - size1) / 1024 * 2 / 3)) << one << " KiB -> " << two << " KiB";
  EXPECT_LT(two, one * 3 / 2) << one << " KiB -> " << two << " KiB";
}

TEST(StreamingBuild, FailureMidwayLeavesPreviousDatabaseUsable) {
  TempDir tmp;
  const std::string db = (tmp / "bulwark.db").string();
  ASSERT_TRUE(build_database(db, {fixture("vulndb/osv/GHSA-jf85-cpcp-j695.json").string()}).ok());
  const std::string before = read_file(db);
  write_synthetic(tmp / "feed", 300);
  WriteOptions fail;
  fail.fail_after_advisories = 100;
  auto r = build_database(db, {(tmp / "feed").string()}, {}, fail);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().describe().find("simulated failure after 100 advisories"), std::string::npos)
      << r.error().describe();
  EXPECT_EQ(read_file(db), before);
  for (const auto& e : fs::directory_iterator(tmp.path()))
    EXPECT_TRUE(e.path().filename() == "bulwark.db" || e.path().filename() == "feed") << e.path();
  auto reader = Reader::open(db);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ(reader->canonical_id("GHSA-jf85-cpcp-j695"), "CVE-2019-10744");

  // A builder dropped unfinished (an exception, a killed import) removes its
  // temporary file too.
  {
    auto b = DatabaseBuilder::create(db);
    ASSERT_TRUE(b.ok());
    ASSERT_TRUE(b->add(record("ghsa", "GHSA-xxxx-xxxx-xxxx", "2024-01-01T00:00:00Z")).ok());
  }
  EXPECT_EQ(read_file(db), before);
  EXPECT_FALSE(fs::exists(db + ".tmp-" + std::to_string(::getpid())));
}

TEST(StreamingBuild, KilledImportLeavesPreviousDatabaseUsable) {
  TempDir tmp;
  const std::string db = (tmp / "bulwark.db").string();
  ASSERT_TRUE(build_database(db, {fixture("vulndb/osv/GHSA-jf85-cpcp-j695.json").string()}).ok());
  const std::string before = read_file(db);
  write_synthetic(tmp / "feed", 3000);
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::close(ready[0]);
    // Tell the parent once records are being written, then build.
    auto b = DatabaseBuilder::create(db);
    if (!b) ::_exit(1);
    (void)b->add(record("ghsa", "GHSA-kill-kill-kill", "2024-01-01T00:00:00Z"));
    char c = 'x';
    (void)!::write(ready[1], &c, 1);
    Dataset sources;
    (void)import_paths({(tmp / "feed").string()}, sources, *b);
    (void)b->finish(sources.sources);
    ::_exit(0);
  }
  ::close(ready[1]);
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  ::close(ready[0]);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  // Killed before its rename (3,000 records take far longer than the kill),
  // the old file is whole and readable; had the child won the race, the new
  // one would be complete. Either way the path holds a whole database.
  auto reader = Reader::open(db);
  ASSERT_TRUE(reader.ok()) << reader.error().describe();
  if (WIFSIGNALED(status)) {
    EXPECT_EQ(read_file(db), before);
    EXPECT_EQ(reader->canonical_id("GHSA-jf85-cpcp-j695"), "CVE-2019-10744");
  } else {
    EXPECT_EQ(reader->canonical_id("GHSA-kill-kill-kill"), "GHSA-kill-kill-kill");
  }
}

}  // namespace
}  // namespace bulwark::vulndb
