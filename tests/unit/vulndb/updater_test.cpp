// bulwark db update / db build: the real binary against a loopback feed
// server (tests/integration/scripts/feed_server.py) with fault injection, and
// the updater API over file:// URLs. Production URLs are never contacted:
// every update here names a --db-repository on 127.0.0.1 or a file:// path.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "core/core.hpp"
#include "testing/testing.hpp"
#include "vulndb/vulndb.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using bulwark::testing::fixture;
using bulwark::testing::read_file;
using bulwark::testing::run;
using bulwark::testing::sh;
using bulwark::testing::TempDir;
using bulwark::testing::write_file;

#define REQUIRE_BINARY()                                                               \
  do {                                                                                 \
    if (!fs::exists(bulwark::testing::bulwark_binary()))                               \
      GTEST_SKIP() << "bulwark binary not built (cmake --build ... --target bulwark)"; \
  } while (0)

pid_t spawn(const std::vector<std::string>& argv, const std::string& out_file = "/dev/null") {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&fa, 1, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The feed server on a loopback port, stopped by its PID.
class FeedServer {
 public:
  FeedServer(const fs::path& root, const fs::path& work) : log_(work / "server.log"), control_(work / "control.json") {
    fs::path port_file = work / "port";
    fs::remove(port_file);
    std::string script = std::string(BULWARK_SOURCE_DIR) + "/tests/integration/scripts/feed_server.py";
    pid_ = spawn({"python3", script, "--root", root.string(), "--log", log_.string(), "--control", control_.string(),
                  "--port-file", port_file.string()},
                 (work / "server.out").string());
    for (int i = 0; i < 200 && !fs::exists(port_file); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
    if (fs::exists(port_file)) port_ = read_file(port_file);
  }
  ~FeedServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      wait_exit(pid_);
    }
  }
  bool ok() const { return !port_.empty(); }
  std::string url() const { return "http://127.0.0.1:" + port_; }
  void set_control(const std::string& json) {
    write_file(control_.string() + ".tmp", json);
    fs::rename(control_.string() + ".tmp", control_);
  }
  std::string log() const { return read_file(log_); }
  void clear_log() { write_file(log_, ""); }
  // Requests in the log whose line contains `needle`.
  int count(const std::string& needle) const {
    std::istringstream in(log());
    int n = 0;
    for (std::string line; std::getline(in, line);) n += line.find(needle) != std::string::npos;
    return n;
  }

 private:
  pid_t pid_ = -1;
  std::string port_;
  fs::path log_, control_;
};

#define REQUIRE_PYTHON()                                                          \
  do {                                                                            \
    if (!bulwark::testing::have_tool("python3")) GTEST_SKIP() << "python3 is not installed"; \
  } while (0)

// A mirror laid out like <cache-dir>/db/feeds: osv-npm.zip (stored, so it is
// big enough to cut), osv-Go.zip, kev.json, epss.csv.gz.
void make_mirror(const fs::path& dir) {
  fs::create_directories(dir);
  std::string osv = fixture("vulndb/osv").string();
  auto r = sh("cd '" + osv + "' && python3 -c \"import zipfile,sys\n"
              "z=zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_STORED)\n"
              "[z.write(f) for f in ['GHSA-jf85-cpcp-j695.json','GHSA-ppp9-7jff-5vj2.json','distro.json']]\n"
              "z.writestr('README.txt','x'*20000)\" '" + (dir / "osv-npm.zip").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = sh("cd '" + osv + "' && python3 -c \"import zipfile,sys\n"
         "z=zipfile.ZipFile(sys.argv[1],'w')\nz.write('GO-2021-0113.json')\" '" + (dir / "osv-Go.zip").string() + "'");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  fs::copy_file(fixture("vulndb/feeds/kev.json"), dir / "kev.json");
  ASSERT_EQ(sh("gzip -c '" + fixture("vulndb/feeds/epss.csv").string() + "' > '" + (dir / "epss.csv.gz").string() + "'")
                .exit_code,
            0);
}

const std::string kFeeds = "osv-npm,osv-Go,kev,epss";

bulwark::testing::CommandResult update(const TempDir& tmp, const std::string& repo,
                                       std::vector<std::string> extra = {}, const std::string& feeds = kFeeds) {
  std::vector<std::string> argv = {bulwark::testing::bulwark_binary(), "db", "update", "--cache-dir",
                                   (tmp / "cache").string(), "--db-repository", repo, "--feeds", feeds};
  argv.insert(argv.end(), extra.begin(), extra.end());
  return run(argv);
}

std::string status_of(const TempDir& tmp) {
  auto st = run({bulwark::testing::bulwark_binary(), "db", "status", "--cache-dir", (tmp / "cache").string()});
  return st.exit_code == 0 ? st.out : "";
}

struct Fixture {
  TempDir tmp;
  std::unique_ptr<FeedServer> server;
  void start() {
    make_mirror(tmp / "mirror");
    server = std::make_unique<FeedServer>(tmp / "mirror", tmp.path());
  }
};

// ------------------------------------------------------------------- API --

TEST(Feeds, TableAndSelection) {
  auto all = bulwark::vulndb::official_feeds(2025);
  // 20 osv + debian + 8 alpine + kev + epss + NVD 2002..2025 (24) + modified.
  EXPECT_EQ(all.size(), 20u + 1 + 8 + 1 + 1 + 24 + 1);
  std::set<std::string> names, files;
  for (const auto& f : all) {
    names.insert(f.name);
    files.insert(f.file);
    EXPECT_TRUE(f.url.rfind("https://", 0) == 0) << f.url;
  }
  EXPECT_EQ(names.size(), all.size());
  EXPECT_EQ(files.size(), all.size());
  EXPECT_TRUE(files.count("nvdcve-2.0-2025.json.gz"));
  EXPECT_FALSE(files.count("nvdcve-2.0-2026.json.gz"));
  auto sel = bulwark::vulndb::select_feeds("kev, osv-npm,alpine", 2025);
  ASSERT_TRUE(sel.ok());
  EXPECT_EQ(sel->size(), 1u + 1 + 8);
  auto bad = bulwark::vulndb::select_feeds("kev,nope");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("unknown feed 'nope'"), std::string::npos);
}

TEST(Updater, FileRepositoryThenOffline) {
  TempDir tmp;
  make_mirror(tmp / "mirror");
  bulwark::vulndb::UpdateOptions opt;
  opt.cache_dir = (tmp / "cache").string();
  opt.repository = "file://" + (tmp / "mirror").string();
  opt.feeds = kFeeds + ",debian";
  auto r = bulwark::vulndb::update_database(opt);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->feeds.size(), 5u);
  int downloaded = 0, not_mirrored = 0;
  for (const auto& f : r->feeds) {
    downloaded += f.state == bulwark::vulndb::FeedOutcome::State::kDownloaded;
    not_mirrored += f.state == bulwark::vulndb::FeedOutcome::State::kNotMirrored;
  }
  EXPECT_EQ(downloaded, 4);
  EXPECT_EQ(not_mirrored, 1);  // debian-tracker.json is not on this mirror
  ASSERT_TRUE(r->build.has_value());
  EXPECT_EQ(r->build->written.advisories, 5u);  // osv-npm.zip 4 (distro.json holds 2), osv-Go.zip 1
  auto reader = bulwark::vulndb::Reader::open(r->db_path);
  ASSERT_TRUE(reader.ok());
  auto st = reader->status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->kev, 2u);
  EXPECT_EQ(st->epss, 3u);

  // Offline: the cached files only, nothing fetched.
  opt.repository.clear();
  opt.offline = true;
  opt.force_rebuild = true;
  auto off = bulwark::vulndb::update_database(opt);
  ASSERT_TRUE(off.ok()) << off.error().describe();
  EXPECT_TRUE(off->rebuilt);
  EXPECT_EQ(off->build->written.advisories, 5u);
}

TEST(Updater, CleansWhatAKilledRunLeftBehind) {
  TempDir tmp;
  make_mirror(tmp / "mirror");
  fs::create_directories(tmp / "cache/db");
  // A temporary database of a process that no longer exists (pid_max is at
  // most 2^22), a prebuilt download that was never swapped in, and a live
  // process's temporary file, which must stay.
  write_file(tmp / "cache/db/bulwark.db.tmp-99999999", "half a database");
  write_file(tmp / "cache/db/bulwark.db.new", "never swapped");
  fs::create_directories(tmp / "cache/db/feeds");
  write_file(tmp / "cache/db/feeds/.state.json.tmp-99999999", "{");
  std::string live = "bulwark.db.tmp-" + std::to_string(getppid());
  write_file(tmp / "cache/db" / live, "someone else's");
  bulwark::vulndb::UpdateOptions opt;
  opt.cache_dir = (tmp / "cache").string();
  opt.repository = "file://" + (tmp / "mirror").string();
  opt.feeds = "kev";
  auto r = bulwark::vulndb::update_database(opt);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->cleaned.size(), 3u);
  EXPECT_FALSE(fs::exists(tmp / "cache/db/feeds/.state.json.tmp-99999999"));
  EXPECT_FALSE(fs::exists(tmp / "cache/db/bulwark.db.tmp-99999999"));
  EXPECT_FALSE(fs::exists(tmp / "cache/db/bulwark.db.new"));
  EXPECT_TRUE(fs::exists(tmp / "cache/db" / live));
}

TEST(Updater, MirrorIndexErrorsNameTheEntry) {
  auto bad = bulwark::vulndb::parse_mirror_index(
      R"({"files":[{"path":"kev.json","size":1,"sha256":")" + std::string(64, 'a') +
          R"("},{"path":"../x","size":1,"sha256":")" + std::string(64, 'a') + R"("}]})",
      "http://m/index.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, bulwark::ErrorCode::kCorrupt);
  EXPECT_NE(bad.error().describe().find("http://m/index.json files[1]"), std::string::npos) << bad.error().describe();
  EXPECT_NE(bad.error().describe().find("unsafe path"), std::string::npos);
  EXPECT_FALSE(bulwark::vulndb::parse_mirror_index("[1,2]", "i").ok());
  EXPECT_FALSE(bulwark::vulndb::parse_mirror_index(R"({"files":[{"path":"a","size":1,"sha256":"ABC"}]})", "i").ok());
  auto ok = bulwark::vulndb::parse_mirror_index(R"({"files":[]})", "i");
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->empty());
}

TEST(Updater, MirrorIndexListsFilesWithDigests) {
  TempDir tmp;
  make_mirror(tmp / "m");
  write_file(tmp / "m/.hidden", "x");
  write_file(tmp / "m/x.part", "x");
  ASSERT_TRUE(bulwark::vulndb::write_mirror_index((tmp / "m").string()).ok());
  std::string index = read_file(tmp / "m/index.json");
  EXPECT_NE(index.find("\"kev.json\""), std::string::npos);
  EXPECT_NE(index.find(bulwark::sha256_hex(read_file(tmp / "m/kev.json"))), std::string::npos);
  EXPECT_EQ(index.find(".hidden"), std::string::npos);
  EXPECT_EQ(index.find("x.part"), std::string::npos);
}

TEST(Updater, FileOverTheSizeLimitFails) {
  TempDir tmp;
  make_mirror(tmp / "mirror");
  bulwark::vulndb::UpdateOptions opt;
  opt.cache_dir = (tmp / "cache").string();
  opt.repository = "file://" + (tmp / "mirror").string();
  opt.feeds = "osv-npm,kev";
  opt.max_file_bytes = 4096;  // kev.json fits, osv-npm.zip (> 20 KB) does not
  bulwark::vulndb::UpdateResult report;
  auto r = bulwark::vulndb::update_database(opt, &report);
  ASSERT_FALSE(r.ok());
  ASSERT_EQ(report.feeds.size(), 2u);
  EXPECT_EQ(report.feeds[0].state, bulwark::vulndb::FeedOutcome::State::kFailed);
  EXPECT_NE(report.feeds[0].message.find("larger than the limit of 4096 bytes"), std::string::npos)
      << report.feeds[0].message;
  EXPECT_EQ(report.feeds[1].state, bulwark::vulndb::FeedOutcome::State::kDownloaded);
  EXPECT_FALSE(fs::exists(tmp / "cache/db/feeds/osv-npm.zip"));
  EXPECT_FALSE(fs::exists(tmp / "cache/db/feeds/osv-npm.zip.part"));
  EXPECT_FALSE(fs::exists(tmp / "cache/db/bulwark.db"));
}

TEST(Updater, NothingMirroredFails) {
  TempDir tmp;
  fs::create_directories(tmp / "empty");
  bulwark::vulndb::UpdateOptions opt;
  opt.cache_dir = (tmp / "cache").string();
  opt.repository = "file://" + (tmp / "empty").string();
  opt.feeds = "kev,epss";
  bulwark::vulndb::UpdateResult report;
  auto r = bulwark::vulndb::update_database(opt, &report);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(report.feeds.size(), 2u);
  EXPECT_FALSE(fs::exists(tmp / "cache/db/bulwark.db"));
}

// ------------------------------------------------------ binary + server --

TEST(DbUpdate, FirstDownloadsThenNotModified) {
  REQUIRE_BINARY();
  REQUIRE_PYTHON();
  Fixture f;
  f.start();
  ASSERT_TRUE(f.server->ok());
  auto first = update(f.tmp, f.server->url());
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("feeds: 4 downloaded, 0 not modified or cached, 0 not available, 0 failed"),
            std::string::npos)
      << first.out;
  EXPECT_NE(first.out.find("KEV: 2"), std::string::npos) << first.out;
  EXPECT_EQ(read_file(f.tmp / "cache/db/feeds/osv-npm.zip"), read_file(f.tmp / "mirror/osv-npm.zip"));
  EXPECT_EQ(f.server->count(" 200 "), 4);
  EXPECT_EQ(f.server->count("GET /index.json 404"), 1);

  f.server->clear_log();
  auto second = update(f.tmp, f.server->url());
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_NE(second.out.find("feeds: 0 downloaded, 4 not modified"), std::string::npos) << second.out;
  EXPECT_NE(second.out.find("up to date"), std::string::npos) << second.out;
  EXPECT_EQ(f.server->count(" 304 "), 4) << f.server->log();
  EXPECT_EQ(f.server->count(" 200 "), 0) << f.server->log();

  // A changed file is downloaded again and the database rebuilt.
  write_file(f.tmp / "mirror/kev.json", read_file(fixture("vulndb/feeds/kev.json")) + "\n");
  f.server->clear_log();
  auto third = update(f.tmp, f.server->url());
  ASSERT_EQ(third.exit_code, 0) << third.out << third.err;
  EXPECT_NE(third.out.find("feeds: 1 downloaded, 3 not modified"), std::string::npos) << third.out;
  EXPECT_NE(third.out.find("wrote "), std::string::npos) << third.out;
  EXPECT_EQ(f.server->count("GET /kev.json 200"), 1);
}

TEST(DbUpdate, RetriesAfter503) {
  REQUIRE_BINARY();
  REQUIRE_PYTHON();
  Fixture f;
  f.start();
  ASSERT_TRUE(f.server->ok());
  f.server->set_control(R"({"fail": 3, "retry_after": 0})");
  auto r = update(f.tmp, f.server->url());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(f.server->count(" 503 "), 3);
  EXPECT_NE(r.out.find("feeds: 4 downloaded"), std::string::npos) << r.out;
}

TEST(DbUpdate, ResumesAfterACut) {
  REQUIRE_BINARY();
  REQUIRE_PYTHON();
  Fixture f;
  f.start();
  ASSERT_TRUE(f.server->ok());
  f.server->set_control(R"({"cut_after": 5000, "cut_once": true})");
  auto r = update(f.tmp, f.server->url());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  // The first body (index.json is a 404, so the first 200 is a feed) was cut
  // at 5000 bytes and continued with a Range request.
  EXPECT_EQ(f.server->count("range=bytes=5000-"), 1) << f.server->log();
  EXPECT_EQ(f.server->count(" 206 "), 1) << f.server->log();
  EXPECT_NE(r.out.find("(resumed)"), std::string::npos) << r.out;
  for (const char* name : {"osv-npm.zip", "osv-Go.zip", "kev.json", "epss.csv.gz"})
    EXPECT_EQ(read_file(f.tmp / "cache/db/feeds" / name), read_file(f.tmp / "mirror" / name)) << name;
}

TEST(DbUpdate, ServerIgnoringRangeRestartsCleanly) {
  REQUIRE_BINARY();
  REQUIRE_PYTHON();
  Fixture f;
  f.start();
  ASSERT_TRUE(f.server->ok());
  f.server->set_control(R"({"cut_after": 5000, "cut_once": true, "ignore_range": true})");
  auto r = update(f.tmp, f.server->url());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(f.server->count("range=bytes=5000-"), 1) << f.server->log();
  EXPECT_EQ(f.server->count(" 206 "), 0);
  EXPECT_EQ(read_file(f.tmp / "cache/db/feeds/osv-npm.zip"), read_file(f.tmp / "mirror/osv-npm.zip"));
}

TEST(DbUpdate, MissingFeedsAreReportedNotFatal) {
  REQUIRE_BINARY();
  REQUIRE_PYTHON();
  Fixture f;
  f.start();
  ASSERT_TRUE(f.server->ok());
  f.server->set_control(R"({"not_found": ["osv-Go.zip"]})");
  auto r = update(f.tmp, f.server->url(), {}, kFeeds + ",debian");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("not mirrored  osv-Go.zip"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("not mirrored  debian-tracker.json"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("feeds: 3 downloaded, 0 not modified or cached, 2 not available, 0 failed"), std::string::npos)
      << r.out;
}

TEST(DbUpdate, CorruptMirrorFileFailsAndKeepsTheOldDatabase) {
  REQUIRE_BINARY();
  REQUIRE_PYTHON();
  Fixture f;
  f.start();
  ASSERT_TRUE(f.server->ok());
  ASSERT_TRUE(bulwark::vulndb::write_mirror_index((f.tmp / "mirror").string()).ok());
  auto first = update(f.tmp, f.server->url());
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  std::string db_before = read_file(f.tmp / "cache/db/bulwark.db");
  // The file changes on the mirror but the index still has the old digest.
  write_file(f.tmp / "mirror/kev.json", "{\"tampered\": true}");
  auto r = update(f.tmp, f.server->url());
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("failed        kev.json"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("does not match the mirror's index.json"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("the previous database (if any) was kept"), std::string::npos) << r.err;
  EXPECT_EQ(read_file(f.tmp / "cache/db/bulwark.db"), db_before);
  EXPECT_FALSE(fs::exists(f.tmp / "cache/db/feeds/kev.json"));  // the bad copy is not kept
  EXPECT_NE(status_of(f.tmp).find("KEV: 2"), std::string::npos);
}

TEST(DbUpdate, AllowStaleFeedsBuildsFromAnEarlierCopyOfAFailingFeed) {
  REQUIRE_BINARY();
  REQUIRE_PYTHON();
  Fixture f;
  f.start();
  ASSERT_TRUE(f.server->ok());
  auto first = update(f.tmp, f.server->url());
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  // KEV now fails on every attempt, and the EPSS feed changed upstream.
  f.server->set_control(R"({"fail_paths": ["kev.json"], "retry_after": 0})");
  ASSERT_EQ(sh("printf '#model_version:v2023.03.01,score_date:2026-11-27T00:00:00+0000\\ncve,epss,percentile\\n"
               "CVE-2021-44228,0.5,0.9\\n' | gzip -c > '" + (f.tmp / "mirror/epss.csv.gz").string() + "'")
                .exit_code,
            0);
  auto strict = update(f.tmp, f.server->url(), {"--force"});
  EXPECT_EQ(strict.exit_code, 3) << strict.out;
  EXPECT_NE(strict.out.find("1 failed"), std::string::npos) << strict.out;
  auto r = update(f.tmp, f.server->url(), {"--allow-stale-feeds"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("stale         kev.json"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("using the copy of an earlier run"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0 failed, 1 stale"), std::string::npos) << r.out;
  std::string status = status_of(f.tmp);
  EXPECT_NE(status.find("KEV: 2"), std::string::npos) << status;  // from the earlier copy
  EXPECT_NE(status.find("EPSS: 1  "), std::string::npos) << status;  // the new EPSS file (the old had 3)
}

TEST(DbUpdate, PrebuiltDatabaseMirror) {
  REQUIRE_BINARY();
  REQUIRE_PYTHON();
  TempDir tmp;
  make_mirror(tmp / "src");
  auto b = run({bulwark::testing::bulwark_binary(), "db", "build", "--output", (tmp / "out.db").string(),
                "--mirror-dir", (tmp / "repo").string(), (tmp / "src").string()});
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  ASSERT_TRUE(fs::exists(tmp / "repo/index.json"));
  FeedServer server(tmp / "repo", tmp.path());
  ASSERT_TRUE(server.ok());
  auto r = update(tmp, server.url());
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("installed the prebuilt database"), std::string::npos) << r.out;
  EXPECT_EQ(read_file(tmp / "cache/db/bulwark.db"), read_file(tmp / "repo/bulwark.db"));
  EXPECT_NE(status_of(tmp).find("KEV: 2"), std::string::npos);
  // Again: the index names the installed file, nothing is downloaded.
  server.clear_log();
  auto again = update(tmp, server.url());
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  EXPECT_NE(again.out.find("up to date"), std::string::npos) << again.out;
  EXPECT_EQ(server.count("bulwark.db"), 0) << server.log();

  // A direct .db URL, and a corrupt one: not a database, the old one stays.
  std::string before = read_file(tmp / "cache/db/bulwark.db");
  write_file(tmp / "repo/broken.db", std::string(8192, 'x'));
  auto bad = update(tmp, server.url() + "/broken.db");
  EXPECT_EQ(bad.exit_code, 3) << bad.out;
  EXPECT_EQ(read_file(tmp / "cache/db/bulwark.db"), before);
  EXPECT_FALSE(fs::exists(tmp / "cache/db/bulwark.db.new"));
}

TEST(DbUpdate, ConcurrentUpdateIsBlockedByTheLock) {
  REQUIRE_BINARY();
  REQUIRE_PYTHON();
  Fixture f;
  f.start();
  ASSERT_TRUE(f.server->ok());
  f.server->set_control(R"({"throttle": 2000})");  // ~1.5 s for osv-npm.zip
  pid_t first = spawn({bulwark::testing::bulwark_binary(), "db", "update", "--quiet", "--cache-dir",
                       (f.tmp / "cache").string(), "--db-repository", f.server->url(), "--feeds", kFeeds},
                      (f.tmp / "first.out").string());
  ASSERT_GT(first, 0);
  // Wait until the first one holds the lock (its first request arrived).
  for (int i = 0; i < 400 && f.server->count("GET") == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto second = update(f.tmp, f.server->url());
  EXPECT_EQ(second.exit_code, 3) << second.out;
  EXPECT_NE(second.err.find("another database update is running"), std::string::npos) << second.err;
  EXPECT_EQ(wait_exit(first), 0) << read_file(f.tmp / "first.out");
}

TEST(DbUpdate, KillNineAtAnyMomentLeavesAUsableDatabase) {
  REQUIRE_BINARY();
  REQUIRE_PYTHON();
  Fixture f;
  f.start();
  ASSERT_TRUE(f.server->ok());
  auto first = update(f.tmp, f.server->url());
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  // Every feed changes, so each update downloads everything (slowly) and rebuilds.
  int killed = 0;
  for (int delay_ms : {50, 200, 600, 1200, 2000, 2600}) {
    for (const char* name : {"kev.json", "osv-npm.zip"}) {
      std::ofstream(f.tmp / "mirror" / name, std::ios::app) << " ";
    }
    f.server->set_control(R"({"throttle": 4000})");
    pid_t pid = spawn({bulwark::testing::bulwark_binary(), "db", "update", "--quiet", "--cache-dir",
                       (f.tmp / "cache").string(), "--db-repository", f.server->url(), "--feeds", kFeeds});
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGKILL);
    killed += wait_exit(pid) == 128 + SIGKILL;
    // The database is the old or a complete new one.
    std::string st = status_of(f.tmp);
    EXPECT_NE(st.find("KEV: 2"), std::string::npos) << "after a kill at " << delay_ms << " ms: " << st;
  }
  EXPECT_GT(killed, 0);
  // The next update recovers: resumes or restarts, rebuilds, cleans up.
  f.server->set_control("{}");
  auto after = update(f.tmp, f.server->url(), {"--force"});
  ASSERT_EQ(after.exit_code, 0) << after.out << after.err;
  for (const char* name : {"osv-npm.zip", "kev.json"})
    EXPECT_EQ(read_file(f.tmp / "cache/db/feeds" / name), read_file(f.tmp / "mirror" / name)) << name;
  for (const auto& e : fs::directory_iterator(f.tmp / "cache/db")) {
    std::string n = e.path().filename().string();
    EXPECT_EQ(n.find(".tmp-"), std::string::npos) << n;
    EXPECT_FALSE(n.ends_with(".new")) << n;
  }
  EXPECT_EQ(read_file(f.tmp / "cache/db/feeds/osv-npm.zip"), read_file(f.tmp / "mirror/osv-npm.zip"));
}

}  // namespace
