// bulwark version compare: single pairs, --stdin batches, errors and exit codes.
// Runs the real binary.
#include <gtest/gtest.h>

#include <sstream>

#include "testing/testing.hpp"

namespace bulwark::testing {
namespace {

CommandResult bulwark(std::vector<std::string> args, const std::string& input = {}) {
  args.insert(args.begin(), bulwark_binary());
  return run(args, input);
}

TEST(VersionCompare, PrintsTheOrder) {
  struct Case {
    const char *eco, *a, *b, *want;
  };
  for (auto c : std::vector<Case>{{"deb", "1.0~rc1", "1.0", "<\n"},
                                  {"debian", "1:0.9", "2.0", ">\n"},
                                  {"rpm", "1.0^git1", "1.0", ">\n"},
                                  {"alpine", "1.0_rc1", "1.0", "<\n"},
                                  {"PyPI", "1.0RC1", "1.0rc1", "=\n"},
                                  {"maven", "1.0-SNAPSHOT", "1.0", "<\n"},
                                  {"Go", "v0.0.0-20210101000000-abcdef123456", "v0.1.0", "<\n"},
                                  {"npm", "v1.2.3", "1.2.3", "=\n"},
                                  {"gem", "1.0.a", "1.0", "<\n"},
                                  {"NuGet", "1.0.0-BETA", "1.0.0-beta", "=\n"},
                                  {"packagist", "1.0.0-beta2", "1.0.0-RC1", "<\n"},
                                  {"crates.io", "1.0.0-alpha.1", "1.0.0-alpha.beta", "<\n"}}) {
    auto r = bulwark({"version", "compare", c.eco, c.a, c.b});
    EXPECT_EQ(r.exit_code, 0) << c.eco << " " << r.err;
    EXPECT_EQ(r.out, c.want) << c.eco << " " << c.a << " " << c.b;
  }
}

TEST(VersionCompare, InvalidVersionNamesItAndExitsTwo) {
  auto r = bulwark({"version", "compare", "deb", "1.0", "x.y"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("'x.y'"), std::string::npos) << r.err;
  auto eco = bulwark({"version", "compare", "cobol", "1", "2"});
  EXPECT_EQ(eco.exit_code, 2);
  EXPECT_NE(eco.err.find("cobol"), std::string::npos) << eco.err;
  EXPECT_EQ(bulwark({"version", "compare", "deb", "1.0"}).exit_code, 2);
  EXPECT_EQ(bulwark({"version", "compare"}).exit_code, 2);
}

TEST(VersionCompare, StdinKeepsLinesAligned) {
  auto r = bulwark({"version", "compare", "deb", "--stdin"},
                   "1.0 2.0\n\n2.36-9+deb12u4 2.36-9+deb12u10\nfoo 1.0\n1:1.0 1.0\n1 2 3\n1.0 1.0-0\n");
  EXPECT_EQ(r.exit_code, 3) << r.err;
  std::vector<std::string> out;
  std::string l;
  std::istringstream in(r.out);
  while (std::getline(in, l)) out.push_back(l);
  ASSERT_EQ(out.size(), 7u) << r.out;
  EXPECT_EQ(out[0], "<");
  EXPECT_EQ(out[1], "");
  EXPECT_EQ(out[2], "<");
  EXPECT_EQ(out[3].rfind("error: line 4: ", 0), 0u) << out[3];
  EXPECT_NE(out[3].find("'foo'"), std::string::npos) << out[3];
  EXPECT_EQ(out[4], ">");
  EXPECT_EQ(out[5].rfind("error: line 6: ", 0), 0u) << out[5];
  EXPECT_EQ(out[6], "=");
}

TEST(VersionCompare, StdinAllGoodExitsZero) {
  auto r = bulwark({"version", "compare", "pypi", "--stdin"}, "1.0.dev0 1.0a1\r\n1.0 1.0.post1\n1.0+local 1.0\n");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "<\n<\n>\n");
  auto empty = bulwark({"version", "compare", "npm", "--stdin"}, "");
  EXPECT_EQ(empty.exit_code, 0);
  EXPECT_EQ(empty.out, "");
}

TEST(VersionCompare, PlainVersionStillPrintsVersions) {
  auto r = bulwark({"version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out.rfind("bulwark ", 0), 0u) << r.out;
  EXPECT_NE(r.out.find("analyzer"), std::string::npos);
}

}  // namespace
}  // namespace bulwark::testing
