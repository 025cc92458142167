// The readers on this machine's own /proc, checked against the native tools:
// uname -r for the kernel, ss -ltnp / -lunp for the listening sockets (with a
// TCP listener and a UDP socket this test opens itself on loopback), and this
// process's own entry.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>
#include <set>
#include <sstream>

#include "host/host.hpp"
#include "testing/testing.hpp"

namespace bulwark::host {
namespace {

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

// Binds a loopback socket of `type` on an ephemeral port; returns the port.
uint16_t bind_loopback(const Fd& fd, bool listen) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return 0;
  if (listen && ::listen(fd.get(), 4) != 0) return 0;
  socklen_t len = sizeof a;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

// "proto address port" of every socket `ss` lists (no header, numeric).
std::set<std::string> ss_sockets(const char* flags, const char* proto) {
  auto r = testing::run({"ss", "-H", flags});
  std::set<std::string> out;
  std::istringstream in(r.out);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string state, recvq, sendq, local;
    f >> state >> recvq >> sendq >> local;
    auto colon = local.rfind(':');
    if (colon == std::string::npos) continue;
    std::string addr = local.substr(0, colon), port = local.substr(colon + 1);
    // ss writes "[::]" and "[::ffff:127.0.0.1]", and "%lo" for an interface-bound socket.
    if (!addr.empty() && addr.front() == '[') addr = addr.substr(1, addr.size() - 2);
    if (auto pct = addr.find('%'); pct != std::string::npos) addr.erase(pct);
    if (addr == "*") addr = "*";
    out.insert(std::string(proto) + " " + addr + " " + port);
  }
  return out;
}

// Ours in the same shape; ss merges v4 and v6 into one listing and writes
// the unspecified address of a v6 socket that also takes v4 as "*".
std::set<std::string> our_sockets(const std::vector<ListeningSocket>& socks, const char* proto) {
  std::set<std::string> out;
  for (const auto& s : socks) {
    if (s.protocol.rfind(proto, 0) != 0) continue;
    out.insert(std::string(proto) + " " + s.address + " " + std::to_string(s.port));
  }
  return out;
}

std::string join(const std::set<std::string>& s) {
  std::string out;
  for (const auto& x : s) out += "  " + x + "\n";
  return out;
}

TEST(HostLive, KernelReleaseIsUnameR) {
  auto r = testing::run({"uname", "-r"});
  ASSERT_EQ(r.exit_code, 0);
  std::vector<Diagnostic> diags;
  KernelInfo k = read_kernel("/", diags);
  EXPECT_EQ(k.release + "\n", r.out);
  auto m = testing::run({"uname", "-m"});
  EXPECT_EQ(k.machine + "\n", m.out);
  auto v = testing::run({"uname", "-v"});
  EXPECT_EQ(k.version + "\n", v.out);
  EXPECT_TRUE(diags.empty());
}

TEST(HostLive, OurOwnProcessIsListed) {
  std::vector<Diagnostic> diags;
  auto ps = read_processes("/", diags);
  const ProcessInfo* me = nullptr;
  for (const auto& p : ps)
    if (p.pid == ::getpid()) me = &p;
  ASSERT_NE(me, nullptr);
  EXPECT_EQ(me->ppid, ::getppid());
  EXPECT_EQ(me->uid, ::getuid());
  char exe[4096];
  ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
  ASSERT_GT(n, 0);
  EXPECT_EQ(me->exe, std::string(exe, static_cast<size_t>(n)));
  ASSERT_FALSE(me->args.empty());
  EXPECT_NE(me->args[0].find("test_host"), std::string::npos);
}

TEST(HostLive, ListeningSocketsEqualWhatSsShows) {
  BULWARK_REQUIRE_TOOL("ss");
  Fd tcp(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  Fd udp(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  uint16_t tcp_port = bind_loopback(tcp, true);
  uint16_t udp_port = bind_loopback(udp, false);
  ASSERT_NE(tcp_port, 0);
  ASSERT_NE(udp_port, 0);

  // Other programs on this machine may open or close a socket between our
  // read and ss's: the two views are taken again (a few times) until they are
  // of the same moment, and then compared.
  auto norm = [](std::set<std::string> s) {
    std::set<std::string> out;
    for (auto x : s) out.insert(std::regex_replace(x, std::regex(" \\* "), " :: "));
    return out;
  };
  std::vector<Diagnostic> diags;
  std::vector<ListeningSocket> socks;
  std::set<std::string> ss_tcp, ss_udp;
  for (int attempt = 0; attempt < 5; ++attempt) {
    diags.clear();
    auto ps = read_processes("/", diags);
    socks = read_listening("/", ps, diags);
    ss_tcp = ss_sockets("-ltn", "tcp");
    ss_udp = ss_sockets("-lun", "udp");
    if (norm(our_sockets(socks, "tcp")) == norm(ss_tcp) && norm(our_sockets(socks, "udp")) == norm(ss_udp)) break;
  }

  // Ours hold the pid of this process.
  bool tcp_seen = false, udp_seen = false;
  for (const auto& s : socks) {
    bool mine = std::find(s.pids.begin(), s.pids.end(), ::getpid()) != s.pids.end();
    if (s.protocol == "tcp" && s.port == tcp_port && s.address == "127.0.0.1") tcp_seen = mine;
    if (s.protocol == "udp" && s.port == udp_port && s.address == "127.0.0.1") udp_seen = mine;
  }
  EXPECT_TRUE(tcp_seen) << "tcp 127.0.0.1:" << tcp_port << " with pid " << ::getpid();
  EXPECT_TRUE(udp_seen) << "udp 127.0.0.1:" << udp_port << " with pid " << ::getpid();
  EXPECT_TRUE(ss_tcp.count("tcp 127.0.0.1 " + std::to_string(tcp_port)));
  EXPECT_TRUE(ss_udp.count("udp 127.0.0.1 " + std::to_string(udp_port)));

  // The whole sets agree (ss writes a dual-stack "::" socket as "*").
  auto ours_tcp = our_sockets(socks, "tcp"), ours_udp = our_sockets(socks, "udp");
  EXPECT_EQ(norm(ours_tcp), norm(ss_tcp)) << "ours:\n" << join(ours_tcp) << "ss:\n" << join(ss_tcp);
  EXPECT_EQ(norm(ours_udp), norm(ss_udp)) << "ours:\n" << join(ours_udp) << "ss:\n" << join(ss_udp);

  // And the owners agree with ss -p for the sockets ss names a process for.
  auto r = testing::run({"ss", "-H", "-ltnp"});
  std::istringstream in(r.out);
  std::string line;
  std::regex pid_re("pid=([0-9]+)");
  size_t compared = 0;
  while (std::getline(in, line)) {
    std::istringstream f(line);
    std::string state, q1, q2, local;
    f >> state >> q1 >> q2 >> local;
    auto colon = local.rfind(':');
    uint16_t port = static_cast<uint16_t>(std::stoi(local.substr(colon + 1)));
    std::set<int> ss_pids;
    for (std::sregex_iterator it(line.begin(), line.end(), pid_re), end; it != end; ++it)
      ss_pids.insert(std::stoi((*it)[1]));
    if (ss_pids.empty()) continue;
    std::set<int> our_pids;
    for (const auto& s : socks)
      if (s.protocol.rfind("tcp", 0) == 0 && s.port == port) our_pids.insert(s.pids.begin(), s.pids.end());
    EXPECT_EQ(our_pids, ss_pids) << line;
    ++compared;
  }
  EXPECT_GE(compared, 1u);  // at least our own listener
}

}  // namespace
}  // namespace bulwark::host
