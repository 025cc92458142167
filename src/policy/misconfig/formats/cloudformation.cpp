// AWS CloudFormation templates, YAML or JSON. One Document per template whose
// root is the template as written, with YAML's short-form intrinsic tags
// (`!Ref X`, `!GetAtt A.B`, `!Sub ...`) rewritten to the long forms JSON
// templates use (`{Ref: X}`, `{"Fn::GetAtt": [A, B]}`, `{"Fn::Sub": ...}`), so
// that policies see one shape whatever the template was written in
// (docs/config/cloudformation.md).
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

// The short forms CloudFormation defines; each is `Fn::<name>` in long form
// except `!Ref` and `!Condition`.
constexpr std::string_view kFunctions[] = {"Base64", "Cidr",   "FindInMap", "GetAtt",  "GetAZs",
                                           "ImportValue", "Join", "Select", "Split", "Sub",
                                           "Transform", "And",  "Equals",    "If",      "Not",
                                           "Or",     "ToJsonString", "Length", "ForEach"};

// Tags the handler did not know, for one diagnostic each after the read. The
// reader's TagHandler is a plain function, so the list is per thread.
struct UnknownTag {
  std::string tag;
  SourcePos pos;
};
thread_local std::vector<UnknownTag>* t_unknown_tags = nullptr;

Node long_form(YamlTag t) {
  SourcePos pos = t.value.pos;
  Node m = Node::map(pos);
  if (t.tag == "Ref" || t.tag == "Condition") {
    m.add(t.tag, std::move(t.value), pos);
    return m;
  }
  bool known = std::find(std::begin(kFunctions), std::end(kFunctions), t.tag) != std::end(kFunctions);
  if (!known && t_unknown_tags) t_unknown_tags->push_back({t.tag, pos});
  if (t.tag == "GetAtt" && t.value.is_string()) {
    // `!GetAtt Resource.Attribute`: the resource name has no dots, the
    // attribute may (`!GetAtt DB.Endpoint.Address`), so split at the first.
    const std::string& s = t.value.as_string();
    Node parts = Node::list(pos);
    size_t dot = s.find('.');
    parts.push(Node::string(s.substr(0, dot), pos));
    if (dot != std::string::npos) parts.push(Node::string(s.substr(dot + 1), pos));
    m.add("Fn::GetAtt", std::move(parts), pos);
    return m;
  }
  m.add("Fn::" + t.tag, std::move(t.value), pos);
  return m;
}

bool is_resource_type(const Node* type) {
  if (!type || !type->is_string()) return false;
  const std::string& s = type->as_string();
  return s.starts_with("AWS::") || s.starts_with("Alexa::") || s.starts_with("Custom::");
}

bool is_template(const Node& root) {
  if (!root.is_map()) return false;
  if (root.get("AWSTemplateFormatVersion")) return true;
  const Node* resources = root.get("Resources");
  if (!resources || !resources->is_map() || resources->size() == 0) return false;
  return std::any_of(resources->fields().begin(), resources->fields().end(), [](const Field& f) {
    return f.value.is_map() && is_resource_type(f.value.get("Type"));
  });
}

// A top-level AWSTemplateFormatVersion key in the text itself, for files that
// do not parse: the parse then reports the error instead of the file vanishing.
bool looks_like_template(std::string_view text) {
  for (size_t at = text.find("AWSTemplateFormatVersion"); at != std::string_view::npos;
       at = text.find("AWSTemplateFormatVersion", at + 1)) {
    size_t b = at;
    while (b > 0 && (text[b - 1] == ' ' || text[b - 1] == '\t' || text[b - 1] == '"' || text[b - 1] == '{')) --b;
    if (b == 0 || text[b - 1] == '\n') return true;
  }
  return false;
}

std::vector<Node> read_template(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags,
                                const ReadLimits& limits, std::vector<UnknownTag>* unknown) {
  t_unknown_tags = unknown;
  std::vector<Node> docs = read_yaml(text, path, diags, limits, long_form);
  t_unknown_tags = nullptr;
  return docs;
}

class CloudFormationFormat : public ConfigFormat {
 public:
  std::string_view name() const override { return "cloudformation"; }

  bool wants(std::string_view path) const override {
    std::string name = lower(base_name(path));
    if (name == "package.json" || name == "package-lock.json" || name == "composer.json") return false;
    return name.ends_with(".yaml") || name.ends_with(".yml") || name.ends_with(".json") ||
           name.ends_with(".template");
  }

  bool detect(std::string_view path, std::string_view text) const override {
    bool version = text.find("AWSTemplateFormatVersion") != std::string_view::npos;
    bool types = text.find("Resources") != std::string_view::npos &&
                 (text.find("AWS::") != std::string_view::npos || text.find("Custom::") != std::string_view::npos ||
                  text.find("Alexa::") != std::string_view::npos);
    if (!version && !types) return false;
    std::vector<Diagnostic> diags;
    std::vector<Node> docs = read_template(text, std::string(path), diags, {}, nullptr);
    if (!docs.empty() && is_template(docs.front())) return true;
    return !diags.empty() && looks_like_template(text);
  }

  void parse(std::span<const ConfigFile* const> files, const ConfigLimits& limits, std::vector<Document>& out,
             std::vector<Diagnostic>& diags) const override {
    for (const ConfigFile* f : files) parse_file(*f, limits, out, diags);
  }

 private:
  static void parse_file(const ConfigFile& f, const ConfigLimits& limits, std::vector<Document>& out,
                         std::vector<Diagnostic>& diags) {
    if (!within_file_limit(f, limits, diags)) return;
    std::vector<UnknownTag> unknown;
    std::vector<Node> docs = read_template(f.text, f.path, diags, limits.read, &unknown);
    for (const UnknownTag& u : unknown) {
      Diagnostic d = make_warning(f.path, static_cast<int>(u.pos.line),
                                  "unknown intrinsic function tag !" + u.tag + "; read as {\"Fn::" + u.tag + "\": ...}");
      d.location.column = static_cast<int>(u.pos.column);
      diags.push_back(std::move(d));
    }
    if (docs.empty()) return;
    if (docs.size() > 1)
      diags.push_back(make_warning(f.path, static_cast<int>(docs[1].pos.line),
                                   "a template is one YAML document; the documents after the first are not read"));
    Node& root = docs.front();
    if (!root.is_map()) {
      diags.push_back(make_warning(f.path, static_cast<int>(root.pos.line),
                                   "a CloudFormation template is a mapping; this document is not"));
      return;
    }
    Document doc;
    doc.path = f.path;
    doc.format = "cloudformation";
    doc.kind = "Template";
    doc.index = 0;
    doc.root = std::move(root);
    out.push_back(std::move(doc));
  }
};

}  // namespace

ConfigFormatPtr make_cloudformation_format() { return std::make_unique<CloudFormationFormat>(); }

}  // namespace bulwark::policy
