// bulwark host through the real binary: on this machine against dpkg-query,
// uname and ss; over a fake Debian host root for the running kernel's package
// and its advisories.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>

#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "testing/testing.hpp"

namespace bulwark::testing {
namespace {

using nlohmann::json;

CommandResult bulwark(std::vector<std::string> args) {
  args.insert(args.begin(), {"timeout", "300", bulwark_binary()});
  return run(args);
}

// The host's root without the big trees of this build machine (work trees,
// caches, temporary files), which hold no dpkg data and only slow the walk.
std::vector<std::string> machine_skips() {
  return {"--skip-dirs", "work/**,tmp/**,root/**,home/**,var/tmp/**,var/cache/**,usr/local/**,opt/**"};
}

TEST(HostCommand, PackagesOfThisMachineAreWhatDpkgQuerySays) {
  BULWARK_REQUIRE_TOOL("dpkg-query");
  auto expected = run({"dpkg-query", "-W", "-f", "${Package} ${Version}\n"});
  ASSERT_EQ(expected.exit_code, 0) << expected.err;
  std::multiset<std::string> want;
  std::istringstream in(expected.out);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) want.insert(line);

  TempDir t;
  std::vector<std::string> args = {"host", "-q", "--scanners", "none", "--no-containers", "-f", "json", "-o",
                                   (t / "r.json").string()};
  auto skips = machine_skips();
  args.insert(args.end(), skips.begin(), skips.end());
  auto r = bulwark(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json rep = json::parse(read_file(t / "r.json"));
  EXPECT_EQ(rep["target"]["kind"], "host");
  std::multiset<std::string> got;
  for (const auto& p : rep["inventory"]["packages"])
    if (p["ecosystem"] == "deb" && !p.value("running_kernel", false))
      got.insert(p["name"].get<std::string>() + " " + p["version"].get<std::string>());
  // dpkg-query -W also lists packages that are removed but keep their
  // configuration files (state "config-files"), which are not installed.
  auto states = run({"dpkg-query", "-W", "-f", "${Package} ${Version} ${db:Status-Abbrev}\n"});
  std::istringstream sin(states.out);
  for (std::string line; std::getline(sin, line);) {
    std::istringstream f(line);
    std::string name, version, status;
    f >> name >> version >> status;
    if (status.size() >= 2 && status[1] != 'i' && status[1] != 'U' && status[1] != 'F' && status[1] != 'W' &&
        status[1] != 't')
      want.erase(want.find(name + " " + version));
  }
  EXPECT_EQ(got.size(), want.size());
  std::vector<std::string> missing, extra;
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
  EXPECT_TRUE(missing.empty()) << "missing: " << missing.size() << " first " << (missing.empty() ? "" : missing[0]);
  EXPECT_TRUE(extra.empty()) << "extra: " << extra.size() << " first " << (extra.empty() ? "" : extra[0]);
  std::cout << "[ host ] " << got.size() << " dpkg packages, equal to dpkg-query -W\n";

  // The kernel is uname's.
  auto uname = run({"uname", "-r"});
  EXPECT_EQ(rep["inventory"]["host"]["kernel"]["release"].get<std::string>() + "\n", uname.out);
}

TEST(HostCommand, ListeningSocketsOfThisMachineIncludeOurListenerWithItsPid) {
  BULWARK_REQUIRE_TOOL("python3");
  BULWARK_REQUIRE_TOOL("ss");
  TempDir t;
  // A real listener in another process: python's http.server on loopback,
  // port chosen by the kernel and printed by the server itself.
  std::string script =
      "import http.server, socketserver, sys\n"
      "s = socketserver.TCPServer(('127.0.0.1', 0), http.server.SimpleHTTPRequestHandler)\n"
      "print(s.server_address[1], flush=True)\n"
      "s.serve_forever()\n";
  write_file(t / "serve.py", script);
  int out[2];
  ASSERT_EQ(::pipe(out), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::setpgid(0, 0);
    ::execlp("python3", "python3", (t / "serve.py").c_str(), nullptr);
    _exit(127);
  }
  ::close(out[1]);
  // The pipe stays open until the server is stopped: python may write the
  // line in pieces and must not meet a closed pipe.
  struct Stop {
    pid_t p;
    int fd;
    ~Stop() {
      ::kill(p, SIGTERM);
      ::waitpid(p, nullptr, 0);
      ::close(fd);
    }
  } stop{pid, out[0]};
  char buf[32] = {0};
  size_t n = 0;
  while (n < sizeof buf - 1 && (n == 0 || buf[n - 1] != '\n')) {
    ssize_t k = ::read(out[0], buf + n, sizeof buf - 1 - n);
    if (k <= 0) break;
    n += static_cast<size_t>(k);
  }
  ASSERT_GT(n, 0u);
  int port = std::atoi(buf);
  ASSERT_GT(port, 0);

  std::vector<std::string> args = {"host", "-q", "--scanners", "none", "--no-containers", "-f", "json", "-o",
                                   (t / "r.json").string(), "--skip-dirs", "*"};
  auto r = bulwark(args);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json rep = json::parse(read_file(t / "r.json"));
  const json& listening = rep["inventory"]["host"]["listening"];
  bool found = false;
  for (const auto& s : listening)
    if (s["protocol"] == "tcp" && s["address"] == "127.0.0.1" && s["port"] == port) {
      found = true;
      EXPECT_EQ(s["pids"], json::array({pid}));
      EXPECT_EQ(s["process"], "python3");
    }
  EXPECT_TRUE(found) << "port " << port << " pid " << pid << "\n" << listening.dump(1);
  // ss names the same process for that port.
  auto ss = run({"ss", "-H", "-ltnp", "sport", "= :" + std::to_string(port)});
  EXPECT_NE(ss.out.find("pid=" + std::to_string(pid)), std::string::npos) << ss.out;
  // The table shows it too.
  auto table = bulwark({"host", "-q", "--scanners", "none", "--no-containers", "--skip-dirs", "*"});
  EXPECT_NE(table.out.find("Listening sockets:"), std::string::npos);
  EXPECT_NE(table.out.find("| " + std::to_string(port) + " "), std::string::npos) << table.out;
}

// A Debian 12 host root: dpkg knows two kernels; the running one (proc says
// 6.1.0-17-amd64) comes from the signing template as Debian ships it.
void make_debian_host(const fs::path& root) {
  write_file(root / "etc/os-release", "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\n"
                                      "VERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\nID=debian\n");
  write_file(root / "etc/debian_version", "12.5\n");
  fs::create_directories(root / "usr/bin");
  write_file(root / "var/lib/dpkg/status",
             "Package: linux-image-6.1.0-16-amd64\nStatus: install ok installed\nArchitecture: amd64\n"
             "Source: linux-signed-amd64 (6.1.67+1)\nVersion: 6.1.67-1\nDescription: Linux 6.1 for 64-bit PCs (signed)\n\n"
             "Package: linux-image-6.1.0-17-amd64\nStatus: install ok installed\nArchitecture: amd64\n"
             "Source: linux-signed-amd64 (6.1.69+1)\nVersion: 6.1.69-1\nDescription: Linux 6.1 for 64-bit PCs (signed)\n\n"
             "Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2+b2\n"
             "Description: GNU Bourne Again SHell\n");
  write_file(root / "var/lib/dpkg/info/linux-image-6.1.0-17-amd64.list",
             "/.\n/boot\n/boot/System.map-6.1.0-17-amd64\n/boot/vmlinuz-6.1.0-17-amd64\n/lib/modules/6.1.0-17-amd64\n");
  write_file(root / "var/lib/dpkg/info/linux-image-6.1.0-16-amd64.list", "/.\n/boot\n/boot/vmlinuz-6.1.0-16-amd64\n");
  write_file(root / "proc/sys/kernel/osrelease", "6.1.0-17-amd64\n");
  write_file(root / "proc/sys/kernel/version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.69-1 (2023-12-30)\n");
  write_file(root / "proc/sys/kernel/hostname", "db-1\n");
  write_file(root / "proc/modules", "nf_tables 303104 0 - Live 0x0\noverlay 151552 0 - Live 0x0\n");
  write_file(root / "proc/net/tcp",
             "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
  write_file(root / "proc/net/udp",
             "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n");
}

TEST(HostCommand, RunningKernelIsMatchedAgainstKernelAdvisories) {
  TempDir t;
  make_debian_host(t / "root");
  auto imp = run({bulwark_binary(), "db", "import", "--db", (t / "db").string(),
                  fixture("host/debian-tracker-linux.json").string()});
  ASSERT_EQ(imp.exit_code, 0) << imp.err;
  auto r = bulwark({"host", "-q", "--root", (t / "root").string(), "--db", (t / "db").string(), "-f", "json", "-o",
                    (t / "r.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json rep = json::parse(read_file(t / "r.json"));
  const json& k = rep["inventory"]["host"]["kernel"];
  EXPECT_EQ(k["release"], "6.1.0-17-amd64");
  EXPECT_EQ(k["package"], "linux-image-6.1.0-17-amd64");
  EXPECT_EQ(k["package_version"], "6.1.69-1");
  EXPECT_EQ(k["src_name"], "linux");
  EXPECT_EQ(rep["inventory"]["host"]["hostname"], "db-1");
  EXPECT_EQ(rep["inventory"]["host"]["modules"].size(), 2u);
  int running = 0;
  for (const auto& p : rep["inventory"]["packages"])
    if (p.value("running_kernel", false)) {
      ++running;
      EXPECT_EQ(p["name"], "linux-image-6.1.0-17-amd64");
      EXPECT_EQ(p["src_name"], "linux");
    }
  EXPECT_EQ(running, 1);
  // One finding: the running kernel's; the other installed kernel is not
  // what runs.
  ASSERT_EQ(rep["findings"].size(), 1u) << rep["findings"].dump(1);
  const json& f = rep["findings"][0];
  EXPECT_EQ(f["id"], "CVE-2024-1086");
  EXPECT_EQ(f["package"]["name"], "linux-image-6.1.0-17-amd64");
  EXPECT_EQ(f["package"]["version"], "6.1.69-1");
  EXPECT_EQ(f["remediation"]["fixed_versions"], json::array({"6.1.76-1"}));

  // The same root as a plain rootfs: dpkg's source (the signing template) is
  // not what the tracker names, so the kernel is not matched there.
  auto plain = bulwark({"rootfs", "-q", (t / "root").string(), "--db", (t / "db").string(), "-f", "json", "-o",
                        (t / "p.json").string()});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_TRUE(json::parse(read_file(t / "p.json"))["findings"].empty());
}

TEST(HostCommand, AMissingEngineSocketIsADiagnosticNotAFailure) {
  TempDir t;
  make_debian_host(t / "root");
  auto r = bulwark({"host", "-q", "--root", (t / "root").string(), "--scanners", "none", "--engine-socket",
                    (t / "none.sock").string(), "--scan-containers", "-f", "json", "-o", (t / "r.json").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json rep = json::parse(read_file(t / "r.json"));
  bool said = false;
  for (const auto& d : rep["diagnostics"])
    said |= d["location"].value("path", "") == (t / "none.sock").string();
  EXPECT_TRUE(said) << rep["diagnostics"].dump(1);
  EXPECT_TRUE(rep["inventory"]["host"]["containers"].empty());
}

}  // namespace
}  // namespace bulwark::testing
