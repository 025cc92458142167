// Alpine secdb (JSON and YAML) and NVD CVE API 2.0 importers: the fixtures,
// malformed input, the shared corpus (counted independently of the
// importers), and NVD severities reaching a vulnerability merged from OSV.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <regex>
#include <set>

#include "testing/testing.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb {
namespace {

namespace fs = std::filesystem;
using bulwark::testing::corpus_dir;
using bulwark::testing::fixture;
using bulwark::testing::read_file;
using bulwark::testing::TempDir;
using bulwark::testing::write_file;

bool has_problem(const ImportSummary& s, std::string_view where_part, std::string_view msg_part, bool skipped = true) {
  return std::any_of(s.problems.begin(), s.problems.end(), [&](const ImportProblem& p) {
    return p.skipped == skipped && p.where.find(where_part) != std::string::npos &&
           p.message.find(msg_part) != std::string::npos;
  });
}

const Advisory* find(const Dataset& d, std::string_view origin, std::string_view id) {
  for (const auto& a : d.advisories)
    if (a.origin == origin && a.id == id) return &a;
  return nullptr;
}

const AffectedEntry* entry(const Advisory& a, std::string_view package) {
  for (const auto& e : a.affected)
    if (e.package == package) return &e;
  return nullptr;
}

const SeverityEntry* severity(const std::vector<SeverityEntry>& list, std::string_view source, std::string_view type) {
  for (const auto& s : list)
    if (s.source == source && s.type == type) return &s;
  return nullptr;
}

struct Imported {
  Dataset data;
  ImportSummary summary;
};

Imported import(const std::vector<std::string>& paths, const ImportOptions& opt = {}) {
  Imported out;
  auto s = import_paths(paths, out.data, opt);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
  if (s.ok()) out.summary = *s;
  return out;
}

Imported import_text(void (*fn)(std::string_view, const std::string&, ImportContext&), std::string_view text,
                     const std::string& where = "test.json") {
  Imported out;
  ImportContext ctx(out.data, out.summary);
  fn(text, where, ctx);
  return out;
}

// ------------------------------------------------------------ alpine --

TEST(AlpineSecdb, JsonFixture) {
  auto r = import({fixture("vulndb/alpine/v3.18-main.json").string()});
  EXPECT_EQ(r.summary.per_format["alpine-secdb"], r.data.advisories.size());
  const Advisory* a = find(r.data, "alpine", "CVE-2023-2650");
  ASSERT_NE(a, nullptr);
  ASSERT_EQ(a->affected.size(), 1u);
  const AffectedEntry& e = a->affected[0];
  EXPECT_EQ(e.ecosystem, "Alpine");
  EXPECT_EQ(e.release, "3.18");  // the convention parse_ecosystem("Alpine:v3.18") gives
  EXPECT_EQ(e.package, "openssl");
  EXPECT_EQ(e.status, "fixed");
  EXPECT_EQ(e.fixed, std::vector<std::string>{"3.1.1-r0"});
  EXPECT_EQ(e.ranges_json, R"([{"events":[{"introduced":"0"},{"fixed":"3.1.1-r0"}],"type":"ECOSYSTEM"}])");
  EXPECT_TRUE(e.matchable);
  auto ours = parse_ecosystem("Alpine:v3.18");
  ASSERT_TRUE(ours.ok());
  EXPECT_EQ(e.release, ours->release);

  // Two CVEs on one line are two advisories with the same fix.
  for (const char* id : {"CVE-2023-0464", "CVE-2023-0465"}) {
    const Advisory* m = find(r.data, "alpine", id);
    ASSERT_NE(m, nullptr) << id;
    EXPECT_EQ(m->affected.at(0).fixed.at(0), "3.1.0-r2");
  }
  // Key "0": never affected.
  const Advisory* never = find(r.data, "alpine", "CVE-2022-1343");
  ASSERT_NE(never, nullptr);
  EXPECT_EQ(never->affected.at(0).status, "not_affected");
  EXPECT_TRUE(never->affected.at(0).fixed.empty());
  EXPECT_EQ(never->affected.at(0).ranges_json, "[]");

  // XSA beside a CVE is not an id of its own; an XSA alone is; lowercase CVE.
  EXPECT_NE(find(r.data, "alpine", "CVE-2022-42332"), nullptr);
  EXPECT_EQ(find(r.data, "alpine", "XSA-427"), nullptr);
  EXPECT_NE(find(r.data, "alpine", "XSA-428"), nullptr);
  EXPECT_NE(find(r.data, "alpine", "CVE-2022-42334"), nullptr);
  // A trailing comment does not stop the CVE; a junk entry is a problem.
  EXPECT_NE(find(r.data, "alpine", "CVE-2023-28319"), nullptr);
  EXPECT_TRUE(has_problem(r.summary, "(curl) secfixes '8.1.0-r0'", "'see-the-changelog' names no vulnerability id"));
  // A key that is not an apk version drops its entries, named by place.
  EXPECT_EQ(find(r.data, "alpine", "CVE-2023-0000"), nullptr);
  EXPECT_TRUE(has_problem(r.summary, "(curl) secfixes 'not a version!'", "not an apk version"));
  EXPECT_TRUE(has_problem(r.summary, "packages[3]", "without 'pkg.name'"));
  EXPECT_EQ(find(r.data, "alpine", "CVE-2023-1111"), nullptr);
  EXPECT_EQ(r.data.advisories.size(), 9u);
}

TEST(AlpineSecdb, YamlFixture) {
  auto r = import({fixture("vulndb/alpine/v3.11-main.yaml").string()});
  const Advisory* a = find(r.data, "alpine", "CVE-2019-1549");
  ASSERT_NE(a, nullptr);
  const AffectedEntry* e = entry(*a, "openssl");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->release, "3.11");
  EXPECT_EQ(e->fixed.at(0), "1.1.1d-r1");
  const Advisory* never = find(r.data, "alpine", "CVE-2012-2114");
  ASSERT_NE(never, nullptr);
  EXPECT_EQ(never->affected.at(0).status, "not_affected");
  // "CVE-2017-17434-1" and "-2" are one CVE fixed in parts: one entry.
  const Advisory* rs = find(r.data, "alpine", "CVE-2017-17434");
  ASSERT_NE(rs, nullptr);
  EXPECT_EQ(rs->affected.size(), 1u);
  EXPECT_NE(find(r.data, "alpine", "CVE-2017-16548"), nullptr);
  EXPECT_TRUE(has_problem(r.summary, "(rsync) secfixes '3.1.2-r3'", "CVE-\?\?\?\?-\?\?\?\?\?"));
  // Typos of the real files: a repaired version key, "CVE_", "CVE 2018-...".
  const Advisory* irssi = find(r.data, "alpine", "CVE-2017-9469");
  ASSERT_NE(irssi, nullptr);
  EXPECT_EQ(irssi->affected.at(0).fixed.at(0), "0.8.21-r2");
  EXPECT_TRUE(has_problem(r.summary, "(irssi) secfixes '0.8.21.r2'", "read as '0.8.21-r2'", false));
  EXPECT_NE(find(r.data, "alpine", "CVE-2017-9468"), nullptr);
  EXPECT_NE(find(r.data, "alpine", "CVE-2018-16859"), nullptr);
  EXPECT_EQ(find(r.data, "alpine", "CVE-2019-0001"), nullptr);
  EXPECT_TRUE(has_problem(r.summary, "(ansible) secfixes '1.11-20-r0'", "not an apk version"));
  EXPECT_EQ(r.data.advisories.size(), 11u);
}

TEST(AlpineSecdb, MalformedInput) {
  auto trunc = import_text(import_alpine_secdb_document, R"({"distroversion":"v3.18","packages":[{"pkg":{"name":"a")");
  EXPECT_TRUE(trunc.data.advisories.empty());
  EXPECT_EQ(trunc.summary.skipped, 1u);
  auto no_pk = import_text(import_alpine_secdb_document, R"({"distroversion":"v3.18"})");
  EXPECT_TRUE(has_problem(no_pk.summary, "test.json", "no 'packages'"));
  auto no_rel = import_text(import_alpine_secdb_document,
                            R"({"packages":[{"pkg":{"name":"a","secfixes":{"1-r0":["CVE-2020-1234"]}}}]})");
  EXPECT_TRUE(has_problem(no_rel.summary, "test.json", "distroversion"));
  auto bad_yaml = import_text(import_alpine_secdb_document, "packages:\n  - pkg: [unclosed\n", "x.yaml");
  EXPECT_TRUE(has_problem(bad_yaml.summary, "x.yaml: line", ""));
  // The release also comes from a v3.NN directory when distroversion is missing.
  auto by_dir = import_text(import_alpine_secdb_document,
                            "packages:\n  - pkg:\n      name: a\n      secfixes:\n        1.0-r1:\n          - CVE-2020-1234\n",
                            "secdb/v3.9/main.yaml");
  ASSERT_EQ(by_dir.data.advisories.size(), 1u);
  EXPECT_EQ(by_dir.data.advisories[0].affected.at(0).release, "3.9");
}

// One CVE fixed in two releases comes from two files; the database keeps the
// rows of both, and importing the same file twice does not double them.
TEST(AlpineSecdb, ReleasesOfOneCveAreAllStored) {
  TempDir tmp;
  const std::string body = "packages:\n  - pkg:\n      name: musl\n      secfixes:\n        VERSION:\n          - CVE-2019-14697\n";
  auto with = [&](const std::string& v) { return std::regex_replace(body, std::regex("VERSION"), v); };
  write_file(tmp / "secdb/v3.10/main.yaml", "distroversion: v3.10\n" + with("1.1.22-r3"));
  write_file(tmp / "secdb/v3.11/main.yaml", "distroversion: v3.11\n" + with("1.1.23-r2"));
  Dataset data;
  auto s = import_paths({(tmp / "secdb").string(), (tmp / "secdb/v3.11/main.yaml").string()}, data);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(data.advisories.size(), 3u);
  const std::string db = (tmp / "a.db").string();
  ASSERT_TRUE(write_database(db, data).ok());
  auto reader = Reader::open(db);
  ASSERT_TRUE(reader.ok());
  auto rows = reader->affected("Alpine", "musl");
  ASSERT_TRUE(rows.ok());
  std::multiset<std::string> releases;
  for (const auto& r : *rows) {
    releases.insert(r.entry.release + " " + r.entry.fixed.at(0));
    EXPECT_EQ(r.vulnerability, "CVE-2019-14697");
    EXPECT_EQ(r.source, "alpine");
  }
  EXPECT_EQ(releases, (std::multiset<std::string>{"3.10 1.1.22-r3", "3.11 1.1.23-r2"}));
}

// --------------------------------------------------------------- nvd --

TEST(Nvd, PageFixture) {
  auto r = import({fixture("vulndb/nvd/page.json").string()});
  EXPECT_EQ(r.summary.per_format["nvd"], 3u);
  ASSERT_EQ(r.data.advisories.size(), 3u);
  const Advisory* xz = find(r.data, "nvd", "CVE-2024-3094");
  ASSERT_NE(xz, nullptr);
  EXPECT_TRUE(xz->affected.empty());  // never matched by CPE
  EXPECT_EQ(xz->published, "2024-03-29T17:15:21.150Z");
  EXPECT_EQ(xz->modified, "2024-05-22T17:16:10.127Z");
  EXPECT_TRUE(xz->withdrawn.empty());
  EXPECT_EQ(xz->cwes, std::vector<std::string>{"CWE-506"});
  EXPECT_TRUE(starts_with(xz->details, "Malicious code was discovered"));
  EXPECT_EQ(xz->summary, "Malicious code was discovered in the upstream tarballs of xz, starting with version 5.6.0.");
  ASSERT_EQ(xz->references.size(), 2u);  // the repeated URL once
  EXPECT_EQ(xz->references[0].type, "ADVISORY");
  EXPECT_EQ(xz->references[1].type, "REPORT");
  const SeverityEntry* s = severity(xz->severities, "redhat", "cvss_v3");
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
  EXPECT_DOUBLE_EQ(s->score.value_or(-1), 10.0);
  EXPECT_EQ(s->severity, "CRITICAL");

  const Advisory* ccs = find(r.data, "nvd", "CVE-2014-0224");
  ASSERT_NE(ccs, nullptr);
  EXPECT_EQ(ccs->severities.size(), 4u);
  const SeverityEntry* v2 = severity(ccs->severities, "nvd", "cvss_v2");
  ASSERT_NE(v2, nullptr);
  EXPECT_DOUBLE_EQ(v2->score.value_or(-1), 6.8);
  EXPECT_EQ(v2->severity, "MEDIUM");
  const SeverityEntry* v31 = severity(ccs->severities, "nvd", "cvss_v3");
  ASSERT_NE(v31, nullptr);
  EXPECT_DOUBLE_EQ(v31->score.value_or(-1), 7.4);
  const SeverityEntry* v30 = severity(ccs->severities, "ibm", "cvss_v3");
  ASSERT_NE(v30, nullptr);
  EXPECT_TRUE(starts_with(v30->vector, "CVSS:3.0/"));
  const SeverityEntry* v4 = severity(ccs->severities, "example", "cvss_v4");
  ASSERT_NE(v4, nullptr);
  EXPECT_DOUBLE_EQ(v4->score.value_or(-1), 9.3);
  EXPECT_EQ(v4->severity, "CRITICAL");
  EXPECT_EQ(ccs->cwes, std::vector<std::string>{"CWE-326"});  // NVD-CWE-Other skipped
  EXPECT_NE(ccs->details.find("CVE tags: disputed"), std::string::npos);
  ASSERT_EQ(ccs->references.size(), 2u);
  EXPECT_EQ(ccs->references[1].type, "FIX");

  const Advisory* rej = find(r.data, "nvd", "CVE-2023-28531");
  ASSERT_NE(rej, nullptr);
  EXPECT_EQ(rej->withdrawn, "2024-01-09T15:15:08.797Z");
  EXPECT_EQ(r.summary.withdrawn, 1u);
  // No score differs from NVD's: our CVSS scoring agrees on every metric.
  EXPECT_FALSE(has_problem(r.summary, "", "differs", false));
  ASSERT_FALSE(r.data.sources.empty());
  EXPECT_EQ(r.data.sources[0].data_date, "2024-11-21T02:01:33.033Z");  // the newest lastModified
}

TEST(Nvd, GzipFeedFile) {
  auto r = import({fixture("vulndb/nvd/nvdcve-2.0-2014.json.gz").string()});
  EXPECT_EQ(r.summary.per_format["nvd"], 2u);
  EXPECT_NE(find(r.data, "nvd", "CVE-2014-0224"), nullptr);
  EXPECT_TRUE(r.summary.problems.empty());
}

TEST(Nvd, SingleRecordForms) {
  const std::string cve =
      R"({"id":"CVE-2022-0778","sourceIdentifier":"openssl-security@openssl.org","published":"2022-03-15T17:15:08.513",)"
      R"("lastModified":"2024-11-21T06:39:22.150","vulnStatus":"Modified","descriptions":[{"lang":"en","value":"Infinite loop in BN_mod_sqrt()."}],)"
      R"("metrics":{"cvssMetricV31":[{"source":"nvd@nist.gov","type":"Primary","cvssData":{"version":"3.1",)"
      R"("vectorString":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H","baseScore":7.5,"baseSeverity":"HIGH"}}]}})";
  for (const std::string& doc : {cve, R"({"cve":)" + cve + "}",
                                 R"({"schema":"https://example.invalid/nvd/schema-1.0.1.json","identifier":"2022/cve-2022-0778","item":{"cve":)" + cve + "}}"}) {
    auto r = import_text(import_nvd_document, doc);
    ASSERT_EQ(r.data.advisories.size(), 1u) << doc.substr(0, 40);
    const SeverityEntry* s = severity(r.data.advisories[0].severities, "nvd", "cvss_v3");
    ASSERT_NE(s, nullptr);
    EXPECT_DOUBLE_EQ(s->score.value_or(-1), 7.5);
  }
}

TEST(Nvd, MalformedInput) {
  std::string page = read_file(fixture("vulndb/nvd/page.json"));
  // Truncated in the middle of the second record: a problem, nothing invented.
  auto trunc = import_text(import_nvd_document, page.substr(0, page.find("CVE-2014-0224") + 200));
  EXPECT_GE(trunc.summary.skipped, 1u);
  EXPECT_TRUE(find(trunc.data, "nvd", "CVE-2014-0224") == nullptr);
  // A retired 1.1 feed is refused by name.
  std::string old = page;
  old.replace(old.find("\"2.0\""), 5, "\"1.1\"");
  auto v11 = import_text(import_nvd_document, old);
  EXPECT_TRUE(v11.data.advisories.empty());
  EXPECT_TRUE(has_problem(v11.summary, "test.json", "version '1.1' is not supported"));
  // A bad vector is a warning; the record and the metric's text stay.
  std::string bad = page;
  bad.replace(bad.find("AV:N/AC:M/Au:N/C:P/I:P/A:P"), 26, "AV:N/AC:M/Au:X/C:P/I:P/A:P");
  auto bv = import_text(import_nvd_document, bad);
  const Advisory* ccs = find(bv.data, "nvd", "CVE-2014-0224");
  ASSERT_NE(ccs, nullptr);
  const SeverityEntry* v2 = severity(ccs->severities, "nvd", "cvss_v2");
  ASSERT_NE(v2, nullptr);
  EXPECT_FALSE(v2->score.has_value());
  EXPECT_EQ(v2->severity, "MEDIUM");
  EXPECT_TRUE(has_problem(bv.summary, "vulnerabilities[1] (CVE-2014-0224) metrics.cvssMetricV2[0]", "kept without a score", false));
  // A record whose id is not a CVE is skipped by place; the others stay.
  std::string noid = page;
  noid.replace(noid.find("\"CVE-2024-3094\""), 15, "\"NOT-AN-ID\"");
  auto ni = import_text(import_nvd_document, noid);
  EXPECT_EQ(ni.data.advisories.size(), 2u);
  EXPECT_TRUE(has_problem(ni.summary, "vulnerabilities[0]", "is not a CVE id"));
  auto junk = import_text(import_nvd_document, R"({"vulnerabilities":[1,{"cve":{"id":"CVE-2020-0001"}}]})");
  EXPECT_EQ(junk.data.advisories.size(), 1u);
  EXPECT_TRUE(has_problem(junk.summary, "vulnerabilities[0]", "not an object"));
  auto empty = import_text(import_nvd_document, "  ");
  EXPECT_TRUE(has_problem(empty.summary, "test.json", "empty"));
  auto other = import_text(import_nvd_document, R"({"foo":1})");
  EXPECT_TRUE(has_problem(other.summary, "test.json", "not NVD CVE JSON"));
}

// A vulnerability merged from an OSV record (aliasing the CVE) and the NVD
// record of that CVE shows NVD's CVSS among its severities.
TEST(Nvd, EnrichesMergedVulnerability) {
  TempDir tmp;
  write_file(tmp / "osv/GHSA-test-0001.json",
             R"({"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-04-01T00:00:00Z","aliases":["CVE-2024-3094"],)"
             R"("summary":"xz backdoor","affected":[{"package":{"ecosystem":"Alpine:v3.19","name":"xz"},)"
             R"("ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"5.4.6-r0"}]}]}]})");
  Dataset data;
  auto s = import_paths({(tmp / "osv").string(), fixture("vulndb/nvd/page.json").string()}, data);
  ASSERT_TRUE(s.ok());
  const std::string db = (tmp / "v.db").string();
  ASSERT_TRUE(write_database(db, data).ok());
  auto reader = Reader::open(db);
  ASSERT_TRUE(reader.ok());
  auto v = reader->vulnerability("GHSA-aaaa-bbbb-cccc");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->id, "CVE-2024-3094");
  const SeverityEntry* nvd = severity(v->severities, "redhat", "cvss_v3");
  ASSERT_NE(nvd, nullptr);
  EXPECT_DOUBLE_EQ(nvd->score.value_or(-1), 10.0);
  EXPECT_NE(std::find(v->cwes.begin(), v->cwes.end(), "CWE-506"), v->cwes.end());
  // The NVD record added no affected rows.
  auto rows = reader->affected("Alpine", "xz", "3.19");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].source, "ghsa");
}

// ------------------------------------------------------------ corpus --

std::set<std::string> regex_ids(const std::string& text, const std::regex& re) {
  std::set<std::string> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator(); ++it) {
    std::string id = (*it)[1].str();
    if (!starts_with(id, "CVE-") && !starts_with(id, "cve-")) id = "CVE-" + id;
    for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out.insert(id);
  }
  return out;
}

TEST(AlpineSecdbCorpus, ImportsEveryRelease) {
  BULWARK_REQUIRE_CORPUS();
  const fs::path archive = corpus_dir() / "distro/alpine-secdb-2020.tar.gz";
  auto t0 = std::chrono::steady_clock::now();
  auto r = import({archive.string()});
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ alpine-secdb ] " << r.summary.records << " advisories in " << secs << " s ("
            << static_cast<uint64_t>(r.summary.records / std::max(secs, 1e-9)) << " records/s)\n";
  EXPECT_EQ(r.summary.per_format["alpine-secdb"], r.summary.records);

  // Independent count: per file, the distinct CVE ids a regex finds in the
  // text, minus those only under keys the importer reports as not versions.
  TempDir tmp;
  ASSERT_TRUE(bulwark::testing::untar(archive, tmp.path()));
  const std::regex cve_re("CVE[-_ ]([0-9]{4}-[0-9]{4,})", std::regex::icase);
  size_t files = 0;
  for (const auto& de : fs::recursive_directory_iterator(tmp.path())) {
    if (de.path().extension() != ".yaml") continue;
    ++files;
    std::string rel = fs::relative(de.path(), tmp.path()).string();
    std::set<std::string> expected = regex_ids(read_file(de.path()), cve_re);
    std::set<std::string> got;
    for (const auto& a : r.data.advisories)
      if (a.location.size() >= rel.size() && ends_with(a.location, rel) && starts_with(a.id, "CVE-")) got.insert(a.id);
    std::set<std::string> missing;
    std::set_difference(expected.begin(), expected.end(), got.begin(), got.end(), std::inserter(missing, missing.end()));
    for (const auto& id : missing)
      EXPECT_TRUE(has_problem(r.summary, rel, id)) << rel << ": " << id << " neither imported nor reported";
    EXPECT_LE(missing.size(), 5u) << rel;
    EXPECT_TRUE(std::includes(expected.begin(), expected.end(), got.begin(), got.end())) << rel;
  }
  EXPECT_EQ(files, 18u);  // and README.md

  // Every release's rows reach the database, though one CVE is one advisory
  // per file and several files hold it.
  size_t entries = 0;
  for (const auto& a : r.data.advisories) entries += a.affected.size();
  const std::string db = (tmp / "alpine.db").string();
  auto written = write_database(db, r.data);
  ASSERT_TRUE(written.ok());
  EXPECT_EQ(written->affected, entries);

  // Spot check: an openssl fix in v3.11 main.
  bool seen = false;
  for (const auto& a : r.data.advisories)
    if (a.id == "CVE-2019-1547" && ends_with(a.location, "v3.11/main.yaml"))
      if (const AffectedEntry* e = entry(a, "openssl")) {
        seen = true;
        EXPECT_EQ(e->release, "3.11");
        EXPECT_EQ(e->fixed.at(0), "1.1.1d-r1");
      }
  EXPECT_TRUE(seen);
}

TEST(NvdCorpus, ImportsTheSlice) {
  BULWARK_REQUIRE_CORPUS();
  const fs::path archive = corpus_dir() / "enrich/nvd-cve-api-2.0-slice.tar.gz";
  auto t0 = std::chrono::steady_clock::now();
  auto r = import({archive.string()});
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "[ nvd ] " << r.summary.records << " records in " << secs << " s ("
            << static_cast<uint64_t>(r.summary.records / std::max(secs, 1e-9)) << " records/s)\n";
  for (const auto& p : r.summary.problems) std::cout << "  " << (p.skipped ? "problem " : "warning ") << p.where << ": " << p.message << "\n";
  EXPECT_EQ(r.summary.skipped, 0u);
  // Every v2/v3.0/v3.1/v4.0 score we compute equals the one NVD publishes.
  EXPECT_FALSE(has_problem(r.summary, "", "differs", false));
  EXPECT_EQ(r.summary.per_format["nvd"], r.summary.records);

  // Independent count: every "id": "CVE-..." key directly in a cve object,
  // found by a regex over the untarred files.
  TempDir tmp;
  ASSERT_TRUE(bulwark::testing::untar(archive, tmp.path()));
  const std::regex id_re("\"id\"\\s*:\\s*\"(CVE-[0-9]{4}-[0-9]+)\"");
  std::multiset<std::string> expected;
  for (const auto& de : fs::recursive_directory_iterator(tmp.path()))
    if (de.path().extension() == ".json")
      for (const auto& id : regex_ids(read_file(de.path()), id_re)) expected.insert(id);
  std::set<std::string> got, distinct(expected.begin(), expected.end());
  for (const auto& a : r.data.advisories) {
    got.insert(a.id);
    EXPECT_TRUE(a.affected.empty());
  }
  EXPECT_EQ(got, distinct);
  EXPECT_EQ(distinct.size(), 65u);  // SOURCES.md: 65 distinct CVE records

  const Advisory* xz = find(r.data, "nvd", "CVE-2024-3094");
  ASSERT_NE(xz, nullptr);
  EXPECT_NE(std::find(xz->cwes.begin(), xz->cwes.end(), "CWE-506"), xz->cwes.end());
  const SeverityEntry* s = severity(xz->severities, "redhat", "cvss_v3");
  ASSERT_NE(s, nullptr);
  EXPECT_DOUBLE_EQ(s->score.value_or(-1), 10.0);
  EXPECT_EQ(s->severity, "CRITICAL");
  for (const char* id : {"CVE-2014-0224", "CVE-2022-0778", "CVE-2023-0286", "CVE-2024-0727"}) {
    const Advisory* a = find(r.data, "nvd", id);
    ASSERT_NE(a, nullptr) << id;
    EXPECT_FALSE(a->severities.empty()) << id;
  }
}

}  // namespace
}  // namespace bulwark::vulndb
