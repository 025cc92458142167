// JSON for the core model. An implementation header: include it from .cpp files
// only, so that nlohmann/json stays out of the public headers.
//
// The field names here ARE the JSON report schema (docs/report-schema.md) and
// the layer cache format; change them only together with Report::kSchemaVersion.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/analyzer.hpp"
#include "core/model.hpp"
#include "core/result.hpp"

namespace bulwark {

using json = nlohmann::json;

// Parses JSON text with the depth limit of limits(). Errors say
// "<what>: line L column C: <reason>".
Result<json> parse_json(std::string_view text, std::string_view what);

// Typed field access that reports the JSON path on mismatch instead of throwing.
// Returns "" / 0 / false when the field is absent or null.
std::string get_string(const json& j, std::string_view key);
int64_t get_int(const json& j, std::string_view key);

void to_json(json& j, const Location& v);
void from_json(const json& j, Location& v);
void to_json(json& j, const Diagnostic& v);
void from_json(const json& j, Diagnostic& v);
void to_json(json& j, const Layer& v);
void from_json(const json& j, Layer& v);
void to_json(json& j, const ImageConfig& v);
void from_json(const json& j, ImageConfig& v);
void to_json(json& j, const Artifact& v);
void from_json(const json& j, Artifact& v);
void to_json(json& j, const Target& v);
void from_json(const json& j, Target& v);
void to_json(json& j, const OsInfo& v);
void from_json(const json& j, OsInfo& v);
void to_json(json& j, const Package& v);
void from_json(const json& j, Package& v);
void to_json(json& j, const Application& v);
void from_json(const json& j, Application& v);
void to_json(json& j, const KernelInfo& v);
void from_json(const json& j, KernelInfo& v);
void to_json(json& j, const KernelModule& v);
void from_json(const json& j, KernelModule& v);
void to_json(json& j, const ProcessInfo& v);
void from_json(const json& j, ProcessInfo& v);
void to_json(json& j, const ListeningSocket& v);
void from_json(const json& j, ListeningSocket& v);
void to_json(json& j, const ContainerMount& v);
void from_json(const json& j, ContainerMount& v);
void to_json(json& j, const PortBinding& v);
void from_json(const json& j, PortBinding& v);
void to_json(json& j, const ContainerInfo& v);
void from_json(const json& j, ContainerInfo& v);
void to_json(json& j, const HostImageScan& v);
void from_json(const json& j, HostImageScan& v);
void to_json(json& j, const HostInfo& v);
void from_json(const json& j, HostInfo& v);
void to_json(json& j, const Inventory& v);
void from_json(const json& j, Inventory& v);
void to_json(json& j, const Score& v);
void from_json(const json& j, Score& v);
void to_json(json& j, const FrameworkRef& v);
void from_json(const json& j, FrameworkRef& v);
void to_json(json& j, const Remediation& v);
void from_json(const json& j, Remediation& v);
void to_json(json& j, const Finding& v);
void from_json(const json& j, Finding& v);
void to_json(json& j, const ComplianceEvidence& v);
void from_json(const json& j, ComplianceEvidence& v);
void to_json(json& j, const ComplianceItem& v);
void from_json(const json& j, ComplianceItem& v);
void to_json(json& j, const ComplianceCounts& v);
void from_json(const json& j, ComplianceCounts& v);
void to_json(json& j, const ComplianceSection& v);
void from_json(const json& j, ComplianceSection& v);
void to_json(json& j, const ComplianceControlResult& v);
void from_json(const json& j, ComplianceControlResult& v);
void to_json(json& j, const ComplianceReport& v);
void from_json(const json& j, ComplianceReport& v);
void to_json(json& j, const ToolInfo& v);
void from_json(const json& j, ToolInfo& v);
void to_json(json& j, const Report& v);
void from_json(const json& j, Report& v);
void to_json(json& j, const FileResult& v);
void from_json(const json& j, FileResult& v);
void to_json(json& j, const LayerResult& v);
void from_json(const json& j, LayerResult& v);

// Report from JSON text, checking schema_version.
Result<Report> report_from_json(std::string_view text, std::string_view what);

}  // namespace bulwark
