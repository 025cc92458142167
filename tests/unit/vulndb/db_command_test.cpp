// bulwark db import / db status through the real binary (skipped when the
// binary has not been built in this tree: test_vulndb does not depend on it).
#include <gtest/gtest.h>

#include <filesystem>

#include "testing/testing.hpp"
#include "vulndb/vulndb.hpp"

namespace {

namespace fs = std::filesystem;
using bulwark::testing::fixture;
using bulwark::testing::run;
using bulwark::testing::TempDir;

#define REQUIRE_BINARY()                                                                   \
  do {                                                                                     \
    if (!fs::exists(bulwark::testing::bulwark_binary()))                                   \
      GTEST_SKIP() << "bulwark binary not built (cmake --build ... --target bulwark)";     \
  } while (0)

TEST(DbCommand, ImportThenStatus) {
  REQUIRE_BINARY();
  TempDir tmp;
  const std::string db = (tmp / "db.sqlite").string();
  auto imp = run({bulwark::testing::bulwark_binary(), "db", "import", "--db", db, fixture("vulndb/osv").string()});
  EXPECT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_NE(imp.out.find("7 records (1 withdrawn), skipped 5"), std::string::npos) << imp.out;
  EXPECT_NE(imp.out.find("ecosystem npm"), std::string::npos) << imp.out;
  EXPECT_NE(imp.err.find("skipped: "), std::string::npos);
  EXPECT_NE(imp.err.find("impossible range"), std::string::npos) << imp.err;

  auto st = run({bulwark::testing::bulwark_binary(), "db", "status", "--db", db});
  EXPECT_EQ(st.exit_code, 0) << st.err;
  EXPECT_NE(st.out.find("schema version: " + std::to_string(bulwark::vulndb::kSchemaVersion)), std::string::npos) << st.out;
  EXPECT_NE(st.out.find("built at: "), std::string::npos);
  EXPECT_NE(st.out.find("osv"), std::string::npos);
  EXPECT_NE(st.out.find("data date 2024-01-01T00:00:00Z"), std::string::npos) << st.out;
  // The fixtures' newest record is from 2024: stale.
  EXPECT_NE(st.err.find("stale"), std::string::npos) << st.err;
}

TEST(DbCommand, DefaultPathUnderCacheDir) {
  REQUIRE_BINARY();
  TempDir tmp;
  auto imp = run({bulwark::testing::bulwark_binary(), "db", "import", "--cache-dir", tmp.path().string(),
                  fixture("vulndb/osv/GHSA-jf85-cpcp-j695.json").string()});
  EXPECT_EQ(imp.exit_code, 0) << imp.err;
  EXPECT_TRUE(fs::exists(tmp / "db/bulwark.db"));
  auto st = run({bulwark::testing::bulwark_binary(), "db", "status", "--cache-dir", tmp.path().string()});
  EXPECT_EQ(st.exit_code, 0) << st.err;
}

TEST(DbCommand, StatusWithoutDatabaseExits3) {
  REQUIRE_BINARY();
  TempDir tmp;
  auto st = run({bulwark::testing::bulwark_binary(), "db", "status", "--db", (tmp / "none.db").string()});
  EXPECT_EQ(st.exit_code, 3);
  EXPECT_NE(st.err.find("no vulnerability database"), std::string::npos) << st.err;
}

TEST(DbCommand, MissingInputFailsAndKeepsDatabase) {
  REQUIRE_BINARY();
  TempDir tmp;
  const std::string db = (tmp / "db.sqlite").string();
  ASSERT_EQ(run({bulwark::testing::bulwark_binary(), "db", "import", "--db", db,
                 fixture("vulndb/osv/GO-2021-0113.json").string()})
                .exit_code,
            0);
  std::string before = bulwark::testing::read_file(db);
  auto imp = run({bulwark::testing::bulwark_binary(), "db", "import", "--db", db, (tmp / "missing").string()});
  EXPECT_EQ(imp.exit_code, 3);
  EXPECT_EQ(bulwark::testing::read_file(db), before);
}

}  // namespace
