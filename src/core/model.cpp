#include <algorithm>
#include <cctype>
#include <ctime>

#include "core/core.hpp"

namespace bulwark {

Diagnostic make_warning(const std::string& path, int line, std::string message) {
  Diagnostic d;
  d.level = Diagnostic::Level::kWarning;
  d.message = std::move(message);
  d.location.path = path;
  d.location.line = line;
  return d;
}

namespace {

template <class E, size_t N>
std::optional<E> lookup(const std::pair<E, const char*> (&table)[N], std::string_view text) {
  std::string lower = to_lower(trim(text));
  for (const auto& [value, name] : table)
    if (lower == name) return value;
  return std::nullopt;
}

template <class E, size_t N>
const char* name_of(const std::pair<E, const char*> (&table)[N], E value) {
  for (const auto& [v, name] : table)
    if (v == value) return name;
  return "unknown";
}

constexpr std::pair<TargetKind, const char*> kTargetKinds[] = {
    {TargetKind::kImage, "image"},   {TargetKind::kRootfs, "rootfs"},  {TargetKind::kFilesystem, "filesystem"},
    {TargetKind::kRepository, "repository"}, {TargetKind::kHost, "host"}, {TargetKind::kSbom, "sbom"},
    {TargetKind::kCluster, "cluster"},
};

constexpr std::pair<FindingKind, const char*> kFindingKinds[] = {
    {FindingKind::kVulnerability, "vulnerability"}, {FindingKind::kMisconfiguration, "misconfiguration"},
    {FindingKind::kSecret, "secret"},               {FindingKind::kSast, "sast"},
    {FindingKind::kCompliance, "compliance"},       {FindingKind::kRuntime, "runtime"},
};

constexpr std::pair<FindingStatus, const char*> kStatuses[] = {
    {FindingStatus::kOpen, "open"},
    {FindingStatus::kFixed, "fixed"},
    {FindingStatus::kIgnored, "ignored"},
    {FindingStatus::kNotAffected, "not_affected"},
};

constexpr std::pair<ComplianceStatus, const char*> kComplianceStatuses[] = {
    {ComplianceStatus::kPass, "pass"},     {ComplianceStatus::kFail, "fail"},
    {ComplianceStatus::kWarn, "warn"},     {ComplianceStatus::kManual, "manual"},
    {ComplianceStatus::kError, "error"},
};

constexpr std::pair<Relationship, const char*> kRelationships[] = {
    {Relationship::kUnknown, "unknown"},
    {Relationship::kRoot, "root"},
    {Relationship::kDirect, "direct"},
    {Relationship::kTransitive, "transitive"},
};

}  // namespace

const char* to_string(Severity s) {
  switch (s) {
    case Severity::kUnknown: return "UNKNOWN";
    case Severity::kLow: return "LOW";
    case Severity::kMedium: return "MEDIUM";
    case Severity::kHigh: return "HIGH";
    case Severity::kCritical: return "CRITICAL";
  }
  return "UNKNOWN";
}

Severity parse_severity(std::string_view text) {
  std::string s = to_lower(trim(text));
  if (s == "critical") return Severity::kCritical;
  if (s == "high" || s == "important") return Severity::kHigh;
  if (s == "medium" || s == "moderate") return Severity::kMedium;
  if (s == "low" || s == "negligible" || s == "unimportant" || s == "none") return Severity::kLow;
  return Severity::kUnknown;
}

const char* to_string(TargetKind k) { return name_of(kTargetKinds, k); }
std::optional<TargetKind> parse_target_kind(std::string_view t) {
  if (to_lower(t) == "fs") return TargetKind::kFilesystem;
  if (to_lower(t) == "repo") return TargetKind::kRepository;
  return lookup(kTargetKinds, t);
}
const char* to_string(FindingKind k) { return name_of(kFindingKinds, k); }
std::optional<FindingKind> parse_finding_kind(std::string_view t) { return lookup(kFindingKinds, t); }
const char* to_string(FindingStatus s) { return name_of(kStatuses, s); }
std::optional<FindingStatus> parse_finding_status(std::string_view t) { return lookup(kStatuses, t); }
const char* to_string(ComplianceStatus s) { return name_of(kComplianceStatuses, s); }
std::optional<ComplianceStatus> parse_compliance_status(std::string_view t) { return lookup(kComplianceStatuses, t); }

std::optional<double> ComplianceCounts::percent() const {
  int checked = pass + fail + warn + error;
  if (checked == 0) return std::nullopt;
  return 100.0 * pass / checked;
}

void ComplianceCounts::add(ComplianceStatus s) {
  switch (s) {
    case ComplianceStatus::kPass: ++pass; break;
    case ComplianceStatus::kFail: ++fail; break;
    case ComplianceStatus::kWarn: ++warn; break;
    case ComplianceStatus::kManual: ++manual; break;
    case ComplianceStatus::kError: ++error; break;
  }
}

const char* to_string(Relationship r) { return name_of(kRelationships, r); }
Relationship parse_relationship(std::string_view t) {
  return lookup(kRelationships, t).value_or(Relationship::kUnknown);
}

// -------------------------------------------------------------------- ids --

std::string make_package_id(const Package& p) {
  std::string id = p.ecosystem + ":" + p.name + "@" + p.version;
  if (!p.arch.empty()) id += ":" + p.arch;
  return id;
}

std::string purl_escape(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '.' || c == '-' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

namespace {

// Version without a leading "N:" epoch.
std::string_view strip_epoch(std::string_view v) {
  size_t colon = v.find(':');
  if (colon == std::string_view::npos) return v;
  for (size_t i = 0; i < colon; ++i)
    if (!std::isdigit(static_cast<unsigned char>(v[i]))) return v;
  return v.substr(colon + 1);
}

std::string escape_segments(std::string_view path) {
  std::string out;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    if (!out.empty()) out.push_back('/');
    out += purl_escape(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

}  // namespace

std::string make_purl(const Package& p, const std::optional<OsInfo>& os) {
  if (p.name.empty()) return {};
  std::string type = p.ecosystem;
  std::string ns;
  std::string name = p.name;
  std::vector<std::pair<std::string, std::string>> qualifiers;
  std::string version = p.version;

  if (type == "deb" || type == "apk" || type == "rpm") {
    if (os) ns = os->family;
    version = std::string(strip_epoch(p.version));
    if (!p.arch.empty()) qualifiers.emplace_back("arch", p.arch);
    if (p.epoch != 0) qualifiers.emplace_back("epoch", std::to_string(p.epoch));
    if (os && !os->family.empty()) {
      std::string distro = os->family;
      if (!os->version.empty()) distro += "-" + os->version;
      qualifiers.emplace_back("distro", distro);
    }
  } else if (type == "npm") {
    if (!name.empty() && name[0] == '@') {
      size_t slash = name.find('/');
      if (slash != std::string::npos) {
        ns = name.substr(0, slash);
        name = name.substr(slash + 1);
      }
    }
  } else if (type == "pypi") {
    name = to_lower(name);
    std::replace(name.begin(), name.end(), '_', '-');
  } else if (type == "maven") {
    size_t colon = name.find(':');
    if (colon != std::string::npos) {
      ns = name.substr(0, colon);
      name = name.substr(colon + 1);
    }
  } else if (type == "golang" || type == "composer") {
    size_t slash = name.rfind('/');
    if (slash != std::string::npos) {
      ns = name.substr(0, slash);
      name = name.substr(slash + 1);
    }
  }

  std::string out = "pkg:" + type + "/";
  if (!ns.empty()) out += escape_segments(ns) + "/";
  out += purl_escape(name);
  if (!version.empty()) out += "@" + purl_escape(version);
  std::sort(qualifiers.begin(), qualifiers.end());
  char sep = '?';
  for (const auto& [k, v] : qualifiers) {
    out += sep;
    out += k + "=" + purl_escape(v);
    sep = '&';
  }
  return out;
}

void assign_package_ids(Inventory& inv) {
  auto fill = [&](Package& p) {
    if (p.id.empty()) p.id = make_package_id(p);
    if (p.purl.empty()) p.purl = make_purl(p, inv.os);
  };
  for (auto& p : inv.packages) fill(p);
  for (auto& app : inv.applications)
    for (auto& p : app.packages) fill(p);
}

// ------------------------------------------------------------ fingerprint --

namespace {

// The identity of a target that stays the same across versions: an image's
// repository without tag or digest, a repository's origin URL (the same in
// every clone), a directory's path.
std::string target_identity(const Target& t) {
  std::string ref = t.reference;
  if (t.kind == TargetKind::kRepository && t.repository && !t.repository->remote_url.empty())
    ref = t.repository->remote_url;
  if (t.kind == TargetKind::kImage) {
    if (!t.artifact.repo_tags.empty()) ref = t.artifact.repo_tags.front();
    size_t at = ref.find('@');
    if (at != std::string::npos) ref = ref.substr(0, at);
    size_t slash = ref.rfind('/');
    size_t colon = ref.rfind(':');
    if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) ref = ref.substr(0, colon);
  }
  return std::string(to_string(t.kind)) + ":" + ref;
}

}  // namespace

std::string fingerprint(const Finding& f, const Target& t) {
  Sha256 h;
  auto part = [&](std::string_view s) {
    h.update(s);
    h.update("\x1f", 1);
  };
  part(to_string(f.kind));
  part(f.id);
  part(target_identity(t));
  part(f.location.path);
  part(f.package_name);
  auto resource = f.attributes.find("resource");
  part(resource == f.attributes.end() ? std::string_view() : std::string_view(resource->second));
  // Configuration findings: the same policy can fail on several fields of one
  // resource (each container of a pod).
  if (auto field = f.attributes.find("field"); field != f.attributes.end()) part(field->second);
  // … and several times on one field, saying what each time ("no cpu limit",
  // "no memory limit"): distinct problems, to be triaged apart.
  if (f.kind == FindingKind::kMisconfiguration) {
    if (auto message = f.attributes.find("message"); message != f.attributes.end()) part(message->second);
  }
  return h.hex();
}

std::string now_rfc3339() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace bulwark
