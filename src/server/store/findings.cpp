// Finding queries (filters, sorts, keyset pagination) and triage (state,
// assignee, due date, exceptions, false positives, comments, tickets), each
// change written to the finding's history and the audit log.
#include <algorithm>
#include <cmath>
#include <set>

#include "server/store/internal.hpp"

namespace bulwark::store {

namespace {

const RowMap<FindingRow> kFindingRows{
    {"f.id", &FindingRow::id},
    {"f.artifact_id", &FindingRow::artifact_id},
    {"a.name", &FindingRow::artifact_name},
    {"a.kind", &FindingRow::artifact_kind},
    {"f.fingerprint", &FindingRow::fingerprint},
    {"f.kind", &FindingRow::kind},
    {"r.rule_id", &FindingRow::rule_id},
    {"r.title", &FindingRow::title},
    {"f.severity",
     +[](sql::Stmt& st, int i, FindingRow& f) { f.severity = severity_name(static_cast<int>(st.integer(i))); }},
    {"f.package_name", &FindingRow::package_name},
    {"f.package_version", &FindingRow::package_version},
    {"f.fixed_versions", &FindingRow::fixed_versions},
    {"f.location", &FindingRow::location},
    {"f.layer", &FindingRow::layer},
    {"f.state", &FindingRow::state},
    {"f.assignee", &FindingRow::assignee},
    {"f.due_date", &FindingRow::due_date},
    {"f.priority_score", &FindingRow::priority_score},
    {"f.priority_level", &FindingRow::priority_level},
    {"f.epss",
     +[](sql::Stmt& st, int i, FindingRow& f) {
       if (double epss = st.real(i); epss >= 0) f.epss = epss;  // -1: none
     }},
    {"f.kev", &FindingRow::kev},
    {"f.fixable", &FindingRow::fixable},
    {"f.exposed", &FindingRow::internet_facing},
    {"f.practice", &FindingRow::practice},
    {"f.first_seen", &FindingRow::first_seen},
    {"f.last_seen", &FindingRow::last_seen},
    {"f.fixed_at", &FindingRow::fixed_at},
    {"f.exception_reason, f.exception_until, f.exception_until_fix",
     +[](sql::Stmt& st, int i, FindingRow& f) {
       FindingException e{st.text(i), st.text(i + 1), st.integer(i + 2) != 0};
       if (!e.reason.empty() || !e.until.empty() || e.until_fix) f.exception = e;
     }},
    {"f.justification", &FindingRow::justification},
    {"f.ticket", &FindingRow::ticket},
};

// A bound value of a dynamically assembled statement.
struct Arg {
  enum { kInt, kReal, kText } type = kText;
  int64_t i = 0;
  double d = 0;
  std::string s;
  static Arg of(int64_t v) { return {kInt, v, 0, {}}; }
  static Arg of(double v) { return {kReal, 0, v, {}}; }
  static Arg of(std::string v) { return {kText, 0, 0, std::move(v)}; }
};

void bind_args(sql::Stmt& st, const std::vector<Arg>& args, int first = 1) {
  int i = first;
  for (const Arg& a : args) {
    switch (a.type) {
      case Arg::kInt: st.bind(i++, a.i); break;
      case Arg::kReal: st.bind(i++, a.d); break;
      case Arg::kText: st.bind(i++, std::string_view(a.s)); break;
    }
  }
}

std::string placeholders(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += i ? ", ?" : "?";
  return s;
}

struct SortKey {
  const char* name;
  const char* column;
  bool numeric_int;
  bool numeric_real;
  bool default_desc;
};

const SortKey kSorts[] = {
    {"priority", "f.priority_score", true, false, true}, {"severity", "f.severity", true, false, true},
    {"first_seen", "f.first_seen", false, false, true},  {"last_seen", "f.last_seen", false, false, true},
    {"epss", "f.epss", false, true, true},               {"due_date", "f.due_date", false, false, false},
};

Status bad(std::string_view param, std::string_view what) {
  return Error(ErrorCode::kInvalidArgument, std::string(param) + ": " + std::string(what));
}

}  // namespace

Result<Page<FindingRow>> Store::list_findings(const FindingQuery& q) {
  // ---- checks
  if (auto s = check_limit(q.limit); !s) return s.error();
  for (const auto& k : q.kinds)
    if (!known_kind(k)) return bad("kind", "unknown value '" + k.substr(0, 40) + "'").error();
  std::vector<int64_t> severities;
  for (const auto& s : q.severities) {
    auto v = severity_value(s);
    if (!v) return bad("severity", "unknown value '" + s.substr(0, 40) + "'").error();
    severities.push_back(*v);
  }
  for (const auto& s : q.states)
    if (!known_state(s)) return bad("state", "unknown value '" + s.substr(0, 40) + "'").error();
  for (const auto& p : q.priorities)
    if (!known_level(p)) return bad("priority", "unknown value '" + p.substr(0, 40) + "'").error();
  if (q.q.size() > 256) return bad("q", "longer than 256 bytes").error();
  if (q.package.size() > 1024) return bad("package", "longer than 1024 bytes").error();
  if (q.assignee.size() > 128) return bad("assignee", "longer than 128 bytes").error();
  const SortKey* sort = nullptr;
  for (const auto& k : kSorts)
    if (q.sort == k.name) sort = &k;
  if (!sort) return bad("sort", "unknown value '" + q.sort.substr(0, 40) + "'").error();
  bool desc = sort->default_desc;
  if (q.order == "asc") desc = false;
  else if (q.order == "desc") desc = true;
  else if (!q.order.empty()) return bad("order", "must be asc or desc").error();

  // ---- filters (values bound, never spliced). Each filter is a group; the
  // "{+}" before a column becomes "+" on SQLite when that group must not
  // drive the plan (a unary plus hides the column from SQLite's index
  // choice), see choose_driver below.
  struct Filter {
    std::string group;
    std::string sql;
    std::vector<Arg> args;
  };
  std::vector<Filter> filters;
  std::vector<std::string> states = q.states;
  if (states.empty())
    for (const char* s : kStates)
      if (std::string_view(s) != "fixed") states.push_back(s);
  std::sort(states.begin(), states.end());
  states.erase(std::unique(states.begin(), states.end()), states.end());
  {
    Filter dims{"dims", "1 = 1", {}};
    if (!q.kinds.empty()) {
      dims.sql += " AND {+}f.kind IN (" + placeholders(q.kinds.size()) + ")";
      for (const auto& k : q.kinds) dims.args.push_back(Arg::of(k));
    }
    if (!severities.empty()) {
      dims.sql += " AND {+}f.severity IN (" + placeholders(severities.size()) + ")";
      for (auto v : severities) dims.args.push_back(Arg::of(v));
    }
    if (states.size() < std::size(kStates)) {
      dims.sql += " AND {+}f.state IN (" + placeholders(states.size()) + ")";
      for (const auto& v : states) dims.args.push_back(Arg::of(v));
    }
    if (!q.priorities.empty()) {
      dims.sql += " AND {+}f.priority_level IN (" + placeholders(q.priorities.size()) + ")";
      for (const auto& v : q.priorities) dims.args.push_back(Arg::of(v));
    }
    filters.push_back(std::move(dims));
  }
  if (q.artifact_id) filters.push_back({"artifact", "{+}f.artifact_id = ?", {Arg::of(*q.artifact_id)}});
  if (!q.q.empty())
    filters.push_back({"q",
                       "({+}f.rule_ref IN (SELECT id FROM rules WHERE search LIKE ? ESCAPE '\\') OR {+}f.package_name IN "
                       "(SELECT name FROM package_names WHERE search LIKE ? ESCAPE '\\'))",
                       {Arg::of(like_contains(q.q)), Arg::of(like_contains(q.q))}});
  if (!q.package.empty()) filters.push_back({"package", "{+}f.package_name = ?", {Arg::of(q.package)}});
  if (!q.assignee.empty()) filters.push_back({"assignee", "{+}f.assignee = ?", {Arg::of(q.assignee)}});
  if (q.kev) filters.push_back({"kev", "{+}f.kev = 1", {}});
  if (q.fixable) filters.push_back({"fixable", "{+}f.fixable = 1", {}});
  if (q.internet_facing) filters.push_back({"exposed", "{+}f.exposed = 1", {}});
  const bool rollup_only = filters.size() == 1;
  const bool sqlite = impl_->backend == Backend::kSqlite;
  // WHERE text and arguments with the given groups allowed to use indexes
  // ("*": all of them).
  auto build = [&](const std::set<std::string>& indexable, std::vector<Arg>& args) {
    std::string where;
    for (const auto& f : filters) {
      std::string text = f.sql;
      const bool plus = sqlite && !indexable.count("*") && !indexable.count(f.group);
      for (size_t pos = text.find("{+}"); pos != std::string::npos; pos = text.find("{+}", pos))
        text.replace(pos, 3, plus ? "+" : "");
      where += where.empty() ? text : " AND " + text;
      args.insert(args.end(), f.args.begin(), f.args.end());
    }
    return where;
  };

  // Page and total from one view.
  return read_tx(*impl_, [&](sql::Connection& c) -> Result<Page<FindingRow>> {
    // ---- total over the rollup's own dimensions (exact for them)
    int64_t rollup_total = 0;
    {
      std::string rollup_where = "state IN (" + placeholders(states.size()) + ")";
      std::vector<Arg> rollup_args;
      for (const auto& v : states) rollup_args.push_back(Arg::of(v));
      if (!q.kinds.empty()) {
        rollup_where += " AND kind IN (" + placeholders(q.kinds.size()) + ")";
        for (const auto& k : q.kinds) rollup_args.push_back(Arg::of(k));
      }
      if (!severities.empty()) {
        rollup_where += " AND severity IN (" + placeholders(severities.size()) + ")";
        for (auto v : severities) rollup_args.push_back(Arg::of(v));
      }
      if (!q.priorities.empty()) {
        rollup_where += " AND level IN (" + placeholders(q.priorities.size()) + ")";
        for (const auto& p : q.priorities) rollup_args.push_back(Arg::of(p));
      }
      auto st = c.prepare("SELECT sum(n) FROM overview_counts WHERE " + rollup_where);
      if (!st) return st.error();
      bind_args(**st, rollup_args);
      auto r = (*st)->step();
      if (!r) return r.error();
      if (*r && !(*st)->is_null(0)) rollup_total = (*st)->integer(0);
    }

    // ---- the plan (SQLite; PostgreSQL's planner decides from its statistics).
    // A filter that selects few rows drives the query through its index and
    // the page is sorted; otherwise the sort key's index is walked in order and
    // the filters are checked row by row, stopping after one page. Which
    // filter selects few rows is probed with a bounded count on its index.
    constexpr int64_t kSelective = 20000;
    std::set<std::string> driver;
    // The count walks the index of the most selective probed filter even when
    // it selects many rows: its entries all match that filter, so only the
    // others are checked, and it stops after 10,001.
    std::set<std::string> count_driver;
    if (sqlite) {
      if (q.artifact_id) {
        driver = {"artifact"};
      } else {
        int64_t best = kSelective + 1, best_count = INT64_MAX;
        for (const auto& f : filters) {
          if (f.group != "q" && f.group != "package" && f.group != "assignee" && f.group != "kev") continue;
          std::string probe = f.sql;
          for (size_t pos = probe.find("{+}"); pos != std::string::npos; pos = probe.find("{+}", pos))
            probe.replace(pos, 3, "");
          auto st = c.prepare("SELECT count(*) FROM (SELECT 1 FROM findings f WHERE " + probe + " LIMIT ?) AS t");
          if (!st) return st.error();
          bind_args(**st, f.args);
          (*st)->bind(static_cast<int>(f.args.size()) + 1, kSelective + 1);
          auto r = (*st)->step();
          if (!r) return r.error();
          int64_t n = (*st)->integer(0);
          if (n < best) best = n, driver = {f.group};
          if (count_driver.empty() || n < best_count) best_count = n, count_driver = {f.group};
        }
        if (driver.empty() && rollup_total <= kSelective) driver = {"dims"};
        if (driver.empty() && q.kev && q.sort == "priority")
          driver = {"kev"};  // its partial index is in priority order
      }
    } else {
      driver = {"*"};
    }
    if (count_driver.empty()) count_driver = driver;

    // ---- one page
    std::vector<Arg> page_args;
    std::string page_where = build(driver, page_args);
    if (!q.cursor.empty()) {
      auto parts = decode_cursor(q.cursor, 3);
      if (!parts || (*parts)[0] != sort->name) return bad("cursor", "not a cursor of this list and sort").error();
      const std::string& v = (*parts)[1];
      int64_t id = std::strtoll((*parts)[2].c_str(), nullptr, 10);
      page_where += std::string(" AND (") + sort->column + ", f.id) " + (desc ? "<" : ">") + " (?, ?)";
      if (sort->numeric_int)
        page_args.push_back(Arg::of(static_cast<int64_t>(std::strtoll(v.c_str(), nullptr, 10))));
      else if (sort->numeric_real)
        page_args.push_back(Arg::of(std::strtod(v.c_str(), nullptr)));
      else
        page_args.push_back(Arg::of(v));
      page_args.push_back(Arg::of(id));
    }
    const char* dir = desc ? " DESC" : " ASC";
    std::string page_sql = "SELECT " + kFindingRows.select() +
                           " FROM findings f JOIN rules r ON r.id = f.rule_ref JOIN artifacts a ON a.id = f.artifact_id"
                           " WHERE " +
                           page_where + " ORDER BY " + sort->column + dir + ", f.id" + dir + " LIMIT ?";
    Page<FindingRow> page;
    {
      auto st = c.prepare(page_sql);
      if (!st) return st.error();
      bind_args(**st, page_args);
      (*st)->bind(static_cast<int>(page_args.size()) + 1, static_cast<int64_t>(q.limit + 1));
      if (auto s = sql::each_row(**st, [&](sql::Stmt& row) { page.items.push_back(kFindingRows.read(row)); }); !s)
        return s.error();
    }
    close_page(page, q.limit, [&](const FindingRow& last) {
      std::string v;
      if (q.sort == "priority") v = std::to_string(last.priority_score);
      else if (q.sort == "severity") v = std::to_string(*severity_value(last.severity));
      else if (q.sort == "first_seen") v = last.first_seen;
      else if (q.sort == "last_seen") v = last.last_seen;
      else if (q.sort == "due_date") v = last.due_date;
      else {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", last.epss.value_or(-1.0));
        v = buf;
      }
      return std::vector<std::string>{sort->name, v, std::to_string(last.id)};
    });

    // ---- total: the rollup answers filters on its own dimensions exactly
    if (rollup_only) {
      page.total = rollup_total;
      return page;
    }
    {
      // The count follows the page's plan: through the selective filter's
      // index, else a scan that stops after 10,001 matches.
      std::vector<Arg> count_args;
      std::string count_where = build(count_driver, count_args);
      auto st = c.prepare("SELECT count(*) FROM (SELECT 1 FROM findings f WHERE " + count_where + " LIMIT ?) AS t");
      if (!st) return st.error();
      bind_args(**st, count_args);
      (*st)->bind(static_cast<int>(count_args.size()) + 1, kExactTotal + 1);
      auto r = (*st)->step();
      if (!r) return r.error();
      page.total = *r ? (*st)->integer(0) : 0;
    }
    if (page.total > kExactTotal) {
      // More than 10,000: the rollup's count over the same kinds, severities,
      // states and levels bounds it from above.
      page.total_is_estimate = true;
      page.total = std::max(rollup_total, page.total);
    }
    return page;
  });
}

Result<FindingDetail> Store::get_finding(int64_t id) {
  return read_tx(*impl_, [&](sql::Connection& c) -> Result<FindingDetail> {
    FindingDetail d;
    const int details = kFindingRows.width();
    auto found = sql::query_row(
        c,
        "SELECT " + kFindingRows.select() +
            ", d.finding_json, d.factors_json FROM findings f JOIN rules r ON r.id = f.rule_ref "
            "JOIN artifacts a ON a.id = f.artifact_id JOIN finding_details d ON d.finding_id = f.id WHERE f.id = ?",
        [&](sql::Stmt& st) {
          d.row = kFindingRows.read(st);
          d.finding_json = st.text(details);
          d.priority_factors_json = st.text(details + 1);
        },
        id);
    if (!found) return found.error();
    if (!*found) return Error(ErrorCode::kNotFound, "finding " + std::to_string(id) + " does not exist");
    if (auto s = sql::query_rows(
            c,
            "SELECT at, actor, field, old_value, new_value, note FROM finding_history WHERE finding_id = ? ORDER BY id",
            [&](sql::Stmt& st) {
              d.history.push_back({st.text(0), st.text(1), st.text(2), st.text(3), st.text(4), st.text(5)});
            },
            id);
        !s)
      return s.error();
    if (auto s = sql::query_rows(
            c, "SELECT id, at, author, body FROM finding_comments WHERE finding_id = ? ORDER BY id",
            [&](sql::Stmt& st) { d.comments.push_back({st.integer(0), st.text(1), st.text(2), st.text(3)}); }, id);
        !s)
      return s.error();
    return d;
  });
}

// ------------------------------------------------------------------ triage --

namespace {

constexpr size_t kMaxBulk = 1000;

Status check_change(const TriageChange& ch) {
  if (!ch.state && !ch.assignee && !ch.due_date && !ch.exception && !ch.justification && !ch.comment)
    return bad("change", "nothing to change");
  if (ch.state && !known_state(*ch.state)) return bad("state", "unknown value '" + ch.state->substr(0, 40) + "'");
  if (ch.assignee && ch.assignee->size() > 128) return bad("assignee", "longer than 128 bytes");
  if (ch.due_date && !ch.due_date->empty() && !valid_date(*ch.due_date)) return bad("due_date", "not a YYYY-MM-DD date");
  if (ch.comment && (ch.comment->empty() || ch.comment->size() > 10000)) return bad("comment", "must be 1..10000 bytes");
  const bool accept = ch.state && *ch.state == "accepted_risk";
  if (accept && !ch.exception) return bad("exception", "required with state accepted_risk");
  if (ch.exception) {
    if (!accept) return bad("exception", "only with state accepted_risk");
    if (ch.exception->until.empty() && !ch.exception->until_fix)
      return bad("exception", "needs until, until_fix or both");
    if (!ch.exception->until.empty() && !valid_date(ch.exception->until))
      return bad("exception.until", "not a YYYY-MM-DD date");
    if (ch.exception->reason.size() > 4000) return bad("exception.reason", "longer than 4000 bytes");
  }
  const bool fp = ch.state && *ch.state == "false_positive";
  if (fp && !ch.justification) return bad("justification", "required with state false_positive");
  if (ch.justification) {
    if (!fp) return bad("justification", "only with state false_positive");
    if (!known_justification(*ch.justification))
      return bad("justification", "unknown value '" + ch.justification->substr(0, 60) + "'");
  }
  return {};
}

// The stored findings of `ids` (without details), by id.
Result<std::map<int64_t, StoredFinding>> load_current(sql::Connection& c, const std::vector<int64_t>& ids) {
  // On PostgreSQL, lock the findings' artifacts first, in id order, as ingest,
  // exposure changes and re-assessment do: a triage then never interleaves
  // with another writer of the same findings, and the rollups stay exact.
  // (SQLite's BEGIN IMMEDIATE already admits one writer at a time.)
  if (c.dialect() == sql::Dialect::kPostgres) {
    auto lock = c.prepare("SELECT id FROM artifacts WHERE id IN (SELECT artifact_id FROM findings WHERE id IN (" +
                          placeholders(ids.size()) + ")) ORDER BY id FOR UPDATE");
    if (!lock) return lock.error();
    for (size_t i = 0; i < ids.size(); ++i) (*lock)->bind(static_cast<int>(i + 1), ids[i]);
    if (auto s = sql::each_row(**lock, [](sql::Stmt&) {}); !s) return s.error();
  }
  const auto& rows = stored_finding_rows();
  auto st = c.prepare("SELECT " + rows.select() + " FROM findings f WHERE f.id IN (" + placeholders(ids.size()) + ")");
  if (!st) return st.error();
  for (size_t i = 0; i < ids.size(); ++i) (*st)->bind(static_cast<int>(i + 1), ids[i]);
  std::map<int64_t, StoredFinding> out;
  if (auto s = sql::each_row(**st, [&](sql::Stmt& row) {
        StoredFinding f = rows.read(row);
        out.emplace(f.id, std::move(f));
      });
      !s)
    return s.error();
  return out;
}

}  // namespace

Result<int> Store::update_findings(const std::vector<int64_t>& ids_in, const TriageChange& ch, const Actor& actor) {
  if (ids_in.empty()) return bad("ids", "empty").error();
  if (ids_in.size() > kMaxBulk) return bad("ids", "more than 1000").error();
  if (auto s = check_change(ch); !s) return s.error();
  std::vector<int64_t> ids = ids_in;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const std::string now = impl_->now();
  const std::string today = impl_->today();
  return write_tx(*impl_, [&](sql::Connection& c) -> Result<int> {
    auto current = load_current(c, ids);
    if (!current) return current.error();
    for (int64_t id : ids)
      if (!current->count(id)) return Error(ErrorCode::kNotFound, "finding " + std::to_string(id) + " does not exist");
    auto sla = read_sla(c);
    if (!sla) return sla.error();
    RollupDelta delta;
    for (int64_t id : ids) {  // ascending: the same lock order in every writer
      const StoredFinding& cur = (*current)[id];
      StoredFinding next = cur;
      std::vector<std::array<std::string, 3>> changes;  // field, old, new
      if (ch.state && *ch.state != cur.state) {
        next.state = *ch.state;
        changes.push_back({"state", cur.state, *ch.state});
      }
      if (next.state != "accepted_risk" && cur.state == "accepted_risk") {
        next.exception_reason.clear();
        next.exception_until.clear();
        next.until_fix = false;
      }
      if (ch.exception) {
        next.exception_reason = ch.exception->reason;
        next.exception_until = ch.exception->until;
        next.until_fix = ch.exception->until_fix;
      }
      if (next.exception_reason != cur.exception_reason || next.exception_until != cur.exception_until ||
          next.until_fix != cur.until_fix) {
        auto text = [](const StoredFinding& x) {
          if (x.exception_reason.empty() && x.exception_until.empty() && !x.until_fix) return std::string();
          return "until " + (x.exception_until.empty() ? std::string("-") : x.exception_until) +
                 (x.until_fix ? ", until fix" : "") + ": " + x.exception_reason;
        };
        changes.push_back({"exception", text(cur), text(next)});
      }
      if (next.state != "false_positive") next.justification.clear();
      if (ch.justification) next.justification = *ch.justification;
      if (next.justification != cur.justification)
        changes.push_back({"justification", cur.justification, next.justification});
      if (ch.assignee && *ch.assignee != cur.assignee) {
        next.assignee = *ch.assignee;
        changes.push_back({"assignee", cur.assignee, *ch.assignee});
      }
      if (ch.due_date) {
        if (ch.due_date->empty()) {
          next.due_manual = false;
          next.due_date = due_for(cur.sla_from, cur.level, *sla);
        } else {
          next.due_manual = true;
          next.due_date = *ch.due_date;
        }
        if (next.due_date != cur.due_date) changes.push_back({"due_date", cur.due_date, next.due_date});
      }
      std::string fixed_at_sql = "fixed_at";
      if (next.state == "fixed" && cur.state != "fixed") fixed_at_sql = "?";
      else if (next.state != "fixed" && cur.state == "fixed") fixed_at_sql = "''";
      std::string sql_text =
          "UPDATE findings SET state = ?, assignee = ?, due_date = ?, due_manual = ?, exception_reason = ?, "
          "exception_until = ?, exception_until_fix = ?, justification = ?, fixed_at = " +
          fixed_at_sql + " WHERE id = ?";
      auto st = c.prepare(sql_text);
      if (!st) return st.error();
      (*st)->bind_all(next.state, next.assignee, next.due_date, next.due_manual, next.exception_reason,
                      next.exception_until, next.until_fix, next.justification);
      int i = 9;
      if (fixed_at_sql == "?") (*st)->bind(i++, now);
      (*st)->bind(i, id);
      if (auto r = (*st)->step(); !r) return r.error();
      std::string detail;
      for (const auto& [field, old_value, new_value] : changes) {
        if (auto s = write_history(c, id, now, actor.name, field, old_value, new_value, ""); !s) return s.error();
        detail += field + ": '" + old_value + "' -> '" + new_value + "'; ";
      }
      if (ch.comment) {
        auto r = sql::exec(c, "INSERT INTO finding_comments (finding_id, at, author, body) VALUES (?, ?, ?, ?)", id,
                           now, actor.name, *ch.comment);
        if (!r) return r.error();
        detail += "comment added; ";
      }
      if (!detail.empty()) {
        detail.resize(detail.size() - 2);
        if (auto s = write_audit(c, now, actor, "finding.update", "finding:" + std::to_string(id), detail); !s)
          return s.error();
      }
      delta.add(cur.contribution(), -1);
      delta.add(next.contribution(), +1);
      if (next.state == "fixed" && cur.state != "fixed") delta.count_fixed(cur.practice);
    }
    if (auto s = delta.apply(c, today); !s) return s.error();
    return static_cast<int>(ids.size());
  });
}

Result<int64_t> Store::add_comment(int64_t finding_id, std::string_view text, const Actor& actor) {
  if (text.empty() || text.size() > 10000) return bad("text", "must be 1..10000 bytes").error();
  const std::string now = impl_->now();
  return write_tx(*impl_, [&](sql::Connection& c) -> Result<int64_t> {
    auto exists = sql::query_int(c, "SELECT 1 FROM findings WHERE id = ?", finding_id);
    if (!exists) return exists.error();
    if (!exists->has_value())
      return Error(ErrorCode::kNotFound, "finding " + std::to_string(finding_id) + " does not exist");
    auto id = sql::query_int(c, "INSERT INTO finding_comments (finding_id, at, author, body) VALUES (?, ?, ?, ?) "
                                "RETURNING id",
                             finding_id, now, actor.name, text);
    if (!id) return id.error();
    if (auto s = write_audit(c, now, actor, "finding.comment", "finding:" + std::to_string(finding_id),
                             std::string(text.substr(0, 200)));
        !s)
      return s.error();
    return id->value_or(0);
  });
}

Status Store::set_ticket(int64_t finding_id, std::string_view reference, const Actor& actor) {
  if (reference.empty() || reference.size() > 512) return bad("ticket", "must be 1..512 bytes");
  const std::string now = impl_->now();
  return write_tx(*impl_, [&](sql::Connection& c) -> Status {
    auto old = sql::query_text(c, "SELECT ticket FROM findings WHERE id = ?", finding_id);
    if (!old) return old.error();
    if (!old->has_value()) return Error(ErrorCode::kNotFound, "finding " + std::to_string(finding_id) + " does not exist");
    if (auto r = sql::exec(c, "UPDATE findings SET ticket = ? WHERE id = ?", reference, finding_id); !r)
      return r.error();
    if (auto s = write_history(c, finding_id, now, actor.name, "ticket", **old, reference, ""); !s) return s;
    return write_audit(c, now, actor, "finding.ticket", "finding:" + std::to_string(finding_id), reference);
  });
}

Result<int> Store::expire_exceptions(std::string_view today) {
  if (!valid_date(today)) return bad("today", "not a YYYY-MM-DD date").error();
  const std::string now = impl_->now();
  const std::string day(today);
  const Actor system{"system", ""};
  return write_tx(*impl_, [&](sql::Connection& c) -> Result<int> {
    std::vector<int64_t> ids;
    if (auto s = sql::query_rows(
            c,
            "SELECT id FROM findings WHERE state = 'accepted_risk' AND exception_until <> '' AND exception_until < ? "
            "ORDER BY id",
            [&](sql::Stmt& st) { ids.push_back(st.integer(0)); }, day);
        !s)
      return s.error();
    if (ids.empty()) return 0;
    RollupDelta delta;
    int expired = 0;
    for (size_t start = 0; start < ids.size(); start += kMaxBulk) {
      std::vector<int64_t> chunk(ids.begin() + static_cast<ptrdiff_t>(start),
                                 ids.begin() + static_cast<ptrdiff_t>(std::min(ids.size(), start + kMaxBulk)));
      auto current = load_current(c, chunk);
      if (!current) return current.error();
      for (auto& [id, cur] : *current) {
        // Read again under the lock: a triage may have changed it meanwhile.
        if (cur.state != "accepted_risk" || cur.exception_until.empty() || !(cur.exception_until < day)) continue;
        auto r = sql::exec(c,
                           "UPDATE findings SET state = 'triaged', exception_reason = '', exception_until = '', "
                           "exception_until_fix = 0 WHERE id = ?",
                           id);
        if (!r) return r.error();
        if (auto s = write_history(c, id, now, "system", "state", "accepted_risk", "triaged", "exception expired"); !s)
          return s.error();
        if (auto s = write_audit(c, now, system, "finding.exception_expired", "finding:" + std::to_string(id),
                                 "until " + cur.exception_until);
            !s)
          return s.error();
        delta.add(cur.contribution(), -1);
        StoredFinding next = cur;
        next.state = "triaged";
        delta.add(next.contribution(), +1);
        ++expired;
      }
    }
    if (auto s = delta.apply(c, date_of(now)); !s) return s.error();
    return expired;
  });
}

}  // namespace bulwark::store
