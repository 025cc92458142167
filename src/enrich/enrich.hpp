// The enrich stage (DESIGN: findings -> enrich -> report): what the user says
// about the findings of a finished report, and the CI gate's filters.
//
//  - ignore files (Bulwark's YAML, Trivy's .trivyignore.yaml and .trivyignore):
//    matching findings become status "ignored", with the reason and the expiry;
//    an expired entry stops suppressing and the report says so;
//  - OpenVEX documents: "not_affected" and "fixed" statements about a
//    vulnerability in a package (by purl) or in the scanned image;
//  - the gate: keep only some severities, drop vulnerabilities without a fix.
//
// It works on a Report, so `scan` and `convert` share it. Suppressed findings
// stay in the report; only the gate's filters remove findings.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"

namespace bulwark::enrich {

// ------------------------------------------------------------ ignore files --

// One entry of an ignore file. A finding matches when its id or one of its
// aliases is `id` (case-insensitive) and every non-empty constraint holds.
struct IgnoreRule {
  std::string id;
  std::optional<FindingKind> kind;    // Trivy's per-kind lists set it; any kind otherwise
  std::vector<std::string> packages;  // package names, or purls ("pkg:deb/debian/openssl")
  std::vector<std::string> paths;     // globs over the finding's path ("*", "**", "?")
  std::string reason;
  std::string expires;                // YYYY-MM-DD; the entry stops applying on that day
  int line = 0;                       // 1-based line of the entry in its file
};

struct IgnoreFile {
  std::string path;
  std::vector<IgnoreRule> rules;
  std::vector<Diagnostic> warnings;   // unknown keys and the like; the file still applies
};

// Parses an ignore file. Names ending in .yaml/.yml are YAML (Bulwark's
// `ignores:` list or Trivy's vulnerabilities/misconfigurations/secrets lists);
// other names are YAML when their first line looks like YAML and Trivy's plain
// format (one id per line, `exp:YYYY-MM-DD`, `#` comments) otherwise.
// Malformed input is kCorrupt with "path: line L" in `where`.
Result<IgnoreFile> parse_ignore_file(std::string_view text, const std::string& path);
Result<IgnoreFile> load_ignore_file(const std::string& path);

// The ignore file used when none is named: .bulwarkignore.yaml,
// .bulwarkignore.yml or .bulwarkignore in `dir`, the first that exists.
std::optional<std::string> default_ignore_file(const std::string& dir);

// ----------------------------------------------------------------- OpenVEX --

enum class VexStatus { kNotAffected, kAffected, kFixed, kUnderInvestigation };

const char* to_string(VexStatus s);  // OpenVEX spelling: "not_affected", ...

struct VexProduct {
  std::vector<std::string> ids;            // @id and identifiers (purl, …): purls or image references
  std::vector<std::vector<std::string>> subcomponents;  // the same, per subcomponent
};

struct VexStatement {
  std::string vulnerability;              // name ("CVE-2023-38545")
  std::vector<std::string> aliases;       // other names of the same vulnerability
  std::vector<VexProduct> products;
  VexStatus status = VexStatus::kUnderInvestigation;
  std::string justification;              // OpenVEX label, e.g. "vulnerable_code_not_present"
  std::string impact_statement;
  std::string action_statement;
  std::string status_notes;
  std::string timestamp;                  // the statement's, else the document's (RFC 3339)
  std::string where;                      // "file: statements[3]", for messages
};

struct VexDocument {
  std::string path;
  std::string id;                         // @id
  std::string author;
  std::string timestamp;
  std::vector<VexStatement> statements;
};

// Parses an OpenVEX JSON document (v0.2.0, and v0.0.x's string vulnerability).
// Errors name the file and the place ("statements[2].status").
Result<VexDocument> parse_openvex(std::string_view text, const std::string& path);
Result<VexDocument> load_openvex(const std::string& path);

// --------------------------------------------------------------- the gate --

struct Policy {
  std::vector<IgnoreFile> ignore_files;
  std::vector<VexDocument> vex;
  std::vector<Severity> severities;       // keep only these; empty keeps all
  bool ignore_unfixed = false;            // drop vulnerabilities with no fixed version
  std::string today;                      // YYYY-MM-DD for expiries; empty = today (UTC)
};

// What apply() did, for the CLI's summary line.
struct Outcome {
  size_t dropped_by_severity = 0;
  size_t dropped_unfixed = 0;
  size_t not_affected = 0;   // by VEX
  size_t fixed = 0;          // by VEX
  size_t ignored = 0;        // by ignore rules
  size_t expired = 0;        // findings an expired entry no longer suppresses
  size_t open = 0;           // open findings left: what the gate fails on
};

// Filters the findings (severity, unfixed), then applies VEX statements (the
// latest by timestamp wins), then ignore rules, to open findings. Ignore-file
// warnings and expired entries are appended to report.diagnostics.
Outcome apply(const Policy& policy, Report& report);

// "CRITICAL,HIGH" (any case, comma-separated) -> severities. Unknown words are
// kInvalidArgument: a typo must not silently widen or narrow the gate.
Result<std::vector<Severity>> parse_severity_list(std::string_view text);

// Findings whose status is open.
size_t open_findings(const Report& report);

// Finding attributes this stage sets (the report writers read them):
//   "vex_status", "vex_justification" (OpenVEX label), "vex_source" (file),
//   "vex_action" (action_statement of an affected statement),
//   "ignore_source" ("file:line"), "ignore_expired" (why an entry no longer applies).
inline constexpr const char* kAttrVexStatus = "vex_status";
inline constexpr const char* kAttrVexJustification = "vex_justification";
inline constexpr const char* kAttrVexSource = "vex_source";
inline constexpr const char* kAttrVexAction = "vex_action";
inline constexpr const char* kAttrIgnoreSource = "ignore_source";
inline constexpr const char* kAttrIgnoreExpired = "ignore_expired";

}  // namespace bulwark::enrich
