// Docker daemon facts: daemon.json, the dockerd command line (from the
// processes the host module read), the settings they make together with
// dockerd's defaults, and the status of the files they name (TLS material,
// the sockets).
//
//   daemon.found     a dockerd process or a daemon.json exists
//   daemon.running   a dockerd process exists; daemon.pid, daemon.args
//   daemon.config    daemon.json as written ({} when absent)
//   daemon.flags     flags on the command line, by daemon.json key
//   daemon.effective defaults, then daemon.json, then flags
//   daemon.files     tlscacert, tlscert, tlskey, socket, containerd_socket
//
// A daemon.json that cannot be read or parsed makes the whole `daemon` fact
// an error: any check reading it is an error, never a pass on defaults.
#include <algorithm>

#include "policy/compliance/internal.hpp"

namespace bulwark::compliance {

namespace {

constexpr uint64_t kMaxDaemonJson = 1 << 20;

// dockerd's flags that take no separate value.
const std::vector<std::string>& dockerd_booleans() {
  static const std::vector<std::string> v = {
      "icc",        "iptables",  "ip6tables", "ip-forward", "ip-masq",      "ipv6",           "live-restore",
      "no-new-privileges", "selinux-enabled", "tls", "tlsverify", "userland-proxy", "debug", "experimental",
      "init",       "raw-logs",  "validate",  "help",       "version",      "disable-legacy-registry",
      "rootless",   "bridge-accept-fwmark"};
  return v;
}

const std::vector<std::pair<char, std::string>>& dockerd_shorts() {
  static const std::vector<std::pair<char, std::string>> v = {
      {'H', "host"}, {'D', "debug"}, {'l', "log-level"}, {'g', "data-root"}, {'G', "group"},
      {'p', "pidfile"}, {'s', "storage-driver"}, {'b', "bridge"}, {'v', "version"}, {'h', "help"}};
  return v;
}

// Flag name -> daemon.json key, for the flags whose key differs (repeatable
// flags are singular on the command line and plural in the file).
const std::vector<std::pair<std::string, std::string>>& flag_keys() {
  static const std::vector<std::pair<std::string, std::string>> v = {
      {"host", "hosts"},
      {"insecure-registry", "insecure-registries"},
      {"registry-mirror", "registry-mirrors"},
      {"label", "labels"},
      {"log-opt", "log-opts"},
      {"storage-opt", "storage-opts"},
      {"exec-opt", "exec-opts"},
      {"default-ulimit", "default-ulimits"},
      {"authorization-plugin", "authorization-plugins"},
      {"dns-opt", "dns-opts"},
      {"allow-nondistributable-artifacts", "allow-nondistributable-artifacts"},
      {"node-generic-resource", "node-generic-resources"},
      {"default-address-pool", "default-address-pools"},
      {"add-runtime", "runtimes"},
      {"graph", "data-root"},
      {"config-file", "config-file"},
  };
  return v;
}

// Keys whose value is a list (the flag may repeat).
bool list_key(std::string_view key) {
  static const char* k[] = {"hosts",       "insecure-registries", "registry-mirrors", "labels",
                            "storage-opts", "exec-opts",          "authorization-plugins", "dns",
                            "dns-opts",     "dns-search",         "allow-nondistributable-artifacts",
                            "node-generic-resources"};
  return std::find(std::begin(k), std::end(k), key) != std::end(k);
}

std::string key_of(const std::string& flag) {
  for (const auto& [f, k] : flag_keys())
    if (f == flag) return k;
  return flag;
}

bool parse_bool(std::string_view v, bool& out) {
  std::string s = to_lower(v);
  if (s == "true" || s == "1" || s == "t") return out = true, true;
  if (s == "false" || s == "0" || s == "f") return out = false, true;
  return false;
}

Node scalar_of(const std::string& key, const std::string& value) {
  bool b;
  if (std::find(dockerd_booleans().begin(), dockerd_booleans().end(), key) != dockerd_booleans().end() &&
      parse_bool(value, b))
    return bool_node(b);
  int64_t n;
  if (key != "log-level" && parse_int64(value, n)) return int_node(n);
  return str_node(value);
}

// dockerd's defaults for the settings the benchmark asks about (what the
// daemon does when neither daemon.json nor a flag says otherwise).
Node daemon_defaults() {
  Node d = Node::map();
  d.add("icc", bool_node(true));
  d.add("iptables", bool_node(true));
  d.add("ip-forward", bool_node(true));
  d.add("ip-masq", bool_node(true));
  d.add("userland-proxy", bool_node(true));
  d.add("live-restore", bool_node(false));
  d.add("no-new-privileges", bool_node(false));
  d.add("log-level", str_node("info"));
  d.add("log-driver", str_node("json-file"));
  d.add("log-opts", Node::map());
  d.add("tls", bool_node(false));
  d.add("tlsverify", bool_node(false));
  d.add("experimental", bool_node(false));
  d.add("selinux-enabled", bool_node(false));
  d.add("userns-remap", str_node(""));
  d.add("data-root", str_node("/var/lib/docker"));
  d.add("exec-root", str_node("/var/run/docker"));
  d.add("hosts", string_list({"unix:///var/run/docker.sock"}));
  d.add("group", str_node("docker"));
  d.add("insecure-registries", Node::list());
  d.add("authorization-plugins", Node::list());
  d.add("storage-driver", str_node(""));
  d.add("storage-opts", Node::list());
  d.add("cgroup-parent", str_node(""));
  d.add("seccomp-profile", str_node(""));
  d.add("default-ulimits", Node::map());
  d.add("containerd", str_node("/run/containerd/containerd.sock"));
  return d;
}

// Sets key in map m, replacing an earlier entry (so lookups see one value).
void set_key(Node& m, const std::string& key, Node v) {
  auto& fields = m.fields();
  fields.erase(std::remove_if(fields.begin(), fields.end(), [&](const Field& f) { return f.key == key; }), fields.end());
  m.add(key, std::move(v));
}

std::string rel_of(std::string_view abs) {
  while (!abs.empty() && abs[0] == '/') abs.remove_prefix(1);
  return std::string(abs);
}

}  // namespace

void gather_daemon_facts(const FactsInput& in, const Accounts& accounts, Facts::Impl& f,
                         std::vector<Diagnostic>& diags) {
  Node daemon = Node::map();
  const ProcessInfo* proc = nullptr;
  if (in.host) {
    auto ps = processes_named(*in.host, "dockerd");
    if (!ps.empty()) proc = ps.front();
  }
  std::string cmdline_source;
  std::vector<Flag> flags;
  if (proc) {
    cmdline_source = "proc/" + std::to_string(proc->pid) + "/cmdline";
    std::vector<std::string> args(proc->args.begin() + (proc->args.empty() ? 0 : 1), proc->args.end());
    flags = parse_flags(args, dockerd_booleans(), dockerd_shorts());
  }
  // The flags by daemon.json key: lists gather repeated flags, other keys
  // keep the last (as dockerd does).
  Node flag_node = Node::map();
  for (const auto& fl : flags) {
    std::string key = key_of(fl.name);
    if (list_key(key)) {
      Node* list = flag_node.get(key);
      if (!list) list = &flag_node.add(key, Node::list());
      list->push(str_node(fl.value));
    } else if (key == "log-opts") {
      Node* m = flag_node.get(key);
      if (!m) m = &flag_node.add(key, Node::map());
      size_t eq = fl.value.find('=');
      set_key(*m, fl.value.substr(0, eq), str_node(eq == std::string::npos ? "" : fl.value.substr(eq + 1)));
    } else if (key == "default-ulimits") {
      // "nofile=1024:2048" -> {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 2048}}
      Node* m = flag_node.get(key);
      if (!m) m = &flag_node.add(key, Node::map());
      size_t eq = fl.value.find('=');
      std::string name = fl.value.substr(0, eq);
      std::string limits = eq == std::string::npos ? "" : fl.value.substr(eq + 1);
      size_t colon = limits.find(':');
      Node u = Node::map();
      u.add("Name", str_node(name));
      int64_t soft = 0, hard = 0;
      if (parse_int64(limits.substr(0, colon), soft)) u.add("Soft", int_node(soft));
      if (parse_int64(colon == std::string::npos ? limits : limits.substr(colon + 1), hard)) u.add("Hard", int_node(hard));
      set_key(*m, name, std::move(u));
    } else {
      set_key(flag_node, key, scalar_of(fl.name, fl.value));
    }
  }

  // daemon.json: --config-file, else etc/docker/daemon.json.
  std::string config_path = "etc/docker/daemon.json";
  if (const Node* cf = flag_node.get("config-file"); cf && cf->is_string() && !cf->as_string().empty())
    config_path = rel_of(cf->as_string());
  Node config = Node::map();
  bool config_present = false;
  std::string config_error;
  auto text = read_in_root(in.root, config_path, kMaxDaemonJson);
  if (text) {
    config_present = true;
    auto parsed = read_json_node(*text, config_path);
    if (!parsed) config_error = parsed.error().describe();
    else if (!parsed->is_map()) config_error = config_path + ": the daemon configuration must be a JSON object";
    else config = std::move(*parsed);
  } else if (text.error().code != ErrorCode::kNotFound) {
    config_present = true;
    config_error = config_path + ": " + text.error().message;
  }

  bool running = proc != nullptr;
  daemon.add("found", bool_node(running || config_present));
  daemon.add("running", bool_node(running));
  if (proc) {
    daemon.add("pid", int_node(proc->pid));
    daemon.add("uid", int_node(proc->uid));
    daemon.add("args", string_list(proc->args));
  }
  daemon.add("config_path", str_node(config_path));
  daemon.add("config_present", bool_node(config_present));

  if (!config_error.empty()) {
    daemon.add("error", str_node(config_error));
    f.errors["daemon"] = config_error;
    diags.push_back(make_warning(config_path, 0, "cannot read the Docker daemon configuration: " + config_error));
    f.root.add("daemon", std::move(daemon));
    return;
  }

  // Effective settings: defaults, then daemon.json, then flags. Each key
  // remembers where it came from for evidence.
  Node effective = daemon_defaults();
  std::vector<std::pair<std::string, FactSource>> origin;
  for (const auto& fld : effective.fields()) origin.push_back({fld.key, {"dockerd default", false, {}}});
  auto set_origin = [&](const std::string& key, FactSource src) {
    for (auto& [k, s] : origin)
      if (k == key) {
        s = std::move(src);
        return;
      }
    origin.push_back({key, std::move(src)});
  };
  for (const auto& fld : config.fields()) {
    set_key(effective, fld.key, fld.value);
    set_origin(fld.key, {config_path, true, {}});
  }
  for (const auto& fld : flag_node.fields()) {
    set_key(effective, fld.key, fld.value);
    set_origin(fld.key, {cmdline_source + " (dockerd)", false, {}});
  }
  // --tlsverify implies TLS.
  if (const Node* tv = effective.get("tlsverify"); tv && tv->kind() == Node::Kind::kBool && tv->as_bool())
    if (const Node* t = effective.get("tls"); t && t->kind() == Node::Kind::kBool && !t->as_bool())
      set_key(effective, "tls", bool_node(true));

  // Files the settings name.
  Node files = Node::map();
  auto stat_setting = [&](const char* name, const char* key) {
    const Node* v = effective.get(key);
    if (!v || !v->is_string() || v->as_string().empty()) return;
    std::string err;
    files.add(name, stat_node(in.root, rel_of(v->as_string()), accounts, &err));
    if (!err.empty()) diags.push_back(make_warning(rel_of(v->as_string()), 0, "cannot read the file's status: " + err));
  };
  stat_setting("tlscacert", "tlscacert");
  stat_setting("tlscert", "tlscert");
  stat_setting("tlskey", "tlskey");
  stat_setting("containerd_socket", "containerd");
  // The data root and its parent directory, to tell a separate file system.
  if (const Node* dr = effective.get("data-root"); dr && dr->is_string() && !dr->as_string().empty()) {
    std::string rel = rel_of(dr->as_string());
    while (!rel.empty() && rel.back() == '/') rel.pop_back();
    size_t slash = rel.rfind('/');
    files.add("data_root", stat_node(in.root, rel, accounts));
    files.add("data_root_parent", stat_node(in.root, slash == std::string::npos ? "" : rel.substr(0, slash), accounts));
  }
  // The daemon's unix sockets (-H unix://PATH, fd:// is systemd's socket,
  // which lives at the default path).
  Node sockets = Node::list();
  Node tcp = Node::list();
  if (const Node* hosts = effective.get("hosts"); hosts && hosts->is_list()) {
    for (const auto& h : hosts->items()) {
      if (!h.is_string()) continue;
      const std::string& s = h.as_string();
      if (starts_with(s, "unix://")) {
        std::string err;
        sockets.push(stat_node(in.root, rel_of(s.substr(7)), accounts, &err));
      } else if (starts_with(s, "fd://")) {
        sockets.push(stat_node(in.root, "var/run/docker.sock", accounts));
      } else if (starts_with(s, "tcp://") || s.find("://") == std::string::npos) {
        tcp.push(h);
      }
    }
  }
  if (sockets.size() == 0) sockets.push(stat_node(in.root, "var/run/docker.sock", accounts));
  files.add("socket", *sockets.at(0));
  files.add("sockets", std::move(sockets));

  daemon.add("config", std::move(config));
  daemon.add("flags", std::move(flag_node));
  daemon.add("effective", std::move(effective));
  daemon.add("tcp_hosts", std::move(tcp));
  daemon.add("files", std::move(files));
  f.add_source("daemon.config", config_path, true);
  f.add_source("daemon.flags", cmdline_source + " (dockerd)", false);
  f.add_source("daemon.args", cmdline_source + " (dockerd)", false);
  for (auto& [key, src] : origin) {
    if (key == "hosts") f.sources.emplace_back("daemon.tcp_hosts", FactSource{src.source, src.has_lines, "daemon"});
    src.base = "daemon.effective";
    f.sources.emplace_back(path_append("daemon.effective", key), std::move(src));
  }
  f.root.add("daemon", std::move(daemon));
}

}  // namespace bulwark::compliance
