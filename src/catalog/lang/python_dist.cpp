// Installed Python distributions: the core metadata of every
// *.dist-info/METADATA (wheels, pip), *.egg-info/PKG-INFO and bare *.egg-info
// files (setuptools, Debian's python3-* packages), and *.egg/EGG-INFO/PKG-INFO,
// plus egg-info requires.txt for the dependencies eggs keep outside PKG-INFO.
//
// One file describes one distribution and cannot resolve its dependencies
// alone, so contribute() groups the distributions by the directory they are
// installed in (site-packages, dist-packages, a vendored _vendor directory):
// one application per directory, with Requires-Dist edges resolved by PEP 503
// name among the packages of that directory.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/python_common.hpp"
#include "catalog/lang/text_lines.hpp"

namespace bulwark::catalog {
namespace {

// The whole file may be large (the description body), but only the headers
// are read; a header block larger than this is not metadata we trust.
constexpr int64_t kMaxMetadataFileBytes = 64 << 20;
constexpr size_t kMaxHeaderBytes = 4 << 20;
constexpr int64_t kMaxRequiresBytes = 4 << 20;
// A License field longer than this, or on several lines, is the licence text
// rather than its name.
constexpr size_t kMaxLicenseNameLength = 128;

enum class DistFile { kNone, kMetadata, kRequires };

bool is_egg_info_dir(std::string_view dir) {
  std::string_view base = base_name(dir);
  if (base.size() > 9 && ends_with(base, ".egg-info")) return true;
  // An unpacked egg: foo-1.0-py3.11.egg/EGG-INFO/
  return base == "EGG-INFO" && ends_with(base_name(dir_name(dir)), ".egg");
}

DistFile classify(std::string_view path) {
  std::string_view base = base_name(path);
  std::string_view dir = dir_name(path);
  if (base == "METADATA") return ends_with(base_name(dir), ".dist-info") && base_name(dir).size() > 10 ? DistFile::kMetadata : DistFile::kNone;
  if (base == "PKG-INFO") return is_egg_info_dir(dir) ? DistFile::kMetadata : DistFile::kNone;
  if (base == "requires.txt") return is_egg_info_dir(dir) ? DistFile::kRequires : DistFile::kNone;
  if (base.size() > 9 && ends_with(base, ".egg-info")) return DistFile::kMetadata;  // a file, not a directory
  return DistFile::kNone;
}

// The distribution a file belongs to (its .dist-info/.egg-info directory, or
// the bare .egg-info file itself) and the directory it is installed in.
std::string_view distribution_of(std::string_view path) {
  std::string_view base = base_name(path);
  if (base != "METADATA" && base != "PKG-INFO" && base != "requires.txt") return path;
  std::string_view dir = dir_name(path);
  if (base_name(dir) == "EGG-INFO") return dir_name(dir);
  return dir;
}
std::string_view install_dir_of(std::string_view path) { return dir_name(distribution_of(path)); }

// Reads the body up to the blank line that ends the headers.
Result<std::string> read_headers(const FileEntry& entry) {
  std::string out;
  char buf[64 * 1024];
  for (;;) {
    auto n = entry.body->read(buf, sizeof buf);
    if (!n) return n.error().within(entry.describe());
    if (*n == 0) break;
    size_t from = out.size() < 3 ? 0 : out.size() - 3;
    out.append(buf, *n);
    size_t end = out.find("\n\n", from);
    size_t end_crlf = out.find("\n\r\n", from);
    end = std::min(end, end_crlf);
    if (end != std::string::npos) {
      out.resize(end + 1);
      break;
    }
    if (out.size() > kMaxHeaderBytes) break;  // parse_python_metadata warns
  }
  return out;
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Whether an environment marker uses the "extra" variable: such a requirement
// only applies when the extra was asked for, which nothing installed records.
bool marker_uses_extra(std::string_view marker) {
  for (size_t i = marker.find("extra"); i != std::string_view::npos; i = marker.find("extra", i + 1)) {
    bool left = i == 0 || !is_word_char(marker[i - 1]);
    bool right = i + 5 >= marker.size() || !is_word_char(marker[i + 5]);
    if (left && right) return true;
  }
  return false;
}

// The project name at the start of a requirement ("foo.bar[x] (>=1) ; …").
std::string requirement_name(std::string_view req) {
  req = trim(req);
  size_t n = 0;
  while (n < req.size() && (std::isalnum(static_cast<unsigned char>(req[n])) || req[n] == '.' || req[n] == '_' ||
                            req[n] == '-'))
    ++n;
  return pep503_normalize(req.substr(0, n));
}

void add_unique(std::vector<std::string>& v, std::string s) {
  if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(std::move(s));
}

std::string join_lines(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : "\n") + s;
  return out;
}

std::vector<std::string> split_lines(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    size_t nl = s.find('\n', i);
    if (nl == std::string_view::npos) nl = s.size();
    if (nl > i) out.emplace_back(s.substr(i, nl - i));
    i = nl + 1;
  }
  return out;
}

class PythonDistAnalyzer : public Analyzer {
 public:
  std::string_view name() const override { return "python-dist"; }
  int version() const override { return 1; }
  bool wants(std::string_view path, int64_t size) const override {
    switch (classify(path)) {
      case DistFile::kMetadata: return size <= kMaxMetadataFileBytes;
      case DistFile::kRequires: return size <= kMaxRequiresBytes;
      case DistFile::kNone: return false;
    }
    return false;
  }
  Status analyze(const FileEntry& entry, FileResult& out) const override {
    out.application_type = "python-pkg";
    if (classify(entry.path) == DistFile::kRequires) {
      auto text = entry.read_all(static_cast<size_t>(kMaxRequiresBytes));
      if (!text) return text.error();
      out.facts["requires"] = join_lines(parse_egg_requires(*text));
      return {};
    }
    auto text = read_headers(entry);
    if (!text) return text.error();
    std::vector<std::string> dependencies;
    if (text->size() > kMaxHeaderBytes) {
      out.diagnostics.push_back(make_warning(entry.path, 0,
                                             "metadata headers are larger than " + std::to_string(kMaxHeaderBytes) +
                                                 " bytes; not read"));
      return {};
    }
    if (auto p = parse_python_metadata(*text, entry.path, out.diagnostics, &dependencies)) {
      out.packages.push_back(std::move(*p));
      out.facts["requires"] = join_lines(dependencies);
    }
    return {};
  }

  void contribute(std::span<const FileResult* const> visible, Inventory& inv, std::vector<Finding>& findings,
                  std::vector<Diagnostic>& diags) const override {
    // Install directory -> its distributions; distribution -> requirement names.
    std::map<std::string, std::vector<const FileResult*>, std::less<>> by_dir;
    std::map<std::string, std::vector<std::string>, std::less<>> requires_of;
    for (const FileResult* r : visible) {
      by_dir[std::string(install_dir_of(r->path))].push_back(r);
      auto it = r->facts.find("requires");
      if (it != r->facts.end())
        for (auto& name : split_lines(it->second)) add_unique(requires_of[std::string(distribution_of(r->path))], name);
      findings.insert(findings.end(), r->findings.begin(), r->findings.end());
      diags.insert(diags.end(), r->diagnostics.begin(), r->diagnostics.end());
    }
    for (const auto& [dir, results] : by_dir) {
      python::PackageSet set;
      std::map<std::string, std::vector<size_t>> by_name;  // PEP 503 name -> packages
      std::vector<std::pair<size_t, std::string_view>> dist_of;  // package -> its distribution
      for (const FileResult* r : results)
        for (const Package& p : r->packages) {
          size_t i = set.add(p);
          by_name[pep503_normalize(p.name)].push_back(i);
          dist_of.emplace_back(i, distribution_of(r->path));
        }
      if (set.packages().empty()) continue;
      auto& pkgs = set.packages();
      for (const auto& [i, dist] : dist_of) {
        auto req = requires_of.find(dist);
        if (req == requires_of.end()) continue;
        for (const auto& name : req->second) {
          auto target = by_name.find(name);
          if (target == by_name.end()) continue;
          for (size_t j : target->second) python::add_edge(pkgs[i], pkgs[j].id);
        }
      }
      Application app;
      app.type = "python-pkg";
      app.path = dir;
      app.packages = set.take();
      inv.applications.push_back(std::move(app));
    }
  }
};

}  // namespace

std::optional<Package> parse_python_metadata(std::string_view text, const std::string& path,
                                             std::vector<Diagnostic>& diags, std::vector<std::string>* dependencies) {
  struct Field {
    std::string value;
    int line = 0;
  };
  std::optional<Field> name, version, license, license_expression;
  std::vector<std::string> classifiers;
  std::vector<std::pair<std::string, int>> requires_dist;
  // The field a continuation line extends (nullptr: one we do not keep).
  std::string* current = nullptr;
  int stopped_at = 0;  // a line that is neither header nor continuation ends the headers
  LineReader lines(text);
  std::string_view line;
  while (lines.next(line)) {
    const int line_no = lines.number();
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;  // the description body follows
    if (line.front() == ' ' || line.front() == '\t') {
      if (current) *current += "\n" + std::string(line);
      continue;
    }
    size_t colon = line.find(':');
    bool header = colon != std::string_view::npos && colon > 0;
    for (size_t i = 0; header && i < colon; ++i)
      header = line[i] > ' ' && line[i] < 127;  // RFC 822 field names: printable ASCII, no space
    if (!header) {
      stopped_at = line_no;
      break;
    }
    std::string key = to_lower(line.substr(0, colon));
    std::string value(line.substr(colon + 1));
    value.erase(0, value.find_first_not_of(" \t"));
    current = nullptr;
    // The first Name and Version count, as for Python's email parser.
    auto keep = [&](std::optional<Field>& f) {
      if (f) return;
      f = Field{std::move(value), line_no};
      current = &f->value;
    };
    if (key == "name") {
      keep(name);
    } else if (key == "version") {
      keep(version);
    } else if (key == "license") {
      keep(license);
    } else if (key == "license-expression") {
      keep(license_expression);
    } else if (key == "classifier") {
      classifiers.push_back(std::move(value));
      current = &classifiers.back();
    } else if (key == "requires-dist") {
      requires_dist.emplace_back(std::move(value), line_no);
      current = &requires_dist.back().first;
    }
  }

  auto missing = [&](const char* field) {
    std::string msg = std::string("package metadata has no ") + field;
    if (stopped_at > 0) msg += " before line " + std::to_string(stopped_at) + ", which is not a header";
    diags.push_back(make_warning(path, stopped_at, msg + "; not an installed package"));
    return std::nullopt;
  };
  std::string n = name ? std::string(trim(name->value)) : std::string();
  std::string v = version ? std::string(trim(version->value)) : std::string();
  if (n.empty()) return missing("Name");
  if (v.empty()) return missing("Version");
  if (n.find('\n') != std::string::npos || v.find('\n') != std::string::npos) {
    diags.push_back(make_warning(path, (n.find('\n') != std::string::npos ? name : version)->line,
                                 "package Name or Version spans several lines; not an installed package"));
    return std::nullopt;
  }

  Package p = python::make_package(std::move(n), std::move(v), path);
  auto usable_name = [](std::string_view s) {
    s = trim(s);
    return !s.empty() && s.size() <= kMaxLicenseNameLength && s.find('\n') == std::string_view::npos &&
           s != "UNKNOWN";
  };
  if (license_expression && usable_name(license_expression->value)) {
    p.licenses.emplace_back(trim(license_expression->value));
  } else if (license && usable_name(license->value)) {
    p.licenses.emplace_back(trim(license->value));
  } else {
    // "License :: OSI Approved :: MIT License" -> "MIT License".
    for (const auto& c : classifiers) {
      std::string_view s = trim(c);
      if (!starts_with(s, "License ::")) continue;
      size_t last = s.rfind("::");
      std::string_view leaf = trim(s.substr(last + 2));
      if (leaf.empty() || s == "License :: OSI Approved") continue;
      if (std::find(p.licenses.begin(), p.licenses.end(), leaf) == p.licenses.end()) p.licenses.emplace_back(leaf);
    }
  }
  if (dependencies) {
    for (const auto& [req, line] : requires_dist) {
      size_t semi = req.find(';');
      if (semi != std::string::npos && marker_uses_extra(std::string_view(req).substr(semi + 1))) continue;
      std::string dep = requirement_name(req);
      if (dep.empty()) {
        diags.push_back(make_warning(path, line, "Requires-Dist without a project name: " + std::string(trim(req))));
        continue;
      }
      add_unique(*dependencies, std::move(dep));
    }
  }
  return p;
}

std::vector<std::string> parse_egg_requires(std::string_view text) {
  std::vector<std::string> out;
  bool unconditional = true;  // before any section, or in a "[:marker]" section
  for (const auto& raw : split_lines(text)) {
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '[') {
      // "[extra]" and "[extra:marker]" apply only with the extra; "[:marker]" always.
      unconditional = line.size() >= 2 && line[1] == ':';
      continue;
    }
    if (unconditional) add_unique(out, requirement_name(line));
  }
  return out;
}

std::unique_ptr<Analyzer> make_python_dist_analyzer() { return std::make_unique<PythonDistAnalyzer>(); }

}  // namespace bulwark::catalog
