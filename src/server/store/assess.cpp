// Re-assessment of stored findings: when an artifact's exposure changes
// (set_internet_facing) and once a day for the factors that move with the
// date, such as a finding's age (reassess_open). Ingest assesses what a scan
// reports (ingest.cpp).
#include <algorithm>
#include <set>

#include "core/json.hpp"
#include "server/store/internal.hpp"

namespace bulwark::store {

namespace {

// An artifact's latest target as stored; an unreadable one assesses as an
// empty target.
Target stored_target(const std::string& target_json) {
  Target target;
  if (auto tj = parse_json(target_json, "artifact target"); tj && tj->is_object()) {
    try {
      target = tj->get<Target>();
    } catch (const std::exception&) {
    }
  }
  return target;
}

// A stored finding assessed again: the finding with its new priority,
// practice and due date, and the factors. Nullopt when its stored JSON is
// unreadable (it keeps its previous assessment).
struct Reassessed {
  StoredFinding after;
  std::string factors_json;
};
std::optional<Reassessed> reassess(const Store::Impl& impl, const StoredFinding& row, const Target& target,
                                   bool internet_facing, std::string_view today,
                                   const std::map<std::string, int>& sla) {
  Finding f;
  if (auto fj = parse_json(row.finding_json, "stored finding"); fj) {
    try {
      f = fj->get<Finding>();
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  Assessment a = impl.assess(f, target, internet_facing, today);
  Reassessed out{row, std::move(a.priority_factors_json)};
  out.after.practice = a.practice;
  out.after.level = a.priority_level;
  out.after.score = a.priority_score;
  if (!row.due_manual) out.after.due_date = due_for(row.sla_from, a.priority_level, sla);
  return out;
}

std::string placeholders(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += i ? ", ?" : "?";
  return s;
}

}  // namespace

// ------------------------------------------------------------ exposure --

Status Store::set_internet_facing(int64_t artifact_id, bool internet_facing, const Actor& actor) {
  Impl& impl = *impl_;
  const std::string now = impl.now();
  const std::string today = impl.today();
  return write_tx(impl, [&](sql::Connection& c) -> Status {
    std::string target_json;
    bool before = false;
    auto found = sql::query_row(
        c, "SELECT internet_facing, target_json FROM artifacts WHERE id = ?",
        [&](sql::Stmt& st) {
          before = st.integer(0) != 0;
          target_json = st.text(1);
        },
        artifact_id);
    if (!found) return found.error();
    if (!*found) return Error(ErrorCode::kNotFound, "artifact " + std::to_string(artifact_id) + " does not exist");
    if (before == internet_facing) return {};
    if (auto r = sql::exec(c, "UPDATE artifacts SET internet_facing = ? WHERE id = ?", internet_facing, artifact_id);
        !r)
      return r.error();
    const Target target = stored_target(target_json);
    auto sla = read_sla(c);
    if (!sla) return sla.error();
    std::vector<StoredFinding> rows;
    if (auto s = each_stored_finding(
            c, "f.artifact_id = ? AND f.state <> 'fixed'", [&](StoredFinding&& row) { rows.push_back(std::move(row)); },
            artifact_id);
        !s)
      return s;
    RollupDelta delta;
    for (const StoredFinding& row : rows) {
      auto r = reassess(impl, row, target, internet_facing, today, *sla);
      if (!r) continue;
      const StoredFinding& after = r->after;
      auto u = sql::exec(c,
                         "UPDATE findings SET exposed = ?, priority_score = ?, priority_level = ?, practice = ?, "
                         "due_date = ?, assessed_on = ? WHERE id = ?",
                         internet_facing, after.score, after.level, after.practice, after.due_date, today, row.id);
      if (!u) return u.error();
      auto d =
          sql::exec(c, "UPDATE finding_details SET factors_json = ? WHERE finding_id = ?", r->factors_json, row.id);
      if (!d) return d.error();
      delta.add(row.contribution(), -1);
      delta.add(after.contribution(), +1);
    }
    // Fixed findings carry the flag too (the filter reads it).
    if (auto r = sql::exec(c, "UPDATE findings SET exposed = ? WHERE artifact_id = ? AND state = 'fixed'",
                           internet_facing, artifact_id);
        !r)
      return r.error();
    if (auto s = delta.apply(c, today); !s) return s;
    return write_audit(c, now, actor, "artifact.update", "artifact:" + std::to_string(artifact_id),
                       std::string("internet_facing: ") + (before ? "true" : "false") + " -> " +
                           (internet_facing ? "true" : "false"));
  });
}

// ------------------------------------------------------------ the date --

namespace {

// Open, walked in id order: on SQLite the unary plus keeps the planner (no
// statistics) off the state index, which would sort every open finding for
// each batch instead of walking the primary key from the cursor.
std::string open_in_id_order(sql::Connection& c) {
  return std::string(c.dialect() == sql::Dialect::kSqlite ? "+" : "") + "f.state IN ('new', 'triaged', 'in_progress')";
}

// One transaction re-assesses at most this many findings, holding at most
// this many bytes of their stored JSON: writers wait for a batch at most,
// and memory stays bounded whatever the store holds.
constexpr int64_t kBatchRows = 500;
constexpr int64_t kBatchBytes = 16 << 20;

struct BatchResult {
  int64_t examined = 0;
  int64_t last_id = 0;  // 0: nothing left after the cursor
  int64_t changed = 0;
};

// One batch: the next open findings after `after_id` assessed before
// `today`, in id order.
Result<BatchResult> reassess_batch(Store::Impl& impl, sql::Connection& c, int64_t after_id, int64_t max_rows,
                                   const std::string& today, RollupDelta& delta) {
  BatchResult out;
  // Pick the batch (ids, their artifacts, the size of their JSON).
  std::vector<int64_t> ids;
  std::set<int64_t> artifacts;
  {
    int64_t bytes = 0;
    auto s = sql::query_rows(
        c,
        std::string("SELECT f.id, f.artifact_id, length(d.finding_json) FROM findings f JOIN finding_details d ON "
                    "d.finding_id = f.id WHERE f.id > ? AND ") +
            open_in_id_order(c) + " AND f.assessed_on < ? ORDER BY f.id LIMIT ?",
        [&](sql::Stmt& st) {
          if (!ids.empty() && bytes >= kBatchBytes) return;
          ids.push_back(st.integer(0));
          artifacts.insert(st.integer(1));
          bytes += st.integer(2);
        },
        after_id, today, max_rows);
    if (!s) return s.error();
  }
  if (ids.empty()) return out;
  out.last_id = ids.back();
  // The artifacts' targets and exposure. On PostgreSQL their rows are locked
  // first, as ingest and set_internet_facing lock them, so that neither
  // rewrites these findings between the read below and the writes.
  std::map<int64_t, std::pair<Target, bool>> targets;
  {
    std::string sql_text = "SELECT id, target_json, internet_facing FROM artifacts WHERE id IN (" +
                           placeholders(artifacts.size()) + ") ORDER BY id";
    if (c.dialect() == sql::Dialect::kPostgres) sql_text += " FOR UPDATE";
    auto st = c.prepare(sql_text);
    if (!st) return st.error();
    int i = 1;
    for (int64_t a : artifacts) (*st)->bind(i++, a);
    if (auto s = sql::each_row(**st, [&](sql::Stmt& row) {
          targets[row.integer(0)] = {stored_target(row.text(1)), row.integer(2) != 0};
        });
        !s)
      return s.error();
  }
  auto sla = read_sla(c);
  if (!sla) return sla.error();
  // Read again after the lock: what changed meanwhile is left as it is now.
  std::vector<StoredFinding> rows;
  if (auto s = each_stored_finding(
          c, "f.id >= ? AND f.id <= ? AND " + open_in_id_order(c) + " AND f.assessed_on < ? ORDER BY f.id",
          [&](StoredFinding&& row) {
            if (targets.count(row.artifact_id)) rows.push_back(std::move(row));
          },
          ids.front(), ids.back(), today);
      !s)
    return s.error();
  for (const StoredFinding& row : rows) {
    ++out.examined;
    const auto& [target, internet_facing] = targets[row.artifact_id];
    auto r = reassess(impl, row, target, internet_facing, today, *sla);
    const bool same = !r || (r->after.score == row.score && r->after.level == row.level &&
                             r->after.practice == row.practice && r->after.due_date == row.due_date);
    if (same) {
      // Unchanged (the factors' texts, "N days ago", stay as last written).
      auto u = sql::exec(c, "UPDATE findings SET assessed_on = ? WHERE id = ?", today, row.id);
      if (!u) return u.error();
      continue;
    }
    // Only if the row is still as read: a triage committed since (it does
    // not lock the artifact) wins, and this finding waits for the next pass.
    const StoredFinding& after = r->after;
    auto u = sql::exec(c,
                       "UPDATE findings SET priority_score = ?, priority_level = ?, practice = ?, due_date = ?, "
                       "assessed_on = ? WHERE id = ? AND state = ? AND priority_score = ? AND priority_level = ? AND "
                       "practice = ? AND due_date = ?",
                       after.score, after.level, after.practice, after.due_date, today, row.id, row.state, row.score,
                       row.level, row.practice, row.due_date);
    if (!u) return u.error();
    if (*u == 0) continue;
    auto d = sql::exec(c, "UPDATE finding_details SET factors_json = ? WHERE finding_id = ?", r->factors_json, row.id);
    if (!d) return d.error();
    delta.add(row.contribution(), -1);
    delta.add(after.contribution(), +1);
    ++out.changed;
  }
  return out;
}

}  // namespace

Result<int> Store::reassess_open(std::string_view today_in, int max_findings) {
  if (!valid_date(today_in)) return Error(ErrorCode::kInvalidArgument, "today: not a YYYY-MM-DD date");
  if (max_findings < 0) return Error(ErrorCode::kInvalidArgument, "max_findings: must be >= 0");
  Impl& impl = *impl_;
  const std::string today(today_in);
  // One pass at a time in this process; the cursor lets a pass given a
  // limit continue where the previous call stopped.
  std::lock_guard pass(impl.reassess_mu);
  if (impl.reassess_day != today) {
    impl.reassess_day = today;
    impl.reassess_after = 0;
  }
  int64_t examined = 0, changed = 0;
  for (;;) {
    int64_t room = kBatchRows;
    if (max_findings > 0) room = std::min<int64_t>(room, max_findings - examined);
    if (room <= 0) break;
    auto batch = write_tx(impl, [&](sql::Connection& c) -> Result<BatchResult> {
      RollupDelta delta;
      auto b = reassess_batch(impl, c, impl.reassess_after, room, today, delta);
      if (!b) return b.error();
      if (auto s = delta.apply(c, impl.today()); !s) return s.error();
      return b;
    });
    if (!batch) return batch.error();
    if (batch->last_id == 0) {
      impl.reassess_after = 0;  // the pass is complete
      break;
    }
    impl.reassess_after = batch->last_id;
    examined += batch->examined;
    changed += batch->changed;
  }
  if (changed > 0) {
    auto lease = impl.lease();
    if (!lease) return lease.error();
    if (auto s = write_audit(**lease, impl.now(), Actor{"system", ""}, "findings.reassess", today,
                             std::to_string(changed) + " of " + std::to_string(examined) +
                                 " open findings changed priority, practice or due date");
        !s)
      return s.error();
  }
  return static_cast<int>(std::min<int64_t>(examined, INT32_MAX));
}

}  // namespace bulwark::store
