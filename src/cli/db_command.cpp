// bulwark db import | status: build the vulnerability database from local feed
// files, and say what a database holds and how old its data is.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "cli/cli.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::cli {
namespace {

struct DbFlags {
  std::string db;
  std::string cache_dir;
  std::string format;
  std::vector<std::string> inputs;
  bool quiet = false;
  int max_problems = 20;
};

int run_import(const DbFlags& f) {
  std::string path = f.db.empty() ? vulndb::default_database_path(f.cache_dir) : f.db;
  vulndb::ImportOptions opt;
  opt.format = f.format;
  auto built = vulndb::build_database(path, f.inputs, opt);
  if (!built) {
    print_error(built.error());
    std::fprintf(stderr, "bulwark: the previous database (if any) was left unchanged: %s\n", path.c_str());
    return kExitError;
  }
  const auto* written = &built->written;
  const auto& s = built->summary;
  int shown = 0;
  for (const auto& p : s.problems) {
    if (f.quiet && !p.skipped) continue;
    if (shown++ >= f.max_problems) break;
    std::fprintf(stderr, "%s: %s: %s\n", p.skipped ? "skipped" : "warning", p.where.c_str(), p.message.c_str());
  }
  if (shown > f.max_problems)
    std::fprintf(stderr, "... %zu more problems (--max-problems)\n", s.problems.size() - static_cast<size_t>(f.max_problems));
  double secs = built->total_seconds;
  std::printf("database: %s\n", path.c_str());
  std::printf("read %llu documents, %llu records (%llu withdrawn), skipped %llu, ignored %llu non-feed files\n",
              static_cast<unsigned long long>(s.files), static_cast<unsigned long long>(s.records),
              static_cast<unsigned long long>(s.withdrawn), static_cast<unsigned long long>(s.skipped),
              static_cast<unsigned long long>(s.ignored_files));
  for (const auto& [fmt, n] : s.per_format) std::printf("  format %-10s %8llu records\n", fmt.c_str(), static_cast<unsigned long long>(n));
  for (const auto& [eco, n] : s.per_ecosystem)
    std::printf("  ecosystem %-24s %8llu advisories\n", eco.c_str(), static_cast<unsigned long long>(n));
  std::printf("wrote %llu vulnerabilities, %llu advisories, %llu affected packages, %llu aliases in %.2fs (parse %.2fs)",
              static_cast<unsigned long long>(written->vulnerabilities), static_cast<unsigned long long>(written->advisories),
              static_cast<unsigned long long>(written->affected), static_cast<unsigned long long>(written->aliases), secs,
              built->import_seconds);
  if (secs > 0) std::printf(", %.0f records/s", static_cast<double>(s.records) / secs);
  std::printf("\n");
  return kExitOk;
}

int run_status(const DbFlags& f) {
  std::string path = f.db.empty() ? vulndb::default_database_path(f.cache_dir) : f.db;
  auto reader = vulndb::Reader::open(path);
  if (!reader) {
    print_error(reader.error());
    return kExitError;
  }
  auto st = reader->status();
  if (!st) {
    print_error(st.error());
    return kExitError;
  }
  std::printf("database: %s\n", path.c_str());
  std::printf("schema version: %d\nbuilt at: %s (bulwark %s)\n", st->schema_version, st->built_at.c_str(),
              st->tool_version.c_str());
  std::printf("vulnerabilities: %llu  advisories: %llu  affected packages: %llu  EPSS: %llu  KEV: %llu\n",
              static_cast<unsigned long long>(st->vulnerabilities), static_cast<unsigned long long>(st->advisories),
              static_cast<unsigned long long>(st->affected), static_cast<unsigned long long>(st->epss),
              static_cast<unsigned long long>(st->kev));
  std::printf("sources:\n");
  for (const auto& s : st->sources) {
    std::printf("  %-40s %-10s %8llu records %6llu skipped  data date %s\n    %s\n", s.name.c_str(), s.format.c_str(),
                static_cast<unsigned long long>(s.records), static_cast<unsigned long long>(s.skipped),
                s.data_date.empty() ? "-" : s.data_date.c_str(), s.location.c_str());
  }
  std::printf("ecosystems:\n");
  for (const auto& e : st->ecosystems)
    std::printf("  %-24s %8llu vulnerabilities %8llu affected packages\n", e.ecosystem.c_str(),
                static_cast<unsigned long long>(e.vulnerabilities), static_cast<unsigned long long>(e.affected));
  // Stale: the newest record of any source is more than a week old.
  if (auto age = vulndb::data_age(*st); age && age->days > vulndb::kStaleAfterDays)
    std::fprintf(stderr, "warning: vulnerability data is stale: newest record is %.0f days old (%s); run 'bulwark db update'\n",
                 age->days, age->newest.c_str());
  else if (!age)
    std::fprintf(stderr, "warning: the database has no data date; its age is unknown\n");
  return kExitOk;
}

}  // namespace

void add_db_command(CLI::App& app, Action& action) {
  auto* db = app.add_subcommand("db", "Build and inspect the vulnerability database");
  db->require_subcommand(1);
  auto flags = std::make_shared<DbFlags>();

  auto* imp = db->add_subcommand("import", "Build the database from local feed files, directories and archives");
  imp->add_option("--db", flags->db, "Database file (default <cache-dir>/db/bulwark.db)");
  imp->add_option("--cache-dir", flags->cache_dir, "Cache directory (default $XDG_CACHE_HOME/bulwark or ~/.cache/bulwark)");
  imp->add_option("--format", flags->format, "Force a feed format (osv, kev, epss, alpine-secdb, nvd) instead of sniffing each file");
  imp->add_option("--max-problems", flags->max_problems, "How many skipped records to print")->default_val(20);
  imp->add_flag("-q,--quiet", flags->quiet, "Print only skipped records, not warnings");
  imp->add_option("inputs", flags->inputs, "Files (JSON, YAML, CSV, .gz), directories, zip/tar bundles")->required();
  imp->callback([&action, flags] { action = [flags] { return run_import(*flags); }; });

  auto* st = db->add_subcommand("status", "Print schema version, build time, sources, counts and data age");
  st->add_option("--db", flags->db, "Database file (default <cache-dir>/db/bulwark.db)");
  st->add_option("--cache-dir", flags->cache_dir, "Cache directory (default $XDG_CACHE_HOME/bulwark or ~/.cache/bulwark)");
  st->callback([&action, flags] { action = [flags] { return run_status(*flags); }; });
}

}  // namespace bulwark::cli
