// Composer's lockfile (composer.lock): "packages" are what the project runs
// with, "packages-dev" what only its development needs. Each entry has the
// package's name ("vendor/package"), its version as Composer resolved it
// (kept as written: "v6.4.1", "1.2.3", "dev-main"), licenses, and "require"
// (edges to the other packages of the lock; platform requirements such as
// php or ext-json name no package and are left out).
//
// Which packages the project asks for itself only composer.json says, so this
// analyzer also reads the composer.json beside each composer.lock (not those
// under vendor/, which belong to installed packages) and, when both are
// visible in the final tree, marks the lock's packages direct or transitive.
#include <set>
#include <unordered_map>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/composer.hpp"
#include "catalog/lang/format_analyzer.hpp"
#include "catalog/lang/json_lines.hpp"

namespace bulwark::catalog {

std::string composer_key(std::string_view name) {
  std::string k(name);
  for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return k;
}


void ComposerPackages::read_list(const json& list, const std::vector<std::string>& where,
                                 const std::function<bool(const std::string& name)>& dev) {
  auto keys_of = [](const json& entry, const char* field, std::vector<std::string>& out) {
    auto it = entry.find(field);
    if (it == entry.end() || !it->is_object()) return;
    for (const auto& [k, v] : it->items()) out.push_back(composer_key(k));
  };
  std::string label;
  for (const auto& part : where) label += (label.empty() ? "" : ".") + part;
  if (label.empty()) label = "package list";
  auto lines = json_child_lines(text_, where);
  for (size_t i = 0; i < list.size(); ++i) {
    const json& entry = list[i];
    int line = i < lines.size() ? lines[i].second : 0;
    auto warn = [&](std::string message) { diags_.push_back(make_warning(path_, line, std::move(message))); };
    if (!entry.is_object()) {
      warn(label + "[" + std::to_string(i) + "] is not a package object");
      continue;
    }
    Package p;
    p.ecosystem = "composer";
    p.name = get_string(entry, "name");
    p.version = get_string(entry, "version");
    if (p.name.empty() || p.version.empty()) {
      warn(label + "[" + std::to_string(i) + "]" + (p.name.empty() ? "" : " (" + p.name + ")") + " has no " +
                   (p.name.empty() ? "name" : "version") + "; skipped");
      continue;
    }
    // "license": ["MIT"] as Composer writes it; a single string in old files.
    if (auto it = entry.find("license"); it != entry.end()) {
      if (it->is_string() && !it->get_ref<const std::string&>().empty()) p.licenses.push_back(it->get<std::string>());
      if (it->is_array())
        for (const auto& l : *it)
          if (l.is_string() && !l.get_ref<const std::string&>().empty()) p.licenses.push_back(l.get<std::string>());
    }
    p.dev = dev(p.name);
    p.location.path = path_;
    p.location.line = line;
    p.id = make_package_id(p);
    std::vector<std::string> req, prov;
    keys_of(entry, "require", req);
    keys_of(entry, "provide", prov);
    keys_of(entry, "replace", prov);
    packages_.push_back(std::move(p));
    requires_.push_back(std::move(req));
    provides_.push_back(std::move(prov));
  }
}

std::vector<Package> ComposerPackages::finish() {
  std::vector<Package> out;
  std::vector<std::vector<std::string>> reqs;
  std::unordered_map<std::string, size_t> by_id;
  std::unordered_map<std::string, std::vector<size_t>> by_name, by_provided;
  for (size_t i = 0; i < packages_.size(); ++i) {
    Package& p = packages_[i];
    auto [it, fresh] = by_id.emplace(p.id, out.size());
    if (!fresh) {
      // Listed twice (a hand-merged lock): runtime wins over dev, edges merge.
      Package& kept = out[it->second];
      kept.dev = kept.dev && p.dev;
      reqs[it->second].insert(reqs[it->second].end(), requires_[i].begin(), requires_[i].end());
      continue;
    }
    by_name[composer_key(p.name)].push_back(out.size());
    for (const auto& v : provides_[i]) by_provided[v].push_back(out.size());
    out.push_back(std::move(p));
    reqs.push_back(std::move(requires_[i]));
  }
  for (size_t i = 0; i < out.size(); ++i) {
    std::set<std::string> ids;
    for (const auto& name : reqs[i]) {
      // A real package of that name, else the packages providing or
      // replacing it (a virtual package such as "psr/log-implementation");
      // neither for platform requirements (php, ext-*, lib-*).
      const std::vector<size_t>* targets = nullptr;
      if (auto real = by_name.find(name); real != by_name.end()) targets = &real->second;
      else if (auto virt = by_provided.find(name); virt != by_provided.end()) targets = &virt->second;
      if (!targets) continue;
      for (size_t j : *targets)
        if (j != i) ids.insert(out[j].id);
    }
    out[i].depends_on.assign(ids.begin(), ids.end());
  }
  return out;
}

namespace {

constexpr int64_t kMaxLockBytes = 64 << 20;
constexpr int64_t kMaxManifestBytes = 4 << 20;
constexpr const char* kRequireFact = "composer.require";
constexpr const char* kRequireDevFact = "composer.require-dev";

std::string join_lines(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : "\n") + n;
  return out;
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    out.push_back(s.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
    pos = nl == std::string::npos ? s.size() : nl + 1;
  }
  return out;
}

// Only facts: a composer.json alone lists no installed package.
void read_manifest(std::string_view text, const std::string& path, FileResult& out) {
  if (auto m = parse_composer_json(text, path, out.diagnostics)) {
    out.facts[kRequireFact] = join_lines(m->require);
    out.facts[kRequireDevFact] = join_lines(m->require_dev);
  }
}

void refine(const FileResult& manifest, const FileResult&, std::vector<Package>& packages, std::vector<Diagnostic>&) {
  auto req = manifest.facts.find(kRequireFact);
  auto dev = manifest.facts.find(kRequireDevFact);
  if (req == manifest.facts.end() || dev == manifest.facts.end()) return;  // unreadable
  apply_composer_manifest(packages, ComposerManifest{split_lines(req->second), split_lines(dev->second)});
}

}  // namespace

std::vector<Package> parse_composer_lock(std::string_view text, const std::string& path,
                                         std::vector<Diagnostic>& diags) {
  auto doc = parse_json(text, path);
  if (!doc) {
    diags.push_back(json_error_warning(path, doc.error(), "composer.lock"));
    return {};
  }
  if (!doc->is_object()) {
    diags.push_back(make_warning(path, 1, "composer.lock is not a JSON object"));
    return {};
  }
  ComposerPackages packages(text, path, diags);
  for (const char* section : {"packages", "packages-dev"}) {
    auto it = doc->find(section);
    if (it == doc->end() || it->is_null()) continue;
    if (!it->is_array()) {
      diags.push_back(make_warning(path, json_line_of(text, {section}), std::string(section) + " is not an array"));
      continue;
    }
    bool dev = std::string_view(section) == "packages-dev";
    packages.read_list(*it, {section}, [dev](const std::string&) { return dev; });
  }
  return packages.finish();
}

std::optional<ComposerManifest> parse_composer_json(std::string_view text, const std::string& path,
                                                    std::vector<Diagnostic>& diags) {
  auto doc = parse_json(text, path);
  if (!doc) {
    diags.push_back(json_error_warning(path, doc.error(), "composer.json"));
    return std::nullopt;
  }
  if (!doc->is_object()) {
    diags.push_back(make_warning(path, 1, "composer.json is not a JSON object"));
    return std::nullopt;
  }
  ComposerManifest m;
  auto names = [&](const char* field, std::vector<std::string>& out) {
    auto it = doc->find(field);
    if (it == doc->end() || !it->is_object()) return;
    for (const auto& [name, constraint] : it->items())
      if (name.find('/') != std::string::npos) out.push_back(composer_key(name));  // php, ext-*, lib-* have none
  };
  names("require", m.require);
  names("require-dev", m.require_dev);
  return m;
}

void apply_composer_manifest(std::vector<Package>& packages, const ComposerManifest& manifest) {
  std::set<std::string> direct(manifest.require.begin(), manifest.require.end());
  direct.insert(manifest.require_dev.begin(), manifest.require_dev.end());
  for (auto& p : packages)
    p.relationship = direct.count(composer_key(p.name)) ? Relationship::kDirect : Relationship::kTransitive;
}

// Each composer.lock becomes an application; the composer.json beside it, if
// any, says which packages are direct. Installed packages' own manifests
// (vendor/<vendor>/<package>/composer.json) are not read.
std::unique_ptr<Analyzer> make_composer_lock_analyzer() {
  static constexpr ManifestRule kComposerJson{
      .file_name = "composer.json",
      .max_bytes = kMaxManifestBytes,
      .wants_path = [](std::string_view path) { return !in_node_modules(path) && !has_dir_component(path, "vendor"); },
      .read = read_manifest,
      .refine = refine,
  };
  return make_format_analyzer({.name = "composer-lock", .version = 1, .application_type = "composer",
                               .read = read_packages<parse_composer_lock>, .max_bytes = kMaxLockBytes,
                               .wants_path = outside_node_modules, .file_name = "composer.lock",
                               .manifest = &kComposerJson});
}

}  // namespace bulwark::catalog
