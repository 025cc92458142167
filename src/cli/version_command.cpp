#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include "cli/cli.hpp"
#include "scan/scan.hpp"
#include "version/version.hpp"

namespace bulwark::cli {

namespace {

struct CompareOptions {
  std::string ecosystem;
  std::vector<std::string> versions;
  bool from_stdin = false;
};

const char* symbol(int c) { return c < 0 ? "<" : (c > 0 ? ">" : "="); }

// Splits a line into whitespace-separated fields.
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t st = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > st) out.push_back(line.substr(st, i - st));
  }
  return out;
}

int run_compare(const CompareOptions& o) {
  auto scheme = version::lookup_ecosystem(o.ecosystem);
  if (!scheme) {
    print_error(scheme.error());
    return kExitUsage;
  }
  if (!o.from_stdin) {
    if (o.versions.size() != 2) {
      std::fprintf(stderr, "bulwark: version compare needs two versions (or --stdin)\n");
      return kExitUsage;
    }
    auto r = version::compare(*scheme, o.versions[0], o.versions[1]);
    if (!r) {
      print_error(r.error());
      return kExitUsage;
    }
    std::printf("%s\n", symbol(*r));
    return kExitOk;
  }
  if (!o.versions.empty()) {
    std::fprintf(stderr, "bulwark: version compare --stdin takes no versions on the command line\n");
    return kExitUsage;
  }
  // One output line per input line, so a caller can zip them back together.
  bool failed = false;
  std::string line;
  size_t n = 0;
  while (std::getline(std::cin, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto f = fields(line);
    if (f.empty()) {
      std::fputs("\n", stdout);
      continue;
    }
    if (f.size() != 2) {
      std::printf("error: line %zu: expected two versions separated by a space, got %zu fields\n", n, f.size());
      failed = true;
      continue;
    }
    auto r = version::compare(*scheme, f[0], f[1]);
    if (!r) {
      std::printf("error: line %zu: %s\n", n, r.error().describe().c_str());
      failed = true;
      continue;
    }
    std::printf("%s\n", symbol(*r));
  }
  std::fflush(stdout);
  return failed ? kExitError : kExitOk;
}

}  // namespace

void add_version_command(CLI::App& app, Action& action) {
  auto* cmd = app.add_subcommand("version", "Print the version of Bulwark and of its analyzers, or compare versions");
  auto opts = std::make_shared<CompareOptions>();
  auto* compare = cmd->add_subcommand(
      "compare",
      "Compare two versions of an ecosystem (deb, rpm, apk, npm, pypi, maven, go, gem, nuget, composer, cargo, "
      "semver): prints <, = or >");
  compare->add_option("ecosystem", opts->ecosystem, "Ecosystem or OSV ecosystem name")->required();
  compare->add_option("versions", opts->versions, "The two versions A B");
  compare->add_flag("--stdin", opts->from_stdin,
                    "Read lines 'A B' from standard input and print one result per line");
  compare->callback([&action, opts] { action = [opts] { return run_compare(*opts); }; });
  cmd->callback([&action, cmd, compare] {
    if (cmd->got_subcommand(compare)) return;
    action = [] {
      std::printf("bulwark %s\n", std::string(bulwark::tool_version()).c_str());
      AnalyzerRegistry analyzers = scan::default_analyzers();
      for (const auto& a : analyzers.all())
        std::printf("  analyzer %s v%d\n", std::string(a->name()).c_str(), a->version());
      return kExitOk;
    };
  });
}

}  // namespace bulwark::cli
