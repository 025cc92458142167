// What Composer actually installed into a vendor directory:
// <vendor-dir>/composer/installed.json. Two layouts:
//   Composer 1: a JSON array of package objects; it does not record which
//               of them are development-only.
//   Composer 2: {"packages": [...], "dev": true|false, "dev-package-names": [...]}
//               (dev-package-names lists the development-only ones).
// Package objects are those of composer.lock (name, version, license,
// require, provide, replace), read by the same code. Relationship unknown:
// the installed tree does not say what the project asked for.
#include <set>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/composer.hpp"
#include "catalog/lang/format_analyzer.hpp"
#include "catalog/lang/json_lines.hpp"

namespace bulwark::catalog {
namespace {

constexpr int64_t kMaxInstalledBytes = 64 << 20;

bool is_installed_json(std::string_view path) {
  if (in_node_modules(path)) return false;
  return base_name(path) == "installed.json" && base_name(dir_name(path)) == "composer";
}

}  // namespace

std::vector<Package> parse_composer_installed(std::string_view text, const std::string& path,
                                              std::vector<Diagnostic>& diags) {
  auto doc = parse_json(text, path);
  if (!doc) {
    diags.push_back(json_error_warning(path, doc.error(), "Composer installed.json"));
    return {};
  }
  ComposerPackages packages(text, path, diags);
  if (doc->is_array()) {  // Composer 1
    packages.read_list(*doc, {}, [](const std::string&) { return false; });
    return packages.finish();
  }
  auto list = doc->is_object() ? doc->find("packages") : doc->end();
  if (!doc->is_object() || list == doc->end() || !list->is_array()) {
    diags.push_back(make_warning(path, 1,
                                 "not a Composer installed.json: neither an array of packages (Composer 1) nor an "
                                 "object with a \"packages\" array (Composer 2)"));
    return {};
  }
  std::set<std::string> dev_names;
  if (auto it = doc->find("dev-package-names"); it != doc->end() && it->is_array())
    for (const auto& n : *it)
      if (n.is_string()) dev_names.insert(composer_key(n.get_ref<const std::string&>()));
  packages.read_list(*list, {"packages"},
                     [&](const std::string& name) { return dev_names.count(composer_key(name)) > 0; });
  return packages.finish();
}

std::unique_ptr<Analyzer> make_composer_installed_analyzer() {
  return make_format_analyzer({.name = "composer-installed", .version = 1, .application_type = "composer-vendor",
                               .read = read_packages<parse_composer_installed>, .max_bytes = kMaxInstalledBytes,
                               .wants_path = is_installed_json});
}

}  // namespace bulwark::catalog
