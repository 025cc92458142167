// Listening sockets from proc/net/{tcp,tcp6,udp,udp6}, with the processes
// holding them found through the socket inodes of proc/<pid>/fd.
//
// A table row (the kernel's /proc/net/tcp format):
//   "  0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000  0 123456 1 ..."
//     sl  local        remote        st tx:rx queues       timer       retrnsmt  uid  timeout inode
// Addresses are the kernel's 32-bit words printed in the byte order of the
// machine that wrote them; ports are in host order.
#include <arpa/inet.h>
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <map>

#include "host/internal.hpp"

namespace bulwark::host {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTcpListen = "0A";
constexpr std::string_view kUdpUnconnected = "07";  // TCP_CLOSE: bound, no peer

template <class T>
bool hex_number(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, 16);
  return ec == std::errc() && p == s.data() + s.size();
}

template <class T>
bool dec_number(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

// "0100007F:1F90" (IPv4) or 32 hex digits + ":PORT" (IPv6).
bool parse_endpoint(std::string_view s, bool v6, std::string& address, uint16_t& port) {
  auto colon = s.find(':');
  if (colon == std::string_view::npos) return false;
  std::string_view hex = s.substr(0, colon);
  if (!hex_number(s.substr(colon + 1), port) || s.size() - colon - 1 > 4) return false;
  char buf[INET6_ADDRSTRLEN] = {0};
  if (!v6) {
    uint32_t word = 0;
    if (hex.size() != 8 || !hex_number(hex, word)) return false;
    in_addr a{};
    std::memcpy(&a.s_addr, &word, 4);  // the kernel printed the raw word in host order
    if (::inet_ntop(AF_INET, &a, buf, sizeof buf) == nullptr) return false;
  } else {
    if (hex.size() != 32) return false;
    in6_addr a{};
    for (int w = 0; w < 4; ++w) {
      uint32_t word = 0;
      if (!hex_number(hex.substr(static_cast<size_t>(w) * 8, 8), word)) return false;
      std::memcpy(reinterpret_cast<unsigned char*>(&a) + w * 4, &word, 4);
    }
    if (::inet_ntop(AF_INET6, &a, buf, sizeof buf) == nullptr) return false;
  }
  address = buf;
  return true;
}

// "socket:[123456]" -> 123456.
bool socket_inode(std::string_view link, uint64_t& inode) {
  if (!starts_with(link, "socket:[") || !ends_with(link, "]")) return false;
  return dec_number(link.substr(8, link.size() - 9), inode);
}

}  // namespace

std::vector<ListeningSocket> parse_proc_net(std::string_view text, std::string_view protocol, const std::string& path,
                                            std::vector<Diagnostic>& diagnostics) {
  std::vector<ListeningSocket> out;
  const bool v6 = ends_with(protocol, "6");
  const bool udp = starts_with(protocol, "udp");
  int line_no = 0;
  int bad = 0;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line_no == 1 || trim(line).empty()) continue;  // the header
    std::string_view f[10];
    size_t n = 0, i = 0;
    while (i < line.size() && n < 10) {
      while (i < line.size() && line[i] == ' ') ++i;
      size_t b = i;
      while (i < line.size() && line[i] != ' ') ++i;
      if (i > b) f[n++] = line.substr(b, i - b);
    }
    ListeningSocket s;
    std::string remote;
    uint16_t remote_port = 0;
    if (n < 10 || !ends_with(f[0], ":") || !parse_endpoint(f[1], v6, s.address, s.port) ||
        !parse_endpoint(f[2], v6, remote, remote_port) || f[3].size() != 2 || !dec_number(f[7], s.uid) ||
        !dec_number(f[9], s.inode)) {
      if (bad++ == 0) diagnostics.push_back(make_warning(path, line_no, "not a socket table line; skipped"));
      continue;
    }
    if (f[3] != (udp ? kUdpUnconnected : kTcpListen)) continue;
    s.protocol = std::string(protocol);
    out.push_back(std::move(s));
  }
  if (bad > 1) diagnostics.push_back(make_warning(path, 0, std::to_string(bad) + " lines were not socket table lines"));
  return out;
}

std::vector<ListeningSocket> read_listening(const fs::path& root, const std::vector<ProcessInfo>& processes,
                                            std::vector<Diagnostic>& diagnostics) {
  // A live root: our own namespace (proc/net is proc/self/net), the one `ss`
  // run here shows. A mounted host root: its init's namespace, since
  // proc/self there is the scanner.
  std::string net_dir = "proc/net";
  if (!is_root_slash(root)) {
    std::error_code ec;
    if (fs::exists(under(root, "proc/1/net/tcp"), ec)) net_dir = "proc/1/net";
  }
  std::vector<ListeningSocket> out;
  std::string text;
  for (const char* proto : {"tcp", "tcp6", "udp", "udp6"}) {
    const std::string rel = net_dir + "/" + proto;
    const std::string shown = display_path(root, rel);
    // A kernel without IPv6 has no tcp6/udp6.
    bool required = std::string_view(proto).find('6') == std::string_view::npos;
    if (!read_file_diag(under(root, rel), shown, kTableFileLimit, required, text, diagnostics)) continue;
    auto rows = parse_proc_net(text, proto, shown, diagnostics);
    out.insert(out.end(), std::make_move_iterator(rows.begin()), std::make_move_iterator(rows.end()));
  }
  if (out.empty() || processes.empty()) return out;

  std::map<uint64_t, size_t> by_inode;
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i].inode != 0) by_inode.emplace(out[i].inode, i);
  std::map<int, const ProcessInfo*> by_pid;
  for (const auto& p : processes) by_pid.emplace(p.pid, &p);

  size_t unreadable = 0;
  std::string first_unreadable, first_error;
  for (const auto& p : processes) {
    const std::string rel = "proc/" + std::to_string(p.pid) + "/fd";
    const fs::path fd_dir = under(root, rel);
    DIR* dir = ::opendir(fd_dir.c_str());
    if (dir == nullptr) {
      if (errno != ENOENT && errno != ESRCH && unreadable++ == 0) {
        first_unreadable = display_path(root, rel);
        first_error = std::strerror(errno);
      }
      continue;
    }
    size_t seen = 0;
    while (dirent* e = ::readdir(dir)) {
      if (e->d_name[0] == '.') continue;
      if (++seen > kMaxFdsPerProcess) break;
      char buf[64];
      ssize_t n = ::readlinkat(::dirfd(dir), e->d_name, buf, sizeof buf);
      if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) continue;
      uint64_t inode = 0;
      if (!socket_inode(std::string_view(buf, static_cast<size_t>(n)), inode)) continue;
      auto it = by_inode.find(inode);
      if (it == by_inode.end()) continue;
      auto& pids = out[it->second].pids;
      if (std::find(pids.begin(), pids.end(), p.pid) == pids.end()) pids.push_back(p.pid);
    }
    ::closedir(dir);
  }
  for (auto& s : out) {
    std::sort(s.pids.begin(), s.pids.end());
    if (!s.pids.empty()) s.process = by_pid[s.pids.front()]->name;
  }
  if (unreadable > 0) {
    std::string msg = "cannot read open files: " + first_error;
    if (unreadable > 1) msg += " (and " + std::to_string(unreadable - 1) + " more processes alike)";
    msg += "; their sockets are listed without owners";
    diagnostics.push_back(make_warning(first_unreadable, 0, msg));
  }
  return out;
}

}  // namespace bulwark::host
