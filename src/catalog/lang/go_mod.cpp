// go.mod (golang.org/ref/mod#go-mod-file): the module's own path and the
// modules it requires. The grammar is line based: a directive is a verb and
// its arguments on one line, or a verb and "(" opening a block whose lines are
// each one set of arguments, closed by ")". Arguments are words or Go string
// "..." literals; "//" starts a comment to the end of the line. A requirement
// whose comment is "indirect" (or "indirect; ...") is not imported by the
// main module itself.
//
// Read: module, require, replace, exclude, go, toolchain. Left alone: retract
// (about this module's own versions), godebug, tool, ignore. go.sum is not
// read: what go.mod requires is what the build selects (Go 1.17 and later
// list every module the build needs).
#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/format_analyzer.hpp"
#include "catalog/lang/golang.hpp"

namespace bulwark::catalog {
namespace {

// The largest go.mod files (Kubernetes) are tens of KiB.
constexpr int64_t kMaxGoModBytes = 8 << 20;

struct Token {
  std::string text;
  bool quoted = false;
};

struct Line {
  int number = 0;
  std::vector<Token> tokens;
  std::string comment;  // text after "//", trimmed
};

class Parser {
 public:
  Parser(const std::string& path, std::vector<Diagnostic>& diags) : path_(path), diags_(diags) {}

  void warn(int line, std::string message) { diags_.push_back(make_warning(path_, line, std::move(message))); }

  // Splits one line into tokens; nullopt (with a warning) for a bad string literal.
  std::optional<Line> lex(std::string_view text, int number) {
    Line line;
    line.number = number;
    size_t i = 0;
    while (i < text.size()) {
      char c = text[i];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        ++i;
      } else if (text.substr(i, 2) == "//") {
        line.comment = std::string(trim(text.substr(i + 2)));
        break;
      } else if (c == '(' || c == ')') {
        line.tokens.push_back({std::string(1, c), false});
        ++i;
      } else if (c == '`') {
        // Go's lexer reads raw strings but no directive accepts one.
        warn(number, "only \"...\" strings are allowed in go.mod");
        return std::nullopt;
      } else if (c == '"') {
        size_t end = i + 1;
        while (end < text.size() && text[end] != c) end += (c == '"' && text[end] == '\\') ? 2 : 1;
        auto value = end < text.size() ? golang::unquote(text.substr(i, end - i + 1)) : std::nullopt;
        if (!value) {
          warn(number, "bad string literal " + std::string(text.substr(i, 40)));
          return std::nullopt;
        }
        line.tokens.push_back({std::move(*value), true});
        i = end + 1;
      } else {
        size_t end = i;
        while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) && text[end] != '(' &&
               text[end] != ')' && text.substr(end, 2) != "//")
          ++end;
        line.tokens.push_back({std::string(text.substr(i, end - i)), false});
        i = end;
      }
    }
    return line;
  }

  // One directive: `verb` with the arguments of `line` (without the verb).
  void directive(const std::string& verb, const Line& line, size_t first) {
    std::vector<std::string> args;
    for (size_t k = first; k < line.tokens.size(); ++k) {
      if (!line.tokens[k].quoted && (line.tokens[k].text == "(" || line.tokens[k].text == ")")) {
        warn(line.number, "unexpected '" + line.tokens[k].text + "' in " + verb + " directive");
        return;
      }
      if (line.tokens[k].text.empty()) {
        warn(line.number, "empty string in " + verb + " directive");
        return;
      }
      args.push_back(line.tokens[k].text);
    }
    auto want = [&](size_t n) {
      if (args.size() == n) return true;
      warn(line.number, verb + " directive wants " + std::to_string(n) + " argument" + (n == 1 ? "" : "s") +
                            ", got " + std::to_string(args.size()));
      return false;
    };
    if (verb == "module") {
      if (want(1)) {
        if (module_) warn(line.number, "second module directive ignored");
        else {
          module_ = args[0];
          module_line_ = line.number;
        }
      }
    } else if (verb == "go") {
      if (want(1)) {
        go_ = args[0];
        go_line_ = line.number;
      }
    } else if (verb == "toolchain") {
      if (want(1)) {
        toolchain_ = args[0];
        toolchain_line_ = line.number;
      }
    } else if (verb == "require") {
      if (!want(2)) return;
      if (args[1].empty() || args[1][0] != 'v')
        warn(line.number, "require " + args[0] + ": version '" + args[1] + "' is not a Go module version");
      bool indirect = is_indirect(line.comment);
      requires_.push_back({args[0], args[1], indirect, line.number});
    } else if (verb == "exclude") {
      if (want(2)) excludes_.insert({args[0], args[1]});
    } else if (verb == "replace") {
      // old [old-version] => new [new-version]
      size_t arrow = 0;
      while (arrow < args.size() && args[arrow] != "=>") ++arrow;
      size_t left = arrow, right = args.size() - std::min(args.size(), arrow + 1);
      if (arrow == args.size() || left < 1 || left > 2 || right < 1 || right > 2) {
        warn(line.number, "replace directive is not 'module [version] => replacement [version]'");
        return;
      }
      Replace r;
      r.new_path = args[arrow + 1];
      if (right == 2) r.new_version = args[arrow + 2];
      if (right == 1 && !golang::is_local_path(r.new_path)) {
        warn(line.number, "replacement " + r.new_path + " has no version and is not a local directory");
        return;
      }
      std::string key = args[0] + (left == 2 ? "@" + args[1] : "");
      replaces_[key] = std::move(r);
    } else if (verb == "retract" || verb == "godebug" || verb == "tool" || verb == "ignore") {
      // Not about which modules the build uses.
    } else {
      warn(line.number, "unknown directive '" + verb + "'");
    }
  }

  void parse(std::string_view text) {
    if (text.substr(0, 3) == "\xef\xbb\xbf") text.remove_prefix(3);
    std::optional<std::string> block;  // verb of the open block
    int block_line = 0;
    int number = 0;
    while (!text.empty()) {
      size_t nl = text.find('\n');
      std::string_view raw = text.substr(0, nl);
      text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
      ++number;
      auto line = lex(raw, number);
      if (!line || line->tokens.empty()) continue;
      const auto& t = line->tokens;
      auto is = [&](size_t k, const char* s) { return k < t.size() && !t[k].quoted && t[k].text == s; };
      if (block) {
        if (is(0, ")")) {
          if (t.size() > 1) warn(number, "text after ')' ignored");
          block.reset();
        } else {
          directive(*block, *line, 0);
        }
        continue;
      }
      if (t[0].quoted) {
        warn(number, "a directive must start with a word");
        continue;
      }
      if (is(1, "(")) {
        if (t.size() == 2) {
          block = t[0].text;
          block_line = number;
        } else if (!is(2, ")") || t.size() > 3) {
          warn(number, "a block must start with '" + t[0].text + " (' alone on its line");
        }
        continue;
      }
      directive(t[0].text, *line, 1);
    }
    if (block) warn(block_line, "'" + *block + " (' block is not closed");
  }

  std::vector<Package> packages() {
    std::vector<Package> out;
    std::map<std::string, size_t> index;
    auto add = [&](std::string name, std::string version, Relationship rel, int line) -> Package& {
      Package p;
      p.ecosystem = "golang";
      p.name = std::move(name);
      p.version = std::move(version);
      p.relationship = rel;
      p.location.path = path_;
      p.location.line = line;
      p.id = make_package_id(p);
      auto [it, fresh] = index.emplace(p.id, out.size());
      if (fresh) {
        out.push_back(std::move(p));
      } else if (rel == Relationship::kDirect) {
        // Required both directly and (in another line) indirectly: direct wins.
        out[it->second].relationship = rel;
      }
      return out[it->second];
    };
    if (module_) add(*module_, "", Relationship::kRoot, module_line_);
    std::vector<std::string> direct;
    for (const auto& req : requires_) {
      // An excluded version is never selected: Go builds with another one,
      // which this file does not name.
      if (excludes_.count({req.path, req.version})) continue;
      std::string name = req.path, version = req.version;
      auto it = replaces_.find(req.path + "@" + req.version);
      if (it == replaces_.end()) it = replaces_.find(req.path);
      if (it != replaces_.end()) {
        if (golang::is_local_path(it->second.new_path)) {
          // A local directory: the module is there, but no published version of it.
          version.clear();
        } else {
          name = it->second.new_path;
          version = it->second.new_version;
        }
      }
      const Package& p = add(name, version, req.indirect ? Relationship::kTransitive : Relationship::kDirect, req.line);
      if (!req.indirect) direct.push_back(p.id);
    }
    // The standard library of the release that builds the module: the
    // toolchain directive, else (from Go 1.21, when the go line became the
    // minimum toolchain) the go directive.
    std::optional<std::string> stdlib;
    if (toolchain_ && *toolchain_ != "default") {
      stdlib = golang::stdlib_version(*toolchain_);
      stdlib_line_ = toolchain_line_;
    } else if (go_ && go_at_least_1_21(*go_)) {
      stdlib = golang::stdlib_version("go" + *go_);
      stdlib_line_ = go_line_;
    }
    if (stdlib) direct.push_back(add(std::string(golang::kStdlib), *stdlib, Relationship::kDirect, stdlib_line_).id);
    if (module_) {
      Package& root = out[index.at(make_root_id())];
      for (auto& id : direct)
        if (std::find(root.depends_on.begin(), root.depends_on.end(), id) == root.depends_on.end())
          root.depends_on.push_back(id);
    }
    return out;
  }

 private:
  struct Require {
    std::string path;
    std::string version;
    bool indirect = false;
    int line = 0;
  };
  struct Replace {
    std::string new_path;
    std::string new_version;
  };

  // "// indirect", or "// indirect; <more words>" (Go's rule, word for word).
  static bool is_indirect(std::string_view comment) {
    comment = trim(comment);
    size_t sp = comment.find_first_of(" \t");
    std::string_view first = comment.substr(0, sp);
    bool more = sp != std::string_view::npos;
    return (!more && first == "indirect") || (more && first == "indirect;");
  }

  static bool go_at_least_1_21(const std::string& v) {
    int major = 0, minor = 0;
    size_t i = 0;
    auto num = [&](int& out) {
      size_t start = i;
      while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i])) && out < 100000) out = out * 10 + (v[i++] - '0');
      return i > start;
    };
    if (!num(major)) return false;
    if (i < v.size() && v[i] == '.') {
      ++i;
      num(minor);
    }
    return major > 1 || (major == 1 && minor >= 21);
  }

  std::string make_root_id() const {
    Package p;
    p.ecosystem = "golang";
    p.name = *module_;
    return make_package_id(p);
  }

  const std::string& path_;
  std::vector<Diagnostic>& diags_;
  std::optional<std::string> module_;
  std::optional<std::string> go_;
  std::optional<std::string> toolchain_;
  int module_line_ = 0, go_line_ = 0, toolchain_line_ = 0, stdlib_line_ = 0;
  std::vector<Require> requires_;
  std::set<std::pair<std::string, std::string>> excludes_;
  std::map<std::string, Replace> replaces_;  // "path@version" or "path"
};

}  // namespace

std::vector<Package> parse_go_mod(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags) {
  Parser p(path, diags);
  p.parse(text);
  return p.packages();
}

std::unique_ptr<Analyzer> make_go_mod_analyzer() {
  return make_format_analyzer({.name = "go-mod", .version = 1, .application_type = "gomod",
                               .read = read_packages<parse_go_mod>, .max_bytes = kMaxGoModBytes,
                               .wants_path = outside_node_modules, .file_name = "go.mod"});
}

}  // namespace bulwark::catalog
