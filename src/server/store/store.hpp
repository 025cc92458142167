// The board's SQL store: artifacts, scans, deduplicated findings with their
// triage state and history, rollups for the overview and trends, users,
// tokens, sessions, login failures, the audit log and settings.
//
// Two backends behind one interface: SQLite (a file, WAL) and PostgreSQL 15
// (libpq). Open by URL: "postgres://…" or "postgresql://…" is PostgreSQL,
// anything else a SQLite file path. Migrations run at open; several
// processes may open the same database at once. Every method is thread-safe
// (a small pool of connections) and returns Result; nothing throws across
// this interface. Every statement is prepared with bound parameters.
//
// Times are RFC 3339 UTC text ("2025-01-31T12:00:00Z"), dates YYYY-MM-DD.
// Design, tables, dedupe and retention rules: docs/server/store.md.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"

namespace bulwark::store {

// ------------------------------------------------------------------ assessor --

// Priority and practice are computed outside the store (src/enrich); the
// store calls the assessor at ingest, again for an artifact's open findings
// when its internet_facing flag changes, and for open findings assessed
// before today by reassess_open() (factors such as age move with the date).
struct Assessment {
  int priority_score = 0;             // 0..100
  std::string priority_level;         // "P1".."P4"
  std::string priority_factors_json;  // JSON array, stored as given
  int practice = 0;                   // 1..14, 0 none
};
using Assessor = std::function<Assessment(const Finding&, const Target&, bool internet_facing, std::string_view today)>;

// Severity only (CRITICAL 90 P1, HIGH 70 P2, MEDIUM 45 P3, LOW 20 / UNKNOWN 10
// P4), practice 0: used when StoreOptions::assessor is empty.
Assessment default_assessment(const Finding& f);

enum class Backend { kSqlite, kPostgres };
const char* to_string(Backend b);  // "sqlite", "postgres"

struct StoreOptions {
  Assessor assessor;
  // "Now" as RFC 3339 UTC; default now_rfc3339(). Tests pass a fixed clock.
  std::function<std::string()> clock;
  int pool_size = 4;            // connections kept open
  int busy_timeout_ms = 10000;  // SQLite: wait this long for a writer lock
};

// Who did something: written to history and the audit log.
struct Actor {
  std::string name;    // user or token name; "system" for automatic changes
  std::string client;  // client address, may be empty
};

// One page of a keyset-paginated list. `total` is exact up to 10,000; above
// that it is an estimate and total_is_estimate is true.
template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_cursor;  // opaque; pass back as cursor
  int64_t total = 0;
  bool total_is_estimate = false;
};

struct SeverityCounts {
  int64_t critical = 0, high = 0, medium = 0, low = 0, unknown = 0;
  bool operator==(const SeverityCounts&) const = default;
};

// ---------------------------------------------------------------- artifacts --

// An artifact is the identity findings are deduplicated in: an image
// repository (without tag or digest), a repository's origin URL, a host
// name, a path. An image artifact lists every digest seen with its tags and
// repositories; `digest`/`tags`/`repositories` describe the latest scan's.
struct ImageDigest {
  std::string digest;
  std::vector<std::string> tags;          // "debian:12"
  std::vector<std::string> repositories;  // "docker.io/library/debian"
  std::string first_seen, last_seen;
};

struct ArtifactRow {
  int64_t id = 0;
  std::string kind;  // image, repository, host, filesystem, rootfs, sbom, cluster
  std::string name;
  std::string digest;
  std::vector<std::string> tags;
  std::vector<std::string> repositories;
  std::string os_family, os_version, os_eol;  // as the latest report says
  bool internet_facing = false;
  std::string first_seen, last_seen;
  SeverityCounts counts;  // open findings (new, triaged, in_progress)
  int64_t risk = 0;       // sum of the open findings' priority scores
  int64_t latest_scan_id = 0;
  std::vector<ImageDigest> digests;  // get_artifact only, newest first
};

struct ArtifactQuery {
  std::string kind;             // empty: all
  std::string q;                // substring of name, digest or tag
  std::string sort = "name";    // name, last_seen, risk
  std::string order;            // asc, desc; empty: name asc, others desc
  int limit = 50;               // 1..500
  std::string cursor;
};

// -------------------------------------------------------------------- scans --

struct ScanRow {
  int64_t id = 0;
  int64_t artifact_id = 0;
  std::string report_sha256;
  std::string created_at;   // the report's
  std::string received_at;  // the store's clock
  std::string tool_version;
  std::string target_kind;
  std::string digest;
  std::vector<std::string> scanners;  // finding kinds the scan covered
  SeverityCounts counts;              // findings in the report by severity
  int64_t findings = 0;
  bool has_report = false;            // body kept (see retention)
  bool has_compliance = false;
};

struct IngestResult {
  int64_t scan_id = 0;
  int64_t artifact_id = 0;
  bool created = false;  // false: the same report (same SHA-256) was stored before
  int new_findings = 0;
  int reappeared = 0;
  int fixed = 0;
  int updated = 0;       // seen again
};

// ---------------------------------------------------------------- findings --

struct FindingException {
  std::string reason;
  std::string until;       // YYYY-MM-DD or empty
  bool until_fix = false;
  bool operator==(const FindingException&) const = default;
};

struct FindingRow {
  int64_t id = 0;
  int64_t artifact_id = 0;
  std::string artifact_name;
  std::string artifact_kind;
  std::string fingerprint;
  std::string kind;       // vulnerability, misconfiguration, secret, sast, compliance, runtime
  std::string rule_id;
  std::string title;
  std::string severity;   // CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN
  std::string package_name, package_version;
  std::vector<std::string> fixed_versions;
  std::string location;   // "path:line" or path
  std::string layer;      // diffID
  std::string state;      // new, triaged, in_progress, fixed, accepted_risk, false_positive
  std::string assignee;
  std::string due_date;
  int priority_score = 0;
  std::string priority_level;
  std::optional<double> epss;
  bool kev = false;
  bool fixable = false;
  bool internet_facing = false;
  int practice = 0;
  std::string first_seen, last_seen, fixed_at;
  std::optional<FindingException> exception;
  std::string justification;  // false_positive: OpenVEX justification
  std::string ticket;         // ticket reference, if one was sent
};

struct HistoryEntry {
  std::string at, actor, field, old_value, new_value, note;
};

struct Comment {
  int64_t id = 0;
  std::string at, author, text;
};

struct FindingDetail {
  FindingRow row;
  std::string finding_json;           // the finding as last reported
  std::string priority_factors_json;  // from the assessor
  std::vector<HistoryEntry> history;  // oldest first
  std::vector<Comment> comments;      // oldest first
};

// Filters and sort of GET /findings (docs/server/api.md). Values are checked:
// an unknown value is kInvalidArgument naming the parameter.
struct FindingQuery {
  std::vector<std::string> kinds;
  std::vector<std::string> severities;  // upper case
  std::vector<std::string> states;      // empty: every state but fixed
  std::optional<int64_t> artifact_id;
  std::string q;         // substring of rule id, title or package name (case-insensitive)
  std::string package;   // exact package name
  std::string assignee;  // exact
  bool kev = false;
  bool fixable = false;
  bool internet_facing = false;
  std::vector<std::string> priorities;  // P1..P4
  std::string sort = "priority";        // priority, severity, first_seen, last_seen, epss, due_date
  std::string order;                    // asc, desc; empty: desc (due_date: asc)
  int limit = 50;                       // 1..500
  std::string cursor;
};

// A triage change for one or many findings; unset fields stay as they are.
struct TriageChange {
  std::optional<std::string> state;
  std::optional<std::string> assignee;   // "" clears
  std::optional<std::string> due_date;   // YYYY-MM-DD; "" back to the SLA default
  std::optional<FindingException> exception;  // required with state accepted_risk
  std::optional<std::string> justification;   // required with state false_positive
  std::optional<std::string> comment;
};

// ----------------------------------------------------------------- rollups --

struct OverviewCell {
  int practice = 0;
  std::string kind, severity, state, priority_level;
  int64_t count = 0;
};

struct Overview {
  std::vector<OverviewCell> cells;  // nonzero cells only
  // Open findings (new, triaged, in_progress) past their due date.
  std::map<int, SeverityCounts> overdue_by_practice;
  // Artifacts with at least one open finding of the practice, by severity.
  std::map<int, SeverityCounts> artifacts_by_practice;
  std::map<std::string, int64_t> artifacts_by_kind;
  std::map<std::string, int64_t> scans_by_target_kind;
  std::string last_scan_at;  // received_at of the newest scan
  // Open vulnerability findings (new, triaged, in_progress) that are known
  // exploited (KEV) / have a fixed version.
  int64_t open_kev = 0;
  int64_t open_fixable = 0;
  // Artifacts whose OS reached its end of life (os_eol set and <= today).
  int64_t eol_artifacts = 0;
};

struct TrendDay {
  std::string date;
  SeverityCounts open;  // open findings at the end of the day
  int64_t new_count = 0;   // first seen or reappeared that day
  int64_t fixed_count = 0;
  bool operator==(const TrendDay&) const = default;
};

struct PracticeDay {
  std::string date;
  int practice = 0;
  SeverityCounts open;
  int64_t new_count = 0;
  int64_t fixed_count = 0;
};

// ----------------------------------------------------------- report views --

struct PackageRow {
  std::string name, version, ecosystem, purl, layer;
  int64_t findings = 0;  // findings of the latest scan on this package
};

struct LayerRow {
  std::string digest, diff_id, created_by;
  int64_t size = 0;
  int64_t findings = 0;
};

// -------------------------------------------------------- users and access --

struct User {
  std::string name;
  std::string password_hash;  // argon2 encoded string, hashed by the server
  std::string role;           // viewer, operator, admin
  std::string created_at, last_login;
  bool disabled = false;
};

struct UserUpdate {
  std::optional<std::string> role;
  std::optional<std::string> password_hash;
  std::optional<bool> disabled;
};

struct ApiToken {
  std::string id;          // public id chosen by the server
  std::string name, role;
  std::string token_hash;  // hex sha256 of the secret
  std::string created_by, created_at, last_used;
};

struct Session {
  std::string id_hash;  // hex sha256 of the session id
  std::string user;
  std::string csrf_token;
  std::string created_at, expires_at;
};

struct AuditEntry {
  int64_t id = 0;
  std::string at, actor, action, object, detail, client;
};

// ------------------------------------------------------------------- store --

class Store {
 public:
  // Opens (creating when needed) and migrates. SQLite: the parent directory
  // of the file is created.
  static Result<std::unique_ptr<Store>> open(std::string_view url, StoreOptions options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  Backend backend() const;
  // Highest migration applied.
  Result<int> schema_version();
  // Runs the migrations again (a no-op when all are applied); open() does it.
  Status migrate();

  // ---- ingest
  // Stores one Bulwark JSON report (what report_from_json accepts), in one
  // transaction: artifact, scan, findings, rollups. The same body again
  // returns created=false and changes nothing.
  Result<IngestResult> ingest(std::string_view report_json, const Actor& actor);

  // ---- artifacts and scans
  Result<Page<ArtifactRow>> list_artifacts(const ArtifactQuery& query);
  Result<ArtifactRow> get_artifact(int64_t id);  // kNotFound
  // Exposure context: re-assesses the artifact's open findings.
  Status set_internet_facing(int64_t artifact_id, bool internet_facing, const Actor& actor);
  Result<Page<ScanRow>> list_scans(std::optional<int64_t> artifact_id, int limit, const std::string& cursor);
  // The latest scan's report (kNotFound when the artifact has none kept).
  Result<Report> latest_report(int64_t artifact_id);
  Result<std::string> latest_report_json(int64_t artifact_id);
  // The latest report that carried compliance results (kNotFound if none).
  Result<Report> latest_compliance_report(int64_t artifact_id);
  Result<std::vector<PackageRow>> packages(int64_t artifact_id, std::string_view q);
  Result<std::vector<LayerRow>> layers(int64_t artifact_id);

  // ---- findings
  Result<Page<FindingRow>> list_findings(const FindingQuery& query);
  Result<FindingDetail> get_finding(int64_t id);  // kNotFound
  // All or nothing: an unknown id or a bad value changes nothing. Returns
  // the number of findings changed.
  Result<int> update_findings(const std::vector<int64_t>& ids, const TriageChange& change, const Actor& actor);
  Result<int64_t> add_comment(int64_t finding_id, std::string_view text, const Actor& actor);
  Status set_ticket(int64_t finding_id, std::string_view reference, const Actor& actor);
  // Re-opens accepted risks whose `until` is before `today` (state triaged,
  // history "exception expired"). Returns how many.
  Result<int> expire_exceptions(std::string_view today);
  // Runs the assessor again over open findings (new, triaged, in_progress)
  // last assessed before `today`, with `today`, in batches of their own
  // transactions; priority, practice and SLA due date change with it, and
  // each finding's assessment date becomes `today`. max_findings > 0 stops
  // after about that many, and the next call of the same day continues
  // there. Returns how many findings were assessed (fewer than max_findings:
  // none is left).
  Result<int> reassess_open(std::string_view today, int max_findings = 0);

  // ---- overview and trends (served from rollups)
  Result<Overview> overview(std::string_view today);
  // The same figures counted from the findings table (slow; for checks).
  Result<Overview> overview_recount(std::string_view today);
  // `days` days ending with `today`, oldest first, every day present.
  Result<std::vector<TrendDay>> trends(int days, std::string_view today);
  Result<std::vector<PracticeDay>> practice_trends(int days, std::string_view today);
  // Recomputes every rollup from the findings (repair; bulk loads).
  Status rebuild_rollups();

  // ---- users, tokens, sessions
  Result<bool> has_users();
  Result<bool> create_user(const User& user, const Actor& actor);  // false: name taken
  Result<std::optional<User>> get_user(std::string_view name);
  Result<std::vector<User>> list_users();
  Status update_user(std::string_view name, const UserUpdate& update, const Actor& actor);  // kNotFound
  Status delete_user(std::string_view name, const Actor& actor);                           // kNotFound
  Status record_login(std::string_view name);

  Status create_token(const ApiToken& token, const Actor& actor);
  Result<std::vector<ApiToken>> list_tokens();
  Result<std::optional<ApiToken>> find_token(std::string_view token_hash);  // also sets last_used
  Status delete_token(std::string_view id, const Actor& actor);            // kNotFound

  Status create_session(const Session& session);
  Result<std::optional<Session>> get_session(std::string_view id_hash);  // unexpired only
  Status delete_session(std::string_view id_hash);
  Result<int> delete_expired_sessions();

  // Login rate limiting shared by every server process.
  Status record_login_failure(std::string_view key);
  Result<int> count_login_failures(std::string_view key, std::string_view since);
  Status clear_login_failures(std::string_view key);

  // ---- audit log and settings
  Status audit(std::string_view action, std::string_view object, std::string_view detail, const Actor& actor);
  Result<Page<AuditEntry>> list_audit(int limit, const std::string& cursor);
  Result<std::optional<std::string>> get_setting(std::string_view key);  // JSON text
  Result<std::map<std::string, std::string>> settings();
  Status put_setting(std::string_view key, std::string_view json_value, const Actor& actor);
  // settings "sla_days" merged over the defaults P1 7, P2 30, P3 90, P4 180.
  Result<std::map<std::string, int>> sla_days();

  struct Impl;

 private:
  explicit Store(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace bulwark::store
