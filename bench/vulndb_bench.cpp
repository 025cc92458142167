// Vulnerability database import benchmark: advisories per second of
// build_database() (read, parse, stream into SQLite, merge aliases, index,
// sync) on a generated OSV set and on the corpus OSV archives, as a ratio
// against a baseline measured in the same run (reading and decompressing the
// same input without parsing it), the database size per advisory, and the
// peak RSS of a child process for 1x and 2x the input. See docs/benchmarks.md.
//
// Usage: vulndb_bench [--records=N] [--corpus=DIR] [--keep]
#include <archive.h>
#include <archive_entry.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "vulndb/vulndb.hpp"

namespace fs = std::filesystem;
using bulwark::vulndb::build_database;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// n OSV records shaped like GHSA's: one package, a semver range, a CVE alias
// on most, some records sharing a CVE so that alias merging has work to do.
void write_synthetic(const fs::path& dir, int n) {
  fs::create_directories(dir);
  const std::string details(600, 'x');
  for (int i = 0; i < n; ++i) {
    char id[64], cve[64];
    std::snprintf(id, sizeof id, "GHSA-%04x-%04x-b%d", i & 0xffff, (i * 7) & 0xffff, i);
    std::snprintf(cve, sizeof cve, "CVE-2099-%d", i % 5 == 0 && i > 0 ? i - 1 : i);
    std::string rec = std::string("{\"schema_version\":\"1.4.0\",\"id\":\"") + id +
                      "\",\"modified\":\"2024-01-01T00:00:00Z\",\"published\":\"2023-01-01T00:00:00Z\"," +
                      (i % 4 != 3 ? std::string("\"aliases\":[\"") + cve + "\"]," : std::string()) +
                      "\"summary\":\"synthetic advisory " + std::to_string(i) + "\",\"details\":\"" + details +
                      "\",\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}]"
                      ",\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"pkg-" +
                      std::to_string(i % 4999) +
                      "\"},\"ranges\":[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1." +
                      std::to_string(i % 50) + ".0\"}]}]}],\"references\":[{\"type\":\"ADVISORY\",\"url\":" +
                      "\"https://example.org/advisories/" + std::to_string(i) + "\"}]," +
                      "\"database_specific\":{\"cwe_ids\":[\"CWE-79\"],\"severity\":\"HIGH\"}}";
    std::ofstream(dir / (std::string(id) + ".json"), std::ios::binary) << rec;
  }
}

// Baseline for a directory: read every file whole, as the importer's walker does.
uint64_t read_all(const fs::path& p) {
  uint64_t bytes = 0;
  if (fs::is_directory(p)) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(p))
      if (e.is_regular_file()) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      bytes += s.size();
    }
    return bytes;
  }
  // An archive: decompress every entry into memory and drop it.
  archive* a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_zip(a);
  archive_read_support_format_raw(a);
  if (archive_read_open_filename(a, p.c_str(), 1 << 16) == ARCHIVE_OK) {
    archive_entry* e;
    std::vector<char> buf(1 << 16);
    while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
      std::string s;
      la_ssize_t n;
      while ((n = archive_read_data(a, buf.data(), buf.size())) > 0) s.append(buf.data(), static_cast<size_t>(n));
      bytes += s.size();
    }
  }
  archive_read_free(a);
  return bytes;
}

struct Run {
  double seconds = 0, baseline = 0;
  uint64_t advisories = 0, db_bytes = 0;
};

Run measure(const fs::path& input, const fs::path& db, int iterations) {
  Run best;
  for (int i = 0; i < iterations; ++i) {
    double t0 = now();
    read_all(input);
    double t1 = now();
    auto r = build_database(db.string(), {input.string()});
    double t2 = now();
    if (!r) {
      std::fprintf(stderr, "vulndb_bench: %s\n", r.error().describe().c_str());
      std::exit(1);
    }
    if (i == 0 || t1 - t0 < best.baseline) best.baseline = t1 - t0;
    if (i == 0 || t2 - t1 < best.seconds) best.seconds = t2 - t1;
    best.advisories = r->written.advisories;
    best.db_bytes = fs::file_size(db);
  }
  return best;
}

void print(const std::string& name, const Run& r) {
  std::printf("%-40s %8llu adv %8.3f s %9.0f adv/s  baseline %7.3f s  ratio %6.1f  %6.0f bytes/adv\n", name.c_str(),
              static_cast<unsigned long long>(r.advisories), r.seconds, r.advisories / r.seconds, r.baseline,
              r.seconds / r.baseline, r.advisories ? static_cast<double>(r.db_bytes) / r.advisories : 0.0);
}

// Peak RSS (KiB) of a fresh child that builds `db` from `input`.
long child_rss(const char* self, const fs::path& input, const fs::path& db) {
  pid_t pid = fork();
  if (pid == 0) {
    std::string a1 = "--rss-child=" + input.string(), a2 = db.string();
    execl(self, self, a1.c_str(), a2.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  struct rusage ru {};
  if (wait4(pid, &status, 0, &ru) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return -1;
  return ru.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  int records = 50000, iterations = 3;
  std::string corpus = BULWARK_SOURCE_DIR "/../shared/corpus/osv";
  if (const char* c = std::getenv("BULWARK_CORPUS")) corpus = std::string(c) + "/osv";
  bool keep = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--rss-child=", 12) == 0)
      return build_database(argc > i + 1 ? argv[i + 1] : "rss.db", {argv[i] + 12}).ok() ? 0 : 1;
    if (std::strncmp(argv[i], "--records=", 10) == 0) records = std::atoi(argv[i] + 10);
    if (std::strncmp(argv[i], "--iterations=", 13) == 0) iterations = std::atoi(argv[i] + 13);
    if (std::strncmp(argv[i], "--corpus=", 9) == 0) corpus = argv[i] + 9;
    if (std::strcmp(argv[i], "--keep") == 0) keep = true;
  }
  fs::path tmp = fs::temp_directory_path() / ("vulndb_bench-" + std::to_string(getpid()));
  fs::create_directories(tmp);
  std::printf("build_database throughput; baseline = read (and decompress) the same input without parsing;\n"
              "ratio = import time / baseline time; best of %d\n\n",
              iterations);

  write_synthetic(tmp / "synthetic-1x", records / 2);
  write_synthetic(tmp / "synthetic-2x", records);
  print("synthetic OSV JSON (" + std::to_string(records) + " files)",
        measure(tmp / "synthetic-2x", tmp / "synthetic.db", iterations));

  if (fs::is_directory(corpus)) {
    std::vector<fs::path> archives;
    for (const auto& e : fs::directory_iterator(corpus))
      if (e.path().string().ends_with(".tar.gz")) archives.push_back(e.path());
    std::sort(archives.begin(), archives.end());
    for (const auto& a : archives) print(a.filename().string(), measure(a, tmp / "corpus.db", iterations));
  } else {
    std::printf("corpus OSV archives: skipped (%s is absent)\n", corpus.c_str());
  }

  long one = child_rss(argv[0], tmp / "synthetic-1x", tmp / "rss1.db");
  long two = child_rss(argv[0], tmp / "synthetic-2x", tmp / "rss2.db");
  std::printf("\npeak RSS (child process): %d records %ld KiB, %d records %ld KiB (x%.2f for x2 input)\n", records / 2,
              one, records, two, one > 0 ? static_cast<double>(two) / one : 0.0);
  if (!keep) fs::remove_all(tmp);
  return 0;
}
