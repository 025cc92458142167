// Numbered migrations, applied in order at open and recorded in
// schema_migrations. Several processes may open the same database at once:
// PostgreSQL takes a transaction-scoped advisory lock, SQLite BEGIN IMMEDIATE,
// so exactly one of them applies each migration and the others then see it
// applied. The SQL is written once with tokens for the few type names that
// differ: {ID} (auto-increment key), {INT} (64-bit integer), {REAL}, {BLOB};
// and {SEVERITY_COLUMNS:p}, the five counters p_critical … p_unknown.
#include "server/store/internal.hpp"

namespace bulwark::store {

namespace {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Never edit a migration once released; add a new one.
const Migration kMigrations[] = {
    {1, "base schema", R"sql(
CREATE TABLE artifacts (
  id {ID},
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  digest TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '',
  repositories TEXT NOT NULL DEFAULT '',
  os_family TEXT NOT NULL DEFAULT '',
  os_version TEXT NOT NULL DEFAULT '',
  os_eol TEXT NOT NULL DEFAULT '',
  internet_facing {INT} NOT NULL DEFAULT 0,
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  latest_scan_id {INT} NOT NULL DEFAULT 0,
  latest_scan_at TEXT NOT NULL DEFAULT '',
  target_json TEXT NOT NULL DEFAULT '{}',
  {SEVERITY_COLUMNS:open},
  risk {INT} NOT NULL DEFAULT 0,
  UNIQUE (kind, name)
);
CREATE TABLE artifact_digests (
  artifact_id {INT} NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
  digest TEXT NOT NULL,
  tags TEXT NOT NULL DEFAULT '',
  repositories TEXT NOT NULL DEFAULT '',
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  PRIMARY KEY (artifact_id, digest)
);
CREATE TABLE scans (
  id {ID},
  artifact_id {INT} NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
  report_sha256 TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL,
  received_at TEXT NOT NULL,
  tool_version TEXT NOT NULL DEFAULT '',
  target_kind TEXT NOT NULL,
  digest TEXT NOT NULL DEFAULT '',
  scanners TEXT NOT NULL DEFAULT '',
  {SEVERITY_COLUMNS:n},
  n_findings {INT} NOT NULL DEFAULT 0,
  has_compliance {INT} NOT NULL DEFAULT 0,
  report_size {INT} NOT NULL DEFAULT 0,
  report_gz {BLOB}
);
CREATE TABLE rules (
  id {ID},
  kind TEXT NOT NULL,
  rule_id TEXT NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  search TEXT NOT NULL DEFAULT '',
  UNIQUE (kind, rule_id)
);
CREATE TABLE package_names (
  name TEXT PRIMARY KEY,
  search TEXT NOT NULL
);
CREATE TABLE findings (
  id {ID},
  artifact_id {INT} NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
  fingerprint TEXT NOT NULL,
  kind TEXT NOT NULL,
  rule_ref {INT} NOT NULL REFERENCES rules(id),
  severity {INT} NOT NULL,
  package_name TEXT NOT NULL DEFAULT '',
  package_version TEXT NOT NULL DEFAULT '',
  fixed_versions TEXT NOT NULL DEFAULT '',
  location TEXT NOT NULL DEFAULT '',
  layer TEXT NOT NULL DEFAULT '',
  fixable {INT} NOT NULL DEFAULT 0,
  epss {REAL} NOT NULL DEFAULT -1,
  kev {INT} NOT NULL DEFAULT 0,
  exposed {INT} NOT NULL DEFAULT 0,
  priority_score {INT} NOT NULL DEFAULT 0,
  priority_level TEXT NOT NULL DEFAULT 'P4',
  practice {INT} NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'new',
  assignee TEXT NOT NULL DEFAULT '',
  due_date TEXT NOT NULL DEFAULT '',
  due_manual {INT} NOT NULL DEFAULT 0,
  sla_from TEXT NOT NULL DEFAULT '',
  first_seen TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  fixed_at TEXT NOT NULL DEFAULT '',
  exception_reason TEXT NOT NULL DEFAULT '',
  exception_until TEXT NOT NULL DEFAULT '',
  exception_until_fix {INT} NOT NULL DEFAULT 0,
  justification TEXT NOT NULL DEFAULT '',
  ticket TEXT NOT NULL DEFAULT '',
  last_scan_id {INT} NOT NULL DEFAULT 0,
  UNIQUE (artifact_id, fingerprint)
);
CREATE TABLE finding_details (
  finding_id {INT} PRIMARY KEY REFERENCES findings(id) ON DELETE CASCADE,
  finding_json TEXT NOT NULL,
  factors_json TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE finding_history (
  id {ID},
  finding_id {INT} NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  field TEXT NOT NULL,
  old_value TEXT NOT NULL DEFAULT '',
  new_value TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX finding_history_finding ON finding_history (finding_id, id);
CREATE TABLE finding_comments (
  id {ID},
  finding_id {INT} NOT NULL REFERENCES findings(id) ON DELETE CASCADE,
  at TEXT NOT NULL,
  author TEXT NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX finding_comments_finding ON finding_comments (finding_id, id);
CREATE TABLE overview_counts (
  practice {INT} NOT NULL,
  kind TEXT NOT NULL,
  severity {INT} NOT NULL,
  state TEXT NOT NULL,
  level TEXT NOT NULL,
  n {INT} NOT NULL DEFAULT 0,
  PRIMARY KEY (practice, kind, severity, state, level)
);
CREATE TABLE overview_due (
  practice {INT} NOT NULL,
  severity {INT} NOT NULL,
  due_date TEXT NOT NULL,
  n {INT} NOT NULL DEFAULT 0,
  PRIMARY KEY (practice, severity, due_date)
);
CREATE TABLE artifact_practice (
  artifact_id {INT} NOT NULL REFERENCES artifacts(id) ON DELETE CASCADE,
  practice {INT} NOT NULL,
  severity {INT} NOT NULL,
  n {INT} NOT NULL DEFAULT 0,
  PRIMARY KEY (artifact_id, practice, severity)
);
CREATE TABLE overview_artifacts (
  practice {INT} NOT NULL,
  severity {INT} NOT NULL,
  n {INT} NOT NULL DEFAULT 0,
  PRIMARY KEY (practice, severity)
);
CREATE TABLE scan_counts (
  target_kind TEXT PRIMARY KEY,
  n {INT} NOT NULL DEFAULT 0,
  last_received_at TEXT NOT NULL DEFAULT ''
);
CREATE TABLE trend_days (
  day TEXT PRIMARY KEY,
  {SEVERITY_COLUMNS:open},
  new_count {INT} NOT NULL DEFAULT 0,
  fixed_count {INT} NOT NULL DEFAULT 0
);
CREATE TABLE practice_days (
  day TEXT NOT NULL,
  practice {INT} NOT NULL,
  {SEVERITY_COLUMNS:open},
  new_count {INT} NOT NULL DEFAULT 0,
  fixed_count {INT} NOT NULL DEFAULT 0,
  PRIMARY KEY (day, practice)
);
CREATE TABLE users (
  name TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_login TEXT NOT NULL DEFAULT '',
  disabled {INT} NOT NULL DEFAULT 0
);
CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_used TEXT NOT NULL DEFAULT ''
);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
CREATE TABLE login_failures (
  id {ID},
  fail_key TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX login_failures_key ON login_failures (fail_key, at);
CREATE TABLE audit_log (
  id {ID},
  at TEXT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  object TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  client TEXT NOT NULL DEFAULT ''
);
CREATE TABLE settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
)sql"},
    // The indexes of the list queries: one per sort key (keyset pagination
    // walks them), the artifact's own list, and the lookups of filters that
    // select few rows (rule, package, KEV, assignee, expiring exceptions).
    {2, "finding indexes", R"sql(
CREATE INDEX artifacts_name ON artifacts (name, id);
CREATE INDEX artifacts_last_seen ON artifacts (last_seen, id);
CREATE INDEX artifacts_risk ON artifacts (risk, id);
CREATE INDEX scans_artifact ON scans (artifact_id, id);
CREATE INDEX findings_priority ON findings (priority_score, id);
CREATE INDEX findings_severity ON findings (severity, id);
CREATE INDEX findings_first_seen ON findings (first_seen, id);
CREATE INDEX findings_last_seen ON findings (last_seen, id);
CREATE INDEX findings_epss ON findings (epss, id);
CREATE INDEX findings_due ON findings (due_date, id);
CREATE INDEX findings_artifact_priority ON findings (artifact_id, priority_score, id);
CREATE INDEX findings_rule ON findings (rule_ref);
CREATE INDEX findings_package ON findings (package_name);
CREATE INDEX findings_state ON findings (state, severity);
CREATE INDEX findings_kev ON findings (priority_score, id) WHERE kev = 1;
CREATE INDEX findings_assignee ON findings (assignee) WHERE assignee <> '';
CREATE INDEX findings_exceptions ON findings (exception_until) WHERE state = 'accepted_risk';
)sql"},
    // Overview figures that were counted from the findings at every request:
    // open known-exploited and open fixable vulnerabilities (a rollup, filled
    // here once from the findings), artifacts past their OS end of life (an
    // index range count).
    {3, "overview totals", R"sql(
CREATE TABLE overview_totals (
  name TEXT PRIMARY KEY,
  n {INT} NOT NULL DEFAULT 0
);
INSERT INTO overview_totals (name, n)
SELECT 'open_kev', count(*) FROM findings WHERE kind = 'vulnerability'
  AND state IN ('new', 'triaged', 'in_progress') AND kev = 1
UNION ALL
SELECT 'open_fixable', count(*) FROM findings WHERE kind = 'vulnerability'
  AND state IN ('new', 'triaged', 'in_progress') AND fixable = 1;
CREATE INDEX artifacts_os_eol ON artifacts (os_eol) WHERE os_eol <> '';
)sql"},
    // The date of each finding's last assessment, for the daily
    // re-assessment of open findings ('' for those stored before: they are
    // re-assessed on the first pass).
    {4, "assessment date", R"sql(
ALTER TABLE findings ADD COLUMN assessed_on TEXT NOT NULL DEFAULT '';
)sql"},
};

std::string render(std::string_view sql, sql::Dialect d) {
  const bool pg = d == sql::Dialect::kPostgres;
  std::string out(sql);
  auto replace_all = [&](std::string_view token, std::string_view with) {
    for (size_t pos = out.find(token); pos != std::string::npos; pos = out.find(token, pos + with.size()))
      out.replace(pos, token.size(), with);
  };
  for (const char* prefix : {"open", "n"}) {
    std::string columns;
    for (const char* severity : {"critical", "high", "medium", "low", "unknown"})
      columns += std::string(columns.empty() ? "" : ",\n  ") + prefix + "_" + severity + " {INT} NOT NULL DEFAULT 0";
    replace_all(std::string("{SEVERITY_COLUMNS:") + prefix + "}", columns);
  }
  replace_all("{ID}", pg ? "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY" : "INTEGER PRIMARY KEY");
  replace_all("{INT}", pg ? "BIGINT" : "INTEGER");
  replace_all("{REAL}", pg ? "DOUBLE PRECISION" : "REAL");
  replace_all("{BLOB}", pg ? "BYTEA" : "BLOB");
  return out;
}

// An arbitrary constant naming Bulwark's migration lock.
constexpr int64_t kMigrationLock = 0x42554c5741524bLL;  // "BULWARK"

}  // namespace

int latest_migration() { return kMigrations[std::size(kMigrations) - 1].version; }

Status run_migrations(sql::Connection& c, const std::string& now) {
  sql::Transaction tx(c);
  if (auto s = tx.begin_write(); !s) return s.error().within("migrations");
  if (c.dialect() == sql::Dialect::kPostgres) {
    if (auto r = sql::query_int(c, "SELECT 1 FROM (SELECT pg_advisory_xact_lock(?)) AS l", kMigrationLock); !r)
      return r.error().within("migrations");
  }
  if (auto s = c.exec_script(
          "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
          "applied_at TEXT NOT NULL)");
      !s)
    return s.error().within("migrations");
  auto applied = sql::query_int(c, "SELECT max(version) FROM schema_migrations");
  if (!applied) return applied.error().within("migrations");
  int64_t have = applied->value_or(0);
  if (have > latest_migration())
    return Error(ErrorCode::kUnsupported,
                 "the database has schema version " + std::to_string(have) + ", newer than this Bulwark knows (" +
                     std::to_string(latest_migration()) + ")",
                 "migrations");
  for (const Migration& m : kMigrations) {
    if (m.version <= have) continue;
    if (auto s = c.exec_script(render(m.sql, c.dialect())); !s)
      return s.error().within("migration " + std::to_string(m.version) + " (" + m.name + ")");
    auto ins = sql::exec(c, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                         static_cast<int64_t>(m.version), std::string(m.name), now);
    if (!ins) return ins.error().within("migrations");
  }
  auto s = tx.commit();
  c.clear_cache();
  if (!s) return s.error().within("migrations");
  return {};
}

}  // namespace bulwark::store

