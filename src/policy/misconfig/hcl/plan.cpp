// `terraform show -json` plans into the resource shape of the configuration
// documents: planned values as they are in the JSON (with the JSON's
// positions), attributes that are only known after apply (change.after_unknown)
// added as "(known after apply)" and listed in `unknown`, references taken
// from the configuration section's expressions.
#include <algorithm>
#include <map>
#include <tuple>

#include "policy/misconfig/hcl/terraform.hpp"
#include "policy/misconfig/internal.hpp"

namespace bulwark::policy::hcl {

namespace {

constexpr const char* kKnownAfterApply = "(known after apply)";

// "module.a[0].aws_s3_bucket.b[\"k\"]" -> "module.a.aws_s3_bucket.b": the
// configuration's address of an instance.
std::string strip_keys(std::string_view address) {
  std::string out;
  int depth = 0;
  bool quoted = false;
  for (size_t i = 0; i < address.size(); ++i) {
    char c = address[i];
    if (depth > 0) {
      if (c == '"' && address[i - 1] != '\\') quoted = !quoted;
      else if (!quoted && c == '[') ++depth;
      else if (!quoted && c == ']') --depth;
      continue;
    }
    if (c == '[') {
      depth = 1;
      continue;
    }
    out += c;
  }
  return out;
}

std::string str_of(const Node* n) { return n && n->is_string() ? n->as_string() : std::string(); }

// The object a reference points at, or empty for var., local., count., each.,
// path. and self.
std::string ref_target(const std::string& ref, const std::string& prefix) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= ref.size() && parts.size() < 4) {
    size_t j = ref.find_first_of(".[", i);
    if (j == std::string::npos) j = ref.size();
    parts.push_back(ref.substr(i, j - i));
    if (j < ref.size() && ref[j] == '[') break;
    i = j + 1;
  }
  if (parts.empty()) return {};
  const std::string& root = parts[0];
  if (root == "var" || root == "local" || root == "count" || root == "each" || root == "path" || root == "self" || root == "terraform")
    return {};
  if (root == "data") return parts.size() >= 3 ? prefix + "data." + parts[1] + "." + parts[2] : std::string();
  if (parts.size() < 2) return {};
  return prefix + root + "." + parts[1];
}

struct ConfigResource {
  const Node* expressions = nullptr;
  std::string prefix;  // "module.a." of the configuration
  std::string provider_key;
};

void collect_config(const Node* module, const std::string& prefix, std::map<std::string, ConfigResource>& out, int depth) {
  if (!module || !module->is_map() || depth > 32) return;
  if (const Node* rs = module->get("resources"); rs && rs->is_list()) {
    for (const auto& r : rs->items()) {
      std::string addr = str_of(r.get("address"));
      if (addr.empty()) continue;
      out[prefix + addr] = ConfigResource{r.get("expressions"), prefix, str_of(r.get("provider_config_key"))};
    }
  }
  if (const Node* calls = module->get("module_calls"); calls && calls->is_map())
    for (const auto& f : calls->fields()) collect_config(f.value.get("module"), prefix + "module." + f.key + ".", out, depth + 1);
}

struct Refs {
  std::vector<std::tuple<std::string, std::string, std::string>> items;  // path, target, traversal
  void add(const std::string& path, const std::string& target, const std::string& traversal) {
    for (const auto& [p, t, x] : items)
      if (p == path && t == target) return;
    items.emplace_back(path, target, traversal);
  }
};

// Expressions: {"attr": {"references": [...]} | {"constant_value": ...},
// "block": [{...expressions...}]}.
void walk_expressions(const Node& exprs, const std::string& path, const std::string& prefix, Refs& refs, int depth) {
  if (depth > 64) return;
  if (exprs.is_map()) {
    for (const auto& f : exprs.fields()) {
      std::string p = path_append(path, f.key);
      const Node& v = f.value;
      if (v.is_map() && (v.get("references") || v.get("constant_value"))) {
        if (const Node* rl = v.get("references"); rl && rl->is_list())
          for (const auto& r : rl->items())
            if (r.is_string())
              if (auto t = ref_target(r.as_string(), prefix); !t.empty()) refs.add(p, t, r.as_string());
      } else if (v.is_list()) {
        for (size_t i = 0; i < v.items().size(); ++i) walk_expressions(v.items()[i], path_append(p, i), prefix, refs, depth + 1);
      } else if (v.is_map()) {
        walk_expressions(v, p, prefix, refs, depth + 1);
      }
    }
  }
}

// Marks what after_unknown says is unknown: adds the placeholder where the
// planned values have nothing (Terraform leaves unknown values out).
void apply_unknown(Node& values, const Node& au, const std::string& path, std::vector<std::string>& unknown, int depth) {
  if (depth > 64) return;
  if (au.kind() == Node::Kind::kBool && au.as_bool()) {
    unknown.push_back(path);
    return;
  }
  if (au.is_map() && values.is_map()) {
    for (const auto& f : au.fields()) {
      std::string p = path_append(path, f.key);
      Node* v = values.get(f.key);
      if (f.value.kind() == Node::Kind::kBool && f.value.as_bool()) {
        if (!v) values.add(f.key, Node::string(kKnownAfterApply, f.key_pos), f.key_pos);
        else if (v->is_null()) *v = Node::string(kKnownAfterApply, v->pos);
        unknown.push_back(p);
      } else if (v) {
        apply_unknown(*v, f.value, p, unknown, depth + 1);
      }
    }
  } else if (au.is_list() && values.is_list()) {
    for (size_t i = 0; i < au.items().size() && i < values.items().size(); ++i) {
      Node& v = values.items()[i];
      const Node& a = au.items()[i];
      if (a.kind() == Node::Kind::kBool && a.as_bool()) {
        unknown.push_back(path_append(path, i));
        if (v.is_null()) v = Node::string(kKnownAfterApply, v.pos);
      } else {
        apply_unknown(v, a, path_append(path, i), unknown, depth + 1);
      }
    }
  }
}

void json_views(const Node& v, const std::string& path, const std::string& file, Node& json, int depth) {
  if (depth > 64) return;
  if (v.is_string()) {
    if (auto d = decode_json_text(v.as_string(), file, v.pos, false)) add_json_view(json, path, *d);
  } else if (v.is_map()) {
    for (const auto& f : v.fields()) json_views(f.value, path_append(path, f.key), file, json, depth + 1);
  } else if (v.is_list()) {
    for (size_t i = 0; i < v.items().size(); ++i) json_views(v.items()[i], path_append(path, i), file, json, depth + 1);
  }
}

struct PlanBuilder {
  const std::string& file;
  std::map<std::string, const Node*> after_unknown;
  std::map<std::string, ConfigResource> config;
  Node resources = Node::list();

  void module(const Node& m, const std::string& module_address, int depth) {
    if (!m.is_map() || depth > 32) return;
    if (const Node* rs = m.get("resources"); rs && rs->is_list())
      for (const auto& r : rs->items())
        if (r.is_map()) resources.push(resource(r, module_address));
    if (const Node* cs = m.get("child_modules"); cs && cs->is_list())
      for (const auto& c : cs->items()) module(c, str_of(c.get("address")), depth + 1);
  }

  Node resource(const Node& r, const std::string& module_address) {
    SourcePos pos = r.pos;
    std::string address = str_of(r.get("address"));
    std::string type = str_of(r.get("type")), name = str_of(r.get("name"));
    std::string mode = str_of(r.get("mode"));
    Node out = Node::map(pos);
    out.add("address", Node::string(address, pos), pos);
    out.add("base_address", Node::string(base_address(address), pos), pos);
    out.add("mode", Node::string(mode.empty() ? "managed" : mode, pos), pos);
    out.add("type", Node::string(type, pos), pos);
    out.add("name", Node::string(name, pos), pos);
    const Node* index = r.get("index");
    out.add("index", index ? *index : Node::null(pos), pos);
    out.add("unknown_instances", Node::boolean(false, pos), pos);
    out.add("module", Node::string(module_address, pos), pos);
    auto cit = config.find(strip_keys(address));
    std::string provider;
    if (cit != config.end() && !cit->second.provider_key.empty()) {
      provider = cit->second.provider_key;
      if (auto colon = provider.rfind(':'); colon != std::string::npos) provider = provider.substr(colon + 1);
    } else {
      provider = str_of(r.get("provider_name"));
      if (auto slash = provider.rfind('/'); slash != std::string::npos) provider = provider.substr(slash + 1);
    }
    out.add("provider", Node::string(provider, pos), pos);
    out.add("file", Node::string(file, pos), pos);
    const Node* values_in = r.get("values");
    Node values = values_in && values_in->is_map() ? *values_in : Node::map(pos);
    std::vector<std::string> unknown;
    if (auto it = after_unknown.find(address); it != after_unknown.end()) apply_unknown(values, *it->second, "", unknown, 0);
    Node json = Node::map(pos);
    json_views(values, "", file, json, 0);
    Refs refs;
    if (cit != config.end() && cit->second.expressions) walk_expressions(*cit->second.expressions, "", cit->second.prefix, refs, 0);
    out.add("values", std::move(values), values_in ? values_in->pos : pos);
    Node un = Node::list(pos);
    for (const auto& u : unknown) un.push(Node::string(u, pos));
    out.add("unknown", std::move(un), pos);
    Node rl = Node::list(pos);
    for (const auto& [p, t, x] : refs.items) {
      Node e = Node::map(pos);
      e.add("path", Node::string(p, pos), pos);
      e.add("target", Node::string(t, pos), pos);
      e.add("traversal", Node::string(x, pos), pos);
      rl.push(std::move(e));
    }
    out.add("references", std::move(rl), pos);
    out.add("json", std::move(json), pos);
    return out;
  }
};

}  // namespace

void build_plan_document(const ConfigFile& cf, const ConfigLimits& limits, std::vector<Document>& out, std::vector<Diagnostic>& diags) {
  if (!within_file_limit(cf, limits, diags)) return;
  auto docs = read_yaml(cf.text, cf.path, diags, limits.read);
  if (docs.empty()) return;
  const Node& plan = docs[0];
  if (!plan.is_map() || !plan.get("format_version")) {
    diags.push_back(make_warning(cf.path, static_cast<int>(plan.pos.line), "not a Terraform plan: no top-level \"format_version\""));
    return;
  }
  PlanBuilder b{cf.path, {}, {}, Node::list()};
  if (const Node* rc = plan.get("resource_changes"); rc && rc->is_list())
    for (const auto& c : rc->items())
      if (const Node* ch = c.get("change"))
        if (const Node* au = ch->get("after_unknown")) b.after_unknown[str_of(c.get("address"))] = au;
  if (const Node* cfg = plan.get("configuration")) collect_config(cfg->get("root_module"), "", b.config, 0);
  const Node* pv = plan.get("planned_values");
  if (pv) b.module(pv->get("root_module") ? *pv->get("root_module") : Node::map(), "", 0);
  SourcePos top = plan.pos;
  Node root = Node::map(top);
  root.add("format_version", Node::string(str_of(plan.get("format_version")), top), top);
  root.add("terraform_version", Node::string(str_of(plan.get("terraform_version")), top), top);
  root.add("module", Node::string("", top), top);
  root.add("module_dir", Node::string("", top), top);
  root.add("resources", b.resources, top);
  root.add("variables", plan.get("variables") && plan.get("variables")->is_map() ? *plan.get("variables") : Node::map(top), top);
  const Node* outs = pv ? pv->get("outputs") : nullptr;
  root.add("outputs", outs && outs->is_map() ? *outs : Node::map(top), top);
  root.add("module_resources", std::move(b.resources), top);
  root.add("unknown", Node::list(top), top);
  Document d;
  d.path = cf.path;
  d.format = "terraform-plan";
  d.kind = "plan";
  d.root = std::move(root);
  out.push_back(std::move(d));
}

}  // namespace bulwark::policy::hcl
