// "sarif": SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
// One rule per distinct finding id, one result per finding, located at the
// file the finding came from (the package database, the lockfile, the
// manifest) relative to the scanned target. Suppressed findings (ignored, not
// affected) stay in the log with a `suppressions` entry, as SARIF intends.
#include <map>
#include <ostream>

#include "core/json.hpp"
#include "report/internal.hpp"

namespace bulwark::report {
namespace {

// GitHub reads `security-severity` (0.0–10.0) to rank alerts; without a CVSS
// score the severity word gives the middle of its CVSS band.
double severity_score(const Finding& f) {
  double best = -1;
  for (const auto& s : f.scores) best = std::max(best, s.value);
  if (best >= 0) return best;
  switch (f.severity) {
    case Severity::kCritical: return 9.5;
    case Severity::kHigh: return 8.0;
    case Severity::kMedium: return 5.5;
    case Severity::kLow: return 2.0;
    default: return 0.0;
  }
}

// error for CRITICAL/HIGH, warning for MEDIUM, note for LOW and UNKNOWN.
const char* level_of(Severity s) {
  switch (s) {
    case Severity::kCritical:
    case Severity::kHigh: return "error";
    case Severity::kMedium: return "warning";
    default: return "note";
  }
}

std::string first_line(const std::string& s) { return s.substr(0, s.find('\n')); }

std::string result_message(const Finding& f) {
  std::string m;
  if (!f.package_name.empty()) {
    m = "Package: " + f.package_name + "\nInstalled Version: " + f.package_version + "\nVulnerability " + f.id +
        "\nSeverity: " + to_string(f.severity);
    std::string fixed;
    for (const auto& v : f.remediation.fixed_versions) fixed += (fixed.empty() ? "" : ", ") + v;
    m += "\nFixed Version: " + (fixed.empty() ? std::string("none") : fixed);
  } else {
    m = f.id + ": " + (f.title.empty() ? f.description : f.title);
  }
  if (!f.location.path.empty()) m += "\nLocation: " + f.location.path;
  return m;
}

class SarifWriter final : public Writer {
 public:
  std::string_view format() const override { return "sarif"; }
  Status write(const Report& report, const WriteOptions&, std::ostream& out) const override {
    try {
      json rules = json::array();
      json results = json::array();
      std::map<std::string, size_t> rule_index;
      for (const auto& f : report.findings) {
        auto [it, added] = rule_index.try_emplace(f.id, rules.size());
        if (added) {
          std::string title = f.title.empty() ? f.id : f.title;
          std::string help = f.description.empty() ? title : f.description;
          json rule = {{"id", f.id},
                       {"name", std::string(to_string(f.kind))},
                       {"shortDescription", {{"text", first_line(title)}}},
                       {"fullDescription", {{"text", help}}},
                       {"defaultConfiguration", {{"level", level_of(f.severity)}}},
                       {"help", {{"text", help}, {"markdown", "**" + f.id + "** " + help}}},
                       {"properties",
                        {{"tags", {std::string(to_string(f.kind)), "security", std::string(to_string(f.severity))}},
                         {"precision", "very-high"},
                         {"security-severity", fmt_score(severity_score(f))}}}};
          if (!f.references.empty()) rule["helpUri"] = f.references.front();
          rules.push_back(std::move(rule));
        }
        // Paths inside an image or tree; the root of the scan is the base.
        std::string uri = f.location.path.empty() ? report.target.reference : f.location.path;
        json region = {{"startLine", std::max(1, f.location.line)}};
        if (f.location.column > 0) region["startColumn"] = f.location.column;
        if (f.location.end_line >= std::max(1, f.location.line)) region["endLine"] = f.location.end_line;
        json r = {{"ruleId", f.id},
                  {"ruleIndex", it->second},
                  {"level", level_of(f.severity)},
                  {"message", {{"text", result_message(f)}}},
                  {"locations",
                   {{{"physicalLocation",
                      {{"artifactLocation", {{"uri", uri}, {"uriBaseId", "ROOTPATH"}}}, {"region", region}}}}}}};
        if (!f.fingerprint.empty()) r["partialFingerprints"] = {{"bulwarkFindingHash/v1", f.fingerprint}};
        if (f.status == FindingStatus::kIgnored || f.status == FindingStatus::kNotAffected) {
          std::string why = f.status_reason.empty() ? std::string(to_string(f.status)) : f.status_reason;
          r["suppressions"] = {{{"kind", "external"}, {"status", "accepted"}, {"justification", why}}};
        }
        if (!f.location.layer.empty()) r["properties"] = {{"layer", f.location.layer}};
        results.push_back(std::move(r));
      }
      json run = {{"tool",
                   {{"driver",
                     {{"name", "Bulwark"},
                      {"version", report.tool.version},
                      {"semanticVersion", report.tool.version},
                      {"fullName", "Bulwark container security scanner"},
                      {"rules", rules}}}}},
                  {"results", results},
                  {"originalUriBaseIds", {{"ROOTPATH", {{"uri", "file:///"}}}}},
                  {"automationDetails", {{"id", std::string(to_string(report.target.kind)) + "/" + report.target.reference}}},
                  {"columnKind", "utf16CodeUnits"}};
      json log = {{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"}, {"version", "2.1.0"}, {"runs", {run}}};
      out << log.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
    } catch (const json::exception& e) {
      return Error(ErrorCode::kInternal, std::string("cannot serialise the SARIF log: ") + e.what());
    }
    return {};
  }

 private:
  static std::string fmt_score(double v) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
  }
};

}  // namespace

std::unique_ptr<Writer> make_sarif_writer() { return std::make_unique<SarifWriter>(); }

}  // namespace bulwark::report
