// Dockerfiles (and Containerfiles), read the way Docker's builder reads them:
// parser directives, comments, continuation lines with the escape character,
// heredocs, flags, exec (JSON) and shell forms, stages, and the ARG/ENV
// substitution Docker performs in FROM, ADD, COPY, ENV, ARG, EXPOSE, LABEL,
// STOPSIGNAL, USER, VOLUME and WORKDIR. One Document per file; the tree's
// shape is described with an example in docs/config/dockerfile.md.
#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/utf8.hpp"
#include "policy/misconfig/internal.hpp"
#include "policy/misconfig/misconfig.hpp"

namespace bulwark::policy {
namespace {

std::string_view base_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string upper(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

// One physical line: text without its newline (and without a CR before it).
struct Line {
  std::string_view text;
  uint32_t number;
};

// An instruction's logical line: the bytes after continuation lines are joined
// and comment lines dropped, with the source position of every byte so that
// each word keeps its own line and column.
struct Text {
  std::string s;
  std::vector<SourcePos> at;
  void append(std::string_view piece, uint32_t line, uint32_t column) {
    for (char c : piece) {
      s += c;
      at.push_back({line, column++});
    }
  }
  SourcePos pos(size_t i) const {
    if (at.empty()) return {};
    return i < at.size() ? at[i] : at.back();
  }
};

// A word of an instruction: its text (as written unless said otherwise) and
// the offset in the logical line where it starts.
struct Word {
  std::string text;
  size_t at = 0;
};

struct Flag {
  std::string name;
  std::optional<std::string> value;  // absent for `--link`
  size_t at = 0;
};

// Whitespace-separated words, quotes not special (Docker's FROM, EXPOSE,
// COPY/ADD shell form).
std::vector<Word> split_fields(const Text& t, size_t b, size_t e) {
  std::vector<Word> out;
  size_t i = b;
  while (i < e) {
    while (i < e && is_space(t.s[i])) ++i;
    if (i >= e) break;
    size_t start = i;
    while (i < e && !is_space(t.s[i])) ++i;
    out.push_back({t.s.substr(start, i - start), start});
  }
  return out;
}

// Words split at whitespace outside quotes; quotes and escapes stay in the
// words (Docker's parseWords, used for ENV, LABEL and ARG).
std::vector<Word> split_words(const Text& t, size_t b, size_t e, char escape) {
  std::vector<Word> out;
  size_t i = b;
  while (i < e) {
    while (i < e && is_space(t.s[i])) ++i;
    if (i >= e) break;
    Word w;
    w.at = i;
    char quote = 0;
    while (i < e) {
      char c = t.s[i];
      if (!quote && is_space(c)) break;
      if (!quote && (c == '\'' || c == '"')) {
        quote = c;
      } else if (quote && c == quote) {
        quote = 0;
      } else if (c == escape && quote != '\'') {
        if (i + 1 >= e) {  // an escape at the end of the line is dropped
          ++i;
          continue;
        }
        w.text += c;
        ++i;
        c = t.s[i];
      }
      w.text += c;
      ++i;
    }
    out.push_back(std::move(w));
  }
  return out;
}

// Leading `--name[=value]` words (Docker's extractBuilderFlags: quotes and
// backslashes inside a flag word are taken out). Returns where the rest starts.
size_t extract_flags(const Text& t, size_t b, size_t e, std::vector<Flag>& flags) {
  size_t i = b;
  for (;;) {
    while (i < e && is_space(t.s[i])) ++i;
    if (i + 1 >= e || t.s[i] != '-' || t.s[i + 1] != '-') return i;
    size_t start = i;
    std::string word;
    char quote = 0;
    while (i < e) {
      char c = t.s[i];
      if (!quote && is_space(c)) break;
      if (!quote && (c == '\'' || c == '"')) {
        quote = c;
        ++i;
        continue;
      }
      if (quote && c == quote) {
        quote = 0;
        ++i;
        continue;
      }
      if (c == '\\') {
        if (i + 1 >= e) {
          ++i;
          continue;
        }
        ++i;
        c = t.s[i];
      }
      word += c;
      ++i;
    }
    if (word == "--") return i;
    Flag f;
    f.at = start;
    std::string body = word.substr(2);
    size_t eq = body.find('=');
    if (eq == std::string::npos) {
      f.name = body;
    } else {
      f.name = body.substr(0, eq);
      f.value = body.substr(eq + 1);
    }
    flags.push_back(std::move(f));
  }
}

// The exec form: a JSON array of strings and nothing else. Anything else is
// the shell form, as in Docker.
std::optional<std::vector<Word>> parse_json_array(const Text& t, size_t b, size_t e) {
  const std::string& s = t.s;
  size_t i = b;
  auto ws = [&] {
    while (i < e && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  };
  auto hex4 = [&](uint32_t& v) {
    if (i + 4 > e) return false;
    v = 0;
    for (int k = 0; k < 4; ++k) {
      char c = s[i++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= static_cast<uint32_t>(c - '0');
      else if (c >= 'a' && c <= 'f') v |= static_cast<uint32_t>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') v |= static_cast<uint32_t>(c - 'A' + 10);
      else return false;
    }
    return true;
  };
  ws();
  if (i >= e || s[i] != '[') return std::nullopt;
  ++i;
  std::vector<Word> out;
  ws();
  if (i < e && s[i] == ']') {
    ++i;
  } else {
    for (;;) {
      ws();
      if (i >= e || s[i] != '"') return std::nullopt;
      Word w;
      w.at = i++;
      for (;;) {
        if (i >= e) return std::nullopt;
        unsigned char c = static_cast<unsigned char>(s[i++]);
        if (c == '"') break;
        if (c < 0x20) return std::nullopt;
        if (c != '\\') {
          w.text += static_cast<char>(c);
          continue;
        }
        if (i >= e) return std::nullopt;
        char x = s[i++];
        switch (x) {
          case '"': w.text += '"'; break;
          case '\\': w.text += '\\'; break;
          case '/': w.text += '/'; break;
          case 'b': w.text += '\b'; break;
          case 'f': w.text += '\f'; break;
          case 'n': w.text += '\n'; break;
          case 'r': w.text += '\r'; break;
          case 't': w.text += '\t'; break;
          case 'u': {
            uint32_t cp = 0;
            if (!hex4(cp)) return std::nullopt;
            if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < e && s[i] == '\\' && s[i + 1] == 'u') {
              size_t save = i;
              i += 2;
              uint32_t lo = 0;
              if (hex4(lo) && lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
              else i = save;
            }
            if (cp >= 0xD800 && cp < 0xE000) cp = 0xFFFD;  // a lone surrogate
            append_utf8(w.text, cp);
            break;
          }
          default: return std::nullopt;
        }
      }
      out.push_back(std::move(w));
      ws();
      if (i < e && s[i] == ',') {
        ++i;
        continue;
      }
      if (i < e && s[i] == ']') {
        ++i;
        break;
      }
      return std::nullopt;
    }
  }
  ws();
  if (i != e) return std::nullopt;
  return out;
}

// `<<EOF`, `<<-EOF`, `<<"EOF"` words of a RUN, COPY or ADD line.
struct HeredocSpec {
  std::string name;
  bool expand = true;  // the delimiter was not quoted
  bool chomp = false;  // `<<-`: leading tabs are stripped
  size_t at = 0;
};

std::vector<HeredocSpec> find_heredocs(const Text& t, size_t b, size_t e) {
  std::vector<HeredocSpec> out;
  // Words as the shell would split them with quotes kept (Docker always uses
  // the backslash here, whatever the escape directive says).
  for (const Word& w : split_words(t, b, e, '\\')) {
    std::string_view s = w.text;
    size_t i = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;  // a file descriptor: 3<<EOF
    if (s.substr(i, 2) != "<<") continue;
    i += 2;
    HeredocSpec h;
    h.at = w.at;
    if (i < s.size() && s[i] == '-') {
      h.chomp = true;
      ++i;
    }
    std::string_view rest = s.substr(i);
    if (rest.empty() || rest.find('<') != std::string_view::npos) continue;
    // The delimiter with quotes and backslashes taken out; quoted means no expansion.
    std::string name;
    char quote = 0;
    for (size_t k = 0; k < rest.size(); ++k) {
      char c = rest[k];
      if (!quote && (c == '\'' || c == '"')) {
        quote = c;
        h.expand = false;
      } else if (quote && c == quote) {
        quote = 0;
      } else if (c == '\\' && quote != '\'' && k + 1 < rest.size()) {
        name += rest[++k];
      } else {
        name += c;
      }
    }
    if (name.empty()) continue;
    h.name = std::move(name);
    out.push_back(std::move(h));
  }
  return out;
}

struct ImageRef {
  std::string image, tag, digest;
};

// `registry:5000/repo/name:tag@sha256:...`: the tag is after the last colon
// that follows the last slash.
ImageRef split_image_ref(std::string_view ref) {
  ImageRef r;
  size_t at = ref.find('@');
  if (at != std::string_view::npos) {
    r.digest = std::string(ref.substr(at + 1));
    ref = ref.substr(0, at);
  }
  size_t slash = ref.rfind('/');
  size_t colon = ref.rfind(':');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon > slash)) {
    r.tag = std::string(ref.substr(colon + 1));
    ref = ref.substr(0, colon);
  }
  r.image = std::string(ref);
  return r;
}

// `type=secret,id=aws,target=/x,readonly`: a bare key is a boolean.
Node parse_mount(std::string_view spec, SourcePos pos) {
  Node m = Node::map(pos);
  bool has_type = false;
  size_t i = 0;
  while (i <= spec.size()) {
    std::string field;
    bool quoted = false;
    while (i < spec.size() && (quoted || spec[i] != ',')) {
      if (spec[i] == '"') quoted = !quoted;
      else field += spec[i];
      ++i;
    }
    ++i;
    if (field.empty()) continue;
    size_t eq = field.find('=');
    std::string key = lower(field.substr(0, eq));
    if (key == "type") has_type = true;
    if (eq == std::string::npos) m.add(key, Node::boolean(true, pos), pos);
    else m.add(key, Node::string(field.substr(eq + 1), pos), pos);
  }
  if (!has_type) m.add("type", Node::string("bind", pos), pos);  // Docker's default
  return m;
}

constexpr std::string_view kKnownInstructions[] = {
    "add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from", "healthcheck", "label",
    "maintainer", "onbuild", "run", "shell", "stopsignal", "user", "volume", "workdir"};

// Instructions Docker substitutes variables in.
constexpr std::string_view kSubstituted[] = {"add",   "arg",        "copy", "env",    "expose", "from",
                                             "label", "stopsignal", "user", "volume", "workdir"};

// The flags each instruction accepts; Docker refuses others ("unknown flag").
bool flag_allowed(std::string_view cmd, std::string_view flag) {
  static const std::map<std::string_view, std::vector<std::string_view>> allowed = {
      {"from", {"platform"}},
      {"run", {"mount", "network", "security", "device"}},
      {"copy", {"from", "chown", "chmod", "link", "parents", "exclude"}},
      {"add", {"chown", "chmod", "link", "checksum", "keep-git-dir", "exclude", "unpack"}},
      {"healthcheck", {"interval", "timeout", "start-period", "start-interval", "retries"}},
  };
  auto it = allowed.find(cmd);
  return it != allowed.end() && std::find(it->second.begin(), it->second.end(), flag) != it->second.end();
}

bool is_bool_flag(std::string_view name) {
  return name == "link" || name == "keep-git-dir" || name == "parents" || name == "unpack";
}

size_t count_nodes(const Node& n) {
  size_t c = 1;
  if (n.is_map())
    for (const auto& f : n.fields()) c += count_nodes(f.value);
  else if (n.is_list())
    for (const auto& x : n.items()) c += count_nodes(x);
  return c;
}

// ---- variable substitution ----------------------------------------------------
// Docker's shell-word processing of instruction arguments: quotes are removed,
// the escape character escapes, and $NAME, ${NAME}, ${NAME:-word},
// ${NAME-word}, ${NAME:+word}, ${NAME+word}, ${NAME:?msg}, ${NAME?msg},
// ${NAME#glob}, ${NAME##glob}, ${NAME%glob}, ${NAME%%glob}, ${NAME/glob/x} and
// ${NAME//glob/x} are replaced.

using Lookup = std::function<std::optional<std::string>(const std::string&)>;

struct Expansion {
  std::string value;
  std::vector<std::string> unresolved;  // names used without a value
  std::string error;                    // empty on success
};

// A glob of ${NAME#...} and friends, matched by simulating its automaton so
// that no input makes it backtrack.
class Glob {
 public:
  explicit Glob(std::string_view pattern) {
    for (size_t i = 0; i < pattern.size(); ++i) {
      Tok t;
      char c = pattern[i];
      if (c == '*') {
        t.kind = Tok::kStar;
      } else if (c == '?') {
        t.kind = Tok::kAny;
      } else if (c == '[' && class_end(pattern, i) != std::string_view::npos) {
        size_t end = class_end(pattern, i);
        t.kind = Tok::kClass;
        size_t k = i + 1;
        if (k < end && (pattern[k] == '!' || pattern[k] == '^')) {
          t.negate = true;
          ++k;
        }
        for (; k < end; ++k) {
          unsigned char lo = static_cast<unsigned char>(pattern[k]);
          if (k + 2 < end && pattern[k + 1] == '-') {
            unsigned char hi = static_cast<unsigned char>(pattern[k + 2]);
            for (unsigned v = lo; v <= hi; ++v) t.set[v] = true;
            k += 2;
          } else {
            t.set[lo] = true;
          }
        }
        i = end;
      } else {
        if (c == '\\' && i + 1 < pattern.size()) c = pattern[++i];
        t.kind = Tok::kChar;
        t.c = c;
      }
      toks_.push_back(t);
    }
  }

  // The lengths k for which s[0, k) matches, in increasing order.
  std::vector<size_t> prefix_matches(std::string_view s, bool reversed = false) const {
    std::vector<size_t> out;
    size_t m = toks_.size();
    std::vector<char> on(m + 1, 0), next(m + 1, 0);
    on[0] = 1;
    close(on, reversed);
    if (on[m]) out.push_back(0);
    for (size_t k = 0; k < s.size(); ++k) {
      unsigned char c = static_cast<unsigned char>(reversed ? s[s.size() - 1 - k] : s[k]);
      std::fill(next.begin(), next.end(), 0);
      bool any = false;
      for (size_t j = 0; j < m; ++j) {
        if (!on[j]) continue;
        const Tok& t = tok(j, reversed);
        if (t.kind == Tok::kStar) next[j] = 1, any = true;
        else if (t.matches(c)) next[j + 1] = 1, any = true;
      }
      if (!any) break;
      on.swap(next);
      close(on, reversed);
      if (on[m]) out.push_back(k + 1);
    }
    return out;
  }
  size_t size() const { return toks_.size(); }

 private:
  struct Tok {
    enum Kind { kChar, kAny, kStar, kClass } kind = kChar;
    char c = 0;
    bool negate = false;
    std::array<bool, 256> set{};
    bool matches(unsigned char x) const {
      switch (kind) {
        case kChar: return static_cast<unsigned char>(c) == x;
        case kAny: return true;
        case kClass: return set[x] != negate;
        case kStar: return true;
      }
      return false;
    }
  };
  static size_t class_end(std::string_view p, size_t open) {
    size_t k = open + 1;
    if (k < p.size() && (p[k] == '!' || p[k] == '^')) ++k;
    if (k < p.size() && p[k] == ']') ++k;
    size_t end = p.find(']', k);
    return end;
  }
  const Tok& tok(size_t j, bool reversed) const { return reversed ? toks_[toks_.size() - 1 - j] : toks_[j]; }
  // A star matches nothing too.
  void close(std::vector<char>& on, bool reversed) const {
    for (size_t j = 0; j < toks_.size(); ++j)
      if (on[j] && tok(j, reversed).kind == Tok::kStar) on[j + 1] = 1;
  }
  std::vector<Tok> toks_;
};

class Expander {
 public:
  Expander(char escape, const Lookup& lookup, uint64_t& budget) : escape_(escape), lookup_(lookup), budget_(budget) {}

  Expansion expand(std::string_view word) {
    in_ = word;
    i_ = 0;
    Expansion r;
    bool found = false;
    if (!process(r.value, 0, 0, found)) {
      r.value.clear();
      r.error = error_;
      return r;
    }
    r.unresolved = std::move(unresolved_);
    return r;
  }
  bool budget_exhausted() const { return exhausted_; }

 private:
  static constexpr int kMaxDepth = 32;
  // ${NAME/glob/x} over a long value costs length² × pattern; beyond this the
  // substitution is refused rather than done slowly.
  static constexpr uint64_t kMaxPatternWork = 50'000'000;

  bool fail(std::string msg) {
    if (error_.empty()) error_ = std::move(msg);
    return false;
  }

  bool emit(std::string& out, std::string_view s) {
    if (s.size() > budget_) {
      exhausted_ = true;
      return fail("substitution result too long");
    }
    budget_ -= s.size();
    out += s;
    return true;
  }

  // Reads up to `stop` (0: the end of the word); `found` tells whether the
  // stop character was met.
  bool process(std::string& out, char stop, int depth, bool& found) {
    if (depth > kMaxDepth) return fail("substitutions nested too deeply");
    found = false;
    while (i_ < in_.size()) {
      char c = in_[i_];
      if (stop && c == stop) {
        ++i_;
        found = true;
        return true;
      }
      if (c == escape_) {
        ++i_;
        if (i_ >= in_.size()) break;
        if (!emit(out, in_.substr(i_++, 1))) return false;
        continue;
      }
      if (c == '\'') {
        ++i_;
        size_t close = in_.find('\'', i_);
        if (close == std::string_view::npos)
          return fail("unexpected end of statement while looking for matching single-quote");
        if (!emit(out, in_.substr(i_, close - i_))) return false;
        i_ = close + 1;
        continue;
      }
      if (c == '"') {
        ++i_;
        if (!double_quoted(out, depth)) return false;
        continue;
      }
      if (c == '$') {
        if (!dollar(out, depth)) return false;
        continue;
      }
      if (!emit(out, in_.substr(i_++, 1))) return false;
    }
    return true;
  }

  bool double_quoted(std::string& out, int depth) {
    while (i_ < in_.size()) {
      char c = in_[i_];
      if (c == '"') {
        ++i_;
        return true;
      }
      if (c == '$') {
        if (!dollar(out, depth)) return false;
        continue;
      }
      ++i_;
      if (c == escape_ && i_ < in_.size() && (in_[i_] == '"' || in_[i_] == '$' || in_[i_] == escape_)) c = in_[i_++];
      if (!emit(out, std::string_view(&c, 1))) return false;
    }
    return fail("unexpected end of statement while looking for matching double-quote");
  }

  static bool name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

  std::string read_name() {
    size_t start = i_;
    if (i_ < in_.size() && std::isdigit(static_cast<unsigned char>(in_[i_]))) {
      while (i_ < in_.size() && std::isdigit(static_cast<unsigned char>(in_[i_]))) ++i_;
      return std::string(in_.substr(start, i_ - start));
    }
    if (i_ < in_.size() && std::string_view("@*#?-$!0").find(in_[i_]) != std::string_view::npos) {
      ++i_;
      return std::string(in_.substr(start, 1));
    }
    while (i_ < in_.size() && name_char(in_[i_])) ++i_;
    return std::string(in_.substr(start, i_ - start));
  }

  std::optional<std::string> get(const std::string& name) {
    auto v = lookup_(name);
    if (!v && std::find(unresolved_.begin(), unresolved_.end(), name) == unresolved_.end())
      unresolved_.push_back(name);
    return v;
  }

  // A nested word up to the closing brace (or another stop character).
  bool word_until(char stop, std::string& out, int depth) {
    bool found = false;
    if (!process(out, stop, depth + 1, found)) return false;
    if (!found) return fail("syntax error: missing '}'");
    return true;
  }

  bool dollar(std::string& out, int depth) {
    ++i_;  // '$'
    if (i_ >= in_.size() || in_[i_] != '{') {
      std::string name = read_name();
      if (name.empty()) return emit(out, "$");
      return emit(out, get(name).value_or(""));
    }
    ++i_;  // '{'
    if (i_ >= in_.size()) return fail("syntax error: missing '}'");
    if (in_[i_] == '{' || in_[i_] == '}' || in_[i_] == ':') return fail("syntax error: bad substitution");
    std::string name = read_name();
    if (i_ >= in_.size()) return fail("syntax error: missing '}'");
    char op = in_[i_++];
    if (name.empty()) return fail("syntax error: bad substitution");
    switch (op) {
      case '}': return emit(out, get(name).value_or(""));
      case ':': {
        if (i_ >= in_.size()) return fail("syntax error: missing '}'");
        char mod = in_[i_++];
        std::string word;
        if (!word_until('}', word, depth)) return false;
        auto v = get(name);
        bool set_nonempty = v && !v->empty();
        if (mod == '-') return emit(out, set_nonempty ? *v : word);
        if (mod == '+') return emit(out, set_nonempty ? word : "");
        if (mod == '?') return emit(out, set_nonempty ? *v : "");  // the build would stop: no value known
        return fail(std::string("unsupported modifier (") + mod + ") in substitution");
      }
      case '-':
      case '+':
      case '?': {
        std::string word;
        if (!word_until('}', word, depth)) return false;
        auto v = get(name);
        if (op == '-') return emit(out, v ? *v : word);
        if (op == '+') return emit(out, v ? word : "");
        return emit(out, v.value_or(""));
      }
      case '#':
      case '%': {
        bool longest = i_ < in_.size() && in_[i_] == op;
        if (longest) ++i_;
        std::string pattern;
        if (!word_until('}', pattern, depth)) return false;
        std::string v = get(name).value_or("");
        Glob g(pattern);
        if (static_cast<uint64_t>(v.size()) * (g.size() + 1) > kMaxPatternWork)
          return fail("value too long for pattern removal");
        auto lengths = g.prefix_matches(v, op == '%');
        if (!lengths.empty()) {
          size_t k = longest ? lengths.back() : lengths.front();
          v = op == '#' ? v.substr(k) : v.substr(0, v.size() - k);
        }
        return emit(out, v);
      }
      case '/': {
        bool all = i_ < in_.size() && in_[i_] == '/';
        if (all) ++i_;
        std::string pattern, replacement;
        bool found = false;
        if (!process(pattern, '/', depth + 1, found)) return false;
        if (found) {
          if (!word_until('}', replacement, depth)) return false;
        } else {
          return fail("syntax error: missing '}'");
        }
        std::string v = get(name).value_or("");
        if (pattern.empty()) return emit(out, v);
        Glob g(pattern);
        if (static_cast<uint64_t>(v.size()) * v.size() * (g.size() + 1) > kMaxPatternWork)
          return fail("value too long for pattern replacement");
        std::string result;
        size_t k = 0;
        bool replaced = false;
        while (k <= v.size()) {
          if (!replaced || all) {
            auto lengths = g.prefix_matches(std::string_view(v).substr(k));
            if (!lengths.empty()) {
              result += replacement;
              replaced = true;
              size_t len = lengths.back();
              if (len > 0) {
                k += len;
                continue;
              }
            }
          }
          if (k < v.size()) result += v[k];
          ++k;
        }
        return emit(out, result);
      }
      default: return fail(std::string("unsupported modifier (") + op + ") in substitution");
    }
  }

  char escape_;
  const Lookup& lookup_;
  uint64_t& budget_;
  std::string_view in_;
  size_t i_ = 0;
  std::string error_;
  bool exhausted_ = false;
  std::vector<std::string> unresolved_;
};

// What a stage (or the global scope) knows: ENV values and ARGs, an ARG
// without a default (and not given on the command line) being unset.
struct Scope {
  std::map<std::string, std::string> env;
  std::map<std::string, std::optional<std::string>> args;
  std::optional<std::string> get(const std::string& name) const {
    if (auto it = env.find(name); it != env.end()) return it->second;  // ENV wins over ARG
    if (auto it = args.find(name); it != args.end()) return it->second;
    return std::nullopt;
  }
};

class DockerfileParser {
 public:
  DockerfileParser(const ConfigFile& f, const ConfigLimits& limits, std::vector<Diagnostic>& diags)
      : file_(f), limits_(limits), diags_(diags), first_diag_(diags.size()),
        budget_(limits.max_file_bytes * 4 + (1u << 20)) {}

  Node run() {
    split_lines();
    Node root = Node::map({1, 1});
    Node directives = Node::map({1, 1});
    read_directives(directives);
    root.add("directives", std::move(directives), {1, 1});
    Node global_args = Node::list({1, 1});
    Node stages = Node::list({1, 1});

    size_t i = 0;
    while (i < lines_.size()) {
      Text t;
      uint32_t end_line = 0;
      if (!next_instruction(i, t, end_line)) continue;
      std::vector<HeredocSpec> heredocs;
      Node instr = parse_instruction(t, end_line, /*trigger=*/false, heredocs, 0);
      if (!heredocs.empty()) {
        Node* target = &instr;
        if (Node* trig = instr.get("trigger"); trig && trig->is_map()) target = trig;
        Node list = Node::list(target->pos);
        for (const HeredocSpec& h : heredocs) list.push(read_heredoc(i, h, t, end_line));
        if (Node* slot = target->get("heredocs")) *slot = std::move(list);
        else target->add("heredocs", std::move(list), target->pos);
        set_end_line(instr, end_line);
        if (target != &instr) set_end_line(*target, end_line);
      }
      nodes_ += count_nodes(instr);
      if (nodes_ > limits_.read.max_nodes) {
        warn(instr.pos, "more than " + std::to_string(limits_.read.max_nodes) + " nodes; not read further");
        break;
      }
      const std::string& cmd = instr.get("cmd")->as_string();
      if (cmd == "from") {
        if (stage_) stages.push(finish_stage());
        start_stage(instr, stages.size());
        continue;
      }
      if (!stage_) {
        if (cmd == "arg") global_args.push(std::move(instr));
        else warn(instr.pos, "instruction " + upper(cmd) + " before the first FROM is not part of any stage; skipped");
        continue;
      }
      stage_->get("instructions")->push(std::move(instr));
    }
    if (stage_) stages.push(finish_stage());
    if (stages.size() == 0 && diags_.size() == first_diag_)
      warn({1, 1}, "no FROM instruction: the file has no build stage");
    root.add("args", std::move(global_args), {1, 1});
    root.add("stages", std::move(stages), {1, 1});
    return root;
  }

 private:
  static void set_end_line(Node& n, uint32_t end_line) {
    if (Node* e = n.get("end_line")) *e = Node::integer(end_line, e->pos);
  }

  void warn(SourcePos pos, std::string msg) {
    Diagnostic d = make_warning(file_.path, static_cast<int>(pos.line), std::move(msg));
    d.location.column = static_cast<int>(pos.column);
    diags_.push_back(std::move(d));
  }

  void split_lines() {
    std::string_view text = file_.text;
    if (text.starts_with("\xEF\xBB\xBF")) {
      text.remove_prefix(3);
      bom_ = 3;
    }
    uint32_t n = 1;
    size_t start = 0;
    while (start < text.size()) {
      size_t nl = text.find('\n', start);
      size_t end = nl == std::string_view::npos ? text.size() : nl;
      std::string_view line = text.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      lines_.push_back({line, n++});
      if (nl == std::string_view::npos) break;
      start = nl + 1;
    }
  }

  static size_t leading_space(std::string_view s) {
    size_t i = 0;
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    return i;
  }
  static bool is_comment(std::string_view s) {
    size_t i = leading_space(s);
    return i < s.size() && s[i] == '#';
  }
  static bool is_blank(std::string_view s) {
    for (char c : s)
      if (!is_space(c)) return false;
    return true;
  }

  // `# syntax=...`, `# escape=...`, `# check=...` at the very top; the first
  // line that is not one of them ends them (an unknown directive is a comment).
  void read_directives(Node& out) {
    for (const Line& l : lines_) {
      std::string_view s = l.text;
      uint32_t shift = l.number == 1 ? static_cast<uint32_t>(bom_) : 0;
      size_t i = leading_space(s);
      if (i >= s.size() || s[i] != '#') return;
      ++i;
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
      size_t name_start = i;
      if (i >= s.size() || !std::isalpha(static_cast<unsigned char>(s[i]))) return;
      while (i < s.size() && std::isalnum(static_cast<unsigned char>(s[i]))) ++i;
      std::string name = lower(s.substr(name_start, i - name_start));
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
      if (i >= s.size() || s[i] != '=') return;
      ++i;
      while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
      size_t value_start = i;
      size_t value_end = s.size();
      while (value_end > value_start && is_space(s[value_end - 1])) --value_end;
      if (value_end == value_start) return;
      if (name != "syntax" && name != "escape" && name != "check") return;
      SourcePos pos{l.number, static_cast<uint32_t>(name_start + 1) + shift};
      if (out.get(name)) {
        warn(pos, "only one " + name + " parser directive can be used; this one is ignored");
        continue;
      }
      std::string value(s.substr(value_start, value_end - value_start));
      if (name == "escape") {
        if (value != "\\" && value != "`") {
          warn(pos, "invalid escape directive '" + value + "' (it must be \\ or `); \\ is used");
          continue;
        }
        escape_ = value[0];
      }
      out.add(name, Node::string(std::move(value), {l.number, static_cast<uint32_t>(value_start + 1) + shift}), pos);
    }
  }

  // A line ending with the escape character (blanks may follow it) goes on
  // on the next line.
  std::pair<std::string_view, bool> trim_continuation(std::string_view s) const {
    size_t e = s.size();
    while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
    if (e > 0 && s[e - 1] == escape_) return {s.substr(0, e - 1), true};
    return {s, false};
  }

  // Joins one instruction's physical lines into `t`. Returns false when the
  // line at `i` held no instruction (blank, comment).
  bool next_instruction(size_t& i, Text& t, uint32_t& end_line) {
    const Line& first = lines_[i++];
    if (is_comment(first.text)) return false;
    size_t lead = leading_space(first.text);
    auto [piece, more] = trim_continuation(first.text.substr(lead));
    if (!more && is_blank(piece)) return false;
    uint32_t col0 = static_cast<uint32_t>(lead + 1 + (first.number == 1 ? bom_ : 0));
    t.append(piece, first.number, col0);
    end_line = first.number;
    while (more && i < lines_.size()) {
      const Line& l = lines_[i++];
      end_line = l.number;
      // Comment lines and empty lines inside an instruction are dropped.
      if (is_comment(l.text) || is_blank(l.text)) continue;
      auto [p, m] = trim_continuation(l.text);
      t.append(p, l.number, 1);
      more = m;
    }
    size_t e = t.s.size();
    while (e > 0 && is_space(t.s[e - 1])) --e;
    size_t b = 0;
    while (b < e && is_space(t.s[b])) ++b;
    t.s = t.s.substr(b, e - b);
    t.at = std::vector<SourcePos>(t.at.begin() + static_cast<std::ptrdiff_t>(b),
                                  t.at.begin() + static_cast<std::ptrdiff_t>(e));
    return !t.s.empty();
  }

  Node read_heredoc(size_t& i, const HeredocSpec& h, const Text& t, uint32_t& end_line) {
    SourcePos pos = t.pos(h.at);
    Node n = Node::map(pos);
    n.add("name", Node::string(h.name, pos), pos);
    std::string content;
    SourcePos content_pos{i < lines_.size() ? lines_[i].number : end_line + 1, 1};
    bool terminated = false;
    while (i < lines_.size()) {
      const Line& l = lines_[i++];
      end_line = l.number;
      std::string_view s = l.text;
      if (h.chomp) s.remove_prefix(std::min(s.size(), s.find_first_not_of('\t')));
      if (s == h.name) {
        terminated = true;
        break;
      }
      content += s;
      content += '\n';
    }
    if (!terminated) warn(pos, "heredoc <<" + h.name + " is not terminated before the end of the file");
    n.add("content", Node::string(std::move(content), content_pos), content_pos);
    n.add("expand", Node::boolean(h.expand, pos), pos);
    n.add("chomp", Node::boolean(h.chomp, pos), pos);
    n.add("line", Node::integer(content_pos.line, pos), pos);
    n.add("end_line", Node::integer(end_line, pos), pos);
    return n;
  }

  // ---- variables ------------------------------------------------------------

  // Expands `word` in `scope`, adding the names without a value to
  // `unresolved`. On a substitution error the word is kept as written.
  std::string expand(const std::string& word, SourcePos pos, const Scope& scope,
                     std::vector<std::string>& unresolved) {
    if (budget_exhausted_) return word;
    if (word.find_first_of(std::string("$'\"") + escape_) == std::string::npos) return word;
    Lookup lookup = [&scope](const std::string& name) { return scope.get(name); };
    Expander ex(escape_, lookup, budget_);
    Expansion r = ex.expand(word);
    if (!r.error.empty()) {
      if (ex.budget_exhausted()) {
        budget_exhausted_ = true;
        warn(pos, "variable substitution produced more text than allowed; the rest is kept as written");
      } else {
        warn(pos, "variable substitution in '" + word + "': " + r.error + "; kept as written");
      }
      return word;
    }
    for (auto& n : r.unresolved)
      if (std::find(unresolved.begin(), unresolved.end(), n) == unresolved.end()) unresolved.push_back(std::move(n));
    return std::move(r.value);
  }

  // ---- instructions ---------------------------------------------------------

  struct Ctx {
    const Text& t;
    Node& node;
    const Scope* scope;  // null: no substitution (ONBUILD triggers, RUN, CMD, ...)
    std::vector<std::string> unresolved;
  };

  std::string sub(Ctx& c, const std::string& word, size_t at) {
    if (!c.scope) return word;
    return expand(word, c.t.pos(at), *c.scope, c.unresolved);
  }

  Node parse_instruction(const Text& t, uint32_t end_line, bool trigger, std::vector<HeredocSpec>& heredocs,
                         size_t begin) {
    SourcePos pos = t.pos(begin);
    size_t e = t.s.size();
    size_t i = begin;
    while (i < e && !is_space(t.s[i])) ++i;
    std::string keyword = t.s.substr(begin, i - begin);
    std::string cmd = lower(keyword);
    Node n = Node::map(pos);
    n.add("cmd", Node::string(cmd, pos), pos);
    n.add("line", Node::integer(pos.line, pos), pos);
    n.add("end_line", Node::integer(end_line, pos), pos);
    n.add("original", Node::string(t.s.substr(begin), pos), pos);

    std::vector<Flag> flags;
    size_t rest = extract_flags(t, i, e, flags);
    bool known = std::find(std::begin(kKnownInstructions), std::end(kKnownInstructions), cmd) !=
                 std::end(kKnownInstructions);
    if (!known) {
      warn(pos, "unknown instruction " + keyword);
    } else {
      for (const Flag& f : flags)
        if (!flag_allowed(cmd, f.name)) warn(t.pos(f.at), "unknown flag --" + f.name + " for " + upper(cmd));
      if (rest >= e && cmd != "cmd" && cmd != "entrypoint") warn(pos, upper(cmd) + " requires at least one argument");
    }

    // FROM sees the global ARGs only, the others their stage's variables.
    const Scope* scope = nullptr;
    if (!trigger && std::find(std::begin(kSubstituted), std::end(kSubstituted), cmd) != std::end(kSubstituted))
      scope = (cmd == "from" || !stage_) ? &global_ : &scope_;
    Ctx c{t, n, scope, {}};

    add_flags(c, flags, cmd == "from" || cmd == "copy" || cmd == "add");

    if (cmd == "from") parse_from(c, rest, e);
    else if (cmd == "run" || cmd == "cmd" || cmd == "entrypoint" || cmd == "shell") parse_command(c, cmd, rest, e, heredocs);
    else if (cmd == "copy" || cmd == "add") parse_copy(c, cmd, rest, e, heredocs);
    else if (cmd == "env" || cmd == "label" || cmd == "arg") parse_pairs(c, cmd, rest, e, trigger);
    else if (cmd == "expose") parse_expose(c, rest, e);
    else if (cmd == "user") parse_user(c, rest, e);
    else if (cmd == "volume") parse_volume(c, rest, e);
    else if (cmd == "healthcheck") parse_healthcheck(c, rest, e);
    else if (cmd == "onbuild") parse_onbuild(c, rest, e, end_line, heredocs);
    else {
      // WORKDIR, STOPSIGNAL, MAINTAINER and unknown instructions: one string.
      size_t b = std::min(rest, e);
      n.add("value", Node::string(sub(c, t.s.substr(b, e - b), b), t.pos(b)), t.pos(b));
    }
    Node unresolved = Node::list(pos);
    for (auto& name : c.unresolved) unresolved.push(Node::string(std::move(name), pos));
    n.add("unresolved", std::move(unresolved), pos);
    return n;
  }

  void add_flags(Ctx& c, const std::vector<Flag>& flags, bool substitute) {
    SourcePos pos = c.node.pos;
    Node map = Node::map(pos);
    Node list = Node::list(pos);
    for (const Flag& f : flags) {
      SourcePos fp = c.t.pos(f.at);
      Node value;
      if (!f.value) value = Node::boolean(true, fp);
      else if (is_bool_flag(f.name) && (*f.value == "true" || *f.value == "false"))
        value = Node::boolean(*f.value == "true", fp);
      else value = Node::string(substitute ? sub(c, *f.value, f.at) : *f.value, fp);
      Node entry = Node::map(fp);
      entry.add("name", Node::string(f.name, fp), fp);
      entry.add("value", value, fp);
      entry.add("original", f.value ? Node::string(*f.value, fp) : Node::null(fp), fp);
      list.push(std::move(entry));
      if (Node* old = map.get(f.name)) *old = std::move(value);
      else map.add(f.name, std::move(value), fp);
    }
    c.node.add("flags", std::move(map), pos);
    c.node.add("flag_list", std::move(list), pos);
  }

  void parse_from(Ctx& c, size_t b, size_t e) {
    std::vector<Word> words = split_fields(c.t, b, e);
    bool named = words.size() == 3 && lower(words[1].text) == "as";
    if (!words.empty() && words.size() != 1 && !named)
      warn(c.node.pos, "FROM requires either one or three arguments (FROM image [AS name])");
    Node args = Node::list(c.node.pos);
    for (const Word& w : words) args.push(Node::string(w.text, c.t.pos(w.at)));
    c.node.add("args", std::move(args), c.node.pos);
    SourcePos ipos = words.empty() ? c.node.pos : c.t.pos(words[0].at);
    std::string image = words.empty() ? std::string() : sub(c, words[0].text, words[0].at);
    c.node.add("image", Node::string(std::move(image), ipos), ipos);
    SourcePos npos = named ? c.t.pos(words[2].at) : c.node.pos;
    c.node.add("name", Node::string(named ? words[2].text : "", npos), npos);
  }

  void add_form(Ctx& c, bool exec_form, Node args, std::string command, SourcePos cpos) {
    SourcePos pos = c.node.pos;
    c.node.add("exec_form", Node::boolean(exec_form, pos), pos);
    c.node.add("args", std::move(args), pos);
    c.node.add("command", Node::string(std::move(command), cpos), cpos);
  }

  // RUN, CMD, ENTRYPOINT, SHELL (and HEALTHCHECK's CMD): the exec form or one
  // shell command; RUN may have heredocs and mounts.
  void parse_command(Ctx& c, const std::string& cmd, size_t b, size_t e, std::vector<HeredocSpec>& heredocs) {
    SourcePos pos = c.node.pos;
    SourcePos cpos = c.t.pos(b);
    auto json = b < e ? parse_json_array(c.t, b, e) : std::nullopt;
    if (json) {
      Node args = Node::list(pos);
      std::string joined;
      for (const Word& w : *json) {
        if (!joined.empty()) joined += ' ';
        joined += w.text;
        args.push(Node::string(w.text, c.t.pos(w.at)));
      }
      add_form(c, true, std::move(args), std::move(joined), cpos);
    } else {
      if (cmd == "shell") warn(pos, "SHELL requires the arguments to be in JSON form");
      std::string text = b < e ? c.t.s.substr(b, e - b) : std::string();
      Node args = Node::list(pos);
      if (!text.empty()) args.push(Node::string(text, cpos));
      add_form(c, false, std::move(args), std::move(text), cpos);
      if (cmd == "run" && b < e && c.t.s.find("<<", b) != std::string::npos) heredocs = find_heredocs(c.t, b, e);
    }
    if (cmd == "run") {
      Node mounts = Node::list(pos);
      for (const Node& f : c.node.get("flag_list")->items())
        if (f.get("name")->as_string() == "mount" && f.get("value")->is_string())
          mounts.push(parse_mount(f.get("value")->as_string(), f.pos));
      c.node.add("mounts", std::move(mounts), pos);
      c.node.add("heredocs", Node::list(pos), pos);
    }
  }

  void parse_copy(Ctx& c, const std::string& cmd, size_t b, size_t e, std::vector<HeredocSpec>& heredocs) {
    SourcePos pos = c.node.pos;
    auto json = b < e ? parse_json_array(c.t, b, e) : std::nullopt;
    std::vector<Word> words = json ? *json : split_fields(c.t, b, e);
    if (!json && b < e && c.t.s.find("<<", b) != std::string::npos) heredocs = find_heredocs(c.t, b, e);
    if (words.size() < 2) warn(pos, upper(cmd) + " requires at least two arguments: a source and a destination");
    Node args = Node::list(pos);
    Node sources = Node::list(pos);
    Node dest = Node::string("", pos);
    for (size_t k = 0; k < words.size(); ++k) {
      SourcePos wp = c.t.pos(words[k].at);
      args.push(Node::string(words[k].text, wp));
      // A heredoc source is named by its delimiter, as written.
      bool is_heredoc = !json && std::any_of(heredocs.begin(), heredocs.end(),
                                             [&](const HeredocSpec& h) { return h.at == words[k].at; });
      std::string value = is_heredoc ? words[k].text : sub(c, words[k].text, words[k].at);
      if (k + 1 < words.size()) sources.push(Node::string(std::move(value), wp));
      else dest = Node::string(std::move(value), wp);
    }
    c.node.add("exec_form", Node::boolean(json.has_value(), pos), pos);
    c.node.add("args", std::move(args), pos);
    c.node.add("sources", std::move(sources), pos);
    SourcePos dpos = dest.pos;
    c.node.add("dest", std::move(dest), dpos);
    c.node.add("heredocs", Node::list(pos), pos);
  }

  // ENV, LABEL and ARG: `key=value ...`, or ENV and LABEL's old `key value`.
  void parse_pairs(Ctx& c, const std::string& cmd, size_t b, size_t e, bool trigger) {
    SourcePos pos = c.node.pos;
    Node pairs = Node::list(pos);
    std::vector<Word> words = split_words(c.t, b, e, escape_);
    // All values of one ENV or LABEL see the variables as they were before it;
    // an ARG's default sees the ARGs declared before it on the same line.
    Scope before = c.scope ? *c.scope : Scope{};
    Ctx vc{c.t, c.node, c.scope ? &before : nullptr, {}};
    auto add_pair = [&](const std::string& key, size_t key_at, const std::optional<std::string>& raw,
                        size_t value_at) {
      SourcePos kp = c.t.pos(key_at);
      Node p = Node::map(kp);
      std::string k = cmd == "arg" ? key : sub(vc, key, key_at);
      p.add("key", Node::string(k, kp), kp);
      SourcePos vp = raw ? c.t.pos(value_at) : kp;
      std::optional<std::string> v;
      if (raw) v = sub(vc, *raw, value_at);
      p.add("value", v ? Node::string(*v, vp) : Node::null(vp), vp);
      p.add("original", raw ? Node::string(*raw, vp) : Node::null(vp), vp);
      pairs.push(std::move(p));
      if (!trigger) apply_variable(cmd, k, v);
      if (cmd == "arg" && c.scope) before = *c.scope;
    };
    if (cmd != "arg" && !words.empty() && words[0].text.find('=') == std::string::npos) {
      // `ENV key value with spaces`: the rest of the line is the value.
      size_t k_end = words[0].at;
      while (k_end < e && !is_space(c.t.s[k_end])) ++k_end;
      size_t v_at = k_end;
      while (v_at < e && is_space(c.t.s[v_at])) ++v_at;
      if (v_at >= e) warn(pos, upper(cmd) + " must have two arguments");
      else add_pair(c.t.s.substr(words[0].at, k_end - words[0].at), words[0].at, c.t.s.substr(v_at, e - v_at), v_at);
    } else {
      for (const Word& w : words) {
        size_t eq = w.text.find('=');
        if (eq == std::string::npos && cmd != "arg") {
          warn(c.t.pos(w.at), "can't find = in '" + w.text + "': " + upper(cmd) + " takes name=value pairs");
          continue;
        }
        if (eq == 0) {
          warn(c.t.pos(w.at), upper(cmd) + " names must not be empty");
          continue;
        }
        if (eq == std::string::npos) add_pair(w.text, w.at, std::nullopt, 0);
        else add_pair(w.text.substr(0, eq), w.at, w.text.substr(eq + 1), w.at + eq + 1);
      }
    }
    c.unresolved = std::move(vc.unresolved);
    c.node.add("pairs", std::move(pairs), pos);
  }

  // Records what an ENV or ARG sets in the stage's scope or the global one.
  void apply_variable(const std::string& cmd, const std::string& key, const std::optional<std::string>& value) {
    Scope& s = stage_ ? scope_ : global_;
    if (cmd == "env") {
      s.env[key] = value.value_or("");
    } else if (cmd == "arg") {
      if (value) {
        s.args[key] = value;
      } else if (stage_) {
        // `ARG NAME` in a stage takes the global ARG's default, if any.
        auto g = global_.args.find(key);
        s.args[key] = g != global_.args.end() ? g->second : std::nullopt;
      } else {
        s.args[key] = std::nullopt;
      }
    }
  }

  void parse_expose(Ctx& c, size_t b, size_t e) {
    SourcePos pos = c.node.pos;
    Node ports = Node::list(pos);
    auto num = [](std::string_view d) -> int64_t {
      if (d.empty() || d.size() > 9) return 0;
      int64_t v = 0;
      for (char ch : d) {
        if (ch < '0' || ch > '9') return 0;
        v = v * 10 + (ch - '0');
      }
      return v;
    };
    for (const Word& w : split_fields(c.t, b, e)) {
      SourcePos wp = c.t.pos(w.at);
      size_t unresolved_before = c.unresolved.size();
      std::string v = sub(c, w.text, w.at);
      // One word may expand to several ports (`EXPOSE $PORTS`).
      size_t k = 0;
      while (k < v.size()) {
        while (k < v.size() && is_space(v[k])) ++k;
        size_t s = k;
        while (k < v.size() && !is_space(v[k])) ++k;
        if (k == s) break;
        std::string text = v.substr(s, k - s);
        std::string proto = "tcp";
        std::string range = text;
        if (size_t slash = text.find('/'); slash != std::string::npos) {
          proto = lower(text.substr(slash + 1));
          range = text.substr(0, slash);
        }
        size_t dash = range.find('-');
        int64_t first = num(range.substr(0, dash));
        int64_t last = dash == std::string::npos ? first : num(range.substr(dash + 1));
        if ((first == 0 || last < first) && c.unresolved.size() == unresolved_before)
          warn(wp, "EXPOSE '" + text + "' is not a port or port range");
        Node p = Node::map(wp);
        p.add("text", Node::string(text, wp), wp);
        p.add("port", Node::integer(first, wp), wp);
        p.add("end_port", Node::integer(last, wp), wp);
        p.add("protocol", Node::string(proto, wp), wp);
        ports.push(std::move(p));
      }
    }
    c.node.add("ports", std::move(ports), pos);
  }

  void parse_user(Ctx& c, size_t b, size_t e) {
    SourcePos vp = c.t.pos(b);
    std::string v = b < e ? sub(c, c.t.s.substr(b, e - b), b) : std::string();
    size_t colon = v.find(':');
    c.node.add("value", Node::string(v, vp), vp);
    c.node.add("user", Node::string(v.substr(0, colon), vp), vp);
    c.node.add("group", Node::string(colon == std::string::npos ? "" : v.substr(colon + 1), vp), vp);
  }

  void parse_volume(Ctx& c, size_t b, size_t e) {
    SourcePos pos = c.node.pos;
    auto json = b < e ? parse_json_array(c.t, b, e) : std::nullopt;
    std::vector<Word> words = json ? *json : split_fields(c.t, b, e);
    Node paths = Node::list(pos);
    for (const Word& w : words) paths.push(Node::string(sub(c, w.text, w.at), c.t.pos(w.at)));
    c.node.add("exec_form", Node::boolean(json.has_value(), pos), pos);
    c.node.add("paths", std::move(paths), pos);
  }

  void parse_healthcheck(Ctx& c, size_t b, size_t e) {
    SourcePos pos = c.node.pos;
    size_t i = b;
    while (i < e && !is_space(c.t.s[i])) ++i;
    std::string type = upper(c.t.s.substr(std::min(b, e), i - std::min(b, e)));
    bool none = type == "NONE";
    c.node.add("none", Node::boolean(none, pos), pos);
    if (none) {
      if (i < e) warn(pos, "HEALTHCHECK NONE takes no other arguments");
      add_form(c, false, Node::list(pos), "", pos);
      return;
    }
    if (b < e && type != "CMD") warn(c.t.pos(b), "unknown type " + type + " in HEALTHCHECK (try CMD)");
    while (i < e && is_space(c.t.s[i])) ++i;
    std::vector<HeredocSpec> none_expected;
    parse_command(c, "healthcheck", i, e, none_expected);
  }

  void parse_onbuild(Ctx& c, size_t b, size_t e, uint32_t end_line, std::vector<HeredocSpec>& heredocs) {
    SourcePos pos = c.node.pos;
    size_t i = b;
    while (i < e && !is_space(c.t.s[i])) ++i;
    std::string trig = lower(c.t.s.substr(std::min(b, e), i - std::min(b, e)));
    if (b >= e || trig == "onbuild" || trig == "from" || trig == "maintainer") {
      if (b < e) warn(c.t.pos(b), upper(trig) + " isn't allowed as an ONBUILD trigger");
      c.node.add("trigger", Node::null(pos), pos);
      return;
    }
    // The trigger runs in a later build: not substituted, sets no variables here.
    c.node.add("trigger", parse_instruction(c.t, end_line, /*trigger=*/true, heredocs, b), pos);
  }

  // ---- stages ---------------------------------------------------------------

  void start_stage(const Node& from_instr, size_t index) {
    SourcePos pos = from_instr.pos;
    Node st = Node::map(pos);
    st.add("index", Node::integer(static_cast<int64_t>(index), pos), pos);
    const Node* name = from_instr.get("name");
    st.add("name", *name, name->pos);

    const Node* image = from_instr.get("image");
    const std::string& ref = image->as_string();
    SourcePos ip = image->pos;
    Node from = Node::map(pos);
    const Node* args = from_instr.get("args");
    from.add("original", Node::string(args->size() > 0 ? args->at(0)->as_string() : "", ip), ip);
    from.add("ref", Node::string(ref, ip), ip);
    // A FROM naming an earlier stage builds on it; that is not an image.
    std::optional<size_t> parent;
    for (size_t k = 0; k < stage_names_.size(); ++k)
      if (!stage_names_[k].empty() && stage_names_[k] == lower(ref)) parent = k;
    ImageRef r = parent ? ImageRef{ref, "", ""} : split_image_ref(ref);
    from.add("image", Node::string(r.image, ip), ip);
    from.add("tag", Node::string(r.tag, ip), ip);
    from.add("digest", Node::string(r.digest, ip), ip);
    const Node* platform = from_instr.get("flags")->get("platform");
    if (platform && platform->is_string()) from.add("platform", *platform, platform->pos);
    else from.add("platform", Node::string("", pos), pos);
    from.add("stage", parent ? Node::integer(static_cast<int64_t>(*parent), pos) : Node::null(pos), pos);
    from.add("scratch", Node::boolean(!parent && lower(ref) == "scratch", pos), pos);
    from.add("unresolved", *from_instr.get("unresolved"), pos);
    st.add("from", std::move(from), pos);
    stage_names_.push_back(lower(name->as_string()));

    // ENV and USER carry over from a parent stage; ARGs do not.
    scope_ = Scope{};
    user_ = Node::string("", pos);
    if (parent) {
      scope_.env = stage_env_[*parent];
      user_ = stage_user_[*parent];
    }
    Node instructions = Node::list(pos);
    instructions.push(from_instr);
    st.add("instructions", std::move(instructions), pos);
    stage_ = std::move(st);
  }

  Node finish_stage() {
    Node st = std::move(*stage_);
    stage_.reset();
    for (const Node& i : st.get("instructions")->items())
      if (i.get("cmd")->as_string() == "user") user_ = *i.get("value");
    st.add("user", user_, user_.pos);
    const auto& items = st.get("instructions")->items();
    st.add("end_line", Node::integer(items.back().get("end_line")->as_int(), st.pos), st.pos);
    stage_env_.push_back(scope_.env);
    stage_user_.push_back(user_);
    return st;
  }

  const ConfigFile& file_;
  const ConfigLimits& limits_;
  std::vector<Diagnostic>& diags_;
  size_t first_diag_;
  std::vector<Line> lines_;
  size_t bom_ = 0;
  char escape_ = '\\';
  size_t nodes_ = 0;
  uint64_t budget_;
  bool budget_exhausted_ = false;

  Scope global_;
  Scope scope_;
  std::optional<Node> stage_;
  Node user_;
  std::vector<std::string> stage_names_;
  std::vector<std::map<std::string, std::string>> stage_env_;
  std::vector<Node> stage_user_;
};

class DockerfileFormat : public ConfigFormat {
 public:
  std::string_view name() const override { return "dockerfile"; }

  bool wants(std::string_view path) const override {
    std::string name = lower(base_name(path));
    if (name == "dockerfile" || name == "containerfile" || name.ends_with(".dockerfile") ||
        name.ends_with(".containerfile"))
      return true;
    if (!name.starts_with("dockerfile.") && !name.starts_with("containerfile.")) return false;
    // `Dockerfile.prod` is a Dockerfile; `Dockerfile.md` is its documentation.
    static constexpr std::string_view kOther[] = {"md", "markdown", "txt", "rst", "adoc", "html", "json", "yaml",
                                                  "yml", "toml", "sh", "py", "go", "js", "ts", "j2", "jinja",
                                                  "jinja2", "tpl", "tmpl", "erb", "orig", "bak", "swp", "patch"};
    std::string_view ext = std::string_view(name).substr(name.rfind('.') + 1);
    return std::find(std::begin(kOther), std::end(kOther), ext) == std::end(kOther);
  }

  // A file named like a Dockerfile is one; what does not parse is a diagnostic.
  bool detect(std::string_view, std::string_view) const override { return true; }

  void parse(std::span<const ConfigFile* const> files, const ConfigLimits& limits, std::vector<Document>& out,
             std::vector<Diagnostic>& diags) const override {
    for (const ConfigFile* f : files) {
      if (!within_file_limit(*f, limits, diags)) continue;
      Document doc;
      doc.path = f->path;
      doc.format = "dockerfile";
      doc.kind = "Dockerfile";
      doc.index = 0;
      doc.root = DockerfileParser(*f, limits, diags).run();
      out.push_back(std::move(doc));
    }
  }
};

}  // namespace

ConfigFormatPtr make_dockerfile_format() { return std::make_unique<DockerfileFormat>(); }

}  // namespace bulwark::policy
