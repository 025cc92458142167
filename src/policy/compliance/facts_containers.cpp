// Container facts: the engine (socket, whether it answered, GET /info) and
// every running or paused container as the host module read it through the
// Docker-compatible API, its typed fields plus the raw inspect answer
// (`inspect`), and the host processes that belong to it.
#include <unistd.h>

#include <map>
#include <optional>

#include "core/json.hpp"
#include "policy/compliance/internal.hpp"

namespace bulwark::compliance {

namespace {

Node node_of(const json& j, int depth = 0) {
  if (depth > 64) return str_node("(nested too deep)");
  switch (j.type()) {
    case json::value_t::null: return Node::null();
    case json::value_t::boolean: return bool_node(j.get<bool>());
    case json::value_t::number_integer: return int_node(j.get<int64_t>());
    case json::value_t::number_unsigned: {
      uint64_t u = j.get<uint64_t>();
      return u > static_cast<uint64_t>(INT64_MAX) ? Node::real(static_cast<double>(u)) : int_node(static_cast<int64_t>(u));
    }
    case json::value_t::number_float: return Node::real(j.get<double>());
    case json::value_t::string: return str_node(j.get<std::string>());
    case json::value_t::array: {
      Node l = Node::list();
      for (const auto& x : j) l.push(node_of(x, depth + 1));
      return l;
    }
    case json::value_t::object: {
      Node m = Node::map();
      for (auto it = j.begin(); it != j.end(); ++it) m.add(it.key(), node_of(it.value(), depth + 1));
      return m;
    }
    default: return Node::null();
  }
}

std::string short_id(const std::string& id) { return id.substr(0, 12); }

// The namespace a process is in, as its proc/<pid>/ns/<kind> link names it
// ("ipc:[4026531839]"); nullopt when it cannot be read.
std::optional<std::string> ns_link(const std::filesystem::path& root, const std::string& proc_dir, const char* kind) {
  auto dir = resolve_in_root(root, proc_dir + "/ns");
  if (!dir) return std::nullopt;
  char buf[256];
  ssize_t n = ::readlink((dir->host_path / kind).c_str(), buf, sizeof buf - 1);
  if (n <= 0) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

// The host's namespaces: the scanner's own on a live root (it runs in them;
// PID 1 may be another process's or unreadable), PID 1's in a mounted host
// root (proc/self there is the reader, not the host).
std::map<std::string, std::string> host_namespaces(const std::filesystem::path& root, std::string& from) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  bool live = root == "/" || std::filesystem::equivalent(root, "/", ec);
  from = live ? "proc/self" : "proc/1";
  for (const char* kind : {"ipc", "pid", "net", "uts", "user", "cgroup"})
    if (auto l = ns_link(root, from, kind)) out[kind] = *l;
  return out;
}

}  // namespace

void gather_container_facts(const FactsInput& in, Facts::Impl& f, std::vector<Diagnostic>& diags) {
  const EngineState& e = in.engine;
  Node engine = Node::map();
  engine.add("socket", str_node(e.socket));
  engine.add("answered", bool_node(e.answered));
  engine.add("product", str_node(e.product));
  if (!e.error.empty()) engine.add("error", str_node(e.error));
  if (!e.info_json.empty()) {
    auto info = parse_json(e.info_json, "engine /info");
    if (info) engine.add("info", node_of(*info));
    else diags.push_back(make_warning("engine /info", 0, info.error().describe()));
  }
  f.add_source("engine.info", "engine " + (e.socket.empty() ? std::string("API") : e.socket) + " GET /info", false);
  f.root.add("engine", std::move(engine));

  Node list = Node::list();
  if (!e.answered || !in.host) {
    std::string why = !e.error.empty()  ? e.error
                      : e.socket.empty() ? "no container engine socket was found under " + in.root.string()
                                         : "the container engine at " + e.socket + " was not asked";
    f.errors["containers"] = why;
    f.root.add("containers", std::move(list));
    return;
  }
  // Namespaces are compared with the host's as the kernel shows them: the
  // engine's inspect answer is not always right (podman 4.3 reports
  // IpcMode "shareable" for a container started with --ipc host).
  std::string ns_from;
  auto host_ns = host_namespaces(in.root, ns_from);
  // Children of each process, for the processes inside a container.
  std::map<int, std::vector<const ProcessInfo*>> children;
  for (const auto& p : in.host->processes) children[p.ppid].push_back(&p);

  for (const auto& c : in.host->containers) {
    if (c.state != "running" && c.state != "paused") continue;
    Node n = Node::map();
    n.add("engine", str_node(c.engine));
    n.add("id", str_node(c.id));
    n.add("name", str_node(c.name));
    n.add("image", str_node(c.image));
    n.add("image_id", str_node(c.image_id));
    n.add("state", str_node(c.state));
    n.add("user", str_node(c.user));
    n.add("privileged", bool_node(c.privileged));
    n.add("cap_add", string_list(c.cap_add));
    n.add("cap_drop", string_list(c.cap_drop));
    n.add("network_mode", str_node(c.network_mode));
    n.add("pid_mode", str_node(c.pid_mode));
    n.add("ipc_mode", str_node(c.ipc_mode));
    n.add("uts_mode", str_node(c.uts_mode));
    n.add("userns_mode", str_node(c.userns_mode));
    n.add("cgroupns_mode", str_node(c.cgroupns_mode));
    Node mounts = Node::list();
    for (const auto& m : c.mounts) {
      Node x = Node::map();
      x.add("type", str_node(m.type));
      x.add("source", str_node(m.source));
      x.add("destination", str_node(m.destination));
      x.add("rw", bool_node(m.read_write));
      x.add("propagation", str_node(m.propagation));
      mounts.push(std::move(x));
    }
    n.add("mounts", std::move(mounts));
    Node ports = Node::list();
    for (const auto& p : c.ports) {
      Node x = Node::map();
      x.add("host_ip", str_node(p.host_ip));
      x.add("host_port", int_node(p.host_port));
      x.add("container_port", int_node(p.container_port));
      x.add("protocol", str_node(p.protocol));
      ports.push(std::move(x));
    }
    n.add("ports", std::move(ports));
    n.add("read_only_rootfs", bool_node(c.read_only_rootfs));
    n.add("no_new_privileges", bool_node(c.no_new_privileges));
    n.add("seccomp_profile", str_node(c.seccomp_profile));
    n.add("apparmor_profile", str_node(c.apparmor_profile));
    n.add("security_opt", string_list(c.security_opt));
    n.add("memory_limit", int_node(c.memory_limit));
    n.add("nano_cpus", int_node(c.nano_cpus));
    n.add("cpu_shares", int_node(c.cpu_shares));
    n.add("cpu_quota", int_node(c.cpu_quota));
    n.add("pids_limit", int_node(c.pids_limit));
    n.add("restart_policy", str_node(c.restart_policy));
    n.add("restart_max_retries", int_node(c.restart_max_retries));
    n.add("has_healthcheck", bool_node(c.has_healthcheck));
    n.add("pid", int_node(c.pid));
    // The container's processes: its main process and its descendants.
    Node procs = Node::list();
    if (c.pid > 0) {
      std::vector<int> todo{c.pid};
      std::map<int, bool> seen;
      for (const auto& p : in.host->processes)
        if (p.pid == c.pid) {
          Node x = Node::map();
          x.add("pid", int_node(p.pid));
          x.add("name", str_node(p.name));
          x.add("args", string_list(p.args));
          procs.push(std::move(x));
        }
      while (!todo.empty() && procs.size() < 10000) {
        int pid = todo.back();
        todo.pop_back();
        if (seen[pid]) continue;
        seen[pid] = true;
        for (const ProcessInfo* child : children[pid]) {
          Node x = Node::map();
          x.add("pid", int_node(child->pid));
          x.add("name", str_node(child->name));
          x.add("args", string_list(child->args));
          procs.push(std::move(x));
          todo.push_back(child->pid);
        }
      }
    }
    n.add("processes", std::move(procs));
    if (c.pid > 0 && !host_ns.empty()) {
      Node spaces = Node::map();
      std::string dir = "proc/" + std::to_string(c.pid);
      for (const auto& [kind, host_link] : host_ns) {
        auto link = ns_link(in.root, dir, kind.c_str());
        if (!link) continue;
        Node x = Node::map();
        x.add("link", str_node(*link));
        x.add("host", str_node(host_link));
        x.add("shared", bool_node(*link == host_link));
        spaces.add(kind, std::move(x));
      }
      if (spaces.size() > 0) {
        f.add_source(path_append(path_append("containers", list.size()), "namespaces"),
                     dir + "/ns (the host's: " + ns_from + "/ns)", false,
                     path_append(path_append("containers", list.size()), "namespaces"));
        n.add("namespaces", std::move(spaces));
      }
    }
    if (!c.inspect_json.empty()) {
      auto j = parse_json(c.inspect_json, "inspect of container " + c.name);
      if (j) n.add("inspect", node_of(*j));
      else diags.push_back(make_warning("container " + c.name, 0, j.error().describe()));
    }
    std::string subject = c.name + " (" + short_id(c.id) + ")";
    f.add_source(path_append("containers", list.size()), "container " + subject, false);
    f.containers.emplace_back(list.size(), subject);
    list.push(std::move(n));
  }
  f.root.add("containers", std::move(list));
}

}  // namespace bulwark::compliance
