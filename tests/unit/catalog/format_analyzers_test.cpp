// Which files each language analyzer asks for, by path and size: the names it
// reads, the size limit (wanted at the limit, not one byte above), and the
// places it leaves alone (installed trees, other names). One table for every
// analyzer that reads files by name, so that the rules stay what the format
// documentation says whatever code implements them.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "catalog_testing.hpp"

namespace bulwark::catalog {
namespace {

constexpr int64_t kMiB = int64_t{1} << 20;

struct WantRule {
  const char* analyzer;
  int64_t max_bytes;
  std::vector<std::string> wanted;    // wanted up to max_bytes, not above
  std::vector<std::string> unwanted;  // never wanted, whatever the size
};

const std::vector<WantRule>& rules() {
  static const std::vector<WantRule> kRules = {
      {"npm-lock", 256 * kMiB, {"package-lock.json", "srv/app/package-lock.json", "app/npm-shrinkwrap.json"},
       {"node_modules/x/package-lock.json", "app/node_modules/@s/x/npm-shrinkwrap.json", "app/package.json",
        "app/Package-lock.json"}},
      {"yarn-lock", 256 * kMiB, {"yarn.lock", "web/yarn.lock"},
       {"node_modules/x/yarn.lock", "web/node_modules/x/yarn.lock", "web/yarn.lock.bak", "web/node_modules/x/package.json"}},
      // The package.json beside a yarn.lock has its own, smaller limit.
      {"yarn-lock", 4 * kMiB, {"package.json", "web/package.json"}, {"node_modules/x/package.json"}},
      {"pnpm-lock", 256 * kMiB, {"pnpm-lock.yaml", "mono/pnpm-lock.yaml"},
       {"node_modules/.pnpm/x/pnpm-lock.yaml", "mono/pnpm-lock.yml", "mono/pnpm-workspace.yaml"}},
      {"npm-installed", 4 * kMiB,
       {"node_modules/left-pad/package.json", "usr/lib/node_modules/@scope/x/node_modules/y/package.json"},
       {"package.json", "node_modules/.bin/package.json", "node_modules/@scope/package.json",
        "node_modules/x/lib/package.json"}},
      {"pip-requirements", 16 * kMiB,
       {"requirements.txt", "app/requirements-dev.txt", "app/dev-requirements.txt", "app/requirements/base.txt",
        "app/Requirements.TXT"},
       {"app/constraints.txt", "usr/lib/python3/site-packages/x/requirements.txt",
        "node_modules/x/requirements.txt", "app/requirements.in"}},
      {"pipfile-lock", 64 * kMiB, {"Pipfile.lock", "app/Pipfile.lock"},
       {"app/Pipfile", "lib/python3.11/site-packages/x/Pipfile.lock", "usr/lib/python3/dist-packages/x/Pipfile.lock",
        "node_modules/x/Pipfile.lock"}},
      {"poetry-lock", 64 * kMiB, {"poetry.lock", "app/poetry.lock"},
       {"app/pyproject.toml", "venv/lib/python3.12/site-packages/x/poetry.lock"}},
      {"uv-lock", 64 * kMiB, {"uv.lock", "app/uv.lock"},
       {"app/uv.toml", "usr/lib/python3/dist-packages/x/uv.lock", "a/node_modules/x/uv.lock"}},
      {"go-mod", 8 * kMiB, {"go.mod", "src/app/go.mod"},
       {"src/app/go.sum", "src/app/xgo.mod", "node_modules/x/go.mod", "app/node_modules/x/go.mod"}},
      {"cargo-lock", 32 * kMiB, {"Cargo.lock", "src/ws/Cargo.lock"},
       {"src/ws/Cargo.toml", "cargo.lock", "app/node_modules/x/Cargo.lock", "node_modules/Cargo.lock"}},
      {"gradle-lock", 16 * kMiB,
       {"gradle.lockfile", "app/buildscript-gradle.lockfile", "app/gradle/dependency-locks/compileClasspath.lockfile",
        "gradle/dependency-locks/runtimeClasspath.lockfile"},
       {"app/gradle.properties", "app/dependency-locks/x.lockfile", "node_modules/x/gradle.lockfile"}},
      {"maven-pom", 8 * kMiB, {"pom.xml", "app/pom.xml"}, {"node_modules/x/pom.xml", "app/pom.xml.bak"}},
      {"java-archive", 512 * kMiB, {"app.jar", "opt/app/lib/x.WAR", "srv/y.ear", "plugins/z.hpi"},
       {"app.jar.sha1", "lib/x.zip", "jar"}},
      {"gemfile-lock", 16 * kMiB, {"Gemfile.lock", "app/Gemfile.lock", "app/gems.locked"},
       {"app/Gemfile", "node_modules/x/Gemfile.lock", "app/node_modules/x/gems.locked"}},
      {"gemspec", 4 * kMiB,
       {"usr/lib/ruby/gems/3.1.0/specifications/rake-13.0.6.gemspec",
        "usr/lib/ruby/gems/3.1.0/specifications/default/json-2.6.1.gemspec"},
       {"app/rake.gemspec", "usr/lib/ruby/gems/3.1.0/specifications/.gemspec"}},
      {"composer-lock", 64 * kMiB, {"composer.lock", "srv/shop/composer.lock", "vendor/x/y/composer.lock"},
       {"node_modules/x/composer.lock", "a/node_modules/x/composer.json", "srv/shop/composer.phar"}},
      // The composer.json beside a composer.lock; installed packages' own are not read.
      {"composer-lock", 4 * kMiB, {"composer.json", "srv/shop/composer.json"},
       {"srv/shop/vendor/x/y/composer.json", "vendor/x/y/composer.json"}},
      {"composer-installed", 64 * kMiB, {"vendor/composer/installed.json", "srv/vendor/composer/installed.json"},
       {"vendor/installed.json", "node_modules/x/vendor/composer/installed.json", "composer/installed.json.bak"}},
      {"nuget-lock", 64 * kMiB, {"packages.lock.json", "src/Shop/packages.lock.json"},
       {"node_modules/x/packages.lock.json", "src/Shop/package-lock.json"}},
      {"dotnet-deps", 64 * kMiB, {"app/Shop.Web.deps.json", "x.deps.json"},
       {".deps.json", "app/Shop.deps.json.bak", "node_modules/x/Shop.deps.json"}},
      {"packages-config", 8 * kMiB, {"packages.config", "src/Legacy/packages.config"},
       {"node_modules/x/packages.config", "src/Legacy/app.config"}},
  };
  return kRules;
}

TEST(FormatAnalyzers, WantTheirFilesUpToTheirLimitAndNothingElse) {
  AnalyzerRegistry reg;
  register_language_analyzers(reg);
  for (const auto& rule : rules()) {
    const Analyzer* a = reg.find(rule.analyzer);
    ASSERT_NE(a, nullptr) << rule.analyzer;
    for (const auto& path : rule.wanted) {
      EXPECT_TRUE(a->wants(path, 0)) << rule.analyzer << " " << path;
      EXPECT_TRUE(a->wants(path, rule.max_bytes)) << rule.analyzer << " " << path;
      EXPECT_FALSE(a->wants(path, rule.max_bytes + 1)) << rule.analyzer << " " << path;
      EXPECT_FALSE(a->wants_executable(path, 100)) << rule.analyzer << " " << path;
    }
    for (const auto& path : rule.unwanted) EXPECT_FALSE(a->wants(path, 100)) << rule.analyzer << " " << path;
  }
}

// Each file is wanted by the analyzers of its format only: the walker reads a
// body once however many analyzers want it, but two applications from one
// file would report its packages twice.
TEST(FormatAnalyzers, EachFileHasOneReader) {
  AnalyzerRegistry reg;
  register_language_analyzers(reg);
  for (const auto& rule : rules())
    for (const auto& path : rule.wanted) {
      std::vector<std::string> readers;
      for (const auto& a : reg.all())
        if (a->wants(path, 100)) readers.emplace_back(a->name());
      // A package.json at the top of a project is the yarn-lock analyzer's
      // only; inside node_modules it is npm-installed's only.
      EXPECT_EQ(readers, std::vector<std::string>{rule.analyzer}) << path;
    }
}

TEST(FormatAnalyzers, ExecutablesAreFoundByModeNotByName) {
  AnalyzerRegistry reg;
  register_language_analyzers(reg);
  for (const char* name : {"go-binary", "rust-binary"}) {
    const Analyzer* a = reg.find(name);
    ASSERT_NE(a, nullptr) << name;
    EXPECT_FALSE(a->wants("usr/bin/app", 1 << 20)) << name;
    EXPECT_TRUE(a->wants_executable("usr/bin/app", 64)) << name;
    EXPECT_FALSE(a->wants_executable("usr/bin/app", 63)) << name;
    EXPECT_TRUE(a->wants_executable("usr/local/bin/x.sh", 512 * kMiB)) << name;
    EXPECT_FALSE(a->wants_executable("usr/local/bin/x.sh", 512 * kMiB + 1)) << name;
  }
}

}  // namespace
}  // namespace bulwark::catalog
