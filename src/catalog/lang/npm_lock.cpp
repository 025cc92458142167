// npm lockfiles: package-lock.json and npm-shrinkwrap.json, lockfileVersion 1
// (a tree of nested "dependencies"), 2 (both forms; the "packages" map is
// read) and 3 (the "packages" map keyed by install path). Dependencies are
// resolved the way node resolves require() from a package's directory: its own
// node_modules first, then each parent directory's. Read with simdjson DOM: a
// big lockfile (tens of MiB) parses in a fraction of a second and the tree
// takes about the file's size again in memory.
#include <simdjson.h>

#include <optional>
#include <unordered_map>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/format_analyzer.hpp"
#include "catalog/lang/node_lock_util.hpp"
#include "core/json.hpp"

namespace bulwark::catalog {
namespace {

using nodelock::PackageGraph;
using simdjson::dom::element;
using simdjson::dom::object;

constexpr size_t kNone = static_cast<size_t>(-1);
constexpr std::string_view kNodeModules = "node_modules/";

std::string_view str(element e, std::string_view key) {
  std::string_view v;
  if (e[key].get_string().get(v) != simdjson::SUCCESS) return {};
  return v;
}

bool flag(element e, std::string_view key) {
  bool v = false;
  if (e[key].get_bool().get(v) != simdjson::SUCCESS) return false;
  return v;
}

// "license": "MIT" | ["MIT", "Apache-2.0"] | {"type": "MIT"}; the legacy
// "licenses": [{"type": "MIT"}, ...] as well.
void add_licenses(element e, PackageGraph& g, size_t pkg) {
  auto one = [&](element v) {
    std::string_view s;
    if (v.get_string().get(s) == simdjson::SUCCESS) {
      g.add_license(pkg, std::string(s));
    } else if (v.is_object()) {
      if (auto t = str(v, "type"); !t.empty()) g.add_license(pkg, std::string(t));
    }
  };
  for (std::string_view key : {"license", "licenses"}) {
    element v;
    if (e[key].get(v) != simdjson::SUCCESS) continue;
    simdjson::dom::array items;
    if (v.get_array().get(items) == simdjson::SUCCESS) {
      for (element item : items) one(item);
    } else {
      one(v);
    }
  }
}

// Where the last "node_modules/" component of an install path starts, or npos.
size_t last_node_modules(std::string_view path) {
  size_t at = path.size();
  while (at > 0) {
    at = path.rfind(kNodeModules, at - 1);
    if (at == std::string_view::npos) return at;
    if (at == 0 || path[at - 1] == '/') return at;
  }
  return std::string_view::npos;
}

// "node_modules/a/node_modules/@s/b" -> "@s/b".
std::string_view name_from_path(std::string_view path) {
  size_t at = last_node_modules(path);
  return at == std::string_view::npos ? base_name(path) : path.substr(at + kNodeModules.size());
}

// "npm:real@1.2.3" (an alias) -> {"real", "1.2.3"}.
std::optional<std::pair<std::string_view, std::string_view>> npm_alias(std::string_view version) {
  if (version.substr(0, 4) != "npm:") return std::nullopt;
  std::string_view spec = version.substr(4);
  size_t at = spec.find('@', 1);
  if (at == std::string_view::npos) return std::nullopt;
  return std::pair{spec.substr(0, at), spec.substr(at + 1)};
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags)
      : text_(text), path_(path), diags_(diags) {}

  std::vector<Package> run() {
    read();
    // What pointed into the parsed document goes before the packages are built.
    entries_ = {};
    by_path_ = {};
    v1_ = {};
    return graph_.finish(path_);
  }

  // Reads the document into graph_; the parsed text is freed on return.
  void read() {
    simdjson::dom::parser parser;
    if (auto err = parser.allocate(std::max<size_t>(text_.size(), 64), static_cast<size_t>(limits().max_json_depth));
        err != simdjson::SUCCESS) {
      warn(0, std::string("cannot allocate the JSON parser: ") + simdjson::error_message(err));
      return;
    }
    element doc;
    if (auto err = parser.parse(text_.data(), text_.size()).get(doc); err != simdjson::SUCCESS) {
      syntax_error(err);
      return;
    }
    if (!doc.is_object()) {
      warn(1, "not a package-lock.json: the document is not a JSON object");
      return;
    }
    int64_t lock_version = 0;
    bool has_version = doc["lockfileVersion"].get_int64().get(lock_version) == simdjson::SUCCESS;
    object packages, dependencies;
    bool has_packages = doc["packages"].get_object().get(packages) == simdjson::SUCCESS;
    bool has_dependencies = doc["dependencies"].get_object().get(dependencies) == simdjson::SUCCESS;
    if (!has_version || lock_version < 1 || lock_version > 3) {
      warn(nodelock::line_of(text_, "\"lockfileVersion\""),
           (has_version ? "unknown lockfileVersion " + std::to_string(lock_version) : std::string("no lockfileVersion")) +
               "; reading the " + (has_packages ? "\"packages\" map as in version 3" : "\"dependencies\" tree as in version 1"));
    }
    if (has_packages) {
      read_packages(doc, packages);
    } else if (has_dependencies) {
      read_v1(doc, dependencies);
    } else {
      add_root(doc, nullptr);  // a project without dependencies
    }
  }

 private:
  void warn(int line, std::string message) { diags_.push_back(make_warning(path_, line, std::move(message))); }

  void syntax_error(simdjson::error_code err) {
    // simdjson does not say where; nlohmann, run only on this path, does.
    int line = 0;
    std::string why = simdjson::error_message(err);
    if (err != simdjson::DEPTH_ERROR) {
      if (auto j = parse_json(text_, path_); !j) {
        const std::string& where = j.error().where;
        if (size_t at = where.rfind(": line "); at != std::string::npos) line = std::atoi(where.c_str() + at + 7);
        why = j.error().message;
      }
    } else {
      why = "JSON nested deeper than " + std::to_string(limits().max_json_depth) + " levels";
    }
    warn(line, "not a usable package-lock.json: " + why);
  }

  // The project's own package, when the lockfile names it.
  size_t add_root(element doc, const element* root_entry) {
    std::string_view name = root_entry ? str(*root_entry, "name") : std::string_view();
    std::string_view version = root_entry ? str(*root_entry, "version") : std::string_view();
    if (name.empty()) name = str(doc, "name");
    if (version.empty()) version = str(doc, "version");
    if (name.empty()) return kNone;
    size_t i = graph_.add(name, version);
    graph_.raise(i, Relationship::kRoot);
    graph_.set_dev(i, false);
    if (root_entry) add_licenses(*root_entry, graph_, i);
    return i;
  }

  // ------------------------------------------------ version 2/3: "packages"

  struct Entry {
    std::string_view path;
    element value;
    bool link = false;
    std::string_view target;  // a link's "resolved": the linked directory
    size_t pkg = kNone;
  };

  // Node's lookup of `name` from the directory `from`: from/node_modules/name,
  // then the node_modules of each ancestor directory (never
  // node_modules/node_modules). Links are followed to their target.
  const Entry* resolve(std::string_view from, std::string_view name) const {
    std::string dir(from);
    std::string candidate;
    for (;;) {
      candidate.assign(dir);
      if (!candidate.empty()) candidate += '/';
      candidate.append(kNodeModules).append(name);
      if (auto it = by_path_.find(candidate); it != by_path_.end()) return follow(&entries_[it->second]);
      if (dir.empty() || base_name(dir) == "..") return nullptr;
      dir = std::string(dir_name(dir));
      if (base_name(dir) == "node_modules") dir = std::string(dir_name(dir));
    }
  }

  const Entry* follow(const Entry* e) const {
    for (int hops = 0; e && e->link && hops < 8; ++hops) {
      auto it = by_path_.find(e->target);
      e = it == by_path_.end() ? nullptr : &entries_[it->second];
    }
    return e && !e->link ? e : nullptr;
  }

  void read_packages(element doc, object packages) {
    entries_.reserve(packages.size());
    for (auto field : packages) {
      if (!field.value.is_object()) {
        warn(nodelock::line_of(text_, "\"" + std::string(field.key) + "\""),
             "package-lock entry \"" + std::string(field.key) + "\" is not an object; skipped");
        continue;
      }
      Entry e;
      e.path = field.key;
      e.value = field.value;
      e.link = flag(field.value, "link");
      if (e.link) {
        e.target = str(field.value, "resolved");
        if (e.target.substr(0, 5) == "file:") e.target.remove_prefix(5);
      }
      by_path_.try_emplace(e.path, entries_.size());
      entries_.push_back(e);
    }
    // A linked directory (a workspace member) is named by its link unless its
    // own entry says otherwise.
    std::unordered_map<std::string_view, std::string_view> link_names;
    for (const auto& e : entries_)
      if (e.link) link_names.try_emplace(e.target, name_from_path(e.path));

    size_t root = kNone;
    const Entry* root_entry = nullptr;
    if (auto it = by_path_.find(std::string_view()); it != by_path_.end()) root_entry = &entries_[it->second];
    root = add_root(doc, root_entry ? &root_entry->value : nullptr);
    if (root_entry) entries_[by_path_[std::string_view()]].pkg = root;

    for (auto& e : entries_) {
      if (e.link || e.path.empty()) continue;
      bool installed = last_node_modules(e.path) != std::string_view::npos;
      std::string_view name = str(e.value, "name");
      if (name.empty()) {
        if (installed) {
          name = name_from_path(e.path);
        } else if (auto it = link_names.find(e.path); it != link_names.end()) {
          name = it->second;
        } else {
          name = base_name(e.path);
        }
      }
      std::string_view version = str(e.value, "version");
      if (name.empty() || (installed && version.empty())) {
        warn(nodelock::line_of(text_, "\"" + std::string(e.path) + "\""),
             "package-lock entry \"" + std::string(e.path) + "\" has no " + (name.empty() ? "name" : "version") +
                 "; skipped");
        continue;
      }
      e.pkg = graph_.add(name, version);
      // A directory of the project itself (a workspace member or a local
      // package) is declared by the project; what is installed under
      // node_modules is transitive until a declaration says otherwise.
      graph_.raise(e.pkg, installed ? Relationship::kTransitive : Relationship::kDirect);
      graph_.set_dev(e.pkg, flag(e.value, "dev"));
      add_licenses(e.value, graph_, e.pkg);
    }

    for (const auto& e : entries_) {
      if (e.link) continue;
      bool declared_by_project = last_node_modules(e.path) == std::string_view::npos;  // root, workspace, local dir
      if (e.pkg == kNone && !e.path.empty()) continue;
      for (std::string_view field : {"dependencies", "optionalDependencies", "peerDependencies", "devDependencies"}) {
        // devDependencies of installed packages are never installed; only
        // the project's own directories have theirs in the tree.
        if (field == "devDependencies" && !declared_by_project) continue;
        object deps;
        if (e.value[field].get_object().get(deps) != simdjson::SUCCESS) continue;
        for (auto dep : deps) {
          const Entry* target = resolve(e.path, dep.key);
          if (!target || target->pkg == kNone) continue;
          if (e.pkg != kNone) graph_.depend(e.pkg, target->pkg);
          if (declared_by_project) graph_.raise(target->pkg, Relationship::kDirect);
        }
      }
    }
  }

  // ---------------------------------------------- version 1: "dependencies"

  struct V1Node {
    size_t parent = kNone;
    element value;
    std::unordered_map<std::string_view, size_t> children;
    size_t pkg = kNone;
    bool top = false;
    bool required = false;  // some package's "requires" resolves here
  };

  void read_v1_level(size_t parent, object deps, bool top) {
    for (auto field : deps) {
      if (!field.value.is_object()) {
        warn(nodelock::line_of(text_, "\"" + std::string(field.key) + "\""),
             "package-lock dependency \"" + std::string(field.key) + "\" is not an object; skipped");
        continue;
      }
      size_t self = v1_.size();
      v1_.push_back(V1Node{});
      v1_[self].parent = parent;
      v1_[self].value = field.value;
      v1_[self].top = top;
      v1_[parent].children.try_emplace(field.key, self);
      std::string_view name = field.key;
      std::string_view version = str(field.value, "version");
      if (auto alias = npm_alias(version)) std::tie(name, version) = *alias;
      if (version.empty()) {
        warn(nodelock::line_of(text_, "\"" + std::string(field.key) + "\""),
             "package-lock dependency \"" + std::string(field.key) + "\" has no version; skipped");
      } else {
        size_t pkg = graph_.add(name, version);
        v1_[self].pkg = pkg;
        graph_.set_dev(pkg, flag(field.value, "dev"));
        add_licenses(field.value, graph_, pkg);
      }
      object nested;
      if (field.value["dependencies"].get_object().get(nested) == simdjson::SUCCESS) read_v1_level(self, nested, false);
    }
  }

  void read_v1(element doc, object top) {
    size_t root = add_root(doc, nullptr);
    v1_.push_back(V1Node{});  // the project directory
    v1_[0].pkg = root;
    read_v1_level(0, top, true);
    for (size_t i = 1; i < v1_.size(); ++i) {
      object required;
      if (v1_[i].value["requires"].get_object().get(required) != simdjson::SUCCESS) continue;
      for (auto req : required) {
        size_t target = kNone;
        for (size_t n = i; n != kNone && target == kNone; n = v1_[n].parent) {
          auto it = v1_[n].children.find(req.key);
          if (it != v1_[n].children.end()) target = it->second;
        }
        if (target == kNone) continue;
        v1_[target].required = true;
        if (v1_[i].pkg != kNone && v1_[target].pkg != kNone) graph_.depend(v1_[i].pkg, v1_[target].pkg);
      }
    }
    // Version 1 does not record the project's own dependencies. A top-level
    // package nothing requires can only be there because the project asks
    // for it; one that others require may or may not be; nested copies are
    // always someone else's.
    for (size_t i = 1; i < v1_.size(); ++i) {
      if (v1_[i].pkg == kNone) continue;
      Relationship r = !v1_[i].top ? Relationship::kTransitive
                                   : (v1_[i].required ? Relationship::kUnknown : Relationship::kDirect);
      graph_.raise(v1_[i].pkg, r);
      if (r == Relationship::kDirect && root != kNone) graph_.depend(root, v1_[i].pkg);
    }
  }

  std::string_view text_;
  const std::string& path_;
  std::vector<Diagnostic>& diags_;
  PackageGraph graph_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string_view, size_t> by_path_;
  std::vector<V1Node> v1_;
};

bool is_npm_lockfile(std::string_view path) {
  std::string_view base = base_name(path);
  return (base == "package-lock.json" || base == "npm-shrinkwrap.json") && !in_node_modules(path);
}

}  // namespace

std::vector<Package> parse_package_lock(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags) {
  return Parser(nodelock::strip_bom(text), path, diags).run();
}

std::unique_ptr<Analyzer> make_npm_lock_analyzer() {
  return make_format_analyzer({.name = "npm-lock", .version = 1, .application_type = "npm",
                               .read = read_packages<parse_package_lock>,
                               .max_bytes = nodelock::kMaxLockfileBytes, .wants_path = is_npm_lockfile});
}

}  // namespace bulwark::catalog
