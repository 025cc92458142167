// Cross-checks against the package managers themselves. One small project
// (express, lodash, minimist, mkdirp, an npm: alias, react-dom with its react
// peer, mocha as a dev dependency) is installed from the npm registry by npm
// (lockfileVersion 1, 2 and 3), Yarn 1, Yarn 4, pnpm 7, 8 and 9 (lockfile
// 5.4, 6.0, 9.0); each lockfile's parse is compared with the tool's own view
// of the installed tree: `npm ls --all --json --long` for npm and Yarn trees
// (node_modules linker), `pnpm list --depth Infinity --json` for pnpm.
// Installs are cached under the build directory; without npm or the registry
// the tests skip and say why.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <map>

#include "catalog_testing.hpp"
#include "node_lock_testing.hpp"

namespace bulwark::catalog {
namespace {
namespace fs = std::filesystem;
using bulwark::testing::read_file;
using bulwark::testing::sh;
using bulwark::testing::write_file;
using nlohmann::json;

constexpr const char* kProject = R"({
  "name": "crosscheck-app",
  "version": "1.0.0",
  "private": true,
  "dependencies": {
    "express": "4.17.1",
    "lodash": "4.17.15",
    "minimist": "1.2.0",
    "mkdirp": "0.5.1",
    "old-ms": "npm:ms@2.0.0",
    "react": "18.2.0",
    "react-dom": "18.2.0"
  },
  "devDependencies": {
    "mocha": "9.2.2"
  }
})";
constexpr const char* kRoot = "crosscheck-app@1.0.0";
constexpr const char* kRegistry = "https://registry.npmjs.org/";

// Bumped when kProject or the tool versions change, so stale caches are not used.
constexpr const char* kCacheVersion = "1";

fs::path cache_root() {
  return fs::path(bulwark::testing::bulwark_binary()).parent_path() / "test-cache" / "node-locks" / kCacheVersion;
}

std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

// Runs `install` then `list` (writing listing.json) in cache/<name> once;
// later runs reuse the result. Returns an error text when it cannot be made.
std::string ensure(const std::string& name, const std::string& install, const std::string& list,
                   const std::string& extra_file = {}, const std::string& extra_text = {}) {
  fs::path dir = cache_root() / name;
  if (fs::exists(dir / ".complete")) return {};
  fs::remove_all(dir);
  fs::create_directories(dir);
  write_file(dir / "package.json", kProject);
  if (!extra_file.empty()) write_file(dir / extra_file, extra_text);
  auto in = sh("cd " + quote(dir) + " && " + install + " 2>&1");
  if (in.exit_code != 0) return name + ": install failed (no access to the npm registry?): " + in.out.substr(0, 2000);
  auto ls = sh("cd " + quote(dir) + " && " + list + " > listing.json");
  if (!fs::exists(dir / "listing.json") || fs::file_size(dir / "listing.json") == 0)
    return name + ": listing failed: " + ls.err.substr(0, 2000);
  write_file(dir / ".complete", "");
  return {};
}

// The package managers other than npm, installed from the npm registry.
std::string ensure_tools() {
  fs::path dir = cache_root() / "tools";
  if (fs::exists(dir / ".complete")) return {};
  fs::create_directories(dir);
  auto r = sh("cd " + quote(dir) + " && npm install --no-audit --no-fund --loglevel=error --ignore-scripts " +
              "--registry " + kRegistry +
              " yarn@1.22.22 berry@npm:@yarnpkg/cli-dist@4.18.1 pnpm7@npm:pnpm@7.33.7 pnpm8@npm:pnpm@8.15.9 "
              "pnpm9@npm:pnpm@9.15.9 2>&1");
  if (r.exit_code != 0) return "cannot install yarn/pnpm from the npm registry: " + r.out.substr(0, 2000);
  write_file(dir / ".complete", "");
  return {};
}

std::string tool(const std::string& package, const std::string& script) {
  return "node " + quote(cache_root() / "tools" / "node_modules" / package / script);
}

// One view of a dependency graph: packages (name@version -> dev-only),
// edges between packages, and the root's children.
struct View {
  std::map<std::string, bool> packages;
  std::set<std::pair<std::string, std::string>> edges;
  std::set<std::string> root_children;
};

// `npm ls --all --json --long`: every occurrence of a package, "dev" on each,
// "name" the real name behind an alias; uninstalled optional packages have
// no version.
View from_npm_ls(const json& doc) {
  View v;
  std::function<void(const json&, const std::string&)> walk = [&](const json& node, const std::string& me) {
    if (!node.contains("dependencies")) return;
    for (const auto& [key, child] : node["dependencies"].items()) {
      if (!child.contains("version")) continue;
      std::string id = child.value("name", key) + "@" + child["version"].get<std::string>();
      bool dev = child.value("dev", false);
      auto [it, fresh] = v.packages.try_emplace(id, dev);
      if (!fresh) it->second = it->second && dev;
      if (me == kRoot) v.root_children.insert(id);
      else v.edges.insert({me, id});
      walk(child, id);
    }
  };
  walk(doc, kRoot);
  return v;
}

// npm computes dev flags only for trees it installed itself (it keeps them
// in node_modules/.package-lock.json); for a tree Yarn installed they are
// derived here from the tree npm reports: dev when reachable from the root's
// devDependencies and not from its other dependencies.
View with_dev_from_reachability(View v, const json& ls) {
  std::set<std::string> dev_names;
  if (ls.contains("devDependencies"))
    for (const auto& [name, range] : ls["devDependencies"].items()) dev_names.insert(name);
  auto reach = [&](bool dev) {
    std::set<std::string> seen;
    std::vector<std::string> todo;
    for (const auto& [key, child] : ls["dependencies"].items())
      if (child.contains("version") && dev_names.count(key) == (dev ? 1u : 0u))
        todo.push_back(child.value("name", key) + "@" + child["version"].get<std::string>());
    while (!todo.empty()) {
      std::string id = todo.back();
      todo.pop_back();
      if (!seen.insert(id).second) continue;
      for (auto it = v.edges.lower_bound({id, ""}); it != v.edges.end() && it->first == id; ++it) todo.push_back(it->second);
    }
    return seen;
  };
  auto prod = reach(false), dev = reach(true);
  for (auto& [id, flag] : v.packages) flag = dev.count(id) && !prod.count(id);
  return v;
}

// `pnpm list --depth Infinity --json`: the tree under each dependency group
// of the root; "from" is the real name; dev-only when every occurrence is
// under a devDependencies root.
View from_pnpm_list(const json& doc) {
  View v;
  std::function<void(const json&, const std::string&, bool, int)> walk = [&](const json& node, const std::string& me,
                                                                          bool dev, int depth) {
    for (const char* group : {"dependencies", "devDependencies", "optionalDependencies"}) {
      if (!node.contains(group)) continue;
      for (const auto& [key, child] : node[group].items()) {
        std::string version = child.value("version", "");
        if (version.empty() || version.rfind("link:", 0) == 0) continue;
        version = version.substr(0, version.find('('));
        std::string id = child.value("from", key) + "@" + version;
        bool d = dev || (depth == 0 && std::string(group) == "devDependencies");
        auto [it, fresh] = v.packages.try_emplace(id, d);
        if (!fresh) it->second = it->second && d;
        if (depth == 0) v.root_children.insert(id);
        else v.edges.insert({me, id});
        walk(child, id, d, depth + 1);
      }
    }
  };
  walk(doc.at(0), kRoot, false, 0);
  return v;
}

struct Ours {
  std::vector<Package> pkgs;
  View view;                  // without the root package
  std::set<std::string> direct;
  std::set<std::string> unknown;
  std::set<std::string> root_edges;
};

Ours ours_from(std::vector<Package> pkgs) {
  Ours o;
  o.pkgs = std::move(pkgs);
  for (const auto& p : o.pkgs) {
    std::string id = p.name + "@" + p.version;
    if (p.relationship == Relationship::kRoot) {
      EXPECT_EQ(id, kRoot);
      for (const auto& d : p.depends_on) o.root_edges.insert(testing::strip_eco(d));
      continue;
    }
    o.view.packages[id] = p.dev;
    if (p.relationship == Relationship::kDirect) o.direct.insert(id);
    if (p.relationship == Relationship::kUnknown) o.unknown.insert(id);
    for (const auto& d : p.depends_on) o.view.edges.insert({id, testing::strip_eco(d)});
  }
  return o;
}

Ours parse_ours(const fs::path& file, const std::function<std::vector<Package>(std::string_view, const std::string&,
                                                                               std::vector<Diagnostic>&)>& parse) {
  std::vector<Diagnostic> diags;
  auto pkgs = parse(read_file(file), file.string(), diags);
  testing::expect_well_formed(pkgs, diags, file.string());
  EXPECT_TRUE(diags.empty()) << testing::all_messages(diags);
  return ours_from(std::move(pkgs));
}

// The yarn-lock analyzer over the lockfile and the package.json beside it.
Ours analyze_with_manifest(const fs::path& dir) {
  auto s = testing::scan_files({{"yarn.lock", read_file(dir / "yarn.lock")}, {"package.json", read_file(dir / "package.json")}});
  EXPECT_TRUE(s.diagnostics.empty()) << testing::all_messages(s.diagnostics);
  for (const auto& app : s.inventory.applications)
    if (app.type == "yarn") {
      testing::expect_well_formed(app.packages, {}, "yarn.lock");
      return ours_from(app.packages);
    }
  ADD_FAILURE() << "no yarn application";
  return {};
}

// What a lockfile lists but the tool did not install: fsevents is
// macOS-only, so on Linux it and what only it needs stay uninstalled.
std::set<std::string> uninstalled(const Ours& o, const View& tool_view) {
  std::set<std::string> missing;
  for (const auto& [id, dev] : o.view.packages)
    if (!tool_view.packages.count(id)) missing.insert(id);
  std::set<std::string> below_fsevents;
  std::vector<std::string> todo;
  for (const auto& id : missing)
    if (id.rfind("fsevents@", 0) == 0) todo.push_back(id);
  while (!todo.empty()) {
    std::string id = todo.back();
    todo.pop_back();
    if (!below_fsevents.insert(id).second) continue;
    for (const auto& [from, to] : o.view.edges)
      if (from == id) todo.push_back(to);
  }
  for (const auto& id : missing) EXPECT_TRUE(below_fsevents.count(id)) << id << " is in the lockfile but not installed";
  return missing;
}

// Edges some lockfile formats do not record (npm's version 1, Yarn 1): a
// package's peer dependencies, read from its installed package.json.
using EdgeFilter = std::function<bool(const std::pair<std::string, std::string>&)>;

EdgeFilter peer_edges_of(const fs::path& project) {
  return [project](const std::pair<std::string, std::string>& e) {
    std::string from = e.first.substr(0, e.first.find('@', 1));
    std::string to = e.second.substr(0, e.second.find('@', 1));
    fs::path manifest = project / "node_modules" / from / "package.json";
    if (!fs::exists(manifest)) return false;
    json pj = json::parse(read_file(manifest), nullptr, false);
    return pj.is_object() && pj.contains("peerDependencies") && pj["peerDependencies"].contains(to);
  };
}

// Same packages and edges as the tool sees, apart from uninstalled ones and,
// when `unrecorded` is given, the edges it says the format does not record
// (their number is returned).
size_t expect_same_graph(const Ours& o, const View& tool_view, bool compare_dev, const EdgeFilter& unrecorded = {}) {
  size_t skipped = 0;
  auto missing = uninstalled(o, tool_view);
  std::map<std::string, bool> ours_installed;
  for (const auto& [id, dev] : o.view.packages)
    if (!missing.count(id)) ours_installed[id] = compare_dev ? dev : false;
  std::map<std::string, bool> theirs = tool_view.packages;
  if (!compare_dev)
    for (auto& [id, dev] : theirs) dev = false;
  for (const auto& [id, dev] : ours_installed) {
    auto it = theirs.find(id);
    if (it == theirs.end()) ADD_FAILURE() << "only in the lockfile: " << id;
    else EXPECT_EQ(dev, it->second) << "dev flag of " << id;
  }
  for (const auto& [id, dev] : theirs) EXPECT_TRUE(ours_installed.count(id)) << "only in the tool's tree: " << id;
  std::set<std::pair<std::string, std::string>> ours_edges;
  for (const auto& e : o.view.edges)
    if (!missing.count(e.first) && !missing.count(e.second)) ours_edges.insert(e);
  for (const auto& e : ours_edges)
    EXPECT_TRUE(tool_view.edges.count(e)) << "only in the lockfile: " << e.first << " -> " << e.second;
  for (const auto& e : tool_view.edges) {
    if (ours_edges.count(e)) continue;
    if (unrecorded && unrecorded(e)) {
      ++skipped;
      continue;
    }
    ADD_FAILURE() << "only in the tool's tree: " << e.first << " -> " << e.second;
  }
  EXPECT_GE(theirs.size(), 130u);
  EXPECT_GE(tool_view.edges.size(), 180u);
  return skipped;
}

#define REQUIRE_INSTALL(expr)                    \
  do {                                           \
    std::string why_ = (expr);                   \
    if (!why_.empty()) GTEST_SKIP() << why_;     \
  } while (0)

const std::string kNpmInstall =
    std::string("npm install --ignore-scripts --no-audit --no-fund --loglevel=error --registry ") + kRegistry;
const std::string kNpmLs = "npm ls --all --json --long";

class NpmLockVersions : public ::testing::TestWithParam<int> {};

TEST_P(NpmLockVersions, MatchesNpmLs) {
  BULWARK_REQUIRE_TOOL("npm");
  int v = GetParam();
  std::string name = "npm-v" + std::to_string(v);
  REQUIRE_INSTALL(ensure(name, kNpmInstall + " --lockfile-version " + std::to_string(v), kNpmLs));
  fs::path dir = cache_root() / name;
  ASSERT_EQ(json::parse(read_file(dir / "package-lock.json")).value("lockfileVersion", 0), v);
  View npm = from_npm_ls(json::parse(read_file(dir / "listing.json")));
  Ours o = parse_ours(dir / "package-lock.json", parse_package_lock);
  // Version 1 does not record peer dependencies: react-dom's react is the one edge it lacks.
  size_t unrecorded = expect_same_graph(o, npm, /*compare_dev=*/true, v == 1 ? peer_edges_of(dir) : EdgeFilter());
  EXPECT_EQ(unrecorded, v == 1 ? 1u : 0u);
  EXPECT_TRUE(o.view.packages.count("ms@2.0.0"));  // old-ms is an alias of ms
  EXPECT_TRUE(o.view.packages.at("mocha@9.2.2"));
  // The reachability rule the Yarn checks use gives npm's own dev flags.
  EXPECT_EQ(with_dev_from_reachability(npm, json::parse(read_file(dir / "listing.json"))).packages, npm.packages);
  if (v == 1) {
    // Version 1 does not record the project's dependencies: what Bulwark
    // calls direct must be declared, and everything declared is direct or
    // unknown.
    for (const auto& id : o.direct) EXPECT_TRUE(npm.root_children.count(id)) << id;
    for (const auto& id : npm.root_children) EXPECT_TRUE(o.direct.count(id) || o.unknown.count(id)) << id;
    EXPECT_EQ(o.root_edges, o.direct);
  } else {
    EXPECT_EQ(o.direct, npm.root_children);
    EXPECT_EQ(o.root_edges, npm.root_children);
    EXPECT_TRUE(o.unknown.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(LockfileVersion, NpmLockVersions, ::testing::Values(1, 2, 3));

TEST(NodeLockNative, Yarn1MatchesTheInstalledTree) {
  BULWARK_REQUIRE_TOOL("npm");
  REQUIRE_INSTALL(ensure_tools());
  REQUIRE_INSTALL(ensure("yarn1",
                         tool("yarn", "bin/yarn.js") + " install --ignore-scripts --non-interactive --no-progress " +
                             "--registry " + kRegistry + " --cache-folder " + quote(cache_root() / "yarn1-cache"),
                         kNpmLs));
  fs::path dir = cache_root() / "yarn1";
  View npm = from_npm_ls(json::parse(read_file(dir / "listing.json")));
  Ours o = parse_ours(dir / "yarn.lock", parse_yarn_lock);
  // Yarn 1 does not record peer dependencies either.
  EXPECT_EQ(expect_same_graph(o, npm, /*compare_dev=*/false, peer_edges_of(dir)), 1u);
  EXPECT_TRUE(o.direct.empty());
  EXPECT_EQ(o.unknown.size(), o.view.packages.size());

  // With the package.json beside it: direct, dev and the root as npm sees them.
  Ours m = analyze_with_manifest(dir);
  View npm_dev = with_dev_from_reachability(npm, json::parse(read_file(dir / "listing.json")));
  EXPECT_EQ(expect_same_graph(m, npm_dev, /*compare_dev=*/true, peer_edges_of(dir)), 1u);
  EXPECT_TRUE(m.view.packages.at("mocha@9.2.2"));
  EXPECT_EQ(m.direct, npm.root_children);
  EXPECT_EQ(m.root_edges, npm.root_children);
  EXPECT_TRUE(m.unknown.empty());
}

TEST(NodeLockNative, Yarn4MatchesTheInstalledTree) {
  BULWARK_REQUIRE_TOOL("npm");
  REQUIRE_INSTALL(ensure_tools());
  REQUIRE_INSTALL(ensure("yarn4",
                         "YARN_ENABLE_IMMUTABLE_INSTALLS=false " + tool("berry", "bin/yarn.js") + " install", kNpmLs,
                         ".yarnrc.yml",
                         std::string("nodeLinker: node-modules\nnpmRegistryServer: \"") + kRegistry +
                             "\"\nenableGlobalCache: false\nenableTelemetry: false\nenableScripts: false\n"));
  fs::path dir = cache_root() / "yarn4";
  View npm = from_npm_ls(json::parse(read_file(dir / "listing.json")));
  Ours o = parse_ours(dir / "yarn.lock", parse_yarn_lock);
  expect_same_graph(o, npm, /*compare_dev=*/false);
  EXPECT_EQ(o.direct, npm.root_children);  // the workspace entry lists them

  Ours m = analyze_with_manifest(dir);
  expect_same_graph(m, with_dev_from_reachability(npm, json::parse(read_file(dir / "listing.json"))), true);
  EXPECT_TRUE(m.view.packages.at("mocha@9.2.2"));
  EXPECT_EQ(m.direct, npm.root_children);
  EXPECT_EQ(m.root_edges, npm.root_children);
}

class PnpmLockVersions : public ::testing::TestWithParam<int> {};

TEST_P(PnpmLockVersions, MatchesPnpmList) {
  BULWARK_REQUIRE_TOOL("npm");
  REQUIRE_INSTALL(ensure_tools());
  int major = GetParam();
  std::string pnpm = tool("pnpm" + std::to_string(major), "bin/pnpm.cjs");
  std::string name = "pnpm" + std::to_string(major);
  REQUIRE_INSTALL(ensure(name,
                         pnpm + " install --ignore-scripts --registry " + kRegistry + " --store-dir " +
                             quote(cache_root() / (name + "-store")),
                         pnpm + " list --depth Infinity --json"));
  fs::path dir = cache_root() / name;
  std::string lock = read_file(dir / "pnpm-lock.yaml");
  const std::map<int, std::string> versions = {{7, "lockfileVersion: 5.4"}, {8, "lockfileVersion: '6.0'"},
                                               {9, "lockfileVersion: '9.0'"}};
  ASSERT_EQ(lock.rfind(versions.at(major), 0), 0u) << lock.substr(0, 40);
  // react-dom resolved its react peer: the key carries a peer suffix.
  EXPECT_NE(lock.find(major == 7 ? "/react-dom/18.2.0_react@18.2.0" : "react-dom@18.2.0(react@18.2.0)"), std::string::npos);
  View pnpm_view = from_pnpm_list(json::parse(read_file(dir / "listing.json")));
  Ours o = parse_ours(dir / "pnpm-lock.yaml", parse_pnpm_lock);
  expect_same_graph(o, pnpm_view, /*compare_dev=*/true);
  EXPECT_EQ(o.direct, pnpm_view.root_children);
  EXPECT_TRUE(o.view.packages.at("mocha@9.2.2"));
  EXPECT_FALSE(o.view.packages.at("react@18.2.0"));
}

INSTANTIATE_TEST_SUITE_P(Pnpm, PnpmLockVersions, ::testing::Values(7, 8, 9));

}  // namespace
}  // namespace bulwark::catalog
