// The scanners' side: upload a finished report to a server (`--server URL
// --token TOKEN` on the scan commands, `bulwark report upload FILE`).
#include <curl/curl.h>

#include "core/json.hpp"
#include "server/server.hpp"

namespace bulwark::server {

namespace {

size_t collect(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  // The server's answers are small; refuse to buffer anything silly.
  if (out->size() + size * n > (1u << 20)) return 0;
  out->append(data, size * n);
  return size * n;
}

struct CurlHandle {
  CURL* h = curl_easy_init();
  curl_slist* headers = nullptr;
  ~CurlHandle() {
    curl_slist_free_all(headers);
    if (h) curl_easy_cleanup(h);
  }
};

}  // namespace

Result<UploadResult> upload_report(const std::string& server_url, const std::string& token,
                                   std::string_view report_json, bool insecure_tls) {
  if (server_url.rfind("http://", 0) != 0 && server_url.rfind("https://", 0) != 0)
    return Error(ErrorCode::kInvalidArgument, "--server wants an http:// or https:// URL, got '" + server_url + "'");
  if (token.empty()) return Error(ErrorCode::kAuth, "uploading needs an API token (--token or BULWARK_TOKEN)");
  std::string url = server_url;
  while (!url.empty() && url.back() == '/') url.pop_back();
  url += "/api/v1/reports";

  CurlHandle c;
  if (!c.h) return Error(ErrorCode::kInternal, "curl_easy_init failed");
  std::string auth = "Authorization: Bearer " + token;
  c.headers = curl_slist_append(c.headers, auth.c_str());
  c.headers = curl_slist_append(c.headers, "Content-Type: application/json");
  c.headers = curl_slist_append(c.headers, "Expect:");
  std::string answer;
  curl_easy_setopt(c.h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c.h, CURLOPT_HTTPHEADER, c.headers);
  curl_easy_setopt(c.h, CURLOPT_POSTFIELDS, report_json.data());
  curl_easy_setopt(c.h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(report_json.size()));
  curl_easy_setopt(c.h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(c.h, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(c.h, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(c.h, CURLOPT_TIMEOUT, 600L);
  curl_easy_setopt(c.h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c.h, CURLOPT_USERAGENT, ("bulwark/" + std::string(tool_version())).c_str());
  if (insecure_tls) {
    curl_easy_setopt(c.h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c.h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  CURLcode rc = curl_easy_perform(c.h);
  if (rc != CURLE_OK)
    return Error(ErrorCode::kNetwork, std::string("upload failed: ") + curl_easy_strerror(rc), url);
  long status = 0;
  curl_easy_getinfo(c.h, CURLINFO_RESPONSE_CODE, &status);

  auto doc = parse_json(answer, "server answer");
  std::string message;
  if (doc && doc->is_object() && doc->contains("error") && (*doc)["error"].is_object())
    message = get_string((*doc)["error"], "message");
  if (status == 401 || status == 403)
    return Error(ErrorCode::kAuth, "the server refused the token: " + message, url);
  if (status == 413) return Error(ErrorCode::kLimitExceeded, "the server refused the report: " + message, url);
  if (status >= 400 && status < 500)
    return Error(ErrorCode::kInvalidArgument, "the server refused the report (" + std::to_string(status) + "): " + message, url);
  if (status != 200 && status != 201)
    return Error(ErrorCode::kNetwork, "the server answered " + std::to_string(status) + ": " + message, url);
  if (!doc || !doc->is_object()) return Error(ErrorCode::kNetwork, "the server's answer is not JSON", url);
  UploadResult r;
  r.http_status = static_cast<int>(status);
  r.scan_id = get_int(*doc, "scan_id");
  r.artifact_id = get_int(*doc, "artifact_id");
  r.created = doc->value("created", false);
  return r;
}

}  // namespace bulwark::server
