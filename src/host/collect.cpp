// collect(): every host concept under one root, in one call. Each concept is
// read by its own file (kernel.cpp, modules.cpp, processes.cpp, sockets.cpp,
// engine_client.cpp); this file only strings them together.
#include <unistd.h>

#include "host/internal.hpp"

namespace bulwark::host {

namespace {

std::string read_hostname(const std::filesystem::path& root, std::vector<Diagnostic>& diagnostics) {
  std::string text, error;
  for (const char* rel : {"proc/sys/kernel/hostname", "etc/hostname"}) {
    auto st = read_bounded(under(root, rel), 4096, text, error);
    if (st == ReadStatus::kOk || st == ReadStatus::kTruncated) {
      std::string name(trim(std::string_view(text).substr(0, text.find('\n'))));
      if (!name.empty()) return name.substr(0, 255);
    } else if (st == ReadStatus::kError) {
      diagnostics.push_back(make_warning(display_path(root, rel), 0, "cannot read: " + error));
    }
  }
  if (is_root_slash(root)) {
    char buf[256] = {0};
    if (::gethostname(buf, sizeof buf - 1) == 0) return buf;
  }
  return {};
}

}  // namespace

HostInfo collect(const HostOptions& opts, std::vector<Diagnostic>& diagnostics) {
  HostInfo h;
  h.hostname = read_hostname(opts.root, diagnostics);
  h.kernel = read_kernel(opts.root, diagnostics);
  h.modules = read_modules(opts.root, diagnostics);
  std::vector<ProcessInfo> processes;
  if (opts.processes) processes = read_processes(opts.root, diagnostics);
  h.listening = read_listening(opts.root, processes, diagnostics);
  if (opts.processes) h.processes = std::move(processes);

  if (opts.containers) {
    h.engine_socket = find_engine_socket(opts.root, opts.engine_socket);
    if (h.engine_socket.empty()) {
      diagnostics.push_back(make_warning(
          display_path(opts.root, "run/podman/podman.sock"), 0,
          "no container engine socket (looked at run/podman/podman.sock, var/run/docker.sock, run/docker.sock "
          "under the root); containers are not listed (--engine-socket names one)"));
      return h;
    }
    EngineClientOptions eo;
    eo.socket = h.engine_socket;
    eo.timeout_seconds = opts.engine_timeout_seconds;
    eo.cancel = opts.cancel;
    EngineClient client(eo);
    auto version = client.version();
    if (!version) {
      diagnostics.push_back(make_warning(h.engine_socket, 0,
                                         "container engine not usable; containers are not listed: " +
                                             version.error().describe()));
      return h;
    }
    h.engine = *version;
    auto containers = client.containers(diagnostics);
    if (!containers) {
      diagnostics.push_back(make_warning(h.engine_socket, 0,
                                         "cannot list containers: " + containers.error().describe()));
      return h;
    }
    h.containers = std::move(*containers);
    reconcile_namespaces(opts.root, h.containers, diagnostics);
  }
  return h;
}

}  // namespace bulwark::host
