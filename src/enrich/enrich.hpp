// The enrich stage: what happens to findings after the detectors and before
// the report is written. Ignore files (Bulwark/Trivy YAML and Trivy's plain
// .trivyignore), OpenVEX statements, and the gate: severity filter,
// --ignore-unfixed, and whether the run fails.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"

namespace bulwark::enrich {

// One entry of an ignore file.
struct IgnoreRule {
  std::string id;                  // vulnerability/rule id; matches the finding's id or any alias
  std::vector<std::string> paths;  // optional: only findings at these paths (glob: * and ?)
  std::vector<std::string> purls;  // optional: only these packages (purl without qualifiers, or a name)
  std::string reason;
  std::string expires;             // YYYY-MM-DD; empty = never
  std::string where;               // file:line, for messages
};

// Reads an ignore file: YAML with lists `vulnerabilities`, `misconfigurations`,
// `secrets` (or a top-level list) of {id, paths|path, purls|package, statement|
// reason, expired_at|expires}, or the plain text form (one id per line, `#`
// comments, optional `exp:YYYY-MM-DD`). Errors name the file and line.
Result<std::vector<IgnoreRule>> load_ignore_file(const std::string& path);

// One OpenVEX statement, reduced to what suppression needs.
struct VexStatement {
  std::vector<std::string> vulnerabilities;  // name, @id and aliases
  std::vector<std::string> products;         // product @ids, identifiers.purl, subcomponent @ids
  std::string status;                        // not_affected, affected, fixed, under_investigation
  std::string justification, impact;
  std::string timestamp;
  std::string where;
};

// Reads an OpenVEX JSON document (v0.2.0; older @context versions are read
// the same way). Errors name the file and the statement.
Result<std::vector<VexStatement>> load_openvex(const std::string& path);

struct Options {
  std::vector<std::string> ignore_files;   // applied in order
  std::vector<std::string> vex_files;
  std::vector<Severity> severities;        // empty = every severity
  bool ignore_unfixed = false;
  std::string today;                       // YYYY-MM-DD; empty = the current UTC date
};

// Applies ignores and VEX (matched findings get status ignored / not_affected
// and stay in the report), then drops findings outside the severity filter and
// unfixed vulnerabilities when asked. Expired ignore entries are reported as
// warnings and leave the finding open, with attribute "ignore_expired".
Status apply(Report& report, const Options& options);

// Findings that fail the gate: open ones (ignored and not_affected never do).
size_t open_findings(const Report& report);

// Exposed for tests and fuzz targets: parse from text.
Result<std::vector<IgnoreRule>> parse_ignore_file(std::string_view text, const std::string& name);
Result<std::vector<VexStatement>> parse_openvex(std::string_view text, const std::string& name);

}  // namespace bulwark::enrich
