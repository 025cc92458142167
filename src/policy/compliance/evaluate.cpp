// Evaluation of a spec over the facts: preconditions, then each control once
// (host), once per container, or once per Kubernetes workload (through the
// misconfiguration policies it names). What a check yields becomes a status,
// a message and evidence pointing back at the file and line, process or
// container the value came from.
#include <algorithm>
#include <map>

#include "policy/compliance/internal.hpp"
#include "policy/misconfig/misconfig.hpp"

namespace bulwark::compliance {

namespace {

constexpr size_t kMaxEvidence = 20;
constexpr size_t kMaxValue = 200;
constexpr size_t kMaxMessage = 2000;
constexpr int kMaxDepth = 8;

int rank(ComplianceStatus s) {
  switch (s) {
    case ComplianceStatus::kFail: return 4;
    case ComplianceStatus::kError: return 3;
    case ComplianceStatus::kWarn: return 2;
    case ComplianceStatus::kPass: return 1;
    case ComplianceStatus::kManual: return 0;
  }
  return 0;
}

std::string cut(std::string s, size_t n) {
  if (s.size() <= n) return s;
  size_t i = n;
  while (i > 0 && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) --i;  // whole UTF-8 characters
  return s.substr(0, i) + "…";
}

bool is_stat(const Node& n) { return n.is_map() && n.get("path") && (n.get("exists") || n.get("error")); }

std::string describe_stat(const Node& n) {
  if (const Node* e = n.get("error")) return "cannot be read: " + e->to_text();
  if (const Node* x = n.get("exists"); x && x->kind() == Node::Kind::kBool && !x->as_bool()) return "does not exist";
  std::string out;
  if (const Node* p = n.get("perm")) out += p->to_text();
  if (const Node* u = n.get("user")) out += " " + u->to_text();
  if (const Node* g = n.get("group")) out += ":" + g->to_text();
  if (const Node* t = n.get("type")) out += " " + t->to_text();
  if (const Node* r = n.get("resolved")) out += " (-> " + r->to_text() + ")";
  return out;
}

struct Outcome {
  bool any = false;
  ComplianceStatus status = ComplianceStatus::kPass;
  std::vector<std::string> messages;
  std::vector<ComplianceEvidence> evidence;

  void add(ComplianceStatus s) {
    if (!any || rank(s) > rank(status)) status = s;
    any = true;
  }
  void message(std::string m) {
    if (!m.empty() && std::find(messages.begin(), messages.end(), m) == messages.end()) messages.push_back(std::move(m));
  }
  void add_evidence(ComplianceEvidence e) {
    if (evidence.size() >= kMaxEvidence) return;
    if (std::find(evidence.begin(), evidence.end(), e) == evidence.end()) evidence.push_back(std::move(e));
  }
  std::string joined() const {
    std::string out;
    for (const auto& m : messages) {
      if (!out.empty()) out += "; ";
      out += m;
    }
    return cut(out, kMaxMessage);
  }
};

std::string describe_object(const Document& d) {
  const Node* meta = d.root.get("metadata");
  const Node* name = meta ? meta->get("name") : nullptr;
  const Node* ns = meta ? meta->get("namespace") : nullptr;
  std::string out = d.kind;
  if (ns && ns->is_string()) out += "/" + ns->as_string();
  if (name && name->is_string()) out += "/" + name->as_string();
  return out;
}

class Evaluator {
 public:
  Evaluator(const Spec& spec, const Facts::Impl& facts, std::vector<Diagnostic>& diags)
      : spec_(spec), f_(facts), diags_(diags) {
    for (const auto& name : fact_names()) {
      auto err = f_.errors.find(name);
      if (err != f_.errors.end()) base_.bind(name, cel::Value::error(err->second));
      else if (const Node* n = f_.root.get(name)) base_.bind(name, cel::Value::from_node(*n));
      else base_.bind(name, cel::Value::error("the '" + name + "' facts were not gathered"));
    }
  }

  ComplianceControlResult run(const Control& c) {
    ComplianceControlResult r;
    r.id = c.id;
    r.title = c.title;
    r.section = c.section;
    r.profile = c.profile;
    r.automated = c.automated;
    r.severity = c.severity;
    r.remediation = c.remediation;
    r.references = c.references;
    if (!c.compiled || (!c.compiled->check && c.policies.empty())) {
      r.status = ComplianceStatus::kManual;
      r.message = c.manual.empty() ? "not checked automatically" : c.manual;
      return r;
    }
    // Preconditions: the facts the control needs must be there.
    for (const auto& need : c.needs) {
      if (auto why = precondition(need)) {
        r.items.push_back({"", ComplianceStatus::kError, *why, {}});
        return finish(r);
      }
    }
    switch (c.scope) {
      case Scope::kHost: r.items.push_back(run_item(c, base_, "")); break;
      case Scope::kContainer: run_containers(c, r); break;
      case Scope::kWorkload: run_workloads(c, r); break;
    }
    return finish(r);
  }

 private:
  static ComplianceControlResult finish(ComplianceControlResult& r) {
    bool any = false;
    for (const auto& i : r.items) {
      if (!any || rank(i.status) > rank(r.status)) r.status = i.status;
      any = true;
    }
    if (r.items.size() == 1) r.message = r.items.front().message;
    else if (r.items.size() > 1) {
      std::map<ComplianceStatus, int> n;
      for (const auto& i : r.items) n[i.status]++;
      std::string m;
      for (auto s : {ComplianceStatus::kFail, ComplianceStatus::kError, ComplianceStatus::kWarn, ComplianceStatus::kPass})
        if (n[s]) m += (m.empty() ? "" : ", ") + std::to_string(n[s]) + " " + to_string(s);
      r.message = m + " of " + std::to_string(r.items.size());
    }
    return std::move(r);
  }

  // nullopt when the precondition holds, else why not.
  std::optional<std::string> precondition(const std::string& name) {
    auto it = preconditions_.find(name);
    if (it != preconditions_.end()) return it->second;
    std::optional<std::string> why;
    const Precondition* def = nullptr;
    for (const auto& p : spec_.preconditions)
      if (p.name == name) def = &p;
    const cel::Program* prog = nullptr;
    for (const auto& [n, p] : spec_.compiled->preconditions)
      if (n == name) prog = &p;
    if (!def || !prog) {
      why = "unknown precondition '" + name + "'";
    } else {
      cel::Value v = prog->evaluate(base_);
      // The facts the precondition reads are themselves broken: say so.
      if (v.is_error()) why = v.as_string();
      else if (v.kind() != cel::Value::Kind::kBool) why = "precondition " + name + " yielded " + v.type_name() + ", not a bool";
      else if (!v.as_bool()) why = def->message;
    }
    preconditions_.emplace(name, why);
    return why;
  }

  // The errors of the facts a control reads, if any.
  std::optional<std::string> fact_error(const Control& c) const {
    std::string out;
    for (const auto& v : c.compiled->referenced) {
      auto e = f_.errors.find(v);
      if (e != f_.errors.end()) out += (out.empty() ? "" : "; ") + e->second;
    }
    if (out.empty()) return std::nullopt;
    return out;
  }

  ComplianceItem run_item(const Control& c, const cel::Activation& vars, std::string subject) {
    ComplianceItem item;
    item.subject = std::move(subject);
    if (auto e = fact_error(c)) {
      item.status = ComplianceStatus::kError;
      item.message = *e;
      return item;
    }
    Outcome out;
    cel::Activation a = vars;
    if (c.compiled->file) {
      cel::Value file = c.compiled->file->evaluate(a);
      if (file.is_error()) {
        item.status = ComplianceStatus::kError;
        item.message = "file: " + file.as_string();
        return item;
      }
      if (const Node* n = file.node(); n && is_stat(*n)) {
        out.add_evidence(evidence_of(file));
        if (const Node* err = n->get("error")) {
          item.status = ComplianceStatus::kError;
          item.message = n->get("path")->to_text() + ": " + err->to_text();
          item.evidence = out.evidence;
          return item;
        }
      }
      a.bind("file", file);
    }
    cel::Value v = c.compiled->check->evaluate(a);
    interpret(v, out, 0);
    if (out.status == ComplianceStatus::kError) out.message(stat_errors(c));
    if (c.compiled->evidence) {
      cel::Value ev = c.compiled->evidence->evaluate(a);
      add_evidence_values(ev, out, 0);
    }
    if (out.evidence.empty() && c.scope == Scope::kHost) default_evidence(c, out);
    item.status = out.any ? out.status : ComplianceStatus::kPass;
    item.message = out.joined();
    item.evidence = std::move(out.evidence);
    return item;
  }

  // When a check fails on a file that could not be read, say which.
  std::string stat_errors(const Control& c) const {
    std::string out;
    for (const char* table : {"files", "globs", "units"}) {
      const Node* t = f_.root.get(table);
      if (!t || !t->is_map()) continue;
      for (const auto& fld : t->fields()) {
        std::string quoted1 = std::string(table) + "['" + fld.key + "']";
        std::string quoted2 = std::string(table) + "[\"" + fld.key + "\"]";
        if (c.check.find(quoted1) == std::string::npos && c.check.find(quoted2) == std::string::npos) continue;
        auto note = [&](const Node& st) {
          if (const Node* e = st.get("error"))
            out += (out.empty() ? "" : "; ") + st.get("path")->to_text() + ": " + e->to_text();
        };
        if (fld.value.is_list())
          for (const auto& st : fld.value.items()) note(st);
        else
          note(fld.value);
      }
    }
    return out;
  }

  void interpret(const cel::Value& v, Outcome& out, int depth) {
    using K = cel::Value::Kind;
    switch (v.kind()) {
      case K::kBool: out.add(v.as_bool() ? ComplianceStatus::kPass : ComplianceStatus::kFail); return;
      case K::kNull: out.add(ComplianceStatus::kPass); return;
      case K::kString:
        out.add(ComplianceStatus::kFail);
        out.message(v.as_string());
        return;
      case K::kError:
        out.add(ComplianceStatus::kError);
        out.message("the check could not be evaluated: " + v.as_string());
        return;
      case K::kList:
        if (depth >= kMaxDepth) {
          out.add(ComplianceStatus::kError);
          out.message("the check's result nests lists more than " + std::to_string(kMaxDepth) + " deep");
          return;
        }
        if (v.size() == 0) out.add(ComplianceStatus::kPass);
        for (size_t i = 0; i < v.size(); ++i) interpret(v.element(i), out, depth + 1);
        return;
      case K::kMap: {
        ComplianceStatus s = ComplianceStatus::kFail;
        if (auto st = v.find(cel::Value::string("status"))) {
          auto parsed = st->kind() == K::kString ? parse_compliance_status(st->as_string()) : std::nullopt;
          if (!parsed) {
            out.add(ComplianceStatus::kError);
            out.message("the check yielded an unknown status " + st->to_text() + " (pass, fail, warn, manual, error)");
            return;
          }
          s = *parsed;
        }
        out.add(s);
        if (auto m = v.find(cel::Value::string("message")); m && m->kind() != K::kNull) out.message(m->to_text());
        if (auto fld = v.find(cel::Value::string("field")); fld && fld->kind() != K::kNull) {
          if (fld->kind() == K::kOptional) {
            if (auto inner = fld->optional_value()) out.add_evidence(evidence_of(*inner));
          } else {
            out.add_evidence(evidence_of(*fld));
          }
        }
        if (auto ev = v.find(cel::Value::string("evidence"))) add_evidence_values(*ev, out, depth + 1);
        return;
      }
      default:
        out.add(ComplianceStatus::kError);
        out.message("the check yielded a " + v.type_name() + "; expected a bool, a message, a map or a list");
        return;
    }
  }

  void add_evidence_values(const cel::Value& v, Outcome& out, int depth) {
    using K = cel::Value::Kind;
    if (depth > kMaxDepth) return;
    if (v.kind() == K::kNull) return;
    if (v.kind() == K::kOptional) {
      if (auto inner = v.optional_value()) add_evidence_values(*inner, out, depth + 1);
      return;
    }
    if (v.kind() == K::kError) {
      out.add_evidence({"", 0, "", "", "evidence could not be evaluated: " + v.as_string()});
      return;
    }
    if (v.kind() == K::kList && !(v.node() && is_stat(*v.node()))) {
      for (size_t i = 0; i < v.size(); ++i) add_evidence_values(v.element(i), out, depth + 1);
      return;
    }
    out.add_evidence(evidence_of(v));
  }

  ComplianceEvidence evidence_of(const cel::Value& v) const {
    ComplianceEvidence e;
    const Node* n = v.node();
    if (!n) {
      e.message = cut(v.to_text(), kMaxValue);
      return e;
    }
    if (is_stat(*n)) {
      e.source = n->get("path")->to_text();
      e.value = describe_stat(*n);
      return e;
    }
    if (auto src = f_.source_of(n)) {
      if (src->first) {
        e.source = src->first->source;
        if (src->first->has_lines) e.line = static_cast<int>(n->pos.line);
      }
      e.field = src->second;
    }
    e.value = cut(n->is_map() || n->is_list() ? n->to_text() : n->to_text(), kMaxValue);
    return e;
  }

  // What a host check read, when it showed nothing itself: the sources of
  // the facts it refers to.
  void default_evidence(const Control& c, Outcome& out) const {
    for (const auto& var : c.compiled->referenced) {
      if (var == "files" || var == "globs" || var == "host" || var == "processes") continue;
      for (const auto& [prefix, src] : f_.sources) {
        if (!starts_with(prefix, var) || (prefix.size() > var.size() && prefix[var.size()] != '.' && prefix[var.size()] != '['))
          continue;
        if (src.source.empty() || starts_with(src.source, "dockerd default") || starts_with(src.source, "kubelet default"))
          continue;
        const std::string& name = src.source;  // (clang 14 cannot capture a structured binding)
        bool seen = std::any_of(out.evidence.begin(), out.evidence.end(),
                                [&](const ComplianceEvidence& e) { return e.source == name; });
        if (!seen) out.add_evidence({src.source, 0, "", "", "read"});
        if (out.evidence.size() >= 5) return;
      }
    }
  }

  void run_containers(const Control& c, ComplianceControlResult& r) {
    if (auto e = f_.errors.find("containers"); e != f_.errors.end()) {
      r.items.push_back({"", ComplianceStatus::kError, "the containers could not be listed: " + e->second, {}});
      return;
    }
    const Node* list = f_.root.get("containers");
    if (f_.containers.empty() || !list) {
      r.items.push_back({"", ComplianceStatus::kPass, "no running containers", {}});
      return;
    }
    for (const auto& [index, subject] : f_.containers) {
      cel::Activation a = base_;
      a.bind("container", cel::Value::from_node(*list->at(index)));
      r.items.push_back(run_item(c, a, subject));
    }
  }

  void evaluate_workload_policies() {
    if (policies_done_) return;
    policies_done_ = true;
    std::vector<policy::Policy> wanted;
    for (const auto& c : spec_.controls)
      for (const auto& id : c.policies)
        for (const auto& p : policy::builtin_policies())
          if (p.id == id && std::none_of(wanted.begin(), wanted.end(), [&](const policy::Policy& w) { return w.id == id; }))
            wanted.push_back(p);
    policy::evaluate_policies(wanted, f_.documents, {}, policy_findings_, policy_diags_);
    diags_.insert(diags_.end(), policy_diags_.begin(), policy_diags_.end());
  }

  void run_workloads(const Control& c, ComplianceControlResult& r) {
    if (auto e = f_.errors.find("workloads"); e != f_.errors.end()) {
      r.items.push_back({"", ComplianceStatus::kError, e->second, {}});
      return;
    }
    for (const auto& id : c.policies) {
      bool known = std::any_of(policy::builtin_policies().begin(), policy::builtin_policies().end(),
                               [&](const policy::Policy& p) { return p.id == id; });
      if (!known) {
        r.items.push_back({"", ComplianceStatus::kError, "unknown misconfiguration policy " + id, {}});
        return;
      }
    }
    evaluate_workload_policies();
    // A manifest that did not read: its workloads are unknown, not passing.
    for (const auto& d : f_.manifest_problems)
      r.items.push_back({d.location.path, ComplianceStatus::kError,
                         "could not read" + (d.location.line ? " line " + std::to_string(d.location.line) : std::string()) +
                             ": " + d.message,
                         {}});
    size_t workloads = 0;
    for (const auto& doc : f_.documents) {
      if (policy::pod_spec_path(doc.kind).empty()) continue;
      ++workloads;
      ComplianceItem item;
      item.subject = describe_object(doc) + " (" + doc.path + ")";
      Outcome out;
      out.add(ComplianceStatus::kPass);
      for (const auto& fnd : policy_findings_) {
        if (std::find(c.policies.begin(), c.policies.end(), fnd.id) == c.policies.end()) continue;
        auto docidx = fnd.attributes.find("document");
        if (fnd.location.path != doc.path || docidx == fnd.attributes.end() || docidx->second != std::to_string(doc.index))
          continue;
        out.add(ComplianceStatus::kFail);
        auto msg = fnd.attributes.find("message");
        out.message(fnd.id + ": " + (msg != fnd.attributes.end() ? msg->second : fnd.title));
        auto field = fnd.attributes.find("field");
        out.add_evidence({doc.path, fnd.location.line, field != fnd.attributes.end() ? field->second : "",
                          cut(fnd.evidence, kMaxValue), ""});
      }
      for (const auto& d : policy_diags_) {
        if (d.location.path != doc.path) continue;
        for (const auto& id : c.policies)
          if (d.message.find("policy " + id + " ") != std::string::npos) {
            out.add(ComplianceStatus::kError);
            out.message(d.message);
          }
      }
      item.status = out.status;
      item.message = out.joined();
      item.evidence = std::move(out.evidence);
      r.items.push_back(std::move(item));
    }
    if (workloads == 0 && f_.manifest_problems.empty()) {
      std::string where;
      for (const auto& p : f_.manifest_paths) where += (where.empty() ? "" : ", ") + p;
      r.items.push_back({"", ComplianceStatus::kError, "no Kubernetes workloads found in " + where, {}});
    }
  }

  const Spec& spec_;
  const Facts::Impl& f_;
  std::vector<Diagnostic>& diags_;
  cel::Activation base_;
  std::map<std::string, std::optional<std::string>> preconditions_;
  bool policies_done_ = false;
  std::vector<Finding> policy_findings_;
  std::vector<Diagnostic> policy_diags_;
};

}  // namespace

ComplianceReport evaluate(const Spec& spec, const Facts& facts, std::vector<Diagnostic>& diags) {
  ComplianceReport rep;
  rep.spec = spec.name;
  rep.title = spec.title;
  rep.version = spec.version;
  rep.framework = spec.framework;
  rep.source = spec.source;
  Evaluator ev(spec, *facts.impl, diags);
  for (const auto& c : spec.controls) rep.controls.push_back(ev.run(c));
  for (const auto& s : spec.sections) {
    ComplianceSection sec{s.id, s.title, {}};
    for (const auto& r : rep.controls)
      if (r.section == s.id || (starts_with(r.section, s.id) && r.section.size() > s.id.size() && r.section[s.id.size()] == '.'))
        sec.counts.add(r.status);
    rep.sections.push_back(std::move(sec));
  }
  for (const auto& r : rep.controls) rep.total.add(r.status);
  return rep;
}

std::vector<Finding> findings_of(const ComplianceReport& report) {
  std::vector<Finding> out;
  for (const auto& c : report.controls) {
    if (c.status != ComplianceStatus::kFail) continue;
    for (const auto& item : c.items) {
      if (item.status != ComplianceStatus::kFail) continue;
      Finding f;
      f.kind = FindingKind::kCompliance;
      f.id = report.spec + "/" + c.id;
      f.title = c.title;
      f.severity = c.severity;
      f.severity_source = "bulwark";
      f.remediation.text = c.remediation;
      f.references = c.references;
      f.frameworks.push_back({report.framework, c.id});
      f.attributes["spec"] = report.spec;
      f.attributes["control"] = c.id;
      if (!c.section.empty()) f.attributes["section"] = c.section;
      if (!c.profile.empty()) f.attributes["profile"] = c.profile;
      if (!item.subject.empty()) f.attributes["resource"] = item.subject;
      f.attributes["message"] = item.message.empty() ? c.title : item.message;
      for (const auto& e : item.evidence) {
        // The first piece of evidence that is a file locates the finding.
        if (!e.source.empty() && e.source.find(' ') == std::string::npos && f.location.path.empty()) {
          f.location.path = e.source;
          f.location.line = e.line;
          if (!e.field.empty()) f.attributes["field"] = e.field;
        }
        if (f.evidence.empty()) f.evidence = !e.value.empty() ? e.value : e.message;
      }
      out.push_back(std::move(f));
    }
  }
  return out;
}

std::vector<Finding> findings_of(const ComplianceReport& report, const Spec& spec) {
  std::vector<Finding> out = findings_of(report);
  std::map<std::string, int> by_control;
  for (const auto& c : spec.controls) by_control[c.id] = c.practice ? c.practice : spec.practice;
  for (auto& f : out) {
    auto it = by_control.find(f.attributes["control"]);
    int practice = it != by_control.end() ? it->second : spec.practice;
    if (practice > 0) f.attributes["practice"] = std::to_string(practice);
  }
  return out;
}

}  // namespace bulwark::compliance
