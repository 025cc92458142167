// Cargo.lock: every crate Cargo resolved for a workspace, one [[package]]
// table each (name, version, source, checksum, dependencies). A dependency
// entry names another package by "name" alone when the name is unique in the
// file, "name version" when several versions are locked, and
// "name version (source)" when even that is ambiguous (and always in
// lockfile version 1). Version 1 lockfiles from before 2017 may hold the root
// package in a [root] table, and checksums in [metadata] (not needed here).
//
// The file does not say which crates are the workspace's own or which are
// dev-dependencies: packages without a source are local (workspace members
// and path dependencies) and are reported as kRoot; crates that a local
// package depends on are kDirect, all others kTransitive. dev-, build- and
// normal dependencies are listed alike, so `dev` is never set.
#include <toml++/toml.h>

#include <algorithm>
#include <map>
#include <optional>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/format_analyzer.hpp"

namespace bulwark::catalog {
namespace {

// Lockfiles of the largest workspaces are a few MiB.
constexpr int64_t kMaxCargoLockBytes = 32 << 20;

struct Entry {
  std::string name;
  std::string version;
  std::string source;
  int line = 0;
  std::vector<std::pair<std::string, int>> deps;  // as written, with their lines
  std::vector<size_t> resolved;   // indices into the entry list
};

int rank(Relationship r) {
  switch (r) {
    case Relationship::kRoot: return 3;
    case Relationship::kDirect: return 2;
    case Relationship::kTransitive: return 1;
    default: return 0;
  }
}

// Reads one package table; nullopt (with a warning) without name or version.
std::optional<Entry> read_entry(const toml::table& t, const std::string& path, std::vector<Diagnostic>& diags,
                                bool root_table) {
  Entry e;
  e.line = static_cast<int>(t.source().begin.line);
  auto name = t["name"].value<std::string>();
  auto version = t["version"].value<std::string>();
  if (!name || !version || name->empty() || version->empty()) {
    diags.push_back(make_warning(path, e.line,
                                 std::string(root_table ? "[root]" : "[[package]]") + " without a name or version"));
    return std::nullopt;
  }
  e.name = std::move(*name);
  e.version = std::move(*version);
  e.source = t["source"].value<std::string>().value_or("");
  if (const toml::node* d = t.get("dependencies")) {
    const toml::array* arr = d->as_array();
    if (!arr) {
      diags.push_back(make_warning(path, static_cast<int>(d->source().begin.line),
                                   "dependencies of " + e.name + " is not an array"));
    } else {
      for (const auto& item : *arr) {
        if (auto s = item.value<std::string>()) e.deps.emplace_back(std::move(*s), static_cast<int>(item.source().begin.line));
        else diags.push_back(make_warning(path, static_cast<int>(item.source().begin.line),
                                          "dependency of " + e.name + " is not a string"));
      }
    }
  }
  return e;
}

// Finds the package a dependency entry names.
std::optional<size_t> resolve(const std::string& dep, const std::vector<Entry>& entries,
                              const std::multimap<std::string, size_t>& by_name, std::string& why) {
  std::string_view d = trim(dep);
  std::string name, version, source;
  size_t sp = d.find(' ');
  name = std::string(d.substr(0, sp));
  if (sp != std::string_view::npos) {
    std::string_view rest = trim(d.substr(sp + 1));
    size_t sp2 = rest.find(' ');
    version = std::string(rest.substr(0, sp2));
    if (sp2 != std::string_view::npos) {
      std::string_view src = trim(rest.substr(sp2 + 1));
      if (src.size() < 2 || src.front() != '(' || src.back() != ')') {
        why = "is not 'name version (source)'";
        return std::nullopt;
      }
      source = std::string(src.substr(1, src.size() - 2));
    }
  }
  std::vector<size_t> found;
  auto [lo, hi] = by_name.equal_range(name);
  for (auto it = lo; it != hi; ++it) {
    const Entry& e = entries[it->second];
    if (!version.empty() && e.version != version) continue;
    if (!source.empty() && e.source != source) continue;
    found.push_back(it->second);
  }
  if (found.size() == 1) return found[0];
  why = found.empty() ? "names no package in the file" : "matches several packages";
  return std::nullopt;
}

}  // namespace

std::vector<Package> parse_cargo_lock(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags) {
  toml::table doc;
  try {
    doc = toml::parse(text, std::string_view(path));
  } catch (const toml::parse_error& e) {
    diags.push_back(make_warning(path, static_cast<int>(e.source().begin.line),
                                 "not a valid Cargo.lock (TOML): " + std::string(e.description())));
    return {};
  }

  std::vector<Entry> entries;
  if (const toml::table* root = doc["root"].as_table())
    if (auto e = read_entry(*root, path, diags, true)) entries.push_back(std::move(*e));
  if (const toml::node* pkgs = doc.get("package")) {
    const toml::array* arr = pkgs->as_array();
    if (!arr) {
      diags.push_back(make_warning(path, static_cast<int>(pkgs->source().begin.line), "'package' is not an array of tables"));
    } else {
      for (const auto& item : *arr) {
        const toml::table* t = item.as_table();
        if (!t) {
          diags.push_back(make_warning(path, static_cast<int>(item.source().begin.line), "package entry is not a table"));
          continue;
        }
        if (auto e = read_entry(*t, path, diags, false)) entries.push_back(std::move(*e));
      }
    }
  }

  std::multimap<std::string, size_t> by_name;
  for (size_t i = 0; i < entries.size(); ++i) by_name.emplace(entries[i].name, i);
  for (auto& e : entries) {
    for (const auto& [dep, line] : e.deps) {
      std::string why;
      if (auto idx = resolve(dep, entries, by_name, why)) {
        e.resolved.push_back(*idx);
      } else {
        diags.push_back(make_warning(path, line, "dependency '" + dep + "' of " + e.name + " " + why));
      }
    }
  }

  // Local packages are the roots; what they depend on is direct.
  std::vector<Relationship> rel(entries.size(), Relationship::kUnknown);
  bool any_root = false;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].source.empty()) {
      rel[i] = Relationship::kRoot;
      any_root = true;
    }
  }
  if (any_root) {
    for (size_t i = 0; i < entries.size(); ++i)
      if (rel[i] != Relationship::kRoot) rel[i] = Relationship::kTransitive;
    for (size_t i = 0; i < entries.size(); ++i)
      if (entries[i].source.empty())
        for (size_t d : entries[i].resolved)
          if (rel[d] == Relationship::kTransitive) rel[d] = Relationship::kDirect;
  }

  std::vector<Package> out;
  std::map<std::string, size_t> index;  // id -> position in out
  std::vector<std::string> ids(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    Package p;
    p.ecosystem = "cargo";
    p.name = entries[i].name;
    p.version = entries[i].version;
    p.relationship = rel[i];
    p.location.path = path;
    p.location.line = entries[i].line;
    p.id = make_package_id(p);
    ids[i] = p.id;
    // The same name and version from two sources (a registry and a git fork)
    // is one package to a scanner: merged, with the edges of both.
    auto [it, fresh] = index.emplace(p.id, out.size());
    if (fresh) out.push_back(std::move(p));
    else if (rank(rel[i]) > rank(out[it->second].relationship)) out[it->second].relationship = rel[i];
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    Package& p = out[index.at(ids[i])];
    for (size_t d : entries[i].resolved) {
      const std::string& id = ids[d];
      if (id != p.id && std::find(p.depends_on.begin(), p.depends_on.end(), id) == p.depends_on.end())
        p.depends_on.push_back(id);
    }
  }
  return out;
}

std::unique_ptr<Analyzer> make_cargo_lock_analyzer() {
  return make_format_analyzer({.name = "cargo-lock", .version = 1, .application_type = "cargo",
                               .read = read_packages<parse_cargo_lock>, .max_bytes = kMaxCargoLockBytes,
                               .wants_path = outside_node_modules, .file_name = "Cargo.lock"});
}

}  // namespace bulwark::catalog
