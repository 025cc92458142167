// yarn.lock: Yarn 1's own text format ("a@^1, a@^1.2:" headers over indented
// version/resolved/dependencies blocks) and Yarn Berry's (2 and later) YAML
// with a __metadata block. Each entry answers a set of descriptors
// (name@range); an entry's dependencies are descriptors too, resolved through
// that map. The lockfile alone does not say which dependencies the project
// declares, except in Berry, whose workspace entries list them.
#include <optional>
#include <unordered_map>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/format_analyzer.hpp"
#include "catalog/lang/node_lock_util.hpp"
#include "catalog/lang/text_lines.hpp"
#include "core/json.hpp"

namespace bulwark::catalog {
namespace {

using nodelock::PackageGraph;
namespace yaml = nodelock::yaml;

constexpr size_t kNone = static_cast<size_t>(-1);

// Descriptor ("name@range" as the lockfile writes it) -> package id, for
// matching a package.json's declarations to what the lockfile resolved.
using Descriptors = std::vector<std::pair<std::string, std::string>>;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// "name@range" -> {name, range}; the name may be scoped ("@s/n@^1").
std::pair<std::string_view, std::string_view> split_descriptor(std::string_view d) {
  size_t at = d.find('@', 1);
  if (at == std::string_view::npos) return {d, {}};
  return {d.substr(0, at), d.substr(at + 1)};
}

// The package a descriptor's range installs under another name:
// "npm:real@^1.0.0" -> "real".
std::string_view alias_target(std::string_view range) {
  if (range.substr(0, 4) != "npm:") return {};
  range.remove_prefix(4);
  size_t at = range.find('@', 1);
  return at == std::string_view::npos ? std::string_view() : range.substr(0, at);
}

// ---------------------------------------------------------------- Yarn 1 --

// One logical line of the Yarn 1 format: its indent and up to two tokens.
struct V1Line {
  int indent = 0;
  std::string key;
  std::string value;
  bool opens_block = false;  // "key:" with nothing after it
};

// Reads a token that is either a JSON-style quoted string or a run of
// characters up to whitespace. Returns nullopt on an unterminated quote.
std::optional<std::string> read_token(std::string_view& s) {
  std::string out;
  if (!s.empty() && s.front() == '"') {
    size_t i = 1;
    for (; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) {
        char c = s[++i];
        out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
      } else {
        out += s[i];
      }
    }
    if (i >= s.size()) return std::nullopt;
    s.remove_prefix(i + 1);
    return out;
  }
  size_t end = 0;
  while (end < s.size() && s[end] != ' ' && s[end] != '\t') ++end;
  out.assign(s.substr(0, end));
  s.remove_prefix(end);
  return out;
}

class V1Parser {
 public:
  V1Parser(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags, Descriptors* descriptors)
      : text_(text), path_(path), diags_(diags), descriptors_(descriptors) {}

  std::vector<Package> run() {
    read_entries();
    PackageGraph g;
    for (auto& e : entries_) {
      if (e.version.empty()) {
        warn(e.line, "yarn.lock entry \"" + e.descriptors.front() + "\" has no version; skipped");
        continue;
      }
      auto [name, range] = split_descriptor(e.descriptors.front());
      if (auto real = alias_target(range); !real.empty()) name = real;
      e.pkg = g.add(name, e.version);
      g.raise(e.pkg, Relationship::kUnknown);
      g.set_dev(e.pkg, false);
    }
    for (const auto& e : entries_) {
      if (e.pkg == kNone) continue;
      for (const auto& d : e.dependencies) {
        auto it = by_descriptor_.find(d);
        if (it != by_descriptor_.end() && entries_[it->second].pkg != kNone) g.depend(e.pkg, entries_[it->second].pkg);
      }
    }
    if (descriptors_)
      for (const auto& e : entries_)
        if (e.pkg != kNone)
          for (const auto& d : e.descriptors) descriptors_->emplace_back(d, g.id(e.pkg));
    return g.finish(path_);
  }

 private:
  struct Entry {
    int line = 0;
    std::vector<std::string> descriptors;
    std::string version;
    std::vector<std::string> dependencies;  // descriptors
    size_t pkg = kNone;
  };

  void warn(int line, std::string message) { diags_.push_back(make_warning(path_, line, std::move(message))); }

  // Splits "a@^1", "a@^2":  into descriptors.
  bool read_header(std::string_view s, int line, Entry& e) {
    s = trim(s);
    if (s.empty() || s.back() != ':') return false;
    s.remove_suffix(1);
    while (!s.empty()) {
      s = trim(s);
      std::string d;
      if (!s.empty() && s.front() == '"') {
        auto tok = read_token(s);
        if (!tok) return false;
        d = std::move(*tok);
      } else {
        size_t comma = s.find(',');
        d = std::string(trim(s.substr(0, comma)));
        s.remove_prefix(comma == std::string_view::npos ? s.size() : comma);
      }
      s = trim(s);
      if (!s.empty()) {
        if (s.front() != ',') return false;
        s.remove_prefix(1);
      }
      if (!d.empty()) e.descriptors.push_back(std::move(d));
    }
    e.line = line;
    return !e.descriptors.empty();
  }

  void read_entries() {
    size_t cur = kNone;     // the entry being read
    bool rejected = false;  // inside an entry whose header was rejected (and reported)
    std::string block;  // the open "dependencies:"-style block inside the entry
    LineReader lines(text_);
    std::string_view raw;
    while (lines.next(raw)) {
      const int lineno = lines.number();
      std::string_view body = trim(raw);
      if (body.empty() || body.front() == '#') continue;
      int indent = 0;
      while (static_cast<size_t>(indent) < raw.size() && raw[indent] == ' ') ++indent;
      if (indent == 0) {
        Entry e;
        block.clear();
        if (!read_header(body, lineno, e)) {
          warn(lineno, "yarn.lock line is neither an entry header nor inside an entry; skipped");
          cur = kNone;
          rejected = true;
          continue;
        }
        rejected = false;
        cur = entries_.size();
        for (const auto& d : e.descriptors) by_descriptor_.try_emplace(d, cur);
        entries_.push_back(std::move(e));
        continue;
      }
      if (cur == kNone) {
        if (!rejected) warn(lineno, "yarn.lock line is indented but not inside an entry; skipped");
        rejected = true;  // once for the block
        continue;
      }
      std::string_view s = body;
      auto key = read_token(s);
      if (!key) {
        warn(lineno, "yarn.lock line has an unterminated quoted string; skipped");
        continue;
      }
      s = trim(s);
      bool opens = false;
      if (!key->empty() && key->back() == ':' && s.empty()) {
        key->pop_back();
        opens = true;
      } else if (!s.empty() && s.front() == ':') {  // "key": ...
        s = trim(s.substr(1));
        opens = s.empty();
      }
      if (indent <= 2 || (opens && indent < 4)) {
        block.clear();
        if (opens) {
          block = *key;
          continue;
        }
        auto value = read_token(s);
        if (!value) {
          warn(lineno, "yarn.lock line has an unterminated quoted string; skipped");
          continue;
        }
        if (*key == "version") entries_[cur].version = std::move(*value);
        continue;
      }
      if (block == "dependencies" || block == "optionalDependencies") {
        auto range = read_token(s);
        if (!range) {
          warn(lineno, "yarn.lock line has an unterminated quoted string; skipped");
          continue;
        }
        entries_[cur].dependencies.push_back(*key + "@" + *range);
      }
    }
  }

  std::string_view text_;
  const std::string& path_;
  std::vector<Diagnostic>& diags_;
  Descriptors* descriptors_;
  std::vector<Entry> entries_;
  std::unordered_map<std::string, size_t> by_descriptor_;
};

// ----------------------------------------------------------- Yarn Berry --

// Lockfile formats (__metadata.version) written by Yarn 2 (4), 3 (5, 6) and 4
// (8, and 10 since Yarn 4.10 or so).
constexpr int kOldestBerryFormat = 4;
constexpr int kNewestBerryFormat = 10;

// A descriptor without its "::key=value" bindings, which dependency lists omit.
std::string_view without_bindings(std::string_view d) {
  size_t at = d.find("::");
  return at == std::string_view::npos ? d : d.substr(0, at);
}

// The protocol of a range: "npm" for "npm:^1", "" when it has none.
std::string_view protocol_of(std::string_view range) {
  size_t colon = range.find(':');
  if (colon == std::string_view::npos) return {};
  std::string_view p = range.substr(0, colon);
  for (char c : p)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-')) return {};
  return p;
}

std::vector<Package> parse_berry(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags,
                                 Descriptors* descriptors) {
  auto warn = [&](int line, std::string message) { diags.push_back(make_warning(path, line, std::move(message))); };
  // Only what is read is kept: checksums, conditions and meta blocks of big
  // lockfiles are dropped as they are parsed.
  auto keep = [](std::span<const std::string_view> p) {
    if (p.size() != 2 || p[0] == "__metadata") return true;
    return p[1] == "version" || p[1] == "resolution" || p[1] == "dependencies" || p[1] == "peerDependencies";
  };
  yaml::Stream stream = yaml::parse(text, keep);
  if (!stream.error.empty()) warn(stream.error_line, stream.error);
  if (stream.documents.empty() || !stream.documents.front().is_map()) {
    if (stream.error.empty()) warn(1, "yarn.lock is not a YAML mapping");
    return {};
  }
  const yaml::Node& doc = stream.documents.front();
  if (const yaml::Node* meta = doc.find("__metadata")) {
    std::string_view v = meta->get("version");
    int n = std::atoi(std::string(v).c_str());
    if (n < kOldestBerryFormat || n > kNewestBerryFormat)
      warn(meta->line, "unknown yarn.lock __metadata version \"" + std::string(v) + "\"; reading it as version " +
                           std::to_string(kNewestBerryFormat));
  }

  struct Entry {
    const yaml::Node* node;
    size_t pkg = kNone;
    bool workspace = false;
  };
  std::vector<Entry> entries;
  std::unordered_map<std::string_view, size_t> by_descriptor;
  PackageGraph g;
  for (const auto& e : doc.children) {
    if (e.key == "__metadata") continue;
    if (!e.is_map()) {
      warn(e.key_line, "yarn.lock entry \"" + e.key + "\" is not a mapping; skipped");
      continue;
    }
    size_t index = entries.size();
    entries.push_back(Entry{&e});
    std::string_view keys = e.key;
    while (!keys.empty()) {
      size_t comma = keys.find(',');
      std::string_view d = trim(keys.substr(0, comma));
      keys.remove_prefix(comma == std::string_view::npos ? keys.size() : comma + 1);
      if (d.empty()) continue;
      by_descriptor.try_emplace(d, index);
      by_descriptor.try_emplace(without_bindings(d), index);
    }
    std::string_view resolution = e.get("resolution");
    std::string_view locator = resolution.empty() ? trim(std::string_view(e.key).substr(0, e.key.find(','))) : resolution;
    auto [name, reference] = split_descriptor(locator);
    std::string_view protocol = protocol_of(reference);
    if (protocol == "workspace") {
      entries.back().workspace = true;  // the project itself: its dependencies are the declared ones
      continue;
    }
    if (protocol == "link" || protocol == "portal") continue;  // a local directory, not a published package
    if (resolution.empty() && protocol == "npm") {
      if (auto real = alias_target(reference); !real.empty()) name = real;
    }
    std::string_view version = e.get("version");
    if (name.empty() || version.empty()) {
      warn(e.key_line, "yarn.lock entry \"" + e.key + "\" has no " + (name.empty() ? "name" : "version") + "; skipped");
      continue;
    }
    // A patch: locator names the package it patches; the patched copy is
    // the same package and version for what it contains.
    entries.back().pkg = g.add(name, version);
    g.set_dev(entries.back().pkg, false);
  }

  bool have_workspace = false;
  for (const auto& e : entries) have_workspace = have_workspace || e.workspace;
  for (const auto& e : entries)
    if (e.pkg != kNone) g.raise(e.pkg, have_workspace ? Relationship::kTransitive : Relationship::kUnknown);

  std::string candidate;
  auto lookup = [&](std::string_view name, std::string_view range) -> size_t {
    candidate.assign(name).append(1, '@').append(range);
    if (auto it = by_descriptor.find(candidate); it != by_descriptor.end()) return it->second;
    if (protocol_of(range).empty()) {  // ranges without a protocol default to npm:
      candidate.assign(name).append("@npm:").append(range);
      if (auto it = by_descriptor.find(candidate); it != by_descriptor.end()) return it->second;
    }
    return kNone;
  };
  // Edges between entries first (workspaces and local directories are
  // entries without a package), then between packages.
  std::vector<std::vector<std::pair<std::string_view, size_t>>> resolved(entries.size());
  std::vector<std::vector<size_t>> parents(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    const yaml::Node* deps = entries[i].node->find("dependencies");
    if (!deps || !deps->is_map()) continue;
    for (const auto& d : deps->children) {
      if (!d.is_scalar()) continue;
      size_t t = lookup(d.key, d.text);
      if (t == kNone) continue;
      resolved[i].emplace_back(d.key, t);
      parents[t].push_back(i);
    }
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    for (const auto& [name, t] : resolved[i]) {
      if (entries[t].pkg == kNone) continue;
      if (entries[i].workspace) g.raise(entries[t].pkg, Relationship::kDirect);
      else if (entries[i].pkg != kNone) g.depend(entries[i].pkg, entries[t].pkg);
    }
  }
  // Peer dependencies are not resolved in the lockfile: Yarn gives a package
  // the peer its parent depends on (or, when the parent has the same peer,
  // the grandparent's, and so on). Each parent's answer is an edge.
  auto has_peer = [&](size_t i, std::string_view name) {
    const yaml::Node* peers = entries[i].node->find("peerDependencies");
    return peers && peers->find(name) != nullptr;
  };
  std::vector<size_t> todo;
  std::vector<char> seen(entries.size(), 0);
  std::vector<size_t> touched;
  for (size_t i = 0; i < entries.size(); ++i) {
    const yaml::Node* peers = entries[i].node->find("peerDependencies");
    if (entries[i].pkg == kNone || !peers || !peers->is_map()) continue;
    for (const auto& peer : peers->children) {
      todo.assign(parents[i].begin(), parents[i].end());
      while (!todo.empty()) {
        size_t q = todo.back();
        todo.pop_back();
        if (seen[q]) continue;
        seen[q] = 1;
        touched.push_back(q);
        bool provided = false;
        for (const auto& [name, t] : resolved[q]) {
          if (name != peer.key) continue;
          provided = true;
          if (entries[t].pkg != kNone) g.depend(entries[i].pkg, entries[t].pkg);
        }
        if (!provided && has_peer(q, peer.key)) todo.insert(todo.end(), parents[q].begin(), parents[q].end());
      }
      for (size_t q : touched) seen[q] = 0;
      touched.clear();
    }
  }
  if (descriptors)
    for (const auto& [d, i] : by_descriptor)
      if (entries[i].pkg != kNone) descriptors->emplace_back(std::string(d), g.id(entries[i].pkg));
  return g.finish(path);
}

bool is_berry(std::string_view text) {
  size_t at = 0;
  while ((at = text.find("__metadata:", at)) != std::string_view::npos) {
    if (at == 0 || text[at - 1] == '\n') return true;
    at += 1;
  }
  return false;
}

std::vector<Package> parse_any(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags,
                               Descriptors* descriptors) {
  text = nodelock::strip_bom(text);
  if (is_berry(text)) return parse_berry(text, path, diags, descriptors);
  return V1Parser(text, path, diags, descriptors).run();
}

// ------------------------------------------- the package.json beside it --

// yarn.lock does not say what the project declares (Yarn 1) or which
// declarations are dev-only (any Yarn); the package.json in the same
// directory does. The analyzer reads both and pairs them in contribute().
constexpr int64_t kMaxManifestBytes = 4 << 20;
constexpr const char* kManifestGroups[] = {"dependencies", "optionalDependencies", "devDependencies"};

// Declarations kept in FileResult::facts: one "name\trange" line each, under
// the group's name; "name" and "version" of the project; "workspaces" when
// it has any; "error" when it could not be read.
void read_manifest(std::string_view text, const std::string& path, FileResult& out) {
  auto doc = parse_json(text, path);
  if (!doc || !doc->is_object()) {
    out.facts["error"] = doc ? "not a JSON object" : doc.error().describe();
    return;
  }
  for (const char* group : kManifestGroups) {
    auto it = doc->find(group);
    if (it == doc->end() || !it->is_object()) continue;
    std::string lines;
    for (const auto& [name, range] : it->items()) {
      if (!range.is_string()) continue;
      const std::string& r = range.get_ref<const std::string&>();
      if (name.find_first_of("\t\n") != std::string::npos || r.find_first_of("\t\n") != std::string::npos) continue;
      lines += name + "\t" + r + "\n";
    }
    out.facts[group] = std::move(lines);
  }
  out.facts["name"] = get_string(*doc, "name");
  out.facts["version"] = get_string(*doc, "version");
  if (doc->contains("workspaces")) out.facts["workspaces"] = "yes";
}

std::string_view fact(const FileResult& r, const std::string& key) {
  auto it = r.facts.find(key);
  return it == r.facts.end() ? std::string_view() : std::string_view(it->second);
}

// Calls f(first, second) for each "first\tsecond" line.
template <class F>
void for_each_pair(std::string_view lines, F f) {
  while (!lines.empty()) {
    size_t nl = lines.find('\n');
    std::string_view line = lines.substr(0, nl);
    lines.remove_prefix(nl == std::string_view::npos ? lines.size() : nl + 1);
    size_t tab = line.find('\t');
    if (tab != std::string_view::npos) f(line.substr(0, tab), line.substr(tab + 1));
  }
}

// Marks what the manifest declares as direct (and dev when only
// devDependencies declare it), adds the project as the root package, and,
// unless the project has workspaces whose own manifests are not paired here,
// derives transitive and dev-only for the rest from reachability.
void apply_manifest(const FileResult& manifest, const FileResult& lock, std::vector<Package>& pkgs,
                    std::vector<Diagnostic>& diags) {
  if (auto err = fact(manifest, "error"); !err.empty()) {
    diags.push_back(make_warning(manifest.path, 0,
                                 "package.json beside " + lock.path + " is unreadable (" + std::string(err) +
                                     "); direct dependencies unknown"));
    return;
  }
  std::unordered_map<std::string_view, std::string_view> by_descriptor;
  for_each_pair(fact(lock, "descriptors"), [&](std::string_view d, std::string_view id) { by_descriptor.emplace(d, id); });
  std::unordered_map<std::string_view, size_t> by_id;
  for (size_t i = 0; i < pkgs.size(); ++i) by_id.emplace(pkgs[i].id, i);
  std::vector<size_t> prod, dev;
  std::string candidate;
  for (const char* group : kManifestGroups) {
    for_each_pair(fact(manifest, group), [&](std::string_view name, std::string_view range) {
      auto find = [&](std::string_view infix) -> const std::string_view* {
        candidate.assign(name).append(infix).append(range);
        auto it = by_descriptor.find(candidate);
        return it == by_descriptor.end() ? nullptr : &it->second;
      };
      const std::string_view* id = find("@");
      if (!id) id = find("@npm:");  // Berry writes the default protocol
      if (!id) return;              // not in the lockfile (out of date): nothing to mark
      auto p = by_id.find(*id);
      if (p == by_id.end()) return;
      (std::string_view(group) == "devDependencies" ? dev : prod).push_back(p->second);
    });
  }
  if (prod.empty() && dev.empty()) return;
  const bool whole_project = fact(manifest, "workspaces").empty();
  if (whole_project) {
    std::vector<std::vector<uint32_t>> adjacency(pkgs.size());
    for (size_t i = 0; i < pkgs.size(); ++i)
      for (const auto& d : pkgs[i].depends_on)
        if (auto t = by_id.find(d); t != by_id.end()) adjacency[i].push_back(static_cast<uint32_t>(t->second));
    std::vector<char> in_prod = nodelock::reachable(adjacency, prod);
    std::vector<char> in_dev = nodelock::reachable(adjacency, dev);
    for (size_t i = 0; i < pkgs.size(); ++i) {
      pkgs[i].dev = in_dev[i] && !in_prod[i];
      if (pkgs[i].relationship == Relationship::kUnknown) pkgs[i].relationship = Relationship::kTransitive;
    }
  }
  for (size_t i : prod) pkgs[i].relationship = Relationship::kDirect;
  for (size_t i : dev) pkgs[i].relationship = Relationship::kDirect;
  if (std::string name(fact(manifest, "name")); !name.empty()) {
    Package root;
    root.ecosystem = "npm";
    root.name = name;
    root.version = std::string(fact(manifest, "version"));
    root.id = make_package_id(root);
    root.relationship = Relationship::kRoot;
    root.location.path = lock.path;
    if (!by_id.count(root.id)) {
      for (size_t i : prod) root.depends_on.push_back(pkgs[i].id);
      for (size_t i : dev) root.depends_on.push_back(pkgs[i].id);
      std::sort(root.depends_on.begin(), root.depends_on.end());
      root.depends_on.erase(std::unique(root.depends_on.begin(), root.depends_on.end()), root.depends_on.end());
      pkgs.push_back(std::move(root));
    }
  }
}

// The packages of a yarn.lock, and its descriptors ("name@range\tid" lines)
// for pairing with the package.json beside it.
void read_lock(std::string_view text, const std::string& path, FileResult& out) {
  Descriptors descriptors;
  out.packages = parse_any(text, path, out.diagnostics, &descriptors);
  std::string lines;
  for (const auto& [d, id] : descriptors)
    if (d.find_first_of("\t\n") == std::string::npos) lines += d + "\t" + id + "\n";
  out.facts["descriptors"] = std::move(lines);
}

}  // namespace

std::vector<Package> parse_yarn_lock(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags) {
  return parse_any(text, path, diags, nullptr);
}

// Each yarn.lock becomes an application; a package.json in the same
// directory, if any, only refines it.
std::unique_ptr<Analyzer> make_yarn_lock_analyzer() {
  static constexpr ManifestRule kPackageJson{
      .file_name = "package.json",
      .max_bytes = kMaxManifestBytes,
      .wants_path = outside_node_modules,
      .read = read_manifest,
      .refine = apply_manifest,
  };
  return make_format_analyzer({.name = "yarn-lock", .version = 1, .application_type = "yarn", .read = read_lock,
                               .max_bytes = nodelock::kMaxLockfileBytes, .wants_path = outside_node_modules,
                               .file_name = "yarn.lock", .manifest = &kPackageJson});
}

}  // namespace bulwark::catalog
