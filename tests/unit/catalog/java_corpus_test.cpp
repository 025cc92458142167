// The real Java inputs of the shared corpus (Trivy's and osv-scalibr's test
// data, terragoat): every pom.xml, *.pom and Gradle lockfile parses without
// an analyzer error, only the files meant to be broken warn about their
// syntax, and spot checks agree with values read independently with Python's
// ElementTree. Skips when the corpus is absent.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "catalog_testing.hpp"
#include "testing/testing.hpp"

namespace bulwark::catalog {
namespace {
namespace fs = std::filesystem;
using bulwark::testing::corpus_dir;
using bulwark::testing::read_file;
using testing::scan_files;

fs::path inputs() { return corpus_dir() / "inputs"; }

std::string dump(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const auto& d : diags)
    out += d.location.path + ":" + std::to_string(d.location.line) + ": " + d.message + "\n";
  return out;
}

// Reads one value out of a POM with Python's ElementTree, without Bulwark:
//   prop <file> <name>            the text of <properties><name>
//   dep <file> <artifactId>        a <dependencies><dependency>'s <version>
//   managed <file> <artifactId>    a <dependencyManagement> entry's <version>
std::string python_pom(const std::string& what, const fs::path& file, const std::string& name) {
  const char* script = R"PY(
import sys, xml.etree.ElementTree as ET
what, path, name = sys.argv[1:4]
root = ET.parse(path).getroot()
ns = root.tag[:root.tag.index('}') + 1] if root.tag.startswith('{') else ''
def child(e, tag):
    return e.find(ns + tag)
if what == 'prop':
    print(child(child(root, 'properties'), name).text.strip())
else:
    deps = child(root, 'dependencies') if what == 'dep' else child(child(root, 'dependencyManagement'), 'dependencies')
    for d in deps.findall(ns + 'dependency'):
        if child(d, 'artifactId').text.strip() == name:
            print(child(d, 'version').text.strip())
            break
)PY";
  auto r = bulwark::testing::run({"python3", "-c", script, what, file.string(), name});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::string out = r.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

const Package* find(const Inventory& inv, const std::string& app_path, const std::string& name) {
  for (const auto& app : inv.applications)
    if (app.path == app_path)
      for (const auto& p : app.packages)
        if (p.name == name) return &p;
  return nullptr;
}

std::string version_of(const Inventory& inv, const std::string& app_path, const std::string& name) {
  const Package* p = find(inv, app_path, name);
  EXPECT_NE(p, nullptr) << name << " in " << app_path;
  return p ? p->version : "<missing>";
}

bool is_syntax_warning(const Diagnostic& d) {
  return d.message.find("malformed pom.xml") != std::string::npos;
}

// Trivy's POM test data as one tree (modules, parents by path, a local
// repository of parents and BOMs), terragoat's and Trivy's jar test POMs.
TEST(JavaCorpus, EveryPomOfTheCorpusParses) {
  BULWARK_REQUIRE_CORPUS();
  BULWARK_REQUIRE_TOOL("python3");
  const fs::path trivy = inputs() / "trivy/pkg/dependency/parser/java";
  const fs::path terragoat = inputs() / "terragoat/packages";
  if (!fs::exists(trivy / "pom/testdata") || !fs::exists(terragoat))
    GTEST_SKIP() << "Trivy's or terragoat's Java inputs are not in the corpus";
  std::vector<std::pair<std::string, std::string>> files;
  size_t poms = 0, repository_poms = 0;
  for (const fs::path& root : {trivy, terragoat})
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (!e.is_regular_file()) continue;
      std::string rel = fs::relative(e.path(), inputs()).generic_string();
      if (e.path().filename() == "pom.xml") ++poms;
      else if (e.path().extension() == ".pom") ++repository_poms;
      else continue;
      files.emplace_back(rel, read_file(e.path()));
    }
  ASSERT_GE(poms, 50u);
  auto s = scan_files(files);
  EXPECT_TRUE(s.analyze_errors.empty());
  for (const auto& d : s.diagnostics) EXPECT_FALSE(is_syntax_warning(d)) << d.location.path << ": " << d.message;
  // Every pom.xml with an artifactId is an application; repository POMs are not.
  size_t apps = 0;
  for (const auto& app : s.inventory.applications) {
    EXPECT_EQ(app.type, "pom");
    EXPECT_TRUE(app.path.size() > 8 && app.path.compare(app.path.size() - 8, 8, "/pom.xml") == 0) << app.path;
    ++apps;
  }
  EXPECT_EQ(apps, poms);
  std::cout << "[ corpus ] " << poms << " pom.xml and " << repository_poms << " repository POMs; "
            << s.diagnostics.size() << " resolution warnings (remote parents and BOMs)\n";

  const std::string t = "trivy/pkg/dependency/parser/java/pom/testdata/";
  // A property from a parent found at ../pom.xml.
  EXPECT_EQ(version_of(s.inventory, t + "parent-properties/child/pom.xml", "org.example:example-api"),
            python_pom("prop", inputs() / (t + "parent-properties/pom.xml"), "api.version"));
  // A property from a parent at an explicit relativePath ("./parent", a directory).
  EXPECT_EQ(version_of(s.inventory, t + "parent-relative-path/pom.xml", "org.example:example-api"),
            python_pom("prop", inputs() / (t + "parent-relative-path/parent/pom.xml"), "api.version"));
  // A BOM imported by the parent with the child's ${bom.version}, found in the local repository.
  EXPECT_EQ(version_of(s.inventory, t + "inherit-props/base/pom.xml", "org.example:example-api"),
            python_pom("managed", inputs() / (t + "repository/org/example/example-bom/2.0.0/example-bom-2.0.0.pom"),
                       "example-api"));
  // terragoat: a version from <properties>.
  EXPECT_EQ(version_of(s.inventory, "terragoat/packages/sub/pom.xml", "org.apache.logging.log4j:log4j-core"),
            python_pom("prop", terragoat / "sub/pom.xml", "log4j.version"));
  EXPECT_EQ(version_of(s.inventory, "terragoat/packages/pom.xml", "org.apache.commons:commons-compress"),
            python_pom("dep", terragoat / "pom.xml", "commons-compress"));
  const Package* junit = find(s.inventory, "terragoat/packages/pom.xml", "junit:junit");
  ASSERT_NE(junit, nullptr);
  EXPECT_TRUE(junit->dev);
}

// osv-scalibr's POM test files are not named pom.xml; each is parsed alone,
// and with-parent.xml also as a pom.xml next to its parent/pom.xml.
TEST(JavaCorpus, ScalibrPomFiles) {
  BULWARK_REQUIRE_CORPUS();
  BULWARK_REQUIRE_TOOL("python3");
  const fs::path dir = inputs() / "osv-scalibr/extractor/filesystem/language/java/pomxml/testdata";
  if (!fs::exists(dir)) GTEST_SKIP() << "osv-scalibr's pomxml test data is not in the corpus";
  // The files meant to be unusable.
  const std::set<std::string> broken = {"invalid-syntax.xml", "not-pom.txt"};
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    ++files;
    std::vector<Diagnostic> diags;
    std::string name = e.path().filename().string();
    auto pkgs = parse_pom_xml(read_file(e.path()), name, diags);
    bool syntax = false;
    for (const auto& d : diags) syntax = syntax || is_syntax_warning(d);
    if (broken.count(name)) {
      EXPECT_TRUE(pkgs.empty()) << name;
      EXPECT_TRUE(syntax) << name << ": " << dump(diags);
    } else {
      EXPECT_FALSE(syntax) << name << ": " << dump(diags);
      EXPECT_FALSE(pkgs.empty()) << name;
    }
  }
  EXPECT_GE(files, 15u);

  std::vector<Diagnostic> diags;
  auto pkgs = parse_pom_xml(read_file(dir / "interpolation.xml"), "interpolation.xml", diags);
  std::map<std::string, std::string> v;
  for (const auto& p : pkgs) v[p.name] = p.version;
  EXPECT_EQ(v["org.mine:mypackage"], python_pom("prop", dir / "interpolation.xml", "mypackageVersion"));
  EXPECT_EQ(v["org.mine:my.package"], python_pom("prop", dir / "interpolation.xml", "my.package.version"));
  // A range is kept as written: resolving it needs a repository.
  EXPECT_EQ(v["org.mine:ranged-package"], python_pom("prop", dir / "interpolation.xml", "version-range"));

  auto s = scan_files({{"proj/pom.xml", read_file(dir / "with-parent.xml")},
                       {"proj/parent/pom.xml", read_file(dir / "parent/pom.xml")}});
  EXPECT_EQ(version_of(s.inventory, "proj/pom.xml", "org.dave:dave"),
            python_pom("dep", dir / "parent/pom.xml", "dave"));  // inherited from the parent
  EXPECT_EQ(version_of(s.inventory, "proj/pom.xml", "org.chuck:chuck"),
            python_pom("managed", dir / "with-parent.xml", "chuck"));
  EXPECT_EQ(version_of(s.inventory, "proj/pom.xml", "org.bob:bob"), python_pom("prop", dir / "with-parent.xml", "bob.version"));
}

// Gradle lockfiles of both corpora: bad lines are warnings with their line,
// and the packages are exactly the "g:a:v=" lines, counted here with a regex.
TEST(JavaCorpus, GradleLockfiles) {
  BULWARK_REQUIRE_CORPUS();
  std::vector<fs::path> files;
  for (const fs::path& dir : {inputs() / "trivy/pkg/dependency/parser/gradle/lockfile/testdata",
                             inputs() / "osv-scalibr/extractor/filesystem/language/java/gradlelockfile/testdata"})
    if (fs::exists(dir))
      for (const auto& e : fs::directory_iterator(dir))
        if (e.is_regular_file()) files.push_back(e.path());
  if (files.empty()) GTEST_SKIP() << "no Gradle lockfiles in the corpus";
  size_t total = 0;
  for (const auto& f : files) {
    auto count = bulwark::testing::sh("grep -cE '^[[:space:]]*[^#[:space:]=:]+:[^=:]+:[^=:]+=' '" + f.string() + "'");
    std::vector<Diagnostic> diags;
    auto pkgs = parse_gradle_lockfile(read_file(f), f.filename().string(), diags);
    EXPECT_EQ(pkgs.size(), static_cast<size_t>(std::stoi(count.out.empty() ? "0" : count.out))) << f;
    total += pkgs.size();
    for (const auto& d : diags) EXPECT_GT(d.location.line, 0) << f << ": " << d.message;
    if (f.filename() == "with-bad-pkg") {
      EXPECT_EQ(diags.size(), 4u) << dump(diags);  // ">>>", "////", "a", "b"
    }
  }
  EXPECT_GT(total, 5u);
}

}  // namespace
}  // namespace bulwark::catalog
