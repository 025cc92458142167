// Internal header of the artifact module: HTTP over libcurl (TCP or a unix
// socket) and a client of the registry v2 API (ping, auth challenges, Basic and
// Bearer tokens, manifests, blobs with redirects and retries).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "artifact/artifact.hpp"
#include "artifact/reference.hpp"

namespace bulwark::artifact {

// ------------------------------------------------------------------- HTTP --

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string unix_socket;           // engine API: talk to this socket instead of TCP
  bool insecure_tls = false;         // skip TLS verification
  long timeout_seconds = 0;          // whole transfer; 0 = none (stall detection still applies)
};

struct HttpResponse {
  long status = 0;
  // Lowercase header names; repeated headers keep every value.
  std::multimap<std::string, std::string> headers;
  std::string body;          // when no sink was given, or the status was not 2xx (first 64 KiB)
  std::string redirect_url;  // absolute URL of a 3xx Location
  std::string header(const std::string& lower_name) const;
};

// Receives the body of a 2xx response, chunk by chunk.
using BodySink = std::function<Status(const char* data, size_t n)>;

struct HttpFailure {
  bool transient = false;  // worth retrying (connection reset, timeout, …)
};

// One request, no redirects followed, no retries. Without a sink the 2xx body
// is collected into response.body, failing past `limit` bytes.
Result<HttpResponse> http_get(const HttpRequest& req, const BodySink& sink, uint64_t limit,
                              const CancelToken* cancel, HttpFailure* failure = nullptr);

std::string base64_encode(std::string_view in);
// Standard alphabet, padding optional; nullopt on bad input.
std::optional<std::string> base64_decode(std::string_view in);

// --------------------------------------------------------- auth challenge --

struct Challenge {
  std::string scheme;  // lowercase: "basic", "bearer"
  std::map<std::string, std::string> params;  // lowercase keys: realm, service, scope, error
};
// Parses WWW-Authenticate values (several challenges, quoted strings with escapes).
std::vector<Challenge> parse_www_authenticate(const std::string& value);

// Credentials for a registry host from $REGISTRY_AUTH_FILE,
// $XDG_RUNTIME_DIR/containers/auth.json, $DOCKER_CONFIG/config.json or
// ~/.docker/config.json ("auths" → base64 "user:password" in "auth").
// `repository` allows podman's per-repository entries ("host/ns/repo").
std::optional<RegistryAuth> find_credentials(const std::string& registry, const std::string& repository);

// ---------------------------------------------------------------- client --

class RegistryClient {
 public:
  RegistryClient(ImageReference ref, const Options& opts);

  // GET /v2/: picks the scheme (https; http too when opts.insecure) and learns
  // the auth challenge.
  Status ping();

  struct Manifest {
    std::string body;
    std::string media_type;  // Content-Type
    std::string digest;      // computed sha256 of the body
  };
  // GET /v2/<repo>/manifests/<reference>; verified against `reference` when it
  // is a digest, and against Docker-Content-Digest when the registry sends one.
  Result<Manifest> get_manifest(const std::string& reference);
  // GET /v2/<repo>/tags/list, following the Link header's next pages, at
  // most `max_tags` names.
  Result<std::vector<std::string>> list_tags(size_t max_tags);
  // A small blob (config) in memory, verified.
  Result<std::string> get_blob(const std::string& digest, int64_t size);
  // A blob streamed to `dest` while hashing; kDigestMismatch names the digest
  // and what was received.
  Status download_blob(const std::string& digest, int64_t size, const std::string& dest);

  std::string describe() const;  // "registry 127.0.0.1:5000/app"
  const ImageReference& reference() const { return ref_; }

 private:
  // A GET with auth, redirects (Authorization kept only on the same origin)
  // and retries. `reset` is called before each attempt (a sink starts over).
  Result<HttpResponse> get(const std::string& path_or_url, const std::vector<std::string>& extra_headers,
                           const BodySink& sink, uint64_t limit, const std::function<Status()>& reset,
                           long timeout_seconds);
  Status authenticate(const HttpResponse& unauthorized);
  Result<std::string> fetch_token(const Challenge& c);
  std::string auth_header();

  ImageReference ref_;
  Options opts_;
  std::string base_;  // "https://host:port"
  std::optional<RegistryAuth> creds_;
  std::mutex mu_;     // guards the fields below
  std::string bearer_;
  bool use_basic_ = false;
};

}  // namespace bulwark::artifact
