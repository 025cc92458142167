// Ingest: idempotent uploads, first/last seen and fixed_at across scans,
// reappearance, the covered-kinds rule, exceptions that end with a fix,
// image digests of one repository, retention of report bodies, bad input.
#include <gtest/gtest.h>

#include <set>

#include "core/json.hpp"
#include "store_testing.hpp"

namespace bulwark::store::testing {
namespace {

template <class B>
class StoreIngestTest : public StoreTest<B> {};
TYPED_TEST_SUITE(StoreIngestTest, Backends, BackendNames);

const char* const kDigest1 = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const char* const kDigest2 = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
const char* const kDigest3 = "sha256:3333333333333333333333333333333333333333333333333333333333333333";

ReportBuilder base_scan(const std::string& digest, const std::string& at) {
  auto b = ReportBuilder::image("registry.example/shop/web:1.0", digest, at);
  b.scanners({"scanner:vuln", "scanner:misconfig", "scanner:secret"});
  return b;
}

TYPED_TEST(StoreIngestTest, SameReportTwiceIsStoredOnce) {
  auto b = base_scan(kDigest1, "2025-01-10T07:00:00Z");
  b.vuln("CVE-2024-0001", Severity::kHigh, "openssl", "3.0.11", {"3.0.13"});
  auto first = this->ingest(b);
  EXPECT_TRUE(first.created);
  EXPECT_EQ(first.new_findings, 1);
  auto again = this->ingest(b);
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.scan_id, first.scan_id);
  EXPECT_EQ(again.artifact_id, first.artifact_id);
  auto scans = this->store_->list_scans(std::nullopt, 50, "");
  ASSERT_TRUE(scans.ok());
  EXPECT_EQ(scans->total, 1);
  ASSERT_EQ(scans->items.size(), 1u);
  EXPECT_EQ(scans->items[0].findings, 1);
  EXPECT_EQ(scans->items[0].counts.high, 1);
  EXPECT_EQ(this->all({}).size(), 1u);
  // Another body (one byte more) is another scan.
  auto other = this->store_->ingest(b.json() + "\n", this->actor_);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->created);
}

TYPED_TEST(StoreIngestTest, FirstSeenLastSeenAndFixedAtAcrossThreeScans) {
  auto s1 = base_scan(kDigest1, "2025-01-01T10:00:00Z");
  s1.vuln("CVE-A", Severity::kHigh, "openssl", "3.0.11").vuln("CVE-B", Severity::kMedium, "zlib", "1.2.13");
  this->now_ = "2025-01-01T10:05:00Z";
  auto r1 = this->ingest(s1);
  EXPECT_EQ(r1.new_findings, 2);

  auto s2 = base_scan(kDigest1, "2025-01-02T10:00:00Z");
  s2.vuln("CVE-A", Severity::kHigh, "openssl", "3.0.11");
  this->now_ = "2025-01-02T10:05:00Z";
  auto r2 = this->ingest(s2);
  EXPECT_EQ(r2.updated, 1);
  EXPECT_EQ(r2.fixed, 1);
  auto b = this->by_rule("CVE-B");
  EXPECT_EQ(b.state, "fixed");
  EXPECT_EQ(b.fixed_at, "2025-01-02T10:00:00Z");
  EXPECT_EQ(b.first_seen, "2025-01-01T10:00:00Z");
  EXPECT_EQ(b.last_seen, "2025-01-01T10:00:00Z");
  // Fixed findings are not listed by default.
  for (const auto& f : this->all({})) EXPECT_NE(f.rule_id, "CVE-B");

  auto s3 = base_scan(kDigest1, "2025-01-03T10:00:00Z");
  s3.vuln("CVE-A", Severity::kHigh, "openssl", "3.0.11").vuln("CVE-B", Severity::kMedium, "zlib", "1.2.13");
  this->now_ = "2025-01-03T10:05:00Z";
  auto r3 = this->ingest(s3);
  EXPECT_EQ(r3.reappeared, 1);
  auto a = this->by_rule("CVE-A");
  EXPECT_EQ(a.first_seen, "2025-01-01T10:00:00Z");
  EXPECT_EQ(a.last_seen, "2025-01-03T10:00:00Z");
  EXPECT_EQ(a.fixed_at, "");
  EXPECT_EQ(a.state, "new");
  b = this->by_rule("CVE-B");
  EXPECT_EQ(b.state, "new");
  EXPECT_EQ(b.fixed_at, "");
  EXPECT_EQ(b.first_seen, "2025-01-01T10:00:00Z");
  EXPECT_EQ(b.last_seen, "2025-01-03T10:00:00Z");
  auto d = this->detail(b.id);
  EXPECT_EQ(history_text(d),
            (std::vector<std::string>{"state: new -> fixed (fixed)", "state: fixed -> new (reappeared)"}));
  ASSERT_EQ(d.history.size(), 2u);
  EXPECT_EQ(d.history[1].at, "2025-01-03T10:05:00Z");
}

TYPED_TEST(StoreIngestTest, OnlyCoveredKindsAreMarkedFixed) {
  auto s1 = base_scan(kDigest1, "2025-01-01T10:00:00Z");
  s1.vuln("CVE-A", Severity::kHigh, "openssl", "3.0.11")
      .misconfig("DS002", Severity::kHigh, "Dockerfile")
      .secret("aws-access-key", Severity::kCritical, "app/.env", 3);
  this->ingest(s1);
  // A vulnerability-only scan: misconfigurations and secrets stay open.
  auto s2 = ReportBuilder::image("registry.example/shop/web:1.0", kDigest1, "2025-01-02T10:00:00Z");
  s2.scanners({"scanner:vuln"});
  auto r2 = this->ingest(s2);
  EXPECT_EQ(r2.fixed, 1);
  EXPECT_EQ(this->by_rule("CVE-A").state, "fixed");
  EXPECT_EQ(this->by_rule("DS002").state, "new");
  EXPECT_EQ(this->by_rule("aws-access-key").state, "new");
  // No scanner keys at all: the kinds present in the report are covered.
  auto s3 = ReportBuilder::image("registry.example/shop/web:1.0", kDigest1, "2025-01-03T10:00:00Z");
  s3.misconfig("DS002", Severity::kHigh, "Dockerfile");
  auto r3 = this->ingest(s3);
  EXPECT_EQ(r3.fixed, 0);
  EXPECT_EQ(this->by_rule("aws-access-key").state, "new");
  // Compliance components cover compliance findings only.
  auto s4 = ReportBuilder::image("registry.example/shop/web:1.0", kDigest1, "2025-01-04T10:00:00Z");
  s4.scanners({"compliance:docker-cis-1.6.0"});
  auto r4 = this->ingest(s4);
  EXPECT_EQ(r4.fixed, 0);
  auto s5 = ReportBuilder::image("registry.example/shop/web:1.0", kDigest1, "2025-01-05T10:00:00Z");
  s5.scanners({"scanner:secret"});
  auto r5 = this->ingest(s5);
  EXPECT_EQ(r5.fixed, 1);
  EXPECT_EQ(this->by_rule("aws-access-key").state, "fixed");
  EXPECT_EQ(this->by_rule("DS002").state, "new");
}

TYPED_TEST(StoreIngestTest, NewDigestOfTheSameRepositoryContinuesTheHistory) {
  auto s1 = base_scan(kDigest1, "2025-01-01T10:00:00Z");
  s1.vuln("CVE-A", Severity::kHigh, "openssl", "3.0.11");
  auto r1 = this->ingest(s1);
  auto s2 = ReportBuilder::image("registry.example/shop/web:1.1", kDigest2, "2025-01-05T10:00:00Z");
  s2.scanners({"scanner:vuln"}).vuln("CVE-A", Severity::kHigh, "openssl", "3.0.11");
  auto r2 = this->ingest(s2);
  EXPECT_EQ(r1.artifact_id, r2.artifact_id);
  EXPECT_EQ(r2.new_findings, 0);
  EXPECT_EQ(r2.updated, 1);
  auto a = this->by_rule("CVE-A");
  EXPECT_EQ(a.first_seen, "2025-01-01T10:00:00Z");
  EXPECT_EQ(a.last_seen, "2025-01-05T10:00:00Z");
  auto art = this->artifact(r1.artifact_id);
  EXPECT_EQ(art.kind, "image");
  EXPECT_EQ(art.name, "registry.example/shop/web");
  EXPECT_EQ(art.digest, kDigest2);
  EXPECT_EQ(art.tags, std::vector<std::string>{"registry.example/shop/web:1.1"});
  ASSERT_EQ(art.digests.size(), 2u);
  EXPECT_EQ(art.digests[0].digest, kDigest2);
  EXPECT_EQ(art.digests[1].digest, kDigest1);
  EXPECT_EQ(art.digests[1].tags, std::vector<std::string>{"registry.example/shop/web:1.0"});
  EXPECT_EQ(art.digests[1].repositories, std::vector<std::string>{"registry.example/shop/web"});
  EXPECT_EQ(art.first_seen, "2025-01-01T10:00:00Z");
  EXPECT_EQ(art.last_seen, "2025-01-05T10:00:00Z");
  EXPECT_EQ(art.os_family, "debian");
  EXPECT_EQ(art.os_eol, "2028-06-30");
  EXPECT_EQ(art.counts.high, 1);
  // A host is its own artifact, named by its host name.
  auto h = ReportBuilder::host("node-1", "2025-01-05T11:00:00Z");
  h.vuln("CVE-A", Severity::kHigh, "openssl", "3.0.11");
  auto r3 = this->ingest(h);
  EXPECT_NE(r3.artifact_id, r1.artifact_id);
  auto host = this->artifact(r3.artifact_id);
  EXPECT_EQ(host.name, "node-1");
  EXPECT_EQ(host.kind, "host");
}

TYPED_TEST(StoreIngestTest, OlderReportArrivingLateDoesNotRewriteFindings) {
  auto s2 = base_scan(kDigest1, "2025-01-05T10:00:00Z");
  s2.vuln("CVE-A", Severity::kHigh, "openssl", "3.0.11");
  this->ingest(s2);
  auto s1 = base_scan(kDigest1, "2025-01-01T10:00:00Z");
  s1.vuln("CVE-OLD", Severity::kHigh, "bash", "5.1");
  auto r = this->ingest(s1);
  EXPECT_TRUE(r.created);
  EXPECT_EQ(r.new_findings + r.fixed + r.updated, 0);
  EXPECT_EQ(this->by_rule("CVE-A").state, "new");
  EXPECT_EQ(this->all({}).size(), 1u);
  auto art = this->artifact(r.artifact_id);
  EXPECT_EQ(art.first_seen, "2025-01-01T10:00:00Z");
  EXPECT_EQ(art.last_seen, "2025-01-05T10:00:00Z");
}

TYPED_TEST(StoreIngestTest, AcceptedRiskUntilFixReopensWhenAFixAppears) {
  auto s1 = base_scan(kDigest1, "2025-01-01T10:00:00Z");
  s1.vuln("CVE-A", Severity::kHigh, "openssl", "3.0.11").vuln("CVE-B", Severity::kLow, "zlib", "1.2.13");
  this->ingest(s1);
  auto a = this->by_rule("CVE-A");
  auto b = this->by_rule("CVE-B");
  TriageChange accept;
  accept.state = "accepted_risk";
  accept.exception = FindingException{"no fix yet", "", true};
  ASSERT_TRUE(this->store_->update_findings({a.id}, accept, {"alice", ""}).ok());
  TriageChange accept_b = accept;
  accept_b.exception = FindingException{"later", "2026-01-01", false};
  ASSERT_TRUE(this->store_->update_findings({b.id}, accept_b, {"alice", ""}).ok());
  // Still no fix: stays accepted.
  auto s2 = base_scan(kDigest1, "2025-01-02T10:00:00Z");
  s2.vuln("CVE-A", Severity::kHigh, "openssl", "3.0.11").vuln("CVE-B", Severity::kLow, "zlib", "1.2.13", {"1.3"});
  this->ingest(s2);
  EXPECT_EQ(this->by_rule("CVE-A").state, "accepted_risk");
  // A date-bound exception does not end with a fix.
  EXPECT_EQ(this->by_rule("CVE-B").state, "accepted_risk");
  auto s3 = base_scan(kDigest1, "2025-01-03T10:00:00Z");
  s3.vuln("CVE-A", Severity::kHigh, "openssl", "3.0.11", {"3.0.13"}).vuln("CVE-B", Severity::kLow, "zlib", "1.2.13", {"1.3"});
  this->now_ = "2025-01-03T10:01:00Z";
  this->ingest(s3);
  a = this->by_rule("CVE-A");
  EXPECT_EQ(a.state, "triaged");
  EXPECT_FALSE(a.exception.has_value());
  auto d = this->detail(a.id);
  ASSERT_FALSE(d.history.empty());
  EXPECT_EQ(history_text(d).back(), "state: accepted_risk -> triaged (exception ended: fix available)");
  EXPECT_EQ(this->by_rule("CVE-B").state, "accepted_risk");
}

TYPED_TEST(StoreIngestTest, LatestReportPackagesLayersAndRetention) {
  auto s1 = base_scan(kDigest1, "2025-01-01T10:00:00Z");
  s1.layers(2).package("openssl", "3.0.11", "sha256:" + std::string(63, 'd') + "1").package("zlib", "1.2.13");
  s1.vuln("CVE-A", Severity::kHigh, "openssl", "3.0.11").vuln("CVE-C", Severity::kLow, "openssl", "3.0.11");
  auto r1 = this->ingest(s1);
  auto pkgs = this->store_->packages(r1.artifact_id, "");
  ASSERT_TRUE(pkgs.ok()) << pkgs.error().describe();
  ASSERT_EQ(pkgs->size(), 2u);
  EXPECT_EQ((*pkgs)[0].name, "openssl");
  EXPECT_EQ((*pkgs)[0].findings, 2);
  EXPECT_EQ((*pkgs)[1].findings, 0);
  auto filtered = this->store_->packages(r1.artifact_id, "ZLI");
  ASSERT_TRUE(filtered.ok());
  ASSERT_EQ(filtered->size(), 1u);
  EXPECT_EQ((*filtered)[0].name, "zlib");
  auto layers = this->store_->layers(r1.artifact_id);
  ASSERT_TRUE(layers.ok());
  ASSERT_EQ(layers->size(), 2u);
  EXPECT_EQ((*layers)[0].findings, 0);
  EXPECT_EQ((*layers)[1].findings, 2);
  EXPECT_EQ((*layers)[1].created_by, "RUN step 1");

  // A second scan: only its body is kept (no compliance anywhere).
  auto s2 = base_scan(kDigest3, "2025-01-02T10:00:00Z");
  s2.vuln("CVE-A", Severity::kHigh, "openssl", "3.0.11");
  auto r2 = this->ingest(s2);
  auto scans = this->store_->list_scans(r1.artifact_id, 50, "");
  ASSERT_TRUE(scans.ok());
  ASSERT_EQ(scans->items.size(), 2u);
  EXPECT_EQ(scans->items[0].id, r2.scan_id);
  EXPECT_TRUE(scans->items[0].has_report);
  EXPECT_FALSE(scans->items[1].has_report);
  auto latest = this->store_->latest_report(r1.artifact_id);
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->created_at, "2025-01-02T10:00:00Z");
  EXPECT_EQ(latest->target.digest, kDigest3);
  auto json_text = this->store_->latest_report_json(r1.artifact_id);
  ASSERT_TRUE(json_text.ok());
  EXPECT_EQ(*json_text, s2.json());
  auto compliance = this->store_->latest_compliance_report(r1.artifact_id);
  ASSERT_FALSE(compliance.ok());
  EXPECT_EQ(compliance.error().code, ErrorCode::kNotFound);
  auto missing = this->store_->latest_report(99999);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TYPED_TEST(StoreIngestTest, BadInputIsRejectedAndNothingIsStored) {
  auto b = base_scan(kDigest1, "2025-01-01T10:00:00Z");
  b.vuln("CVE-A", Severity::kHigh, "openssl", "3.0.11");
  b.vuln(std::string(600, 'X'), Severity::kHigh, "zlib", "1");
  auto r = this->store_->ingest(b.json(), this->actor_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message.find("findings[1].id"), std::string::npos) << r.error().message;

  auto t = base_scan(kDigest1, "yesterday");
  auto bad_time = this->store_->ingest(t.json(), this->actor_);
  ASSERT_FALSE(bad_time.ok());
  EXPECT_NE(bad_time.error().message.find("created_at"), std::string::npos);

  auto e = base_scan(kDigest1, "2025-01-01T10:00:00Z");
  e.vuln("CVE-E", Severity::kHigh, "openssl", "3.0.11", {}, 1.5);
  auto bad_epss = this->store_->ingest(e.json(), this->actor_);
  ASSERT_FALSE(bad_epss.ok());
  EXPECT_NE(bad_epss.error().message.find("findings[0].epss_score"), std::string::npos);

  EXPECT_FALSE(this->store_->ingest("{not json", this->actor_).ok());
  EXPECT_FALSE(this->store_->ingest(R"({"schema_version": 99})", this->actor_).ok());

  auto scans = this->store_->list_scans(std::nullopt, 50, "");
  ASSERT_TRUE(scans.ok());
  EXPECT_EQ(scans->total, 0);
  auto arts = this->store_->list_artifacts({});
  ASSERT_TRUE(arts.ok());
  EXPECT_EQ(arts->total, 0);
  EXPECT_TRUE(this->all({}).empty());
}

TYPED_TEST(StoreIngestTest, TimesWithOffsetsAreStoredInUtc) {
  auto b = base_scan(kDigest1, "2025-01-01T01:30:00.123+02:00");
  b.vuln("CVE-A", Severity::kHigh, "openssl", "3.0.11");
  this->ingest(b);
  EXPECT_EQ(this->by_rule("CVE-A").first_seen, "2024-12-31T23:30:00Z");
}

TYPED_TEST(StoreIngestTest, DuplicateFingerprintsInOneReportCountOnce) {
  auto b = base_scan(kDigest1, "2025-01-01T10:00:00Z");
  b.vuln("CVE-A", Severity::kHigh, "openssl", "3.0.11").vuln("CVE-A", Severity::kLow, "openssl", "3.0.11");
  auto r = this->ingest(b);
  EXPECT_EQ(r.new_findings, 1);
  EXPECT_EQ(this->by_rule("CVE-A").severity, "HIGH");
}

}  // namespace
}  // namespace bulwark::store::testing

namespace bulwark::store::testing {
namespace {

// A report as the project's own fixtures write it (no fingerprints, no
// scanner keys): everything it carries is stored and readable back.
TYPED_TEST(StoreIngestTest, ARealReportFixtureIsStoredWhole) {
  std::string body = bulwark::testing::read_file(bulwark::testing::fixture("enrich/report-debian-image.json"));
  auto parsed = report_from_json(body, "fixture");
  ASSERT_TRUE(parsed.ok());
  auto r = this->store_->ingest(body, this->actor_);
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_TRUE(r->created);
  std::set<std::string> fingerprints;
  for (const auto& f : parsed->findings)
    fingerprints.insert(f.fingerprint.empty() ? fingerprint(f, parsed->target) : f.fingerprint);
  EXPECT_EQ(r->new_findings, static_cast<int>(fingerprints.size()));
  FindingQuery q;
  q.artifact_id = r->artifact_id;
  auto rows = this->all(q);
  EXPECT_EQ(rows.size(), fingerprints.size());
  for (const auto& row : rows) EXPECT_TRUE(fingerprints.count(row.fingerprint)) << row.rule_id;
  auto art = this->artifact(r->artifact_id);
  EXPECT_EQ(art.name, "localhost/bulwark-fixture");
  EXPECT_EQ(art.os_eol, "2026-06-10");
  auto pkgs = this->store_->packages(r->artifact_id, "");
  ASSERT_TRUE(pkgs.ok());
  size_t want = parsed->inventory.packages.size();
  for (const auto& app : parsed->inventory.applications) want += app.packages.size();
  EXPECT_EQ(pkgs->size(), want);
  auto layers = this->store_->layers(r->artifact_id);
  ASSERT_TRUE(layers.ok());
  EXPECT_EQ(layers->size(), parsed->target.artifact.layers.size());
  int64_t in_layers = 0;
  for (const auto& l : *layers) in_layers += l.findings;
  int64_t with_layer = 0;
  for (const auto& f : parsed->findings) with_layer += !f.location.layer.empty();
  EXPECT_EQ(in_layers, with_layer);
  auto j = parse_json(this->detail(rows.front().id).finding_json, "stored finding");
  ASSERT_TRUE(j.ok());
  EXPECT_EQ(get_string(*j, "fingerprint"), rows.front().fingerprint);
}

}  // namespace
}  // namespace bulwark::store::testing
