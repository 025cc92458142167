// NuGet's lock file, packages.lock.json (written by restore with
// RestorePackagesWithLockFile; version 1, and 2 since central package
// management):
//
//   {"version": 1,
//    "dependencies": {
//      "net8.0": {                                  one object per target framework
//        "Newtonsoft.Json": {"type": "Direct", "requested": "[13.0.3, )",
//                            "resolved": "13.0.3", "contentHash": "<base64 SHA-512>",
//                            "dependencies": {"Other.Package": "4.3.0"}},
//        ...},
//      "net8.0/linux-x64": {...}}}                   runtime-specific graphs
//
// type: Direct (the project references it), Transitive, CentralTransitive
// (a transitive package pinned by Directory.Packages.props) or Project (another
// project of the solution: not a NuGet package, not reported). A package
// resolved in several frameworks is one package; it is direct if any
// framework references it directly, and its edges are the union. An edge's
// version in "dependencies" is the lower bound asked for; it points at the
// version the same framework resolved.
#include <set>
#include <unordered_map>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/format_analyzer.hpp"
#include "catalog/lang/json_lines.hpp"
#include "core/json.hpp"

namespace bulwark::catalog {
namespace {

constexpr int64_t kMaxLockBytes = 64 << 20;

std::string lower(std::string_view s) {
  std::string k(s);
  for (char& c : k) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return k;
}

}  // namespace

std::vector<Package> parse_nuget_lock(std::string_view text, const std::string& path,
                                      std::vector<Diagnostic>& diags) {
  auto warn = [&](int line, std::string message) { diags.push_back(make_warning(path, line, std::move(message))); };
  auto doc = parse_json(text, path);
  if (!doc) {
    diags.push_back(json_error_warning(path, doc.error(), "packages.lock.json"));
    return {};
  }
  if (!doc->is_object()) {
    warn(1, "packages.lock.json is not a JSON object");
    return {};
  }
  if (auto v = doc->find("version"); v != doc->end() && !(v->is_number_integer() && (*v == 1 || *v == 2)))
    warn(json_line_of(text, {"version"}), "lock file version " + v->dump() + " is not 1 or 2; read as version 2");
  auto frameworks = doc->find("dependencies");
  if (frameworks == doc->end() || !frameworks->is_object()) {
    warn(1, "packages.lock.json has no \"dependencies\" object");
    return {};
  }

  std::vector<Package> out;
  std::unordered_map<std::string, size_t> by_id;
  std::vector<std::set<std::string>> edges;
  for (const auto& [framework, entries] : frameworks->items()) {
    if (!entries.is_object()) {
      warn(json_line_of(text, {"dependencies", framework}), "target framework '" + framework + "' is not an object");
      continue;
    }
    auto lines = json_child_lines(text, {"dependencies", framework});
    std::unordered_map<std::string, int> line_of;
    for (const auto& [name, line] : lines) line_of.emplace(name, line);
    // This framework's resolution: lowercase name -> id (NuGet ids ignore case).
    std::unordered_map<std::string, std::string> resolved;
    std::vector<std::pair<size_t, const json*>> members;  // index in out, entry
    for (const auto& [name, entry] : entries.items()) {
      int line = line_of.count(name) ? line_of[name] : 0;
      if (!entry.is_object()) {
        warn(line, framework + ": entry '" + name + "' is not an object");
        continue;
      }
      std::string type = get_string(entry, "type");
      if (type == "Project") continue;  // another project of the solution
      Package p;
      p.ecosystem = "nuget";
      p.name = name;
      p.version = get_string(entry, "resolved");
      if (p.version.empty()) {
        warn(line, framework + ": package '" + name + "' has no resolved version; skipped");
        continue;
      }
      if (type == "Direct") p.relationship = Relationship::kDirect;
      else if (type == "Transitive" || type == "CentralTransitive") p.relationship = Relationship::kTransitive;
      else warn(line, framework + ": package '" + name + "' has unknown type '" + type + "'");
      if (std::string hash = get_string(entry, "contentHash"); !hash.empty()) p.digest = "sha512:" + hash;
      p.location.path = path;
      p.location.line = line;
      p.id = make_package_id(p);
      resolved[lower(name)] = p.id;
      auto [it, fresh] = by_id.emplace(p.id, out.size());
      if (fresh) {
        out.push_back(std::move(p));
        edges.emplace_back();
      } else if (p.relationship == Relationship::kDirect) {
        out[it->second].relationship = Relationship::kDirect;
      }
      members.emplace_back(it->second, &entry);
    }
    for (const auto& [index, entry] : members) {
      auto deps = entry->find("dependencies");
      if (deps == entry->end() || !deps->is_object()) continue;
      for (const auto& [dep, range] : deps->items()) {
        auto target = resolved.find(lower(dep));
        // A project reference or a package the framework did not resolve.
        if (target != resolved.end() && target->second != out[index].id) edges[index].insert(target->second);
      }
    }
  }
  for (size_t i = 0; i < out.size(); ++i) out[i].depends_on.assign(edges[i].begin(), edges[i].end());
  return out;
}

std::unique_ptr<Analyzer> make_nuget_lock_analyzer() {
  return make_format_analyzer({.name = "nuget-lock", .version = 1, .application_type = "nuget",
                               .read = read_packages<parse_nuget_lock>, .max_bytes = kMaxLockBytes,
                               .wants_path = outside_node_modules, .file_name = "packages.lock.json"});
}

}  // namespace bulwark::catalog
