// open_registry against a real docker-registry (CNCF distribution) on
// loopback: anonymous, Basic (htpasswd) and Bearer token auth, pull by digest,
// manifest lists, and a corrupted blob. Images are pushed with skopeo.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <thread>

#include "artifact/artifact.hpp"
#include "artifact/image_config.hpp"
#include "artifact/registry_client.hpp"
#include "artifact/streams.hpp"
#include "core/json.hpp"
#include "testing/testing.hpp"

namespace bulwark::artifact {
namespace {

using bulwark::testing::fixture;
using bulwark::testing::read_file;
using bulwark::testing::sh;
using bulwark::testing::TempDir;
using bulwark::testing::write_file;
namespace fs = std::filesystem;

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

std::string q(const fs::path& p) { return "'" + p.string() + "'"; }

// A background process started through the shell and stopped by its PID.
class Process {
 public:
  Process(const std::string& command, const fs::path& log) {
    auto r = sh(command + " > " + q(log) + " 2>&1 < /dev/null & echo $!");
    pid_ = std::atoi(r.out.c_str());
  }
  ~Process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      for (int i = 0; i < 50 && ::kill(pid_, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (::kill(pid_, 0) == 0) ::kill(pid_, SIGKILL);
    }
  }
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
};

bool wait_for(const std::function<bool()>& ready) {
  for (int i = 0; i < 100; ++i) {
    if (ready()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

// The test images (tests/fixtures/registry/make-images.sh), built once.
const fs::path& images() {
  static std::unique_ptr<TempDir> dir;
  if (!dir) {
    dir = std::make_unique<TempDir>();
    auto r = sh(fixture("registry/make-images.sh").string() + " " + dir->path().string() + " 2>&1");
    if (r.exit_code != 0) ADD_FAILURE() << "make-images.sh failed: " << r.out;
  }
  return dir->path();
}

// Sets environment variables for one test and restores them afterwards.
class EnvGuard {
 public:
  EnvGuard() {
    for (const char* k : {"HOME", "REGISTRY_AUTH_FILE", "XDG_RUNTIME_DIR", "DOCKER_CONFIG"}) {
      const char* v = std::getenv(k);
      saved_.emplace_back(k, v == nullptr ? std::optional<std::string>() : std::optional<std::string>(v));
    }
  }
  ~EnvGuard() {
    for (const auto& [k, v] : saved_) {
      if (v) ::setenv(k.c_str(), v->c_str(), 1);
      else ::unsetenv(k.c_str());
    }
  }

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

enum class AuthMode { kNone, kBasic, kToken };

// docker-registry serving from a TempDir, with optional auth.
class Registry {
 public:
  explicit Registry(AuthMode mode) {
    port_ = free_port();
    std::string auth;
    if (mode == AuthMode::kBasic) {
      auto r = sh("htpasswd -Bbn alice s3cret > " + q(dir_ / "htpasswd"));
      EXPECT_EQ(r.exit_code, 0) << r.err;
      auth = "auth:\n  htpasswd:\n    realm: test\n    path: " + (dir_ / "htpasswd").string() + "\n";
    } else if (mode == AuthMode::kToken) {
      auto r = sh("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=bulwark-test-token -keyout " +
                  q(dir_ / "key.pem") + " -out " + q(dir_ / "cert.pem") + " 2>&1");
      EXPECT_EQ(r.exit_code, 0) << r.out;
      token_ = std::make_unique<Process>("python3 " + q(fixture("registry/token_server.py")) + " " +
                                             q(dir_ / "key.pem") + " " + q(dir_ / "cert.pem") + " " +
                                             q(dir_ / "token.port") + " alice:s3cret bulwark-test-issuer test-registry",
                                         dir_ / "token.log");
      EXPECT_TRUE(wait_for([&] { return fs::exists(dir_ / "token.port"); })) << read_file(dir_ / "token.log");
      std::string tport = read_file(dir_ / "token.port");
      auth = "auth:\n  token:\n    realm: http://127.0.0.1:" + tport +
             "/token\n    service: test-registry\n    issuer: bulwark-test-issuer\n    rootcertbundle: " +
             (dir_ / "cert.pem").string() + "\n";
    }
    write_file(dir_ / "config.yml", "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: " +
                                        (dir_ / "data").string() + "\nhttp:\n  addr: 127.0.0.1:" +
                                        std::to_string(port_) + "\n" + auth);
    proc_ = std::make_unique<Process>("docker-registry serve " + q(dir_ / "config.yml"), dir_ / "registry.log");
    ready_ = wait_for([&] {
      return sh("curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:" + std::to_string(port_) + "/v2/").out !=
             "000";
    });
    EXPECT_TRUE(ready_) << read_file(dir_ / "registry.log");
  }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  bool ready() const { return ready_; }
  // skopeo copy SRC docker://HOST/DEST
  void push(const std::string& src, const std::string& dest, const std::string& extra = "") {
    auto r = sh("skopeo copy -q --dest-tls-verify=false " + extra + " " + src + " docker://" + host() + "/" + dest +
                " 2>&1");
    ASSERT_EQ(r.exit_code, 0) << r.out;
  }
  fs::path blob_data(const std::string& digest) const {
    std::string hex = digest.substr(7);
    return dir_ / "data/docker/registry/v2/blobs/sha256" / hex.substr(0, 2) / hex / "data";
  }
  const fs::path& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  int port_ = 0;
  bool ready_ = false;
  std::unique_ptr<Process> token_;
  std::unique_ptr<Process> proc_;
};

#define REQUIRE_REGISTRY_TOOLS()            \
  BULWARK_REQUIRE_TOOL("docker-registry");  \
  BULWARK_REQUIRE_TOOL("skopeo");           \
  BULWARK_REQUIRE_TOOL("umoci");            \
  BULWARK_REQUIRE_TOOL("curl");             \
  BULWARK_REQUIRE_TOOL("python3")

Options insecure(const TempDir& cache) {
  Options o;
  o.insecure = true;
  o.cache_dir = cache.path().string();
  o.platform = "linux/amd64";
  return o;
}

std::string sha_of_layer(ImageSource& src, size_t i, Error* err = nullptr) {
  auto s = src.open_layer(i);
  if (!s) {
    if (err != nullptr) *err = s.error();
    return {};
  }
  auto data = read_stream(**s, 1 << 30, "layer");
  if (!data) {
    if (err != nullptr) *err = data.error();
    return {};
  }
  return "sha256:" + sha256_hex(*data);
}

std::string layout_manifest_digest(const std::string& tag) {
  json idx = json::parse(read_file(images() / "L/index.json"));
  for (const auto& m : idx["manifests"])
    if (m["annotations"]["org.opencontainers.image.ref.name"] == tag) return m["digest"];
  return {};
}

TEST(RegistryPull, AnonymousPullAndLayers) {
  REQUIRE_REGISTRY_TOOLS();
  images();
  Registry reg(AuthMode::kNone);
  ASSERT_TRUE(reg.ready());
  reg.push("oci:" + (images() / "L").string() + ":1", "app:1");
  TempDir cache;
  auto src = open_registry(reg.host() + "/app:1", insecure(cache));
  ASSERT_TRUE(src.ok()) << src.error().describe();
  const Artifact& a = (*src)->artifact();
  EXPECT_EQ(a.manifest_digest, layout_manifest_digest("1"));
  EXPECT_EQ(a.repo_tags, std::vector<std::string>{reg.host() + "/app:1"});
  EXPECT_EQ(a.repo_digests, std::vector<std::string>{reg.host() + "/app@" + a.manifest_digest});
  EXPECT_EQ(a.config.user, "1000");
  ASSERT_EQ(a.layers.size(), 2u);
  EXPECT_EQ(a.layers[0].created_by, "COPY etc /etc");
  EXPECT_TRUE((*src)->verify_blob_digest());
  EXPECT_EQ((*src)->describe(), "registry " + reg.host() + "/app:1");
  // Both layers at once, each on its own thread and curl handle.
  std::string got[2];
  std::thread t0([&] { got[0] = sha_of_layer(**src, 0); });
  std::thread t1([&] { got[1] = sha_of_layer(**src, 1); });
  t0.join();
  t1.join();
  EXPECT_EQ(got[0], a.layers[0].digest);
  EXPECT_EQ(got[1], a.layers[1].digest);
  // Downloads are opened and unlinked: nothing is left in the blob directory.
  EXPECT_TRUE(fs::is_empty(cache / "blobs"));

  // Through open_image, after "archive" found no such file.
  Options o = insecure(cache);
  o.image_sources = {"archive", "registry"};
  auto via = open_image(reg.host() + "/app:1", o);
  ASSERT_TRUE(via.ok()) << via.error().describe();
  EXPECT_EQ((*via)->artifact().manifest_digest, a.manifest_digest);

  // Plain HTTP needs --insecure.
  Options strict;
  strict.cache_dir = cache.path().string();
  auto refused = open_registry(reg.host() + "/app:1", strict);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::kNetwork);
  EXPECT_NE(refused.error().message.find("--insecure"), std::string::npos) << refused.error().describe();

  auto missing = open_registry(reg.host() + "/app:nope", insecure(cache));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().describe().find("MANIFEST_UNKNOWN"), std::string::npos) << missing.error().describe();
}

TEST(RegistryPull, ByDigestAndManifestList) {
  REQUIRE_REGISTRY_TOOLS();
  images();
  Registry reg(AuthMode::kNone);
  ASSERT_TRUE(reg.ready());
  reg.push("oci:" + (images() / "L").string() + ":1", "app:1");
  reg.push("oci:" + (images() / "M").string() + ":multi", "multi:1", "--all");
  TempDir cache;
  const std::string md = layout_manifest_digest("1");
  auto by_digest = open_registry(reg.host() + "/app@" + md, insecure(cache));
  ASSERT_TRUE(by_digest.ok()) << by_digest.error().describe();
  EXPECT_EQ((*by_digest)->artifact().manifest_digest, md);
  EXPECT_TRUE((*by_digest)->artifact().repo_tags.empty());
  auto unknown = open_registry(reg.host() + "/app@sha256:" + std::string(64, '0'), insecure(cache));
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);

  const std::string index_digest = read_file(images() / "M/nested-digest");
  Options o = insecure(cache);
  auto amd = open_registry(reg.host() + "/multi:1", o);
  ASSERT_TRUE(amd.ok()) << amd.error().describe();
  EXPECT_EQ((*amd)->artifact().manifest_digest, md);
  EXPECT_EQ((*amd)->artifact().repo_digests, std::vector<std::string>{reg.host() + "/multi@" + index_digest});
  o.platform = "linux/arm64";
  auto arm = open_registry(reg.host() + "/multi:1", o);
  ASSERT_TRUE(arm.ok()) << arm.error().describe();
  EXPECT_EQ((*arm)->artifact().manifest_digest, layout_manifest_digest("arm"));
  EXPECT_EQ((*arm)->artifact().config.architecture, "arm64");
  EXPECT_EQ(sha_of_layer(**arm, 0), (*arm)->artifact().layers[0].digest);
  o.platform = "linux/ppc64le";
  auto none = open_registry(reg.host() + "/multi:1", o);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  EXPECT_NE(none.error().message.find("available: linux/arm64, linux/amd64"), std::string::npos)
      << none.error().describe();
}

TEST(RegistryPull, CorruptBlobIsDigestMismatchNamingLayer) {
  REQUIRE_REGISTRY_TOOLS();
  images();
  Registry reg(AuthMode::kNone);
  ASSERT_TRUE(reg.ready());
  reg.push("oci:" + (images() / "L").string() + ":1", "app:1");
  TempDir cache;
  auto clean = open_registry(reg.host() + "/app:1", insecure(cache));
  ASSERT_TRUE(clean.ok()) << clean.error().describe();
  const std::string layer = (*clean)->artifact().layers[1].digest;
  fs::path data = reg.blob_data(layer);
  ASSERT_TRUE(fs::exists(data)) << data;
  std::string bytes = read_file(data);
  bytes[bytes.size() / 2] ^= 0x55;
  write_file(data, bytes);
  // Opening reads manifest and config only, so it still succeeds.
  auto src = open_registry(reg.host() + "/app:1", insecure(cache));
  ASSERT_TRUE(src.ok()) << src.error().describe();
  EXPECT_EQ(sha_of_layer(**src, 0), (*src)->artifact().layers[0].digest);
  Error err;
  EXPECT_EQ(sha_of_layer(**src, 1, &err), "");
  EXPECT_EQ(err.code, ErrorCode::kDigestMismatch);
  EXPECT_NE(err.describe().find("layer " + layer), std::string::npos) << err.describe();
  EXPECT_NE(err.message.find("received " + std::to_string(bytes.size()) + " bytes with digest sha256:"),
            std::string::npos)
      << err.describe();
  EXPECT_TRUE(fs::is_empty(cache / "blobs")) << "a failed download leaves no file";
}

TEST(RegistryPull, WarmRescanReadsNoLayers) {
  REQUIRE_REGISTRY_TOOLS();
  images();
  Registry reg(AuthMode::kNone);
  ASSERT_TRUE(reg.ready());
  reg.push("oci:" + (images() / "L").string() + ":1", "app:1");
  TempDir cache;
  Options o = insecure(cache);
  o.parallelism = 2;
  AnalyzerRegistry none;
  auto layer_cache = open_layer_cache((cache / "layers").string());
  {
    auto src = open_registry(reg.host() + "/app:1", o);
    ASSERT_TRUE(src.ok()) << src.error().describe();
    auto cold = inspect_image(**src, none, *layer_cache, o);
    ASSERT_TRUE(cold.ok()) << cold.error().describe();
    EXPECT_EQ(cold->cache_hits, 0);
  }
  // Corrupt a layer in the registry: a warm scan must not notice, because it
  // must not download layers whose results are cached.
  auto clean = open_registry(reg.host() + "/app:1", o);
  ASSERT_TRUE(clean.ok());
  const std::string layer = (*clean)->artifact().layers[0].digest;
  std::string bytes = read_file(reg.blob_data(layer));
  bytes[bytes.size() / 2] ^= 0x55;
  write_file(reg.blob_data(layer), bytes);
  auto warm = inspect_image(**clean, none, *layer_cache, o);
  ASSERT_TRUE(warm.ok()) << warm.error().describe();
  EXPECT_EQ(warm->cache_hits, 2);
  // Without the cache the corruption is found, naming the layer.
  o.use_cache = false;
  auto uncached = inspect_image(**clean, none, *layer_cache, o);
  ASSERT_FALSE(uncached.ok());
  EXPECT_EQ(uncached.error().code, ErrorCode::kDigestMismatch);
  EXPECT_NE(uncached.error().describe().find(layer), std::string::npos) << uncached.error().describe();
}

TEST(RegistryAuth, BasicHtpasswd) {
  REQUIRE_REGISTRY_TOOLS();
  BULWARK_REQUIRE_TOOL("htpasswd");
  images();
  Registry reg(AuthMode::kBasic);
  ASSERT_TRUE(reg.ready());
  reg.push("oci:" + (images() / "L").string() + ":1", "app:1", "--dest-creds alice:s3cret");
  TempDir cache;
  TempDir home;
  EnvGuard env;
  // No credentials anywhere (HOME and the auth-file variables point at nothing).
  ::setenv("HOME", home.path().c_str(), 1);
  ::unsetenv("REGISTRY_AUTH_FILE");
  ::unsetenv("XDG_RUNTIME_DIR");
  ::unsetenv("DOCKER_CONFIG");
  auto anon = open_registry(reg.host() + "/app:1", insecure(cache));
  ASSERT_FALSE(anon.ok());
  EXPECT_EQ(anon.error().code, ErrorCode::kAuth);

  Options o = insecure(cache);
  o.auth.username = "alice";
  o.auth.password = "wrong";
  auto wrong = open_registry(reg.host() + "/app:1", o);
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, ErrorCode::kAuth);

  o.auth.password = "s3cret";
  auto ok = open_registry(reg.host() + "/app:1", o);
  ASSERT_TRUE(ok.ok()) << ok.error().describe();
  EXPECT_EQ(sha_of_layer(**ok, 0), (*ok)->artifact().layers[0].digest);

  // Credentials from a docker config file.
  fs::create_directories(home / ".docker");
  write_file(home / ".docker/config.json",
             R"({"auths":{"http://)" + reg.host() + R"(/v2/":{"auth":")" + base64_encode("alice:s3cret") + "\"}}}");
  auto from_file = open_registry(reg.host() + "/app:1", insecure(cache));
  ASSERT_TRUE(from_file.ok()) << from_file.error().describe();
  // $REGISTRY_AUTH_FILE comes first.
  write_file(home / "auth.json",
             R"({"auths":{")" + reg.host() + R"(":{"auth":")" + base64_encode("alice:nope") + "\"}}}");
  ::setenv("REGISTRY_AUTH_FILE", (home / "auth.json").c_str(), 1);
  auto overridden = open_registry(reg.host() + "/app:1", insecure(cache));
  ::unsetenv("REGISTRY_AUTH_FILE");
  ASSERT_FALSE(overridden.ok());
  EXPECT_EQ(overridden.error().code, ErrorCode::kAuth);
}

TEST(RegistryAuth, BearerTokenServer) {
  REQUIRE_REGISTRY_TOOLS();
  BULWARK_REQUIRE_TOOL("openssl");
  images();
  Registry reg(AuthMode::kToken);
  ASSERT_TRUE(reg.ready());
  reg.push("oci:" + (images() / "L").string() + ":1", "team/app:1", "--dest-creds alice:s3cret");
  TempDir cache;
  TempDir home;
  EnvGuard env;
  ::setenv("HOME", home.path().c_str(), 1);
  ::unsetenv("REGISTRY_AUTH_FILE");
  ::unsetenv("XDG_RUNTIME_DIR");
  ::unsetenv("DOCKER_CONFIG");
  auto anon = open_registry(reg.host() + "/team/app:1", insecure(cache));
  ASSERT_FALSE(anon.ok());
  EXPECT_EQ(anon.error().code, ErrorCode::kAuth);
  EXPECT_NE(anon.error().message.find("token endpoint refused anonymous access"), std::string::npos)
      << anon.error().describe();

  Options o = insecure(cache);
  o.auth.username = "alice";
  o.auth.password = "s3cret";
  auto ok = open_registry(reg.host() + "/team/app:1", o);
  ASSERT_TRUE(ok.ok()) << ok.error().describe();
  EXPECT_EQ((*ok)->artifact().manifest_digest, layout_manifest_digest("1"));
  EXPECT_EQ(sha_of_layer(**ok, 1), (*ok)->artifact().layers[1].digest);

  // A token given directly is sent as is; a bogus one is refused by the registry.
  Options t = insecure(cache);
  t.auth.token = "not-a-jwt";
  auto bogus = open_registry(reg.host() + "/team/app:1", t);
  ASSERT_FALSE(bogus.ok());
  EXPECT_EQ(bogus.error().code, ErrorCode::kAuth);
}

// ---------------------------------------------------------- pure helpers --

TEST(RegistryClientParts, WwwAuthenticate) {
  auto c = parse_www_authenticate(
      R"(Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push")");
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].scheme, "bearer");
  EXPECT_EQ(c[0].params["realm"], "https://auth.example/token");
  EXPECT_EQ(c[0].params["service"], "registry.example");
  EXPECT_EQ(c[0].params["scope"], "repository:a/b:pull,push");
  auto two = parse_www_authenticate(R"(Basic realm="a \"quoted\" realm", Bearer realm=x)");
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].scheme, "basic");
  EXPECT_EQ(two[0].params["realm"], "a \"quoted\" realm");
  EXPECT_EQ(two[1].scheme, "bearer");
  EXPECT_EQ(two[1].params["realm"], "x");
  EXPECT_TRUE(parse_www_authenticate("").empty());
  parse_www_authenticate("Bearer realm=\"unterminated");  // must not crash
}

TEST(RegistryClientParts, Base64) {
  for (const std::string s : {"", "a", "ab", "abc", "alice:s3cret", "\xff\x00\x10"}) {
    auto d = base64_decode(base64_encode(s));
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(*d, s);
  }
  EXPECT_EQ(base64_encode("alice:s3cret"), "YWxpY2U6czNjcmV0");
  EXPECT_FALSE(base64_decode("a$b").has_value());
}

TEST(RegistryClientParts, CredentialFiles) {
  TempDir home;
  EnvGuard env;
  ::setenv("HOME", home.path().c_str(), 1);
  ::unsetenv("XDG_RUNTIME_DIR");
  ::unsetenv("DOCKER_CONFIG");
  write_file(home / "auth.json", R"({"auths":{
      "https://index.docker.io/v1/":{"auth":")" + base64_encode("hub:pw") + R"("},
      "reg.example:5000":{"auth":")" + base64_encode("host:pw") + R"("},
      "reg.example:5000/team/app":{"auth":")" + base64_encode("repo:pw") + R"("},
      "bad.example":{"auth":"!!!"}}})");
  ::setenv("REGISTRY_AUTH_FILE", (home / "auth.json").c_str(), 1);
  EXPECT_EQ(find_credentials("docker.io", "library/debian")->username, "hub");
  EXPECT_EQ(find_credentials("reg.example:5000", "other")->username, "host");
  EXPECT_EQ(find_credentials("reg.example:5000", "team/app")->username, "repo");
  EXPECT_FALSE(find_credentials("bad.example", "x").has_value());
  EXPECT_FALSE(find_credentials("none.example", "x").has_value());
  ::unsetenv("REGISTRY_AUTH_FILE");
}

}  // namespace
}  // namespace bulwark::artifact
