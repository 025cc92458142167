#include "server/ticket.hpp"

#include <curl/curl.h>

#include "core/json.hpp"
#include "server/router.hpp"

namespace bulwark::server {

Result<WebhookSettings> parse_webhook_settings(const std::string& json_text) {
  auto doc = parse_json(json_text, "webhook setting");
  if (!doc) return doc.error();
  if (!doc->is_object()) return Error(ErrorCode::kInvalidArgument, "the webhook setting must be an object");
  WebhookSettings w;
  w.url = get_string(*doc, "url");
  if (w.url.rfind("http://", 0) != 0 && w.url.rfind("https://", 0) != 0)
    return Error(ErrorCode::kInvalidArgument, "webhook.url must be an http:// or https:// URL");
  std::string format = get_string(*doc, "format");
  if (!format.empty()) w.format = format;
  if (w.format != "generic" && w.format != "jira")
    return Error(ErrorCode::kInvalidArgument, "webhook.format must be generic or jira");
  w.project_key = get_string(*doc, "project_key");
  if (w.format == "jira" && w.project_key.empty())
    return Error(ErrorCode::kInvalidArgument, "webhook.project_key is required for jira");
  if (std::string t = get_string(*doc, "issue_type"); !t.empty()) w.issue_type = t;
  w.authorization = get_string(*doc, "authorization");
  return w;
}

std::string ticket_payload(const WebhookSettings& hook, const store::FindingDetail& d, const std::string& board_url) {
  const store::FindingRow& f = d.row;
  std::string link = board_url + "/#/findings/" + std::to_string(f.id);
  std::string subject = f.rule_id + (f.package_name.empty() ? "" : " in " + f.package_name + " " + f.package_version) +
                        " (" + f.artifact_name + ")";
  std::string fixed;
  for (const auto& v : f.fixed_versions) fixed += (fixed.empty() ? "" : ", ") + v;
  if (hook.format == "jira") {
    std::string text = f.title + "\n\n" + "Artifact: " + f.artifact_name + "\n" + "Severity: " + f.severity +
                       "\nPriority: " + f.priority_level + " (" + std::to_string(f.priority_score) + "/100)\n" +
                       (f.package_name.empty() ? "" : "Package: " + f.package_name + " " + f.package_version + "\n") +
                       (fixed.empty() ? "" : "Fixed in: " + fixed + "\n") +
                       (f.location.empty() ? "" : "Location: " + f.location + "\n") +
                       (f.due_date.empty() ? "" : "Due: " + f.due_date + "\n") + "Board: " + link + "\n";
    json body = {{"fields",
                  {{"project", {{"key", hook.project_key}}},
                   {"summary", "[Bulwark] " + subject.substr(0, 240)},
                   {"description", text},
                   {"issuetype", {{"name", hook.issue_type}}},
                   {"labels", json::array({"bulwark", f.priority_level, f.kind})}}}};
    if (!f.due_date.empty()) body["fields"]["duedate"] = f.due_date;
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
  }
  json finding = {{"id", f.id},
                  {"kind", f.kind},
                  {"rule_id", f.rule_id},
                  {"title", f.title},
                  {"severity", f.severity},
                  {"priority", {{"score", f.priority_score}, {"level", f.priority_level}}},
                  {"state", f.state},
                  {"assignee", f.assignee},
                  {"due_date", f.due_date},
                  {"artifact", {{"id", f.artifact_id}, {"name", f.artifact_name}, {"kind", f.artifact_kind}}},
                  {"package", {{"name", f.package_name}, {"version", f.package_version}, {"fixed_versions", f.fixed_versions}}},
                  {"location", f.location},
                  {"kev", f.kev},
                  {"first_seen", f.first_seen},
                  {"url", link}};
  return json{{"event", "bulwark.finding.ticket"}, {"summary", subject}, {"finding", finding}}.dump(
      -1, ' ', false, json::error_handler_t::replace);
}

namespace {

size_t collect(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  if (out->size() + size * n > (256u << 10)) return 0;
  out->append(data, size * n);
  return size * n;
}

}  // namespace

Result<TicketSent> send_ticket(const WebhookSettings& hook, const store::FindingDetail& d, const std::string& board_url) {
  std::string body = ticket_payload(hook, d, board_url);
  CURL* h = curl_easy_init();
  if (!h) return Error(ErrorCode::kInternal, "curl_easy_init failed");
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  if (!hook.authorization.empty()) headers = curl_slist_append(headers, ("Authorization: " + hook.authorization).c_str());
  std::string answer;
  curl_easy_setopt(h, CURLOPT_URL, hook.url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  CURLcode rc = curl_easy_perform(h);
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(h);
  if (rc != CURLE_OK) return Error(ErrorCode::kNetwork, curl_easy_strerror(rc), hook.url);
  if (status < 200 || status > 299)
    return Error(ErrorCode::kNetwork, "answered " + std::to_string(status) + ": " + answer.substr(0, 200), hook.url);
  TicketSent sent;
  sent.http_status = static_cast<int>(status);
  if (auto doc = parse_json(answer, "webhook answer"); doc && doc->is_object()) {
    sent.reference = get_string(*doc, "key");
    if (sent.reference.empty() && doc->contains("id"))
      sent.reference = (*doc)["id"].is_string() ? (*doc)["id"].get<std::string>() : (*doc)["id"].dump();
  }
  return sent;
}

std::string public_base_url(const Context& ctx) {
  std::string host = ctx.req.header("Host");
  bool ok = !host.empty() && host.size() < 256 && host.find_first_of(" /\\\"'<>") == std::string::npos;
  return std::string(ctx.req.tls ? "https://" : "http://") + (ok ? host : "localhost");
}

}  // namespace bulwark::server
