// Gradle dependency locking: gradle.lockfile (and buildscript-gradle.lockfile,
// settings-gradle.lockfile), one "group:artifact:version=configuration,..."
// line per resolved module and an "empty=..." line listing the configurations
// that resolved nothing; and the format of Gradle before 6.0, one file per
// configuration, gradle/dependency-locks/<configuration>.lockfile, with bare
// "group:artifact:version" lines. A lockfile lists the whole resolved graph
// without saying which modules the build declares, so relationships are
// unknown. A module is dev when every configuration it is locked for is a
// test configuration.
#include <algorithm>
#include <map>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/format_analyzer.hpp"

namespace bulwark::catalog {
namespace {

constexpr int64_t kMaxLockfileBytes = 16 << 20;
constexpr std::string_view kLegacyDir = "gradle/dependency-locks";

bool is_legacy_lockfile(std::string_view path) {
  std::string_view dir = dir_name(path);
  return ends_with(path, ".lockfile") && (dir == kLegacyDir || ends_with(dir, "/" + std::string(kLegacyDir)));
}

// Test configurations of the Java, Android and JVM test suite plugins:
// testCompileClasspath, testRuntimeClasspath, testFixturesRuntimeClasspath,
// androidTestCompileClasspath, debugUnitTestRuntimeClasspath,
// integrationTestRuntimeClasspath, ...: a name that starts with "test" or has
// a "Test" word in it.
bool is_test_configuration(std::string_view name) {
  if (starts_with(name, "test")) return true;
  for (size_t i = name.find("Test"); i != std::string_view::npos; i = name.find("Test", i + 1))
    if (i > 0) return true;
  return false;
}

bool is_gradle_lockfile(std::string_view path) {
  return !in_node_modules(path) && (ends_with(base_name(path), "gradle.lockfile") || is_legacy_lockfile(path));
}

}  // namespace

std::vector<Package> parse_gradle_lockfile(std::string_view text, const std::string& path,
                                           std::vector<Diagnostic>& diags) {
  std::vector<Package> out;
  std::map<std::string, size_t> by_id;
  // The old format names the configuration in the file name instead of on each line.
  std::string legacy_configuration;
  if (is_legacy_lockfile(path)) {
    std::string_view base = base_name(path);
    legacy_configuration = std::string(base.substr(0, base.size() - std::string_view(".lockfile").size()));
  }
  int line_no = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t eol = text.find('\n', i);
    if (eol == std::string_view::npos) eol = text.size();
    std::string_view line = trim(text.substr(i, eol - i));
    i = eol + 1;
    ++line_no;
    if (line.empty() || line.front() == '#') continue;
    std::string_view coords = line, configurations;
    size_t eq = line.find('=');
    if (eq != std::string_view::npos) {
      coords = trim(line.substr(0, eq));
      configurations = trim(line.substr(eq + 1));
    } else if (legacy_configuration.empty()) {
      diags.push_back(make_warning(path, line_no, "not a 'group:artifact:version=configurations' line"));
      continue;
    }
    if (coords == "empty") continue;  // the configurations that resolved nothing
    std::vector<std::string_view> parts;
    for (size_t s = 0;;) {
      size_t colon = coords.find(':', s);
      parts.push_back(coords.substr(s, colon == std::string_view::npos ? std::string_view::npos : colon - s));
      if (colon == std::string_view::npos) break;
      s = colon + 1;
    }
    if (parts.size() != 3 || parts[0].empty() || parts[1].empty() || parts[2].empty()) {
      diags.push_back(make_warning(path, line_no, "'" + std::string(coords) + "' is not group:artifact:version"));
      continue;
    }
    std::vector<std::string_view> configs;
    if (!legacy_configuration.empty() && eq == std::string_view::npos) {
      configs.push_back(legacy_configuration);
    } else {
      for (size_t s = 0; s <= configurations.size();) {
        size_t comma = configurations.find(',', s);
        if (comma == std::string_view::npos) comma = configurations.size();
        std::string_view c = trim(configurations.substr(s, comma - s));
        if (!c.empty()) configs.push_back(c);
        s = comma + 1;
      }
    }
    Package p;
    p.ecosystem = "maven";
    p.name = std::string(parts[0]) + ":" + std::string(parts[1]);
    p.version = std::string(parts[2]);
    p.dev = !configs.empty() && std::all_of(configs.begin(), configs.end(), is_test_configuration);
    p.location.path = path;
    p.location.line = line_no;
    p.id = make_package_id(p);
    auto [it, inserted] = by_id.emplace(p.id, out.size());
    if (inserted) {
      out.push_back(std::move(p));
    } else {
      out[it->second].dev = out[it->second].dev && p.dev;
    }
  }
  return out;
}

std::unique_ptr<Analyzer> make_gradle_lock_analyzer() {
  return make_format_analyzer({.name = "gradle-lock", .version = 1, .application_type = "gradle-lockfile",
                               .read = read_packages<parse_gradle_lockfile>, .max_bytes = kMaxLockfileBytes,
                               .wants_path = is_gradle_lockfile});
}

}  // namespace bulwark::catalog
