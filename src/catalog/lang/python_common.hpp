// Internal helpers shared by the Python analyzers of catalog/lang (installed
// distributions, requirements files, Pipfile.lock, poetry.lock, uv.lock).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/lang/lang.hpp"

namespace bulwark::catalog::python {

// Lockfiles and requirements files inside node_modules, site-packages or
// dist-packages belong to packages that are already installed (their own
// development files, shipped in an sdist); what is installed there is
// python-dist's job, as node_modules is npm-installed's.
bool in_installed_tree(std::string_view path);
inline bool outside_installed_trees(std::string_view path) { return !in_installed_tree(path); }

// A pypi package as the lockfiles give it, with its id set.
Package make_package(std::string name, std::string version, const std::string& path, int line = 0);

// The packages of one file, deduplicated by id: a second entry with the same
// name and version merges into the first (its edges are added; it stays dev
// only if both are dev; the stronger relationship wins).
class PackageSet {
 public:
  // Returns the index of the package in the set.
  size_t add(Package p);
  std::vector<Package>& packages() { return packages_; }
  std::vector<Package> take() { return std::move(packages_); }

 private:
  std::vector<Package> packages_;
  std::map<std::string, size_t> by_id_;
};

// Adds `id` to `p.depends_on` unless it is there already or is p itself.
void add_edge(Package& p, const std::string& id);

// Text of a file as UTF-8: a UTF-8 byte order mark is dropped and UTF-16 text
// with a byte order mark (Windows editors write requirements files so) is
// converted. Returns false with `error` set when UTF-16 text is malformed.
bool to_utf8(std::string_view raw, std::string& out, std::string& error);

// 1-based line of a byte offset.
int line_of(std::string_view text, size_t offset);

}  // namespace bulwark::catalog::python
