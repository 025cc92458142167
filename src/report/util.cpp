#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <random>
#include <set>

#include "core/core.hpp"
#include "report/internal.hpp"

namespace bulwark::report {

std::string random_uuid_v4() {
  std::random_device rd;
  std::array<uint8_t, 16> b{};
  for (size_t i = 0; i < b.size(); i += 4) {
    uint32_t r = rd();
    for (size_t k = 0; k < 4; ++k) b[i + k] = static_cast<uint8_t>(r >> (8 * k));
  }
  b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 15]);
  }
  return out;
}

namespace {

// Identifiers from the SPDX License List (facts about the list, in its case)
// that packages commonly declare. A licence not listed here is written by name,
// which every SBOM consumer accepts.
constexpr std::string_view kSpdxIds[] = {
    "0BSD", "AFL-2.1", "AFL-3.0", "AGPL-3.0-only", "AGPL-3.0-or-later", "Apache-1.1", "Apache-2.0",
    "APSL-2.0", "Artistic-1.0", "Artistic-1.0-Perl", "Artistic-2.0", "BlueOak-1.0.0", "BSD-1-Clause",
    "BSD-2-Clause", "BSD-2-Clause-Patent", "BSD-3-Clause", "BSD-3-Clause-Clear", "BSD-4-Clause",
    "BSL-1.0", "bzip2-1.0.6", "CC-BY-3.0", "CC-BY-4.0", "CC-BY-SA-3.0", "CC-BY-SA-4.0", "CC0-1.0",
    "CDDL-1.0", "CDDL-1.1", "CPL-1.0", "curl", "EPL-1.0", "EPL-2.0", "EUPL-1.1", "EUPL-1.2",
    "FSFAP", "FTL", "GFDL-1.2-only", "GFDL-1.2-or-later", "GFDL-1.3-only", "GFDL-1.3-or-later",
    "GPL-1.0-only", "GPL-1.0-or-later", "GPL-2.0-only", "GPL-2.0-or-later", "GPL-3.0-only",
    "GPL-3.0-or-later", "HPND", "ICU", "IJG", "ISC", "LGPL-2.0-only", "LGPL-2.0-or-later",
    "LGPL-2.1-only", "LGPL-2.1-or-later", "LGPL-3.0-only", "LGPL-3.0-or-later", "Libpng",
    "libtiff", "LPPL-1.3c", "MIT", "MIT-0", "MPL-1.1", "MPL-2.0", "MS-PL", "MS-RL", "NCSA",
    "OFL-1.1", "OpenSSL", "PHP-3.0", "PHP-3.01", "PostgreSQL", "PSF-2.0", "Python-2.0", "Ruby",
    "Sleepycat", "Unicode-DFS-2016", "Unicode-3.0", "Unlicense", "UPL-1.0", "Vim", "W3C", "WTFPL",
    "X11", "Zlib", "zlib-acknowledgement", "ZPL-2.1",
};

}  // namespace

namespace {

// Percent-encodes what may not stand in a URI path (RFC 3986 pchar and "/").
std::string uri_path(std::string_view path) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) || std::string_view("-._~/!$&'()*+,;=@:").find(static_cast<char>(c)) != std::string_view::npos) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> repository_uri(std::string_view url) {
  if (url.empty()) return std::nullopt;
  if (size_t scheme = url.find("://"); scheme != std::string_view::npos && scheme > 0) {
    bool ok = std::isalpha(static_cast<unsigned char>(url[0]));
    for (char c : url.substr(0, scheme))
      ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.');
    if (!ok) return std::nullopt;
    for (char c : url)
      if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) return std::nullopt;
    return std::string(url);
  }
  if (url.front() == '/') return "file://" + uri_path(url);
  size_t colon = url.find(':');
  size_t slash = url.find('/');
  if (colon == std::string_view::npos || colon == 0 || (slash != std::string_view::npos && slash < colon))
    return std::nullopt;
  std::string_view host = url.substr(0, colon);
  for (char c : host)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("-._~@").find(c) != std::string_view::npos))
      return std::nullopt;
  std::string_view path = url.substr(colon + 1);
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return "ssh://" + std::string(host) + "/" + uri_path(path);
}

std::vector<std::string> dependency_roots(const std::vector<DependencyNode>& nodes,
                                          const std::map<std::string, std::vector<std::string>>& edges) {
  std::set<std::string> members, depended_on;
  for (const auto& n : nodes) members.insert(n.ref);
  for (const auto& n : nodes)
    if (auto it = edges.find(n.ref); it != edges.end())
      for (const auto& to : it->second)
        if (members.count(to) && to != n.ref) depended_on.insert(to);
  std::vector<std::string> roots;
  std::set<std::string> reached;
  auto reach = [&](const std::string& start) {
    std::vector<std::string> stack{start};
    while (!stack.empty()) {
      std::string ref = std::move(stack.back());
      stack.pop_back();
      if (!reached.insert(ref).second) continue;
      if (auto it = edges.find(ref); it != edges.end())
        for (const auto& to : it->second)
          if (members.count(to) && !reached.count(to)) stack.push_back(to);
    }
  };
  std::set<std::string> taken;
  auto take = [&](const std::string& ref) {
    if (taken.insert(ref).second) roots.push_back(ref);
  };
  for (const auto& n : nodes)
    if (n.relationship == Relationship::kRoot || n.relationship == Relationship::kDirect) take(n.ref);
  for (const auto& n : nodes)
    if (n.relationship == Relationship::kUnknown && !depended_on.count(n.ref)) take(n.ref);
  for (const auto& r : roots) reach(r);
  for (const auto& n : nodes)
    if (!reached.count(n.ref)) {
      take(n.ref);
      reach(n.ref);
    }
  return roots;
}

std::optional<std::string> spdx_license_id(std::string_view license) {
  std::string lower = to_lower(trim(license));
  for (std::string_view id : kSpdxIds)
    if (to_lower(id) == lower) return std::string(id);
  return std::nullopt;
}

std::optional<std::string> to_date_time(std::string_view text) {
  text = trim(text);
  auto digits = [&](size_t from, size_t n) {
    if (text.size() < from + n) return false;
    for (size_t i = from; i < from + n; ++i)
      if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    return true;
  };
  bool date = digits(0, 4) && text.size() >= 10 && text[4] == '-' && digits(5, 2) && text[7] == '-' && digits(8, 2);
  if (!date) return std::nullopt;
  if (text.size() == 10) return std::string(text) + "T00:00:00Z";
  bool time = text.size() >= 20 && (text[10] == 'T' || text[10] == 't') && digits(11, 2) && text[13] == ':' &&
              digits(14, 2) && text[16] == ':' && digits(17, 2);
  if (!time) return std::nullopt;
  std::string_view tail = text.substr(19);
  if (!tail.empty() && tail[0] == '.') {  // fraction
    size_t i = 1;
    while (i < tail.size() && std::isdigit(static_cast<unsigned char>(tail[i]))) ++i;
    if (i == 1) return std::nullopt;
    tail = tail.substr(i);
  }
  bool zone = tail == "Z" || tail == "z" ||
              (tail.size() == 6 && (tail[0] == '+' || tail[0] == '-') && std::isdigit(static_cast<unsigned char>(tail[1])) &&
               std::isdigit(static_cast<unsigned char>(tail[2])) && tail[3] == ':' &&
               std::isdigit(static_cast<unsigned char>(tail[4])) && std::isdigit(static_cast<unsigned char>(tail[5])));
  if (!zone) return std::nullopt;
  return std::string(text);
}

std::optional<HashValue> split_digest(std::string_view digest) {
  size_t colon = digest.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  std::string alg = to_lower(digest.substr(0, colon));
  std::string hex = to_lower(digest.substr(colon + 1));
  struct Known {
    const char* name;
    const char* cdx;
    const char* spdx;
    size_t len;
  };
  static constexpr Known kKnown[] = {{"md5", "MD5", "MD5", 32},
                                     {"sha1", "SHA-1", "SHA1", 40},
                                     {"sha256", "SHA-256", "SHA256", 64},
                                     {"sha512", "SHA-512", "SHA512", 128}};
  for (const auto& k : kKnown) {
    if (alg != k.name || hex.size() != k.len) continue;
    if (!std::all_of(hex.begin(), hex.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); }))
      return std::nullopt;
    return HashValue{k.cdx, k.spdx, hex};
  }
  return std::nullopt;
}

// ---- UTF-8 ------------------------------------------------------------------

namespace {

// Decodes one UTF-8 sequence at s[i]; returns its length (1 for an invalid byte)
// and the code point (U+FFFD for invalid input).
size_t next_char(std::string_view s, size_t i, char32_t& cp) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  size_t len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    cp = 0xfffd;
    return 1;
  }
  cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
  for (size_t k = 1; k < len; ++k) {
    unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc >> 6) != 0x2) {
      cp = 0xfffd;
      return 1;
    }
    cp = (cp << 6) | (cc & 0x3f);
  }
  return len;
}

size_t char_width(char32_t cp) {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;  // control characters
  if ((cp >= 0x300 && cp <= 0x36f) || (cp >= 0x200b && cp <= 0x200f) || (cp >= 0xfe00 && cp <= 0xfe0f)) return 0;
  if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) ||
      (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
      (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1f300 && cp <= 0x1faff) || (cp >= 0x20000 && cp <= 0x3fffd))
    return 2;
  return 1;
}

}  // namespace

size_t display_width(std::string_view s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    i += next_char(s, i, cp);
    w += char_width(cp);
  }
  return w;
}

std::string truncate_to_width(std::string_view s, size_t width) {
  if (display_width(s) <= width) return std::string(s);
  if (width == 0) return {};
  std::string out;
  size_t w = 0;
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    size_t len = next_char(s, i, cp);
    size_t cw = char_width(cp);
    if (w + cw > width - 1) break;  // keep one column for the ellipsis
    out.append(s.substr(i, len));
    w += cw;
    i += len;
  }
  out += "\u2026";
  return out;
}

}  // namespace bulwark::report
