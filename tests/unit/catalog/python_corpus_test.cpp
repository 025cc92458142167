// The Python analyzers against real inputs and against Python's own readers:
//  - every Python input of the shared corpus (Trivy's and osv-scalibr's parser
//    test data, terragoat) is read without error, and what Bulwark reads equals
//    what pip, json, tomllib and the email parser read from the same file
//    (tests/tools/python_reference.py, run with Debian's /usr/bin/python3);
//  - every distribution installed under /usr/lib/python3/dist-packages by
//    Debian's python3-* packages has the name, version and dependencies
//    importlib.metadata reports.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <iostream>
#include <map>
#include <set>

#include "catalog/lang/lang.hpp"
#include "scan/scan.hpp"
#include "testing/testing.hpp"

namespace bulwark::catalog {
namespace {
namespace fs = std::filesystem;

constexpr const char* kPython = "/usr/bin/python3";

std::string reference_script() {
  return (fs::path(BULWARK_SOURCE_DIR) / "tests" / "tools" / "python_reference.py").string();
}

// Runs the reference reader; fails the test when it cannot run.
nlohmann::json reference(const std::string& mode, const std::vector<std::string>& args) {
  std::vector<std::string> argv{kPython, reference_script(), mode};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = bulwark::testing::run(argv);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return nlohmann::json::object();
  return nlohmann::json::parse(r.out);
}

bool have_reference_python() {
  auto r = bulwark::testing::run({kPython, "-c", "import pip, packaging, tomllib"});
  return r.exit_code == 0;
}

#define REQUIRE_REFERENCE_PYTHON()                                                                          \
  do {                                                                                                      \
    if (!have_reference_python())                                                                           \
      GTEST_SKIP() << kPython << " with pip and packaging (python3-pip, python3-packaging) is not installed"; \
  } while (0)

// Regular files under the corpus directories given (relative to inputs/).
std::vector<std::string> corpus_files(const std::vector<std::string>& rels) {
  std::vector<std::string> out;
  fs::path inputs = bulwark::testing::corpus_dir() / "inputs";
  for (const auto& rel : rels) {
    fs::path p = inputs / rel;
    if (fs::is_regular_file(p)) {
      out.push_back(p.string());
    } else if (fs::is_directory(p)) {
      for (const auto& e : fs::directory_iterator(p))
        if (e.is_regular_file()) out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string diag_list(const std::vector<Diagnostic>& diags) {
  std::string s;
  for (const auto& d : diags) s += d.location.path + ":" + std::to_string(d.location.line) + ": " + d.message + "\n";
  return s;
}

const std::string kTrivy = "trivy/pkg/dependency/parser/python/";
const std::string kScalibr = "osv-scalibr/extractor/filesystem/language/python/";

TEST(PythonCorpus, RequirementsFilesReadAsPipReadsThem) {
  BULWARK_REQUIRE_CORPUS();
  REQUIRE_REFERENCE_PYTHON();
  auto files = corpus_files({kTrivy + "pip/testdata", kScalibr + "requirements/testdata",
                             "terragoat/packages/requirements.txt", "terragoat/packages/sub/.hidden/requirements.txt"});
  ASSERT_GE(files.size(), 20u);
  auto ref = reference("requirements", files);
  // Where Bulwark reads a line differently from pip, on purpose: a '#' right
  // after a version starts a comment (pip rejects "Jinja2==3.0.0#comment";
  // Trivy and Bulwark read Jinja2 3.0.0).
  const std::set<std::string> deliberate{"requirements_comments.txt:6"};
  int compared = 0, pins = 0, refused = 0;
  for (const auto& f : files) {
    SCOPED_TRACE(f);
    std::vector<Diagnostic> diags;
    auto pkgs = parse_requirements_txt(bulwark::testing::read_file(f), f, diags);
    for (const auto& d : diags) EXPECT_EQ(d.location.path, f);
    const auto& r = ref[f];
    if (r.contains("error")) {
      // pip refuses the whole file (an option this pip does not know).
      ++refused;
      continue;
    }
    std::string base = fs::path(f).filename().string();
    std::set<std::string> want, got;
    std::set<int> want_bad, got_bad;
    for (const auto& p : r["pins"]) {
      std::string key = base + ":" + std::to_string(p["line"].get<int>());
      if (!deliberate.count(key))
        want.insert(p["name"].get<std::string>() + "@" + p["version"].get<std::string>() + ":" + std::to_string(p["line"].get<int>()));
    }
    for (const auto& l : r["invalid"])
      if (!deliberate.count(base + ":" + std::to_string(l.get<int>()))) want_bad.insert(l.get<int>());
    for (const auto& p : pkgs)
      if (!deliberate.count(base + ":" + std::to_string(p.location.line)))
        got.insert(p.name + "@" + p.version + ":" + std::to_string(p.location.line));
    for (const auto& d : diags) got_bad.insert(d.location.line);
    EXPECT_EQ(got, want);
    EXPECT_EQ(got_bad, want_bad) << diag_list(diags);
    ++compared;
    pins += static_cast<int>(want.size());
  }
  EXPECT_GE(compared, 20);
  EXPECT_GE(pins, 40);
  std::cout << "[ corpus   ] requirements: " << files.size() << " files, " << compared << " compared with pip ("
            << pins << " pins), " << refused << " refused by pip\n";
}

// Lockfiles: the packages Bulwark lists are those Python's json/tomllib
// readers find with a name and a pinned version; a file Python cannot read is
// a warning, never an error or a crash.
void check_lockfiles(const std::string& mode, const std::vector<std::string>& files,
                     std::vector<Package> (*parse)(std::string_view, const std::string&, std::vector<Diagnostic>&),
                     const std::set<std::string>& expected_warnings) {
  auto ref = reference(mode, files);
  int packages = 0;
  for (const auto& f : files) {
    SCOPED_TRACE(f);
    std::vector<Diagnostic> diags;
    auto pkgs = parse(bulwark::testing::read_file(f), f, diags);
    for (const auto& d : diags) EXPECT_EQ(d.location.path, f);
    std::string base = fs::path(f).filename().string();
    const auto& r = ref[f];
    if (r.contains("error")) {
      EXPECT_TRUE(pkgs.empty());
      EXPECT_FALSE(diags.empty()) << "Python cannot read it: " << r["error"];
      for (const auto& d : diags) EXPECT_GT(d.location.line, 0) << d.message;
      continue;
    }
    EXPECT_EQ(!diags.empty(), expected_warnings.count(base) > 0) << diag_list(diags);
    std::map<std::string, bool> want, got;
    for (const auto& p : r["packages"]) want[p["id"].get<std::string>()] = p.value("dev", false);
    for (const auto& p : pkgs) {
      EXPECT_EQ(p.ecosystem, "pypi");
      EXPECT_EQ(p.id, make_package_id(p));
      got[p.name + "@" + p.version] = mode == "pipfile" ? p.dev : false;
      for (const auto& d : p.depends_on) {
        bool found = false;
        for (const auto& q : pkgs) found = found || q.id == d;
        EXPECT_TRUE(found) << p.id << " -> " << d;
      }
    }
    EXPECT_EQ(got, want);
    packages += static_cast<int>(want.size());
  }
  std::cout << "[ corpus   ] " << mode << ": " << files.size() << " files, " << packages
            << " packages equal to Python's reading\n";
}

TEST(PythonCorpus, PipfileLocks) {
  BULWARK_REQUIRE_CORPUS();
  REQUIRE_REFERENCE_PYTHON();
  auto files = corpus_files({kTrivy + "pipenv/testdata", kScalibr + "pipfilelock/testdata"});
  ASSERT_GE(files.size(), 10u);
  check_lockfiles("pipfile", files, parse_pipfile_lock, {});
}

TEST(PythonCorpus, PoetryLocks) {
  BULWARK_REQUIRE_CORPUS();
  REQUIRE_REFERENCE_PYTHON();
  auto files = corpus_files({kTrivy + "poetry/testdata", kScalibr + "poetrylock/testdata"});
  ASSERT_GE(files.size(), 10u);
  check_lockfiles("poetry", files, parse_poetry_lock, {});
}

TEST(PythonCorpus, UvLocks) {
  BULWARK_REQUIRE_CORPUS();
  REQUIRE_REFERENCE_PYTHON();
  auto files = corpus_files({kTrivy + "uv/testdata", kScalibr + "uvlock/testdata"});
  ASSERT_GE(files.size(), 10u);
  check_lockfiles("uv", files, parse_uv_lock, {});
}

TEST(PythonCorpus, UvLockRelationshipsOnTrivysNormalLock) {
  BULWARK_REQUIRE_CORPUS();
  // A real uv lock of a project "normal": dependencies httpx[socks] and
  // requests, extra "json" (orjson), dev group "dev" (pytest).
  std::string f = (bulwark::testing::corpus_dir() / "inputs" / kTrivy / "uv/testdata/uv_normal.lock").string();
  std::vector<Diagnostic> diags;
  auto pkgs = parse_uv_lock(bulwark::testing::read_file(f), f, diags);
  EXPECT_TRUE(diags.empty()) << diag_list(diags);
  std::map<std::string, std::pair<Relationship, bool>> got;
  for (const auto& p : pkgs) got[p.name] = {p.relationship, p.dev};
  EXPECT_EQ(got["normal"], std::make_pair(Relationship::kRoot, false));
  for (const char* n : {"httpx", "requests", "orjson"}) EXPECT_EQ(got[n], std::make_pair(Relationship::kDirect, false)) << n;
  EXPECT_EQ(got["pytest"], std::make_pair(Relationship::kDirect, true));
  for (const char* n : {"socksio", "anyio", "certifi", "idna", "urllib3", "sniffio"})
    EXPECT_EQ(got[n], std::make_pair(Relationship::kTransitive, false)) << n;
  for (const char* n : {"iniconfig", "pluggy", "colorama"})
    EXPECT_EQ(got[n], std::make_pair(Relationship::kTransitive, true)) << n;
}

TEST(PythonCorpus, InstalledMetadataAsTheEmailParserReadsIt) {
  BULWARK_REQUIRE_CORPUS();
  REQUIRE_REFERENCE_PYTHON();
  auto files = corpus_files({kTrivy + "packaging/testdata", "terragoat/packages/sub/METADATA"});
  ASSERT_GE(files.size(), 10u);
  auto ref = reference("metadata", files);
  int read = 0;
  for (const auto& f : files) {
    SCOPED_TRACE(f);
    std::vector<Diagnostic> diags;
    auto p = parse_python_metadata(bulwark::testing::read_file(f), f, diags);
    const auto& r = ref[f];
    if (r["name"].is_null() || r["version"].is_null()) {
      EXPECT_FALSE(p);
      EXPECT_EQ(diags.size(), 1u);
      continue;
    }
    ASSERT_TRUE(p) << diag_list(diags);
    EXPECT_TRUE(diags.empty()) << diag_list(diags);
    EXPECT_EQ(p->name, std::string(trim(r["name"].get<std::string>())));
    EXPECT_EQ(p->version, std::string(trim(r["version"].get<std::string>())));
    ++read;
  }
  EXPECT_GE(read, 10);
  std::cout << "[ corpus   ] metadata: " << read << " of " << files.size() << " files equal to the email parser\n";
}

// Debian's python3-* packages, through the real scan pipeline (directory walk,
// wants, analyze, contribute), against importlib.metadata.
TEST(PythonDist, DebianDistPackagesMatchImportlibMetadata) {
  const fs::path dir = "/usr/lib/python3/dist-packages";
  if (!fs::is_directory(dir)) GTEST_SKIP() << dir << " is absent";
  REQUIRE_REFERENCE_PYTHON();
  auto ref = reference("dist", {dir.string()});
  ASSERT_TRUE(ref.is_array());
  ASSERT_GE(ref.size(), 10u) << "too few Python packages installed for a meaningful check";

  // Parser: each metadata file on its own.
  std::map<std::string, std::set<std::string>> want_deps;  // name@version -> dependency names installed here
  std::set<std::string> installed;
  for (const auto& d : ref) installed.insert(pep503_normalize(d["name"].get<std::string>()));
  for (const auto& d : ref) {
    std::string rel = d["path"];
    SCOPED_TRACE(rel);
    std::vector<Diagnostic> diags;
    auto p = parse_python_metadata(bulwark::testing::read_file(dir / rel), rel, diags);
    ASSERT_TRUE(p) << diag_list(diags);
    EXPECT_EQ(p->name, d["name"].get<std::string>());
    EXPECT_EQ(p->version, d["version"].get<std::string>());
    auto& deps = want_deps[p->name + "@" + p->version];
    for (const auto& n : d["deps"])
      if (installed.count(n.get<std::string>())) deps.insert(n.get<std::string>());
  }

  // Pipeline: one application for the directory, edges resolved in it.
  scan::Request req;
  req.kind = TargetKind::kFilesystem;
  req.target = dir.string();
  req.artifact.use_cache = false;
  auto report = scan::run(req);
  ASSERT_TRUE(report) << report.error().message;
  const Application* app = nullptr;
  for (const auto& a : report->inventory.applications)
    if (a.type == "python-pkg" && a.path.empty()) app = &a;
  ASSERT_NE(app, nullptr);
  std::map<std::string, std::set<std::string>> got_deps;
  for (const auto& p : app->packages) {
    auto& deps = got_deps[p.name + "@" + p.version];
    for (const auto& id : p.depends_on)
      for (const auto& q : app->packages)
        if (q.id == id) deps.insert(pep503_normalize(q.name));
  }
  EXPECT_EQ(got_deps, want_deps);
  int edges = 0;
  for (const auto& [k, v] : want_deps) edges += static_cast<int>(v.size());
  for (const auto& d : report->diagnostics)
    EXPECT_FALSE(ends_with(d.location.path, "METADATA") || ends_with(d.location.path, "PKG-INFO") ||
                 ends_with(d.location.path, ".egg-info") || ends_with(d.location.path, "requires.txt"))
        << d.location.path << ": " << d.message;
  std::cout << "[ debian   ] " << ref.size() << " distributions in " << dir << " (" << want_deps.size()
            << " distinct name@version, " << edges << " dependency edges) equal to importlib.metadata\n";
}

}  // namespace
}  // namespace bulwark::catalog
