#include "core/json.hpp"

#include <cmath>

#include "core/core.hpp"

namespace bulwark {

namespace {

// Writers omit empty values so reports stay small; readers treat absent as empty.
template <class T>
void put(json& j, const char* key, const T& v) {
  if constexpr (std::is_same_v<T, std::string>) {
    if (!v.empty()) j[key] = v;
  } else if constexpr (std::is_same_v<T, int> || std::is_same_v<T, int64_t> || std::is_same_v<T, uint64_t>) {
    if (v != 0) j[key] = v;
  } else if constexpr (std::is_same_v<T, bool>) {
    if (v) j[key] = v;
  } else {
    if (!v.empty()) j[key] = v;
  }
}

template <class T>
void get(const json& j, const char* key, T& v) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return;
  it->get_to(v);
}

std::pair<int, int> line_col(std::string_view text, size_t byte) {
  int line = 1, col = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

struct DepthExceeded {};

}  // namespace

Result<json> parse_json(std::string_view text, std::string_view what) {
  const int max_depth = limits().max_json_depth;
  try {
    json::parser_callback_t cb = [max_depth](int depth, json::parse_event_t, json&) {
      if (depth > max_depth) throw DepthExceeded{};
      return true;
    };
    return json::parse(text.begin(), text.end(), cb);
  } catch (const DepthExceeded&) {
    return Error(ErrorCode::kLimitExceeded, "JSON nested deeper than " + std::to_string(max_depth) + " levels",
                 std::string(what));
  } catch (const json::parse_error& e) {
    auto [line, col] = line_col(text, e.byte > 0 ? e.byte - 1 : 0);
    std::string msg = e.what();
    // nlohmann's message repeats the position; keep the reason only.
    size_t reason = msg.find(": syntax error");
    if (reason != std::string::npos) msg = msg.substr(reason + 2);
    return Error(ErrorCode::kCorrupt, msg,
                 std::string(what) + ": line " + std::to_string(line) + " column " + std::to_string(col));
  } catch (const json::exception& e) {
    return Error(ErrorCode::kCorrupt, e.what(), std::string(what));
  }
}

std::string get_string(const json& j, std::string_view key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

int64_t get_int(const json& j, std::string_view key) {
  if (!j.is_object()) return 0;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return 0;
  return it->get<int64_t>();
}

// ---------------------------------------------------------------- location --

void to_json(json& j, const Location& v) {
  j = json::object();
  put(j, "layer", v.layer);
  put(j, "path", v.path);
  put(j, "line", v.line);
  put(j, "column", v.column);
  put(j, "end_line", v.end_line);
  put(j, "package_id", v.package_id);
}
void from_json(const json& j, Location& v) {
  get(j, "layer", v.layer);
  get(j, "path", v.path);
  get(j, "line", v.line);
  get(j, "column", v.column);
  get(j, "end_line", v.end_line);
  get(j, "package_id", v.package_id);
}

void to_json(json& j, const Diagnostic& v) {
  j = json{{"level", v.level == Diagnostic::Level::kError ? "error" : "warning"}, {"message", v.message}};
  json loc = v.location;
  if (!loc.empty()) j["location"] = loc;
}
void from_json(const json& j, Diagnostic& v) {
  v.level = get_string(j, "level") == "error" ? Diagnostic::Level::kError : Diagnostic::Level::kWarning;
  get(j, "message", v.message);
  get(j, "location", v.location);
}

// ---------------------------------------------------------------- artifact --

void to_json(json& j, const Layer& v) {
  j = json::object();
  put(j, "digest", v.digest);
  put(j, "diff_id", v.diff_id);
  put(j, "media_type", v.media_type);
  put(j, "size", v.size);
  put(j, "created_by", v.created_by);
}
void from_json(const json& j, Layer& v) {
  get(j, "digest", v.digest);
  get(j, "diff_id", v.diff_id);
  get(j, "media_type", v.media_type);
  get(j, "size", v.size);
  get(j, "created_by", v.created_by);
}

void to_json(json& j, const ImageConfig& v) {
  j = json::object();
  put(j, "os", v.os);
  put(j, "architecture", v.architecture);
  put(j, "variant", v.variant);
  put(j, "created", v.created);
  put(j, "user", v.user);
  put(j, "env", v.env);
  put(j, "entrypoint", v.entrypoint);
  put(j, "cmd", v.cmd);
  put(j, "working_dir", v.working_dir);
  put(j, "exposed_ports", v.exposed_ports);
  put(j, "labels", v.labels);
  put(j, "healthcheck", v.healthcheck);
  put(j, "stop_signal", v.stop_signal);
}
void from_json(const json& j, ImageConfig& v) {
  get(j, "os", v.os);
  get(j, "architecture", v.architecture);
  get(j, "variant", v.variant);
  get(j, "created", v.created);
  get(j, "user", v.user);
  get(j, "env", v.env);
  get(j, "entrypoint", v.entrypoint);
  get(j, "cmd", v.cmd);
  get(j, "working_dir", v.working_dir);
  get(j, "exposed_ports", v.exposed_ports);
  get(j, "labels", v.labels);
  get(j, "healthcheck", v.healthcheck);
  get(j, "stop_signal", v.stop_signal);
}

void to_json(json& j, const Artifact& v) {
  j = json::object();
  put(j, "name", v.name);
  put(j, "media_type", v.media_type);
  put(j, "manifest_digest", v.manifest_digest);
  put(j, "config_digest", v.config_digest);
  put(j, "repo_tags", v.repo_tags);
  put(j, "repo_digests", v.repo_digests);
  json cfg = v.config;
  if (!cfg.empty()) j["config"] = cfg;
  put(j, "layers", v.layers);
}
void from_json(const json& j, Artifact& v) {
  get(j, "name", v.name);
  get(j, "media_type", v.media_type);
  get(j, "manifest_digest", v.manifest_digest);
  get(j, "config_digest", v.config_digest);
  get(j, "repo_tags", v.repo_tags);
  get(j, "repo_digests", v.repo_digests);
  get(j, "config", v.config);
  get(j, "layers", v.layers);
}

void to_json(json& j, const Target& v) {
  j = json{{"kind", to_string(v.kind)}, {"reference", v.reference}};
  put(j, "digest", v.digest);
  json a = v.artifact;
  if (!a.empty()) j["artifact"] = a;
  if (v.repository) {
    json r = json::object();
    put(r, "commit", v.repository->commit);
    put(r, "branch", v.repository->branch);
    put(r, "remote_url", v.repository->remote_url);
    j["repository"] = r;
  }
}
void from_json(const json& j, Target& v) {
  v.kind = parse_target_kind(get_string(j, "kind")).value_or(TargetKind::kFilesystem);
  get(j, "reference", v.reference);
  get(j, "digest", v.digest);
  get(j, "artifact", v.artifact);
  if (auto it = j.find("repository"); it != j.end() && it->is_object()) {
    RepositoryInfo r;
    get(*it, "commit", r.commit);
    get(*it, "branch", r.branch);
    get(*it, "remote_url", r.remote_url);
    v.repository = r;
  }
}

// --------------------------------------------------------------- inventory --

void to_json(json& j, const OsInfo& v) {
  j = json{{"family", v.family}};
  put(j, "name", v.name);
  put(j, "version", v.version);
  put(j, "codename", v.codename);
  put(j, "pretty_name", v.pretty_name);
  put(j, "eol", v.eol);
  put(j, "distroless", v.distroless);
  json loc = v.location;
  if (!loc.empty()) j["location"] = loc;
}
void from_json(const json& j, OsInfo& v) {
  get(j, "family", v.family);
  get(j, "name", v.name);
  get(j, "version", v.version);
  get(j, "codename", v.codename);
  get(j, "pretty_name", v.pretty_name);
  get(j, "eol", v.eol);
  get(j, "distroless", v.distroless);
  get(j, "location", v.location);
}

void to_json(json& j, const Package& v) {
  j = json{{"id", v.id}, {"ecosystem", v.ecosystem}, {"name", v.name}, {"version", v.version}};
  put(j, "epoch", v.epoch);
  put(j, "release", v.release);
  put(j, "src_name", v.src_name);
  put(j, "src_version", v.src_version);
  put(j, "arch", v.arch);
  put(j, "licenses", v.licenses);
  put(j, "purl", v.purl);
  put(j, "maintainer", v.maintainer);
  put(j, "digest", v.digest);
  if (v.relationship != Relationship::kUnknown) j["relationship"] = to_string(v.relationship);
  put(j, "dev", v.dev);
  put(j, "running_kernel", v.running_kernel);
  put(j, "depends_on", v.depends_on);
  put(j, "installed_files", v.installed_files);
  json loc = v.location;
  if (!loc.empty()) j["location"] = loc;
}
void from_json(const json& j, Package& v) {
  get(j, "id", v.id);
  get(j, "ecosystem", v.ecosystem);
  get(j, "name", v.name);
  get(j, "version", v.version);
  get(j, "epoch", v.epoch);
  get(j, "release", v.release);
  get(j, "src_name", v.src_name);
  get(j, "src_version", v.src_version);
  get(j, "arch", v.arch);
  get(j, "licenses", v.licenses);
  get(j, "purl", v.purl);
  get(j, "maintainer", v.maintainer);
  get(j, "digest", v.digest);
  v.relationship = parse_relationship(get_string(j, "relationship"));
  get(j, "dev", v.dev);
  get(j, "running_kernel", v.running_kernel);
  get(j, "depends_on", v.depends_on);
  get(j, "installed_files", v.installed_files);
  get(j, "location", v.location);
}

void to_json(json& j, const Application& v) {
  j = json{{"type", v.type}, {"path", v.path}, {"packages", v.packages}};
}
void from_json(const json& j, Application& v) {
  get(j, "type", v.type);
  get(j, "path", v.path);
  get(j, "packages", v.packages);
}

// -------------------------------------------------------------------- host --

void to_json(json& j, const KernelInfo& v) {
  j = json{{"release", v.release}};
  put(j, "version", v.version);
  put(j, "machine", v.machine);
  put(j, "package", v.package);
  put(j, "package_version", v.package_version);
  put(j, "src_name", v.src_name);
}
void from_json(const json& j, KernelInfo& v) {
  get(j, "release", v.release);
  get(j, "version", v.version);
  get(j, "machine", v.machine);
  get(j, "package", v.package);
  get(j, "package_version", v.package_version);
  get(j, "src_name", v.src_name);
}

void to_json(json& j, const KernelModule& v) {
  j = json{{"name", v.name}, {"size", v.size}, {"users", v.users}};
  put(j, "state", v.state);
}
void from_json(const json& j, KernelModule& v) {
  get(j, "name", v.name);
  get(j, "size", v.size);
  get(j, "users", v.users);
  get(j, "state", v.state);
}

void to_json(json& j, const ProcessInfo& v) {
  j = json{{"pid", v.pid}, {"ppid", v.ppid}, {"uid", v.uid}, {"name", v.name}};
  put(j, "exe", v.exe);
  put(j, "args", v.args);
}
void from_json(const json& j, ProcessInfo& v) {
  get(j, "pid", v.pid);
  get(j, "ppid", v.ppid);
  get(j, "uid", v.uid);
  get(j, "name", v.name);
  get(j, "exe", v.exe);
  get(j, "args", v.args);
}

void to_json(json& j, const ListeningSocket& v) {
  j = json{{"protocol", v.protocol}, {"address", v.address}, {"port", v.port}, {"uid", v.uid}};
  put(j, "inode", v.inode);
  put(j, "pids", v.pids);
  put(j, "process", v.process);
}
void from_json(const json& j, ListeningSocket& v) {
  get(j, "protocol", v.protocol);
  get(j, "address", v.address);
  get(j, "port", v.port);
  get(j, "uid", v.uid);
  get(j, "inode", v.inode);
  get(j, "pids", v.pids);
  get(j, "process", v.process);
}

void to_json(json& j, const ContainerMount& v) {
  j = json{{"type", v.type}, {"source", v.source}, {"destination", v.destination}, {"read_write", v.read_write}};
  put(j, "propagation", v.propagation);
}
void from_json(const json& j, ContainerMount& v) {
  get(j, "type", v.type);
  get(j, "source", v.source);
  get(j, "destination", v.destination);
  get(j, "read_write", v.read_write);
  get(j, "propagation", v.propagation);
}

void to_json(json& j, const PortBinding& v) {
  j = json{{"host_ip", v.host_ip}, {"host_port", v.host_port}, {"container_port", v.container_port},
           {"protocol", v.protocol}};
}
void from_json(const json& j, PortBinding& v) {
  get(j, "host_ip", v.host_ip);
  get(j, "host_port", v.host_port);
  get(j, "container_port", v.container_port);
  get(j, "protocol", v.protocol);
}

void to_json(json& j, const ContainerInfo& v) {
  j = json{{"engine", v.engine}, {"id", v.id}, {"name", v.name}, {"image", v.image}, {"state", v.state}};
  put(j, "image_id", v.image_id);
  put(j, "image_digest", v.image_digest);
  put(j, "user", v.user);
  j["privileged"] = v.privileged;
  put(j, "cap_add", v.cap_add);
  put(j, "cap_drop", v.cap_drop);
  put(j, "network_mode", v.network_mode);
  put(j, "pid_mode", v.pid_mode);
  put(j, "ipc_mode", v.ipc_mode);
  put(j, "uts_mode", v.uts_mode);
  put(j, "userns_mode", v.userns_mode);
  put(j, "cgroupns_mode", v.cgroupns_mode);
  put(j, "mounts", v.mounts);
  put(j, "ports", v.ports);
  j["read_only_rootfs"] = v.read_only_rootfs;
  j["no_new_privileges"] = v.no_new_privileges;
  put(j, "seccomp_profile", v.seccomp_profile);
  put(j, "apparmor_profile", v.apparmor_profile);
  put(j, "security_opt", v.security_opt);
  j["memory_limit"] = v.memory_limit;
  j["nano_cpus"] = v.nano_cpus;
  put(j, "cpu_shares", v.cpu_shares);
  put(j, "cpu_quota", v.cpu_quota);
  j["pids_limit"] = v.pids_limit;
  put(j, "restart_policy", v.restart_policy);
  put(j, "restart_max_retries", v.restart_max_retries);
  j["has_healthcheck"] = v.has_healthcheck;
  put(j, "pid", v.pid);
  // The engine's answer as a JSON value (it is one), so the report stays
  // readable; text that does not parse is kept as a string.
  if (!v.inspect_json.empty()) {
    auto parsed = parse_json(v.inspect_json, "container inspect");
    j["inspect"] = parsed ? std::move(*parsed) : json(v.inspect_json);
  }
}
void from_json(const json& j, ContainerInfo& v) {
  get(j, "engine", v.engine);
  get(j, "id", v.id);
  get(j, "name", v.name);
  get(j, "image", v.image);
  get(j, "image_id", v.image_id);
  get(j, "image_digest", v.image_digest);
  get(j, "state", v.state);
  get(j, "user", v.user);
  get(j, "privileged", v.privileged);
  get(j, "cap_add", v.cap_add);
  get(j, "cap_drop", v.cap_drop);
  get(j, "network_mode", v.network_mode);
  get(j, "pid_mode", v.pid_mode);
  get(j, "ipc_mode", v.ipc_mode);
  get(j, "uts_mode", v.uts_mode);
  get(j, "userns_mode", v.userns_mode);
  get(j, "cgroupns_mode", v.cgroupns_mode);
  get(j, "mounts", v.mounts);
  get(j, "ports", v.ports);
  get(j, "read_only_rootfs", v.read_only_rootfs);
  get(j, "no_new_privileges", v.no_new_privileges);
  get(j, "seccomp_profile", v.seccomp_profile);
  get(j, "apparmor_profile", v.apparmor_profile);
  get(j, "security_opt", v.security_opt);
  get(j, "memory_limit", v.memory_limit);
  get(j, "nano_cpus", v.nano_cpus);
  get(j, "cpu_shares", v.cpu_shares);
  get(j, "cpu_quota", v.cpu_quota);
  get(j, "pids_limit", v.pids_limit);
  get(j, "restart_policy", v.restart_policy);
  get(j, "restart_max_retries", v.restart_max_retries);
  get(j, "has_healthcheck", v.has_healthcheck);
  get(j, "pid", v.pid);
  if (auto it = j.find("inspect"); it != j.end() && !it->is_null())
    v.inspect_json = it->is_string() ? it->get<std::string>() : it->dump();
}

void to_json(json& j, const HostImageScan& v) {
  j = json{{"image", v.image}};
  put(j, "image_id", v.image_id);
  put(j, "image_digest", v.image_digest);
  put(j, "containers", v.containers);
  if (v.os) j["os"] = *v.os;
  j["packages"] = v.packages;
  put(j, "applications", v.applications);
  j["findings"] = v.findings;
  put(j, "error", v.error);
}
void from_json(const json& j, HostImageScan& v) {
  get(j, "image", v.image);
  get(j, "image_id", v.image_id);
  get(j, "image_digest", v.image_digest);
  get(j, "containers", v.containers);
  if (j.contains("os") && !j["os"].is_null()) v.os = j["os"].get<OsInfo>();
  get(j, "packages", v.packages);
  get(j, "applications", v.applications);
  get(j, "findings", v.findings);
  get(j, "error", v.error);
}

void to_json(json& j, const HostInfo& v) {
  j = json{{"hostname", v.hostname}, {"kernel", v.kernel}, {"modules", v.modules}, {"listening", v.listening},
           {"processes", v.processes}};
  put(j, "engine", v.engine);
  put(j, "engine_socket", v.engine_socket);
  j["containers"] = v.containers;
  put(j, "image_scans", v.image_scans);
}
void from_json(const json& j, HostInfo& v) {
  get(j, "hostname", v.hostname);
  get(j, "kernel", v.kernel);
  get(j, "modules", v.modules);
  get(j, "listening", v.listening);
  get(j, "processes", v.processes);
  get(j, "engine", v.engine);
  get(j, "engine_socket", v.engine_socket);
  get(j, "containers", v.containers);
  get(j, "image_scans", v.image_scans);
}

void to_json(json& j, const Inventory& v) {
  j = json::object();
  if (v.os) j["os"] = *v.os;
  if (v.host) j["host"] = *v.host;
  j["packages"] = v.packages;
  j["applications"] = v.applications;
}
void from_json(const json& j, Inventory& v) {
  if (j.contains("os") && !j["os"].is_null()) v.os = j["os"].get<OsInfo>();
  if (j.contains("host") && !j["host"].is_null()) v.host = j["host"].get<HostInfo>();
  get(j, "packages", v.packages);
  get(j, "applications", v.applications);
}

// ---------------------------------------------------------------- findings --

void to_json(json& j, const Score& v) {
  j = json{{"source", v.source}, {"type", v.type}, {"value", v.value}};
  put(j, "vector", v.vector);
}
void from_json(const json& j, Score& v) {
  get(j, "source", v.source);
  get(j, "type", v.type);
  get(j, "vector", v.vector);
  get(j, "value", v.value);
}

void to_json(json& j, const FrameworkRef& v) { j = json{{"framework", v.framework}, {"id", v.id}}; }
void from_json(const json& j, FrameworkRef& v) {
  get(j, "framework", v.framework);
  get(j, "id", v.id);
}

void to_json(json& j, const Remediation& v) {
  j = json::object();
  put(j, "fix_state", v.fix_state);
  put(j, "fixed_versions", v.fixed_versions);
  put(j, "text", v.text);
  put(j, "patch", v.patch);
}
void from_json(const json& j, Remediation& v) {
  get(j, "fix_state", v.fix_state);
  get(j, "fixed_versions", v.fixed_versions);
  get(j, "text", v.text);
  get(j, "patch", v.patch);
}

void to_json(json& j, const Finding& v) {
  j = json{{"kind", to_string(v.kind)},
           {"id", v.id},
           {"severity", to_string(v.severity)},
           {"status", to_string(v.status)},
           {"fingerprint", v.fingerprint}};
  put(j, "aliases", v.aliases);
  put(j, "title", v.title);
  put(j, "description", v.description);
  put(j, "severity_source", v.severity_source);
  put(j, "scores", v.scores);
  put(j, "ignored_until", v.ignored_until);
  put(j, "status_reason", v.status_reason);
  json loc = v.location;
  if (!loc.empty()) j["location"] = loc;
  if (!v.package_name.empty()) {
    json pkg = {{"name", v.package_name}, {"version", v.package_version}};
    put(pkg, "ecosystem", v.package_ecosystem);
    put(pkg, "purl", v.package_purl);
    j["package"] = pkg;
  }
  put(j, "evidence", v.evidence);
  json rem = v.remediation;
  if (!rem.empty()) j["remediation"] = rem;
  put(j, "references", v.references);
  put(j, "frameworks", v.frameworks);
  put(j, "published", v.published);
  put(j, "modified", v.modified);
  if (v.epss_score) j["epss_score"] = *v.epss_score;
  if (v.epss_percentile) j["epss_percentile"] = *v.epss_percentile;
  put(j, "known_exploited", v.known_exploited);
  put(j, "known_exploited_since", v.known_exploited_since);
  put(j, "attributes", v.attributes);
}
void from_json(const json& j, Finding& v) {
  v.kind = parse_finding_kind(get_string(j, "kind")).value_or(FindingKind::kVulnerability);
  get(j, "id", v.id);
  v.severity = parse_severity(get_string(j, "severity"));
  v.status = parse_finding_status(get_string(j, "status")).value_or(FindingStatus::kOpen);
  get(j, "fingerprint", v.fingerprint);
  get(j, "aliases", v.aliases);
  get(j, "title", v.title);
  get(j, "description", v.description);
  get(j, "severity_source", v.severity_source);
  get(j, "scores", v.scores);
  get(j, "ignored_until", v.ignored_until);
  get(j, "status_reason", v.status_reason);
  get(j, "location", v.location);
  if (j.contains("package") && j["package"].is_object()) {
    const json& pkg = j["package"];
    v.package_name = get_string(pkg, "name");
    v.package_version = get_string(pkg, "version");
    v.package_ecosystem = get_string(pkg, "ecosystem");
    v.package_purl = get_string(pkg, "purl");
  }
  get(j, "evidence", v.evidence);
  get(j, "remediation", v.remediation);
  get(j, "references", v.references);
  get(j, "frameworks", v.frameworks);
  get(j, "published", v.published);
  get(j, "modified", v.modified);
  if (j.contains("epss_score") && j["epss_score"].is_number()) v.epss_score = j["epss_score"].get<double>();
  if (j.contains("epss_percentile") && j["epss_percentile"].is_number())
    v.epss_percentile = j["epss_percentile"].get<double>();
  get(j, "known_exploited", v.known_exploited);
  get(j, "known_exploited_since", v.known_exploited_since);
  get(j, "attributes", v.attributes);
}

// -------------------------------------------------------------- compliance --

namespace {
ComplianceStatus status_from(const json& j) {
  return parse_compliance_status(get_string(j, "status")).value_or(ComplianceStatus::kError);
}
}  // namespace

void to_json(json& j, const ComplianceEvidence& v) {
  j = json::object();
  put(j, "source", v.source);
  put(j, "line", v.line);
  put(j, "field", v.field);
  put(j, "value", v.value);
  put(j, "message", v.message);
}
void from_json(const json& j, ComplianceEvidence& v) {
  get(j, "source", v.source);
  get(j, "line", v.line);
  get(j, "field", v.field);
  get(j, "value", v.value);
  get(j, "message", v.message);
}

void to_json(json& j, const ComplianceItem& v) {
  j = json{{"status", to_string(v.status)}};
  put(j, "subject", v.subject);
  put(j, "message", v.message);
  put(j, "evidence", v.evidence);
}
void from_json(const json& j, ComplianceItem& v) {
  v.status = status_from(j);
  get(j, "subject", v.subject);
  get(j, "message", v.message);
  get(j, "evidence", v.evidence);
}

void to_json(json& j, const ComplianceCounts& v) {
  j = json{{"pass", v.pass}, {"fail", v.fail}, {"warn", v.warn}, {"manual", v.manual}, {"error", v.error}};
  // null when nothing was checked: 0 % would read as "everything failed".
  if (auto p = v.percent()) j["percent"] = std::round(*p * 10) / 10;
  else j["percent"] = nullptr;
}
void from_json(const json& j, ComplianceCounts& v) {
  get(j, "pass", v.pass);
  get(j, "fail", v.fail);
  get(j, "warn", v.warn);
  get(j, "manual", v.manual);
  get(j, "error", v.error);
}

void to_json(json& j, const ComplianceSection& v) {
  j = json{{"id", v.id}, {"title", v.title}, {"summary", v.counts}};
}
void from_json(const json& j, ComplianceSection& v) {
  get(j, "id", v.id);
  get(j, "title", v.title);
  get(j, "summary", v.counts);
}

void to_json(json& j, const ComplianceControlResult& v) {
  j = json{{"id", v.id},
           {"title", v.title},
           {"status", to_string(v.status)},
           {"automated", v.automated},
           {"severity", to_string(v.severity)}};
  put(j, "section", v.section);
  put(j, "profile", v.profile);
  put(j, "message", v.message);
  put(j, "remediation", v.remediation);
  put(j, "references", v.references);
  j["items"] = v.items;
}
void from_json(const json& j, ComplianceControlResult& v) {
  get(j, "id", v.id);
  get(j, "title", v.title);
  v.status = status_from(j);
  get(j, "automated", v.automated);
  v.severity = parse_severity(get_string(j, "severity"));
  get(j, "section", v.section);
  get(j, "profile", v.profile);
  get(j, "message", v.message);
  get(j, "remediation", v.remediation);
  get(j, "references", v.references);
  get(j, "items", v.items);
}

void to_json(json& j, const ComplianceReport& v) {
  j = json{{"spec", v.spec}, {"title", v.title}, {"summary", v.total}, {"sections", v.sections}, {"controls", v.controls}};
  put(j, "version", v.version);
  put(j, "framework", v.framework);
  put(j, "source", v.source);
}
void from_json(const json& j, ComplianceReport& v) {
  get(j, "spec", v.spec);
  get(j, "title", v.title);
  get(j, "version", v.version);
  get(j, "framework", v.framework);
  get(j, "source", v.source);
  get(j, "summary", v.total);
  get(j, "sections", v.sections);
  get(j, "controls", v.controls);
}

// ------------------------------------------------------------------ report --

void to_json(json& j, const ToolInfo& v) {
  j = json{{"name", v.name}, {"version", v.version}};
  put(j, "components", v.components);
}
void from_json(const json& j, ToolInfo& v) {
  get(j, "name", v.name);
  get(j, "version", v.version);
  get(j, "components", v.components);
}

void to_json(json& j, const Report& v) {
  j = json{{"schema_version", v.schema_version},
           {"created_at", v.created_at},
           {"tool", v.tool},
           {"target", v.target},
           {"inventory", v.inventory},
           {"findings", v.findings},
           {"diagnostics", v.diagnostics}};
  put(j, "compliance", v.compliance);
}
void from_json(const json& j, Report& v) {
  get(j, "schema_version", v.schema_version);
  get(j, "created_at", v.created_at);
  get(j, "tool", v.tool);
  get(j, "target", v.target);
  get(j, "inventory", v.inventory);
  get(j, "findings", v.findings);
  get(j, "diagnostics", v.diagnostics);
  get(j, "compliance", v.compliance);
}

Result<Report> report_from_json(std::string_view text, std::string_view what) {
  auto parsed = parse_json(text, what);
  if (!parsed) return parsed.error();
  try {
    Report r = parsed->get<Report>();
    if (r.schema_version < 1 || r.schema_version > Report::kSchemaVersion)
      return Error(ErrorCode::kUnsupported,
                   "report schema_version " + std::to_string(r.schema_version) + " is not supported (this build reads 1.." +
                       std::to_string(Report::kSchemaVersion) + ")",
                   std::string(what));
    return r;
  } catch (const json::exception& e) {
    return Error(ErrorCode::kCorrupt, std::string("not a Bulwark report: ") + e.what(), std::string(what));
  }
}

// ------------------------------------------------------------ layer cache --

void to_json(json& j, const FileResult& v) {
  j = json{{"analyzer", v.analyzer}, {"path", v.path}};
  put(j, "layer", v.layer);
  if (v.os) j["os"] = *v.os;
  put(j, "facts", v.facts);
  put(j, "packages", v.packages);
  put(j, "application_type", v.application_type);
  put(j, "package_files", v.package_files);
  put(j, "content", v.content);
  put(j, "findings", v.findings);
  put(j, "diagnostics", v.diagnostics);
}
void from_json(const json& j, FileResult& v) {
  get(j, "analyzer", v.analyzer);
  get(j, "path", v.path);
  get(j, "layer", v.layer);
  if (j.contains("os") && !j["os"].is_null()) v.os = j["os"].get<OsInfo>();
  get(j, "facts", v.facts);
  get(j, "packages", v.packages);
  get(j, "application_type", v.application_type);
  get(j, "package_files", v.package_files);
  get(j, "content", v.content);
  get(j, "findings", v.findings);
  get(j, "diagnostics", v.diagnostics);
}

void to_json(json& j, const LayerResult& v) {
  j = json{{"diff_id", v.diff_id}, {"files", v.files}};
  put(j, "whiteouts", v.whiteouts);
  put(j, "opaque_dirs", v.opaque_dirs);
  put(j, "symlinks", v.symlinks);
  put(j, "shadowed", v.shadowed);
  put(j, "diagnostics", v.diagnostics);
  put(j, "entries", v.entries);
  put(j, "bytes_analyzed", v.bytes_analyzed);
}
void from_json(const json& j, LayerResult& v) {
  get(j, "diff_id", v.diff_id);
  get(j, "files", v.files);
  get(j, "whiteouts", v.whiteouts);
  get(j, "opaque_dirs", v.opaque_dirs);
  get(j, "symlinks", v.symlinks);
  get(j, "shadowed", v.shadowed);
  get(j, "diagnostics", v.diagnostics);
  get(j, "entries", v.entries);
  get(j, "bytes_analyzed", v.bytes_analyzed);
}

}  // namespace bulwark
