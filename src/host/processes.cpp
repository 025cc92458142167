// Processes from proc/<pid>/{stat,status,cmdline,exe}. Processes come and go
// while we read: one that is gone by the time its files are read is simply
// not listed; files that exist but cannot be read are counted and reported
// once per kind, naming the first such file.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "host/internal.hpp"

namespace bulwark::host {

namespace fs = std::filesystem;

namespace {

template <class T>
bool number(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool is_pid_name(const char* s) {
  if (*s == '\0' || std::strlen(s) > 10) return false;
  for (; *s != '\0'; ++s)
    if (*s < '0' || *s > '9') return false;
  return true;
}

// Collects "cannot read" problems of one kind so a host with thousands of
// processes gives one diagnostic, not thousands.
struct Trouble {
  size_t count = 0;
  std::string first_path, first_error;
  void add(const std::string& path, const std::string& error) {
    if (count++ == 0) {
      first_path = path;
      first_error = error;
    }
  }
  void report(const std::string& what, std::vector<Diagnostic>& diags) const {
    if (count == 0) return;
    std::string msg = "cannot read " + what + ": " + first_error;
    if (count > 1) msg += " (and " + std::to_string(count - 1) + " more processes alike)";
    diags.push_back(make_warning(first_path, 0, msg));
  }
};

}  // namespace

bool parse_proc_stat(std::string_view text, ProcessInfo& out) {
  // "1234 (comm, may hold ') ' itself) S 1 ...": comm ends at the LAST ')'.
  auto open = text.find('(');
  auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) return false;
  int pid = 0;
  if (!number(trim(text.substr(0, open)), pid) || pid <= 0) return false;
  std::string_view rest = text.substr(close + 1);
  // " S 1 ..."
  size_t i = 0;
  auto next = [&]() -> std::string_view {
    while (i < rest.size() && rest[i] == ' ') ++i;
    size_t b = i;
    while (i < rest.size() && rest[i] != ' ' && rest[i] != '\n') ++i;
    return rest.substr(b, i - b);
  };
  std::string_view state = next();
  int ppid = 0;
  if (state.empty() || !number(next(), ppid) || ppid < 0) return false;
  out.pid = pid;
  out.ppid = ppid;
  out.name = std::string(text.substr(open + 1, std::min<size_t>(close - open - 1, 64)));
  return true;
}

bool parse_proc_status(std::string_view text, ProcessInfo& out) {
  bool any = false;
  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    std::string_view value = trim(line.substr(colon + 1));
    if (key == "Name") {
      if (out.name.empty()) out.name = std::string(value.substr(0, 64));
      any = true;
    } else if (key == "Pid") {
      int v = 0;
      if (number(value, v) && v > 0) out.pid = v, any = true;
    } else if (key == "PPid") {
      int v = 0;
      if (number(value, v) && v >= 0) out.ppid = v, any = true;
    } else if (key == "Uid") {
      // real, effective, saved, filesystem: the real one owns the process.
      auto end = value.find_first_of(" \t");
      uint32_t v = 0;
      if (number(value.substr(0, end), v)) out.uid = v, any = true;
    }
  }
  return any;
}

std::vector<std::string> parse_proc_cmdline(std::string_view text) {
  std::vector<std::string> args;
  // Arguments end in NUL; a process that rewrote its argv may use spaces
  // and leave no NUL, which then is one argument.
  while (!text.empty() && args.size() < 4096) {
    auto z = text.find('\0');
    args.emplace_back(text.substr(0, z));
    if (z == std::string_view::npos) break;
    text.remove_prefix(z + 1);
  }
  return args;
}

std::vector<ProcessInfo> read_processes(const fs::path& root, std::vector<Diagnostic>& diagnostics) {
  std::vector<ProcessInfo> out;
  const fs::path proc = under(root, "proc");
  DIR* dir = ::opendir(proc.c_str());
  if (dir == nullptr) {
    if (errno != ENOENT || !is_root_slash(root))
      diagnostics.push_back(make_warning(display_path(root, "proc"), 0,
                                         std::string("cannot list processes: ") + std::strerror(errno)));
    return out;
  }
  std::vector<int> pids;
  while (dirent* e = ::readdir(dir)) {
    if (!is_pid_name(e->d_name)) continue;
    int pid = 0;
    if (!number(std::string_view(e->d_name), pid) || pid <= 0) continue;
    if (pids.size() >= kMaxProcesses) {
      diagnostics.push_back(make_warning(display_path(root, "proc"), 0,
                                         "more than " + std::to_string(kMaxProcesses) +
                                             " processes; the rest are not listed"));
      break;
    }
    pids.push_back(pid);
  }
  ::closedir(dir);
  std::sort(pids.begin(), pids.end());

  Trouble stat_trouble, exe_trouble, cmdline_trouble, bad_stat;
  std::string text, error;
  for (int pid : pids) {
    const std::string rel = "proc/" + std::to_string(pid);
    ProcessInfo p;
    auto st = read_bounded(under(root, rel + "/stat"), kSmallFileLimit, text, error);
    if (st == ReadStatus::kMissing) continue;  // gone
    if (st == ReadStatus::kError) {
      if (error != std::strerror(ESRCH)) stat_trouble.add(display_path(root, rel + "/stat"), error);
      continue;
    }
    if (!parse_proc_stat(text, p) || p.pid != pid) {
      bad_stat.add(display_path(root, rel + "/stat"), "not a proc stat line");
      p = ProcessInfo{};
      p.pid = pid;
    }
    if (read_bounded(under(root, rel + "/status"), kSmallFileLimit, text, error) == ReadStatus::kOk) {
      ProcessInfo s = p;
      if (parse_proc_status(text, s) && s.pid == pid) p = s;
    }
    st = read_bounded(under(root, rel + "/cmdline"), kSmallFileLimit, text, error);
    if (st == ReadStatus::kOk || st == ReadStatus::kTruncated) {
      p.args = parse_proc_cmdline(text);
    } else if (st == ReadStatus::kError && error != std::strerror(ESRCH)) {
      cmdline_trouble.add(display_path(root, rel + "/cmdline"), error);
    }
    // exe is a symlink: on a live /proc to the executable (kernel threads
    // have none: ENOENT); in a copied tree to what it pointed at.
    char buf[4096];
    const fs::path exe = under(root, rel + "/exe");
    ssize_t n = ::readlink(exe.c_str(), buf, sizeof buf);
    if (n > 0 && static_cast<size_t>(n) < sizeof buf) {
      p.exe.assign(buf, static_cast<size_t>(n));
    } else if (n < 0 && errno != ENOENT && errno != ESRCH) {
      exe_trouble.add(display_path(root, rel + "/exe"), std::strerror(errno));
    }
    out.push_back(std::move(p));
  }
  stat_trouble.report("process status", diagnostics);
  bad_stat.report("process status", diagnostics);
  cmdline_trouble.report("process command line", diagnostics);
  exe_trouble.report("process executable link", diagnostics);
  return out;
}

}  // namespace bulwark::host
