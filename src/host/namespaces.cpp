// What the engine says about a container's namespaces checked against what
// its main process really shares with the host (proc/<pid>/ns/*). Engines
// can misreport: podman 4.3.1's Docker-compatible inspect says IpcMode
// "shareable" for a container started with --ipc host whose process is in
// the host's IPC namespace. A mode the kernel shows to be the host's is
// reported as "host", with a diagnostic naming both.
#include <unistd.h>

#include <cerrno>

#include "host/internal.hpp"

namespace bulwark::host {

namespace fs = std::filesystem;

namespace {

std::string ns_link(const fs::path& p) {
  char buf[128];
  ssize_t n = ::readlink(p.c_str(), buf, sizeof buf);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return {};
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace

void reconcile_namespaces(const fs::path& root, std::vector<ContainerInfo>& containers,
                          std::vector<Diagnostic>& diagnostics) {
  // The host's namespaces: ours on a live root (the scanner runs in them), the
  // host's init's in a mounted host root (proc/self there is not the host).
  const std::string ref_dir = is_root_slash(root) ? "proc/self/ns" : "proc/1/ns";
  // user and cgroup namespaces are shared by default (Docker's UsernsMode ""
  // means the host's), so only the four a container gets privately by default
  // are checked.
  struct Kind {
    const char* ns;
    std::string ContainerInfo::*mode;
    const char* option;
  };
  const Kind kinds[] = {{"net", &ContainerInfo::network_mode, "network"},
                        {"pid", &ContainerInfo::pid_mode, "pid"},
                        {"ipc", &ContainerInfo::ipc_mode, "ipc"},
                        {"uts", &ContainerInfo::uts_mode, "uts"}};
  for (auto& c : containers) {
    if (c.pid <= 0 || c.state != "running") continue;
    for (const auto& k : kinds) {
      std::string host_ns = ns_link(under(root, ref_dir + "/" + k.ns));
      std::string theirs = ns_link(under(root, "proc/" + std::to_string(c.pid) + "/ns/" + k.ns));
      if (host_ns.empty() || theirs.empty() || host_ns != theirs) continue;
      std::string& mode = c.*k.mode;
      if (mode == "host") continue;
      diagnostics.push_back(make_warning(
          display_path(root, "proc/" + std::to_string(c.pid) + "/ns/" + k.ns), 0,
          "container " + (c.name.empty() ? c.id.substr(0, 12) : c.name) + ": the engine reports " + k.option +
              " mode '" + mode + "' but the container's process is in the host's " + k.ns +
              " namespace; reported as 'host'"));
      mode = "host";
    }
  }
}

}  // namespace bulwark::host
