// Ecosystem parsing, name normalisation, OSV import of the fixtures (JSON,
// YAML, zip bundle), alias merging, bad records, the reader, and atomic
// replacement of the database file.
#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <memory>

#include "testing/testing.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb {
namespace {

namespace fs = std::filesystem;
using bulwark::testing::fixture;
using bulwark::testing::read_file;
using bulwark::testing::TempDir;
using bulwark::testing::write_file;

bool has_problem(const ImportSummary& s, std::string_view where_part, std::string_view msg_part) {
  return std::any_of(s.problems.begin(), s.problems.end(), [&](const ImportProblem& p) {
    return p.where.find(where_part) != std::string::npos && p.message.find(msg_part) != std::string::npos;
  });
}

TEST(Ecosystem, ParsesReleaseSuffixes) {
  auto d = parse_ecosystem("Debian:12");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->ecosystem, "Debian");
  EXPECT_EQ(d->release, "12");
  auto u = parse_ecosystem("Ubuntu:22.04:LTS");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->ecosystem, "Ubuntu");
  EXPECT_EQ(u->release, "22.04");
  EXPECT_EQ(u->variant, "");
  auto up = parse_ecosystem("Ubuntu:Pro:16.04:LTS");
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->release, "16.04");
  EXPECT_EQ(up->variant, "pro");
  auto a = parse_ecosystem("Alpine:v3.19");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->release, "3.19");
  auto r = parse_ecosystem("Rocky Linux:9");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->ecosystem, "Rocky Linux");
  EXPECT_EQ(r->release, "9");
  auto rh = parse_ecosystem("Red Hat:enterprise_linux:9::appstream");
  ASSERT_TRUE(rh.ok());
  EXPECT_EQ(rh->ecosystem, "Red Hat");
  EXPECT_EQ(rh->release, "enterprise_linux:9::appstream");
  for (const char* e : {"Go", "PyPI", "npm", "Maven", "crates.io", "RubyGems", "NuGet", "Packagist", "Hex", "Pub",
                        "GitHub Actions", "Wolfi", "Chainguard", "AlmaLinux:9", "SUSE:Linux Enterprise Server 15 SP5",
                        "openSUSE:Tumbleweed"}) {
    auto p = parse_ecosystem(e);
    EXPECT_TRUE(p.ok()) << e;
  }
  EXPECT_EQ(parse_ecosystem("crates.io")->release, "");
  EXPECT_FALSE(parse_ecosystem("NoSuchEcosystem").ok());
  EXPECT_FALSE(parse_ecosystem("").ok());
  EXPECT_TRUE(is_distro_ecosystem("Debian"));
  EXPECT_FALSE(is_distro_ecosystem("npm"));
}

TEST(Ecosystem, NormalisesNames) {
  EXPECT_EQ(normalize_package_name("PyPI", "Jinja2"), "jinja2");
  EXPECT_EQ(normalize_package_name("PyPI", "zope.interface"), "zope-interface");
  EXPECT_EQ(normalize_package_name("PyPI", "Foo__Bar-.baz"), "foo-bar-baz");
  EXPECT_EQ(normalize_package_name("npm", "@Babel/Core"), "@babel/core");
  EXPECT_EQ(normalize_package_name("npm", "Axios"), "axios");
  EXPECT_EQ(normalize_package_name("Maven", "org.apache.logging.log4j : log4j-core"), "org.apache.logging.log4j:log4j-core");
  EXPECT_EQ(normalize_package_name("Go", "github.com/BurntSushi/toml"), "github.com/BurntSushi/toml");
  EXPECT_EQ(normalize_package_name("crates.io", "Inflector"), "Inflector");
  EXPECT_EQ(normalize_package_name("Debian", "openssl"), "openssl");
}

TEST(Ids, RankPrefersCve) {
  EXPECT_LT(id_rank("CVE-2021-44228"), id_rank("GHSA-jfh8-c2jp-5v3q"));
  EXPECT_LT(id_rank("GHSA-jfh8-c2jp-5v3q"), id_rank("GO-2021-0113"));
  EXPECT_LT(id_rank("PYSEC-2019-217"), id_rank("DSA-5000-1"));
  EXPECT_EQ(origin_of_id("PYSEC-2019-217"), "pypa");
  EXPECT_EQ(origin_of_id("RUSTSEC-2021-0001"), "rustsec");
  EXPECT_EQ(origin_of_id("USN-5614-1"), "ubuntu");
}

struct Imported {
  Dataset data;
  ImportSummary summary;
};

Imported import_or_die(const std::vector<std::string>& paths, const ImportOptions& opt = {}) {
  Imported out;
  auto s = import_paths(paths, out.data, opt);
  EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().describe());
  if (s.ok()) out.summary = *s;
  return out;
}

TEST(OsvImport, FixturesMergeAliasesIntoCve) {
  TempDir tmp;
  auto in = import_or_die({fixture("vulndb/osv").string()});
  // 5 good files + distro.json with 2 records; bad/ holds 5 bad files.
  EXPECT_EQ(in.summary.per_format["osv"], 7u);
  EXPECT_EQ(in.summary.skipped, 5u);
  EXPECT_EQ(in.summary.withdrawn, 1u);
  EXPECT_TRUE(has_problem(in.summary, "truncated.json: line 2 column 1", "unexpected end of input"));
  EXPECT_TRUE(has_problem(in.summary, "missing-id.json", "missing 'id'"));
  EXPECT_TRUE(has_problem(in.summary, "unknown-ecosystem.json", "no affected entry with a known ecosystem"));
  EXPECT_TRUE(has_problem(in.summary, "unknown-ecosystem.json", "unknown ecosystem 'NoSuchEcosystem'"));
  EXPECT_TRUE(has_problem(in.summary, "impossible-range.json", "impossible range"));
  EXPECT_TRUE(has_problem(in.summary, "broken.yaml: line 3", ""));

  const std::string db = (tmp / "db/bulwark.db").string();
  auto w = write_database(db, in.data);
  ASSERT_TRUE(w.ok()) << w.error().describe();
  EXPECT_EQ(w->advisories, 7u);
  auto r = Reader::open(db);
  ASSERT_TRUE(r.ok()) << r.error().describe();

  // lodash: GHSA with its CVE alias; canonical id is the CVE.
  auto rows = r->affected("npm", "lodash");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].vulnerability, "CVE-2019-10744");
  EXPECT_EQ((*rows)[0].advisory, "GHSA-jf85-cpcp-j695");
  EXPECT_EQ((*rows)[0].entry.status, "fixed");
  EXPECT_EQ((*rows)[0].entry.fixed, std::vector<std::string>{"4.17.12"});
  EXPECT_NE((*rows)[0].entry.ranges_json.find("\"fixed\":\"4.17.12\""), std::string::npos);
  auto v = r->vulnerability("GHSA-jf85-cpcp-j695");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->id, "CVE-2019-10744");
  EXPECT_EQ(v->summary, "Prototype Pollution in lodash");
  EXPECT_EQ(v->aliases, std::vector<std::string>{"GHSA-jf85-cpcp-j695"});
  EXPECT_EQ(v->cwes, std::vector<std::string>{"CWE-20"});
  bool cvss = false;
  for (const auto& s : v->severities)
    if (s.type == "cvss_v3") {
      cvss = true;
      ASSERT_TRUE(s.score.has_value());
      EXPECT_DOUBLE_EQ(*s.score, 9.1);
      EXPECT_EQ(s.severity, "CRITICAL");
    }
  EXPECT_TRUE(cvss);

  // Go: GO-2021-0113 and GHSA-ppp9-7jff-5vj2 share CVE-2021-38561.
  auto go = r->vulnerability("GO-2021-0113");
  ASSERT_TRUE(go.ok());
  EXPECT_EQ(go->id, "CVE-2021-38561");
  EXPECT_EQ(go->advisories, (std::vector<std::string>{"GHSA-ppp9-7jff-5vj2", "GO-2021-0113"}));
  auto gorows = r->affected("Go", "golang.org/x/text");
  ASSERT_TRUE(gorows.ok());
  ASSERT_EQ(gorows->size(), 2u);
  for (const auto& row : *gorows) {
    EXPECT_EQ(row.vulnerability, "CVE-2021-38561");
    EXPECT_TRUE(row.entry.matchable);
  }
  // The GHSA copy keeps its GIT range (not used for version matching).
  EXPECT_NE((*gorows)[0].entry.ranges_json.find("\"GIT\""), std::string::npos);

  // PyPI YAML: name normalised, versions list kept.
  auto py = r->affected("PyPI", "JINJA2");
  ASSERT_TRUE(py.ok());
  ASSERT_EQ(py->size(), 1u);
  EXPECT_EQ((*py)[0].vulnerability, "CVE-2019-10906");
  EXPECT_EQ((*py)[0].entry.versions_json, "[\"2.10\",\"2.9.6\"]");
  EXPECT_EQ(r->canonical_id("GHSA-462w-v97r-4m45"), "CVE-2019-10906");

  // Withdrawn advisories are kept but flagged.
  auto wd = r->affected("npm", "left-pad");
  ASSERT_TRUE(wd.ok());
  ASSERT_EQ(wd->size(), 1u);
  EXPECT_TRUE((*wd)[0].withdrawn);
  EXPECT_FALSE(r->vulnerability("GHSA-wwww-0000-test")->withdrawn.empty());

  // Distro releases, and records joined through a single upstream CVE.
  auto deb = r->affected("Debian", "curl", "12");
  ASSERT_TRUE(deb.ok());
  ASSERT_EQ(deb->size(), 1u);
  EXPECT_EQ((*deb)[0].vulnerability, "CVE-2023-38545");
  EXPECT_TRUE(r->affected("Debian", "curl", "11")->empty());
  auto alp = r->affected("Alpine:v3.18", "curl");
  ASSERT_TRUE(alp.ok());
  ASSERT_EQ(alp->size(), 1u);
  EXPECT_EQ((*alp)[0].entry.release, "3.18");

  auto st = r->status();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->schema_version, kSchemaVersion);
  EXPECT_FALSE(st->built_at.empty());
  ASSERT_EQ(st->sources.size(), 1u);
  EXPECT_EQ(st->sources[0].records, 7u);
  EXPECT_EQ(st->sources[0].skipped, 5u);
  EXPECT_EQ(st->sources[0].data_date, "2024-01-01T00:00:00Z");
  EXPECT_FALSE(r->vulnerability("CVE-1900-0001").ok());
}

TEST(OsvImport, NoticeListingSeveralCvesJoinsNone) {
  TempDir tmp;
  write_file(tmp / "dsa.json",
             R"({"id":"DSA-5000-1","modified":"2021-01-01T00:00:00Z","aliases":["CVE-2021-0001","CVE-2021-0002"],
                 "affected":[{"package":{"name":"foo","ecosystem":"Debian:11"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.0-1"}]}]}]})");
  write_file(tmp / "a.json", R"({"id":"GHSA-aaaa-aaaa-aaaa","modified":"2021-01-01T00:00:00Z","aliases":["CVE-2021-0001"],"affected":[]})");
  write_file(tmp / "b.json", R"({"id":"GHSA-bbbb-bbbb-bbbb","modified":"2021-01-01T00:00:00Z","aliases":["CVE-2021-0002"],"affected":[]})");
  auto in = import_or_die({(tmp / "dsa.json").string(), (tmp / "a.json").string(), (tmp / "b.json").string()});
  auto w = write_database((tmp / "x.db").string(), in.data);
  ASSERT_TRUE(w.ok());
  auto r = Reader::open((tmp / "x.db").string());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->canonical_id("GHSA-aaaa-aaaa-aaaa"), "CVE-2021-0001");
  EXPECT_EQ(r->canonical_id("GHSA-bbbb-bbbb-bbbb"), "CVE-2021-0002");
  EXPECT_EQ(r->canonical_id("DSA-5000-1"), "DSA-5000-1");
}

// Writes a zip with libarchive's writer: name -> content.
void write_zip(const fs::path& path, const std::vector<std::pair<std::string, std::string>>& files) {
  std::unique_ptr<archive, decltype(&archive_write_free)> a(archive_write_new(), archive_write_free);
  ASSERT_EQ(archive_write_set_format_zip(a.get()), ARCHIVE_OK);
  ASSERT_EQ(archive_write_open_filename(a.get(), path.c_str()), ARCHIVE_OK);
  for (const auto& [name, content] : files) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(e.get(), name.c_str());
    archive_entry_set_filetype(e.get(), AE_IFREG);
    archive_entry_set_perm(e.get(), 0644);
    archive_entry_set_size(e.get(), static_cast<la_int64_t>(content.size()));
    ASSERT_EQ(archive_write_header(a.get(), e.get()), ARCHIVE_OK);
    ASSERT_EQ(archive_write_data(a.get(), content.data(), content.size()), static_cast<la_ssize_t>(content.size()));
  }
  ASSERT_EQ(archive_write_close(a.get()), ARCHIVE_OK);
}

TEST(OsvImport, ZipBundleStreamsEntriesAndReportsBadOnes) {
  TempDir tmp;
  std::string big(2000, ' ');
  big = R"({"id":"GHSA-big0-0000-0000","modified":"2024-01-01T00:00:00Z","details":")" + std::string(3000, 'x') + R"("})";
  write_zip(tmp / "all.zip",
            {{"GHSA-jf85-cpcp-j695.json", read_file(fixture("vulndb/osv/GHSA-jf85-cpcp-j695.json"))},
             {"GO-2021-0113.json", read_file(fixture("vulndb/osv/GO-2021-0113.json"))},
             {"bad.json", "{\"id\": 1,"},
             {"big.json", big}});
  ImportOptions opt;
  opt.max_file_bytes = 2048;  // big.json is over it
  auto in = import_or_die({(tmp / "all.zip").string()}, opt);
  EXPECT_EQ(in.summary.per_format["osv"], 2u);
  EXPECT_EQ(in.summary.skipped, 2u);
  EXPECT_TRUE(has_problem(in.summary, "all.zip!bad.json: line 1", ""));
  EXPECT_TRUE(has_problem(in.summary, "all.zip!big.json", "over the limit"));
  EXPECT_EQ(in.summary.per_ecosystem["npm"], 1u);
  EXPECT_EQ(in.summary.per_ecosystem["Go"], 1u);
}

TEST(OsvImport, ArrayAndVulnsForms) {
  TempDir tmp;
  write_file(tmp / "v.json",
             R"({"vulns":[{"id":"GHSA-1111-1111-1111","modified":"2024-01-01T00:00:00Z","affected":[]},
                          {"id":"GHSA-2222-2222-2222","modified":"2024-01-02T00:00:00Z","affected":[]}, 5]})");
  auto in = import_or_die({(tmp / "v.json").string()});
  EXPECT_EQ(in.data.advisories.size(), 2u);
  EXPECT_TRUE(has_problem(in.summary, "vulns[2]", "not an OSV record"));
}

TEST(OsvImport, NonExistentInputFails) {
  Dataset d;
  auto s = import_paths({"/nonexistent/feed.json"}, d);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
}

TEST(Writer, FailureMidwayLeavesPreviousDatabaseByteIdentical) {
  TempDir tmp;
  const std::string db = (tmp / "bulwark.db").string();
  auto first = import_or_die({fixture("vulndb/osv/GHSA-jf85-cpcp-j695.json").string()});
  ASSERT_TRUE(write_database(db, first.data).ok());
  const std::string before = read_file(db);
  ASSERT_FALSE(before.empty());

  auto second = import_or_die({fixture("vulndb/osv").string()});
  WriteOptions fail;
  fail.fail_after_advisories = 3;
  auto w = write_database(db, second.data, fail);
  ASSERT_FALSE(w.ok());
  EXPECT_NE(w.error().describe().find("simulated failure"), std::string::npos);
  EXPECT_EQ(read_file(db), before);
  // No temporary file is left behind.
  for (const auto& e : fs::directory_iterator(tmp.path())) EXPECT_EQ(e.path().filename(), "bulwark.db");

  // An unwritable directory: the writer cannot create its temporary file.
  if (::geteuid() != 0) {
    ::chmod(tmp.path().c_str(), 0555);
    auto w2 = write_database(db, second.data);
    ::chmod(tmp.path().c_str(), 0755);
    EXPECT_FALSE(w2.ok());
    EXPECT_EQ(read_file(db), before);
  }
  // And a good import does replace it.
  ASSERT_TRUE(write_database(db, second.data).ok());
  EXPECT_NE(read_file(db), before);
  auto r = Reader::open(db);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status()->advisories, 7u);
}

TEST(Reader, RejectsMissingAndForeignFiles) {
  TempDir tmp;
  auto none = Reader::open((tmp / "none.db").string());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  write_file(tmp / "junk.db", "this is not sqlite at all, just text padding padding padding padding padding");
  auto junk = Reader::open((tmp / "junk.db").string());
  ASSERT_FALSE(junk.ok());
}

TEST(KevEpss, ImportsAndEnrichesDetails) {
  TempDir tmp;
  write_file(tmp / "kev.json", R"({"title":"CISA Catalog of Known Exploited Vulnerabilities","catalogVersion":"2025.08.25",
    "dateReleased":"2025-08-25T17:04:19.9796Z","count":2,"vulnerabilities":[
    {"cveID":"CVE-2019-10744","vendorProject":"Lodash","product":"lodash","vulnerabilityName":"test entry",
     "dateAdded":"2025-01-02","dueDate":"2025-01-23","knownRansomwareCampaignUse":"Unknown"},
    {"cveID":"not-a-cve"}]})");
  write_file(tmp / "epss.csv",
             "#model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000\ncve,epss,percentile\n"
             "CVE-2019-10744,0.00383,0.73075\nCVE-1999-0002,1.5,0.2\nCVE-1999-0003,0.04409,0.92440\n");
  std::string gz = (tmp / "epss2.csv.gz").string();
  ASSERT_EQ(bulwark::testing::sh("gzip -c " + (tmp / "epss.csv").string() + " > " + gz).exit_code, 0);
  auto in = import_or_die({(tmp / "kev.json").string(), (tmp / "epss.csv").string(), gz,
                           fixture("vulndb/osv/GHSA-jf85-cpcp-j695.json").string()});
  EXPECT_EQ(in.summary.per_format["kev"], 1u);
  EXPECT_EQ(in.summary.per_format["epss"], 4u);  // 2 good rows in each copy
  EXPECT_TRUE(has_problem(in.summary, "kev.json vulnerabilities[1]", "not a CVE"));
  EXPECT_TRUE(has_problem(in.summary, "epss.csv: line 4", "bad row"));
  EXPECT_TRUE(has_problem(in.summary, "epss2.csv.gz: line 4", "bad row"));
  auto w = write_database((tmp / "x.db").string(), in.data);
  ASSERT_TRUE(w.ok());
  auto r = Reader::open((tmp / "x.db").string());
  ASSERT_TRUE(r.ok());
  auto v = r->vulnerability("GHSA-jf85-cpcp-j695");
  ASSERT_TRUE(v.ok());
  ASSERT_TRUE(v->kev.has_value());
  EXPECT_EQ(v->kev->date_added, "2025-01-02");
  EXPECT_EQ(v->kev->due_date, "2025-01-23");
  EXPECT_EQ(v->kev->ransomware, "Unknown");
  ASSERT_TRUE(v->epss.has_value());
  EXPECT_DOUBLE_EQ(v->epss->score, 0.00383);
  EXPECT_DOUBLE_EQ(v->epss->percentile, 0.73075);
  EXPECT_EQ(v->epss->date, "2025-02-20");
}

}  // namespace
}  // namespace bulwark::vulndb
