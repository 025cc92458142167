// /api/v1/findings: the deduplicated findings of every kind, their triage
// (states, assignees, due dates, accepted risks, false positives), comments,
// tickets, and the CSV and OpenVEX exports.
#include "enrich/enrich.hpp"
#include "server/api.hpp"
#include "server/ticket.hpp"

namespace bulwark::server {

namespace {

const std::vector<std::string> kKinds = {"vulnerability", "misconfiguration", "secret", "sast", "compliance", "runtime"};
const std::vector<std::string> kSeverities = {"CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"};
const std::vector<std::string> kStates = {"new", "triaged", "in_progress", "fixed", "accepted_risk", "false_positive"};
const std::vector<std::string> kJustifications = {
    "component_not_present", "vulnerable_code_not_present", "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary", "inline_mitigations_already_exist"};
const std::vector<std::string> kFilterParams = {"kind",    "severity", "state",           "artifact", "q",
                                                "package", "assignee", "kev",             "fixable",  "internet_facing",
                                                "priority", "sort",    "order",           "limit",    "cursor"};

json finding_json(const store::FindingRow& f) {
  json j = {{"id", f.id},
            {"artifact_id", f.artifact_id},
            {"artifact_name", f.artifact_name},
            {"artifact_kind", f.artifact_kind},
            {"kind", f.kind},
            {"rule_id", f.rule_id},
            {"title", f.title},
            {"severity", f.severity},
            {"package_name", f.package_name},
            {"package_version", f.package_version},
            {"fixed_versions", f.fixed_versions},
            {"location", f.location},
            {"layer", f.layer},
            {"state", f.state},
            {"assignee", f.assignee},
            {"due_date", f.due_date},
            {"priority", {{"score", f.priority_score}, {"level", f.priority_level}}},
            {"epss", f.epss ? json(*f.epss) : json()},
            {"kev", f.kev},
            {"fixable", f.fixable},
            {"internet_facing", f.internet_facing},
            {"practice", f.practice},
            {"first_seen", f.first_seen},
            {"last_seen", f.last_seen},
            {"fixed_at", f.fixed_at.empty() ? json() : json(f.fixed_at)},
            {"exception", json()},
            {"justification", f.justification},
            {"ticket", f.ticket}};
  if (f.exception) {
    j["exception"] = {{"reason", f.exception->reason},
                      {"until", f.exception->until.empty() ? json() : json(f.exception->until)},
                      {"until_fix", f.exception->until_fix}};
  }
  return j;
}

store::FindingQuery parse_filters(const Context& ctx) {
  store::FindingQuery q;
  q.kinds = query_list(ctx, "kind", kKinds);
  q.severities = query_list(ctx, "severity", kSeverities, true);
  q.states = query_list(ctx, "state", kStates);
  q.artifact_id = query_int(ctx, "artifact", 1, INT64_MAX);
  q.q = query_string(ctx, "q").value_or("");
  q.package = query_string(ctx, "package").value_or("");
  q.assignee = query_string(ctx, "assignee").value_or("");
  q.kev = query_bool(ctx, "kev").value_or(false);
  q.fixable = query_bool(ctx, "fixable").value_or(false);
  q.internet_facing = query_bool(ctx, "internet_facing").value_or(false);
  q.priorities = query_list(ctx, "priority", {"P1", "P2", "P3", "P4"}, true);
  auto sort = query_list(ctx, "sort", {"priority", "severity", "first_seen", "last_seen", "epss", "due_date"});
  if (sort.size() > 1) bad_request("query parameter 'sort' takes one value");
  if (!sort.empty()) q.sort = sort[0];
  auto order = query_list(ctx, "order", {"asc", "desc"});
  if (order.size() > 1) bad_request("query parameter 'order' takes one value");
  if (!order.empty()) q.order = order[0];
  q.limit = static_cast<int>(query_int(ctx, "limit", 1, 500).value_or(50));
  q.cursor = query_string(ctx, "cursor", 500).value_or("");
  return q;
}

void list_findings(Context& ctx) {
  send_json(ctx, page_json(must(ctx.svc.store->list_findings(parse_filters(ctx))), finding_json));
}

void get_finding(Context& ctx) {
  auto d = must(ctx.svc.store->get_finding(id_param(ctx)));
  json out = finding_json(d.row);
  auto factors = parse_json(d.priority_factors_json.empty() ? "[]" : d.priority_factors_json, "priority factors");
  out["priority"]["factors"] = factors ? *factors : json::array();
  auto finding = parse_json(d.finding_json, "finding");
  out["finding"] = finding ? *finding : json::object();
  json history = json::array();
  for (const auto& h : d.history)
    history.push_back({{"at", h.at}, {"actor", h.actor}, {"field", h.field}, {"old", h.old_value},
                       {"new", h.new_value}, {"note", h.note}});
  out["history"] = history;
  json comments = json::array();
  for (const auto& c : d.comments)
    comments.push_back({{"id", c.id}, {"at", c.at}, {"author", c.author}, {"text", c.text}});
  out["comments"] = comments;
  send_json(ctx, out);
}

// A triage change from a request body, checked field by field.
store::TriageChange parse_change(const json& body, const std::string& today) {
  static const std::vector<std::string> kFields = {"state", "assignee", "due_date", "comment", "exception", "justification"};
  for (const auto& [k, v] : body.items())
    if (std::find(kFields.begin(), kFields.end(), k) == kFields.end())
      bad_request("unknown field '" + k + "' (known: state, assignee, due_date, comment, exception, justification)");
  store::TriageChange c;
  c.state = field_string(body, "state", 40);
  if (c.state && std::find(kStates.begin(), kStates.end(), *c.state) == kStates.end())
    bad_request("field 'state': unknown state '" + *c.state + "'");
  if (c.state == "fixed") bad_request("field 'state': 'fixed' is set by scans that no longer report the finding");
  c.assignee = field_string(body, "assignee", 100);
  c.due_date = field_string(body, "due_date", 10);
  if (c.due_date && !c.due_date->empty() && !valid_date(*c.due_date))
    bad_request("field 'due_date' must be a date YYYY-MM-DD");
  c.comment = field_string(body, "comment", 10000);
  c.justification = field_string(body, "justification", 80);
  if (c.justification &&
      std::find(kJustifications.begin(), kJustifications.end(), *c.justification) == kJustifications.end())
    bad_request("field 'justification': not an OpenVEX justification");
  if (auto it = body.find("exception"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) bad_request("field 'exception' must be an object {reason, until, until_fix}");
    for (const auto& [k, v] : it->items())
      if (k != "reason" && k != "until" && k != "until_fix") bad_request("field 'exception." + k + "' is unknown");
    store::FindingException e;
    e.reason = field_string(*it, "reason", 2000).value_or("");
    e.until = field_string(*it, "until", 10).value_or("");
    e.until_fix = field_bool(*it, "until_fix").value_or(false);
    if (!e.until.empty() && !valid_date(e.until)) bad_request("field 'exception.until' must be a date YYYY-MM-DD");
    if (!e.until.empty() && e.until <= today) bad_request("field 'exception.until' must be after today (" + today + ")");
    if (e.until.empty() && !e.until_fix)
      bad_request("an accepted risk ends on a date ('exception.until'), when a fix appears ('exception.until_fix'), or both");
    if (e.reason.empty()) bad_request("field 'exception.reason' is required: say why the risk is accepted");
    c.exception = e;
  }
  if (c.state == "accepted_risk" && !c.exception) bad_request("state 'accepted_risk' needs an 'exception'");
  if (c.exception && c.state != "accepted_risk") bad_request("'exception' goes with state 'accepted_risk'");
  if (c.state == "false_positive" && !c.justification)
    bad_request("state 'false_positive' needs a 'justification' (an OpenVEX justification)");
  if (!c.state && !c.assignee && !c.due_date && !c.comment && !c.justification)
    bad_request("nothing to change: give state, assignee, due_date or comment");
  return c;
}

std::string describe_change(const store::TriageChange& c) {
  std::string d;
  auto add = [&](const std::string& s) { d += (d.empty() ? "" : ", ") + s; };
  if (c.state) add("state=" + *c.state);
  if (c.assignee) add("assignee=" + *c.assignee);
  if (c.due_date) add("due_date=" + *c.due_date);
  if (c.exception) add("until=" + (c.exception->until.empty() ? std::string("-") : c.exception->until) +
                       (c.exception->until_fix ? " or a fix" : ""));
  if (c.justification) add("justification=" + *c.justification);
  if (c.comment) add("comment");
  return d;
}

void patch_finding(Context& ctx) {
  int64_t id = id_param(ctx);
  store::TriageChange c = parse_change(body_object(ctx), ctx.svc.today());
  must(ctx.svc.store->update_findings({id}, c, actor(ctx)));
  audit(ctx, "triage", "finding:" + std::to_string(id), describe_change(c));
  send_json(ctx, finding_json(must(ctx.svc.store->get_finding(id)).row));
}

void bulk(Context& ctx) {
  json body = body_object(ctx, 1u << 20);
  auto ids_it = body.find("ids");
  if (ids_it == body.end() || !ids_it->is_array() || ids_it->empty())
    bad_request("field 'ids' must be a non-empty array of finding ids");
  if (ids_it->size() > 5000) bad_request("field 'ids': at most 5000 findings at once");
  std::vector<int64_t> ids;
  for (const auto& v : *ids_it) {
    if (!v.is_number_integer() || v.get<int64_t>() <= 0) bad_request("field 'ids' must hold positive integers");
    ids.push_back(v.get<int64_t>());
  }
  auto change = body.find("change");
  if (change == body.end() || !change->is_object()) bad_request("field 'change' must be an object");
  for (const auto& [k, v] : body.items())
    if (k != "ids" && k != "change") bad_request("unknown field '" + k + "' (known: ids, change)");
  store::TriageChange c = parse_change(*change, ctx.svc.today());
  int n = must(ctx.svc.store->update_findings(ids, c, actor(ctx)));
  audit(ctx, "triage_bulk", std::to_string(ids.size()) + " findings", describe_change(c));
  send_json(ctx, {{"updated", n}});
}

void add_comment(Context& ctx) {
  int64_t id = id_param(ctx);
  json body = body_object(ctx);
  auto text = field_string(body, "text", 10000);
  if (!text || text->empty()) bad_request("field 'text' is required");
  int64_t cid = must(ctx.svc.store->add_comment(id, *text, actor(ctx)));
  audit(ctx, "comment", "finding:" + std::to_string(id));
  send_json(ctx, {{"id", cid}}, 201);
}

void ticket(Context& ctx) {
  int64_t id = id_param(ctx);
  auto detail = must(ctx.svc.store->get_finding(id));
  auto settings_text = must(ctx.svc.store->get_setting("webhook"));
  if (!settings_text) fail(409, "conflict", "no ticket webhook is configured (Admin → Settings → webhook)");
  auto hook = parse_webhook_settings(*settings_text);
  if (!hook) fail(409, "conflict", "the webhook settings are invalid: " + hook.error().describe());
  auto sent = send_ticket(*hook, detail, public_base_url(ctx));
  if (!sent) fail(502, "bad_gateway", "the ticket webhook failed: " + sent.error().describe());
  if (!sent->reference.empty()) must(ctx.svc.store->set_ticket(id, sent->reference, actor(ctx)));
  audit(ctx, "ticket", "finding:" + std::to_string(id), hook->format + " " + sent->reference);
  send_json(ctx, {{"status", sent->http_status}, {"ticket", sent->reference}});
}

std::string csv_cell(std::string s) {
  // Spreadsheets run cells that start with these as formulas.
  if (!s.empty() && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r'))
    s.insert(s.begin(), '\'');
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

void export_csv(Context& ctx) {
  store::FindingQuery q = parse_filters(ctx);
  q.limit = 500;
  q.cursor.clear();
  std::string out =
      "id,artifact,kind,rule_id,title,severity,priority,priority_level,state,assignee,due_date,package,version,"
      "fixed_versions,location,first_seen,last_seen,fixed_at,kev,epss\r\n";
  constexpr size_t kMaxRows = 100000;
  size_t rows = 0;
  while (rows < kMaxRows) {
    auto page = must(ctx.svc.store->list_findings(q));
    for (const auto& f : page.items) {
      std::string fixed;
      for (const auto& v : f.fixed_versions) fixed += (fixed.empty() ? "" : " ") + v;
      std::vector<std::string> cells = {std::to_string(f.id), f.artifact_name, f.kind, f.rule_id, f.title, f.severity,
                                        std::to_string(f.priority_score), f.priority_level, f.state, f.assignee,
                                        f.due_date, f.package_name, f.package_version, fixed, f.location,
                                        f.first_seen, f.last_seen, f.fixed_at, f.kev ? "true" : "false",
                                        f.epss ? std::to_string(*f.epss) : ""};
      for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + csv_cell(cells[i]);
      out += "\r\n";
      ++rows;
    }
    if (!page.next_cursor) break;
    q.cursor = *page.next_cursor;
  }
  ctx.res.content_type = "text/csv; charset=utf-8";
  ctx.res.set_header("Content-Disposition", "attachment; filename=\"bulwark-findings.csv\"");
  ctx.res.body = std::move(out);
  audit(ctx, "export_csv", "findings", std::to_string(rows) + " rows");
}

void export_vex(Context& ctx) {
  store::FindingQuery q;
  q.kinds = {"vulnerability"};
  q.states = {"false_positive"};
  q.limit = 500;
  std::vector<enrich::VexStatement> statements;
  constexpr size_t kMax = 10000;
  while (statements.size() < kMax) {
    auto page = must(ctx.svc.store->list_findings(q));
    for (const auto& f : page.items) {
      auto d = ctx.svc.store->get_finding(f.id);
      if (!d) continue;
      enrich::VexStatement s;
      s.vulnerability = f.rule_id;
      s.status = enrich::VexStatus::kNotAffected;
      s.justification = f.justification;
      enrich::VexProduct product;
      product.ids.push_back(f.artifact_name);
      auto finding = parse_json(d->finding_json, "finding");
      std::string purl = finding ? get_string(*finding, "package_purl") : "";
      if (!purl.empty()) product.subcomponents.push_back({purl});
      s.products.push_back(std::move(product));
      for (auto it = d->history.rbegin(); it != d->history.rend(); ++it) {
        if (it->field == "state" && it->new_value == "false_positive") {
          s.timestamp = it->at;
          if (!it->note.empty()) s.impact_statement = it->note;
          break;
        }
      }
      statements.push_back(std::move(s));
    }
    if (!page.next_cursor) break;
    q.cursor = *page.next_cursor;
  }
  ctx.res.content_type = "application/json";
  ctx.res.body = enrich::write_openvex(statements, "Bulwark server", now_rfc3339());
}

}  // namespace

void add_finding_routes(Router& r) {
  r.add({.method = "GET", .pattern = "/api/v1/findings", .access = Access::kViewer,
         .summary = "Findings of every kind, filtered and sorted", .handler = list_findings, .tag = "findings",
         .query_params = kFilterParams, .response_schema = "FindingList"});
  r.add({.method = "GET", .pattern = "/api/v1/findings/export.csv", .access = Access::kViewer,
         .summary = "The filtered findings as CSV", .handler = export_csv, .tag = "findings",
         .query_params = kFilterParams, .response_type = "text/csv"});
  r.add({.method = "GET", .pattern = "/api/v1/findings/{id}", .access = Access::kViewer,
         .summary = "One finding with its priority factors, history and comments", .handler = get_finding,
         .tag = "findings", .response_schema = "FindingDetail"});
  r.add({.method = "PATCH", .pattern = "/api/v1/findings/{id}", .access = Access::kOperator,
         .summary = "Triage one finding", .handler = patch_finding, .tag = "findings",
         .request_schema = "TriageChange", .response_schema = "Finding"});
  r.add({.method = "POST", .pattern = "/api/v1/findings/bulk", .access = Access::kOperator,
         .summary = "Triage many findings, all or nothing", .handler = bulk, .tag = "findings",
         .request_schema = "BulkTriage", .response_schema = "BulkResult"});
  r.add({.method = "POST", .pattern = "/api/v1/findings/{id}/comments", .access = Access::kOperator,
         .summary = "Comment on a finding", .handler = add_comment, .tag = "findings",
         .request_schema = "NewComment", .success_status = 201});
  r.add({.method = "POST", .pattern = "/api/v1/findings/{id}/ticket", .access = Access::kOperator,
         .summary = "Send the finding to the ticket webhook", .handler = ticket, .tag = "findings",
         .response_schema = "TicketResult"});
  r.add({.method = "GET", .pattern = "/api/v1/vex", .access = Access::kViewer,
         .summary = "OpenVEX document of the findings judged false positive", .handler = export_vex,
         .tag = "findings", .response_schema = "OpenVEX"});
}

}  // namespace bulwark::server
