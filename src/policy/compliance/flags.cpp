// Command-line flags of Go programs as the pflag and flag packages read
// them: dockerd, kubelet, kube-apiserver, etcd and friends.
#include <algorithm>

#include "policy/compliance/internal.hpp"

namespace bulwark::compliance {

std::vector<Flag> parse_flags(const std::vector<std::string>& args, const std::vector<std::string>& booleans,
                              const std::vector<std::pair<char, std::string>>& shorts) {
  auto is_bool = [&](const std::string& name) {
    return std::find(booleans.begin(), booleans.end(), name) != booleans.end();
  };
  auto long_of = [&](char c) -> std::string {
    for (const auto& [s, l] : shorts)
      if (s == c) return l;
    return std::string(1, c);
  };
  std::vector<Flag> out;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") break;  // the rest are arguments
    if (a.size() < 2 || a[0] != '-') continue;
    Flag f;
    f.index = i;
    std::string body;
    bool single = a[1] != '-';
    body = a.substr(single ? 1 : 2);
    if (body.empty()) continue;
    size_t eq = body.find('=');
    if (single && eq == std::string::npos && body.size() > 1 && long_of(body[0]) != std::string(1, body[0])) {
      // "-Htcp://..." : a known short flag with its value attached.
      f.name = long_of(body[0]);
      f.value = body.substr(1);
      out.push_back(std::move(f));
      continue;
    }
    if (eq != std::string::npos) {
      f.name = body.substr(0, eq);
      f.value = body.substr(eq + 1);
    } else {
      f.name = body;
      if (single && f.name.size() == 1) f.name = long_of(f.name[0]);
      if (is_bool(f.name)) {
        f.value = "true";
      } else if (i + 1 < args.size() && !(args[i + 1].size() > 1 && args[i + 1][0] == '-')) {
        f.value = args[++i];
      } else {
        // A value flag at the end (the program would refuse it): keep it
        // visible as present with no value.
        f.value = "";
      }
    }
    if (single && f.name.size() == 1) f.name = long_of(f.name[0]);
    out.push_back(std::move(f));
  }
  return out;
}

std::vector<const ProcessInfo*> processes_named(const HostInfo& host, std::string_view name) {
  auto base = [](std::string_view p) {
    size_t slash = p.rfind('/');
    return slash == std::string_view::npos ? p : p.substr(slash + 1);
  };
  std::vector<const ProcessInfo*> out;
  for (const auto& p : host.processes) {
    // comm is cut to 15 bytes ("kube-controller"): the executable and
    // argv[0] carry the whole name.
    bool match = p.name == name || (!p.exe.empty() && base(p.exe) == name) ||
                 (!p.args.empty() && base(p.args[0]) == name);
    if (match) out.push_back(&p);
  }
  return out;
}

bool parse_int64(std::string_view v, int64_t& out) {
  if (v.empty() || v.size() > 18) return false;
  size_t i = v[0] == '-' ? 1 : 0;
  if (i == v.size()) return false;
  int64_t n = 0;
  for (; i < v.size(); ++i) {
    if (v[i] < '0' || v[i] > '9') return false;
    n = n * 10 + (v[i] - '0');
  }
  out = v[0] == '-' ? -n : n;
  return true;
}

}  // namespace bulwark::compliance
