// The patch plan of a scan (docs/server/patch-plan.md): the smallest upgrade
// per vulnerable package, whether it came with the base image, the
// base-image advice and the end-of-life warnings.
#include <algorithm>
#include <cstdio>
#include <set>
#include <tuple>

#include "core/json.hpp"
#include "enrich/enrich.hpp"
#include "enrich/internal.hpp"
#include "version/version.hpp"

namespace bulwark::enrich {

namespace {

// Warn this many days before a release's end of life.
constexpr int64_t kEolWarningDays = 90;

std::string trim_copy(std::string_view s) { return std::string(trim(s)); }

// "CMD ["bash"]" (BuildKit), "/bin/sh -c #(nop)  CMD ["bash"]" (classic
// builder), likewise ENTRYPOINT: the instruction that ends a base image's
// Dockerfile in practice.
bool is_cmd_or_entrypoint(std::string_view created_by) {
  std::string s = trim_copy(created_by);
  for (const char* prefix : {"/bin/sh -c #(nop)", "|"}) {
    if (starts_with(s, prefix)) {
      s = trim_copy(std::string_view(s).substr(std::string_view(prefix).size()));
      break;
    }
  }
  return starts_with(s, "CMD ") || starts_with(s, "CMD[") || starts_with(s, "ENTRYPOINT ") ||
         starts_with(s, "ENTRYPOINT[");
}

// A layer that unpacks a root file system: "ADD file:<hash> in / " (classic
// builder), "ADD alpine-minirootfs-….tar.gz / # buildkit", debuerreotype's
// "# debian.sh --arch 'amd64' out/ 'bookworm' '@…'".
bool is_rootfs_import(std::string_view created_by) {
  std::string s = trim_copy(created_by);
  if (starts_with(s, "/bin/sh -c #(nop)")) s = trim_copy(std::string_view(s).substr(17));
  if (starts_with(s, "# debian.sh") || starts_with(s, "#(nop) ADD file:")) return true;
  if (!starts_with(s, "ADD ")) return false;
  if (s.find(" in / ") != std::string::npos || (s.size() >= 5 && s.compare(s.size() - 5, 5, " in /") == 0)) return true;
  bool to_root = s.find(" / ") != std::string::npos || (s.size() >= 2 && s.compare(s.size() - 2, 2, " /") == 0);
  return s.find(".tar") != std::string::npos && to_root;
}

struct Group {
  std::string name, version, ecosystem, layer, purl;
  std::vector<const Finding*> findings;
};

struct Pick {
  std::string version;  // the smallest fixed version above the installed one
  bool ok = false;
};

// The smallest fixed version greater than `installed` in the ecosystem's
// ordering. Without an ordering for the ecosystem (or unparsable versions) a
// single listed version is taken as it is.
Pick smallest_fix(const std::string& ecosystem, const std::string& installed, const std::vector<std::string>& fixed,
                  std::vector<std::string>& notes) {
  auto scheme = version::lookup_ecosystem(ecosystem);
  if (scheme) {
    auto inst = version::parse(*scheme, installed);
    std::optional<version::Version> best;
    for (const auto& text : fixed) {
      auto v = version::parse(*scheme, text);
      if (!v) continue;
      if (inst && !(*inst < *v)) continue;  // not an upgrade from what is installed
      if (!best || *v < *best) best = *v;
    }
    if (best) return {best->text(), true};
    if (inst) return {};  // every fixed version is at or below the installed one
  }
  if (fixed.size() == 1) {
    notes.push_back("cannot order versions of ecosystem '" + ecosystem + "'; took " + fixed[0] + " as listed");
    return {fixed[0], true};
  }
  return {};
}

// The larger of two versions of the ecosystem; `a` when they cannot be ordered.
std::string max_version(const std::string& ecosystem, const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  auto c = version::compare(ecosystem, a, b);
  if (c && *c < 0) return b;
  return a;
}

std::string os_family_key(const OsInfo& os) {
  if (os.family == "centos" && to_lower(os.name).find("stream") != std::string::npos) return "centos-stream";
  return os.family;
}

// End-of-life warnings of one OS; `prefix` names the image for host scans.
void eol_warnings(const OsInfo& os, const std::optional<OsRelease>& rel, const std::string& today,
                  const std::string& prefix, std::vector<std::string>& out) {
  if (!rel) return;
  auto now = detail::day_number(today);
  auto eol = detail::day_number(rel->eol);
  if (!now || !eol) return;
  if (*eol <= *now) {
    std::string w = prefix + rel->name + " reached end of life on " + rel->eol;
    if (!rel->extended.empty() && rel->extended > today) w += " (paid extended support until " + rel->extended + ")";
    out.push_back(w);
    return;
  }
  if (!rel->standard_eol.empty() && rel->standard_eol <= today) {
    out.push_back(prefix + rel->name + ": regular security support ended on " + rel->standard_eol +
                  "; long-term support continues until " + rel->eol);
  }
  if (*eol - *now <= kEolWarningDays)
    out.push_back(prefix + rel->name + " reaches end of life on " + rel->eol + " (in " + std::to_string(*eol - *now) +
                  " days)");
  (void)os;
}

}  // namespace

size_t base_image_layers(const std::vector<HistoryStep>& history, const std::vector<Layer>& layers) {
  if (layers.empty()) return 0;
  // With the history: the base image's Dockerfile ended at its first CMD or
  // ENTRYPOINT; its layers are the non-empty entries up to there.
  for (size_t i = 0; i < history.size(); ++i) {
    if (!history[i].empty_layer || !is_cmd_or_entrypoint(history[i].created_by)) continue;
    size_t count = 0;
    for (size_t k = 0; k <= i; ++k)
      if (!history[k].empty_layer) ++count;
    return std::min(count, layers.size());
  }
  // Without it (or without a CMD): the leading root-file-system layers. An
  // image whose first layer has no history at all still starts with its
  // base's first layer; one whose first layer is something else (FROM
  // scratch + COPY) has no base image.
  size_t count = 0;
  while (count < layers.size() && is_rootfs_import(layers[count].created_by)) ++count;
  if (count == 0 && trim(layers[0].created_by).empty()) count = 1;
  return count;
}

PatchPlan plan_patches(const Report& scan, const PatchOptions& options) {
  PatchPlan plan;
  const std::string today = options.today.empty() ? detail::today_utc() : options.today;
  const auto& layers = scan.target.artifact.layers;
  plan.base_layers = base_image_layers(options.history, layers);
  auto layer_index = [&](const std::string& diff_id) -> std::optional<size_t> {
    for (size_t i = 0; i < layers.size(); ++i)
      if (layers[i].diff_id == diff_id) return i;
    return std::nullopt;
  };

  // Group open vulnerability findings by package.
  std::map<std::tuple<std::string, std::string, std::string, std::string>, Group> groups;
  for (const auto& f : scan.findings) {
    if (f.kind != FindingKind::kVulnerability || f.status != FindingStatus::kOpen || f.package_name.empty()) continue;
    auto key = std::make_tuple(f.package_name, f.package_version, f.package_ecosystem, f.location.layer);
    Group& g = groups[key];
    if (g.findings.empty()) {
      g.name = f.package_name;
      g.version = f.package_version;
      g.ecosystem = f.package_ecosystem;
      g.layer = f.location.layer;
      g.purl = f.package_purl;
    }
    g.findings.push_back(&f);
  }

  size_t fixable_total = 0, fixable_base = 0;
  std::vector<std::string> notes;
  for (auto& [key, g] : groups) {
    PackagePatch pp;
    pp.name = g.name;
    pp.ecosystem = g.ecosystem;
    pp.installed = g.version;
    pp.layer = g.layer;
    pp.purl = g.purl;
    if (auto idx = layer_index(g.layer)) pp.from_base_image = *idx < plan.base_layers;
    std::set<std::string> fixes, unfixed;
    for (const Finding* f : g.findings) {
      Pick pick;
      if (!f->remediation.fixed_versions.empty())
        pick = smallest_fix(g.ecosystem, g.version, f->remediation.fixed_versions, notes);
      if (!pick.ok) {
        unfixed.insert(f->id);
        continue;
      }
      fixes.insert(f->id);
      pp.upgrade_to = max_version(g.ecosystem, pp.upgrade_to, pick.version);
      ++fixable_total;
      if (pp.from_base_image) ++fixable_base;
    }
    // An id fixed by one finding (one alias, one source) is not also unfixed.
    for (const auto& id : fixes) unfixed.erase(id);
    pp.fixes.assign(fixes.begin(), fixes.end());
    pp.unfixed.assign(unfixed.begin(), unfixed.end());
    plan.packages.push_back(std::move(pp));
  }
  std::stable_sort(plan.packages.begin(), plan.packages.end(), [](const PackagePatch& a, const PackagePatch& b) {
    bool ua = !a.upgrade_to.empty(), ub = !b.upgrade_to.empty();
    if (ua != ub) return ua;
    return std::tie(a.name, a.installed, a.layer) < std::tie(b.name, b.installed, b.layer);
  });
  std::sort(notes.begin(), notes.end());
  notes.erase(std::unique(notes.begin(), notes.end()), notes.end());

  // The OS and its support.
  std::optional<OsRelease> rel;
  if (const auto& os = scan.inventory.os) {
    rel = find_os_release(os_family_key(*os), os->version);
    OsSupport sup;
    sup.family = os->family;
    sup.version = os->version;
    sup.name = rel ? rel->name : (os->pretty_name.empty() ? os->family + " " + os->version : os->pretty_name);
    if (rel) {
      sup.eol_date = rel->eol;
      sup.eol = rel->eol <= today;
    }
    plan.os = sup;
    eol_warnings(*os, rel, today, "", plan.warnings);
    if (!rel) {
      bool known_family = false;
      for (const auto& r : os_releases()) known_family = known_family || r.family == os_family_key(*os);
      if (known_family) plan.warnings.push_back("no end-of-life data for " + sup.name);
    }
  }
  // Host scans: the OS of every container image scanned through the engine.
  if (scan.inventory.host) {
    std::set<std::string> seen;
    for (const auto& img : scan.inventory.host->image_scans) {
      if (!img.os || !seen.insert(img.image + "\n" + img.os->family + img.os->version).second) continue;
      eol_warnings(*img.os, find_os_release(os_family_key(*img.os), img.os->version), today, "image " + img.image + ": ",
                   plan.warnings);
    }
  }

  // The base image: advise rebuilding when most fixes would come from it.
  if (fixable_total > 0 && fixable_base * 2 > fixable_total) {
    BaseImageAdvice advice;
    advice.share_of_findings = static_cast<double>(fixable_base) / static_cast<double>(fixable_total);
    if (rel && rel->eol <= today) {
      auto cur = current_os_release(rel->family, today);
      if (cur && !cur->image.empty())
        advice.suggestion = "move to " + cur->image + " (" + rel->name + " reached end of life on " + rel->eol + ")";
      else
        advice.suggestion = "move to a supported distribution (" + rel->name + " reached end of life on " + rel->eol +
                            " and has no supported successor)";
    } else if (rel && !rel->image.empty()) {
      advice.suggestion = "rebuild on the current " + rel->image + " image";
    } else {
      advice.suggestion = "rebuild on the current version of the base image";
    }
    plan.base_image = advice;
  }
  for (auto& n : notes) plan.warnings.push_back(std::move(n));
  return plan;
}

std::string patch_plan_json(const PatchPlan& plan) {
  json out = json::object();
  if (plan.os) {
    out["os"] = {{"family", plan.os->family},
                 {"name", plan.os->name},
                 {"version", plan.os->version},
                 {"eol_date", plan.os->eol_date.empty() ? json(nullptr) : json(plan.os->eol_date)},
                 {"eol", plan.os->eol}};
  } else {
    out["os"] = nullptr;
  }
  json pkgs = json::array();
  for (const auto& p : plan.packages) {
    pkgs.push_back({{"name", p.name},
                    {"ecosystem", p.ecosystem},
                    {"installed", p.installed},
                    {"upgrade_to", p.upgrade_to.empty() ? json(nullptr) : json(p.upgrade_to)},
                    {"fixes", p.fixes},
                    {"unfixed", p.unfixed},
                    {"layer", p.layer},
                    {"purl", p.purl},
                    {"from_base_image", p.from_base_image}});
  }
  out["packages"] = std::move(pkgs);
  if (plan.base_image) {
    char share[16];
    std::snprintf(share, sizeof share, "%.2f", plan.base_image->share_of_findings);
    out["base_image"] = {{"suggestion", plan.base_image->suggestion}, {"share_of_findings", std::stod(share)}};
  } else {
    out["base_image"] = nullptr;
  }
  out["warnings"] = plan.warnings;
  out["base_layers"] = plan.base_layers;
  return out.dump();
}

}  // namespace bulwark::enrich
