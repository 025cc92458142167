// The proc readers over fake roots built in temporary directories: the files
// are written as the kernel writes them (formats of proc(5) and
// Documentation/networking/proc_net_tcp.rst), so what is asserted is what a
// real host's files give.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>

#include "host/host.hpp"
#include "testing/testing.hpp"

namespace bulwark::host {
namespace {

using testing::TempDir;
using testing::write_file;
namespace fs = std::filesystem;

bool mentions(const std::vector<Diagnostic>& diags, const std::string& path, const std::string& words) {
  for (const auto& d : diags)
    if (d.location.path == path && d.message.find(words) != std::string::npos) return true;
  return false;
}

std::string dump(const std::vector<Diagnostic>& diags) {
  std::string s;
  for (const auto& d : diags) s += d.location.path + ":" + std::to_string(d.location.line) + ": " + d.message + "\n";
  return s;
}

// The kernel prints an IPv4 address as the 32-bit word in this machine's byte
// order ("%08X"); the test writes it the same way, whatever the endianness.
std::string v4_hex(const char* dotted) {
  in_addr a{};
  inet_pton(AF_INET, dotted, &a);
  uint32_t w;
  std::memcpy(&w, &a.s_addr, 4);
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08X", w);
  return buf;
}

std::string v6_hex(const char* text) {
  in6_addr a{};
  inet_pton(AF_INET6, text, &a);
  std::string out;
  for (int i = 0; i < 4; ++i) {
    uint32_t w;
    std::memcpy(&w, reinterpret_cast<const unsigned char*>(&a) + i * 4, 4);
    char buf[9];
    std::snprintf(buf, sizeof buf, "%08X", w);
    out += buf;
  }
  return out;
}

constexpr const char* kTcpHeader =
    "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";

std::string tcp_row(int sl, const std::string& local, int port, const std::string& remote, int rport,
                    const char* state, int uid, uint64_t inode) {
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%4d: %s:%04X %s:%04X %s 00000000:00000000 00:00000000 00000000 %5d        0 %llu 1 "
                "0000000000000000 100 0 0 10 0\n",
                sl, local.c_str(), port, remote.c_str(), rport, state, uid, static_cast<unsigned long long>(inode));
  return buf;
}

TEST(HostProc, ModulesAsTheKernelWritesThem) {
  std::vector<Diagnostic> diags;
  auto mods = parse_proc_modules(
      "nf_tables 303104 3 nft_chain_nat,nft_compat, Live 0xffffffffc0a5e000\n"
      "overlay 151552 12 - Live 0xffffffffc09ee000\n"
      "vboxguest 421888 1 - Loading 0xffffffffc0c00000 (OE)\n",
      "proc/modules", diags);
  ASSERT_EQ(mods.size(), 3u) << dump(diags);
  EXPECT_TRUE(diags.empty()) << dump(diags);
  EXPECT_EQ(mods[0].name, "nf_tables");
  EXPECT_EQ(mods[0].size, 303104u);
  EXPECT_EQ(mods[0].users, 3);
  EXPECT_EQ(mods[0].state, "Live");
  EXPECT_EQ(mods[1].users, 12);
  EXPECT_EQ(mods[2].name, "vboxguest");
  EXPECT_EQ(mods[2].state, "Loading");
}

TEST(HostProc, BadModuleLinesAreNamedAndCounted) {
  std::vector<Diagnostic> diags;
  auto mods = parse_proc_modules("ok 16384 0 - Live 0x0\ngarbage\nbad notanumber 0 - Live 0x0\nx 1\n",
                                 "proc/modules", diags);
  ASSERT_EQ(mods.size(), 1u);
  EXPECT_EQ(mods[0].name, "ok");
  ASSERT_EQ(diags.size(), 2u) << dump(diags);
  EXPECT_EQ(diags[0].location.line, 2);
  EXPECT_NE(diags[1].message.find("3 lines"), std::string::npos) << dump(diags);
}

TEST(HostProc, ReadModulesUnderRoot) {
  TempDir root;
  write_file(root / "proc/modules", "ext4 1036288 2 - Live 0x0\nbridge 360448 0 - Live 0x0\n");
  std::vector<Diagnostic> diags;
  auto mods = read_modules(root.path(), diags);
  ASSERT_EQ(mods.size(), 2u);
  EXPECT_EQ(mods[1].name, "bridge");
  EXPECT_TRUE(diags.empty()) << dump(diags);
}

TEST(HostProc, AFifoInPlaceOfAProcFileIsADiagnosticNotAHang) {
  TempDir root;
  fs::create_directories(root / "proc");
  ASSERT_EQ(::mkfifo((root / "proc/modules").c_str(), 0600), 0);
  std::vector<Diagnostic> diags;
  auto mods = read_modules(root.path(), diags);
  EXPECT_TRUE(mods.empty());
  EXPECT_TRUE(mentions(diags, "proc/modules", "not a regular file")) << dump(diags);
}

TEST(HostProc, ADirectoryInPlaceOfAFileIsADiagnostic) {
  TempDir root;
  fs::create_directories(root / "proc/net/tcp");
  write_file(root / "proc/net/udp", kTcpHeader);
  std::vector<Diagnostic> diags;
  auto socks = read_listening(root.path(), {}, diags);
  EXPECT_TRUE(socks.empty());
  EXPECT_TRUE(mentions(diags, "proc/net/tcp", "cannot read")) << dump(diags);
}

TEST(HostProc, StatWithParenthesesAndSpacesInTheName) {
  ProcessInfo p;
  ASSERT_TRUE(parse_proc_stat("4321 (my (odd) name) S 17 4321 4321 0 -1 4194560 153 0 0 0\n", p));
  EXPECT_EQ(p.pid, 4321);
  EXPECT_EQ(p.ppid, 17);
  EXPECT_EQ(p.name, "my (odd) name");
  ProcessInfo bad;
  EXPECT_FALSE(parse_proc_stat("4321 no parens S 1", bad));
  EXPECT_FALSE(parse_proc_stat("x (a) S 1", bad));
  EXPECT_FALSE(parse_proc_stat("5 (a)", bad));
}

TEST(HostProc, StatusGivesTheRealUid) {
  ProcessInfo p;
  ASSERT_TRUE(parse_proc_status("Name:\tnginx\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t812\nPid:\t812\n"
                                "PPid:\t1\nUid:\t33\t0\t33\t33\nGid:\t33\t33\t33\t33\n",
                                p));
  EXPECT_EQ(p.name, "nginx");
  EXPECT_EQ(p.pid, 812);
  EXPECT_EQ(p.ppid, 1);
  EXPECT_EQ(p.uid, 33u);
}

TEST(HostProc, CmdlineIsNulSeparated) {
  using V = std::vector<std::string>;
  EXPECT_EQ(parse_proc_cmdline(std::string("/usr/sbin/sshd\0-D\0-e\0", 20)), (V{"/usr/sbin/sshd", "-D", "-e"}));
  EXPECT_EQ(parse_proc_cmdline("nginx: worker process"), (V{"nginx: worker process"}));
  EXPECT_TRUE(parse_proc_cmdline("").empty());
}

void fake_process(const fs::path& root, int pid, int ppid, const std::string& comm, uint32_t uid,
                  const std::string& cmdline, const std::string& exe) {
  const fs::path d = root / "proc" / std::to_string(pid);
  fs::create_directories(d / "fd");
  write_file(d / "stat", std::to_string(pid) + " (" + comm + ") S " + std::to_string(ppid) + " 1 1 0 -1 0 0 0\n");
  write_file(d / "status", "Name:\t" + comm + "\nPid:\t" + std::to_string(pid) + "\nPPid:\t" + std::to_string(ppid) +
                               "\nUid:\t" + std::to_string(uid) + "\t" + std::to_string(uid) + "\t0\t0\n");
  write_file(d / "cmdline", cmdline);
  if (!exe.empty()) fs::create_symlink(exe, d / "exe");
}

TEST(HostProc, ProcessesUnderRoot) {
  TempDir root;
  fake_process(root.path(), 1, 0, "init", 0, std::string("/sbin/init\0", 11), "/usr/lib/systemd/systemd");
  fake_process(root.path(), 812, 1, "nginx", 33, std::string("nginx: master process\0", 22), "/usr/sbin/nginx");
  fake_process(root.path(), 2, 0, "kthreadd", 0, "", "");  // kernel threads have no exe
  fs::create_directories(root / "proc/999");                // exited between listing and reading
  fs::create_directories(root / "proc/self");               // not a pid
  write_file(root / "proc/77/stat", "garbage\n");
  std::vector<Diagnostic> diags;
  auto ps = read_processes(root.path(), diags);
  ASSERT_EQ(ps.size(), 4u) << dump(diags);
  EXPECT_EQ(ps[0].pid, 1);
  EXPECT_EQ(ps[0].exe, "/usr/lib/systemd/systemd");
  EXPECT_EQ(ps[0].args, std::vector<std::string>{"/sbin/init"});
  EXPECT_EQ(ps[1].pid, 2);
  EXPECT_EQ(ps[1].name, "kthreadd");
  EXPECT_TRUE(ps[1].exe.empty());
  EXPECT_EQ(ps[2].pid, 77);  // listed by its directory, its stat named as unreadable
  EXPECT_EQ(ps[3].pid, 812);
  EXPECT_EQ(ps[3].ppid, 1);
  EXPECT_EQ(ps[3].uid, 33u);
  EXPECT_EQ(ps[3].name, "nginx");
  EXPECT_TRUE(mentions(diags, "proc/77/stat", "not a proc stat line")) << dump(diags);
  EXPECT_EQ(diags.size(), 1u) << dump(diags);
}

TEST(HostProc, TcpListenRowsOnlyAndAddressesDecoded) {
  std::string tcp = std::string(kTcpHeader) + tcp_row(0, v4_hex("127.0.0.1"), 8080, v4_hex("0.0.0.0"), 0, "0A", 1000, 5001) +
                    tcp_row(1, v4_hex("0.0.0.0"), 22, v4_hex("0.0.0.0"), 0, "0A", 0, 5002) +
                    tcp_row(2, v4_hex("10.0.0.5"), 22, v4_hex("10.0.0.9"), 51234, "01", 0, 5003);  // established
  std::vector<Diagnostic> diags;
  auto s = parse_proc_net(tcp, "tcp", "proc/net/tcp", diags);
  ASSERT_EQ(s.size(), 2u) << dump(diags);
  EXPECT_TRUE(diags.empty()) << dump(diags);
  EXPECT_EQ(s[0].address, "127.0.0.1");
  EXPECT_EQ(s[0].port, 8080);
  EXPECT_EQ(s[0].uid, 1000u);
  EXPECT_EQ(s[0].inode, 5001u);
  EXPECT_EQ(s[0].protocol, "tcp");
  EXPECT_EQ(s[1].address, "0.0.0.0");
  EXPECT_EQ(s[1].port, 22);
}

TEST(HostProc, Ipv6AndUdpTables) {
  std::string tcp6 = std::string(kTcpHeader) + tcp_row(0, v6_hex("::"), 443, v6_hex("::"), 0, "0A", 0, 6001) +
                     tcp_row(1, v6_hex("::1"), 5432, v6_hex("::"), 0, "0A", 108, 6002) +
                     tcp_row(2, v6_hex("fe80::1"), 9000, v6_hex("::"), 0, "0A", 0, 6003);
  std::vector<Diagnostic> diags;
  auto s6 = parse_proc_net(tcp6, "tcp6", "proc/net/tcp6", diags);
  ASSERT_EQ(s6.size(), 3u) << dump(diags);
  EXPECT_EQ(s6[0].address, "::");
  EXPECT_EQ(s6[1].address, "::1");
  EXPECT_EQ(s6[1].port, 5432);
  EXPECT_EQ(s6[2].address, "fe80::1");
  // UDP: unconnected (07) is bound-and-listening; connected (01) is not.
  std::string udp = std::string(kTcpHeader) + tcp_row(0, v4_hex("0.0.0.0"), 53, v4_hex("0.0.0.0"), 0, "07", 0, 7001) +
                    tcp_row(1, v4_hex("192.168.1.2"), 40000, v4_hex("8.8.8.8"), 53, "01", 0, 7002);
  auto su = parse_proc_net(udp, "udp", "proc/net/udp", diags);
  ASSERT_EQ(su.size(), 1u);
  EXPECT_EQ(su[0].port, 53);
  EXPECT_EQ(su[0].protocol, "udp");
  EXPECT_TRUE(diags.empty()) << dump(diags);
}

TEST(HostProc, MalformedSocketRowsAreNamed) {
  std::vector<Diagnostic> diags;
  std::string text = std::string(kTcpHeader) + "   0: ZZZZ:0050 00000000:0000 0A 0 0 0 0 0 1\n" +
                     tcp_row(1, v4_hex("0.0.0.0"), 80, v4_hex("0.0.0.0"), 0, "0A", 0, 10) + "short line\n";
  auto s = parse_proc_net(text, "tcp", "proc/net/tcp", diags);
  ASSERT_EQ(s.size(), 1u);
  ASSERT_EQ(diags.size(), 2u) << dump(diags);
  EXPECT_EQ(diags[0].location.line, 2);
  EXPECT_EQ(diags[0].location.path, "proc/net/tcp");
}

TEST(HostProc, SocketsMappedToTheirProcessesThroughFdInodes) {
  TempDir root;
  fake_process(root.path(), 812, 1, "nginx", 0, "nginx", "/usr/sbin/nginx");
  fake_process(root.path(), 813, 812, "nginx", 33, "nginx", "/usr/sbin/nginx");
  fake_process(root.path(), 900, 1, "dnsmasq", 0, "dnsmasq", "/usr/sbin/dnsmasq");
  // nginx master and worker share the listening socket; dnsmasq holds UDP 53.
  fs::create_symlink("socket:[5001]", root / "proc/812/fd/6");
  fs::create_symlink("socket:[5001]", root / "proc/813/fd/6");
  fs::create_symlink("/dev/null", root / "proc/813/fd/0");
  fs::create_symlink("pipe:[5001]", root / "proc/813/fd/1");  // same number, not a socket
  fs::create_symlink("socket:[7001]", root / "proc/900/fd/4");
  write_file(root / "proc/net/tcp",
             std::string(kTcpHeader) + tcp_row(0, v4_hex("0.0.0.0"), 80, v4_hex("0.0.0.0"), 0, "0A", 0, 5001) +
                 tcp_row(1, v4_hex("127.0.0.1"), 631, v4_hex("0.0.0.0"), 0, "0A", 0, 5009));
  write_file(root / "proc/net/udp",
             std::string(kTcpHeader) + tcp_row(0, v4_hex("127.0.0.1"), 53, v4_hex("0.0.0.0"), 0, "07", 0, 7001));
  std::vector<Diagnostic> diags;
  auto ps = read_processes(root.path(), diags);
  auto socks = read_listening(root.path(), ps, diags);
  ASSERT_EQ(socks.size(), 3u) << dump(diags);
  EXPECT_TRUE(diags.empty()) << dump(diags);  // no tcp6/udp6: an IPv6-less kernel is fine
  EXPECT_EQ(socks[0].port, 80);
  EXPECT_EQ(socks[0].pids, (std::vector<int>{812, 813}));
  EXPECT_EQ(socks[0].process, "nginx");
  EXPECT_EQ(socks[1].port, 631);
  EXPECT_TRUE(socks[1].pids.empty());
  EXPECT_EQ(socks[2].protocol, "udp");
  EXPECT_EQ(socks[2].pids, std::vector<int>{900});
  EXPECT_EQ(socks[2].process, "dnsmasq");
}

TEST(HostProc, MissingTcpTableIsNamedInAFakeRoot) {
  TempDir root;
  fs::create_directories(root / "proc");
  std::vector<Diagnostic> diags;
  auto socks = read_listening(root.path(), {}, diags);
  EXPECT_TRUE(socks.empty());
  EXPECT_TRUE(mentions(diags, "proc/net/tcp", "missing")) << dump(diags);
  EXPECT_TRUE(mentions(diags, "proc/net/udp", "missing")) << dump(diags);
}

TEST(HostProc, KernelFromProcSysUnderRoot) {
  TempDir root;
  write_file(root / "proc/sys/kernel/osrelease", "6.1.0-18-amd64\n");
  write_file(root / "proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)\n");
  write_file(root / "proc/sys/kernel/arch", "x86_64\n");
  std::vector<Diagnostic> diags;
  KernelInfo k = read_kernel(root.path(), diags);
  EXPECT_EQ(k.release, "6.1.0-18-amd64");
  EXPECT_EQ(k.version, "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)");
  EXPECT_EQ(k.machine, "x86_64");
  EXPECT_TRUE(diags.empty()) << dump(diags);

  TempDir empty;
  std::vector<Diagnostic> d2;
  KernelInfo none = read_kernel(empty.path(), d2);
  EXPECT_TRUE(none.release.empty());
  EXPECT_TRUE(mentions(d2, "proc/sys/kernel/osrelease", "missing")) << dump(d2);
}

TEST(HostProc, CollectOverAFakeRootWithoutAnEngine) {
  TempDir root;
  write_file(root / "proc/sys/kernel/osrelease", "5.15.0-94-generic\n");
  write_file(root / "proc/sys/kernel/version", "#104-Ubuntu SMP Tue Jan 9 15:25:40 UTC 2024\n");
  write_file(root / "proc/sys/kernel/hostname", "node-1\n");
  write_file(root / "proc/modules", "overlay 151552 0 - Live 0x0\n");
  write_file(root / "proc/net/tcp", kTcpHeader);
  write_file(root / "proc/net/udp", kTcpHeader);
  fake_process(root.path(), 1, 0, "init", 0, "init", "/sbin/init");
  std::vector<Diagnostic> diags;
  HostOptions o;
  o.root = root.path();
  HostInfo h = collect(o, diags);
  EXPECT_EQ(h.hostname, "node-1");
  EXPECT_EQ(h.kernel.release, "5.15.0-94-generic");
  EXPECT_EQ(h.modules.size(), 1u);
  EXPECT_EQ(h.processes.size(), 1u);
  EXPECT_TRUE(h.engine.empty());
  EXPECT_TRUE(h.containers.empty());
  bool said = false;
  for (const auto& d : diags) said |= d.message.find("no container engine socket") != std::string::npos;
  EXPECT_TRUE(said) << dump(diags);
}

TEST(HostProc, NamespacesSharedWithTheHostOverrideWhatTheEngineSaid) {
  TempDir root;
  // proc/1 is the host's init in a mounted root; 4242 a container's process.
  fs::create_directories(root / "proc/1/ns");
  fs::create_directories(root / "proc/4242/ns");
  for (const char* ns : {"net", "pid", "ipc", "uts"})
    fs::create_symlink(std::string(ns) + ":[40265318" + (ns[0] == 'n' ? "40" : "39") + "]", root / "proc/1/ns" / ns);
  fs::create_symlink("net:[4026532100]", root / "proc/4242/ns/net");   // its own
  fs::create_symlink("pid:[4026532101]", root / "proc/4242/ns/pid");   // its own
  fs::create_symlink("ipc:[4026531839]", root / "proc/4242/ns/ipc");   // the host's
  fs::create_symlink("uts:[4026531839]", root / "proc/4242/ns/uts");   // the host's, and said so
  ContainerInfo c;
  c.name = "web";
  c.state = "running";
  c.pid = 4242;
  c.network_mode = "bridge";
  c.pid_mode = "private";
  c.ipc_mode = "shareable";
  c.uts_mode = "host";
  ContainerInfo stopped = c;
  stopped.name = "old";
  stopped.state = "exited";
  std::vector<ContainerInfo> cs = {c, stopped};
  std::vector<Diagnostic> diags;
  reconcile_namespaces(root.path(), cs, diags);
  EXPECT_EQ(cs[0].network_mode, "bridge");
  EXPECT_EQ(cs[0].pid_mode, "private");
  EXPECT_EQ(cs[0].ipc_mode, "host");
  EXPECT_EQ(cs[0].uts_mode, "host");
  EXPECT_EQ(cs[1].ipc_mode, "shareable");  // not running: nothing to look at
  ASSERT_EQ(diags.size(), 1u) << dump(diags);
  EXPECT_EQ(diags[0].location.path, "proc/4242/ns/ipc");
  EXPECT_NE(diags[0].message.find("'shareable'"), std::string::npos);
}

}  // namespace
}  // namespace bulwark::host
