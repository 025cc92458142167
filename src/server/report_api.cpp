// POST /api/v1/reports (scanners upload here) and GET /api/v1/scans.
#include "server/api.hpp"

namespace bulwark::server {

namespace {

void upload(Context& ctx) {
  if (ctx.req.body.empty()) bad_request("the request needs a Bulwark JSON report as its body");
  std::string type = ctx.req.header("Content-Type");
  if (!type.empty() && type.rfind("application/json", 0) != 0)
    fail(415, "bad_request", "reports are sent as application/json, not " + type.substr(0, 60));
  auto r = ctx.svc.store->ingest(ctx.req.body, actor(ctx));
  if (!r) {
    const Error& e = r.error();
    if (e.code == ErrorCode::kUnsupported) fail(400, "unsupported_report_version", e.describe());
    if (e.code == ErrorCode::kCorrupt || e.code == ErrorCode::kInvalidArgument || e.code == ErrorCode::kLimitExceeded)
      bad_request("not stored: " + e.describe());
    store_failed(e);
  }
  if (r->created) {
    audit(ctx, "report_upload", "scan:" + std::to_string(r->scan_id),
          std::to_string(r->new_findings) + " new, " + std::to_string(r->fixed) + " fixed, " +
              std::to_string(r->reappeared) + " reappeared");
  }
  send_json(ctx,
            {{"scan_id", r->scan_id},
             {"artifact_id", r->artifact_id},
             {"created", r->created},
             {"new_findings", r->new_findings},
             {"fixed_findings", r->fixed},
             {"reappeared_findings", r->reappeared}},
            r->created ? 201 : 200);
}

void list_scans(Context& ctx) {
  std::optional<int64_t> artifact = query_int(ctx, "artifact", 1, INT64_MAX);
  int limit = static_cast<int>(query_int(ctx, "limit", 1, 500).value_or(50));
  auto page = must(ctx.svc.store->list_scans(artifact, limit, query_string(ctx, "cursor", 500).value_or("")));
  send_json(ctx, page_json(page, [](const store::ScanRow& s) {
    return json{{"id", s.id},
                     {"artifact_id", s.artifact_id},
                     {"created_at", s.created_at},
                     {"received_at", s.received_at},
                     {"tool_version", s.tool_version},
                     {"target_kind", s.target_kind},
                     {"digest", s.digest},
                     {"scanners", s.scanners},
                     {"findings", s.findings},
                     {"counts", counts_json(s.counts)}};
  }));
}

}  // namespace

void add_report_routes(Router& r) {
  r.add({.method = "POST", .pattern = "/api/v1/reports", .access = Access::kOperator,
         .summary = "Upload a Bulwark JSON report (idempotent)", .handler = upload, .tag = "reports",
         .request_schema = "Report", .response_schema = "UploadResult", .success_status = 201});
  r.add({.method = "GET", .pattern = "/api/v1/scans", .access = Access::kViewer, .summary = "Scans, newest first",
         .handler = list_scans, .tag = "reports", .query_params = {"artifact", "limit", "cursor"},
         .response_schema = "ScanList"});
}

}  // namespace bulwark::server
