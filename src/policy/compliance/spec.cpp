// Benchmark specs: one YAML document per benchmark version. Every CEL
// expression is compiled here, once; a spec with a broken expression does not
// load (a control that cannot be evaluated must never look like a pass).
#include <algorithm>
#include <fstream>
#include <cctype>
#include <set>
#include <sstream>

#include "policy/compliance/internal.hpp"

namespace bulwark::compliance {

namespace {

constexpr size_t kMaxSpecBytes = 4u << 20;
constexpr size_t kMaxControls = 5000;

Error at(const std::string& source, SourcePos pos, const std::string& message) {
  return Error(ErrorCode::kInvalidArgument, message,
               source + (pos.line ? ":" + std::to_string(pos.line) + (pos.column ? ":" + std::to_string(pos.column) : "") : ""));
}

Diagnostic warn_at(const std::string& source, SourcePos pos, std::string message) {
  Diagnostic d = make_warning(source, static_cast<int>(pos.line), std::move(message));
  d.location.column = static_cast<int>(pos.column);
  return d;
}

// A scalar field as text; lists and maps are an error.
Result<std::string> text_of(const Node& m, std::string_view key, const std::string& source) {
  const Node* n = m.get(key);
  if (!n || n->is_null()) return std::string();
  if (n->is_list() || n->is_map()) return at(source, n->pos, "'" + std::string(key) + "' must be text");
  return n->to_text();
}

Result<std::vector<std::string>> strings_of(const Node& m, std::string_view key, const std::string& source) {
  std::vector<std::string> out;
  const Node* n = m.get(key);
  if (!n || n->is_null()) return out;
  if (n->is_map()) return at(source, n->pos, "'" + std::string(key) + "' must be a list of text");
  if (!n->is_list()) {
    out.push_back(n->to_text());
    return out;
  }
  for (const auto& x : n->items()) {
    if (x.is_list() || x.is_map()) return at(source, x.pos, "'" + std::string(key) + "' must be a list of text");
    if (!x.is_null()) out.push_back(x.to_text());
  }
  return out;
}

// Compiles one expression; errors point into the spec file (block scalars
// start on the line after their key).
Result<cel::Program> compile(const std::string& expr, const Node& where, const cel::Env& env,
                             const std::string& source, const std::string& what) {
  cel::CompileError err;
  auto p = cel::Program::compile(expr, env, &err);
  if (p) return std::move(*p);
  SourcePos pos = where.pos;
  if (err.line > 0) {
    bool block = expr.find('\n') != std::string::npos;
    pos.line += static_cast<uint32_t>(err.line - 1) + (block ? 1 : 0);
    if (err.line > 1 || block) pos.column = static_cast<uint32_t>(err.column);
    else pos.column += static_cast<uint32_t>(err.column - 1);
  }
  return at(source, pos, what + ": " + (err.message.empty() ? p.error().message : err.message));
}

void collect_literals(const std::string& expr, std::initializer_list<const char*> words, std::vector<std::string>& out) {
  // A plain scan (no std::regex: its recursion is not bounded on long input).
  for (const char* word : words) {
    size_t at = 0;
    const size_t wl = std::char_traits<char>::length(word);
    while ((at = expr.find(word, at)) != std::string::npos) {
      size_t i = at + wl;
      bool boundary = at == 0 || !(std::isalnum(static_cast<unsigned char>(expr[at - 1])) || expr[at - 1] == '_' ||
                                   expr[at - 1] == '.');
      at = i;
      if (!boundary) continue;
      while (i < expr.size() && std::isspace(static_cast<unsigned char>(expr[i]))) ++i;
      if (i >= expr.size() || expr[i] != '[') continue;
      ++i;
      while (i < expr.size() && std::isspace(static_cast<unsigned char>(expr[i]))) ++i;
      if (i >= expr.size() || (expr[i] != '\'' && expr[i] != '"')) continue;
      char q = expr[i++];
      size_t end = expr.find(q, i);
      if (end == std::string::npos) continue;
      std::string p = expr.substr(i, end - i);
      if (p.empty() || p.find('\\') != std::string::npos) continue;
      size_t j = end + 1;
      while (j < expr.size() && std::isspace(static_cast<unsigned char>(expr[j]))) ++j;
      if (j >= expr.size() || expr[j] != ']') continue;
      if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
    }
  }
}

// Literal paths and units a check names as files['x'], globs['x'] or
// units['x']: the facts stat exactly those (plus Spec::files).
struct Literals {
  std::vector<std::string> paths;
  std::vector<std::string> units;
  void collect(const std::string& expr) {
    collect_literals(expr, {"files", "globs"}, paths);
    collect_literals(expr, {"units"}, units);
  }
};

const std::set<std::string>& known_control_keys() {
  static const std::set<std::string> k = {"id",       "title",    "section",  "profile",  "level",    "automated",
                                          "scored",   "severity", "description", "remediation", "references",
                                          "scope",    "requires", "check",    "evidence", "file",     "policies",
                                          "manual",   "practice"};
  return k;
}

const std::set<std::string>& known_spec_keys() {
  static const std::set<std::string> k = {"spec",  "aliases", "title",    "version",       "framework", "description",
                                          "references", "files", "sections", "preconditions", "controls", "practice"};
  return k;
}

// `practice: N`, 1..14 of the design's table; 0 when absent.
Result<int> practice_of(const Node& m, const std::string& source) {
  const Node* n = m.get("practice");
  if (!n || n->is_null()) return 0;
  if (n->kind() != Node::Kind::kInt || n->as_int() < 1 || n->as_int() > 14)
    return at(source, n->pos, "'practice' must be a number from 1 to 14 (the practices of the design)");
  return static_cast<int>(n->as_int());
}

void warn_unknown(const Node& m, const std::set<std::string>& known, const std::string& source, const std::string& what,
                  std::vector<Diagnostic>& diags) {
  for (const auto& f : m.fields())
    if (!known.count(f.key)) diags.push_back(warn_at(source, f.key_pos, what + ": unknown key '" + f.key + "' ignored"));
}

void add_referenced(std::vector<std::string>& into, const cel::Program& p) {
  for (const auto& v : p.referenced_variables())
    if (std::find(into.begin(), into.end(), v) == into.end()) into.push_back(v);
}

Result<Control> read_control(const Node& c, const Spec& spec, const std::set<std::string>& preconditions,
                             Literals& paths, std::vector<Diagnostic>& diags) {
  const std::string& source = spec.source;
  if (!c.is_map()) return at(source, c.pos, "a control must be a mapping");
  Control ctl;
  ctl.source_line = static_cast<int>(c.pos.line);
  auto id = text_of(c, "id", source);
  if (!id) return id.error();
  ctl.id = std::string(trim(*id));
  if (ctl.id.empty()) return at(source, c.pos, "control without an id");
  auto fail = [&](SourcePos pos, const std::string& msg) { return at(source, pos, "control " + ctl.id + ": " + msg); };
  warn_unknown(c, known_control_keys(), source, "control " + ctl.id, diags);

#define BW_TEXT(field, key)                         \
  do {                                              \
    auto v = text_of(c, key, source);               \
    if (!v) return v.error();                       \
    ctl.field = *v;                                 \
  } while (0)
  BW_TEXT(title, "title");
  BW_TEXT(section, "section");
  BW_TEXT(profile, "profile");
  BW_TEXT(description, "description");
  BW_TEXT(remediation, "remediation");
  BW_TEXT(check, "check");
  BW_TEXT(evidence, "evidence");
  BW_TEXT(manual, "manual");
#undef BW_TEXT
  if (ctl.title.empty()) return fail(c.pos, "needs a title");
  if (ctl.profile.empty()) {
    if (const Node* level = c.get("level"); level && !level->is_null()) ctl.profile = "Level " + level->to_text();
  }
  for (const char* key : {"automated", "scored"}) {
    if (const Node* a = c.get(key); a && !a->is_null()) {
      if (a->kind() != Node::Kind::kBool) return fail(a->pos, std::string("'") + key + "' must be true or false");
      ctl.automated = a->as_bool();
    }
  }
  auto sev = text_of(c, "severity", source);
  if (!sev) return sev.error();
  ctl.severity = parse_severity(*sev);
  if (ctl.severity == Severity::kUnknown && !sev->empty() && to_lower(*sev) != "unknown")
    return fail(c.get("severity")->pos, "unknown severity '" + *sev + "'");
  auto refs = strings_of(c, "references", source);
  if (!refs) return refs.error();
  ctl.references = *refs;
  auto practice = practice_of(c, source);
  if (!practice) return practice.error();
  ctl.practice = *practice;
  auto pol = strings_of(c, "policies", source);
  if (!pol) return pol.error();
  ctl.policies = *pol;
  auto req = strings_of(c, "requires", source);
  if (!req) return req.error();
  ctl.needs = *req;
  for (const auto& r : ctl.needs)
    if (!preconditions.count(r)) return fail(c.get("requires")->pos, "unknown precondition '" + r + "'");

  auto scope = text_of(c, "scope", source);
  if (!scope) return scope.error();
  if (scope->empty() || *scope == "host") ctl.scope = Scope::kHost;
  else if (*scope == "container") ctl.scope = Scope::kContainer;
  else if (*scope == "workload") ctl.scope = Scope::kWorkload;
  else return fail(c.get("scope")->pos, "unknown scope '" + *scope + "' (host, container, workload)");
  if (ctl.scope == Scope::kWorkload && ctl.policies.empty() && ctl.manual.empty())
    return fail(c.pos, "a workload control needs 'policies' (misconfiguration policy ids)");
  if (ctl.scope != Scope::kWorkload && !ctl.policies.empty())
    return fail(c.get("policies")->pos, "'policies' is for scope: workload");
  if (!ctl.check.empty() && ctl.scope == Scope::kWorkload)
    return fail(c.get("check")->pos, "a workload control is checked by its policies, not by 'check'");

  // Variables: every fact, `container` for container controls, `file` when
  // the control names one.
  cel::Env env;
  env.variables = fact_names();
  if (ctl.scope == Scope::kContainer) env.variables.push_back("container");
  auto compiled = std::make_shared<Control::Compiled>();
  if (const Node* file = c.get("file"); file && !file->is_null()) {
    if (!file->is_string()) return fail(file->pos, "'file' must be a CEL expression");
    auto p = compile(file->as_string(), *file, env, source, "control " + ctl.id + " file");
    if (!p) return p.error();
    paths.collect(file->as_string());
    add_referenced(compiled->referenced, *p);
    compiled->file.emplace(std::move(*p));
  }
  if (compiled->file) env.variables.push_back("file");
  if (!ctl.check.empty()) {
    auto p = compile(ctl.check, *c.get("check"), env, source, "control " + ctl.id + " check");
    if (!p) return p.error();
    paths.collect(ctl.check);
    add_referenced(compiled->referenced, *p);
    compiled->check.emplace(std::move(*p));
  }
  if (!ctl.evidence.empty()) {
    auto p = compile(ctl.evidence, *c.get("evidence"), env, source, "control " + ctl.id + " evidence");
    if (!p) return p.error();
    paths.collect(ctl.evidence);
    add_referenced(compiled->referenced, *p);
    compiled->evidence.emplace(std::move(*p));
  }
  if (ctl.scope == Scope::kContainer &&
      std::find(compiled->referenced.begin(), compiled->referenced.end(), "containers") == compiled->referenced.end())
    compiled->referenced.push_back("containers");
  if (ctl.check.empty() && ctl.policies.empty() && ctl.manual.empty())
    diags.push_back(warn_at(source, c.pos, "control " + ctl.id + " has no check and no 'manual' reason; reported as manual"));
  ctl.compiled = std::move(compiled);
  return ctl;
}

Result<Spec> read_spec(const Node& doc, const std::string& source, std::vector<Diagnostic>& diags) {
  if (!doc.is_map()) return at(source, doc.pos, "a compliance spec must be a mapping");
  Spec spec;
  spec.source = source;
  warn_unknown(doc, known_spec_keys(), source, "spec", diags);
  auto name = text_of(doc, "spec", source);
  if (!name) return name.error();
  spec.name = std::string(trim(*name));
  if (spec.name.empty()) return at(source, doc.pos, "the spec needs a name ('spec: docker-cis-1.6.0')");
  for (char ch : spec.name)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '.' || ch == '_'))
      return at(source, doc.get("spec")->pos, "spec name '" + spec.name + "' may hold letters, digits, '-', '.', '_' only");
#define BW_TEXT(field, key)                  \
  do {                                       \
    auto v = text_of(doc, key, source);      \
    if (!v) return v.error();                \
    spec.field = *v;                         \
  } while (0)
  BW_TEXT(title, "title");
  BW_TEXT(version, "version");
  BW_TEXT(framework, "framework");
  BW_TEXT(description, "description");
#undef BW_TEXT
  if (spec.title.empty()) spec.title = spec.name;
  if (spec.framework.empty()) spec.framework = spec.name;
  auto practice = practice_of(doc, source);
  if (!practice) return practice.error();
  spec.practice = *practice;
  for (auto [key, field] : {std::pair{"aliases", &spec.aliases}, std::pair{"references", &spec.references},
                            std::pair{"files", &spec.files}}) {
    auto v = strings_of(doc, key, source);
    if (!v) return v.error();
    *field = *v;
  }
  if (const Node* secs = doc.get("sections"); secs && !secs->is_null()) {
    if (!secs->is_list()) return at(source, secs->pos, "'sections' must be a list of {id, title}");
    for (const auto& s : secs->items()) {
      if (!s.is_map()) return at(source, s.pos, "a section must be {id, title}");
      auto id = text_of(s, "id", source);
      auto title = text_of(s, "title", source);
      if (!id) return id.error();
      if (!title) return title.error();
      if (id->empty()) return at(source, s.pos, "a section needs an id");
      for (const auto& prev : spec.sections)
        if (prev.id == *id) return at(source, s.pos, "section '" + *id + "' is declared twice");
      spec.sections.push_back({*id, *title});
    }
  }
  cel::Env env;
  env.variables = fact_names();
  auto compiled = std::make_shared<Spec::Compiled>();
  std::set<std::string> precondition_names;
  Literals precondition_literals;
  if (const Node* pre = doc.get("preconditions"); pre && !pre->is_null()) {
    if (!pre->is_list()) return at(source, pre->pos, "'preconditions' must be a list of {name, expression, message}");
    for (const auto& p : pre->items()) {
      if (!p.is_map()) return at(source, p.pos, "a precondition must be {name, expression, message}");
      Precondition pc;
      pc.source_line = static_cast<int>(p.pos.line);
      auto n = text_of(p, "name", source);
      auto e = text_of(p, "expression", source);
      auto m = text_of(p, "message", source);
      if (!n) return n.error();
      if (!e) return e.error();
      if (!m) return m.error();
      pc.name = *n;
      pc.expression = *e;
      pc.message = *m;
      if (pc.name.empty() || pc.expression.empty()) return at(source, p.pos, "a precondition needs a name and an expression");
      if (!precondition_names.insert(pc.name).second) return at(source, p.pos, "precondition '" + pc.name + "' is declared twice");
      auto prog = compile(pc.expression, *p.get("expression"), env, source, "precondition " + pc.name);
      precondition_literals.collect(pc.expression);
      if (!prog) return prog.error();
      add_referenced(compiled->referenced, *prog);
      compiled->preconditions.emplace_back(pc.name, std::move(*prog));
      spec.preconditions.push_back(std::move(pc));
    }
  }
  const Node* controls = doc.get("controls");
  if (!controls || !controls->is_list()) return at(source, doc.pos, "the spec needs a 'controls' list");
  if (controls->size() > kMaxControls) return at(source, controls->pos, "more than " + std::to_string(kMaxControls) + " controls");
  Literals paths = precondition_literals;
  for (const auto& f : spec.files)
    if (std::find(paths.paths.begin(), paths.paths.end(), f) == paths.paths.end()) paths.paths.push_back(f);
  std::set<std::string> ids;
  for (const auto& c : controls->items()) {
    auto ctl = read_control(c, spec, precondition_names, paths, diags);
    if (!ctl) return ctl.error();
    if (!ids.insert(ctl->id).second) return at(source, c.pos, "control " + ctl->id + " is declared twice");
    // The section: as given, else the longest declared section id that
    // prefixes the control's id at a dot.
    if (ctl->section.empty()) {
      size_t best = 0;
      for (const auto& s : spec.sections)
        if (s.id.size() > best && starts_with(ctl->id, s.id) && ctl->id.size() > s.id.size() && ctl->id[s.id.size()] == '.') {
          best = s.id.size();
          ctl->section = s.id;
        }
    } else if (std::none_of(spec.sections.begin(), spec.sections.end(), [&](const Section& s) { return s.id == ctl->section; })) {
      return at(source, c.get("section")->pos, "control " + ctl->id + ": unknown section '" + ctl->section + "'");
    }
    for (const auto& v : ctl->compiled->referenced)
      if (std::find(compiled->referenced.begin(), compiled->referenced.end(), v) == compiled->referenced.end())
        compiled->referenced.push_back(v);
    if (ctl->scope == Scope::kWorkload && std::find(compiled->referenced.begin(), compiled->referenced.end(), "workloads") == compiled->referenced.end())
      compiled->referenced.push_back("workloads");
    spec.controls.push_back(std::move(*ctl));
  }
  spec.files = std::move(paths.paths);
  spec.units = std::move(paths.units);
  spec.compiled = std::move(compiled);
  return spec;
}

}  // namespace

bool Spec::uses(std::string_view fact) const {
  if (!compiled) return false;
  return std::find(compiled->referenced.begin(), compiled->referenced.end(), fact) != compiled->referenced.end();
}

Result<Spec> load_spec(std::string_view yaml, const std::string& source, std::vector<Diagnostic>& diags) {
  if (yaml.size() > kMaxSpecBytes)
    return Error(ErrorCode::kLimitExceeded, "spec larger than " + std::to_string(kMaxSpecBytes) + " bytes", source);
  std::vector<Diagnostic> yd;
  auto docs = read_yaml(yaml, source, yd);
  if (!yd.empty()) {
    const auto& d = yd.front();
    return Error(ErrorCode::kInvalidArgument, d.message,
                 source + (d.location.line ? ":" + std::to_string(d.location.line) : ""));
  }
  std::vector<const Node*> real;
  for (const auto& d : docs)
    if (!d.is_null()) real.push_back(&d);
  if (real.size() != 1)
    return Error(ErrorCode::kInvalidArgument, "a spec file holds exactly one YAML document (found " + std::to_string(real.size()) + ")", source);
  return read_spec(*real.front(), source, diags);
}

Result<Spec> load_spec_file(const std::string& path, std::vector<Diagnostic>& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kNotFound, "cannot open the spec file", path);
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > kMaxSpecBytes)
      return Error(ErrorCode::kLimitExceeded, "spec larger than " + std::to_string(kMaxSpecBytes) + " bytes", path);
  }
  if (in.bad()) return Error(ErrorCode::kIo, "cannot read the spec file", path);
  return load_spec(text, path, diags);
}

const std::vector<Spec>& builtin_specs() {
  static const std::vector<Spec> specs = [] {
    std::vector<Spec> out;
    for (const auto& [name, text] : embedded_compliance_specs()) {
      std::vector<Diagnostic> diags;
      auto s = load_spec(text, "builtin:" + std::string(name), diags);
      // Built-in specs are tested; a broken one is a bug worth a loud log.
      for (const auto& d : diags)
        log_error("built-in compliance spec: " + d.location.path + ":" + std::to_string(d.location.line) + ": " + d.message);
      if (!s) {
        log_error("built-in compliance spec does not load: " + s.error().describe());
        continue;
      }
      out.push_back(std::move(*s));
    }
    return out;
  }();
  return specs;
}

const Spec* find_builtin_spec(std::string_view name) {
  for (const auto& s : builtin_specs())
    if (s.name == name) return &s;
  // An alias names the newest version: the last of the specs (path order)
  // that carries it.
  const Spec* found = nullptr;
  for (const auto& s : builtin_specs())
    if (std::find(s.aliases.begin(), s.aliases.end(), name) != s.aliases.end()) found = &s;
  return found;
}

}  // namespace bulwark::compliance
