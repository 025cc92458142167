// Host facts: the host itself (security modules, groups), its processes, the
// files and globs the spec names, mounts (proc/mounts and etc/fstab) and
// audit rules (etc/audit/audit.rules, etc/audit/rules.d/*.rules).
#include <algorithm>
#include <sstream>

#include "policy/compliance/internal.hpp"

namespace bulwark::compliance {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kMaxTextFile = 4ull << 20;

std::string normalize_abs(std::string p) {
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

// "\040" in mount tables is a space (the kernel's escaping).
std::string unescape_octal(std::string_view s) {
  auto oct = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && oct(s[i + 1]) && oct(s[i + 2]) &&
        oct(s[i + 3])) {
      out.push_back(static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0')));
      i += 3;
      continue;
    }
    out.push_back(s[i]);
  }
  return out;
}

std::vector<std::string> split_ws(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) out.emplace_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

std::vector<std::string> split_char(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find(sep, i);
    if (j == std::string_view::npos) j = s.size();
    if (j > i) out.emplace_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// One mount table (proc/mounts or fstab): device, mount point, type, options.
Node read_mount_table(std::string_view text, const std::string& source, bool fstab, Node& points,
                      Facts::Impl& f, const std::string& prefix) {
  Node list = Node::list();
  std::istringstream in{std::string(text)};
  std::string line;
  uint32_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    std::string_view t = trim(line);
    if (t.empty() || t[0] == '#') continue;
    auto cols = split_ws(t);
    if (cols.size() < 3) continue;
    SourcePos pos{n, 1};
    Node m = Node::map(pos);
    std::string point = normalize_abs(unescape_octal(cols[1]));
    m.add("device", str_node(unescape_octal(cols[0]), pos));
    m.add("mountpoint", str_node(point, pos));
    m.add("type", str_node(cols[2], pos));
    m.add("options", string_list(cols.size() > 3 ? split_char(cols[3], ',') : std::vector<std::string>{}));
    m.add("source", str_node(source));
    if (fstab && point == "none") continue;
    if (!points.get(point)) {
      f.add_source(path_append(prefix + ".points", point), source, true);
      points.add(point, m);
    }
    list.push(std::move(m));
  }
  return list;
}

// One audit rule line: a watch (-w PATH -p PERMS -k KEY) or a syscall rule
// (-a LIST,ACTION -F path=... -F perm=... -S ... -k KEY); control lines
// (-D, -b, -e, -f) are kept as kind "control".
Node audit_rule(std::string_view text, const std::string& file, uint32_t line) {
  SourcePos pos{line, 1};
  Node r = Node::map(pos);
  auto tok = split_ws(text);
  std::string kind = "control", path, perms, key, action;
  std::vector<std::string> syscalls, fields;
  for (size_t i = 0; i < tok.size(); ++i) {
    const std::string& t = tok[i];
    auto next = [&]() -> std::string { return i + 1 < tok.size() ? tok[++i] : std::string(); };
    if (t == "-w") {
      kind = "watch";
      path = next();
    } else if (t == "-p") {
      perms = next();
    } else if (t == "-k" || starts_with(t, "-k")) {
      key = t == "-k" ? next() : t.substr(2);
    } else if (t == "-a" || t == "-A") {
      kind = "syscall";
      action = next();
    } else if (t == "-S") {
      for (auto& s : split_char(next(), ',')) syscalls.push_back(s);
    } else if (t == "-F") {
      std::string fld = next();
      fields.push_back(fld);
      size_t eq = fld.find('=');
      std::string name = eq == std::string::npos ? fld : fld.substr(0, eq);
      std::string value = eq == std::string::npos ? "" : fld.substr(eq + 1);
      if (name == "path" || name == "dir") path = value;
      else if (name == "perm") perms = value;
      else if (name == "key") key = value;
    }
  }
  r.add("kind", str_node(kind, pos));
  r.add("text", str_node(std::string(text), pos));
  r.add("file", str_node(file, pos));
  r.add("line", int_node(line));
  if (!path.empty()) r.add("path", str_node(normalize_abs(path), pos));
  if (!perms.empty()) r.add("perms", str_node(perms, pos));
  if (!key.empty()) r.add("key", str_node(key, pos));
  if (!action.empty()) r.add("action", str_node(action, pos));
  if (!syscalls.empty()) r.add("syscalls", string_list(syscalls));
  if (!fields.empty()) r.add("fields", string_list(fields));
  return r;
}

void gather_audit(const FactsInput& in, Facts::Impl& f, std::vector<Diagnostic>& diags) {
  Node audit = Node::map();
  Node files = Node::list();
  Node rules = Node::list();
  Node watched = Node::map();
  std::vector<std::string> paths;
  std::string error;
  // Read below with the others; an unreadable one is an error there.
  if (auto r = resolve_in_root(in.root, "etc/audit/audit.rules"); r || r.error().code != ErrorCode::kNotFound)
    paths.push_back("etc/audit/audit.rules");
  auto listed = glob_in_root(in.root, "etc/audit/rules.d/*.rules", 1000);
  if (!listed) error = "etc/audit/rules.d: " + listed.error().message;
  else
    for (auto& p : *listed) paths.push_back(p);
  for (const auto& p : paths) {
    auto text = read_in_root(in.root, p, kMaxTextFile);
    if (!text) {
      error = p + ": " + text.error().message;
      diags.push_back(make_warning(p, 0, "cannot read audit rules: " + text.error().message));
      continue;
    }
    files.push(str_node(p));
    std::istringstream lines(*text);
    std::string line;
    uint32_t n = 0;
    while (std::getline(lines, line)) {
      ++n;
      std::string_view t = trim(line);
      if (t.empty() || t[0] == '#') continue;
      size_t idx = rules.size();
      Node rule = audit_rule(t, p, n);
      f.add_source(path_append("audit.rules", idx), p, true);
      if (const Node* wp = rule.get("path"); wp && !watched.get(wp->as_string())) {
        f.add_source(path_append("audit.watched", wp->as_string()), p, true);
        watched.add(wp->as_string(), rule);
      }
      rules.push(std::move(rule));
    }
  }
  audit.add("files", std::move(files));
  audit.add("rules", std::move(rules));
  audit.add("watched", std::move(watched));
  if (!error.empty()) {
    audit.add("error", str_node(error));
    f.errors["audit"] = "audit rules could not be read: " + error;
  }
  f.root.add("audit", std::move(audit));
}

void gather_mounts(const FactsInput& in, Facts::Impl& f, std::vector<Diagnostic>& diags) {
  Node mounts = Node::map();
  Node points = Node::map();
  std::vector<std::string> problems;
  bool any = false;
  for (const auto& [path, key, fstab] : {std::tuple{"proc/mounts", "proc", false}, std::tuple{"etc/fstab", "fstab", true}}) {
    auto text = read_in_root(in.root, path, kMaxTextFile);
    if (!text) {
      if (text.error().code != ErrorCode::kNotFound) {
        problems.push_back(std::string(path) + ": " + text.error().message);
        diags.push_back(make_warning(path, 0, "cannot read the mount table: " + text.error().message));
      }
      continue;
    }
    any = true;
    f.add_source(std::string("mounts.") + key, path, true);
    mounts.add(key, read_mount_table(*text, path, fstab, points, f, "mounts"));
  }
  mounts.add("points", std::move(points));
  if (!any) {
    std::string msg = problems.empty() ? "neither proc/mounts nor etc/fstab exists under the root"
                                       : "the mount tables could not be read: " + problems.front();
    mounts.add("error", str_node(msg));
    f.errors["mounts"] = msg;
  }
  f.root.add("mounts", std::move(mounts));
}

bool file_says_yes(const fs::path& root, std::string_view rel) {
  auto t = read_in_root(root, rel, 4096);
  return t && !trim(*t).empty() && (trim(*t)[0] == 'Y' || trim(*t)[0] == '1');
}

}  // namespace

void gather_host_facts(const FactsInput& in, const Accounts& accounts, Facts::Impl& f, std::vector<Diagnostic>& diags) {
  Node host = Node::map();
  host.add("root", str_node(in.root.string()));
  host.add("read", bool_node(in.host.has_value()));
  if (in.host) {
    host.add("hostname", str_node(in.host->hostname));
    host.add("kernel", str_node(in.host->kernel.release));
  }
  std::error_code ec;
  host.add("apparmor", bool_node(file_says_yes(in.root, "sys/module/apparmor/parameters/enabled") ||
                                 resolve_in_root(in.root, "sys/kernel/security/apparmor").ok()));
  host.add("selinux", bool_node(resolve_in_root(in.root, "sys/fs/selinux/enforce").ok()));
  Node groups = Node::map();
  for (const auto& [name, gid] : accounts.group_ids) {
    Node g = Node::map();
    g.add("gid", int_node(gid));
    auto m = accounts.group_members.find(name);
    g.add("members", string_list(m != accounts.group_members.end() ? m->second : std::vector<std::string>{}));
    groups.add(name, std::move(g));
  }
  host.add("groups", std::move(groups));
  f.add_source("host.groups", "etc/group", false);
  f.root.add("host", std::move(host));

  Node procs = Node::list();
  if (in.host) {
    for (const auto& p : in.host->processes) {
      Node n = Node::map();
      n.add("pid", int_node(p.pid));
      n.add("ppid", int_node(p.ppid));
      n.add("uid", int_node(p.uid));
      n.add("name", str_node(p.name));
      n.add("exe", str_node(p.exe));
      n.add("args", string_list(p.args));
      f.add_source(path_append("processes", procs.size()), "proc/" + std::to_string(p.pid), false);
      procs.push(std::move(n));
    }
  } else {
    f.errors["processes"] = "the host's processes were not read";
  }
  f.root.add("processes", std::move(procs));

  // Files and globs the spec names.
  Node files = Node::map();
  Node globs = Node::map();
  for (const auto& p : in.files) {
    if (p.find_first_of("*?[") == std::string::npos) {
      std::string rel = p;
      while (!rel.empty() && rel[0] == '/') rel.erase(0, 1);
      if (files.get(p)) continue;
      std::string err;
      Node st = stat_node(in.root, rel, accounts, &err);
      if (!err.empty()) diags.push_back(make_warning(rel, 0, "cannot read the file's status: " + err));
      files.add(p, std::move(st));
      continue;
    }
    if (globs.get(p)) continue;
    Node list = Node::list();
    auto matches = glob_in_root(in.root, p);
    if (!matches) {
      Node bad = Node::map();
      bad.add("path", str_node(p));
      bad.add("error", str_node(matches.error().message + (matches.error().where.empty() ? "" : " (" + matches.error().where + ")")));
      diags.push_back(make_warning(p, 0, "cannot list: " + matches.error().message));
      list.push(std::move(bad));
    } else {
      for (const auto& m : *matches) {
        std::string err;
        list.push(stat_node(in.root, m, accounts, &err));
        if (!err.empty()) diags.push_back(make_warning(m, 0, "cannot read the file's status: " + err));
      }
    }
    globs.add(p, std::move(list));
  }
  f.root.add("files", std::move(files));
  f.root.add("globs", std::move(globs));

  // systemd units: the first directory of the search path that has it.
  Node units = Node::map();
  for (const auto& name : in.units) {
    if (units.get(name)) continue;
    Node chosen;
    for (const char* dir : {"etc/systemd/system/", "usr/lib/systemd/system/", "lib/systemd/system/"}) {
      std::string err;
      Node st = stat_node(in.root, dir + name, accounts, &err);
      if (!err.empty()) diags.push_back(make_warning(dir + name, 0, "cannot read the file's status: " + err));
      const Node* e = st.get("exists");
      if (st.get("error") || (e && e->as_bool())) {
        chosen = std::move(st);
        break;
      }
    }
    if (chosen.is_null()) {
      chosen = Node::map();
      chosen.add("path", str_node("usr/lib/systemd/system/" + name));
      chosen.add("exists", bool_node(false));
    }
    units.add(name, std::move(chosen));
  }
  f.root.add("units", std::move(units));

  gather_mounts(in, f, diags);
  gather_audit(in, f, diags);
}

}  // namespace bulwark::compliance
