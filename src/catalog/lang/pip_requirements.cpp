// pip requirements files: requirements.txt and its common variants
// (dev-requirements.txt, requirements-dev.txt, requirements/base.txt).
//
// A requirement is a package only when it pins one version (== without a
// wildcard, or ===), as Trivy does: ranges, bare names, URLs and local paths
// say nothing about what is installed. pip-compile and uv annotate their
// output with "# via" comments; where a file has them, they give the
// relationship (a requirement "via -r <file>" or via the project itself is
// direct, the rest transitive) and the dependency edges.
//
// "-r other.txt" includes are resolved in contribute(), over the other
// requirements files of the scan: a file's application lists its own packages
// and those of the files it includes (transitively, each file once, so cycles
// end). "-c" constraint files only narrow versions and add nothing.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/format_analyzer.hpp"
#include "catalog/lang/python_common.hpp"
#include "catalog/lang/text_lines.hpp"

namespace bulwark::catalog {
namespace {

constexpr int64_t kMaxRequirementsBytes = 16 << 20;
// One logical line (after joining "\" continuations): a requirement with a
// hundred --hash options is a few kilobytes.
constexpr size_t kMaxLineBytes = 1 << 20;
// "-r" lines per file, and files one application may pull in through them.
constexpr size_t kMaxIncludesPerFile = 256;
constexpr size_t kMaxIncludedFiles = 64;

bool is_requirements_file(std::string_view path) {
  // Asked for every file of every layer: the cheap test first.
  std::string_view raw = base_name(path);
  if (raw.size() < 4 || to_lower(raw.substr(raw.size() - 4)) != ".txt") return false;
  if (python::in_installed_tree(path)) return false;
  std::string base = to_lower(raw);
  if (ends_with(base, "requirements.txt") || starts_with(base, "requirements")) return true;
  // The pip-tools layout: requirements/base.txt, requirements/production.txt.
  return to_lower(base_name(dir_name(path))) == "requirements";
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\v'; }
bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
}

// pip's options in requirements files; those that take a value are listed
// with it. Per-requirement options (--hash, -C) come after a requirement.
struct OptionSpec {
  std::string_view short_name, long_name;
  bool takes_value;
};
constexpr OptionSpec kOptions[] = {
    {"-r", "--requirement", true},     {"-c", "--constraint", true},       {"-e", "--editable", true},
    {"-i", "--index-url", true},       {"", "--extra-index-url", true},    {"", "--no-index", false},
    {"-f", "--find-links", true},      {"", "--no-binary", true},          {"", "--only-binary", true},
    {"", "--prefer-binary", false},    {"", "--require-hashes", false},    {"", "--pre", false},
    {"", "--trusted-host", true},      {"", "--use-feature", true},        {"", "--hash", true},
    {"", "--global-option", true},     {"-C", "--config-settings", true},  {"", "--install-option", true},
    {"-Z", "--always-unzip", false},
};

struct Option {
  const OptionSpec* spec = nullptr;
  std::string value;
};

// Parses a line that starts with "-": "-r file", "-rfile", "--requirement=file",
// "--requirement file".
std::optional<Option> parse_option(std::string_view line) {
  size_t end = 0;
  while (end < line.size() && !is_space(line[end]) && line[end] != '=') ++end;
  std::string_view word = line.substr(0, end);
  for (const auto& spec : kOptions) {
    std::string_view rest;
    if (!spec.long_name.empty() && word == spec.long_name) {
      rest = line.substr(end);
      if (!rest.empty() && rest.front() == '=') rest.remove_prefix(1);
    } else if (!spec.short_name.empty() && starts_with(line, spec.short_name)) {
      rest = line.substr(spec.short_name.size());  // "-rfile" or "-r file"
    } else {
      continue;
    }
    Option o;
    o.spec = &spec;
    if (spec.takes_value) {
      rest = trim(rest);
      size_t stop = 0;
      while (stop < rest.size() && !is_space(rest[stop])) ++stop;
      o.value = std::string(rest.substr(0, stop));
    }
    return o;
  }
  return std::nullopt;
}

// What one requirement line says.
struct Requirement {
  std::string name;
  std::string version;  // the pinned version, empty when not pinned
  std::string problem;  // why the line is not a requirement, empty when it is
  bool reference = false;  // a URL or path: no version to report
};

// Whether a string is a version a pin can name: PEP 440 characters, no spaces.
bool plausible_version(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '*' || c == '+' || c == '!' ||
          c == '-' || c == '_'))
      return false;
  return true;
}

// Parses the PEP 508 requirement in `s` (comments and per-requirement options
// already removed).
Requirement parse_requirement(std::string_view s) {
  Requirement r;
  // URLs and local paths: "./pkg.whl", "/tmp/x.tar.gz", "https://…", "git+https://…".
  // A URL, unless it follows "name @" (a direct reference, parsed below).
  if (size_t scheme = s.find("://"); scheme != std::string_view::npos && s.substr(0, scheme).find('@') == std::string_view::npos) {
    r.reference = true;
    return r;
  }
  if (s.front() == '.' || s.front() == '/' || s.front() == '~' ||
      (s.size() > 2 && std::isalpha(static_cast<unsigned char>(s[0])) && s[1] == ':' && (s[2] == '\\' || s[2] == '/'))) {
    r.reference = true;
    return r;
  }
  size_t i = 0;
  while (i < s.size() && is_name_char(s[i])) ++i;
  r.name = std::string(s.substr(0, i));
  if (i < s.size() && (s[i] == '/' || s[i] == '\\')) {  // "downloads/numpy.whl": a local path
    r.reference = true;
    return r;
  }
  auto bad = [&](std::string why) {
    r.problem = std::move(why);
    return r;
  };
  if (r.name.empty() || !std::isalnum(static_cast<unsigned char>(r.name.front())) ||
      !std::isalnum(static_cast<unsigned char>(r.name.back())))
    return bad("not a requirement (no valid project name)");
  auto skip_space = [&] {
    while (i < s.size() && is_space(s[i])) ++i;
  };
  skip_space();
  if (i < s.size() && s[i] == '[') {
    size_t close = s.find(']', i);
    if (close == std::string_view::npos) return bad("extras are not closed with ']'");
    for (size_t k = i + 1; k < close; ++k)
      if (!is_name_char(s[k]) && s[k] != ',' && !is_space(s[k])) return bad("extras hold a character that is not allowed");
    i = close + 1;
    skip_space();
  }
  if (i == s.size() || s[i] == ';') return r;  // a bare name, maybe with a marker: not pinned
  if (s[i] == '@') {
    r.reference = true;  // "name @ https://…": a direct reference
    return r;
  }
  std::string_view specs = s.substr(i);
  size_t semi = specs.find(';');
  if (semi != std::string_view::npos) specs = specs.substr(0, semi);
  specs = trim(specs);
  if (!specs.empty() && specs.front() == '(') {  // "name (>=1.0)"
    if (specs.back() != ')') return bad("version specifier is not closed with ')'");
    specs = trim(specs.substr(1, specs.size() - 2));
  }
  if (specs.empty()) return r;
  size_t pos = 0;
  while (pos <= specs.size()) {
    size_t comma = specs.find(',', pos);
    if (comma == std::string_view::npos) comma = specs.size();
    std::string_view spec = trim(specs.substr(pos, comma - pos));
    pos = comma + 1;
    static constexpr std::string_view kOps[] = {"===", "==", "!=", "<=", ">=", "~=", "<", ">"};
    std::string_view op;
    for (auto o : kOps)
      if (starts_with(spec, o)) {
        op = o;
        break;
      }
    if (op.empty()) return bad("not a version specifier: '" + std::string(spec) + "'");
    std::string_view v = trim(spec.substr(op.size()));
    if (v.empty()) return bad("no version after '" + std::string(op) + "'");
    if (v.find("${") != std::string_view::npos)
      return bad("the version comes from an environment variable (" + std::string(v) + ")");
    if (op == "===") {
      // Arbitrary equality: any string without spaces.
      if (std::any_of(v.begin(), v.end(), [](char c) { return is_space(c); }))
        return bad("version '" + std::string(v) + "' holds spaces");
      if (r.version.empty()) r.version = std::string(v);
      continue;
    }
    if (!plausible_version(v)) return bad("not a version: '" + std::string(v) + "'");
    // PEP 440: a wildcard only as the last component of == and !=.
    size_t star = v.find('*');
    if (star != std::string_view::npos &&
        ((op != "==" && op != "!=") || star + 1 != v.size() || star < 2 || v[star - 1] != '.'))
      return bad("not a valid version wildcard: '" + std::string(op) + std::string(v) + "'");
    if (op == "==" && v.find('*') == std::string_view::npos && r.version.empty()) r.version = std::string(v);
  }
  return r;
}

// Where the comment of a line starts: a '#' at the start or after whitespace
// (pip's rule), or any '#' in a line that is not a URL (pip would reject
// "name==1.0#note"; Trivy reads it as a comment, and so does Bulwark).
size_t comment_start(std::string_view line) {
  for (size_t i = 0; i < line.size(); ++i)
    if (line[i] == '#' && (i == 0 || is_space(line[i - 1]))) return i;
  if (line.find("://") == std::string_view::npos) return line.find('#');
  return std::string_view::npos;
}

// Cuts the per-requirement options ("--hash=…", "-C x") off a requirement.
std::string_view without_options(std::string_view s) {
  for (size_t i = 1; i < s.size(); ++i)
    if (s[i] == '-' && is_space(s[i - 1]) && i + 1 < s.size() && (s[i + 1] == '-' || std::isalpha(static_cast<unsigned char>(s[i + 1]))))
      return trim(s.substr(0, i));
  return trim(s);
}

std::vector<std::string> split_via_items(std::string_view s) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t comma = s.find(',', pos);
    if (comma == std::string_view::npos) comma = s.size();
    std::string_view item = trim(s.substr(pos, comma - pos));
    if (!item.empty()) out.emplace_back(item);
    pos = comma + 1;
  }
  return out;
}

// "via x" with x an option ("-r requirements.in") or the project itself
// ("myapp (pyproject.toml)") marks what the project asked for.
bool via_marks_direct(std::string_view item) {
  return starts_with(item, "-r") || (item.find(" (") != std::string_view::npos && item.back() == ')');
}

// The packages of one file, and its "-r" includes as facts ("include.<i>":
// "<line>\t<path>") for contribute() to follow.
void read_requirements(std::string_view text, const std::string& path, FileResult& out) {
  std::vector<RequirementsInclude> includes;
  out.packages = parse_requirements_txt(text, path, out.diagnostics, &includes);
  for (size_t i = 0; i < includes.size(); ++i)
    out.facts["include." + std::to_string(i)] = std::to_string(includes[i].line) + "\t" + includes[i].path;
}

constexpr FileFormat kFormat{
    .name = "pip-requirements",
    .version = 1,
    .application_type = "pip",
    .read = read_requirements,
    .max_bytes = kMaxRequirementsBytes,
    .wants_path = is_requirements_file,
};

class PipRequirementsAnalyzer : public FormatAnalyzer {
 public:
  PipRequirementsAnalyzer() : FormatAnalyzer(kFormat) {}
  void contribute(std::span<const FileResult* const> visible, Inventory& inv, std::vector<Finding>& findings,
                  std::vector<Diagnostic>& diags) const override {
    std::map<std::string_view, const FileResult*> by_path;
    for (const FileResult* r : visible) by_path[r->path] = r;
    auto includes_of = [](const FileResult& r) {
      std::vector<RequirementsInclude> out;
      for (const auto& [key, value] : r.facts) {
        if (!starts_with(key, "include.")) continue;
        size_t tab = value.find('\t');
        if (tab == std::string::npos) continue;
        RequirementsInclude inc;
        inc.line = std::atoi(value.substr(0, tab).c_str());
        inc.path = value.substr(tab + 1);
        out.push_back(std::move(inc));
      }
      std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
      return out;
    };
    for (const FileResult* r : visible) {
      findings.insert(findings.end(), r->findings.begin(), r->findings.end());
      diags.insert(diags.end(), r->diagnostics.begin(), r->diagnostics.end());
      python::PackageSet set;
      for (const auto& p : r->packages) set.add(p);
      // Breadth first over the includes; each file once, so cycles end.
      std::set<std::string_view> seen{r->path};
      std::vector<const FileResult*> queue{r};
      bool over_limit = false;
      for (size_t q = 0; q < queue.size(); ++q) {
        for (const auto& inc : includes_of(*queue[q])) {
          auto it = by_path.find(inc.path);
          if (it == by_path.end()) {
            // Reported by the file that names it, once.
            if (queue[q] == r)
              diags.push_back(make_warning(r->path, inc.line,
                                           "included requirements file " + inc.path +
                                               " is not in the scan (or not named like a requirements file); "
                                               "its packages are not listed"));
            continue;
          }
          if (!seen.insert(it->first).second) continue;
          if (seen.size() > kMaxIncludedFiles + 1) {
            if (!over_limit)
              diags.push_back(make_warning(r->path, 0,
                                           "more than " + std::to_string(kMaxIncludedFiles) +
                                               " included requirements files; the rest are not followed"));
            over_limit = true;
            break;
          }
          queue.push_back(it->second);
          for (const auto& p : it->second->packages) set.add(p);
        }
        if (over_limit) break;
      }
      if (set.packages().empty()) continue;
      Application app;
      app.type = r->application_type.empty() ? "pip" : r->application_type;
      app.path = r->path;
      app.packages = set.take();
      inv.applications.push_back(std::move(app));
    }
  }
};

}  // namespace

std::vector<Package> parse_requirements_txt(std::string_view raw, const std::string& path,
                                            std::vector<Diagnostic>& diags,
                                            std::vector<RequirementsInclude>* includes) {
  auto warn = [&](int line, std::string msg) { diags.push_back(make_warning(path, line, std::move(msg))); };
  std::string text;
  std::string encoding_error;
  if (!python::to_utf8(raw, text, encoding_error)) {
    warn(0, "requirements file is not readable text: " + encoding_error);
    return {};
  }

  struct Entry {
    size_t package = 0;  // index in the set
    std::vector<std::string> via;
  };
  python::PackageSet set;
  std::vector<Entry> entries;
  bool annotated = false;         // the file has "# via" annotations (pip-compile, uv)
  int last_entry = -1;            // the requirement a "# via" comment belongs to
  bool in_via_block = false;      // after a bare "# via" line
  size_t include_count = 0;
  const std::string dir(dir_name(path));

  auto on_comment = [&](std::string_view comment) {  // text after '#'
    std::string_view t = trim(comment);
    if (t == "via") {
      in_via_block = true;
      annotated = true;
      return;
    }
    if (starts_with(t, "via ")) {
      annotated = true;
      in_via_block = false;
      if (last_entry >= 0)
        for (auto& item : split_via_items(t.substr(4))) entries[static_cast<size_t>(last_entry)].via.push_back(item);
      return;
    }
    // Items of a "# via" block are indented: "#   flask".
    if (in_via_block && starts_with(comment, "  ") && !t.empty()) {
      if (last_entry >= 0) entries[static_cast<size_t>(last_entry)].via.emplace_back(t);
      return;
    }
    in_via_block = false;
  };

  auto on_line = [&](std::string_view line, int line_no) {
    if (line.size() > kMaxLineBytes) {
      warn(line_no, "line is longer than " + std::to_string(kMaxLineBytes) + " bytes; skipped");
      last_entry = -1;
      return;
    }
    size_t hash = comment_start(line);
    std::string_view body = trim(line.substr(0, hash));
    if (body.empty()) {
      if (hash != std::string_view::npos) on_comment(line.substr(hash + 1));
      return;
    }
    in_via_block = false;
    last_entry = -1;
    if (body.front() == '-') {
      auto opt = parse_option(body);
      if (!opt) {
        warn(line_no, "unknown pip option: " + std::string(body.substr(0, body.find_first_of(" \t="))));
        return;
      }
      if (opt->spec->takes_value && opt->value.empty()) {
        warn(line_no, "pip option " + std::string(opt->spec->long_name) + " has no value");
        return;
      }
      if (opt->spec->long_name != "--requirement" || !includes) return;
      const std::string& target = opt->value;
      if (target.find("://") != std::string::npos) {
        warn(line_no, "remote requirements file " + target + " is not followed");
        return;
      }
      if (target.find("${") != std::string::npos) {
        warn(line_no, "requirements file name " + target + " depends on an environment variable; not followed");
        return;
      }
      auto resolved = clean_path(target.front() == '/' || dir.empty() ? target : dir + "/" + target);
      if (!resolved || resolved->empty()) {
        warn(line_no, "included requirements file " + target + " is outside the scanned tree; not followed");
        return;
      }
      if (++include_count > kMaxIncludesPerFile) {
        if (include_count == kMaxIncludesPerFile + 1)
          warn(line_no, "more than " + std::to_string(kMaxIncludesPerFile) + " -r lines; the rest are not followed");
        return;
      }
      includes->push_back(RequirementsInclude{std::move(*resolved), line_no});
      if (hash != std::string_view::npos) on_comment(line.substr(hash + 1));
      return;
    }
    Requirement req = parse_requirement(without_options(body));
    if (!req.problem.empty()) {
      warn(line_no, req.problem + ": " + std::string(body.substr(0, 200)));
      return;
    }
    if (req.reference || req.version.empty()) return;  // not pinned: nothing to report
    size_t index = set.add(python::make_package(req.name, req.version, path, line_no));
    entries.push_back(Entry{index, {}});
    last_entry = static_cast<int>(entries.size() - 1);
    if (hash != std::string_view::npos) on_comment(line.substr(hash + 1));  // "name==1.0  # via x"
  };

  // Physical lines to logical lines: a line ending in '\' continues on the
  // next; a comment line ends a continuation and never continues itself.
  std::string logical;
  int logical_start = 0;
  bool continuing = false;
  LineReader lines(text);
  std::string_view line;
  while (lines.next(line)) {
    const int line_no = lines.number();
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view stripped = line;
    while (!stripped.empty() && is_space(stripped.back())) stripped.remove_suffix(1);
    size_t first = stripped.find_first_not_of(" \t");
    bool comment_line = first != std::string_view::npos && stripped[first] == '#';
    if (comment_line) {
      if (continuing) {
        on_line(logical, logical_start);
        continuing = false;
        logical.clear();
      }
      on_line(line, line_no);
      continue;
    }
    if (!continuing) {
      logical.clear();
      logical_start = line_no;
    }
    bool continues = !stripped.empty() && stripped.back() == '\\';
    if (continues) stripped.remove_suffix(1);
    if (logical.size() <= kMaxLineBytes) logical.append(continues ? stripped : line);
    continuing = continues;
    if (!continuing) on_line(logical, logical_start);
  }
  if (continuing) on_line(logical, logical_start);  // a "\" on the last line

  if (annotated) {
    auto& pkgs = set.packages();
    std::map<std::string, std::vector<size_t>> by_name;
    for (size_t i = 0; i < pkgs.size(); ++i) by_name[pep503_normalize(pkgs[i].name)].push_back(i);
    std::vector<int> direct(pkgs.size(), 0), annotated_pkg(pkgs.size(), 0);
    for (const auto& e : entries) {
      if (!e.via.empty()) annotated_pkg[e.package] = 1;
      for (const auto& item : e.via) {
        if (via_marks_direct(item)) {
          direct[e.package] = 1;
          continue;
        }
        if (item.front() == '-') continue;  // "-c constraints.txt"
        std::string name = item.substr(0, item.find('['));
        auto it = by_name.find(pep503_normalize(name));
        if (it == by_name.end()) continue;
        for (size_t parent : it->second) python::add_edge(pkgs[parent], pkgs[e.package].id);
      }
    }
    for (size_t i = 0; i < pkgs.size(); ++i)
      if (direct[i])
        pkgs[i].relationship = Relationship::kDirect;
      else if (annotated_pkg[i])
        pkgs[i].relationship = Relationship::kTransitive;
  }
  return set.take();
}

std::unique_ptr<Analyzer> make_pip_requirements_analyzer() { return std::make_unique<PipRequirementsAnalyzer>(); }

}  // namespace bulwark::catalog
