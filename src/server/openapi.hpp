// Internal to the server module: the OpenAPI 3 document of the API.
#pragma once

#include <string>

namespace bulwark::server {

class Router;

// The document, built from the route table and the schema definitions.
std::string openapi_document(const Router& router);

}  // namespace bulwark::server
