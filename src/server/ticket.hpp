// Internal to the server module: handing a finding to a ticket system through
// a webhook — a generic JSON event, or Jira's "create issue" body (REST API
// v2, POST /rest/api/2/issue) so that Jira or a proxy in front of it accepts it.
#pragma once

#include <string>

#include "core/core.hpp"
#include "server/store/store.hpp"

namespace bulwark::server {

struct Context;

struct WebhookSettings {
  std::string url;
  std::string format = "generic";  // generic, jira
  std::string project_key;         // jira: the project
  std::string issue_type = "Bug";  // jira
  std::string authorization;       // sent as the Authorization header when set
};

// From the "webhook" setting's JSON. Errors name the field.
Result<WebhookSettings> parse_webhook_settings(const std::string& json_text);

// The request body for a finding.
std::string ticket_payload(const WebhookSettings& hook, const store::FindingDetail& finding,
                           const std::string& board_url);

struct TicketSent {
  int http_status = 0;
  std::string reference;  // Jira's issue key, the generic answer's "id"/"key", or empty
};

// POSTs the payload (10 s timeout, no redirects). A non-2xx answer is an error.
Result<TicketSent> send_ticket(const WebhookSettings& hook, const store::FindingDetail& finding,
                               const std::string& board_url);

// "http(s)://host" this request came to, for links back to the board.
std::string public_base_url(const Context& ctx);

}  // namespace bulwark::server
