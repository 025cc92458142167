// Rollups kept at every write so that the overview and the trends never scan
// the findings table: counts by practice x kind x severity x state x
// priority level, open findings by due date (for overdue counts), artifacts
// with open findings per practice and severity, each artifact's open counts
// and risk, and one row per day (and per day and practice) for the trends.
#include "server/store/internal.hpp"

namespace bulwark::store {

void RollupDelta::add(const Contribution& c, int sign) {
  counts_[{c.practice, c.kind, c.severity, c.state, c.level}] += sign;
  if (!open_state(c.state)) return;
  due_[{c.practice, c.severity, c.due_date}] += sign;
  artifact_practice_[{c.artifact_id, c.practice, c.severity}] += sign;
  auto& open = artifact_open_[c.artifact_id];
  open.first[static_cast<size_t>(std::clamp(c.severity, 0, 4))] += sign;
  open.second += sign * c.score;
}

void RollupDelta::count_new(int practice, int64_t n) { new_fixed_[practice].first += n; }
void RollupDelta::count_fixed(int practice, int64_t n) { new_fixed_[practice].second += n; }

bool RollupDelta::empty() const {
  for (auto& [k, v] : counts_)
    if (v) return false;
  for (auto& [k, v] : new_fixed_)
    if (v.first || v.second) return false;
  return true;
}

Status RollupDelta::apply(sql::Connection& c, std::string_view today) {
  bool removed = false;
  for (const auto& [key, n] : counts_) {
    if (n == 0) continue;
    removed |= n < 0;
    const auto& [practice, kind, severity, state, level] = key;
    auto r = sql::exec(c,
                       "INSERT INTO overview_counts (practice, kind, severity, state, level, n) VALUES (?, ?, ?, ?, ?, ?) "
                       "ON CONFLICT (practice, kind, severity, state, level) DO UPDATE SET n = overview_counts.n + excluded.n",
                       practice, kind, severity, state, level, n);
    if (!r) return r.error();
  }
  for (const auto& [key, n] : due_) {
    if (n == 0) continue;
    removed |= n < 0;
    const auto& [practice, severity, due] = key;
    auto r = sql::exec(c,
                       "INSERT INTO overview_due (practice, severity, due_date, n) VALUES (?, ?, ?, ?) "
                       "ON CONFLICT (practice, severity, due_date) DO UPDATE SET n = overview_due.n + excluded.n",
                       practice, severity, due, n);
    if (!r) return r.error();
  }
  std::map<std::pair<int, int>, int64_t> artifacts;
  for (const auto& [key, n] : artifact_practice_) {
    if (n == 0) continue;
    const auto& [artifact, practice, severity] = key;
    auto now = sql::query_int(c,
                              "INSERT INTO artifact_practice (artifact_id, practice, severity, n) VALUES (?, ?, ?, ?) "
                              "ON CONFLICT (artifact_id, practice, severity) DO UPDATE SET n = artifact_practice.n + "
                              "excluded.n RETURNING n",
                              artifact, practice, severity, n);
    if (!now) return now.error();
    int64_t after = now->value_or(0), before = after - n;
    if ((before > 0) != (after > 0)) artifacts[{practice, severity}] += after > 0 ? 1 : -1;
  }
  for (const auto& [key, n] : artifacts) {
    if (n == 0) continue;
    auto r = sql::exec(c,
                       "INSERT INTO overview_artifacts (practice, severity, n) VALUES (?, ?, ?) "
                       "ON CONFLICT (practice, severity) DO UPDATE SET n = overview_artifacts.n + excluded.n",
                       key.first, key.second, n);
    if (!r) return r.error();
  }
  for (const auto& [artifact, v] : artifact_open_) {
    const auto& [sev, risk] = v;
    if (!sev[0] && !sev[1] && !sev[2] && !sev[3] && !sev[4] && !risk) continue;
    auto r = sql::exec(c,
                       "UPDATE artifacts SET open_unknown = open_unknown + ?, open_low = open_low + ?, "
                       "open_medium = open_medium + ?, open_high = open_high + ?, open_critical = open_critical + ?, "
                       "risk = risk + ? WHERE id = ?",
                       sev[0], sev[1], sev[2], sev[3], sev[4], risk, artifact);
    if (!r) return r.error();
  }
  if (removed) {
    if (auto r = sql::exec(c, "DELETE FROM overview_due WHERE n = 0"); !r) return r.error();
    if (auto r = sql::exec(c, "DELETE FROM artifact_practice WHERE n = 0"); !r) return r.error();
  }
  auto s = snapshot_day(c, today, new_fixed_);
  *this = RollupDelta();
  return s;
}

namespace {

// Open findings by practice and severity, from the rollup.
Result<std::map<int, SeverityCounts>> open_by_practice(sql::Connection& c) {
  auto st = c.prepare(
      "SELECT practice, severity, sum(n) FROM overview_counts WHERE state IN ('new', 'triaged', 'in_progress') "
      "GROUP BY practice, severity");
  if (!st) return st.error();
  std::map<int, SeverityCounts> out;
  for (;;) {
    auto r = (*st)->step();
    if (!r) return r.error();
    if (!*r) break;
    auto& s = out[static_cast<int>((*st)->integer(0))];
    int64_t n = (*st)->integer(2);
    switch ((*st)->integer(1)) {
      case 4: s.critical += n; break;
      case 3: s.high += n; break;
      case 2: s.medium += n; break;
      case 1: s.low += n; break;
      default: s.unknown += n; break;
    }
  }
  return out;
}

void add_counts(SeverityCounts& into, const SeverityCounts& c) {
  into.critical += c.critical;
  into.high += c.high;
  into.medium += c.medium;
  into.low += c.low;
  into.unknown += c.unknown;
}

}  // namespace

Status snapshot_day(sql::Connection& c, std::string_view today,
                    const std::map<int, std::pair<int64_t, int64_t>>& new_fixed) {
  auto open = open_by_practice(c);
  if (!open) return open.error();
  SeverityCounts total;
  int64_t total_new = 0, total_fixed = 0;
  for (auto& [p, counts] : *open) add_counts(total, counts);
  for (auto& [p, nf] : new_fixed) {
    total_new += nf.first;
    total_fixed += nf.second;
  }
  auto r = sql::exec(c,
                     "INSERT INTO trend_days (day, open_critical, open_high, open_medium, open_low, open_unknown, "
                     "new_count, fixed_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day) DO UPDATE SET "
                     "open_critical = excluded.open_critical, open_high = excluded.open_high, open_medium = "
                     "excluded.open_medium, open_low = excluded.open_low, open_unknown = excluded.open_unknown, "
                     "new_count = trend_days.new_count + excluded.new_count, fixed_count = trend_days.fixed_count + "
                     "excluded.fixed_count",
                     today, total.critical, total.high, total.medium, total.low, total.unknown, total_new, total_fixed);
  if (!r) return r.error();
  for (int p = 0; p <= 14; ++p) {
    SeverityCounts s;
    if (auto it = open->find(p); it != open->end()) s = it->second;
    int64_t n = 0, f = 0;
    if (auto it = new_fixed.find(p); it != new_fixed.end()) {
      n = it->second.first;
      f = it->second.second;
    }
    auto u = sql::exec(c,
                       "INSERT INTO practice_days (day, practice, open_critical, open_high, open_medium, open_low, "
                       "open_unknown, new_count, fixed_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (day, "
                       "practice) DO UPDATE SET open_critical = excluded.open_critical, open_high = excluded.open_high, "
                       "open_medium = excluded.open_medium, open_low = excluded.open_low, open_unknown = "
                       "excluded.open_unknown, new_count = practice_days.new_count + excluded.new_count, fixed_count = "
                       "practice_days.fixed_count + excluded.fixed_count",
                       today, p, s.critical, s.high, s.medium, s.low, s.unknown, n, f);
    if (!u) return u.error();
  }
  return {};
}

// ------------------------------------------------------------ overview --

namespace {

void add_severity(SeverityCounts& s, int64_t severity, int64_t n) {
  switch (severity) {
    case 4: s.critical += n; break;
    case 3: s.high += n; break;
    case 2: s.medium += n; break;
    case 1: s.low += n; break;
    default: s.unknown += n; break;
  }
}

template <class F>
Status each_row(sql::Connection& c, std::string_view sql_text, F&& f, std::string_view param = {}) {
  auto st = c.prepare(sql_text);
  if (!st) return st.error();
  if (!param.empty()) (*st)->bind(1, param);
  for (;;) {
    auto r = (*st)->step();
    if (!r) return r.error();
    if (!*r) break;
    f(**st);
  }
  return {};
}

Status common_overview(sql::Connection& c, Overview& o) {
  if (auto s = each_row(c, "SELECT kind, count(*) FROM artifacts GROUP BY kind",
                        [&](sql::Stmt& st) { o.artifacts_by_kind[st.text(0)] = st.integer(1); });
      !s)
    return s;
  return {};
}

}  // namespace

Result<Overview> Store::overview(std::string_view today) {
  if (!valid_date(today)) return Error(ErrorCode::kInvalidArgument, "today: not a date");
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  sql::Connection& c = **lease;
  sql::Transaction tx(c);  // one consistent view
  if (auto s = tx.begin_read(); !s) return s.error();
  Overview o;
  if (auto s = each_row(c, "SELECT practice, kind, severity, state, level, n FROM overview_counts WHERE n <> 0",
                        [&](sql::Stmt& st) {
                          o.cells.push_back({static_cast<int>(st.integer(0)), st.text(1),
                                             severity_name(static_cast<int>(st.integer(2))), st.text(3), st.text(4),
                                             st.integer(5)});
                        });
      !s)
    return s.error();
  if (auto s = each_row(
          c, "SELECT practice, severity, sum(n) FROM overview_due WHERE due_date < ? GROUP BY practice, severity",
          [&](sql::Stmt& st) {
            add_severity(o.overdue_by_practice[static_cast<int>(st.integer(0))], st.integer(1), st.integer(2));
          },
          today);
      !s)
    return s.error();
  if (auto s = each_row(c, "SELECT practice, severity, n FROM overview_artifacts WHERE n > 0",
                        [&](sql::Stmt& st) {
                          add_severity(o.artifacts_by_practice[static_cast<int>(st.integer(0))], st.integer(1),
                                       st.integer(2));
                        });
      !s)
    return s.error();
  if (auto s = common_overview(c, o); !s) return s.error();
  if (auto s = each_row(c, "SELECT target_kind, n, last_received_at FROM scan_counts",
                        [&](sql::Stmt& st) {
                          o.scans_by_target_kind[st.text(0)] = st.integer(1);
                          o.last_scan_at = std::max(o.last_scan_at, st.text(2));
                        });
      !s)
    return s.error();
  return o;
}

Result<Overview> Store::overview_recount(std::string_view today) {
  if (!valid_date(today)) return Error(ErrorCode::kInvalidArgument, "today: not a date");
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  sql::Connection& c = **lease;
  sql::Transaction tx(c);
  if (auto s = tx.begin_read(); !s) return s.error();
  Overview o;
  if (auto s = each_row(c,
                        "SELECT practice, kind, severity, state, priority_level, count(*) FROM findings "
                        "GROUP BY practice, kind, severity, state, priority_level",
                        [&](sql::Stmt& st) {
                          o.cells.push_back({static_cast<int>(st.integer(0)), st.text(1),
                                             severity_name(static_cast<int>(st.integer(2))), st.text(3), st.text(4),
                                             st.integer(5)});
                        });
      !s)
    return s.error();
  if (auto s = each_row(
          c,
          "SELECT practice, severity, count(*) FROM findings WHERE state IN ('new', 'triaged', 'in_progress') "
          "AND due_date < ? GROUP BY practice, severity",
          [&](sql::Stmt& st) {
            add_severity(o.overdue_by_practice[static_cast<int>(st.integer(0))], st.integer(1), st.integer(2));
          },
          today);
      !s)
    return s.error();
  if (auto s = each_row(c,
                        "SELECT practice, severity, count(DISTINCT artifact_id) FROM findings WHERE state IN ('new', "
                        "'triaged', 'in_progress') GROUP BY practice, severity",
                        [&](sql::Stmt& st) {
                          add_severity(o.artifacts_by_practice[static_cast<int>(st.integer(0))], st.integer(1),
                                       st.integer(2));
                        });
      !s)
    return s.error();
  if (auto s = common_overview(c, o); !s) return s.error();
  if (auto s = each_row(c, "SELECT target_kind, count(*), max(received_at) FROM scans GROUP BY target_kind",
                        [&](sql::Stmt& st) {
                          o.scans_by_target_kind[st.text(0)] = st.integer(1);
                          o.last_scan_at = std::max(o.last_scan_at, st.text(2));
                        });
      !s)
    return s.error();
  return o;
}

// -------------------------------------------------------------- trends --

namespace {

SeverityCounts read_open(sql::Stmt& st, int first) {
  SeverityCounts s;
  s.critical = st.integer(first);
  s.high = st.integer(first + 1);
  s.medium = st.integer(first + 2);
  s.low = st.integer(first + 3);
  s.unknown = st.integer(first + 4);
  return s;
}

}  // namespace

Result<std::vector<TrendDay>> Store::trends(int days, std::string_view today) {
  if (days < 1 || days > 3660) return Error(ErrorCode::kInvalidArgument, "days: must be 1..3660");
  if (!valid_date(today)) return Error(ErrorCode::kInvalidArgument, "today: not a date");
  std::string first = add_days(today, -(days - 1));
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  sql::Connection& c = **lease;
  sql::Transaction tx(c);
  if (auto s = tx.begin_read(); !s) return s.error();
  // The last day before the window carries its open counts into it.
  SeverityCounts carried;
  if (auto s = each_row(
          c,
          "SELECT open_critical, open_high, open_medium, open_low, open_unknown FROM trend_days WHERE day < ? "
          "ORDER BY day DESC LIMIT 1",
          [&](sql::Stmt& st) { carried = read_open(st, 0); }, first);
      !s)
    return s.error();
  std::map<std::string, TrendDay> stored;
  {
    auto st = c.prepare(
        "SELECT day, open_critical, open_high, open_medium, open_low, open_unknown, new_count, fixed_count "
        "FROM trend_days WHERE day >= ? AND day <= ? ORDER BY day");
    if (!st) return st.error();
    (*st)->bind_all(first, today);
    for (;;) {
      auto r = (*st)->step();
      if (!r) return r.error();
      if (!*r) break;
      TrendDay d;
      d.date = (*st)->text(0);
      d.open = read_open(**st, 1);
      d.new_count = (*st)->integer(6);
      d.fixed_count = (*st)->integer(7);
      stored[d.date] = d;
    }
  }
  std::vector<TrendDay> out;
  for (std::string day = first; day <= today; day = add_days(day, 1)) {
    TrendDay d;
    d.date = day;
    if (auto it = stored.find(day); it != stored.end()) {
      d = it->second;
      carried = d.open;
    } else {
      d.open = carried;
    }
    out.push_back(d);
  }
  return out;
}

Result<std::vector<PracticeDay>> Store::practice_trends(int days, std::string_view today) {
  if (days < 1 || days > 3660) return Error(ErrorCode::kInvalidArgument, "days: must be 1..3660");
  if (!valid_date(today)) return Error(ErrorCode::kInvalidArgument, "today: not a date");
  std::string first = add_days(today, -(days - 1));
  auto lease = impl_->lease();
  if (!lease) return lease.error();
  sql::Connection& c = **lease;
  sql::Transaction tx(c);
  if (auto s = tx.begin_read(); !s) return s.error();
  std::map<int, SeverityCounts> carried;
  for (int p = 0; p <= 14; ++p) {
    auto st = c.prepare(
        "SELECT open_critical, open_high, open_medium, open_low, open_unknown FROM practice_days "
        "WHERE practice = ? AND day < ? ORDER BY day DESC LIMIT 1");
    if (!st) return st.error();
    (*st)->bind_all(p, first);
    auto r = (*st)->step();
    if (!r) return r.error();
    if (*r) carried[p] = read_open(**st, 0);
  }
  std::map<std::pair<std::string, int>, PracticeDay> stored;
  {
    auto st = c.prepare(
        "SELECT day, practice, open_critical, open_high, open_medium, open_low, open_unknown, new_count, fixed_count "
        "FROM practice_days WHERE day >= ? AND day <= ?");
    if (!st) return st.error();
    (*st)->bind_all(first, today);
    for (;;) {
      auto r = (*st)->step();
      if (!r) return r.error();
      if (!*r) break;
      PracticeDay d;
      d.date = (*st)->text(0);
      d.practice = static_cast<int>((*st)->integer(1));
      d.open = read_open(**st, 2);
      d.new_count = (*st)->integer(7);
      d.fixed_count = (*st)->integer(8);
      stored[{d.date, d.practice}] = d;
    }
  }
  std::vector<PracticeDay> out;
  for (int p = 0; p <= 14; ++p) {
    SeverityCounts c_open = carried[p];
    for (std::string day = first; day <= today; day = add_days(day, 1)) {
      PracticeDay d;
      if (auto it = stored.find({day, p}); it != stored.end()) {
        d = it->second;
        c_open = d.open;
      } else {
        d.date = day;
        d.practice = p;
        d.open = c_open;
      }
      out.push_back(d);
    }
  }
  return out;
}

// ------------------------------------------------------------- rebuild --

Status Store::rebuild_rollups() {
  std::string today = impl_->today();
  return write_tx(*impl_, [&](sql::Connection& c) -> Status {
    const char* steps[] = {
        "DELETE FROM overview_counts",
        "DELETE FROM overview_due",
        "DELETE FROM artifact_practice",
        "DELETE FROM overview_artifacts",
        "DELETE FROM scan_counts",
        "INSERT INTO overview_counts (practice, kind, severity, state, level, n) SELECT practice, kind, severity, "
        "state, priority_level, count(*) FROM findings GROUP BY practice, kind, severity, state, priority_level",
        "INSERT INTO overview_due (practice, severity, due_date, n) SELECT practice, severity, due_date, count(*) "
        "FROM findings WHERE state IN ('new', 'triaged', 'in_progress') GROUP BY practice, severity, due_date",
        "INSERT INTO artifact_practice (artifact_id, practice, severity, n) SELECT artifact_id, practice, severity, "
        "count(*) FROM findings WHERE state IN ('new', 'triaged', 'in_progress') GROUP BY artifact_id, practice, "
        "severity",
        "INSERT INTO overview_artifacts (practice, severity, n) SELECT practice, severity, count(*) FROM "
        "artifact_practice GROUP BY practice, severity",
        "INSERT INTO scan_counts (target_kind, n, last_received_at) SELECT target_kind, count(*), max(received_at) "
        "FROM scans GROUP BY target_kind",
        "UPDATE artifacts SET open_critical = 0, open_high = 0, open_medium = 0, open_low = 0, open_unknown = 0, "
        "risk = 0",
    };
    for (const char* s : steps)
      if (auto r = sql::exec(c, s); !r) return r.error();
    // Per artifact: one pass over the open findings.
    std::map<int64_t, std::pair<std::array<int64_t, 5>, int64_t>> open;
    {
      auto st = c.prepare(
          "SELECT artifact_id, severity, count(*), sum(priority_score) FROM findings WHERE state IN ('new', "
          "'triaged', 'in_progress') GROUP BY artifact_id, severity");
      if (!st) return st.error();
      for (;;) {
        auto r = (*st)->step();
        if (!r) return r.error();
        if (!*r) break;
        auto& a = open[(*st)->integer(0)];
        a.first[static_cast<size_t>(std::clamp<int64_t>((*st)->integer(1), 0, 4))] += (*st)->integer(2);
        a.second += (*st)->integer(3);
      }
    }
    for (const auto& [id, v] : open) {
      auto r = sql::exec(c,
                         "UPDATE artifacts SET open_unknown = ?, open_low = ?, open_medium = ?, open_high = ?, "
                         "open_critical = ?, risk = ? WHERE id = ?",
                         v.first[0], v.first[1], v.first[2], v.first[3], v.first[4], v.second, id);
      if (!r) return r.error();
    }
    return snapshot_day(c, today, {});
  });
}

}  // namespace bulwark::store
