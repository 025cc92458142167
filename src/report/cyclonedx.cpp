// "cyclonedx": CycloneDX 1.5 JSON. The target is metadata.component, the OS an
// "operating-system" component, each application an "application" component,
// every package a "library" component whose bom-ref is its package id; the
// dependency graph runs target -> OS -> OS packages, target -> applications ->
// their root and direct packages -> depends_on. Relationship and dev travel as
// bulwark:relationship / bulwark:dev properties; dev packages have the scope
// "excluded".
// Vulnerability findings become the vulnerabilities section.
#include <algorithm>
#include <cctype>
#include <map>
#include <ostream>
#include <set>

#include <nlohmann/json.hpp>

#include "core/core.hpp"
#include "report/internal.hpp"

namespace bulwark::report {

namespace {

using ojson = nlohmann::ordered_json;

void add_property(ojson& props, const std::string& name, const std::string& value) {
  if (value.empty()) return;
  props.push_back({{"name", name}, {"value", value}});
}

ojson licenses_json(const std::vector<std::string>& licenses) {
  ojson out = ojson::array();
  for (const auto& l : licenses) {
    if (trim(l).empty()) continue;
    if (auto id = spdx_license_id(l))
      out.push_back({{"license", {{"id", *id}}}});
    else
      out.push_back({{"license", {{"name", std::string(trim(l))}}}});
  }
  return out;
}

// CycloneDX rating methods for Bulwark's score types.
std::string rating_method(const std::string& type, const std::string& vector) {
  std::string t = to_lower(type);
  if (t.find("v4") != std::string::npos || starts_with(vector, "CVSS:4")) return "CVSSv4";
  if (t.find("v31") != std::string::npos || t.find("v3.1") != std::string::npos || starts_with(vector, "CVSS:3.1"))
    return "CVSSv31";
  if (t.find("v3") != std::string::npos || starts_with(vector, "CVSS:3")) return "CVSSv3";
  if (t.find("v2") != std::string::npos) return "CVSSv2";
  return "other";
}

std::string cdx_severity(Severity s) {
  switch (s) {
    case Severity::kCritical: return "critical";
    case Severity::kHigh: return "high";
    case Severity::kMedium: return "medium";
    case Severity::kLow: return "low";
    case Severity::kUnknown: return "unknown";
  }
  return "unknown";
}

// The CVSS qualitative band of a base score (CVSS v3/v4 specification).
std::string cvss_band(double score) {
  if (score >= 9.0) return "critical";
  if (score >= 7.0) return "high";
  if (score >= 4.0) return "medium";
  if (score > 0.0) return "low";
  return "none";
}

// OpenVEX justification labels -> CycloneDX analysis.justification.
std::string cdx_justification(std::string_view openvex) {
  if (openvex == "component_not_present" || openvex == "vulnerable_code_not_present") return "code_not_present";
  if (openvex == "vulnerable_code_not_in_execute_path") return "code_not_reachable";
  if (openvex == "vulnerable_code_cannot_be_controlled_by_adversary" || openvex == "inline_mitigations_already_exist")
    return "protected_by_mitigating_control";
  return {};
}

// The database that owns an advisory id, for source and references.
ojson advisory_source(const std::string& id) {
  if (starts_with(id, "CVE-")) return {{"name", "NVD"}, {"url", "https://nvd.nist.gov/vuln/detail/" + id}};
  if (starts_with(id, "GHSA-")) return {{"name", "GitHub"}, {"url", "https://github.com/advisories/" + id}};
  if (starts_with(id, "GO-")) return {{"name", "Go"}, {"url", "https://pkg.go.dev/vuln/" + id}};
  if (starts_with(id, "DSA-") || starts_with(id, "DLA-"))
    return {{"name", "Debian"}, {"url", "https://security-tracker.debian.org/tracker/" + id}};
  if (starts_with(id, "USN-")) return {{"name", "Ubuntu"}, {"url", "https://ubuntu.com/security/notices/" + id}};
  return {{"name", "OSV"}, {"url", "https://osv.dev/vulnerability/" + id}};
}

// Every CWE number in a "CWE-77, CWE-94" attribute.
std::vector<int> cwe_numbers(const std::string& text) {
  std::vector<int> out;
  for (size_t i = 0; i < text.size();) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < text.size() && std::isdigit(static_cast<unsigned char>(text[j]))) ++j;
    if (j - i < 9) {
      int n = std::stoi(text.substr(i, j - i));
      if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
    }
    i = j;
  }
  return out;
}

class CycloneDxWriter final : public Writer {
 public:
  std::string_view format() const override { return "cyclonedx"; }
  Status write(const Report& report, const WriteOptions&, std::ostream& out) const override;
};

// Collects bom-refs so that each is unique in the document.
class RefSet {
 public:
  std::string claim(std::string ref, const std::string& qualifier) {
    if (ref.empty()) ref = "component";
    if (used_.insert(ref).second) return ref;
    std::string alt = ref + "|" + qualifier;
    for (int n = 2; !used_.insert(alt).second; ++n) alt = ref + "|" + qualifier + "|" + std::to_string(n);
    return alt;
  }

 private:
  std::set<std::string> used_;
};

ojson target_component(const Report& r, const std::string& ref) {
  const Target& t = r.target;
  ojson c;
  bool image = t.kind == TargetKind::kImage;
  c["bom-ref"] = ref;
  c["type"] = image ? "container" : "application";
  std::string name = !t.reference.empty() ? t.reference : !t.artifact.name.empty() ? t.artifact.name : "unknown";
  c["name"] = name;
  ojson props = ojson::array();
  add_property(props, "bulwark:target_kind", to_string(t.kind));
  if (image) {
    std::string digest = !t.digest.empty() ? t.digest : t.artifact.manifest_digest;
    if (!digest.empty()) {
      c["version"] = digest;
      // pkg:oci/<last path segment of the repository>@<digest>
      std::string repo = name;
      if (size_t at = repo.find('@'); at != std::string::npos) repo = repo.substr(0, at);
      size_t slash = repo.rfind('/');
      size_t colon = repo.rfind(':');
      if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) repo = repo.substr(0, colon);
      std::string last = repo.substr(repo.rfind('/') == std::string::npos ? 0 : repo.rfind('/') + 1);
      if (!last.empty()) {
        std::string purl = "pkg:oci/" + purl_escape(to_lower(last)) + "@" + purl_escape(digest);
        if (repo != last) purl += "?repository_url=" + purl_escape(repo);
        c["purl"] = purl;
      }
    }
    add_property(props, "bulwark:image_digest", digest);
    add_property(props, "bulwark:image_id", t.artifact.config_digest);
    for (const auto& tag : t.artifact.repo_tags) add_property(props, "bulwark:repo_tag", tag);
    for (const auto& d : t.artifact.repo_digests) add_property(props, "bulwark:repo_digest", d);
    add_property(props, "bulwark:architecture", t.artifact.config.architecture);
    add_property(props, "bulwark:os", t.artifact.config.os);
  }
  if (const auto& repo = t.repository) {
    add_property(props, "bulwark:repository_commit", repo->commit);
    add_property(props, "bulwark:repository_branch", repo->branch);
    add_property(props, "bulwark:repository_url", repo->remote_url);
    if (auto uri = repository_uri(repo->remote_url)) {
      ojson ref = {{"url", *uri}, {"type", "vcs"}};
      if (!repo->commit.empty()) ref["comment"] = "commit " + repo->commit + (repo->branch.empty() ? "" : " on " + repo->branch);
      c["externalReferences"] = ojson::array({ref});
    }
  }
  if (!props.empty()) c["properties"] = props;
  return c;
}

ojson package_component(const Package& p, const std::string& ref, const std::string& app_path) {
  ojson c;
  c["bom-ref"] = ref;
  c["type"] = "library";
  if (!p.maintainer.empty()) c["supplier"] = {{"name", p.maintainer}};
  // npm scopes and Maven groups go in "group", as CycloneDX tools expect.
  std::string name = p.name;
  if (p.ecosystem == "npm" && starts_with(name, "@") && name.find('/') != std::string::npos) {
    c["group"] = name.substr(0, name.find('/'));
    name = name.substr(name.find('/') + 1);
  } else if (p.ecosystem == "maven" && name.find(':') != std::string::npos) {
    c["group"] = name.substr(0, name.find(':'));
    name = name.substr(name.find(':') + 1);
  }
  c["name"] = name;
  if (!p.version.empty()) c["version"] = p.version;
  if (auto h = split_digest(p.digest)) c["hashes"] = ojson::array({{{"alg", h->cdx_alg}, {"content", h->hex}}});
  ojson lic = licenses_json(p.licenses);
  if (!lic.empty()) c["licenses"] = lic;
  if (!p.purl.empty()) c["purl"] = p.purl;
  // Development-only dependencies are not part of what runs: CycloneDX's
  // "excluded" scope ("usage for test and other non-runtime purposes").
  if (p.dev) c["scope"] = "excluded";
  ojson props = ojson::array();
  add_property(props, "bulwark:package_id", p.id);
  add_property(props, "bulwark:ecosystem", p.ecosystem);
  add_property(props, "bulwark:arch", p.arch);
  if (p.epoch != 0) add_property(props, "bulwark:epoch", std::to_string(p.epoch));
  add_property(props, "bulwark:release", p.release);
  add_property(props, "bulwark:src_name", p.src_name);
  add_property(props, "bulwark:src_version", p.src_version);
  add_property(props, "bulwark:layer_diff_id", p.location.layer);
  add_property(props, "bulwark:location_path", p.location.path);
  add_property(props, "bulwark:package_path", app_path);
  if (p.relationship != Relationship::kUnknown) add_property(props, "bulwark:relationship", to_string(p.relationship));
  if (p.dev) add_property(props, "bulwark:dev", "true");
  if (!props.empty()) c["properties"] = props;
  return c;
}

Status CycloneDxWriter::write(const Report& r, const WriteOptions&, std::ostream& out) const {
  RefSet refs;
  ojson bom;
  bom["$schema"] = "http://cyclonedx.org/schema/bom-1.5.schema.json";
  bom["bomFormat"] = "CycloneDX";
  bom["specVersion"] = "1.5";
  bom["serialNumber"] = "urn:uuid:" + random_uuid_v4();
  bom["version"] = 1;

  const std::string root_ref = refs.claim("bulwark:target", "");
  ojson metadata;
  metadata["timestamp"] = to_date_time(r.created_at).value_or(now_rfc3339());
  std::string tool_ver = r.tool.version.empty() ? std::string(bulwark::tool_version()) : r.tool.version;
  metadata["tools"] = {{"components", ojson::array({{{"type", "application"},
                                                      {"name", r.tool.name.empty() ? "bulwark" : r.tool.name},
                                                      {"version", tool_ver}}})}};
  metadata["component"] = target_component(r, root_ref);
  bom["metadata"] = metadata;

  ojson components = ojson::array();
  std::map<std::string, std::vector<std::string>> graph;  // ref -> dependsOn
  std::vector<std::string> graph_order{root_ref};
  graph[root_ref];
  auto node = [&](const std::string& ref) {
    if (graph.emplace(ref, std::vector<std::string>{}).second) graph_order.push_back(ref);
  };

  // Package id -> bom-ref, per scope (-1 = OS packages, i = application i), so
  // that depends_on resolves inside its own lockfile first.
  std::map<std::pair<int, std::string>, std::string> by_scope;
  std::map<std::string, std::string> by_id;
  std::map<std::string, std::string> by_purl;
  struct Emitted {
    const Package* pkg;
    int scope;
    std::string ref;
  };
  std::vector<Emitted> emitted;
  struct AppNode {
    std::string ref;
    size_t first, last;  // its packages in `emitted`
  };
  std::vector<AppNode> app_nodes;
  std::map<std::string, int> app_scope;  // application path -> scope (the first with that path)

  auto emit_package = [&](const Package& p, int scope, const std::string& app_path) {
    std::string ref = refs.claim(!p.id.empty() ? p.id : !p.purl.empty() ? p.purl : p.ecosystem + ":" + p.name,
                                 app_path.empty() ? "os" : app_path);
    components.push_back(package_component(p, ref, app_path));
    by_scope.emplace(std::make_pair(scope, p.id), ref);
    by_id.emplace(p.id, ref);
    if (!p.purl.empty()) by_purl.emplace(p.purl, ref);
    emitted.push_back({&p, scope, ref});
    node(ref);
    return ref;
  };

  const Inventory& inv = r.inventory;
  std::string os_ref;
  if (inv.os) {
    const OsInfo& os = *inv.os;
    os_ref = refs.claim("os:" + os.family + "@" + os.version, "os");
    ojson c;
    c["bom-ref"] = os_ref;
    c["type"] = "operating-system";
    c["name"] = os.family.empty() ? "unknown" : os.family;
    if (!os.version.empty()) c["version"] = os.version;
    if (!os.pretty_name.empty()) c["description"] = os.pretty_name;
    ojson props = ojson::array();
    add_property(props, "bulwark:os_name", os.name);
    add_property(props, "bulwark:codename", os.codename);
    add_property(props, "bulwark:eol", os.eol);
    if (os.distroless) add_property(props, "bulwark:distroless", "true");
    add_property(props, "bulwark:layer_diff_id", os.location.layer);
    add_property(props, "bulwark:location_path", os.location.path);
    if (!props.empty()) c["properties"] = props;
    components.push_back(c);
    node(os_ref);
    graph[root_ref].push_back(os_ref);
  }
  for (const auto& p : inv.packages) {
    std::string ref = emit_package(p, -1, "");
    graph[os_ref.empty() ? root_ref : os_ref].push_back(ref);
  }
  for (size_t i = 0; i < inv.applications.size(); ++i) {
    const Application& app = inv.applications[i];
    std::string app_ref = refs.claim("app:" + app.type + ":" + app.path, std::to_string(i));
    ojson c;
    c["bom-ref"] = app_ref;
    c["type"] = "application";
    c["name"] = app.path.empty() ? app.type : app.path;
    ojson props = ojson::array();
    add_property(props, "bulwark:type", app.type);
    add_property(props, "bulwark:package_path", app.path);
    c["properties"] = props;
    components.push_back(c);
    node(app_ref);
    graph[root_ref].push_back(app_ref);
    size_t first = emitted.size();
    app_scope.emplace(app.path, static_cast<int>(i));
    for (const auto& p : app.packages) emit_package(p, static_cast<int>(i), app.path);
    app_nodes.push_back({app_ref, first, emitted.size()});
  }
  // Package edges, each resolved in its own application (or among the OS
  // packages) first.
  std::map<std::string, std::vector<std::string>> edges;
  for (const auto& e : emitted) {
    for (const auto& dep : e.pkg->depends_on) {
      auto it = by_scope.find({e.scope, dep});
      std::string target;
      if (it != by_scope.end()) target = it->second;
      else if (auto g = by_id.find(dep); g != by_id.end()) target = g->second;
      else if (auto u = by_purl.find(dep); u != by_purl.end()) target = u->second;
      if (!target.empty() && target != e.ref) edges[e.ref].push_back(target);
    }
  }
  // What each application file depends on itself: its root and direct
  // packages (see dependency_roots).
  for (const auto& a : app_nodes) {
    std::vector<DependencyNode> nodes;
    for (size_t k = a.first; k < a.last; ++k) nodes.push_back({emitted[k].ref, emitted[k].pkg->relationship});
    graph[a.ref] = dependency_roots(nodes, edges);
  }
  for (auto& [ref, list] : edges) {
    auto& out = graph[ref];
    out.insert(out.end(), list.begin(), list.end());
  }
  bom["components"] = components;

  ojson deps = ojson::array();
  for (const auto& ref : graph_order) {
    std::vector<std::string> list;
    std::set<std::string> seen;
    for (const auto& d : graph[ref])
      if (seen.insert(d).second) list.push_back(d);  // dependsOn items must be unique
    ojson entry = {{"ref", ref}};
    entry["dependsOn"] = list;
    deps.push_back(entry);
  }
  bom["dependencies"] = deps;

  ojson vulns = ojson::array();
  std::set<std::string> vuln_refs;
  for (size_t i = 0; i < r.findings.size(); ++i) {
    const Finding& f = r.findings[i];
    if (f.kind != FindingKind::kVulnerability || f.id.empty()) continue;
    std::string affected;
    // A language finding is located at its application's file: the package
    // of that application, when the same package is in several.
    auto scope = app_scope.find(f.location.path);
    auto scoped = scope == app_scope.end() ? by_scope.end() : by_scope.find({scope->second, f.location.package_id});
    if (scoped != by_scope.end())
      affected = scoped->second;
    else if (auto it = by_id.find(f.location.package_id); !f.location.package_id.empty() && it != by_id.end())
      affected = it->second;
    else if (auto u = by_purl.find(f.package_purl); !f.package_purl.empty() && u != by_purl.end())
      affected = u->second;
    else
      for (const auto& e : emitted)
        if (e.pkg->name == f.package_name && e.pkg->version == f.package_version &&
            (f.package_ecosystem.empty() || f.package_ecosystem == e.pkg->ecosystem)) {
          affected = e.ref;
          break;
        }
    ojson v;
    std::string vref = f.id + (affected.empty() ? "" : "|" + affected);
    for (int n = 2; !vuln_refs.insert(vref).second; ++n) vref = f.id + "|" + std::to_string(i) + "|" + std::to_string(n);
    v["bom-ref"] = vref;
    v["id"] = f.id;
    std::string source = f.severity_source.empty() ? "bulwark" : f.severity_source;
    // Who published what Bulwark reports: the severity's source when known
    // (the distribution's tracker), else the database that owns the id.
    ojson src = f.severity_source.empty() ? advisory_source(f.id) : ojson{{"name", f.severity_source}};
    if (!f.references.empty() && starts_with(f.references.front(), "http")) src["url"] = f.references.front();
    v["source"] = src;
    // Other ids of the same vulnerability, each with the database that owns it.
    ojson refs_json = ojson::array();
    for (const auto& alias : f.aliases)
      if (alias != f.id && !alias.empty()) refs_json.push_back({{"id", alias}, {"source", advisory_source(alias)}});
    if (!refs_json.empty()) v["references"] = refs_json;
    // One rating per score (its severity from the score's own band), and the
    // severity Bulwark reports, from the source that gave it.
    ojson ratings = ojson::array();
    bool source_rated = false;
    for (const auto& s : f.scores) {
      std::string name = s.source.empty() ? source : s.source;
      source_rated = source_rated || name == source;
      ojson rating = {{"source", {{"name", name}}}};
      if (s.value > 0) rating["score"] = s.value;
      rating["severity"] = s.value > 0 ? cvss_band(s.value) : cdx_severity(f.severity);
      rating["method"] = rating_method(s.type, s.vector);
      if (!s.vector.empty()) rating["vector"] = s.vector;
      ratings.push_back(rating);
    }
    if (!source_rated) ratings.push_back({{"source", {{"name", source}}}, {"severity", cdx_severity(f.severity)}});
    v["ratings"] = ratings;
    ojson cwes = ojson::array();
    if (auto cwe = f.attributes.find("cwe"); cwe != f.attributes.end())
      for (int n : cwe_numbers(cwe->second)) cwes.push_back(n);
    if (!cwes.empty()) v["cwes"] = cwes;
    if (!f.description.empty()) v["description"] = f.description;
    else if (!f.title.empty()) v["description"] = f.title;
    if (!f.remediation.fixed_versions.empty()) {
      std::string rec = "Upgrade " + (f.package_name.empty() ? std::string("the package") : f.package_name) + " to ";
      for (size_t k = 0; k < f.remediation.fixed_versions.size(); ++k)
        rec += (k ? ", " : "") + f.remediation.fixed_versions[k];
      v["recommendation"] = rec;
    } else if (!f.remediation.text.empty()) {
      v["recommendation"] = f.remediation.text;
    }
    ojson advisories = ojson::array();
    for (const auto& url : f.references)
      if (starts_with(url, "http://") || starts_with(url, "https://")) advisories.push_back({{"url", url}});
    if (!advisories.empty()) v["advisories"] = advisories;
    if (auto d = to_date_time(f.published)) v["published"] = *d;
    if (auto d = to_date_time(f.modified)) v["updated"] = *d;
    // The triage state: suppressed findings say why (VEX justifications mapped
    // to CycloneDX's), open ones what a VEX statement said about them.
    ojson analysis;
    auto attr = [&](const char* key) {
      auto it = f.attributes.find(key);
      return it == f.attributes.end() ? std::string() : it->second;
    };
    std::string detail = f.status_reason;
    switch (f.status) {
      case FindingStatus::kNotAffected: {
        analysis["state"] = "not_affected";
        if (std::string j = cdx_justification(attr("vex_justification")); !j.empty()) analysis["justification"] = j;
        break;
      }
      case FindingStatus::kFixed: analysis["state"] = "resolved"; break;
      case FindingStatus::kIgnored:  // accepted risk: known, triaged, not to be fixed
        analysis["state"] = "exploitable";
        analysis["response"] = ojson::array({"will_not_fix"});
        break;
      case FindingStatus::kOpen: {
        std::string vex = attr("vex_status");
        if (vex == "affected") {
          analysis["state"] = "exploitable";
          if (!f.remediation.fixed_versions.empty()) analysis["response"] = ojson::array({"update"});
          if (detail.empty()) detail = attr("vex_action");
        } else if (vex == "under_investigation" || !f.status_reason.empty()) {
          analysis["state"] = "in_triage";
        }
        break;
      }
    }
    if (!detail.empty()) analysis["detail"] = detail;
    if (!analysis.empty()) v["analysis"] = analysis;
    if (!affected.empty()) {
      ojson affect = {{"ref", affected}};
      bool unaffected = f.status == FindingStatus::kNotAffected || f.status == FindingStatus::kFixed;
      if (!f.package_version.empty())
        affect["versions"] =
            ojson::array({{{"version", f.package_version}, {"status", unaffected ? "unaffected" : "affected"}}});
      v["affects"] = ojson::array({affect});
    }
    ojson props = ojson::array();
    add_property(props, "bulwark:fingerprint", f.fingerprint);
    add_property(props, "bulwark:fix_state", f.remediation.fix_state);
    add_property(props, "bulwark:status", to_string(f.status));
    if (!f.ignored_until.empty()) add_property(props, "bulwark:ignored_until", f.ignored_until);
    if (f.known_exploited) add_property(props, "bulwark:known_exploited", "true");
    if (!props.empty()) v["properties"] = props;
    vulns.push_back(v);
  }
  if (!vulns.empty()) bom["vulnerabilities"] = vulns;

  try {
    out << bom.dump(2, ' ', false, ojson::error_handler_t::replace) << '\n';
  } catch (const nlohmann::json::exception& e) {
    return Error(ErrorCode::kInternal, std::string("cannot serialise the CycloneDX document: ") + e.what());
  }
  return {};
}

}  // namespace

std::unique_ptr<Writer> make_cyclonedx_writer() { return std::make_unique<CycloneDxWriter>(); }

}  // namespace bulwark::report
