// Fuzz target: the OpenVEX parser over arbitrary bytes, then apply() with the
// accepted statements on a small image report, so that product matching
// (purls, image references, subcomponents) and timestamp ordering run on
// everything the parser lets through; and write_openvex() of what it accepted
// must read back.
#include <cstddef>
#include <cstdint>
#include <string>

#include "enrich/enrich.hpp"

namespace {

bulwark::Report small_report() {
  bulwark::Report r;
  r.target.kind = bulwark::TargetKind::kImage;
  r.target.reference = "registry.example/app:1.0";
  r.target.digest = "sha256:3333333333333333333333333333333333333333333333333333333333333333";
  r.target.artifact.repo_tags = {"registry.example/app:1.0"};
  bulwark::OsInfo os;
  os.family = "ubuntu";
  os.version = "22.04";
  os.codename = "jammy";
  r.inventory.os = os;
  bulwark::Package p;
  p.id = "deb:libcurl4@7.81.0-1ubuntu1.24:amd64";
  p.ecosystem = "deb";
  p.name = "libcurl4";
  p.version = "7.81.0-1ubuntu1.24";
  p.purl = "pkg:deb/ubuntu/libcurl4@7.81.0-1ubuntu1.24?arch=amd64&distro=ubuntu-22.04";
  r.inventory.packages = {p};
  bulwark::Finding v;
  v.id = "CVE-2023-38545";
  v.aliases = {"USN-6429-1"};
  v.package_name = p.name;
  v.package_version = p.version;
  v.package_purl = p.purl;
  v.location.package_id = p.id;
  r.findings = {v};
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto doc = bulwark::enrich::parse_openvex(text, "fuzz.openvex.json");
  if (!doc.ok()) {
    (void)doc.error().describe();
    return 0;
  }
  // What the writer makes of the accepted statements reads back, all of them.
  std::string written = bulwark::enrich::write_openvex(doc->statements, doc->author, doc->timestamp);
  auto again = bulwark::enrich::parse_openvex(written, "fuzz.written.json");
  if (!again.ok() || again->statements.size() != doc->statements.size()) __builtin_trap();
  bulwark::enrich::Policy policy;
  policy.vex.push_back(std::move(*doc));
  bulwark::Report report = small_report();
  (void)bulwark::enrich::apply(policy, report);
  return 0;
}
