// "sarif": SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//
//  - one rule per distinct finding id, with the descriptions, help text and
//    the properties GitHub reads (tags, precision, security-severity);
//  - one result per finding; its location is the file inside the image or
//    directory (var/lib/dpkg/status, srv/app/package-lock.json) relative to
//    the ROOTPATH base, its partial fingerprint Bulwark's stable fingerprint;
//  - ignored / not_affected / fixed-by-VEX findings carry an external
//    suppression with the reason, so code scanning shows them as dismissed.
//
// Levels: CRITICAL and HIGH are "error", MEDIUM "warning", LOW and UNKNOWN
// "note". security-severity is the finding's CVSS base score when it falls in
// the band of its severity (GitHub: 9.0+ critical, 7.0+ high, 4.0+ medium,
// above 0 low), otherwise a number inside that band.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <ostream>
#include <set>

#include <nlohmann/json.hpp>

#include "core/core.hpp"
#include "report/internal.hpp"

namespace bulwark::report {

namespace {

using ojson = nlohmann::ordered_json;

// Where people learn about the tool (SARIF tool.driver.informationUri). The
// project has no public home yet: a reserved, never-resolving name until it has.
constexpr const char* kInformationUri = "https://bulwark.invalid/";
constexpr const char* kRootBase = "ROOTPATH";

const char* level_of(Severity s) {
  switch (s) {
    case Severity::kCritical:
    case Severity::kHigh: return "error";
    case Severity::kMedium: return "warning";
    case Severity::kLow:
    case Severity::kUnknown: return "note";
  }
  return "note";
}

// The band GitHub maps security-severity into, and a representative value.
struct Band {
  double low, high, typical;
};
Band band_of(Severity s) {
  switch (s) {
    case Severity::kCritical: return {9.0, 10.0, 9.5};
    case Severity::kHigh: return {7.0, 8.9, 8.0};
    case Severity::kMedium: return {4.0, 6.9, 5.5};
    case Severity::kLow: return {0.1, 3.9, 2.0};
    case Severity::kUnknown: return {0.0, 0.0, 0.0};
  }
  return {0.0, 0.0, 0.0};
}

std::string security_severity(Severity s, const std::vector<const Finding*>& findings) {
  Band b = band_of(s);
  double best = -1;
  for (const Finding* f : findings)
    for (const auto& score : f->scores)
      if (score.value >= b.low && score.value <= b.high + 0.05 && score.value > best) best = score.value;
  double v = best >= 0 ? best : b.typical;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f", std::round(v * 10) / 10);
  return buf;
}

// A relative URI reference for a path inside the target: '/'-separated
// segments, percent-encoded, never starting with '/' and never taken for a
// scheme (':' is always encoded).
std::string uri_of(std::string_view path) {
  while (starts_with(path, "/") || starts_with(path, "./")) path.remove_prefix(path[0] == '/' ? 1 : 2);
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    bool keep = std::isalnum(c) || std::string_view("-._~/!$&'()*+,;=@").find(static_cast<char>(c)) != std::string_view::npos;
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string rule_name(const Finding& f) {
  switch (f.kind) {
    case FindingKind::kVulnerability: {
      const std::string& e = f.package_ecosystem;
      return e == "deb" || e == "apk" || e == "rpm" ? "OsPackageVulnerability" : "LanguageSpecificPackageVulnerability";
    }
    case FindingKind::kMisconfiguration: return "Misconfiguration";
    case FindingKind::kSecret: return "Secret";
    case FindingKind::kSast: return "CodeFinding";
    case FindingKind::kCompliance: return "ComplianceCheck";
    case FindingKind::kRuntime: return "RuntimeAlert";
  }
  return "Finding";
}

// A page about the advisory: its first reference, else the public database
// that owns the id.
std::string help_uri(const Finding& f) {
  for (const auto& r : f.references)
    if (starts_with(r, "https://") || starts_with(r, "http://")) return r;
  if (starts_with(f.id, "CVE-")) return "https://nvd.nist.gov/vuln/detail/" + f.id;
  if (starts_with(f.id, "GHSA-")) return "https://github.com/advisories/" + f.id;
  if (starts_with(f.id, "GO-")) return "https://pkg.go.dev/vuln/" + f.id;
  return {};
}

// CWE ids in the "cwe" attribute ("CWE-77, CWE-94") as GitHub's tags.
std::vector<std::string> cwe_tags(const Finding& f) {
  std::vector<std::string> out;
  auto it = f.attributes.find("cwe");
  if (it == f.attributes.end()) return out;
  const std::string& s = it->second;
  for (size_t i = 0; i < s.size();) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j - i < 8) out.push_back("external/cwe/cwe-" + s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string join(const std::vector<std::string>& v, const char* sep) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
  return out;
}

// Markdown table cells: pipes and newlines would break the table.
std::string md_cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n' || c == '\r') out += ' ';
    else out.push_back(c);
  }
  return out;
}

ojson rule_for(const std::string& id, const std::vector<const Finding*>& findings) {
  const Finding& f = *findings.front();
  Severity sev = Severity::kUnknown;
  for (const Finding* x : findings) sev = std::max(sev, x->severity);
  std::string title = !f.title.empty() ? f.title : f.id;
  std::string full = !f.description.empty() ? f.description : title;
  std::string uri = help_uri(f);

  // The same advisory often concerns several packages (openssl and libssl3).
  std::vector<std::string> packages;
  for (const Finding* x : findings)
    if (!x->package_name.empty() && std::find(packages.begin(), packages.end(), x->package_name) == packages.end())
      packages.push_back(x->package_name);
  std::string text = std::string(to_string(f.kind)) + " " + id + "\nSeverity: " + to_string(sev) + "\n";
  std::string md = "**" + std::string(to_string(f.kind)) + " " + md_cell(id) + "**\n\n| Severity | ";
  if (f.kind == FindingKind::kVulnerability) {
    text += "Package: " + join(packages, ", ") + "\nFixed version: " +
            (f.remediation.fixed_versions.empty() ? std::string("none") : join(f.remediation.fixed_versions, ", ")) + "\n";
    md += "Package | Fixed version |\n| --- | --- | --- |\n| " + std::string(to_string(sev)) + " | " + md_cell(join(packages, ", ")) +
          " | " + md_cell(f.remediation.fixed_versions.empty() ? "none" : join(f.remediation.fixed_versions, ", ")) + " |\n";
  } else {
    md += "Title |\n| --- | --- |\n| " + std::string(to_string(sev)) + " | " + md_cell(title) + " |\n";
  }
  if (!f.remediation.text.empty()) {
    text += "Remediation: " + f.remediation.text + "\n";
    md += "\n**Remediation:** " + md_cell(f.remediation.text) + "\n";
  }
  text += full;
  md += "\n" + full;
  if (!uri.empty()) {
    text += "\n" + uri;
    md += "\n\n[" + md_cell(id) + "](" + uri + ")";
  }

  ojson rule;
  rule["id"] = id;
  rule["name"] = rule_name(f);
  rule["shortDescription"] = {{"text", title}};
  rule["fullDescription"] = {{"text", full}};
  rule["defaultConfiguration"] = {{"level", level_of(sev)}};
  if (!uri.empty()) rule["helpUri"] = uri;
  rule["help"] = {{"text", text}, {"markdown", md}};
  ojson tags = ojson::array({to_string(f.kind), "security", to_string(sev)});
  std::set<std::string> seen;
  for (const Finding* x : findings)
    for (const auto& t : cwe_tags(*x))
      if (seen.insert(t).second) tags.push_back(t);
  rule["properties"] = {{"tags", tags},
                        {"precision", f.kind == FindingKind::kSecret ? "high" : "very-high"},
                        {"security-severity", security_severity(sev, findings)}};
  return rule;
}

std::string message_of(const Finding& f) {
  std::string m;
  if (f.kind == FindingKind::kVulnerability) {
    m = "Package: " + f.package_name + "\nInstalled Version: " + f.package_version + "\nVulnerability: " + f.id +
        "\nSeverity: " + to_string(f.severity) + "\nFixed Version: " +
        (f.remediation.fixed_versions.empty() ? std::string("none") : join(f.remediation.fixed_versions, ", "));
    if (!f.title.empty()) m += "\n" + f.title;
  } else {
    m = std::string(to_string(f.kind)) + " " + f.id + "\nSeverity: " + to_string(f.severity);
    if (!f.title.empty()) m += "\n" + f.title;
    if (auto msg = f.attributes.find("message"); msg != f.attributes.end() && msg->second != f.title)
      m += "\n" + msg->second;
    if (!f.evidence.empty()) m += "\nMatch: " + f.evidence;
  }
  if (f.status != FindingStatus::kOpen) {
    m += std::string("\nStatus: ") + to_string(f.status);
    if (!f.status_reason.empty()) m += " (" + f.status_reason + ")";
  }
  return m;
}

// Where the target lives, for originalUriBaseIds: "file:///" for an image's
// root, the directory for rootfs, fs and repo targets given as an absolute path.
std::string root_uri(const Target& t) {
  if ((t.kind == TargetKind::kRootfs || t.kind == TargetKind::kFilesystem || t.kind == TargetKind::kRepository) &&
      starts_with(t.reference, "/")) {
    std::string uri = "file:///" + uri_of(t.reference);
    if (uri.back() != '/') uri.push_back('/');
    return uri;
  }
  return "file:///";
}

// runs[].automationDetails.id: GitHub takes what precedes the last '/' as the
// analysis category, so each target keeps its own alerts.
std::string automation_id(const Report& r) {
  std::string ident = r.target.reference;
  if (r.target.kind == TargetKind::kImage) {
    if (!r.target.artifact.repo_tags.empty()) ident = r.target.artifact.repo_tags.front();
    if (size_t at = ident.find('@'); at != std::string::npos) ident = ident.substr(0, at);
    size_t slash = ident.rfind('/'), colon = ident.rfind(':');
    if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) ident = ident.substr(0, colon);
  }
  std::string clean;
  for (char c : ident) clean.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ? c : '-');
  return "bulwark/" + std::string(to_string(r.target.kind)) + "/" + (clean.empty() ? "target" : clean) + "/";
}

class SarifWriter final : public Writer {
 public:
  std::string_view format() const override { return "sarif"; }
  Status write(const Report& report, const WriteOptions& opts, std::ostream& out) const override;
};

Status SarifWriter::write(const Report& r, const WriteOptions&, std::ostream& out) const {
  // Rules in order of first appearance.
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Finding*>> by_id;
  for (const auto& f : r.findings) {
    std::string id = f.id.empty() ? "unknown" : f.id;
    auto& list = by_id[id];
    if (list.empty()) order.push_back(id);
    list.push_back(&f);
  }
  ojson rules = ojson::array();
  std::map<std::string, size_t> rule_index;
  for (const auto& id : order) {
    rule_index[id] = rules.size();
    rules.push_back(rule_for(id, by_id[id]));
  }

  // A finding with no path (an image-wide check) points at the target itself:
  // the directory's root, or the image by name.
  bool dir_target = r.target.kind == TargetKind::kRootfs || r.target.kind == TargetKind::kFilesystem ||
                    r.target.kind == TargetKind::kRepository;
  std::string fallback_uri =
      dir_target ? "." : uri_of(r.target.reference.empty() ? r.target.artifact.name : r.target.reference);
  ojson results = ojson::array();
  for (const auto& f : r.findings) {
    std::string id = f.id.empty() ? "unknown" : f.id;
    ojson res;
    res["ruleId"] = id;
    res["ruleIndex"] = rule_index[id];
    res["level"] = level_of(f.severity);
    res["message"] = {{"text", message_of(f)}};
    std::string uri = uri_of(f.location.path);
    if (uri.empty()) uri = fallback_uri.empty() ? "." : fallback_uri;
    int start = std::max(1, f.location.line);
    int end = std::max(start, f.location.end_line);
    ojson region = {{"startLine", start}, {"startColumn", std::max(1, f.location.column)}, {"endLine", end},
                    {"endColumn", std::max(1, f.location.column) + 1}};
    ojson loc = {{"physicalLocation",
                  {{"artifactLocation", {{"uri", uri}, {"uriBaseId", kRootBase}}}, {"region", region}}}};
    if (!f.package_name.empty())
      loc["message"] = {{"text", f.location.path + ": " + f.package_name + "@" + f.package_version}};
    res["locations"] = ojson::array({loc});
    if (!f.fingerprint.empty()) res["partialFingerprints"] = {{"bulwarkFingerprint/v1", f.fingerprint}};
    if (f.status != FindingStatus::kOpen) {
      std::string why = f.status_reason;
      if (why.empty())
        why = f.status == FindingStatus::kIgnored ? "ignored" : f.status == FindingStatus::kFixed ? "fixed" : "not affected";
      ojson sup = {{"kind", "external"}, {"status", "accepted"}, {"justification", why}};
      ojson props = {{"status", to_string(f.status)}};
      if (!f.ignored_until.empty()) props["ignoredUntil"] = f.ignored_until;
      if (auto j = f.attributes.find("vex_justification"); j != f.attributes.end()) props["vexJustification"] = j->second;
      sup["properties"] = props;
      res["suppressions"] = ojson::array({sup});
    }
    ojson props = ojson::object();
    if (f.kind == FindingKind::kVulnerability) {
      if (!f.package_purl.empty()) props["purl"] = f.package_purl;
      if (!f.remediation.fixed_versions.empty()) props["fixedVersions"] = f.remediation.fixed_versions;
    }
    if (!f.location.layer.empty()) props["layer"] = f.location.layer;
    if (!props.empty()) res["properties"] = props;
    results.push_back(res);
  }

  std::string version = r.tool.version.empty() ? std::string(bulwark::tool_version()) : r.tool.version;
  ojson driver = {{"name", "Bulwark"},
                  {"fullName", "Bulwark container security scanner"},
                  {"version", version},
                  {"semanticVersion", version},
                  {"informationUri", kInformationUri},
                  {"rules", rules}};
  ojson run;
  run["tool"] = {{"driver", driver}};
  run["automationDetails"] = {{"id", automation_id(r)}};
  run["originalUriBaseIds"] = {{kRootBase, {{"uri", root_uri(r.target)}}}};
  run["columnKind"] = "utf16CodeUnits";
  if (const auto& repo = r.target.repository) {
    if (auto uri = repository_uri(repo->remote_url)) {
      ojson vcs = {{"repositoryUri", *uri}};
      if (!repo->commit.empty()) vcs["revisionId"] = repo->commit;
      if (!repo->branch.empty()) vcs["branch"] = repo->branch;
      vcs["mappedTo"] = {{"uriBaseId", kRootBase}};
      run["versionControlProvenance"] = ojson::array({vcs});
    }
  }
  run["results"] = results;
  ojson props = {{"targetKind", to_string(r.target.kind)}, {"target", r.target.reference}};
  if (!r.target.digest.empty()) props["digest"] = r.target.digest;
  if (!r.target.artifact.config_digest.empty()) props["imageId"] = r.target.artifact.config_digest;
  if (!r.target.artifact.repo_tags.empty()) props["repoTags"] = r.target.artifact.repo_tags;
  if (!r.target.artifact.repo_digests.empty()) props["repoDigests"] = r.target.artifact.repo_digests;
  if (const auto& repo = r.target.repository) {
    if (!repo->commit.empty()) props["commit"] = repo->commit;
    if (!repo->branch.empty()) props["branch"] = repo->branch;
    if (!repo->remote_url.empty()) props["remoteUrl"] = repo->remote_url;
  }
  run["properties"] = props;

  ojson log;
  log["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json";
  log["version"] = "2.1.0";
  log["runs"] = ojson::array({run});
  try {
    out << log.dump(2, ' ', false, ojson::error_handler_t::replace) << '\n';
  } catch (const nlohmann::json::exception& e) {
    return Error(ErrorCode::kInternal, std::string("cannot serialise the SARIF log: ") + e.what());
  }
  return {};
}

}  // namespace

std::unique_ptr<Writer> make_sarif_writer() { return std::make_unique<SarifWriter>(); }

}  // namespace bulwark::report
