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
  if (c.kind == "vulnerability") {
    if (c.kev) totals_["open_kev"] += sign;
    if (c.fixable) totals_["open_fixable"] += sign;
  }
}

void RollupDelta::count_new(int practice, int64_t n) { new_fixed_[practice].first += n; }
void RollupDelta::count_fixed(int practice, int64_t n) { new_fixed_[practice].second += n; }

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
  for (const auto& [name, n] : totals_) {
    if (n == 0) continue;
    auto r = sql::exec(c,
                       "INSERT INTO overview_totals (name, n) VALUES (?, ?) "
                       "ON CONFLICT (name) DO UPDATE SET n = overview_totals.n + excluded.n",
                       name, n);
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
  std::map<int, SeverityCounts> out;
  if (auto s = sql::query_rows(
          c,
          "SELECT practice, severity, sum(n) FROM overview_counts WHERE state IN ('new', 'triaged', 'in_progress') "
          "GROUP BY practice, severity",
          [&](sql::Stmt& st) { add_severity(out[static_cast<int>(st.integer(0))], st.integer(1), st.integer(2)); });
      !s)
    return s.error();
  return out;
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

// overview_totals counted from the findings (the migration, the rebuild and
// the recount use it).
constexpr const char* kCountTotals =
    "SELECT 'open_kev', count(*) FROM findings WHERE kind = 'vulnerability' AND state IN ('new', 'triaged', "
    "'in_progress') AND kev = 1 UNION ALL SELECT 'open_fixable', count(*) FROM findings WHERE kind = "
    "'vulnerability' AND state IN ('new', 'triaged', 'in_progress') AND fixable = 1";

// The overview's queries: from the rollups, or counted from the findings.
struct OverviewSql {
  const char* cells;      // practice, kind, severity, state, level, n
  const char* overdue;    // practice, severity, n; binds today
  const char* artifacts;  // practice, severity, n
  const char* scans;      // target kind, n, last received
  const char* totals;     // name (open_kev, open_fixable), n
};

const OverviewSql kFromRollups{
    "SELECT practice, kind, severity, state, level, n FROM overview_counts WHERE n <> 0",
    "SELECT practice, severity, sum(n) FROM overview_due WHERE due_date < ? GROUP BY practice, severity",
    "SELECT practice, severity, n FROM overview_artifacts WHERE n > 0",
    "SELECT target_kind, n, last_received_at FROM scan_counts",
    "SELECT name, n FROM overview_totals",
};

const OverviewSql kFromFindings{
    "SELECT practice, kind, severity, state, priority_level, count(*) FROM findings "
    "GROUP BY practice, kind, severity, state, priority_level",
    "SELECT practice, severity, count(*) FROM findings WHERE state IN ('new', 'triaged', 'in_progress') "
    "AND due_date < ? GROUP BY practice, severity",
    "SELECT practice, severity, count(DISTINCT artifact_id) FROM findings WHERE state IN ('new', "
    "'triaged', 'in_progress') GROUP BY practice, severity",
    "SELECT target_kind, count(*), max(received_at) FROM scans GROUP BY target_kind",
    kCountTotals,
};

Result<Overview> read_overview(Store::Impl& impl, std::string_view today, const OverviewSql& q) {
  if (!valid_date(today)) return Error(ErrorCode::kInvalidArgument, "today: not a date");
  return read_tx(impl, [&](sql::Connection& c) -> Result<Overview> {
    Overview o;
    auto by_practice = [](std::map<int, SeverityCounts>& into) {
      return
          [&into](sql::Stmt& st) { add_severity(into[static_cast<int>(st.integer(0))], st.integer(1), st.integer(2)); };
    };
    Status s = sql::query_rows(c, q.cells, [&](sql::Stmt& st) {
      o.cells.push_back({static_cast<int>(st.integer(0)), st.text(1), severity_name(static_cast<int>(st.integer(2))),
                         st.text(3), st.text(4), st.integer(5)});
    });
    if (s) s = sql::query_rows(c, q.overdue, by_practice(o.overdue_by_practice), today);
    if (s) s = sql::query_rows(c, q.artifacts, by_practice(o.artifacts_by_practice));
    if (s)
      s = sql::query_rows(c, "SELECT kind, count(*) FROM artifacts GROUP BY kind",
                          [&](sql::Stmt& st) { o.artifacts_by_kind[st.text(0)] = st.integer(1); });
    if (s)
      s = sql::query_rows(c, q.scans, [&](sql::Stmt& st) {
        o.scans_by_target_kind[st.text(0)] = st.integer(1);
        o.last_scan_at = std::max(o.last_scan_at, st.text(2));
      });
    if (s)
      s = sql::query_rows(c, q.totals, [&](sql::Stmt& st) {
        if (st.text(0) == "open_kev") o.open_kev = st.integer(1);
        else if (st.text(0) == "open_fixable") o.open_fixable = st.integer(1);
      });
    // Few enough rows (one per artifact) to count at every request, and the
    // date moves with `today`, so this one is not a rollup.
    if (s)
      s = sql::query_rows(
          c, "SELECT count(*) FROM artifacts WHERE os_eol <> '' AND os_eol <= ?",
          [&](sql::Stmt& st) { o.eol_artifacts = st.integer(0); }, today);
    if (!s) return s.error();
    return o;
  });
}

}  // namespace

Result<Overview> Store::overview(std::string_view today) { return read_overview(*impl_, today, kFromRollups); }

Result<Overview> Store::overview_recount(std::string_view today) {
  return read_overview(*impl_, today, kFromFindings);
}

// -------------------------------------------------------------- trends --

namespace {

const RowMap<TrendDay> kTrendDayRows{
    {"day", &TrendDay::date},
    {"open_critical, open_high, open_medium, open_low, open_unknown", &TrendDay::open},
    {"new_count", &TrendDay::new_count},
    {"fixed_count", &TrendDay::fixed_count},
};

const RowMap<PracticeDay> kPracticeDayRows{
    {"day", &PracticeDay::date},
    {"practice", &PracticeDay::practice},
    {"open_critical, open_high, open_medium, open_low, open_unknown", &PracticeDay::open},
    {"new_count", &PracticeDay::new_count},
    {"fixed_count", &PracticeDay::fixed_count},
};

Status check_window(int days, std::string_view today) {
  if (days < 1 || days > 3660) return Error(ErrorCode::kInvalidArgument, "days: must be 1..3660");
  if (!valid_date(today)) return Error(ErrorCode::kInvalidArgument, "today: not a date");
  return {};
}

// Every day from `first` to `today`: the stored day, or one without changes
// that carries the open counts of the day before.
template <class Day>
void every_day(const std::string& first, std::string_view today, const std::map<std::string, Day>& stored,
               SeverityCounts carried, Day blank, std::vector<Day>& out) {
  for (std::string day = first; day <= today; day = add_days(day, 1)) {
    Day d = blank;
    if (auto it = stored.find(day); it != stored.end()) {
      d = it->second;
      carried = d.open;
    } else {
      d.date = day;
      d.open = carried;
    }
    out.push_back(d);
  }
}

}  // namespace

Result<std::vector<TrendDay>> Store::trends(int days, std::string_view today) {
  if (auto s = check_window(days, today); !s) return s.error();
  std::string first = add_days(today, -(days - 1));
  return read_tx(*impl_, [&](sql::Connection& c) -> Result<std::vector<TrendDay>> {
    // The last day before the window carries its open counts into it.
    auto before = kTrendDayRows.one(c, "FROM trend_days WHERE day < ? ORDER BY day DESC LIMIT 1", first);
    if (!before) return before.error();
    auto days_stored = kTrendDayRows.all(c, "FROM trend_days WHERE day >= ? AND day <= ?", first, today);
    if (!days_stored) return days_stored.error();
    std::map<std::string, TrendDay> stored;
    for (const auto& d : *days_stored) stored[d.date] = d;
    std::vector<TrendDay> out;
    every_day(first, today, stored, *before ? (*before)->open : SeverityCounts{}, TrendDay{}, out);
    return out;
  });
}

Result<std::vector<PracticeDay>> Store::practice_trends(int days, std::string_view today) {
  if (auto s = check_window(days, today); !s) return s.error();
  std::string first = add_days(today, -(days - 1));
  return read_tx(*impl_, [&](sql::Connection& c) -> Result<std::vector<PracticeDay>> {
    std::map<int, SeverityCounts> carried;
    for (int p = 0; p <= 14; ++p) {
      auto before = kPracticeDayRows.one(
          c, "FROM practice_days WHERE practice = ? AND day < ? ORDER BY day DESC LIMIT 1", p, first);
      if (!before) return before.error();
      if (*before) carried[p] = (*before)->open;
    }
    auto days_stored = kPracticeDayRows.all(c, "FROM practice_days WHERE day >= ? AND day <= ?", first, today);
    if (!days_stored) return days_stored.error();
    std::map<int, std::map<std::string, PracticeDay>> stored;
    for (const auto& d : *days_stored) stored[d.practice][d.date] = d;
    std::vector<PracticeDay> out;
    for (int p = 0; p <= 14; ++p) {
      PracticeDay blank;
      blank.practice = p;
      every_day(first, today, stored[p], carried[p], blank, out);
    }
    return out;
  });
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
        "DELETE FROM overview_totals",
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
    if (auto r = sql::exec(c, std::string("INSERT INTO overview_totals (name, n) ") + kCountTotals); !r)
      return r.error();
    // Per artifact: one pass over the open findings.
    std::map<int64_t, std::pair<std::array<int64_t, 5>, int64_t>> open;
    if (auto s = sql::query_rows(
            c,
            "SELECT artifact_id, severity, count(*), sum(priority_score) FROM findings WHERE state IN ('new', "
            "'triaged', 'in_progress') GROUP BY artifact_id, severity",
            [&](sql::Stmt& st) {
              auto& a = open[st.integer(0)];
              a.first[static_cast<size_t>(std::clamp<int64_t>(st.integer(1), 0, 4))] += st.integer(2);
              a.second += st.integer(3);
            });
        !s)
      return s.error();
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
