// Cargo.lock: lockfile versions 1 ([root], "name version (source)") to 4,
// dependency entries in all three forms, the same crate from two sources,
// relationships, warnings with lines; a lockfile written by cargo itself
// (offline, crates from a local directory source) checked against
// `cargo metadata`; the corpus lockfiles.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
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

// name@version -> the name@version of its dependencies.
std::map<std::string, std::set<std::string>> graph(const std::vector<Package>& pkgs) {
  std::map<std::string, std::string> by_id;
  for (const auto& p : pkgs) by_id[p.id] = p.name + "@" + p.version;
  std::map<std::string, std::set<std::string>> out;
  for (const auto& p : pkgs) {
    auto& deps = out[p.name + "@" + p.version];
    for (const auto& d : p.depends_on) {
      EXPECT_TRUE(by_id.count(d)) << "dangling edge " << d;
      deps.insert(by_id[d]);
    }
  }
  return out;
}

TEST(CargoLock, Version1WithRootTableAndSourcedEntries) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse_cargo_lock(read_file(fixture("lang/rust/v1-root/Cargo.lock")), "Cargo.lock", diags);
  EXPECT_TRUE(diags.empty()) << diags[0].message;
  EXPECT_EQ(relationships(pkgs), (std::map<std::string, Relationship>{{"legacy-app@0.3.0", Relationship::kRoot},
                                                                      {"itoa@0.3.4", Relationship::kDirect},
                                                                      {"serde@1.0.8", Relationship::kDirect}}));
  EXPECT_EQ(graph(pkgs), (std::map<std::string, std::set<std::string>>{
                             {"legacy-app@0.3.0", {"itoa@0.3.4", "serde@1.0.8"}},
                             {"itoa@0.3.4", {}},
                             {"serde@1.0.8", {"itoa@0.3.4"}}}));
}

TEST(CargoLock, Version3WithTwoSourcesOfOneCrateAndWorkspaceMembers) {
  const std::string path = "ws/Cargo.lock";
  std::vector<Diagnostic> diags;
  auto pkgs = parse_cargo_lock(read_file(fixture("lang/rust/v3-sources/Cargo.lock")), path, diags);
  EXPECT_TRUE(diags.empty()) << diags[0].message;
  using R = Relationship;
  // log 0.4.20 from crates.io and from git is one package to a scanner.
  EXPECT_EQ(relationships(pkgs), (std::map<std::string, Relationship>{{"cli@1.0.0", R::kRoot},
                                                                      {"core-lib@1.0.0", R::kRoot},
                                                                      {"log@0.3.9", R::kDirect},
                                                                      {"log@0.4.20", R::kDirect},
                                                                      {"rand@0.8.5", R::kDirect},
                                                                      {"rand_core@0.6.4", R::kTransitive}}));
  EXPECT_EQ(graph(pkgs), (std::map<std::string, std::set<std::string>>{
                             {"cli@1.0.0", {"core-lib@1.0.0", "log@0.4.20", "rand@0.8.5"}},
                             {"core-lib@1.0.0", {"log@0.4.20", "log@0.3.9"}},
                             {"log@0.3.9", {"log@0.4.20"}},
                             {"log@0.4.20", {}},
                             {"rand@0.8.5", {"rand_core@0.6.4"}},
                             {"rand_core@0.6.4", {}}}));
  for (const auto& p : pkgs) {
    EXPECT_EQ(p.ecosystem, "cargo");
    EXPECT_EQ(p.location.path, path);
    EXPECT_EQ(p.id, make_package_id(p));
    EXPECT_FALSE(p.dev);
  }
  EXPECT_EQ(testing::find_package(pkgs, "rand")->location.line, 42);
}

TEST(CargoLock, ProblemsAreWarningsWithLines) {
  const std::string path = "Cargo.lock";
  std::vector<Diagnostic> diags;
  auto pkgs = parse_cargo_lock(read_file(fixture("lang/rust/malformed/Cargo.lock")), path, diags);
  std::map<int, std::string> by_line;
  for (const auto& d : diags) {
    EXPECT_EQ(d.location.path, path);
    by_line[d.location.line] += d.message + ";";
  }
  std::set<int> lines;
  for (const auto& [l, m] : by_line) lines.insert(l);
  EXPECT_EQ(lines, (std::set<int>{7, 8, 9, 13, 31})) << ::testing::PrintToString(by_line);
  EXPECT_NE(by_line[7].find("names no package"), std::string::npos);
  EXPECT_NE(by_line[8].find("several"), std::string::npos);
  EXPECT_NE(by_line[31].find("not an array"), std::string::npos);
  EXPECT_EQ(relationships(pkgs), (std::map<std::string, Relationship>{{"app@0.1.0", Relationship::kRoot},
                                                                      {"dup@1.0.0", Relationship::kTransitive},
                                                                      {"dup@2.0.0", Relationship::kTransitive},
                                                                      {"ok@1.0.0", Relationship::kDirect}}));

  diags.clear();
  EXPECT_TRUE(parse_cargo_lock(read_file(fixture("lang/rust/bad-toml/Cargo.lock")), path, diags).empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.line, 8);
  EXPECT_NE(diags[0].message.find("TOML"), std::string::npos);

  // Not UTF-8, a package that is not a table, an empty file.
  diags.clear();
  EXPECT_TRUE(parse_cargo_lock("name = \"\xff\xfe\"\n", path, diags).empty());
  EXPECT_EQ(diags.size(), 1u);
  diags.clear();
  EXPECT_TRUE(parse_cargo_lock("package = [1, 2]\n", path, diags).empty());
  EXPECT_EQ(diags.size(), 2u);
  diags.clear();
  EXPECT_TRUE(parse_cargo_lock("", path, diags).empty());
  EXPECT_TRUE(diags.empty());
}

TEST(CargoLock, WithoutLocalPackagesRelationshipsAreUnknown) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse_cargo_lock(
      "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n"
      "dependencies = [\"b\"]\n\n[[package]]\nname = \"b\"\nversion = \"2.0.0\"\n"
      "source = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
      "Cargo.lock", diags);
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(relationships(pkgs), (std::map<std::string, Relationship>{{"a@1.0.0", Relationship::kUnknown},
                                                                      {"b@2.0.0", Relationship::kUnknown}}));
  EXPECT_EQ(graph(pkgs)["a@1.0.0"], std::set<std::string>{"b@2.0.0"});
}

// Which paths it wants: format_analyzers_test.cpp.
TEST(CargoLock, AnalyzerMakesACargoApplication) {
  auto s = testing::scan_files({{"ws/Cargo.lock", read_file(fixture("lang/rust/v3-sources/Cargo.lock"))}});
  ASSERT_EQ(s.inventory.applications.size(), 1u);
  EXPECT_EQ(s.inventory.applications[0].type, "cargo");
  const Package* rand = testing::find_package(s.inventory.applications[0].packages, "rand");
  ASSERT_NE(rand, nullptr);
  EXPECT_EQ(rand->purl, "pkg:cargo/rand@0.8.5");
}

// ------------------------------------------------------------ against cargo

// A workspace (two members, a path dependency, normal, dev- and build-
// dependencies, two versions of one crate) locked by cargo itself, offline:
// crates.io is replaced by a local directory source of small crates written
// here. Every package and edge must be what `cargo metadata` resolves.
TEST(CargoLock, MatchesCargoMetadataOnALockfileCargoWrote) {
  std::string cargo = testing::find_cargo();
  if (cargo.empty()) GTEST_SKIP() << "cargo is not installed";
  bulwark::testing::TempDir dir;
  auto write = [&](const std::string& rel, const std::string& text) {
    fs::create_directories((dir / rel).parent_path());
    bulwark::testing::write_file(dir / rel, text);
  };
  auto crate = [&](const std::string& name, const std::string& version, const std::string& deps) {
    std::string d = "vendor/" + name + "-" + version;
    write(d + "/Cargo.toml", "[package]\nname = \"" + name + "\"\nversion = \"" + version +
                                 "\"\nedition = \"2021\"\n\n[dependencies]\n" + deps + "\n");
    write(d + "/src/lib.rs", "pub fn f() {}\n");
    // A directory source wants a checksum file; the package checksum is any
    // hex string for a crate that was never downloaded.
    write(d + "/.cargo-checksum.json",
          "{\"files\":{},\"package\":\"" + sha256_hex(name + "-" + version) + "\"}");
  };
  crate("leaf", "1.0.0", "");
  crate("leaf", "2.0.0", "");
  crate("mid", "0.3.1", "leaf = \"1\"");
  crate("other", "0.1.0", "leaf = \"2\"");
  write("ws/.cargo/config.toml", "[source.crates-io]\nreplace-with = \"vendored\"\n[source.vendored]\ndirectory = \"" +
                                     (dir / "vendor").string() + "\"\n[net]\noffline = true\n");
  write("ws/Cargo.toml", "[workspace]\nmembers = [\"app\", \"util\"]\nresolver = \"2\"\n");
  write("ws/app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n[dependencies]\nmid = \"0.3\"\n"
        "util = { path = \"../util\" }\npathdep = { path = \"../pathdep\" }\n[dev-dependencies]\nother = \"0.1\"\n"
        "[build-dependencies]\nleaf = \"2\"\n");
  write("ws/app/src/main.rs", "fn main() {}\n");
  write("ws/util/Cargo.toml", "[package]\nname = \"util\"\nversion = \"0.2.0\"\nedition = \"2021\"\n[dependencies]\nleaf = \"1\"\n");
  write("ws/util/src/lib.rs", "pub fn u() {}\n");
  write("ws/pathdep/Cargo.toml", "[package]\nname = \"pathdep\"\nversion = \"0.0.1\"\nedition = \"2021\"\n");
  write("ws/pathdep/src/lib.rs", "pub fn p() {}\n");
  const std::string cd = "cd '" + (dir / "ws").string() + "' && ";
  auto lock = bulwark::testing::sh(cd + cargo + " generate-lockfile --offline 2>&1");
  if (lock.exit_code != 0) GTEST_SKIP() << "cargo could not lock offline: " << lock.out;
  auto meta = bulwark::testing::sh(cd + cargo + " metadata --format-version 1 --offline --locked 2>/dev/null");
  ASSERT_EQ(meta.exit_code, 0);
  auto j = nlohmann::json::parse(meta.out);
  std::map<std::string, std::string> nv;  // package id -> name@version
  for (const auto& p : j["packages"]) nv[p["id"]] = p["name"].get<std::string>() + "@" + p["version"].get<std::string>();
  std::map<std::string, std::set<std::string>> want;
  for (const auto& n : j["resolve"]["nodes"]) {
    auto& deps = want[nv.at(n["id"])];
    for (const auto& d : n["deps"]) deps.insert(nv.at(d["pkg"]));
  }
  ASSERT_EQ(want.size(), 7u);

  std::vector<Diagnostic> diags;
  auto pkgs = parse_cargo_lock(read_file(dir / "ws/Cargo.lock"), "Cargo.lock", diags);
  EXPECT_TRUE(diags.empty()) << diags[0].message;
  EXPECT_EQ(graph(pkgs), want);
  using R = Relationship;
  EXPECT_EQ(relationships(pkgs), (std::map<std::string, Relationship>{{"app@0.1.0", R::kRoot},
                                                                      {"util@0.2.0", R::kRoot},
                                                                      {"pathdep@0.0.1", R::kRoot},
                                                                      {"mid@0.3.1", R::kDirect},
                                                                      {"other@0.1.0", R::kDirect},
                                                                      {"leaf@1.0.0", R::kDirect},
                                                                      {"leaf@2.0.0", R::kDirect}}));
}

// Every Cargo.lock of the shared corpus parses; package counts and a few
// edges checked against the text itself.
TEST(CargoLock, CorpusLockfilesParse) {
  BULWARK_REQUIRE_CORPUS();
  std::vector<fs::path> files;
  for (const auto& e : fs::recursive_directory_iterator(bulwark::testing::corpus_dir() / "inputs")) {
    if (!e.is_regular_file()) continue;
    std::string p = e.path().string();
    if (e.path().filename() == "Cargo.lock" ||
        (p.find("/rust/") != std::string::npos && p.find("cargo") != std::string::npos &&
         (e.path().extension() == ".lock" || e.path().extension() == ".txt")))
      files.push_back(e.path());
  }
  if (files.empty()) GTEST_SKIP() << "no Cargo.lock files in the corpus";
  size_t clean = 0, packages = 0;
  for (const auto& f : files) {
    SCOPED_TRACE(f.string());
    std::string text = read_file(f);
    std::vector<Diagnostic> diags;
    auto pkgs = parse_cargo_lock(text, f.string(), diags);
    // Deliberately broken inputs: cargo_invalid.lock (truncated), not-toml.txt.
    bool broken = f.filename() == "cargo_invalid.lock" || f.filename() == "not-toml.txt";
    if (broken) {
      EXPECT_FALSE(diags.empty());
      continue;
    }
    // The osv-scalibr inputs are cut from real lockfiles and keep edges to
    // crates they left out: those are warnings, anything else is a failure.
    for (const auto& d : diags)
      EXPECT_NE(d.message.find("names no package in the file"), std::string::npos) << d.message;
    clean += 1;
    // Independent count: [[package]] headers (comment lines dropped) minus
    // those that repeat an earlier name and version (merged into one package).
    text = std::regex_replace(text, std::regex("(^|\n)[ \t]*#[^\n]*"), "");
    std::set<std::string> distinct;
    std::regex entry(R"re(\[\[package\]\]\s*\nname\s*=\s*"([^"]+)"\s*\nversion\s*=\s*"+([^"]+)"+)re");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), entry); it != std::sregex_iterator(); ++it)
      distinct.insert((*it)[1].str() + "@" + (*it)[2].str());
    EXPECT_EQ(pkgs.size(), distinct.size());
    packages += pkgs.size();
  }
  EXPECT_GE(clean, 10u);
  std::cout << "parsed " << clean << " corpus lockfiles, " << packages << " packages\n";

  // Spot checks against the text of trivy's cargo_v3.lock: the workspace
  // member "app" depends on memchr 1.0.2, regex and regex-syntax 0.5.6.
  fs::path v3 = bulwark::testing::corpus_dir() / "inputs/trivy/pkg/dependency/parser/rust/cargo/testdata/cargo_v3.lock";
  if (fs::exists(v3)) {
    std::vector<Diagnostic> diags;
    auto pkgs = parse_cargo_lock(read_file(v3), "Cargo.lock", diags);
    auto g = graph(pkgs);
    EXPECT_EQ(g["app@0.1.0"], (std::set<std::string>{"memchr@1.0.2", "regex@1.7.3", "regex-syntax@0.5.6"}));
    EXPECT_EQ(g["regex@1.7.3"], (std::set<std::string>{"aho-corasick@0.7.20", "memchr@2.5.0", "regex-syntax@0.6.29"}));
    EXPECT_EQ(relationships(pkgs)["app@0.1.0"], Relationship::kRoot);
    EXPECT_EQ(relationships(pkgs)["libc@0.2.140"], Relationship::kTransitive);
  }
}

}  // namespace
}  // namespace bulwark::catalog
