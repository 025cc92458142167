// A report built in code for the report module's tests: a Debian-like image
// with epochs, source packages, licences and dependencies, an npm application
// and a few findings of different kinds.
#pragma once

#include "core/core.hpp"

namespace bulwark::report::testing {

inline Location loc(const std::string& layer, const std::string& path, int line = 0) {
  Location l;
  l.layer = layer;
  l.path = path;
  l.line = line;
  return l;
}

inline Package deb(const std::string& name, const std::string& version, const std::string& src,
                   const std::string& src_version, std::vector<std::string> licenses, const std::string& layer) {
  Package p;
  p.ecosystem = "deb";
  p.name = name;
  p.version = version;
  if (size_t colon = version.find(':'); colon != std::string::npos) p.epoch = std::stoi(version.substr(0, colon));
  p.arch = "amd64";
  p.src_name = src;
  p.src_version = src_version;
  p.licenses = std::move(licenses);
  p.maintainer = "GNU Libc Maintainers <debian-glibc@lists.debian.org>";
  p.location.layer = layer;
  p.location.path = "var/lib/dpkg/status";
  return p;
}

inline Package npm(const std::string& name, const std::string& version, std::vector<std::string> licenses) {
  Package p;
  p.ecosystem = "npm";
  p.name = name;
  p.version = version;
  p.licenses = std::move(licenses);
  p.relationship = Relationship::kDirect;
  p.location.path = "srv/app/package-lock.json";
  return p;
}

inline Report sample_report() {
  const std::string base = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
  const std::string top = "sha256:2222222222222222222222222222222222222222222222222222222222222222";
  Report r;
  r.created_at = "2026-11-28T10:00:00Z";
  r.tool.version = "0.1.0";
  r.target.kind = TargetKind::kImage;
  r.target.reference = "localhost/bulwark-fixture:1.0";
  r.target.digest = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
  r.target.artifact.name = r.target.reference;
  r.target.artifact.manifest_digest = r.target.digest;
  r.target.artifact.config_digest = "sha256:4444444444444444444444444444444444444444444444444444444444444444";
  r.target.artifact.repo_tags = {"localhost/bulwark-fixture:1.0"};
  r.target.artifact.layers = {{"sha256:aa", base, "application/vnd.oci.image.layer.v1.tar+gzip", 100, "debootstrap"},
                              {"sha256:bb", top, "application/vnd.oci.image.layer.v1.tar+gzip", 10, "COPY app /srv/app"}};

  OsInfo os;
  os.family = "debian";
  os.name = "Debian GNU/Linux";
  os.version = "12";
  os.codename = "bookworm";
  os.pretty_name = "Debian GNU/Linux 12 (bookworm)";
  os.eol = "2026-06-10";
  os.location = loc(base, "etc/os-release");
  r.inventory.os = os;

  Package libc = deb("libc6", "2.36-9+deb12u4", "glibc", "2.36-9+deb12u4", {"LGPL-2.1", "GPL-2"}, base);
  Package zlib = deb("zlib1g", "1:1.2.13.dfsg-1", "zlib", "1:1.2.13.dfsg-1", {"Zlib"}, base);
  Package bash = deb("bash", "5.2.15-2+b2", "bash", "5.2.15-2", {"GPL-3+"}, base);
  Package tzdata = deb("tzdata", "2024a-0+deb12u1", "", "", {"public-domain"}, top);
  zlib.depends_on = {make_package_id(libc)};
  bash.depends_on = {make_package_id(libc), "deb:base-files@12.4+deb12u5:amd64" /* not installed: dropped */};
  r.inventory.packages = {libc, zlib, bash, tzdata};

  Application app;
  app.type = "npm";
  app.path = "srv/app/package-lock.json";
  Package express = npm("express", "4.18.2", {"MIT"});
  Package lodash = npm("lodash", "4.17.20", {"MIT"});
  lodash.relationship = Relationship::kTransitive;
  Package babel = npm("@babel/core", "7.23.0", {"MIT"});
  babel.dev = true;
  express.depends_on = {make_package_id(lodash)};
  app.packages = {express, lodash, babel};
  r.inventory.applications = {app};
  assign_package_ids(r.inventory);

  Finding glibc;
  glibc.kind = FindingKind::kVulnerability;
  glibc.id = "CVE-2023-4911";
  glibc.title = "glibc: buffer overflow in ld.so leading to privilege escalation";
  glibc.severity = Severity::kHigh;
  glibc.severity_source = "debian";
  glibc.scores = {{"nvd", "cvss_v31", "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 7.8}};
  glibc.location = loc(base, "var/lib/dpkg/status");
  glibc.location.package_id = r.inventory.packages[0].id;
  glibc.package_name = "libc6";
  glibc.package_version = "2.36-9+deb12u4";
  glibc.package_ecosystem = "deb";
  glibc.package_purl = r.inventory.packages[0].purl;
  glibc.remediation.fix_state = "fixed";
  glibc.remediation.fixed_versions = {"2.36-9+deb12u5"};
  glibc.references = {"https://security-tracker.debian.org/tracker/CVE-2023-4911"};
  glibc.published = "2023-10-03";

  Finding zl;
  zl.kind = FindingKind::kVulnerability;
  zl.id = "CVE-2023-45853";
  zl.title = "zlib: integer overflow in MiniZip";
  zl.severity = Severity::kCritical;
  zl.status = FindingStatus::kNotAffected;
  zl.status_reason = "minizip is not built into zlib1g";
  zl.location = loc(base, "var/lib/dpkg/status");
  zl.location.package_id = r.inventory.packages[1].id;
  zl.package_name = "zlib1g";
  zl.package_version = "1:1.2.13.dfsg-1";
  zl.package_ecosystem = "deb";

  Finding lo;
  lo.kind = FindingKind::kVulnerability;
  lo.id = "GHSA-35jh-r3h4-6jhm";
  lo.aliases = {"CVE-2021-23337"};
  lo.title = "Command Injection in lodash";
  lo.severity = Severity::kHigh;
  lo.location.path = "srv/app/package-lock.json";
  lo.location.package_id = app.packages[1].id;
  lo.package_name = "lodash";
  lo.package_version = "4.17.20";
  lo.package_ecosystem = "npm";
  lo.remediation.fixed_versions = {"4.17.21"};

  Finding mis;
  mis.kind = FindingKind::kMisconfiguration;
  mis.id = "BW-DF-002";
  mis.title = "Image runs as root: no USER instruction — add a non-root user";
  mis.severity = Severity::kMedium;
  mis.location.path = "Dockerfile";
  mis.location.line = 3;

  Finding sec;
  sec.kind = FindingKind::kSecret;
  sec.id = "aws-access-key-id";
  sec.title = "AWS access key ID";
  sec.severity = Severity::kCritical;
  sec.location = loc(top, "srv/app/.env", 2);
  sec.evidence = "AWS_ACCESS_KEY_ID=AKIA************MPLE";

  r.findings = {glibc, zl, lo, mis, sec};
  for (auto& f : r.findings) f.fingerprint = fingerprint(f, r.target);

  Diagnostic d;
  d.message = "unreadable file skipped";
  d.location = loc(top, "srv/app/broken.json");
  r.diagnostics = {d};
  return r;
}

}  // namespace bulwark::report::testing
