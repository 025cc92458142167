// Internal header of catalog/lang: rules shared by the go.mod and Go binary
// analyzers.
#pragma once

#include <cctype>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/utf8.hpp"

namespace bulwark::catalog::golang {

// The name under which both analyzers report the Go standard library (the
// toolchain's packages linked into every program), as the Go vulnerability
// database names it, so that standard-library advisories match.
inline constexpr std::string_view kStdlib = "stdlib";

// A Go toolchain name ("go1.19.8", "go1.21rc2", "go1.23.1 X:nocoverageredesign")
// as the module version of the standard library ("v1.19.8", "v1.21.0-rc.2",
// "v1.23.1"), the way the Go vulnerability tooling turns release tags into
// semantic versions: experiments and other words after the first space are
// dropped, "go1.20" is "v1.20.0", "rcN"/"betaN" become prereleases. Other
// suffixes are kept after the "v" ("go1.25-20250209-RC00" -> "v1.25-20250209-RC00").
// Development toolchains ("devel ...") and text that is not a Go release
// give nullopt: no release of the standard library can be named.
inline std::optional<std::string> stdlib_version(std::string_view toolchain) {
  auto digits = [](std::string_view s) {
    size_t n = 0;
    while (n < s.size() && std::isdigit(static_cast<unsigned char>(s[n]))) ++n;
    return n;
  };
  toolchain = toolchain.substr(0, toolchain.find(' '));
  if (toolchain.substr(0, 2) != "go") return std::nullopt;
  const std::string_view v = toolchain.substr(2);
  size_t i = 0;
  int parts = 0;
  while (parts < 3) {
    size_t n = digits(v.substr(i));
    if (n == 0) break;
    i += n;
    ++parts;
    if (parts == 3 || i + 1 >= v.size() || v[i] != '.' || digits(v.substr(i + 1)) == 0) break;
    ++i;
  }
  if (parts == 0) return std::nullopt;
  std::string out = "v" + std::string(v.substr(0, i));
  for (int k = parts; k < 3; ++k) out += ".0";
  const std::string_view rest = v.substr(i);
  if (rest.empty()) return out;
  for (std::string_view pre : {"rc", "beta", "alpha"}) {
    if (rest.substr(0, pre.size()) != pre) continue;
    std::string_view n = rest.substr(pre.size());
    if (!n.empty() && digits(n) == n.size()) return out + "-" + std::string(pre) + "." + std::string(n);
  }
  return "v" + std::string(v);
}

// Whether a replacement target is a directory rather than a module path
// (golang.org/ref/mod#go-mod-file-replace: it starts with ./ or ../, or is
// absolute).
inline bool is_local_path(std::string_view p) {
  return p == "." || p == ".." || p.substr(0, 2) == "./" || p.substr(0, 3) == "../" || p.substr(0, 1) == "/" ||
         p.substr(0, 2) == ".\\" || p.substr(0, 3) == "..\\" || p.substr(0, 1) == "\\" ||
         (p.size() >= 3 && std::isalpha(static_cast<unsigned char>(p[0])) && p[1] == ':' && (p[2] == '\\' || p[2] == '/'));
}

// Go's string literals ("..." with escapes, `...` raw), as strconv.Unquote
// reads them: quoted values in build info and quoted paths in go.mod.
inline std::optional<std::string> unquote(std::string_view s) {
  if (s.size() < 2 || s.front() != s.back() || (s[0] != '"' && s[0] != '`')) return std::nullopt;
  std::string_view body = s.substr(1, s.size() - 2);
  if (s[0] == '`') {
    if (body.find('`') != std::string_view::npos) return std::nullopt;
    return std::string(body);
  }
  std::string out;
  auto hex = [&](size_t& i, int n) -> std::optional<uint32_t> {
    if (body.size() - i < static_cast<size_t>(n)) return std::nullopt;
    uint32_t v = 0;
    for (int k = 0; k < n; ++k) {
      char c = body[i++];
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
      if (d < 0) return std::nullopt;
      v = v * 16 + static_cast<uint32_t>(d);
    }
    return v;
  };
  for (size_t i = 0; i < body.size();) {
    char c = body[i++];
    if (c == '"' || c == '\n') return std::nullopt;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (i >= body.size()) return std::nullopt;
    char e = body[i++];
    switch (e) {
      case 'a': out += '\a'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'v': out += '\v'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case '\'': out += '\''; break;
      case 'x': {
        auto v = hex(i, 2);
        if (!v) return std::nullopt;
        out += static_cast<char>(*v);
        break;
      }
      case 'u':
      case 'U': {
        auto v = hex(i, e == 'u' ? 4 : 8);
        if (!v) return std::nullopt;
        append_utf8(out, *v);
        break;
      }
      default: {
        if (e < '0' || e > '7' || body.size() - i < 2) return std::nullopt;
        uint32_t v = static_cast<uint32_t>(e - '0');
        for (int k = 0; k < 2; ++k) {
          char d = body[i++];
          if (d < '0' || d > '7') return std::nullopt;
          v = v * 8 + static_cast<uint32_t>(d - '0');
        }
        if (v > 255) return std::nullopt;
        out += static_cast<char>(v);
      }
    }
  }
  return out;
}

}  // namespace bulwark::catalog::golang
