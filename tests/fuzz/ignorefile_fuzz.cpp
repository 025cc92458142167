// Fuzz target: the ignore-file parsers (YAML in Bulwark's and Trivy's layouts,
// Trivy's plain format) over arbitrary bytes, then apply() with whatever was
// accepted on a small report, so that matching (globs, purls, dates) runs on
// every entry the parser lets through. The first byte picks the file name and
// so the format.
#include <cstddef>
#include <cstdint>
#include <string>

#include "enrich/enrich.hpp"

namespace {

bulwark::Report small_report() {
  bulwark::Report r;
  r.target.kind = bulwark::TargetKind::kImage;
  r.target.reference = "registry.example/app:1.0";
  bulwark::OsInfo os;
  os.family = "debian";
  os.version = "12.5";
  os.codename = "bookworm";
  r.inventory.os = os;
  bulwark::Finding v;
  v.id = "CVE-2023-4911";
  v.aliases = {"DSA-5514-1"};
  v.severity = bulwark::Severity::kHigh;
  v.package_name = "libc6";
  v.package_version = "2.36-9+deb12u1";
  v.package_purl = "pkg:deb/debian/libc6@2.36-9%2Bdeb12u1?arch=amd64&distro=debian-12.5";
  v.location.path = "var/lib/dpkg/status";
  bulwark::Finding s;
  s.kind = bulwark::FindingKind::kSecret;
  s.id = "aws-access-key-id";
  s.location.path = "srv/app/.env";
  s.location.line = 2;
  r.findings = {v, s};
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* kNames[] = {".bulwarkignore.yaml", ".trivyignore", ".bulwarkignore", "ignore.yml"};
  std::string name = kNames[data[0] % 4];
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto file = bulwark::enrich::parse_ignore_file(text, name);
  if (!file.ok()) {
    (void)file.error().describe();
    return 0;
  }
  bulwark::enrich::Policy policy;
  policy.today = "2026-01-01";
  policy.ignore_files.push_back(std::move(*file));
  bulwark::Report report = small_report();
  (void)bulwark::enrich::apply(policy, report);
  return 0;
}
