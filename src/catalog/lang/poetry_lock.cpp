// poetry.lock: TOML, one [[package]] table per locked release with its name,
// version and [package.dependencies] (name -> constraint). Whether a package
// is for development only is the "category" of lock files before Poetry 1.5
// ("dev") and the "groups" of Poetry 2 (a package none of whose groups is
// "main"); lock files of Poetry 1.5 to 1.8 record neither, and their packages
// are not marked. The project's own direct dependencies are only in
// pyproject.toml, which one analyzer of one file cannot see, so relationships
// are unknown.
#include <map>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/format_analyzer.hpp"
#include "catalog/lang/python_common.hpp"
#include "catalog/lang/python_toml.hpp"

namespace bulwark::catalog {
namespace {

constexpr int64_t kMaxPoetryLockBytes = 64 << 20;

}  // namespace

std::vector<Package> parse_poetry_lock(std::string_view text, const std::string& path,
                                       std::vector<Diagnostic>& diags) {
  auto warn = [&](int line, std::string msg) { diags.push_back(make_warning(path, line, std::move(msg))); };
  auto doc = python::parse_toml(text, path, "poetry.lock", diags);
  if (!doc) return {};
  const toml::node* list = doc->get("package");
  if (!list) return {};
  const toml::array* packages = list->as_array();
  if (!packages) {
    warn(python::line_of(*list), "\"package\" is not an array of tables; no packages read");
    return {};
  }

  python::PackageSet set;
  // Dependency names of each package (by index in the set), resolved once
  // every package is known.
  std::vector<std::pair<size_t, std::vector<std::string>>> wanted;
  std::map<std::string, std::vector<size_t>> by_name;
  for (const toml::node& node : *packages) {
    const toml::table* t = node.as_table();
    if (!t) {
      warn(python::line_of(node), "a [[package]] entry is not a table; skipped");
      continue;
    }
    std::string name = python::string_of(*t, "name");
    std::string version = python::string_of(*t, "version");
    if (name.empty() || version.empty()) {
      warn(python::line_of(*t),
           std::string("[[package]] without a ") + (name.empty() ? "name" : "version") + "; skipped");
      continue;
    }
    Package p = python::make_package(name, version, path, python::line_of(*t));
    if (python::string_of(*t, "category") == "dev") p.dev = true;
    if (const toml::array* groups = t->get_as<toml::array>("groups")) {
      bool main = false;
      for (const auto& g : *groups)
        if (g.value<std::string_view>() == "main") main = true;
      if (!groups->empty() && !main) p.dev = true;
    }
    std::vector<std::string> deps;
    if (const toml::table* d = t->get_as<toml::table>("dependencies"))
      for (const auto& [key, value] : *d) deps.push_back(pep503_normalize(key.str()));
    size_t i = set.add(std::move(p));
    by_name[pep503_normalize(name)].push_back(i);
    if (!deps.empty()) wanted.emplace_back(i, std::move(deps));
  }
  // A constraint names no release; where a name is locked in several
  // versions (markers for different platforms), all of them are linked.
  auto& pkgs = set.packages();
  for (const auto& [i, deps] : wanted)
    for (const auto& dep : deps) {
      auto it = by_name.find(dep);
      if (it == by_name.end()) continue;  // an extra nobody asked for, or excluded by markers
      for (size_t j : it->second) python::add_edge(pkgs[i], pkgs[j].id);
    }
  return set.take();
}

std::unique_ptr<Analyzer> make_poetry_lock_analyzer() {
  return make_format_analyzer({.name = "poetry-lock", .version = 1, .application_type = "poetry",
                               .read = read_packages<parse_poetry_lock>, .max_bytes = kMaxPoetryLockBytes,
                               .wants_path = python::outside_installed_trees, .file_name = "poetry.lock"});
}

}  // namespace bulwark::catalog
