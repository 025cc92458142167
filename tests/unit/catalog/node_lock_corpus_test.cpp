// Every npm, Yarn and pnpm lockfile of the shared corpus (Trivy's and
// osv-scalibr's test data, terragoat) parses into a well-formed graph, with
// warnings only where a file is broken on purpose; counts spot-checked against
// independent tallies (Python's json/yaml over the same files).
#include <gtest/gtest.h>

#include <filesystem>
#include <map>

#include "node_lock_testing.hpp"

namespace bulwark::catalog {
namespace {
namespace fs = std::filesystem;
using bulwark::testing::corpus_dir;
using bulwark::testing::read_file;

enum class Kind { kNpm, kYarn, kPnpm };

std::optional<Kind> kind_of(const fs::path& p) {
  std::string s = p.generic_string();
  std::string base = p.filename().string();
  if (s.find("/nodejs/npm/testdata/") != std::string::npos || s.find("/packagelockjson/testdata/") != std::string::npos ||
      base == "package-lock.json" || base == "npm-shrinkwrap.json")
    return Kind::kNpm;
  if (s.find("/nodejs/yarn/testdata/") != std::string::npos || s.find("/yarnlock/testdata/") != std::string::npos ||
      base == "yarn.lock")
    return Kind::kYarn;
  if (s.find("/nodejs/pnpm/testdata/") != std::string::npos || s.find("/pnpmlock/testdata/") != std::string::npos ||
      base == "pnpm-lock.yaml")
    return Kind::kPnpm;
  return std::nullopt;
}

struct Parsed {
  std::vector<Package> pkgs;
  std::vector<Diagnostic> diags;
};

Parsed parse(Kind k, const fs::path& file) {
  Parsed r;
  std::string text = read_file(file);
  std::string path = file.generic_string();
  switch (k) {
    case Kind::kNpm: r.pkgs = parse_package_lock(text, path, r.diags); break;
    case Kind::kYarn: r.pkgs = parse_yarn_lock(text, path, r.diags); break;
    case Kind::kPnpm: r.pkgs = parse_pnpm_lock(text, path, r.diags); break;
  }
  return r;
}

fs::path inputs() { return corpus_dir() / "inputs"; }

TEST(NodeLockCorpus, EveryLockfileParses) {
  BULWARK_REQUIRE_CORPUS();
  // Files broken on purpose, and how many warnings each deserves.
  const std::map<std::string, size_t> expected_warnings = {
      {"not-json.txt", 1},             // not JSON at all
      {"null.v2.jsontest", 1},         // "null"
      {"commits.v2.json", 1},          // a git dependency without a version
      {"empty.yaml", 1},               // an empty pnpm lockfile
      {"not-yaml.txt", 1},
      {"exotic.yaml", 2},              // keys that name no version: github.com/kevva/is-positive, /foo/bar
      {"files.yaml", 1},               // a file: package without a name
      {"invalid-path.yaml", 1},
      {"invalid-paths.yaml", 2},
  };
  size_t files = 0, packages = 0;
  for (const auto& e : fs::recursive_directory_iterator(inputs())) {
    if (!e.is_regular_file() || e.path().generic_string().find("/go-rpmdb/") != std::string::npos) continue;
    auto k = kind_of(e.path());
    if (!k) continue;
    ++files;
    auto r = parse(*k, e.path());
    testing::expect_well_formed(r.pkgs, r.diags, e.path().generic_string());
    auto it = expected_warnings.find(e.path().filename().string());
    size_t want = it == expected_warnings.end() ? 0 : it->second;
    EXPECT_EQ(r.diags.size(), want) << e.path() << "\n" << testing::all_messages(r.diags);
    packages += r.pkgs.size();
  }
  // Trivy's and osv-scalibr's test data plus terragoat's three lockfiles.
  EXPECT_GE(files, 90u);
  EXPECT_GE(packages, 2500u);
}

size_t count_dev(const std::vector<Package>& pkgs) {
  return static_cast<size_t>(std::count_if(pkgs.begin(), pkgs.end(), [](const Package& p) { return p.dev; }));
}

TEST(NodeLockCorpus, CountsMatchIndependentTallies) {
  BULWARK_REQUIRE_CORPUS();
  struct Check {
    Kind kind;
    const char* rel;
    size_t packages;
    size_t dev;
  };
  // Unique name@version (aliases resolved) and dev-only ones, tallied by
  // short Python scripts with json.load / yaml.safe_load.
  const Check checks[] = {
      {Kind::kNpm, "terragoat/packages/node/base/package-lock.json", 2043, 913},  // version 1, 1673 top-level
      {Kind::kNpm, "terragoat/package-lock.json", 115, 0},
      {Kind::kNpm, "trivy/pkg/dependency/parser/nodejs/npm/testdata/package-lock_v3.json", 32, 2},
      {Kind::kPnpm, "trivy/pkg/dependency/parser/nodejs/pnpm/testdata/pnpm-lock_many.yaml", 134, 78},
      {Kind::kPnpm, "trivy/pkg/dependency/parser/nodejs/pnpm/testdata/pnpm-lock_v6_with_dev.yaml", 85, 79},
      {Kind::kPnpm, "trivy/pkg/dependency/parser/nodejs/pnpm/testdata/pnpm-lock_v9.yaml", 22, 3},
      {Kind::kYarn, "trivy/pkg/dependency/parser/nodejs/yarn/testdata/yarn_happy.lock", 18, 0},
      {Kind::kYarn, "trivy/pkg/dependency/parser/nodejs/yarn/testdata/yarn_v2_happy.lock", 17, 0},
  };
  for (const auto& c : checks) {
    auto r = parse(c.kind, inputs() / c.rel);
    EXPECT_EQ(r.pkgs.size(), c.packages) << c.rel;
    EXPECT_EQ(count_dev(r.pkgs), c.dev) << c.rel;
  }
}

// Trivy's v1, v2 and v3 files hold the same project written by different npm
// versions: the same packages, and even version 1's inferred direct set
// agrees with what version 3 records.
TEST(NodeLockCorpus, LockfileVersionsOfOneProjectAgree) {
  BULWARK_REQUIRE_CORPUS();
  auto dir = inputs() / "trivy/pkg/dependency/parser/nodejs/npm/testdata";
  auto v1 = parse(Kind::kNpm, dir / "package-lock_v1.json");
  auto v2 = parse(Kind::kNpm, dir / "package-lock_v2.json");
  auto v3 = parse(Kind::kNpm, dir / "package-lock_v3.json");
  auto ids = [](const Parsed& r, bool direct_only) {
    std::set<std::string> out;
    for (const auto& p : r.pkgs)
      if (!direct_only || p.relationship == Relationship::kDirect) out.insert(p.id + (p.dev ? " dev" : ""));
    return out;
  };
  EXPECT_EQ(ids(v1, false), ids(v3, false));
  EXPECT_EQ(ids(v2, false), ids(v3, false));
  EXPECT_EQ(ids(v2, true), ids(v3, true));
  EXPECT_EQ(ids(v1, true), ids(v3, true));
  EXPECT_EQ(ids(v3, true).size(), 6u);
  EXPECT_EQ(testing::describe(v2.pkgs), testing::describe(v3.pkgs));
}

}  // namespace
}  // namespace bulwark::catalog
