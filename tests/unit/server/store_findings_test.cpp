// Finding queries (every filter and sort, keyset pagination), triage (bulk
// all-or-nothing, exceptions, history and audit), exposure re-assessment,
// and the rollups and trends against a recount.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <set>

#include "store_testing.hpp"

namespace bulwark::store::testing {
namespace {

template <class B>
class StoreFindingsTest : public StoreTest<B> {
 protected:
  // Three images and a host with findings of every kind and a spread of
  // severities, EPSS, KEV and fixes.
  void load() {
    const char* repos[] = {"registry.example/shop/web:1.0", "registry.example/shop/api:2.3",
                           "docker.io/library/nginx:1.25"};
    for (int i = 0; i < 3; ++i) {
      std::string digest = "sha256:" + std::string(63, 'a') + std::to_string(i);
      auto b = ReportBuilder::image(repos[i], digest, "2025-01-0" + std::to_string(i + 1) + "T10:00:00Z");
      b.scanners({"scanner:vuln", "scanner:misconfig", "scanner:secret"});
      for (int k = 0; k < 12; ++k) {
        Severity s = static_cast<Severity>(k % 5);
        std::string pkg = k % 4 == 0 ? "openssl" : k % 4 == 1 ? "libOpenSSL3" : k % 4 == 2 ? "zlib" : "bash";
        std::vector<std::string> fixed;
        if (k % 3 == 0) fixed = {"9.9." + std::to_string(k)};
        std::optional<double> epss;
        if (k % 2 == 0) epss = 0.01 * (k + i);
        b.vuln("CVE-2024-" + std::to_string(1000 + k), s, pkg, "1." + std::to_string(k), fixed, epss, k == 5 || k == 10);
      }
      b.misconfig("DS00" + std::to_string(i), Severity::kMedium, "Dockerfile");
      b.secret("github-pat", Severity::kCritical, "app/config.yml", 10 + i);
      this->now_ = "2025-01-0" + std::to_string(i + 1) + "T10:05:00Z";
      artifacts_.push_back(this->ingest(b).artifact_id);
    }
  }
  std::vector<int64_t> artifacts_;
};
TYPED_TEST_SUITE(StoreFindingsTest, Backends, BackendNames);

std::set<int64_t> ids(const std::vector<FindingRow>& rows) {
  std::set<int64_t> out;
  for (const auto& r : rows) out.insert(r.id);
  return out;
}

TYPED_TEST(StoreFindingsTest, EveryFilterSelectsWhatItSays) {
  this->load();
  FindingQuery every;
  every.states = {"new", "triaged", "in_progress", "fixed", "accepted_risk", "false_positive"};
  auto rows = this->all(every);
  ASSERT_EQ(rows.size(), 3u * 14u);
  // Make the triage dimensions vary.
  std::vector<int64_t> some;
  for (size_t i = 0; i < rows.size(); i += 4) some.push_back(rows[i].id);
  TriageChange assign;
  assign.state = "in_progress";
  assign.assignee = "bob";
  ASSERT_TRUE(this->store_->update_findings(some, assign, {"alice", ""}).ok());
  TriageChange fix;
  fix.state = "fixed";
  ASSERT_TRUE(this->store_->update_findings({rows[1].id}, fix, {"alice", ""}).ok());
  ASSERT_TRUE(this->store_->set_internet_facing(this->artifacts_[1], true, {"alice", ""}).ok());
  rows = this->all(every);

  auto check = [&](const std::string& what, FindingQuery q, const std::function<bool(const FindingRow&)>& pred) {
    std::set<int64_t> expected;
    for (const auto& r : rows)
      if (pred(r)) expected.insert(r.id);
    auto got = this->all(q);
    EXPECT_EQ(ids(got), expected) << what;
    EXPECT_FALSE(expected.empty()) << what << ": the data must exercise the filter";
    auto page = this->store_->list_findings(q);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->total, static_cast<int64_t>(expected.size())) << what;
    EXPECT_FALSE(page->total_is_estimate);
  };
  auto open = [](const FindingRow& r) { return r.state != "fixed"; };
  check("default states", {}, open);
  FindingQuery q;
  q.kinds = {"misconfiguration", "secret"};
  check("kind", q, [&](auto& r) { return open(r) && (r.kind == "misconfiguration" || r.kind == "secret"); });
  q = {};
  q.severities = {"HIGH", "CRITICAL"};
  q.states = {"new"};
  check("severity+state", q, [](auto& r) { return r.state == "new" && (r.severity == "HIGH" || r.severity == "CRITICAL"); });
  q = {};
  q.states = {"fixed"};
  check("fixed", q, [](auto& r) { return r.state == "fixed"; });
  q = {};
  q.artifact_id = this->artifacts_[2];
  check("artifact", q, [&](auto& r) { return open(r) && r.artifact_id == this->artifacts_[2]; });
  q = {};
  q.q = "OpenSSL";
  check("q package", q, [&](auto& r) { return open(r) && (r.package_name == "openssl" || r.package_name == "libOpenSSL3"); });
  q = {};
  q.q = "cve-2024-1007";
  check("q rule id", q, [&](auto& r) { return open(r) && r.rule_id == "CVE-2024-1007"; });
  q = {};
  q.q = "misconfiguration ds00";
  check("q title", q, [&](auto& r) { return open(r) && r.kind == "misconfiguration"; });
  q = {};
  q.q = "100%";  // LIKE wildcards are literal
  auto none = this->store_->list_findings(q);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->items.empty());
  q = {};
  q.package = "zlib";
  check("package", q, [&](auto& r) { return open(r) && r.package_name == "zlib"; });
  q = {};
  q.assignee = "bob";
  check("assignee", q, [&](auto& r) { return open(r) && r.assignee == "bob"; });
  q = {};
  q.kev = true;
  check("kev", q, [&](auto& r) { return open(r) && r.kev; });
  q = {};
  q.fixable = true;
  check("fixable", q, [&](auto& r) { return open(r) && r.fixable; });
  q = {};
  q.internet_facing = true;
  check("internet_facing", q, [&](auto& r) { return open(r) && r.internet_facing; });
  q = {};
  q.priorities = {"P1", "P2"};
  check("priority", q, [&](auto& r) { return open(r) && (r.priority_level == "P1" || r.priority_level == "P2"); });
  q = {};
  q.priorities = {"P3"};
  q.kinds = {"vulnerability"};
  q.severities = {"MEDIUM"};
  q.package = "zlib";
  check("combined", q, [&](auto& r) {
    return open(r) && r.priority_level == "P3" && r.kind == "vulnerability" && r.severity == "MEDIUM" &&
           r.package_name == "zlib";
  });

  // Unknown values name the parameter.
  for (auto [param, query] : std::vector<std::pair<std::string, FindingQuery>>{
           {"kind", [] { FindingQuery x; x.kinds = {"virus"}; return x; }()},
           {"severity", [] { FindingQuery x; x.severities = {"high"}; return x; }()},
           {"state", [] { FindingQuery x; x.states = {"open"}; return x; }()},
           {"priority", [] { FindingQuery x; x.priorities = {"P5"}; return x; }()},
           {"sort", [] { FindingQuery x; x.sort = "title"; return x; }()},
           {"order", [] { FindingQuery x; x.order = "up"; return x; }()},
           {"limit", [] { FindingQuery x; x.limit = 501; return x; }()},
           {"cursor", [] { FindingQuery x; x.cursor = "garbage!"; return x; }()},
       }) {
    auto r = this->store_->list_findings(query);
    ASSERT_FALSE(r.ok()) << param;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
    EXPECT_EQ(r.error().message.rfind(param + ":", 0), 0u) << r.error().message;
  }
}

TYPED_TEST(StoreFindingsTest, EverySortOrdersAndPagesWithoutGapsOrRepeats) {
  this->load();
  auto base = this->all({});
  ASSERT_EQ(base.size(), 42u);
  struct Key {
    std::string sort;
    std::function<std::string(const FindingRow&)> key;  // ascending text key
  };
  auto num = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%012.6f", v + 10);
    return std::string(buf);
  };
  std::vector<Key> keys = {
      {"priority", [&](const FindingRow& r) { return num(r.priority_score); }},
      {"severity", [&](const FindingRow& r) {
         int v = r.severity == "CRITICAL" ? 4 : r.severity == "HIGH" ? 3 : r.severity == "MEDIUM" ? 2
               : r.severity == "LOW" ? 1 : 0;
         return num(v);
       }},
      {"first_seen", [](const FindingRow& r) { return r.first_seen; }},
      {"last_seen", [](const FindingRow& r) { return r.last_seen; }},
      {"epss", [&](const FindingRow& r) { return num(r.epss.value_or(-1)); }},
      {"due_date", [](const FindingRow& r) { return r.due_date; }},
  };
  for (const auto& k : keys) {
    for (std::string order : {"asc", "desc"}) {
      std::vector<FindingRow> expected = base;
      std::sort(expected.begin(), expected.end(), [&](const FindingRow& a, const FindingRow& b) {
        auto ka = std::make_pair(k.key(a), a.id), kb = std::make_pair(k.key(b), b.id);
        return order == "asc" ? ka < kb : ka > kb;
      });
      FindingQuery q;
      q.sort = k.sort;
      q.order = order;
      q.limit = 5;
      std::vector<int64_t> got;
      int pages = 0;
      for (;;) {
        auto page = this->store_->list_findings(q);
        ASSERT_TRUE(page.ok()) << page.error().describe();
        EXPECT_EQ(page->total, 42);
        for (auto& r : page->items) got.push_back(r.id);
        ++pages;
        if (!page->next_cursor) break;
        q.cursor = *page->next_cursor;
      }
      std::vector<int64_t> want;
      for (auto& r : expected) want.push_back(r.id);
      EXPECT_EQ(got, want) << k.sort << " " << order;
      EXPECT_EQ(pages, 9);
    }
  }
}

TYPED_TEST(StoreFindingsTest, PagesStayStableWhenFindingsArriveBetweenThem) {
  this->load();
  FindingQuery q;
  q.sort = "first_seen";
  q.order = "asc";
  q.limit = 10;
  auto first = this->store_->list_findings(q);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(first->next_cursor);
  auto before = this->all([] { FindingQuery x; x.sort = "first_seen"; x.order = "asc"; return x; }());
  // New findings arrive: with an ascending first_seen they all sort after.
  auto b = ReportBuilder::image("registry.example/new/app:1", "sha256:" + std::string(64, 'f'), "2025-02-01T10:00:00Z");
  for (int k = 0; k < 7; ++k) b.vuln("CVE-2025-" + std::to_string(k), Severity::kCritical, "curl", "8.0");
  this->ingest(b);
  std::vector<int64_t> got;
  for (auto& r : first->items) got.push_back(r.id);
  q.cursor = *first->next_cursor;
  for (;;) {
    auto page = this->store_->list_findings(q);
    ASSERT_TRUE(page.ok());
    for (auto& r : page->items) got.push_back(r.id);
    if (!page->next_cursor) break;
    q.cursor = *page->next_cursor;
  }
  ASSERT_EQ(got.size(), before.size() + 7);
  for (size_t i = 0; i < before.size(); ++i) EXPECT_EQ(got[i], before[i].id);
  EXPECT_EQ(std::set<int64_t>(got.begin(), got.end()).size(), got.size());
  // A cursor of another sort is refused.
  FindingQuery other;
  other.sort = "priority";
  other.cursor = *first->next_cursor;
  EXPECT_FALSE(this->store_->list_findings(other).ok());
}

TYPED_TEST(StoreFindingsTest, BulkTriageIsAllOrNothing) {
  this->load();
  auto rows = this->all({});
  int64_t a = rows[0].id, b = rows[1].id;
  auto audit_before = this->store_->list_audit(500, "");
  ASSERT_TRUE(audit_before.ok());
  TriageChange ch;
  ch.state = "triaged";
  ch.assignee = "carol";
  auto bad = this->store_->update_findings({a, b, 99999999}, ch, {"alice", "10.0.0.1"});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kNotFound);
  EXPECT_NE(bad.error().message.find("99999999"), std::string::npos);
  for (int64_t id : {a, b}) {
    auto d = this->detail(id);
    EXPECT_EQ(d.row.state, "new");
    EXPECT_EQ(d.row.assignee, "");
    EXPECT_TRUE(d.history.empty());
  }
  auto audit_mid = this->store_->list_audit(500, "");
  ASSERT_TRUE(audit_mid.ok());
  EXPECT_EQ(audit_mid->total, audit_before->total);

  // Bad values: nothing changes either.
  TriageChange bad_state;
  bad_state.state = "done";
  EXPECT_FALSE(this->store_->update_findings({a}, bad_state, {"alice", ""}).ok());
  TriageChange accept_without;
  accept_without.state = "accepted_risk";
  EXPECT_FALSE(this->store_->update_findings({a}, accept_without, {"alice", ""}).ok());
  TriageChange fp_without;
  fp_without.state = "false_positive";
  EXPECT_FALSE(this->store_->update_findings({a}, fp_without, {"alice", ""}).ok());
  TriageChange fp_bad;
  fp_bad.state = "false_positive";
  fp_bad.justification = "trust me";
  EXPECT_FALSE(this->store_->update_findings({a}, fp_bad, {"alice", ""}).ok());
  TriageChange bad_due;
  bad_due.due_date = "2025-02-30";
  EXPECT_FALSE(this->store_->update_findings({a}, bad_due, {"alice", ""}).ok());

  auto good = this->store_->update_findings({a, b}, ch, {"alice", "10.0.0.1"});
  ASSERT_TRUE(good.ok()) << good.error().describe();
  EXPECT_EQ(*good, 2);
  auto d = this->detail(a);
  EXPECT_EQ(d.row.state, "triaged");
  EXPECT_EQ(d.row.assignee, "carol");
  EXPECT_EQ(history_text(d), (std::vector<std::string>{"state: new -> triaged", "assignee:  -> carol"}));
  EXPECT_EQ(d.history[0].actor, "alice");
  auto audit_after = this->store_->list_audit(500, "");
  ASSERT_TRUE(audit_after.ok());
  EXPECT_EQ(audit_after->total, audit_before->total + 2);
  EXPECT_EQ(audit_after->items[0].action, "finding.update");
  EXPECT_EQ(audit_after->items[0].client, "10.0.0.1");

  // False positive with a justification; due date by hand then back to the SLA.
  TriageChange fp;
  fp.state = "false_positive";
  fp.justification = "vulnerable_code_not_in_execute_path";
  fp.comment = "not reachable";
  ASSERT_TRUE(this->store_->update_findings({b}, fp, {"alice", ""}).ok());
  auto fb = this->detail(b);
  EXPECT_EQ(fb.row.justification, "vulnerable_code_not_in_execute_path");
  ASSERT_EQ(fb.comments.size(), 1u);
  EXPECT_EQ(fb.comments[0].text, "not reachable");
  std::string sla_due = d.row.due_date;
  TriageChange due;
  due.due_date = "2030-01-01";
  ASSERT_TRUE(this->store_->update_findings({a}, due, {"alice", ""}).ok());
  EXPECT_EQ(this->detail(a).row.due_date, "2030-01-01");
  due.due_date = "";
  ASSERT_TRUE(this->store_->update_findings({a}, due, {"alice", ""}).ok());
  EXPECT_EQ(this->detail(a).row.due_date, sla_due);
  // Comments and tickets.
  auto cid = this->store_->add_comment(a, "looking", {"bob", ""});
  ASSERT_TRUE(cid.ok());
  ASSERT_TRUE(this->store_->set_ticket(a, "SEC-42", {"bob", ""}).ok());
  auto da = this->detail(a);
  EXPECT_EQ(da.row.ticket, "SEC-42");
  EXPECT_EQ(da.comments.back().author, "bob");
  EXPECT_FALSE(this->store_->add_comment(99999999, "x", {"bob", ""}).ok());
}

TYPED_TEST(StoreFindingsTest, DueDatesFollowTheSlaOfThePriority) {
  ASSERT_TRUE(this->store_->put_setting("sla_days", R"({"P1":3,"P2":10,"P3":20,"P4":40})", {"admin", ""}).ok());
  auto b = ReportBuilder::image("registry.example/a:1", "sha256:" + std::string(64, 'b'), "2025-03-01T10:00:00Z");
  b.vuln("CVE-CRIT", Severity::kCritical, "a", "1").vuln("CVE-LOW", Severity::kLow, "b", "1");
  this->ingest(b);
  EXPECT_EQ(this->by_rule("CVE-CRIT").due_date, "2025-03-04");  // 80 → P1
  EXPECT_EQ(this->by_rule("CVE-LOW").due_date, "2025-04-10");   // 20 → P4
  auto sla = this->store_->sla_days();
  ASSERT_TRUE(sla.ok());
  EXPECT_EQ((*sla)["P2"], 10);
}

TYPED_TEST(StoreFindingsTest, ExceptionsUntilADateExpire) {
  this->load();
  auto rows = this->all({});
  TriageChange accept;
  accept.state = "accepted_risk";
  accept.exception = FindingException{"compensating control", "2025-02-01", false};
  ASSERT_TRUE(this->store_->update_findings({rows[0].id, rows[1].id}, accept, {"alice", ""}).ok());
  auto listed = this->detail(rows[0].id);
  ASSERT_TRUE(listed.row.exception);
  EXPECT_EQ(listed.row.exception->until, "2025-02-01");
  auto none = this->store_->expire_exceptions("2025-02-01");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  this->now_ = "2025-02-02T00:10:00Z";
  auto two = this->store_->expire_exceptions("2025-02-02");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, 2);
  auto d = this->detail(rows[0].id);
  EXPECT_EQ(d.row.state, "triaged");
  EXPECT_FALSE(d.row.exception);
  EXPECT_EQ(history_text(d).back(), "state: accepted_risk -> triaged (exception expired)");
  EXPECT_EQ(d.history.back().actor, "system");
  EXPECT_EQ(*this->store_->expire_exceptions("2025-02-03"), 0);
}

TYPED_TEST(StoreFindingsTest, ExposureReassessesOpenFindings) {
  this->load();
  FindingQuery q;
  q.artifact_id = this->artifacts_[0];
  auto before = this->all(q);
  ASSERT_TRUE(this->store_->set_internet_facing(this->artifacts_[0], true, {"alice", ""}).ok());
  auto after = this->all(q);
  ASSERT_EQ(before.size(), after.size());
  std::map<int64_t, int> score;
  for (auto& r : before) score[r.id] = r.priority_score;
  for (auto& r : after) {
    EXPECT_EQ(r.priority_score, score[r.id] + 10);
    EXPECT_TRUE(r.internet_facing);
  }
  auto art = this->artifact(this->artifacts_[0]);
  EXPECT_TRUE(art.internet_facing);
  EXPECT_FALSE(this->store_->set_internet_facing(424242, true, {"alice", ""}).ok());
  this->expect_rollups_match("2025-01-10");
}

// The test assessor adds 20 points to a finding published 30 days or more
// before the day it assesses on: the age factor, which moves with the date
// while no scan reports the finding again.
TYPED_TEST(StoreFindingsTest, OpenFindingsAreReassessedAsTheyAge) {
  auto b = ReportBuilder::image("registry.example/age:1", "sha256:" + std::string(64, 'e'), "2025-01-10T08:00:00Z");
  b.scanners({"scanner:vuln"});
  const int kOld = 1200;  // more than one batch of the store (500)
  for (int k = 0; k < kOld; ++k)
    b.vuln("CVE-2024-" + std::to_string(20000 + k), Severity::kMedium, "p" + std::to_string(k % 40), "1")
        .published("2025-01-01");
  b.vuln("CVE-2025-NEW", Severity::kMedium, "q", "1").published("2025-02-01");
  b.vuln("CVE-NODATE", Severity::kHigh, "r", "1");
  this->now_ = "2025-01-10T08:05:00Z";
  auto r = this->ingest(b);
  ASSERT_EQ(r.new_findings, kOld + 2);
  // Assessed at ingest: MEDIUM is 40 (P3), not yet old.
  EXPECT_EQ(this->by_rule("CVE-2024-20000").priority_score, 40);
  EXPECT_EQ(*this->store_->reassess_open("2025-01-10"), 0);  // assessed today already

  // Some leave the open states, one has a due date by hand, one is in progress.
  auto fixed = this->by_rule("CVE-2024-20001"), accepted = this->by_rule("CVE-2024-20002");
  auto manual = this->by_rule("CVE-2024-20003"), progress = this->by_rule("CVE-2024-20004");
  TriageChange fix;
  fix.state = "fixed";
  ASSERT_TRUE(this->store_->update_findings({fixed.id}, fix, {"a", ""}).ok());
  TriageChange accept;
  accept.state = "accepted_risk";
  accept.exception = FindingException{"later", "2026-01-01", false};
  ASSERT_TRUE(this->store_->update_findings({accepted.id}, accept, {"a", ""}).ok());
  TriageChange due;
  due.due_date = "2025-12-31";
  ASSERT_TRUE(this->store_->update_findings({manual.id}, due, {"a", ""}).ok());
  TriageChange work;
  work.state = "in_progress";
  ASSERT_TRUE(this->store_->update_findings({progress.id}, work, {"a", ""}).ok());

  // Forty-five days later no scan came: a pass in two calls (the first
  // stops after about 500), then nothing is left.
  this->now_ = "2025-02-24T03:00:00Z";
  auto first = this->store_->reassess_open("2025-02-24", 500);
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_EQ(*first, 500);
  this->expect_rollups_match("2025-02-24");
  auto rest = this->store_->reassess_open("2025-02-24");
  ASSERT_TRUE(rest.ok()) << rest.error().describe();
  const int open = kOld + 2 - 2;  // all but the fixed and the accepted one
  EXPECT_EQ(*first + *rest, open);
  EXPECT_EQ(*this->store_->reassess_open("2025-02-24"), 0);

  // Old enough: 60, P2, due 30 days (P2) after first seen; the manual due
  // date stays; what is not open keeps its assessment.
  auto aged = this->by_rule("CVE-2024-20000");
  EXPECT_EQ(aged.priority_score, 60);
  EXPECT_EQ(aged.priority_level, "P2");
  EXPECT_EQ(aged.due_date, "2025-02-09");
  EXPECT_EQ(this->by_rule("CVE-2024-20004").priority_score, 60);  // in progress
  auto kept = this->by_rule("CVE-2024-20003");
  EXPECT_EQ(kept.priority_score, 60);
  EXPECT_EQ(kept.due_date, "2025-12-31");
  EXPECT_EQ(this->by_rule("CVE-2024-20001", {"fixed"}).priority_score, 40);
  EXPECT_EQ(this->by_rule("CVE-2024-20002", {"accepted_risk"}).priority_score, 40);
  // Not old yet, or no date: unchanged.
  EXPECT_EQ(this->by_rule("CVE-2025-NEW").priority_score, 40);
  EXPECT_EQ(this->by_rule("CVE-NODATE").priority_score, 60);
  // The factors explain the new score.
  EXPECT_NE(this->detail(aged.id).priority_factors_json.find(R"("factor":"age")"), std::string::npos);
  // Rollups and the artifact's risk follow.
  this->expect_rollups_match("2025-02-24");
  auto art = this->artifact(r.artifact_id);
  FindingQuery q;
  q.artifact_id = r.artifact_id;
  q.states = {"new", "triaged", "in_progress"};
  int64_t risk = 0;
  for (auto& row : this->all(q)) risk += row.priority_score;
  EXPECT_EQ(art.risk, risk);
  EXPECT_EQ(risk, (open - 2) * 60 + 40 + 60);
  // One audit entry says what changed.
  auto audit = this->store_->list_audit(10, "");
  ASSERT_TRUE(audit.ok());
  int reassess_entries = 0;
  for (auto& e : audit->items) reassess_entries += e.action == "findings.reassess";
  EXPECT_EQ(reassess_entries, 2);
  EXPECT_FALSE(this->store_->reassess_open("2025-02-30").ok());
}

TYPED_TEST(StoreFindingsTest, RollupsAndTrendsEqualARecount) {
  this->load();  // days 1..3
  auto rows = this->all({});
  // Day 4: triage, a fix by hand, an accepted risk; day 5: a scan fixes and
  // reopens; exposure changes.
  this->now_ = "2025-01-04T09:00:00Z";
  TriageChange t;
  t.state = "in_progress";
  ASSERT_TRUE(this->store_->update_findings({rows[2].id, rows[3].id}, t, {"a", ""}).ok());
  TriageChange f;
  f.state = "fixed";
  ASSERT_TRUE(this->store_->update_findings({rows[4].id}, f, {"a", ""}).ok());
  TriageChange acc;
  acc.state = "accepted_risk";
  acc.exception = FindingException{"r", "2025-01-04", false};
  ASSERT_TRUE(this->store_->update_findings({rows[5].id}, acc, {"a", ""}).ok());
  this->now_ = "2025-01-05T09:00:00Z";
  auto b = ReportBuilder::image("registry.example/shop/web:1.0", "sha256:" + std::string(64, 'c'), "2025-01-05T08:00:00Z");
  b.scanners({"scanner:vuln"}).vuln("CVE-2024-1000", Severity::kUnknown, "openssl", "1.0");
  auto r = this->ingest(b);
  EXPECT_GT(r.fixed, 5);
  ASSERT_TRUE(this->store_->set_internet_facing(this->artifacts_[2], true, {"a", ""}).ok());
  ASSERT_EQ(*this->store_->expire_exceptions("2025-01-05"), 1);

  for (std::string today : {"2025-01-05", "2025-02-20", "2025-06-01"}) this->expect_rollups_match(today);
  auto o = this->store_->overview("2025-06-01");
  EXPECT_FALSE(o->overdue_by_practice.empty());
  EXPECT_EQ(o->artifacts_by_kind.at("image"), 3);

  // Artifact counts equal a count of their open findings.
  for (int64_t id : this->artifacts_) {
    FindingQuery q;
    q.artifact_id = id;
    q.states = {"new", "triaged", "in_progress"};
    auto rows = this->all(q);
    int64_t risk = 0;
    for (auto& row : rows) risk += row.priority_score;
    auto art = this->artifact(id);
    EXPECT_EQ(art.counts, count_severities(rows));
    EXPECT_EQ(art.risk, risk);
  }

  // Trends: new per day = findings first seen or reappeared that day (the
  // clock's day), fixed = transitions to fixed; open at the end = the recount.
  auto trend = this->store_->trends(7, "2025-01-07");
  ASSERT_TRUE(trend.ok());
  ASSERT_EQ(trend->size(), 7u);
  EXPECT_EQ((*trend)[0].date, "2025-01-01");
  EXPECT_EQ((*trend)[0].new_count, 14);
  EXPECT_EQ((*trend)[1].new_count, 14);
  EXPECT_EQ((*trend)[2].new_count, 14);
  EXPECT_EQ((*trend)[3].fixed_count, 1);
  EXPECT_EQ((*trend)[4].fixed_count, r.fixed);
  EXPECT_EQ((*trend)[0].open.critical, 3);  // 2 CVEs + 1 secret in image 1
  FindingQuery open;
  open.states = {"new", "triaged", "in_progress"};
  SeverityCounts now = count_severities(this->all(open));
  EXPECT_EQ((*trend)[4].open, now);
  EXPECT_EQ((*trend)[6].open, now);  // carried forward
  EXPECT_EQ((*trend)[6].new_count, 0);
  int64_t news = 0, fixes = 0;
  for (auto& d : *trend) news += d.new_count, fixes += d.fixed_count;
  EXPECT_EQ(news, 42);
  EXPECT_EQ(fixes, 1 + r.fixed);
  // Per practice: the days add up to the totals.
  auto per = this->store_->practice_trends(7, "2025-01-07");
  ASSERT_TRUE(per.ok());
  EXPECT_EQ(per->size(), 15u * 7u);
  std::map<std::string, TrendDay> sum;
  for (auto& d : *per) {
    auto& s = sum[d.date];
    s.new_count += d.new_count;
    s.fixed_count += d.fixed_count;
    s.open.critical += d.open.critical;
    s.open.high += d.open.high;
    s.open.medium += d.open.medium;
    s.open.low += d.open.low;
    s.open.unknown += d.open.unknown;
  }
  for (auto& d : *trend) {
    EXPECT_EQ(sum[d.date].new_count, d.new_count) << d.date;
    EXPECT_EQ(sum[d.date].fixed_count, d.fixed_count) << d.date;
    EXPECT_EQ(sum[d.date].open, d.open) << d.date;
  }
  // A rebuild from scratch gives the same rollups.
  ASSERT_TRUE(this->store_->rebuild_rollups().ok());
  auto rebuilt = this->store_->overview("2025-06-01");
  ASSERT_TRUE(rebuilt.ok());
  expect_same_overview(*rebuilt, *o, "rebuilt");

  // Open known-exploited and fixable vulnerabilities, as the list counts them.
  FindingQuery vulns;
  vulns.kinds = {"vulnerability"};
  vulns.states = {"new", "triaged", "in_progress"};
  auto open_vulns = this->all(vulns);
  auto kev = std::count_if(open_vulns.begin(), open_vulns.end(), [](auto& r) { return r.kev; });
  auto fixable = std::count_if(open_vulns.begin(), open_vulns.end(), [](auto& r) { return r.fixable; });
  EXPECT_GT(kev, 0);
  EXPECT_GT(fixable, 0);
  EXPECT_EQ(o->open_kev, kev);
  EXPECT_EQ(o->open_fixable, fixable);
  // A fixed KEV finding no longer counts; reopened, it counts again.
  int64_t kev_id = 0;
  for (auto& r : open_vulns)
    if (r.kev) kev_id = r.id;
  TriageChange fix;
  fix.state = "fixed";
  ASSERT_TRUE(this->store_->update_findings({kev_id}, fix, {"a", ""}).ok());
  EXPECT_EQ(this->store_->overview("2025-06-01")->open_kev, kev - 1);
  this->expect_rollups_match("2025-06-01");
  TriageChange reopen;
  reopen.state = "triaged";
  ASSERT_TRUE(this->store_->update_findings({kev_id}, reopen, {"a", ""}).ok());
  EXPECT_EQ(this->store_->overview("2025-06-01")->open_kev, kev);
  // End of life: the images' Debian 12 ends on 2028-06-30.
  EXPECT_EQ(o->eol_artifacts, 0);
  EXPECT_EQ(this->store_->overview("2028-06-29")->eol_artifacts, 0);
  EXPECT_EQ(this->store_->overview("2028-06-30")->eol_artifacts, 3);
  this->expect_rollups_match("2028-06-30");
}

}  // namespace
}  // namespace bulwark::store::testing
