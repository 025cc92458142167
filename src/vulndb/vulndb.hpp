// The public face of the vulnerability database module: the SQLite schema
// (docs/vulndb.md), the writer that builds a database and swaps it in
// atomically, the read-only reader the matcher uses, ecosystem parsing and
// package-name normalisation, and the importers of public feed formats (OSV
// JSON/YAML, CISA KEV, FIRST EPSS, Alpine secdb, NVD CVE 2.0), registered by format name in one table.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"
#include "core/detector.hpp"

namespace bulwark::vulndb {

// Bumped whenever a table or column changes meaning (docs/vulndb.md).
inline constexpr int kSchemaVersion = 3;

// ------------------------------------------------------------- ecosystems --

// An OSV ecosystem string split into the ecosystem and the distro release.
// "Debian:12" -> {Debian, 12}; "Ubuntu:Pro:16.04:LTS" -> {Ubuntu, 16.04, pro};
// "Red Hat:enterprise_linux:9::appstream" -> {Red Hat, enterprise_linux:9::appstream};
// "PyPI" -> {PyPI, ""}. The ecosystem name is the canonical OSV spelling.
struct EcosystemRelease {
  std::string ecosystem;
  std::string release;
  std::string variant;  // Ubuntu "pro"/"fips"...; empty otherwise
};

// Fails (kUnsupported) for an ecosystem that is not known to OSV.
Result<EcosystemRelease> parse_ecosystem(std::string_view text);

// True for the ecosystems of OS distributions (package names are source or
// origin package names, ranges are distro versions).
bool is_distro_ecosystem(std::string_view ecosystem);

// The package name as the database stores and the matcher looks it up:
// PyPI per PEP 503 (lowercase, runs of -_. become -), npm lowercase (scope
// kept), Maven "group:artifact" (whitespace trimmed), others as given
// (Go module paths, crates, gems, Debian/Ubuntu source names, Alpine origins).
std::string normalize_package_name(std::string_view ecosystem, std::string_view name);

// ------------------------------------------------------------ the records --

struct SeverityEntry {
  std::string source;  // who says so: "ghsa", "nvd", "ubuntu", ...
  std::string type;    // "cvss_v2", "cvss_v3", "cvss_v4", "text"
  std::string vector;  // CVSS vector, or the text rating ("HIGH", "medium")
  std::optional<double> score;  // computed from the vector (CVSS types)
  std::string severity;         // "LOW".."CRITICAL" (CVSS rating or normalised text)
};

struct ReferenceEntry {
  std::string type;  // OSV reference type: ADVISORY, WEB, FIX, PACKAGE, ...
  std::string url;
};

// One affected package of one advisory.
struct AffectedEntry {
  std::string ecosystem;   // canonical OSV name, e.g. "Debian", "PyPI"
  std::string release;     // distro release ("12", "22.04"), empty for languages
  std::string variant;
  std::string package;     // normalised name
  std::string purl;
  std::string ranges_json;    // JSON array of {"type","events"[,"repo"]} as in OSV
  std::string versions_json;  // JSON array of enumerated affected versions
  std::vector<std::string> fixed;  // fixed versions from the events
  std::string status;      // fixed, unfixed, will_not_fix, end_of_life, not_affected
  bool matchable = true;   // false when only GIT ranges (commit hashes) describe it
  std::string severity;    // a per-package rating when the feed gives one
};

// One advisory record as a feed publishes it (before alias merging).
struct Advisory {
  std::string id;
  std::vector<std::string> aliases;   // ids of the same vulnerability
  std::vector<std::string> upstream;  // OSV 1.7 "upstream" (merged only when exactly one)
  std::vector<std::string> related;   // kept for reference, never merged
  std::string summary, details;
  std::string published, modified, withdrawn;  // RFC 3339 as given; empty when absent
  std::string origin;  // the record's database: "ghsa", "go", "pypa", "rustsec", "ubuntu", ...
  std::vector<SeverityEntry> severities;
  std::vector<std::string> cwes;
  std::vector<ReferenceEntry> references;
  std::vector<AffectedEntry> affected;
  std::string location;  // file (and archive entry) it came from
};

struct EpssEntry {
  std::string cve;
  double score = 0, percentile = 0;
  std::string date;
};

struct KevEntry {
  std::string cve;
  std::string date_added, due_date;
  std::string ransomware;  // "Known" / "Unknown"
  std::string vendor, product, name;
};

// Provenance of one imported input (one row of the sources table).
struct SourceInfo {
  std::string name;      // "osv:go-vulndb-osv", "kev", ...
  std::string format;    // importer name
  std::string location;  // file or URL
  std::string data_date; // newest record date (or the feed's own date)
  uint64_t records = 0;
  uint64_t skipped = 0;
};

// Everything one import collected, in memory, before it is written.
struct Dataset {
  std::vector<Advisory> advisories;
  std::vector<EpssEntry> epss;
  std::vector<KevEntry> kev;
  std::vector<SourceInfo> sources;
};

// The origin database of an advisory id by its prefix ("GHSA-" -> "ghsa").
std::string origin_of_id(std::string_view id);
// Preference of an id as the canonical name of a vulnerability (lower wins):
// CVE first, then GHSA, then the other databases.
int id_rank(std::string_view id);

// ---------------------------------------------------------------- writer --

struct WriteStats {
  uint64_t vulnerabilities = 0;
  uint64_t advisories = 0;
  uint64_t affected = 0;
  uint64_t aliases = 0;
};

struct WriteOptions {
  // Test hook: fail after this many advisories were inserted (simulates a
  // crash or full disk midway). 0 = never.
  uint64_t fail_after_advisories = 0;
};

// Builds a database record by record, as the importers parse them: the one
// write path. Advisories go straight into PATH.tmp-PID beside `path` (one
// transaction, prepared statements, no journal, indexes after the bulk
// load); only the id graph (ids and alias edges) stays in memory for alias
// merging at finish(). An advisory is identified by (origin, id): the same
// CVE id from the Debian tracker and from NVD are two records; the same
// (origin, id) added twice keeps the most recently modified copy.
// finish() merges aliases, commits, fsyncs and renames the file over `path`,
// then fsyncs the directory. On any failure (or when the builder is dropped
// unfinished) the temporary file is removed and `path` is untouched.
// Move-only; add() from one thread at a time.
class DatabaseBuilder {
 public:
  static Result<DatabaseBuilder> create(const std::string& path, const WriteOptions& opt = {});
  ~DatabaseBuilder();
  DatabaseBuilder(DatabaseBuilder&&) noexcept;
  DatabaseBuilder& operator=(DatabaseBuilder&&) noexcept;

  // Records are queued (a bounded queue) and written by the builder's own
  // writer thread in the order added. The first failure is sticky: later adds
  // return it, finish() returns it.
  Status add(const Advisory& a);
  Status add(Advisory&& a);
  Status add(const EpssEntry& e);
  Status add(const KevEntry& k);
  bool failed() const;
  Result<WriteStats> finish(const std::vector<SourceInfo>& sources);

 private:
  struct Impl;
  explicit DatabaseBuilder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Builds a complete database from an in-memory `data` (DatabaseBuilder over
// every record, sources last).
Result<WriteStats> write_database(const std::string& path, const Dataset& data, const WriteOptions& opt = {});

// ---------------------------------------------------------------- reader --

struct AffectedRow {
  std::string vulnerability;  // canonical id
  std::string advisory;       // the source record id
  std::string source;         // origin database of that record ((source, advisory) is unique)
  AffectedEntry entry;
  bool withdrawn = false;
};

struct VulnerabilityDetails {
  std::string id;
  std::string summary, details, published, modified, withdrawn;
  std::vector<std::string> aliases;     // every other id that maps here
  std::vector<std::string> advisories;  // the source records merged here
  std::vector<SeverityEntry> severities;
  std::vector<std::string> cwes;
  std::vector<ReferenceEntry> references;
  std::optional<EpssEntry> epss;
  std::optional<KevEntry> kev;
};

struct EcosystemCount {
  std::string ecosystem;
  uint64_t affected = 0;
  uint64_t vulnerabilities = 0;
};

struct DbStatus {
  int schema_version = 0;
  std::string built_at;
  std::string tool_version;
  std::vector<SourceInfo> sources;
  std::vector<EcosystemCount> ecosystems;
  uint64_t vulnerabilities = 0, advisories = 0, affected = 0, epss = 0, kev = 0;
};

// A read-only handle on a database file. Move-only.
class Reader {
 public:
  // kNotFound when the file does not exist; kCorrupt when it is not a Bulwark
  // database; kUnsupported for a newer schema version.
  static Result<Reader> open(const std::string& path);
  ~Reader();
  Reader(Reader&&) noexcept;
  Reader& operator=(Reader&&) noexcept;

  // Affected rows for a package; `name` is normalised here. An empty
  // `release` returns every release.
  Result<std::vector<AffectedRow>> affected(std::string_view ecosystem, std::string_view name,
                                            std::string_view release = {}) const;
  // Details by any id or alias; kNotFound when unknown.
  Result<VulnerabilityDetails> vulnerability(std::string_view id) const;
  // The canonical id of any id or alias, or empty.
  std::string canonical_id(std::string_view id) const;
  Result<DbStatus> status() const;

 private:
  struct Impl;
  explicit Reader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// ------------------------------------------------------------- importers --

struct ImportOptions {
  std::string format;                  // force an importer; empty = sniff per file
  uint64_t max_file_bytes = 64ull << 20;  // one file or archive entry, uncompressed
  // Parse small documents on worker threads (results stay in input order).
  bool parallel = true;
};

// One problem with one record or file; the import goes on.
struct ImportProblem {
  std::string where;    // file, "file!entry", plus record index when known
  std::string message;
  bool skipped = true;  // the record/file was dropped; false = kept with a warning
};

struct ImportSummary {
  std::map<std::string, uint64_t> per_ecosystem;  // advisories per ecosystem (affected entries)
  std::map<std::string, uint64_t> per_format;     // records per importer
  uint64_t records = 0;      // advisories + epss + kev rows accepted
  uint64_t skipped = 0;      // records/files rejected (see problems)
  uint64_t withdrawn = 0;
  uint64_t files = 0;        // files and archive entries read
  uint64_t ignored_files = 0;  // files whose names are not feed-like (README, LICENSE, ...)
  std::vector<ImportProblem> problems;
};

// Collects records into a Dataset, or streams them into a DatabaseBuilder
// (then `data` only keeps the sources); importers report through it.
class ImportContext {
 public:
  ImportContext(Dataset& data, ImportSummary& summary) : data_(data), summary_(summary) {}
  ImportContext(Dataset& data, ImportSummary& summary, DatabaseBuilder& sink)
      : data_(data), summary_(summary), sink_(&sink) {}
  void add(Advisory&& a);
  void add(EpssEntry&& e);
  void add(KevEntry&& k);
  // A record or file that was dropped (counted in skipped).
  void problem(std::string where, std::string message);
  // Something dropped inside a record that was kept (a bad CVSS vector, one
  // affected entry of an unknown ecosystem).
  void warning(std::string where, std::string message);
  // Newest record date seen for the current source.
  void note_date(std::string_view date);
  SourceInfo* source() { return source_index_ < data_.sources.size() ? &data_.sources[source_index_] : nullptr; }
  void begin_source(SourceInfo s);
  // The importer now running (counted in ImportSummary::per_format).
  void set_format(std::string format) { format_ = std::move(format); }
  Dataset& data() { return data_; }

 private:
  void count();
  Dataset& data_;
  ImportSummary& summary_;
  DatabaseBuilder* sink_ = nullptr;
  size_t source_index_ = SIZE_MAX;
  std::string format_;
};

// An importer of one feed format. A new format is one more file that defines
// one of these and one line in the table (importers.cpp).
struct Importer {
  std::string name;         // "osv", "kev", "epss"
  std::string description;
  // How likely `head` (the first KiB of a document named `name`) is this
  // format: 0 = no, higher = more certain.
  int (*sniff)(std::string_view name, std::string_view head) = nullptr;
  // Parses one whole document; reports bad records to ctx and goes on.
  void (*import)(std::string_view text, const std::string& where, ImportContext& ctx) = nullptr;
  // A larger per-document limit for formats whose single document is
  // legitimately big (the Debian tracker JSON is ~70 MB); 0 = only
  // ImportOptions::max_file_bytes. The walker allows max(both).
  uint64_t max_file_bytes = 0;
};

const std::vector<Importer>& importers();
const Importer* find_importer(std::string_view name);

// Reads files, directories (recursively) and archives (zip, tar, .gz) and
// feeds each document to the matching importer. Fails only when an input does
// not exist or cannot be read at all; bad records become problems.
Result<ImportSummary> import_paths(const std::vector<std::string>& paths, Dataset& data, const ImportOptions& opt = {});
// The same, streaming every record into `sink` as it is parsed.
Result<ImportSummary> import_paths(const std::vector<std::string>& paths, Dataset& data, DatabaseBuilder& sink,
                                   const ImportOptions& opt = {});

// ------------------------------------------------------------------ build --

struct BuildResult {
  ImportSummary summary;
  WriteStats written;
  double import_seconds = 0;  // reading, parsing and staging the inputs (streamed into the file)
  // total_seconds - import_seconds is alias merging, indexing and the sync
  double total_seconds = 0;   // import plus write
};

// Imports every input and writes the database at `path` atomically: the one
// entry point of `db import`, `db build` and `db update`. Fails (and leaves
// `path` untouched) when an input cannot be read at all or the write fails;
// bad records are problems in the summary.
Result<BuildResult> build_database(const std::string& path, const std::vector<std::string>& inputs,
                                   const ImportOptions& import = {}, const WriteOptions& write = {});

// Where the database lives when no --db is given: <cache-dir>/db/bulwark.db,
// the cache dir defaulting to $XDG_CACHE_HOME/bulwark or ~/.cache/bulwark.
std::string default_database_path(const std::string& cache_dir = {});

// The newest data date of any source, and its age in days at `now` (seconds
// since the epoch; 0 = the current time). nullopt when no source has a date.
struct DataAge {
  std::string newest;  // RFC 3339 or YYYY-MM-DD as the feed gave it
  double days = 0;
};
std::optional<DataAge> data_age(const DbStatus& status, int64_t now = 0);

// Data older than this many days makes `db status` and scans warn.
inline constexpr double kStaleAfterDays = 7.0;

// --------------------------------------------------------------- updater --

// One downloadable feed: the file it becomes in the download cache
// (<cache-dir>/db/feeds/FILE), and where it comes from. The table is in
// feeds.cpp; `db update --feeds` selects by name or group.
struct Feed {
  std::string group;  // "osv", "debian", "alpine", "kev", "epss", "nvd"
  std::string name;   // unique: the file name without its extension
  std::string file;   // relative name in the cache and on a mirror
  std::string url;    // official source
};

// Every official feed (NVD years expanded from 2002 to `year`; 0 = this year).
std::vector<Feed> official_feeds(int year = 0);
// The feeds named in a comma-separated list of names and groups ("osv,kev",
// "osv-npm,epss"); an empty list is all of them. kInvalidArgument for an
// unknown name.
Result<std::vector<Feed>> select_feeds(std::string_view list, int year = 0);

struct UpdateOptions {
  std::string db_path;        // empty = default_database_path(cache_dir)
  std::string cache_dir;      // feeds go to <cache-dir>/db/feeds
  std::string repository;     // mirror URL (directory or .db file); empty = official sources
  std::string feeds;          // select_feeds() list
  bool offline = false;       // rebuild from the cached feed files only
  bool force_rebuild = false; // rebuild even when no feed changed
  // A feed that fails but has a copy from an earlier run in the download
  // cache is built from that copy (reported as stale) instead of failing the
  // update; the data-age warning of scans still applies to it.
  bool allow_stale = false;
  int attempts = 5;           // per file (connect errors, 5xx, 429)
  int backoff_ms = 500;
  int max_backoff_ms = 30000;
  long low_speed_time_s = 60;
  uint64_t max_file_bytes = 4ull << 30;
  const CancelToken* cancel = nullptr;
  // Download progress of one file (file name, bytes so far, total or 0).
  std::function<void(const std::string& file, uint64_t done, uint64_t total)> progress;
};

struct FeedOutcome {
  // kCached: --offline used the cached copy; kMissing: --offline and no cached copy.
  enum class State { kDownloaded, kNotModified, kCached, kNotMirrored, kMissing, kFailed };
  std::string name, file, url;
  State state = State::kFailed;
  std::string message;  // why it failed / was not mirrored
  bool stale = false;   // failed, and the copy of an earlier run was used (allow_stale)
  uint64_t bytes = 0;
  int attempts = 0;
  bool resumed = false;
};
const char* to_string(FeedOutcome::State s);

struct UpdateResult {
  std::string db_path;
  std::vector<FeedOutcome> feeds;
  bool prebuilt = false;     // a database file came from the repository
  bool rebuilt = false;      // a new database was written
  bool up_to_date = false;   // nothing changed: the database was kept as is
  std::optional<BuildResult> build;
  std::vector<std::string> cleaned;  // stale temporary files removed first
};

// Downloads the selected feeds (or a prebuilt database from a repository) and
// replaces the database atomically. Holds an exclusive lock (DB.lock) for the
// whole run (kIo "another update is running" when it is held). Fails — leaving the database as it was — when any feed fails, a
// mirrored file does not match its index, or nothing could be fetched; the
// outcome of every feed is in the error-free part of `report` even then.
Result<UpdateResult> update_database(const UpdateOptions& opt, UpdateResult* report = nullptr);

// One file a mirror's index.json lists (a relative path without "..").
struct MirrorEntry {
  std::string path;
  uint64_t size = 0;
  std::string sha256;  // 64 lowercase hex digits
};
// Parses a mirror's index.json; kCorrupt naming `where` and the entry when it
// is not one (unsafe path, bad digest, missing field).
Result<std::vector<MirrorEntry>> parse_mirror_index(std::string_view text, const std::string& where);

// Writes DIR/index.json listing every regular file under DIR (not dot files,
// not *.part / *.tmp-*) with its size and sha256, so DIR can be served as a
// --db-repository. Written atomically.
Status write_mirror_index(const std::string& dir);

// OSV record parsing, exposed for tests and the fuzz target: one OSV object
// (JSON text or YAML text), appended to ctx.
void import_osv_document(std::string_view text, const std::string& where, ImportContext& ctx);
// Alpine secdb (secfixes JSON or YAML of one release and repository): one
// advisory per vulnerability id, ecosystem "Alpine", release "3.NN".
void import_alpine_secdb_document(std::string_view text, const std::string& where, ImportContext& ctx);
// NVD CVE API 2.0 JSON (page, feed file, vunnel envelope, {"cve"} or bare
// cve object): severities, CWEs and references only, never affected entries.
void import_nvd_document(std::string_view text, const std::string& where, ImportContext& ctx);


// --------------------------------------------------------------- matcher --

// Matches an inventory against the database (docs/vulndb.md, "Matching"):
// OS packages against their own distro release's records by source package
// name; language packages against their ecosystem's advisories; one finding
// per (vulnerability, package, location) with every matching advisory merged.
class Matcher {
 public:
  // kNotFound when the file does not exist (see Reader::open).
  static Result<Matcher> open(const std::string& path);
  explicit Matcher(Reader reader);
  ~Matcher();
  Matcher(Matcher&&) noexcept;
  Matcher& operator=(Matcher&&) noexcept;

  // Problems with one package or advisory (a version that does not parse, an
  // unknown OS) are appended to `diagnostics`; matching goes on. Fails only
  // when the database cannot be read.
  Result<std::vector<Finding>> match(const Inventory& inventory, std::vector<Diagnostic>& diagnostics) const;
  const Reader& reader() const;

  struct Impl;  // matcher.cpp only

 private:
  std::unique_ptr<Impl> impl_;
};

// Where the matcher looks for OS packages: the database ecosystem and release
// of an OS ("debian" 12.5 -> Debian/12), or nullopt when Bulwark has no
// distro data for it.
std::optional<EcosystemRelease> distro_of(const OsInfo& os);
// The database ecosystem of a language package ecosystem ("pypi" -> "PyPI"),
// or empty.
std::string_view language_ecosystem(std::string_view package_ecosystem);

struct MatcherOptions {
  std::string db_path;       // empty = default_database_path()
  bool require_db = false;   // a missing database is an error, not a warning
  int64_t now = 0;           // for the stale-data check; 0 = the current time
};

// The vulnerability detector of the scan pipeline: opens the database,
// matches, warns about stale data, and records the database's dates in
// the report's tool components ("vulndb").
DetectorPtr make_vulnerability_detector(MatcherOptions options);

}  // namespace bulwark::vulndb
