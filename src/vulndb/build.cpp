// build_database: the import-then-write sequence every database command
// shares, and where the database lives by default.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb {

Result<BuildResult> build_database(const std::string& path, const std::vector<std::string>& inputs,
                                   const ImportOptions& import, const WriteOptions& write) {
  BuildResult out;
  auto t0 = std::chrono::steady_clock::now();
  // Records stream into the builder as they are parsed; `data` keeps only
  // the per-input source rows.
  auto builder = DatabaseBuilder::create(path, write);
  if (!builder) return builder.error();
  Dataset data;
  auto summary = import_paths(inputs, data, *builder, import);
  if (!summary) return summary.error();
  out.summary = std::move(*summary);
  auto t1 = std::chrono::steady_clock::now();
  auto written = builder->finish(data.sources);
  if (!written) return written.error();
  out.written = *written;
  auto t2 = std::chrono::steady_clock::now();
  out.import_seconds = std::chrono::duration<double>(t1 - t0).count();
  out.total_seconds = std::chrono::duration<double>(t2 - t0).count();
  return out;
}

std::string default_database_path(const std::string& cache_dir) {
  std::string dir = cache_dir;
  if (dir.empty()) {
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x)
      dir = std::string(x) + "/bulwark";
    else if (const char* home = std::getenv("HOME"); home && *home)
      dir = std::string(home) + "/.cache/bulwark";
    else
      dir = ".bulwark-cache";
  }
  return dir + "/db/bulwark.db";
}

namespace {
// Seconds since the epoch of an RFC 3339 timestamp or a plain date.
std::optional<int64_t> parse_time(const std::string& ts) {
  std::tm tm{};
  if (ts.size() < 10 || std::sscanf(ts.c_str(), "%4d-%2d-%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday) != 3)
    return std::nullopt;
  int h = 0, m = 0, s = 0;
  if (ts.size() >= 19) std::sscanf(ts.c_str() + 11, "%2d:%2d:%2d", &h, &m, &s);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  tm.tm_hour = h;
  tm.tm_min = m;
  tm.tm_sec = s;
  std::time_t t = timegm(&tm);
  if (t == static_cast<std::time_t>(-1)) return std::nullopt;
  return static_cast<int64_t>(t);
}
}  // namespace

std::optional<DataAge> data_age(const DbStatus& status, int64_t now) {
  std::optional<DataAge> best;
  std::optional<int64_t> best_t;
  for (const auto& s : status.sources) {
    auto t = parse_time(s.data_date);
    if (!t) continue;
    if (!best_t || *t > *best_t) {
      best_t = t;
      best = DataAge{s.data_date, 0};
    }
  }
  if (!best) return std::nullopt;
  if (now == 0) now = static_cast<int64_t>(std::time(nullptr));
  best->days = static_cast<double>(now - *best_t) / 86400.0;
  return best;
}

}  // namespace bulwark::vulndb
