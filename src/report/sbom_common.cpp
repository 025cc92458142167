#include <algorithm>
#include <cctype>
#include <set>

#include "core/core.hpp"
#include "report/sbom_common.hpp"

namespace bulwark::report {

namespace sbom {

std::string key_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}
std::string index_path(const std::string& parent, size_t i) { return parent + "[" + std::to_string(i) + "]"; }

void keep_preferred_digest(std::string& digest, std::string_view algorithm, std::string_view value) {
  std::string a = to_lower(algorithm);
  a.erase(std::remove(a.begin(), a.end(), '-'), a.end());
  if (a != "sha256" && a != "sha1" && a != "sha512" && a != "md5") return;
  if (digest.empty() || a == "sha256") digest = a + ":" + to_lower(value);
}

const char* type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "a number";
    default: return "an unexpected value";
  }
}

Result<std::string> Ctx::str(const json& o, std::string_view key, const std::string& parent) const {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return std::string();
  if (!it->is_string()) return error(key_path(parent, key), std::string("expected a string, found ") + type_name(*it));
  return it->get<std::string>();
}

Result<std::string> Ctx::required_str(const json& o, std::string_view key, const std::string& parent) const {
  auto v = str(o, key, parent);
  if (v && v->empty()) return error(key_path(parent, key), "required field is missing");
  return v;
}

Result<const json*> Ctx::arr(const json& o, std::string_view key, const std::string& parent) const {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return static_cast<const json*>(nullptr);
  if (!it->is_array()) return error(key_path(parent, key), std::string("expected an array, found ") + type_name(*it));
  return &*it;
}

Result<const json*> Ctx::obj(const json& o, std::string_view key, const std::string& parent) const {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return static_cast<const json*>(nullptr);
  if (!it->is_object()) return error(key_path(parent, key), std::string("expected an object, found ") + type_name(*it));
  return &*it;
}

Status Ctx::need_object(const json& j, const std::string& jpath) const {
  if (!j.is_object()) return error(jpath, std::string("expected an object, found ") + type_name(j));
  return {};
}

namespace {

bool is_os_type(const std::string& t) { return t == "deb" || t == "apk" || t == "rpm"; }

std::string prop(const Element& e, const char* key) {
  auto it = e.props.find(key);
  return it == e.props.end() ? std::string() : it->second;
}

// "debian-12.5" -> {"debian", "12.5"}; "opensuse-leap-15.5" -> {"opensuse-leap", "15.5"}.
std::pair<std::string, std::string> split_distro(const std::string& distro) {
  for (size_t i = distro.size(); i-- > 0;)
    if (distro[i] == '-' && i + 1 < distro.size() && std::isdigit(static_cast<unsigned char>(distro[i + 1])))
      return {distro.substr(0, i), distro.substr(i + 1)};
  return {distro, ""};
}

// Leading "N:" epoch of a version, or -1.
int version_epoch(const std::string& v) {
  size_t colon = v.find(':');
  if (colon == std::string::npos || colon == 0 || colon > 9) return -1;
  for (size_t i = 0; i < colon; ++i)
    if (!std::isdigit(static_cast<unsigned char>(v[i]))) return -1;
  return std::stoi(v.substr(0, colon));
}

// The package name an ecosystem uses, from a purl's namespace and name.
std::string name_from_purl(const Purl& p) {
  if (p.ns.empty() || is_os_type(p.type)) return p.name;
  if (p.type == "maven") return p.ns + ":" + p.name;
  return p.ns + "/" + p.name;  // npm "@scope/name", golang, composer, github, ...
}

}  // namespace

Status build_inventory(Ctx& ctx, Graph& g, Inventory& inv) {
  if (g.os) inv.os = g.os;
  // Packages reached through the dependency graph from an application's own
  // packages belong to it as well (writers that let an application depend on
  // its direct packages only, as Bulwark and Trivy do).
  {
    std::vector<std::pair<std::string, std::string>> queue;  // package ref, application ref
    for (const auto& e : g.packages)
      if (auto it = g.app_of.find(e.ref); it != g.app_of.end()) queue.emplace_back(e.ref, it->second);
    for (size_t i = 0; i < queue.size(); ++i) {
      auto deps = g.depends.find(queue[i].first);
      if (deps == g.depends.end()) continue;
      std::string app = queue[i].second;
      for (const auto& to : deps->second)
        if (g.app_of.emplace(to, app).second) queue.emplace_back(to, app);
    }
  }
  struct Built {
    Package pkg;
    bool os = false;
    std::string app_ref;  // key into g.apps (synthesised when needed)
  };
  std::vector<Built> built;
  std::map<std::string, size_t> by_ref;
  std::optional<Purl> first_os_purl;

  for (const Element& e : g.packages) {
    Package p;
    std::optional<Purl> purl;
    if (!e.purl.empty()) {
      auto parsed = parse_purl(e.purl);
      if (!parsed) return ctx.error(e.purl_path, parsed.error().message + " (\"" + e.purl + "\")");
      purl = std::move(*parsed);
    }
    p.ecosystem = prop(e, "ecosystem");
    if (p.ecosystem.empty() && purl) p.ecosystem = purl->type;
    if (p.ecosystem.empty()) {
      ctx.warn(e.jpath, "component '" + e.name + "' has no package URL, so its ecosystem is unknown; skipped");
      continue;
    }
    p.name = purl ? name_from_purl(*purl) : e.name;
    if (p.name.empty()) p.name = e.name;
    p.version = !e.version.empty() ? e.version : purl ? purl->version : "";
    p.purl = e.purl;
    bool os = is_os_type(p.ecosystem);
    if (os) {
      std::string epoch_text = prop(e, "epoch");
      if (epoch_text.empty() && purl) epoch_text = purl->qualifier("epoch");
      if (!epoch_text.empty()) {
        if (epoch_text.size() > 9 || !std::all_of(epoch_text.begin(), epoch_text.end(),
                                                   [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
          return ctx.error(e.purl_path, "epoch '" + epoch_text + "' is not a number");
        p.epoch = std::stoi(epoch_text);
      }
      int in_version = version_epoch(p.version);
      if (p.epoch > 0 && in_version < 0) p.version = std::to_string(p.epoch) + ":" + p.version;
      if (p.epoch == 0 && in_version > 0) p.epoch = in_version;
      if (!first_os_purl && purl) first_os_purl = purl;
    }
    p.arch = prop(e, "arch");
    if (p.arch.empty() && purl) p.arch = purl->qualifier("arch");
    p.release = prop(e, "release");
    if (p.release.empty() && p.ecosystem == "rpm") {
      std::string v = p.version.substr(p.version.find(':') == std::string::npos ? 0 : p.version.find(':') + 1);
      if (size_t dash = v.rfind('-'); dash != std::string::npos) p.release = v.substr(dash + 1);
    }
    p.src_name = !prop(e, "src_name").empty() ? prop(e, "src_name") : e.src_name;
    p.src_version = !prop(e, "src_version").empty() ? prop(e, "src_version") : e.src_version;
    p.licenses = e.licenses;
    p.maintainer = e.maintainer;
    p.digest = e.digest;
    p.location.layer = prop(e, "layer_diff_id");
    p.location.path = prop(e, "location_path");
    p.relationship = parse_relationship(prop(e, "relationship"));
    p.dev = prop(e, "dev") == "true";
    p.id = prop(e, "package_id");
    if (p.id.empty()) p.id = make_package_id(p);

    Built b;
    b.os = os;
    if (!os) {
      if (auto it = g.app_of.find(e.ref); it != g.app_of.end() && g.apps.count(it->second)) {
        b.app_ref = it->second;
      } else {
        // No containing application in the document: group by the recorded
        // lockfile path, else by ecosystem under the SBOM's own name.
        std::string path = prop(e, "package_path");
        std::string type = p.ecosystem;
        for (const auto& [ref, app] : g.apps)
          if (!path.empty() && app.path == path) {
            b.app_ref = ref;
            break;
          }
        if (b.app_ref.empty()) {
          if (path.empty()) path = ctx.file;
          b.app_ref = "\x1f" + type + "\x1f" + path;
          if (g.apps.emplace(b.app_ref, Graph::App{type, path}).second) g.app_order.push_back(b.app_ref);
        }
      }
    }
    b.pkg = std::move(p);
    if (!e.ref.empty()) by_ref.emplace(e.ref, built.size());
    built.push_back(std::move(b));
  }

  // Dependency edges as package ids.
  for (const auto& [from, tos] : g.depends) {
    auto f = by_ref.find(from);
    if (f == by_ref.end()) continue;  // the target, the OS or an application
    Package& p = built[f->second].pkg;
    for (const auto& to : tos) {
      auto t = by_ref.find(to);
      if (t == by_ref.end() || t->second == f->second) continue;
      const std::string& id = built[t->second].pkg.id;
      if (std::find(p.depends_on.begin(), p.depends_on.end(), id) == p.depends_on.end()) p.depends_on.push_back(id);
    }
  }

  // An OS named only by its packages' purls (distro qualifier or namespace).
  if (!inv.os && first_os_purl) {
    OsInfo os;
    std::string distro = first_os_purl->qualifier("distro");
    if (!distro.empty() && std::isdigit(static_cast<unsigned char>(distro[0])))
      os.version = distro;  // Alpine writes "distro=3.18.4": the family is the namespace
    else if (!distro.empty())
      std::tie(os.family, os.version) = split_distro(distro);
    if (os.family.empty()) os.family = to_lower(first_os_purl->ns);
    if (!os.family.empty()) inv.os = os;
  }

  std::map<std::string, size_t> app_index;
  for (const auto& ref : g.app_order) {
    const auto& a = g.apps[ref];
    app_index[ref] = inv.applications.size();
    inv.applications.push_back(Application{a.type, a.path, {}});
  }
  for (auto& b : built) {
    if (b.os)
      inv.packages.push_back(std::move(b.pkg));
    else
      inv.applications[app_index.at(b.app_ref)].packages.push_back(std::move(b.pkg));
  }
  // Applications from other tools may carry no type: name them after their
  // packages' ecosystem.
  for (auto& app : inv.applications)
    if (app.type.empty()) app.type = app.packages.empty() ? "unknown" : app.packages.front().ecosystem;
  return {};
}

}  // namespace sbom

Result<Report> read_sbom(std::string_view text, const std::string& path) {
  sbom::Ctx ctx;
  ctx.file = path;
  if (text.size() > limits().max_sbom_bytes)
    return ctx.error("", "SBOM is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                             std::to_string(limits().max_sbom_bytes),
                     ErrorCode::kLimitExceeded);
  std::string_view head = trim(text.substr(0, 256));
  if (starts_with(head, "\xEF\xBB\xBF")) head.remove_prefix(3);  // UTF-8 byte order mark
  if (starts_with(head, "SPDXVersion:") || starts_with(head, "##") || starts_with(head, "DataLicense:"))
    return ctx.error("",
                     "SPDX tag-value documents are not supported; Bulwark reads SPDX 2.2/2.3 JSON and CycloneDX "
                     "1.2-1.6 JSON (convert the document to SPDX JSON first)",
                     ErrorCode::kUnsupported);
  if (starts_with(head, "<"))
    return ctx.error("", "XML SBOMs (CycloneDX XML, SPDX RDF/XML) are not supported; use the JSON form",
                     ErrorCode::kUnsupported);
  auto parsed = parse_json(text, path);
  if (!parsed) return parsed.error();
  const json& doc = *parsed;
  if (!doc.is_object())
    return ctx.error("", std::string("an SBOM must be a JSON object, found ") + sbom::type_name(doc));
  try {
    if (doc.contains("bomFormat")) return sbom::read_cyclonedx(doc, ctx);
    if (doc.contains("spdxVersion")) return sbom::read_spdx(doc, ctx);
    if (doc.contains("@context") || doc.contains("@graph"))
      return ctx.error("", "SPDX 3 (JSON-LD) documents are not supported; Bulwark reads SPDX 2.2/2.3 JSON",
                       ErrorCode::kUnsupported);
    return ctx.error("", "not an SBOM: neither CycloneDX (no \"bomFormat\") nor SPDX (no \"spdxVersion\")",
                     ErrorCode::kUnsupported);
  } catch (const json::exception& e) {
    // The readers check types before access; this is a safety net.
    return ctx.error("", std::string("unexpected JSON shape: ") + e.what());
  } catch (const std::exception& e) {
    return ctx.error("", std::string("cannot read the SBOM: ") + e.what());
  }
}

}  // namespace bulwark::report
