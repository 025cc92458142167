// bulwark host: the machine (or a host root mounted at --root) scanned like a
// root file system — OS and language packages by the same analyzers as
// `rootfs` — plus what only a running host has: the kernel and its package,
// loaded modules, listening sockets with their processes, and the containers
// of its podman/docker engine. --scan-containers scans each distinct image of
// the running containers through the engine.
#include <CLI/CLI.hpp>

#include <memory>

#include "cli/cli.hpp"
#include "scan/scan.hpp"

namespace bulwark::cli {

namespace {

struct HostFlags {
  ScanFlags scan;
  std::string root = "/";
  std::string engine_socket;
  bool scan_containers = false;
  bool no_containers = false;
  long engine_timeout = 10;
};

}  // namespace

void add_host_command(CLI::App& app, Action& action) {
  auto flags = std::make_shared<HostFlags>();
  flags->scan.scanners = {"vuln"};
  auto* cmd = app.add_subcommand(
      "host", "Scan a host: packages, running kernel, loaded modules, listening sockets, containers");
  cmd->add_option("--root", flags->root, "Root of the host to scan (a host file system mounted elsewhere)")
      ->capture_default_str();
  cmd->add_option("--engine-socket", flags->engine_socket,
                  "Podman/Docker API socket (default: run/podman/podman.sock, var/run/docker.sock, run/docker.sock "
                  "under the root)");
  cmd->add_option("--engine-timeout", flags->engine_timeout, "Seconds to wait for each answer of the engine")
      ->capture_default_str();
  cmd->add_flag("--scan-containers", flags->scan_containers,
                "Also scan each distinct image of the running containers (exported through the engine)");
  cmd->add_flag("--no-containers", flags->no_containers, "Do not ask a container engine for its containers");
  add_scan_flags(cmd, flags->scan, false, true);
  cmd->callback([&action, flags] {
    action = [flags] {
      flags->scan.target = flags->root;
      return run_scan(TargetKind::kHost, flags->scan, [flags](scan::Request& req) {
        req.host.root = flags->root;
        req.host.engine_socket = flags->engine_socket;
        req.host.containers = !flags->no_containers;
        req.host.engine_timeout_seconds = flags->engine_timeout > 0 ? flags->engine_timeout : 10;
        req.host.cancel = req.artifact.cancel;
        req.scan_containers = flags->scan_containers && !flags->no_containers;
      });
    };
  });
}

}  // namespace bulwark::cli
