// A client of the Docker-compatible engine API (docker, podman system service)
// over a unix socket: GET /version, /containers/json?all=1,
// /containers/{id}/json and /images/{id}/json, with a deadline on every
// request and a bound on every answer, so an engine that does not answer or
// answers too much is a diagnostic, never a hang.
#include <curl/curl.h>
#include <sys/stat.h>

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>
#include <optional>

#include "core/json.hpp"
#include "host/internal.hpp"

namespace bulwark::host {

namespace fs = std::filesystem;

namespace {

// The API version every engine we talk to speaks (Docker 19.03+, podman 2+).
constexpr const char* kApi = "/v1.40";
constexpr uint64_t kErrorBodyLimit = 64 * 1024;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

struct Transfer {
  CURL* curl = nullptr;
  std::string body;
  uint64_t limit = 0;
  std::optional<Error> error;
  const CancelToken* cancel = nullptr;
  std::string where;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  const bool ok_status = status >= 200 && status < 300;
  const uint64_t limit = ok_status ? t->limit : kErrorBodyLimit;
  if (t->body.size() + len > limit) {
    if (!ok_status) return len;  // keep the start of an error answer only
    t->error = Error(ErrorCode::kLimitExceeded,
                     "engine answer larger than the limit of " + std::to_string(limit) + " bytes", t->where);
    return 0;
  }
  t->body.append(data, len);
  return len;
}

int on_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (t->cancel != nullptr) {
    if (auto st = t->cancel->check(); !st) {
      t->error = st.error();
      return 1;
    }
  }
  return 0;
}

struct Answer {
  long status = 0;
  std::string body;
};

std::string strip_unix(std::string s) {
  if (starts_with(s, "unix://")) s.erase(0, 7);
  return s;
}

// Ids and names go into the request path: only the characters engines use.
bool safe_path_part(std::string_view s) {
  if (s.empty() || s.size() > 256) return false;
  for (unsigned char c : s)
    if (!(std::isalnum(c) || c == '_' || c == '.' || c == '-' || c == ':')) return false;
  return s != "." && s != "..";
}

std::string engine_message(const std::string& body) {
  if (auto j = parse_json(body, "engine answer"); j && j->is_object()) return get_string(*j, "message");
  return {};
}

int64_t int_at(const json& obj, std::string_view key) {
  if (!obj.is_object()) return 0;
  auto it = obj.find(key);
  if (it == obj.end()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_number_unsigned()) {
    auto u = it->get<uint64_t>();
    return u > static_cast<uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(u);
  }
  if (it->is_number_float()) {
    double d = it->get<double>();
    if (d != d || d > 9.2e18 || d < -9.2e18) return 0;
    return static_cast<int64_t>(d);
  }
  return 0;
}

bool bool_at(const json& obj, std::string_view key) {
  if (!obj.is_object()) return false;
  auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() && it->get<bool>();
}

const json& object_at(const json& obj, std::string_view key) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it != obj.end() && it->is_object() ? *it : kNull;
}

std::vector<std::string> strings_at(const json& obj, std::string_view key) {
  std::vector<std::string> out;
  if (!obj.is_object()) return out;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_string()) out.push_back(v.get<std::string>());
  return out;
}

uint16_t port_number(std::string_view s) {
  if (s.empty() || s.size() > 5) return 0;
  uint32_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    v = v * 10 + static_cast<uint32_t>(c - '0');
  }
  return v <= 65535 ? static_cast<uint16_t>(v) : 0;
}

// {"80/tcp": [{"HostIp": "", "HostPort": "8080"}], "53/udp": null}
std::vector<PortBinding> parse_ports(const json& map) {
  std::vector<PortBinding> out;
  if (!map.is_object()) return out;
  for (const auto& [key, bindings] : map.items()) {
    PortBinding base;
    auto slash = key.find('/');
    base.container_port = port_number(std::string_view(key).substr(0, slash));
    base.protocol = slash == std::string::npos ? "tcp" : key.substr(slash + 1);
    if (!bindings.is_array()) continue;  // exposed, not published
    for (const auto& b : bindings) {
      if (!b.is_object()) continue;
      PortBinding p = base;
      p.host_ip = get_string(b, "HostIp");
      p.host_port = port_number(get_string(b, "HostPort"));
      out.push_back(std::move(p));
    }
  }
  return out;
}

std::string normalize_image_id(std::string id) {
  if (id.size() == 64 && id.find_first_not_of("0123456789abcdef") == std::string::npos) return "sha256:" + id;
  return id;
}

// The value of a security option "name=value" or the older "name:value".
std::optional<std::string> security_opt_value(const std::vector<std::string>& opts, std::string_view name) {
  for (const auto& o : opts) {
    if (o.size() > name.size() && starts_with(o, name) && (o[name.size()] == '=' || o[name.size()] == ':'))
      return o.substr(name.size() + 1);
    if (o == name) return std::string();
  }
  return std::nullopt;
}

// "docker.io/library/nginx:1.25" -> "docker.io/library/nginx".
std::string repository_of(std::string_view ref) {
  if (auto at = ref.find('@'); at != std::string_view::npos) ref = ref.substr(0, at);
  auto slash = ref.rfind('/');
  auto colon = ref.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) ref = ref.substr(0, colon);
  return std::string(ref);
}

}  // namespace

std::string find_engine_socket(const fs::path& root, const std::string& explicit_socket) {
  if (!explicit_socket.empty()) return strip_unix(explicit_socket);
  for (const char* rel : {"run/podman/podman.sock", "var/run/docker.sock", "run/docker.sock"}) {
    auto p = under(root, rel);
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) return p.string();
  }
  return {};
}

// ------------------------------------------------------------------ parsers --

Result<std::string> parse_engine_version(std::string_view text) {
  auto j = parse_json(text, "engine /version");
  if (!j) return j.error();
  if (!j->is_object()) return Error(ErrorCode::kCorrupt, "answer is not a JSON object", "engine /version");
  std::string product = "docker";
  std::string version = get_string(*j, "Version");
  if (auto it = j->find("Components"); it != j->end() && it->is_array()) {
    for (const auto& c : *it) {
      std::string name = to_lower(get_string(c, "Name"));
      if (name.find("podman") != std::string::npos) {
        product = "podman";
        if (std::string v = get_string(c, "Version"); !v.empty()) version = v;
      }
    }
  }
  if (version.empty()) return Error(ErrorCode::kCorrupt, "answer has no Version", "engine /version");
  return product + " " + version;
}

Result<std::vector<std::string>> parse_container_list(std::string_view text) {
  auto j = parse_json(text, "engine /containers/json");
  if (!j) return j.error();
  if (!j->is_array()) return Error(ErrorCode::kCorrupt, "answer is not a JSON array", "engine /containers/json");
  std::vector<std::string> ids;
  for (const auto& c : *j) {
    std::string id = get_string(c, "Id");
    if (!id.empty()) ids.push_back(std::move(id));
  }
  return ids;
}

Result<ContainerInfo> parse_container_inspect(std::string_view text, std::string_view engine) {
  auto parsed = parse_json(text, "engine container inspect");
  if (!parsed) return parsed.error();
  const json& j = *parsed;
  if (!j.is_object()) return Error(ErrorCode::kCorrupt, "answer is not a JSON object", "engine container inspect");
  ContainerInfo c;
  c.engine = std::string(engine);
  c.id = get_string(j, "Id");
  if (c.id.empty()) return Error(ErrorCode::kCorrupt, "answer has no Id", "engine container inspect");
  c.name = get_string(j, "Name");
  if (starts_with(c.name, "/")) c.name.erase(0, 1);
  c.image_id = normalize_image_id(get_string(j, "Image"));

  const json& state = object_at(j, "State");
  c.state = get_string(state, "Status");
  int64_t pid = int_at(state, "Pid");
  c.pid = pid > 0 && pid <= INT32_MAX ? static_cast<int>(pid) : 0;

  const json& config = object_at(j, "Config");
  c.image = get_string(config, "Image");
  c.user = get_string(config, "User");
  const json& health = object_at(config, "Healthcheck");
  auto test = strings_at(health, "Test");
  c.has_healthcheck = !test.empty() && test[0] != "NONE";

  const json& hc = object_at(j, "HostConfig");
  c.privileged = bool_at(hc, "Privileged");
  c.cap_add = strings_at(hc, "CapAdd");
  c.cap_drop = strings_at(hc, "CapDrop");
  c.network_mode = get_string(hc, "NetworkMode");
  c.pid_mode = get_string(hc, "PidMode");
  c.ipc_mode = get_string(hc, "IpcMode");
  c.uts_mode = get_string(hc, "UTSMode");
  c.userns_mode = get_string(hc, "UsernsMode");
  c.cgroupns_mode = get_string(hc, "CgroupnsMode");
  c.read_only_rootfs = bool_at(hc, "ReadonlyRootfs");
  c.security_opt = strings_at(hc, "SecurityOpt");
  c.memory_limit = int_at(hc, "Memory");
  c.nano_cpus = int_at(hc, "NanoCpus");
  c.cpu_shares = int_at(hc, "CpuShares");
  c.cpu_quota = int_at(hc, "CpuQuota");
  c.pids_limit = int_at(hc, "PidsLimit");
  const json& restart = object_at(hc, "RestartPolicy");
  c.restart_policy = get_string(restart, "Name");
  int64_t retries = int_at(restart, "MaximumRetryCount");
  c.restart_max_retries = retries > 0 && retries <= INT32_MAX ? static_cast<int>(retries) : 0;

  if (auto nnp = security_opt_value(c.security_opt, "no-new-privileges"))
    c.no_new_privileges = nnp->empty() || *nnp == "true";
  // Engines apply their default seccomp profile unless told otherwise, and
  // none to a privileged container (docker and podman alike).
  if (auto sc = security_opt_value(c.security_opt, "seccomp")) {
    c.seccomp_profile = sc->empty() ? "default" : *sc;
  } else {
    c.seccomp_profile = c.privileged ? "unconfined" : "default";
  }
  c.apparmor_profile = get_string(j, "AppArmorProfile");
  if (auto aa = security_opt_value(c.security_opt, "apparmor"); aa && !aa->empty()) c.apparmor_profile = *aa;

  if (auto it = j.find("Mounts"); it != j.end() && it->is_array()) {
    for (const auto& m : *it) {
      if (!m.is_object()) continue;
      ContainerMount cm;
      cm.type = get_string(m, "Type");
      cm.source = get_string(m, "Source");
      if (cm.type == "volume" && !get_string(m, "Name").empty()) cm.source = get_string(m, "Name");
      cm.destination = get_string(m, "Destination");
      auto rw = m.find("RW");
      cm.read_write = rw == m.end() || !rw->is_boolean() || rw->get<bool>();
      cm.propagation = get_string(m, "Propagation");
      c.mounts.push_back(std::move(cm));
    }
  }
  // What is really published (NetworkSettings.Ports) when the container
  // runs; what was asked (HostConfig.PortBindings) otherwise.
  c.ports = parse_ports(object_at(object_at(j, "NetworkSettings"), "Ports"));
  std::erase_if(c.ports, [](const PortBinding& p) { return p.host_port == 0; });
  if (c.ports.empty()) c.ports = parse_ports(object_at(hc, "PortBindings"));
  c.inspect_json = std::string(text);
  return c;
}

Result<std::vector<std::string>> parse_image_repo_digests(std::string_view text) {
  auto j = parse_json(text, "engine image inspect");
  if (!j) return j.error();
  if (!j->is_object()) return Error(ErrorCode::kCorrupt, "answer is not a JSON object", "engine image inspect");
  return strings_at(*j, "RepoDigests");
}

// ------------------------------------------------------------------- client --

namespace {

Result<Answer> request(const EngineClientOptions& o, const std::string& api_path) {
  global_init();
  const std::string where = "engine " + o.socket + " GET " + api_path;
  struct stat st {};
  if (::stat(o.socket.c_str(), &st) != 0)
    return Error(ErrorCode::kNotFound, "no engine socket: " + std::string(std::strerror(errno)), o.socket);
  if (!S_ISSOCK(st.st_mode)) return Error(ErrorCode::kInvalidArgument, "not a unix socket", o.socket);
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return Error(ErrorCode::kInternal, "curl_easy_init failed", where);
  CURL* c = curl.get();
  Transfer t;
  t.curl = c;
  t.limit = o.max_response_bytes;
  t.cancel = o.cancel;
  t.where = where;
  char errbuf[CURL_ERROR_SIZE] = {0};
  const std::string url = std::string("http://d") + kApi + api_path;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, o.socket.c_str());
  curl_easy_setopt(c, CURLOPT_PROXY, "");  // the socket is the engine; never a proxy from the environment
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  const long timeout = o.timeout_seconds > 0 ? o.timeout_seconds : 10;
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout);
  curl_easy_setopt(c, CURLOPT_USERAGENT, ("bulwark/" + std::string(tool_version())).c_str());
  CURLcode rc = curl_easy_perform(c);
  if (t.error) return *t.error;
  if (rc != CURLE_OK) {
    std::string msg = errbuf[0] != '\0' ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
    if (rc == CURLE_OPERATION_TIMEDOUT)
      return Error(ErrorCode::kTimeout, "engine did not answer within " + std::to_string(timeout) + " s (" + msg + ")",
                   where);
    return Error(ErrorCode::kNetwork, msg, where);
  }
  Answer a;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a.status);
  a.body = std::move(t.body);
  return a;
}

}  // namespace

Result<std::string> EngineClient::get(const std::string& api_path) {
  auto a = request(opts_, api_path);
  if (!a) return a.error();
  if (a->status != 200) {
    std::string msg = "HTTP " + std::to_string(a->status);
    if (std::string m = engine_message(a->body); !m.empty()) msg += ": " + m;
    return Error(a->status == 404 ? ErrorCode::kNotFound : ErrorCode::kNetwork, msg,
                 "engine " + opts_.socket + " GET " + api_path);
  }
  return std::move(a->body);
}

Result<std::string> EngineClient::version() {
  auto body = get("/version");
  if (!body) return body.error();
  auto v = parse_engine_version(*body);
  if (!v) return v.error().within("engine " + opts_.socket);
  product_ = v->substr(0, v->find(' '));
  return v;
}

Result<ContainerInfo> EngineClient::inspect(const std::string& id) {
  if (!safe_path_part(id))
    return Error(ErrorCode::kInvalidArgument, "container id with unexpected characters", "engine " + opts_.socket);
  auto body = get("/containers/" + id + "/json");
  if (!body) return body.error();
  auto c = parse_container_inspect(*body, product_);
  if (!c) return c.error().within("engine " + opts_.socket + " container " + id);
  return c;
}

Result<std::vector<ContainerInfo>> EngineClient::containers(std::vector<Diagnostic>& diagnostics) {
  if (product_.empty()) {
    if (auto v = version(); !v) return v.error();
  }
  auto body = get("/containers/json?all=1");
  if (!body) return body.error();
  auto ids = parse_container_list(*body);
  if (!ids) return ids.error().within("engine " + opts_.socket);
  std::vector<ContainerInfo> out;
  for (const auto& id : *ids) {
    auto c = inspect(id);
    if (!c) {
      // A container removed between the list and its inspect is not an error
      // of the host; anything else is worth a word.
      diagnostics.push_back(make_warning(opts_.socket, 0, "container " + id + ": " + c.error().describe()));
      continue;
    }
    out.push_back(std::move(*c));
  }
  // Repo digests come from the image, once per distinct image.
  std::map<std::string, std::vector<std::string>> digests;
  for (auto& c : out) {
    if (c.image_id.empty() || !safe_path_part(c.image_id)) continue;
    auto [it, fresh] = digests.try_emplace(c.image_id);
    if (fresh) {
      auto img = get("/images/" + c.image_id + "/json");
      if (img) {
        if (auto d = parse_image_repo_digests(*img)) it->second = std::move(*d);
        else diagnostics.push_back(make_warning(opts_.socket, 0, "image " + c.image_id + ": " + d.error().describe()));
      } else if (img.error().code != ErrorCode::kNotFound) {
        diagnostics.push_back(make_warning(opts_.socket, 0, "image " + c.image_id + ": " + img.error().describe()));
      }
    }
    // Prefer the digest of the repository the container names.
    const std::string repo = repository_of(c.image);
    for (const auto& rd : it->second) {
      auto at = rd.find('@');
      if (at == std::string::npos) continue;
      if (c.image_digest.empty() || rd.substr(0, at) == repo) c.image_digest = rd.substr(at + 1);
      if (rd.substr(0, at) == repo) break;
    }
  }
  return out;
}

}  // namespace bulwark::host
