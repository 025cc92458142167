// Internal header of the CLI: one file per subcommand registers itself on the
// CLI11 app here; main.cpp parses and runs the chosen one.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/core.hpp"
#include "enrich/enrich.hpp"

namespace CLI {
class App;
}

namespace bulwark::scan {
struct Request;
}

namespace bulwark::cli {

// Exit codes (docs/user-guide.md). A findings exit code comes from --exit-code.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFindings = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitError = 3;

// What a subcommand does once parsing succeeded; returns the process exit code.
using Action = std::function<int()>;

// Each adds its subcommand(s) to `app` and sets `action` when chosen.
void add_scan_commands(CLI::App& app, Action& action);
void add_version_command(CLI::App& app, Action& action);
void add_completion_command(CLI::App& app, Action& action);
void add_db_command(CLI::App& app, Action& action);
void add_convert_command(CLI::App& app, Action& action);
void add_compliance_command(CLI::App& app, Action& action);
void add_server_command(CLI::App& app, Action& action);
void add_report_command(CLI::App& app, Action& action);

// Where a finished report is also sent (--server URL --token TOKEN): the
// board's API. The token may come from BULWARK_TOKEN instead.
struct UploadFlags {
  std::string server;
  std::string token;
  bool insecure = false;
};
// Uploads the report's JSON; logs what the server said. Returns kExitOk or kExitError.
int upload_report_json(const std::string& json_text, const UploadFlags& f);

// The CI gate's flags (gate.cpp), shared by the scan commands and convert,
// and the upload flags every command that finishes a report takes.
struct GateFlags {
  std::string severity;          // "CRITICAL,HIGH"; empty keeps every severity
  bool ignore_unfixed = false;
  std::string ignorefile;        // empty: the default file in the current directory, if any
  std::vector<std::string> vex;  // OpenVEX documents
  int exit_code = 0;             // when open findings remain; 0 never fails
  UploadFlags upload;
};
void add_gate_flags(CLI::App* cmd, GateFlags& flags);

// The flags every scan command shares (scan_command.cpp).
struct ScanFlags {
  std::string target;
  bool packages = true;  // collect packages (all but `config`)
  std::string format = "table";
  std::string output;
  bool quiet = false;
  bool debug = false;
  std::string cache_dir;
  bool no_cache = false;
  std::string timeout = "5m";
  std::string platform;
  bool insecure = false;
  std::string username;
  std::string password;
  std::string registry_token;
  std::vector<std::string> image_src;
  std::string engine_socket;
  int parallel = 0;
  std::vector<std::string> skip_dirs;
  std::vector<std::string> skip_files;
  std::vector<std::string> disable_analyzers;
  std::string db_path;
  std::vector<std::string> scanners = {"vuln"};
  std::vector<std::string> policy_dirs;
  std::vector<std::string> disabled_policies;
  bool fix = false;
  bool fix_dry_run = false;
  GateFlags gate;
};
// Adds the shared scan flags; image_flags adds registry/engine ones,
// skip_flags --skip-dirs/--skip-files (and --fix for directory targets).
void add_scan_flags(CLI::App* cmd, ScanFlags& f, bool image_flags, bool skip_flags);
// Runs one scan of `kind` with the flags; `customize` sets what a command
// adds to the request (the host command's options) before it runs.
int run_scan(TargetKind kind, const ScanFlags& f, const std::function<void(scan::Request&)>& customize = {});
void add_host_command(CLI::App& app, Action& action);
// Reads what the flags name. Errors: a bad --severity is kInvalidArgument (a
// usage error); an unreadable or malformed file names the file and line.
Result<enrich::Policy> load_gate(const GateFlags& flags);
// Applies the policy to the report, logs its diagnostics, writes it in
// `format` to `output` (standard output when empty) and returns the exit code.
int finish_report(Report& report, const enrich::Policy& policy, const GateFlags& gate, const std::string& format,
                  const std::string& output);
// Writes a report atomically (temporary file + rename) or to standard output.
Status write_report_file(const Report& report, const std::string& format, const std::string& output);

// The cancel token that SIGINT and --timeout trip.
CancelToken& cancel_token();

// A progress bar on stderr when it is a terminal; null when quiet or not a tty.
std::unique_ptr<Progress> make_terminal_progress(bool quiet);

// Prints an error the way every command does: "bulwark: <where>: <message>".
void print_error(const Error& e);

}  // namespace bulwark::cli
