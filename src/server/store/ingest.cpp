// Ingest of one report in one transaction: the artifact, the scan, every
// finding deduplicated by (artifact, fingerprint), the findings the scan no
// longer reports, the stored report body and the rollups. Re-assessment of
// stored findings is in assess.cpp.
#include <algorithm>
#include <set>
#include <unordered_map>

#include "core/core.hpp"
#include "core/json.hpp"
#include "server/store/internal.hpp"

namespace bulwark::store {

namespace {

constexpr size_t kMaxName = 1024;
constexpr size_t kMaxRuleId = 512;
constexpr size_t kMaxTitle = 4096;
constexpr size_t kMaxPackage = 1024;
constexpr size_t kMaxLocation = 4096;
constexpr size_t kMaxFindingJson = 1 << 20;
constexpr size_t kMaxFindings = 500000;
constexpr size_t kMaxTags = 1000;
// A stored body is never inflated beyond this (the server accepts 64 MiB).
constexpr size_t kMaxReportBytes = 256u << 20;

// "registry/repo" from "registry/repo:tag" or "registry/repo@sha256:…".
std::string repository_of(std::string ref) {
  size_t at = ref.find('@');
  if (at != std::string::npos) ref = ref.substr(0, at);
  size_t slash = ref.rfind('/');
  size_t colon = ref.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) ref = ref.substr(0, colon);
  return ref;
}

// The artifact's identity, the same that fingerprint() hashes (an image's
// repository, a repository's origin URL, the path) except for hosts, which
// are named by host name.
std::string identity_name(const Report& r) {
  const Target& t = r.target;
  if (t.kind == TargetKind::kHost && r.inventory.host && !r.inventory.host->hostname.empty())
    return r.inventory.host->hostname;
  if (t.kind == TargetKind::kRepository && t.repository && !t.repository->remote_url.empty())
    return t.repository->remote_url;
  if (t.kind == TargetKind::kImage) {
    std::string ref = t.artifact.repo_tags.empty() ? t.reference : t.artifact.repo_tags.front();
    return repository_of(ref);
  }
  return t.reference;
}

Status too_long(std::string_view field, std::string_view value, size_t max) {
  if (value.size() > max)
    return Error(ErrorCode::kInvalidArgument,
                 std::string(field) + ": " + std::to_string(value.size()) + " bytes, more than " + std::to_string(max));
  return {};
}

bool plain_token(std::string_view s) {
  for (unsigned char ch : s)
    if (!(std::isalnum(ch) || ch == ':' || ch == '_' || ch == '-' || ch == '.')) return false;
  return true;
}

// One reported finding, checked and flattened for the findings row.
struct Incoming {
  const Finding* f = nullptr;
  std::string fingerprint, kind, rule_id, title, package_name, package_version, fixed_versions, location, layer;
  int severity = 0;
  bool fixable = false, kev = false;
  double epss = -1;
  std::string json;
  Assessment a;
};

std::set<std::string> covered_kinds(const Report& r) {
  std::set<std::string> kinds;
  bool declared = false;
  for (const auto& [key, value] : r.tool.components) {
    if (key == "scanner:vuln") kinds.insert("vulnerability"), declared = true;
    else if (key == "scanner:misconfig") kinds.insert("misconfiguration"), declared = true;
    else if (key == "scanner:secret") kinds.insert("secret"), declared = true;
    else if (key.starts_with("compliance:")) kinds.insert("compliance"), declared = true;
  }
  if (!declared)
    for (const auto& f : r.findings) kinds.insert(to_string(f.kind));
  return kinds;
}

Result<std::vector<Incoming>> prepare_findings(const Report& r) {
  if (r.findings.size() > kMaxFindings)
    return Error(ErrorCode::kLimitExceeded, "findings: " + std::to_string(r.findings.size()) + ", more than " +
                                                std::to_string(kMaxFindings));
  std::vector<Incoming> out;
  out.reserve(r.findings.size());
  std::set<std::string> seen;
  for (size_t i = 0; i < r.findings.size(); ++i) {
    const Finding& f = r.findings[i];
    std::string where = "findings[" + std::to_string(i) + "]";
    Incoming in;
    in.f = &f;
    in.kind = to_string(f.kind);
    in.rule_id = f.id;
    if (in.rule_id.empty()) return Error(ErrorCode::kInvalidArgument, where + ".id: empty");
    if (auto s = too_long(where + ".id", f.id, kMaxRuleId); !s) return s.error();
    in.title = f.title.empty() ? f.id : f.title;
    if (auto s = too_long(where + ".title", in.title, kMaxTitle); !s) return s.error();
    in.package_name = f.package_name;
    in.package_version = f.package_version;
    if (auto s = too_long(where + ".package_name", f.package_name, kMaxPackage); !s) return s.error();
    if (auto s = too_long(where + ".package_version", f.package_version, kMaxPackage); !s) return s.error();
    in.fixed_versions = join_lines(f.remediation.fixed_versions);
    if (auto s = too_long(where + ".remediation.fixed_versions", in.fixed_versions, kMaxLocation); !s) return s.error();
    in.location = f.location.path;
    if (f.location.line > 0) in.location += ":" + std::to_string(f.location.line);
    if (auto s = too_long(where + ".location.path", in.location, kMaxLocation); !s) return s.error();
    in.layer = f.location.layer;
    if (auto s = too_long(where + ".location.layer", in.layer, 256); !s) return s.error();
    in.severity = static_cast<int>(f.severity);
    in.fixable = !f.remediation.fixed_versions.empty();
    in.kev = f.known_exploited;
    if (f.epss_score) {
      double e = *f.epss_score;
      if (!(e >= 0 && e <= 1)) return Error(ErrorCode::kInvalidArgument, where + ".epss_score: must be 0..1");
      in.epss = e;
    }
    in.fingerprint = f.fingerprint.empty() ? fingerprint(f, r.target) : f.fingerprint;
    if (in.fingerprint.size() > 128 || !plain_token(in.fingerprint))
      return Error(ErrorCode::kInvalidArgument, where + ".fingerprint: at most 128 letters, digits, ':', '_', '-', '.'");
    // The same finding twice in one report: the first one stands.
    if (!seen.insert(in.fingerprint).second) continue;
    json j = f;
    j["fingerprint"] = in.fingerprint;
    in.json = j.dump();
    if (auto s = too_long(where, in.json, kMaxFindingJson); !s) return s.error();
    out.push_back(std::move(in));
  }
  return out;
}

// Per-transaction cache of rule and package dictionary ids.
class Dictionaries {
 public:
  Result<int64_t> rule(sql::Connection& c, const std::string& kind, const std::string& rule_id,
                       const std::string& title) {
    auto key = kind + '\x1f' + rule_id;
    if (auto it = rules_.find(key); it != rules_.end()) return it->second;
    std::string search = lower(rule_id + "\n" + title);
    int64_t id = 0;
    {
      auto st = c.prepare("SELECT id, title FROM rules WHERE kind = ? AND rule_id = ?");
      if (!st) return st.error();
      (*st)->bind_all(kind, rule_id);
      auto r = (*st)->step();
      if (!r) return r.error();
      if (*r) {
        id = (*st)->integer(0);
        if ((*st)->text(1) != title) {
          auto u = sql::exec(c, "UPDATE rules SET title = ?, search = ? WHERE id = ?", title, search, id);
          if (!u) return u.error();
        }
      }
    }
    if (!id) {
      auto ins = sql::query_int(c,
                                "INSERT INTO rules (kind, rule_id, title, search) VALUES (?, ?, ?, ?) "
                                "ON CONFLICT (kind, rule_id) DO UPDATE SET title = excluded.title RETURNING id",
                                kind, rule_id, title, search);
      if (!ins) return ins.error();
      id = ins->value_or(0);
    }
    rules_[key] = id;
    return id;
  }
  Status package(sql::Connection& c, const std::string& name) {
    if (name.empty() || !packages_.insert(name).second) return {};
    auto r = sql::exec(c, "INSERT INTO package_names (name, search) VALUES (?, ?) ON CONFLICT (name) DO NOTHING", name,
                       lower(name));
    if (!r) return r.error();
    return {};
  }

 private:
  std::unordered_map<std::string, int64_t> rules_;
  std::set<std::string> packages_;
};

}  // namespace

std::string due_for(const std::string& sla_from, const std::string& level, const std::map<std::string, int>& sla) {
  auto it = sla.find(level);
  return add_days(sla_from, it == sla.end() ? 180 : it->second);
}

const RowMap<StoredFinding>& stored_finding_rows() {
  static const RowMap<StoredFinding> rows{
      {"f.id", &StoredFinding::id},
      {"f.artifact_id", &StoredFinding::artifact_id},
      {"f.fingerprint", &StoredFinding::fingerprint},
      {"f.kind", &StoredFinding::kind},
      {"f.state", &StoredFinding::state},
      {"f.priority_level", &StoredFinding::level},
      {"f.due_date", &StoredFinding::due_date},
      {"f.sla_from", &StoredFinding::sla_from},
      {"f.practice", &StoredFinding::practice},
      {"f.severity", &StoredFinding::severity},
      {"f.priority_score", &StoredFinding::score},
      {"f.due_manual", &StoredFinding::due_manual},
      {"f.assignee", &StoredFinding::assignee},
      {"f.exception_reason", &StoredFinding::exception_reason},
      {"f.exception_until", &StoredFinding::exception_until},
      {"f.justification", &StoredFinding::justification},
      {"f.exception_until_fix", &StoredFinding::until_fix},
      {"f.rule_ref", &StoredFinding::rule_ref},
      {"f.package_name", &StoredFinding::package_name},
      {"f.package_version", &StoredFinding::package_version},
      {"f.fixed_versions", &StoredFinding::fixed_versions},
      {"f.location", &StoredFinding::location},
      {"f.layer", &StoredFinding::layer},
      {"f.fixable", &StoredFinding::fixable},
      {"f.kev", &StoredFinding::kev},
      {"f.exposed", &StoredFinding::exposed},
      {"f.epss", &StoredFinding::epss},
  };
  return rows;
}

const RowMap<StoredFinding>& stored_detail_rows() {
  static const RowMap<StoredFinding> rows{
      {"d.finding_json", &StoredFinding::finding_json},
      {"d.factors_json", &StoredFinding::factors_json},
  };
  return rows;
}

Result<IngestResult> Store::ingest(std::string_view report_json, const Actor& actor) {
  Impl& impl = *impl_;
  const std::string sha = sha256_hex(report_json);
  // Idempotency first: the same body again costs one lookup.
  {
    auto lease = impl.lease();
    if (!lease) return lease.error();
    auto st = (*lease)->prepare("SELECT id, artifact_id FROM scans WHERE report_sha256 = ?");
    if (!st) return st.error();
    (*st)->bind_all(sha);
    auto r = (*st)->step();
    if (!r) return r.error();
    if (*r) {
      IngestResult out;
      out.scan_id = (*st)->integer(0);
      out.artifact_id = (*st)->integer(1);
      return out;
    }
  }

  auto parsed = report_from_json(report_json, "report");
  if (!parsed) return parsed.error();
  const Report& report = *parsed;

  // ---- checks: nothing is written unless all of it can be stored
  const std::string received_at = impl.now();
  std::string scan_time = received_at;
  if (!report.created_at.empty()) {
    auto t = normalize_time(report.created_at);
    if (!t) return Error(ErrorCode::kInvalidArgument, "created_at: '" + report.created_at.substr(0, 64) +
                                                          "' is not an RFC 3339 time");
    scan_time = *t;
  }
  const std::string kind = to_string(report.target.kind);
  const std::string name = identity_name(report);
  if (name.empty()) return Error(ErrorCode::kInvalidArgument, "target.reference: empty");
  if (auto s = too_long("target.reference", name, kMaxName); !s) return s.error();
  const std::string digest = report.target.kind == TargetKind::kImage
                                 ? (report.target.digest.empty() ? report.target.artifact.manifest_digest
                                                                 : report.target.digest)
                                 : std::string();
  if (auto s = too_long("target.digest", digest, 256); !s) return s.error();
  std::vector<std::string> tags, repositories;
  if (report.target.kind == TargetKind::kImage) {
    const auto& a = report.target.artifact;
    if (a.repo_tags.size() > kMaxTags || a.repo_digests.size() > kMaxTags)
      return Error(ErrorCode::kLimitExceeded, "target.artifact: more than 1000 tags or repository digests");
    for (const auto& t : a.repo_tags) {
      if (auto s = too_long("target.artifact.repo_tags", t, kMaxName); !s) return s.error();
      tags.push_back(t);
      repositories.push_back(repository_of(t));
    }
    for (const auto& d : a.repo_digests) {
      if (auto s = too_long("target.artifact.repo_digests", d, kMaxName); !s) return s.error();
      repositories.push_back(repository_of(d));
    }
    if (repositories.empty()) repositories.push_back(name);
    std::sort(tags.begin(), tags.end());
    tags.erase(std::unique(tags.begin(), tags.end()), tags.end());
    std::sort(repositories.begin(), repositories.end());
    repositories.erase(std::unique(repositories.begin(), repositories.end()), repositories.end());
  }
  std::string os_family, os_version, os_eol;
  if (report.inventory.os) {
    os_family = report.inventory.os->family.substr(0, 128);
    os_version = report.inventory.os->version.substr(0, 128);
    os_eol = valid_date(report.inventory.os->eol) ? report.inventory.os->eol : "";
  }
  auto incoming = prepare_findings(report);
  if (!incoming) return incoming.error();
  const std::set<std::string> covered = covered_kinds(report);
  SeverityCounts counts;
  for (const auto& in : *incoming) add_severity(counts, in.severity);
  auto body = gzip(report_json);
  if (!body) return body.error();
  std::string target_json;
  {
    json tj = report.target;
    target_json = tj.dump();
  }
  const bool has_compliance = !report.compliance.empty();
  const std::string today = impl.today();
  const std::string history_actor = actor.name.empty() ? "scan" : actor.name;

  return write_tx(impl, [&](sql::Connection& c) -> Result<IngestResult> {
    IngestResult out;
    RollupDelta delta;
    // ---- the artifact (its row stays locked until commit: ingests of one
    // artifact run one after another)
    int64_t artifact_id = 0;
    bool internet_facing = false;
    std::string latest_scan_at;
    {
      auto st = c.prepare(
          "INSERT INTO artifacts (kind, name, first_seen, last_seen) VALUES (?, ?, ?, ?) "
          "ON CONFLICT (kind, name) DO UPDATE SET kind = excluded.kind "
          "RETURNING id, internet_facing, latest_scan_at");
      if (!st) return st.error();
      (*st)->bind_all(kind, name, scan_time, scan_time);
      auto r = (*st)->step();
      if (!r) return r.error();
      if (!*r) return Error(ErrorCode::kInternal, "artifact upsert returned no row");
      artifact_id = (*st)->integer(0);
      internet_facing = (*st)->integer(1) != 0;
      latest_scan_at = (*st)->text(2);
    }
    out.artifact_id = artifact_id;
    // ---- the scan (a concurrent upload of the same body wins the race)
    const bool current = latest_scan_at.empty() || scan_time >= latest_scan_at;
    {
      auto st = c.prepare(
          "INSERT INTO scans (artifact_id, report_sha256, created_at, received_at, tool_version, target_kind, digest, "
          "scanners, n_critical, n_high, n_medium, n_low, n_unknown, n_findings, has_compliance, report_size, "
          "report_gz) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
          "ON CONFLICT (report_sha256) DO NOTHING RETURNING id");
      if (!st) return st.error();
      std::vector<std::string> scanners(covered.begin(), covered.end());
      (*st)->bind_all(artifact_id, sha, scan_time, received_at, report.tool.version.substr(0, 128), kind, digest,
                      join_lines(scanners), counts.critical, counts.high, counts.medium, counts.low, counts.unknown,
                      static_cast<int64_t>(incoming->size()), has_compliance,
                      static_cast<int64_t>(report_json.size()));
      // Only the artifact's newest scan keeps its body (see retention).
      if (current || has_compliance)
        (*st)->bind_blob(17, *body);
      else
        (*st)->bind_null(17);
      auto r = (*st)->step();
      if (!r) return r.error();
      if (!*r) {
        auto existing = sql::query_int(c, "SELECT id FROM scans WHERE report_sha256 = ?", sha);
        if (!existing) return existing.error();
        out.scan_id = existing->value_or(0);
        return out;  // created = false; nothing else changed
      }
      out.scan_id = (*st)->integer(0);
    }
    out.created = true;
    if (auto r = sql::exec(c,
                           "INSERT INTO scan_counts (target_kind, n, last_received_at) VALUES (?, 1, ?) "
                           "ON CONFLICT (target_kind) DO UPDATE SET n = scan_counts.n + 1, "
                           "last_received_at = excluded.last_received_at",
                           kind, received_at);
        !r)
      return r.error();
    if (!digest.empty()) {
      auto r = sql::exec(c,
                         "INSERT INTO artifact_digests (artifact_id, digest, tags, repositories, first_seen, last_seen) "
                         "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (artifact_id, digest) DO UPDATE SET "
                         "tags = excluded.tags, repositories = excluded.repositories, "
                         "first_seen = CASE WHEN excluded.first_seen < artifact_digests.first_seen "
                         "THEN excluded.first_seen ELSE artifact_digests.first_seen END, "
                         "last_seen = CASE WHEN excluded.last_seen > artifact_digests.last_seen "
                         "THEN excluded.last_seen ELSE artifact_digests.last_seen END",
                         artifact_id, digest, join_lines(tags), join_lines(repositories), scan_time, scan_time);
      if (!r) return r.error();
    }
    if (!current) {
      // An older report arriving late is recorded as a scan but does not
      // rewrite the findings' current state.
      if (auto r = sql::exec(c, "UPDATE artifacts SET first_seen = ? WHERE id = ? AND first_seen > ?", scan_time,
                             artifact_id, scan_time);
          !r)
        return r.error();
      if (auto s = delta.apply(c, today); !s) return s.error();
      if (auto s = write_audit(c, received_at, actor, "report.upload", "scan:" + std::to_string(out.scan_id),
                               name + " (older than the latest scan; findings unchanged)");
          !s)
        return s.error();
      return out;
    }
    {
      auto r = sql::exec(c,
                         "UPDATE artifacts SET digest = ?, tags = ?, repositories = ?, os_family = ?, os_version = ?, "
                         "os_eol = ?, last_seen = ?, latest_scan_id = ?, latest_scan_at = ?, target_json = ? WHERE id = ?",
                         digest, join_lines(tags), join_lines(repositories), os_family, os_version, os_eol, scan_time,
                         out.scan_id, scan_time, target_json, artifact_id);
      if (!r) return r.error();
    }
    // Older bodies are dropped but the latest that carried compliance.
    {
      auto keep = sql::query_int(c, "SELECT max(id) FROM scans WHERE artifact_id = ? AND has_compliance = 1",
                                 artifact_id);
      if (!keep) return keep.error();
      auto r = sql::exec(c,
                         "UPDATE scans SET report_gz = NULL WHERE artifact_id = ? AND id <> ? AND id <> ? "
                         "AND report_gz IS NOT NULL",
                         artifact_id, out.scan_id, keep->value_or(0));
      if (!r) return r.error();
    }

    // ---- the findings
    auto sla = read_sla(c);
    if (!sla) return sla.error();
    std::unordered_map<std::string, StoredFinding> existing;
    if (auto s = each_stored_finding(
            c, "f.artifact_id = ?",
            [&](StoredFinding&& e) {
              std::string fp = e.fingerprint;
              existing.emplace(std::move(fp), std::move(e));
            },
            artifact_id);
        !s)
      return s.error();
    // Dictionary rows first, in sorted order: concurrent ingests then lock
    // them in the same order and cannot deadlock on them.
    Dictionaries dict;
    {
      std::map<std::pair<std::string, std::string>, std::string> rules;
      std::set<std::string> packages;
      for (const Incoming& in : *incoming) {
        rules.emplace(std::make_pair(in.kind, in.rule_id), in.title);
        if (!in.package_name.empty()) packages.insert(in.package_name);
      }
      for (const auto& [key, title] : rules)
        if (auto r = dict.rule(c, key.first, key.second, title); !r) return r.error();
      for (const auto& p : packages)
        if (auto s = dict.package(c, p); !s) return s.error();
    }
    const std::string scan_date = date_of(scan_time);
    std::set<std::string> reported;
    for (Incoming& in : *incoming) {
      reported.insert(in.fingerprint);
      in.a = impl.assess(*in.f, report.target, internet_facing, today);
      auto rule_ref = dict.rule(c, in.kind, in.rule_id, in.title);
      if (!rule_ref) return rule_ref.error();
      if (auto s = dict.package(c, in.package_name); !s) return s.error();
      auto it = existing.find(in.fingerprint);
      if (it == existing.end()) {
        std::string due = due_for(scan_date, in.a.priority_level, *sla);
        auto id = sql::query_int(
            c,
            "INSERT INTO findings (artifact_id, fingerprint, kind, rule_ref, severity, package_name, package_version, "
            "fixed_versions, location, layer, fixable, epss, kev, exposed, priority_score, priority_level, practice, "
            "state, due_date, sla_from, first_seen, last_seen, last_scan_id, assessed_on) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?, ?, ?, ?) RETURNING id",
            artifact_id, in.fingerprint, in.kind, *rule_ref, in.severity, in.package_name, in.package_version,
            in.fixed_versions, in.location, in.layer, in.fixable, in.epss, in.kev, internet_facing,
            in.a.priority_score, in.a.priority_level, in.a.practice, due, scan_date, scan_time, scan_time,
            out.scan_id, today);
        if (!id) return id.error();
        auto d = sql::exec(c, "INSERT INTO finding_details (finding_id, finding_json, factors_json) VALUES (?, ?, ?)",
                           id->value_or(0), in.json, in.a.priority_factors_json);
        if (!d) return d.error();
        delta.add({artifact_id, in.a.practice, in.kind, in.severity, "new", in.a.priority_level, due,
                   in.a.priority_score, in.kev, in.fixable},
                  +1);
        delta.count_new(in.a.practice);
        ++out.new_findings;
        continue;
      }
      StoredFinding& e = it->second;
      delta.add(e.contribution(), -1);
      std::string state = e.state;
      std::string sla_from = e.sla_from;
      bool clear_exception = false;
      if (e.state == "fixed") {
        state = "new";
        sla_from = scan_date;
        if (auto s = write_history(c, e.id, received_at, history_actor, "state", "fixed", "new", "reappeared"); !s)
          return s.error();
        delta.count_new(in.a.practice);
        ++out.reappeared;
      } else if (e.state == "accepted_risk" && e.until_fix && in.fixable) {
        state = "triaged";
        clear_exception = true;
        if (auto s = write_history(c, e.id, received_at, history_actor, "state", "accepted_risk", "triaged",
                             "exception ended: fix available");
            !s)
          return s.error();
      }
      std::string due = e.due_manual ? e.due_date : due_for(sla_from, in.a.priority_level, *sla);
      const bool same = state == e.state && !clear_exception && *rule_ref == e.rule_ref &&
                        in.severity == e.severity && in.package_name == e.package_name &&
                        in.package_version == e.package_version && in.fixed_versions == e.fixed_versions &&
                        in.location == e.location && in.layer == e.layer && in.fixable == e.fixable &&
                        in.epss == e.epss && in.kev == e.kev && internet_facing == e.exposed &&
                        in.a.priority_score == e.score && in.a.priority_level == e.level &&
                        in.a.practice == e.practice && due == e.due_date && sla_from == e.sla_from;
      if (same) {
        auto u = sql::exec(c, "UPDATE findings SET last_seen = ?, last_scan_id = ?, assessed_on = ? WHERE id = ?",
                           scan_time, out.scan_id, today, e.id);
        if (!u) return u.error();
      } else {
        auto u = sql::exec(
            c,
            "UPDATE findings SET kind = ?, rule_ref = ?, severity = ?, package_name = ?, package_version = ?, "
            "fixed_versions = ?, location = ?, layer = ?, fixable = ?, epss = ?, kev = ?, exposed = ?, "
            "priority_score = ?, priority_level = ?, practice = ?, state = ?, due_date = ?, sla_from = ?, "
            "last_seen = ?, fixed_at = CASE WHEN ? = 'fixed' THEN fixed_at ELSE '' END, last_scan_id = ?, "
            "assessed_on = ?, "
            "exception_reason = CASE WHEN ? = 1 THEN '' ELSE exception_reason END, "
            "exception_until = CASE WHEN ? = 1 THEN '' ELSE exception_until END, "
            "exception_until_fix = CASE WHEN ? = 1 THEN 0 ELSE exception_until_fix END WHERE id = ?",
            in.kind, *rule_ref, in.severity, in.package_name, in.package_version, in.fixed_versions, in.location,
            in.layer, in.fixable, in.epss, in.kev, internet_facing, in.a.priority_score, in.a.priority_level,
            in.a.practice, state, due, sla_from, scan_time, state, out.scan_id, today, clear_exception,
            clear_exception, clear_exception, e.id);
        if (!u) return u.error();
      }
      if (in.json != e.finding_json || in.a.priority_factors_json != e.factors_json) {
        auto d = sql::exec(c, "UPDATE finding_details SET finding_json = ?, factors_json = ? WHERE finding_id = ?",
                           in.json, in.a.priority_factors_json, e.id);
        if (!d) return d.error();
      }
      delta.add({artifact_id, in.a.practice, in.kind, in.severity, state, in.a.priority_level, due,
                 in.a.priority_score, in.kev, in.fixable},
                +1);
      ++out.updated;
    }
    // ---- what this scan covered but no longer reports is fixed
    for (auto& [fp, e] : existing) {
      if (e.state == "fixed" || reported.count(fp) || !covered.count(e.kind)) continue;
      auto u = sql::exec(c, "UPDATE findings SET state = 'fixed', fixed_at = ?, last_scan_id = ? WHERE id = ?",
                         scan_time, out.scan_id, e.id);
      if (!u) return u.error();
      if (auto s = write_history(c, e.id, received_at, history_actor, "state", e.state, "fixed", "fixed"); !s)
        return s.error();
      delta.add(e.contribution(), -1);
      StoredFinding after = e;
      after.state = "fixed";
      delta.add(after.contribution(), +1);
      delta.count_fixed(e.practice);
      ++out.fixed;
    }
    if (auto s = delta.apply(c, today); !s) return s.error();
    if (auto s = write_audit(c, received_at, actor, "report.upload", "scan:" + std::to_string(out.scan_id),
                             kind + " " + name + ": " + std::to_string(out.new_findings) + " new, " +
                                 std::to_string(out.reappeared) + " reappeared, " + std::to_string(out.fixed) +
                                 " fixed");
        !s)
      return s.error();
    return out;
  });
}

}  // namespace bulwark::store
