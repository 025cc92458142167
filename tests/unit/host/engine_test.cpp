// The engine client: parsing real answers of podman 4.3.1's Docker-compatible
// API (captured from `podman system service` on the test bed) and a
// Docker-shaped inspect answer (fields as the Docker Engine API documents
// them); talking HTTP over a real unix socket to a small server in this
// process, including one that never answers and one that answers too much.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <thread>

#include "host/host.hpp"
#include "testing/testing.hpp"

namespace bulwark::host {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

std::string fixture(const std::string& rel) { return testing::read_file(testing::fixture("host/" + rel)); }

TEST(HostEngine, PodmanVersion) {
  auto v = parse_engine_version(fixture("podman-4.3.1/version.json"));
  ASSERT_TRUE(v) << v.error().describe();
  EXPECT_EQ(*v, "podman 4.3.1");
  auto d = parse_engine_version(R"({"Version":"24.0.7","ApiVersion":"1.43","Components":[{"Name":"Engine","Version":"24.0.7"}]})");
  ASSERT_TRUE(d);
  EXPECT_EQ(*d, "docker 24.0.7");
  EXPECT_FALSE(parse_engine_version("{}"));
  EXPECT_FALSE(parse_engine_version("[1]"));
  EXPECT_FALSE(parse_engine_version("{\"Version\":"));
}

TEST(HostEngine, ContainerList) {
  auto ids = parse_container_list(fixture("podman-4.3.1/containers.json"));
  ASSERT_TRUE(ids) << ids.error().describe();
  ASSERT_EQ(ids->size(), 2u);
  EXPECT_EQ((*ids)[0], "09dad41ba4b3ef0f48c84b680561aa79b325e0839506ea91fefbc8cdc22325b5");
  EXPECT_FALSE(parse_container_list("{}"));
}

TEST(HostEngine, PodmanInspectOfAPrivilegedHostNetworkContainer) {
  std::string text = fixture("podman-4.3.1/inspect-bad.json");
  auto c = parse_container_inspect(text, "podman");
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(c->engine, "podman");
  EXPECT_EQ(c->name, "bad");
  EXPECT_EQ(c->image, "docker.io/bulwark/test:1");
  EXPECT_EQ(c->image_id, "sha256:e2b198968148e5d7c35cbea904b88b69d56ed3c103593474e6dbe0a31af83864");
  EXPECT_TRUE(c->privileged);
  EXPECT_EQ(c->network_mode, "host");
  EXPECT_EQ(c->pid_mode, "host");
  EXPECT_EQ(c->seccomp_profile, "unconfined");  // privileged: no seccomp filter
  EXPECT_FALSE(c->read_only_rootfs);
  EXPECT_EQ(c->memory_limit, 0);
  ASSERT_EQ(c->mounts.size(), 2u);
  EXPECT_EQ(c->mounts[0].type, "bind");
  EXPECT_EQ(c->mounts[0].destination, "/var/run/docker.sock");
  EXPECT_TRUE(c->mounts[0].read_write);
  EXPECT_EQ(c->mounts[1].source, "/etc");
  EXPECT_FALSE(c->mounts[1].read_write);
  EXPECT_EQ(c->mounts[1].propagation, "rprivate");
  EXPECT_FALSE(c->has_healthcheck);
  EXPECT_EQ(c->inspect_json, text);
}

TEST(HostEngine, PodmanInspectOfALimitedContainer) {
  auto c = parse_container_inspect(fixture("podman-4.3.1/inspect-good.json"), "podman");
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_FALSE(c->privileged);
  EXPECT_EQ(c->user, "1000");
  EXPECT_TRUE(c->read_only_rootfs);
  EXPECT_TRUE(c->no_new_privileges);
  EXPECT_EQ(c->seccomp_profile, "default");
  EXPECT_EQ(c->memory_limit, 268435456);
  EXPECT_EQ(c->nano_cpus, 500000000);
  EXPECT_EQ(c->pids_limit, 100);
  EXPECT_EQ(c->restart_policy, "on-failure");
  EXPECT_EQ(c->restart_max_retries, 3);
  EXPECT_TRUE(c->has_healthcheck);
  EXPECT_EQ(c->network_mode, "none");
  EXPECT_NE(std::find(c->cap_drop.begin(), c->cap_drop.end(), "NET_RAW"), c->cap_drop.end());
}

TEST(HostEngine, DockerInspectWithPublishedPorts) {
  auto c = parse_container_inspect(fixture("docker-inspect-published.json"), "docker");
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_EQ(c->name, "web");
  EXPECT_EQ(c->state, "running");
  EXPECT_EQ(c->pid, 4242);
  EXPECT_EQ(c->image, "nginx:1.25");
  EXPECT_EQ(c->cap_add, (std::vector<std::string>{"NET_ADMIN", "SYS_PTRACE"}));
  EXPECT_TRUE(c->cap_drop.empty());
  EXPECT_EQ(c->seccomp_profile, "unconfined");
  EXPECT_EQ(c->apparmor_profile, "docker-default");
  EXPECT_EQ(c->pids_limit, 0);  // null: unlimited
  EXPECT_EQ(c->cpu_shares, 512);
  EXPECT_EQ(c->restart_policy, "always");
  EXPECT_FALSE(c->has_healthcheck);  // Test ["NONE"] disables the image's
  ASSERT_EQ(c->mounts.size(), 2u);
  EXPECT_EQ(c->mounts[0].type, "volume");
  EXPECT_EQ(c->mounts[0].source, "webdata");
  EXPECT_EQ(c->mounts[1].source, "/");
  EXPECT_EQ(c->mounts[1].propagation, "rslave");
  // What is really bound, not what was asked.
  ASSERT_EQ(c->ports.size(), 2u);
  EXPECT_EQ(c->ports[0].host_ip, "0.0.0.0");
  EXPECT_EQ(c->ports[0].host_port, 8080);
  EXPECT_EQ(c->ports[0].container_port, 80);
  EXPECT_EQ(c->ports[0].protocol, "tcp");
  EXPECT_EQ(c->ports[1].host_ip, "::");
}

TEST(HostEngine, BadInspectAnswers) {
  EXPECT_FALSE(parse_container_inspect("", "docker"));
  EXPECT_FALSE(parse_container_inspect("[]", "docker"));
  EXPECT_FALSE(parse_container_inspect("{\"Name\":\"/x\"}", "docker"));  // no Id
  // Wrong types are ignored field by field, never thrown.
  auto c = parse_container_inspect(
      R"({"Id":"abc","State":"running","HostConfig":{"Privileged":"yes","Memory":"1g","PidsLimit":1e300,
          "CapAdd":"ALL","PortBindings":{"x/tcp":[{"HostPort":"99999"}]}},"Mounts":{"a":1}})",
      "docker");
  ASSERT_TRUE(c) << c.error().describe();
  EXPECT_FALSE(c->privileged);
  EXPECT_EQ(c->memory_limit, 0);
  EXPECT_EQ(c->pids_limit, 0);
  EXPECT_TRUE(c->cap_add.empty());
  EXPECT_TRUE(c->mounts.empty());
  ASSERT_EQ(c->ports.size(), 1u);
  EXPECT_EQ(c->ports[0].host_port, 0);
  EXPECT_EQ(c->ports[0].container_port, 0);
}

TEST(HostEngine, ImageRepoDigests) {
  auto d = parse_image_repo_digests(fixture("podman-4.3.1/image.json"));
  ASSERT_TRUE(d);
  ASSERT_EQ(d->size(), 1u);
  EXPECT_EQ((*d)[0],
            "docker.io/bulwark/test@sha256:04f6153fe34880237f08b7e9a6eb6124ed9d15d7b5b790b162cdbf80d5f6b8f8");
}

// A small HTTP/1.1 server on a unix socket: answers paths from a table, or
// holds connections without answering, or streams an endless body.
class FakeEngine {
 public:
  enum class Mode { kAnswer, kSilent, kFlood };
  FakeEngine(const fs::path& path, Mode mode, std::map<std::string, std::string> answers = {})
      : path_(path), mode_(mode), answers_(std::move(answers)) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::snprintf(a.sun_path, sizeof a.sun_path, "%s", path.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(::listen(fd_, 16), 0);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeEngine() {
    stop_ = true;
    thread_.join();
    for (int c : held_) ::close(c);
    ::close(fd_);
  }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos) {
        pollfd q{c, POLLIN, 0};
        if (::poll(&q, 1, 2000) <= 0) break;
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
      }
      std::string path = req.substr(4, req.find(' ', 4) - 4);
      {
        std::lock_guard<std::mutex> l(mu_);
        requests_.push_back(path);
      }
      if (mode_ == Mode::kSilent) {
        held_.push_back(c);  // never answered, closed at the end
        continue;
      }
      if (mode_ == Mode::kFlood) {
        std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n[";
        ::send(c, head.data(), head.size(), MSG_NOSIGNAL);
        std::string chunk(65536, ' ');
        while (!stop_ && ::send(c, chunk.data(), chunk.size(), MSG_NOSIGNAL) > 0) {
        }
        ::close(c);
        continue;
      }
      auto it = answers_.find(path);
      std::string body = it == answers_.end() ? R"({"message":"no such container"})" : it->second;
      std::string status = it == answers_.end() ? "404 Not Found" : "200 OK";
      std::string resp = "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
      ::send(c, resp.data(), resp.size(), MSG_NOSIGNAL);
      ::close(c);
    }
  }

  fs::path path_;
  Mode mode_;
  std::map<std::string, std::string> answers_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<int> held_;
  std::mutex mu_;
  std::vector<std::string> requests_;
};

TEST(HostEngine, ClientListsAndInspectsOverAUnixSocket) {
  TempDir t;
  const std::string list = fixture("podman-4.3.1/containers.json");
  FakeEngine engine(t / "engine.sock", FakeEngine::Mode::kAnswer,
                    {{"/v1.40/version", fixture("podman-4.3.1/version.json")},
                     {"/v1.40/containers/json?all=1", list},
                     {"/v1.40/containers/09dad41ba4b3ef0f48c84b680561aa79b325e0839506ea91fefbc8cdc22325b5/json",
                      fixture("podman-4.3.1/inspect-bad.json")},
                     // the second container vanished between list and inspect: 404
                     {"/v1.40/images/sha256:e2b198968148e5d7c35cbea904b88b69d56ed3c103593474e6dbe0a31af83864/json",
                      fixture("podman-4.3.1/image.json")}});
  EngineClientOptions o;
  o.socket = (t / "engine.sock").string();
  o.timeout_seconds = 5;
  EngineClient client(o);
  std::vector<Diagnostic> diags;
  auto cs = client.containers(diags);
  ASSERT_TRUE(cs) << cs.error().describe();
  ASSERT_EQ(cs->size(), 1u);
  EXPECT_EQ((*cs)[0].name, "bad");
  EXPECT_EQ((*cs)[0].engine, "podman");
  EXPECT_EQ((*cs)[0].image_digest, "sha256:04f6153fe34880237f08b7e9a6eb6124ed9d15d7b5b790b162cdbf80d5f6b8f8");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].message.find("69c8e632e838"), std::string::npos) << diags[0].message;
  EXPECT_NE(diags[0].message.find("404"), std::string::npos) << diags[0].message;
}

TEST(HostEngine, CollectThroughAnAutoDetectedSocketUnderTheRoot) {
  TempDir root;
  fs::create_directories(root / "run/podman");
  FakeEngine engine(root / "run/podman/podman.sock", FakeEngine::Mode::kAnswer,
                    {{"/v1.40/version", fixture("podman-4.3.1/version.json")},
                     {"/v1.40/containers/json?all=1", "[]"}});
  testing::write_file(root / "proc/net/tcp", "header\n");
  testing::write_file(root / "proc/net/udp", "header\n");
  EXPECT_EQ(find_engine_socket(root.path(), ""), (root / "run/podman/podman.sock").string());
  EXPECT_EQ(find_engine_socket(root.path(), "unix:///x/y.sock"), "/x/y.sock");
  HostOptions o;
  o.root = root.path();
  std::vector<Diagnostic> diags;
  HostInfo h = collect(o, diags);
  EXPECT_EQ(h.engine, "podman 4.3.1");
  EXPECT_EQ(h.engine_socket, (root / "run/podman/podman.sock").string());
  EXPECT_TRUE(h.containers.empty());
}

TEST(HostEngine, AnEngineThatDoesNotAnswerIsATimeoutNotAHang) {
  TempDir t;
  FakeEngine engine(t / "silent.sock", FakeEngine::Mode::kSilent);
  HostOptions o;
  o.root = t.path();
  o.engine_socket = (t / "silent.sock").string();
  o.engine_timeout_seconds = 1;
  std::vector<Diagnostic> diags;
  HostInfo h = collect(o, diags);
  EXPECT_TRUE(h.engine.empty());
  EXPECT_EQ(h.engine_socket, o.engine_socket);
  bool said = false;
  for (const auto& d : diags)
    said |= d.location.path == o.engine_socket && d.message.find("did not answer within 1 s") != std::string::npos;
  EXPECT_TRUE(said);
  EXPECT_EQ(engine.requests(), std::vector<std::string>{"/v1.40/version"});
}

TEST(HostEngine, AnAnswerPastTheLimitIsRefused) {
  TempDir t;
  FakeEngine engine(t / "flood.sock", FakeEngine::Mode::kFlood);
  EngineClientOptions o;
  o.socket = (t / "flood.sock").string();
  o.max_response_bytes = 1 << 20;
  o.timeout_seconds = 30;
  EngineClient client(o);
  auto r = client.get("/containers/json?all=1");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kLimitExceeded) << r.error().describe();
}

TEST(HostEngine, MissingSocketIsNamed) {
  TempDir t;
  HostOptions o;
  o.root = t.path();
  o.engine_socket = (t / "nope.sock").string();
  std::vector<Diagnostic> diags;
  HostInfo h = collect(o, diags);
  EXPECT_TRUE(h.engine.empty());
  bool said = false;
  for (const auto& d : diags) said |= d.location.path == o.engine_socket && d.message.find("no engine socket") != std::string::npos;
  EXPECT_TRUE(said);
  // A regular file is not a socket either.
  testing::write_file(t / "file.sock", "x");
  EngineClientOptions eo;
  eo.socket = (t / "file.sock").string();
  EngineClient c(eo);
  auto v = c.version();
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message.find("not a unix socket"), std::string::npos);
}

}  // namespace
}  // namespace bulwark::host
