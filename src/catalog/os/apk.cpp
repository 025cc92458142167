// apk: lib/apk/db/installed (Alpine, Wolfi, Chainguard).
#include <algorithm>
#include <cctype>

#include "catalog/os/analyzers.hpp"

namespace bulwark::catalog {

namespace {

constexpr std::string_view kInstalled = "lib/apk/db/installed";

// "so:libc.musl-x86_64.so.1", "cmd:busybox=1.36", "pc:zlib>=1.2" -> the name
// before any version operator.
std::string dep_name(std::string_view token) {
  if (!token.empty() && token.front() == '!') return {};  // a conflict, not a dependency
  size_t cut = token.find_first_of("=<>~");
  return std::string(token.substr(0, cut));
}

std::vector<std::string> tokens(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t e = s.find(' ', i);
    if (e == std::string_view::npos) e = s.size();
    if (e > i) out.emplace_back(s.substr(i, e - i));
    i = e;
  }
  return out;
}

struct ParsedApk {
  std::vector<Package> packages;
  std::vector<std::vector<std::string>> depends;
  std::vector<std::vector<std::string>> provides;
};

ParsedApk parse(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags) {
  ParsedApk out;
  Package cur;
  std::vector<std::string> deps, provs;
  std::string dir;
  int start_line = 0;
  auto flush = [&](int line) {
    if (!cur.name.empty() || !cur.version.empty()) {
      if (cur.name.empty() || cur.version.empty()) {
        diags.push_back(make_warning(path, start_line, "package record without P: or V: field"));
      } else {
        if (cur.src_name.empty()) cur.src_name = cur.name;
        cur.src_version = cur.version;
        // apk meets a dependency on a path ("D:/bin/sh") with the package that
        // owns that file, as well as with one that declares it in p:.
        provs.insert(provs.end(), cur.installed_files.begin(), cur.installed_files.end());
        out.packages.push_back(std::move(cur));
        out.depends.push_back(std::move(deps));
        out.provides.push_back(std::move(provs));
      }
    }
    cur = Package{};
    cur.ecosystem = "apk";
    cur.location.path = path;
    deps.clear();
    provs.clear();
    dir.clear();
    start_line = line + 1;
  };
  flush(0);
  for_each_line(text, [&](int n, std::string_view line) {
    if (line.empty()) {
      flush(n);
      return;
    }
    if (line.size() < 2 || line[1] != ':') {
      diags.push_back(make_warning(path, n, "line is not 'X:value'"));
      return;
    }
    if (cur.name.empty() && cur.version.empty() && cur.location.line == 0) cur.location.line = n;
    std::string_view v = line.substr(2);
    switch (line[0]) {
      case 'P': cur.name = std::string(v); break;
      case 'V': cur.version = std::string(v); break;
      case 'A': cur.arch = std::string(v); break;
      case 'L':
        if (!v.empty()) cur.licenses = {std::string(v)};
        break;
      case 'o': cur.src_name = std::string(v); break;
      case 'm': cur.maintainer = std::string(v); break;
      case 'C': cur.digest = std::string(v); break;  // "Q1" + base64 SHA-1 of the control data
      case 'D':
        for (const auto& t : tokens(v))
          if (auto d = dep_name(t); !d.empty()) deps.push_back(d);
        break;
      case 'p':
        for (const auto& t : tokens(v))
          if (auto d = dep_name(t); !d.empty()) provs.push_back(d);
        break;
      case 'F': dir = std::string(v); break;
      case 'R':
        cur.installed_files.push_back("/" + (dir.empty() ? std::string(v) : dir + "/" + std::string(v)));
        break;
      default: break;  // other fields (T, U, S, I, t, c, M, a, Z, …) carry nothing we report
    }
  });
  flush(0);
  return out;
}

class ApkAnalyzer : public Analyzer {
 public:
  std::string_view name() const override { return "apk"; }
  int version() const override { return 2; }
  bool wants(std::string_view path, int64_t) const override { return path == kInstalled; }

  Status analyze(const FileEntry& entry, FileResult& out) const override {
    auto text = entry.read_all(limits().max_file_read);
    if (!text) return text.error();
    out.packages = parse_apk_installed(*text, entry.path, out.diagnostics);
    // Edges are resolved (depends_on holds ids); ids themselves are assigned after merge.
    for (auto& p : out.packages) p.id.clear();
    return {};
  }
};

}  // namespace

std::vector<Package> parse_apk_installed(std::string_view text, const std::string& path,
                                         std::vector<Diagnostic>& diags) {
  ParsedApk parsed = parse(text, path, diags);
  resolve_dependencies(parsed.packages, parsed.depends, parsed.provides);
  return std::move(parsed.packages);
}

std::unique_ptr<Analyzer> make_apk_analyzer() { return std::make_unique<ApkAnalyzer>(); }

}  // namespace bulwark::catalog
