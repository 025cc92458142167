// Which of the design's 14 practices a finding feeds (the board's cards).
#include <charconv>

#include "enrich/enrich.hpp"

namespace bulwark::enrich {

namespace {

bool os_ecosystem(std::string_view e) {
  std::string l = to_lower(e);
  return l == "deb" || l == "apk" || l == "rpm" || l == "alpm" || l == "ebuild";
}

int attribute_practice(const Finding& f) {
  auto it = f.attributes.find(kAttrPractice);
  if (it == f.attributes.end()) return 0;
  int n = 0;
  const std::string& v = it->second;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
  if (ec != std::errc() || end != v.data() + v.size() || n < 1 || n > 14) return 0;
  return n;
}

}  // namespace

int practice_of(const Finding& f, const Target& target) {
  if (int n = attribute_practice(f)) return n;
  switch (f.kind) {
    case FindingKind::kSast:
    case FindingKind::kSecret: return 1;
    case FindingKind::kCompliance: return 4;
    case FindingKind::kMisconfiguration: return 5;
    case FindingKind::kRuntime: return 10;
    case FindingKind::kVulnerability: break;
  }
  // Host scans with --scan-containers mark the findings of container images
  // with the attribute "image": those are image scanning.
  bool in_image = target.kind == TargetKind::kImage || target.kind == TargetKind::kRootfs || f.attributes.count("image");
  if (os_ecosystem(f.package_ecosystem)) {
    if (in_image) return 3;
    if (target.kind == TargetKind::kHost) return 6;
    return 3;
  }
  if (!f.package_ecosystem.empty()) return 2;
  // No package named: where the scan looked decides.
  if (target.kind == TargetKind::kHost && !in_image) return 6;
  if (in_image) return 3;
  return 2;
}

}  // namespace bulwark::enrich
