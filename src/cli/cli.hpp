// Internal header of the CLI: one file per subcommand registers itself on the
// CLI11 app here; main.cpp parses and runs the chosen one.
#pragma once

#include <functional>
#include <string>

#include "core/core.hpp"

namespace CLI {
class App;
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

// The cancel token that SIGINT and --timeout trip.
CancelToken& cancel_token();

// A progress bar on stderr when it is a terminal; null when quiet or not a tty.
std::unique_ptr<Progress> make_terminal_progress(bool quiet);

// Prints an error the way every command does: "bulwark: <where>: <message>".
void print_error(const Error& e);

}  // namespace bulwark::cli
