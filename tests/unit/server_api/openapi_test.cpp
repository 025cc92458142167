// The OpenAPI document is built from the route table: every route appears
// with its role, and every schema it refers to is defined.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "core/json.hpp"
#include "server/openapi.hpp"
#include "server/router.hpp"
#include "testing/testing.hpp"

#include <unistd.h>
#include <filesystem>

namespace bulwark::server {
namespace {

TEST(OpenApi, EveryRouteIsDocumentedWithItsRole) {
  Router router = make_api_router();
  json doc = json::parse(openapi_document(router));
  EXPECT_EQ(doc["openapi"], "3.0.3");
  ASSERT_GE(router.routes().size(), 30u);
  size_t operations = 0;
  for (const auto& [path, item] : doc["paths"].items()) operations += item.size();
  EXPECT_EQ(operations, router.routes().size());
  for (const Route& r : router.routes()) {
    std::string path = r.pattern.substr(7);
    std::string method = r.method;
    for (auto& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ASSERT_TRUE(doc["paths"].contains(path)) << path;
    ASSERT_TRUE(doc["paths"][path].contains(method)) << r.method << " " << path;
    const json& op = doc["paths"][path][method];
    EXPECT_EQ(op["x-bulwark-role"], to_string(r.access)) << path;
    EXPECT_FALSE(r.summary.empty()) << path;
    if (r.access != Access::kPublic) {
      EXPECT_TRUE(op["responses"].contains("401")) << path;
      EXPECT_TRUE(op["responses"].contains("403")) << path;
    }
  }
}

TEST(OpenApi, TheIssuesEndpointsExist) {
  json doc = json::parse(openapi_document(make_api_router()));
  for (const char* p : {"/findings", "/openapi.json", "/reports", "/overview", "/artifacts/{id}/patch-plan", "/vex",
                        "/findings/export.csv", "/findings/bulk", "/auth/login", "/users", "/tokens", "/audit"})
    EXPECT_TRUE(doc["paths"].contains(p)) << p;
}

TEST(OpenApi, EveryReferenceResolves) {
  json doc = json::parse(openapi_document(make_api_router()));
  const json& schemas = doc["components"]["schemas"];
  std::set<std::string> missing;
  std::function<void(const json&)> walk = [&](const json& j) {
    if (j.is_object()) {
      for (const auto& [k, v] : j.items()) {
        if (k == "$ref" && v.is_string()) {
          std::string ref = v.get<std::string>();
          const std::string prefix = "#/components/schemas/";
          if (ref.rfind(prefix, 0) != 0 || !schemas.contains(ref.substr(prefix.size()))) missing.insert(ref);
        } else {
          walk(v);
        }
      }
    } else if (j.is_array()) {
      for (const auto& v : j) walk(v);
    }
  };
  walk(doc);
  EXPECT_TRUE(missing.empty()) << *missing.begin();
}

}  // namespace
}  // namespace bulwark::server

namespace bulwark::server {
namespace {

// The official OpenAPI 3.0 schema check and $ref resolution of
// @apidevtools/swagger-parser (npm ci --prefix tests/tools).
TEST(OpenApi, ValidatesWithSwaggerParser) {
  namespace fs = std::filesystem;
  fs::path tools = fs::path(BULWARK_SOURCE_DIR) / "tests/tools/node_modules";
  if (!fs::exists(tools / "@apidevtools/swagger-parser")) GTEST_SKIP() << "run npm ci --prefix tests/tools";
  if (!testing::have_tool("node")) GTEST_SKIP() << "node is not installed";
  fs::path dir = fs::temp_directory_path() / ("bulwark-openapi-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  testing::write_file(dir / "openapi.json", openapi_document(make_api_router()));
  testing::write_file(dir / "validate.js",
                      "const P = require('@apidevtools/swagger-parser');\n"
                      "P.validate(process.argv[2]).then(a => console.log('valid ' + Object.keys(a.paths).length))\n"
                      "  .catch(e => { console.log('invalid: ' + e.message); process.exit(1); });\n");
  auto r = testing::sh("NODE_PATH=" + tools.string() + " node " + (dir / "validate.js").string() + " " +
                       (dir / "openapi.json").string() + " 2>&1");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("valid ", 0), 0u) << r.out;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace bulwark::server
