// A .NET application's dependency manifest, <App>.deps.json, written by the
// SDK next to the application's assemblies and read by the host at startup:
//
//   {"runtimeTarget": {"name": ".NETCoreApp,Version=v8.0[/linux-x64]"},
//    "targets": {".NETCoreApp,Version=v8.0": {
//        "App/1.0.0":            {"dependencies": {"Newtonsoft.Json": "13.0.3"},
//                                 "runtime": {"App.dll": {}}},
//        "Newtonsoft.Json/13.0.3": {"runtime": {"lib/net6.0/Newtonsoft.Json.dll": {}}}}},
//    "libraries": {
//        "App/1.0.0":              {"type": "project", ...},
//        "Newtonsoft.Json/13.0.3": {"type": "package", "serviceable": true,
//                                   "sha512": "sha512-<base64>", ...}}}
//
// Reported: libraries of type "package" (NuGet packages), and the bundled
// runtime of a self-contained application (type "runtimepack", named without
// the SDK's "runtimepack." prefix: Microsoft.NETCore.App.Runtime.linux-x64, the
// name NuGet publishes it under). Left out: "project" libraries other than the
// application itself, "reference" assemblies, and packages whose entry in the
// runtime target has no runtime, runtimeTargets, native or resources assets
// (compile-time-only packages: nothing of them is deployed).
//
// The application is the project library named like the file (the host's own
// rule: App.deps.json belongs to App.dll), else the one project no other
// library depends on. It is reported as the root; its dependencies in the
// runtime target are direct, the other packages transitive. Without a root
// (or a runtime target) relationships are unknown.
#include <set>
#include <unordered_map>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/format_analyzer.hpp"
#include "catalog/lang/json_lines.hpp"
#include "core/json.hpp"

namespace bulwark::catalog {
namespace {

constexpr int64_t kMaxDepsBytes = 64 << 20;
constexpr std::string_view kSuffix = ".deps.json";
constexpr std::string_view kRuntimePackPrefix = "runtimepack.";

std::string lower(std::string_view s) {
  std::string k(s);
  for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return k;
}

bool nonempty(const json& entry, const char* field) {
  auto it = entry.find(field);
  return it != entry.end() && !it->is_null() && !it->empty();
}

bool is_deps_json(std::string_view path) {
  std::string_view base = base_name(path);
  return base.size() > kSuffix.size() && base.ends_with(kSuffix) && !in_node_modules(path);
}

}  // namespace

std::vector<Package> parse_dotnet_deps(std::string_view text, const std::string& path,
                                       std::vector<Diagnostic>& diags) {
  auto warn = [&](int line, std::string message) { diags.push_back(make_warning(path, line, std::move(message))); };
  auto doc = parse_json(text, path);
  if (!doc) {
    diags.push_back(json_error_warning(path, doc.error(), ".deps.json"));
    return {};
  }
  if (!doc->is_object()) {
    warn(1, ".deps.json is not a JSON object");
    return {};
  }
  auto libraries = doc->find("libraries");
  if (libraries == doc->end() || !libraries->is_object()) {
    warn(1, ".deps.json has no \"libraries\" object; nothing to read");
    return {};
  }

  // The runtime target: the one runtimeTarget names, else the only one there is.
  const json* target = nullptr;
  std::string runtime_target;
  if (auto rt = doc->find("runtimeTarget"); rt != doc->end()) runtime_target = get_string(*rt, "name");
  if (auto targets = doc->find("targets"); targets != doc->end() && targets->is_object()) {
    if (auto t = targets->find(runtime_target); t != targets->end() && t->is_object()) target = &*t;
    else if (targets->size() == 1 && targets->begin()->is_object()) target = &*targets->begin();
    else if (!targets->empty())
      warn(json_line_of(text, {"targets"}), "runtime target '" + runtime_target +
                                                "' is not among the targets; dependencies and relationships unknown");
  }
  auto target_entry = [&](const std::string& key) -> const json* {
    if (!target) return nullptr;
    auto it = target->find(key);
    return it != target->end() && it->is_object() ? &*it : nullptr;
  };

  // Project libraries, and every name another target entry depends on.
  std::vector<std::string> projects;  // "Name/Version"
  std::set<std::string> referenced;   // lowercase names
  if (target)
    for (const auto& [key, entry] : target->items())
      if (auto deps = entry.find("dependencies"); deps != entry.end() && deps->is_object())
        for (const auto& [dep, version] : deps->items()) referenced.insert(lower(dep));
  for (const auto& [key, lib] : libraries->items())
    if (lib.is_object() && lower(get_string(lib, "type")) == "project") projects.push_back(key);
  std::string root_key;
  std::string_view base = base_name(path);
  std::string app_name = lower(base.substr(0, base.size() >= kSuffix.size() ? base.size() - kSuffix.size() : 0));
  for (const auto& key : projects)
    if (lower(key.substr(0, key.find('/'))) == app_name) root_key = key;
  if (root_key.empty()) {
    std::vector<std::string> roots;
    for (const auto& key : projects)
      if (!referenced.count(lower(key.substr(0, key.find('/'))))) roots.push_back(key);
    if (roots.size() == 1) root_key = roots.front();
  }
  std::set<std::string> direct;  // lowercase names
  const json* root_entry = root_key.empty() ? nullptr : target_entry(root_key);
  if (root_entry)
    if (auto deps = root_entry->find("dependencies"); deps != root_entry->end() && deps->is_object())
      for (const auto& [dep, version] : deps->items()) direct.insert(lower(dep));

  auto lines = json_child_lines(text, {"libraries"});
  std::unordered_map<std::string, int> line_of;
  for (const auto& [key, line] : lines) line_of.emplace(key, line);

  std::vector<Package> out;
  std::vector<const json*> entries;                      // target entry per package
  std::unordered_map<std::string, std::string> id_of;    // lowercase "Name/Version" -> id
  std::set<std::string> seen;
  for (const auto& [key, lib] : libraries->items()) {
    int line = line_of.count(key) ? line_of[key] : 0;
    size_t slash = key.find('/');
    if (!lib.is_object() || slash == std::string::npos || slash == 0 || slash + 1 == key.size()) {
      warn(line, "library '" + key + "' is not a \"Name/Version\" object; skipped");
      continue;
    }
    std::string type = lower(get_string(lib, "type"));
    bool is_root = key == root_key;
    if (type != "package" && type != "runtimepack" && !is_root) continue;
    const json* entry = target_entry(key);
    if (!is_root && entry && !nonempty(*entry, "runtime") && !nonempty(*entry, "runtimeTargets") &&
        !nonempty(*entry, "native") && !nonempty(*entry, "resources"))
      continue;  // compile-time only: nothing deployed
    Package p;
    p.ecosystem = "nuget";
    p.name = key.substr(0, slash);
    p.version = key.substr(slash + 1);
    if (type == "runtimepack" && p.name.starts_with(kRuntimePackPrefix)) p.name.erase(0, kRuntimePackPrefix.size());
    if (std::string sha = get_string(lib, "sha512"); sha.starts_with("sha512-")) p.digest = "sha512:" + sha.substr(7);
    if (is_root) p.relationship = Relationship::kRoot;
    else if (root_entry) p.relationship = direct.count(lower(key.substr(0, slash))) ? Relationship::kDirect
                                                                                   : Relationship::kTransitive;
    p.location.path = path;
    p.location.line = line;
    p.id = make_package_id(p);
    id_of[lower(key)] = p.id;
    if (!seen.insert(p.id).second) continue;  // a runtime pack named like a package
    out.push_back(std::move(p));
    entries.push_back(entry);
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (!entries[i]) continue;
    auto deps = entries[i]->find("dependencies");
    if (deps == entries[i]->end() || !deps->is_object()) continue;
    std::set<std::string> ids;
    for (const auto& [dep, version] : deps->items()) {
      if (!version.is_string()) continue;
      auto it = id_of.find(lower(dep + "/" + version.get<std::string>()));
      if (it != id_of.end() && it->second != out[i].id) ids.insert(it->second);
    }
    out[i].depends_on.assign(ids.begin(), ids.end());
  }
  return out;
}

std::unique_ptr<Analyzer> make_dotnet_deps_analyzer() {
  return make_format_analyzer({.name = "dotnet-deps", .version = 1, .application_type = "dotnet-core",
                               .read = read_packages<parse_dotnet_deps>, .max_bytes = kMaxDepsBytes,
                               .wants_path = is_deps_json});
}

}  // namespace bulwark::catalog
