// The facts document: what the checks of a spec read, gathered once from the
// root, the host's processes and containers, and the manifests. Each reader
// lives in its own facts_*.cpp; this file assembles them and answers "where
// did this node come from" for evidence.
#include <algorithm>

#include "core/json.hpp"
#include "policy/compliance/internal.hpp"

namespace bulwark::compliance {

const std::vector<std::string>& fact_names() {
  static const std::vector<std::string> names = {
      "host",    "engine",     "daemon",    "files",              "globs",     "units",     "mounts",    "audit", "containers",
      "kubelet", "kube_proxy", "apiserver", "controller_manager", "scheduler", "etcd",      "processes"};
  return names;
}

Facts::Facts() : impl(std::make_unique<Impl>()) {}
Facts::~Facts() = default;
Facts::Facts(Facts&&) noexcept = default;
Facts& Facts::operator=(Facts&&) noexcept = default;

const Node& Facts::root() const { return impl->root; }

namespace {

json to_json_value(const Node& n) {
  switch (n.kind()) {
    case Node::Kind::kNull: return nullptr;
    case Node::Kind::kBool: return n.as_bool();
    case Node::Kind::kInt: return n.as_int();
    case Node::Kind::kDouble: return n.as_double();
    case Node::Kind::kString: return n.as_string();
    case Node::Kind::kList: {
      json a = json::array();
      for (const auto& x : n.items()) a.push_back(to_json_value(x));
      return a;
    }
    case Node::Kind::kMap: {
      json o = json::object();
      for (const auto& f : n.fields()) o[f.key] = to_json_value(f.value);
      return o;
    }
  }
  return nullptr;
}

// A node path P is below prefix Q when it equals Q or continues it with a
// field or index step.
bool below(std::string_view path, std::string_view prefix) {
  if (!starts_with(path, prefix)) return false;
  if (path.size() == prefix.size()) return true;
  char c = path[prefix.size()];
  return c == '.' || c == '[';
}

}  // namespace

std::string Facts::to_json() const {
  json j = to_json_value(impl->root);
  json errors = json::object();
  for (const auto& [name, msg] : impl->errors) errors[name] = msg;
  if (!errors.empty()) j["errors"] = errors;
  return j.dump(2, ' ', false, json::error_handler_t::replace);
}

void Facts::Impl::finish() {
  // Longest prefix first, so the first match is the most specific.
  std::stable_sort(sources.begin(), sources.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  index = std::make_unique<PathIndex>(root);
}

std::optional<std::pair<const FactSource*, std::string>> Facts::Impl::source_of(const Node* n) const {
  if (!index || !n) return std::nullopt;
  const std::string* path = index->path_of(n);
  if (!path) return std::nullopt;
  for (const auto& [prefix, src] : sources) {
    if (!below(*path, prefix)) continue;
    const std::string& base = src.base.empty() ? prefix : src.base;
    std::string rest = below(*path, base) ? path->substr(base.size()) : *path;
    if (!rest.empty() && rest[0] == '.') rest.erase(0, 1);
    // A first step quoted for its punctuation reads better bare:
    // ["userland-proxy"] -> userland-proxy.
    if (starts_with(rest, "[\"")) {
      size_t close = rest.find("\"]");
      if (close != std::string::npos) rest = rest.substr(2, close - 2) + rest.substr(close + 2);
    }
    return std::make_pair(&src, rest);
  }
  return std::make_pair(nullptr, *path);
}

Result<Node> read_json_node(std::string_view text, const std::string& path) {
  // Strict JSON first (the daemon refuses anything else, and nlohmann says
  // where it broke); then the YAML reader for a tree with lines.
  auto strict = parse_json(text, path);
  if (!strict) return strict.error();
  std::vector<Diagnostic> diags;
  auto docs = read_yaml(text, path, diags);
  if (!diags.empty()) {
    const auto& d = diags.front();
    return Error(ErrorCode::kCorrupt, d.message, path + (d.location.line ? ": line " + std::to_string(d.location.line) : ""));
  }
  if (docs.empty()) return Error(ErrorCode::kCorrupt, "empty document", path);
  return std::move(docs.front());
}

Facts gather_facts(const FactsInput& in, std::vector<Diagnostic>& diags) {
  Facts facts;
  Facts::Impl& f = *facts.impl;
  f.root = Node::map();
  Accounts accounts = read_accounts(in.root);
  gather_host_facts(in, accounts, f, diags);
  gather_daemon_facts(in, accounts, f, diags);
  gather_kubernetes_facts(in, accounts, f, diags);
  gather_container_facts(in, f, diags);
  gather_manifest_facts(in, f, diags);
  f.finish();
  return facts;
}

}  // namespace bulwark::compliance
