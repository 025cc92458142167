// Cross-check of Bulwark's file permission checks against Lynis on this
// machine: Lynis's FILE-7524 (the permfile=/permdir= modes of its default
// profile) and a Bulwark spec with the same files and modes
// (tests/fixtures/compliance/lynis-file-permissions.yaml) must agree on
// every path Lynis examines; paths Lynis skips because they do not exist
// pass in Bulwark with "not present". See docs/compliance.md.
#include <gtest/gtest.h>

#include <regex>
#include <sstream>

#include "integration/harness.hpp"

namespace bulwark::integration {
namespace {

using testing::TempDir;

std::string strip_escapes(const std::string& s) {
  static const std::regex esc("\x1b\\[[0-9;]*[A-Za-z]");
  return std::regex_replace(s, esc, " ");
}

TEST(LynisCrossCheck, FilePermissionsAgree) {
  BULWARK_REQUIRE_TOOL("lynis");
  TempDir t;
  auto lynis = testing::run({"timeout", "600", "lynis", "audit", "system", "--tests", "FILE-7524", "--no-plugins", "--quick",
                             "--no-colors", "--logfile", (t / "lynis.log").string(), "--report-file",
                             (t / "lynis-report.dat").string()});
  ASSERT_EQ(lynis.exit_code, 0) << lynis.err;
  // "File: /etc/passwd [ OK ]", "Directory: /etc/cron.d [ SUGGESTION ]"
  std::map<std::string, std::string> verdicts;
  std::istringstream lines(strip_escapes(lynis.out));
  static const std::regex row(R"(\s*(File|Directory): (\S+)\s+\[ (OK|SUGGESTION) \])");
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, row)) verdicts[m[2]] = m[3];
  }
  ASSERT_FALSE(verdicts.empty()) << "no FILE-7524 results in Lynis's output:\n" << lynis.out;

  auto s = scan_json({"compliance", "-q", "--spec-file",
                      (testing::fixture("compliance/lynis-file-permissions.yaml")).string()});
  ASSERT_FALSE(s.report.is_null()) << s.why;
  size_t compared = 0;
  for (const auto& c : s.report.at("compliance").at(0).at("controls")) {
    std::string path = c.at("id");
    std::string status = c.at("status");
    auto v = verdicts.find(path);
    if (v == verdicts.end()) {
      // Lynis skipped it: not on this machine.
      EXPECT_EQ(status, "pass") << path;
      EXPECT_EQ(c.value("message", ""), "not present") << path;
      continue;
    }
    ++compared;
    EXPECT_EQ(status, v->second == "OK" ? "pass" : "fail") << path << ": Lynis says " << v->second;
  }
  EXPECT_EQ(compared, verdicts.size());
}

}  // namespace
}  // namespace bulwark::integration
