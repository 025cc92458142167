// Images held by a podman or docker engine, reached through the Docker API on
// a unix socket: inspect for presence and repo tags/digests, then export
// (GET /images/{name}/get) into the cache directory and read it as a
// docker-archive.
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>

#include "artifact/registry_client.hpp"
#include "artifact/sources.hpp"
#include "core/json.hpp"

namespace bulwark::artifact {

namespace {

constexpr const char* kApi = "/v1.40";

bool is_socket(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

std::string strip_unix(std::string s) {
  if (starts_with(s, "unix://")) s.erase(0, 7);
  return s;
}

Result<std::string> find_socket(const Options& opts) {
  if (!opts.engine_socket.empty()) {
    std::string p = strip_unix(opts.engine_socket);
    if (!is_socket(p)) return Error(ErrorCode::kNotFound, "no engine socket at " + p);
    return p;
  }
  std::vector<std::string> candidates;
  if (const char* h = std::getenv("DOCKER_HOST"); h != nullptr && starts_with(h, "unix://"))
    candidates.push_back(strip_unix(h));
  candidates.emplace_back("/run/podman/podman.sock");
  if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x != nullptr && *x != '\0')
    candidates.push_back(std::string(x) + "/podman/podman.sock");
  candidates.emplace_back("/var/run/docker.sock");
  std::string looked;
  for (const auto& c : candidates) {
    if (is_socket(c)) return c;
    looked += (looked.empty() ? "" : ", ") + c;
  }
  return Error(ErrorCode::kNotFound, "no engine socket (looked at " + looked + ")");
}

// The engine's API takes names with '/' and ':' in the path; anything that
// could change the request's meaning is refused.
Status check_name(const std::string& ref) {
  if (ref.empty() || ref.size() > 512)
    return Error(ErrorCode::kInvalidArgument, "invalid image name for the engine", ref);
  for (unsigned char c : ref) {
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-' || c == '/' || c == ':' || c == '@'))
      return Error(ErrorCode::kInvalidArgument, "invalid character in image name for the engine", ref);
  }
  if (ref.find("..") != std::string::npos || starts_with(ref, "/"))
    return Error(ErrorCode::kInvalidArgument, "invalid image name for the engine", ref);
  return {};
}

std::string engine_message(const HttpResponse& r) {
  if (auto j = parse_json(r.body, "engine response"); j && j->is_object()) return get_string(*j, "message");
  return {};
}

class EngineSource : public ImageSource {
 public:
  EngineSource(std::unique_ptr<ImageSource> inner, Artifact art, std::string file, std::string description)
      : inner_(std::move(inner)), art_(std::move(art)), file_(std::move(file)), description_(std::move(description)) {}
  ~EngineSource() override {
    inner_.reset();
    ::unlink(file_.c_str());
  }
  const Artifact& artifact() const override { return art_; }
  Result<std::unique_ptr<ByteStream>> open_layer(size_t i) override { return inner_->open_layer(i); }
  bool verify_blob_digest() const override { return inner_->verify_blob_digest(); }
  std::string describe() const override { return description_; }

 private:
  std::unique_ptr<ImageSource> inner_;
  Artifact art_;
  std::string file_;
  std::string description_;
};

}  // namespace

Result<std::unique_ptr<ImageSource>> open_engine(const std::string& ref, const Options& opts) {
  auto sock = find_socket(opts);
  if (!sock) return sock.error();
  if (auto st = check_name(ref); !st) return st.error();
  const std::string where = "engine " + *sock;

  HttpRequest req;
  req.unix_socket = *sock;
  req.url = std::string("http://d") + kApi + "/images/" + ref + "/json";
  req.timeout_seconds = 60;
  auto inspect = http_get(req, nullptr, limits().max_metadata_bytes, opts.cancel);
  if (!inspect) return inspect.error().within(where);
  if (inspect->status == 404)
    return Error(ErrorCode::kNotFound, "image " + ref + " is not in the engine", where);
  if (inspect->status != 200)
    return Error(ErrorCode::kNetwork,
                 "inspecting " + ref + ": HTTP " + std::to_string(inspect->status) + " " + engine_message(*inspect),
                 where);
  auto info = parse_json(inspect->body, where + ": inspect " + ref);
  if (!info) return info.error();
  if (!info->is_object()) return Error(ErrorCode::kCorrupt, "inspect answer is not an object", where);

  auto dir = work_dir(opts, "engine");
  if (!dir) return dir.error();
  const std::string file = *dir + "/" + unique_name("image") + ".tar";
  int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Error(ErrorCode::kIo, std::strerror(errno), file);
  uint64_t written = 0;
  BodySink sink = [&](const char* data, size_t n) -> Status {
    written += n;
    if (written > limits().max_layer_bytes)
      return Error(ErrorCode::kLimitExceeded, "exported image exceeds " + std::to_string(limits().max_layer_bytes) +
                                                  " bytes",
                   where);
    while (n > 0) {
      ssize_t w = ::write(fd, data, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return Error(ErrorCode::kIo, std::strerror(errno), file);
      }
      data += w;
      n -= static_cast<size_t>(w);
    }
    return {};
  };
  req.url = std::string("http://d") + kApi + "/images/" + ref + "/get";
  req.timeout_seconds = 0;
  auto got = http_get(req, sink, 0, opts.cancel);
  ::close(fd);
  auto fail = [&](Error e) {
    ::unlink(file.c_str());
    return e;
  };
  if (!got) return fail(got.error().within(where));
  if (got->status != 200)
    return fail(Error(got->status == 404 ? ErrorCode::kNotFound : ErrorCode::kNetwork,
                      "exporting " + ref + ": HTTP " + std::to_string(got->status) + " " + engine_message(*got),
                      where));
  auto inner = open_docker_archive(file, opts);
  if (!inner) return fail(inner.error().within(where + ": exported " + ref));

  Artifact art = (*inner)->artifact();
  art.name = ref;
  std::vector<std::string> tags, digests;
  for (const auto& [key, out] : {std::pair<const char*, std::vector<std::string>*>{"RepoTags", &tags},
                                 std::pair<const char*, std::vector<std::string>*>{"RepoDigests", &digests}}) {
    if (auto it = info->find(key); it != info->end() && it->is_array())
      for (const auto& v : *it)
        if (v.is_string()) out->push_back(v.get<std::string>());
  }
  if (!tags.empty()) art.repo_tags = tags;
  art.repo_digests = digests;
  return std::unique_ptr<ImageSource>(
      new EngineSource(std::move(*inner), std::move(art), file, "engine " + ref));
}

}  // namespace bulwark::artifact
