// Repository metadata of a git work tree for repository targets: the commit
// HEAD resolves to, its branch and the origin remote's URL. Read from git's own
// files (HEAD, loose refs, packed-refs, config), following a ".git" file to the
// git directory of a linked worktree or submodule and "commondir" to the
// repository's shared refs and config — the layout git documents in
// gitrepository-layout(5) and git-config(1).
#include "artifact/git.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "artifact/artifact.hpp"

namespace bulwark::artifact {

namespace git {

namespace {

bool is_hex_lower(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

// Drops one trailing "\n" or "\r\n" and surrounding blanks.
std::string_view trim_line(std::string_view s) { return trim(s); }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

bool is_key_char(int c) { return std::isalnum(c) || c == '-'; }

// A character source with git's conventions: "\r\n" reads as "\n" and the end
// of the text as a final "\n".
class ConfigSource {
 public:
  explicit ConfigSource(std::string_view text) : text_(text) {}
  int next() {
    if (pos_ >= text_.size()) {
      eof_ = true;
      return '\n';
    }
    char c = text_[pos_++];
    if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') c = text_[pos_++];
    if (c == '\n') ++line_;
    return static_cast<unsigned char>(c);
  }
  bool eof() const { return eof_; }
  int line() const { return line_; }

 private:
  std::string_view text_;
  size_t pos_ = 0;
  int line_ = 1;
  bool eof_ = false;
};

}  // namespace

bool is_object_id(std::string_view text) {
  if (text.size() != 40 && text.size() != 64) return false;
  for (char c : text)
    if (!is_hex_lower(c)) return false;
  return true;
}

bool valid_ref_name(std::string_view name) {
  if (name.empty() || name.size() > 1024) return false;
  if (name.front() == '/' || name.back() == '/' || name.back() == '.') return false;
  if (name.find("..") != std::string_view::npos || name.find("//") != std::string_view::npos ||
      name.find("@{") != std::string_view::npos)
    return false;
  size_t start = 0;
  while (start <= name.size()) {
    size_t slash = name.find('/', start);
    std::string_view part = name.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || part.front() == '.' || ends_with(part, ".lock")) return false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  for (char ch : name) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7f || std::strchr("~^:?*[\\", c) != nullptr) return false;
  }
  // One-level names are only git's own pseudo refs (HEAD, ORIG_HEAD, …).
  if (name.find('/') == std::string_view::npos)
    for (char c : name)
      if (!(std::isupper(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

std::optional<RefValue> parse_ref_file(std::string_view text) {
  std::string_view t = trim_line(text);
  RefValue v;
  if (starts_with(t, "ref:")) {
    std::string_view target = trim(t.substr(4));
    if (!valid_ref_name(target)) return std::nullopt;
    v.symref = std::string(target);
    return v;
  }
  if (!is_object_id(t)) return std::nullopt;
  v.oid = std::string(t);
  return v;
}

std::optional<std::string> find_packed_ref(std::string_view text, std::string_view ref, const std::string& path,
                                           std::vector<Diagnostic>& diags) {
  std::optional<std::string> found;
  int line_no = 0;
  bool warned = false;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    start = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    bool ok;
    if (line.front() == '^') {
      ok = is_object_id(line.substr(1));  // the peeled object of the tag above
    } else {
      size_t sp = line.find(' ');
      ok = sp != std::string_view::npos && is_object_id(line.substr(0, sp));
      if (ok && line.substr(sp + 1) == ref && !found) found = std::string(line.substr(0, sp));
    }
    if (!ok && !warned) {
      // One warning per file: a broken file would otherwise flood the report.
      diags.push_back(make_warning(path, line_no, "packed-refs line is neither \"<object id> <ref>\" nor \"^<object id>\""));
      warned = true;
    }
  }
  return found;
}

std::optional<std::string> config_value(std::string_view text, std::string_view section, std::string_view subsection,
                                        std::string_view key, const std::string& path, std::vector<Diagnostic>& diags) {
  ConfigSource src(text);
  std::optional<std::string> result;
  std::string cur_section;     // lower-cased
  std::string cur_subsection;  // as written (legacy form lower-cased)
  auto fail = [&](int line, const std::string& what) {
    diags.push_back(make_warning(path, line, "git config: " + what + "; the rest of the file is not read"));
    return result;
  };
  // UTF-8 byte order mark, which git skips as well.
  if (starts_with(text, "\xEF\xBB\xBF")) {
    src.next();
    src.next();
    src.next();
  }
  for (;;) {
    int c = src.next();
    if (src.eof()) return result;
    if (c == '\n' || std::isspace(c)) continue;
    if (c == '#' || c == ';') {
      while (c != '\n') c = src.next();
      continue;
    }
    if (c == '[') {
      int line = src.line();
      cur_section.clear();
      cur_subsection.clear();
      for (;;) {
        c = src.next();
        if (src.eof() || c == '\n') return fail(line, "unterminated section header");
        if (c == ']') break;
        if (std::isspace(c)) {
          // [section "subsection"]: only \" and \\ (and any \x as x) inside.
          while (c == ' ' || c == '\t') c = src.next();
          if (c != '"') return fail(line, "expected '\"' in a section header");
          for (;;) {
            c = src.next();
            if (c == '\n') return fail(line, "unterminated subsection name");
            if (c == '"') break;
            if (c == '\\') {
              c = src.next();
              if (c == '\n') return fail(line, "unterminated subsection name");
            }
            cur_subsection.push_back(static_cast<char>(c));
          }
          if (src.next() != ']') return fail(line, "expected ']' after the subsection name");
          break;
        }
        if (!is_key_char(c) && c != '.') return fail(line, "invalid character in a section name");
        cur_section.push_back(static_cast<char>(std::tolower(c)));
      }
      if (cur_subsection.empty()) {
        // Legacy [section.subsection], lower-cased as a whole.
        if (size_t dot = cur_section.find('.'); dot != std::string::npos) {
          cur_subsection = cur_section.substr(dot + 1);
          cur_section.resize(dot);
        }
      }
      continue;
    }
    if (!std::isalpha(c)) return fail(src.line(), "a variable name must start with a letter");
    int line = src.line();
    std::string name(1, static_cast<char>(std::tolower(c)));
    for (;;) {
      c = src.next();
      if (!is_key_char(c)) break;
      name.push_back(static_cast<char>(std::tolower(c)));
    }
    while (c == ' ' || c == '\t') c = src.next();
    std::string value;
    if (c != '\n') {
      if (c != '=') return fail(line, "expected '=' after the variable name");
      // The value: blanks between words kept as single spaces per blank, a
      // trailing run dropped; quotes toggle; # and ; outside quotes start a comment.
      bool quote = false, comment = false;
      int spaces = 0;
      for (;;) {
        c = src.next();
        if (c == '\n') {
          if (quote) return fail(line, "unterminated quoted value");
          break;
        }
        if (comment) continue;
        if (std::isspace(c) && !quote) {
          if (!value.empty()) ++spaces;
          continue;
        }
        if (!quote && (c == ';' || c == '#')) {
          comment = true;
          continue;
        }
        value.append(static_cast<size_t>(spaces), ' ');
        spaces = 0;
        if (c == '\\') {
          c = src.next();
          switch (c) {
            case '\n': continue;  // line continuation
            case 't': c = '\t'; break;
            case 'b': c = '\b'; break;
            case 'n': c = '\n'; break;
            case '\\':
            case '"': break;
            default: return fail(line, "invalid escape sequence in a value");
          }
          value.push_back(static_cast<char>(c));
          continue;
        }
        if (c == '"') {
          quote = !quote;
          continue;
        }
        value.push_back(static_cast<char>(c));
      }
    } else {
      value = "true";  // "[core] bare" is a boolean set to true
    }
    if (iequals(cur_section, section) && cur_subsection == subsection && iequals(name, key)) result = value;
    if (src.eof()) return result;
  }
}

std::string redact_url(std::string_view url) {
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);  // scp-like or a local path
  std::string_view scheme = url.substr(0, scheme_end);
  size_t auth_start = scheme_end + 3;
  size_t auth_end = url.find_first_of("/?#", auth_start);
  std::string_view authority =
      url.substr(auth_start, auth_end == std::string_view::npos ? std::string_view::npos : auth_end - auth_start);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  std::string_view userinfo = authority.substr(0, at);
  bool ssh = scheme == "ssh" || scheme == "git+ssh" || scheme == "ssh+git";
  std::string out(url.substr(0, auth_start));
  if (ssh && userinfo.find(':') == std::string_view::npos) out.append(userinfo).push_back('@');
  out.append(url.substr(auth_start + at + 1));
  return out;
}

}  // namespace git

namespace {

namespace fs = std::filesystem;

// Git's files are small; these bound what one of them may make Bulwark read.
constexpr size_t kMaxSmallFile = 4096;                // HEAD, loose refs, .git files, commondir
constexpr size_t kMaxConfig = 1 << 20;                // config
constexpr size_t kMaxPackedRefs = size_t{256} << 20;  // packed-refs (repositories with many tags)
// Directories climbed from the target to find its work tree.
constexpr int kMaxClimb = 256;

enum class ReadState { kOk, kMissing, kFailed };

// Reads a regular file whole, up to `limit` bytes. A missing file is kMissing;
// anything else that stops the read is a warning and kFailed. O_NONBLOCK so
// that a FIFO in place of a file cannot hang the scan.
ReadState read_file(const fs::path& path, size_t limit, std::string& out, std::vector<Diagnostic>& diags) {
  out.clear();
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return ReadState::kMissing;
    diags.push_back(make_warning(path.string(), 0, std::string("git metadata: cannot open: ") + std::strerror(errno)));
    return ReadState::kFailed;
  }
  struct stat st {};
  ReadState state = ReadState::kOk;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    diags.push_back(make_warning(path.string(), 0, "git metadata: not a regular file"));
    state = ReadState::kFailed;
  } else if (static_cast<uint64_t>(st.st_size) > limit) {
    diags.push_back(make_warning(path.string(), 0,
                                 "git metadata: file is larger than the limit of " + std::to_string(limit) + " bytes"));
    state = ReadState::kFailed;
  } else {
    char buf[16384];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        diags.push_back(make_warning(path.string(), 0, std::string("git metadata: read failed: ") + std::strerror(errno)));
        state = ReadState::kFailed;
        break;
      }
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
      if (out.size() > limit) {  // grew while being read
        diags.push_back(make_warning(path.string(), 0, "git metadata: file is larger than the limit"));
        state = ReadState::kFailed;
        break;
      }
    }
  }
  ::close(fd);
  return state;
}

bool is_dir(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool path_exists(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

struct GitDirs {
  fs::path git_dir;     // HEAD and per-worktree refs
  fs::path common_dir;  // shared refs, packed-refs, config
};

// The git directory of the work tree containing `start`, as git's discovery
// finds it: "<dir>/.git" as a directory, or as a file "gitdir: <path>" (linked
// worktrees, submodules), climbing towards the root.
std::optional<GitDirs> discover(const fs::path& start, std::vector<Diagnostic>& diags) {
  std::error_code ec;
  fs::path dir = fs::weakly_canonical(fs::absolute(start, ec), ec);
  if (ec) return std::nullopt;
  for (int i = 0; i < kMaxClimb; ++i) {
    fs::path dot_git = dir / ".git";
    if (path_exists(dot_git)) {
      GitDirs d;
      if (is_dir(dot_git)) {
        d.git_dir = dot_git;
      } else {
        std::string text;
        if (read_file(dot_git, kMaxSmallFile, text, diags) != ReadState::kOk) return std::nullopt;
        std::string_view t = trim(text);
        if (!starts_with(t, "gitdir:")) {
          diags.push_back(make_warning(dot_git.string(), 1, "git metadata: a .git file must start with \"gitdir:\""));
          return std::nullopt;
        }
        fs::path target(std::string(trim(t.substr(7))));
        d.git_dir = target.is_absolute() ? target : dir / target;
      }
      if (!path_exists(d.git_dir / "HEAD")) {
        diags.push_back(make_warning(d.git_dir.string(), 0, "git metadata: not a git directory (no HEAD)"));
        return std::nullopt;
      }
      d.common_dir = d.git_dir;
      std::string common;
      switch (read_file(d.git_dir / "commondir", kMaxSmallFile, common, diags)) {
        case ReadState::kOk: {
          fs::path c(std::string(trim(common)));
          d.common_dir = c.is_absolute() ? c : d.git_dir / c;
          break;
        }
        case ReadState::kMissing: break;
        case ReadState::kFailed: return std::nullopt;
      }
      d.git_dir = d.git_dir.lexically_normal();
      d.common_dir = d.common_dir.lexically_normal();
      return d;
    }
    if (!dir.has_parent_path() || dir.parent_path() == dir) break;
    dir = dir.parent_path();
  }
  return std::nullopt;
}

// Refs that live in each worktree's own git directory rather than the shared one.
bool per_worktree(std::string_view ref) {
  return ref.find('/') == std::string_view::npos || starts_with(ref, "refs/worktree/") ||
         starts_with(ref, "refs/bisect/") || starts_with(ref, "refs/rewritten/");
}

// Resolves a ref to an object id: the loose file, else packed-refs; symbolic
// refs are followed a few hops. Empty when the ref does not exist (an unborn
// branch) or cannot be read (with a warning).
std::string resolve(const GitDirs& d, std::string ref, std::vector<Diagnostic>& diags) {
  std::optional<std::string> packed_text;
  for (int hop = 0; hop < 5; ++hop) {
    if (!git::valid_ref_name(ref)) return {};
    fs::path file = (per_worktree(ref) ? d.git_dir : d.common_dir) / ref;
    std::string text;
    ReadState state = is_dir(file) ? ReadState::kMissing : read_file(file, kMaxSmallFile, text, diags);
    if (state == ReadState::kFailed) return {};
    if (state == ReadState::kOk) {
      auto v = git::parse_ref_file(text);
      if (!v) {
        diags.push_back(make_warning(file.string(), 1, "git metadata: neither an object id nor \"ref: <name>\""));
        return {};
      }
      if (!v->oid.empty()) return v->oid;
      ref = v->symref;
      continue;
    }
    if (!packed_text) {
      std::string t;
      if (read_file(d.common_dir / "packed-refs", kMaxPackedRefs, t, diags) != ReadState::kOk) t.clear();
      packed_text = std::move(t);
    }
    return git::find_packed_ref(*packed_text, ref, (d.common_dir / "packed-refs").string(), diags).value_or("");
  }
  diags.push_back(make_warning((d.git_dir / "HEAD").string(), 0, "git metadata: symbolic refs nested too deep"));
  return {};
}

}  // namespace

std::optional<RepositoryInfo> read_git_repository(const std::string& dir, std::vector<Diagnostic>& diags) {
  auto dirs = discover(dir, diags);
  if (!dirs) return std::nullopt;
  RepositoryInfo info;
  fs::path head_path = dirs->git_dir / "HEAD";
  std::string head;
  if (read_file(head_path, kMaxSmallFile, head, diags) == ReadState::kOk) {
    if (auto v = git::parse_ref_file(head)) {
      if (!v->oid.empty()) {
        info.commit = v->oid;  // detached HEAD
      } else {
        if (starts_with(v->symref, "refs/heads/")) info.branch = v->symref.substr(11);
        info.commit = resolve(*dirs, v->symref, diags);
      }
    } else {
      diags.push_back(make_warning(head_path.string(), 1, "git metadata: HEAD is neither an object id nor \"ref: <name>\""));
    }
  }
  std::string config;
  fs::path config_path = dirs->common_dir / "config";
  if (read_file(config_path, kMaxConfig, config, diags) == ReadState::kOk)
    if (auto url = git::config_value(config, "remote", "origin", "url", config_path.string(), diags))
      info.remote_url = git::redact_url(*url);
  return info;
}

}  // namespace bulwark::artifact
