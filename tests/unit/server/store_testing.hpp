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
  ReportBuilder& layers(int n);
  ReportBuilder& package(const std::string& name, const std::string& version, const std::string& layer = "");
  std::string json() const;
};

// Score from severity (+10 internet-facing, +10 KEV), practice by kind.
Assessment test_assessor(const Finding& f, const Target& t, bool internet_facing, std::string_view today);

// A PostgreSQL 15 server of this test process (started on first use).
class PostgresServer {
 public:
  static PostgresServer& instance();
  // Empty when PostgreSQL cannot run here, with the reason in skip_reason().
  bool available();
  const std::string& skip_reason() const { return skip_; }
  // URL of a new empty database.
  std::string new_database();
  void stop();

 private:
  bool started_ = false, tried_ = false;
  std::string skip_;
  std::string dir_;
  int port_ = 0;
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
    auto s = Store::open(url_, o);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().describe());
    return s.ok() ? std::move(*s) : nullptr;
  }

  IngestResult ingest(const ReportBuilder& b) {
    auto r = store_->ingest(b.json(), actor_);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
    return r.ok() ? *r : IngestResult{};
  }

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

// Overview cells sorted, for comparisons.
std::vector<std::string> cells_text(const Overview& o);

}  // namespace bulwark::store::testing
