// The details record of each vulnerability (vulnerabilities.record): it says
// what the normalised tables say, survives text that is not UTF-8, and a
// database of an older schema is refused with a request to rebuild it.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

#include "testing/testing.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb {
namespace {

namespace fs = std::filesystem;
using bulwark::testing::fixture;
using bulwark::testing::TempDir;

// A SQLite handle on the database file, for the tables behind the Reader.
class Sql {
 public:
  explicit Sql(const std::string& path) { sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr); }
  ~Sql() { sqlite3_close(db_); }
  // Every row of `query` (bound with `arg`), columns joined by '|', NULL as "".
  std::vector<std::string> rows(const std::string& query, const std::string& arg = {}) const {
    std::vector<std::string> out;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, query.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sqlite3_errmsg(db_) << ": " << query;
      return out;
    }
    if (sqlite3_bind_parameter_count(st) > 0) sqlite3_bind_text(st, 1, arg.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) {
      std::string row;
      for (int c = 0; c < sqlite3_column_count(st); ++c) {
        if (c) row += '|';
        if (sqlite3_column_type(st, c) == SQLITE_FLOAT) {
          row += std::to_string(sqlite3_column_double(st, c));
        } else if (const unsigned char* t = sqlite3_column_text(st, c)) {
          row += reinterpret_cast<const char*>(t);
        }
      }
      out.push_back(std::move(row));
    }
    sqlite3_finalize(st);
    return out;
  }
  void exec(const std::string& sql) { ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sql; }

 private:
  sqlite3* db_ = nullptr;
};

// Every vulnerability's details as the Reader gives them (from the record)
// against the rows of the normalised tables.
void expect_records_agree_with_tables(const std::string& db, size_t* checked = nullptr) {
  auto reader = Reader::open(db);
  ASSERT_TRUE(reader.ok()) << reader.error().describe();
  Sql sql(db);
  size_t n = 0, with_facts = 0;
  for (const std::string& id : sql.rows("SELECT id FROM vulnerabilities ORDER BY id")) {
    auto d = reader->vulnerability(id);
    ASSERT_TRUE(d.ok()) << id << ": " << d.error().describe();
    ++n;
    std::vector<std::string> aliases, advisories, severities, cwes, refs;
    for (const auto& a : d->aliases) aliases.push_back(a);
    for (const auto& a : d->advisories) advisories.push_back(a);
    for (const auto& s : d->severities)
      severities.push_back(s.source + '|' + s.type + '|' + s.vector + '|' + (s.score ? std::to_string(*s.score) : "") +
                           '|' + s.severity);
    for (const auto& c : d->cwes) cwes.push_back(c);
    for (const auto& r : d->references) refs.push_back(r.type + '|' + r.url);
    EXPECT_EQ(aliases, sql.rows("SELECT alias FROM aliases WHERE vulnerability=?1 AND alias<>?1 ORDER BY alias", id))
        << id;
    EXPECT_EQ(advisories, sql.rows("SELECT DISTINCT id FROM advisories WHERE vulnerability=?1 ORDER BY id", id)) << id;
    EXPECT_EQ(severities, sql.rows("SELECT source, type, vector, score, severity FROM severities "
                                   "WHERE vulnerability=?1 ORDER BY rowid",
                                   id))
        << id;
    EXPECT_EQ(cwes, sql.rows("SELECT cwe FROM cwes WHERE vulnerability=?1 ORDER BY cwe", id)) << id;
    EXPECT_EQ(refs, sql.rows("SELECT type, url FROM refs WHERE vulnerability=?1 ORDER BY rowid", id)) << id;
    // EPSS and KEV by the vulnerability's CVE (the id or its one CVE alias).
    std::string cve = id.rfind("CVE-", 0) == 0 ? id : "";
    for (const auto& a : aliases)
      if (cve.empty() && a.rfind("CVE-", 0) == 0) cve = a;
    auto epss = sql.rows("SELECT cve, score, percentile, date FROM epss WHERE cve=?1", cve);
    auto kev = sql.rows("SELECT cve, date_added, due_date, ransomware, vendor, product, name FROM kev WHERE cve=?1", cve);
    EXPECT_EQ(d->epss.has_value(), !epss.empty()) << id;
    if (d->epss && !epss.empty()) {
      EXPECT_EQ(d->epss->cve + '|' + std::to_string(d->epss->score) + '|' + std::to_string(d->epss->percentile) + '|' +
                    d->epss->date,
                epss[0])
          << id;
    }
    EXPECT_EQ(d->kev.has_value(), !kev.empty()) << id;
    if (d->kev && !kev.empty()) {
      EXPECT_EQ(d->kev->cve + '|' + d->kev->date_added + '|' + d->kev->due_date + '|' + d->kev->ransomware + '|' +
                    d->kev->vendor + '|' + d->kev->product + '|' + d->kev->name,
                kev[0])
          << id;
    }
    if (!severities.empty() || !refs.empty() || !aliases.empty()) ++with_facts;
  }
  EXPECT_GT(n, 0u);
  EXPECT_GT(with_facts, 0u);
  if (checked) *checked = n;
}

TEST(DetailsRecord, AgreesWithTheTablesForTheFixtures) {
  TempDir tmp;
  const std::string db = (tmp / "fixtures.db").string();
  auto r = build_database(db, {fixture("vulndb/osv").string(), fixture("vulndb/osv-lang").string(),
                               fixture("vulndb/alpine").string(), fixture("vulndb/debian").string(),
                               fixture("vulndb/nvd").string(), fixture("vulndb/feeds").string()});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  size_t checked = 0;
  expect_records_agree_with_tables(db, &checked);
  EXPECT_EQ(checked, r->written.vulnerabilities);
  // The fixtures hold facts of every kind.
  Sql sql(db);
  for (const char* table : {"severities", "cwes", "refs", "epss", "kev"})
    EXPECT_NE(sql.rows(std::string("SELECT count(*) FROM ") + table), std::vector<std::string>{"0"}) << table;
}

TEST(DetailsRecord, AgreesWithTheTablesForTheCorpus) {
  BULWARK_REQUIRE_CORPUS();
  const fs::path c = bulwark::testing::corpus_dir();
  TempDir tmp;
  const std::string db = (tmp / "corpus.db").string();
  auto r = build_database(db, {(c / "osv").string(), (c / "distro/debian-tracker-bookworm-slice.tar.gz").string(),
                               (c / "distro/ubuntu-osv-vex-slice.tar.gz").string(), (c / "enrich").string()});
  ASSERT_TRUE(r.ok()) << r.error().describe();
  size_t checked = 0;
  expect_records_agree_with_tables(db, &checked);
  EXPECT_EQ(checked, r->written.vulnerabilities);
  std::printf("[ measure ] corpus: %zu vulnerability records agree with the tables\n", checked);
}

TEST(DetailsRecord, TextThatIsNotUtf8StaysReadable) {
  TempDir tmp;
  const std::string db = (tmp / "x.db").string();
  Dataset d;
  Advisory a;
  a.id = "CVE-2099-0001";
  a.origin = "debian";
  a.summary = "caf\xe9 (Latin-1)";
  a.cwes = {"CWE-79"};
  a.references.push_back({"WEB", "https://example.org/caf\xe9/\xff"});
  a.severities.push_back({"debian", "text", "high\xc3", std::nullopt, "HIGH"});
  d.advisories.push_back(a);
  ASSERT_TRUE(write_database(db, d).ok());
  auto r = Reader::open(db);
  ASSERT_TRUE(r.ok());
  auto v = r->vulnerability("CVE-2099-0001");
  ASSERT_TRUE(v.ok()) << v.error().describe();
  EXPECT_EQ(v->summary, "caf\xe9 (Latin-1)");  // its own column, as given
  ASSERT_EQ(v->references.size(), 1u);
  EXPECT_EQ(v->references[0].url, "https://example.org/caf\xef\xbf\xbd/\xef\xbf\xbd");
  ASSERT_EQ(v->severities.size(), 1u);
  EXPECT_EQ(v->severities[0].vector, "high\xef\xbf\xbd");
  EXPECT_EQ(v->cwes, std::vector<std::string>{"CWE-79"});
}

TEST(DetailsRecord, AnOlderSchemaIsRefusedWithARequestToRebuild) {
  TempDir tmp;
  const std::string db = (tmp / "old.db").string();
  ASSERT_TRUE(build_database(db, {fixture("vulndb/osv/GHSA-jf85-cpcp-j695.json").string()}).ok());
  {
    Sql sql(db);
    sql.exec("UPDATE metadata SET value='" + std::to_string(kSchemaVersion - 1) + "' WHERE key='schema_version'");
  }
  for (const auto& err : {Reader::open(db).ok() ? Error() : Reader::open(db).error(),
                          Matcher::open(db).ok() ? Error() : Matcher::open(db).error()}) {
    EXPECT_EQ(err.code, ErrorCode::kUnsupported);
    EXPECT_NE(err.message.find("schema version " + std::to_string(kSchemaVersion - 1)), std::string::npos)
        << err.message;
    EXPECT_NE(err.message.find("rebuild the database"), std::string::npos) << err.message;
  }
  {
    Sql sql(db);
    sql.exec("UPDATE metadata SET value='" + std::to_string(kSchemaVersion + 1) + "' WHERE key='schema_version'");
  }
  auto newer = Reader::open(db);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.error().code, ErrorCode::kUnsupported);
  EXPECT_NE(newer.error().message.find("newer"), std::string::npos) << newer.error().message;
}

}  // namespace
}  // namespace bulwark::vulndb
