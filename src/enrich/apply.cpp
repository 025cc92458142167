// apply(): the gate's filters, then VEX, then ignore rules, on one report.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <unordered_map>

#include "core/date.hpp"
#include "enrich/enrich.hpp"
#include "enrich/internal.hpp"

namespace bulwark::enrich {

namespace {

using detail::iequals;
using detail::PurlKey;

// ---- time ------------------------------------------------------------------

// RFC 3339 -> seconds since the epoch (fractions kept), so that statements
// written with different offsets order correctly. Unparseable -> lowest.
double timestamp_key(std::string_view s) {
  constexpr double kLowest = -1e18;
  auto num = [&](size_t at, size_t n, int& out) {
    if (s.size() < at + n) return false;
    out = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
      out = out * 10 + (s[i] - '0');
    }
    return true;
  };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (!detail::valid_date(s.substr(0, std::min<size_t>(10, s.size())))) return kLowest;
  num(0, 4, y);
  num(5, 2, mo);
  num(8, 2, d);
  double t = static_cast<double>(days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d))) * 86400.0;
  if (s.size() == 10) return t;
  if (s.size() < 19 || !num(11, 2, h) || !num(14, 2, mi) || !num(17, 2, sec)) return kLowest;
  t += h * 3600.0 + mi * 60.0 + sec;
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    double scale = 0.1;
    for (++i; i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])); ++i, scale /= 10) t += (s[i] - '0') * scale;
  }
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    int oh = 0, om = 0;
    if (!num(i + 1, 2, oh) || !num(i + 4, 2, om)) return kLowest;
    double off = oh * 3600.0 + om * 60.0;
    t += s[i] == '+' ? -off : off;
  }
  return t;
}

// ---- image identity -----------------------------------------------------------

// "docker.io/library/debian" and "debian" are the same repository.
std::string normal_repo(std::string repo) {
  repo = to_lower(repo);
  for (const char* prefix : {"docker.io/", "index.docker.io/", "registry-1.docker.io/"})
    if (starts_with(repo, prefix)) repo = repo.substr(std::string_view(prefix).size());
  if (starts_with(repo, "library/")) repo = repo.substr(8);
  return repo;
}

struct ImageRef {
  std::string repo, tag, digest;
};

ImageRef split_image_ref(std::string_view ref) {
  ImageRef r;
  if (size_t at = ref.find('@'); at != std::string_view::npos) {
    r.digest = to_lower(ref.substr(at + 1));
    ref = ref.substr(0, at);
  }
  size_t slash = ref.rfind('/');
  size_t colon = ref.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    r.tag = std::string(ref.substr(colon + 1));
    ref = ref.substr(0, colon);
  }
  r.repo = normal_repo(std::string(ref));
  return r;
}

struct TargetIdentity {
  bool image = false;
  std::set<std::string> digests;     // manifest, image id, repo digests
  std::set<std::string> repos;       // normalised
  std::set<std::string> repo_tags;   // normalised "repo:tag"
};

TargetIdentity target_identity(const Target& t) {
  TargetIdentity id;
  id.image = t.kind == TargetKind::kImage;
  if (!id.image) return id;
  auto add_digest = [&](const std::string& d) {
    if (!d.empty()) id.digests.insert(to_lower(d));
  };
  add_digest(t.digest);
  add_digest(t.artifact.manifest_digest);
  add_digest(t.artifact.config_digest);
  std::vector<std::string> refs = t.artifact.repo_tags;
  refs.insert(refs.end(), t.artifact.repo_digests.begin(), t.artifact.repo_digests.end());
  refs.push_back(t.reference);
  refs.push_back(t.artifact.name);
  for (const auto& ref : refs) {
    if (ref.empty()) continue;
    ImageRef r = split_image_ref(ref);
    if (r.repo.empty()) continue;
    id.repos.insert(r.repo);
    if (!r.tag.empty()) id.repo_tags.insert(r.repo + ":" + r.tag);
    add_digest(r.digest);
  }
  return id;
}

std::string last_segment(const std::string& repo) {
  size_t slash = repo.rfind('/');
  return slash == std::string::npos ? repo : repo.substr(slash + 1);
}

// ---- prepared VEX statements ---------------------------------------------------

struct PreparedComponent {
  std::vector<PurlKey> purls;
  std::vector<std::string> others;  // image references and unparsed identifiers
};

PreparedComponent prepare(const std::vector<std::string>& ids) {
  PreparedComponent c;
  for (const auto& id : ids) {
    if (auto p = detail::parse_purl(id)) c.purls.push_back(std::move(*p));
    else c.others.push_back(id);
  }
  return c;
}

struct PreparedProduct {
  PreparedComponent self;
  std::vector<PreparedComponent> subs;
};

struct PreparedStatement {
  const VexStatement* st;
  const VexDocument* doc;
  std::vector<PreparedProduct> products;
  double time;
  size_t order;  // document order, then statement order: ties go to the later one
};

bool component_is_target(const PreparedComponent& c, const TargetIdentity& t) {
  if (!t.image) return false;
  for (const auto& p : c.purls) {
    if (p.type != "oci" || p.version.empty() || !t.digests.count(to_lower(p.version))) continue;
    auto repo_url = p.qualifiers.find("repository_url");
    if (repo_url != p.qualifiers.end()) {
      if (t.repos.count(normal_repo(repo_url->second))) return true;
    } else {
      for (const auto& r : t.repos)
        if (last_segment(r) == to_lower(p.name)) return true;
    }
  }
  for (const auto& other : c.others) {
    ImageRef r = split_image_ref(other);
    if (r.repo.empty() || !t.repos.count(r.repo)) continue;
    if (!r.digest.empty()) {
      if (t.digests.count(r.digest)) return true;
    } else if (!r.tag.empty()) {
      if (t.repo_tags.count(r.repo + ":" + r.tag)) return true;
    } else {
      return true;  // the repository itself: every image of it
    }
  }
  return false;
}

bool component_is_package(const PreparedComponent& c, const std::optional<PurlKey>& pkg,
                          const detail::DistroNames& distro) {
  if (!pkg) return false;
  for (const auto& p : c.purls)
    if (detail::purl_matches(p, *pkg, distro)) return true;
  return false;
}

// ---- ignore rules ------------------------------------------------------------

bool id_matches(const std::string& id, const Finding& f) {
  if (iequals(id, f.id)) return true;
  for (const auto& a : f.aliases)
    if (iequals(id, a)) return true;
  return false;
}

bool rule_matches(const IgnoreRule& rule, const Finding& f, const std::optional<PurlKey>& pkg,
                  const detail::DistroNames& distro) {
  if (rule.kind && *rule.kind != f.kind) return false;
  if (!id_matches(rule.id, f)) return false;
  if (!rule.packages.empty()) {
    bool any = false;
    for (const auto& p : rule.packages) {
      if (starts_with(to_lower(p.substr(0, 4)), "pkg:")) {
        auto pattern = detail::parse_purl(p);
        any = pattern && pkg && detail::purl_matches(*pattern, *pkg, distro);
      } else {
        any = !f.package_name.empty() && p == f.package_name;
      }
      if (any) break;
    }
    if (!any) return false;
  }
  if (!rule.paths.empty()) {
    bool any = false;
    for (const auto& p : rule.paths) any = any || detail::glob_matches(p, f.location.path);
    if (!any) return false;
  }
  return true;
}

}  // namespace

Result<std::vector<Severity>> parse_severity_list(std::string_view text) {
  std::vector<Severity> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string word = to_lower(trim(text.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                                          : comma - start)));
    start = comma == std::string_view::npos ? text.size() + 1 : comma + 1;
    if (word.empty()) continue;
    Severity s;
    if (word == "unknown") s = Severity::kUnknown;
    else if (word == "low") s = Severity::kLow;
    else if (word == "medium") s = Severity::kMedium;
    else if (word == "high") s = Severity::kHigh;
    else if (word == "critical") s = Severity::kCritical;
    else
      return Error(ErrorCode::kInvalidArgument,
                   "unknown severity '" + word + "' (UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL)", "--severity");
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  if (out.empty()) return Error(ErrorCode::kInvalidArgument, "no severity given", "--severity");
  return out;
}

size_t open_findings(const Report& report) {
  return static_cast<size_t>(std::count_if(report.findings.begin(), report.findings.end(),
                                           [](const Finding& f) { return f.status == FindingStatus::kOpen; }));
}

Outcome apply(const Policy& policy, Report& report) {
  Outcome out;
  const std::string today = policy.today.empty() ? detail::today_utc() : policy.today;
  const detail::DistroNames distro = detail::distro_names(report.inventory.os);

  // 1. The gate's filters: findings outside them leave the report, as in Trivy.
  auto& findings = report.findings;
  if (!policy.severities.empty() || policy.ignore_unfixed) {
    std::vector<Finding> kept;
    kept.reserve(findings.size());
    for (auto& f : findings) {
      if (!policy.severities.empty() &&
          std::find(policy.severities.begin(), policy.severities.end(), f.severity) == policy.severities.end()) {
        ++out.dropped_by_severity;
        continue;
      }
      if (policy.ignore_unfixed && f.kind == FindingKind::kVulnerability && f.remediation.fixed_versions.empty()) {
        ++out.dropped_unfixed;
        continue;
      }
      kept.push_back(std::move(f));
    }
    findings = std::move(kept);
  }

  // The package each finding concerns, as a purl.
  std::unordered_map<std::string, std::string> purl_by_id;
  for (const auto& p : report.inventory.packages) purl_by_id.emplace(p.id, p.purl);
  for (const auto& app : report.inventory.applications)
    for (const auto& p : app.packages) purl_by_id.emplace(p.id, p.purl);
  std::vector<std::optional<PurlKey>> pkg(findings.size());
  for (size_t i = 0; i < findings.size(); ++i) {
    std::string purl = findings[i].package_purl;
    if (purl.empty() && !findings[i].location.package_id.empty())
      if (auto it = purl_by_id.find(findings[i].location.package_id); it != purl_by_id.end()) purl = it->second;
    if (!purl.empty()) pkg[i] = detail::parse_purl(purl);
  }

  // 2. Ignores that a previous run recorded and that have since expired.
  for (auto& f : findings) {
    if (f.status != FindingStatus::kIgnored || f.ignored_until.empty() || today < f.ignored_until) continue;
    f.status = FindingStatus::kOpen;
    f.attributes[kAttrIgnoreExpired] = f.id + " was ignored until " + f.ignored_until;
    report.diagnostics.push_back(make_warning({}, 0, "the ignore of " + f.id + (f.package_name.empty() ? "" : " in " + f.package_name) +
                                                 " expired on " + f.ignored_until + "; the finding is open again"));
    f.ignored_until.clear();
    ++out.expired;
  }

  // 3. VEX: of the statements about a finding, the latest decides.
  if (!policy.vex.empty()) {
    TargetIdentity target = target_identity(report.target);
    std::vector<PreparedStatement> prepared;
    std::unordered_map<std::string, std::vector<size_t>> by_name;  // lower-case vulnerability name -> statements
    size_t order = 0;
    for (const auto& doc : policy.vex) {
      for (const auto& st : doc.statements) {
        PreparedStatement ps{&st, &doc, {}, timestamp_key(st.timestamp), order++};
        for (const auto& p : st.products) {
          PreparedProduct pp{prepare(p.ids), {}};
          for (const auto& sub : p.subcomponents) pp.subs.push_back(prepare(sub));
          ps.products.push_back(std::move(pp));
        }
        size_t index = prepared.size();
        prepared.push_back(std::move(ps));
        std::set<std::string> names{to_lower(st.vulnerability)};
        for (const auto& a : st.aliases) names.insert(to_lower(a));
        for (const auto& n : names) by_name[n].push_back(index);
      }
    }
    std::vector<std::optional<PurlKey>> inventory_purls;
    for (const auto& [id, purl] : purl_by_id)
      if (auto key = detail::parse_purl(purl)) inventory_purls.emplace_back(std::move(key));
    auto in_inventory = [&](const PreparedComponent& c) {
      return !c.purls.empty() && std::any_of(inventory_purls.begin(), inventory_purls.end(), [&](const auto& key) {
               return component_is_package(c, key, distro);
             });
    };
    for (size_t i = 0; i < findings.size(); ++i) {
      Finding& f = findings[i];
      if (f.status != FindingStatus::kOpen) continue;
      std::set<size_t> candidates;
      std::vector<std::string> names{f.id};
      names.insert(names.end(), f.aliases.begin(), f.aliases.end());
      for (const auto& name : names)
        if (auto it = by_name.find(to_lower(name)); it != by_name.end())
          candidates.insert(it->second.begin(), it->second.end());
      const PreparedStatement* best = nullptr;
      for (size_t idx : candidates) {
        const PreparedStatement& ps = prepared[idx];
        bool applies = false;
        for (const auto& p : ps.products) {
          if (p.subs.empty()) {
            applies = component_is_target(p.self, target) || component_is_package(p.self, pkg[i], distro);
          } else {
            bool sub = std::any_of(p.subs.begin(), p.subs.end(),
                                   [&](const PreparedComponent& c) { return component_is_package(c, pkg[i], distro); });
            applies = sub && (component_is_target(p.self, target) || component_is_package(p.self, pkg[i], distro) ||
                              in_inventory(p.self));
          }
          if (applies) break;
        }
        if (!applies) continue;
        if (!best || ps.time > best->time || (ps.time == best->time && ps.order > best->order)) best = &ps;
      }
      if (!best) continue;
      const VexStatement& st = *best->st;
      f.attributes[kAttrVexStatus] = to_string(st.status);
      f.attributes[kAttrVexSource] = best->doc->path;
      switch (st.status) {
        case VexStatus::kNotAffected: {
          f.status = FindingStatus::kNotAffected;
          f.attributes[kAttrVexJustification] = st.justification;
          if (st.justification.empty()) f.attributes.erase(kAttrVexJustification);
          std::string reason = st.justification;
          if (!st.impact_statement.empty()) reason += (reason.empty() ? "" : ": ") + st.impact_statement;
          f.status_reason = reason;
          ++out.not_affected;
          break;
        }
        case VexStatus::kFixed:
          f.status = FindingStatus::kFixed;
          f.status_reason = st.status_notes.empty() ? "fixed in this product according to VEX" : st.status_notes;
          ++out.fixed;
          break;
        case VexStatus::kAffected:
          if (!st.action_statement.empty()) f.attributes[kAttrVexAction] = st.action_statement;
          break;
        case VexStatus::kUnderInvestigation: break;
      }
    }
  }

  // 4. Ignore rules, in file order; the first live rule that matches wins.
  for (const auto& file : policy.ignore_files) report.diagnostics.insert(report.diagnostics.end(), file.warnings.begin(), file.warnings.end());
  std::map<const IgnoreRule*, size_t> expired_hits;
  for (const auto& file : policy.ignore_files)
    for (const auto& rule : file.rules)
      if (!rule.expires.empty() && today >= rule.expires) expired_hits[&rule] = 0;
  if (!policy.ignore_files.empty()) {
    for (size_t i = 0; i < findings.size(); ++i) {
      Finding& f = findings[i];
      if (f.status != FindingStatus::kOpen) continue;
      const IgnoreRule* live = nullptr;
      const IgnoreFile* live_file = nullptr;
      const IgnoreRule* expired = nullptr;
      const IgnoreFile* expired_file = nullptr;
      for (const auto& file : policy.ignore_files) {
        for (const auto& rule : file.rules) {
          if (!rule_matches(rule, f, pkg[i], distro)) continue;
          if (expired_hits.count(&rule)) {
            ++expired_hits[&rule];
            if (!expired) {
              expired = &rule;
              expired_file = &file;
            }
          } else if (!live) {
            live = &rule;
            live_file = &file;
          }
        }
      }
      if (live) {
        f.status = FindingStatus::kIgnored;
        f.status_reason = live->reason;
        f.ignored_until = live->expires;
        f.attributes[kAttrIgnoreSource] = live_file->path + ":" + std::to_string(live->line);
        ++out.ignored;
      } else if (expired) {
        f.attributes[kAttrIgnoreExpired] = expired_file->path + ":" + std::to_string(expired->line) + ": " + expired->id +
                                           " expired on " + expired->expires;
        ++out.expired;
      }
    }
    for (const auto& file : policy.ignore_files)
      for (const auto& rule : file.rules) {
        auto it = expired_hits.find(&rule);
        if (it == expired_hits.end()) continue;
        size_t n = it->second;
        std::string effect = n == 0 ? "no finding matches it now"
                                    : std::to_string(n) + (n == 1 ? " finding is" : " findings are") + " open again";
        report.diagnostics.push_back(make_warning(file.path, rule.line,
                                          "ignore entry for " + rule.id + " expired on " + rule.expires +
                                              " and no longer suppresses anything (" + effect + ")"));
      }
  }

  out.open = open_findings(report);
  return out;
}

}  // namespace bulwark::enrich
