// Users, tokens, sessions, login failures, audit log and settings; and the
// migrations: run twice (a no-op), and two stores migrating one database at
// the same time.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "server/store/sql.hpp"
#include "store_testing.hpp"

namespace bulwark::store::testing {
namespace {

template <class B>
class StoreAccessTest : public StoreTest<B> {};
TYPED_TEST_SUITE(StoreAccessTest, Backends, BackendNames);

TYPED_TEST(StoreAccessTest, UsersAndTheFirstStart) {
  auto& s = *this->store_;
  EXPECT_FALSE(*s.has_users());
  User u{"admin", "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA", "admin", "", "", false};
  auto created = s.create_user(u, {"setup", ""});
  ASSERT_TRUE(created.ok()) << created.error().describe();
  EXPECT_TRUE(*created);
  EXPECT_FALSE(*s.create_user(u, {"setup", ""}));  // name taken
  EXPECT_TRUE(*s.has_users());
  User bad = u;
  bad.name = "eve";
  bad.role = "root";
  EXPECT_FALSE(s.create_user(bad, {"setup", ""}).ok());
  auto got = s.get_user("admin");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->role, "admin");
  EXPECT_EQ((*got)->created_at, this->now_);
  EXPECT_EQ((*got)->password_hash, u.password_hash);
  EXPECT_FALSE(s.get_user("nobody")->has_value());

  this->now_ = "2025-01-10T09:00:00Z";
  ASSERT_TRUE(s.record_login("admin").ok());
  EXPECT_EQ((*s.get_user("admin"))->last_login, "2025-01-10T09:00:00Z");
  ASSERT_TRUE(s.create_session({std::string(64, 'a'), "admin", "csrf1", "", "2025-01-10T10:00:00Z"}).ok());
  ASSERT_TRUE(s.get_session(std::string(64, 'a'))->has_value());
  UserUpdate up;
  up.role = "viewer";
  up.disabled = true;
  ASSERT_TRUE(s.update_user("admin", up, {"root", ""}).ok());
  auto after = *s.get_user("admin");
  EXPECT_EQ(after->role, "viewer");
  EXPECT_TRUE(after->disabled);
  EXPECT_FALSE(s.get_session(std::string(64, 'a'))->has_value());  // ended by the change
  EXPECT_EQ(s.update_user("nobody", up, {"root", ""}).error().code, ErrorCode::kNotFound);
  ASSERT_EQ(s.list_users()->size(), 1u);
  ASSERT_TRUE(s.delete_user("admin", {"root", ""}).ok());
  EXPECT_EQ(s.delete_user("admin", {"root", ""}).error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(*s.has_users());
}

TYPED_TEST(StoreAccessTest, TokensSessionsAndLoginFailures) {
  auto& s = *this->store_;
  ApiToken t{"tok1", "ci", "operator", std::string(64, 'e'), "admin", "", ""};
  ASSERT_TRUE(s.create_token(t, {"admin", ""}).ok());
  EXPECT_FALSE(s.create_token(t, {"admin", ""}).ok());
  auto found = s.find_token(std::string(64, 'e'));
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->role, "operator");
  EXPECT_EQ((*found)->last_used, this->now_);
  EXPECT_FALSE(s.find_token(std::string(64, 'f'))->has_value());
  EXPECT_EQ(s.list_tokens()->size(), 1u);
  ASSERT_TRUE(s.delete_token("tok1", {"admin", ""}).ok());
  EXPECT_EQ(s.delete_token("tok1", {"admin", ""}).error().code, ErrorCode::kNotFound);
  EXPECT_FALSE(s.find_token(std::string(64, 'e'))->has_value());

  ASSERT_TRUE(*s.create_user({"bob", "h", "operator", "", "", false}, {"admin", ""}));
  ASSERT_TRUE(s.create_session({std::string(64, '1'), "bob", "c1", "", "2025-01-10T09:00:00Z"}).ok());
  ASSERT_TRUE(s.create_session({std::string(64, '2'), "bob", "c2", "", "2025-01-10T07:00:00Z"}).ok());
  auto live = s.get_session(std::string(64, '1'));
  ASSERT_TRUE(live.ok() && live->has_value());
  EXPECT_EQ((*live)->csrf_token, "c1");
  EXPECT_FALSE(s.get_session(std::string(64, '2'))->has_value());  // expired
  EXPECT_EQ(*s.delete_expired_sessions(), 1);
  ASSERT_TRUE(s.delete_session(std::string(64, '1')).ok());
  EXPECT_FALSE(s.get_session(std::string(64, '1'))->has_value());

  for (int i = 0; i < 3; ++i) {
    this->now_ = "2025-01-10T08:0" + std::to_string(i) + ":00Z";
    ASSERT_TRUE(s.record_login_failure("user:bob").ok());
  }
  ASSERT_TRUE(s.record_login_failure("ip:10.0.0.9").ok());
  EXPECT_EQ(*s.count_login_failures("user:bob", "2025-01-10T08:00:00Z"), 3);
  EXPECT_EQ(*s.count_login_failures("user:bob", "2025-01-10T08:01:00Z"), 2);
  ASSERT_TRUE(s.clear_login_failures("user:bob").ok());
  EXPECT_EQ(*s.count_login_failures("user:bob", "2025-01-10T00:00:00Z"), 0);
  EXPECT_EQ(*s.count_login_failures("ip:10.0.0.9", "2025-01-10T00:00:00Z"), 1);
}

TYPED_TEST(StoreAccessTest, AuditLogPagesNewestFirst) {
  auto& s = *this->store_;
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(s.audit("test.event", "obj:" + std::to_string(i), "d", {"alice", "::1"}).ok());
  auto p1 = s.list_audit(3, "");
  ASSERT_TRUE(p1.ok());
  EXPECT_EQ(p1->total, 7);
  ASSERT_EQ(p1->items.size(), 3u);
  EXPECT_EQ(p1->items[0].object, "obj:6");
  EXPECT_EQ(p1->items[0].client, "::1");
  std::vector<std::string> objects;
  std::string cursor;
  for (;;) {
    auto p = s.list_audit(3, cursor);
    ASSERT_TRUE(p.ok());
    for (auto& e : p->items) objects.push_back(e.object);
    if (!p->next_cursor) break;
    cursor = *p->next_cursor;
  }
  EXPECT_EQ(objects, (std::vector<std::string>{"obj:6", "obj:5", "obj:4", "obj:3", "obj:2", "obj:1", "obj:0"}));
}

TYPED_TEST(StoreAccessTest, SettingsAreJsonAndAudited) {
  auto& s = *this->store_;
  EXPECT_FALSE(s.get_setting("webhook")->has_value());
  auto sla = s.sla_days();
  ASSERT_TRUE(sla.ok());
  EXPECT_EQ(*sla, (std::map<std::string, int>{{"P1", 7}, {"P2", 30}, {"P3", 90}, {"P4", 180}}));
  ASSERT_TRUE(s.put_setting("webhook", R"({"url":"https://t.example/hook","format":"jira"})", {"admin", ""}).ok());
  ASSERT_TRUE(s.put_setting("sla_days", R"({"P1":1})", {"admin", ""}).ok());
  EXPECT_FALSE(s.put_setting("sla_days", "{broken", {"admin", ""}).ok());
  EXPECT_EQ(**s.get_setting("webhook"), R"({"url":"https://t.example/hook","format":"jira"})");
  EXPECT_EQ(s.sla_days()->at("P1"), 1);
  EXPECT_EQ(s.sla_days()->at("P4"), 180);
  EXPECT_EQ(s.settings()->size(), 2u);
  auto audit = s.list_audit(10, "");
  ASSERT_TRUE(audit.ok());
  ASSERT_EQ(audit->items.size(), 2u);
  EXPECT_EQ(audit->items[0].action, "settings.update");
  EXPECT_EQ(audit->items[0].object, "sla_days");
}

TYPED_TEST(StoreAccessTest, MigrationsRunTwiceAreANoOp) {
  auto v = this->store_->schema_version();
  ASSERT_TRUE(v.ok());
  EXPECT_GE(*v, 2);
  ASSERT_TRUE(*this->store_->create_user({"keep", "h", "viewer", "", "", false}, {"t", ""}));
  ASSERT_TRUE(this->store_->migrate().ok());
  EXPECT_EQ(*this->store_->schema_version(), *v);
  auto again = this->open_store();
  ASSERT_TRUE(again);
  EXPECT_EQ(*again->schema_version(), *v);
  EXPECT_TRUE(again->get_user("keep")->has_value());
  EXPECT_EQ(again->backend(), this->store_->backend());
}

// A database of an older schema, with findings, is migrated at open and
// its new rollups are filled from what it holds.
TYPED_TEST(StoreAccessTest, AnExistingDatabaseMigratesAndFillsNewRollups) {
  auto b = ReportBuilder::image("registry.example/old:1", "sha256:" + std::string(64, '7'), "2025-01-01T00:00:00Z");
  b.vuln("CVE-K", Severity::kHigh, "k", "1", {"2"}, {}, true).vuln("CVE-F", Severity::kLow, "f", "1", {"2"});
  b.vuln("CVE-N", Severity::kMedium, "n", "1");
  this->ingest(b);
  auto expected = this->store_->overview("2028-07-01");
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(expected->open_kev, 1);
  EXPECT_EQ(expected->open_fixable, 2);
  EXPECT_EQ(expected->eol_artifacts, 1);
  this->store_.reset();
  {
    // Back to schema 2: what migrations 3 and 4 add is not there.
    auto c = std::is_same_v<TypeParam, PostgresBackend> ? sql::open_postgres(this->url_)
                                                         : sql::open_sqlite(this->url_, 1000);
    ASSERT_TRUE(c.ok()) << c.error().describe();
    ASSERT_TRUE((*c)->exec_script("DROP TABLE overview_totals; DROP INDEX artifacts_os_eol; "
                                  "ALTER TABLE findings DROP COLUMN assessed_on; "
                                  "DELETE FROM schema_migrations WHERE version >= 3")
                    .ok());
  }
  this->store_ = this->open_store();
  ASSERT_TRUE(this->store_);
  auto migrated = this->store_->overview("2028-07-01");
  ASSERT_TRUE(migrated.ok());
  expect_same_overview(*migrated, *expected, "migrated");
  this->expect_rollups_match("2028-07-01");
  // And rebuild_rollups fills them the same.
  ASSERT_TRUE(this->store_->rebuild_rollups().ok());
  expect_same_overview(*this->store_->overview("2028-07-01"), *expected, "rebuilt");
  // Findings stored before the assessment date was kept are re-assessed on
  // the first pass.
  EXPECT_EQ(*this->store_->reassess_open("2025-01-10"), 3);
  EXPECT_EQ(*this->store_->reassess_open("2025-01-10"), 0);
}

TYPED_TEST(StoreAccessTest, TwoStoresMigrateOneDatabaseAtOnce) {
  // A fresh database for the race (the fixture's store already migrated its own).
  std::string url;
  if constexpr (std::is_same_v<TypeParam, PostgresBackend>)
    url = PostgresServer::instance().new_database();
  else
    url = (this->tmp_.path() / "race" / "bulwark.db").string();
  std::vector<Result<std::unique_ptr<Store>>> results;
  results.reserve(4);
  for (int i = 0; i < 4; ++i) results.emplace_back(Error(ErrorCode::kInternal, "not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&, i] {
      StoreOptions o;
      o.assessor = test_assessor;
      results[static_cast<size_t>(i)] = Store::open(url, o);
    });
  for (auto& t : threads) t.join();
  for (auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().describe();
    EXPECT_EQ(*(*r)->schema_version(), *this->store_->schema_version());
  }
  // Both write and see each other's rows.
  auto b = ReportBuilder::image("registry.example/x:1", "sha256:" + std::string(64, '9'), "2025-01-01T00:00:00Z");
  b.vuln("CVE-X", Severity::kHigh, "x", "1");
  ASSERT_TRUE((*results[0])->ingest(b.json(), {"a", ""}).ok());
  auto again = (*results[1])->ingest(b.json(), {"b", ""});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
}

TYPED_TEST(StoreAccessTest, ConcurrentIngestsOfOneArtifactKeepRollupsExact) {
  // Several writers (threads with their own connections; on PostgreSQL as
  // two server processes would) upload reports of the same artifacts.
  auto other = this->open_store();
  ASSERT_TRUE(other);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int w = 0; w < 4; ++w)
    threads.emplace_back([&, w] {
      Store& s = w % 2 ? *other : *this->store_;
      for (int i = 0; i < 6; ++i) {
        auto b = ReportBuilder::image("registry.example/shared:" + std::to_string(i % 2),
                                      "sha256:" + std::string(63, 'c') + std::to_string(i % 2),
                                      "2025-01-0" + std::to_string(1 + i) + "T0" + std::to_string(w) + ":00:00Z");
        b.scanners({"scanner:vuln"});
        for (int k = 0; k < 5; ++k)
          if ((k + i + w) % 3)
            b.vuln("CVE-" + std::to_string(k), static_cast<Severity>(k % 5), "p" + std::to_string(k), "1");
        auto r = s.ingest(b.json(), {"w" + std::to_string(w), ""});
        if (!r.ok()) {
          ADD_FAILURE() << r.error().describe();
          ++failures;
        }
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  this->expect_rollups_match("2025-01-10");
  EXPECT_EQ(this->store_->overview("2025-01-10")->scans_by_target_kind.at("image"), 24);
}

// Daily re-assessment while scans and triage arrive: the rollups stay exact.
TYPED_TEST(StoreAccessTest, ReassessmentBesideIngestAndTriageKeepsRollupsExact) {
  auto other = this->open_store();
  ASSERT_TRUE(other);
  std::atomic<int> failures{0};
  auto check = [&](const auto& r) {
    if (!r.ok()) {
      ADD_FAILURE() << r.error().describe();
      ++failures;
    }
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < 2; ++w)
    threads.emplace_back([&, w] {
      for (int i = 0; i < 6; ++i) {
        auto b = ReportBuilder::image("registry.example/aging:" + std::to_string(w),
                                      "sha256:" + std::string(63, 'a') + std::to_string(w),
                                      "2025-01-0" + std::to_string(1 + i) + "T0" + std::to_string(w) + ":00:00Z");
        b.scanners({"scanner:vuln"});
        for (int k = 0; k < 40; ++k)
          if ((k + i) % 4)
            b.vuln("CVE-" + std::to_string(k), static_cast<Severity>(k % 5), "p" + std::to_string(k), "1")
                .published("2024-12-" + std::to_string(10 + k % 20));
        check((w ? *other : *this->store_).ingest(b.json(), {"w", ""}));
      }
    });
  threads.emplace_back([&] {
    for (int d = 1; d <= 9; ++d) check(other->reassess_open("2025-02-0" + std::to_string(d), 30));
  });
  threads.emplace_back([&] {
    for (int i = 0; i < 10; ++i) {
      FindingQuery q;
      q.limit = 5;
      auto page = this->store_->list_findings(q);
      check(page);
      if (!page.ok() || page->items.empty()) continue;
      TriageChange t;
      t.state = i % 2 ? "triaged" : "in_progress";
      check(this->store_->update_findings({page->items[0].id}, t, {"t", ""}));
    }
  });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  this->expect_rollups_match("2025-02-09");
}

}  // namespace
}  // namespace bulwark::store::testing
