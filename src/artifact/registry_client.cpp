// HTTP with libcurl and the registry v2 API client.
#include "artifact/registry_client.hpp"
#include "net/net.hpp"

#include <curl/curl.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <thread>

#include "artifact/image_config.hpp"
#include "artifact/sources.hpp"
#include "core/json.hpp"

namespace bulwark::artifact {

namespace {

constexpr uint64_t kErrorBodyLimit = 64 * 1024;

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct EasyDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Transfer {
  CURL* curl = nullptr;
  HttpResponse* resp = nullptr;
  const BodySink* sink = nullptr;
  uint64_t limit = 0;
  uint64_t received = 0;
  std::optional<Error> error;
  const CancelToken* cancel = nullptr;
  std::string url;
};

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  std::string_view line(data, size * n);
  if (starts_with(line, "HTTP/")) {
    t->resp->headers.clear();  // a new response (after 100 Continue)
    return size * n;
  }
  auto colon = line.find(':');
  if (colon != std::string_view::npos && t->resp->headers.size() < 200) {
    std::string key = to_lower(trim(line.substr(0, colon)));
    std::string value(trim(line.substr(colon + 1)));
    if (value.size() <= 8192) t->resp->headers.emplace(std::move(key), std::move(value));
  }
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  long status = 0;
  curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
  if (status < 200 || status >= 300 || t->sink == nullptr || !*t->sink) {
    const bool ok_status = status >= 200 && status < 300;
    const uint64_t limit = ok_status ? t->limit : kErrorBodyLimit;
    if (t->resp->body.size() + len > limit) {
      if (!ok_status) return len;  // keep the start of an error body, drop the rest
      t->error = Error(ErrorCode::kLimitExceeded,
                       "response larger than the limit of " + std::to_string(limit) + " bytes", t->url);
      return 0;
    }
    t->resp->body.append(data, len);
    return len;
  }
  t->received += len;
  if (auto st = (*t->sink)(data, len); !st) {
    t->error = st.error();
    return 0;
  }
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


// "https://host:port" of a URL, for the same-origin check on redirects.
std::string origin_of(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  auto path = url.find_first_of("/?#", scheme_end + 3);
  return to_lower(url.substr(0, path));
}

}  // namespace

std::string HttpResponse::header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? std::string() : it->second;
}

Result<HttpResponse> http_get(const HttpRequest& req, const BodySink& sink, uint64_t limit, const CancelToken* cancel,
                              HttpFailure* failure) {
  global_init();
  std::unique_ptr<CURL, EasyDeleter> curl(curl_easy_init());
  if (!curl) return Error(ErrorCode::kInternal, "curl_easy_init failed", req.url);
  HttpResponse resp;
  Transfer t;
  t.curl = curl.get();
  t.resp = &resp;
  t.sink = &sink;
  t.limit = limit;
  t.cancel = cancel;
  t.url = req.url;
  curl_slist* list = nullptr;
  for (const auto& h : req.headers) list = curl_slist_append(list, h.c_str());
  std::unique_ptr<curl_slist, SlistDeleter> headers(list);
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, req.url.c_str());
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);  // redirects are ours: see RegistryClient::get
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
  curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  // A stalled transfer (under 1 byte/s for a minute) fails; big layers on
  // slow links do not.
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  if (req.timeout_seconds > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT, req.timeout_seconds);
  curl_easy_setopt(c, CURLOPT_USERAGENT, ("bulwark/" + std::string(tool_version())).c_str());
  if (!req.unix_socket.empty()) curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, req.unix_socket.c_str());
  if (req.insecure_tls) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  CURLcode rc = curl_easy_perform(c);
  if (t.error) return *t.error;
  if (rc != CURLE_OK) {
    if (failure != nullptr) failure->transient = net::retryable_transfer_error(rc);
    std::string msg = errbuf[0] != '\0' ? std::string(errbuf) : std::string(curl_easy_strerror(rc));
    ErrorCode code = rc == CURLE_OPERATION_TIMEDOUT ? ErrorCode::kTimeout : ErrorCode::kNetwork;
    return Error(code, msg, req.unix_socket.empty() ? req.url : req.unix_socket + " " + req.url);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
  if (resp.status >= 300 && resp.status < 400) {
    char* loc = nullptr;
    if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc != nullptr) resp.redirect_url = loc;
  }
  return resp;
}

std::string base64_encode(std::string_view in) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v = val(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  if (bits >= 6) return std::nullopt;  // a lone trailing character
  return out;
}

std::vector<Challenge> parse_www_authenticate(const std::string& v) {
  std::vector<Challenge> out;
  size_t i = 0;
  auto skip_ws = [&] {
    while (i < v.size() && (v[i] == ' ' || v[i] == '\t')) ++i;
  };
  auto token = [&] {
    size_t s = i;
    while (i < v.size() && v[i] != ' ' && v[i] != '\t' && v[i] != '=' && v[i] != ',') ++i;
    return v.substr(s, i - s);
  };
  while (i < v.size() && out.size() < 16) {
    skip_ws();
    while (i < v.size() && v[i] == ',') {
      ++i;
      skip_ws();
    }
    if (i >= v.size()) break;
    Challenge c;
    c.scheme = to_lower(token());
    if (c.scheme.empty()) break;
    // auth-params: key=value or key="quoted", comma separated; a bare token
    // followed by space starts the next challenge.
    for (;;) {
      skip_ws();
      size_t save = i;
      std::string key = to_lower(token());
      skip_ws();
      if (key.empty() || i >= v.size() || v[i] != '=') {
        i = save;
        break;
      }
      ++i;  // '='
      skip_ws();
      std::string value;
      if (i < v.size() && v[i] == '"') {
        ++i;
        while (i < v.size() && v[i] != '"') {
          if (v[i] == '\\' && i + 1 < v.size()) ++i;
          value += v[i++];
        }
        if (i < v.size()) ++i;  // closing quote
      } else {
        value = token();
      }
      c.params[key] = value;
      skip_ws();
      if (i < v.size() && v[i] == ',') {
        ++i;
        continue;
      }
      break;
    }
    out.push_back(std::move(c));
  }
  return out;
}

namespace {

std::string normalise_auth_key(std::string k) {
  for (const char* scheme : {"https://", "http://"})
    if (starts_with(k, scheme)) k.erase(0, std::strlen(scheme));
  while (!k.empty() && k.back() == '/') k.pop_back();
  for (const char* suffix : {"/v1", "/v2"})
    if (ends_with(k, suffix)) k.erase(k.size() - std::strlen(suffix));
  if (k == "index.docker.io" || k == "registry-1.docker.io") k = "docker.io";
  return k;
}

std::optional<RegistryAuth> credentials_in(const std::string& path, const std::string& registry,
                                           const std::string& repository) {
  auto text = read_file_limited(path, 4 << 20);
  if (!text) return std::nullopt;
  auto j = parse_json(*text, path);
  if (!j || !j->is_object()) {
    if (!j) log_warn("ignoring unreadable auth file: " + j.error().describe());
    return std::nullopt;
  }
  auto auths = j->find("auths");
  if (auths == j->end() || !auths->is_object()) return std::nullopt;
  // The most specific key wins: host/ns/repo, host/ns, host.
  const std::string want_host = registry == "index.docker.io" ? "docker.io" : registry;
  std::string full = want_host + "/" + repository;
  std::optional<RegistryAuth> best;
  size_t best_len = 0;
  for (const auto& [key, entry] : auths->items()) {
    std::string k = normalise_auth_key(key);
    bool match = k == want_host || (starts_with(full, k + "/") || k == full);
    if (!match || k.size() < best_len || !entry.is_object()) continue;
    RegistryAuth a;
    if (std::string enc = get_string(entry, "auth"); !enc.empty()) {
      auto dec = base64_decode(enc);
      auto colon = dec ? dec->find(':') : std::string::npos;
      if (!dec || colon == std::string::npos) {
        log_warn(path + ": the \"auth\" entry for " + key + " is not base64 of user:password; ignored");
        continue;
      }
      a.username = dec->substr(0, colon);
      a.password = dec->substr(colon + 1);
    } else if (std::string tok = get_string(entry, "registrytoken"); !tok.empty()) {
      a.token = tok;
    } else {
      continue;
    }
    best = a;
    best_len = k.size();
  }
  return best;
}

}  // namespace

std::optional<RegistryAuth> find_credentials(const std::string& registry, const std::string& repository) {
  std::vector<std::string> files;
  if (const char* f = std::getenv("REGISTRY_AUTH_FILE"); f != nullptr && *f != '\0') files.emplace_back(f);
  if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x != nullptr && *x != '\0')
    files.push_back(std::string(x) + "/containers/auth.json");
  if (const char* d = std::getenv("DOCKER_CONFIG"); d != nullptr && *d != '\0')
    files.push_back(std::string(d) + "/config.json");
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') files.push_back(std::string(h) + "/.docker/config.json");
  for (const auto& f : files)
    if (auto a = credentials_in(f, registry, repository)) return a;
  return std::nullopt;
}

// ---------------------------------------------------------------- client --

RegistryClient::RegistryClient(ImageReference ref, const Options& opts) : ref_(std::move(ref)), opts_(opts) {
  const RegistryAuth& a = opts.auth;
  if (!a.username.empty() || !a.password.empty() || !a.token.empty()) creds_ = a;
  else creds_ = find_credentials(ref_.registry, ref_.repository);
  if (creds_ && !creds_->token.empty()) bearer_ = creds_->token;
}

std::string RegistryClient::describe() const { return "registry " + ref_.name(); }

std::string RegistryClient::auth_header() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!bearer_.empty()) return "Authorization: Bearer " + bearer_;
  if (use_basic_ && creds_) return "Authorization: Basic " + base64_encode(creds_->username + ":" + creds_->password);
  return {};
}

Status RegistryClient::ping() {
  std::vector<std::string> schemes;
  const std::string host = ref_.api_host();
  if (opts_.insecure) {
    if (is_loopback_host(host)) schemes = {"http", "https"};
    else schemes = {"https", "http"};
  } else {
    schemes = {"https"};
  }
  std::string tried;
  Error last(ErrorCode::kNetwork, "no response");
  for (const auto& s : schemes) {
    base_ = s + "://" + host;
    auto r = get("/v2/", {}, nullptr, kErrorBodyLimit, nullptr, 60);
    if (r) {
      if (r->status == 200) return {};
      if (r->status == 404)
        return Error(ErrorCode::kUnsupported, "not a registry v2 endpoint (GET /v2/ returned 404)", base_);
      return Error(r->status == 401 || r->status == 403 ? ErrorCode::kAuth : ErrorCode::kNetwork,
                   "GET /v2/ returned HTTP " + std::to_string(r->status), base_);
    }
    // Authentication failures are answers, not unreachable schemes.
    if (r.error().code == ErrorCode::kAuth || r.error().code == ErrorCode::kCancelled ||
        r.error().code == ErrorCode::kTimeout)
      return r.error();
    last = r.error();
    tried += (tried.empty() ? "" : ", ") + s;
  }
  if (!opts_.insecure && last.code == ErrorCode::kNetwork)
    last.message += " (plain-HTTP registries need --insecure)";
  return last;
}

Result<std::string> RegistryClient::fetch_token(const Challenge& c) {
  auto realm = c.params.find("realm");
  if (realm == c.params.end() || realm->second.empty())
    return Error(ErrorCode::kAuth, "Bearer challenge without a realm", describe());
  const std::string& url = realm->second;
  if (!starts_with(url, "https://") && !(starts_with(url, "http://") && opts_.insecure))
    return Error(ErrorCode::kAuth, "token realm " + url + " is not https (use --insecure to allow it)", describe());
  global_init();
  std::unique_ptr<CURL, EasyDeleter> esc(curl_easy_init());
  auto escape = [&](const std::string& s) {
    char* e = curl_easy_escape(esc.get(), s.c_str(), static_cast<int>(s.size()));
    std::string out = e != nullptr ? e : "";
    curl_free(e);
    return out;
  };
  std::string q;
  if (auto s = c.params.find("service"); s != c.params.end()) q += "service=" + escape(s->second);
  std::string scope = "repository:" + ref_.repository + ":pull";
  if (auto s = c.params.find("scope"); s != c.params.end() && !s->second.empty()) scope = s->second;
  q += (q.empty() ? "" : "&") + std::string("scope=") + escape(scope);
  HttpRequest req;
  req.url = url + (url.find('?') == std::string::npos ? "?" : "&") + q;
  req.insecure_tls = opts_.insecure;
  req.timeout_seconds = 60;
  if (creds_ && !creds_->username.empty())
    req.headers.push_back("Authorization: Basic " + base64_encode(creds_->username + ":" + creds_->password));
  auto r = http_get(req, nullptr, 1 << 20, opts_.cancel);
  if (!r) return r.error().within(describe() + ": token endpoint");
  if (r->status == 401 || r->status == 403)
    return Error(ErrorCode::kAuth,
                 std::string("token endpoint refused ") + (creds_ ? "the credentials" : "anonymous access") +
                     " (HTTP " + std::to_string(r->status) + ")",
                 describe() + ": " + url);
  if (r->status != 200)
    return Error(ErrorCode::kAuth, "token endpoint returned HTTP " + std::to_string(r->status),
                 describe() + ": " + url);
  auto j = parse_json(r->body, "token response from " + url);
  if (!j) return j.error();
  std::string tok = get_string(*j, "token");
  if (tok.empty()) tok = get_string(*j, "access_token");
  if (tok.empty()) return Error(ErrorCode::kAuth, "token response has no token", describe() + ": " + url);
  return tok;
}

Status RegistryClient::authenticate(const HttpResponse& unauthorized) {
  std::vector<Challenge> all;
  for (auto [it, end] = unauthorized.headers.equal_range("www-authenticate"); it != end; ++it)
    for (auto& c : parse_www_authenticate(it->second)) all.push_back(std::move(c));
  const Challenge* bearer = nullptr;
  const Challenge* basic = nullptr;
  for (const auto& c : all) {
    if (c.scheme == "bearer" && bearer == nullptr) bearer = &c;
    if (c.scheme == "basic" && basic == nullptr) basic = &c;
  }
  if (bearer != nullptr) {
    auto tok = fetch_token(*bearer);
    if (!tok) return tok.error();
    std::lock_guard<std::mutex> lock(mu_);
    bearer_ = *tok;
    return {};
  }
  if (basic != nullptr) {
    if (!creds_ || creds_->username.empty())
      return Error(ErrorCode::kAuth, "the registry requires credentials (Basic auth) and none were given",
                   describe());
    std::lock_guard<std::mutex> lock(mu_);
    if (use_basic_)
      return Error(ErrorCode::kAuth, "the registry rejected the credentials for user " + creds_->username, describe());
    use_basic_ = true;
    return {};
  }
  return Error(ErrorCode::kAuth, "HTTP 401 without a usable WWW-Authenticate challenge", describe());
}

Result<HttpResponse> RegistryClient::get(const std::string& path_or_url, const std::vector<std::string>& extra,
                                         const BodySink& sink, uint64_t limit, const std::function<Status()>& reset,
                                         long timeout_seconds) {
  const std::string first_url = starts_with(path_or_url, "/") ? base_ + path_or_url : path_or_url;
  const std::string registry_origin = origin_of(base_);
  constexpr int kAttempts = 4;
  bool reauthed = false;
  for (int attempt = 1;; ++attempt) {
    if (opts_.cancel != nullptr)
      if (auto st = opts_.cancel->check(); !st) return st.error();
    std::string url = first_url;
    Result<HttpResponse> r = Error(ErrorCode::kInternal, "no request");
    HttpFailure failure;
    for (int hop = 0;; ++hop) {
      if (hop > 5) return Error(ErrorCode::kNetwork, "more than 5 redirects", first_url);
      if (reset)
        if (auto st = reset(); !st) return st.error();
      HttpRequest req;
      req.url = url;
      req.headers = extra;
      // Credentials go to the registry only, never to a CDN it redirects to.
      if (origin_of(url) == registry_origin)
        if (std::string a = auth_header(); !a.empty()) req.headers.push_back(a);
      req.insecure_tls = opts_.insecure;
      req.timeout_seconds = timeout_seconds;
      failure = {};
      r = http_get(req, sink, limit, opts_.cancel, &failure);
      if (!r || r->status < 300 || r->status >= 400 || r->redirect_url.empty()) break;
      url = r->redirect_url;
      if (!starts_with(url, "https://") && !(starts_with(url, "http://") && opts_.insecure))
        return Error(ErrorCode::kNetwork, "refusing redirect to " + url + " (not https)", first_url);
    }
    bool retry = false;
    long wait_ms = 250L << (attempt - 1);
    if (!r) {
      retry = failure.transient;
    } else if (r->status == 401 && !reauthed) {
      reauthed = true;
      if (auto st = authenticate(*r); !st) return st.error();
      --attempt;  // an auth round trip is not a failed attempt
      continue;
    } else if (r->status == 429 || r->status == 500 || r->status == 502 || r->status == 503 || r->status == 504) {
      retry = true;
      if (std::string ra = r->header("retry-after"); !ra.empty() && ra.size() < 6 &&
          std::all_of(ra.begin(), ra.end(), [](char c) { return c >= '0' && c <= '9'; }))
        wait_ms = std::min(10'000L, std::stol(ra) * 1000L);
    }
    if (!retry || attempt >= kAttempts) {
      if (r && r->status == 401)
        return Error(ErrorCode::kAuth, "the registry refused access (HTTP 401)", first_url);
      return r;
    }
    log_debug(describe() + ": retrying " + first_url + " (attempt " + std::to_string(attempt + 1) + ")");
    for (long slept = 0; slept < wait_ms; slept += 50) {
      if (opts_.cancel != nullptr)
        if (auto st = opts_.cancel->check(); !st) return st.error();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

namespace {

Error http_error(const HttpResponse& r, const std::string& what, const std::string& where) {
  ErrorCode code = r.status == 404 ? ErrorCode::kNotFound
                   : (r.status == 401 || r.status == 403) ? ErrorCode::kAuth
                                                          : ErrorCode::kNetwork;
  std::string detail;
  // Registry errors: {"errors":[{"code":"MANIFEST_UNKNOWN","message":"…"}]}
  if (auto j = parse_json(r.body, "error body"); j && j->is_object()) {
    if (auto e = j->find("errors"); e != j->end() && e->is_array() && !e->empty())
      detail = get_string((*e)[0], "code") + " " + get_string((*e)[0], "message");
  }
  return Error(code, what + ": HTTP " + std::to_string(r.status) + (detail.empty() ? "" : " " + detail), where);
}

}  // namespace

Result<RegistryClient::Manifest> RegistryClient::get_manifest(const std::string& reference) {
  const std::string where = describe() + ": manifest " + reference;
  auto r = get("/v2/" + ref_.repository + "/manifests/" + reference, {"Accept: " + manifest_accept_header()}, nullptr,
               limits().max_metadata_bytes, nullptr, 300);
  if (!r) return r.error().within(where);
  if (r->status != 200) return http_error(*r, "cannot get the manifest", where);
  Manifest m;
  m.body = std::move(r->body);
  m.media_type = r->header("content-type");
  m.digest = "sha256:" + sha256_hex(m.body);
  if (starts_with(reference, "sha256:") || reference.find(':') != std::string::npos) {
    if (auto st = verify_digest(m.body, reference, where); !st) return st.error();
  }
  if (std::string claimed = r->header("docker-content-digest"); !claimed.empty() && valid_digest(claimed) &&
                                                                 claimed != m.digest)
    return Error(ErrorCode::kDigestMismatch,
                 "manifest has digest " + m.digest + ", the registry says " + claimed, where);
  return m;
}

Result<std::vector<std::string>> RegistryClient::list_tags(size_t max_tags) {
  const std::string where = describe() + ": tags";
  std::vector<std::string> tags;
  std::string next = "/v2/" + ref_.repository + "/tags/list?n=1000";
  for (int page = 0; page < 100 && !next.empty() && tags.size() < max_tags; ++page) {
    auto r = get(next, {}, nullptr, limits().max_metadata_bytes, nullptr, 300);
    if (!r) return r.error().within(where);
    if (r->status != 200) return http_error(*r, "cannot list the tags", where);
    auto j = parse_json(r->body, where);
    if (!j) return j.error();
    if (!j->is_object() || !j->contains("tags")) return Error(ErrorCode::kCorrupt, "no 'tags' in the answer", where);
    const json& list = (*j)["tags"];
    if (list.is_array())
      for (const auto& t : list)
        if (t.is_string() && tags.size() < max_tags) tags.push_back(t.get<std::string>());
    // Link: </v2/app/tags/list?last=x&n=1000>; rel="next"
    next.clear();
    std::string link = r->header("link");
    size_t open = link.find('<'), close = link.find('>');
    if (open != std::string::npos && close != std::string::npos && close > open &&
        link.find("rel=\"next\"", close) != std::string::npos)
      next = link.substr(open + 1, close - open - 1);
  }
  return tags;
}

Result<std::string> RegistryClient::get_blob(const std::string& digest, int64_t size) {
  const std::string where = describe() + ": blob " + digest;
  const uint64_t limit = limits().max_metadata_bytes;
  if (size > 0 && static_cast<uint64_t>(size) > limit)
    return Error(ErrorCode::kLimitExceeded, std::to_string(size) + " bytes, more than the metadata limit", where);
  auto r = get("/v2/" + ref_.repository + "/blobs/" + digest, {}, nullptr, limit, nullptr, 300);
  if (!r) return r.error().within(where);
  if (r->status != 200) return http_error(*r, "cannot get the blob", where);
  if (auto st = verify_digest(r->body, digest, where); !st) return st.error();
  return std::move(r->body);
}

Status RegistryClient::download_blob(const std::string& digest, int64_t size, const std::string& dest) {
  const std::string where = describe() + ": layer " + digest;
  int fd = ::open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error(ErrorCode::kIo, std::strerror(errno), dest);
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  std::unique_ptr<Sha256> hash;
  uint64_t written = 0;
  const uint64_t max = size > 0 ? static_cast<uint64_t>(size) : limits().max_layer_bytes;
  auto reset = [&]() -> Status {
    hash = std::make_unique<Sha256>();
    written = 0;
    if (::ftruncate(fd, 0) != 0 || ::lseek(fd, 0, SEEK_SET) != 0)
      return Error(ErrorCode::kIo, std::strerror(errno), dest);
    return {};
  };
  BodySink sink = [&](const char* data, size_t n) -> Status {
    written += n;
    if (written > max)
      return Error(ErrorCode::kDigestMismatch,
                   "received more than the " + std::to_string(max) + " bytes the manifest declares", where);
    hash->update(data, n);
    while (n > 0) {
      ssize_t w = ::write(fd, data, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return Error(ErrorCode::kIo, std::strerror(errno), dest);
      }
      data += w;
      n -= static_cast<size_t>(w);
    }
    return {};
  };
  auto r = get("/v2/" + ref_.repository + "/blobs/" + digest, {}, sink, 0, reset, 0);
  if (!r) return r.error().code == ErrorCode::kDigestMismatch ? r.error() : r.error().within(where);
  if (r->status != 200) return http_error(*r, "cannot download the layer", where);
  std::string got = hash->digest();
  if (got != digest || (size > 0 && written != static_cast<uint64_t>(size)))
    return Error(ErrorCode::kDigestMismatch,
                 "received " + std::to_string(written) + " bytes with digest " + got + ", expected " + digest +
                     (size > 0 ? " (" + std::to_string(size) + " bytes)" : ""),
                 where);
  return {};
}

}  // namespace bulwark::artifact
