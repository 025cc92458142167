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
#include "catalog/lang/json_lines.hpp"

namespace bulwark::catalog {
namespace {

constexpr int64_t kMaxInstalledBytes = 64 << 20;

bool is_installed_json(std::string_view path) {
  if (path.starts_with("node_modules/") || path.find("/node_modules/") != std::string_view::npos) return false;
  return base_name(path) == "installed.json" && base_name(dir_name(path)) == "composer";
}

class ComposerInstalledAnalyzer : public Analyzer {
 public:
  std::string_view name() const override { return "composer-installed"; }
  int version() const override { return 1; }
  bool wants(std::string_view path, int64_t size) const override {
    return size <= kMaxInstalledBytes && is_installed_json(path);
  }
  Status analyze(const FileEntry& entry, FileResult& out) const override {
    auto text = entry.read_all(static_cast<size_t>(kMaxInstalledBytes));
    if (!text) return text.error();
    out.application_type = "composer-vendor";
    out.packages = parse_composer_installed(*text, entry.path, out.diagnostics);
    return {};
  }
};

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

std::unique_ptr<Analyzer> make_composer_installed_analyzer() { return std::make_unique<ComposerInstalledAnalyzer>(); }

}  // namespace bulwark::catalog
