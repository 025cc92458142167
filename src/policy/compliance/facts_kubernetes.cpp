// Kubernetes node facts: the kubelet (its config file, its flags from the
// running process or the kubeadm environment files, and the settings they
// make with the kubelet's own defaults), kube-proxy, and the control plane
// components from their static pod manifests (etc/kubernetes/manifests) or,
// without a manifest, their processes.
//
//   kubelet.effective  KubeletConfiguration fields: defaults, then the config
//                      file, then flags (the kubelet's own precedence)
//   apiserver / controller_manager / scheduler / etcd
//                      {found, source, manifest (stat), command, flags, files}
#include <algorithm>
#include <set>
#include <sstream>

#include "policy/compliance/internal.hpp"

namespace bulwark::compliance {

namespace {

constexpr uint64_t kMaxConfig = 4ull << 20;

std::string rel_of(std::string_view abs) {
  while (!abs.empty() && abs[0] == '/') abs.remove_prefix(1);
  return std::string(abs);
}

const std::vector<std::string>& kubelet_booleans() {
  static const std::vector<std::string> v = {
      "anonymous-auth", "authentication-token-webhook", "make-iptables-util-chains", "protect-kernel-defaults",
      "rotate-certificates", "rotate-server-certificates", "fail-swap-on", "register-node", "serialize-image-pulls",
      "enable-server", "enable-debugging-handlers", "cgroups-per-qos", "kernel-memcg-notification",
      "exit-on-lock-contention", "keep-terminated-pod-volumes", "help", "version", "enable-controller-attach-detach",
      "hairpin-mode-lazy", "local-storage-capacity-isolation"};
  return v;
}

// Flags of the control plane components that take no separate value.
const std::vector<std::string>& component_booleans() {
  static const std::vector<std::string> v = {
      "profiling", "anonymous-auth", "service-account-lookup", "use-service-account-credentials", "client-cert-auth",
      "peer-client-cert-auth", "auto-tls", "peer-auto-tls", "allow-privileged", "enable-bootstrap-token-auth",
      "leader-elect", "insecure-skip-tls-verify", "help", "version", "enable-v2", "enable-pprof"};
  return v;
}

enum class Type { kBool, kInt, kString, kList, kGates };

struct KubeletFlag {
  const char* flag;
  const char* path;  // dotted KubeletConfiguration path
  Type type;
};

// Flags with a KubeletConfiguration field (the ones the benchmark reads).
constexpr KubeletFlag kKubeletFlags[] = {
    {"anonymous-auth", "authentication.anonymous.enabled", Type::kBool},
    {"authentication-token-webhook", "authentication.webhook.enabled", Type::kBool},
    {"client-ca-file", "authentication.x509.clientCAFile", Type::kString},
    {"authorization-mode", "authorization.mode", Type::kString},
    {"read-only-port", "readOnlyPort", Type::kInt},
    {"streaming-connection-idle-timeout", "streamingConnectionIdleTimeout", Type::kString},
    {"make-iptables-util-chains", "makeIPTablesUtilChains", Type::kBool},
    {"protect-kernel-defaults", "protectKernelDefaults", Type::kBool},
    {"event-qps", "eventRecordQPS", Type::kInt},
    {"tls-cert-file", "tlsCertFile", Type::kString},
    {"tls-private-key-file", "tlsPrivateKeyFile", Type::kString},
    {"rotate-certificates", "rotateCertificates", Type::kBool},
    {"rotate-server-certificates", "serverTLSBootstrap", Type::kBool},
    {"tls-cipher-suites", "tlsCipherSuites", Type::kList},
    {"pod-max-pids", "podPidsLimit", Type::kInt},
    {"feature-gates", "featureGates", Type::kGates},
};

std::vector<std::string> split_comma(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find(',', i);
    if (j == std::string_view::npos) j = s.size();
    std::string part(trim(s.substr(i, j - i)));
    if (!part.empty()) out.push_back(part);
    i = j + 1;
  }
  return out;
}

bool to_bool(std::string_view v, bool& out) {
  std::string s = to_lower(trim(v));
  if (s == "true" || s == "1" || s == "t") return out = true, true;
  if (s == "false" || s == "0" || s == "f") return out = false, true;
  return false;
}

// A flag's text as the type its config field has; the text as it is when it
// does not parse (the check then sees what was written).
Node typed(const std::string& value, Type t) {
  switch (t) {
    case Type::kBool: {
      bool b;
      if (to_bool(value, b)) return bool_node(b);
      break;
    }
    case Type::kInt: {
      int64_t n;
      if (parse_int64(trim(value), n)) return int_node(n);
      break;
    }
    case Type::kList: return string_list(split_comma(value));
    case Type::kGates: {
      Node m = Node::map();
      for (const auto& g : split_comma(value)) {
        size_t eq = g.find('=');
        bool b = false;
        std::string name = g.substr(0, eq);
        if (eq != std::string::npos && to_bool(g.substr(eq + 1), b)) m.add(name, bool_node(b));
        else m.add(name, str_node(eq == std::string::npos ? "" : g.substr(eq + 1)));
      }
      return m;
    }
    case Type::kString: break;
  }
  return str_node(value);
}

// The node at a dotted path of `root`, creating maps on the way; the last
// step is replaced by `v`.
void set_path(Node& root, std::string_view path, Node v) {
  Node* cur = &root;
  while (true) {
    size_t dot = path.find('.');
    std::string key(path.substr(0, dot));
    if (dot == std::string_view::npos) {
      auto& fields = cur->fields();
      fields.erase(std::remove_if(fields.begin(), fields.end(), [&](const Field& f) { return f.key == key; }),
                   fields.end());
      cur->add(key, std::move(v));
      return;
    }
    Node* next = cur->get(key);
    if (!next || !next->is_map()) {
      auto& fields = cur->fields();
      fields.erase(std::remove_if(fields.begin(), fields.end(), [&](const Field& f) { return f.key == key; }),
                   fields.end());
      next = &cur->add(key, Node::map());
    }
    cur = next;
    path.remove_prefix(dot + 1);
  }
}

// Deep merge: maps merge key by key, anything else replaces. Every leaf
// written is recorded (dotted path) for evidence.
void merge_into(Node& dst, const Node& src, const std::string& prefix, std::vector<std::string>& leaves) {
  for (const auto& f : src.fields()) {
    std::string p = prefix.empty() ? f.key : prefix + "." + f.key;
    Node* d = dst.get(f.key);
    if (f.value.is_map() && d && d->is_map()) {
      merge_into(*d, f.value, p, leaves);
      continue;
    }
    set_path(dst, f.key, f.value);
    leaves.push_back(p);
  }
}

// The KubeletConfiguration defaults (kubelet.config.k8s.io/v1beta1) for the
// fields the benchmark reads. Without a config file the kubelet applies its
// legacy flag defaults on top: anonymous access on, webhook authentication
// off, AlwaysAllow, read-only port 10255.
Node kubelet_defaults(bool config_file) {
  Node d = Node::map();
  set_path(d, "authentication.anonymous.enabled", bool_node(!config_file ? true : false));
  set_path(d, "authentication.webhook.enabled", bool_node(config_file));
  set_path(d, "authorization.mode", str_node(config_file ? "Webhook" : "AlwaysAllow"));
  set_path(d, "readOnlyPort", int_node(config_file ? 0 : 10255));
  set_path(d, "streamingConnectionIdleTimeout", str_node("4h0m0s"));
  set_path(d, "makeIPTablesUtilChains", bool_node(true));
  set_path(d, "protectKernelDefaults", bool_node(false));
  set_path(d, "eventRecordQPS", int_node(50));
  set_path(d, "rotateCertificates", bool_node(false));
  set_path(d, "serverTLSBootstrap", bool_node(false));
  set_path(d, "podPidsLimit", int_node(-1));
  set_path(d, "featureGates", Node::map());
  return d;
}

// Leaf paths of a map tree, dotted.
void leaves_of(const Node& n, const std::string& prefix, std::vector<std::string>& out) {
  for (const auto& f : n.fields()) {
    std::string p = prefix.empty() ? f.key : prefix + "." + f.key;
    if (f.value.is_map() && f.value.size() > 0) leaves_of(f.value, p, out);
    else out.push_back(p);
  }
}

// "a.b.c" as a facts path under `base` ("kubelet.effective.a.b.c", quoting
// keys that need it).
std::string fact_path(std::string base, std::string_view dotted) {
  size_t i = 0;
  while (i <= dotted.size()) {
    size_t j = dotted.find('.', i);
    if (j == std::string_view::npos) j = dotted.size();
    base = path_append(base, dotted.substr(i, j - i));
    i = j + 1;
  }
  return base;
}

// KEY="--a=b --c" lines of an environment file (kubeadm-flags.env,
// etc/default/kubelet): the words of every value.
std::vector<std::string> env_file_args(std::string_view text) {
  std::vector<std::string> out;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    std::string_view t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    size_t eq = t.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view v = trim(t.substr(eq + 1));
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
    size_t i = 0;
    while (i < v.size()) {
      while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
      size_t j = i;
      while (j < v.size() && v[j] != ' ' && v[j] != '\t') ++j;
      if (j > i) out.emplace_back(v.substr(i, j - i));
      i = j;
    }
  }
  return out;
}

Node flags_node(const std::vector<Flag>& flags) {
  Node m = Node::map();
  for (const auto& fl : flags) {
    auto& fields = m.fields();
    fields.erase(std::remove_if(fields.begin(), fields.end(), [&](const Field& f) { return f.key == fl.name; }),
                 fields.end());
    m.add(fl.name, str_node(fl.value));
  }
  return m;
}

void gather_kubelet(const FactsInput& in, const Accounts& accounts, Facts::Impl& f, std::vector<Diagnostic>& diags) {
  Node k = Node::map();
  const ProcessInfo* proc = nullptr;
  if (in.host) {
    auto ps = processes_named(*in.host, "kubelet");
    if (!ps.empty()) proc = ps.front();
  }
  std::vector<std::string> args;
  std::string flag_source;
  if (proc) {
    args.assign(proc->args.begin() + (proc->args.empty() ? 0 : 1), proc->args.end());
    flag_source = "proc/" + std::to_string(proc->pid) + "/cmdline (kubelet)";
  } else {
    // Not running (an offline root): the flags kubeadm and the packages
    // hand to the kubelet through environment files.
    for (const char* env : {"var/lib/kubelet/kubeadm-flags.env", "etc/default/kubelet", "etc/sysconfig/kubelet"}) {
      auto t = read_in_root(in.root, env, kMaxConfig);
      if (!t) continue;
      auto more = env_file_args(*t);
      args.insert(args.end(), more.begin(), more.end());
      flag_source += (flag_source.empty() ? "" : ", ") + std::string(env);
    }
  }
  std::vector<Flag> flags = parse_flags(args, kubelet_booleans());
  Node flag_node = flags_node(flags);

  std::string error;
  std::string config_path;
  bool config_flag = false;
  if (const Node* c = flag_node.get("config"); c && !c->as_string().empty()) {
    config_path = rel_of(c->as_string());
    config_flag = true;
  } else {
    config_path = "var/lib/kubelet/config.yaml";
  }
  Node config = Node::map();
  bool config_present = false;
  auto text = read_in_root(in.root, config_path, kMaxConfig);
  if (text) {
    config_present = true;
    std::vector<Diagnostic> yd;
    auto docs = read_yaml(*text, config_path, yd);
    if (!yd.empty()) error = config_path + ": line " + std::to_string(yd.front().location.line) + ": " + yd.front().message;
    else if (docs.empty() || !docs.front().is_map()) error = config_path + ": not a KubeletConfiguration mapping";
    else config = std::move(docs.front());
  } else if (text.error().code != ErrorCode::kNotFound) {
    error = config_path + ": " + text.error().message;
  } else if (config_flag) {
    error = config_path + " (named by --config) does not exist";
  }

  std::string kubeconfig = "etc/kubernetes/kubelet.conf";
  if (const Node* c = flag_node.get("kubeconfig"); c && !c->as_string().empty()) kubeconfig = rel_of(c->as_string());
  std::string service;
  for (const char* s : {"etc/systemd/system/kubelet.service.d/10-kubeadm.conf",
                        "usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf",
                        "lib/systemd/system/kubelet.service.d/10-kubeadm.conf", "etc/systemd/system/kubelet.service",
                        "usr/lib/systemd/system/kubelet.service", "lib/systemd/system/kubelet.service"}) {
    if (resolve_in_root(in.root, s).ok()) {
      service = s;
      break;
    }
  }

  bool kubeconfig_present = resolve_in_root(in.root, kubeconfig).ok();
  k.add("found", bool_node(proc || config_present || kubeconfig_present || !service.empty()));
  k.add("running", bool_node(proc != nullptr));
  if (proc) {
    k.add("pid", int_node(proc->pid));
    k.add("args", string_list(proc->args));
  }
  k.add("flags", std::move(flag_node));
  k.add("config_path", str_node(config_path));
  k.add("config_present", bool_node(config_present));
  f.add_source("kubelet.flags", flag_source.empty() ? "kubelet command line" : flag_source, false);
  if (!error.empty()) {
    k.add("error", str_node(error));
    f.errors["kubelet"] = error;
    diags.push_back(make_warning(config_path, 0, "cannot read the kubelet configuration: " + error));
    f.root.add("kubelet", std::move(k));
    return;
  }

  Node effective = kubelet_defaults(config_present);
  std::vector<std::pair<std::string, FactSource>> origin;
  {
    std::vector<std::string> d;
    leaves_of(effective, "", d);
    for (auto& p : d)
      origin.push_back({p, {config_present ? "kubelet default (KubeletConfiguration v1beta1)" : "kubelet default (no config file)",
                            false, "kubelet.effective"}});
  }
  std::vector<std::string> from_config;
  merge_into(effective, config, "", from_config);
  for (auto& p : from_config) origin.push_back({p, {config_path, true, "kubelet.effective"}});
  for (const auto& kf : kKubeletFlags) {
    const Flag* last = nullptr;
    for (const auto& fl : flags)
      if (fl.name == kf.flag) last = &fl;
    if (!last) continue;
    set_path(effective, kf.path, typed(last->value, kf.type));
    origin.push_back({kf.path, {flag_source + " --" + kf.flag, false, "kubelet.effective"}});
  }

  Node files = Node::map();
  auto add_stat = [&](const char* name, const std::string& rel) {
    if (rel.empty()) return;
    std::string err;
    files.add(name, stat_node(in.root, rel, accounts, &err));
    if (!err.empty()) diags.push_back(make_warning(rel, 0, "cannot read the file's status: " + err));
  };
  add_stat("config", config_path);
  add_stat("kubeconfig", kubeconfig);
  if (service.empty()) {
    Node none = Node::map();
    none.add("path", str_node("etc/systemd/system/kubelet.service.d/10-kubeadm.conf"));
    none.add("exists", bool_node(false));
    files.add("service", std::move(none));
  } else {
    add_stat("service", service);
  }
  if (const Node* ca = find_path(effective, "authentication.x509.clientCAFile"); ca && ca->is_string())
    add_stat("client_ca", rel_of(ca->as_string()));

  k.add("config", std::move(config));
  k.add("effective", std::move(effective));
  k.add("files", std::move(files));
  f.add_source("kubelet.config", config_path, true);
  // The last writer of a field is its source (defaults, then the file, then flags).
  std::set<std::string> seen;
  for (auto it = origin.rbegin(); it != origin.rend(); ++it)
    if (seen.insert(it->first).second) f.sources.emplace_back(fact_path("kubelet.effective", it->first), std::move(it->second));
  f.root.add("kubelet", std::move(k));
}

void gather_kube_proxy(const FactsInput& in, const Accounts& accounts, Facts::Impl& f) {
  Node k = Node::map();
  const ProcessInfo* proc = nullptr;
  if (in.host) {
    auto ps = processes_named(*in.host, "kube-proxy");
    if (!ps.empty()) proc = ps.front();
  }
  k.add("found", bool_node(proc != nullptr));
  Node files = Node::map();
  if (proc) {
    std::vector<std::string> args(proc->args.begin() + (proc->args.empty() ? 0 : 1), proc->args.end());
    auto flags = parse_flags(args, {"help", "version", "masquerade-all"});
    Node fn = flags_node(flags);
    if (const Node* kc = fn.get("kubeconfig"); kc && !kc->as_string().empty())
      files.add("kubeconfig", stat_node(in.root, rel_of(kc->as_string()), accounts));
    k.add("pid", int_node(proc->pid));
    k.add("flags", std::move(fn));
    f.add_source("kube_proxy.flags", "proc/" + std::to_string(proc->pid) + "/cmdline (kube-proxy)", false);
  }
  k.add("files", std::move(files));
  f.root.add("kube_proxy", std::move(k));
}

// A static pod manifest's command line: the container named like the
// component (else the first), command then args. Each word keeps its line.
struct ComponentCommand {
  std::vector<std::string> words;
  std::vector<SourcePos> pos;
};

std::optional<ComponentCommand> manifest_command(const Node& pod, std::string_view component) {
  const Node* containers = find_path(pod, "spec.containers");
  if (!containers || !containers->is_list() || containers->size() == 0) return std::nullopt;
  const Node* chosen = containers->at(0);
  for (const auto& c : containers->items())
    if (const Node* n = c.get("name"); n && n->is_string() && n->as_string() == component) chosen = &c;
  ComponentCommand out;
  for (const char* key : {"command", "args"}) {
    const Node* list = chosen->get(key);
    if (!list || !list->is_list()) continue;
    for (const auto& w : list->items()) {
      out.words.push_back(w.to_text());
      out.pos.push_back(w.pos);
    }
  }
  return out;
}

void gather_component(const FactsInput& in, const Accounts& accounts, Facts::Impl& f, const std::string& fact,
                      const std::string& component, std::vector<Diagnostic>& diags) {
  Node c = Node::map();
  std::string manifest = "etc/kubernetes/manifests/" + component + ".yaml";
  Node mstat = stat_node(in.root, manifest, accounts);
  bool manifest_exists = mstat.get("exists") && mstat.get("exists")->as_bool();
  std::string error;
  std::vector<std::string> words;
  std::vector<SourcePos> positions;
  std::string source;
  bool has_lines = false;
  const ProcessInfo* proc = nullptr;
  if (manifest_exists) {
    auto text = read_in_root(in.root, manifest, kMaxConfig);
    if (!text) {
      error = manifest + ": " + text.error().message;
    } else {
      std::vector<Diagnostic> yd;
      auto docs = read_yaml(*text, manifest, yd);
      std::optional<ComponentCommand> cmd;
      if (!yd.empty()) error = manifest + ": line " + std::to_string(yd.front().location.line) + ": " + yd.front().message;
      else if (docs.empty() || !(cmd = manifest_command(docs.front(), component)))
        error = manifest + ": no container command in the pod specification";
      else {
        words = cmd->words;
        positions = cmd->pos;
        source = manifest;
        has_lines = true;
      }
    }
  } else if (mstat.get("error")) {
    error = manifest + ": " + mstat.get("error")->as_string();
  } else if (in.host) {
    auto ps = processes_named(*in.host, component);
    if (!ps.empty()) {
      proc = ps.front();
      words = proc->args;
      source = "proc/" + std::to_string(proc->pid) + "/cmdline (" + component + ")";
    }
  }
  c.add("found", bool_node(manifest_exists || proc != nullptr));
  c.add("source", str_node(manifest_exists ? "manifest" : proc ? "process" : "none"));
  c.add("manifest", std::move(mstat));
  f.add_source(fact + ".manifest", manifest, false);
  if (!error.empty()) {
    c.add("error", str_node(error));
    f.errors[fact] = error;
    diags.push_back(make_warning(manifest, 0, "cannot read the " + component + " configuration: " + error));
    f.root.add(fact, std::move(c));
    return;
  }
  // Flags keep the position of their word in the manifest. The first word
  // is the program unless it is a flag.
  std::vector<std::string> args = words;
  size_t skip = !args.empty() && !starts_with(args[0], "-") ? 1 : 0;
  args.erase(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(skip));
  auto flags = parse_flags(args, component_booleans());
  Node fn = Node::map();
  for (const auto& fl : flags) {
    SourcePos pos = fl.index + skip < positions.size() ? positions[fl.index + skip] : SourcePos{};
    auto& fields = fn.fields();
    fields.erase(std::remove_if(fields.begin(), fields.end(), [&](const Field& x) { return x.key == fl.name; }),
                 fields.end());
    fn.add(fl.name, str_node(fl.value, pos));
  }
  Node command = Node::list();
  for (size_t i = 0; i < words.size(); ++i) command.push(str_node(words[i], i < positions.size() ? positions[i] : SourcePos{}));
  c.add("command", std::move(command));
  Node files = Node::map();
  if (component == "etcd") {
    std::string dir = "var/lib/etcd";
    if (const Node* d = fn.get("data-dir"); d && !d->as_string().empty()) dir = rel_of(d->as_string());
    files.add("data_dir", stat_node(in.root, dir, accounts));
  }
  c.add("flags", std::move(fn));
  c.add("files", std::move(files));
  if (!source.empty()) {
    f.add_source(fact + ".flags", source, has_lines);
    f.add_source(fact + ".command", source, has_lines);
  }
  f.root.add(fact, std::move(c));
}

}  // namespace

void gather_kubernetes_facts(const FactsInput& in, const Accounts& accounts, Facts::Impl& f,
                             std::vector<Diagnostic>& diags) {
  gather_kubelet(in, accounts, f, diags);
  gather_kube_proxy(in, accounts, f);
  gather_component(in, accounts, f, "apiserver", "kube-apiserver", diags);
  gather_component(in, accounts, f, "controller_manager", "kube-controller-manager", diags);
  gather_component(in, accounts, f, "scheduler", "kube-scheduler", diags);
  gather_component(in, accounts, f, "etcd", "etcd", diags);
}

}  // namespace bulwark::compliance
