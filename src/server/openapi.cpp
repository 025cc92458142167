// GET /api/v1/openapi.json: the OpenAPI 3 document, built from the route table
// (paths, methods, roles, parameters, body and answer schemas) and the schema
// definitions in openapi_schemas.json, so that it cannot drift from the code.
#include "server/openapi.hpp"

#include "core/core.hpp"
#include "core/json.hpp"
#include "server/router.hpp"

namespace bulwark::server {

extern const char* const kOpenApiSchemas;  // generated from openapi_schemas.json

namespace {

json error_response(const char* what) {
  return {{"description", what},
          {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

}  // namespace

std::string openapi_document(const Router& router) {
  json doc;
  doc["openapi"] = "3.0.3";
  doc["info"]["title"] = "Bulwark server API";
  doc["info"]["version"] = std::string(tool_version());
  doc["info"]["description"] =
      "The security board's REST API. Roles: viewer < operator < admin; each operation names the least role it needs "
      "in x-bulwark-role.";
  doc["servers"] = json::array({{{"url", "/api/v1"}}});
  json paths = json::object();
  for (const Route& r : router.routes()) {
    std::string path = r.pattern.substr(std::string("/api/v1").size());
    json op;
    op["summary"] = r.summary;
    op["operationId"] = [&] {
      std::string id = r.method;
      for (char c : path) id += (std::isalnum(static_cast<unsigned char>(c)) ? c : '_');
      return id;
    }();
    if (!r.tag.empty()) op["tags"] = json::array({r.tag});
    op["x-bulwark-role"] = to_string(r.access);
    if (r.access == Access::kPublic) {
      op["security"] = json::array();
    }
    json params = json::array();
    for (size_t at = path.find('{'); at != std::string::npos; at = path.find('{', at + 1)) {
      std::string name = path.substr(at + 1, path.find('}', at) - at - 1);
      params.push_back({{"name", name}, {"in", "path"}, {"required", true},
                        {"schema", name == "id" ? json{{"type", "integer"}} : json{{"type", "string"}}}});
    }
    for (const auto& q : r.query_params) {
      params.push_back({{"name", q}, {"in", "query"}, {"required", false}, {"schema", {{"type", "string"}}}});
    }
    if (!params.empty()) op["parameters"] = params;
    if (!r.request_schema.empty()) {
      op["requestBody"] = {{"required", true},
                           {"content",
                            {{"application/json", {{"schema", {{"$ref", "#/components/schemas/" + r.request_schema}}}}}}}};
    }
    json ok = {{"description", "success"}};
    if (!r.response_schema.empty()) {
      ok["content"] = {{r.response_type, {{"schema", {{"$ref", "#/components/schemas/" + r.response_schema}}}}}};
    } else if (r.response_type != "application/json") {
      ok["content"] = {{r.response_type, {{"schema", {{"type", "string"}}}}}};
    }
    json responses;
    responses[std::to_string(r.success_status)] = ok;
    if (r.pattern == "/api/v1/reports") responses["200"] = {{"description", "the same report was already stored"},
        {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/UploadResult"}}}}}}}};
    responses["400"] = error_response("bad request: malformed body or parameters");
    if (r.access != Access::kPublic) {
      responses["401"] = error_response("no or invalid credentials");
      responses["403"] = error_response("the role is too weak, or the CSRF token is missing");
    }
    if (r.pattern.find('{') != std::string::npos) responses["404"] = error_response("no such object");
    if (r.pattern == "/api/v1/auth/login") responses["429"] = error_response("too many failed logins");
    if (r.pattern == "/api/v1/reports") responses["413"] = error_response("report larger than the limit");
    op["responses"] = responses;
    std::string method = r.method;
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    paths[path][method] = op;
  }
  doc["paths"] = paths;
  doc["components"]["schemas"] = json::parse(kOpenApiSchemas);
  doc["components"]["securitySchemes"] = {
      {"bearer", {{"type", "http"}, {"scheme", "bearer"}, {"description", "API token bwt_…"}}},
      {"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", "bulwark_session"}}}};
  doc["security"] = json::array({{{"bearer", json::array()}}, {{"session", json::array()}}});
  return doc.dump(2);
}

}  // namespace bulwark::server
