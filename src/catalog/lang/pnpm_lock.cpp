// pnpm-lock.yaml, lockfileVersion 5.x (pnpm 5-7), 6.x (pnpm 8) and 9.0
// (pnpm 9 and later). The project's declared dependencies are the importers'
// (or, in single-project files before 9.0, the top-level dependency maps);
// every other package is transitive. Package keys carry the version and, for
// packages that resolved peer dependencies, a suffix naming the peers:
//   5.x  /name/1.2.3  /@scope/name/1.2.3_peer@2.0.0  registry.host/name/1.2.3
//   6.x  /name@1.2.3  /@scope/name@1.2.3(peer@2.0.0)
//   9.0  name@1.2.3(peer@2.0.0), metadata in "packages", edges in "snapshots"
// Peer variants are distinct nodes while edges are resolved and become one
// package name@version in the result, with the union of their edges.
#include <optional>
#include <unordered_map>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/format_analyzer.hpp"
#include "catalog/lang/node_lock_util.hpp"

namespace bulwark::catalog {
namespace {

using nodelock::PackageGraph;
namespace yaml = nodelock::yaml;

constexpr size_t kNone = static_cast<size_t>(-1);

bool looks_like_version(std::string_view v) { return !v.empty() && v.front() >= '0' && v.front() <= '9'; }

// Drops a host in front of a name: "registry.example.com/@s/n" -> "@s/n".
std::string_view without_host(std::string_view name) {
  for (;;) {
    size_t slash = name.find('/');
    if (slash == std::string_view::npos) return name;
    if (name.front() == '@' && name.find('/', slash + 1) == std::string_view::npos) return name;
    name.remove_prefix(slash + 1);
  }
}

struct KeyParts {
  std::string_view name;
  std::string_view version;
};

// Name and version written in a package key. Git, tarball and directory
// keys hold no version ("debug@https://...", 9.0) or not even a name
// ("github.com/org/repo/<commit>"); their entries carry both.
KeyParts parse_key(std::string_view key, int major) {
  if (major >= 6) {
    if (major < 9 && !key.empty() && key.front() == '/') key.remove_prefix(1);
    key = key.substr(0, key.find('('));
    size_t at = key.find('@', 1);
    if (at == std::string_view::npos) return {};
    KeyParts k{without_host(key.substr(0, at)), key.substr(at + 1)};
    if (!looks_like_version(k.version)) k.version = {};
    return k;
  }
  if (!key.empty() && key.front() == '/') key.remove_prefix(1);
  size_t last = key.rfind('/');
  if (last == std::string_view::npos) return {};
  std::string_view version = key.substr(last + 1);
  version = version.substr(0, version.find('_'));  // "_peer@1+other@2" or "_<hash>"
  std::string_view before = key.substr(0, last);
  size_t prev = before.rfind('/');
  std::string_view name = prev == std::string_view::npos ? before : before.substr(prev + 1);
  if (prev != std::string_view::npos) {
    size_t scope_start = before.rfind('/', prev - 1);
    std::string_view scope =
        before.substr(scope_start == std::string_view::npos ? 0 : scope_start + 1,
                      prev - (scope_start == std::string_view::npos ? 0 : scope_start + 1));
    if (!scope.empty() && scope.front() == '@') name = before.substr(scope_start == std::string_view::npos ? 0 : scope_start + 1);
  }
  if (name.empty() || !looks_like_version(version)) return {};
  return KeyParts{name, version};
}

bool complete(const KeyParts& k) { return !k.name.empty() && !k.version.empty(); }

// "5.4" -> 5, "'9.0'" -> 9; -1 when not a number.
int major_of(std::string_view v) {
  if (v.empty() || v.front() < '0' || v.front() > '9') return -1;
  int n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') break;
    n = n * 10 + (c - '0');
    if (n > 1000) return -1;
  }
  return n;
}

constexpr std::string_view kGroups[] = {"dependencies", "optionalDependencies", "devDependencies"};

// pnpm 11 may write the environment lockfile (its own and configuration
// dependencies) as a first YAML document before the project's.
bool is_environment_document(const yaml::Node& doc) {
  const yaml::Node* importers = doc.find("importers");
  if (!importers || !importers->is_map() || doc.find("lockfileVersion") == nullptr) return false;
  bool env = false;
  for (const auto& imp : importers->children) {
    for (auto g : kGroups)
      if (imp.find(g)) return false;
    env = env || imp.find("packageManagerDependencies") || imp.find("configDependencies");
  }
  return env;
}

class Parser {
 public:
  Parser(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags)
      : text_(text), path_(path), diags_(diags) {}

  std::vector<Package> run() {
    read();
    // What pointed into the parsed document goes before the packages are built.
    by_key_ = {};
    edges_ = {};
    return graph_.finish(path_);
  }

  // Reads the document into graph_; the parsed text is freed on return.
  void read() {
    auto keep = [](std::span<const std::string_view> p) {
      if (p.size() == 1) return p[0] != "specifiers";
      if (p.size() == 3 && (p[0] == "packages" || p[0] == "snapshots"))
        return p[2] == "name" || p[2] == "version" || p[2] == "dev" || p[2] == "dependencies" ||
               p[2] == "optionalDependencies";
      if (p.size() == 3 && p[0] == "importers")
        return p[2] == "dependencies" || p[2] == "devDependencies" || p[2] == "optionalDependencies" ||
               p[2] == "packageManagerDependencies" || p[2] == "configDependencies";
      return true;
    };
    yaml::Stream stream = yaml::parse(text_, keep);
    if (!stream.error.empty()) {
      warn(stream.error_line, stream.error);
      return;
    }
    const yaml::Node* doc = nullptr;
    for (const auto& d : stream.documents) {
      if (d.is_map() && !is_environment_document(d)) {
        doc = &d;
        break;
      }
    }
    if (!doc && !stream.documents.empty() && stream.documents.back().is_map()) doc = &stream.documents.back();
    if (!doc) {
      warn(1, "pnpm-lock.yaml is not a YAML mapping");
      return;
    }
    read_version(*doc);
    read_packages(*doc);
    read_edges(*doc);
    read_importers(*doc);
    if (major_ >= 9) {
      // 9.0 records no dev flags. Reachability runs over the keys, where
      // peer variants are still apart: a variant only dev tools use must not
      // make its dependencies look like production ones.
      std::vector<char> prod = nodelock::reachable(edges_, prod_roots_);
      std::vector<char> dev = nodelock::reachable(edges_, dev_roots_);
      for (size_t k = 0; k < key_pkg_.size(); ++k)
        if (prod[k] || dev[k]) graph_.set_dev(key_pkg_[k], dev[k] && !prod[k]);
    }
  }

 private:
  void warn(int line, std::string message) { diags_.push_back(make_warning(path_, line, std::move(message))); }

  void read_version(const yaml::Node& doc) {
    const yaml::Node* v = doc.find("lockfileVersion");
    std::string_view text = v && v->is_scalar() ? std::string_view(v->text) : std::string_view();
    major_ = major_of(text);
    if (major_ == 5 || major_ == 6 || major_ == 9) return;
    // An unknown version is read as the nearest known layout; a missing one
    // by the shape of the keys.
    int guess = 9;
    if (doc.find("snapshots") || major_ > 9) {
      guess = 9;
    } else if (major_ >= 6) {
      guess = 6;
    } else if (major_ >= 0) {
      guess = 5;
    } else if (const yaml::Node* pk = doc.find("packages"); pk && pk->is_map() && !pk->children.empty()) {
      std::string_view k = pk->children.front().key;
      bool slash = !k.empty() && k.front() == '/';
      guess = complete(parse_key(k, 5)) ? 5 : complete(parse_key(k, 6)) ? (slash ? 6 : 9) : 9;
    }
    warn(v ? v->key_line : 1, (text.empty() ? std::string("no lockfileVersion")
                                            : "unknown lockfileVersion \"" + std::string(text) + "\"") +
                                  "; reading it as version " + std::to_string(guess));
    major_ = guess;
  }

  // Adds one package entry under `key`, from its own name/version fields or
  // from the key.
  void add_entry(const yaml::Node& entry, std::string_view key, const yaml::Node* meta) {
    if (by_key_.count(key)) return;  // a repeated key: the first one counts
    std::string_view name = entry.get("name");
    std::string_view version = entry.get("version");
    if (meta) {
      if (name.empty()) name = meta->get("name");
      if (version.empty()) version = meta->get("version");
    }
    KeyParts parts = parse_key(key, major_);
    if (name.empty()) name = parts.name;
    if (version.empty()) version = parts.version;
    // A local directory (file:) has the version of its package.json, which
    // 9.0 does not copy into the lockfile; it is still part of the graph.
    bool directory = key.substr(0, 5) == "file:" || key.find("@file:") != std::string_view::npos;
    if (name.empty() || (version.empty() && !directory)) {
      warn(entry.key_line, "pnpm-lock.yaml package \"" + std::string(key) + "\" names no " +
                               (name.empty() ? "package" : "version") + "; skipped");
      return;
    }
    size_t pkg = graph_.add(name, version);
    by_key_.emplace(key, key_pkg_.size());
    key_pkg_.push_back(pkg);
    edges_.emplace_back();
    graph_.raise(pkg, Relationship::kTransitive);
    if (major_ < 9) {
      // Before 9.0 pnpm writes dev: true for dev-only packages, dev: false
      // for production-only ones and nothing for those used by both.
      const yaml::Node* dev = entry.find("dev");
      if (!dev && meta) dev = meta->find("dev");
      graph_.set_dev(pkg, dev && dev->is_scalar() && dev->text == "true");
    }
  }

  void read_packages(const yaml::Node& doc) {
    const yaml::Node* packages = doc.find("packages");
    const yaml::Node* snapshots = major_ >= 9 ? doc.find("snapshots") : nullptr;
    if (packages && !packages->is_map() && packages->kind != yaml::Node::Kind::kNull)
      warn(packages->key_line, "pnpm-lock.yaml \"packages\" is not a mapping; ignored");
    if (snapshots && !snapshots->is_map() && snapshots->kind != yaml::Node::Kind::kNull)
      warn(snapshots->key_line, "pnpm-lock.yaml \"snapshots\" is not a mapping; ignored");
    // 9.0: "packages" holds the metadata of each name@version, "snapshots"
    // each variant (key with peer suffix) and its edges.
    std::unordered_map<std::string_view, const yaml::Node*> meta;
    std::unordered_map<std::string_view, bool> has_snapshot;
    if (snapshots && snapshots->is_map() && packages && packages->is_map())
      for (const auto& p : packages->children) meta.try_emplace(p.key, &p);
    if (snapshots && snapshots->is_map()) {
      for (const auto& s : snapshots->children) {
        std::string_view base = std::string_view(s.key).substr(0, s.key.find('('));
        has_snapshot[base] = true;
        auto it = meta.find(base);
        add_entry(s, s.key, it == meta.end() ? nullptr : it->second);
      }
    }
    if (packages && packages->is_map()) {
      for (const auto& p : packages->children)
        if (!has_snapshot.count(p.key)) add_entry(p, p.key, nullptr);
    }
  }

  // The key a dependency reference points at: a version (with peer
  // suffix) of the named package, or a whole key (aliases, git, tarballs,
  // file: directories). link: references are workspace directories.
  size_t resolve(std::string_view name, std::string_view ref) {
    if (ref.empty() || ref.substr(0, 5) == "link:") return kNone;
    // The layout of this version first; the others cost a lookup each and
    // keep files whose version says one thing and keys another readable.
    const std::string_view forms[3][2] = {{"", "@"}, {"/", "@"}, {"/", "/"}};
    int first = major_ >= 9 ? 0 : major_ >= 6 ? 1 : 2;
    for (int k = 0; k < 3; ++k) {
      const auto& f = forms[(first + k) % 3];
      candidate_.assign(f[0]).append(name).append(f[1]).append(ref);
      if (auto it = by_key_.find(candidate_); it != by_key_.end()) return it->second;
    }
    if (auto it = by_key_.find(ref); it != by_key_.end()) return it->second;
    return kNone;
  }

  static std::string_view ref_of(const yaml::Node& dep) {
    if (dep.is_scalar()) return dep.text;
    return dep.get("version");  // 6.0 and later: {specifier, version}
  }

  void read_edges(const yaml::Node& doc) {
    const yaml::Node* holder = doc.find(major_ >= 9 && doc.find("snapshots") ? "snapshots" : "packages");
    if (!holder || !holder->is_map()) return;
    for (const auto& entry : holder->children) {
      auto from = by_key_.find(entry.key);
      if (from == by_key_.end()) continue;
      for (std::string_view group : {"dependencies", "optionalDependencies"}) {
        const yaml::Node* deps = entry.find(group);
        if (!deps || !deps->is_map()) continue;
        for (const auto& d : deps->children) {
          size_t to = resolve(d.key, ref_of(d));
          if (to == kNone) continue;
          edges_[from->second].push_back(static_cast<uint32_t>(to));
          graph_.depend(key_pkg_[from->second], key_pkg_[to]);
        }
      }
    }
  }

  void read_group(const yaml::Node& project, std::string_view group) {
    const yaml::Node* deps = project.find(group);
    if (!deps || !deps->is_map()) return;
    for (const auto& d : deps->children) {
      size_t key = resolve(d.key, ref_of(d));
      if (key == kNone) continue;
      graph_.raise(key_pkg_[key], Relationship::kDirect);
      (group == "devDependencies" ? dev_roots_ : prod_roots_).push_back(key);
    }
  }

  void read_importers(const yaml::Node& doc) {
    // Every importer is a directory of the project (the root and its
    // workspace members): what any of them declares is a direct dependency.
    if (const yaml::Node* importers = doc.find("importers"); importers && importers->is_map()) {
      for (const auto& project : importers->children)
        for (auto g : kGroups) read_group(project, g);
    } else {
      for (auto g : kGroups) read_group(doc, g);  // a single project before 9.0
    }
  }

  std::string_view text_;
  const std::string& path_;
  std::vector<Diagnostic>& diags_;
  int major_ = 0;
  PackageGraph graph_;
  // Package and snapshot keys: index, the package each names, and edges
  // between keys.
  std::unordered_map<std::string_view, size_t> by_key_;
  std::vector<size_t> key_pkg_;
  std::vector<std::vector<uint32_t>> edges_;
  std::vector<size_t> prod_roots_;  // keys the importers declare
  std::vector<size_t> dev_roots_;
  std::string candidate_;
};

}  // namespace

std::vector<Package> parse_pnpm_lock(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags) {
  return Parser(nodelock::strip_bom(text), path, diags).run();
}

std::unique_ptr<Analyzer> make_pnpm_lock_analyzer() {
  return make_format_analyzer({.name = "pnpm-lock", .version = 1, .application_type = "pnpm",
                               .read = read_packages<parse_pnpm_lock>, .max_bytes = nodelock::kMaxLockfileBytes,
                               .wants_path = outside_node_modules, .file_name = "pnpm-lock.yaml"});
}

}  // namespace bulwark::catalog
