// uv.lock: TOML, one [[package]] table per locked release with its name,
// version, source and dependencies ({ name, version?, extra? } tables) in
// "dependencies", "optional-dependencies" (by extra) and "dev-dependencies"
// (by dependency group).
//
// The project itself is locked too: the packages whose source is editable or
// virtual (the workspace root and its members) are the roots. What they
// depend on is direct, everything else they reach is transitive, and what is
// reached only through their dependency groups is for development. The walk
// follows extras precisely: "httpx[socks]" reaches httpx and httpx's "socks"
// optional dependencies. A lock without such a package (written by hand, or
// by an old uv) says nothing about relationships: they are unknown there.
#include <map>
#include <set>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/format_analyzer.hpp"
#include "catalog/lang/python_common.hpp"
#include "catalog/lang/python_toml.hpp"

namespace bulwark::catalog {
namespace {

constexpr int64_t kMaxUvLockBytes = 64 << 20;

struct Dep {
  std::string name;     // PEP 503
  std::string version;  // given when the lock holds several releases of the name
  std::vector<std::string> extras;
};

struct Entry {
  std::string name, version;
  int line = 0;
  bool root = false;
  std::vector<Dep> deps;
  std::map<std::string, std::vector<Dep>> optional;  // by extra (PEP 503 normalised, as uv writes it)
  std::map<std::string, std::vector<Dep>> groups;    // dev-dependencies by group
};

std::vector<Dep> read_deps(const toml::node* node, const std::string& owner, const std::string& path,
                           std::vector<Diagnostic>& diags) {
  std::vector<Dep> out;
  if (!node) return out;
  const toml::array* arr = node->as_array();
  if (!arr) {
    diags.push_back(make_warning(path, python::line_of(*node), "dependencies of " + owner + " are not an array"));
    return out;
  }
  for (const auto& d : *arr) {
    const toml::table* t = d.as_table();
    std::string name = t ? python::string_of(*t, "name") : std::string();
    if (name.empty()) {
      diags.push_back(make_warning(path, python::line_of(d), "a dependency of " + owner + " has no name; skipped"));
      continue;
    }
    Dep dep;
    dep.name = pep503_normalize(name);
    dep.version = python::string_of(*t, "version");
    if (const toml::array* extras = t->get_as<toml::array>("extra"))
      for (const auto& x : *extras)
        if (auto s = x.value<std::string>()) dep.extras.push_back(pep503_normalize(*s));
    out.push_back(std::move(dep));
  }
  return out;
}

std::map<std::string, std::vector<Dep>> read_dep_groups(const toml::table& t, std::string_view key,
                                                        const std::string& owner, const std::string& path,
                                                        std::vector<Diagnostic>& diags) {
  std::map<std::string, std::vector<Dep>> out;
  const toml::node* node = t.get(key);
  if (!node) return out;
  const toml::table* groups = node->as_table();
  if (!groups) {
    diags.push_back(make_warning(path, python::line_of(*node), std::string(key) + " of " + owner + " is not a table"));
    return out;
  }
  for (const auto& [name, deps] : *groups) {
    auto& v = out[pep503_normalize(name.str())];
    for (auto& d : read_deps(&deps, owner, path, diags)) v.push_back(std::move(d));
  }
  return out;
}

}  // namespace

std::vector<Package> parse_uv_lock(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags) {
  auto warn = [&](int line, std::string msg) { diags.push_back(make_warning(path, line, std::move(msg))); };
  auto doc = python::parse_toml(text, path, "uv.lock", diags);
  if (!doc) return {};
  const toml::node* list = doc->get("package");
  if (!list) return {};
  const toml::array* packages = list->as_array();
  if (!packages) {
    warn(python::line_of(*list), "\"package\" is not an array of tables; no packages read");
    return {};
  }

  std::vector<Entry> entries;
  std::map<std::string, std::vector<size_t>> by_name;
  for (const toml::node& node : *packages) {
    const toml::table* t = node.as_table();
    if (!t) {
      warn(python::line_of(node), "a [[package]] entry is not a table; skipped");
      continue;
    }
    Entry e;
    e.name = python::string_of(*t, "name");
    e.version = python::string_of(*t, "version");
    e.line = python::line_of(*t);
    if (e.name.empty()) {
      warn(e.line, "[[package]] without a name; skipped");
      continue;
    }
    if (const toml::table* source = t->get_as<toml::table>("source"))
      e.root = source->contains("editable") || source->contains("virtual");
    if (e.version.empty() && !e.root) {
      // Only the project's own packages may leave the version out (a dynamic version).
      warn(e.line, "package " + e.name + " has no version; skipped");
      continue;
    }
    e.deps = read_deps(t->get("dependencies"), e.name, path, diags);
    e.optional = read_dep_groups(*t, "optional-dependencies", e.name, path, diags);
    e.groups = read_dep_groups(*t, "dev-dependencies", e.name, path, diags);
    by_name[pep503_normalize(e.name)].push_back(entries.size());
    entries.push_back(std::move(e));
  }

  auto resolve = [&](const Dep& d) {
    std::vector<size_t> out;
    auto it = by_name.find(d.name);
    if (it == by_name.end()) return out;
    for (size_t j : it->second)
      if (d.version.empty() || entries[j].version == d.version) out.push_back(j);
    return out;
  };

  // Walks (package, extra) pairs from the roots; returns the packages reached.
  auto walk = [&](bool with_groups) {
    std::set<std::pair<size_t, std::string>> seen;
    std::vector<std::pair<size_t, std::string>> stack;
    auto push_dep = [&](const Dep& d) {
      for (size_t j : resolve(d)) {
        stack.emplace_back(j, std::string());
        for (const auto& x : d.extras) stack.emplace_back(j, x);
      }
    };
    for (size_t r = 0; r < entries.size(); ++r) {
      if (!entries[r].root) continue;
      stack.emplace_back(r, std::string());
      for (const auto& [extra, deps] : entries[r].optional) stack.emplace_back(r, extra);
      if (with_groups)
        for (const auto& [group, deps] : entries[r].groups)
          for (const auto& d : deps) push_dep(d);
    }
    std::vector<char> reached(entries.size(), 0);
    while (!stack.empty()) {
      auto node = std::move(stack.back());
      stack.pop_back();
      if (!seen.insert(node).second) continue;
      const Entry& e = entries[node.first];
      reached[node.first] = 1;
      if (node.second.empty()) {
        for (const auto& d : e.deps) push_dep(d);
      } else {
        stack.emplace_back(node.first, std::string());
        auto it = e.optional.find(node.second);
        if (it != e.optional.end())
          for (const auto& d : it->second) push_dep(d);
      }
    }
    return reached;
  };

  bool has_root = false;
  for (const auto& e : entries) has_root = has_root || e.root;
  std::vector<char> runtime, any, direct(entries.size(), 0);
  if (has_root) {
    runtime = walk(false);
    any = walk(true);
    for (const auto& e : entries) {
      if (!e.root) continue;
      auto mark = [&](const std::vector<Dep>& deps) {
        for (const auto& d : deps)
          for (size_t j : resolve(d)) direct[j] = 1;
      };
      mark(e.deps);
      for (const auto& [x, deps] : e.optional) mark(deps);
      for (const auto& [g, deps] : e.groups) mark(deps);
    }
  }

  // Packages, then edges by id (a root without a version is not listed, and
  // edges to it are dropped).
  std::vector<Package> pkgs(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    Package& p = pkgs[i];
    p = python::make_package(e.name, e.version, path, e.line);
    if (!has_root) continue;
    if (e.root)
      p.relationship = Relationship::kRoot;
    else if (direct[i])
      p.relationship = Relationship::kDirect;
    else if (any[i])
      p.relationship = Relationship::kTransitive;
    p.dev = !e.root && any[i] && !runtime[i];
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    auto link = [&](const std::vector<Dep>& deps) {
      for (const auto& d : deps)
        for (size_t j : resolve(d))
          if (!entries[j].version.empty()) python::add_edge(pkgs[i], pkgs[j].id);
    };
    link(entries[i].deps);
    for (const auto& [x, deps] : entries[i].optional) link(deps);
    for (const auto& [g, deps] : entries[i].groups) link(deps);
  }
  python::PackageSet set;
  for (size_t i = 0; i < entries.size(); ++i)
    if (!entries[i].version.empty()) set.add(std::move(pkgs[i]));
  return set.take();
}

std::unique_ptr<Analyzer> make_uv_lock_analyzer() {
  return make_format_analyzer({.name = "uv-lock", .version = 1, .application_type = "uv",
                               .read = read_packages<parse_uv_lock>, .max_bytes = kMaxUvLockBytes,
                               .wants_path = python::outside_installed_trees, .file_name = "uv.lock"});
}

}  // namespace bulwark::catalog
