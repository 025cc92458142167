// PHP: composer.lock (composer-lock, with the composer.json beside it for
// directness) and vendor/composer/installed.json (composer-installed), on
// fixtures, on the shared corpus, and against Composer itself on a project it
// installs offline from path repositories.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <set>

#include "catalog_testing.hpp"
#include "testing/testing.hpp"

namespace bulwark::catalog {
namespace {
namespace fs = std::filesystem;
using testing::fixture_text;
using testing::scan_files;

const Package* by_name(const std::vector<Package>& pkgs, const std::string& name) {
  for (const auto& p : pkgs)
    if (p.name == name) return &p;
  return nullptr;
}

std::set<std::string> deps_of(const std::vector<Package>& pkgs, const std::string& name) {
  const Package* p = by_name(pkgs, name);
  return p ? std::set<std::string>(p->depends_on.begin(), p->depends_on.end()) : std::set<std::string>{};
}

std::map<std::string, std::string> versions(const std::vector<Package>& pkgs) {
  std::map<std::string, std::string> out;
  for (const auto& p : pkgs) out[p.name] = p.version;
  return out;
}

TEST(ComposerLock, ReadsRuntimeAndDevPackagesWithEdgesThroughProvides) {
  std::vector<Diagnostic> diags;
  const std::string path = "app/composer.lock";
  auto pkgs = parse_composer_lock(fixture_text("lang/php/app/composer.lock"), path, diags);
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(versions(pkgs), (std::map<std::string, std::string>{
                                {"guzzlehttp/guzzle", "7.8.1"},
                                {"guzzlehttp/promises", "2.0.2"},
                                {"guzzlehttp/psr7", "2.6.2"},
                                {"monolog/monolog", "3.5.0"},
                                {"psr/http-client", "1.0.3"},
                                {"psr/http-factory", "1.0.2"},
                                {"psr/http-message", "2.0"},
                                {"psr/log", "3.0.0"},
                                {"ralouphie/getallheaders", "3.0.3"},
                                {"symfony/deprecation-contracts", "v3.4.0"},  // kept as written
                                {"acme/logger-bridge", "dev-main"},
                                {"phpunit/php-timer", "6.0.0"},
                            }));
  for (const auto& p : pkgs) {
    EXPECT_EQ(p.ecosystem, "composer");
    EXPECT_EQ(p.dev, p.name == "phpunit/php-timer") << p.name;
    EXPECT_EQ(p.relationship, Relationship::kUnknown) << p.name;  // no composer.json given
    EXPECT_EQ(p.id, make_package_id(p));
    EXPECT_GT(p.location.line, 0) << p.name;
  }
  EXPECT_EQ(by_name(pkgs, "guzzlehttp/guzzle")->location.line, 8);
  EXPECT_EQ(by_name(pkgs, "psr/log")->licenses, std::vector<std::string>{"MIT"});  // a plain string
  EXPECT_EQ(by_name(pkgs, "phpunit/php-timer")->licenses, std::vector<std::string>{"BSD-3-Clause"});
  // Platform requirements (php, ext-json) are not packages.
  EXPECT_EQ(deps_of(pkgs, "guzzlehttp/guzzle"),
            (std::set<std::string>{"composer:guzzlehttp/promises@2.0.2", "composer:guzzlehttp/psr7@2.6.2",
                                   "composer:psr/http-client@1.0.3", "composer:symfony/deprecation-contracts@v3.4.0"}));
  // A virtual package resolves to what provides it.
  EXPECT_EQ(deps_of(pkgs, "acme/logger-bridge"), std::set<std::string>{"composer:monolog/monolog@3.5.0"});
  EXPECT_TRUE(deps_of(pkgs, "psr/log").empty());

  Inventory inv;
  inv.applications.push_back({"composer", path, pkgs});
  assign_package_ids(inv);
  EXPECT_EQ(by_name(inv.applications[0].packages, "symfony/deprecation-contracts")->purl,
            "pkg:composer/symfony/deprecation-contracts@v3.4.0");
}

TEST(ComposerLock, ComposerJsonBesideTheLockMakesDirectAndTransitive) {
  auto s = scan_files({
      {"srv/shop/composer.lock", fixture_text("lang/php/app/composer.lock")},
      {"srv/shop/composer.json", fixture_text("lang/php/app/composer.json")},
      // Installed packages' manifests are not the project's.
      {"srv/shop/vendor/guzzlehttp/guzzle/composer.json", R"({"require":{"psr/log":"^3"}})"},
      // A lock without its manifest keeps unknown relationships.
      {"srv/other/composer.lock", R"({"packages":[{"name":"psr/log","version":"3.0.0"}]})"},
  });
  ASSERT_EQ(s.results["composer-lock"].size(), 3u);  // two locks and the project's composer.json
  EXPECT_TRUE(s.diagnostics.empty());
  ASSERT_EQ(s.inventory.applications.size(), 2u);
  for (const auto& app : s.inventory.applications) {
    EXPECT_EQ(app.type, "composer");
    if (app.path == "srv/other/composer.lock") {
      ASSERT_EQ(app.packages.size(), 1u);
      EXPECT_EQ(app.packages[0].relationship, Relationship::kUnknown);
      continue;
    }
    std::set<std::string> direct;
    for (const auto& p : app.packages) {
      if (p.relationship == Relationship::kDirect) direct.insert(p.name);
      else EXPECT_EQ(p.relationship, Relationship::kTransitive) << p.name;
    }
    // "Monolog/Monolog" in composer.json: Composer names ignore case.
    EXPECT_EQ(direct, (std::set<std::string>{"guzzlehttp/guzzle", "monolog/monolog", "phpunit/php-timer"}));
  }
}

TEST(ComposerLock, MalformedInputIsAWarningWithALine) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse_composer_lock("{\n  \"packages\": [\n    {\"name\": \"a/b\",\n     \"version\": }\n  ]\n}", "c.lock",
                                  diags);
  EXPECT_TRUE(pkgs.empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.path, "c.lock");
  EXPECT_EQ(diags[0].location.line, 4);

  diags.clear();
  pkgs = parse_composer_lock(R"({
  "packages": [
    {"name": "a/ok", "version": "1.0.0"},
    {"name": "a/noversion"},
    "not an object"
  ],
  "packages-dev": {"a/b": "1.0"}
})",
                             "c.lock", diags);
  ASSERT_EQ(pkgs.size(), 1u);
  std::map<int, std::string> by_line;
  for (const auto& d : diags) by_line[d.location.line] = d.message;
  ASSERT_EQ(by_line.size(), 3u);
  EXPECT_NE(by_line[4].find("a/noversion"), std::string::npos);
  EXPECT_NE(by_line[5].find("packages[2]"), std::string::npos);
  EXPECT_NE(by_line[7].find("packages-dev"), std::string::npos);

  diags.clear();
  EXPECT_TRUE(parse_composer_lock("null", "c.lock", diags).empty());
  EXPECT_EQ(diags.size(), 1u);
}

TEST(ComposerInstalled, ReadsComposer2AndComposer1Layouts) {
  auto s = scan_files({
      {"var/www/vendor/composer/installed.json", fixture_text("lang/php/composer2/vendor/composer/installed.json")},
      {"opt/legacy/vendor/composer/installed.json", fixture_text("lang/php/composer1/vendor/composer/installed.json")},
      {"opt/other/installed.json", "[]"},  // not in a composer/ directory: not wanted
  });
  EXPECT_TRUE(s.diagnostics.empty());
  ASSERT_EQ(s.inventory.applications.size(), 2u);
  for (const auto& app : s.inventory.applications) {
    EXPECT_EQ(app.type, "composer-vendor");
    if (app.path == "var/www/vendor/composer/installed.json") {
      EXPECT_EQ(versions(app.packages), (std::map<std::string, std::string>{
                                            {"monolog/monolog", "3.5.0"}, {"psr/log", "3.0.0"}, {"phpunit/php-timer", "6.0.0"}}));
      for (const auto& p : app.packages) EXPECT_EQ(p.dev, p.name == "phpunit/php-timer") << p.name;
      EXPECT_EQ(deps_of(app.packages, "monolog/monolog"), std::set<std::string>{"composer:psr/log@3.0.0"});
    } else {
      // Composer 1 does not record dev packages.
      EXPECT_EQ(versions(app.packages), (std::map<std::string, std::string>{
                                            {"symfony/polyfill-mbstring", "v1.17.0"}, {"symfony/console", "v3.4.47"}}));
      for (const auto& p : app.packages) {
        EXPECT_FALSE(p.dev);
        EXPECT_EQ(p.relationship, Relationship::kUnknown);
      }
      EXPECT_EQ(deps_of(app.packages, "symfony/console"),
                std::set<std::string>{"composer:symfony/polyfill-mbstring@v1.17.0"});
      EXPECT_EQ(by_name(app.packages, "symfony/console")->location.line, 14);
    }
  }
  std::vector<Diagnostic> diags;
  EXPECT_TRUE(parse_composer_installed(R"({"dev": true})", "installed.json", diags).empty());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.path, "installed.json");
}

// Every composer.lock of the shared corpus parses; package counts checked
// against the JSON arrays themselves (name@version pairs, duplicates once).
TEST(ComposerLock, CorpusLockfilesParse) {
  BULWARK_REQUIRE_CORPUS();
  fs::path inputs = bulwark::testing::corpus_dir() / "inputs";
  std::vector<fs::path> files;
  for (const char* dir : {"trivy/pkg/dependency/parser/php/composer/testdata",
                          "osv-scalibr/extractor/filesystem/language/php/composerlock/testdata"})
    if (fs::exists(inputs / dir))
      for (const auto& e : fs::directory_iterator(inputs / dir))
        if (e.is_regular_file()) files.push_back(e.path());
  ASSERT_GE(files.size(), 5u);
  size_t total = 0;
  for (const auto& f : files) {
    std::string text = bulwark::testing::read_file(f);
    std::vector<Diagnostic> diags;
    auto pkgs = parse_composer_lock(text, f.string(), diags);
    auto doc = nlohmann::json::parse(text, nullptr, false);
    if (doc.is_discarded() || !doc.is_object()) {
      EXPECT_EQ(diags.size(), 1u) << f;
      EXPECT_TRUE(pkgs.empty());
      continue;
    }
    EXPECT_TRUE(diags.empty()) << f << ": " << diags.front().message;
    std::set<std::string> expected, dev_only;
    for (const char* section : {"packages", "packages-dev"})
      for (const auto& p : doc.value(section, nlohmann::json::array()))
        expected.insert(p["name"].get<std::string>() + "@" + p["version"].get<std::string>());
    std::set<std::string> got;
    for (const auto& p : pkgs) got.insert(p.name + "@" + p.version);
    EXPECT_EQ(got, expected) << f;
    total += pkgs.size();
  }
  EXPECT_GT(total, 20u);
}

// Composer installs a project from path repositories (no network), then its
// own `composer show` lists what is locked and installed: names, versions,
// which are direct and which are dev must agree.
TEST(ComposerLock, MatchesComposerShowOnAnOfflineInstall) {
  BULWARK_REQUIRE_TOOL("composer");
  bulwark::testing::TempDir dir;
  auto pkg = [&](const std::string& dirname, const std::string& manifest) {
    fs::create_directories(dir / ("pkgs/" + dirname));
    bulwark::testing::write_file(dir / ("pkgs/" + dirname + "/composer.json"), manifest);
  };
  pkg("log", R"({"name":"acme/log","version":"3.0.0","license":"MIT","require":{"php":">=8.0"}})");
  pkg("monolog", R"({"name":"acme/monolog","version":"v3.5.0","license":["MIT"],
                     "require":{"php":">=8.1","acme/log":"^3.0"},"provide":{"acme/log-implementation":"3.0.0"}})");
  pkg("http", R"({"name":"acme/http","version":"1.2.0-beta1","license":["Apache-2.0","MIT"],
                  "require":{"acme/log-implementation":"^3.0","acme/util":"^2.0"}})");
  pkg("util", R"({"name":"acme/util","version":"2.4.1","license":"BSD-3-Clause","require":{"ext-json":"*"}})");
  pkg("timer", R"({"name":"acme/timer","version":"6.0.0","license":"BSD-3-Clause","require":{"acme/clock":"^1.0"}})");
  pkg("clock", R"({"name":"acme/clock","version":"1.0.0","license":"MIT"})");
  bulwark::testing::write_file(dir / "composer.json", R"({
    "name": "acme/app",
    "repositories": [{"packagist.org": false}, {"type": "path", "url": "pkgs/*", "options": {"symlink": false}}],
    "require": {"acme/monolog": "^3.5", "acme/http": "1.2.0-beta1"},
    "require-dev": {"acme/timer": "^6.0"},
    "minimum-stability": "beta"})");
  std::string env = "cd '" + dir.path().string() + "' && COMPOSER_HOME='" + (dir / ".composer").string() +
                    "' COMPOSER_DISABLE_NETWORK=1 COMPOSER_ALLOW_SUPERUSER=1 COMPOSER_NO_INTERACTION=1 ";
  auto install = bulwark::testing::sh(env + "composer install --no-plugins --no-scripts 2>&1");
  ASSERT_EQ(install.exit_code, 0) << install.out;
  auto show = [&](const std::string& args, const char* key) {
    auto r = bulwark::testing::sh(env + "composer show --format=json " + args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, std::string> out;  // name -> version
    auto doc = nlohmann::json::parse(r.out);
    for (const auto& p : doc[key]) out[p["name"]] = p["version"];
    return out;
  };
  auto locked = show("--locked", "locked");
  auto locked_runtime = show("--locked --no-dev", "locked");
  auto installed = show("", "installed");
  auto installed_runtime = show("--no-dev", "installed");
  ASSERT_EQ(locked.size(), 6u);
  std::set<std::string> composer_direct;
  {
    auto r = bulwark::testing::sh(env + "composer show --locked --format=json");
    auto doc = nlohmann::json::parse(r.out);
    for (const auto& p : doc["locked"])
      if (p.value("direct-dependency", false)) composer_direct.insert(p["name"]);
  }

  auto s = scan_files({{"composer.lock", bulwark::testing::read_file(dir / "composer.lock")},
                       {"composer.json", bulwark::testing::read_file(dir / "composer.json")},
                       {"vendor/composer/installed.json", bulwark::testing::read_file(dir / "vendor/composer/installed.json")}});
  EXPECT_TRUE(s.diagnostics.empty());
  ASSERT_EQ(s.inventory.applications.size(), 2u);
  for (const auto& app : s.inventory.applications) {
    bool lock = app.type == "composer";
    EXPECT_EQ(versions(app.packages), lock ? locked : installed) << app.path;
    std::set<std::string> dev, direct;
    for (const auto& p : app.packages) {
      if (p.dev) dev.insert(p.name);
      if (p.relationship == Relationship::kDirect) direct.insert(p.name);
    }
    std::set<std::string> composer_dev;
    for (const auto& [name, version] : lock ? locked : installed)
      if (!(lock ? locked_runtime : installed_runtime).count(name)) composer_dev.insert(name);
    EXPECT_EQ(dev, composer_dev) << app.path;
    if (lock) {
      EXPECT_EQ(direct, composer_direct);
    }
    // Edges Composer resolves by name; acme/http's virtual requirement goes to its provider.
    EXPECT_EQ(deps_of(app.packages, "acme/http"),
              (std::set<std::string>{"composer:acme/monolog@v3.5.0", "composer:acme/util@2.4.1"}));
    EXPECT_EQ(deps_of(app.packages, "acme/timer"), std::set<std::string>{"composer:acme/clock@1.0.0"});
    EXPECT_EQ(by_name(app.packages, "acme/http")->licenses, (std::vector<std::string>{"Apache-2.0", "MIT"}));
  }
  std::cout << "[ composer ] " << locked.size() << " locked and " << installed.size()
            << " installed packages agree with composer show\n";
}

}  // namespace
}  // namespace bulwark::catalog
