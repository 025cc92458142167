// The board's store at scale: 10,000 images and 5,000,000 findings on SQLite
// (BULWARK_STORE_BENCH_IMAGES and BULWARK_STORE_BENCH_FINDINGS per image
// make it smaller for quick runs). The store is generated once (one
// transaction, prepared statements, then Store::rebuild_rollups) into the
// build tree and reused while its size matches.
//
// Measured, each query repeated (p50 and p95 over the repetitions):
//   baseline       one page of 50 findings by primary key (the least any list
//                  must do: step 51 rows and read their columns)
//   overview       Store::overview (rollups only)
//   list/…         Store::list_findings page 1 with total: default (open,
//                  by priority), severity HIGH,CRITICAL + state new, kev=true,
//                  q=openssl, one artifact, and page 5 of the default list
//   trends         Store::trends(30)
//   ingest         Store::ingest of realistic reports (JSON bodies of 500
//                  findings: a new image, and a rescan of an existing one with
//                  5% of its findings changed) into the big store, in
//                  reports/s, against report_from_json of the same bodies.
//   reassess       Store::reassess_open over 20,000 open findings, a later
//                  day each iteration (the daily pass), in findings/s; with
//                  the store's default assessor and the generated findings'
//                  short JSON, so parsing real findings and the real
//                  assessor come on top.
// Prints ms p50/p95 and the ratio p95/baseline p50. Target: p95 <= 100 ms.
//
//   server_store_bench [benchmark flags]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "server/store/sql.hpp"
#include "server/store/store.hpp"

namespace fs = std::filesystem;
using namespace bulwark;
using namespace bulwark::store;

namespace {

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::max(1, std::atoi(v)) : fallback;
}

const int kImages = env_int("BULWARK_STORE_BENCH_IMAGES", 10000);
const int kPerImage = env_int("BULWARK_STORE_BENCH_FINDINGS", 500);
const int kRules = 40000;
const int kPackages = 3000;

std::string pad(int n, int width) {
  std::string s = std::to_string(n);
  return std::string(static_cast<size_t>(std::max(0, width - static_cast<int>(s.size()))), '0') + s;
}

std::string package_name(int i) {
  static const char* const kCommon[] = {"openssl", "libssl3", "zlib1g", "libc6", "bash", "curl", "libcurl4",
                                        "perl-base", "libxml2", "glibc", "busybox", "python3.11", "nodejs", "tar"};
  if (i < 14) return kCommon[i];
  return "pkg-" + pad(i, 5);
}

// The test assessor of the store's tests, in numbers: severity x 20, +10 KEV.
int score_of(int severity, bool kev) { return severity * 20 + (kev ? 10 : 0); }
std::string level_of(int s) { return s >= 80 ? "P1" : s >= 60 ? "P2" : s >= 35 ? "P3" : "P4"; }

std::string date_plus(int day_of_2025) {
  // 2025-01-01 + n days, n < 365.
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int m = 0, d = day_of_2025;
  while (m < 11 && d >= kDays[m]) d -= kDays[m++];
  return "2025-" + pad(m + 1, 2) + "-" + pad(d + 1, 2);
}

std::string lower_copy(std::string s) {
  for (char& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

Status generate(const std::string& path) {
  auto opened = Store::open(path, {});  // migrations
  if (!opened) return opened.error();
  opened->reset();
  auto conn = sql::open_sqlite(path, 60000);
  if (!conn) return conn.error();
  sql::Connection& c = **conn;
  if (auto s = c.exec_script("PRAGMA synchronous=OFF; PRAGMA cache_size=-2000000"); !s) return s;
  sql::Transaction tx(c);
  if (auto s = tx.begin_write(); !s) return s;
  std::mt19937_64 rng(42);
  // Rules: CVE ids with titles naming their package; 1% in KEV.
  std::vector<int> rule_package(kRules);
  std::vector<int> rule_severity(kRules);
  std::vector<bool> rule_kev(kRules);
  {
    auto st = c.prepare("INSERT INTO rules (id, kind, rule_id, title, search) VALUES (?, 'vulnerability', ?, ?, ?)");
    if (!st) return st.error();
    for (int r = 0; r < kRules; ++r) {
      rule_package[r] = static_cast<int>(std::pow(static_cast<double>(rng() % 1000000) / 1e6, 3) * kPackages);
      int roll = static_cast<int>(rng() % 100);
      rule_severity[r] = roll < 5 ? 4 : roll < 30 ? 3 : roll < 70 ? 2 : roll < 90 ? 1 : 0;
      rule_kev[r] = rng() % 100 == 0;
      std::string id = "CVE-20" + pad(15 + r % 10, 2) + "-" + pad(10000 + r, 5);
      std::string title = package_name(rule_package[r]) + ": " +
                          (r % 3 == 0 ? "buffer overflow in parser" : r % 3 == 1 ? "use after free" : "denial of service");
      (*st)->reset();
      (*st)->bind_all(static_cast<int64_t>(r + 1), id, title, lower_copy(id + "\n" + title));
      if (auto x = (*st)->step(); !x) return x.error();
    }
  }
  {
    auto st = c.prepare("INSERT INTO package_names (name, search) VALUES (?, ?)");
    if (!st) return st.error();
    for (int p = 0; p < kPackages; ++p) {
      (*st)->reset();
      (*st)->bind_all(package_name(p), package_name(p));
      if (auto x = (*st)->step(); !x) return x.error();
    }
  }
  auto art = c.prepare(
      "INSERT INTO artifacts (id, kind, name, digest, tags, repositories, os_family, os_version, first_seen, last_seen, "
      "latest_scan_id, latest_scan_at, internet_facing) VALUES (?, 'image', ?, ?, ?, ?, 'debian', '12', ?, ?, ?, ?, ?)");
  auto scan = c.prepare(
      "INSERT INTO scans (id, artifact_id, report_sha256, created_at, received_at, tool_version, target_kind, digest, "
      "scanners, n_findings) VALUES (?, ?, ?, ?, ?, '0.1.0', 'image', ?, 'vulnerability', ?)");
  auto fnd = c.prepare(
      "INSERT INTO findings (id, artifact_id, fingerprint, kind, rule_ref, severity, package_name, package_version, "
      "fixed_versions, location, fixable, epss, kev, exposed, priority_score, priority_level, practice, state, "
      "assignee, due_date, sla_from, first_seen, last_seen, fixed_at, last_scan_id) VALUES (?, ?, ?, 'vulnerability', "
      "?, ?, ?, ?, ?, 'var/lib/dpkg/status', ?, ?, ?, ?, ?, ?, 3, ?, ?, ?, ?, ?, ?, ?, ?)");
  auto det = c.prepare("INSERT INTO finding_details (finding_id, finding_json, factors_json) VALUES (?, ?, '[]')");
  if (!art || !scan || !fnd || !det) return Error(ErrorCode::kInternal, "prepare failed");
  const std::map<std::string, int> sla = {{"P1", 7}, {"P2", 30}, {"P3", 90}, {"P4", 180}};
  int64_t fid = 0;
  for (int i = 0; i < kImages; ++i) {
    int day = static_cast<int>(rng() % 300);
    std::string first = date_plus(day) + "T0" + std::to_string(i % 10) + ":00:00Z";
    std::string last = date_plus(std::min(364, day + 30 + static_cast<int>(rng() % 30))) + "T12:00:00Z";
    std::string name = "registry.example/team" + pad(i % 200, 3) + "/service" + pad(i, 5);
    std::string digest = "sha256:" + pad(i, 64);
    bool exposed = i % 10 == 0;
    (*art)->reset();
    (*art)->bind_all(static_cast<int64_t>(i + 1), name, digest, name + ":1." + std::to_string(i % 7), name, first, last,
                     static_cast<int64_t>(i + 1), last, exposed);
    if (auto x = (*art)->step(); !x) return x.error();
    (*scan)->reset();
    (*scan)->bind_all(static_cast<int64_t>(i + 1), static_cast<int64_t>(i + 1), "bench" + pad(i, 59), last, last, digest,
                      static_cast<int64_t>(kPerImage));
    if (auto x = (*scan)->step(); !x) return x.error();
    std::vector<int> rules;
    rules.reserve(static_cast<size_t>(kPerImage));
    while (static_cast<int>(rules.size()) < kPerImage) {
      // Common packages' CVEs appear in most images.
      int r = static_cast<int>(std::pow(static_cast<double>(rng() % 1000000) / 1e6, 2) * kRules);
      rules.push_back(r);
    }
    std::sort(rules.begin(), rules.end());
    rules.erase(std::unique(rules.begin(), rules.end()), rules.end());
    for (int r : rules) {
      ++fid;
      int roll = static_cast<int>(rng() % 100);
      std::string state = roll < 80 ? "new" : roll < 88 ? "triaged" : roll < 91 ? "in_progress" : roll < 97 ? "fixed"
                                  : roll < 99 ? "accepted_risk" : "false_positive";
      bool fixable = rng() % 10 < 6;
      double epss = rng() % 3 ? static_cast<double>(rng() % 100000) / 100000.0 : -1.0;
      int score = score_of(rule_severity[r], rule_kev[r]) + (exposed ? 10 : 0);
      std::string level = level_of(score);
      std::string pkg = package_name(rule_package[r]);
      std::string version = "1." + std::to_string(r % 20) + "-" + std::to_string(r % 3);
      std::string fp = pad(static_cast<int>(fid), 64);
      (*fnd)->reset();
      (*fnd)->bind_all(fid, static_cast<int64_t>(i + 1), fp, static_cast<int64_t>(r + 1),
                       static_cast<int64_t>(rule_severity[r]), pkg, version,
                       fixable ? std::string("1.") + std::to_string(r % 20 + 1) : std::string(), fixable, epss,
                       static_cast<bool>(rule_kev[r]), exposed, static_cast<int64_t>(score), level, state,
                       rng() % 20 == 0 ? std::string("owner") + std::to_string(i % 30) : std::string(),
                       date_plus(std::min(364, day + sla.at(level) % 300)), date_plus(day), first, last,
                       state == "fixed" ? last : std::string(), static_cast<int64_t>(i + 1));
      if (auto x = (*fnd)->step(); !x) return x.error();
      (*det)->reset();
      (*det)->bind_all(fid, R"({"kind":"vulnerability","id":"CVE","package_name":")" + pkg + R"(","fingerprint":")" +
                                fp + "\"}");
      if (auto x = (*det)->step(); !x) return x.error();
    }
  }
  if (auto s = tx.commit(); !s) return s;
  auto store = Store::open(path, {});
  if (!store) return store.error();
  return (*store)->rebuild_rollups();
}

std::unique_ptr<Store> g_store;
std::vector<std::string> g_new_reports, g_rescans;
std::string g_path;

}  // namespace

namespace {

const char* const kToday = "2025-12-01";

double percentile(const std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::vector<double> s = v;
  std::sort(s.begin(), s.end());
  size_t k = static_cast<size_t>(std::ceil(p * static_cast<double>(s.size()))) - 1;
  return s[std::min(k, s.size() - 1)];
}

void add_stats(benchmark::internal::Benchmark* b, int reps) {
  b->Iterations(1)->Repetitions(reps)->ReportAggregatesOnly(true)->Unit(benchmark::kMillisecond)->UseRealTime();
  b->ComputeStatistics("p50", [](const std::vector<double>& v) { return percentile(v, 0.50); });
  b->ComputeStatistics("p95", [](const std::vector<double>& v) { return percentile(v, 0.95); });
}

void BM_Baseline(benchmark::State& state) {
  static int64_t start = 1;
  auto conn = sql::open_sqlite(g_path, 10000);
  for (auto _ : state) {
    auto st = (*conn)->prepare(
        "SELECT id, artifact_id, fingerprint, kind, severity, package_name, package_version, state, assignee, "
        "due_date, priority_score, priority_level, epss, kev, first_seen, last_seen FROM findings WHERE id >= ? "
        "ORDER BY id LIMIT 51");
    (*st)->bind(1, start);
    int64_t n = 0;
    while (*(*st)->step()) {
      n += (*st)->integer(0) + static_cast<int64_t>((*st)->text(2).size() + (*st)->text(5).size());
    }
    benchmark::DoNotOptimize(n);
    start = (start * 7919 + 13) % (static_cast<int64_t>(kImages) * kPerImage / 2) + 1;
  }
}

void BM_Overview(benchmark::State& state) {
  for (auto _ : state) {
    auto o = g_store->overview(kToday);
    if (!o) state.SkipWithError(o.error().describe().c_str());
    benchmark::DoNotOptimize(o);
  }
}

void BM_Trends(benchmark::State& state) {
  for (auto _ : state) {
    auto t = g_store->trends(30, kToday);
    if (!t) state.SkipWithError(t.error().describe().c_str());
    benchmark::DoNotOptimize(t);
  }
}

void BM_List(benchmark::State& state, FindingQuery q, int pages) {
  static int rotate = 0;
  for (auto _ : state) {
    FindingQuery query = q;
    if (query.artifact_id) query.artifact_id = 1 + (rotate++ * 7919) % kImages;
    for (int p = 0; p < pages; ++p) {
      auto page = g_store->list_findings(query);
      if (!page) {
        state.SkipWithError(page.error().describe().c_str());
        break;
      }
      benchmark::DoNotOptimize(page);
      if (!page->next_cursor) break;
      query.cursor = *page->next_cursor;
    }
  }
}

void BM_Parse(benchmark::State& state, bool rescan) {
  const auto& bodies = rescan ? g_rescans : g_new_reports;
  size_t i = 0;
  for (auto _ : state) {
    auto r = report_from_json(bodies[i++ % bodies.size()], "bench");
    benchmark::DoNotOptimize(r);
  }
  state.counters["reports/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_Ingest(benchmark::State& state, bool rescan) {
  auto& bodies = rescan ? g_rescans : g_new_reports;
  size_t i = 0;
  for (auto _ : state) {
    if (i >= bodies.size()) {
      state.SkipWithError("out of prepared reports");
      break;
    }
    auto r = g_store->ingest(bodies[i++], {"bench", ""});
    if (!r || !r->created) state.SkipWithError(r ? "not created" : r.error().describe().c_str());
  }
  state.counters["reports/s"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}

void BM_Reassess(benchmark::State& state) {
  static int day = 1;
  int64_t n = 0;
  for (auto _ : state) {
    std::string today = std::string(kToday).substr(0, 8) + pad(std::min(28, 1 + day++), 2);
    auto r = g_store->reassess_open(today, 20000);
    if (!r) state.SkipWithError(r.error().describe().c_str());
    else n += *r;
  }
  state.counters["findings/s"] = benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsRate);
}

// Realistic reports: 500 vulnerability findings with scores, EPSS, fixes,
// an image target with layers and a package inventory.
std::string make_report(const std::string& repo, int digest_n, int variant, int created_day) {
  Report r;
  r.created_at = date_plus(created_day) + "T10:00:00Z";
  r.tool.version = "0.1.0";
  r.tool.components["scanner:vuln"] = "on";
  r.target.kind = TargetKind::kImage;
  r.target.reference = repo + ":1.0";
  r.target.digest = "sha256:" + pad(digest_n, 64);
  r.target.artifact.repo_tags = {repo + ":1.0"};
  for (int l = 0; l < 6; ++l) {
    Layer layer;
    layer.digest = "sha256:" + pad(l + 100, 64);
    layer.diff_id = "sha256:" + pad(l + 200, 64);
    layer.size = 1000000 * (l + 1);
    layer.created_by = "RUN apt-get install -y pkg" + std::to_string(l);
    r.target.artifact.layers.push_back(layer);
  }
  OsInfo os;
  os.family = "debian";
  os.version = "12.5";
  r.inventory.os = os;
  for (int p = 0; p < 400; ++p) {
    Package pkg;
    pkg.ecosystem = "deb";
    pkg.name = package_name(p);
    pkg.version = "1." + std::to_string(p % 20);
    pkg.id = make_package_id(pkg);
    pkg.purl = "pkg:deb/debian/" + pkg.name + "@" + pkg.version;
    pkg.location.layer = r.target.artifact.layers[static_cast<size_t>(p % 6)].diff_id;
    r.inventory.packages.push_back(pkg);
  }
  for (int k = 0; k < 500; ++k) {
    int rule = (k * 37 + (k % 20 == 0 ? variant * 1000 : 0)) % kRules;  // 5% differ between variants
    Finding f;
    f.kind = FindingKind::kVulnerability;
    f.id = "CVE-20" + pad(15 + rule % 10, 2) + "-" + pad(10000 + rule, 5);
    f.title = package_name(k % 400) + ": buffer overflow in parser";
    f.description = "A long description of the vulnerability, as advisories carry, repeated to be realistic. "
                    "Attackers may trigger it remotely with crafted input.";
    f.severity = static_cast<Severity>(k % 5);
    f.severity_source = "nvd";
    f.scores.push_back({"nvd", "cvss_v31", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8});
    f.package_name = package_name(k % 400);
    f.package_version = "1." + std::to_string(k % 400 % 20);
    f.package_ecosystem = "deb";
    f.location.path = "var/lib/dpkg/status";
    f.location.layer = r.target.artifact.layers[static_cast<size_t>(k % 6)].diff_id;
    f.location.package_id = "deb:" + f.package_name + "@" + f.package_version;
    if (k % 3) f.remediation.fixed_versions = {"2.0"};
    f.references = {"https://security-tracker.debian.org/tracker/" + f.id, "https://nvd.nist.gov/vuln/detail/" + f.id};
    f.epss_score = (k % 100) / 100.0;
    f.known_exploited = k % 97 == 0;
    f.fingerprint = fingerprint(f, r.target);
    r.findings.push_back(f);
  }
  json j = r;
  return j.dump();
}

// Prints p50/p95 of each query and the ratio to the baseline.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (r.run_type == Run::RT_Aggregate && (r.aggregate_name == "p50" || r.aggregate_name == "p95"))
        ms_[r.run_name.function_name][r.aggregate_name] = r.GetAdjustedRealTime();
      else if (r.run_type == Run::RT_Iteration && r.counters.count("reports/s"))
        per_report_[r.run_name.function_name] = {r.GetAdjustedRealTime(), r.GetAdjustedCPUTime()};
    ConsoleReporter::ReportRuns(runs);
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    double base = ms_["baseline/page-by-id"]["p50"];
    std::printf("\nstore: %d images, %d findings per image (SQLite)\n", kImages, kPerImage);
    std::printf("%-34s %10s %10s %16s\n", "query", "p50 ms", "p95 ms", "p95/baseline p50");
    for (auto& [name, v] : ms_)
      std::printf("%-34s %10.2f %10.2f %16.1f%s\n", name.c_str(), v["p50"], v["p95"], base > 0 ? v["p95"] / base : 0,
                  v["p95"] > 100 ? "  OVER 100 ms" : "");
    // Wall time suffers when the machine is shared; CPU time much less.
    std::printf("\n%-34s %12s %12s %14s %14s\n", "per report (500 findings)", "wall ms", "CPU ms", "reports/s wall",
                "reports/s CPU");
    for (auto& [name, t] : per_report_)
      std::printf("%-34s %12.1f %12.1f %14.1f %14.1f\n", name.c_str(), t.first, t.second, 1000 / t.first,
                  1000 / t.second);
    for (const char* kind : {"new-image", "rescan"}) {
      auto parse = per_report_.find(std::string("parse/") + kind);
      auto ingest = per_report_.find(std::string("ingest/") + kind);
      if (parse != per_report_.end() && ingest != per_report_.end() && parse->second.second > 0)
        std::printf("ingest/%s vs parse alone (CPU): %.1fx\n", kind, ingest->second.second / parse->second.second);
    }
  }

 private:
  std::map<std::string, std::map<std::string, double>> ms_;
  std::map<std::string, std::pair<double, double>> per_report_;  // wall ms, CPU ms
};

}  // namespace

int main(int argc, char** argv) {
  fs::path dir = fs::path(BULWARK_BENCH_CACHE_DIR) / "server-store";
  fs::create_directories(dir);
  g_path = (dir / ("store-" + std::to_string(kImages) + "x" + std::to_string(kPerImage) + ".db")).string();
  fs::path done = g_path + ".complete";
  if (!fs::exists(done)) {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(g_path + suffix);
    std::printf("generating %d images x %d findings into %s ...\n", kImages, kPerImage, g_path.c_str());
    auto t0 = std::chrono::steady_clock::now();
    if (auto s = generate(g_path); !s) {
      std::fprintf(stderr, "generation failed: %s\n", s.error().describe().c_str());
      return 1;
    }
    std::ofstream(done.string()) << "ok\n";
    std::printf("generated in %.1f s (%.0f MB)\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
                static_cast<double>(fs::file_size(g_path)) / 1e6);
  }
  // Ingest benchmarks write: they run on a copy so the generated store stays
  // as generated for the next run.
  fs::path work = dir / "work.db";
  for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(work.string() + suffix);
  fs::copy_file(g_path, work);
  g_path = work.string();
  StoreOptions options;
  options.clock = [] { return std::string(kToday) + "T12:00:00Z"; };
  auto store = Store::open(g_path, options);
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().describe().c_str());
    return 1;
  }
  g_store = std::move(*store);
  for (int i = 0; i < 60; ++i) {
    g_new_reports.push_back(make_report("registry.example/bench/new" + pad(i, 4), 900000 + i, 0, 330));
    // Rescans of generated images: a new digest, 5% of the findings differ.
    g_rescans.push_back(make_report("registry.example/team" + pad(i % 200, 3) + "/service" + pad(i, 5), 800000 + i,
                                    1, 335));
  }

  const int reps = 40;
  add_stats(benchmark::RegisterBenchmark("baseline/page-by-id", BM_Baseline), reps);
  add_stats(benchmark::RegisterBenchmark("overview", BM_Overview), reps);
  add_stats(benchmark::RegisterBenchmark("trends/30-days", BM_Trends), reps);
  FindingQuery q;
  add_stats(benchmark::RegisterBenchmark("list/default", BM_List, q, 1), reps);
  add_stats(benchmark::RegisterBenchmark("list/default-page-5", BM_List, q, 5), reps / 2);
  FindingQuery sev;
  sev.severities = {"HIGH", "CRITICAL"};
  sev.states = {"new"};
  add_stats(benchmark::RegisterBenchmark("list/high+critical,new", BM_List, sev, 1), reps);
  FindingQuery kev;
  kev.kev = true;
  add_stats(benchmark::RegisterBenchmark("list/kev", BM_List, kev, 1), reps);
  FindingQuery text;
  text.q = "openssl";
  add_stats(benchmark::RegisterBenchmark("list/q=openssl", BM_List, text, 1), reps);
  FindingQuery rare;
  rare.q = "CVE-2019-10999";
  add_stats(benchmark::RegisterBenchmark("list/q=one-cve", BM_List, rare, 1), reps);
  FindingQuery one;
  one.artifact_id = 1;
  add_stats(benchmark::RegisterBenchmark("list/one-artifact", BM_List, one, 1), reps);
  FindingQuery epss;
  epss.sort = "epss";
  epss.fixable = true;
  add_stats(benchmark::RegisterBenchmark("list/fixable-by-epss", BM_List, epss, 1), reps);
  benchmark::RegisterBenchmark("parse/new-image", BM_Parse, false)->Iterations(30)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("parse/rescan", BM_Parse, true)->Iterations(30)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("ingest/new-image", BM_Ingest, false)->Iterations(50)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::RegisterBenchmark("ingest/rescan", BM_Ingest, true)->Iterations(50)->Unit(benchmark::kMillisecond)->UseRealTime();
  // Last: it rewrites assessments the list benchmarks read.
  benchmark::RegisterBenchmark("reassess/20000-open-findings", BM_Reassess)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();
  benchmark::Initialize(&argc, argv);
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  g_store.reset();
  return 0;
}
