// Installed gems: the specification RubyGems writes for every installed gem,
// <gem dir>/specifications/<name>-<version>[-<platform>].gemspec (and
// specifications/default/ for the gems that ship with Ruby). These are Ruby
// code that RubyGems generates with Gem::Specification#to_ruby:
//
//   # stub: nokogiri 1.16.0 x86_64-linux lib
//   Gem::Specification.new do |s|
//     s.name = "nokogiri".freeze
//     s.version = "1.16.0"
//     s.platform = "x86_64-linux".freeze
//     s.licenses = ["MIT".freeze]
//
// Bulwark never evaluates them. A small line scanner reads the assignments to
// the block variable whose value is a literal: "…", '…', %q{…} (any
// delimiter), Gem::Version.new("…"), each optionally .freeze, and arrays of
// those (or %w[…]) for licenses. The "# stub:" line RubyGems writes first
// stands in when an assignment is missing or not a literal.
#include <cctype>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/format_analyzer.hpp"
#include "catalog/lang/text_lines.hpp"

namespace bulwark::catalog {
namespace {

constexpr int64_t kMaxGemspecBytes = 4 << 20;

bool is_spec_path(std::string_view path) {
  std::string_view base = base_name(path);
  if (!base.ends_with(".gemspec") || base.size() == 8) return false;
  std::string_view dir = dir_name(path);
  if (base_name(dir) == "specifications") return true;
  return base_name(dir) == "default" && base_name(dir_name(dir)) == "specifications";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

char closing_of(char open) {
  switch (open) {
    case '{': return '}';
    case '(': return ')';
    case '[': return ']';
    case '<': return '>';
    default: return open;
  }
}

// Reads one Ruby string literal at the front of `v` (consuming it and a
// trailing .freeze). False when the front is not a literal Bulwark can read
// without running Ruby (interpolation, a constant, a method call).
bool read_literal(std::string_view& v, std::string& out, bool in_version_call = false) {
  out.clear();
  v = trim(v);
  if (!in_version_call && (v.starts_with("Gem::Version.new(") || v.starts_with("Gem::Version.create("))) {
    v.remove_prefix(v.find('(') + 1);
    if (!read_literal(v, out, true)) return false;
    v = trim(v);
    if (!v.starts_with(")")) return false;
    v.remove_prefix(1);
  } else if (!v.empty() && (v[0] == '"' || v[0] == '\'')) {
    char q = v[0];
    size_t i = 1;
    for (;; ++i) {
      if (i >= v.size()) return false;
      char c = v[i];
      if (c == q) break;
      if (c == '\\' && i + 1 < v.size()) {
        char e = v[++i];
        if (q == '\'' && e != '\'' && e != '\\') out.push_back('\\');
        out.push_back(e == 'n' && q == '"' ? '\n' : (e == 't' && q == '"' ? '\t' : e));
        continue;
      }
      if (q == '"' && c == '#' && i + 1 < v.size() && (v[i + 1] == '{' || v[i + 1] == '@' || v[i + 1] == '$'))
        return false;  // interpolation: the value is computed
      out.push_back(c);
    }
    v.remove_prefix(i + 1);
  } else if (v.size() >= 3 && v[0] == '%' && (v[1] == 'q' || v[1] == 'Q') && !is_ident_char(v[2]) && v[2] != ' ') {
    char open = v[2], close = closing_of(open);
    int depth = 1;
    size_t i = 3;
    for (;; ++i) {
      if (i >= v.size()) return false;
      char c = v[i];
      if (c == '\\' && i + 1 < v.size()) {
        out.push_back(v[++i]);
        continue;
      }
      if (c == close && --depth == 0) break;
      if (c == open && open != close) ++depth;
      if (v[1] == 'Q' && c == '#' && i + 1 < v.size() && v[i + 1] == '{') return false;
      out.push_back(c);
    }
    v.remove_prefix(i + 1);
  } else {
    return false;
  }
  v = trim(v);
  if (v.starts_with(".freeze")) v.remove_prefix(7);
  return true;
}

// ["MIT".freeze, "Ruby"], %w[MIT Ruby], or one literal.
bool read_string_list(std::string_view v, std::vector<std::string>& out) {
  out.clear();
  v = trim(v);
  if (v.size() >= 3 && v[0] == '%' && (v[1] == 'w' || v[1] == 'W')) {
    char close = closing_of(v[2]);
    size_t end = v.find(close, 3);
    if (end == std::string_view::npos) return false;
    std::string_view words = v.substr(3, end - 3);
    while (!(words = trim(words)).empty()) {
      size_t sp = 0;
      while (sp < words.size() && !std::isspace(static_cast<unsigned char>(words[sp]))) ++sp;
      out.emplace_back(words.substr(0, sp));
      words.remove_prefix(sp);
    }
    return true;
  }
  if (!v.starts_with("[")) {
    std::string one;
    if (!read_literal(v, one)) return false;
    out.push_back(std::move(one));
    return true;
  }
  v.remove_prefix(1);
  while (true) {
    v = trim(v);
    if (v.starts_with("]")) return true;
    std::string item;
    if (!read_literal(v, item)) return false;
    out.push_back(std::move(item));
    v = trim(v);
    if (v.starts_with(",")) v.remove_prefix(1);
    else return v.starts_with("]");
  }
}

bool plausible_version(std::string_view v) {
  if (v.empty() || !std::isdigit(static_cast<unsigned char>(v[0]))) return false;
  for (char c : v)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' || c == '+')) return false;
  return true;
}

}  // namespace

std::optional<Package> parse_gemspec(std::string_view text, const std::string& path,
                                     std::vector<Diagnostic>& diags) {
  auto warn = [&](int line, std::string message) { diags.push_back(make_warning(path, line, std::move(message))); };
  // The block variable: "Gem::Specification.new do |s|" (or "{ |spec|").
  std::string var;
  if (size_t at = text.find("Gem::Specification.new"); at != std::string_view::npos) {
    size_t eol = text.find('\n', at);
    std::string_view rest = text.substr(at, eol == std::string_view::npos ? std::string_view::npos : eol - at);
    size_t bar = rest.find('|');
    if (bar != std::string_view::npos) {
      size_t end = rest.find('|', bar + 1);
      if (end != std::string_view::npos) var = std::string(trim(rest.substr(bar + 1, end - bar - 1)));
    }
  }

  std::string name, version, platform;
  int name_line = 0, version_line = 0;
  std::vector<std::string> licenses;
  bool have_licenses = false;
  std::string stub_name, stub_version, stub_platform;

  LineReader lines(text);
  std::string_view line;
  while (lines.next(line)) {
    const int line_no = lines.number();
    line = trim(line);
    if (line.starts_with("# stub: ") && stub_name.empty()) {
      // "# stub: <name> <version> <platform> <require paths…>"
      std::string_view f = line.substr(8);
      std::string* fields[] = {&stub_name, &stub_version, &stub_platform};
      for (std::string* field : fields) {
        f = trim(f);
        size_t sp = f.find(' ');
        *field = std::string(f.substr(0, sp));
        f = sp == std::string_view::npos ? std::string_view() : f.substr(sp);
      }
      continue;
    }
    // "<var>.<attribute> = <value>"
    size_t dot = 0;
    while (dot < line.size() && is_ident_char(line[dot])) ++dot;
    if (dot == 0 || dot >= line.size() || line[dot] != '.') continue;
    if (!var.empty() && line.substr(0, dot) != var) continue;
    size_t attr_end = dot + 1;
    while (attr_end < line.size() && is_ident_char(line[attr_end])) ++attr_end;
    std::string_view attr = line.substr(dot + 1, attr_end - dot - 1);
    std::string_view rest = trim(line.substr(attr_end));
    if (!rest.starts_with("=") || rest.starts_with("==") || rest.starts_with("=~")) continue;
    rest.remove_prefix(1);

    if (attr == "name" || attr == "version" || attr == "platform") {
      std::string value;
      std::string_view v = rest;
      bool ok = read_literal(v, value);
      if (attr == "platform" && !ok && trim(rest).starts_with("Gem::Platform::RUBY")) {
        value = "ruby";
        ok = true;
      }
      if (!ok) {
        warn(line_no, "gemspec " + std::string(attr) + " is not a literal Bulwark can read without running Ruby: '" +
                          std::string(trim(rest).substr(0, 80)) + "'");
        continue;
      }
      if (attr == "name" && name.empty()) {
        name = std::move(value);
        name_line = line_no;
      } else if (attr == "version" && version.empty()) {
        version = std::move(value);
        version_line = line_no;
      } else if (attr == "platform" && platform.empty()) {
        platform = std::move(value);
      }
    } else if ((attr == "licenses" || attr == "license") && !have_licenses) {
      std::vector<std::string> list;
      if (read_string_list(rest, list)) {
        for (auto& l : list)
          if (!l.empty()) licenses.push_back(std::move(l));
        have_licenses = true;
      } else {
        warn(line_no, "gemspec " + std::string(attr) + " is not a literal list: '" +
                          std::string(trim(rest).substr(0, 80)) + "'");
      }
    }
  }

  if (name.empty()) name = stub_name;
  if (version.empty()) version = stub_version;
  if (platform.empty() && !stub_platform.empty()) platform = stub_platform;
  if (name.empty() || version.empty()) {
    warn(0, std::string("gemspec has no literal ") + (name.empty() ? "name" : "version") +
                " (neither an assignment nor a '# stub:' line); not read");
    return std::nullopt;
  }
  if (!plausible_version(version)) {
    warn(version_line, "gemspec version '" + version.substr(0, 80) + "' is not a gem version; not read");
    return std::nullopt;
  }
  Package p;
  p.ecosystem = "gem";
  p.name = std::move(name);
  p.version = std::move(version);
  if (!platform.empty() && platform != "ruby") {
    p.arch = platform;
    p.purl = "pkg:gem/" + purl_escape(p.name) + "@" + purl_escape(p.version) + "?platform=" + purl_escape(p.arch);
  }
  p.licenses = std::move(licenses);
  p.location.path = path;
  p.location.line = name_line;
  p.id = make_package_id(p);
  return p;
}

std::unique_ptr<Analyzer> make_gemspec_analyzer() {
  return make_format_analyzer({.name = "gemspec", .version = 1, .application_type = "gemspec",
                               .read = read_packages<parse_gemspec>, .max_bytes = kMaxGemspecBytes,
                               .wants_path = is_spec_path});
}

}  // namespace bulwark::catalog
