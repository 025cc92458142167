// Policy evaluation: binds each document (or resource) to a policy's CEL,
// turns what the expression yields into findings located at the offending
// field's file, line and column.
#include <algorithm>
#include <map>
#include <memory>

#include "core/core.hpp"
#include "policy/misconfig/internal.hpp"

namespace bulwark::policy {
namespace {

constexpr size_t kMaxEvidence = 200;

bool kind_matches(const Policy& p, std::string_view kind) {
  if (p.kinds.empty()) return true;
  for (const auto& k : p.kinds) {
    if (k == kind) return true;
    // Kubernetes: "Workload" is every kind that carries a pod spec.
    if (k == "Workload" && p.format == "kubernetes" && !pod_spec_path(kind).empty()) return true;
  }
  return false;
}

// One thing a policy is evaluated against: a document or a resource in one.
struct Subject {
  const Document* doc = nullptr;
  const Node* node = nullptr;    // the document root or the resource
  std::string name;              // resource name (CloudFormation logical id, Terraform address)
  std::string type;              // resource type
};

// What is known about the documents of one format, shared by its policies.
struct FormatView {
  std::vector<const Document*> docs;
  cel::Value all;  // list of every document root
};

std::string describe_object(const Document& d) {
  if (d.format == "kubernetes") {
    const Node* meta = d.root.get("metadata");
    const Node* name = meta ? meta->get("name") : nullptr;
    const Node* ns = meta ? meta->get("namespace") : nullptr;
    std::string out = d.kind;
    if (ns && ns->is_string()) out += "/" + ns->as_string();
    if (name && name->is_string()) out += "/" + name->as_string();
    return out;
  }
  return d.kind;
}

// Terraform resources are a list of {address, type, ...}; CloudFormation's
// are the `Resources` map of logical id -> {Type, Properties}.
std::vector<Subject> resources_of(const Document& d) {
  std::vector<Subject> out;
  if (d.format == "terraform" || d.format == "terraform-plan") {
    const Node* rs = d.root.get("resources");
    if (rs && rs->is_list())
      for (const auto& r : rs->items()) {
        const Node* type = r.get("type");
        const Node* address = r.get("address");
        out.push_back({&d, &r, address && address->is_string() ? address->as_string() : "",
                       type && type->is_string() ? type->as_string() : ""});
      }
  } else if (d.format == "cloudformation") {
    const Node* rs = d.root.get("Resources");
    if (rs && rs->is_map())
      for (const auto& f : rs->fields()) {
        const Node* type = f.value.get("Type");
        out.push_back({&d, &f.value, f.key, type && type->is_string() ? type->as_string() : ""});
      }
  }
  return out;
}

class Evaluation {
 public:
  Evaluation(const std::function<std::string(const std::string&)>& layer_of, std::vector<Finding>& out,
             std::vector<Diagnostic>& diags)
      : layer_of_(layer_of), out_(out), diags_(diags) {}

  void run(const Policy& p, const FormatView& view, const Subject& s) {
    cel::Activation a;
    a.bind("object", s.node && s.doc && s.node == &s.doc->root ? cel::Value::from_node(*s.node)
                     : s.doc                                   ? cel::Value::from_node(s.doc->root)
                                                               : cel::Value());
    a.bind("documents", view.all);
    if (s.doc) {
      a.bind("document", cel::Value::map({{cel::Value::string("path"), cel::Value::string(s.doc->path)},
                                          {cel::Value::string("format"), cel::Value::string(s.doc->format)},
                                          {cel::Value::string("kind"), cel::Value::string(s.doc->kind)},
                                          {cel::Value::string("index"), cel::Value::integer(s.doc->index)}}));
    } else {
      a.bind("document", cel::Value());
    }
    if (p.format == "kubernetes") {
      const Node* spec = nullptr;
      if (s.doc) {
        std::string_view sp = pod_spec_path(s.doc->kind);
        if (!sp.empty()) spec = find_path(s.doc->root, sp);
      }
      // Kinds without a pod spec see an empty one, so `has(podSpec.x)` is
      // simply false there.
      a.bind("podSpec", spec && spec->is_map() ? cel::Value::from_node(*spec) : cel::Value::map({}));
      std::vector<cel::Value> containers;
      if (spec && spec->is_map())
        for (const char* key : {"initContainers", "containers", "ephemeralContainers"})
          if (const Node* list = spec->get(key); list && list->is_list())
            for (const auto& c : list->items())
              if (c.is_map()) containers.push_back(cel::Value::from_node(c));
      a.bind("containers", cel::Value::list(std::move(containers)));
    }
    if (p.scope == PolicyScope::kResource) {
      a.bind("resource", cel::Value::from_node(*s.node));
      a.bind("name", cel::Value::string(s.name));
    }
    std::vector<std::pair<cel::Value, cel::Value>> vars;
    a.bind("variables", cel::Value::map({}));
    for (const auto& [name, prog] : p.compiled->variables) {
      cel::Value v = prog.evaluate(a);
      if (v.is_error()) return error(p, s, "variable " + name + ": " + v.as_string());
      vars.emplace_back(cel::Value::string(name), std::move(v));
      a.bind("variables", cel::Value::map(vars));
    }
    cel::Value result = p.compiled->violations->evaluate(a);
    if (result.is_error()) return error(p, s, result.as_string());
    yield(p, s, result, 0);
  }

 private:
  void error(const Policy& p, const Subject& s, const std::string& message) {
    std::string where = s.doc ? s.doc->path : p.format + " documents";
    Diagnostic d = make_warning(where, s.node ? static_cast<int>(s.node->pos.line) : 0,
                                "policy " + p.id + " could not be evaluated" +
                                    (s.name.empty() ? "" : " on " + s.name) + ": " + message);
    diags_.push_back(std::move(d));
  }

  // Lists may nest (a list of violations per container): they are walked
  // depth first, in order.
  void yield(const Policy& p, const Subject& s, const cel::Value& v, int depth) {
    if (v.kind() != cel::Value::Kind::kList) return violation(p, s, v);
    if (depth > 8) return error(p, s, "violations nest lists more than 8 deep");
    for (size_t i = 0; i < v.size(); ++i) yield(p, s, v.element(i), depth + 1);
  }

  // One element of what `violations` yielded: true, a message, or a map
  // {message, field (a value read from the document), path (a field path)}.
  void violation(const Policy& p, const Subject& s, const cel::Value& v) {
    std::string message;
    const Node* at = nullptr;
    std::string path_hint;
    switch (v.kind()) {
      case cel::Value::Kind::kNull: return;
      case cel::Value::Kind::kBool:
        if (!v.as_bool()) return;
        message = p.title;
        break;
      case cel::Value::Kind::kString:
        message = v.as_string();
        break;
      case cel::Value::Kind::kMap: {
        if (auto m = v.find(cel::Value::string("message")); m && m->kind() == cel::Value::Kind::kString)
          message = m->as_string();
        if (auto f = v.find(cel::Value::string("field"))) at = f->node();
        if (auto ph = v.find(cel::Value::string("path")); ph && ph->kind() == cel::Value::Kind::kString)
          path_hint = ph->as_string();
        if (message.empty()) message = p.title;
        break;
      }
      default:
        return error(p, s, "violations must yield true, a message, or {message, field, path}; got " + v.type_name());
    }
    // Where: the field returned, else the path given (the deepest part of it
    // that exists), else the subject itself.
    const Node* base = s.node ? s.node : (s.doc ? &s.doc->root : nullptr);
    const Document* doc = s.doc;
    if (at && !doc) doc = owner_of(at);
    if (!at && base && !path_hint.empty()) at = nearest_on_path(*base, path_hint).first;
    if (!at) at = base;
    // A policy over all documents has no subject document: its violations must
    // name a field, which places the finding in the document holding it.
    if (!doc) {
      return error(p, s, "a violation of a policy with scope 'all' must return {\"field\": …} naming a value of "
                         "one of the documents (message: " + message + ")");
    }

    Finding f;
    f.kind = FindingKind::kMisconfiguration;
    f.id = p.id;
    f.title = p.title;
    f.description = p.description;
    f.severity = p.severity;
    f.severity_source = "bulwark";
    f.remediation.text = p.remediation;
    f.references = p.references;
    f.frameworks = p.frameworks;
    f.attributes["message"] = message;
    f.attributes["policy_source"] = p.source;
    if (p.practice > 0) f.attributes["practice"] = std::to_string(p.practice);
    f.location.path = doc->path;
    f.location.layer = layer_of_ ? layer_of_(doc->path) : "";
    f.attributes["format"] = doc->format;
    f.attributes["kind"] = doc->kind;
    f.attributes["document"] = std::to_string(doc->index);
    f.attributes["resource"] = s.name.empty() ? describe_object(*doc) : s.name;
    if (!s.type.empty()) f.attributes["resource_type"] = s.type;
    if (at) {
      f.location.line = static_cast<int>(at->pos.line);
      f.location.column = static_cast<int>(at->pos.column);
      if (const std::string* fp = index_of(*doc).path_of(at); fp && !fp->empty()) f.attributes["field"] = *fp;
      if (!at->is_map() && !at->is_list()) {
        std::string ev = at->to_text();
        if (ev.size() > kMaxEvidence) ev = ev.substr(0, kMaxEvidence) + "…";
        f.evidence = std::move(ev);
      }
    }
    if (!path_hint.empty() && !f.attributes.count("field")) f.attributes["field"] = path_hint;
    out_.push_back(std::move(f));
  }

  const PathIndex& index_of(const Document& d) {
    auto& slot = indexes_[&d];
    if (!slot) slot = std::make_unique<PathIndex>(d.root);
    return *slot;
  }

  // For policies over all documents: which document a node belongs to. One
  // sorted table of every node's address, built on first use.
  const Document* owner_of(const Node* n) {
    if (owners_.empty()) {
      for (const Document* d : all_docs_) {
        std::vector<const Node*> todo{&d->root};
        while (!todo.empty()) {
          const Node* x = todo.back();
          todo.pop_back();
          owners_.emplace_back(x, d);
          if (x->is_map())
            for (const auto& f : x->fields()) todo.push_back(&f.value);
          else if (x->is_list())
            for (const auto& i : x->items()) todo.push_back(&i);
        }
      }
      std::sort(owners_.begin(), owners_.end(),
                [](const auto& a, const auto& b) { return std::less<const Node*>()(a.first, b.first); });
    }
    auto it = std::lower_bound(owners_.begin(), owners_.end(), n, [](const auto& e, const Node* x) {
      return std::less<const Node*>()(e.first, x);
    });
    return it != owners_.end() && it->first == n ? it->second : nullptr;
  }

 public:
  std::vector<const Document*> all_docs_;

 private:
  const std::function<std::string(const std::string&)>& layer_of_;
  std::vector<Finding>& out_;
  std::vector<Diagnostic>& diags_;
  std::map<const Document*, std::unique_ptr<PathIndex>> indexes_;
  std::vector<std::pair<const Node*, const Document*>> owners_;
};

}  // namespace

void evaluate_policies(std::span<const Policy> policies, std::span<const Document> docs,
                       const std::function<std::string(const std::string& path)>& layer_of,
                       std::vector<Finding>& out, std::vector<Diagnostic>& diags) {
  std::map<std::string, FormatView, std::less<>> views;
  // Plans and HCL modules share one resource shape and one set of policies.
  for (const auto& d : docs) views[d.format == "terraform-plan" ? "terraform" : d.format].docs.push_back(&d);
  for (auto& [format, view] : views) {
    std::vector<cel::Value> roots;
    roots.reserve(view.docs.size());
    for (const Document* d : view.docs) roots.push_back(cel::Value::from_node(d->root));
    view.all = cel::Value::list(std::move(roots));
  }
  Evaluation ev(layer_of, out, diags);
  for (const auto& d : docs) ev.all_docs_.push_back(&d);
  for (const Policy& p : policies) {
    if (!p.compiled || !p.compiled->violations) continue;
    auto it = views.find(p.format);
    if (it == views.end()) continue;
    const FormatView& view = it->second;
    switch (p.scope) {
      case PolicyScope::kAll:
        ev.run(p, view, Subject{});
        break;
      case PolicyScope::kDocument:
        for (const Document* d : view.docs)
          if (kind_matches(p, d->kind)) ev.run(p, view, Subject{d, &d->root, {}, {}});
        break;
      case PolicyScope::kResource:
        for (const Document* d : view.docs)
          for (const Subject& s : resources_of(*d))
            if (kind_matches(p, s.type)) ev.run(p, view, s);
        break;
    }
  }
}

}  // namespace bulwark::policy
