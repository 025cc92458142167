// GET /api/v1/overview (the board's first page: 4 stages, 14 practice cards)
// and GET /api/v1/trends.
#include <set>

#include "server/api.hpp"
#include "server/practices.hpp"

namespace bulwark::server {

namespace {

bool is_open(const std::string& state) { return state == "new" || state == "triaged" || state == "in_progress"; }

int severity_index(const std::string& s) {
  if (s == "CRITICAL") return 0;
  if (s == "HIGH") return 1;
  if (s == "MEDIUM") return 2;
  if (s == "LOW") return 3;
  return 4;
}

// Artifact kinds a practice's findings come from: the card's denominator.
std::vector<std::string> kinds_of_practice(int id) {
  switch (id) {
    case 3: return {"image", "rootfs"};
    case 4:
    case 6: return {"host"};
    case 10: return {"host", "cluster"};
    default: return {"image", "rootfs", "repository", "filesystem", "sbom"};
  }
}

int64_t total(const store::SeverityCounts& c) { return c.critical + c.high + c.medium + c.low + c.unknown; }

// Practice scores are kept per day (the setting "practice_scores") so each
// card can show its trend; the overview writes today's.
json record_scores(Context& ctx, const std::map<int, std::optional<int>>& today_scores) {
  json history = json::object();
  if (auto text = ctx.svc.store->get_setting("practice_scores"); text && *text) {
    if (auto doc = parse_json(**text, "practice_scores"); doc && doc->is_object()) history = *doc;
  }
  json day = json::object();
  for (const auto& [id, score] : today_scores)
    if (score) day[std::to_string(id)] = *score;
  std::string today = ctx.svc.today();
  if (!history.contains(today) || history[today] != day) {
    history[today] = day;
    while (history.size() > 90) history.erase(history.begin());  // keys sort by date
    (void)ctx.svc.store->put_setting("practice_scores", history.dump(), store::Actor{"system", ""});
  }
  return history;
}

void overview(Context& ctx) {
  std::string today = ctx.svc.today();
  store::Overview ov = must(ctx.svc.store->overview(today));
  std::map<int, PracticeFacts> facts;
  std::set<std::string> vuln_practice_kinds;
  for (const auto& c : ov.cells) {
    auto add = [&](int p) {
      PracticeFacts& f = facts[p];
      f.has_data = true;
      if (is_open(c.state)) f.open[severity_index(c.severity)] += c.count;
      if (c.state == "new") f.untriaged += c.count;
      if (c.state == "accepted_risk") f.accepted += c.count;
    };
    if (c.practice >= 1 && c.practice <= 14) add(c.practice);
    if (c.kind == "vulnerability") add(9);
    if (c.kind == "misconfiguration" || c.kind == "compliance") facts[13].has_data = true;
    if (c.kind == "vulnerability") facts[14].has_data = true;
  }
  // Vulnerability management looks at vulnerabilities only; its counts were
  // added above from every vulnerability cell.
  for (const auto& [p, counts] : ov.overdue_by_practice) {
    if (p >= 1 && p <= 14) facts[p].overdue += total(counts);
    if (p == 2 || p == 3 || p == 6) facts[9].overdue += total(counts);
  }
  for (const auto& [p, counts] : ov.artifacts_by_practice) {
    if (p < 1 || p > 14) continue;
    facts[p].artifacts_affected = std::max(counts.critical, counts.high);
  }
  for (auto& [p, f] : facts) {
    int64_t denominator = 0;
    for (const auto& k : kinds_of_practice(p))
      if (auto it = ov.artifacts_by_kind.find(k); it != ov.artifacts_by_kind.end()) denominator += it->second;
    f.artifacts = std::max<int64_t>(denominator, f.artifacts_affected);
  }
  // Known-exploited and fixable counts (open vulnerabilities, from the
  // store's rollups), and what got fixed lately.
  facts[9].kev_open = ov.open_kev;
  facts[14].open_fixable = ov.open_fixable;
  for (const auto& d : must(ctx.svc.store->practice_trends(30, today))) {
    if (d.practice == 2 || d.practice == 3 || d.practice == 6) facts[14].fixed_30d += d.fixed_count;
    if (d.practice == 4 || d.practice == 5 || d.practice == 7 || d.practice == 8) facts[13].fixed_30d += d.fixed_count;
  }
  for (int p : {4, 5, 7, 8})
    for (int s = 0; s < 5; ++s) facts[13].open[s] += facts[p].open[s];
  facts[14].eol_artifacts = ov.eol_artifacts;

  std::map<int, PracticeStatus> statuses;
  std::map<int, std::optional<int>> scores;
  for (const auto& p : practices()) {
    statuses[p.id] = assess_practice(p, facts[p.id]);
    scores[p.id] = statuses[p.id].score;
  }
  json history = record_scores(ctx, scores);

  static const std::vector<std::pair<std::string, std::string>> kStages = {
      {"defense", "Defense"}, {"protection", "Protection"}, {"detection", "Detection"}, {"response", "Response"}};
  json stages = json::array();
  for (const auto& [sid, stitle] : kStages) {
    json cards = json::array();
    for (const auto& p : practices()) {
      if (p.stage != sid) continue;
      const PracticeStatus& s = statuses[p.id];
      json trend = json::array();
      for (const auto& [date, day] : history.items())
        if (auto it = day.find(std::to_string(p.id)); it != day.end()) trend.push_back({{"date", date}, {"score", *it}});
      cards.push_back({{"id", p.id},
                       {"key", p.key},
                       {"title", p.title},
                       {"status", s.status},
                       {"score", s.score ? json(*s.score) : json()},
                       {"trend", trend},
                       {"drivers", s.drivers},
                       {"feed", p.feed}});
    }
    stages.push_back({{"id", sid}, {"title", stitle}, {"practices", cards}});
  }
  store::SeverityCounts open;
  for (const auto& c : ov.cells) {
    if (!is_open(c.state)) continue;
    int i = severity_index(c.severity);
    (i == 0 ? open.critical : i == 1 ? open.high : i == 2 ? open.medium : i == 3 ? open.low : open.unknown) += c.count;
  }
  int64_t scans = 0;
  for (const auto& [k, n] : ov.scans_by_target_kind) scans += n;
  send_json(ctx, {{"generated_at", now_rfc3339()},
                  {"stages", stages},
                  {"totals",
                   {{"open", counts_json(open)},
                    {"artifacts", ov.artifacts_by_kind},
                    {"scans", scans},
                    {"last_scan_at", ov.last_scan_at.empty() ? json() : json(ov.last_scan_at)}}}});
}

void trends(Context& ctx) {
  int days = static_cast<int>(query_int(ctx, "days", 1, 365).value_or(30));
  json out = json::array();
  for (const auto& d : must(ctx.svc.store->trends(days, ctx.svc.today())))
    out.push_back({{"date", d.date}, {"open", counts_json(d.open)}, {"new", d.new_count}, {"fixed", d.fixed_count}});
  send_json(ctx, {{"days", out}});
}

}  // namespace

void add_board_routes(Router& r) {
  r.add({.method = "GET", .pattern = "/api/v1/overview", .access = Access::kViewer,
         .summary = "The board: 4 stages, 14 practices with status, score, trend and drivers", .handler = overview,
         .tag = "board", .response_schema = "Overview"});
  r.add({.method = "GET", .pattern = "/api/v1/trends", .access = Access::kViewer,
         .summary = "Open findings by severity per day, new and fixed", .handler = trends, .tag = "board",
         .query_params = {"days"}, .response_schema = "Trends"});
}

}  // namespace bulwark::server
