// Package URLs (https://github.com/package-url/purl-spec): parsing and
// canonical formatting. Used by the SBOM readers to turn a component's purl back
// into ecosystem, namespace, name, version and qualifiers (arch, epoch, distro).
// Internal to the report module.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace bulwark::report {

struct Purl {
  std::string type;       // lower-case, e.g. "deb", "npm"
  std::string ns;         // namespace, decoded, segments joined by '/'
  std::string name;       // decoded
  std::string version;    // decoded; empty when absent
  std::map<std::string, std::string> qualifiers;  // keys lower-case, values decoded
  std::string subpath;    // decoded segments joined by '/'

  bool operator==(const Purl&) const = default;

  std::string qualifier(const std::string& key) const {
    auto it = qualifiers.find(key);
    return it == qualifiers.end() ? std::string() : it->second;
  }
};

// Parses a purl. Errors (kCorrupt) say what is wrong; the caller adds where.
Result<Purl> parse_purl(std::string_view text);

// The canonical string form: percent-encoded components, qualifiers sorted by key,
// empty qualifier values dropped.
std::string to_string(const Purl& p);

// Percent-decoding; false on a malformed escape ("%G1", "%4").
bool percent_decode(std::string_view in, std::string& out);

}  // namespace bulwark::report
