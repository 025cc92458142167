// Generated fixes for YAML documents (Kubernetes manifests): a policy's `fix`
// entries say which settings make it pass; they are applied to the file's text
// at the positions the parser recorded, so comments, order and layout of
// everything else stay as they were. Missing mappings are added in flow style
// (`securityContext: {allowPrivilegeEscalation: false}`), which is valid at
// any indentation; wrong scalars are replaced in place.
#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include "core/core.hpp"
#include "policy/misconfig/internal.hpp"

namespace bulwark::policy {
namespace {

// ---- text positions ------------------------------------------------------------

struct LineIndex {
  std::vector<size_t> starts;  // offset of each line (0-based line index)
  explicit LineIndex(std::string_view text) {
    starts.push_back(0);
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n') starts.push_back(i + 1);
  }
  // Byte offset of a 1-based line/column (columns count bytes; YAML keys and
  // values Bulwark edits are ASCII).
  std::optional<size_t> offset(SourcePos p, std::string_view text) const {
    if (p.line == 0 || p.line > starts.size()) return std::nullopt;
    size_t off = starts[p.line - 1] + (p.column ? p.column - 1 : 0);
    if (off > text.size()) return std::nullopt;
    return off;
  }
};

struct Edit {
  size_t offset = 0;
  size_t length = 0;  // bytes replaced
  std::string text;
};

// A plain or quoted scalar's extent on its line, starting at `off`.
size_t scalar_length(std::string_view text, size_t off) {
  if (off >= text.size()) return 0;
  char q = text[off];
  if (q == '"' || q == '\'') {
    for (size_t i = off + 1; i < text.size() && text[i] != '\n'; ++i) {
      if (q == '"' && text[i] == '\\') {
        ++i;
        continue;
      }
      if (text[i] == q) {
        if (q == '\'' && i + 1 < text.size() && text[i + 1] == '\'') {
          ++i;
          continue;
        }
        return i + 1 - off;
      }
    }
    return 0;
  }
  size_t i = off;
  while (i < text.size() && text[i] != '\n' && text[i] != ',' && text[i] != '}' && text[i] != ']' &&
         !(text[i] == '#' && i > off && (text[i - 1] == ' ' || text[i - 1] == '\t')))
    ++i;
  while (i > off && (text[i - 1] == ' ' || text[i - 1] == '\t')) --i;
  return i - off;
}

std::string flow_text(const Node& n) {
  switch (n.kind()) {
    case Node::Kind::kMap: {
      std::string out = "{";
      for (size_t i = 0; i < n.fields().size(); ++i) {
        if (i) out += ", ";
        out += n.fields()[i].key + ": " + flow_text(n.fields()[i].value);
      }
      return out + "}";
    }
    case Node::Kind::kList: {
      std::string out = "[";
      for (size_t i = 0; i < n.items().size(); ++i) {
        if (i) out += ", ";
        out += flow_text(n.items()[i]);
      }
      return out + "]";
    }
    case Node::Kind::kString: {
      // Quote what YAML would read as something else.
      const std::string& s = n.as_string();
      std::vector<Diagnostic> d;
      auto back = read_yaml("v: " + s, "", d);
      bool plain_ok = d.empty() && back.size() == 1 && back[0].get("v") && back[0].get("v")->is_string() &&
                      back[0].get("v")->as_string() == s;
      return plain_ok ? s : "\"" + s + "\"";
    }
    default: return n.to_text();
  }
}

// Merges `add` into `into` (maps merge key by key; other values replace).
void merge_into(Node& into, const Node& add) {
  if (!into.is_map() || !add.is_map()) {
    into = add;
    return;
  }
  for (const auto& f : add.fields()) {
    if (Node* have = into.get(f.key)) merge_into(*have, f.value);
    else into.add(f.key, f.value);
  }
}

// One document's pending changes: new content per existing mapping (by its
// address), replacements of scalars, items to add to lists.
struct DocumentPlan {
  std::map<const Node*, Node> inserts;        // existing map -> map of keys to add
  std::map<const Node*, Node> replacements;   // existing scalar -> new value
  std::map<const Node*, std::vector<Node>> list_items;
};

// Plans `path` = `value` under `target` (a map node of the document).
void plan_set(DocumentPlan& plan, const Node& target, std::string_view path, const Node& value, bool only_missing) {
  std::vector<std::string> keys;
  size_t start = 0;
  while (start <= path.size()) {
    size_t dot = path.find('.', start);
    if (dot == std::string_view::npos) dot = path.size();
    keys.emplace_back(path.substr(start, dot - start));
    start = dot + 1;
  }
  const Node* at = &target;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!at->is_map()) return;  // a scalar where a mapping should be: leave it to a human
    const Node* next = at->get(keys[i]);
    if (!next || next->is_null()) {
      // Build the missing rest as nested maps and add it to this mapping.
      Node rest = value;
      for (size_t k = keys.size(); k-- > i + 1;) {
        Node m = Node::map();
        m.add(keys[k], std::move(rest));
        rest = std::move(m);
      }
      Node add = Node::map();
      add.add(keys[i], std::move(rest));
      if (next && next->is_null()) {
        plan.replacements[next] = add.fields()[0].value;
        return;
      }
      auto [it, fresh] = plan.inserts.try_emplace(at, Node::map());
      merge_into(it->second, add);
      return;
    }
    at = next;
  }
  // The setting exists: replace a differing scalar; add missing list items.
  if (only_missing) return;
  if (value.is_list() && at->is_list()) {
    for (const auto& want : value.items())
      if (std::find(at->items().begin(), at->items().end(), want) == at->items().end())
        plan.list_items[at].push_back(want);
    return;
  }
  if (!(*at == value) && !at->is_map() && !at->is_list()) plan.replacements[at] = value;
}

// Turns a plan into text edits. Returns false when a position cannot be used.
bool plan_edits(const DocumentPlan& plan, std::string_view text, const LineIndex& lines, std::vector<Edit>& edits) {
  for (const auto& [node, add] : plan.inserts) {
    auto off = lines.offset(node->pos, text);
    if (!off) return false;
    if (*off < text.size() && text[*off] == '{') {
      bool empty = false;
      size_t j = *off + 1;
      while (j < text.size() && (text[j] == ' ' || text[j] == '\n')) ++j;
      empty = j < text.size() && text[j] == '}';
      std::string body;
      for (size_t i = 0; i < add.fields().size(); ++i) {
        if (i) body += ", ";
        body += add.fields()[i].key + ": " + flow_text(add.fields()[i].value);
      }
      edits.push_back({*off + 1, 0, empty ? body : body + ", "});
      continue;
    }
    // Block mapping: new keys go before its first key, at the same column.
    std::string indent(node->pos.column ? node->pos.column - 1 : 0, ' ');
    std::string body;
    for (const auto& f : add.fields()) body += f.key + ": " + flow_text(f.value) + "\n" + indent;
    edits.push_back({*off, 0, body});
  }
  for (const auto& [node, value] : plan.replacements) {
    auto off = lines.offset(node->pos, text);
    if (!off) return false;
    size_t len = node->is_null() ? 0 : scalar_length(text, *off);
    if (!node->is_null() && len == 0) return false;
    edits.push_back({*off, len, (node->is_null() ? " " : "") + flow_text(value)});
  }
  for (const auto& [node, items] : plan.list_items) {
    auto off = lines.offset(node->pos, text);
    if (!off) return false;
    std::string body;
    if (*off < text.size() && text[*off] == '[') {
      for (const auto& it : items) body += flow_text(it) + (node->items().empty() ? "" : ", ");
      edits.push_back({*off + 1, 0, body});
      continue;
    }
    // Block sequence: the list's position is its first item's content, two
    // columns after the dash.
    if (node->items().empty()) return false;
    SourcePos first = node->items()[0].pos;
    auto item_off = lines.offset(first, text);
    if (!item_off || first.column < 3) return false;
    std::string indent(first.column - 3, ' ');
    for (const auto& it : items) body += flow_text(it) + "\n" + indent + "- ";
    edits.push_back({*item_off, 0, body});
  }
  return true;
}

std::string apply_edits(std::string_view text, std::vector<Edit> edits) {
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) { return a.offset > b.offset; });
  std::string out(text);
  for (const auto& e : edits) out.replace(e.offset, e.length, e.text);
  return out;
}

// The node a fix's target names for a finding's field path.
const Node* fix_target(const Document& doc, const std::string& target, const std::string& field) {
  if (target == "document") return &doc.root;
  if (target == "pod") {
    std::string_view sp = pod_spec_path(doc.kind);
    return sp.empty() ? nullptr : find_path(doc.root, sp);
  }
  if (target == "container") {
    static const std::regex kContainer(R"((initContainers|containers|ephemeralContainers)\[\d+\])");
    std::smatch m, last;
    std::string::const_iterator from = field.begin();
    bool found = false;
    while (std::regex_search(from, field.end(), m, kContainer)) {
      last = m;
      found = true;
      from = m.suffix().first;
    }
    if (!found) return nullptr;
    size_t end = static_cast<size_t>(last.suffix().first - field.begin());
    return find_path(doc.root, std::string_view(field).substr(0, end));
  }
  return nullptr;
}

}  // namespace

std::vector<FileFix> plan_fixes(std::span<const ConfigFile> files, std::span<const Document> docs,
                                std::span<const Policy> policies, std::span<const Finding> findings,
                                std::vector<Diagnostic>& diags, const ImagePinner& pin, const ConfigLimits& limits) {
  std::map<std::string, const Policy*> by_id;
  for (const auto& p : policies)
    if (!p.fixes.empty()) by_id[p.id] = &p;
  // Per file: per document, the plan.
  std::map<std::string, std::map<const Document*, DocumentPlan>> plans;
  std::map<std::string, std::set<std::string>> fixed_ids;
  std::map<std::string, int> fixed_counts;
  for (const auto& f : findings) {
    if (f.kind != FindingKind::kMisconfiguration || f.status != FindingStatus::kOpen) continue;
    auto pit = by_id.find(f.id);
    if (pit == by_id.end()) continue;
    auto doc_index = f.attributes.find("document");
    if (doc_index == f.attributes.end()) continue;
    const Document* doc = nullptr;
    for (const auto& d : docs)
      if (d.path == f.location.path && std::to_string(d.index) == doc_index->second && d.format == "kubernetes") doc = &d;
    if (!doc) continue;
    auto field = f.attributes.find("field");
    std::string field_path = field == f.attributes.end() ? "" : field->second;
    bool any = false;
    for (const auto& fix : pit->second->fixes) {
      const Node* target = fix_target(*doc, fix.target, field_path);
      if (!target || !target->is_map()) continue;
      for (const auto& [path, value] : fix.set) plan_set(plans[doc->path][doc], *target, path, value, false);
      for (const auto& [path, value] : fix.defaults) plan_set(plans[doc->path][doc], *target, path, value, true);
      any = true;
    }
    if (any) {
      fixed_ids[doc->path].insert(f.id);
      ++fixed_counts[doc->path];
    }
  }
  std::vector<FileFix> out;
  for (const auto& [path, per_doc] : plans) {
    // (A named copy: clang 14 cannot capture a structured binding.)
    const std::string& wanted = path;
    auto file = std::find_if(files.begin(), files.end(), [&](const ConfigFile& c) { return c.path == wanted; });
    if (file == files.end()) continue;
    LineIndex lines(file->text);
    std::vector<Edit> edits;
    bool ok = true;
    for (const auto& [doc, plan] : per_doc) ok = ok && plan_edits(plan, file->text, lines, edits);
    if (!ok || edits.empty()) {
      if (!ok) diags.push_back(make_warning(path, 0, "cannot place a fix in this file's layout; left unchanged"));
      continue;
    }
    FileFix fix;
    fix.path = path;
    fix.original = file->text;
    fix.fixed = apply_edits(file->text, std::move(edits));
    // A fix must leave well-formed YAML with the same number of documents.
    std::vector<Diagnostic> check;
    size_t before = read_yaml(fix.original, path, check).size();
    size_t after = read_yaml(fix.fixed, path, check).size();
    if (!check.empty() || before != after) {
      diags.push_back(make_warning(path, 0, "a generated fix did not give well-formed YAML; left unchanged"));
      continue;
    }
    fix.policies.assign(fixed_ids[path].begin(), fixed_ids[path].end());
    fix.findings = fixed_counts[path];
    out.push_back(std::move(fix));
  }
  for (auto& fx : plan_dockerfile_fixes(files, docs, policies, findings, pin, limits, diags)) out.push_back(std::move(fx));
  return out;
}

std::string unified_diff(const std::string& path, std::string_view before, std::string_view after) {
  auto split = [](std::string_view t) {
    std::vector<std::string_view> v;
    size_t s = 0;
    while (s < t.size()) {
      size_t e = t.find('\n', s);
      if (e == std::string_view::npos) e = t.size();
      v.push_back(t.substr(s, e - s));
      s = e + 1;
    }
    return v;
  };
  auto a = split(before), b = split(after);
  // Longest common subsequence on lines (files are small: bounded by the
  // configuration size limit, and fixes touch few lines).
  size_t n = a.size(), m = b.size();
  if (n * m > 50'000'000) return "";  // too large to diff here
  std::vector<std::vector<uint32_t>> lcs(n + 1, std::vector<uint32_t>(m + 1, 0));
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  struct Op {
    char kind;  // ' ', '-', '+'
    std::string_view line;
  };
  std::vector<Op> ops;
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) ops.push_back({' ', a[i]}), ++i, ++j;
    else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) ops.push_back({'-', a[i++]});
    else ops.push_back({'+', b[j++]});
  }
  std::ostringstream out;
  out << "--- a/" << path << "\n+++ b/" << path << "\n";
  constexpr size_t kContext = 3;
  size_t k = 0;
  while (k < ops.size()) {
    if (ops[k].kind == ' ') {
      ++k;
      continue;
    }
    // A hunk: from kContext lines before this change to kContext after the
    // last change that is within 2*kContext of the previous one.
    size_t start = k >= kContext ? k - kContext : 0;
    size_t end = k;
    while (end < ops.size()) {
      size_t next = end;
      while (next < ops.size() && ops[next].kind == ' ') ++next;
      if (next == ops.size() || next - end > 2 * kContext) break;
      end = next + 1;
    }
    size_t stop = std::min(ops.size(), end + kContext);
    size_t a_line = 1, b_line = 1;
    for (size_t x = 0; x < start; ++x) {
      if (ops[x].kind != '+') ++a_line;
      if (ops[x].kind != '-') ++b_line;
    }
    size_t a_count = 0, b_count = 0;
    for (size_t x = start; x < stop; ++x) {
      if (ops[x].kind != '+') ++a_count;
      if (ops[x].kind != '-') ++b_count;
    }
    out << "@@ -" << a_line << "," << a_count << " +" << b_line << "," << b_count << " @@\n";
    for (size_t x = start; x < stop; ++x) out << ops[x].kind << ops[x].line << "\n";
    k = stop;
  }
  return out.str();
}

}  // namespace bulwark::policy
