// Installed npm packages: every package manifest directly inside a
// node_modules directory (node_modules/<name>/package.json and
// node_modules/@scope/<name>/package.json), at any depth, so nested
// node_modules of dependencies and globally installed packages
// (usr/lib/node_modules, usr/local/lib/node_modules) are all seen. Other
// package.json files (a package's own test fixtures, the application's root
// manifest) are not installed packages and are left to the lockfile analyzers.
#include <optional>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/format_analyzer.hpp"
#include "core/json.hpp"

namespace bulwark::catalog {
namespace {

// An installed package manifest is small; anything bigger is not one we trust.
constexpr int64_t kMaxManifestBytes = 4 << 20;

bool is_installed_manifest(std::string_view path) {
  if (base_name(path) != "package.json") return false;
  std::string_view dir = dir_name(path);         // .../node_modules/<name> or .../@scope/<name>
  std::string_view parent = dir_name(dir);       // .../node_modules or .../@scope
  std::string_view name = base_name(dir);
  if (name.empty() || name.front() == '.') return false;  // node_modules/.bin, .cache
  if (base_name(parent) == "node_modules") return name.front() != '@';
  std::string_view scope = base_name(parent);
  return !scope.empty() && scope.front() == '@' && base_name(dir_name(parent)) == "node_modules";
}

// "license": "MIT" | {"type": "MIT"}; legacy "licenses": [{"type": ...}, "..."].
std::vector<std::string> licenses_of(const json& j) {
  std::vector<std::string> out;
  auto add = [&](const json& v) {
    if (v.is_string() && !v.get_ref<const std::string&>().empty()) out.push_back(v.get<std::string>());
    else if (v.is_object()) {
      std::string t = get_string(v, "type");
      if (!t.empty()) out.push_back(t);
    }
  };
  if (auto it = j.find("license"); it != j.end()) add(*it);
  if (auto it = j.find("licenses"); it != j.end() && it->is_array())
    for (const auto& v : *it) add(v);
  return out;
}

}  // namespace

std::optional<Package> parse_npm_package_json(std::string_view text, const std::string& path,
                                              std::vector<Diagnostic>& diags) {
  auto warn = [&](std::string message) { diags.push_back(make_warning(path, 0, std::move(message))); };
  auto doc = parse_json(text, path);
  if (!doc) {
    warn("not a usable package.json: " + doc.error().message);
    return std::nullopt;
  }
  if (!doc->is_object()) {
    warn("package.json is not a JSON object");
    return std::nullopt;
  }
  Package p;
  p.ecosystem = "npm";
  p.name = get_string(*doc, "name");
  p.version = get_string(*doc, "version");
  if (p.name.empty() || p.version.empty()) {
    // npm itself refuses to install such a package; a manifest like this is a
    // placeholder or a workspace root, not an installed package.
    warn("package.json has no " + std::string(p.name.empty() ? "name" : "version") + "; not an installed package");
    return std::nullopt;
  }
  p.licenses = licenses_of(*doc);
  p.location.path = path;
  return p;
}

std::unique_ptr<Analyzer> make_npm_installed_analyzer() {
  return make_format_analyzer({.name = "npm-installed", .version = 1, .application_type = "node-pkg",
                               .read = read_packages<parse_npm_package_json>, .max_bytes = kMaxManifestBytes,
                               .wants_path = is_installed_manifest});
}

}  // namespace bulwark::catalog
