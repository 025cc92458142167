// Language dependency scanning benchmark: `bulwark fs` (scan::run on a
// directory, no vulnerability matching) over real trees, against a baseline
// measured back to back in the same run:
//
//   node_modules  a real npm install of common JavaScript tooling (bench/node/
//                 package.json, pinned by its package-lock.json; >= 1,000
//                 package.json files), installed with `npm ci` into
//                 <cache>/node the first time; skipped with a message when npm
//                 is not installed;
//   jars          every real jar of the Debian Java library packages installed
//                 (/usr/share/java, /usr/share/maven-repo; >= 200), linked or
//                 copied into <cache>/jars (the walker never follows symlinks).
//
//   baseline  walk the same tree the way the directory walker does (openat,
//             fstatat without following links) and open and read every byte
//             of every file some analyzer wants, doing nothing with it;
//   scan      scan::run with the default analyzers, --scanners none, no cache.
//
// Prints and writes the ratio scan/baseline per tree (timings themselves depend
// on the machine).
//
//   lang_bench [--cache=DIR] [--node-src=DIR] [--jar-dirs=D1:D2] [--out=FILE]
//              [--iterations=N] [benchmark flags]
#include <benchmark/benchmark.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/process.hpp"
#include "scan/scan.hpp"

namespace fs = std::filesystem;
using namespace bulwark;

namespace {

struct Config {
  std::string cache = BULWARK_BENCH_CACHE_DIR;
  std::string node_src = BULWARK_SOURCE_DIR "/bench/node";
  std::vector<std::string> jar_dirs = {"/usr/share/java", "/usr/share/maven-repo"};
  std::string out;
  int iterations = 3;
};

constexpr size_t kMinPackageJsons = 1000;
constexpr size_t kMinJars = 200;

[[noreturn]] void die(const std::string& what) {
  std::cerr << "lang_bench: " << what << "\n";
  std::exit(2);
}

void note(const std::string& what) { std::cerr << "lang_bench: " << what << "\n"; }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool have_program(const std::string& name) {
  return std::system(("command -v " + name + " >/dev/null 2>&1").c_str()) == 0;
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// ------------------------------------------------------------ the trees --

size_t count_named(const fs::path& root, const std::string& name) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    if (it->is_symlink()) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && it->path().filename() == name) ++n;
  }
  return n;
}

// <cache>/node with node_modules installed from bench/node by `npm ci`, reused
// while the lockfile is unchanged. Empty when npm is not available.
std::string prepare_node(const Config& cfg) {
  fs::path src(cfg.node_src);
  fs::path dir = fs::path(cfg.cache) / "node";
  std::string lock = slurp(src / "package-lock.json");
  if (lock.empty()) die("no " + (src / "package-lock.json").string());
  std::string stamp = std::to_string(std::hash<std::string>{}(lock));
  if (slurp(dir / ".bulwark-bench-stamp") == stamp && fs::exists(dir / "node_modules")) return dir.string();
  if (!have_program("npm")) {
    note("skipping the node_modules tree: npm is not installed");
    return {};
  }
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  fs::copy_file(src / "package.json", dir / "package.json");
  fs::copy_file(src / "package-lock.json", dir / "package-lock.json");
  note("npm ci into " + dir.string() + " (first run only)");
  std::string cmd = "cd " + shell_quote(dir.string()) +
                    " && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >npm-ci.log 2>&1";
  if (std::system(cmd.c_str()) != 0) die("npm ci failed; see " + (dir / "npm-ci.log").string());
  std::ofstream(dir / ".bulwark-bench-stamp") << stamp;
  return dir.string();
}

// <cache>/jars: one hard link (or copy) per distinct real jar file.
std::string prepare_jars(const Config& cfg, size_t& count) {
  std::set<std::string> real;
  for (const auto& d : cfg.jar_dirs) {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(d, fs::directory_options::skip_permission_denied, ec);
         it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (ec) break;
      if (it->path().extension() != ".jar") continue;
      std::error_code e2;
      fs::path r = fs::canonical(it->path(), e2);
      if (!e2 && fs::is_regular_file(r)) real.insert(r.string());
    }
  }
  count = real.size();
  fs::path dir = fs::path(cfg.cache) / "jars";
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  for (const auto& r : real) {
    // Flattened but unique names: the path below the jar directory.
    std::string name = r.substr(1);
    for (char& c : name)
      if (c == '/') c = '_';
    fs::path to = dir / name;
    fs::create_hard_link(r, to, ec);
    if (ec) fs::copy_file(r, to, ec);
    if (ec) die("cannot link or copy " + r + ": " + ec.message());
  }
  return dir.string();
}

// ------------------------------------------------------------- baseline --

struct Walked {
  uint64_t entries = 0, files_read = 0, bytes_read = 0;
};

// The directory walker's traversal (tree.cpp) without analysis: openat with
// O_NOFOLLOW, fstatat without following links, ".git" skipped, and every file
// an analyzer wants opened and read to the end.
void baseline_walk(int dirfd, const std::string& rel, const AnalyzerRegistry& analyzers, std::vector<size_t>& scratch,
                   std::vector<char>& buf, Walked& w) {
  int dup_fd = ::fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  DIR* d = ::fdopendir(dup_fd);
  if (d == nullptr) die("fdopendir " + rel + ": " + std::strerror(errno));
  std::vector<std::string> names;
  while (dirent* de = ::readdir(d))
    if (std::strcmp(de->d_name, ".") != 0 && std::strcmp(de->d_name, "..") != 0) names.emplace_back(de->d_name);
  ::closedir(d);
  for (const auto& name : names) {
    ++w.entries;
    std::string child = rel.empty() ? name : rel + "/" + name;
    struct stat st {};
    if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    if (S_ISDIR(st.st_mode)) {
      if (name == ".git") continue;
      int sub = ::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub < 0) continue;
      baseline_walk(sub, child, analyzers, scratch, buf, w);
      ::close(sub);
    } else if (S_ISREG(st.st_mode)) {
      analyzers.wanting(child, st.st_size, static_cast<uint32_t>(st.st_mode), scratch);
      if (scratch.empty()) continue;
      int fd = ::openat(dirfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0) continue;
      for (;;) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n <= 0) break;
        w.bytes_read += static_cast<uint64_t>(n);
        benchmark::DoNotOptimize(buf.data());
      }
      ::close(fd);
      ++w.files_read;
    }
  }
}

Walked baseline(const std::string& root, const AnalyzerRegistry& analyzers) {
  int fd = ::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) die("cannot open " + root);
  Walked w;
  std::vector<size_t> scratch;
  std::vector<char> buf(64 * 1024);
  baseline_walk(fd, "", analyzers, scratch, buf, w);
  ::close(fd);
  return w;
}

// ----------------------------------------------------------------- scan --

struct Scanned {
  size_t applications = 0, packages = 0, diagnostics = 0;
};

Scanned scan_fs(const std::string& root) {
  scan::Request req;
  req.kind = TargetKind::kFilesystem;
  req.target = root;
  req.scanners = {};
  req.artifact.use_cache = false;
  auto report = scan::run(req);
  if (!report) die(report.error().describe());
  Scanned s;
  s.applications = report->inventory.applications.size();
  for (const auto& a : report->inventory.applications) s.packages += a.packages.size();
  s.diagnostics = report->diagnostics.size();
  return s;
}

// ------------------------------------------------------------- reporting --

class Collector : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (!r.error_occurred) {
        seconds[r.run_name.function_name] = r.GetAdjustedRealTime() * multiplier(r.time_unit);
        cpu_seconds[r.run_name.function_name] = r.GetAdjustedCPUTime() * multiplier(r.time_unit);
      }
    ConsoleReporter::ReportRuns(runs);
  }
  static double multiplier(benchmark::TimeUnit u) {
    switch (u) {
      case benchmark::kNanosecond: return 1e-9;
      case benchmark::kMicrosecond: return 1e-6;
      case benchmark::kMillisecond: return 1e-3;
      default: return 1;
    }
  }
  std::map<std::string, double> seconds;      // wall clock per iteration
  std::map<std::string, double> cpu_seconds;  // this process's CPU time per iteration
};

std::string hostname() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  bulwark::prepare_process();  // as the CLI does
  Config cfg;
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--cache=", 0) == 0) cfg.cache = a.substr(8);
    else if (a.rfind("--node-src=", 0) == 0) cfg.node_src = a.substr(11);
    else if (a.rfind("--jar-dirs=", 0) == 0) {
      cfg.jar_dirs.clear();
      std::stringstream ss(a.substr(11));
      for (std::string d; std::getline(ss, d, ':');)
        if (!d.empty()) cfg.jar_dirs.push_back(d);
    } else if (a.rfind("--out=", 0) == 0) cfg.out = a.substr(6);
    else if (a.rfind("--iterations=", 0) == 0) cfg.iterations = std::stoi(a.substr(13));
    else rest.push_back(argv[i]);
  }
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());
  fs::create_directories(cfg.cache);

  struct Tree {
    std::string label, root, what;
    Walked walked;
    Scanned scanned;
  };
  std::vector<Tree> trees;
  if (std::string node = prepare_node(cfg); !node.empty()) {
    size_t manifests = count_named(fs::path(node) / "node_modules", "package.json");
    if (manifests < kMinPackageJsons)
      die("only " + std::to_string(manifests) + " package.json files under " + node + "/node_modules");
    trees.push_back({"node_modules", node, std::to_string(manifests) + " package.json files", {}, {}});
  }
  size_t jars = 0;
  std::string jar_dir = prepare_jars(cfg, jars);
  if (jars < kMinJars)
    note("skipping the jar tree: only " + std::to_string(jars) +
         " real jar files (install the Debian packages listed in docs/benchmarks.md)");
  else
    trees.push_back({"jars", jar_dir, std::to_string(jars) + " jar files", {}, {}});
  if (trees.empty()) die("nothing to measure");

  AnalyzerRegistry analyzers = scan::default_analyzers();
  for (auto& t : trees) {
    Tree* tp = &t;
    benchmark::RegisterBenchmark(("baseline/" + t.label).c_str(), [tp, &analyzers](benchmark::State& st) {
      for (auto _ : st) tp->walked = baseline(tp->root, analyzers);
    })->Iterations(cfg.iterations)->Unit(benchmark::kMillisecond)->UseRealTime();
    benchmark::RegisterBenchmark(("scan/" + t.label).c_str(), [tp](benchmark::State& st) {
      for (auto _ : st) tp->scanned = scan_fs(tp->root);
    })->Iterations(cfg.iterations)->Unit(benchmark::kMillisecond)->UseRealTime();
  }
  Collector collector;
  benchmark::RunSpecifiedBenchmarks(&collector);

  std::ostringstream summary, js;
  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
  js << "{\n  \"date\": \"" << date << "\",\n  \"host\": \"" << hostname() << "\",\n  \"cpus\": "
     << sysconf(_SC_NPROCESSORS_ONLN) << ",\n  \"trees\": [\n";
  // Both walks are single-threaded, so CPU time is the like-for-like measure
  // on a machine shared with other work; wall time includes waiting for I/O
  // and for the CPU.
  summary << "\ntree           contents                  entries  files read   bytes read  apps  packages  "
             "baseline     scan        ratio  (CPU: baseline     scan        ratio)\n";
  for (size_t k = 0; k < trees.size(); ++k) {
    const Tree& t = trees[k];
    double base = collector.seconds["baseline/" + t.label];
    double scan = collector.seconds["scan/" + t.label];
    double ratio = base > 0 ? scan / base : 0;
    double cbase = collector.cpu_seconds["baseline/" + t.label];
    double cscan = collector.cpu_seconds["scan/" + t.label];
    double cratio = cbase > 0 ? cscan / cbase : 0;
    char line[512];
    std::snprintf(line, sizeof line,
                  "%-14s %-25s %7llu  %10llu  %11llu  %4zu  %8zu  %8.2fms  %8.2fms  %5.2f  (CPU: %8.2fms  %8.2fms  %5.2f)\n",
                  t.label.c_str(), t.what.c_str(), static_cast<unsigned long long>(t.walked.entries),
                  static_cast<unsigned long long>(t.walked.files_read),
                  static_cast<unsigned long long>(t.walked.bytes_read), t.scanned.applications, t.scanned.packages,
                  base * 1e3, scan * 1e3, ratio, cbase * 1e3, cscan * 1e3, cratio);
    summary << line;
    js << "    {\"tree\": \"" << t.label << "\", \"contents\": \"" << t.what << "\", \"entries\": " << t.walked.entries
       << ", \"files_read\": " << t.walked.files_read << ", \"bytes_read\": " << t.walked.bytes_read
       << ", \"applications\": " << t.scanned.applications << ", \"packages\": " << t.scanned.packages
       << ", \"diagnostics\": " << t.scanned.diagnostics << ",\n     \"seconds\": {\"baseline\": " << base
       << ", \"scan\": " << scan << "}, \"cpu_seconds\": {\"baseline\": " << cbase << ", \"scan\": " << cscan
       << "},\n     \"scan_over_baseline\": " << ratio << ", \"cpu_scan_over_baseline\": " << cratio << "}"
       << (k + 1 < trees.size() ? "," : "") << "\n";
  }
  js << "  ]\n}\n";
  std::cout << summary.str();
  if (!cfg.out.empty()) {
    fs::create_directories(fs::path(cfg.out).parent_path());
    std::ofstream(cfg.out) << js.str();
    std::cout << "results written to " << cfg.out << "\n";
  }
  benchmark::Shutdown();
  return 0;
}
