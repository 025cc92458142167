// Imports the real feeds of the shared corpus (read in place, untarred into a
// temporary directory) and checks record counts against the files counted
// here, plus spot checks of known advisories. Skips cleanly without the corpus.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "testing/testing.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb {
namespace {

namespace fs = std::filesystem;
using bulwark::testing::corpus_dir;
using bulwark::testing::TempDir;

size_t count_files(const fs::path& dir, std::string_view ext) {
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ext && !e.path().filename().string().starts_with(".")) ++n;
  return n;
}

// Files holding the GitHub GraphQL form (not OSV): they have "GhsaId".
size_t count_graphql(const fs::path& dir) {
  size_t n = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".json" &&
        bulwark::testing::read_file(e.path()).find("\"GhsaId\"") != std::string::npos)
      ++n;
  return n;
}

class CorpusImport : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (corpus_dir().empty()) return;
    tmp_ = new TempDir();
    const fs::path osv = corpus_dir() / "osv";
    for (const char* name : {"go-vulndb-osv", "pypa-advisory-database-vulns", "rustsec-advisory-db-osv",
                             "ghsa-npm-maven-selected", "ghsa-npm-selected-2"}) {
      fs::create_directories(*tmp_ / name);
      ASSERT_TRUE(bulwark::testing::untar(osv / (std::string(name) + ".tar.gz"), *tmp_ / name)) << name;
    }
    fs::create_directories(*tmp_ / "ubuntu");
    ASSERT_TRUE(bulwark::testing::untar(corpus_dir() / "distro/ubuntu-osv-vex-slice.tar.gz", *tmp_ / "ubuntu"));
    std::vector<std::string> inputs;
    for (const char* name : {"go-vulndb-osv", "pypa-advisory-database-vulns", "rustsec-advisory-db-osv",
                             "ghsa-npm-maven-selected", "ghsa-npm-selected-2", "ubuntu"})
      inputs.push_back((*tmp_ / name).string());
    inputs.push_back((osv / "osvdev-maven-ghsa-356-from-osv-scalibr-zeppelin.json.gz").string());
    data_ = new Dataset();
    auto s = import_paths(inputs, *data_);
    ASSERT_TRUE(s.ok()) << s.error().describe();
    summary_ = new ImportSummary(*s);
    db_ = (*tmp_ / "bulwark.db").string();
    auto w = write_database(db_, *data_);
    ASSERT_TRUE(w.ok()) << w.error().describe();
    std::printf("corpus: %llu records, %llu vulnerabilities, %llu affected rows\n",
                static_cast<unsigned long long>(summary_->records), static_cast<unsigned long long>(w->vulnerabilities),
                static_cast<unsigned long long>(w->affected));
  }
  static void TearDownTestSuite() {
    delete data_;
    delete summary_;
    delete tmp_;
    data_ = nullptr;
    summary_ = nullptr;
    tmp_ = nullptr;
  }
  void SetUp() override {
    BULWARK_REQUIRE_CORPUS();
    ASSERT_NE(summary_, nullptr);
    auto r = Reader::open(db_);
    ASSERT_TRUE(r.ok()) << r.error().describe();
    reader_ = std::make_unique<Reader>(std::move(*r));
  }
  const SourceInfo* source(const std::string& name) const {
    for (const auto& s : data_->sources)
      if (s.name == name) return &s;
    return nullptr;
  }

  static TempDir* tmp_;
  static Dataset* data_;
  static ImportSummary* summary_;
  static std::string db_;
  std::unique_ptr<Reader> reader_;
};
TempDir* CorpusImport::tmp_ = nullptr;
Dataset* CorpusImport::data_ = nullptr;
ImportSummary* CorpusImport::summary_ = nullptr;
std::string CorpusImport::db_;

TEST_F(CorpusImport, RecordCountsMatchTheFiles) {
  const fs::path t = tmp_->path();
  size_t go = count_files(t / "go-vulndb-osv", ".json");
  EXPECT_EQ(go, 4291u);
  ASSERT_NE(source("go-vulndb-osv"), nullptr);
  EXPECT_EQ(source("go-vulndb-osv")->records, go);
  EXPECT_EQ(source("go-vulndb-osv")->skipped, 0u);
  size_t pypa = count_files(t / "pypa-advisory-database-vulns", ".yaml");
  EXPECT_EQ(source("pypa-advisory-database-vulns")->records, pypa);
  EXPECT_EQ(source("pypa-advisory-database-vulns")->skipped, 0u);
  size_t rust = count_files(t / "rustsec-advisory-db-osv", ".json");
  EXPECT_EQ(source("rustsec-advisory-db-osv")->records, rust);
  for (const char* name : {"ghsa-npm-maven-selected", "ghsa-npm-selected-2"}) {
    size_t json = count_files(t / name, ".json"), graphql = count_graphql(t / name);
    EXPECT_GT(graphql, 0u) << name;
    EXPECT_EQ(source(name)->records, json - graphql) << name;
    EXPECT_EQ(source(name)->skipped, graphql) << name;
  }
  // GraphQL files are reported as not OSV, by file.
  EXPECT_TRUE(std::any_of(summary_->problems.begin(), summary_->problems.end(), [](const ImportProblem& p) {
    return p.where.find("GHSA-cm5g-3pgc-8rg4.json") != std::string::npos &&
           p.message.find("GitHub GraphQL") != std::string::npos;
  }));
  EXPECT_EQ(source("osvdev-maven-ghsa-356-from-osv-scalibr-zeppelin")->records, 356u);
  // Ubuntu: the OSV records are imported, the two OpenVEX documents are not OSV.
  EXPECT_EQ(source("ubuntu")->records, 9u);
  EXPECT_EQ(source("ubuntu")->skipped, 2u);
  EXPECT_GT(summary_->withdrawn, 0u);
}

TEST_F(CorpusImport, GoAdvisoryRanges) {
  auto rows = reader_->affected("Go", "golang.org/x/text");
  ASSERT_TRUE(rows.ok());
  auto it = std::find_if(rows->begin(), rows->end(), [](const AffectedRow& r) { return r.advisory == "GO-2021-0113"; });
  ASSERT_NE(it, rows->end());
  EXPECT_EQ(it->vulnerability, "CVE-2021-38561");
  EXPECT_EQ(it->entry.fixed, std::vector<std::string>{"0.3.7"});
  EXPECT_EQ(it->entry.ranges_json, R"([{"events":[{"introduced":"0"},{"fixed":"0.3.7"}],"type":"SEMVER"}])");
  EXPECT_EQ(reader_->canonical_id("GHSA-ppp9-7jff-5vj2"), "CVE-2021-38561");
}

TEST_F(CorpusImport, PyPiAdvisoryFromYaml) {
  auto rows = reader_->affected("PyPI", "Jinja2");
  ASSERT_TRUE(rows.ok());
  auto it = std::find_if(rows->begin(), rows->end(), [](const AffectedRow& r) { return r.advisory == "PYSEC-2019-217"; });
  ASSERT_NE(it, rows->end());
  EXPECT_EQ(it->vulnerability, "CVE-2019-10906");
  EXPECT_EQ(it->entry.fixed, std::vector<std::string>{"2.10.1"});
  EXPECT_NE(it->entry.ranges_json.find(R"("type":"ECOSYSTEM")"), std::string::npos);
  EXPECT_NE(it->entry.versions_json.find("\"2.10\""), std::string::npos);
}

TEST_F(CorpusImport, RustSecAdvisory) {
  auto rows = reader_->affected("crates.io", "smallvec");
  ASSERT_TRUE(rows.ok());
  auto it = std::find_if(rows->begin(), rows->end(), [](const AffectedRow& r) { return r.advisory == "RUSTSEC-2019-0009"; });
  ASSERT_NE(it, rows->end());
  EXPECT_EQ(it->vulnerability, "CVE-2019-15551");
  EXPECT_EQ(it->entry.ranges_json, R"([{"events":[{"introduced":"0.6.5"},{"fixed":"0.6.10"}],"type":"SEMVER"}])");
}

TEST_F(CorpusImport, NpmLodashMergedWithCve) {
  auto v = reader_->vulnerability("GHSA-jf85-cpcp-j695");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->id, "CVE-2019-10744");
  auto rows = reader_->affected("npm", "lodash");
  ASSERT_TRUE(rows.ok());
  auto it = std::find_if(rows->begin(), rows->end(), [](const AffectedRow& r) { return r.advisory == "GHSA-jf85-cpcp-j695"; });
  ASSERT_NE(it, rows->end());
  EXPECT_EQ(it->entry.fixed, std::vector<std::string>{"4.17.12"});
  // Capitalised "Axios" in one GHSA file is found under the npm name.
  auto axios = reader_->affected("npm", "axios");
  ASSERT_TRUE(axios.ok());
  EXPECT_GE(axios->size(), 5u);
}

TEST_F(CorpusImport, Log4ShellFixedVersions) {
  auto rows = reader_->affected("Maven", "org.apache.logging.log4j:log4j-core");
  ASSERT_TRUE(rows.ok());
  std::vector<std::string> fixed;
  for (const auto& r : *rows)
    if (r.vulnerability == "CVE-2021-44228") fixed.insert(fixed.end(), r.entry.fixed.begin(), r.entry.fixed.end());
  std::sort(fixed.begin(), fixed.end());
  EXPECT_EQ(fixed, (std::vector<std::string>{"2.12.2", "2.15.0", "2.3.1"}));
  auto v = reader_->vulnerability("GHSA-jfh8-c2jp-5v3q");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->id, "CVE-2021-44228");
  bool critical = std::any_of(v->severities.begin(), v->severities.end(),
                              [](const SeverityEntry& s) { return s.type == "cvss_v3" && s.score && *s.score == 10.0; });
  EXPECT_TRUE(critical);
}

TEST_F(CorpusImport, UbuntuReleasesAndEsm) {
  auto rows = reader_->affected("Ubuntu", "wayland");
  ASSERT_TRUE(rows.ok());
  auto it = std::find_if(rows->begin(), rows->end(), [](const AffectedRow& r) {
    return r.advisory == "UBUNTU-CVE-2021-3782" && r.entry.release == "16.04" && r.entry.variant == "pro";
  });
  ASSERT_NE(it, rows->end());
  EXPECT_EQ(it->vulnerability, "CVE-2021-3782");  // joined through its single upstream CVE
  EXPECT_EQ(it->entry.fixed, std::vector<std::string>{"1.12.0-1~ubuntu16.04.3+esm1"});
}

TEST_F(CorpusImport, KevAndEpssFeeds) {
  TempDir t;
  ASSERT_TRUE(bulwark::testing::untar(corpus_dir() / "enrich/cisa-kev-2025-08-25.tar.gz", t.path()));
  std::string kev;
  for (const auto& e : fs::recursive_directory_iterator(t.path()))
    if (e.path().filename() == "known_exploited_vulnerabilities.json") kev = e.path().string();
  ASSERT_FALSE(kev.empty());
  Dataset d;
  auto s = import_paths({kev, (corpus_dir() / "enrich/epss-format-sample").string()}, d);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(d.kev.size(), 1404u);  // catalogVersion 2025.08.25 count
  EXPECT_EQ(d.epss.size(), 5u);
  EXPECT_EQ(s->skipped, 0u);
  auto log4shell = std::find_if(d.kev.begin(), d.kev.end(), [](const KevEntry& k) { return k.cve == "CVE-2021-44228"; });
  ASSERT_NE(log4shell, d.kev.end());
  EXPECT_EQ(log4shell->date_added, "2021-12-10");
}

}  // namespace
}  // namespace bulwark::vulndb
