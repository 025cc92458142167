#include "catalog/lang/node_lock_util.hpp"

#include <yaml.h>

#include <algorithm>
#include <deque>
#include <optional>

namespace bulwark::catalog::nodelock {

std::string_view strip_bom(std::string_view text) {
  if (text.size() >= 3 && text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return text;
}

int line_at(std::string_view text, size_t offset) {
  offset = std::min(offset, text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

int line_of(std::string_view text, std::string_view needle) {
  size_t at = text.find(needle);
  return at == std::string_view::npos ? 0 : line_at(text, at);
}

// ------------------------------------------------------------- the graph --

size_t PackageGraph::add(std::string_view name, std::string_view version) {
  std::string key;
  key.reserve(name.size() + version.size() + 1);
  key.append(name).append(1, '@').append(version);
  auto [it, inserted] = index_.try_emplace(std::move(key), nodes_.size());
  if (inserted) {
    Node n;
    n.name = std::string(name);
    n.version = std::string(version);
    nodes_.push_back(std::move(n));
  }
  return it->second;
}

void PackageGraph::set_dev(size_t i, bool dev) {
  int& d = nodes_[i].dev;
  d = d < 0 ? (dev ? 1 : 0) : (d == 1 && dev ? 1 : 0);
}

namespace {
int rank_of(Relationship r) {
  switch (r) {
    case Relationship::kTransitive: return 0;
    case Relationship::kUnknown: return 1;
    case Relationship::kDirect: return 2;
    case Relationship::kRoot: return 3;
  }
  return 1;
}
}  // namespace

void PackageGraph::raise(size_t i, Relationship r) { nodes_[i].rank = std::max(nodes_[i].rank, rank_of(r)); }

Relationship PackageGraph::relationship(size_t i) const {
  switch (nodes_[i].rank) {
    case 0: return Relationship::kTransitive;
    case 2: return Relationship::kDirect;
    case 3: return Relationship::kRoot;
    default: return Relationship::kUnknown;
  }
}

std::string PackageGraph::id(size_t i) const {
  Package p;
  p.ecosystem = "npm";
  p.name = nodes_[i].name;
  p.version = nodes_[i].version;
  return make_package_id(p);
}

void PackageGraph::add_license(size_t i, std::string license) {
  auto& l = nodes_[i].licenses;
  if (!license.empty() && std::find(l.begin(), l.end(), license) == l.end()) l.push_back(std::move(license));
}

void PackageGraph::depend(size_t from, size_t to) {
  if (from != to) nodes_[from].deps.push_back(static_cast<uint32_t>(to));
}

std::vector<Package> PackageGraph::finish(const std::string& path) {
  std::vector<Package> out;
  out.reserve(nodes_.size());
  std::vector<std::string> ids(nodes_.size());
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Package p;
    p.ecosystem = "npm";
    p.name = nodes_[i].name;
    p.version = nodes_[i].version;
    ids[i] = make_package_id(p);
  }
  for (size_t i = 0; i < nodes_.size(); ++i) {
    Node& n = nodes_[i];
    Package p;
    p.ecosystem = "npm";
    p.name = std::move(n.name);
    p.version = std::move(n.version);
    p.id = ids[i];
    p.licenses = std::move(n.licenses);
    p.relationship = relationship(i);
    p.dev = n.dev == 1;
    p.location.path = path;
    std::sort(n.deps.begin(), n.deps.end());
    n.deps.erase(std::unique(n.deps.begin(), n.deps.end()), n.deps.end());
    p.depends_on.reserve(n.deps.size());
    for (uint32_t d : n.deps) p.depends_on.push_back(ids[d]);
    std::sort(p.depends_on.begin(), p.depends_on.end());
    out.push_back(std::move(p));
  }
  std::sort(out.begin(), out.end(), [](const Package& a, const Package& b) { return a.id < b.id; });
  nodes_.clear();
  index_.clear();
  return out;
}

std::vector<char> reachable(const std::vector<std::vector<uint32_t>>& adjacency, std::span<const size_t> roots) {
  std::vector<char> seen(adjacency.size(), 0);
  std::vector<size_t> todo(roots.begin(), roots.end());
  while (!todo.empty()) {
    size_t i = todo.back();
    todo.pop_back();
    if (i >= adjacency.size() || seen[i]) continue;
    seen[i] = 1;
    for (uint32_t d : adjacency[i])
      if (!seen[d]) todo.push_back(d);
  }
  return seen;
}

// -------------------------------------------------------------- the YAML --

namespace yaml {

const Node* Node::find(std::string_view k) const {
  if (kind != Kind::kMap) return nullptr;
  for (const auto& c : children)
    if (c.key == k) return &c;
  return nullptr;
}

std::string_view Node::get(std::string_view k) const {
  const Node* n = find(k);
  return n && n->kind == Kind::kScalar ? std::string_view(n->text) : std::string_view();
}

namespace {

// Aliases copy their anchored node; this many copied nodes in all is the most
// a lockfile (which never uses aliases) may expand to.
constexpr size_t kMaxAliasNodes = 1'000'000;

size_t count_nodes(const Node& n) {
  size_t c = 1;
  for (const auto& ch : n.children) c += count_nodes(ch);
  return c;
}

class Reader {
 public:
  Reader(std::string_view text, const KeepFn& keep) : keep_(keep) {
    yaml_parser_initialize(&parser_);
    // libyaml asserts on a null input even when its length is zero.
    static constexpr char kEmpty[] = "";
    const char* data = text.data() ? text.data() : kEmpty;
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(data), text.size());
  }
  ~Reader() { yaml_parser_delete(&parser_); }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  Stream run() {
    Stream out;
    for (;;) {
      yaml_event_t ev;
      if (!yaml_parser_parse(&parser_, &ev)) {
        out.error = std::string("not well-formed YAML: ") + (parser_.problem ? parser_.problem : "syntax error");
        if (parser_.context) out.error += std::string(" (") + parser_.context + ")";
        out.error_line = static_cast<int>(parser_.problem_mark.line) + 1;
        return out;
      }
      struct Guard {
        yaml_event_t* e;
        ~Guard() { yaml_event_delete(e); }
      } guard{&ev};
      const int line = static_cast<int>(ev.start_mark.line) + 1;
      if (ev.type == YAML_STREAM_END_EVENT) return out;
      if (ev.type == YAML_DOCUMENT_START_EVENT) {
        stack_.clear();
        root_.reset();
        continue;
      }
      if (ev.type == YAML_DOCUMENT_END_EVENT) {
        out.documents.push_back(root_ ? std::move(*root_) : Node{});
        root_.reset();
        continue;
      }
      if (skip_ > 0) {  // inside a dropped value: only track nesting
        if (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT) ++skip_;
        if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) --skip_;
        continue;
      }
      if (skip_next_) {  // the value of a dropped key
        skip_next_ = false;
        if (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT) skip_ = 1;
        continue;
      }
      std::optional<Node> done;
      const char* anchor = nullptr;
      switch (ev.type) {
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT: {
          if (stack_.size() >= static_cast<size_t>(limits().max_json_depth)) {
            out.error = "YAML nested deeper than " + std::to_string(limits().max_json_depth) + " levels";
            out.error_line = line;
            return out;
          }
          if (in_key_position()) {
            out.error = "YAML mapping key is not a scalar";
            out.error_line = line;
            return out;
          }
          Open o;
          o.node.kind = ev.type == YAML_MAPPING_START_EVENT ? Node::Kind::kMap : Node::Kind::kSeq;
          o.node.line = line;
          const yaml_char_t* a =
              ev.type == YAML_MAPPING_START_EVENT ? ev.data.mapping_start.anchor : ev.data.sequence_start.anchor;
          if (a) o.anchor = reinterpret_cast<const char*>(a);
          take_key(o.node);
          stack_.push_back(std::move(o));
          continue;
        }
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT: {
          Open o = std::move(stack_.back());
          stack_.pop_back();
          if (!o.anchor.empty()) remember(o.anchor, o.node);
          done = std::move(o.node);
          break;
        }
        case YAML_SCALAR_EVENT: {
          std::string v(reinterpret_cast<const char*>(ev.data.scalar.value), ev.data.scalar.length);
          if (in_key_position()) {
            stack_.back().pending_key = std::move(v);
            stack_.back().pending_line = line;
            stack_.back().has_key = true;
            if (keep_ && !keep_(path())) {
              skip_next_ = true;
              stack_.back().has_key = false;
            }
            continue;
          }
          Node n;
          n.line = line;
          bool plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
          if (plain && (v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL")) {
            n.kind = Node::Kind::kNull;
          } else {
            n.kind = Node::Kind::kScalar;
            n.text = std::move(v);
          }
          if (ev.data.scalar.anchor) anchor = reinterpret_cast<const char*>(ev.data.scalar.anchor);
          take_key(n);
          if (anchor) remember(anchor, n);
          done = std::move(n);
          break;
        }
        case YAML_ALIAS_EVENT: {
          auto it = anchors_.find(reinterpret_cast<const char*>(ev.data.alias.anchor));
          Node n;
          if (it != anchors_.end()) {
            alias_nodes_ += it->second.second;
            if (alias_nodes_ > kMaxAliasNodes) {
              out.error = "YAML aliases expand to more than 1,000,000 nodes";
              out.error_line = line;
              return out;
            }
            n = it->second.first;
          }
          n.line = line;
          if (in_key_position()) {
            if (n.kind != Node::Kind::kScalar) {
              out.error = "YAML mapping key is not a scalar";
              out.error_line = line;
              return out;
            }
            stack_.back().pending_key = n.text;
            stack_.back().pending_line = line;
            stack_.back().has_key = true;
            if (keep_ && !keep_(path())) {
              skip_next_ = true;
              stack_.back().has_key = false;
            }
            continue;
          }
          n.key.clear();
          take_key(n);
          done = std::move(n);
          break;
        }
        default:
          continue;
      }
      if (stack_.empty()) {
        root_ = std::move(*done);
        continue;
      }
      stack_.back().node.children.push_back(std::move(*done));
    }
  }

 private:
  struct Open {
    Node node;
    std::string anchor;
    std::string pending_key;
    int pending_line = 0;
    bool has_key = false;
  };

  bool in_key_position() const {
    return !stack_.empty() && stack_.back().node.kind == Node::Kind::kMap && !stack_.back().has_key;
  }

  // A node about to be placed in a mapping takes the pending key.
  void take_key(Node& n) {
    if (stack_.empty() || stack_.back().node.kind != Node::Kind::kMap) return;
    n.key = std::move(stack_.back().pending_key);
    n.key_line = stack_.back().pending_line;
    stack_.back().pending_key.clear();
    stack_.back().has_key = false;
  }

  std::span<const std::string_view> path() {
    // An open container's own key moved into its node when it started; the
    // innermost mapping's key under consideration is still pending.
    path_.clear();
    for (size_t i = 1; i < stack_.size(); ++i)
      path_.push_back(stack_[i - 1].node.kind == Node::Kind::kMap ? std::string_view(stack_[i].node.key)
                                                                   : std::string_view());
    if (!stack_.empty() && stack_.back().node.kind == Node::Kind::kMap && stack_.back().has_key)
      path_.push_back(stack_.back().pending_key);
    return path_;
  }

  void remember(const std::string& anchor, const Node& n) {
    Node copy = n;
    copy.key.clear();
    size_t c = count_nodes(copy);
    anchors_[anchor] = {std::move(copy), c};
  }

  const KeepFn& keep_;
  yaml_parser_t parser_;
  std::vector<Open> stack_;
  std::optional<Node> root_;
  std::vector<std::string_view> path_;
  std::unordered_map<std::string, std::pair<Node, size_t>> anchors_;
  size_t alias_nodes_ = 0;
  int skip_ = 0;
  bool skip_next_ = false;
};

}  // namespace

Stream parse(std::string_view text, const KeepFn& keep) {
  Reader r(text, keep);
  return r.run();
}

}  // namespace yaml
}  // namespace bulwark::catalog::nodelock
