// The enrich stage (DESIGN: findings -> enrich -> report): what the user says
// about the findings of a finished report, and the CI gate's filters.
//
//  - ignore files (Bulwark's YAML, Trivy's .trivyignore.yaml and .trivyignore):
//    matching findings become status "ignored", with the reason and the expiry;
//    an expired entry stops suppressing and the report says so;
//  - OpenVEX documents: "not_affected" and "fixed" statements about a
//    vulnerability in a package (by purl) or in the scanned image;
//  - the gate: keep only some severities, drop vulnerabilities without a fix;
//  - vulnerability management for the server (pure functions, no storage):
//    priority scores with their explanation, the practice (1..14 of the
//    design's table) a finding belongs to, patch plans with end-of-life
//    warnings, and the OpenVEX writer.
//
// It works on a Report, so `scan` and `convert` share it. Suppressed findings
// stay in the report; only the gate's filters remove findings.
#pragma once

#include <cstddef>
#include <map>
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

// ----------------------------------------------------------------- priority --
// See docs/server/priority.md for the formula and why.

// One reason a finding got points. `factor` is one of "cvss", "severity",
// "network", "epss", "kev", "fix", "age", "exposure". Missing data is listed
// too (0 points, the detail says what is unknown), so nothing is silent.
struct PriorityFactor {
  std::string factor;
  int points = 0;
  std::string detail;  // "CVSS 9.8 (NVD)", "EPSS 0.94 (97th percentile)", ...
};

struct Priority {
  int score = 0;              // 0..100
  std::string level;          // "P1" (>= 80), "P2" (>= 60), "P3" (>= 35), "P4"
  std::vector<PriorityFactor> factors;
};

struct PriorityContext {
  bool internet_facing = false;  // the artifact is reachable from the internet
  std::string today;             // YYYY-MM-DD for the age; empty = today (UTC)
};

Priority prioritize(const Finding& finding, const PriorityContext& context);

// "P1".."P4" for a score.
std::string priority_level(int score);

// The factors as the server stores and serves them:
// [{"factor":"cvss","points":39,"detail":"CVSS 9.8 (NVD)"}, ...].
std::string priority_factors_json(const Priority& priority);

// Days to fix by level: P1 7, P2 30, P3 90, P4 180.
const std::map<std::string, int>& default_sla_days();
// The days for `level` from `sla` (a level missing there takes the default;
// an unknown level takes P4's).
int sla_days(std::string_view level, const std::map<std::string, int>& sla = default_sla_days());
// first_seen (YYYY-MM-DD or RFC 3339) + the level's SLA days, as YYYY-MM-DD;
// empty when first_seen is not a date.
std::string due_date(std::string_view first_seen, std::string_view level,
                     const std::map<std::string, int>& sla = default_sla_days());

// --------------------------------------------------------------- practices --

// The practice of the design's table (1..14) a finding feeds, or 0 when none
// fits. The finding's "practice" attribute (set from the policy files'
// `practice:` key) wins; otherwise: sast and secret -> 1; a vulnerability in a
// language package -> 2, in an OS package -> 3 (image, rootfs) or 6 (host
// scan); compliance -> 4; misconfiguration -> 5; runtime -> 10.
int practice_of(const Finding& finding, const Target& target);

inline constexpr const char* kAttrPractice = "practice";

// --------------------------------------------------------------- end of life --

// One OS release and its support dates (rules/eol/os.yaml, embedded).
struct OsRelease {
  std::string family;    // Bulwark's family name (OsInfo::family): "debian", "alpine", ...
  std::string version;   // release as matched against OsInfo::version: "12", "3.20", "22.04"
  std::string name;      // "Debian 12", "Alpine Linux 3.20"
  std::string codename;  // "bookworm"
  std::string released;  // YYYY-MM-DD
  std::string eol;       // end of free security updates, YYYY-MM-DD
  std::string standard_eol;  // end of the regular phase when a free LTS phase follows (Debian); else empty
  std::string extended;  // end of paid extended support (ESM, ELS), informative; may be empty
  std::string image;     // the official image for it: "debian:12", "alpine:3.20"
};

// Every release of the data file, in file order.
const std::vector<OsRelease>& os_releases();
// The release of `family` that `version` belongs to: the longest release
// string that equals `version` or is a prefix of it at a dot ("12.5" -> "12").
std::optional<OsRelease> find_os_release(std::string_view family, std::string_view version);
// The release of `family` to move to on `today`: among those released and
// still supported, the one supported longest (an LTS over a newer interim
// release); ties go to the newer release.
std::optional<OsRelease> current_os_release(std::string_view family, std::string_view today);

// ---------------------------------------------------------------- patch plan --
// See docs/server/patch-plan.md.

// One image config history entry (config "history"), in order.
struct HistoryStep {
  std::string created_by;
  bool empty_layer = false;
};

struct PackagePatch {
  std::string name;
  std::string ecosystem;
  std::string installed;
  std::string upgrade_to;             // smallest version fixing every fixable finding; empty if none
  std::vector<std::string> fixes;     // advisory ids the upgrade fixes
  std::vector<std::string> unfixed;   // advisory ids without a fixed version
  std::string layer;                  // diffID of the layer that installed it
  std::string purl;
  bool from_base_image = false;
};

struct OsSupport {
  std::string family;
  std::string name;        // "Debian 12"
  std::string version;     // as the scan read it ("12.5")
  std::string eol_date;    // empty when the release is not in the data file
  bool eol = false;        // eol_date <= today
};

struct BaseImageAdvice {
  std::string suggestion;          // "rebuild on the current debian:12 image", "move to alpine:3.20"
  double share_of_findings = 0;    // fixable findings in base layers / all fixable findings
};

struct PatchPlan {
  std::optional<OsSupport> os;
  std::vector<PackagePatch> packages;     // packages with upgrade_to first, then by name
  std::optional<BaseImageAdvice> base_image;
  std::vector<std::string> warnings;      // "Debian 10 reached end of life on 2024-06-30"
  size_t base_layers = 0;                 // leading layers counted as the base image's
};

struct PatchOptions {
  std::string today;                  // YYYY-MM-DD; empty = today (UTC)
  // The image config's history, when the caller has it: the base image then
  // ends at its first CMD/ENTRYPOINT-only entry. Without it, the leading
  // root-filesystem layers are the base (docs/server/patch-plan.md).
  std::vector<HistoryStep> history;
};

// The patch plan of a scan: open vulnerability findings grouped by package
// (name, version, ecosystem, layer), the smallest upgrade per package
// (version ordering of the ecosystem), the base-image advice when more than
// half of the fixable findings sit in base layers, and end-of-life warnings
// for the OS (and, for hosts, the OS of each scanned container image).
PatchPlan plan_patches(const Report& latest_scan, const PatchOptions& options = {});

// How many leading layers belong to the base image (see PatchOptions::history).
size_t base_image_layers(const std::vector<HistoryStep>& history, const std::vector<Layer>& layers);

// The plan as the API serves it (without "artifact_id"):
// {"os":{family,name,version,eol_date,eol}|null,"packages":[...],"base_image":{...}|null,"warnings":[...]}.
std::string patch_plan_json(const PatchPlan& plan);

// ----------------------------------------------------------- OpenVEX writer --

// An OpenVEX v0.2.0 document of `statements`, by `author`, at `timestamp`
// (RFC 3339). `id` is the document's @id; empty = derived from the content
// ("https://openvex.dev/docs/public/vex-<sha256>"). parse_openvex() reads it back.
std::string write_openvex(const std::vector<VexStatement>& statements, const std::string& author,
                          const std::string& timestamp, const std::string& id = {});

}  // namespace bulwark::enrich
