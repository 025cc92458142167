// Python packages keep their names as the files write them ("Jinja2",
// "zope.interface", "typing_extensions"); the vulnerability matcher must find
// advisories written under any PEP 503 spelling of the same project. Packages
// come from the real analyzers, advisories through the real OSV importer.
#include <gtest/gtest.h>

#include <set>

#include "catalog_testing.hpp"
#include "testing/testing.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::catalog {
namespace {

std::string osv(const std::string& id, const std::string& name, const std::string& fixed) {
  return R"({"id":")" + id + R"(","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"PyPI","name":")" +
         name + R"("},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":")" + fixed + R"("}]}]}]})";
}

TEST(PythonMatch, AdvisoriesMatchWhateverTheSpellingOfTheName) {
  vulndb::Dataset data;
  vulndb::ImportSummary summary;
  vulndb::ImportContext ctx(data, summary);
  // Names as advisories spell them, each differently from the files below.
  vulndb::import_osv_document(osv("PYSEC-TEST-1", "jinja2", "2.10.1"), "a.json", ctx);
  vulndb::import_osv_document(osv("PYSEC-TEST-2", "Zope-Interface", "5.0.1"), "b.json", ctx);
  vulndb::import_osv_document(osv("PYSEC-TEST-3", "typing.extensions", "4.0.1"), "c.json", ctx);
  vulndb::import_osv_document(osv("PYSEC-TEST-4", "pyyaml", "5.4"), "d.json", ctx);
  ASSERT_TRUE(summary.problems.empty());
  bulwark::testing::TempDir dir;
  std::string db = (dir / "v.db").string();
  ASSERT_TRUE(vulndb::write_database(db, data).ok());
  auto matcher = vulndb::Matcher::open(db);
  ASSERT_TRUE(matcher.ok()) << matcher.error().message;

  auto s = testing::scan_files({
      {"app/requirements.txt", "Jinja2==2.10\nzope.interface==5.0.0\ntyping_extensions==4.0.0\nPyYAML==5.3.1\n"},
      {"app/poetry.lock", "[[package]]\nname = \"JINJA2\"\nversion = \"2.10\"\n"},
      {"site-packages/PyYAML-5.3.1.dist-info/METADATA", "Name: PyYAML\nVersion: 5.3.1\n"},
      {"site-packages/typing_extensions-4.0.0.dist-info/METADATA", "Name: typing_extensions\nVersion: 4.0.0\n"},
  });
  std::vector<Diagnostic> diags;
  auto findings = matcher->match(s.inventory, diags);
  ASSERT_TRUE(findings.ok()) << findings.error().message;
  std::set<std::string> got;
  // A finding is placed at its application's file (here the site-packages
  // directory of installed packages); the package's own file is kept apart.
  for (const auto& f : *findings) {
    auto own = f.attributes.find("package_path");
    got.insert(f.id + " " + f.package_name + " " + f.location.path +
               (own == f.attributes.end() ? "" : " (" + own->second + ")"));
  }
  EXPECT_EQ(got, (std::set<std::string>{
                     "PYSEC-TEST-1 Jinja2 app/requirements.txt",
                     "PYSEC-TEST-2 zope.interface app/requirements.txt",
                     "PYSEC-TEST-3 typing_extensions app/requirements.txt",
                     "PYSEC-TEST-4 PyYAML app/requirements.txt",
                     "PYSEC-TEST-1 JINJA2 app/poetry.lock",
                     "PYSEC-TEST-4 PyYAML site-packages (site-packages/PyYAML-5.3.1.dist-info/METADATA)",
                     "PYSEC-TEST-3 typing_extensions site-packages (site-packages/typing_extensions-4.0.0.dist-info/METADATA)",
                 }));
  // The purl spells the name the purl spec's way.
  for (const auto& app : s.inventory.applications)
    for (const auto& p : app.packages)
      if (p.name == "typing_extensions") {
        EXPECT_EQ(p.purl, "pkg:pypi/typing-extensions@4.0.0");
      }
}

}  // namespace
}  // namespace bulwark::catalog
