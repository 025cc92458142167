// Kubernetes manifests: YAML or JSON files of one or more objects, each with a
// string `apiVersion` and `kind`. Every object becomes one Document whose root
// is the object as written (policies say `object.spec...`, like a
// ValidatingAdmissionPolicy); `kind: List` and other `*List` kinds with
// `items` are opened up into one Document per item. Helm chart templates are
// Go templates, not manifests, and are left alone (docs/config/kubernetes.md).
#include <algorithm>
#include <string>

#include "policy/misconfig/internal.hpp"
#include "policy/misconfig/misconfig.hpp"

namespace bulwark::policy {
namespace {

std::string_view base_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool has_dir(std::string_view path, std::string_view dir) {
  // A path component equal to `dir`, anywhere but the file name.
  size_t start = 0;
  while (true) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) return false;
    if (path.substr(start, slash - start) == dir) return true;
    start = slash + 1;
  }
}

// JSON and YAML files that are known to be something else, so that the walker
// need not read them.
bool known_other_file(std::string_view path) {
  std::string name = lower(base_name(path));
  static constexpr std::string_view kNames[] = {
      "package.json", "package-lock.json", "npm-shrinkwrap.json", "composer.json", "composer.lock",
      "tsconfig.json", "jsconfig.json", "pnpm-lock.yaml", "yarn.lock", ".eslintrc.json", ".prettierrc.json",
      "chart.yaml", "chart.lock", "values.yaml", "values.yml", "pipfile.lock", "deno.json", "bower.json",
      "appsettings.json", "launchsettings.json", "packages.lock.json", "project.assets.json", "cdk.json",
      ".pre-commit-config.yaml", "mkdocs.yml", "codecov.yml", ".travis.yml", "docker-compose.yml",
      "docker-compose.yaml", "compose.yaml", "compose.yml"};
  if (std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames)) return true;
  if (name.ends_with(".deps.json") || name.ends_with(".runtimeconfig.json")) return true;
  return has_dir(path, "node_modules") || has_dir(path, ".git");
}

bool is_object(const Node& n) {
  if (!n.is_map()) return false;
  const Node* api = n.get("apiVersion");
  const Node* kind = n.get("kind");
  return api && api->is_string() && !api->as_string().empty() && kind && kind->is_string() &&
         !kind->as_string().empty();
}

// A list kind (`List`, `PodList`, `DeploymentList`, ...) holding its objects
// under `items`.
bool is_list(const Node& n) {
  const std::string& kind = n.get("kind")->as_string();
  const Node* items = n.get("items");
  return kind.ends_with("List") && items && items->is_list();
}

// A Helm chart template: Go template actions in a file under `templates/`.
// Such a file is rendered by Helm before it is a manifest; read as YAML it is
// either an error or a wrong tree, so it is not taken as Kubernetes at all.
bool is_helm_template(std::string_view path, std::string_view text) {
  return has_dir(path, "templates") && text.find("{{") != std::string_view::npos;
}

// A top-level `apiVersion:` key seen in the text itself, for files that do
// not parse: the parse then reports the error instead of the file vanishing.
bool looks_like_manifest(std::string_view text) {
  auto key_at_line_start = [&](std::string_view key) {
    for (size_t at = text.find(key); at != std::string_view::npos; at = text.find(key, at + 1)) {
      size_t b = at;
      while (b > 0 && (text[b - 1] == ' ' || text[b - 1] == '\t' || text[b - 1] == '"' || text[b - 1] == '{'))
        --b;
      if (b == 0 || text[b - 1] == '\n') return true;
    }
    return false;
  };
  return key_at_line_start("apiVersion") && key_at_line_start("kind");
}

class KubernetesFormat : public ConfigFormat {
 public:
  std::string_view name() const override { return "kubernetes"; }

  bool wants(std::string_view path) const override {
    std::string name = lower(base_name(path));
    bool ext = name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json");
    return ext && !known_other_file(path);
  }

  bool detect(std::string_view path, std::string_view text) const override {
    if (text.find("apiVersion") == std::string_view::npos || text.find("kind") == std::string_view::npos)
      return false;
    if (is_helm_template(path, text)) return false;
    std::vector<Diagnostic> diags;
    std::vector<Node> docs = read_yaml(text, std::string(path), diags);
    for (const Node& d : docs)
      if (is_object(d)) return true;
    return !diags.empty() && looks_like_manifest(text);
  }

  void parse(std::span<const ConfigFile* const> files, const ConfigLimits& limits, std::vector<Document>& out,
             std::vector<Diagnostic>& diags) const override {
    for (const ConfigFile* f : files) parse_file(*f, limits, out, diags);
  }

 private:
  static void parse_file(const ConfigFile& f, const ConfigLimits& limits, std::vector<Document>& out,
                         std::vector<Diagnostic>& diags) {
    if (!within_file_limit(f, limits, diags)) return;
    size_t first_diag = diags.size();
    std::vector<Node> docs = read_yaml(f.text, f.path, diags, limits.read);
    if (diags.size() > first_diag && f.text.find("{{") != std::string::npos)
      for (size_t i = first_diag; i < diags.size(); ++i)
        diags[i].message += " (the file has Go template actions `{{ }}`: render it first, e.g. with `helm template`)";
    int index = 0;
    for (size_t i = 0; i < docs.size(); ++i) {
      Node& d = docs[i];
      if (d.is_null()) continue;  // `---` with nothing after it
      if (!is_object(d)) {
        diags.push_back(make_warning(f.path, static_cast<int>(d.pos.line),
                                     "YAML document " + std::to_string(i + 1) +
                                         " is not a Kubernetes object (no string apiVersion and kind); skipped"));
        continue;
      }
      add_object(f, std::move(d), index, out, diags);
    }
  }

  // One object, or the objects inside a list kind (lists may nest).
  static void add_object(const ConfigFile& f, Node obj, int& index, std::vector<Document>& out,
                         std::vector<Diagnostic>& diags) {
    if (is_list(obj)) {
      std::vector<Node>& items = obj.get("items")->items();
      for (size_t i = 0; i < items.size(); ++i) {
        if (!is_object(items[i])) {
          diags.push_back(make_warning(f.path, static_cast<int>(items[i].pos.line),
                                       "item " + std::to_string(i) + " of " + obj.get("kind")->as_string() +
                                           " is not a Kubernetes object (no string apiVersion and kind); skipped"));
          continue;
        }
        add_object(f, std::move(items[i]), index, out, diags);
      }
      return;
    }
    Document doc;
    doc.path = f.path;
    doc.format = "kubernetes";
    doc.kind = obj.get("kind")->as_string();
    doc.index = index++;
    doc.root = std::move(obj);
    out.push_back(std::move(doc));
  }
};

}  // namespace

ConfigFormatPtr make_kubernetes_format() { return std::make_unique<KubernetesFormat>(); }

std::string_view pod_spec_path(std::string_view kind) {
  if (kind == "Pod") return "spec";
  if (kind == "Deployment" || kind == "StatefulSet" || kind == "DaemonSet" || kind == "ReplicaSet" ||
      kind == "ReplicationController" || kind == "Job")
    return "spec.template.spec";
  if (kind == "CronJob") return "spec.jobTemplate.spec.template.spec";
  if (kind == "PodTemplate") return "template.spec";
  return {};
}

}  // namespace bulwark::policy
