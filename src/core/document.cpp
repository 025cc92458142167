// Document trees with source positions, and the YAML (and so JSON) reader that
// builds them from libyaml's event stream.
#include "core/document.hpp"

#include <yaml.h>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstring>
#include <optional>
#include <unordered_map>

namespace bulwark {

// ------------------------------------------------------------------- nodes --

Node Node::null(SourcePos pos) {
  Node n;
  n.pos = pos;
  return n;
}
Node Node::boolean(bool v, SourcePos pos) {
  Node n;
  n.value_ = v;
  n.pos = pos;
  return n;
}
Node Node::integer(int64_t v, SourcePos pos) {
  Node n;
  n.value_ = v;
  n.pos = pos;
  return n;
}
Node Node::real(double v, SourcePos pos) {
  Node n;
  n.value_ = v;
  n.pos = pos;
  return n;
}
Node Node::string(std::string v, SourcePos pos) {
  Node n;
  n.value_ = std::move(v);
  n.pos = pos;
  return n;
}
Node Node::list(SourcePos pos) {
  Node n;
  n.value_ = std::vector<Node>{};
  n.pos = pos;
  return n;
}
Node Node::map(SourcePos pos) {
  Node n;
  n.value_ = std::vector<Field>{};
  n.pos = pos;
  return n;
}

bool Node::as_bool() const { return std::get<bool>(value_); }
int64_t Node::as_int() const { return std::get<int64_t>(value_); }
double Node::as_double() const { return std::get<double>(value_); }
const std::string& Node::as_string() const { return std::get<std::string>(value_); }
const std::vector<Node>& Node::items() const { return std::get<std::vector<Node>>(value_); }
std::vector<Node>& Node::items() { return std::get<std::vector<Node>>(value_); }
const std::vector<Field>& Node::fields() const { return std::get<std::vector<Field>>(value_); }
std::vector<Field>& Node::fields() { return std::get<std::vector<Field>>(value_); }

const Node* Node::get(std::string_view key) const {
  if (!is_map()) return nullptr;
  const auto& fs = fields();
  for (auto it = fs.rbegin(); it != fs.rend(); ++it)
    if (it->key == key) return &it->value;
  return nullptr;
}

Node* Node::get(std::string_view key) { return const_cast<Node*>(std::as_const(*this).get(key)); }

const Node* Node::at(size_t index) const {
  if (!is_list() || index >= items().size()) return nullptr;
  return &items()[index];
}

size_t Node::size() const {
  switch (kind()) {
    case Kind::kMap: return fields().size();
    case Kind::kList: return items().size();
    case Kind::kString: return as_string().size();
    default: return 0;
  }
}

Node& Node::push(Node v) {
  auto& xs = items();
  xs.push_back(std::move(v));
  return xs.back();
}

Node& Node::add(std::string key, Node v, SourcePos key_pos) {
  auto& fs = fields();
  fs.push_back(Field{std::move(key), key_pos, std::move(v)});
  return fs.back().value;
}

namespace {

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

std::string format_double(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, r.ptr);
  return s;
}

void append_text(std::string& out, const Node& n, bool top) {
  switch (n.kind()) {
    case Node::Kind::kNull: out += "null"; break;
    case Node::Kind::kBool: out += n.as_bool() ? "true" : "false"; break;
    case Node::Kind::kInt: out += std::to_string(n.as_int()); break;
    case Node::Kind::kDouble: out += format_double(n.as_double()); break;
    case Node::Kind::kString:
      if (top) {
        out += n.as_string();
      } else {
        append_json_string(out, n.as_string());
      }
      break;
    case Node::Kind::kList: {
      out += '[';
      bool first = true;
      for (const auto& x : n.items()) {
        if (!first) out += ',';
        first = false;
        append_text(out, x, false);
      }
      out += ']';
      break;
    }
    case Node::Kind::kMap: {
      out += '{';
      bool first = true;
      for (const auto& f : n.fields()) {
        if (!first) out += ',';
        first = false;
        append_json_string(out, f.key);
        out += ':';
        append_text(out, f.value, false);
      }
      out += '}';
      break;
    }
  }
}

}  // namespace

std::string Node::to_text() const {
  std::string out;
  append_text(out, *this, true);
  return out;
}

bool operator==(const Node& a, const Node& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Node::Kind::kNull: return true;
    case Node::Kind::kBool: return a.as_bool() == b.as_bool();
    case Node::Kind::kInt: return a.as_int() == b.as_int();
    case Node::Kind::kDouble: return a.as_double() == b.as_double();
    case Node::Kind::kString: return a.as_string() == b.as_string();
    case Node::Kind::kList: return a.items() == b.items();
    case Node::Kind::kMap: {
      const auto& x = a.fields();
      const auto& y = b.fields();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (x[i].key != y[i].key || !(x[i].value == y[i].value)) return false;
      return true;
    }
  }
  return false;
}

// ------------------------------------------------------------------- paths --

namespace {

bool is_identifier(std::string_view key) {
  if (key.empty()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// One step of a path: a key or an index.
struct Step {
  bool is_index = false;
  std::string key;
  size_t index = 0;
};

// Splits a path; nullopt when it is not well formed.
std::optional<std::vector<Step>> split_path(std::string_view path) {
  std::vector<Step> steps;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '.') {
      ++i;
      continue;
    }
    if (path[i] == '[') {
      ++i;
      if (i < path.size() && path[i] == '"') {
        ++i;
        std::string key;
        while (i < path.size() && path[i] != '"') {
          if (path[i] == '\\' && i + 1 < path.size()) ++i;
          key += path[i++];
        }
        if (i + 1 >= path.size() || path[i + 1] != ']') return std::nullopt;
        i += 2;
        steps.push_back(Step{false, std::move(key), 0});
        continue;
      }
      size_t v = 0;
      auto r = std::from_chars(path.data() + i, path.data() + path.size(), v);
      if (r.ec != std::errc() || r.ptr == path.data() + path.size() || *r.ptr != ']') return std::nullopt;
      i = static_cast<size_t>(r.ptr - path.data()) + 1;
      steps.push_back(Step{true, {}, v});
      continue;
    }
    size_t end = i;
    while (end < path.size() && path[end] != '.' && path[end] != '[') ++end;
    steps.push_back(Step{false, std::string(path.substr(i, end - i)), 0});
    i = end;
  }
  return steps;
}

const Node* step_into(const Node& n, const Step& s) {
  return s.is_index ? n.at(s.index) : n.get(s.key);
}

}  // namespace

std::string path_append(std::string_view path, std::string_view key) {
  std::string out(path);
  if (is_identifier(key)) {
    if (!out.empty()) out += '.';
    out += key;
  } else {
    out += "[\"";
    for (char c : key) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += "\"]";
  }
  return out;
}

std::string path_append(std::string_view path, size_t index) {
  std::string out(path);
  out += '[';
  out += std::to_string(index);
  out += ']';
  return out;
}

const Node* find_path(const Node& root, std::string_view path) {
  auto steps = split_path(path);
  if (!steps) return nullptr;
  const Node* n = &root;
  for (const auto& s : *steps) {
    n = step_into(*n, s);
    if (!n) return nullptr;
  }
  return n;
}

std::pair<const Node*, size_t> nearest_on_path(const Node& root, std::string_view path) {
  auto steps = split_path(path);
  const Node* n = &root;
  size_t taken = 0;
  if (!steps) return {n, 0};
  for (const auto& s : *steps) {
    const Node* next = step_into(*n, s);
    if (!next) break;
    n = next;
    ++taken;
  }
  return {n, taken};
}

PathIndex::PathIndex(const Node& root) {
  // Iterative walk: documents can be deep and this must not overflow the stack.
  std::vector<std::pair<const Node*, std::string>> todo{{&root, std::string()}};
  while (!todo.empty()) {
    auto [n, p] = std::move(todo.back());
    todo.pop_back();
    if (n->is_map()) {
      for (const auto& f : n->fields()) todo.emplace_back(&f.value, path_append(p, f.key));
    } else if (n->is_list()) {
      for (size_t i = 0; i < n->items().size(); ++i) todo.emplace_back(&n->items()[i], path_append(p, i));
    }
    sorted_.emplace_back(n, std::move(p));
  }
  std::sort(sorted_.begin(), sorted_.end(),
            [](const auto& a, const auto& b) { return std::less<const Node*>()(a.first, b.first); });
}

const std::string* PathIndex::path_of(const Node* node) const {
  auto it = std::lower_bound(sorted_.begin(), sorted_.end(), node, [](const auto& e, const Node* n) {
    return std::less<const Node*>()(e.first, n);
  });
  if (it == sorted_.end() || it->first != node) return nullptr;
  return &it->second;
}

// ------------------------------------------------------------------ YAML --

namespace {

bool any_of(std::string_view s, std::initializer_list<std::string_view> words) {
  return std::find(words.begin(), words.end(), s) != words.end();
}

std::optional<int64_t> parse_int(std::string_view s) {
  int base = 10;
  bool neg = false;
  std::string_view digits = s;
  if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
    neg = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'o')) {
    if (s[0] == '-' || s[0] == '+') return std::nullopt;  // YAML 1.2: no signed hex/octal
    base = digits[1] == 'x' ? 16 : 8;
    digits.remove_prefix(2);
  }
  if (digits.empty()) return std::nullopt;
  uint64_t v = 0;
  auto r = std::from_chars(digits.data(), digits.data() + digits.size(), v, base);
  if (r.ec != std::errc() || r.ptr != digits.data() + digits.size()) return std::nullopt;
  if (neg) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
    return static_cast<int64_t>(0 - v);
  }
  if (v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(v);
}

std::optional<double> parse_float(std::string_view s) {
  if (any_of(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) return HUGE_VAL;
  if (any_of(s, {"-.inf", "-.Inf", "-.INF"})) return -HUGE_VAL;
  if (any_of(s, {".nan", ".NaN", ".NAN"})) return std::nan("");
  // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return std::nullopt;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i, ++exp_digits;
    if (exp_digits == 0) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  std::string_view body = s[0] == '+' ? s.substr(1) : s;
  double v = 0;
  auto r = std::from_chars(body.data(), body.data() + body.size(), v);
  if (r.ec != std::errc() && r.ec != std::errc::result_out_of_range) return std::nullopt;
  return v;
}

// A plain scalar's type by YAML 1.2's core schema, plus the YAML 1.1 words for
// booleans (yes/no/on/off) that Kubernetes' reader still honours.
Node resolve_plain(std::string text, SourcePos pos) {
  std::string_view s = text;
  if (s.empty() || any_of(s, {"~", "null", "Null", "NULL"})) return Node::null(pos);
  if (any_of(s, {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"})) return Node::boolean(true, pos);
  if (any_of(s, {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"}))
    return Node::boolean(false, pos);
  char c = s[0];
  if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.') {
    if (auto i = parse_int(s)) return Node::integer(*i, pos);
    if (auto d = parse_float(s)) return Node::real(*d, pos);
  }
  return Node::string(std::move(text), pos);
}

// The explicit tag of an event when it is one Bulwark acts on.
std::string_view tag_of(const yaml_char_t* tag) {
  return tag ? std::string_view(reinterpret_cast<const char*>(tag)) : std::string_view();
}

constexpr std::string_view kStandardTagPrefix = "tag:yaml.org,2002:";

size_t count_nodes(const Node& n) {
  size_t c = 1;
  if (n.is_map()) {
    for (const auto& f : n.fields()) c += count_nodes(f.value);
  } else if (n.is_list()) {
    for (const auto& x : n.items()) c += count_nodes(x);
  }
  return c;
}

class YamlReader {
 public:
  YamlReader(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags,
             const ReadLimits& limits, TagHandler handler)
      : path_(path), diags_(diags), limits_(limits), handler_(handler) {
    yaml_parser_initialize(&parser_);
    // libyaml asserts on a null input even when its length is zero.
    static constexpr char kEmpty[] = "";
    const char* data = text.data() ? text.data() : kEmpty;
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(data), text.size());
  }
  ~YamlReader() { yaml_parser_delete(&parser_); }
  YamlReader(const YamlReader&) = delete;
  YamlReader& operator=(const YamlReader&) = delete;

  std::vector<Node> run() {
    std::vector<Node> docs;
    for (;;) {
      yaml_event_t ev;
      if (!yaml_parser_parse(&parser_, &ev)) {
        std::string msg = std::string("not well-formed YAML: ") + (parser_.problem ? parser_.problem : "syntax error");
        if (parser_.context) msg += std::string(" ") + parser_.context;
        fail(msg, {static_cast<uint32_t>(parser_.problem_mark.line + 1),
                   static_cast<uint32_t>(parser_.problem_mark.column + 1)});
        return docs;
      }
      struct Guard {
        yaml_event_t* e;
        ~Guard() { yaml_event_delete(e); }
      } guard{&ev};
      SourcePos pos{static_cast<uint32_t>(ev.start_mark.line + 1), static_cast<uint32_t>(ev.start_mark.column + 1)};
      switch (ev.type) {
        case YAML_STREAM_END_EVENT: return docs;
        case YAML_DOCUMENT_START_EVENT:
          stack_.clear();
          root_.reset();
          anchors_.clear();
          continue;
        case YAML_DOCUMENT_END_EVENT:
          if (root_) docs.push_back(std::move(*root_));
          root_.reset();
          continue;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT: {
          if (stack_.size() >= static_cast<size_t>(limits_.max_depth)) {
            fail("nested deeper than " + std::to_string(limits_.max_depth) + " levels", pos);
            return docs;
          }
          if (!count(1, pos)) return docs;
          bool is_map = ev.type == YAML_MAPPING_START_EVENT;
          Open o;
          o.node = is_map ? Node::map(pos) : Node::list(pos);
          const yaml_char_t* a = is_map ? ev.data.mapping_start.anchor : ev.data.sequence_start.anchor;
          if (a) o.anchor = reinterpret_cast<const char*>(a);
          o.tag = std::string(tag_of(is_map ? ev.data.mapping_start.tag : ev.data.sequence_start.tag));
          o.pos = pos;
          stack_.push_back(std::move(o));
          continue;
        }
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT: {
          Open o = std::move(stack_.back());
          stack_.pop_back();
          if (o.node.is_map()) apply_merges(o);
          Node n = apply_tag(o.tag, std::move(o.node));
          if (!o.anchor.empty()) remember(o.anchor, n);
          if (!place(std::move(n), o.pos)) return docs;
          continue;
        }
        case YAML_SCALAR_EVENT: {
          if (!count(1, pos)) return docs;
          std::string v(reinterpret_cast<const char*>(ev.data.scalar.value), ev.data.scalar.length);
          std::string_view tag = tag_of(ev.data.scalar.tag);
          bool plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
          Node n;
          // Only untagged plain scalars (or ones tagged with a standard type
          // other than !!str) are resolved to null, bool or number.
          bool resolve = plain && (tag.empty() || (tag.starts_with(kStandardTagPrefix) && tag != "tag:yaml.org,2002:str"));
          n = resolve ? resolve_plain(std::move(v), pos) : Node::string(std::move(v), pos);
          if (in_key_position()) {
            stack_.back().merge_key = plain && n.is_string() && n.as_string() == "<<";
          }
          n = apply_tag(std::string(tag), std::move(n));
          if (ev.data.scalar.anchor) remember(reinterpret_cast<const char*>(ev.data.scalar.anchor), n);
          if (!place(std::move(n), pos)) return docs;
          continue;
        }
        case YAML_ALIAS_EVENT: {
          auto it = anchors_.find(reinterpret_cast<const char*>(ev.data.alias.anchor));
          if (it == anchors_.end()) {
            fail("alias to an unknown anchor", pos);
            return docs;
          }
          if (!count(it->second.second, pos)) return docs;
          Node n = it->second.first;
          if (in_key_position()) stack_.back().merge_key = false;
          if (!place(std::move(n), pos)) return docs;
          continue;
        }
        default: continue;
      }
    }
  }

 private:
  struct Open {
    Node node;
    std::string anchor;
    std::string tag;
    SourcePos pos;
    // Mapping state: a key read and waiting for its value.
    std::optional<std::string> pending_key;
    SourcePos pending_pos;
    bool merge_key = false;
    std::vector<Node> merges;  // values of `<<` keys, applied at the end
  };

  bool in_key_position() const {
    return !stack_.empty() && stack_.back().node.is_map() && !stack_.back().pending_key;
  }

  // Places a finished node: as the document root, a list item, a mapping key
  // or a mapping value.
  bool place(Node n, SourcePos pos) {
    if (stack_.empty()) {
      root_ = std::move(n);
      return true;
    }
    Open& top = stack_.back();
    if (top.node.is_list()) {
      top.node.push(std::move(n));
      return true;
    }
    if (!top.pending_key) {
      if (n.is_map() || n.is_list()) {
        fail("mapping key is not a scalar", pos);
        return false;
      }
      top.pending_key = n.is_string() ? n.as_string() : n.to_text();
      top.pending_pos = pos;
      return true;
    }
    if (top.merge_key) {
      top.merges.push_back(std::move(n));
      top.merge_key = false;
    } else {
      top.node.add(std::move(*top.pending_key), std::move(n), top.pending_pos);
    }
    top.pending_key.reset();
    return true;
  }

  // `<<: *base` (or a list of them): keys of the merged maps that the mapping
  // does not set itself, earlier merges winning, as YAML's merge key defines.
  void apply_merges(Open& o) {
    for (const Node& m : o.merges) {
      std::vector<const Node*> sources;
      if (m.is_map()) sources.push_back(&m);
      if (m.is_list())
        for (const auto& x : m.items())
          if (x.is_map()) sources.push_back(&x);
      for (const Node* src : sources)
        for (const auto& f : src->fields())
          if (!o.node.get(f.key)) o.node.add(f.key, f.value, f.key_pos);
    }
  }

  Node apply_tag(const std::string& tag, Node n) {
    if (!handler_ || tag.empty() || tag == "!" || tag.starts_with(kStandardTagPrefix)) return n;
    if (tag[0] != '!') return n;
    return handler_(YamlTag{tag.substr(1), std::move(n)});
  }

  void remember(const std::string& anchor, const Node& n) { anchors_[anchor] = {n, count_nodes(n)}; }

  bool count(size_t n, SourcePos pos) {
    nodes_ += n;
    if (nodes_ <= limits_.max_nodes) return true;
    fail("more than " + std::to_string(limits_.max_nodes) + " nodes (aliases included); not read further", pos);
    return false;
  }

  void fail(const std::string& msg, SourcePos pos) {
    Diagnostic d = make_warning(path_, static_cast<int>(pos.line), msg);
    d.location.column = static_cast<int>(pos.column);
    diags_.push_back(std::move(d));
  }

  const std::string& path_;
  std::vector<Diagnostic>& diags_;
  const ReadLimits& limits_;
  TagHandler handler_;
  yaml_parser_t parser_;
  std::vector<Open> stack_;
  std::optional<Node> root_;
  std::unordered_map<std::string, std::pair<Node, size_t>> anchors_;
  size_t nodes_ = 0;
};

}  // namespace

std::vector<Node> read_yaml(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags,
                            const ReadLimits& limits, TagHandler tag_handler) {
  if (text.size() > limits.max_bytes) {
    diags.push_back(make_warning(path, 0,
                                 "file is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                                     std::to_string(limits.max_bytes) + "; not read"));
    return {};
  }
  YamlReader reader(text, path, diags, limits, tag_handler);
  return reader.run();
}

}  // namespace bulwark
