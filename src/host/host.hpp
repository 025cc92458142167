// The public face of the host module: what a host scan sees besides the
// packages of its root file system — the running kernel and the distro package
// it came from, loaded modules, processes, listening sockets with the
// processes holding them, and the containers of a podman/docker engine
// reached through its Docker-compatible API socket.
//
// Every reader takes a root directory and reads only under it ("/" for the
// machine itself; a temporary tree in tests; a mounted host file system in an
// agent container), one file per concept, osquery style. Reads are bounded;
// an unreadable or malformed file is a Diagnostic naming it, never an
// exception, a crash or a hang.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"

namespace bulwark::host {

struct HostOptions {
  std::filesystem::path root = "/";
  std::string engine_socket;  // empty = auto-detect under root; "unix://" prefix allowed
  bool containers = true;     // ask the engine for its containers
  bool processes = true;      // walk proc/<pid> (needed for socket owners)
  long engine_timeout_seconds = 10;  // per request to the engine; a silent engine is a diagnostic
  const CancelToken* cancel = nullptr;  // --timeout / Ctrl-C also stop engine requests
};

// Reads the facts of the host under root. Problems are diagnostics, never exceptions.
HostInfo collect(const HostOptions& opts, std::vector<Diagnostic>& diagnostics);

// ------------------------------------------------------------------ kernel --

// Release, version and machine from proc/sys/kernel/{osrelease,version} under
// root (uname(2) for the machine, and for everything when root is "/" and
// proc is unreadable).
KernelInfo read_kernel(const std::filesystem::path& root, std::vector<Diagnostic>& diagnostics);

// The distribution's version of the kernel as uname's release and version
// strings carry it: Debian "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"
// -> "6.1.76-1"; Ubuntu release "5.15.0-94-generic" with "#104-Ubuntu SMP ..."
// -> "5.15.0-94.104". Empty when the strings do not say.
std::string distro_kernel_version(std::string_view release, std::string_view version);

// Fills kernel.package / package_version / src_name from the OS and the
// installed packages: the package that installed /boot/vmlinuz-<release> or
// /lib/modules/<release>, or the distro's naming rule (Debian/Ubuntu
// linux-image-<release>, RHEL family kernel-core/kernel, Alpine linux-<flavor>).
// Marks that package as the running kernel (Package::running_kernel) so the
// vulnerability matcher matches kernel advisories against it; when no installed
// package matches but the version string names the distro version, adds the
// package (located at proc/sys/kernel/version) so it is matched all the same.
void map_kernel_package(KernelInfo& kernel, const std::optional<OsInfo>& os, std::vector<Package>& packages,
                        std::vector<Diagnostic>& diagnostics);

// ----------------------------------------------------------------- modules --

std::vector<KernelModule> parse_proc_modules(std::string_view text, const std::string& path,
                                             std::vector<Diagnostic>& diagnostics);
std::vector<KernelModule> read_modules(const std::filesystem::path& root, std::vector<Diagnostic>& diagnostics);

// --------------------------------------------------------------- processes --

// Parsers of one process's files (text as read; path for diagnostics).
// stat: pid, comm (in parentheses, may hold spaces and ')'), ppid.
bool parse_proc_stat(std::string_view text, ProcessInfo& out);
// status: Name, PPid, Uid (real uid) lines.
bool parse_proc_status(std::string_view text, ProcessInfo& out);
// cmdline: NUL-separated arguments.
std::vector<std::string> parse_proc_cmdline(std::string_view text);

std::vector<ProcessInfo> read_processes(const std::filesystem::path& root, std::vector<Diagnostic>& diagnostics);

// ----------------------------------------------------------------- sockets --

// One table of proc/net/{tcp,tcp6,udp,udp6}: listening TCP sockets (state 0A)
// or bound UDP sockets (state 07 with no remote peer). pids are left empty.
std::vector<ListeningSocket> parse_proc_net(std::string_view text, std::string_view protocol,
                                            const std::string& path, std::vector<Diagnostic>& diagnostics);

// Listening sockets of the host (the network namespace of proc/net, i.e. of
// the process reading proc/self, or proc/1 for a mounted host root), with their
// holders found through the socket inodes in proc/<pid>/fd.
std::vector<ListeningSocket> read_listening(const std::filesystem::path& root,
                                            const std::vector<ProcessInfo>& processes,
                                            std::vector<Diagnostic>& diagnostics);

// ------------------------------------------------------- container engine --

// The engine socket: `explicit_socket` if given (a path on this machine),
// else the first socket among run/podman/podman.sock, var/run/docker.sock,
// run/docker.sock under root. Empty when none is there.
std::string find_engine_socket(const std::filesystem::path& root, const std::string& explicit_socket);

struct EngineClientOptions {
  std::string socket;                     // unix socket path
  long timeout_seconds = 10;              // whole request, connect included
  uint64_t max_response_bytes = 16 << 20; // larger answers fail with kLimitExceeded
  const CancelToken* cancel = nullptr;
};

// A Docker-compatible engine API client (GET only) over a unix socket.
class EngineClient {
 public:
  explicit EngineClient(EngineClientOptions opts) : opts_(std::move(opts)) {}
  // GET /version: "podman 4.3.1" / "docker 24.0.7".
  Result<std::string> version();
  // GET /containers/json?all=1 then /containers/{id}/json for each.
  Result<std::vector<ContainerInfo>> containers(std::vector<Diagnostic>& diagnostics);
  // GET /containers/{id}/json.
  Result<ContainerInfo> inspect(const std::string& id);
  // Raw GET of an API path ("/version"); body when the status is 200.
  Result<std::string> get(const std::string& api_path);
  const EngineClientOptions& options() const { return opts_; }

 private:
  EngineClientOptions opts_;
  std::string product_;  // "podman" / "docker" once /version answered
};

// Checks the network/pid/ipc/uts modes of running containers against the
// namespaces their main process really shares with the host
// (proc/<pid>/ns/* against proc/self/ns on a live root, proc/1/ns in a
// mounted one) and reports a shared one as "host" with a diagnostic when the
// engine said otherwise. collect() calls it.
void reconcile_namespaces(const std::filesystem::path& root, std::vector<ContainerInfo>& containers,
                          std::vector<Diagnostic>& diagnostics);

// Parsers of the engine's answers (fuzzed).
Result<std::string> parse_engine_version(std::string_view json);
Result<std::vector<std::string>> parse_container_list(std::string_view json);  // ids
Result<ContainerInfo> parse_container_inspect(std::string_view json, std::string_view engine);
Result<std::vector<std::string>> parse_image_repo_digests(std::string_view json);  // "repo@sha256:…"

}  // namespace bulwark::host
