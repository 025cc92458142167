// Matching primitives: package URLs, path globs, dates.
#include <cctype>
#include <cstdlib>
#include <algorithm>
#include <vector>

#include "core/date.hpp"
#include "enrich/internal.hpp"

namespace bulwark::enrich::detail {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decoding. '+' stays '+': purls are not form-encoded.
std::optional<std::string> decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    int hi = hex_value(in[i + 1]), lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// "esm-infra-legacy/trusty" -> "trusty"; "Ubuntu-22.04" -> "ubuntu-22.04".
std::string distro_key(std::string_view v) {
  size_t slash = v.rfind('/');
  if (slash != std::string_view::npos) v = v.substr(slash + 1);
  return to_lower(v);
}

// "debian-12" and "debian-12.5" name the same release line.
bool same_release(const std::string& a, const std::string& b) {
  if (a == b) return true;
  const std::string& shorter = a.size() < b.size() ? a : b;
  const std::string& longer = a.size() < b.size() ? b : a;
  return !shorter.empty() && starts_with(longer, shorter) && longer[shorter.size()] == '.';
}

bool distro_equal(const std::string& pattern, const std::string& candidate, const DistroNames& d) {
  std::string p = distro_key(pattern), c = distro_key(candidate);
  if (same_release(p, c)) return true;
  std::string fv = to_lower(d.family_version), cn = to_lower(d.codename);
  if (fv.empty() || cn.empty()) return false;
  bool p_is_ours = same_release(p, fv) || p == cn;
  bool c_is_ours = same_release(c, fv) || c == cn;
  return p_is_ours && c_is_ours;
}

// Glob matching by dynamic programming over (pattern token, path position):
// linear in both lengths for any pattern, so no input can make it backtrack
// exponentially.
bool glob_at(std::string_view p, std::string_view s) {
  enum class Tok { kLit, kOne, kStar, kDeep, kDeepDir };  // c, ?, *, **, **/
  struct Token {
    Tok kind;
    char c;
  };
  std::vector<Token> toks;
  for (size_t i = 0; i < p.size();) {
    if (p[i] == '*') {
      if (i + 1 < p.size() && p[i + 1] == '*') {
        bool dir = i + 2 < p.size() && p[i + 2] == '/';
        toks.push_back({dir ? Tok::kDeepDir : Tok::kDeep, 0});
        i += dir ? 3 : 2;
        while (i < p.size() && p[i] == '*') ++i;
      } else {
        toks.push_back({Tok::kStar, 0});
        ++i;
      }
    } else {
      toks.push_back({p[i] == '?' ? Tok::kOne : Tok::kLit, p[i]});
      ++i;
    }
  }
  const size_t n = s.size();
  std::vector<char> cur(n + 1, 0), next(n + 1, 0);
  cur[0] = 1;
  for (const Token& t : toks) {
    std::fill(next.begin(), next.end(), 0);
    bool reach = false;  // some cur[k], k <= j
    for (size_t j = 0; j <= n; ++j) {
      reach = reach || cur[j];
      switch (t.kind) {
        case Tok::kLit:
          if (j > 0 && cur[j - 1] && s[j - 1] == t.c) next[j] = 1;
          break;
        case Tok::kOne:
          if (j > 0 && cur[j - 1] && s[j - 1] != '/') next[j] = 1;
          break;
        case Tok::kStar:
          next[j] = cur[j] || (j > 0 && next[j - 1] && s[j - 1] != '/');
          break;
        case Tok::kDeep:
          next[j] = reach;
          break;
        case Tok::kDeepDir:  // nothing, or anything ending in '/'
          next[j] = cur[j] || (j > 0 && s[j - 1] == '/' && reach);
          break;
      }
    }
    std::swap(cur, next);
  }
  return cur[n];
}

std::string_view strip_leading(std::string_view s) {
  while (true) {
    if (starts_with(s, "./")) s.remove_prefix(2);
    else if (starts_with(s, "/")) s.remove_prefix(1);
    else return s;
  }
}

}  // namespace

std::optional<PurlKey> parse_purl(std::string_view text) {
  text = trim(text);
  if (!starts_with(to_lower(text.substr(0, 4)), "pkg:")) return std::nullopt;
  text.remove_prefix(4);
  while (starts_with(text, "/")) text.remove_prefix(1);
  if (size_t hash = text.find('#'); hash != std::string_view::npos) text = text.substr(0, hash);
  std::string_view quals;
  if (size_t q = text.find('?'); q != std::string_view::npos) {
    quals = text.substr(q + 1);
    text = text.substr(0, q);
  }
  size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  PurlKey k;
  k.type = to_lower(text.substr(0, slash));
  std::string_view rest = text.substr(slash + 1);
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  // The version follows the last '@' of the last segment.
  size_t last_slash = rest.rfind('/');
  size_t at = rest.rfind('@');
  std::string_view version;
  if (at != std::string_view::npos && (last_slash == std::string_view::npos || at > last_slash)) {
    version = rest.substr(at + 1);
    rest = rest.substr(0, at);
  }
  last_slash = rest.rfind('/');
  std::string_view name = last_slash == std::string_view::npos ? rest : rest.substr(last_slash + 1);
  std::string_view ns = last_slash == std::string_view::npos ? std::string_view() : rest.substr(0, last_slash);
  auto n = decode(name), s = decode(ns), v = decode(version);
  if (!n || !s || !v || n->empty()) return std::nullopt;
  k.name = *n;
  k.ns = *s;
  k.version = *v;
  std::string epoch;
  while (!quals.empty()) {
    size_t amp = quals.find('&');
    std::string_view pair = quals.substr(0, amp);
    quals = amp == std::string_view::npos ? std::string_view() : quals.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    auto value = decode(pair.substr(eq + 1));
    if (!value) return std::nullopt;
    std::string key = to_lower(pair.substr(0, eq));
    if (key == "epoch") epoch = *value;
    else if (!value->empty()) k.qualifiers[key] = *value;
  }
  // OS packages: Bulwark and Trivy put the epoch in a qualifier, Canonical in
  // the version. Fold both into "epoch:version".
  if (!epoch.empty() && epoch != "0" && !k.version.empty() && k.version.find(':') == std::string::npos)
    k.version = epoch + ":" + k.version;
  if (starts_with(k.version, "0:") && (k.type == "deb" || k.type == "rpm")) k.version = k.version.substr(2);
  if (k.type == "pypi") {
    k.name = to_lower(k.name);
    for (char& c : k.name)
      if (c == '_' || c == '.') c = '-';
  }
  return k;
}

DistroNames distro_names(const std::optional<OsInfo>& os) {
  DistroNames d;
  if (!os) return d;
  if (!os->family.empty()) d.family_version = os->family + (os->version.empty() ? "" : "-" + os->version);
  d.codename = os->codename;
  return d;
}

bool purl_matches(const PurlKey& pattern, const PurlKey& candidate, const DistroNames& distro) {
  if (pattern.type != candidate.type || pattern.name != candidate.name) return false;
  if (pattern.ns != candidate.ns) {
    // OS namespaces are the vendor in lower case; npm scopes keep their '@'.
    if (to_lower(pattern.ns) != to_lower(candidate.ns)) return false;
  }
  if (!pattern.version.empty() && pattern.version != candidate.version) return false;
  for (const auto& [key, value] : pattern.qualifiers) {
    auto it = candidate.qualifiers.find(key);
    if (it == candidate.qualifiers.end()) return false;
    if (key == "distro" ? !distro_equal(value, it->second, distro) : value != it->second) return false;
  }
  return true;
}

bool glob_matches(std::string_view pattern, std::string_view path) {
  pattern = strip_leading(pattern);
  path = strip_leading(path);
  if (pattern.empty()) return path.empty();
  if (pattern.back() == '/') return starts_with(path, pattern) || path == pattern.substr(0, pattern.size() - 1);
  return glob_at(pattern, path);
}

bool valid_date(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!all_digits(s.substr(0, 4)) || !all_digits(s.substr(5, 2)) || !all_digits(s.substr(8, 2))) return false;
  int y = std::atoi(std::string(s.substr(0, 4)).c_str());
  int m = std::atoi(std::string(s.substr(5, 2)).c_str());
  int d = std::atoi(std::string(s.substr(8, 2)).c_str());
  if (m < 1 || m > 12 || d < 1) return false;
  return static_cast<unsigned>(d) <= days_in_month(y, static_cast<unsigned>(m));
}

std::optional<std::string> date_part(std::string_view s) {
  s = trim(s);
  if (s.size() < 10 || !valid_date(s.substr(0, 10))) return std::nullopt;
  if (s.size() == 10) return std::string(s);
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  return std::string(s.substr(0, 10));
}

std::string today_utc() { return now_rfc3339().substr(0, 10); }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

}  // namespace bulwark::enrich::detail
