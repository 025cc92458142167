// SPDX 2.2/2.3 JSON -> Report. The package the document DESCRIBES is the
// target; a package whose primaryPackagePurpose is OPERATING-SYSTEM is the OS;
// packages with a purl external reference become packages; APPLICATION
// packages that CONTAIN them group them. DEPENDS_ON / DEPENDENCY_OF give edges.
#include <set>

#include "core/core.hpp"
#include "report/sbom_common.hpp"

namespace bulwark::report::sbom {

namespace {

// "Organization: Name (mail)" / "Person: Name (mail)" -> "Name <mail>".
std::string maintainer_from_supplier(std::string s) {
  for (const char* prefix : {"Organization:", "Person:", "Tool:"})
    if (starts_with(s, prefix)) {
      s = std::string(trim(std::string_view(s).substr(std::string_view(prefix).size())));
      break;
    }
  if (s == "NOASSERTION") return {};
  size_t open = s.rfind('(');
  if (open != std::string::npos && !s.empty() && s.back() == ')') {
    std::string name = std::string(trim(std::string_view(s).substr(0, open)));
    std::string mail = s.substr(open + 1, s.size() - open - 2);
    return mail.empty() ? name : name + " <" + mail + ">";
  }
  return s;
}

// Splits a declared licence expression on top-level " AND "; LicenseRef-ids
// become the text the document extracted for them.
std::vector<std::string> split_licenses(const std::string& expr, const std::map<std::string, std::string>& extracted) {
  std::vector<std::string> out;
  if (expr.empty() || expr == "NOASSERTION" || expr == "NONE") return out;
  bool simple = expr.find('(') == std::string::npos && expr.find(" OR ") == std::string::npos &&
                expr.find(" WITH ") == std::string::npos;
  std::vector<std::string> terms;
  if (simple) {
    size_t start = 0;
    while (true) {
      size_t pos = expr.find(" AND ", start);
      terms.push_back(expr.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
      if (pos == std::string::npos) break;
      start = pos + 5;
    }
  } else {
    terms.push_back(expr);
  }
  for (auto& t : terms) {
    std::string term(trim(t));
    auto it = extracted.find(term);
    out.push_back(it != extracted.end() ? it->second : term);
  }
  return out;
}

}  // namespace

Result<Report> read_spdx(const json& doc, Ctx& ctx) {
  auto ver = ctx.str(doc, "spdxVersion", "");
  if (!ver) return ver.error();
  if (*ver != "SPDX-2.2" && *ver != "SPDX-2.3")
    return ctx.error("spdxVersion", "SPDX version \"" + *ver + "\" is not supported; Bulwark reads SPDX-2.2 and SPDX-2.3 JSON",
                     ErrorCode::kUnsupported);

  Report r;
  r.created_at = now_rfc3339();
  r.tool.version = std::string(tool_version());
  r.target.kind = TargetKind::kSbom;
  r.target.reference = ctx.file;
  r.target.artifact.name = ctx.file;
  auto doc_name = ctx.str(doc, "name", "");
  if (!doc_name) return doc_name.error();

  std::map<std::string, std::string> extracted;
  auto infos = ctx.arr(doc, "hasExtractedLicensingInfos", "");
  if (!infos) return infos.error();
  if (*infos)
    for (size_t i = 0; i < (*infos)->size(); ++i) {
      const json& e = (**infos)[i];
      std::string ep = index_path("hasExtractedLicensingInfos", i);
      if (auto st = ctx.need_object(e, ep); !st) return st.error();
      auto id = ctx.str(e, "licenseId", ep);
      if (!id) return id.error();
      auto name = ctx.str(e, "name", ep);
      if (!name) return name.error();
      auto text = ctx.str(e, "extractedText", ep);
      if (!text) return text.error();
      // The name is the licence's short form; the text may be a whole licence.
      std::string value = !name->empty() && *name != "NOASSERTION" ? *name : *text;
      if (!id->empty() && !value.empty() && value.size() < 200) extracted.emplace(*id, value);
    }

  // Relationships first: they say which package is the target and which
  // packages belong to which application.
  std::vector<std::tuple<std::string, std::string, std::string>> rels;  // from, type, to
  auto relationships = ctx.arr(doc, "relationships", "");
  if (!relationships) return relationships.error();
  if (*relationships) {
    if ((*relationships)->size() > 4 * kMaxComponents)
      return ctx.error("relationships", "more than " + std::to_string(4 * kMaxComponents) + " relationships",
                       ErrorCode::kLimitExceeded);
    for (size_t i = 0; i < (*relationships)->size(); ++i) {
      const json& rel = (**relationships)[i];
      std::string rp = index_path("relationships", i);
      if (auto st = ctx.need_object(rel, rp); !st) return st.error();
      auto from = ctx.required_str(rel, "spdxElementId", rp);
      if (!from) return from.error();
      auto type = ctx.required_str(rel, "relationshipType", rp);
      if (!type) return type.error();
      auto to = ctx.required_str(rel, "relatedSpdxElement", rp);
      if (!to) return to.error();
      rels.emplace_back(*from, *type, *to);
    }
  }
  std::set<std::string> described;
  for (const auto& [from, type, to] : rels)
    if (type == "DESCRIBES" && from == "SPDXRef-DOCUMENT") described.insert(to);
    else if (type == "DESCRIBED_BY" && to == "SPDXRef-DOCUMENT") described.insert(from);
  auto describes = ctx.arr(doc, "documentDescribes", "");  // SPDX 2.2 style
  if (!describes) return describes.error();
  if (*describes)
    for (size_t i = 0; i < (*describes)->size(); ++i) {
      const json& d = (**describes)[i];
      if (!d.is_string())
        return ctx.error(index_path("documentDescribes", i), std::string("expected a string, found ") + type_name(d));
      described.insert(d.get<std::string>());
    }

  Graph g;
  auto packages = ctx.arr(doc, "packages", "");
  if (!packages) return packages.error();
  if (*packages && (*packages)->size() > kMaxComponents)
    return ctx.error("packages", "more than " + std::to_string(kMaxComponents) + " packages", ErrorCode::kLimitExceeded);
  std::set<std::string> seen_ids;
  if (*packages) {
    for (size_t i = 0; i < (*packages)->size(); ++i) {
      const json& p = (**packages)[i];
      std::string pp = index_path("packages", i);
      if (auto st = ctx.need_object(p, pp); !st) return st.error();
      auto id = ctx.required_str(p, "SPDXID", pp);
      if (!id) return id.error();
      if (!seen_ids.insert(*id).second) return ctx.error(key_path(pp, "SPDXID"), "duplicate SPDXID \"" + *id + "\"");
      auto name = ctx.required_str(p, "name", pp);
      if (!name) return name.error();
      auto version = ctx.str(p, "versionInfo", pp);
      if (!version) return version.error();
      auto purpose = ctx.str(p, "primaryPackagePurpose", pp);
      if (!purpose) return purpose.error();
      auto description = ctx.str(p, "description", pp);
      if (!description) return description.error();

      Element e;
      e.ref = *id;
      e.jpath = pp;
      e.name = *name;
      e.version = *version;
      // Annotations "bulwark:key=value" carry what SPDX has no field for.
      auto notes = ctx.arr(p, "annotations", pp);
      if (!notes) return notes.error();
      if (*notes)
        for (size_t k = 0; k < (*notes)->size(); ++k) {
          const json& a = (**notes)[k];
          std::string ap = index_path(key_path(pp, "annotations"), k);
          if (auto st = ctx.need_object(a, ap); !st) return st.error();
          auto comment = ctx.str(a, "comment", ap);
          if (!comment) return comment.error();
          if (!starts_with(*comment, "bulwark:")) continue;
          size_t eq = comment->find('=');
          if (eq == std::string::npos) continue;
          e.props.emplace(comment->substr(8, eq - 8), comment->substr(eq + 1));
        }
      auto refs = ctx.arr(p, "externalRefs", pp);
      if (!refs) return refs.error();
      if (*refs)
        for (size_t k = 0; k < (*refs)->size(); ++k) {
          const json& x = (**refs)[k];
          std::string xp = index_path(key_path(pp, "externalRefs"), k);
          if (auto st = ctx.need_object(x, xp); !st) return st.error();
          auto type = ctx.str(x, "referenceType", xp);
          if (!type) return type.error();
          auto loc = ctx.str(x, "referenceLocator", xp);
          if (!loc) return loc.error();
          if (*type == "purl" && e.purl.empty()) {
            e.purl = *loc;
            e.purl_path = key_path(xp, "referenceLocator");
          }
        }

      if (*purpose == "OPERATING-SYSTEM" && e.purl.empty()) {
        if (g.os) {
          ctx.warn(pp, "a second operating system ('" + *name + "') is ignored");
        } else {
          OsInfo os;
          os.family = to_lower(*name);
          os.version = *version;
          os.pretty_name = *description;
          os.name = e.props["os_name"];
          os.codename = e.props["codename"];
          os.eol = e.props["eol"];
          os.distroless = e.props["distroless"] == "true";
          os.location.layer = e.props["layer_diff_id"];
          os.location.path = e.props["location_path"];
          g.os = os;
        }
        continue;
      }
      if (described.count(*id) && e.purl.empty()) {
        r.target.artifact.name = *name;
        r.target.digest = e.props["image_digest"];
        r.target.artifact.manifest_digest = e.props["image_digest"];
        r.target.artifact.config_digest = e.props["image_id"];
        if (e.props.count("repository_commit") || e.props.count("repository_branch") || e.props.count("repository_url"))
          r.target.repository = RepositoryInfo{e.props["repository_commit"], e.props["repository_branch"],
                                               e.props["repository_url"]};
        continue;
      }
      if (e.purl.empty() && e.props.count("type")) {  // an application holder written by Bulwark
        std::string path = e.props.count("package_path") ? e.props["package_path"] : *name;
        if (g.apps.emplace(*id, Graph::App{e.props["type"], path}).second) g.app_order.push_back(*id);
        continue;
      }
      if (e.purl.empty() && (*purpose == "APPLICATION" || *purpose == "CONTAINER" || *purpose == "SOURCE" ||
                             *purpose == "FILE" || *purpose == "ARCHIVE") && !e.props.count("ecosystem")) {
        // A grouping package from another tool (an image, a lockfile):
        // its contents become an application named after it.
        if (g.apps.emplace(*id, Graph::App{"", *name}).second) g.app_order.push_back(*id);
        continue;
      }
      auto declared = ctx.str(p, "licenseDeclared", pp);
      if (!declared) return declared.error();
      auto concluded = ctx.str(p, "licenseConcluded", pp);
      if (!concluded) return concluded.error();
      e.licenses = split_licenses(!declared->empty() && *declared != "NOASSERTION" ? *declared : *concluded, extracted);
      auto supplier = ctx.str(p, "supplier", pp);
      if (!supplier) return supplier.error();
      e.maintainer = maintainer_from_supplier(*supplier);
      auto source = ctx.str(p, "sourceInfo", pp);
      if (!source) return source.error();
      if (starts_with(*source, "built package from: ")) {
        std::string rest = source->substr(20);
        size_t sp = rest.find(' ');
        e.src_name = rest.substr(0, sp);
        if (sp != std::string::npos) e.src_version = rest.substr(sp + 1);
      }
      auto sums = ctx.arr(p, "checksums", pp);
      if (!sums) return sums.error();
      if (*sums)
        for (size_t k = 0; k < (*sums)->size(); ++k) {
          const json& s = (**sums)[k];
          std::string sp = index_path(key_path(pp, "checksums"), k);
          if (auto st = ctx.need_object(s, sp); !st) return st.error();
          auto alg = ctx.str(s, "algorithm", sp);
          if (!alg) return alg.error();
          auto value = ctx.str(s, "checksumValue", sp);
          if (!value) return value.error();
          keep_preferred_digest(e.digest, *alg, *value);
        }
      g.packages.push_back(std::move(e));
    }
  }

  // Edges and grouping between the elements read above. "X <kind>_DEPENDENCY_OF
  // Y" is an edge Y -> X; a development or test dependency marks X as dev.
  std::set<std::string> dev_refs;
  for (const auto& [from, type, to] : rels) {
    if (type == "DEPENDS_ON") {
      g.depends[from].push_back(to);
      if (g.apps.count(from)) g.app_of.emplace(to, from);
    } else if (ends_with(type, "DEPENDENCY_OF")) {
      g.depends[to].push_back(from);
      if (g.apps.count(to)) g.app_of.emplace(from, to);
      if (type == "DEV_DEPENDENCY_OF" || type == "TEST_DEPENDENCY_OF") dev_refs.insert(from);
    } else if (type == "CONTAINS" && g.apps.count(from)) {
      g.app_of.emplace(to, from);
    } else if (type == "CONTAINED_BY" && g.apps.count(to)) {
      g.app_of.emplace(from, to);
    }
  }
  for (auto& e : g.packages)
    if (dev_refs.count(e.ref) && !e.props.count("dev")) e.props["dev"] = "true";
  if (auto st = build_inventory(ctx, g, r.inventory); !st) return st.error();
  auto files = ctx.arr(doc, "files", "");
  if (!files) return files.error();
  if (*files && !(*files)->empty())
    ctx.warn("files", std::to_string((*files)->size()) + " file entries are not imported (packages only)");
  r.diagnostics = std::move(ctx.diagnostics);
  return r;
}

}  // namespace bulwark::report::sbom
