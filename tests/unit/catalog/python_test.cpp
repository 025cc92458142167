// Python analyzers on Bulwark's own fixtures (tests/fixtures/lang/python):
// installed distributions, requirements files with includes and pip-compile
// annotations, Pipfile.lock, poetry.lock (Poetry 1 and 2), uv.lock, and bad
// input of each kind.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "catalog/lang/lang.hpp"
#include "catalog_testing.hpp"
#include "testing/testing.hpp"

namespace bulwark::catalog {
namespace {
namespace fs = std::filesystem;
using testing::scan_files;

// Every file under tests/fixtures/lang/python/<dir>, with paths relative to
// `prefix` + the directory, as the walker would give them.
std::vector<std::pair<std::string, std::string>> fixture_tree(const std::string& dir, const std::string& prefix = "") {
  std::vector<std::pair<std::string, std::string>> out;
  fs::path root = bulwark::testing::fixture("lang/python/" + dir);
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    if (!e.is_regular_file()) continue;
    out.emplace_back(prefix + fs::relative(e.path(), root).generic_string(), bulwark::testing::read_file(e.path()));
  }
  return out;
}

std::string fixture_text(const std::string& rel) {
  return bulwark::testing::read_file(bulwark::testing::fixture("lang/python/" + rel));
}

const Application* find_app(const Inventory& inv, const std::string& path) {
  for (const auto& a : inv.applications)
    if (a.path == path) return &a;
  return nullptr;
}

std::set<std::string> name_versions(const std::vector<Package>& pkgs) {
  std::set<std::string> out;
  for (const auto& p : pkgs) out.insert(p.name + "@" + p.version);
  return out;
}

const Package* find(const std::vector<Package>& pkgs, const std::string& name, const std::string& version = {}) {
  for (const auto& p : pkgs)
    if (p.name == name && (version.empty() || p.version == version)) return &p;
  return nullptr;
}

// The dependencies of a package as "name@version", resolved through the ids
// of the same list (an id that resolves to nothing shows as "?id").
std::set<std::string> deps_of(const std::vector<Package>& pkgs, const std::string& name,
                              const std::string& version = {}) {
  const Package* p = find(pkgs, name, version);
  EXPECT_NE(p, nullptr) << name;
  std::set<std::string> out;
  if (!p) return out;
  for (const auto& id : p->depends_on) {
    const Package* q = nullptr;
    for (const auto& c : pkgs)
      if (c.id == id) q = &c;
    out.insert(q ? q->name + "@" + q->version : "?" + id);
  }
  return out;
}

std::set<std::string> dev_names(const std::vector<Package>& pkgs) {
  std::set<std::string> out;
  for (const auto& p : pkgs)
    if (p.dev) out.insert(p.name);
  return out;
}

std::string diag_list(const std::vector<Diagnostic>& diags) {
  std::string s;
  for (const auto& d : diags) s += d.location.path + ":" + std::to_string(d.location.line) + ": " + d.message + "\n";
  return s;
}

// ------------------------------------------------------------- names -----

TEST(PythonNames, Pep503Normalisation) {
  EXPECT_EQ(pep503_normalize("Jinja2"), "jinja2");
  EXPECT_EQ(pep503_normalize("zope.interface"), "zope-interface");
  EXPECT_EQ(pep503_normalize("Foo__Bar-.baz"), "foo-bar-baz");
  EXPECT_EQ(pep503_normalize(" typing_extensions "), "typing-extensions");
}

// ------------------------------------------------------- python-dist -----

TEST(PythonDist, InstalledDistributionsOfOneDirectoryFormOneApplication) {
  auto s = scan_files(fixture_tree("site"));
  const std::string site = "lib/python3.11/site-packages";
  const Application* app = find_app(s.inventory, site);
  ASSERT_NE(app, nullptr) << diag_list(s.diagnostics);
  EXPECT_EQ(app->type, "python-pkg");
  EXPECT_EQ(name_versions(app->packages),
            (std::set<std::string>{"requests@2.31.0", "charset-normalizer@3.3.2", "idna@3.6", "urllib3@1.26.18",
                                   "certifi@2023.7.22", "zope.interface@6.1", "setuptools@68.1.2"}));
  // The vendored copy inside pip is its own directory, its own application.
  const Application* vendored = find_app(s.inventory, site + "/pip/_vendor");
  ASSERT_NE(vendored, nullptr);
  EXPECT_EQ(name_versions(vendored->packages), std::set<std::string>{"packaging@21.3"});
  EXPECT_TRUE(deps_of(vendored->packages, "packaging").empty());  // pyparsing is not installed there

  const auto& pkgs = app->packages;
  for (const auto& p : pkgs) {
    EXPECT_EQ(p.ecosystem, "pypi");
    EXPECT_EQ(p.relationship, Relationship::kUnknown);
    EXPECT_FALSE(p.dev);
    EXPECT_TRUE(starts_with(p.location.path, site + "/")) << p.location.path;
  }
  EXPECT_EQ(find(pkgs, "requests")->location.path, site + "/requests-2.31.0.dist-info/METADATA");
  EXPECT_EQ(find(pkgs, "urllib3")->location.path, site + "/urllib3-1.26.18.egg-info/PKG-INFO");
  EXPECT_EQ(find(pkgs, "certifi")->location.path, site + "/certifi-2023.7.22.egg-info");
  EXPECT_EQ(find(pkgs, "zope.interface")->purl, "pkg:pypi/zope.interface@6.1");

  // Edges: Requires-Dist without extras, egg-info requires.txt outside
  // [extra] sections, names matched after PEP 503 normalisation.
  EXPECT_EQ(deps_of(pkgs, "requests"), (std::set<std::string>{"charset-normalizer@3.3.2", "idna@3.6",
                                                               "urllib3@1.26.18", "certifi@2023.7.22"}));
  EXPECT_EQ(deps_of(pkgs, "urllib3"), (std::set<std::string>{"certifi@2023.7.22", "idna@3.6"}));
  EXPECT_EQ(deps_of(pkgs, "zope.interface"), std::set<std::string>{"setuptools@68.1.2"});
  EXPECT_EQ(deps_of(pkgs, "setuptools"), std::set<std::string>{"zope.interface@6.1"});
  EXPECT_TRUE(deps_of(pkgs, "idna").empty());

  // Licences: License-Expression, then a short License, then classifiers.
  EXPECT_EQ(find(pkgs, "requests")->licenses, std::vector<std::string>{"Apache 2.0"});
  EXPECT_EQ(find(pkgs, "idna")->licenses, std::vector<std::string>{"BSD-3-Clause"});
  EXPECT_EQ(find(pkgs, "certifi")->licenses, std::vector<std::string>{"MPL-2.0"});
  EXPECT_EQ(find(pkgs, "zope.interface")->licenses, std::vector<std::string>{"Zope Public License"});
  EXPECT_EQ(find(pkgs, "setuptools")->licenses, std::vector<std::string>{"MIT License"});

  // broken-0.1: a line that is not a header ends the headers before Version.
  ASSERT_EQ(s.diagnostics.size(), 1u) << diag_list(s.diagnostics);
  EXPECT_EQ(s.diagnostics[0].location.path, site + "/broken-0.1.dist-info/METADATA");
  EXPECT_EQ(s.diagnostics[0].location.line, 3);
  EXPECT_NE(s.diagnostics[0].message.find("no Version"), std::string::npos);
  EXPECT_TRUE(s.analyze_errors.empty());
}

TEST(PythonDist, WhichFilesAreRead) {
  AnalyzerRegistry reg;
  register_language_analyzers(reg);
  const Analyzer* a = reg.find("python-dist");
  ASSERT_NE(a, nullptr);
  for (const char* p : {"usr/lib/python3/dist-packages/six-1.16.0.egg-info", "x/foo-1.0.dist-info/METADATA",
                        "x/foo.egg-info/PKG-INFO", "x/foo.egg-info/requires.txt",
                        "x/foo-1.0-py3.11.egg/EGG-INFO/PKG-INFO", "x/foo-1.0-py3.11.egg/EGG-INFO/requires.txt"})
    EXPECT_TRUE(a->wants(p, 1000)) << p;
  for (const char* p : {"x/METADATA", "x/foo.dist-info/RECORD", "x/foo/PKG-INFO", "x/.dist-info/METADATA",
                        "x/EGG-INFO/PKG-INFO", "x/foo.egg-info/top_level.txt", "x/requires.txt", "x/.egg-info"})
    EXPECT_FALSE(a->wants(p, 1000)) << p;
}

TEST(PythonDist, HeaderParsing) {
  std::vector<Diagnostic> diags;
  std::vector<std::string> deps;
  // CRLF line ends, continuation lines, repeated fields (the first counts, as
  // for Python's email parser), a licence text spanning lines.
  auto p = parse_python_metadata(
      "Metadata-Version: 2.1\r\nName:   Foo_Bar  \r\nVersion: 1.0.post1\r\nName: other\r\n"
      "License: Permission is hereby granted,\r\n  free of charge\r\n"
      "Requires-Dist: Baz.Qux[fast] >=2 ; python_version >= \"3.8\"\r\n"
      "Requires-Dist: extra-only; extra == \"test\"\r\n"
      "Requires-Dist: extras-named ; 'extras' in platform_release\r\n"
      "Requires-Dist: (>=1)\r\n"
      "\r\nName: body\r\n",
      "m/METADATA", diags, &deps);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->name, "Foo_Bar");
  EXPECT_EQ(p->version, "1.0.post1");
  EXPECT_TRUE(p->licenses.empty());
  EXPECT_EQ(deps, (std::vector<std::string>{"baz-qux", "extras-named"}));
  ASSERT_EQ(diags.size(), 1u);  // the Requires-Dist without a name
  EXPECT_EQ(diags[0].location.line, 10);

  diags.clear();
  EXPECT_FALSE(parse_python_metadata("Version: 1.0\n", "m/METADATA", diags));
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].message.find("no Name"), std::string::npos);
  diags.clear();
  EXPECT_FALSE(parse_python_metadata("", "m/METADATA", diags));
  EXPECT_EQ(diags.size(), 1u);
  diags.clear();
  EXPECT_FALSE(parse_python_metadata("\nName: x\nVersion: 1\n", "m/METADATA", diags));  // body only
  EXPECT_EQ(diags.size(), 1u);
}

TEST(PythonDist, EggRequires) {
  EXPECT_EQ(parse_egg_requires("a>=1\n# c\n\n[:sys_platform == 'win32']\nB_c\n[x]\nd\n[x:python_version<'3']\ne\n"),
            (std::vector<std::string>{"a", "b-c"}));
}

// -------------------------------------------------- pip-requirements -----

TEST(PipRequirements, FixtureTreeWithIncludesAndACycle) {
  auto s = scan_files(fixture_tree("requirements-app", "app/"));
  EXPECT_TRUE(s.analyze_errors.empty());
  const Application* main = find_app(s.inventory, "app/requirements.txt");
  ASSERT_NE(main, nullptr) << diag_list(s.diagnostics);
  EXPECT_EQ(main->type, "pip");
  EXPECT_EQ(name_versions(main->packages),
            (std::set<std::string>{"Django@4.2.7", "requests@2.31.0", "urllib3@1.26.18", "PyYAML@6.0.1",
                                   "typing_extensions@4.8.0", "six@1.16.0", "certifi@2023.7.22"}));
  // Packages keep the file and line they are written on.
  EXPECT_EQ(find(main->packages, "Django")->location.line, 6);
  EXPECT_EQ(find(main->packages, "requests")->location.line, 9);
  EXPECT_EQ(find(main->packages, "six")->location.path, "app/requirements/base.txt");
  EXPECT_EQ(find(main->packages, "certifi")->location.path, "app/requirements/common.txt");
  EXPECT_EQ(find(main->packages, "certifi")->location.line, 3);
  for (const auto& p : main->packages) EXPECT_EQ(p.relationship, Relationship::kUnknown) << p.name;

  // base.txt and common.txt include each other: each lists both, once.
  for (const char* f : {"app/requirements/base.txt", "app/requirements/common.txt"}) {
    const Application* a = find_app(s.inventory, f);
    ASSERT_NE(a, nullptr) << f;
    EXPECT_EQ(name_versions(a->packages), (std::set<std::string>{"six@1.16.0", "certifi@2023.7.22"})) << f;
  }
  const Application* dev = find_app(s.inventory, "app/dev-requirements.txt");
  ASSERT_NE(dev, nullptr);
  EXPECT_EQ(dev->packages.size(), 8u);
  EXPECT_NE(find(dev->packages, "pytest", "7.4.3"), nullptr);
  EXPECT_NE(find(dev->packages, "certifi"), nullptr);

  // The one problem: an included file that is not there.
  ASSERT_EQ(s.diagnostics.size(), 1u) << diag_list(s.diagnostics);
  EXPECT_EQ(s.diagnostics[0].location.path, "app/dev-requirements.txt");
  EXPECT_EQ(s.diagnostics[0].location.line, 3);
  EXPECT_NE(s.diagnostics[0].message.find("app/missing-requirements.txt"), std::string::npos);
}

TEST(PipRequirements, PipCompileAnnotationsGiveRelationshipsAndEdges) {
  auto s = scan_files(fixture_tree("requirements-app/compiled", "srv/"));
  const Application* app = find_app(s.inventory, "srv/requirements.txt");
  ASSERT_NE(app, nullptr);
  const auto& pkgs = app->packages;
  EXPECT_EQ(pkgs.size(), 7u);
  std::set<std::string> direct, transitive;
  for (const auto& p : pkgs) (p.relationship == Relationship::kDirect ? direct : transitive).insert(p.name);
  EXPECT_EQ(direct, (std::set<std::string>{"anyio", "django", "requests"}));
  EXPECT_EQ(transitive, (std::set<std::string>{"asgiref", "idna", "sniffio", "sqlparse"}));
  for (const auto& p : pkgs)
    if (p.relationship != Relationship::kDirect) {
      EXPECT_EQ(p.relationship, Relationship::kTransitive);
    }
  EXPECT_EQ(deps_of(pkgs, "django"), (std::set<std::string>{"asgiref@3.7.2", "sqlparse@0.4.4"}));
  EXPECT_EQ(deps_of(pkgs, "anyio"), (std::set<std::string>{"idna@3.4", "sniffio@1.3.0"}));
  EXPECT_EQ(deps_of(pkgs, "requests"), std::set<std::string>{"idna@3.4"});
  EXPECT_TRUE(s.diagnostics.empty()) << diag_list(s.diagnostics);
}

TEST(PipRequirements, LineSyntax) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse_requirements_txt(
      "click   == 8.0.0\n"                        // 1 spaces
      "Jinja2==3.0.0#comment\n"                   // 2 a '#' right after the version
      "MarkupSafe==2.0.0 # comment\n"             // 3
      "qwerty \\\n"                               // 4 continuation
      "  == 0.1\n"                                // 5
      "pyjwt[crypto]==2.1.0\n"                    // 6 extras
      "celery [redis, pytest] == 4.4.7\n"         // 7
      "yolo===1.0+local.7\n"                      // 8 arbitrary equality
      "SomeProject ==5.4 ; python_version < '3.8'\n"  // 9 marker
      "foo2==1.0 --hash=sha256:123 --global-option=foo --config-settings=bar\n"  // 10
      "foo5==1.0; python_version < \"2.7\" --hash=sha256:123\n"                   // 11
      "foo14==1.0 -C bar\n"                       // 12
      "foo17--hash==1.0\n"                        // 13 a name with "--" inside
      "pkg (==2.0)\n"                             // 14 parenthesised
      "ranged>=1.0,<2\n"                          // 15 not pinned
      "pinned-in-range>=1.0,==1.4.2,!=1.4.1\n"    // 16 the pin counts
      "wild==1.*\n"                               // 17 wildcard: a range
      "# comment \\\n"                            // 18 a comment never continues
      "after-comment==3\n"                        // 19
      "last==9 \\",                               // 20 continuation at the end of the file
      "r.txt", diags);
  EXPECT_TRUE(diags.empty()) << diag_list(diags);
  std::map<std::string, std::pair<std::string, int>> got;
  for (const auto& p : pkgs) got[p.name] = {p.version, p.location.line};
  std::map<std::string, std::pair<std::string, int>> want{
      {"click", {"8.0.0", 1}},       {"Jinja2", {"3.0.0", 2}},        {"MarkupSafe", {"2.0.0", 3}},
      {"qwerty", {"0.1", 4}},        {"pyjwt", {"2.1.0", 6}},         {"celery", {"4.4.7", 7}},
      {"yolo", {"1.0+local.7", 8}},  {"SomeProject", {"5.4", 9}},     {"foo2", {"1.0", 10}},
      {"foo5", {"1.0", 11}},         {"foo14", {"1.0", 12}},          {"foo17--hash", {"1.0", 13}},
      {"pkg", {"2.0", 14}},          {"pinned-in-range", {"1.4.2", 16}}, {"after-comment", {"3", 19}},
      {"last", {"9", 20}},
  };
  EXPECT_EQ(got, want);
  for (const auto& p : pkgs) {
    EXPECT_EQ(p.ecosystem, "pypi");
    EXPECT_EQ(p.id, make_package_id(p));
  }
}

TEST(PipRequirements, BadLinesAreWarningsWithTheirLines) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse_requirements_txt(
      "asdf==\n"                               // 1 no version
      "==1.0\n"                                // 2 no name
      "asdf 1.0\n"                             // 3 not a specifier
      "qwert==${MY_VERSION}\n"                 // 4 environment variable
      "foo|bar=='1.2.4'\n"                     // 5 templating
      "foo=='invalid-version'\n"               // 6
      "--no-such-option x\n"                   // 7
      "good==1.0\n"                            // 8
      "bad[extra==1.0\n"                       // 9 extras not closed
      "-r\n",                                  // 10 an option without its value
      "r.txt", diags);
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].name, "good");
  std::vector<int> lines;
  for (const auto& d : diags) {
    lines.push_back(d.location.line);
    EXPECT_EQ(d.location.path, "r.txt");
  }
  EXPECT_EQ(lines, (std::vector<int>{1, 2, 3, 4, 5, 6, 7, 9, 10})) << diag_list(diags);
}

TEST(PipRequirements, UrlsPathsEditablesAndBareNamesAreSkippedQuietly) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse_requirements_txt(
      "urllib3 @ https://github.com/urllib3/urllib3/archive/refs/tags/1.26.8.zip\n"
      "./downloads/numpy-1.9.2-cp34-none-win32.whl\n"
      "downloads/numpy-1.9.2-cp34-none-win32.whl\n"
      "http://wxpython.org/Phoenix/snapshot-builds/wxPython_Phoenix-3.0.3.dev1820+49a8884-cp34-none-win_amd64.whl\n"
      "git+https://github.com/pallets/flask@2.0.0#egg=flask\n"
      "-e git+https://github.com/pallets/click.git@8.1.7#egg=click\n"
      "-e .\n"
      "--extra-index-url https://example.com/simple\n"
      "--require-hashes\n"
      "pandas\n"
      "numpyNew; sys_platform == 'win32'\n"
      "C:\\wheels\\foo-1.0.whl\n",
      "r.txt", diags);
  EXPECT_TRUE(pkgs.empty());
  EXPECT_TRUE(diags.empty()) << diag_list(diags);
}

TEST(PipRequirements, EncodingsAndLineEnds) {
  // UTF-16LE with a byte order mark, as Windows editors write it.
  std::string utf16 = "\xFF\xFE";
  for (char c : std::string("attrs==20.3.0\r\nsix==1.16.0\r\n")) {
    utf16 += c;
    utf16 += '\0';
  }
  std::vector<Diagnostic> diags;
  auto pkgs = parse_requirements_txt(utf16, "r.txt", diags);
  EXPECT_EQ(name_versions(pkgs), (std::set<std::string>{"attrs@20.3.0", "six@1.16.0"}));
  EXPECT_TRUE(diags.empty());
  pkgs = parse_requirements_txt("\xEF\xBB\xBF" "attrs==20.3.0\n", "r.txt", diags);
  EXPECT_EQ(name_versions(pkgs), std::set<std::string>{"attrs@20.3.0"});
  pkgs = parse_requirements_txt(std::string("\xFF\xFE" "a\0b", 5), "r.txt", diags);  // odd length
  EXPECT_TRUE(pkgs.empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].message.find("UTF-16"), std::string::npos);
}

TEST(PipRequirements, InlineViaAndConstraintAnnotations) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse_requirements_txt(
      "certifi==2023.7.22  # via requests\n"
      "requests==2.31.0  # via -r requirements.in\n"
      "urllib3==2.0.7\n"
      "    # via\n"
      "    #   -c constraints.txt\n"
      "    #   requests\n"
      "myproj-helper==1.0\n"
      "    # via myproj (pyproject.toml)\n"
      "unannotated==1.0\n",
      "r.txt", diags);
  EXPECT_TRUE(diags.empty()) << diag_list(diags);
  EXPECT_EQ(find(pkgs, "requests")->relationship, Relationship::kDirect);
  EXPECT_EQ(find(pkgs, "myproj-helper")->relationship, Relationship::kDirect);
  EXPECT_EQ(find(pkgs, "certifi")->relationship, Relationship::kTransitive);
  EXPECT_EQ(find(pkgs, "urllib3")->relationship, Relationship::kTransitive);
  EXPECT_EQ(find(pkgs, "unannotated")->relationship, Relationship::kUnknown);
  EXPECT_EQ(deps_of(pkgs, "requests"), (std::set<std::string>{"certifi@2023.7.22", "urllib3@2.0.7"}));
}

TEST(PipRequirements, LimitsOnLinesAndIncludes) {
  std::vector<Diagnostic> diags;
  std::string long_line = "x==1.0 " + std::string(2 << 20, 'a') + "\nok==1\n";
  auto pkgs = parse_requirements_txt(long_line, "r.txt", diags);
  EXPECT_EQ(name_versions(pkgs), std::set<std::string>{"ok@1"});
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.line, 1);

  // A chain of 80 files, each including the next: an application follows 64.
  std::vector<std::pair<std::string, std::string>> files;
  for (int i = 0; i < 80; ++i)
    files.emplace_back("reqs/requirements-" + std::to_string(i) + ".txt",
                       "-r requirements-" + std::to_string(i + 1) + ".txt\npkg" + std::to_string(i) + "==1.0\n");
  auto s = scan_files(files);
  const Application* first = find_app(s.inventory, "reqs/requirements-0.txt");
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->packages.size(), 65u);  // its own and 64 included files
  bool warned = false;
  for (const auto& d : s.diagnostics)
    warned = warned || (d.location.path == "reqs/requirements-0.txt" && d.message.find("more than 64") != std::string::npos);
  EXPECT_TRUE(warned) << diag_list(s.diagnostics);

  // Includes resolve against the including file; climbing out of the tree is refused.
  std::vector<RequirementsInclude> inc;
  diags.clear();
  parse_requirements_txt("-r ../base.txt\n--requirement=/etc/app/reqs.txt\n-r../../../../x.txt\n-rsub/a.txt\n",
                         "srv/app/requirements.txt", diags, &inc);
  ASSERT_EQ(inc.size(), 3u);
  EXPECT_EQ(inc[0].path, "srv/base.txt");
  EXPECT_EQ(inc[1].path, "etc/app/reqs.txt");
  EXPECT_EQ(inc[2].path, "srv/app/sub/a.txt");
  EXPECT_EQ(inc[2].line, 4);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.line, 3);
}

TEST(PipRequirements, WhichFilesAreRead) {
  AnalyzerRegistry reg;
  register_language_analyzers(reg);
  const Analyzer* a = reg.find("pip-requirements");
  ASSERT_NE(a, nullptr);
  for (const char* p : {"requirements.txt", "app/requirements.txt", "app/dev-requirements.txt",
                        "app/requirements-dev.txt", "app/requirements_test.txt", "app/requirements/base.txt",
                        "app/Requirements.txt"})
    EXPECT_TRUE(a->wants(p, 100)) << p;
  for (const char* p : {"app/requirements.in", "app/constraints.txt", "app/notes.txt",
                        "app/node_modules/x/requirements.txt",
                        "usr/lib/python3/dist-packages/foo/requirements.txt",
                        "venv/lib/python3.11/site-packages/foo/requirements-dev.txt"})
    EXPECT_FALSE(a->wants(p, 100)) << p;
  EXPECT_FALSE(a->wants("requirements.txt", 64 << 20));
}

// ------------------------------------------------------- Pipfile.lock -----

TEST(PipfileLock, DefaultAndDevelopSections) {
  auto s = scan_files(fixture_tree("pipenv", "app/"));
  const Application* app = find_app(s.inventory, "app/Pipfile.lock");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->type, "pipenv");
  EXPECT_EQ(name_versions(app->packages), (std::set<std::string>{"asgiref@3.7.2", "django@4.2.7", "six@1.16.0",
                                                                 "sqlparse@0.4.4", "pluggy@1.3.0", "pytest@7.4.3"}));
  EXPECT_EQ(dev_names(app->packages), (std::set<std::string>{"pluggy", "pytest"}));  // six is in both
  EXPECT_TRUE(s.diagnostics.empty()) << diag_list(s.diagnostics);
  // Each package's line is where its name is the key.
  std::string text = fixture_text("pipenv/Pipfile.lock");
  std::vector<std::string> lines{""};
  for (char c : text) {
    if (c == '\n')
      lines.emplace_back();
    else
      lines.back().push_back(c);
  }
  for (const auto& p : app->packages) {
    ASSERT_GT(p.location.line, 0) << p.name;
    EXPECT_NE(lines[static_cast<size_t>(p.location.line - 1)].find("\"" + p.name + "\": {"), std::string::npos) << p.name;
    EXPECT_EQ(p.relationship, Relationship::kUnknown);
  }
}

TEST(PipfileLock, BadInput) {
  std::vector<Diagnostic> diags;
  EXPECT_TRUE(parse_pipfile_lock("{\n  \"default\": {\n    \"a\": {\"version\": \"==1\"},\n  ]\n}", "Pipfile.lock", diags)
                  .empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.line, 4);
  diags.clear();
  auto pkgs = parse_pipfile_lock(R"({"default": {"a": {"version": ">=1"}, "b": {"version": 3}, "c": [],
    "d": {"version": "==2.0"}}, "develop": []})",
                                 "Pipfile.lock", diags);
  EXPECT_EQ(name_versions(pkgs), std::set<std::string>{"d@2.0"});
  EXPECT_EQ(diags.size(), 4u) << diag_list(diags);
  diags.clear();
  EXPECT_TRUE(parse_pipfile_lock("[]", "Pipfile.lock", diags).empty());
  EXPECT_EQ(diags.size(), 1u);
  diags.clear();
  EXPECT_TRUE(parse_pipfile_lock("{\"default\": 1e999999}", "Pipfile.lock", diags).empty());  // out of range
  EXPECT_EQ(diags.size(), 1u);
  diags.clear();
  std::string deep(1000, '[');
  EXPECT_TRUE(parse_pipfile_lock(deep, "Pipfile.lock", diags).empty());
  EXPECT_EQ(diags.size(), 1u);
}

// --------------------------------------------------------- poetry.lock -----

TEST(PoetryLock, Poetry1CategoriesAndEdges) {
  auto s = scan_files(fixture_tree("poetry-v1", "proj/"));
  const Application* app = find_app(s.inventory, "proj/poetry.lock");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->type, "poetry");
  const auto& pkgs = app->packages;
  EXPECT_EQ(pkgs.size(), 9u);
  EXPECT_EQ(dev_names(pkgs), (std::set<std::string>{"colorama", "iniconfig", "pytest"}));
  // tomli is not locked: no edge. Both urllib3 releases are linked.
  EXPECT_EQ(deps_of(pkgs, "pytest"), (std::set<std::string>{"colorama@0.4.6", "iniconfig@2.0.0"}));
  EXPECT_EQ(deps_of(pkgs, "requests"), (std::set<std::string>{"certifi@2023.7.22", "charset-normalizer@3.3.2",
                                                               "idna@3.4", "urllib3@1.26.18", "urllib3@2.0.7"}));
  for (const auto& p : pkgs) EXPECT_EQ(p.relationship, Relationship::kUnknown);
  EXPECT_EQ(find(pkgs, "certifi")->location.line, 1);
  EXPECT_TRUE(s.diagnostics.empty()) << diag_list(s.diagnostics);
}

TEST(PoetryLock, Poetry2Groups) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse_poetry_lock(fixture_text("poetry-v2/poetry.lock"), "poetry.lock", diags);
  EXPECT_TRUE(diags.empty()) << diag_list(diags);
  EXPECT_EQ(pkgs.size(), 10u);
  // Only in a group other than main: development. In main and dev: not.
  EXPECT_EQ(dev_names(pkgs), (std::set<std::string>{"mypy", "typing-extensions"}));
  EXPECT_EQ(deps_of(pkgs, "flask"), (std::set<std::string>{"blinker@1.7.0", "click@8.1.7", "itsdangerous@2.1.2",
                                                            "jinja2@3.1.2", "werkzeug@3.0.1"}));
  EXPECT_EQ(deps_of(pkgs, "werkzeug"), std::set<std::string>{"markupsafe@2.1.3"});
}

TEST(PoetryLock, BadTomlIsAWarningWithToml_ppsLine) {
  auto s = scan_files(fixture_tree("bad", "x/"));
  std::vector<std::string> got;
  for (const auto& d : s.diagnostics)
    if (d.location.path == "x/poetry.lock") got.push_back(std::to_string(d.location.line) + " " + d.message);
  ASSERT_EQ(got.size(), 1u) << diag_list(s.diagnostics);
  EXPECT_TRUE(starts_with(got[0], "7 poetry.lock is not valid TOML (line 7")) << got[0];
  EXPECT_EQ(find_app(s.inventory, "x/poetry.lock"), nullptr);

  std::vector<Diagnostic> diags;
  EXPECT_TRUE(parse_poetry_lock("package = 3\n", "poetry.lock", diags).empty());
  EXPECT_EQ(diags.size(), 1u);
  diags.clear();
  auto pkgs = parse_poetry_lock("package = [1]\n[[other]]\n", "poetry.lock", diags);
  EXPECT_TRUE(pkgs.empty());
  EXPECT_EQ(diags.size(), 1u);
  diags.clear();
  EXPECT_TRUE(parse_poetry_lock("", "poetry.lock", diags).empty());
  EXPECT_TRUE(diags.empty());
}

// ------------------------------------------------------------ uv.lock -----

TEST(UvLock, RootDirectTransitiveAndDev) {
  auto s = scan_files(fixture_tree("uv", "proj/"));
  const Application* app = find_app(s.inventory, "proj/uv.lock");
  ASSERT_NE(app, nullptr);
  EXPECT_EQ(app->type, "uv");
  EXPECT_TRUE(s.diagnostics.empty()) << diag_list(s.diagnostics);
  const auto& pkgs = app->packages;
  EXPECT_EQ(pkgs.size(), 17u);
  std::map<Relationship, std::set<std::string>> by_rel;
  for (const auto& p : pkgs) by_rel[p.relationship].insert(p.name + "@" + p.version);
  EXPECT_EQ(by_rel[Relationship::kRoot], std::set<std::string>{"myapp@0.1.0"});
  EXPECT_EQ(by_rel[Relationship::kDirect], (std::set<std::string>{"httpx@0.26.0", "numpy@1.24.4", "numpy@1.26.3",
                                                                  "packaging@23.2", "orjson@3.9.10", "pytest@7.4.4"}));
  EXPECT_EQ(by_rel[Relationship::kTransitive],
            (std::set<std::string>{"anyio@4.2.0", "certifi@2023.11.17", "exceptiongroup@1.2.0", "idna@3.6",
                                   "iniconfig@2.0.0", "pluggy@1.3.0", "sniffio@1.3.0", "socksio@1.0.0",
                                   "tomli@2.0.1"}));
  EXPECT_EQ(by_rel[Relationship::kUnknown], std::set<std::string>{"unused@0.1.0"});
  // Only through the dev group: pytest and what only it needs. exceptiongroup
  // and packaging are also needed at run time.
  EXPECT_EQ(dev_names(pkgs), (std::set<std::string>{"pytest", "iniconfig", "pluggy", "tomli"}));
  EXPECT_EQ(deps_of(pkgs, "myapp"), (std::set<std::string>{"httpx@0.26.0", "numpy@1.24.4", "numpy@1.26.3",
                                                            "packaging@23.2", "orjson@3.9.10", "pytest@7.4.4"}));
  EXPECT_EQ(deps_of(pkgs, "httpx"), (std::set<std::string>{"anyio@4.2.0", "certifi@2023.11.17", "idna@3.6",
                                                            "socksio@1.0.0"}));
}

TEST(UvLock, WithoutARootRelationshipsAreUnknown) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse_uv_lock(R"(version = 1
[[package]]
name = "a"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
dependencies = [{ name = "b" }]
[[package]]
name = "b"
version = "2.0"
source = { registry = "https://pypi.org/simple" }
)",
                            "uv.lock", diags);
  ASSERT_EQ(pkgs.size(), 2u);
  for (const auto& p : pkgs) {
    EXPECT_EQ(p.relationship, Relationship::kUnknown);
    EXPECT_FALSE(p.dev);
  }
  EXPECT_EQ(deps_of(pkgs, "a"), std::set<std::string>{"b@2.0"});
  // A root with a dynamic version is not listed, but still makes its dependencies direct.
  pkgs = parse_uv_lock(R"(
[[package]]
name = "proj"
source = { virtual = "." }
dependencies = [{ name = "b" }]
[[package]]
name = "b"
version = "2.0"
source = { registry = "https://pypi.org/simple" }
)",
                       "uv.lock", diags);
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_EQ(pkgs[0].relationship, Relationship::kDirect);
  EXPECT_TRUE(diags.empty()) << diag_list(diags);
}

TEST(UvLock, BadEntriesAreWarnings) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse_uv_lock(fixture_text("bad/uv.lock"), "uv.lock", diags);
  EXPECT_EQ(name_versions(pkgs), (std::set<std::string>{"anyio@4.2.0", "idna@3.6"}));
  std::vector<int> lines;
  for (const auto& d : diags) lines.push_back(d.location.line);
  EXPECT_EQ(lines, (std::vector<int>{8, 12, 18})) << diag_list(diags);

  diags.clear();
  EXPECT_TRUE(parse_uv_lock("[[package]\nname = 'x'\n", "uv.lock", diags).empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.line, 1);
}

}  // namespace
}  // namespace bulwark::catalog
