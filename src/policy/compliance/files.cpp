// The scanned root as the host sees it: paths resolved inside the root
// (absolute symbolic links start again at the root, so var/run/docker.sock
// -> /run/docker.sock stays inside a mounted host tree), bounded reads, file
// status with owner names from the root's own account files, and globs.
#include <fnmatch.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <fstream>
#include <sstream>

#include "policy/compliance/internal.hpp"

namespace bulwark::compliance {

namespace fs = std::filesystem;

namespace {

constexpr int kMaxHops = 40;

std::deque<std::string> split_path(std::string_view p) {
  std::deque<std::string> out;
  size_t i = 0;
  while (i <= p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    if (j > i) out.emplace_back(p.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

std::string errno_text(int e) { return std::strerror(e); }

}  // namespace

Result<Resolved> resolve_in_root(const fs::path& root, std::string_view rel, bool follow_last) {
  std::deque<std::string> todo = split_path(rel);
  std::vector<std::string> done;  // resolved components
  int hops = 0;
  auto joined = [&](const std::vector<std::string>& parts) {
    std::string s;
    for (const auto& p : parts) s += (s.empty() ? "" : "/") + p;
    return s;
  };
  while (!todo.empty()) {
    std::string part = std::move(todo.front());
    todo.pop_front();
    if (part == ".") continue;
    if (part == "..") {
      if (!done.empty()) done.pop_back();
      continue;
    }
    done.push_back(part);
    if (todo.empty() && !follow_last) break;
    fs::path host = root / joined(done);
    struct stat st {};
    if (::lstat(host.c_str(), &st) != 0) {
      int e = errno;
      if (e == ENOENT || e == ENOTDIR) {
        for (auto& rest : todo) done.push_back(std::move(rest));
        return Error(ErrorCode::kNotFound, "does not exist", joined(done));
      }
      return Error(ErrorCode::kIo, errno_text(e), joined(done));
    }
    if (!S_ISLNK(st.st_mode)) continue;
    if (++hops > kMaxHops) return Error(ErrorCode::kLimitExceeded, "too many levels of symbolic links", joined(done));
    std::string target(static_cast<size_t>(st.st_size > 0 ? st.st_size : 4096) + 1, '\0');
    ssize_t n = ::readlink(host.c_str(), target.data(), target.size());
    if (n < 0) return Error(ErrorCode::kIo, errno_text(errno), joined(done));
    target.resize(static_cast<size_t>(n));
    done.pop_back();
    if (!target.empty() && target[0] == '/') done.clear();
    auto parts = split_path(target);
    for (auto it = parts.rbegin(); it != parts.rend(); ++it) todo.push_front(*it);
  }
  std::string r = joined(done);
  return Resolved{r.empty() ? root : root / r, r};
}

Result<std::string> read_in_root(const fs::path& root, std::string_view rel, uint64_t max_bytes) {
  auto where = resolve_in_root(root, rel);
  if (!where) return Error(where.error().code, where.error().message, std::string(rel));
  std::error_code ec;
  if (fs::is_directory(where->host_path, ec)) return Error(ErrorCode::kIo, "is a directory", std::string(rel));
  std::ifstream in(where->host_path, std::ios::binary);
  if (!in) {
    int e = errno;
    return Error(e == ENOENT ? ErrorCode::kNotFound : ErrorCode::kIo, errno_text(e), std::string(rel));
  }
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    text.append(buf, static_cast<size_t>(in.gcount()));
    if (text.size() > max_bytes)
      return Error(ErrorCode::kLimitExceeded, "larger than " + std::to_string(max_bytes) + " bytes", std::string(rel));
  }
  if (in.bad()) return Error(ErrorCode::kIo, "read failed", std::string(rel));
  return text;
}

Accounts read_accounts(const fs::path& root) {
  Accounts a;
  auto parse = [](const std::string& text, auto&& line_fn) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> f;
      size_t i = 0;
      while (true) {
        size_t j = line.find(':', i);
        f.push_back(line.substr(i, j == std::string::npos ? std::string::npos : j - i));
        if (j == std::string::npos) break;
        i = j + 1;
      }
      line_fn(f);
    }
  };
  auto to_id = [](const std::string& s, uint32_t& out) {
    if (s.empty() || s.size() > 10 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    out = static_cast<uint32_t>(std::stoull(s));
    return true;
  };
  if (auto passwd = read_in_root(root, "etc/passwd", 16 << 20))
    parse(*passwd, [&](const std::vector<std::string>& f) {
      uint32_t id;
      if (f.size() >= 3 && to_id(f[2], id)) a.users.emplace(id, f[0]);
    });
  if (auto group = read_in_root(root, "etc/group", 16 << 20))
    parse(*group, [&](const std::vector<std::string>& f) {
      uint32_t id;
      if (f.size() < 3 || !to_id(f[2], id)) return;
      a.groups.emplace(id, f[0]);
      a.group_ids.emplace(f[0], id);
      auto& members = a.group_members[f[0]];
      if (f.size() >= 4) {
        std::string m = f[3];
        size_t i = 0;
        while (i < m.size()) {
          size_t j = m.find(',', i);
          if (j == std::string::npos) j = m.size();
          std::string name(trim(std::string_view(m).substr(i, j - i)));
          if (!name.empty()) members.push_back(name);
          i = j + 1;
        }
      }
    });
  return a;
}

namespace {

const char* type_of(mode_t m) {
  if (S_ISREG(m)) return "file";
  if (S_ISDIR(m)) return "directory";
  if (S_ISSOCK(m)) return "socket";
  if (S_ISLNK(m)) return "symlink";
  if (S_ISFIFO(m)) return "fifo";
  if (S_ISCHR(m)) return "char-device";
  if (S_ISBLK(m)) return "block-device";
  return "other";
}

}  // namespace

Node stat_node(const fs::path& root, const std::string& rel, const Accounts& accounts, std::string* error) {
  Node n = Node::map();
  n.add("path", str_node(rel));
  auto where = resolve_in_root(root, rel);
  struct stat st {};
  int e = 0;
  if (!where) {
    if (where.error().code == ErrorCode::kNotFound) {
      n.add("exists", bool_node(false));
      return n;
    }
    n.add("error", str_node(where.error().message + (where.error().where.empty() || where.error().where == rel
                                                         ? ""
                                                         : " (at " + where.error().where + ")")));
    if (error) *error = rel + ": " + n.get("error")->as_string();
    return n;
  }
  if (::stat(where->host_path.c_str(), &st) != 0) {
    e = errno;
    if (e == ENOENT) {
      n.add("exists", bool_node(false));
      return n;
    }
    n.add("error", str_node(errno_text(e)));
    if (error) *error = rel + ": " + errno_text(e);
    return n;
  }
  n.add("exists", bool_node(true));
  if (where->rel != rel) n.add("resolved", str_node(where->rel));
  n.add("type", str_node(type_of(st.st_mode)));
  unsigned perm = st.st_mode & 07777;
  n.add("mode", int_node(perm));
  char octal[8];
  std::snprintf(octal, sizeof octal, "%04o", perm);
  n.add("perm", str_node(octal));
  // Permission bits by name: CEL has no bit operations, and "0644 or more
  // restrictive" reads as f.bits.all(b, b in ['u+r', 'u+w', 'g+r', 'o+r']).
  static const std::pair<unsigned, const char*> kBits[] = {
      {04000, "setuid"}, {02000, "setgid"}, {01000, "sticky"}, {0400, "u+r"}, {0200, "u+w"}, {0100, "u+x"},
      {040, "g+r"},      {020, "g+w"},      {010, "g+x"},      {04, "o+r"},   {02, "o+w"},   {01, "o+x"}};
  Node bits = Node::list();
  for (const auto& [bit, name] : kBits)
    if (perm & bit) bits.push(str_node(name));
  n.add("bits", std::move(bits));
  n.add("uid", int_node(st.st_uid));
  n.add("gid", int_node(st.st_gid));
  auto u = accounts.users.find(st.st_uid);
  auto g = accounts.groups.find(st.st_gid);
  n.add("user", str_node(u != accounts.users.end() ? u->second : std::to_string(st.st_uid)));
  n.add("group", str_node(g != accounts.groups.end() ? g->second : std::to_string(st.st_gid)));
  n.add("size", int_node(static_cast<int64_t>(st.st_size)));
  // The file system it is on: a directory on its own partition has another
  // device than its parent (a bind mount of the same file system does not).
  n.add("dev", int_node(static_cast<int64_t>(st.st_dev)));
  return n;
}

Result<std::vector<std::string>> glob_in_root(const fs::path& root, std::string_view pattern, size_t max) {
  std::deque<std::string> segs = split_path(pattern);
  std::vector<std::string> out;
  // Depth-first over (directory so far, next segment index).
  struct State {
    std::string dir;
    size_t seg;
  };
  std::vector<State> todo{{"", 0}};
  size_t visited = 0;
  auto push_match = [&](const std::string& p) -> bool {
    out.push_back(p);
    return out.size() <= max;
  };
  while (!todo.empty()) {
    State s = std::move(todo.back());
    todo.pop_back();
    if (++visited > max * 10) return Error(ErrorCode::kLimitExceeded, "glob visits too many directories", std::string(pattern));
    if (s.seg == segs.size()) {
      if (!push_match(s.dir)) return Error(ErrorCode::kLimitExceeded, "glob matches too many paths", std::string(pattern));
      continue;
    }
    const std::string& seg = segs[s.seg];
    bool wild = seg.find_first_of("*?[") != std::string::npos;
    if (!wild) {
      std::string next = s.dir.empty() ? seg : s.dir + "/" + seg;
      auto r = resolve_in_root(root, next);
      if (!r) {
        if (r.error().code == ErrorCode::kNotFound) continue;
        return Error(r.error().code, r.error().message, next);
      }
      todo.push_back({next, s.seg + 1});
      continue;
    }
    auto dir = resolve_in_root(root, s.dir);
    if (!dir) {
      if (dir.error().code == ErrorCode::kNotFound) continue;
      return Error(dir.error().code, dir.error().message, s.dir);
    }
    std::error_code ec;
    if (!fs::is_directory(dir->host_path, ec)) continue;
    std::vector<std::string> names;
    for (fs::directory_iterator it(dir->host_path, ec), end; !ec && it != end; it.increment(ec))
      names.push_back(it->path().filename().string());
    if (ec) return Error(ErrorCode::kIo, ec.message(), s.dir.empty() ? "." : s.dir);
    std::sort(names.begin(), names.end(), std::greater<>());  // popped in ascending order
    if (seg == "**") {
      todo.push_back({s.dir, s.seg + 1});  // zero segments
      for (const auto& name : names) {
        std::string next = s.dir.empty() ? name : s.dir + "/" + name;
        auto r = resolve_in_root(root, next, false);
        struct stat st {};
        // Descend into real directories only: a symbolic link loop must not
        // make ** walk forever.
        if (r && ::lstat(r->host_path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) todo.push_back({next, s.seg});
        else if (s.seg + 1 == segs.size()) todo.push_back({next, s.seg + 1});  // a trailing ** takes files too
      }
      continue;
    }
    for (const auto& name : names)
      if (::fnmatch(seg.c_str(), name.c_str(), FNM_PERIOD) == 0)
        todo.push_back({s.dir.empty() ? name : s.dir + "/" + name, s.seg + 1});
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Node string_list(const std::vector<std::string>& v) {
  Node n = Node::list();
  for (const auto& s : v) n.push(str_node(s));
  return n;
}

}  // namespace bulwark::compliance
