// dpkg: var/lib/dpkg/status, distroless status.d/, info/*.list file lists and
// DEP-5 copyright files for licences.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "catalog/os/analyzers.hpp"

namespace bulwark::catalog {

namespace {

constexpr std::string_view kStatus = "var/lib/dpkg/status";
constexpr std::string_view kStatusD = "var/lib/dpkg/status.d/";
constexpr std::string_view kInfo = "var/lib/dpkg/info/";
constexpr std::string_view kDoc = "usr/share/doc/";
constexpr size_t kMaxCopyright = 1 << 20;

// Package states whose files are on disk (dpkg(1) "Package states"). Packages
// in "config-files", "half-installed" or "not-installed" have no (complete)
// files and are not reported, matching what is actually installed.
bool state_has_files(std::string_view state) {
  return state == "installed" || state == "triggers-awaited" || state == "triggers-pending" ||
         state == "half-configured" || state == "unpacked";
}

// "libc6 (>= 2.14), libfoo | libbar, perl:any" -> {"libc6", "libfoo", "libbar", "perl"}.
std::vector<std::string> dependency_names(std::string_view field) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < field.size()) {
    size_t end = field.find_first_of(",|", i);
    if (end == std::string_view::npos) end = field.size();
    std::string_view item = trim(field.substr(i, end - i));
    size_t cut = item.find_first_of(" ([<");
    if (cut != std::string_view::npos) item = item.substr(0, cut);
    size_t colon = item.find(':');
    if (colon != std::string_view::npos) item = item.substr(0, colon);
    if (!item.empty()) out.emplace_back(item);
    i = end + 1;
  }
  return out;
}

struct Stanza {
  int line = 0;
  std::map<std::string, std::string> fields;
};

std::vector<Stanza> split_stanzas(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags) {
  std::vector<Stanza> out;
  Stanza cur;
  std::string last_key;
  auto flush = [&] {
    if (!cur.fields.empty()) out.push_back(std::move(cur));
    cur = Stanza{};
    last_key.clear();
  };
  for_each_line(text, [&](int n, std::string_view line) {
    if (trim(line).empty()) {
      flush();
      return;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (last_key.empty()) {
        diags.push_back(make_warning(path, n, "continuation line outside a field"));
        return;
      }
      std::string& v = cur.fields[last_key];
      v.push_back('\n');
      v.append(trim(line));
      return;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      diags.push_back(make_warning(path, n, "line is neither 'Field: value' nor a continuation"));
      return;
    }
    if (cur.fields.empty()) cur.line = n;
    last_key = std::string(line.substr(0, colon));
    cur.fields[last_key] = std::string(trim(line.substr(colon + 1)));
  });
  flush();
  return out;
}

int parse_epoch(std::string_view version) {
  size_t colon = version.find(':');
  if (colon == std::string_view::npos || colon == 0) return 0;
  int e = 0;
  for (size_t i = 0; i < colon; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(version[i]))) return 0;
    e = e * 10 + (version[i] - '0');
    if (e > 1'000'000) return 0;
  }
  return e;
}

// Packages with their raw dependency and provides names (resolved later, once
// every database file of the image is known).
struct ParsedStatus {
  std::vector<Package> packages;
  std::vector<std::vector<std::string>> depends;
  std::vector<std::vector<std::string>> provides;
};

ParsedStatus parse_status(std::string_view text, const std::string& path, bool require_status,
                          std::vector<Diagnostic>& diags) {
  ParsedStatus out;
  for (auto& st : split_stanzas(text, path, diags)) {
    auto get = [&](const char* k) {
      auto it = st.fields.find(k);
      return it == st.fields.end() ? std::string() : it->second;
    };
    std::string name = get("Package");
    std::string version = get("Version");
    std::string status = get("Status");
    if (name.empty()) {
      diags.push_back(make_warning(path, st.line, "stanza has no Package field"));
      continue;
    }
    if (status.empty() && require_status) {
      // Every stanza of var/lib/dpkg/status has one; without it we cannot
      // tell whether the package is installed, so say so instead of guessing.
      diags.push_back(make_warning(path, st.line, "package " + name + " has no Status field"));
      continue;
    }
    if (!status.empty()) {
      // "want flag state" (e.g. "install ok installed"): the last word is the
      // state. Anything else is a damaged record whose state cannot be told.
      std::vector<std::string_view> words;
      for (std::string_view rest = trim(status); !rest.empty();) {
        size_t sp = rest.find_first_of(" \t");
        words.push_back(rest.substr(0, sp));
        rest = sp == std::string_view::npos ? std::string_view() : trim(rest.substr(sp));
      }
      if (words.size() != 3) {
        diags.push_back(make_warning(path, st.line, "package " + name + " has a Status that is not 'want flag state': '" +
                                                        status.substr(0, 80) + "'"));
        continue;
      }
      if (!state_has_files(words[2])) continue;
    }
    if (version.empty()) {
      diags.push_back(make_warning(path, st.line, "package " + name + " has no Version field"));
      continue;
    }
    Package p;
    p.ecosystem = "deb";
    p.name = name;
    p.version = version;
    p.epoch = parse_epoch(version);
    p.arch = get("Architecture");
    p.maintainer = get("Maintainer");
    std::string source = get("Source");
    if (source.empty()) {
      p.src_name = name;
      p.src_version = version;
    } else {
      size_t paren = source.find('(');
      if (paren == std::string::npos) {
        p.src_name = std::string(trim(source));
        p.src_version = version;
      } else {
        p.src_name = std::string(trim(std::string_view(source).substr(0, paren)));
        size_t close = source.find(')', paren);
        p.src_version = std::string(trim(std::string_view(source).substr(paren + 1, close - paren - 1)));
      }
    }
    p.location.path = path;
    p.location.line = st.line;
    std::vector<std::string> deps = dependency_names(get("Depends"));
    for (auto& d : dependency_names(get("Pre-Depends"))) deps.push_back(std::move(d));
    out.depends.push_back(std::move(deps));
    out.provides.push_back(dependency_names(get("Provides")));
    out.packages.push_back(std::move(p));
  }
  return out;
}

// DEP-5 machine-readable copyright: every "License:" short name, in order.
std::vector<std::string> copyright_licenses(std::string_view text) {
  std::vector<std::string> out;
  for_each_line(text, [&](int, std::string_view line) {
    if (!starts_with(line, "License:")) return;
    std::string_view v = trim(line.substr(8));
    // "License: Zlib," appears in real files: the separator is not part of the name.
    while (!v.empty() && (v.back() == ',' || v.back() == ';')) v = trim(v.substr(0, v.size() - 1));
    if (v.empty()) return;
    // "GPL-2+ or Artistic" and "LGPL-2.1+ with exception" stay whole: they are one expression.
    std::string lic(v);
    if (std::find(out.begin(), out.end(), lic) == out.end()) out.push_back(lic);
  });
  return out;
}

class DpkgAnalyzer : public Analyzer {
 public:
  std::string_view name() const override { return "dpkg"; }
  int version() const override { return 3; }

  bool wants(std::string_view path, int64_t) const override {
    if (path == kStatus) return true;
    if (starts_with(path, kStatusD)) return !ends_with(path, ".md5sums") && path.size() > kStatusD.size();
    if (starts_with(path, kInfo)) return ends_with(path, ".list") && path.find('/', kInfo.size()) == std::string_view::npos;
    if (starts_with(path, kDoc) && ends_with(path, "/copyright")) {
      // usr/share/doc/<package>/copyright, nothing deeper or shallower.
      std::string_view rest = path.substr(kDoc.size());
      size_t slash = rest.find('/');
      return slash != std::string_view::npos && slash > 0 && rest.substr(slash) == "/copyright";
    }
    return false;
  }

  Status analyze(const FileEntry& entry, FileResult& out) const override {
    std::string_view path = entry.path;
    if (starts_with(path, kDoc)) {
      auto text = entry.read_all(kMaxCopyright);
      if (!text) return text.error();
      auto lics = copyright_licenses(*text);
      std::string pkg(path.substr(kDoc.size(), path.size() - kDoc.size() - std::string_view("/copyright").size()));
      std::string joined;
      for (const auto& l : lics) joined += (joined.empty() ? "" : "\n") + l;
      if (!joined.empty()) out.facts["license:" + pkg] = joined;
      return {};
    }
    auto text = entry.read_all(limits().max_file_read);
    if (!text) return text.error();
    if (starts_with(path, kInfo)) {
      std::string pkg(base_name(path));
      pkg.resize(pkg.size() - 5);  // ".list"
      // "libc6:amd64.list" for Multi-Arch: same packages: the key keeps the
      // architecture so that libc6:amd64 and libc6:i386 keep their own lists.
      std::vector<std::string> files;
      for_each_line(*text, [&](int, std::string_view line) {
        if (!line.empty() && line != "/.") files.emplace_back(line);
      });
      out.package_files[pkg] = std::move(files);
      return {};
    }
    bool status_d = starts_with(path, kStatusD);
    ParsedStatus parsed = parse_status(*text, entry.path, !status_d, out.diagnostics);
    for (size_t i = 0; i < parsed.packages.size(); ++i) {
      // Keyed by name:arch, so that both halves of a Multi-Arch: same pair keep
      // their own lists.
      const std::string n = parsed.packages[i].name + ":" + parsed.packages[i].arch;
      std::string deps, provides;
      for (const auto& d : parsed.depends[i]) deps += (deps.empty() ? "" : " ") + d;
      for (const auto& d : parsed.provides[i]) provides += (provides.empty() ? "" : " ") + d;
      if (!deps.empty()) out.facts["depends:" + n] = deps;
      if (!provides.empty()) out.facts["provides:" + n] = provides;
    }
    out.packages = std::move(parsed.packages);
    return {};
  }

  void contribute(std::span<const FileResult* const> visible, Inventory& inv, std::vector<Finding>&,
                  std::vector<Diagnostic>& diags) const override {
    std::vector<Package> packages;
    std::map<std::string, std::vector<std::string>> files;
    std::map<std::string, std::vector<std::string>> licenses;
    std::map<std::string, std::vector<std::string>> depends, provides;
    auto split = [](const std::string& s, char sep) {
      std::vector<std::string> v;
      size_t i = 0;
      while (i <= s.size()) {
        size_t e = s.find(sep, i);
        if (e == std::string::npos) e = s.size();
        if (e > i) v.push_back(s.substr(i, e - i));
        i = e + 1;
      }
      return v;
    };
    for (const FileResult* r : visible) {
      diags.insert(diags.end(), r->diagnostics.begin(), r->diagnostics.end());
      for (const auto& [k, v] : r->package_files) files[k] = v;
      for (const auto& [k, v] : r->facts) {
        if (starts_with(k, "license:")) licenses[k.substr(8)] = split(v, '\n');
        else if (starts_with(k, "depends:")) depends[k.substr(8)] = split(v, ' ');
        else if (starts_with(k, "provides:")) provides[k.substr(9)] = split(v, ' ');
      }
      packages.insert(packages.end(), r->packages.begin(), r->packages.end());
    }
    if (packages.empty()) return;
    std::vector<std::vector<std::string>> wanted, provided;
    for (auto& p : packages) {
      auto f = files.find(p.name + ":" + p.arch);
      if (f == files.end()) f = files.find(p.name);
      if (f != files.end()) p.installed_files = f->second;
      auto l = licenses.find(p.name);
      if (l != licenses.end()) p.licenses = l->second;
      wanted.push_back(depends[p.name + ":" + p.arch]);
      provided.push_back(provides[p.name + ":" + p.arch]);
    }
    resolve_dependencies(packages, wanted, provided);
    for (auto& p : packages) p.id.clear();  // assigned after merge, with the final OS
    inv.packages.insert(inv.packages.end(), std::make_move_iterator(packages.begin()),
                        std::make_move_iterator(packages.end()));
  }
};

}  // namespace

std::vector<Package> parse_dpkg_status(std::string_view text, const std::string& path,
                                       std::vector<Diagnostic>& diags) {
  bool status_d = path.find("status.d/") != std::string::npos;
  ParsedStatus parsed = parse_status(text, path, !status_d, diags);
  resolve_dependencies(parsed.packages, parsed.depends, parsed.provides);
  return parsed.packages;
}

std::unique_ptr<Analyzer> make_dpkg_analyzer() { return std::make_unique<DpkgAnalyzer>(); }

}  // namespace bulwark::catalog
