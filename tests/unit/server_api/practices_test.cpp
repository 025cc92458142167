#include <gtest/gtest.h>

#include "server/practices.hpp"

namespace bulwark::server {
namespace {

const PracticeInfo& practice(int id) { return practices().at(static_cast<size_t>(id - 1)); }

TEST(Practices, FourteenInFourStagesInOrder) {
  ASSERT_EQ(practices().size(), 14u);
  for (size_t i = 0; i < practices().size(); ++i) EXPECT_EQ(practices()[i].id, static_cast<int>(i + 1));
  EXPECT_STREQ(practice(6).stage, "defense");
  EXPECT_STREQ(practice(7).stage, "protection");
  EXPECT_STREQ(practice(9).stage, "protection");
  EXPECT_STREQ(practice(10).stage, "detection");
  EXPECT_STREQ(practice(11).stage, "detection");
  EXPECT_STREQ(practice(12).stage, "response");
  EXPECT_STREQ(practice(14).stage, "response");
}

TEST(Practices, NoDataSaysSoAndHasNoScore) {
  auto s = assess_practice(practice(10), PracticeFacts{});
  EXPECT_EQ(s.status, "no_data");
  EXPECT_FALSE(s.score.has_value());
  EXPECT_NE(std::string(practice(10).feed).find("No data yet"), std::string::npos);
}

TEST(Practices, FindingCardsScoreTheShareOfCleanArtifacts) {
  PracticeFacts f;
  f.has_data = true;
  f.artifacts = 10;
  f.artifacts_affected = 3;
  f.open[0] = 2;
  f.open[1] = 5;
  auto s = assess_practice(practice(3), f);
  EXPECT_EQ(*s.score, 70);
  EXPECT_EQ(s.status, "warning");
  ASSERT_FALSE(s.drivers.empty());
  EXPECT_EQ(s.drivers[0], "2 critical and 5 high open in 3 artifacts of 10");
  f.artifacts_affected = 5;
  EXPECT_EQ(assess_practice(practice(3), f).status, "critical");
  f = PracticeFacts{};
  f.has_data = true;
  f.artifacts = 4;
  auto clean = assess_practice(practice(3), f);
  EXPECT_EQ(*clean.score, 100);
  EXPECT_EQ(clean.status, "good");
}

TEST(Practices, VulnerabilityManagementWeighsDueDatesAndTriage) {
  PracticeFacts f;
  f.has_data = true;
  f.open[1] = 10;
  f.untriaged = 10;
  EXPECT_EQ(*assess_practice(practice(9), f).score, 50);
  f.untriaged = 0;
  EXPECT_EQ(*assess_practice(practice(9), f).score, 100);
  f.kev_open = 2;
  auto kev = assess_practice(practice(9), f);
  EXPECT_EQ(kev.status, "warning");
  EXPECT_EQ(kev.drivers.back(), "2 open vulnerabilities are known exploited (KEV)");
  f.kev_open = 0;
  f.overdue = 5;
  auto s = assess_practice(practice(9), f);
  EXPECT_EQ(*s.score, 50);
  EXPECT_EQ(s.status, "critical");
}

TEST(Practices, PatchingCountsFixesAndEndOfLife) {
  PracticeFacts f;
  f.has_data = true;
  f.fixed_30d = 19;
  f.open_fixable = 1;
  auto s = assess_practice(practice(14), f);
  EXPECT_EQ(*s.score, 95);
  EXPECT_EQ(s.status, "good");
  f.eol_artifacts = 2;
  s = assess_practice(practice(14), f);
  EXPECT_EQ(s.status, "warning");
  EXPECT_EQ(s.drivers.back(), "2 artifacts run an end-of-life OS");
}

}  // namespace
}  // namespace bulwark::server
