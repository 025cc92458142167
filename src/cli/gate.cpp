// The CI gate shared by the scan commands and `convert`: the flags (in Trivy's
// spelling), loading the ignore file and VEX documents they name, applying
// them to a finished report, writing it, and the exit code.
#include <CLI/CLI.hpp>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/cli.hpp"
#include "report/report.hpp"

namespace bulwark::cli {

void add_gate_flags(CLI::App* cmd, GateFlags& f) {
  cmd->add_option("--severity", f.severity,
                  "Report only these severities, comma-separated (UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL)");
  cmd->add_flag("--ignore-unfixed", f.ignore_unfixed, "Leave out vulnerabilities that have no fixed version");
  cmd->add_option("--ignorefile", f.ignorefile,
                  "Ignore file: Bulwark YAML, .trivyignore.yaml or .trivyignore (default: .bulwarkignore.yaml or "
                  ".bulwarkignore in the current directory, when present)");
  cmd->add_option("--vex", f.vex, "OpenVEX document whose statements apply to the findings (repeatable)");
  cmd->add_option("--exit-code", f.exit_code,
                  "Exit with this code when open findings remain after filtering (0: never fail)")
      ->capture_default_str();
  cmd->add_option("--server", f.upload.server, "Also upload the report to this Bulwark server (http(s)://HOST:PORT)");
  cmd->add_option("--token", f.upload.token, "API token for --server (default: $BULWARK_TOKEN)");
  cmd->add_flag("--server-insecure", f.upload.insecure, "Do not verify the server's TLS certificate");
}

Result<enrich::Policy> load_gate(const GateFlags& f) {
  enrich::Policy p;
  if (!f.severity.empty()) {
    auto sev = enrich::parse_severity_list(f.severity);
    if (!sev) return sev.error();
    p.severities = *sev;
  }
  p.ignore_unfixed = f.ignore_unfixed;
  std::string ignorefile = f.ignorefile;
  if (ignorefile.empty()) ignorefile = enrich::default_ignore_file(".").value_or("");
  if (!ignorefile.empty()) {
    auto file = enrich::load_ignore_file(ignorefile);
    if (!file) return file.error();
    log_debug("ignore file " + ignorefile + ": " + std::to_string(file->rules.size()) + " entries");
    p.ignore_files.push_back(std::move(*file));
  }
  for (const auto& path : f.vex) {
    auto doc = enrich::load_openvex(path);
    if (!doc) return doc.error();
    log_debug("VEX " + path + ": " + std::to_string(doc->statements.size()) + " statements");
    p.vex.push_back(std::move(*doc));
  }
  return p;
}

Status write_report_file(const Report& report, const std::string& format, const std::string& output) {
  report::WriteOptions wo;
  bool to_stdout = output.empty() || output == "-";
  wo.color = to_stdout && isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr;
  if (to_stdout) {
    std::ostringstream buf;
    if (auto st = report::write_report(report, format, wo, buf); !st) return st;
    std::cout << buf.str() << std::flush;
    if (!std::cout) return Error(ErrorCode::kIo, "cannot write to standard output");
    return {};
  }
  // A device, FIFO or other special file (-o /dev/null, a pipe) is written
  // directly: renaming over it would replace it with a plain file.
  std::error_code st_ec;
  auto status = std::filesystem::status(output, st_ec);
  if (!st_ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status)) {
    std::ofstream out(output, std::ios::binary);
    if (!out) return Error(ErrorCode::kIo, "cannot open output", output);
    if (auto st = report::write_report(report, format, wo, out); !st) return st;
    out.flush();
    if (!out) return Error(ErrorCode::kIo, "cannot write output", output);
    return {};
  }
  // A temporary file beside the output, renamed into place: a failed run never
  // leaves half a report behind.
  std::string tmp = output + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Error(ErrorCode::kIo, "cannot create output file", output);
    if (auto st = report::write_report(report, format, wo, out); !st) {
      std::filesystem::remove(tmp);
      return st;
    }
    out.close();
    if (!out) {
      std::filesystem::remove(tmp);
      return Error(ErrorCode::kIo, "cannot write output file", output);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, output, ec);
  if (ec) return Error(ErrorCode::kIo, ec.message(), output);
  return {};
}

int finish_report(Report& report, const enrich::Policy& policy, const GateFlags& gate, const std::string& format,
                  const std::string& output) {
  // The server gets the whole scan, before this run's ignores and filters:
  // the board keeps its own triage and exceptions.
  if (!gate.upload.server.empty()) {
    std::ostringstream text;
    if (auto st = report::write_report(report, "json", {}, text); !st) {
      print_error(st.error());
      return kExitError;
    }
    if (int rc = upload_report_json(text.str(), gate.upload); rc != kExitOk) return rc;
  }
  enrich::Outcome o = enrich::apply(policy, report);
  for (const auto& d : report.diagnostics) {
    std::string where = d.location.path;
    if (d.location.line > 0) where += ":" + std::to_string(d.location.line);
    if (!d.location.layer.empty()) where = d.location.layer + (where.empty() ? "" : " " + where);
    log(d.level == Diagnostic::Level::kError ? LogLevel::kError : LogLevel::kWarn,
        where.empty() ? d.message : where + ": " + d.message);
  }
  log_info("findings: " + std::to_string(o.open) + " open, " + std::to_string(o.ignored) + " ignored, " +
           std::to_string(o.not_affected) + " not affected and " + std::to_string(o.fixed) + " fixed by VEX; " +
           std::to_string(o.dropped_by_severity) + " left out by --severity, " + std::to_string(o.dropped_unfixed) +
           " by --ignore-unfixed");
  if (auto st = write_report_file(report, format, output); !st) {
    print_error(st.error());
    return kExitError;
  }
  if (o.open == 0 || gate.exit_code == 0) return kExitOk;
  log_warn(std::to_string(o.open) + (o.open == 1 ? " open finding" : " open findings") + ": exit code " +
           std::to_string(gate.exit_code) + " (--exit-code)");
  return gate.exit_code;
}

}  // namespace bulwark::cli
