// Image scan benchmark. For each image given, back to back in one run:
//   baseline  decompress and walk every layer with libarchive, reading every
//             entry's data and discarding it (the least any scanner must do);
//   cold      a Bulwark scan with an empty layer cache (open, walk, analyze,
//             verify digests, merge, store in the cache);
//   warm      the same scan again with the cache filled;
// then the peak RSS of a cold scan in a fresh child process (ru_maxrss from
// wait4). Prints and writes the ratios cold/baseline and warm/cold, which are
// what the targets are about (timings themselves depend on the machine).
//
//   scan_bench --image=REF [--image=REF2 ...] [--out=FILE.json] [--work=DIR]
//              [--iterations=N] [benchmark flags]
#include <archive.h>
#include <archive_entry.h>
#include <benchmark/benchmark.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/process.hpp"
#include "artifact/artifact.hpp"
#include "scan/scan.hpp"

namespace fs = std::filesystem;
using namespace bulwark;

namespace {

struct Config {
  std::vector<std::string> images;
  std::string out;
  std::string work = "/tmp/bulwark-bench";
  int iterations = 3;
};

[[noreturn]] void die(const std::string& what) {
  std::cerr << "scan_bench: " << what << "\n";
  std::exit(2);
}

// ------------------------------------------------------------- baseline --

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};

struct StreamCtx {
  artifact::ByteStream* stream = nullptr;
  std::vector<char> buf = std::vector<char>(1 << 20);
  std::string error;
};

la_ssize_t read_cb(archive*, void* p, const void** out) {
  auto* ctx = static_cast<StreamCtx*>(p);
  auto n = ctx->stream->read(ctx->buf.data(), ctx->buf.size());
  if (!n) {
    ctx->error = n.error().describe();
    return -1;
  }
  *out = ctx->buf.data();
  return static_cast<la_ssize_t>(*n);
}

// Decompresses and walks one layer, reading all data; returns uncompressed bytes.
uint64_t walk_layer(artifact::ImageSource& image, size_t index) {
  auto stream = image.open_layer(index);
  if (!stream) die(stream.error().describe());
  StreamCtx ctx;
  ctx.stream = stream->get();
  std::unique_ptr<archive, ArchiveDeleter> a(archive_read_new());
  archive_read_support_filter_all(a.get());
  archive_read_support_format_tar(a.get());
  if (archive_read_open(a.get(), &ctx, nullptr, read_cb, nullptr) != ARCHIVE_OK)
    die(std::string("archive_read_open: ") + archive_error_string(a.get()));
  archive_entry* e;
  std::vector<char> data(1 << 16);
  for (;;) {
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) die(std::string("layer walk: ") + archive_error_string(a.get()) + " " + ctx.error);
    for (;;) {
      la_ssize_t n = archive_read_data(a.get(), data.data(), data.size());
      if (n < 0) die(std::string("layer data: ") + archive_error_string(a.get()));
      if (n == 0) break;
      benchmark::DoNotOptimize(data.data());
    }
  }
  return static_cast<uint64_t>(archive_filter_bytes(a.get(), 0));
}

std::unique_ptr<artifact::ImageSource> open(const std::string& ref, const artifact::Options& opts) {
  auto image = artifact::open_image(ref, opts);
  if (!image) die(image.error().describe());
  return std::move(*image);
}

// ----------------------------------------------------------------- scans --

artifact::Options options(const std::string& cache_dir, int parallel) {
  artifact::Options o;
  o.cache_dir = cache_dir;
  o.image_sources = {"archive"};
  o.parallelism = parallel;
  return o;
}

artifact::Inspection scan_once(const std::string& ref, const std::string& cache_dir, int parallel,
                               const AnalyzerRegistry& analyzers) {
  artifact::Options o = options(cache_dir, parallel);
  auto image = open(ref, o);
  auto cache = artifact::open_layer_cache(cache_dir);
  auto ins = artifact::inspect_image(*image, analyzers, *cache, o);
  if (!ins) die(ins.error().describe());
  return std::move(*ins);
}

void reset_dir(const fs::path& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
}

// Peak RSS (KiB) of a cold scan in a fresh process: this program re-executed
// in --rss-child mode, so no memory of the parent is counted.
long child_peak_rss_kib(const std::string& ref, const std::string& cache_dir, int parallel) {
  reset_dir(cache_dir);
  pid_t pid = fork();
  if (pid == 0) {
    std::string a1 = "--rss-child=" + ref, a2 = "--rss-cache=" + cache_dir,
                a3 = "--rss-parallel=" + std::to_string(parallel);
    execl("/proc/self/exe", "scan_bench", a1.c_str(), a2.c_str(), a3.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  rusage ru{};
  if (wait4(pid, &status, 0, &ru) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    die("cold scan child for " + ref + " failed");
  return ru.ru_maxrss;
}

std::string image_label(const std::string& ref) {
  // "oci:/x/y/oci:bench-500" -> "bench-500"
  size_t colon = ref.rfind(':');
  std::string s = colon == std::string::npos ? ref : ref.substr(colon + 1);
  return s.find('/') == std::string::npos ? s : fs::path(ref).filename().string();
}

// ------------------------------------------------------------- reporting --

class Collector : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (!r.error_occurred) seconds[r.run_name.function_name] = r.GetAdjustedRealTime() * multiplier(r.time_unit);
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
  std::map<std::string, double> seconds;  // benchmark name -> seconds per iteration
};

int rss_child_main(int argc, char** argv) {
  std::string ref, cache;
  int parallel = 0;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--rss-child=", 0) == 0) ref = a.substr(12);
    else if (a.rfind("--rss-cache=", 0) == 0) cache = a.substr(12);
    else if (a.rfind("--rss-parallel=", 0) == 0) parallel = std::stoi(a.substr(15));
  }
  AnalyzerRegistry analyzers = scan::default_analyzers();
  auto ins = scan_once(ref, cache, parallel, analyzers);  // exits non-zero on a scan error
  std::cerr << "scan_bench: rss child: " << ins.merged.inventory.packages.size() << " packages\n";
  return 0;
}

std::string hostname() {
  char buf[256] = {};
  gethostname(buf, sizeof buf - 1);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], "--rss-child=", 12) == 0) return rss_child_main(argc, argv);
  bulwark::prepare_process();  // as the CLI does

  Config cfg;
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--image=", 0) == 0) cfg.images.push_back(a.substr(8));
    else if (a.rfind("--out=", 0) == 0) cfg.out = a.substr(6);
    else if (a.rfind("--work=", 0) == 0) cfg.work = a.substr(7);
    else if (a.rfind("--iterations=", 0) == 0) cfg.iterations = std::stoi(a.substr(13));
    else rest.push_back(argv[i]);
  }
  if (cfg.images.empty()) die("usage: scan_bench --image=REF [--image=REF ...] [--out=FILE] [--work=DIR]");
  int rest_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&rest_argc, rest.data());

  AnalyzerRegistry analyzers = scan::default_analyzers();
  struct Info {
    std::string ref, label;
    uint64_t uncompressed = 0, compressed = 0;
    size_t layers = 0, packages = 0;
  };
  std::vector<Info> infos;
  for (const auto& ref : cfg.images) {
    Info info{ref, image_label(ref)};
    auto image = open(ref, options("", 0));
    info.layers = image->artifact().layers.size();
    for (const auto& l : image->artifact().layers) info.compressed += static_cast<uint64_t>(l.size);
    infos.push_back(info);
  }

  for (auto& info : infos) {
    const std::string ref = info.ref;
    Info* ip = &info;
    fs::path cold_cache = fs::path(cfg.work) / (info.label + "-cold");
    fs::path warm_cache = fs::path(cfg.work) / (info.label + "-warm");

    benchmark::RegisterBenchmark(("baseline/" + info.label).c_str(), [ref, ip](benchmark::State& st) {
      for (auto _ : st) {
        auto image = open(ref, options("", 0));
        uint64_t bytes = 0;
        for (size_t i = 0; i < image->artifact().layers.size(); ++i) bytes += walk_layer(*image, i);
        ip->uncompressed = bytes;
      }
      st.SetBytesProcessed(static_cast<int64_t>(st.iterations() * ip->uncompressed));
    })->Iterations(cfg.iterations)->Unit(benchmark::kMillisecond)->UseRealTime();

    for (int parallel : {1, 0}) {
      std::string suffix = parallel == 0 ? "" : "/parallel1";
      benchmark::RegisterBenchmark(("cold/" + info.label + suffix).c_str(),
                                   [ref, cold_cache, parallel, ip, &analyzers](benchmark::State& st) {
        for (auto _ : st) {
          st.PauseTiming();
          reset_dir(cold_cache);
          st.ResumeTiming();
          auto ins = scan_once(ref, cold_cache.string(), parallel, analyzers);
          if (ins.cache_hits != 0) st.SkipWithError("cold scan hit the cache");
          ip->packages = ins.merged.inventory.packages.size();
        }
      })->Iterations(cfg.iterations)->Unit(benchmark::kMillisecond)->UseRealTime();
    }

    benchmark::RegisterBenchmark(("warm/" + info.label).c_str(), [ref, warm_cache, ip, &analyzers](benchmark::State& st) {
      reset_dir(warm_cache);
      scan_once(ref, warm_cache.string(), 0, analyzers);  // fill the cache
      for (auto _ : st) {
        auto ins = scan_once(ref, warm_cache.string(), 0, analyzers);
        if (static_cast<size_t>(ins.cache_hits) != ip->layers) st.SkipWithError("warm scan missed the cache");
      }
    })->Iterations(cfg.iterations)->Unit(benchmark::kMillisecond)->UseRealTime();
  }

  Collector collector;
  benchmark::RunSpecifiedBenchmarks(&collector);

  // Ratios and memory, per image.
  std::ostringstream summary;
  std::ostringstream js;
  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
  js << "{\n  \"date\": \"" << date << "\",\n  \"host\": \"" << hostname() << "\",\n  \"cpus\": "
     << sysconf(_SC_NPROCESSORS_ONLN) << ",\n  \"images\": [\n";
  summary << "\nimage          layers  uncompressed  packages  cold/baseline  cold(p=1)/baseline  warm/cold  "
             "cold peak RSS\n";
  for (size_t k = 0; k < infos.size(); ++k) {
    const Info& info = infos[k];
    double base = collector.seconds["baseline/" + info.label];
    double cold = collector.seconds["cold/" + info.label];
    double cold1 = collector.seconds["cold/" + info.label + "/parallel1"];
    double warm = collector.seconds["warm/" + info.label];
    long rss_kib = child_peak_rss_kib(info.ref, (fs::path(cfg.work) / (info.label + "-rss")).string(), 0);
    double rss_mb = static_cast<double>(rss_kib) / 1024.0;
    double r_cold = base > 0 ? cold / base : 0, r_cold1 = base > 0 ? cold1 / base : 0,
           r_warm = cold > 0 ? warm / cold : 0;
    char line[512];
    std::snprintf(line, sizeof line, "%-14s %6zu  %9.0f MB  %8zu  %13.2f  %18.2f  %9.3f  %10.0f MB\n",
                  info.label.c_str(), info.layers, static_cast<double>(info.uncompressed) / 1e6, info.packages,
                  r_cold, r_cold1, r_warm, rss_mb);
    summary << line;
    js << "    {\"image\": \"" << info.label << "\", \"ref\": \"" << info.ref << "\", \"layers\": " << info.layers
       << ", \"uncompressed_bytes\": " << info.uncompressed << ", \"compressed_bytes\": " << info.compressed
       << ", \"packages\": " << info.packages << ",\n     \"seconds\": {\"baseline\": " << base
       << ", \"cold\": " << cold << ", \"cold_parallel1\": " << cold1 << ", \"warm\": " << warm << "},\n"
       << "     \"cold_over_baseline\": " << r_cold << ", \"cold_parallel1_over_baseline\": " << r_cold1
       << ", \"warm_over_cold\": " << r_warm << ", \"cold_peak_rss_mb\": " << rss_mb << "}"
       << (k + 1 < infos.size() ? "," : "") << "\n";
  }
  js << "  ],\n  \"targets\": {\"cold_over_baseline\": 1.3, \"warm_over_cold\": 0.05, \"cold_peak_rss_mb\": 200}\n}\n";
  summary << "targets: cold/baseline <= 1.3, warm/cold <= 0.05, cold peak RSS <= 200 MB (flat in image size)\n";
  std::cout << summary.str();
  if (!cfg.out.empty()) {
    fs::create_directories(fs::path(cfg.out).parent_path());
    std::ofstream(cfg.out) << js.str();
    std::cout << "results written to " << cfg.out << "\n";
  }
  benchmark::Shutdown();
  return 0;
}
