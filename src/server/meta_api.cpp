// GET /api/v1/health and GET /api/v1/openapi.json: public, for load balancers
// and API clients.
#include "server/api.hpp"
#include "server/openapi.hpp"

namespace bulwark::server {

void add_meta_routes(Router& r) {
  r.add({.method = "GET", .pattern = "/api/v1/health", .access = Access::kPublic,
         .summary = "Liveness and the store in use",
         .handler = [](Context& ctx) {
           send_json(ctx, {{"status", "ok"}, {"version", std::string(tool_version())}, {"store", ctx.svc.store_kind}});
         },
         .tag = "meta", .response_schema = "Health"});
  r.add({.method = "GET", .pattern = "/api/v1/openapi.json", .access = Access::kPublic,
         .summary = "This API's OpenAPI 3 document",
         .handler = [](Context& ctx) {
           // Built once: the route table does not change while serving.
           static const std::string doc = openapi_document(make_api_router());
           ctx.res.body = doc;
         },
         .tag = "meta"});
}

}  // namespace bulwark::server
