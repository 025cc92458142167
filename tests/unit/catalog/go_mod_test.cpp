// go.mod: directives, blocks, comments, quoting, replace/exclude rules, the
// standard library from toolchain/go, warnings with line numbers; checked
// against Go's own parser (`go mod edit -json`) on the fixtures and the
// shared corpus.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <regex>
#include <set>

#include "catalog_testing.hpp"
#include "testing/testing.hpp"

namespace bulwark::catalog {
namespace {
namespace fs = std::filesystem;
using bulwark::testing::fixture;
using bulwark::testing::read_file;
using testing::relationships;

const Package* find(const std::vector<Package>& pkgs, const std::string& name) {
  return testing::find_package(pkgs, name);
}

TEST(GoMod, ReadsEveryDirectiveOfARealisticFile) {
  const std::string path = "src/full/go.mod";
  std::vector<Diagnostic> diags;
  auto pkgs = parse_go_mod(read_file(fixture("lang/go/full/go.mod")), path, diags);
  EXPECT_TRUE(diags.empty()) << diags[0].message;
  using R = Relationship;
  EXPECT_EQ(relationships(pkgs), (std::map<std::string, Relationship>{
                                     {"example.com/bulwark/full@", R::kRoot},
                                     {"github.com/pkg/errors@v0.9.1", R::kDirect},
                                     {"golang.org/x/net@v0.17.0", R::kDirect},  // replaced by version
                                     {"golang.org/x/text@v0.3.7", R::kTransitive},  // its replace names another version
                                     {"github.com/stretchr/testify@v1.8.4", R::kTransitive},  // "indirect; ..."
                                     {"github.com/google/uuid@v1.3.0", R::kDirect},  // quoted path
                                     {"gopkg.in/yaml.v3@v3.0.0-20200313102051-9f266ea9e77c", R::kTransitive},
                                     {"github.com/someone/fork@v1.0.1", R::kDirect},  // replaced for all versions
                                     {"example.com/local@", R::kDirect},  // replaced by a directory: no version
                                     {"stdlib@v1.21.6", R::kDirect},  // toolchain go1.21.6 over go 1.21.4
                                 }));
  // example.com/dropped v1.2.0 is excluded: not reported.
  EXPECT_EQ(find(pkgs, "example.com/dropped"), nullptr);
  const Package* root = find(pkgs, "example.com/bulwark/full");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ(root->location.line, 2);
  std::set<std::string> deps(root->depends_on.begin(), root->depends_on.end());
  EXPECT_EQ(deps, (std::set<std::string>{"golang:github.com/pkg/errors@v0.9.1", "golang:golang.org/x/net@v0.17.0",
                                         "golang:github.com/google/uuid@v1.3.0", "golang:github.com/someone/fork@v1.0.1",
                                         "golang:example.com/local@", "golang:stdlib@v1.21.6"}));
  for (const auto& p : pkgs) {
    EXPECT_EQ(p.ecosystem, "golang");
    EXPECT_EQ(p.location.path, path);
    EXPECT_EQ(p.id, make_package_id(p));
    EXPECT_FALSE(p.dev);
    if (&p != root) {
      EXPECT_TRUE(p.depends_on.empty()) << p.name;
    }
  }
  EXPECT_EQ(find(pkgs, "github.com/pkg/errors")->location.line, 10);
  EXPECT_EQ(find(pkgs, "golang.org/x/text")->location.line, 14);
}

TEST(GoMod, StandardLibraryFromToolchainOrGo121AndLater) {
  auto stdlib_of = [](const std::string& text) -> std::string {
    std::vector<Diagnostic> diags;
    auto pkgs = parse_go_mod(text, "go.mod", diags);
    EXPECT_TRUE(diags.empty());
    const Package* p = find(pkgs, "stdlib");
    return p ? p->version : "-";
  };
  EXPECT_EQ(stdlib_of("module m\ngo 1.22\n"), "v1.22.0");
  EXPECT_EQ(stdlib_of("module m\ngo 1.21.3\n"), "v1.21.3");
  EXPECT_EQ(stdlib_of("module m\ngo 1.21rc2\n"), "v1.21.0-rc.2");
  EXPECT_EQ(stdlib_of("module m\ngo 1.20\n"), "-");  // before 1.21 the go line is only the language version
  EXPECT_EQ(stdlib_of("module m\ngo 1.17\ntoolchain go1.20.14\n"), "v1.20.14");
  EXPECT_EQ(stdlib_of("module m\ngo 1.23.5\ntoolchain go1.23.6-xyz\n"), "v1.23.6-xyz");
  EXPECT_EQ(stdlib_of("module m\ngo 1.23\ntoolchain default\n"), "v1.23.0");
  EXPECT_EQ(stdlib_of("module m\n"), "-");
}

TEST(GoMod, LocalReplacementsKeepTheModuleWithoutVersion) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse_go_mod(read_file(fixture("lang/go/local-replace/go.mod")), "go.mod", diags);
  EXPECT_TRUE(diags.empty());
  using R = Relationship;
  EXPECT_EQ(relationships(pkgs), (std::map<std::string, Relationship>{{"example.com/bulwark/local@", R::kRoot},
                                                                      {"example.com/sibling@", R::kDirect},
                                                                      {"example.com/abs@", R::kTransitive}}));
}

TEST(GoMod, MalformedLinesAreWarningsWithTheirLineNumbers) {
  const std::string path = "app/go.mod";
  std::vector<Diagnostic> diags;
  auto pkgs = parse_go_mod(read_file(fixture("lang/go/malformed/go.mod")), path, diags);
  std::map<int, std::string> by_line;
  for (const auto& d : diags) {
    EXPECT_EQ(d.location.path, path);
    EXPECT_EQ(d.level, Diagnostic::Level::kWarning);
    by_line[d.location.line] += d.message + ";";
  }
  std::set<int> lines;
  for (const auto& [l, m] : by_line) lines.insert(l);
  EXPECT_EQ(lines, (std::set<int>{5, 6, 7, 11, 12, 15, 17, 19})) << ::testing::PrintToString(by_line);
  EXPECT_NE(by_line[7].find("unknown directive 'requires'"), std::string::npos);
  EXPECT_NE(by_line[11].find("string literal"), std::string::npos);
  EXPECT_NE(by_line[19].find("not closed"), std::string::npos);
  // Everything that could be read is still there.
  EXPECT_EQ(relationships(pkgs), (std::map<std::string, Relationship>{
                                     {"example.com/bulwark/malformed@", Relationship::kRoot},
                                     {"github.com/ok/one@v1.0.0", Relationship::kDirect},
                                     {"github.com/ok/two@1.0.0", Relationship::kDirect},
                                     {"github.com/unclosed@v1.0.0", Relationship::kDirect},
                                 }));
  // Not a go.mod at all: a warning on line 1, nothing reported.
  diags.clear();
  EXPECT_TRUE(parse_go_mod("this is not a go.mod file!\n", path, diags).empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.line, 1);
  // Empty: nothing, quietly.
  diags.clear();
  EXPECT_TRUE(parse_go_mod("", path, diags).empty());
  EXPECT_TRUE(parse_go_mod("\xef\xbb\xbf// only a comment\n\n", path, diags).empty());
  EXPECT_TRUE(diags.empty());
  // Raw strings lex in Go but no directive takes one.
  EXPECT_EQ(parse_go_mod("module m\nrequire `a` v1.0.0\n", path, diags).size(), 1u);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.line, 2);
  // An empty quoted path names nothing (found by the fuzzer).
  diags.clear();
  EXPECT_EQ(parse_go_mod("module m\nrequire (\n\t\"\" v1.0.0\n)\n", path, diags).size(), 1u);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.line, 3);
}

TEST(GoMod, DuplicatesAndSameModuleTwice) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse_go_mod(
      "module m\nrequire (\n a v1.0.0 // indirect\n a v1.0.0\n b v1.0.0\n b v2.0.0\n e v1.0.0 //indirect\n"
      " f v1.0.0 // indirect;\n g v1.0.0 // indirect; why\n h v1.0.0 // indirectly\n)\n"
      "replace b v2.0.0 => c v2.1.0\nreplace b => d v0.1.0\n",
      "go.mod", diags);
  EXPECT_TRUE(diags.empty());
  // The same requirement twice is one package (direct wins); the
  // version-specific replace wins over the one for every version.
  EXPECT_EQ(relationships(pkgs), (std::map<std::string, Relationship>{{"m@", Relationship::kRoot},
                                                                      {"a@v1.0.0", Relationship::kDirect},
                                                                      {"d@v0.1.0", Relationship::kDirect},
                                                                      {"c@v2.1.0", Relationship::kDirect},
                                                                      {"e@v1.0.0", Relationship::kTransitive},
                                                                      {"f@v1.0.0", Relationship::kDirect},
                                                                      {"g@v1.0.0", Relationship::kTransitive},
                                                                      {"h@v1.0.0", Relationship::kDirect}}));
}

// Which paths it wants: format_analyzers_test.cpp.
TEST(GoMod, AnalyzerMakesAGomodApplication) {
  auto s = testing::scan_files({{"src/go.mod", read_file(fixture("lang/go/minimal/go.mod"))}});
  ASSERT_EQ(s.inventory.applications.size(), 1u);
  EXPECT_EQ(s.inventory.applications[0].type, "gomod");
  EXPECT_EQ(s.inventory.applications[0].path, "src/go.mod");
  const Package* sys = find(s.inventory.applications[0].packages, "golang.org/x/sys");
  ASSERT_NE(sys, nullptr);
  EXPECT_EQ(sys->purl, "pkg:golang/golang.org/x/sys@v0.15.0");
}

// ------------------------------------------------------ against Go's parser

// What the documented rules make of Go's own reading of a go.mod
// (`go mod edit -json`): requirements minus exclusions, after replacements.
const nlohmann::json& array_at(const nlohmann::json& j, const char* key) {
  static const nlohmann::json empty = nlohmann::json::array();
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : empty;
}

std::map<std::string, Relationship> expected_from_go(const nlohmann::json& j) {
  std::map<std::string, Relationship> out;
  if (j.contains("Module") && j["Module"].is_object() && !j["Module"].value("Path", "").empty()) out[j["Module"]["Path"].get<std::string>() + "@"] = Relationship::kRoot;
  std::set<std::pair<std::string, std::string>> excluded;
  for (const auto& e : array_at(j, "Exclude"))
    excluded.insert({e["Path"].get<std::string>(), e["Version"].get<std::string>()});
  for (const auto& r : array_at(j, "Require")) {
    std::string path = r["Path"], version = r["Version"];
    if (excluded.count({path, version})) continue;
    const nlohmann::json* rep = nullptr;
    for (const auto& x : array_at(j, "Replace"))
      if (x["Old"]["Path"] == path && x["Old"].value("Version", "") == version) rep = &x;
    if (!rep)
      for (const auto& x : array_at(j, "Replace"))
        if (x["Old"]["Path"] == path && x["Old"].value("Version", "").empty()) rep = &x;
    std::string nv = path + "@" + version;
    if (rep) {
      std::string nver = (*rep)["New"].value("Version", "");
      nv = nver.empty() ? path + "@" : (*rep)["New"]["Path"].get<std::string>() + "@" + nver;
    }
    Relationship rel = r.value("Indirect", false) ? Relationship::kTransitive : Relationship::kDirect;
    auto [it, fresh] = out.emplace(nv, rel);
    if (!fresh && rel == Relationship::kDirect) it->second = rel;
  }
  return out;
}

// Go 1.19 (the toolchain here) predates the toolchain and godebug directives
// and three-part go versions; those lines are adjusted for it, and the
// standard library (derived from them) is left out of the comparison.
std::string for_go119(const std::string& text) {
  std::string out = std::regex_replace(text, std::regex("(^|\n)(toolchain|godebug)[^\n]*"), "$1");
  return std::regex_replace(out, std::regex("(^|\n)go [^\n]*"), "$1go 1.17");
}

// Returns how many files were compared.
size_t compare_with_go(const std::vector<fs::path>& files) {
  size_t compared = 0;
  for (const auto& f : files) {
    SCOPED_TRACE(f.string());
    std::string text = read_file(f);
    bulwark::testing::TempDir dir;
    bulwark::testing::write_file(dir / "go.mod", for_go119(text));
    auto r = bulwark::testing::sh("cd '" + dir.path().string() + "' && GOFLAGS= go mod edit -json 2>&1");
    if (r.exit_code != 0) continue;  // Go refuses it too (the corpus has deliberately broken files)
    std::vector<Diagnostic> diags;
    auto got = relationships(parse_go_mod(text, f.string(), diags));
    for (auto it = got.begin(); it != got.end();) it = it->first.rfind("stdlib@", 0) == 0 ? got.erase(it) : std::next(it);
    EXPECT_EQ(got, expected_from_go(nlohmann::json::parse(r.out)));
    EXPECT_TRUE(diags.empty()) << diags[0].message;
    ++compared;
  }
  return compared;
}

std::vector<fs::path> corpus_go_mods() {
  std::vector<fs::path> out;
  fs::path root = bulwark::testing::corpus_dir();
  if (root.empty()) return out;
  for (const auto& e : fs::recursive_directory_iterator(root / "inputs")) {
    if (!e.is_regular_file()) continue;
    std::string p = e.path().string();
    bool is_mod = e.path().filename() == "go.mod" || e.path().filename() == "gomod" ||
                  (e.path().extension() == ".mod" && p.find("golang") != std::string::npos);
    if (is_mod) out.push_back(e.path());
  }
  return out;
}

TEST(GoMod, MatchesGoModEditOnFixtures) {
  BULWARK_REQUIRE_TOOL("go");
  std::vector<fs::path> files;
  for (const char* f : {"full", "local-replace", "minimal"}) files.push_back(fixture(std::string("lang/go/") + f + "/go.mod"));
  EXPECT_EQ(compare_with_go(files), files.size());
}

TEST(GoMod, EveryCorpusGoModParsesAndMatchesGo) {
  BULWARK_REQUIRE_CORPUS();
  auto files = corpus_go_mods();
  if (files.empty()) GTEST_SKIP() << "no go.mod files in the corpus";
  size_t clean = 0;
  for (const auto& f : files) {
    std::vector<Diagnostic> diags;
    auto pkgs = parse_go_mod(read_file(f), f.string(), diags);
    // The one deliberately broken input ("this is not a go.mod file!").
    if (f.filename() == "not-go-mod.mod") {
      EXPECT_FALSE(diags.empty());
      continue;
    }
    EXPECT_TRUE(diags.empty()) << f << ": " << diags[0].message;
    clean += diags.empty();
  }
  EXPECT_GE(clean, 20u);
  if (bulwark::testing::have_tool("go")) {
    size_t compared = compare_with_go(files);
    std::cout << "compared " << compared << " of " << files.size() << " corpus go.mod files with go mod edit -json\n";
    EXPECT_GE(compared, 20u);
  }
}

}  // namespace
}  // namespace bulwark::catalog
