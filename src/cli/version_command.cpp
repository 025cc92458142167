#include <CLI/CLI.hpp>

#include <cstdio>

#include "cli/cli.hpp"
#include "scan/scan.hpp"

namespace bulwark::cli {

void add_version_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("version", "Print the version of Bulwark and of its analyzers");
  cmd->callback([&action] {
    action = [] {
      std::printf("bulwark %s\n", std::string(tool_version()).c_str());
      AnalyzerRegistry analyzers = scan::default_analyzers();
      for (const auto& a : analyzers.all())
        std::printf("  analyzer %s v%d\n", std::string(a->name()).c_str(), a->version());
      return kExitOk;
    };
  });
}

}  // namespace bulwark::cli
