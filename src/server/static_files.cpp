// The board's files, compiled into the binary (src/server/assets). Paths
// without a file extension get index.html, so that the single-page app's
// routes survive a reload.
#include "server/assets/assets.hpp"
#include "server/services.hpp"

namespace bulwark::server {

bool serve_static(const Request& req, Response& res) {
  if (req.method != "GET" && req.method != "HEAD") return false;
  std::string path = req.path.empty() || req.path == "/" ? "/index.html" : req.path;
  const WebAsset* asset = find_web_asset(path);
  if (!asset) {
    size_t slash = path.rfind('/');
    bool has_extension = path.find('.', slash) != std::string::npos;
    if (has_extension) return false;
    asset = find_web_asset("/index.html");
    if (!asset) return false;
  }
  if (!asset->etag.empty() && req.header("If-None-Match") == asset->etag) {
    res.status = 304;
    res.content_type = std::string(asset->content_type);
    res.set_header("ETag", std::string(asset->etag));
    return true;
  }
  res.status = 200;
  res.content_type = std::string(asset->content_type);
  res.body = std::string(asset->body);
  if (!asset->etag.empty()) res.set_header("ETag", std::string(asset->etag));
  // Hashed bundle names never change content; index.html must be revalidated.
  bool immutable = path.rfind("/assets/", 0) == 0;
  res.set_header("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  return true;
}

}  // namespace bulwark::server
