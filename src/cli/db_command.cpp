// bulwark db import | build | update | status: build the vulnerability
// database from local feed files or downloaded feeds (or a mirror), and say
// what a database holds and how old its data is.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <memory>

#include <unistd.h>

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
  std::string output;       // db build
  std::string mirror_dir;   // db build
  std::string repository;   // db update
  std::string feeds;        // db update
  bool offline = false;     // db update
  bool force = false;       // db update
  bool allow_stale = false; // db update
};

void print_counts(const vulndb::BuildResult& b) {
  const auto& s = b.summary;
  const auto& w = b.written;
  std::printf("read %llu documents, %llu records (%llu withdrawn), skipped %llu\n", static_cast<unsigned long long>(s.files),
              static_cast<unsigned long long>(s.records), static_cast<unsigned long long>(s.withdrawn),
              static_cast<unsigned long long>(s.skipped));
  std::printf("wrote %llu vulnerabilities, %llu advisories, %llu affected packages, %llu aliases in %.2fs\n",
              static_cast<unsigned long long>(w.vulnerabilities), static_cast<unsigned long long>(w.advisories),
              static_cast<unsigned long long>(w.affected), static_cast<unsigned long long>(w.aliases), b.total_seconds);
}

int run_update(const DbFlags& f) {
  vulndb::UpdateOptions opt;
  opt.db_path = f.db;
  opt.cache_dir = f.cache_dir;
  opt.repository = f.repository;
  opt.feeds = f.feeds;
  opt.offline = f.offline;
  opt.force_rebuild = f.force;
  opt.allow_stale = f.allow_stale;
  opt.cancel = &cancel_token();
  // One bar per file, on a terminal only.
  std::shared_ptr<Progress> bar = make_terminal_progress(f.quiet);
  auto current = std::make_shared<std::string>();
  auto shown = std::make_shared<uint64_t>(0);
  if (bar) {
    opt.progress = [bar, current, shown](const std::string& file, uint64_t done, uint64_t total) {
      if (file != *current) {
        if (!current->empty()) bar->end();
        *current = file;
        *shown = 0;
        bar->begin(file, total);
      }
      if (done > *shown) {
        bar->advance(done - *shown);
        *shown = done;
      }
    };
  }
  vulndb::UpdateResult report;
  auto r = vulndb::update_database(opt, &report);
  if (bar && !current->empty()) bar->end();
  opt.progress = nullptr;  // the last other owner of the bar: its destructor clears the line
  bar.reset();
  for (const auto& c : report.cleaned) std::printf("removed stale %s\n", c.c_str());
  size_t n_down = 0, n_same = 0, n_skip = 0, n_fail = 0, n_stale = 0;
  for (const auto& o : report.feeds) {
    using S = vulndb::FeedOutcome::State;
    switch (o.state) {
      case S::kDownloaded: ++n_down; break;
      case S::kNotModified:
      case S::kCached: ++n_same; break;
      case S::kNotMirrored:
      case S::kMissing: ++n_skip; break;
      case S::kFailed: o.stale ? ++n_stale : ++n_fail; break;
    }
    bool noisy = o.state == S::kFailed || o.state == S::kDownloaded;
    if (f.quiet && !noisy) continue;
    std::printf("%-13s %-32s", o.stale ? "stale" : vulndb::to_string(o.state), o.file.c_str());
    if (o.state == S::kDownloaded || o.state == S::kNotModified || o.state == S::kCached)
      std::printf(" %12llu bytes", static_cast<unsigned long long>(o.bytes));
    if (o.resumed) std::printf(" (resumed)");
    if (o.attempts > 1) std::printf(" (%d attempts)", o.attempts);
    if (!o.message.empty()) std::printf(" %s", o.message.c_str());
    std::printf("\n");
  }
  std::printf("feeds: %zu downloaded, %zu not modified or cached, %zu not available, %zu failed", n_down, n_same,
              n_skip, n_fail);
  if (n_stale > 0) std::printf(", %zu stale (failed; the copy of an earlier run was used)", n_stale);
  std::printf("\n");
  if (!r) {
    print_error(r.error());
    std::fprintf(stderr, "bulwark: update failed; the previous database (if any) was kept: %s\n",
                 report.db_path.c_str());
    return kExitError;
  }
  std::printf("database: %s\n", r->db_path.c_str());
  if (r->up_to_date) {
    std::printf("up to date: nothing changed since the last update\n");
  } else if (r->prebuilt) {
    std::printf("installed the prebuilt database from %s\n", f.repository.c_str());
  } else if (r->build) {
    print_counts(*r->build);
    int problems = 0;
    for (const auto& p : r->build->summary.problems) {
      if (!p.skipped || problems++ >= f.max_problems) continue;
      std::fprintf(stderr, "skipped: %s: %s\n", p.where.c_str(), p.message.c_str());
    }
  }
  auto reader = vulndb::Reader::open(r->db_path);
  if (reader) {
    if (auto st = reader->status(); st)
      std::printf("vulnerabilities: %llu  advisories: %llu  affected packages: %llu  EPSS: %llu  KEV: %llu\n",
                  static_cast<unsigned long long>(st->vulnerabilities), static_cast<unsigned long long>(st->advisories),
                  static_cast<unsigned long long>(st->affected), static_cast<unsigned long long>(st->epss),
                  static_cast<unsigned long long>(st->kev));
  }
  return kExitOk;
}

int run_build(const DbFlags& f) {
  vulndb::ImportOptions opt;
  opt.format = f.format;
  auto built = vulndb::build_database(f.output, f.inputs, opt);
  if (!built) {
    print_error(built.error());
    std::fprintf(stderr, "bulwark: %s was left unchanged\n", f.output.c_str());
    return kExitError;
  }
  int problems = 0;
  for (const auto& p : built->summary.problems) {
    if ((f.quiet && !p.skipped) || problems++ >= f.max_problems) continue;
    std::fprintf(stderr, "%s: %s: %s\n", p.skipped ? "skipped" : "warning", p.where.c_str(), p.message.c_str());
  }
  std::printf("database: %s\n", f.output.c_str());
  print_counts(*built);
  if (f.mirror_dir.empty()) return kExitOk;
  // The mirror holds the database as bulwark.db plus index.json: copied
  // beside, then renamed, so a client never sees half a file.
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(f.mirror_dir, ec);
  fs::path dest = fs::path(f.mirror_dir) / "bulwark.db";
  fs::path tmp = dest.string() + ".tmp-" + std::to_string(::getpid());
  fs::copy_file(f.output, tmp, fs::copy_options::overwrite_existing, ec);
  if (!ec) fs::rename(tmp, dest, ec);
  if (ec) {
    fs::remove(tmp);
    print_error(Error(ErrorCode::kIo, "cannot copy the database: " + ec.message(), dest.string()));
    return kExitError;
  }
  if (auto st = vulndb::write_mirror_index(f.mirror_dir); !st) {
    print_error(st.error());
    return kExitError;
  }
  std::printf("mirror: %s (bulwark.db, index.json)\n", f.mirror_dir.c_str());
  return kExitOk;
}

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

  auto* up = db->add_subcommand("update", "Download the feeds (or a mirror's database) and rebuild the database atomically");
  up->add_option("--db", flags->db, "Database file (default <cache-dir>/db/bulwark.db)");
  up->add_option("--cache-dir", flags->cache_dir, "Cache directory; feeds are kept in <cache-dir>/db/feeds");
  up->add_option("--db-repository", flags->repository,
                 "Mirror URL (http, https, file): a directory laid out like <cache-dir>/db/feeds, or a .db file");
  up->add_option("--feeds", flags->feeds, "Comma-separated feed names or groups (osv, debian, alpine, kev, epss, nvd)");
  up->add_flag("--offline", flags->offline, "Rebuild from the cached feed files only; download nothing");
  up->add_flag("--allow-stale-feeds", flags->allow_stale,
               "When a feed fails but an earlier run's copy is in the download cache, build from that copy "
               "instead of keeping the old database");
  up->add_flag("--force", flags->force, "Rebuild even when no feed changed");
  up->add_flag("-q,--quiet", flags->quiet, "No progress bar; print only downloads, failures and the result");
  up->add_option("--max-problems", flags->max_problems, "How many skipped records to print")->default_val(20);
  up->callback([&action, flags] { action = [flags] { return run_update(*flags); }; });

  auto* bld = db->add_subcommand("build", "Build a database file from local feed files, optionally as a mirror");
  bld->add_option("-o,--output", flags->output, "Database file to write")->required();
  bld->add_option("--mirror-dir", flags->mirror_dir,
                  "Also copy it to DIR/bulwark.db and write DIR/index.json, so DIR can be a --db-repository");
  bld->add_option("--format", flags->format, "Force a feed format instead of sniffing each file");
  bld->add_option("--max-problems", flags->max_problems, "How many skipped records to print")->default_val(20);
  bld->add_flag("-q,--quiet", flags->quiet, "Print only skipped records, not warnings");
  bld->add_option("inputs", flags->inputs, "Files (JSON, YAML, CSV, .gz), directories, zip/tar bundles")->required();
  bld->callback([&action, flags] { action = [flags] { return run_build(*flags); }; });

  auto* st = db->add_subcommand("status", "Print schema version, build time, sources, counts and data age");
  st->add_option("--db", flags->db, "Database file (default <cache-dir>/db/bulwark.db)");
  st->add_option("--cache-dir", flags->cache_dir, "Cache directory (default $XDG_CACHE_HOME/bulwark or ~/.cache/bulwark)");
  st->callback([&action, flags] { action = [flags] { return run_status(*flags); }; });
}

}  // namespace bulwark::cli
