// Terraform module directories into documents. Each directory's .tf files are
// read together; root modules (directories no other scanned directory calls
// as a local module) are evaluated with their variable defaults and tfvars;
// local module calls are evaluated as child instances with the call's
// arguments as variables, their resources addressed `module.NAME.`. Values are
// computed lazily (a local is evaluated when first used) with cycle guards.
#include "policy/misconfig/hcl/terraform.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "policy/misconfig/hcl/eval.hpp"
#include "policy/misconfig/hcl/hcl.hpp"

namespace bulwark::policy::hcl {

namespace {

constexpr int kMaxModuleDepth = 10;     // nesting of local module calls
constexpr size_t kMaxInstances = 1000;  // instances of one resource, block or module by count/for_each

std::string dir_of(std::string_view path) {
  auto k = path.rfind('/');
  return k == std::string_view::npos ? std::string() : std::string(path.substr(0, k));
}
std::string base_name(std::string_view path) {
  auto k = path.rfind('/');
  return std::string(k == std::string_view::npos ? path : path.substr(k + 1));
}

// `rel` taken from `dir`, with . and .. resolved; nullopt above the scan root.
std::optional<std::string> join_path(const std::string& dir, std::string_view rel) {
  if (!rel.empty() && rel[0] == '/') return std::nullopt;
  std::vector<std::string> parts;
  auto push_all = [&](std::string_view p) {
    size_t i = 0;
    while (i <= p.size()) {
      size_t j = p.find('/', i);
      if (j == std::string_view::npos) j = p.size();
      std::string_view seg = p.substr(i, j - i);
      if (seg == "..") {
        if (parts.empty()) return false;
        parts.pop_back();
      } else if (!seg.empty() && seg != ".") {
        parts.emplace_back(seg);
      }
      i = j + 1;
    }
    return true;
  };
  if (!push_all(dir) || !push_all(rel)) return std::nullopt;
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += '/';
    out += p;
  }
  return out;
}

// How to get from directory `from` to `to`, as Terraform's path.module shows it.
std::string relative_path(const std::string& from, const std::string& to) {
  if (from == to) return ".";
  auto split = [](const std::string& p) {
    std::vector<std::string> v;
    size_t i = 0;
    while (i < p.size()) {
      size_t j = p.find('/', i);
      if (j == std::string::npos) j = p.size();
      v.push_back(p.substr(i, j - i));
      i = j + 1;
    }
    return v;
  };
  auto a = split(from), b = split(to);
  size_t common = 0;
  while (common < a.size() && common < b.size() && a[common] == b[common]) ++common;
  std::string out;
  for (size_t i = common; i < a.size(); ++i) out += out.empty() ? ".." : "/..";
  for (size_t i = common; i < b.size(); ++i) out += (out.empty() ? "" : "/") + b[i];
  return out.empty() ? "." : out;
}

bool is_local_source(std::string_view s) { return s.starts_with("./") || s.starts_with("../") || s == "." || s == ".."; }

const std::set<std::string, std::less<>> kResourceMeta = {"count", "for_each", "provider", "depends_on"};
const std::set<std::string, std::less<>> kResourceMetaBlocks = {"lifecycle", "provisioner", "connection"};
const std::set<std::string, std::less<>> kModuleMeta = {"source", "version", "count", "for_each", "providers", "depends_on"};

void set_positions(Node& n, SourcePos pos) {
  n.pos = pos;
  if (n.is_list())
    for (auto& x : n.items()) set_positions(x, pos);
  if (n.is_map())
    for (auto& f : n.fields()) {
      f.key_pos = pos;
      set_positions(f.value, pos);
    }
}
void shift_lines(Node& n, uint32_t by) {
  if (n.pos.line) n.pos.line += by;
  if (n.is_list())
    for (auto& x : n.items()) shift_lines(x, by);
  if (n.is_map())
    for (auto& f : n.fields()) {
      if (f.key_pos.line) f.key_pos.line += by;
      shift_lines(f.value, by);
    }
}

struct ModuleDir {
  std::string dir;
  std::vector<int> tf_files;  // in path order
  std::vector<std::pair<std::string, Val>> tfvars;  // in the order Terraform applies them
  std::map<std::string, std::pair<const Block*, int>> variables, outputs, calls;
  std::map<std::string, std::pair<const Attribute*, int>> locals;
};

struct Global {
  std::vector<std::unique_ptr<File>> files;
  std::map<std::string, std::string> texts;  // template files for file() and templatefile()
  std::map<std::string, ModuleDir> dirs;
  std::vector<Diagnostic>& diags;
  EvalBudget budget;
  explicit Global(std::vector<Diagnostic>& d) : diags(d) {}
};

class ModuleInst;

// The names visible to one evaluation: the module's, plus count.index or each
// when evaluating inside an instance.
class Scope : public Resolver {
 public:
  Scope(ModuleInst& m, std::optional<Val> count_index = std::nullopt, std::optional<std::pair<Val, Val>> each = std::nullopt)
      : m_(m), count_index_(std::move(count_index)), each_(std::move(each)) {}
  Val resolve(const std::string& root, std::span<const Step> steps, size_t& consumed) override;
  std::optional<std::string> read_file(const std::string& path) override;

 private:
  ModuleInst& m_;
  std::optional<Val> count_index_;
  std::optional<std::pair<Val, Val>> each_;
};

struct Lazy {
  enum { kNew, kBusy, kDone } state = kNew;
  Val v;
};

struct ChildSet {
  std::vector<std::unique_ptr<ModuleInst>> instances;
  std::vector<Val> keys;  // count index or for_each key, per instance; empty with neither
  bool keyed = false;
  bool failed = false;  // not evaluated (remote source, depth, cycle, missing directory)
};

class ModuleInst {
 public:
  ModuleInst(Global& g, const ModuleDir& md, std::string address, ModuleInst* parent, const Block* call, int call_file,
             std::optional<Val> call_count, std::optional<std::pair<Val, Val>> call_each, const std::string& root_dir, int depth)
      : g(g), md(md), address(std::move(address)), parent(parent), call(call), call_file(call_file),
        call_count(std::move(call_count)), call_each(std::move(call_each)), root_dir(root_dir), depth(depth) {}

  Global& g;
  const ModuleDir& md;
  std::string address;  // "" for a root, "module.a", "module.a[0].module.b"
  ModuleInst* parent;
  const Block* call;
  int call_file;
  std::optional<Val> call_count;
  std::optional<std::pair<Val, Val>> call_each;
  std::string root_dir;
  int depth;
  std::map<std::string, Lazy> vars, locals, outputs;
  std::map<std::string, ChildSet> children;

  std::string prefix() const { return address.empty() ? std::string() : address + "."; }

  Val eval(const Expr& e, int file_id, Scope& scope) {
    Evaluator ev(*g.files[static_cast<size_t>(file_id)], file_id, scope, g.budget);
    return ev.eval(e);
  }
  Val eval_plain(const Expr& e, int file_id) {
    Scope s(*this);
    return eval(e, file_id, s);
  }

  Val var(const std::string& name) {
    Lazy& l = vars[name];
    if (l.state == Lazy::kBusy) return Val::unknown("var." + name);
    if (l.state == Lazy::kDone) return l.v;
    l.state = Lazy::kBusy;
    Val v = compute_var(name);
    Lazy& again = vars[name];
    again.state = Lazy::kDone;
    again.v = v;
    return v;
  }

  Val compute_var(const std::string& name) {
    if (call) {
      if (const Attribute* a = call->body->attribute(name)) {
        Scope s(*parent, call_count, call_each);
        Val v = parent->eval(*a->expr, call_file, s);
        if (v.k != Val::K::kNull) return v;
      }
    } else {
      const Val* found = nullptr;
      for (const auto& [k, v] : md.tfvars)
        if (k == name) found = &v;
      if (found) return *found;
    }
    auto it = md.variables.find(name);
    if (it != md.variables.end())
      if (const Attribute* d = it->second.first->body->attribute("default")) return eval_plain(*d->expr, it->second.second);
    return Val::unknown("var." + name);
  }

  Val local(const std::string& name) {
    Lazy& l = locals[name];
    if (l.state == Lazy::kBusy) return Val::unknown("local." + name);
    if (l.state == Lazy::kDone) return l.v;
    l.state = Lazy::kBusy;
    Val v;
    auto it = md.locals.find(name);
    if (it == md.locals.end()) v = Val::error("no local \"" + name + "\"");
    else v = eval_plain(*it->second.first->expr, it->second.second);
    Lazy& again = locals[name];
    again.state = Lazy::kDone;
    again.v = v;
    return v;
  }

  Val output(const std::string& name) {
    Lazy& l = outputs[name];
    if (l.state == Lazy::kBusy) return Val::unknown(prefix() + "output." + name);
    if (l.state == Lazy::kDone) return l.v;
    l.state = Lazy::kBusy;
    Val v;
    auto it = md.outputs.find(name);
    if (it == md.outputs.end()) {
      v = Val::error("no output \"" + name + "\"");
    } else if (const Attribute* a = it->second.first->body->attribute("value")) {
      v = eval_plain(*a->expr, it->second.second);
    }
    Lazy& again = outputs[name];
    again.state = Lazy::kDone;
    again.v = v;
    return v;
  }

  Val all_outputs(ModuleInst& child) {
    std::vector<Member> ms;
    for (const auto& [name, def] : child.md.outputs) ms.push_back(Member{name, {}, child.output(name)});
    return Val::map_of(std::move(ms));
  }

  ChildSet& child_set(const std::string& name);

  Val module_ref(std::span<const Step> steps, size_t& consumed) {
    if (steps.empty() || !steps[0].attr) return Val::unknown("module");
    const std::string& name = steps[0].name;
    consumed = 1;
    Val unknown = Val::unknown("module." + name, {Ref{prefix() + "module." + name, "module." + name}});
    if (!md.calls.count(name)) return unknown;
    ChildSet& cs = child_set(name);
    if (cs.failed || cs.instances.empty()) return cs.failed ? unknown : Val::list_of({});
    if (!cs.keyed) {
      if (steps.size() >= 2 && steps[1].attr) {
        consumed = 2;
        return output_of(*cs.instances[0], steps[1].name);
      }
      return all_outputs(*cs.instances[0]);
    }
    if (steps.size() >= 2 && !steps[1].attr && !steps[1].key.is_unknown()) {
      for (size_t i = 0; i < cs.instances.size(); ++i) {
        if (!equal(cs.keys[i], steps[1].key) &&
            !(cs.keys[i].k == Val::K::kNum && steps[1].key.is_str() && number_text(cs.keys[i].n) == steps[1].key.s))
          continue;
        if (steps.size() >= 3 && steps[2].attr) {
          consumed = 3;
          return output_of(*cs.instances[i], steps[2].name);
        }
        consumed = 2;
        return all_outputs(*cs.instances[i]);
      }
    }
    return unknown;
  }

  // An unknown output reads as the expression that uses it ("module.site.bucket_id"),
  // keeping the references into the child module.
  Val output_of(ModuleInst& child, const std::string& name) {
    if (!child.md.outputs.count(name)) return Val::error("module has no output \"" + name + "\"");
    Val v = child.output(name);
    if (v.is_unknown() && !v.b) {
      std::string local_name = child.address.substr(prefix().size());
      v.s = local_name + "." + name;
    }
    return v;
  }
};

Val Scope::resolve(const std::string& root, std::span<const Step> steps, size_t& consumed) {
  consumed = 0;
  auto first_attr = [&]() -> const std::string* { return !steps.empty() && steps[0].attr ? &steps[0].name : nullptr; };
  const std::string* a = first_attr();
  if (root == "var") {
    if (!a) return Val::unknown("var");
    consumed = 1;
    return m_.var(*a);
  }
  if (root == "local") {
    if (!a) return Val::unknown("local");
    consumed = 1;
    return m_.local(*a);
  }
  if (root == "count") {
    if (a && *a == "index") {
      consumed = 1;
      return count_index_ ? *count_index_ : Val::unknown("count.index");
    }
    return Val::unknown("count");
  }
  if (root == "each") {
    if (a && (*a == "key" || *a == "value")) {
      consumed = 1;
      if (!each_) return Val::unknown("each." + *a);
      return *a == "key" ? each_->first : each_->second;
    }
    return Val::unknown("each");
  }
  if (root == "path") {
    if (a) {
      consumed = 1;
      if (*a == "module") return Val::string(relative_path(m_.root_dir, m_.md.dir));
      if (*a == "root" || *a == "cwd") return Val::string(".");
    }
    return Val::unknown("path");
  }
  if (root == "terraform") {
    if (a && *a == "workspace") {
      consumed = 1;
      return Val::string("default");
    }
    return Val::unknown("terraform");
  }
  if (root == "self") return Val::unknown("self");
  if (root == "module") return m_.module_ref(steps, consumed);
  if (root == "data") {
    if (steps.size() >= 2 && steps[0].attr && steps[1].attr) {
      consumed = 2;
      std::string text = "data." + steps[0].name + "." + steps[1].name;
      return Val::unknown(text, {Ref{m_.prefix() + text, text}});
    }
    return Val::unknown("data");
  }
  if (a) {
    consumed = 1;
    std::string text = root + "." + *a;
    return Val::unknown(text, {Ref{m_.prefix() + text, text}});
  }
  return Val::unknown(root);
}

std::optional<std::string> Scope::read_file(const std::string& path) {
  auto full = join_path(m_.root_dir, path);
  if (!full) return std::nullopt;
  auto it = m_.g.texts.find(*full);
  if (it == m_.g.texts.end()) return std::nullopt;
  return it->second;
}

// Instances of a count / for_each meta-argument: keys (empty for a single
// instance without either), and whether they could not be known.
struct Expansion {
  std::vector<std::optional<Val>> count_index;
  std::vector<std::optional<std::pair<Val, Val>>> each;
  std::vector<Val> keys;
  bool keyed = false;
  bool unknown = false;
  size_t size() const { return count_index.size(); }
};

Expansion expand(ModuleInst& m, const Body& body, int file_id, const std::string& what) {
  Expansion x;
  const Attribute* count = body.attribute("count");
  const Attribute* for_each = body.attribute("for_each");
  if (count) {
    x.keyed = true;
    Val v = m.eval_plain(*count->expr, file_id);
    double n = v.k == Val::K::kNum ? v.n : -1;
    if (v.k == Val::K::kStr) {
      char* end = nullptr;
      n = std::strtod(v.s.c_str(), &end);
      if (end == v.s.c_str() || *end) n = -1;
    }
    if (n >= 0 && n == std::floor(n)) {
      size_t k = static_cast<size_t>(std::min<double>(n, static_cast<double>(kMaxInstances)));
      if (n > static_cast<double>(kMaxInstances))
        m.g.diags.push_back(make_warning(m.g.files[static_cast<size_t>(file_id)]->path, static_cast<int>(count->pos.line),
                                         what + ": count of " + number_text(n) + " instances; only the first " +
                                             std::to_string(kMaxInstances) + " are read"));
      for (size_t i = 0; i < k; ++i) {
        x.count_index.push_back(Val::number(static_cast<double>(i)));
        x.each.push_back(std::nullopt);
        x.keys.push_back(Val::number(static_cast<double>(i)));
      }
      return x;
    }
    x.unknown = true;
    x.count_index.push_back(Val::unknown("count.index"));
    x.each.push_back(std::nullopt);
    x.keys.push_back(Val::null());  // no instance key in the address
    return x;
  }
  if (for_each) {
    x.keyed = true;
    Val v = m.eval_plain(*for_each->expr, file_id);
    std::vector<std::pair<Val, Val>> pairs;
    if (v.is_map()) {
      for (const auto& mem : v.members()) pairs.emplace_back(Val::string(mem.key), mem.v);
    } else if (v.is_list() && std::all_of(v.items().begin(), v.items().end(), [](const Val& i) { return i.is_str(); })) {
      for (const auto& i : v.items()) pairs.emplace_back(i, i);
    } else {
      x.unknown = true;
      x.count_index.push_back(std::nullopt);
      x.each.push_back(std::make_pair(Val::unknown("each.key"), Val::unknown("each.value")));
      x.keys.push_back(Val::null());
      return x;
    }
    if (pairs.size() > kMaxInstances) {
      m.g.diags.push_back(make_warning(m.g.files[static_cast<size_t>(file_id)]->path, static_cast<int>(for_each->pos.line),
                                       what + ": for_each of " + std::to_string(pairs.size()) + " instances; only the first " +
                                           std::to_string(kMaxInstances) + " are read"));
      pairs.resize(kMaxInstances);
    }
    for (auto& [k, val] : pairs) {
      x.count_index.push_back(std::nullopt);
      x.keys.push_back(k);
      x.each.push_back(std::make_pair(k, val));
    }
    return x;
  }
  x.count_index.push_back(std::nullopt);
  x.each.push_back(std::nullopt);
  x.keys.push_back(Val::null());
  return x;
}

std::string key_text(const Val& k) {
  if (k.k == Val::K::kNull) return {};
  Step s;
  s.attr = false;
  s.key = k;
  return s.text();
}

ChildSet& ModuleInst::child_set(const std::string& name) {
  auto found = children.find(name);
  if (found != children.end()) return found->second;
  ChildSet& cs = children[name];
  auto [block, file_id] = md.calls.at(name);
  const File& f = *g.files[static_cast<size_t>(file_id)];
  const Attribute* src = block->body->attribute("source");
  Val source = src ? eval_plain(*src->expr, file_id) : Val::null();
  if (!source.is_str() || !is_local_source(source.s)) {
    cs.failed = true;
    return cs;
  }
  auto dir = join_path(md.dir, source.s);
  auto dit = dir ? g.dirs.find(*dir) : g.dirs.end();
  if (dit == g.dirs.end()) {
    cs.failed = true;
    return cs;
  }
  for (const ModuleInst* a = this; a; a = a->parent) {
    if (&a->md == &dit->second) {
      g.diags.push_back(make_warning(f.path, static_cast<int>(block->pos.line),
                                     "module \"" + name + "\" calls " + *dir + ", which is already being evaluated (a cycle); not expanded"));
      cs.failed = true;
      return cs;
    }
  }
  if (depth + 1 > kMaxModuleDepth) {
    g.diags.push_back(make_warning(f.path, static_cast<int>(block->pos.line),
                                   "module \"" + name + "\" nested deeper than " + std::to_string(kMaxModuleDepth) + " levels; not expanded"));
    cs.failed = true;
    return cs;
  }
  Expansion x = expand(*this, *block->body, file_id, "module \"" + name + "\"");
  cs.keyed = x.keyed;
  for (size_t i = 0; i < x.size(); ++i) {
    std::string addr = prefix() + "module." + name + key_text(x.keys[i]);
    cs.instances.push_back(std::make_unique<ModuleInst>(g, dit->second, addr, this, block, file_id, x.count_index[i], x.each[i],
                                                        root_dir, depth + 1));
    cs.keys.push_back(x.keys[i]);
  }
  return cs;
}

// ---- documents -----------------------------------------------------------------

struct Builder {
  ModuleInst& m;
  int file_id;
  const File& file;

  static bool looks_like_json(std::string_view s) {
    size_t i = 0;
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
    return i < s.size() && (s[i] == '{' || s[i] == '[');
  }

  void attribute_into(Evaluator& ev, const Attribute& a, const std::string& path, Node& out, NodeSink& sink, Node& json) {
    Val v = ev.eval(*a.expr);
    Node n = to_node(v, file_id, a.expr->pos, path, sink);
    n.pos = a.expr->pos;
    if (v.json_source) {
      NodeSink ignored;
      add_json_view(json, path, to_node(*v.json_source, file_id, a.expr->pos, path, ignored));
    } else if ((v.is_str() || v.is_unknown()) && looks_like_json(v.s)) {
      bool heredoc = a.expr->begin + 1 < file.text.size() && file.text.compare(a.expr->begin, 2, "<<") == 0;
      if (auto d = decode_json_text(v.s, file.path, a.expr->pos, heredoc)) add_json_view(json, path, *d);
    }
    out.add(a.name, std::move(n), a.pos);
  }

  // A body's attributes and nested blocks (blocks as lists of objects, as in
  // plan JSON), `dynamic` blocks expanded.
  Node body_node(Evaluator& ev, const Body& body, SourcePos pos, const std::string& path, NodeSink& sink, Node& json,
                 const std::set<std::string, std::less<>>* skip_attrs, const std::set<std::string, std::less<>>* skip_blocks) {
    Node n = Node::map(pos);
    for (const auto& a : body.attributes) {
      if (skip_attrs && skip_attrs->count(a.name)) continue;
      attribute_into(ev, a, path_append(path, a.name), n, sink, json);
    }
    std::vector<std::pair<std::string, Node>> lists;  // block type -> list, in first-appearance order
    auto list_for = [&](const std::string& type, SourcePos at) -> Node& {
      for (auto& [t, l] : lists)
        if (t == type) return l;
      lists.emplace_back(type, Node::list(at));
      return lists.back().second;
    };
    for (const auto& b : body.blocks) {
      if (skip_blocks && skip_blocks->count(b.type)) continue;
      if (b.type == "dynamic" && !b.labels.empty()) {
        dynamic_into(ev, b, path, list_for(b.labels[0], b.pos), sink, json);
        continue;
      }
      Node& l = list_for(b.type, b.pos);
      std::string p = path_append(path_append(path, b.type), l.size());
      Node child = body_node(ev, *b.body, b.pos, p, sink, json, nullptr, nullptr);
      if (!b.labels.empty()) {
        Node labels = Node::list(b.pos);
        for (const auto& lab : b.labels) labels.push(Node::string(lab, b.pos));
        child.add("_labels", std::move(labels), b.pos);
      }
      l.push(std::move(child));
    }
    for (auto& [t, l] : lists) {
      SourcePos at = l.pos;
      n.add(t, std::move(l), at);
    }
    return n;
  }

  void dynamic_into(Evaluator& ev, const Block& b, const std::string& path, Node& list, NodeSink& sink, Node& json) {
    const std::string& label = b.labels[0];
    std::string iterator = label;
    if (const Attribute* it = b.body->attribute("iterator"))
      if (it->expr->kind == Expr::Kind::kVariable) iterator = it->expr->name;
    const Block* content = nullptr;
    for (const auto& c : b.body->blocks)
      if (c.type == "content") content = &c;
    const Attribute* fe = b.body->attribute("for_each");
    if (!content || !fe) return;
    Val coll = ev.eval(*fe->expr);
    std::vector<std::pair<Val, Val>> pairs;
    if (coll.is_list()) {
      for (size_t i = 0; i < coll.items().size(); ++i) pairs.emplace_back(Val::number(static_cast<double>(i)), coll.items()[i]);
    } else if (coll.is_map()) {
      for (const auto& mem : coll.members()) pairs.emplace_back(Val::string(mem.key), mem.v);
    } else if (coll.k != Val::K::kNull) {
      // Not known: one block from the content, its iterator unknown; the
      // block list is marked unknown so that its length is not trusted.
      sink.unknown.push_back(path_append(path, label));
      std::string text = expr_text(file, *fe->expr);
      std::vector<Ref> refs = coll.refs ? *coll.refs : std::vector<Ref>{};
      pairs.emplace_back(Val::unknown(iterator + ".key", refs), Val::unknown(iterator + ".value", refs));
    }
    if (pairs.size() > kMaxInstances) pairs.resize(kMaxInstances);
    for (auto& [k, v] : pairs) {
      ev.push(iterator, Val::map_of({Member{"key", {}, k}, Member{"value", {}, v}}));
      std::string p = path_append(path_append(path, label), list.size());
      list.push(body_node(ev, *content->body, content->pos, p, sink, json, nullptr, nullptr));
      ev.pop();
    }
  }

  static void add_refs(Node& out, const NodeSink& sink, SourcePos pos) {
    Node refs = Node::list(pos);
    std::vector<std::pair<std::string, std::string>> seen;
    for (const auto& [path, r] : sink.refs) {
      if (std::find(seen.begin(), seen.end(), std::make_pair(path, r.target)) != seen.end()) continue;
      seen.emplace_back(path, r.target);
      Node e = Node::map(pos);
      e.add("path", Node::string(path, pos), pos);
      e.add("target", Node::string(r.target, pos), pos);
      e.add("traversal", Node::string(r.traversal, pos), pos);
      refs.push(std::move(e));
    }
    out.add("references", std::move(refs), pos);
  }
  static void add_unknown(Node& out, const NodeSink& sink, SourcePos pos) {
    Node u = Node::list(pos);
    for (const auto& p : sink.unknown) u.push(Node::string(p, pos));
    out.add("unknown", std::move(u), pos);
  }

  Node resource(const Block& b, const std::string& mode, const Val& key, std::optional<Val> count_index,
                std::optional<std::pair<Val, Val>> each, bool unknown_instances) {
    SourcePos pos = b.pos;
    const std::string& type = b.labels[0];
    const std::string& name = b.labels[1];
    std::string base = m.prefix() + (mode == "data" ? "data." : "") + type + "." + name;
    Node r = Node::map(pos);
    r.add("address", Node::string(base + key_text(key), pos), pos);
    r.add("base_address", Node::string(base, pos), pos);
    r.add("mode", Node::string(mode, pos), pos);
    r.add("type", Node::string(type, pos), pos);
    r.add("name", Node::string(name, pos), pos);
    if (key.k == Val::K::kNum) r.add("index", Node::integer(static_cast<int64_t>(key.n), pos), pos);
    else if (key.k == Val::K::kStr) r.add("index", Node::string(key.s, pos), pos);
    else r.add("index", Node::null(pos), pos);
    r.add("unknown_instances", Node::boolean(unknown_instances, pos), pos);
    r.add("module", Node::string(m.address, pos), pos);
    std::string provider = type.substr(0, type.find('_'));
    if (const Attribute* p = b.body->attribute("provider")) provider = expr_text(file, *p->expr);
    r.add("provider", Node::string(provider, pos), pos);
    r.add("file", Node::string(file.path, pos), pos);
    Scope scope(m, std::move(count_index), std::move(each));
    Evaluator ev(file, file_id, scope, m.g.budget);
    NodeSink sink;
    Node json = Node::map(pos);
    Node values = body_node(ev, *b.body, pos, "", sink, json, &kResourceMeta, &kResourceMetaBlocks);
    if (const Attribute* d = b.body->attribute("depends_on")) {
      NodeSink deps;
      to_node(ev.eval(*d->expr), file_id, pos, "depends_on", deps);
      for (auto& ref : deps.refs) sink.refs.push_back(ref);
    }
    r.add("values", std::move(values), pos);
    add_unknown(r, sink, pos);
    add_refs(r, sink, pos);
    r.add("json", std::move(json), pos);
    return r;
  }
};

void emit_instance(ModuleInst& m, std::vector<Document>& out, std::map<std::string, int>& doc_counts) {
  Global& g = m.g;
  size_t first_doc = out.size();
  Node all_resources = Node::list();
  for (int fid : m.md.tf_files) {
    const File& f = *g.files[static_cast<size_t>(fid)];
    Builder bld{m, fid, f};
    SourcePos top{1, 1};
    Node root = Node::map(top);
    root.add("module", Node::string(m.address, top), top);
    root.add("module_dir", Node::string(m.md.dir, top), top);
    Node resources = Node::list(top), variables = Node::map(top), locals = Node::map(top), outputs = Node::map(top);
    Node providers = Node::list(top), calls = Node::list(top), terraform = Node::list(top);
    NodeSink root_sink;
    Node root_json = Node::map(top);
    for (const auto& b : f.body.blocks) {
      if ((b.type == "resource" || b.type == "data") && b.labels.size() == 2) {
        Expansion x = expand(m, *b.body, fid, b.type + " " + b.labels[0] + "." + b.labels[1]);
        for (size_t i = 0; i < x.size(); ++i) resources.push(bld.resource(b, b.type == "data" ? "data" : "managed", x.keys[i], x.count_index[i], x.each[i], x.unknown));
      } else if (b.type == "variable" && b.labels.size() == 1) {
        const std::string& name = b.labels[0];
        Node v = Node::map(b.pos);
        std::string path = path_append(path_append("variables", name), "value");
        for (const auto& a : b.body->attributes) {
          if (a.name == "type") v.add("type", Node::string(expr_text(f, *a.expr), a.expr->pos), a.pos);
          else if (a.name == "default" || a.name == "description" || a.name == "sensitive" || a.name == "nullable") {
            NodeSink s;
            Node n = to_node(m.eval_plain(*a.expr, fid), fid, a.expr->pos, "", s);
            n.pos = a.expr->pos;
            v.add(a.name, std::move(n), a.pos);
          }
        }
        Node value = to_node(m.var(name), fid, b.pos, path, root_sink);
        v.add("value", std::move(value), b.pos);
        variables.add(name, std::move(v), b.pos);
      } else if (b.type == "locals") {
        for (const auto& a : b.body->attributes) {
          Node n = to_node(m.local(a.name), fid, a.expr->pos, path_append("locals", a.name), root_sink);
          n.pos = a.expr->pos;
          locals.add(a.name, std::move(n), a.pos);
        }
      } else if (b.type == "output" && b.labels.size() == 1) {
        Node o = Node::map(b.pos);
        std::string base = path_append("outputs", b.labels[0]);
        for (const auto& a : b.body->attributes) {
          if (a.name == "depends_on" || a.name == "precondition") continue;
          Val v = a.name == "value" ? m.output(b.labels[0]) : m.eval_plain(*a.expr, fid);
          Node n = to_node(v, fid, a.expr->pos, path_append(base, a.name), root_sink);
          n.pos = a.expr->pos;
          o.add(a.name, std::move(n), a.pos);
        }
        outputs.add(b.labels[0], std::move(o), b.pos);
      } else if (b.type == "provider" && b.labels.size() == 1) {
        Scope s(m);
        Evaluator ev(f, fid, s, g.budget);
        Node p = Node::map(b.pos);
        std::string path = path_append("providers", providers.size());
        Node values = bld.body_node(ev, *b.body, b.pos, path_append(path, "values"), root_sink, root_json, nullptr, nullptr);
        std::string alias;
        if (const Node* a = values.get("alias"); a && a->is_string()) alias = a->as_string();
        p.add("name", Node::string(b.labels[0], b.pos), b.pos);
        p.add("alias", Node::string(alias, b.pos), b.pos);
        p.add("address", Node::string(alias.empty() ? b.labels[0] : b.labels[0] + "." + alias, b.pos), b.pos);
        p.add("values", std::move(values), b.pos);
        providers.push(std::move(p));
      } else if (b.type == "module" && b.labels.size() == 1) {
        Scope s(m);
        Evaluator ev(f, fid, s, g.budget);
        Node c = Node::map(b.pos);
        NodeSink sink;
        Node json = Node::map(b.pos);
        const std::string& name = b.labels[0];
        Val source;
        if (const Attribute* a = b.body->attribute("source")) source = ev.eval(*a->expr);
        c.add("name", Node::string(name, b.pos), b.pos);
        c.add("address", Node::string(m.prefix() + "module." + name, b.pos), b.pos);
        c.add("source", Node::string(source.is_str() ? source.s : std::string(), b.pos), b.pos);
        bool local = source.is_str() && is_local_source(source.s);
        c.add("local", Node::boolean(local, b.pos), b.pos);
        std::string dir;
        if (local) {
          ChildSet& cs = m.child_set(name);
          if (!cs.failed)
            if (auto d = join_path(m.md.dir, source.s)) dir = *d;
        }
        c.add("dir", Node::string(dir, b.pos), b.pos);
        if (const Attribute* a = b.body->attribute("version")) c.add("version", Node::string(expr_text(f, *a->expr), a->pos), a->pos);
        c.add("values", bld.body_node(ev, *b.body, b.pos, "", sink, json, &kModuleMeta, nullptr), b.pos);
        Builder::add_unknown(c, sink, b.pos);
        Builder::add_refs(c, sink, b.pos);
        calls.push(std::move(c));
      } else if (b.type == "terraform") {
        Scope s(m);
        Evaluator ev(f, fid, s, g.budget);
        terraform.push(bld.body_node(ev, *b.body, b.pos, path_append("terraform", terraform.size()), root_sink, root_json, nullptr, nullptr));
      }
    }
    for (const auto& r : resources.items()) all_resources.push(r);
    root.add("resources", std::move(resources), top);
    root.add("variables", std::move(variables), top);
    root.add("locals", std::move(locals), top);
    root.add("outputs", std::move(outputs), top);
    root.add("providers", std::move(providers), top);
    root.add("module_calls", std::move(calls), top);
    root.add("terraform", std::move(terraform), top);
    Builder::add_unknown(root, root_sink, top);
    Document d;
    d.path = f.path;
    d.format = "terraform";
    d.kind = "module";
    d.index = doc_counts[f.path]++;
    d.root = std::move(root);
    out.push_back(std::move(d));
  }
  for (size_t i = first_doc; i < out.size(); ++i) out[i].root.add("module_resources", all_resources, SourcePos{1, 1});
  for (auto& [name, def] : m.md.calls) {
    ChildSet& cs = m.child_set(name);
    for (auto& child : cs.instances) emit_instance(*child, out, doc_counts);
  }
}

// tfvars: attributes of constant values.
class NoResolver : public Resolver {
 public:
  Val resolve(const std::string& root, std::span<const Step>, size_t&) override { return Val::unknown(root); }
  std::optional<std::string> read_file(const std::string&) override { return std::nullopt; }
};

bool tfvars_order(const std::string& a, const std::string& b) {
  // terraform.tfvars(.json) first, then *.auto.tfvars(.json) in lexical order.
  auto rank = [](const std::string& p) { return base_name(p).starts_with("terraform.tfvars") ? 0 : 1; };
  if (rank(a) != rank(b)) return rank(a) < rank(b);
  return base_name(a) < base_name(b);
}

}  // namespace

std::string base_address(std::string_view address) {
  if (!address.empty() && address.back() == ']') {
    // the last '[' that is not inside a quoted key
    bool quoted = false;
    for (size_t i = address.size(); i-- > 0;) {
      char c = address[i];
      if (c == '"' && (i == 0 || address[i - 1] != '\\')) quoted = !quoted;
      if (c == '[' && !quoted) return std::string(address.substr(0, i));
    }
  }
  return std::string(address);
}

void add_json_view(Node& json, const std::string& path, const Node& decoded) { json.add(path, decoded, decoded.pos); }

std::optional<Node> decode_json_text(std::string_view text, const std::string& file, SourcePos at, bool keep_lines) {
  if (text.size() > (4u << 20)) return std::nullopt;
  size_t i = 0;
  while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
  if (i >= text.size() || (text[i] != '{' && text[i] != '[')) return std::nullopt;
  std::vector<Diagnostic> ignored;
  ReadLimits rl;
  rl.max_nodes = 100000;
  auto docs = read_yaml(text, file, ignored, rl);
  if (!ignored.empty() || docs.size() != 1 || !(docs[0].is_map() || docs[0].is_list())) return std::nullopt;
  Node n = std::move(docs[0]);
  if (keep_lines) shift_lines(n, at.line);
  else set_positions(n, at);
  return n;
}

void build_terraform_documents(std::span<const ConfigFile* const> files, const ConfigLimits& limits, std::vector<Document>& out,
                               std::vector<Diagnostic>& diags) {
  Global g(diags);
  g.budget.max_depth = limits.read.max_depth;
  g.budget.remaining = std::max<uint64_t>(limits.read.max_nodes * 4, 1000);
  ParseLimits pl;
  pl.max_depth = limits.read.max_depth;
  pl.max_bytes = std::min<uint64_t>(limits.max_file_bytes, limits.read.max_bytes);
  std::vector<const ConfigFile*> sorted(files.begin(), files.end());
  std::sort(sorted.begin(), sorted.end(), [](const ConfigFile* a, const ConfigFile* b) { return a->path < b->path; });
  std::map<std::string, std::vector<std::pair<std::string, int>>> tfvars_files;  // dir -> (path, file id or -1 for JSON)
  std::map<std::string, std::vector<Val>> json_tfvars;
  for (const ConfigFile* cf : sorted) {
    const std::string& p = cf->path;
    std::string dir = dir_of(p);
    if (p.ends_with(".tf")) {
      ModuleDir& md = g.dirs[dir];
      md.dir = dir;
      g.files.push_back(std::make_unique<File>(parse(cf->text, p, diags, pl)));
      md.tf_files.push_back(static_cast<int>(g.files.size() - 1));
    } else if (p.ends_with(".tfvars")) {
      g.files.push_back(std::make_unique<File>(parse(cf->text, p, diags, pl)));
      tfvars_files[dir].emplace_back(p, static_cast<int>(g.files.size() - 1));
    } else if (p.ends_with(".tfvars.json")) {
      std::vector<Diagnostic> local;
      ReadLimits rl = limits.read;
      auto docs = read_yaml(cf->text, p, local, rl);
      for (auto& d : local) diags.push_back(std::move(d));
      if (!docs.empty() && docs[0].is_map()) {
        g.files.push_back(std::make_unique<File>());
        g.files.back()->path = p;
        int fid = static_cast<int>(g.files.size() - 1);
        tfvars_files[dir].emplace_back(p, fid);
        json_tfvars[p].push_back(from_node(docs[0], fid));
      }
    } else {
      if (cf->text.size() <= limits.max_file_bytes) g.texts[p] = cf->text;
    }
  }
  // Declarations of each directory, and tfvars for roots.
  for (auto& [dir, md] : g.dirs) {
    for (int fid : md.tf_files) {
      for (const auto& b : g.files[static_cast<size_t>(fid)]->body.blocks) {
        if (b.type == "variable" && b.labels.size() == 1) md.variables[b.labels[0]] = {&b, fid};
        else if (b.type == "output" && b.labels.size() == 1) md.outputs[b.labels[0]] = {&b, fid};
        else if (b.type == "module" && b.labels.size() == 1) md.calls[b.labels[0]] = {&b, fid};
        else if (b.type == "locals")
          for (const auto& a : b.body->attributes) md.locals[a.name] = {&a, fid};
      }
    }
    auto tv = tfvars_files.find(dir);
    if (tv == tfvars_files.end()) continue;
    auto list = tv->second;
    std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return tfvars_order(a.first, b.first); });
    for (const auto& [path, fid] : list) {
      if (path.ends_with(".json")) {
        for (const auto& v : json_tfvars[path])
          for (const auto& mem : v.members()) md.tfvars.emplace_back(mem.key, mem.v);
        continue;
      }
      NoResolver none;
      const File& f = *g.files[static_cast<size_t>(fid)];
      Evaluator ev(f, fid, none, g.budget);
      for (const auto& a : f.body.attributes) md.tfvars.emplace_back(a.name, ev.eval(*a.expr));
    }
  }
  // Directories another scanned directory calls as a local module are not roots.
  std::set<std::string> called;
  for (auto& [dir, md] : g.dirs) {
    for (auto& [name, def] : md.calls) {
      const Attribute* src = def.first->body->attribute("source");
      if (!src || src->expr->kind != Expr::Kind::kString || !is_local_source(src->expr->text)) continue;
      if (auto d = join_path(dir, src->expr->text); d && *d != dir) called.insert(*d);
    }
  }
  std::map<std::string, int> doc_counts;
  for (auto& [dir, md] : g.dirs) {
    if (called.count(dir)) continue;
    ModuleInst root(g, md, "", nullptr, nullptr, -1, std::nullopt, std::nullopt, dir, 0);
    emit_instance(root, out, doc_counts);
  }
  // A directory only called from a cycle of other called ones still gets read.
  std::set<std::string> emitted;
  for (const auto& d : out) emitted.insert(dir_of(d.path));
  for (auto& [dir, md] : g.dirs) {
    if (emitted.count(dir) || md.tf_files.empty()) continue;
    ModuleInst root(g, md, "", nullptr, nullptr, -1, std::nullopt, std::nullopt, dir, 0);
    emit_instance(root, out, doc_counts);
  }
  if (g.budget.exhausted && !g.files.empty())
    diags.push_back(make_warning(g.files.front()->path, 0,
                                 "Terraform evaluation stopped at its budget of values; later values are shown as unknown"));
}

}  // namespace bulwark::policy::hcl
