// Policy files: YAML documents with metadata, what they apply to, and CEL.
// Every CEL expression is compiled here, once, so evaluation only runs them.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/core.hpp"
#include "policy/cel/cel.hpp"
#include "policy/misconfig/internal.hpp"
#include "policy/misconfig/misconfig.hpp"

namespace bulwark::policy {
namespace {

Diagnostic at(const std::string& source, SourcePos pos, std::string message) {
  Diagnostic d = make_warning(source, static_cast<int>(pos.line), std::move(message));
  d.location.column = static_cast<int>(pos.column);
  return d;
}

// A string field, or "" (with a diagnostic when present but not a string).
std::string text_of(const Node& doc, std::string_view key, const std::string& source, std::vector<Diagnostic>& diags) {
  const Node* n = doc.get(key);
  if (!n || n->is_null()) return {};
  if (n->is_string()) return n->as_string();
  if (n->kind() == Node::Kind::kList || n->kind() == Node::Kind::kMap) {
    diags.push_back(at(source, n->pos, "policy field '" + std::string(key) + "' must be text"));
    return {};
  }
  return n->to_text();
}

std::vector<std::string> strings_of(const Node* n) {
  std::vector<std::string> out;
  if (!n) return out;
  if (n->is_list()) {
    for (const auto& x : n->items())
      if (!x.is_null()) out.push_back(x.to_text());
  } else if (!n->is_null()) {
    out.push_back(n->to_text());
  }
  return out;
}

// `frameworks:` as a map (framework -> id or list of ids) or a list of
// {framework, id} maps.
std::vector<FrameworkRef> frameworks_of(const Node* n) {
  std::vector<FrameworkRef> out;
  if (!n) return out;
  if (n->is_map()) {
    for (const auto& f : n->fields())
      for (const auto& id : strings_of(&f.value)) out.push_back({f.key, id});
  } else if (n->is_list()) {
    for (const auto& x : n->items()) {
      const Node* fw = x.get("framework");
      const Node* id = x.get("id");
      if (fw && id) out.push_back({fw->to_text(), id->to_text()});
    }
  }
  return out;
}

const std::vector<std::string>& known_formats() {
  static const std::vector<std::string> v = {"kubernetes", "dockerfile", "terraform", "cloudformation"};
  return v;
}

// Compiles one expression; a compile error becomes a diagnostic at the line
// and column inside the policy file.
std::optional<cel::Program> compile(const std::string& expr, const Node& where, const cel::Env& env,
                                    const std::string& source, const std::string& what,
                                    std::vector<Diagnostic>& diags) {
  cel::CompileError err;
  auto p = cel::Program::compile(expr, env, &err);
  if (p) return std::move(*p);
  // Block scalars start on the line after the key; quoted and plain ones on it.
  SourcePos pos = where.pos;
  if (err.line > 0) {
    bool block = !expr.empty() && pos.line > 0 && expr.find('\n') != std::string::npos;
    pos.line += static_cast<uint32_t>(err.line - 1) + (block ? 1 : 0);
    if (err.line > 1 || block) pos.column = static_cast<uint32_t>(err.column);
    else pos.column += static_cast<uint32_t>(err.column - 1);
  }
  diags.push_back(at(source, pos, what + ": " + (err.message.empty() ? p.error().message : err.message)));
  return std::nullopt;
}

// `practice: N` (1..14); 0 when absent, nullopt (with a diagnostic) when bad.
std::optional<int> practice_of(const Node& doc, const std::string& source, std::vector<Diagnostic>& diags) {
  const Node* n = doc.get("practice");
  if (!n || n->is_null()) return 0;
  if (n->kind() != Node::Kind::kInt || n->as_int() < 1 || n->as_int() > 14) {
    diags.push_back(at(source, n->pos, "'practice' must be a number from 1 to 14 (the practices of the design)"));
    return std::nullopt;
  }
  return static_cast<int>(n->as_int());
}

std::optional<Policy> read_policy(const Node& doc, const std::string& source, std::vector<Diagnostic>& diags,
                                  int default_practice) {
  if (!doc.is_map()) {
    diags.push_back(at(source, doc.pos, "a policy must be a mapping"));
    return std::nullopt;
  }
  Policy p;
  p.source = source;
  p.source_line = static_cast<int>(doc.pos.line);
  p.id = text_of(doc, "id", source, diags);
  if (p.id.empty()) {
    diags.push_back(at(source, doc.pos, "policy without an id"));
    return std::nullopt;
  }
  auto fail = [&](SourcePos pos, const std::string& msg) {
    diags.push_back(at(source, pos, "policy " + p.id + ": " + msg));
    return std::nullopt;
  };
  p.title = text_of(doc, "title", source, diags);
  if (p.title.empty()) p.title = p.id;
  std::string sev = text_of(doc, "severity", source, diags);
  p.severity = parse_severity(sev);
  if (p.severity == Severity::kUnknown && !sev.empty() && sev != "UNKNOWN")
    return fail(doc.get("severity")->pos, "unknown severity '" + sev + "'");
  p.description = text_of(doc, "description", source, diags);
  p.remediation = text_of(doc, "remediation", source, diags);
  p.references = strings_of(doc.get("references"));
  p.frameworks = frameworks_of(doc.get("frameworks"));
  auto practice = practice_of(doc, source, diags);
  if (!practice) return std::nullopt;
  p.practice = *practice ? *practice : default_practice;

  const Node* match = doc.get("match");
  if (!match || !match->is_map()) return fail(doc.pos, "needs a 'match' mapping with a format");
  p.format = text_of(*match, "format", source, diags);
  if (std::find(known_formats().begin(), known_formats().end(), p.format) == known_formats().end())
    return fail(match->pos, "unknown format '" + p.format + "' (known: kubernetes, dockerfile, terraform, cloudformation)");
  p.kinds = strings_of(match->get("kinds"));
  std::string scope = text_of(*match, "scope", source, diags);
  if (scope.empty() || scope == "document") {
    p.scope = PolicyScope::kDocument;
  } else if (scope == "resource") {
    if (p.format != "terraform" && p.format != "cloudformation")
      return fail(match->pos, "scope 'resource' is for terraform and cloudformation");
    p.scope = PolicyScope::kResource;
  } else if (scope == "all") {
    p.scope = PolicyScope::kAll;
  } else {
    return fail(match->pos, "unknown scope '" + scope + "' (document, resource, all)");
  }

  cel::Env env;
  env.variables = policy_variables(p);
  auto compiled = std::make_shared<Policy::Compiled>();
  if (const Node* vars = doc.get("variables")) {
    if (!vars->is_list()) return fail(vars->pos, "'variables' must be a list of {name, expression}");
    for (const auto& v : vars->items()) {
      const Node* name = v.get("name");
      const Node* expr = v.get("expression");
      if (!name || !expr || !name->is_string() || !expr->is_string())
        return fail(v.pos, "each variable needs a name and an expression");
      auto prog = compile(expr->as_string(), *expr, env, source, "policy " + p.id + " variable " + name->as_string(), diags);
      if (!prog) return std::nullopt;
      p.variables.emplace_back(name->as_string(), expr->as_string());
      compiled->variables.emplace_back(name->as_string(), std::move(*prog));
    }
  }
  if (const Node* fixes = doc.get("fix")) {
    if (!fixes->is_list()) return fail(fixes->pos, "'fix' must be a list of {target, set}");
    for (const auto& f : fixes->items()) {
      const Node* target = f.get("target");
      const Node* set = f.get("set");
      const Node* defaults = f.get("default");
      if (target && target->is_string() && target->as_string() == "dockerfile") {
        static const std::set<std::string> kActions = {"add-user", "pin-base-image"};
        const Node* action = f.get("action");
        if (!action || !action->is_string() || !kActions.count(action->as_string()))
          return fail(f.pos, "a dockerfile fix needs an action: add-user or pin-base-image");
        if (p.format != "dockerfile") return fail(f.pos, "target dockerfile is for dockerfile policies");
        Policy::Fix fix;
        fix.target = "dockerfile";
        fix.action = action->as_string();
        p.fixes.push_back(std::move(fix));
        continue;
      }
      if (!target || !target->is_string() || (!set && !defaults) || (set && !set->is_map()) ||
          (defaults && !defaults->is_map()))
        return fail(f.pos, "each fix needs a target and a 'set' or 'default' mapping");
      const std::string& t = target->as_string();
      if (t != "container" && t != "pod" && t != "document")
        return fail(target->pos, "fix target must be container, pod, document or dockerfile");
      Policy::Fix fix;
      fix.target = t;
      if (set)
        for (const auto& kv : set->fields()) fix.set.emplace_back(kv.key, kv.value);
      if (defaults)
        for (const auto& kv : defaults->fields()) fix.defaults.emplace_back(kv.key, kv.value);
      p.fixes.push_back(std::move(fix));
    }
  }
  const Node* viol = doc.get("violations");
  if (!viol || !viol->is_string()) return fail(doc.pos, "needs a 'violations' CEL expression");
  p.violations = viol->as_string();
  auto prog = compile(p.violations, *viol, env, source, "policy " + p.id + " violations", diags);
  if (!prog) return std::nullopt;
  compiled->violations.emplace(std::move(*prog));
  p.compiled = std::move(compiled);
  return p;
}

}  // namespace

std::vector<std::string> policy_variables(const Policy& p) {
  std::vector<std::string> v = {"object", "document", "documents", "variables"};
  if (p.format == "kubernetes") {
    v.push_back("podSpec");
    v.push_back("containers");
  }
  if (p.scope == PolicyScope::kResource) {
    v.push_back("resource");
    v.push_back("name");
  }
  return v;
}

std::vector<Policy> load_policies(std::string_view yaml, const std::string& source, std::vector<Diagnostic>& diags) {
  std::vector<Policy> out;
  for (const Node& doc : read_yaml(yaml, source, diags)) {
    if (const Node* list = doc.get("policies"); list && list->is_list()) {
      // `practice:` beside the list is the default of its policies.
      auto file_practice = practice_of(doc, source, diags);
      for (const auto& item : list->items())
        if (auto p = read_policy(item, source, diags, file_practice.value_or(0))) out.push_back(std::move(*p));
      continue;
    }
    if (doc.is_null()) continue;
    if (auto p = read_policy(doc, source, diags, 0)) out.push_back(std::move(*p));
  }
  return out;
}

Result<std::vector<Policy>> load_policy_dir(const std::string& dir, std::vector<Diagnostic>& diags) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Error(ErrorCode::kNotFound, "not a directory", dir);
  std::vector<fs::path> files;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    auto ext = it->path().extension().string();
    if (it->is_regular_file(ec) && (ext == ".yaml" || ext == ".yml")) files.push_back(it->path());
  }
  if (ec) return Error(ErrorCode::kIo, "cannot list policies: " + ec.message(), dir);
  std::sort(files.begin(), files.end());
  std::vector<Policy> out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    if (!in && !in.eof()) return Error(ErrorCode::kIo, "cannot read policy file", f.string());
    auto ps = load_policies(text.str(), f.string(), diags);
    for (auto& p : ps) out.push_back(std::move(p));
  }
  return out;
}

const std::vector<Policy>& builtin_policies() {
  static const std::vector<Policy> policies = [] {
    std::vector<Policy> out;
    std::vector<Diagnostic> diags;
    for (const auto& [name, text] : embedded_policy_files()) {
      auto ps = load_policies(text, "builtin:" + std::string(name), diags);
      for (auto& p : ps) out.push_back(std::move(p));
    }
    // Built-in policies are tested; a broken one is a bug worth stopping for.
    for (const auto& d : diags) log_error("built-in policy: " + d.location.path + ":" + std::to_string(d.location.line) + ": " + d.message);
    return out;
  }();
  return policies;
}

}  // namespace bulwark::policy
