// Internal to the server module: the 14 practices of the board (DESIGN.md),
// and how a practice's status, score and drivers follow from the store's
// counts. docs/server/board.md explains the scores to users.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace bulwark::server {

struct PracticeInfo {
  int id;             // 1..14
  const char* key;    // "image_scanning"
  const char* stage;  // "defense", "protection", "detection", "response"
  const char* title;  // "Image scanning"
  const char* feed;   // how to send data for it
};

const std::vector<PracticeInfo>& practices();

// What the store knows about one practice.
struct PracticeFacts {
  // Open findings (not fixed, accepted or false positive) by severity:
  // critical, high, medium, low, unknown.
  long long open[5] = {0, 0, 0, 0, 0};
  long long kev_open = 0;          // open and known exploited (vulnerability management only)
  long long overdue = 0;           // open and past their due date
  long long untriaged = 0;         // state "new"
  long long accepted = 0;          // accepted risk now
  long long fixed_30d = 0;         // fixed in the last 30 days
  long long open_fixable = 0;      // open with a fixed version
  long long artifacts = 0;         // artifacts with any finding of the practice, ever
  long long artifacts_affected = 0;  // … with an open critical or high one
  long long eol_artifacts = 0;     // artifacts on an end-of-life OS (practice 14)
  bool has_data = false;           // any scan fed this practice
};

struct PracticeStatus {
  std::string status;        // good, warning, critical, no_data
  std::optional<int> score;  // 0..100
  std::vector<std::string> drivers;
};

// The score of a practice from its facts (see docs/server/board.md).
PracticeStatus assess_practice(const PracticeInfo& p, const PracticeFacts& f);

}  // namespace bulwark::server
