// CycloneDX JSON (1.2-1.6) -> Report. The metadata component names the target;
// "operating-system" components give the OS; components with a package URL
// become packages; "application" components carrying bulwark:type group the
// packages that the dependency graph (or nesting) puts under them.
#include "core/core.hpp"
#include "report/sbom_common.hpp"

namespace bulwark::report::sbom {

namespace {

struct CdxReader {
  Ctx& ctx;
  Graph g;
  size_t count = 0;

  // bulwark:* properties (key without the prefix); repeated keys keep the first.
  Status properties(const json& c, const std::string& jpath, std::map<std::string, std::string>& props,
                    std::vector<std::string>* repo_tags = nullptr) {
    auto list = ctx.arr(c, "properties", jpath);
    if (!list) return list.error();
    if (!*list) return {};
    for (size_t i = 0; i < (*list)->size(); ++i) {
      const json& p = (**list)[i];
      std::string pp = index_path(key_path(jpath, "properties"), i);
      if (auto st = ctx.need_object(p, pp); !st) return st.error();
      auto name = ctx.str(p, "name", pp);
      if (!name) return name.error();
      auto value = ctx.str(p, "value", pp);
      if (!value) return value.error();
      std::string key;
      if (starts_with(*name, "bulwark:")) {
        key = name->substr(8);
      } else {
        // Trivy's property names for the same facts, so its SBOMs read as well.
        static const std::pair<const char*, const char*> kTrivy[] = {
            {"aquasecurity:trivy:SrcName", "src_name"},
            {"aquasecurity:trivy:SrcVersion", "src_version"},
            {"aquasecurity:trivy:LayerDiffID", "layer_diff_id"},
            {"aquasecurity:trivy:Type", "type"},
        };
        for (const auto& [from, to] : kTrivy)
          if (*name == from) key = to;
        if (key.empty()) continue;
      }
      if (repo_tags && key == "repo_tag") repo_tags->push_back(*value);
      props.emplace(std::move(key), std::move(*value));
    }
    return {};
  }

  Status licenses(const json& c, const std::string& jpath, std::vector<std::string>& out) {
    auto list = ctx.arr(c, "licenses", jpath);
    if (!list) return list.error();
    if (!*list) return {};
    for (size_t i = 0; i < (*list)->size(); ++i) {
      const json& l = (**list)[i];
      std::string lp = index_path(key_path(jpath, "licenses"), i);
      if (auto st = ctx.need_object(l, lp); !st) return st.error();
      auto expr = ctx.str(l, "expression", lp);
      if (!expr) return expr.error();
      if (!expr->empty()) {
        out.push_back(*expr);
        continue;
      }
      auto lic = ctx.obj(l, "license", lp);
      if (!lic) return lic.error();
      if (!*lic) continue;
      std::string lpp = key_path(lp, "license");
      auto id = ctx.str(**lic, "id", lpp);
      if (!id) return id.error();
      auto name = ctx.str(**lic, "name", lpp);
      if (!name) return name.error();
      if (!id->empty()) out.push_back(*id);
      else if (!name->empty()) out.push_back(*name);
    }
    return {};
  }

  Status hashes(const json& c, const std::string& jpath, std::string& digest) {
    auto list = ctx.arr(c, "hashes", jpath);
    if (!list) return list.error();
    if (!*list) return {};
    for (size_t i = 0; i < (*list)->size(); ++i) {
      const json& h = (**list)[i];
      std::string hp = index_path(key_path(jpath, "hashes"), i);
      if (auto st = ctx.need_object(h, hp); !st) return st.error();
      auto alg = ctx.str(h, "alg", hp);
      if (!alg) return alg.error();
      auto content = ctx.str(h, "content", hp);
      if (!content) return content.error();
      keep_preferred_digest(digest, *alg, *content);
    }
    return {};
  }

  Status component(const json& c, const std::string& jpath, const std::string& parent_app) {
    if (auto st = ctx.need_object(c, jpath); !st) return st.error();
    if (++count > kMaxComponents)
      return ctx.error(jpath, "more than " + std::to_string(kMaxComponents) + " components", ErrorCode::kLimitExceeded);
    auto type = ctx.required_str(c, "type", jpath);
    if (!type) return type.error();
    auto name = ctx.required_str(c, "name", jpath);
    if (!name) return name.error();
    auto ref = ctx.str(c, "bom-ref", jpath);
    if (!ref) return ref.error();
    auto version = ctx.str(c, "version", jpath);
    if (!version) return version.error();
    auto group = ctx.str(c, "group", jpath);
    if (!group) return group.error();
    auto purl = ctx.str(c, "purl", jpath);
    if (!purl) return purl.error();
    auto description = ctx.str(c, "description", jpath);
    if (!description) return description.error();
    std::map<std::string, std::string> props;
    if (auto st = properties(c, jpath, props); !st) return st.error();
    std::string self_ref = !ref->empty() ? *ref : "\x1f" + jpath;  // components without bom-ref still group
    std::string app_for_children = parent_app;

    if (*type == "operating-system") {
      if (g.os) {
        ctx.warn(jpath, "a second operating-system component ('" + *name + "') is ignored");
      } else {
        OsInfo os;
        os.family = to_lower(*name);
        os.version = *version;
        os.pretty_name = *description;
        os.name = props["os_name"];
        os.codename = props["codename"];
        os.eol = props["eol"];
        os.distroless = props["distroless"] == "true";
        os.location.layer = props["layer_diff_id"];
        os.location.path = props["location_path"];
        g.os = os;
      }
    } else if (*type == "application" && purl->empty()) {
      // An application holder (a lockfile or binary): its packages hang below
      // it in the dependency graph or as nested components. Without a type
      // property it is named after its packages' ecosystem later.
      std::string path = props.count("package_path") ? props["package_path"] : *name;
      if (g.apps.emplace(self_ref, Graph::App{props["type"], path}).second) g.app_order.push_back(self_ref);
      app_for_children = self_ref;
    } else if (*type == "library" || *type == "framework" || *type == "application" || *type == "module") {
      Element e;
      e.ref = self_ref;
      e.jpath = jpath;
      e.name = group->empty() ? *name : (props.count("ecosystem") && props["ecosystem"] == "maven" ? *group + ":" + *name
                                                                                                  : *group + "/" + *name);
      e.version = *version;
      e.purl = *purl;
      e.purl_path = key_path(jpath, "purl");
      if (auto st = licenses(c, jpath, e.licenses); !st) return st.error();
      if (auto st = hashes(c, jpath, e.digest); !st) return st.error();
      auto supplier = ctx.obj(c, "supplier", jpath);
      if (!supplier) return supplier.error();
      if (*supplier) {
        auto sname = ctx.str(**supplier, "name", key_path(jpath, "supplier"));
        if (!sname) return sname.error();
        e.maintainer = *sname;
      }
      if (e.maintainer.empty()) {
        auto publisher = ctx.str(c, "publisher", jpath);
        if (!publisher) return publisher.error();
        e.maintainer = *publisher;
      }
      // CycloneDX's "excluded" scope is for test and other non-runtime use:
      // a development-only dependency.
      auto scope = ctx.str(c, "scope", jpath);
      if (!scope) return scope.error();
      if (*scope == "excluded" && !props.count("dev")) props["dev"] = "true";
      e.props = std::move(props);
      if (!parent_app.empty()) g.app_of.emplace(self_ref, parent_app);
      g.packages.push_back(std::move(e));
    } else {
      ctx.warn(jpath, "component '" + *name + "' of type '" + *type + "' is not a package; skipped");
    }

    auto children = ctx.arr(c, "components", jpath);
    if (!children) return children.error();
    if (*children)
      for (size_t i = 0; i < (*children)->size(); ++i)
        if (auto st = component((**children)[i], index_path(key_path(jpath, "components"), i), app_for_children); !st)
          return st;
    return {};
  }

  Status dependencies(const json& doc) {
    auto list = ctx.arr(doc, "dependencies", "");
    if (!list) return list.error();
    if (!*list) return {};
    for (size_t i = 0; i < (*list)->size(); ++i) {
      const json& d = (**list)[i];
      std::string dp = index_path("dependencies", i);
      if (auto st = ctx.need_object(d, dp); !st) return st.error();
      auto ref = ctx.required_str(d, "ref", dp);
      if (!ref) return ref.error();
      auto on = ctx.arr(d, "dependsOn", dp);
      if (!on) return on.error();
      if (!*on) continue;
      bool from_app = g.apps.count(*ref) > 0;
      for (size_t k = 0; k < (*on)->size(); ++k) {
        const json& t = (**on)[k];
        if (!t.is_string())
          return ctx.error(index_path(key_path(dp, "dependsOn"), k), std::string("expected a string, found ") + type_name(t));
        std::string to = t.get<std::string>();
        if (from_app)
          g.app_of.emplace(to, *ref);
        else
          g.depends[*ref].push_back(std::move(to));
      }
    }
    return {};
  }
};

}  // namespace

Result<Report> read_cyclonedx(const json& doc, Ctx& ctx) {
  auto format = ctx.str(doc, "bomFormat", "");
  if (!format) return format.error();
  if (*format != "CycloneDX") return ctx.error("bomFormat", "expected \"CycloneDX\", found \"" + *format + "\"");
  auto spec = ctx.required_str(doc, "specVersion", "");
  if (!spec) return spec.error();
  static const char* kSupported[] = {"1.2", "1.3", "1.4", "1.5", "1.6"};
  if (std::find(std::begin(kSupported), std::end(kSupported), *spec) == std::end(kSupported)) {
    if (*spec == "1.0" || *spec == "1.1")
      return ctx.error("specVersion", "CycloneDX " + *spec + " has no JSON form; Bulwark reads CycloneDX 1.2-1.6 JSON",
                       ErrorCode::kUnsupported);
    if (!starts_with(*spec, "1.")) return ctx.error("specVersion", "unknown CycloneDX version \"" + *spec + "\"", ErrorCode::kUnsupported);
    ctx.warn("specVersion", "CycloneDX " + *spec + " is newer than 1.6; reading it as 1.6");
  }

  Report r;
  r.created_at = now_rfc3339();
  r.tool.version = std::string(tool_version());
  r.target.kind = TargetKind::kSbom;
  r.target.reference = ctx.file;
  r.target.artifact.name = ctx.file;

  CdxReader reader{ctx, {}, 0};
  auto metadata = ctx.obj(doc, "metadata", "");
  if (!metadata) return metadata.error();
  if (*metadata) {
    auto comp = ctx.obj(**metadata, "component", "metadata");
    if (!comp) return comp.error();
    if (*comp) {
      auto name = ctx.str(**comp, "name", "metadata.component");
      if (!name) return name.error();
      if (!name->empty()) r.target.artifact.name = *name;
      std::map<std::string, std::string> props;
      if (auto st = reader.properties(**comp, "metadata.component", props, &r.target.artifact.repo_tags); !st) return st.error();
      r.target.digest = props["image_digest"];
      r.target.artifact.manifest_digest = props["image_digest"];
      r.target.artifact.config_digest = props["image_id"];
      if (props.count("repository_commit") || props.count("repository_branch") || props.count("repository_url"))
        r.target.repository = RepositoryInfo{props["repository_commit"], props["repository_branch"],
                                             props["repository_url"]};
      // The target's own nested components (some tools put packages there).
      auto nested = ctx.arr(**comp, "components", "metadata.component");
      if (!nested) return nested.error();
      if (*nested)
        for (size_t i = 0; i < (*nested)->size(); ++i)
          if (auto st = reader.component((**nested)[i], index_path("metadata.component.components", i), ""); !st) return st.error();
    }
  }
  auto components = ctx.arr(doc, "components", "");
  if (!components) return components.error();
  if (*components)
    for (size_t i = 0; i < (*components)->size(); ++i)
      if (auto st = reader.component((**components)[i], index_path("components", i), ""); !st) return st.error();
  if (auto st = reader.dependencies(doc); !st) return st.error();
  auto vulns = ctx.arr(doc, "vulnerabilities", "");
  if (!vulns) return vulns.error();
  if (*vulns && !(*vulns)->empty())
    ctx.warn("vulnerabilities", std::to_string((*vulns)->size()) +
                                    " vulnerability entries are not imported; Bulwark matches the packages itself");

  if (auto st = build_inventory(ctx, reader.g, r.inventory); !st) return st.error();
  r.diagnostics = std::move(ctx.diagnostics);
  return r;
}

}  // namespace bulwark::report::sbom
