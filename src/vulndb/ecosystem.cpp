// OSV ecosystem strings, distro release suffixes, per-ecosystem package name
// normalisation and the origin/rank of advisory ids.
#include <algorithm>
#include <array>
#include <cctype>

#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb {
namespace {

struct KnownEcosystem {
  std::string_view name;
  bool distro;
};

// The ecosystems of the OSV schema (ossf/osv-schema ecosystems list), in
// their canonical spelling.
constexpr KnownEcosystem kEcosystems[] = {
    {"AlmaLinux", true},     {"Alpaquita", true},       {"Alpine", true},
    {"Android", false},      {"Azure Linux", true},     {"BellSoft Hardened Containers", true},
    {"Bioconductor", false}, {"Bitnami", false},        {"Chainguard", true},
    {"CleanStart", true},    {"ConanCenter", false},    {"CRAN", false},
    {"crates.io", false},    {"Debian", true},          {"Echo", true},
    {"GHC", false},          {"GitHub Actions", false}, {"Go", false},
    {"Hackage", false},      {"Hex", false},            {"Julia", false},
    {"Linux", false},        {"Mageia", true},          {"Maven", false},
    {"MinimOS", true},       {"npm", false},            {"NuGet", false},
    {"openEuler", true},     {"openSUSE", true},        {"OSS-Fuzz", false},
    {"Packagist", false},    {"Photon OS", true},       {"Pub", false},
    {"PyPI", false},         {"Red Hat", true},         {"Rocky Linux", true},
    {"RubyGems", false},     {"SUSE", true},            {"SwiftURL", false},
    {"Ubuntu", true},        {"VSCode", false},         {"Wolfi", true},
    {"opam", false},         {"Root", true},
};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

const KnownEcosystem* find_ecosystem(std::string_view name) {
  for (const auto& e : kEcosystems)
    if (iequals(e.name, name)) return &e;
  return nullptr;
}

}  // namespace

Result<EcosystemRelease> parse_ecosystem(std::string_view text) {
  std::string_view t = trim(text);
  size_t colon = t.find(':');
  std::string_view base = colon == std::string_view::npos ? t : t.substr(0, colon);
  std::string_view rest = colon == std::string_view::npos ? std::string_view{} : t.substr(colon + 1);
  const KnownEcosystem* known = find_ecosystem(base);
  if (!known) return Error(ErrorCode::kUnsupported, "unknown ecosystem '" + std::string(t) + "'");
  EcosystemRelease out;
  out.ecosystem = std::string(known->name);
  if (out.ecosystem == "Ubuntu") {
    // "Ubuntu:22.04:LTS", "Ubuntu:Pro:16.04:LTS", "Ubuntu:Pro:FIPS:18.04:LTS":
    // the release is the numeric part; the other words (except LTS) say which
    // archive (Pro = ESM) the fix is published in.
    std::string variant;
    size_t pos = 0;
    while (pos <= rest.size() && !rest.empty()) {
      size_t next = rest.find(':', pos);
      std::string_view part = rest.substr(pos, next == std::string_view::npos ? std::string_view::npos : next - pos);
      if (!part.empty() && std::isdigit(static_cast<unsigned char>(part[0]))) {
        out.release = std::string(part);
      } else if (!part.empty() && !iequals(part, "LTS")) {
        if (!variant.empty()) variant += ':';
        variant += to_lower(part);
      }
      if (next == std::string_view::npos) break;
      pos = next + 1;
    }
    out.variant = variant;
  } else if (out.ecosystem == "Alpine") {
    // "Alpine:v3.19" -> "3.19", so that it matches os-release VERSION_ID's major.minor.
    std::string_view r = rest;
    if (!r.empty() && (r[0] == 'v' || r[0] == 'V')) r.remove_prefix(1);
    out.release = std::string(r);
  } else {
    out.release = std::string(rest);
  }
  return out;
}

bool is_distro_ecosystem(std::string_view ecosystem) {
  const KnownEcosystem* e = find_ecosystem(ecosystem);
  return e && e->distro;
}

std::string normalize_package_name(std::string_view ecosystem, std::string_view name) {
  std::string_view n = trim(name);
  if (iequals(ecosystem, "PyPI")) {
    // PEP 503: lowercase, and every run of '-', '_' and '.' becomes one '-'.
    std::string out;
    out.reserve(n.size());
    bool in_run = false;
    for (char c : n) {
      if (c == '-' || c == '_' || c == '.') {
        if (!in_run) out += '-';
        in_run = true;
      } else {
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        in_run = false;
      }
    }
    return out;
  }
  if (iequals(ecosystem, "npm")) return to_lower(n);  // npm names are lowercase; "@scope/name" kept
  if (iequals(ecosystem, "Maven")) {
    // group:artifact, without spaces some feeds put around the colon.
    std::string out;
    for (char c : n)
      if (!std::isspace(static_cast<unsigned char>(c))) out += c;
    return out;
  }
  if (iequals(ecosystem, "NuGet") || iequals(ecosystem, "Packagist")) return to_lower(n);  // case-insensitive registries
  return std::string(n);
}

std::string origin_of_id(std::string_view id) {
  static constexpr std::pair<std::string_view, std::string_view> kPrefixes[] = {
      {"CVE-", "nvd"},           {"GHSA-", "ghsa"},         {"GO-", "go"},
      {"PYSEC-", "pypa"},        {"RUSTSEC-", "rustsec"},   {"USN-", "ubuntu"},
      {"UBUNTU-", "ubuntu"},     {"DSA-", "debian"},        {"DLA-", "debian"},
      {"DTSA-", "debian"},       {"DEBIAN-", "debian"},     {"ALSA-", "almalinux"},
      {"ALBA-", "almalinux"},    {"RLSA-", "rocky"},        {"RXSA-", "rocky"},
      {"RHSA-", "redhat"},       {"RHBA-", "redhat"},       {"SUSE-", "suse"},
      {"openSUSE-", "opensuse"}, {"ALPINE-", "alpine"},     {"CGA-", "chainguard"},
      {"MAL-", "ossf-malicious"}, {"OSV-", "osv"},          {"BIT-", "bitnami"},
  };
  for (const auto& [prefix, origin] : kPrefixes)
    if (starts_with(id, prefix)) return std::string(origin);
  size_t dash = id.find('-');
  return to_lower(id.substr(0, dash == std::string_view::npos ? id.size() : dash));
}

int id_rank(std::string_view id) {
  if (starts_with(id, "CVE-")) return 0;
  if (starts_with(id, "GHSA-")) return 1;
  if (starts_with(id, "GO-") || starts_with(id, "PYSEC-") || starts_with(id, "RUSTSEC-")) return 2;
  if (starts_with(id, "OSV-") || starts_with(id, "MAL-")) return 3;
  return 4;  // distro notices (DSA, USN, RHSA, ...) describe fixes for several vulnerabilities
}

}  // namespace bulwark::vulndb
