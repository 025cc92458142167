// "spdx-json": SPDX 2.3 JSON. The document DESCRIBES the target package, which
// CONTAINS the operating system and one package per application; those CONTAIN
// their packages. An application DEPENDS_ON its root and direct packages, and
// packages DEPEND_ON each other; a development-only dependency of the project
// (of the application or its root package) is DEV_DEPENDENCY_OF it instead. Bulwark-only facts (layer,
// source package, lockfile path) travel as annotations "bulwark:<key>=<value>"
// so that read_sbom can restore them.
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

// SPDX element ids allow letters, digits, '.' and '-' only.
std::string sanitize(std::string_view s) {
  std::string out;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    out.push_back((std::isalnum(u) && u < 0x80) || c == '.' || c == '-' ? c : '-');
  }
  return out;
}

// "Name <mail>" -> "Organization: Name (mail)" (SPDX supplier syntax).
std::string supplier(const std::string& maintainer) {
  std::string name = maintainer, mail;
  size_t lt = maintainer.find('<');
  size_t gt = maintainer.find('>', lt == std::string::npos ? 0 : lt);
  if (lt != std::string::npos && gt != std::string::npos) {
    name = std::string(trim(std::string_view(maintainer).substr(0, lt)));
    mail = maintainer.substr(lt + 1, gt - lt - 1);
  }
  if (name.empty()) name = mail;
  std::string out = "Organization: " + name;
  if (!mail.empty()) out += " (" + mail + ")";
  return out;
}

class SpdxWriter final : public Writer {
 public:
  std::string_view format() const override { return "spdx-json"; }
  Status write(const Report& report, const WriteOptions&, std::ostream& out) const override;
};

struct Doc {
  std::string created;
  std::string tool;
  std::set<std::string> ids;
  ojson packages = ojson::array();
  ojson relationships = ojson::array();
  std::map<std::string, std::string> extracted;  // LicenseRef id -> original text

  std::string claim(const std::string& base) {
    std::string id = sanitize(base);
    if (ids.insert(id).second) return id;
    for (int n = 2;; ++n)
      if (ids.insert(id + "-" + std::to_string(n)).second) return id + "-" + std::to_string(n);
  }
  void relate(const std::string& from, const char* type, const std::string& to) {
    relationships.push_back({{"spdxElementId", from}, {"relationshipType", type}, {"relatedSpdxElement", to}});
  }
  void annotate(ojson& pkg, const std::string& key, const std::string& value) {
    if (value.empty()) return;
    if (!pkg.contains("annotations")) pkg["annotations"] = ojson::array();
    pkg["annotations"].push_back({{"annotationDate", created},
                                  {"annotationType", "OTHER"},
                                  {"annotator", tool},
                                  {"comment", "bulwark:" + key + "=" + value}});
  }
  std::string license_expression(const std::vector<std::string>& licenses) {
    std::string expr;
    for (const auto& l : licenses) {
      std::string_view t = trim(l);
      if (t.empty()) continue;
      std::string term;
      if (auto id = spdx_license_id(t)) {
        term = *id;
      } else {
        term = "LicenseRef-" + sanitize(t);
        // Different texts can sanitise alike ("GPL-2+" and "GPL-2 "): keep ids distinct.
        if (auto it = extracted.find(term); it != extracted.end() && it->second != t)
          term += "-" + sha256_hex(t).substr(0, 8);
        extracted.emplace(term, std::string(t));
      }
      expr += (expr.empty() ? "" : " AND ") + term;
    }
    return expr.empty() ? "NOASSERTION" : expr;
  }
};

ojson base_package(const std::string& id, const std::string& name, const std::string& version, const char* purpose) {
  ojson p;
  p["name"] = name.empty() ? "unknown" : name;
  p["SPDXID"] = id;
  if (!version.empty()) p["versionInfo"] = version;
  p["downloadLocation"] = "NOASSERTION";
  p["filesAnalyzed"] = false;
  p["licenseConcluded"] = "NOASSERTION";
  p["licenseDeclared"] = "NOASSERTION";
  p["copyrightText"] = "NOASSERTION";
  p["primaryPackagePurpose"] = purpose;
  return p;
}

Status SpdxWriter::write(const Report& r, const WriteOptions&, std::ostream& out) const {
  Doc doc;
  doc.created = to_date_time(r.created_at).value_or(now_rfc3339());
  // SPDX wants whole seconds in UTC: "YYYY-MM-DDThh:mm:ssZ".
  if (doc.created.size() > 19 && doc.created.back() == 'Z') doc.created = doc.created.substr(0, 19) + "Z";
  if (doc.created.size() != 20 || doc.created.back() != 'Z') doc.created = now_rfc3339();
  std::string tool_ver = r.tool.version.empty() ? std::string(bulwark::tool_version()) : r.tool.version;
  doc.tool = "Tool: bulwark-" + tool_ver;
  doc.ids.insert("SPDXRef-DOCUMENT");

  const Target& t = r.target;
  std::string target_name = !t.reference.empty() ? t.reference : !t.artifact.name.empty() ? t.artifact.name : "unknown";
  const char* target_purpose = t.kind == TargetKind::kImage ? "CONTAINER" : t.kind == TargetKind::kRepository ? "SOURCE" : "FILE";
  std::string root_id = doc.claim("SPDXRef-Target");
  ojson root = base_package(root_id, target_name, t.kind == TargetKind::kImage ? t.digest : "", target_purpose);
  doc.annotate(root, "target_kind", to_string(t.kind));
  if (t.kind == TargetKind::kImage) {
    doc.annotate(root, "image_digest", t.digest.empty() ? t.artifact.manifest_digest : t.digest);
    doc.annotate(root, "image_id", t.artifact.config_digest);
    for (const auto& tag : t.artifact.repo_tags) doc.annotate(root, "repo_tag", tag);
    if (auto h = split_digest(t.artifact.config_digest))
      root["checksums"] = ojson::array({{{"algorithm", h->spdx_alg}, {"checksumValue", h->hex}}});
  }
  if (const auto& repo = t.repository) {
    doc.annotate(root, "repository_commit", repo->commit);
    doc.annotate(root, "repository_branch", repo->branch);
    doc.annotate(root, "repository_url", repo->remote_url);
    // SPDX's VCS download location: git+<url>[@<revision>].
    if (auto uri = repository_uri(repo->remote_url)) {
      root["downloadLocation"] = "git+" + *uri + (repo->commit.empty() ? "" : "@" + repo->commit);
      if (!repo->commit.empty()) root["versionInfo"] = repo->commit;
    }
  }
  doc.packages.push_back(root);
  doc.relate("SPDXRef-DOCUMENT", "DESCRIBES", root_id);

  const Inventory& inv = r.inventory;
  std::string os_id;
  if (inv.os) {
    const OsInfo& os = *inv.os;
    os_id = doc.claim("SPDXRef-OperatingSystem");
    ojson p = base_package(os_id, os.family, os.version, "OPERATING-SYSTEM");
    if (!os.pretty_name.empty()) p["description"] = os.pretty_name;
    doc.annotate(p, "os_name", os.name);
    doc.annotate(p, "codename", os.codename);
    doc.annotate(p, "eol", os.eol);
    if (os.distroless) doc.annotate(p, "distroless", "true");
    doc.annotate(p, "layer_diff_id", os.location.layer);
    doc.annotate(p, "location_path", os.location.path);
    doc.packages.push_back(p);
    doc.relate(root_id, "CONTAINS", os_id);
  }

  std::map<std::pair<int, std::string>, std::string> by_scope;
  std::map<std::string, std::string> by_id;
  struct Emitted {
    const Package* pkg;
    int scope;
    std::string spdx_id;
  };
  std::vector<Emitted> emitted;
  struct AppNode {
    std::string id;
    size_t first, last;  // its packages in `emitted`
  };
  std::vector<AppNode> app_nodes;

  auto emit = [&](const Package& pk, int scope, const std::string& app_path, const std::string& parent) {
    std::string key = pk.id + "\x1f" + app_path;
    std::string id = doc.claim("SPDXRef-Package-" + pk.ecosystem + "-" + pk.name + "-" + sha256_hex(key).substr(0, 12));
    ojson p = base_package(id, pk.name, pk.version, "LIBRARY");
    if (!pk.maintainer.empty()) p["supplier"] = supplier(pk.maintainer);
    if (auto h = split_digest(pk.digest))
      p["checksums"] = ojson::array({{{"algorithm", h->spdx_alg}, {"checksumValue", h->hex}}});
    p["licenseDeclared"] = doc.license_expression(pk.licenses);
    if (!pk.src_name.empty())
      p["sourceInfo"] = "built package from: " + pk.src_name + (pk.src_version.empty() ? "" : " " + pk.src_version);
    if (!pk.purl.empty())
      p["externalRefs"] = ojson::array(
          {{{"referenceCategory", "PACKAGE-MANAGER"}, {"referenceType", "purl"}, {"referenceLocator", pk.purl}}});
    doc.annotate(p, "package_id", pk.id);
    doc.annotate(p, "ecosystem", pk.ecosystem);
    doc.annotate(p, "arch", pk.arch);
    if (pk.epoch != 0) doc.annotate(p, "epoch", std::to_string(pk.epoch));
    doc.annotate(p, "release", pk.release);
    doc.annotate(p, "src_name", pk.src_name);
    doc.annotate(p, "src_version", pk.src_version);
    doc.annotate(p, "layer_diff_id", pk.location.layer);
    doc.annotate(p, "location_path", pk.location.path);
    doc.annotate(p, "package_path", app_path);
    if (pk.relationship != Relationship::kUnknown) doc.annotate(p, "relationship", to_string(pk.relationship));
    if (pk.dev) doc.annotate(p, "dev", "true");
    doc.packages.push_back(p);
    doc.relate(parent, "CONTAINS", id);
    by_scope.emplace(std::make_pair(scope, pk.id), id);
    by_id.emplace(pk.id, id);
    emitted.push_back({&pk, scope, id});
  };

  for (const auto& p : inv.packages) emit(p, -1, "", os_id.empty() ? root_id : os_id);
  for (size_t i = 0; i < inv.applications.size(); ++i) {
    const Application& app = inv.applications[i];
    std::string app_id = doc.claim("SPDXRef-Application-" + sha256_hex(app.type + "\x1f" + app.path).substr(0, 12));
    ojson p = base_package(app_id, app.path.empty() ? app.type : app.path, "", "APPLICATION");
    doc.annotate(p, "type", app.type);
    doc.annotate(p, "package_path", app.path);
    doc.packages.push_back(p);
    doc.relate(root_id, "CONTAINS", app_id);
    size_t first = emitted.size();
    for (const auto& pk : app.packages) emit(pk, static_cast<int>(i), app.path, app_id);
    app_nodes.push_back({app_id, first, emitted.size()});
  }
  std::map<std::string, const Package*> pkg_of;
  for (const auto& e : emitted) pkg_of.emplace(e.spdx_id, e.pkg);
  // An edge from the project (the application file or its root package) to a
  // development-only package is SPDX's DEV_DEPENDENCY_OF; every other edge is
  // DEPENDS_ON (a dev package's own dependencies are what it needs to run).
  auto depend = [&](const std::string& from, bool from_project, const std::string& to) {
    const Package* target = pkg_of.count(to) ? pkg_of[to] : nullptr;
    if (from_project && target != nullptr && target->dev)
      doc.relate(to, "DEV_DEPENDENCY_OF", from);
    else
      doc.relate(from, "DEPENDS_ON", to);
  };
  std::map<std::string, std::vector<std::string>> edges;
  for (const auto& e : emitted) {
    std::set<std::string> seen;
    for (const auto& dep : e.pkg->depends_on) {
      auto it = by_scope.find({e.scope, dep});
      std::string target = it != by_scope.end() ? it->second : "";
      if (target.empty())
        if (auto g = by_id.find(dep); g != by_id.end()) target = g->second;
      if (!target.empty() && target != e.spdx_id && seen.insert(target).second) edges[e.spdx_id].push_back(target);
    }
  }
  for (const auto& a : app_nodes) {
    std::vector<DependencyNode> nodes;
    for (size_t k = a.first; k < a.last; ++k) nodes.push_back({emitted[k].spdx_id, emitted[k].pkg->relationship});
    for (const auto& to : dependency_roots(nodes, edges)) depend(a.id, true, to);
  }
  for (const auto& e : emitted)
    if (auto it = edges.find(e.spdx_id); it != edges.end())
      for (const auto& to : it->second) depend(e.spdx_id, e.pkg->relationship == Relationship::kRoot, to);

  ojson d;
  d["spdxVersion"] = "SPDX-2.3";
  d["dataLicense"] = "CC0-1.0";
  d["SPDXID"] = "SPDXRef-DOCUMENT";
  d["name"] = target_name;
  d["documentNamespace"] = "https://spdx.bulwark.invalid/" + std::string(to_string(t.kind)) + "/" +
                           purl_escape(target_name) + "-" + random_uuid_v4();
  d["creationInfo"] = {{"creators", ojson::array({doc.tool})}, {"created", doc.created}};
  if (!doc.extracted.empty()) {
    ojson infos = ojson::array();
    for (const auto& [id, text] : doc.extracted) infos.push_back({{"licenseId", id}, {"extractedText", text}, {"name", text}});
    d["hasExtractedLicensingInfos"] = infos;
  }
  d["packages"] = doc.packages;
  d["relationships"] = doc.relationships;
  try {
    out << d.dump(2, ' ', false, ojson::error_handler_t::replace) << '\n';
  } catch (const nlohmann::json::exception& e) {
    return Error(ErrorCode::kInternal, std::string("cannot serialise the SPDX document: ") + e.what());
  }
  return {};
}

}  // namespace

std::unique_ptr<Writer> make_spdx_json_writer() { return std::make_unique<SpdxWriter>(); }

}  // namespace bulwark::report
