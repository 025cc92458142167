// Test support for the store: reports built in memory, a fixed clock, a
// simple assessor, and the two backends the same typed tests run on (a
// SQLite file in a temporary directory; a real PostgreSQL 15 started for the
// test process, skipped with a message when it is not installed).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/model.hpp"
#include "server/store/store.hpp"
#include "testing/postgres.hpp"
#include "testing/testing.hpp"

namespace bulwark::store::testing {

// A report under construction: target and findings, serialised by json().
struct ReportBuilder {
  Report report;

  // An image `repo:tag` with manifest digest `digest`.
  static ReportBuilder image(const std::string& repo_tag, const std::string& digest,
                             const std::string& created_at);
  static ReportBuilder host(const std::string& hostname, const std::string& created_at);

  ReportBuilder& scanners(const std::vector<std::string>& components);  // "scanner:vuln", …
  ReportBuilder& vuln(const std::string& id, Severity s, const std::string& pkg, const std::string& version,
                      const std::vector<std::string>& fixed = {}, std::optional<double> epss = {}, bool kev = false,
                      const std::string& title = "");
  ReportBuilder& misconfig(const std::string& id, Severity s, const std::string& path);
  ReportBuilder& secret(const std::string& id, Severity s, const std::string& path, int line);
  // A finding of `kind` at path:line (line 0: the path), titled "<kind> <id>".
  ReportBuilder& located(FindingKind kind, const std::string& id, Severity s, const std::string& path, int line);
  // Sets the publication date of the last finding added.
  ReportBuilder& published(const std::string& date);
  ReportBuilder& layers(int n);
  ReportBuilder& package(const std::string& name, const std::string& version, const std::string& layer = "");
  std::string json() const;
};

// The value of a Result; else a test failure (with the error) and T{}.
template <class T>
T value_or_fail(Result<T> r) {
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
  return r.ok() ? std::move(*r) : T{};
}

// A finding's history as "field: old -> new (note)", oldest first.
std::vector<std::string> history_text(const FindingDetail& d);

// Overview cells sorted, for comparisons.
std::vector<std::string> cells_text(const Overview& o);
// Expects every figure of two overviews to be equal.
void expect_same_overview(const Overview& rollup, const Overview& recount, const std::string& context);
// Findings by severity.
SeverityCounts count_severities(const std::vector<FindingRow>& rows);

// Score from severity (+10 internet-facing, +10 KEV, +20 once published 30
// days or more before `today`: an age factor), practice by kind.
Assessment test_assessor(const Finding& f, const Target& t, bool internet_facing, std::string_view today);

// The PostgreSQL server of this test process (testing::PostgresService,
// started on first use, stopped when the tests end).
class PostgresServer {
 public:
  static PostgresServer& instance();
  // False when PostgreSQL cannot run here, with the reason in skip_reason().
  bool available();
  const std::string& skip_reason() const { return skip_; }
  // URL of a new empty database.
  std::string new_database();
  void stop();

 private:
  bool tried_ = false;
  std::string skip_;
  std::unique_ptr<bulwark::testing::TempDir> dir_;
  std::unique_ptr<bulwark::testing::PostgresService> service_;
  int next_db_ = 0;
};

struct SqliteBackend {
  static constexpr const char* kName = "Sqlite";
};
struct PostgresBackend {
  static constexpr const char* kName = "Postgres";
};

struct BackendNames {
  template <class T>
  static std::string GetName(int) {
    return T::kName;
  }
};

// Base fixture: a database of the backend, a clock, a store opened on it.
template <class B>
class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if constexpr (std::is_same_v<B, PostgresBackend>) {
      auto& pg = PostgresServer::instance();
      if (!pg.available()) GTEST_SKIP() << pg.skip_reason();
      url_ = pg.new_database();
    } else {
      url_ = (tmp_.path() / "data" / "bulwark.db").string();
    }
    store_ = open_store();
    ASSERT_TRUE(store_);
  }

  std::unique_ptr<Store> open_store() {
    StoreOptions o;
    o.assessor = test_assessor;
    o.clock = [this] { return now_; };
    return value_or_fail(Store::open(url_, o));
  }

  IngestResult ingest(const ReportBuilder& b) { return value_or_fail(store_->ingest(b.json(), actor_)); }
  ArtifactRow artifact(int64_t id) { return value_or_fail(store_->get_artifact(id)); }
  FindingDetail detail(int64_t id) { return value_or_fail(store_->get_finding(id)); }

  // Every finding matching the query, through every page.
  std::vector<FindingRow> all(FindingQuery q) {
    std::vector<FindingRow> out;
    q.limit = 500;
    for (;;) {
      auto page = store_->list_findings(q);
      EXPECT_TRUE(page.ok()) << (page.ok() ? "" : page.error().describe());
      if (!page.ok()) break;
      out.insert(out.end(), page->items.begin(), page->items.end());
      if (!page->next_cursor) break;
      q.cursor = *page->next_cursor;
    }
    return out;
  }

  // The overview from the rollups equals a recount from the findings.
  void expect_rollups_match(const std::string& today) {
    auto o = store_->overview(today);
    auto re = store_->overview_recount(today);
    ASSERT_TRUE(o.ok() && re.ok());
    expect_same_overview(*o, *re, today);
  }

  FindingRow by_rule(const std::string& rule_id, std::vector<std::string> states = {}) {
    FindingQuery q;
    q.states = states.empty() ? std::vector<std::string>{"new", "triaged", "in_progress", "fixed", "accepted_risk",
                                                          "false_positive"}
                              : states;
    for (auto& f : all(q))
      if (f.rule_id == rule_id) return f;
    ADD_FAILURE() << "no finding " << rule_id;
    return {};
  }

  bulwark::testing::TempDir tmp_;
  std::string url_;
  std::string now_ = "2025-01-10T08:00:00Z";
  Actor actor_{"ci-token", "127.0.0.1"};
  std::unique_ptr<Store> store_;
};

using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;

}  // namespace bulwark::store::testing
