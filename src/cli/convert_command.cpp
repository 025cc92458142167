// bulwark convert REPORT.json: reads a Bulwark JSON report and writes it again
// in any format, with the gate's flags applied (like `trivy convert`). A scan
// saved once as JSON can so become SARIF for code scanning, CycloneDX for an
// SBOM store and a table for people, each with its own ignores and VEX.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "cli/cli.hpp"
#include "core/json.hpp"
#include "report/report.hpp"

namespace bulwark::cli {

namespace {

struct ConvertFlags {
  std::string input;
  std::string format = "table";
  std::string output;
  bool quiet = false;
  bool debug = false;
  GateFlags gate;
};

Result<Report> read_report(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return Error(ErrorCode::kNotFound, "report not found", path);
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > limits().max_sbom_bytes)
    return Error(ErrorCode::kLimitExceeded, "report larger than " + std::to_string(limits().max_sbom_bytes) + " bytes",
                 path);
  std::ifstream in(path, std::ios::binary);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (!in && !in.eof()) return Error(ErrorCode::kIo, "cannot read the report", path);
  return report_from_json(buf.str(), path);
}

int run_convert(const ConvertFlags& f) {
  set_log_level(f.debug ? LogLevel::kDebug : f.quiet ? LogLevel::kError : LogLevel::kWarn);
  auto policy = load_gate(f.gate);
  if (!policy) {
    print_error(policy.error());
    return policy.error().code == ErrorCode::kInvalidArgument ? kExitUsage : kExitError;
  }
  auto report = read_report(f.input);
  if (!report) {
    print_error(report.error());
    return kExitError;
  }
  return finish_report(*report, *policy, f.gate, f.format, f.output);
}

}  // namespace

void add_convert_command(CLI::App& app, Action& action) {
  auto flags = std::make_shared<ConvertFlags>();
  auto* cmd = app.add_subcommand("convert", "Write a saved Bulwark JSON report in another format, with the gate's flags");
  cmd->add_option("report", flags->input, "Bulwark JSON report (bulwark … -f json)")->required();
  cmd->add_option("-f,--format", flags->format, "Output format")
      ->check(CLI::IsMember(report::formats()))
      ->capture_default_str();
  cmd->add_option("-o,--output", flags->output, "Write to FILE instead of standard output");
  cmd->add_flag("-q,--quiet", flags->quiet, "No log lines but errors");
  cmd->add_flag("--debug", flags->debug, "Log what Bulwark does");
  add_gate_flags(cmd, flags->gate);
  cmd->callback([&action, flags] { action = [flags] { return run_convert(*flags); }; });
}

}  // namespace bulwark::cli
