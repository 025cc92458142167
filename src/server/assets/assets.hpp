// The board's static files (web/, built with npm), compiled into the binary.
// Generated at build time by cmake/EmbedWebAssets.cmake; when the board was
// not built (no npm, or -DBULWARK_WEB=OFF) a placeholder index.html says how
// to build it, and the API keeps working.
#pragma once

#include <string_view>

namespace bulwark::server {

struct WebAsset {
  std::string_view path;          // "/index.html", "/assets/index-abc123.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view etag;          // strong ETag, quoted: "\"<sha256 prefix>\""
  std::string_view body;
};

// The asset at a request path, or nullptr. "/" and "" mean "/index.html".
// The query string must already be stripped.
const WebAsset* find_web_asset(std::string_view path);

// False when only the placeholder page is embedded.
bool web_assets_built();

}  // namespace bulwark::server
