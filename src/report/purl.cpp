#include "report/purl.hpp"

#include <cctype>
#include <vector>

#include "core/core.hpp"

namespace bulwark::report {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Error bad(std::string msg) { return Error(ErrorCode::kCorrupt, std::move(msg)); }

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

// Type and qualifier keys: ASCII letters, digits, '.', '+', '-' (types) or
// '.', '-', '_' (keys), not starting with a digit.
bool valid_token(std::string_view s, std::string_view extra) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (!std::isalnum(u) && extra.find(c) == std::string_view::npos) return false;
  }
  return true;
}

// Decodes '/'-separated segments, dropping empty ones (and "."/".." in subpaths).
Result<std::string> decode_segments(std::string_view s, bool subpath, const char* what) {
  std::string out;
  for (std::string_view seg : split(s, '/')) {
    if (seg.empty() || (subpath && (seg == "." || seg == ".."))) continue;
    std::string decoded;
    if (!percent_decode(seg, decoded)) return bad(std::string("bad percent-encoding in the ") + what);
    if (!out.empty()) out.push_back('/');
    out += decoded;
  }
  return out;
}

std::string encode_segments(std::string_view s) {
  std::string out;
  for (std::string_view seg : split(s, '/')) {
    if (seg.empty()) continue;
    if (!out.empty()) out.push_back('/');
    out += purl_escape(seg);
  }
  return out;
}

}  // namespace

bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;  // needs two hex digits
    int hi = hex_value(in[i + 1]);
    int lo = hex_value(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

Result<Purl> parse_purl(std::string_view text) {
  Purl p;
  std::string_view rest = trim(text);
  if (rest.empty()) return bad("empty package URL");

  // Subpath: after the last '#'.
  if (size_t hash = rest.rfind('#'); hash != std::string_view::npos) {
    auto sub = decode_segments(rest.substr(hash + 1), true, "subpath");
    if (!sub) return sub.error();
    p.subpath = std::move(*sub);
    rest = rest.substr(0, hash);
  }
  // Qualifiers: after the last '?'.
  if (size_t q = rest.rfind('?'); q != std::string_view::npos) {
    for (std::string_view pair : split(rest.substr(q + 1), '&')) {
      if (pair.empty()) continue;
      size_t eq = pair.find('=');
      if (eq == std::string_view::npos) return bad("qualifier '" + std::string(pair) + "' has no '='");
      std::string key = to_lower(pair.substr(0, eq));
      if (!valid_token(key, ".-_")) return bad("invalid qualifier key '" + key + "'");
      std::string value;
      if (!percent_decode(pair.substr(eq + 1), value)) return bad("bad percent-encoding in qualifier '" + key + "'");
      if (value.empty()) continue;  // the spec drops empty values
      if (p.qualifiers.count(key)) return bad("qualifier '" + key + "' appears twice");
      p.qualifiers.emplace(std::move(key), std::move(value));
    }
    rest = rest.substr(0, q);
  }
  // Scheme.
  size_t colon = rest.find(':');
  if (colon == std::string_view::npos || to_lower(rest.substr(0, colon)) != "pkg")
    return bad("package URL does not start with 'pkg:'");
  rest = rest.substr(colon + 1);
  while (!rest.empty() && rest.front() == '/') rest.remove_prefix(1);
  while (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);

  // Type.
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return bad("package URL has no name after the type");
  p.type = to_lower(rest.substr(0, slash));
  if (!valid_token(p.type, ".+-")) return bad("invalid package type '" + p.type + "'");
  rest = rest.substr(slash + 1);

  // Version: after an '@' that follows the last '/' (an npm scope keeps its '@').
  size_t last_slash = rest.rfind('/');
  size_t at = rest.rfind('@');
  if (at != std::string_view::npos && (last_slash == std::string_view::npos || at > last_slash)) {
    if (!percent_decode(rest.substr(at + 1), p.version)) return bad("bad percent-encoding in the version");
    rest = rest.substr(0, at);
    last_slash = rest.rfind('/');
  }
  // Name and namespace.
  std::string_view name = last_slash == std::string_view::npos ? rest : rest.substr(last_slash + 1);
  if (!percent_decode(name, p.name)) return bad("bad percent-encoding in the name");
  if (p.name.empty()) return bad("package URL has an empty name");
  if (last_slash != std::string_view::npos) {
    auto ns = decode_segments(rest.substr(0, last_slash), false, "namespace");
    if (!ns) return ns.error();
    p.ns = std::move(*ns);
  }
  return p;
}

std::string to_string(const Purl& p) {
  std::string out = "pkg:" + p.type + "/";
  if (!p.ns.empty()) out += encode_segments(p.ns) + "/";
  out += purl_escape(p.name);
  if (!p.version.empty()) out += "@" + purl_escape(p.version);
  char sep = '?';
  for (const auto& [k, v] : p.qualifiers) {  // std::map: sorted by key
    if (v.empty()) continue;
    out += sep;
    out += k + "=" + purl_escape(v);
    sep = '&';
  }
  if (!p.subpath.empty()) out += "#" + encode_segments(p.subpath);
  return out;
}

}  // namespace bulwark::report
