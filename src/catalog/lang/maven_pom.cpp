// Maven pom.xml: the project itself (kRoot) and the dependencies it declares
// (kDirect; scope test -> dev), read with expat as a stream of elements.
// What Maven would take from elsewhere is taken only from the scanned files:
//   - <parent>: the POM at <relativePath> (default ../pom.xml; a directory
//     means its pom.xml; an empty <relativePath/> skips this step) when its
//     groupId:artifactId (and version, when both are known) match, else any
//     scanned POM with the parent's groupId:artifactId:version, including
//     *.pom files of a local repository (.m2/repository, usr/share/maven-repo),
//     which are read for this purpose only;
//   - <dependencyManagement> imports (scope import): a scanned POM with the
//     BOM's coordinates.
// An analyzer sees one file at a time, so analyze() only parses the file into
// a model kept in the FileResult, and contribute() resolves every visible POM
// against all the others. Transitive dependencies need a repository and are
// left out (Trivy downloads them from Maven Central; Bulwark works offline).
#include <expat.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <span>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/format_analyzer.hpp"
#include "core/json.hpp"

namespace bulwark::catalog {
namespace {

constexpr int64_t kMaxPomBytes = 8 << 20;
constexpr size_t kMaxElementDepth = 256;
constexpr size_t kMaxTextBytes = 1 << 20;
// Property expansion: how deep ${a} -> ${b} -> ... may go and how long a value
// may grow ("${x}${x}" doubling at every level would otherwise explode).
constexpr int kMaxPropertyDepth = 64;
constexpr size_t kMaxPropertyValueBytes = 64 << 10;
// How many parents or imported BOMs deep a resolution may go.
constexpr int kMaxInheritanceDepth = 32;
// The FileResult fact holding the parsed model.
constexpr const char* kModelFact = "maven-pom.model";

// ------------------------------------------------------------------ model --

struct PomDependency {
  std::string group, artifact, version, scope, type, classifier, optional;
  int line = 0;
  int end_line = 0;
};

struct PomProperty {
  std::string name, value;
  int line = 0;
};

struct PomModel {
  std::string group, artifact, version, packaging;
  bool has_parent = false;
  std::string parent_group, parent_artifact, parent_version, parent_relative_path;
  bool parent_relative_path_set = false;
  int parent_line = 0;
  std::vector<PomProperty> properties;
  std::vector<PomDependency> dependencies;
  std::vector<PomDependency> managed;
  std::vector<std::string> licenses;
};

json dependency_to_json(const PomDependency& d) {
  return json{{"g", d.group},    {"a", d.artifact},      {"v", d.version},         {"s", d.scope},     {"t", d.type},
              {"c", d.classifier}, {"o", d.optional}, {"l", d.line}, {"e", d.end_line}};
}

PomDependency dependency_from_json(const json& j) {
  PomDependency d;
  d.group = get_string(j, "g");
  d.artifact = get_string(j, "a");
  d.version = get_string(j, "v");
  d.scope = get_string(j, "s");
  d.type = get_string(j, "t");
  d.classifier = get_string(j, "c");
  d.optional = get_string(j, "o");
  d.line = static_cast<int>(get_int(j, "l"));
  d.end_line = static_cast<int>(get_int(j, "e"));
  return d;
}

std::string model_to_json(const PomModel& m) {
  json j{{"group", m.group},
         {"artifact", m.artifact},
         {"version", m.version},
         {"packaging", m.packaging},
         {"licenses", m.licenses}};
  if (m.has_parent)
    j["parent"] = json{{"g", m.parent_group},
                       {"a", m.parent_artifact},
                       {"v", m.parent_version},
                       {"relative_path", m.parent_relative_path},
                       {"relative_path_set", m.parent_relative_path_set},
                       {"l", m.parent_line}};
  json props = json::array();
  for (const auto& p : m.properties) props.push_back(json{{"n", p.name}, {"v", p.value}, {"l", p.line}});
  j["properties"] = std::move(props);
  json deps = json::array(), managed = json::array();
  for (const auto& d : m.dependencies) deps.push_back(dependency_to_json(d));
  for (const auto& d : m.managed) managed.push_back(dependency_to_json(d));
  j["dependencies"] = std::move(deps);
  j["managed"] = std::move(managed);
  return j.dump();
}

std::optional<PomModel> model_from_json(const std::string& text) {
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return std::nullopt;
  PomModel m;
  m.group = get_string(j, "group");
  m.artifact = get_string(j, "artifact");
  m.version = get_string(j, "version");
  m.packaging = get_string(j, "packaging");
  if (auto it = j.find("licenses"); it != j.end() && it->is_array())
    for (const auto& l : *it)
      if (l.is_string()) m.licenses.push_back(l.get<std::string>());
  if (auto it = j.find("parent"); it != j.end() && it->is_object()) {
    m.has_parent = true;
    m.parent_group = get_string(*it, "g");
    m.parent_artifact = get_string(*it, "a");
    m.parent_version = get_string(*it, "v");
    m.parent_relative_path = get_string(*it, "relative_path");
    auto set = it->find("relative_path_set");
    m.parent_relative_path_set = set != it->end() && set->is_boolean() && set->get<bool>();
    m.parent_line = static_cast<int>(get_int(*it, "l"));
  }
  if (auto it = j.find("properties"); it != j.end() && it->is_array())
    for (const auto& p : *it)
      if (p.is_object()) m.properties.push_back({get_string(p, "n"), get_string(p, "v"), static_cast<int>(get_int(p, "l"))});
  for (auto [key, out] : {std::pair{"dependencies", &m.dependencies}, std::pair{"managed", &m.managed}})
    if (auto it = j.find(key); it != j.end() && it->is_array())
      for (const auto& d : *it)
        if (d.is_object()) out->push_back(dependency_from_json(d));
  return m;
}

// ----------------------------------------------------------------- parser --

class PomParser {
 public:
  explicit PomParser(const std::string& path) : path_(path) {}

  // The model, or nullopt with a warning (line from expat) in diags.
  std::optional<PomModel> parse(std::string_view text, std::vector<Diagnostic>& diags) {
    XML_Parser p = XML_ParserCreate(nullptr);
    if (!p) {
      diags.push_back(make_warning(path_, 0, "cannot create an XML parser"));
      return std::nullopt;
    }
    parser_ = p;
    XML_SetUserData(p, this);
    XML_SetElementHandler(p, &PomParser::on_start, &PomParser::on_end);
    XML_SetCharacterDataHandler(p, &PomParser::on_text);
    // A POM needs no entities; declaring any is how billion-laughs and
    // external-entity attacks start.
    XML_SetEntityDeclHandler(p, &PomParser::on_entity);
    XML_SetUnknownEncodingHandler(p, &PomParser::on_unknown_encoding, nullptr);
    bool ok = true;
    // XML_Parse takes an int length: feed large inputs in pieces.
    constexpr size_t kChunk = 1 << 20;
    size_t off = 0;
    do {
      size_t n = std::min(kChunk, text.size() - off);
      bool last = off + n == text.size();
      if (XML_Parse(p, text.data() + off, static_cast<int>(n), last ? XML_TRUE : XML_FALSE) == XML_STATUS_ERROR) {
        ok = false;
        break;
      }
      off += n;
    } while (off < text.size());
    if (!ok) {
      int line = static_cast<int>(XML_GetCurrentLineNumber(p));
      int column = static_cast<int>(XML_GetCurrentColumnNumber(p)) + 1;
      std::string why = error_.empty() ? XML_ErrorString(XML_GetErrorCode(p)) : error_;
      if (error_line_) line = error_line_;
      XML_ParserFree(p);
      Diagnostic d = make_warning(path_, line, "malformed pom.xml: line " + std::to_string(line) + " column " +
                                                   std::to_string(column) + ": " + why);
      d.location.column = column;
      diags.push_back(std::move(d));
      return std::nullopt;
    }
    XML_ParserFree(p);
    return std::move(model_);
  }

 private:
  static std::string_view local(const XML_Char* name) {
    std::string_view n(name);
    size_t colon = n.rfind(':');
    return colon == std::string_view::npos ? n : n.substr(colon + 1);
  }

  void fail(std::string why) {
    if (error_.empty()) {
      error_ = std::move(why);
      error_line_ = static_cast<int>(XML_GetCurrentLineNumber(parser_));
    }
    XML_StopParser(parser_, XML_FALSE);
  }

  int line() const { return static_cast<int>(XML_GetCurrentLineNumber(parser_)); }

  // Where the current element is, below <project> or below a
  // <project><profiles><profile>, whose content has the project's shape.
  struct View {
    std::span<const std::string> rest;
    bool profile = false;
    bool is(std::initializer_list<std::string_view> path) const {
      if (rest.size() != path.size()) return false;
      size_t i = 0;
      for (auto p : path)
        if (rest[i++] != p) return false;
      return true;
    }
  };
  View view() const {
    std::span<const std::string> all(stack_);
    if (all.size() >= 3 && all[1] == "profiles" && all[2] == "profile") return {all.subspan(3), true};
    return {all.subspan(std::min<size_t>(1, all.size())), false};
  }

  static void XMLCALL on_start(void* self, const XML_Char* name, const XML_Char**) {
    auto* s = static_cast<PomParser*>(self);
    std::string_view n = local(name);
    if (s->stack_.empty() && n != "project") {
      s->fail("the root element is <" + std::string(n) + ">, not <project>: not a Maven POM");
      return;
    }
    if (s->stack_.size() >= kMaxElementDepth) {
      s->fail("elements nested more than " + std::to_string(kMaxElementDepth) + " deep");
      return;
    }
    s->stack_.emplace_back(n);
    s->text_.clear();
    View v = s->view();
    if (v.profile && v.rest.empty()) {
      s->profile_ = PomModel{};
      s->profile_active_ = false;
    } else if (v.is({"dependencies", "dependency"}) || v.is({"dependencyManagement", "dependencies", "dependency"})) {
      s->dep_ = PomDependency{};
      s->dep_.line = s->line();
    } else if (!v.profile && v.is({"parent"})) {
      s->model_.has_parent = true;
      s->model_.parent_line = s->line();
    } else if (v.rest.size() == 2 && v.rest[0] == "properties") {
      s->property_line_ = s->line();
    }
  }

  static void XMLCALL on_text(void* self, const XML_Char* text, int len) {
    auto* s = static_cast<PomParser*>(self);
    if (s->text_.size() + static_cast<size_t>(len) > kMaxTextBytes) {
      s->fail("an element holds more than " + std::to_string(kMaxTextBytes) + " bytes of text");
      return;
    }
    s->text_.append(text, static_cast<size_t>(len));
  }

  static void XMLCALL on_end(void* self, const XML_Char*) {
    auto* s = static_cast<PomParser*>(self);
    if (s->stack_.empty()) return;
    s->element_done();
    s->stack_.pop_back();
    s->text_.clear();
  }

  void element_done() {
    std::string value(trim(text_));
    const View v = view();
    const auto& r = v.rest;
    PomModel& m = v.profile ? profile_ : model_;
    if (v.profile && r.empty()) {
      // A profile Maven activates when nothing else is asked for: its
      // properties, dependencies and managed versions take part, before the
      // project's own managed versions (the profile's win).
      if (profile_active_) {
        for (auto& p : profile_.properties) model_.properties.push_back(std::move(p));
        for (auto& d : profile_.dependencies) model_.dependencies.push_back(std::move(d));
        profile_.managed.insert(profile_.managed.end(), model_.managed.begin(), model_.managed.end());
        model_.managed = std::move(profile_.managed);
      }
      return;
    }
    if (v.profile && v.is({"activation", "activeByDefault"})) {
      profile_active_ = value == "true";
    } else if (!v.profile && r.size() == 1) {
      if (r[0] == "groupId") m.group = value;
      else if (r[0] == "artifactId") m.artifact = value;
      else if (r[0] == "version") m.version = value;
      else if (r[0] == "packaging") m.packaging = value;
    } else if (!v.profile && r.size() == 2 && r[0] == "parent") {
      if (r[1] == "groupId") m.parent_group = value;
      else if (r[1] == "artifactId") m.parent_artifact = value;
      else if (r[1] == "version") m.parent_version = value;
      else if (r[1] == "relativePath") {
        m.parent_relative_path = value;
        m.parent_relative_path_set = true;
      }
    } else if (r.size() == 2 && r[0] == "properties") {
      m.properties.push_back({r[1], value, property_line_});
    } else if (!v.profile && v.is({"licenses", "license", "name"})) {
      if (!value.empty()) m.licenses.push_back(value);
    } else if (v.is({"dependencies", "dependency"})) {
      dep_.end_line = line();
      m.dependencies.push_back(std::move(dep_));
    } else if (v.is({"dependencyManagement", "dependencies", "dependency"})) {
      dep_.end_line = line();
      m.managed.push_back(std::move(dep_));
    } else if ((r.size() == 3 && r[0] == "dependencies" && r[1] == "dependency") ||
               (r.size() == 4 && r[0] == "dependencyManagement" && r[1] == "dependencies" && r[2] == "dependency")) {
      const std::string& field = r.back();
      if (field == "groupId") dep_.group = value;
      else if (field == "artifactId") dep_.artifact = value;
      else if (field == "version") dep_.version = value;
      else if (field == "scope") dep_.scope = value;
      else if (field == "type") dep_.type = value;
      else if (field == "classifier") dep_.classifier = value;
      else if (field == "optional") dep_.optional = value;
    }
  }

  static void XMLCALL on_entity(void* self, const XML_Char* name, int, const XML_Char*, int, const XML_Char*,
                                const XML_Char*, const XML_Char*, const XML_Char*) {
    static_cast<PomParser*>(self)->fail("entity declaration '" + std::string(name ? name : "") +
                                        "': a POM has no use for entities and they are not expanded");
  }

  // Encodings expat does not know (windows-1252, iso-8859-15, ...): read
  // them as ISO-8859-1. Everything a POM's coordinates use is ASCII, which
  // all of these share; only the text of comments and descriptions may come
  // out wrong.
  static int XMLCALL on_unknown_encoding(void*, const XML_Char*, XML_Encoding* info) {
    for (int i = 0; i < 256; ++i) info->map[i] = i;
    info->data = nullptr;
    info->convert = nullptr;
    info->release = nullptr;
    return XML_STATUS_OK;
  }

  const std::string& path_;
  XML_Parser parser_ = nullptr;
  std::vector<std::string> stack_;
  std::string text_;
  PomModel model_;
  PomModel profile_;  // the <profile> being read
  bool profile_active_ = false;
  PomDependency dep_;
  int property_line_ = 0;
  std::string error_;
  int error_line_ = 0;
};

// -------------------------------------------------------------- resolving --

struct PropertyDef {
  std::string value;
  std::string path;  // the POM that defines it
  int line = 0;
};

struct DependencyRef {
  PomDependency dep;
  std::string path;  // the POM that declares it
  bool literal = false;  // already interpolated (imported from a BOM)
};

// A POM with what it inherits: properties (own override inherited),
// dependencies (inherited first, own last: later declarations win) and
// managed dependencies (own first: the first match wins), then what the
// imported BOMs manage. Imports are expanded per POM, in its own context:
// Maven interpolates an inherited import with the child's properties.
struct Effective {
  const PomModel* model = nullptr;
  std::string path;
  std::map<std::string, PropertyDef> properties;
  std::vector<DependencyRef> dependencies;
  std::vector<DependencyRef> managed;   // explicit entries, uninterpolated, import entries included
  std::vector<DependencyRef> imported;  // from BOMs, interpolated in the BOM's context
  std::vector<std::string> licenses;
  std::vector<std::string> missing_parents;  // "parent g:a:v" not among the scanned files
  std::vector<std::string> missing_boms;     // "BOM g:a:v" likewise
};

// ${...} substitution for one POM: project.* / pom.* model values, then
// <properties>, each value substituted again; cycles and runaway expansion
// leave the reference unresolved and are reported once.
class Interpolator {
 public:
  explicit Interpolator(const Effective& e) : e_(e) {}

  std::string apply(std::string_view s, bool& unresolved) { return apply(s, unresolved, 0); }
  std::string apply(std::string_view s) {
    bool ignored = false;
    return apply(s, ignored, 0);
  }

  // Problems met so far: (message, line in this POM or 0).
  const std::vector<std::pair<std::string, int>>& problems() const { return problems_; }

 private:
  std::string apply(std::string_view s, bool& unresolved, int depth) {
    std::string out;
    size_t i = 0;
    while (i < s.size()) {
      size_t open = s.find("${", i);
      if (open == std::string_view::npos) {
        out.append(s.substr(i));
        break;
      }
      size_t close = s.find('}', open + 2);
      if (close == std::string_view::npos) {
        out.append(s.substr(i));
        unresolved = true;
        break;
      }
      out.append(s.substr(i, open - i));
      std::string name(s.substr(open + 2, close - open - 2));
      bool u = false;
      std::optional<std::string> v = resolve(name, u, depth);
      if (v && !u) {
        out += *v;
      } else {
        out.append(s.substr(open, close - open + 1));
        unresolved = true;
      }
      if (out.size() > kMaxPropertyValueBytes) {
        report("a property value grows beyond " + std::to_string(kMaxPropertyValueBytes) + " bytes; left unresolved", 0);
        unresolved = true;
        return std::string(s);
      }
      i = close + 1;
    }
    return out;
  }

  std::optional<std::string> builtin(const std::string& name) const {
    const PomModel& m = *e_.model;
    std::string_view n = name;
    if (starts_with(n, "project.")) n.remove_prefix(8);
    else if (starts_with(n, "pom.")) n.remove_prefix(4);
    else return std::nullopt;
    if (n == "groupId") return m.group.empty() ? m.parent_group : m.group;
    if (n == "artifactId") return m.artifact;
    if (n == "version") return m.version.empty() ? m.parent_version : m.version;
    if (n == "packaging") return m.packaging.empty() ? std::string("jar") : m.packaging;
    if (m.has_parent) {
      if (n == "parent.groupId") return m.parent_group;
      if (n == "parent.artifactId") return m.parent_artifact;
      if (n == "parent.version") return m.parent_version;
    }
    return std::nullopt;
  }

  std::optional<std::string> resolve(const std::string& name, bool& unresolved, int depth) {
    if (auto it = memo_.find(name); it != memo_.end()) {
      unresolved = unresolved || it->second.second;
      return it->second.first;
    }
    if (std::find(stack_.begin(), stack_.end(), name) != stack_.end()) {
      std::string cycle;
      for (auto it = std::find(stack_.begin(), stack_.end(), name); it != stack_.end(); ++it) cycle += *it + " -> ";
      report("property cycle " + cycle + name + "; left unresolved", line_of(name));
      unresolved = true;
      return std::nullopt;
    }
    if (depth >= kMaxPropertyDepth) {
      report("properties refer to each other more than " + std::to_string(kMaxPropertyDepth) + " deep at ${" + name +
                 "}; left unresolved",
             line_of(name));
      unresolved = true;
      return std::nullopt;
    }
    std::optional<std::string> raw = builtin(name);
    if (!raw) {
      auto it = e_.properties.find(name);
      if (it == e_.properties.end()) {
        unresolved = true;
        return std::nullopt;
      }
      raw = it->second.value;
    }
    stack_.push_back(name);
    bool u = false;
    std::string value = apply(*raw, u, depth + 1);
    stack_.pop_back();
    memo_[name] = {value, u};
    unresolved = unresolved || u;
    return value;
  }

  int line_of(const std::string& name) const {
    auto it = e_.properties.find(name);
    return it != e_.properties.end() && it->second.path == e_.path ? it->second.line : 0;
  }

  void report(std::string message, int line) {
    for (const auto& p : problems_)
      if (p.first == message) return;
    problems_.emplace_back(std::move(message), line);
  }

  const Effective& e_;
  std::map<std::string, std::pair<std::string, bool>> memo_;
  std::vector<std::string> stack_;
  std::vector<std::pair<std::string, int>> problems_;
};

bool has_reference(std::string_view s) { return s.find("${") != std::string_view::npos; }

// groupId:artifactId:type:classifier, the key Maven merges dependencies by.
std::string dependency_key(const std::string& g, const std::string& a, const std::string& type,
                           const std::string& classifier) {
  return g + ":" + a + ":" + (type.empty() ? "jar" : type) + ":" + classifier;
}

struct Coordinates {
  std::string group, artifact, version;
};

struct PomFile {
  std::string path;
  PomModel model;
  bool report = true;  // a pom.xml; repository *.pom files are only looked up
};

// All POMs of one scan, resolved against each other.
class PomSet {
 public:
  explicit PomSet(std::vector<PomFile> files) : files_(std::move(files)) {
    for (size_t i = 0; i < files_.size(); ++i) {
      by_path_.emplace(files_[i].path, i);
      Effective alone;
      alone.model = &files_[i].model;
      alone.path = files_[i].path;
      for (const auto& p : files_[i].model.properties) alone.properties[p.name] = {p.value, files_[i].path, p.line};
      Interpolator in(alone);
      Coordinates c{in.apply("${project.groupId}"), in.apply("${project.artifactId}"), in.apply("${project.version}")};
      by_gav_.emplace(c.group + ":" + c.artifact + ":" + c.version, i);
      by_ga_.emplace(c.group + ":" + c.artifact, i);
      coordinates_.push_back(std::move(c));
    }
  }

  size_t size() const { return files_.size(); }
  const PomFile& file(size_t i) const { return files_[i]; }

  // The packages of POM i, with warnings for what could not be resolved.
  std::vector<Package> packages(size_t i, std::vector<Diagnostic>& diags) {
    const Effective& e = effective(i, 0, diags);
    const PomFile& f = files_[i];
    Interpolator in(e);
    auto warn = [&](int line, std::string message) { diags.push_back(make_warning(f.path, line, std::move(message))); };
    std::string missing;
    for (const auto* list : {&e.missing_parents, &e.missing_boms})
      for (const auto& m : *list) missing += (missing.empty() ? "" : ", ") + m;
    const std::string why_missing =
        missing.empty() ? std::string() : " (not among the scanned files: " + missing + ")";

    std::vector<Package> out;
    // The project itself.
    bool gu = false, au = false, vu = false;
    std::string group = in.apply("${project.groupId}", gu);
    std::string artifact = in.apply("${project.artifactId}", au);
    std::string version = in.apply("${project.version}", vu);
    std::optional<Package> root;
    if (artifact.empty() || au) {
      warn(0, "the project has no artifactId; only its dependencies are reported");
    } else {
      Package p;
      p.ecosystem = "maven";
      if (gu || group.empty()) {
        warn(0, "the project's groupId cannot be resolved" + why_missing + "; reported as '" + artifact + "'");
        p.name = artifact;
      } else {
        p.name = group + ":" + artifact;
      }
      if (vu) {
        const std::string& raw = f.model.version.empty() ? f.model.parent_version : f.model.version;
        warn(0, "the project's version '" + raw + "' cannot be resolved" +
                    why_missing + "; reported without a version");
      } else {
        p.version = version;
      }
      p.licenses = e.licenses;
      p.relationship = Relationship::kRoot;
      p.location.path = f.path;
      p.id = make_package_id(p);
      root = std::move(p);
    }

    // dependencyManagement, interpolated in this POM's context; the first
    // entry for a key wins.
    std::map<std::string, PomDependency> managed;
    std::vector<DependencyRef> all_managed = e.managed;
    all_managed.insert(all_managed.end(), e.imported.begin(), e.imported.end());
    for (const auto& ref : all_managed) {
      PomDependency d = ref.dep;
      if (!ref.literal) {
        d.group = in.apply(d.group);
        d.artifact = in.apply(d.artifact);
        d.version = in.apply(d.version);
        d.scope = in.apply(d.scope);
        d.type = in.apply(d.type);
        d.classifier = in.apply(d.classifier);
      }
      if (d.scope == "import") continue;
      managed.emplace(dependency_key(d.group, d.artifact, d.type, d.classifier), std::move(d));
    }

    // Declared dependencies; a later declaration of the same key wins, as in Maven.
    // A declaration replaced by a later one of the same key takes its
    // warning with it.
    std::vector<Package> deps;
    std::vector<std::optional<Diagnostic>> dep_warnings;
    std::map<std::string, size_t> by_key;
    for (const auto& ref : e.dependencies) {
      const PomDependency& d = ref.dep;
      const bool here = ref.path == f.path;
      const int line = here ? d.line : 0;
      const std::string from = here ? std::string() : " (inherited from " + ref.path + ")";
      bool u = false;
      std::string g = in.apply(d.group, u), a = in.apply(d.artifact, u);
      std::string type = in.apply(d.type), classifier = in.apply(d.classifier), scope = in.apply(d.scope);
      if (u || g.empty() || a.empty()) {
        warn(line, "dependency '" + d.group + ":" + d.artifact + "'" + from +
                       " has no resolvable groupId or artifactId" + why_missing + "; skipped");
        continue;
      }
      std::string key = dependency_key(g, a, type, classifier);
      std::string raw_version = d.version;
      bool version_unresolved = false;
      std::string v = in.apply(d.version, version_unresolved);
      auto m = managed.find(key);
      if (d.version.empty() && m != managed.end()) {
        raw_version = m->second.version;
        v = m->second.version;
        version_unresolved = has_reference(v);
      }
      if (scope.empty() && m != managed.end()) scope = m->second.scope;
      Package p;
      p.ecosystem = "maven";
      p.name = g + ":" + a;
      std::optional<Diagnostic> warning;
      if (version_unresolved) {
        warning = make_warning(f.path, line, g + ":" + a + from + ": version '" + raw_version + "' cannot be resolved" +
                                                 why_missing + "; reported without a version");
      } else if (v.empty()) {
        warning = make_warning(f.path, line, g + ":" + a + from + ": no version here or in a dependencyManagement" +
                                                 why_missing + "; reported without a version");
      } else {
        // A hard requirement "[1.2.3]" is that version; other ranges need a
        // repository to resolve and are kept as written.
        if (v.size() > 2 && v.front() == '[' && v.back() == ']' && v.find(',') == std::string::npos)
          v = v.substr(1, v.size() - 2);
        p.version = v;
      }
      p.dev = scope == "test";
      p.relationship = Relationship::kDirect;
      p.location.path = f.path;
      p.location.line = line;
      p.location.end_line = here ? d.end_line : 0;
      p.id = make_package_id(p);
      if (auto it = by_key.find(key); it != by_key.end()) {
        deps[it->second] = std::move(p);
        dep_warnings[it->second] = std::move(warning);
      } else {
        by_key.emplace(key, deps.size());
        deps.push_back(std::move(p));
        dep_warnings.push_back(std::move(warning));
      }
    }
    for (auto& w : dep_warnings)
      if (w) diags.push_back(std::move(*w));

    for (const auto& [message, line] : in.problems()) warn(line, message);

    // One package per name@version (classifiers and types of one artifact
    // are one package); dev only when every declaration is.
    std::map<std::string, size_t> by_id;
    if (root) {
      by_id.emplace(root->id, 0);
      out.push_back(*root);
    }
    for (auto& p : deps) {
      auto [it, inserted] = by_id.emplace(p.id, out.size());
      if (inserted) {
        if (root) out[0].depends_on.push_back(p.id);
        out.push_back(std::move(p));
      } else if (it->second != 0 || !root) {
        out[it->second].dev = out[it->second].dev && p.dev;
      }
    }
    return out;
  }

 private:
  std::string describe(const std::string& g, const std::string& a, const std::string& v) const {
    return g + ":" + a + (v.empty() ? "" : ":" + v);
  }

  std::optional<size_t> find_by_gav(const std::string& g, const std::string& a, const std::string& v,
                                    size_t except) const {
    if (has_reference(v) || v.empty()) {
      // Without a version, only an unambiguous groupId:artifactId will do.
      auto [lo, hi] = by_ga_.equal_range(g + ":" + a);
      std::optional<size_t> found;
      for (auto it = lo; it != hi; ++it) {
        if (it->second == except) continue;
        if (found) return std::nullopt;
        found = it->second;
      }
      return found;
    }
    auto [lo, hi] = by_gav_.equal_range(g + ":" + a + ":" + v);
    for (auto it = lo; it != hi; ++it)
      if (it->second != except) return it->second;
    return std::nullopt;
  }

  std::optional<size_t> find_parent(size_t i, const std::string& g, const std::string& a, const std::string& v) const {
    const PomModel& m = files_[i].model;
    if (!(m.parent_relative_path_set && m.parent_relative_path.empty())) {
      std::string rel = m.parent_relative_path_set ? m.parent_relative_path : "../pom.xml";
      while (!rel.empty() && rel.back() == '/') rel.pop_back();
      if (!ends_with(to_lower(rel), ".xml") && !ends_with(to_lower(rel), ".pom")) rel += "/pom.xml";
      if (!rel.empty() && rel.front() != '/') {
        std::string dir(dir_name(files_[i].path));
        if (auto candidate = clean_path(dir.empty() ? rel : dir + "/" + rel)) {
          if (auto it = by_path_.find(*candidate); it != by_path_.end() && it->second != i) {
            const Coordinates& c = coordinates_[it->second];
            bool versions_agree = v.empty() || has_reference(v) || has_reference(c.version) || c.version == v;
            if (c.group == g && c.artifact == a && versions_agree) return it->second;
          }
        }
      }
    }
    return find_by_gav(g, a, v, i);
  }

  const Effective& effective(size_t i, int depth, std::vector<Diagnostic>& diags) {
    if (auto it = memo_.find(i); it != memo_.end()) return it->second;
    const PomFile& f = files_[i];
    Effective e;
    e.model = &f.model;
    e.path = f.path;
    in_progress_.insert(i);
    // The parent's coordinates may use this POM's own properties (CI-friendly ${revision}).
    Effective alone;
    alone.model = &f.model;
    alone.path = f.path;
    for (const auto& p : f.model.properties) alone.properties[p.name] = {p.value, f.path, p.line};
    Interpolator own(alone);
    if (f.model.has_parent) {
      std::string g = own.apply(f.model.parent_group), a = own.apply(f.model.parent_artifact),
                  v = own.apply(f.model.parent_version);
      std::optional<size_t> parent = find_parent(i, g, a, v);
      if (parent && in_progress_.count(*parent)) {
        diags.push_back(make_warning(f.path, f.model.parent_line,
                                     "parent " + describe(g, a, v) + " (" + files_[*parent].path +
                                         ") inherits from this POM again; the loop is cut here"));
        parent.reset();
      } else if (parent && depth >= kMaxInheritanceDepth) {
        diags.push_back(make_warning(f.path, f.model.parent_line,
                                     "more than " + std::to_string(kMaxInheritanceDepth) +
                                         " parents or BOMs deep; parent " + describe(g, a, v) + " not read"));
        parent.reset();
      }
      if (parent) {
        const Effective& pe = effective(*parent, depth + 1, diags);
        e.properties = pe.properties;
        e.dependencies = pe.dependencies;
        e.managed = pe.managed;
        e.licenses = pe.licenses;
        e.missing_parents = pe.missing_parents;
      } else {
        e.missing_parents.push_back("parent " + describe(g, a, v));
      }
    }
    for (const auto& p : f.model.properties) e.properties[p.name] = {p.value, f.path, p.line};
    for (const auto& d : f.model.dependencies) e.dependencies.push_back({d, f.path, false});
    std::vector<DependencyRef> managed;
    for (const auto& d : f.model.managed) managed.push_back({d, f.path, false});
    managed.insert(managed.end(), e.managed.begin(), e.managed.end());
    e.managed = std::move(managed);
    if (!f.model.licenses.empty()) e.licenses = f.model.licenses;

    // Imported BOMs, own and inherited, in this POM's context: what they
    // manage, resolved in their own context, comes after everything declared
    // explicitly.
    Interpolator in(e);
    std::set<std::string> imported;
    for (const auto& ref : e.managed) {
      const PomDependency& d = ref.dep;
      if (in.apply(d.scope) != "import") continue;
      std::string g = in.apply(d.group), a = in.apply(d.artifact), v = in.apply(d.version);
      if (!imported.insert(g + ":" + a + ":" + v).second) continue;
      std::optional<size_t> bom = has_reference(v) ? std::nullopt : find_by_gav(g, a, v, i);
      if (bom && (in_progress_.count(*bom) || depth >= kMaxInheritanceDepth)) bom.reset();
      if (!bom) {
        e.missing_boms.push_back("BOM " + describe(g, a, v));
        continue;
      }
      const Effective& be = effective(*bom, depth + 1, diags);
      Interpolator bin(be);
      for (const auto& r : be.managed) {
        DependencyRef copy = r;
        PomDependency& x = copy.dep;
        x.group = bin.apply(x.group);
        x.artifact = bin.apply(x.artifact);
        x.version = bin.apply(x.version);
        x.scope = bin.apply(x.scope);
        x.type = bin.apply(x.type);
        x.classifier = bin.apply(x.classifier);
        copy.literal = true;
        if (x.scope != "import") e.imported.push_back(std::move(copy));
      }
      e.imported.insert(e.imported.end(), be.imported.begin(), be.imported.end());
    }
    in_progress_.erase(i);
    return memo_.emplace(i, std::move(e)).first->second;
  }

  std::vector<PomFile> files_;
  std::vector<Coordinates> coordinates_;  // each POM's own, from itself alone
  std::map<std::string, size_t> by_path_;
  std::multimap<std::string, size_t> by_gav_;
  std::multimap<std::string, size_t> by_ga_;
  std::map<size_t, Effective> memo_;
  std::set<size_t> in_progress_;
};

// A POM in Maven's repository layout, <artifact>/<version>/<artifact>-<version>.pom,
// wherever the repository is (~/.m2/repository, usr/share/maven-repo, a
// mirror's cache): parents and BOMs to look up, not projects to report.
bool is_repository_pom(std::string_view path) {
  if (!ends_with(path, ".pom")) return false;
  std::string_view version_dir = dir_name(path);
  std::string_view version = base_name(version_dir);
  std::string_view artifact = base_name(dir_name(version_dir));
  if (version.empty() || artifact.empty() || version_dir == version) return false;
  std::string expected = std::string(artifact) + "-" + std::string(version) + ".pom";
  return base_name(path) == expected;
}

// Each POM is parsed on its own into a model kept as a fact; contribute()
// resolves parents and BOMs among all the POMs of the scan.
constexpr FileFormat kFormat{
    .name = "maven-pom",
    .version = 1,
    .application_type = "pom",
    .read = [](std::string_view text, const std::string& path, FileResult& out) {
      PomParser parser(path);
      if (auto model = parser.parse(text, out.diagnostics)) out.facts[kModelFact] = model_to_json(*model);
    },
    .max_bytes = kMaxPomBytes,
    .wants_path = [](std::string_view path) {
      return !in_node_modules(path) && (base_name(path) == "pom.xml" || is_repository_pom(path));
    },
};

class MavenPomAnalyzer : public FormatAnalyzer {
 public:
  MavenPomAnalyzer() : FormatAnalyzer(kFormat) {}
  void contribute(std::span<const FileResult* const> visible, Inventory& inv, std::vector<Finding>& findings,
                  std::vector<Diagnostic>& diags) const override {
    std::vector<PomFile> files;
    for (const FileResult* r : visible) {
      findings.insert(findings.end(), r->findings.begin(), r->findings.end());
      diags.insert(diags.end(), r->diagnostics.begin(), r->diagnostics.end());
      auto it = r->facts.find(kModelFact);
      if (it == r->facts.end()) continue;
      auto model = model_from_json(it->second);
      if (!model) continue;
      files.push_back({r->path, std::move(*model), !is_repository_pom(r->path)});
    }
    PomSet set(std::move(files));
    for (size_t i = 0; i < set.size(); ++i) {
      if (!set.file(i).report) continue;
      Application app;
      app.type = "pom";
      app.path = set.file(i).path;
      app.packages = set.packages(i, diags);
      if (!app.packages.empty()) inv.applications.push_back(std::move(app));
    }
  }
};

}  // namespace

std::vector<Package> parse_pom_xml(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags) {
  PomParser parser(path);
  auto model = parser.parse(text, diags);
  if (!model) return {};
  std::vector<PomFile> files;
  files.push_back({path, std::move(*model), true});
  PomSet set(std::move(files));
  return set.packages(0, diags);
}

std::unique_ptr<Analyzer> make_maven_pom_analyzer() { return std::make_unique<MavenPomAnalyzer>(); }

}  // namespace bulwark::catalog
