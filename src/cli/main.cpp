// bulwark: one binary, subcommands in the conventions of Trivy.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>

#include "core/process.hpp"
#include "cli/cli.hpp"

namespace bulwark::cli {

CancelToken& cancel_token() {
  static CancelToken token;
  return token;
}

void print_error(const Error& e) {
  std::fprintf(stderr, "bulwark: %s: %s\n", to_string(e.code), e.describe().c_str());
}

}  // namespace bulwark::cli

namespace {

void on_interrupt(int) {
  // First Ctrl-C asks the scan to stop cleanly; a second one kills the process.
  bulwark::cli::cancel_token().cancel();
  std::signal(SIGINT, SIG_DFL);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace bulwark::cli;
  bulwark::prepare_process();
  CLI::App app{"Bulwark: container security scanner (images, root filesystems, directories, SBOMs, hosts)", "bulwark"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(bulwark::tool_version()));
  app.footer(
      "Exit codes: 0 success, N open findings with --exit-code N, 2 usage error, 3 scan error.\n"
      "Run 'bulwark COMMAND --help' for the flags of a command.");

  Action action;
  add_scan_commands(app, action);
  add_version_command(app, action);
  add_completion_command(app, action);
  add_db_command(app, action);
  add_convert_command(app, action);
  add_host_command(app, action);
  add_compliance_command(app, action);
  add_server_command(app, action);
  add_report_command(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  std::signal(SIGINT, on_interrupt);
  std::signal(SIGPIPE, SIG_IGN);
  if (!action) return kExitUsage;
  return action();
}
