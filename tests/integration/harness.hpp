// Shared pieces of the integration tests: the real images built by
// scripts/build-images.sh, running the bulwark binary and reading its JSON
// report, package-set comparison with readable differences, and background
// servers (registry, podman) that are always stopped by PID.
#pragma once

#include <nlohmann/json.hpp>
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "testing/testing.hpp"

namespace bulwark::integration {

namespace fs = std::filesystem;
using nlohmann::json;

// What build-images.sh produced (see the script's header for the layout).
struct Images {
  fs::path dir;
  fs::path rootfs;          // debootstrap minbase tree
  fs::path oci_layout;      // tags l1, l2, test
  fs::path oci_zstd;        // tag test, zstd layers; empty if skopeo could not
  fs::path docker_archive;  // bulwark/test:1
  fs::path oci_archive;     // tag 1
  bool has_app = false;     // oci_layout has tag app (npm packages from the registry)
  std::string app_unavailable;  // why not, when !has_app
  fs::path expected(const std::string& state) const { return dir / (state + ".expected.tsv"); }
};

struct ImagesResult {
  bool ok = false;
  bool skip = false;  // a prerequisite is missing here: skip, do not fail
  std::string why;
  Images images;
};

// Builds the images once (the script is idempotent and locked) and returns them.
const ImagesResult& test_images();

// Skips the test with the reason when images cannot be built on this machine,
// fails it when the build itself broke. Declares `const Images& name`.
#define BULWARK_REQUIRE_IMAGES(name)                                              \
  const auto& name##_result = ::bulwark::integration::test_images();             \
  if (!name##_result.ok) {                                                        \
    if (name##_result.skip) GTEST_SKIP() << name##_result.why;                    \
    FAIL() << name##_result.why;                                                  \
  }                                                                               \
  const ::bulwark::integration::Images& name = name##_result.images

// One installed package as dpkg-query shows it.
struct Pkg {
  std::string name, version, arch;
  auto operator<=>(const Pkg&) const = default;
};
using PkgSet = std::set<Pkg>;

PkgSet read_expected(const fs::path& tsv);
// Packages of a JSON report's inventory (ecosystem deb only).
PkgSet packages_of(const json& report);
// "" when equal, else the lists of missing and unexpected packages.
std::string diff(const PkgSet& expected, const PkgSet& got);
// A report's package object by name (null json when absent).
json find_package(const json& report, const std::string& name);

// Runs bulwark with a watchdog (coreutils timeout) so a hang fails the test.
testing::CommandResult bulwark(const std::vector<std::string>& args, int timeout_seconds = 240);

// Runs `bulwark <args> -f json` into a file and parses it. On failure the
// returned json is null and `why` explains (exit code, stderr).
struct JsonScan {
  testing::CommandResult result;
  json report;
  std::string why;
};
JsonScan scan_json(std::vector<std::string> args);

// Whether stderr names `what` (used to check that errors name the file/layer).
bool mentions(const std::string& text, const std::string& what);

// A sha256 digest's hex part ("sha256:abc" -> "abc").
std::string hex_of(const std::string& digest);

// Flips `count` bytes of a file at `offset` (xor 0xff).
void flip_bytes(const fs::path& file, uint64_t offset, size_t count);

// The manifest of `tag` in an OCI layout, parsed.
json oci_manifest(const fs::path& layout, const std::string& tag);

// A process started in the background, in its own process group, stdout and
// stderr to `log`. The destructor stops it (SIGTERM to its group, SIGKILL
// after a grace period) and reaps it.
class Background {
 public:
  Background(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
             const fs::path& log);
  ~Background();
  Background(const Background&) = delete;
  Background& operator=(const Background&) = delete;
  pid_t pid() const { return pid_; }
  bool running();  // false once it has exited (reaped)
  void stop();

 private:
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// podman with private storage under `dir` and its Docker-compatible API
// service on a unix socket there (per TESTBED.md: runc, and default ulimits
// that need no CAP_SYS_RESOURCE). The destructor removes every container,
// stops the service by PID and leaves nothing mounted behind. Its own tmpdir
// too: another podman on the machine (or a test's `system reset`) must not
// make this one think the machine rebooted and "refresh" its containers.
class PodmanService {
 public:
  explicit PodmanService(const fs::path& dir);
  ~PodmanService();
  PodmanService(const PodmanService&) = delete;
  PodmanService& operator=(const PodmanService&) = delete;
  // One podman command (with a watchdog) against the private storage.
  testing::CommandResult podman(const std::vector<std::string>& args) const;
  // Starts `podman system service` on socket(); false if it does not come up.
  bool start();
  fs::path socket() const { return dir_ / "podman.sock"; }
  std::string log() const;
  // One request to the engine's API, as a docker client sends it (null json
  // for an empty answer).
  json api(const std::string& method, const std::string& path, const json& body = nullptr) const;
  // POST /containers/create, then /start unless `start` is false; the id, or
  // empty with the reason in `why`.
  std::string create(const std::string& name, const json& spec, bool start, std::string& why) const;

 private:
  std::vector<std::string> argv(bool with_timeout) const;
  fs::path dir_;
  std::map<std::string, std::string> env_;
  std::unique_ptr<Background> service_;
};

// A TCP port on 127.0.0.1 that was free a moment ago.
int free_port();
// Polls until pred() or the timeout; returns pred()'s last value.
bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout);
// Whether something accepts TCP connections on 127.0.0.1:port.
bool port_open(int port);

// One HTTP exchange (libcurl), for the server's API tests.
struct HttpAnswer {
  long status = 0;     // 0 when the request failed to go through
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names; the last value of each
  std::string error;   // curl's reason when status is 0
  json json_body() const;  // null when the body is not JSON
};
HttpAnswer http(const std::string& method, const std::string& url, const std::string& body = {},
                const std::vector<std::string>& headers = {});

// `bulwark server` on a free loopback port with its own data directory (or
// a PostgreSQL URL), stopped by PID when the object goes.
class ServerProcess {
 public:
  ServerProcess(const fs::path& dir, const std::vector<std::string>& extra_args = {});
  ~ServerProcess() = default;
  // Starts and waits until it answers /api/v1/health; false with the reason.
  bool start(std::string* why);
  void stop();
  const std::string& url() const { return url_; }          // "http://127.0.0.1:PORT"
  const std::string& admin_password() const { return admin_password_; }
  std::string log() const;
  pid_t pid() const { return process_ ? process_->pid() : -1; }

 private:
  fs::path dir_;
  std::vector<std::string> args_;
  std::unique_ptr<Background> process_;
  std::string url_;
  std::string admin_password_;
};

}  // namespace bulwark::integration
