// Ruby: Bundler lockfiles (gemfile-lock) and installed gem specifications
// (gemspec), on fixtures, on the real lockfiles of the shared corpus, and
// against RubyGems' own view of the gems Debian installs.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>

#include "catalog_testing.hpp"
#include "scan/scan.hpp"
#include "testing/testing.hpp"

namespace bulwark::catalog {
namespace {
namespace fs = std::filesystem;
using testing::find_by_id;
using testing::fixture_text;
using testing::ids_of;
using testing::scan_files;

std::set<int> warning_lines(const std::vector<Diagnostic>& diags, const std::string& path) {
  std::set<int> out;
  for (const auto& d : diags) {
    EXPECT_EQ(d.location.path, path) << d.message;
    EXPECT_EQ(d.level, Diagnostic::Level::kWarning);
    out.insert(d.location.line);
  }
  return out;
}

// ------------------------------------------------------------ Gemfile.lock --

TEST(GemfileLock, ReadsEverySourceWithPlatformsChecksumsAndDirectness) {
  std::vector<Diagnostic> diags;
  std::map<std::string, std::string> facts;
  const std::string path = "app/Gemfile.lock";
  auto pkgs = parse_gemfile_lock(fixture_text("lang/ruby/Gemfile.lock"), path, diags, &facts);
  EXPECT_TRUE(diags.empty()) << diags.front().message;
  EXPECT_EQ(ids_of(pkgs), (std::set<std::string>{
                              "gem:rails-html-sanitizer@1.6.0", "gem:billing@0.1.0", "gem:concurrent-ruby@1.2.3",
                              "gem:crass@1.0.6", "gem:loofah@2.22.0", "gem:mini_portile2@2.8.5",
                              "gem:nokogiri@1.16.0", "gem:nokogiri@1.16.0:arm64-darwin",
                              "gem:nokogiri@1.16.0:x86_64-linux", "gem:racc@1.7.3", "gem:rack@2.2.8",
                              "gem:rspec@3.12.0", "gem:rspec-core@3.12.2", "gem:sqlite3@1.7.0:x86_64-linux",
                              "gem:tzinfo@2.0.6"}));
  for (const auto& p : pkgs) {
    EXPECT_EQ(p.ecosystem, "gem");
    EXPECT_EQ(p.location.path, path);
    EXPECT_GT(p.location.line, 0) << p.id;
  }

  // The platform is not part of the version; it is the arch and the purl's qualifier.
  const Package* linux = find_by_id(pkgs, "gem:nokogiri@1.16.0:x86_64-linux");
  ASSERT_NE(linux, nullptr);
  EXPECT_EQ(linux->version, "1.16.0");
  EXPECT_EQ(linux->arch, "x86_64-linux");
  EXPECT_EQ(linux->purl, "pkg:gem/nokogiri@1.16.0?platform=x86_64-linux");
  EXPECT_EQ(linux->digest, "sha256:0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9");
  EXPECT_EQ(linux->location.line, 30);
  EXPECT_TRUE(find_by_id(pkgs, "gem:nokogiri@1.16.0")->purl.empty());  // make_purl's plain form
  EXPECT_EQ(find_by_id(pkgs, "gem:crass@1.0.6")->digest,
            "sha256:dc516d8f0a5a5b8e1d7d3a9a2c2f1bd5b5ed3e2a6c8b7a0b2c3d4e5f6a7b8c9d0");
  EXPECT_TRUE(find_by_id(pkgs, "gem:rack@2.2.8")->digest.empty());  // listed without a checksum

  // DEPENDENCIES decides: "billing!" and "rails-html-sanitizer!" come from PATH and GIT.
  std::set<std::string> direct;
  for (const auto& p : pkgs) {
    if (p.relationship == Relationship::kDirect) direct.insert(p.id);
    else EXPECT_EQ(p.relationship, Relationship::kTransitive) << p.id;
  }
  EXPECT_EQ(direct, (std::set<std::string>{"gem:billing@0.1.0", "gem:rails-html-sanitizer@1.6.0",
                                           "gem:nokogiri@1.16.0", "gem:nokogiri@1.16.0:arm64-darwin",
                                           "gem:nokogiri@1.16.0:x86_64-linux", "gem:rspec@3.12.0",
                                           "gem:sqlite3@1.7.0:x86_64-linux", "gem:tzinfo@2.0.6"}));

  // A dependency names a gem, so it points at every platform variant of it.
  auto deps = [&](const std::string& id) {
    const Package* p = find_by_id(pkgs, id);
    return p ? std::set<std::string>(p->depends_on.begin(), p->depends_on.end()) : std::set<std::string>{};
  };
  EXPECT_EQ(deps("gem:loofah@2.22.0"),
            (std::set<std::string>{"gem:crass@1.0.6", "gem:nokogiri@1.16.0", "gem:nokogiri@1.16.0:arm64-darwin",
                                   "gem:nokogiri@1.16.0:x86_64-linux"}));
  EXPECT_EQ(deps("gem:nokogiri@1.16.0"), (std::set<std::string>{"gem:mini_portile2@2.8.5", "gem:racc@1.7.3"}));
  EXPECT_EQ(deps("gem:billing@0.1.0"), (std::set<std::string>{"gem:rack@2.2.8"}));
  EXPECT_EQ(deps("gem:tzinfo@2.0.6"), (std::set<std::string>{"gem:concurrent-ruby@1.2.3"}));
  EXPECT_TRUE(deps("gem:racc@1.7.3").empty());

  EXPECT_EQ(facts["platforms"], "arm64-darwin,ruby,x86_64-linux");
  EXPECT_EQ(facts["bundled_with"], "2.5.4");
  EXPECT_EQ(facts["ruby_version"], "ruby 3.2.2p53");
}

TEST(GemfileLock, MalformedLinesAreWarningsWithTheirLineNumbers) {
  std::vector<Diagnostic> diags;
  const std::string path = "Gemfile.lock";
  auto pkgs = parse_gemfile_lock(fixture_text("lang/ruby/Gemfile-malformed.lock"), path, diags);
  // nameonly (no version), "bad name", a tab, 8-space indentation, an unknown section.
  EXPECT_EQ(warning_lines(diags, path), (std::set<int>{5, 6, 8, 10, 12}));
  EXPECT_EQ(diags.size(), 5u);
  ASSERT_EQ(ids_of(pkgs), (std::set<std::string>{"gem:rack@2.2.8", "gem:rake@13.1.0"}));
  EXPECT_EQ(find_by_id(pkgs, "gem:rack@2.2.8")->relationship, Relationship::kDirect);
  EXPECT_EQ(find_by_id(pkgs, "gem:rake@13.1.0")->relationship, Relationship::kTransitive);
  // "whatever" sat in the unknown section and is not a gem of this lock.
  EXPECT_EQ(find_by_id(pkgs, "gem:whatever@1.0"), nullptr);
}

TEST(GemfileLock, WithoutDependenciesSectionRelationshipIsUnknown) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse_gemfile_lock("GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (3.0.8)\r\n", "x", diags);
  ASSERT_EQ(pkgs.size(), 1u);
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(pkgs[0].version, "3.0.8");  // CRLF line ends do not leak into the version
  EXPECT_EQ(pkgs[0].relationship, Relationship::kUnknown);
}

TEST(GemfileLock, AnalyzerReadsLockfilesButNotInsideNodeModules) {
  std::string lock = "GEM\n  specs:\n    rack (3.0.8)\n\nDEPENDENCIES\n  rack\n";
  auto s = scan_files({{"srv/app/Gemfile.lock", lock},
                       {"srv/gems-app/gems.locked", lock},
                       {"srv/app/node_modules/x/Gemfile.lock", lock},
                       {"srv/app/Gemfile", "source 'https://rubygems.org'\ngem 'rack'\n"}});
  std::set<std::string> apps;
  for (const auto& app : s.inventory.applications) {
    EXPECT_EQ(app.type, "bundler");
    ASSERT_EQ(app.packages.size(), 1u);
    EXPECT_EQ(app.packages[0].purl, "pkg:gem/rack@3.0.8");
    apps.insert(app.path);
  }
  EXPECT_EQ(apps, (std::set<std::string>{"srv/app/Gemfile.lock", "srv/gems-app/gems.locked"}));
  EXPECT_TRUE(s.diagnostics.empty());
  ASSERT_EQ(s.results["gemfile-lock"].size(), 2u);
  EXPECT_EQ(s.results["gemfile-lock"][0].facts.count("platforms"), 0u);
}

// Every Bundler lockfile of the shared corpus parses; spot checks counted
// independently from the file text (4-space spec lines, DEPENDENCIES lines).
TEST(GemfileLock, CorpusLockfilesParse) {
  BULWARK_REQUIRE_CORPUS();
  fs::path inputs = bulwark::testing::corpus_dir() / "inputs";
  std::vector<fs::path> files;
  for (const char* dir : {"trivy/pkg/dependency/parser/ruby/bundler/testdata",
                          "osv-scalibr/extractor/filesystem/language/ruby/gemfilelock/testdata"})
    if (fs::exists(inputs / dir))
      for (const auto& e : fs::directory_iterator(inputs / dir))
        if (e.is_regular_file()) files.push_back(e.path());
  ASSERT_GE(files.size(), 10u);
  size_t total = 0;
  for (const auto& f : files) {
    std::string text = bulwark::testing::read_file(f);
    std::vector<Diagnostic> diags;
    auto pkgs = parse_gemfile_lock(text, f.string(), diags);
    std::string name = f.filename().string();
    bool malformed = name == "Gemfile_malformed.lock" || name == "invalid.lock";
    if (malformed) EXPECT_FALSE(diags.empty()) << name;
    else EXPECT_TRUE(diags.empty()) << name << ": " << diags.front().message;
    // Independent count: lines "    x (v)" inside GEM/GIT/PATH sections.
    size_t specs = 0, deps = 0;
    std::istringstream in(text);
    std::string line, section;
    while (std::getline(in, line)) {
      if (!line.empty() && line[0] != ' ') section = line;
      bool source = section == "GEM" || section == "GIT" || section == "PATH";
      if (source && line.rfind("    ", 0) == 0 && line[4] != ' ' && line.find(" (") != std::string::npos) ++specs;
      if (section == "DEPENDENCIES" && line.rfind("  ", 0) == 0 && line[2] != ' ') ++deps;
    }
    EXPECT_EQ(pkgs.size(), specs) << name;
    size_t direct = std::count_if(pkgs.begin(), pkgs.end(),
                                  [](const Package& p) { return p.relationship == Relationship::kDirect; });
    EXPECT_LE(direct, deps) << name;
    total += pkgs.size();
  }
  EXPECT_GT(total, 100u);
}

TEST(GemfileLock, CorpusSpotChecks) {
  BULWARK_REQUIRE_CORPUS();
  fs::path base = bulwark::testing::corpus_dir() / "inputs/osv-scalibr/extractor/filesystem/language/ruby/gemfilelock/testdata";
  if (!fs::exists(base)) GTEST_SKIP() << "osv-scalibr Gemfile.lock testdata absent";
  std::vector<Diagnostic> diags;
  auto git = parse_gemfile_lock(bulwark::testing::read_file(base / "has-git-gem.lock"), "has-git-gem.lock", diags);
  EXPECT_EQ(git.size(), 5u);
  ASSERT_NE(find_by_id(git, "gem:hanami-utils@2.0.0.alpha1"), nullptr);
  EXPECT_EQ(find_by_id(git, "gem:hanami-utils@2.0.0.alpha1")->relationship, Relationship::kDirect);  // "hanami-utils!"
  EXPECT_EQ(find_by_id(git, "gem:hanami-controller@2.0.0.alpha1")->relationship, Relationship::kTransitive);
  auto local = parse_gemfile_lock(bulwark::testing::read_file(base / "has-local-gem.lock"), "x", diags);
  const Package* nokogiri = find_by_id(local, "gem:nokogiri@1.13.3:x86_64-linux");
  ASSERT_NE(nokogiri, nullptr);
  EXPECT_EQ(nokogiri->depends_on, std::vector<std::string>{"gem:racc@1.6.0"});
  auto at_end = parse_gemfile_lock(bulwark::testing::read_file(base / "source-section-at-end.lock"), "x", diags);
  ASSERT_EQ(at_end.size(), 1u);
  EXPECT_EQ(at_end[0].relationship, Relationship::kDirect);  // DEPENDENCIES came before the source
  EXPECT_TRUE(diags.empty());
}

// ----------------------------------------------------------------- gemspec --

TEST(Gemspec, ReadsLiteralsInEveryStyleRubyGemsWrites) {
  auto read = [](const std::string& rel, std::vector<Diagnostic>& diags) {
    return parse_gemspec(fixture_text("lang/ruby/gems/specifications/" + rel), rel, diags);
  };
  std::vector<Diagnostic> diags;
  auto nokogiri = read("nokogiri-1.16.0-x86_64-linux.gemspec", diags);
  ASSERT_TRUE(nokogiri);
  EXPECT_EQ(nokogiri->name, "nokogiri");
  EXPECT_EQ(nokogiri->version, "1.16.0");
  EXPECT_EQ(nokogiri->arch, "x86_64-linux");
  EXPECT_EQ(nokogiri->purl, "pkg:gem/nokogiri@1.16.0?platform=x86_64-linux");
  EXPECT_EQ(nokogiri->licenses, std::vector<std::string>{"MIT"});
  EXPECT_EQ(nokogiri->location.line, 5);

  auto rack = read("rack-1.6.13.gemspec", diags);  // %q{} and a single s.license
  ASSERT_TRUE(rack);
  EXPECT_EQ(rack->name, "rack");
  EXPECT_EQ(rack->version, "1.6.13");
  EXPECT_TRUE(rack->arch.empty());
  EXPECT_EQ(rack->licenses, std::vector<std::string>{"MIT"});

  auto json = read("json-2.7.1.gemspec", diags);  // |spec|, single quotes, Gem::Version.new, %w[]
  ASSERT_TRUE(json);
  EXPECT_EQ(json->name, "json");
  EXPECT_EQ(json->version, "2.7.1");
  EXPECT_EQ(json->licenses, (std::vector<std::string>{"Ruby", "BSD-2-Clause"}));

  auto bigdecimal = read("default/bigdecimal-3.1.1.gemspec", diags);
  ASSERT_TRUE(bigdecimal);
  EXPECT_EQ(bigdecimal->version, "3.1.1");
  EXPECT_EQ(bigdecimal->licenses, (std::vector<std::string>{"Ruby", "bsd-2-clause"}));
  EXPECT_TRUE(diags.empty());

  // A computed version: warned at its line, the "# stub:" line stands in.
  auto computed = read("computed-0.0.1.gemspec", diags);
  ASSERT_TRUE(computed);
  EXPECT_EQ(computed->version, "0.0.1");
  EXPECT_EQ(computed->licenses, (std::vector<std::string>{"Apache-2.0", "MIT"}));
  EXPECT_EQ(warning_lines(diags, "computed-0.0.1.gemspec"), std::set<int>{6});

  // Interpolated name, no version, no stub: nothing, and two warnings.
  diags.clear();
  EXPECT_FALSE(read("broken.gemspec", diags));
  EXPECT_EQ(warning_lines(diags, "broken.gemspec"), (std::set<int>{0, 2}));
}

TEST(Gemspec, OnlySpecificationDirectoriesAreRead) {
  std::string spec = "Gem::Specification.new do |s|\n  s.name = \"rake\"\n  s.version = \"13.1.0\"\nend\n";
  auto s = scan_files({{"usr/share/rubygems-integration/all/specifications/rake-13.1.0.gemspec", spec},
                       {"usr/lib/ruby/gems/3.1.0/specifications/default/rake-13.1.0.gemspec", spec},
                       {"usr/local/bundle/specifications/rake-13.1.0.gemspec", spec},
                       // A project's own gemspec and one inside an unpacked gem are source, not installed.
                       {"src/rake/rake.gemspec", spec},
                       {"usr/local/bundle/gems/rake-13.1.0/rake.gemspec", spec},
                       {"usr/local/bundle/specifications/.gemspec", spec}});
  std::set<std::string> paths;
  for (const auto& app : s.inventory.applications) {
    EXPECT_EQ(app.type, "gemspec");
    ASSERT_EQ(app.packages.size(), 1u);
    EXPECT_EQ(app.packages[0].purl, "pkg:gem/rake@13.1.0");
    paths.insert(app.path);
  }
  EXPECT_EQ(paths.size(), 3u);
  EXPECT_EQ(paths.count("src/rake/rake.gemspec"), 0u);
}

// RubyGems itself lists the installed gems (Debian's ruby and ruby-* packages):
// every specification it loaded, read by Bulwark from the same file, has the
// same name, version and platform; and Bulwark finds no other specification
// files in those directories.
TEST(Gemspec, MatchesRubyGemsOnDebianInstalledGems) {
  BULWARK_REQUIRE_TOOL("ruby");
  auto listed = bulwark::testing::sh(
      "ruby -e 'Gem::Specification.each { |s| puts [s.loaded_from, s.name, s.version, s.platform].join(\"\\t\") }'");
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::map<std::string, std::string> expected;  // path -> "name version platform"
  std::set<fs::path> dirs;
  std::istringstream in(listed.out);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> f;
    std::istringstream fields(line);
    std::string x;
    while (std::getline(fields, x, '\t')) f.push_back(x);
    ASSERT_EQ(f.size(), 4u) << line;
    expected[f[0]] = f[1] + " " + f[2] + " " + (f[3] == "ruby" ? "" : f[3]);
    dirs.insert(fs::path(f[0]).parent_path());
  }
  if (expected.size() < 20) GTEST_SKIP() << "fewer than 20 gems installed; apt-get install ruby ruby-rack";

  AnalyzerRegistry reg;
  register_language_analyzers(reg);
  const Analyzer* analyzer = reg.find("gemspec");
  ASSERT_NE(analyzer, nullptr);
  std::map<std::string, std::string> found;
  for (const auto& dir : dirs)
    for (const auto& e : fs::directory_iterator(dir)) {
      std::string p = e.path().string();
      if (!e.is_regular_file() || !analyzer->wants(p.substr(1), static_cast<int64_t>(e.file_size()))) continue;
      std::vector<Diagnostic> diags;
      auto pkg = parse_gemspec(bulwark::testing::read_file(e.path()), p, diags);
      EXPECT_TRUE(diags.empty()) << p << ": " << diags.front().message;
      ASSERT_TRUE(pkg) << p;
      found[p] = pkg->name + " " + pkg->version + " " + pkg->arch;
    }
  // Every specification RubyGems loaded reads the same.
  for (const auto& [path, gem] : expected) EXPECT_EQ(found[path], gem) << path;
  // Files RubyGems does not list are second copies of a gem it lists from
  // another directory (it keeps the first of equal full names in its path;
  // both copies are on disk, so both are reported).
  std::set<std::string> known;
  for (const auto& [path, gem] : expected) known.insert(gem);
  size_t shadowed = 0;
  for (const auto& [path, gem] : found)
    if (!expected.count(path)) {
      EXPECT_TRUE(known.count(gem)) << path << " (" << gem << ") is not a gem RubyGems knows";
      ++shadowed;
    }
  std::cout << "[ gemspec ] " << expected.size() << " specifications RubyGems lists agree; " << shadowed
            << " more files are duplicates it shadows\n";
}

}  // namespace
}  // namespace bulwark::catalog
