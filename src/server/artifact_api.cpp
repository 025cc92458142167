// /api/v1/artifacts: images (by digest, with tags and repositories), hosts,
// repositories and directories; their packages, layers, patch plan and
// compliance results from the latest scan.
#include "enrich/enrich.hpp"
#include "server/api.hpp"

namespace bulwark::server {

namespace {

json artifact_json(const store::ArtifactRow& a) {
  json j = {{"id", a.id},
            {"kind", a.kind},
            {"name", a.name},
            {"digest", a.digest},
            {"tags", a.tags},
            {"repositories", a.repositories},
            {"os", a.os_family.empty() ? std::string() : a.os_family + " " + a.os_version},
            {"os_family", a.os_family},
            {"os_version", a.os_version},
            {"eol_date", a.os_eol.empty() ? json() : json(a.os_eol)},
            {"internet_facing", a.internet_facing},
            {"first_seen", a.first_seen},
            {"last_seen", a.last_seen},
            {"counts", counts_json(a.counts)},
            {"risk", a.risk},
            {"latest_scan_id", a.latest_scan_id}};
  if (!a.digests.empty()) {
    json ds = json::array();
    for (const auto& d : a.digests)
      ds.push_back({{"digest", d.digest}, {"tags", d.tags}, {"repositories", d.repositories},
                    {"first_seen", d.first_seen}, {"last_seen", d.last_seen}});
    j["digests"] = ds;
  }
  return j;
}

void list_artifacts(Context& ctx) {
  store::ArtifactQuery q;
  auto kinds = query_list(ctx, "kind", {"image", "repository", "host", "filesystem", "rootfs", "sbom", "cluster"});
  if (kinds.size() > 1) bad_request("query parameter 'kind' takes one value");
  if (!kinds.empty()) q.kind = kinds[0];
  q.q = query_string(ctx, "q").value_or("");
  auto sort = query_list(ctx, "sort", {"name", "last_seen", "risk"});
  if (!sort.empty()) q.sort = sort[0];
  auto order = query_list(ctx, "order", {"asc", "desc"});
  if (!order.empty()) q.order = order[0];
  q.limit = static_cast<int>(query_int(ctx, "limit", 1, 500).value_or(50));
  q.cursor = query_string(ctx, "cursor", 500).value_or("");
  send_json(ctx, page_json(must(ctx.svc.store->list_artifacts(q)), artifact_json));
}

json compliance_summary(const Report& r) {
  json out = json::array();
  for (const auto& c : r.compliance) {
    auto pct = c.total.percent();
    out.push_back({{"spec", c.spec},
                   {"title", c.title},
                   {"version", c.version},
                   {"pass", c.total.pass},
                   {"fail", c.total.fail},
                   {"warn", c.total.warn},
                   {"manual", c.total.manual},
                   {"error", c.total.error},
                   {"percent", pct ? json(*pct) : json()}});
  }
  return out;
}

void get_artifact(Context& ctx) {
  int64_t id = id_param(ctx);
  auto a = must(ctx.svc.store->get_artifact(id));
  json out = {{"artifact", artifact_json(a)}};
  auto scans = must(ctx.svc.store->list_scans(id, 1, ""));
  if (!scans.items.empty()) {
    const auto& s = scans.items[0];
    out["latest_scan"] = {{"id", s.id},           {"created_at", s.created_at}, {"received_at", s.received_at},
                          {"tool_version", s.tool_version}, {"target_kind", s.target_kind}, {"scanners", s.scanners},
                          {"findings", s.findings}, {"counts", counts_json(s.counts)}};
  }
  json layers = json::array();
  for (const auto& l : must(ctx.svc.store->layers(id)))
    layers.push_back({{"digest", l.digest}, {"diff_id", l.diff_id}, {"size", l.size}, {"created_by", l.created_by},
                      {"findings", l.findings}});
  out["layers"] = layers;
  auto compliance = ctx.svc.store->latest_compliance_report(id);
  out["compliance"] = compliance ? compliance_summary(*compliance) : json::array();
  send_json(ctx, out);
}

void patch_artifact(Context& ctx) {
  int64_t id = id_param(ctx);
  json body = body_object(ctx);
  auto facing = field_bool(body, "internet_facing");
  for (const auto& [k, v] : body.items())
    if (k != "internet_facing") bad_request("unknown field '" + k + "' (known: internet_facing)");
  if (!facing) bad_request("field 'internet_facing' is required");
  must(ctx.svc.store->set_internet_facing(id, *facing, actor(ctx)));
  send_json(ctx, artifact_json(must(ctx.svc.store->get_artifact(id))));
}

void list_packages(Context& ctx) {
  int64_t id = id_param(ctx);
  std::string q = query_string(ctx, "q").value_or("");
  json items = json::array();
  for (const auto& p : must(ctx.svc.store->packages(id, q)))
    items.push_back({{"name", p.name}, {"version", p.version}, {"ecosystem", p.ecosystem}, {"purl", p.purl},
                     {"layer", p.layer}, {"findings", p.findings}});
  send_json(ctx, {{"items", items}, {"next_cursor", json()}, {"total", items.size()}, {"total_is_estimate", false}});
}

void patch_plan(Context& ctx) {
  int64_t id = id_param(ctx);
  (void)must(ctx.svc.store->get_artifact(id));
  auto report = ctx.svc.store->latest_report(id);
  if (!report) {
    if (report.error().code == ErrorCode::kNotFound) {
      send_json(ctx, {{"artifact_id", id}, {"os", json()}, {"packages", json::array()}, {"base_image", json()},
                      {"warnings", json::array({"no scan with an inventory is stored for this artifact"})}});
      return;
    }
    store_failed(report.error());
  }
  enrich::PatchOptions opt;
  opt.today = ctx.svc.today();
  json plan = json::parse(enrich::patch_plan_json(enrich::plan_patches(*report, opt)));
  plan["artifact_id"] = id;
  send_json(ctx, plan);
}

void compliance(Context& ctx) {
  int64_t id = id_param(ctx);
  (void)must(ctx.svc.store->get_artifact(id));
  auto report = ctx.svc.store->latest_compliance_report(id);
  if (!report && report.error().code != ErrorCode::kNotFound) store_failed(report.error());
  json items = json::array();
  if (report) {
    for (const auto& c : report->compliance) {
      json j;
      to_json(j, c);
      items.push_back(std::move(j));
    }
  }
  send_json(ctx, {{"items", items}});
}

}  // namespace

void add_artifact_routes(Router& r) {
  r.add({.method = "GET", .pattern = "/api/v1/artifacts", .access = Access::kViewer,
         .summary = "Artifacts: images, hosts, repositories, directories", .handler = list_artifacts,
         .tag = "inventory", .query_params = {"kind", "q", "sort", "order", "limit", "cursor"},
         .response_schema = "ArtifactList"});
  r.add({.method = "GET", .pattern = "/api/v1/artifacts/{id}", .access = Access::kViewer,
         .summary = "One artifact with its latest scan, layers and compliance summary", .handler = get_artifact,
         .tag = "inventory", .response_schema = "ArtifactDetail"});
  r.add({.method = "PATCH", .pattern = "/api/v1/artifacts/{id}", .access = Access::kOperator,
         .summary = "Set the exposure context (internet-facing)", .handler = patch_artifact, .tag = "inventory",
         .request_schema = "ArtifactPatch", .response_schema = "Artifact"});
  r.add({.method = "GET", .pattern = "/api/v1/artifacts/{id}/packages", .access = Access::kViewer,
         .summary = "Packages of the latest scan", .handler = list_packages, .tag = "inventory",
         .query_params = {"q"}, .response_schema = "PackageList"});
  r.add({.method = "GET", .pattern = "/api/v1/artifacts/{id}/patch-plan", .access = Access::kViewer,
         .summary = "Smallest upgrades, base-image advice and end-of-life warnings", .handler = patch_plan,
         .tag = "inventory", .response_schema = "PatchPlan"});
  r.add({.method = "GET", .pattern = "/api/v1/artifacts/{id}/compliance", .access = Access::kViewer,
         .summary = "Compliance results of the latest scan that had them", .handler = compliance,
         .tag = "inventory", .response_schema = "ComplianceList"});
}

}  // namespace bulwark::server
