#include "scan/scan.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "catalog/lang/lang.hpp"
#include "catalog/os/os.hpp"
#include "policy/misconfig/misconfig.hpp"
#include "report/report.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::scan {

AnalyzerRegistry default_analyzers() {
  AnalyzerRegistry registry;
  catalog::register_os_analyzers(registry);
  catalog::register_language_analyzers(registry);
  registry.add(policy::make_config_file_analyzer());
  return registry;
}

Result<std::vector<DetectorPtr>> default_detectors(const Request& request) {
  std::vector<DetectorPtr> out;
  for (const auto& s : request.scanners) {
    if (s == "vuln") {
      vulndb::MatcherOptions o;
      o.db_path = !request.db_path.empty() ? request.db_path : vulndb::default_database_path(request.artifact.cache_dir);
      o.require_db = request.require_db;
      out.push_back(vulndb::make_vulnerability_detector(std::move(o)));
    } else if (s == "misconfig") {
      auto d = policy::make_misconfig_detector(request.misconfig);
      if (!d) return d.error();
      out.push_back(std::move(*d));
    } else if (s != "none") {
      return Error(ErrorCode::kInvalidArgument, "unknown scanner '" + s + "' (known: vuln, misconfig, none)");
    }
  }
  return out;
}

namespace {

Result<std::string> read_whole_file(const std::string& path, uint64_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kNotFound, "cannot open file", path);
  std::string data;
  char buf[64 * 1024];
  while (in) {
    in.read(buf, sizeof buf);
    data.append(buf, static_cast<size_t>(in.gcount()));
    if (data.size() > limit)
      return Error(ErrorCode::kLimitExceeded, "file is larger than the limit of " + std::to_string(limit) + " bytes",
                   path);
  }
  if (in.bad()) return Error(ErrorCode::kIo, "read failed", path);
  return data;
}

// The fields every report shares, whatever the target.
void stamp(Report& report, const Request& request, const AnalyzerRegistry& analyzers) {
  report.created_at = now_rfc3339();
  report.tool.version = std::string(bulwark::tool_version());
  for (const auto& a : analyzers.all())
    report.tool.components["analyzer:" + std::string(a->name())] = std::to_string(a->version());
  // Which detectors ran: the board marks a finding fixed only when a later
  // scan of the same kind no longer reports it.
  for (const auto& s : request.scanners)
    if (s != "none") report.tool.components["scanner:" + s] = "on";
  report.target.kind = request.kind;
  report.target.reference = request.target;
}

// A directory tree (root filesystem, source tree, a host's root) read into
// the report: inventory, findings and diagnostics of its one pass.
Status inspect_tree_into(Report& report, const Request& request, const AnalyzerRegistry& analyzers) {
  auto inspection = artifact::inspect_tree(request.target, analyzers, request.artifact);
  if (!inspection) return inspection.error();
  report.target.artifact.name = request.target;
  report.inventory = std::move(inspection->merged.inventory);
  report.findings = std::move(inspection->merged.findings);
  report.diagnostics = std::move(inspection->merged.diagnostics);
  return {};
}

void finish(Report& report) {
  assign_package_ids(report.inventory);
  for (auto& f : report.findings)
    if (f.fingerprint.empty()) f.fingerprint = fingerprint(f, report.target);
}

}  // namespace

Result<Report> run(const Request& request);

namespace {

// --scan-containers: each distinct image of the running containers, exported
// by the engine (GET /images/{id}/get, a docker-archive) and scanned like
// `bulwark image --image-src engine`. Its packages go into the host section,
// its findings into the report with the image named in their attributes.
void scan_container_images(const Request& request, Report& report) {
  HostInfo& h = *report.inventory.host;
  if (h.engine.empty()) {
    report.diagnostics.push_back(make_warning(h.engine_socket, 0,
                                              "--scan-containers: no engine answered; no image was scanned"));
    return;
  }
  std::vector<HostImageScan> scans;
  for (const auto& c : h.containers) {
    if (c.state != "running") continue;
    const std::string key = c.image_id.empty() ? c.image : c.image_id;
    if (key.empty()) continue;
    auto it = std::find_if(scans.begin(), scans.end(), [&](const HostImageScan& s) {
      return (s.image_id.empty() ? s.image : s.image_id) == key;
    });
    if (it == scans.end()) {
      HostImageScan s;
      s.image = c.image;
      s.image_id = c.image_id;
      s.image_digest = c.image_digest;
      scans.push_back(std::move(s));
      it = scans.end() - 1;
    }
    it->containers.push_back(c.name.empty() ? c.id.substr(0, 12) : c.name);
  }
  for (auto& s : scans) {
    Request sub = request;
    sub.kind = TargetKind::kImage;
    // The id names exactly the image the containers run, whatever its tags say now.
    sub.target = s.image_id.empty() ? s.image : s.image_id;
    sub.artifact.image_sources = {"engine"};
    sub.artifact.engine_socket = h.engine_socket;
    sub.artifact.skip_dirs.clear();
    sub.artifact.skip_files.clear();
    sub.scan_containers = false;
    auto r = run(sub);
    if (!r) {
      s.error = r.error().describe();
      report.diagnostics.push_back(make_warning(h.engine_socket, 0, "image " + s.image + ": " + s.error));
      continue;
    }
    s.os = r->inventory.os;
    s.packages = std::move(r->inventory.packages);
    s.applications = std::move(r->inventory.applications);
    for (auto& f : r->findings) {
      f.attributes["image"] = s.image;
      if (!s.image_id.empty()) f.attributes["image_id"] = s.image_id;
      report.findings.push_back(std::move(f));
      ++s.findings;
    }
    for (auto& d : r->diagnostics) {
      d.message = "image " + s.image + ": " + d.message;
      report.diagnostics.push_back(std::move(d));
    }
  }
  h.image_scans = std::move(scans);
}

}  // namespace

Result<Report> run(const Request& request) {
  AnalyzerRegistry analyzers = default_analyzers();
  if (auto st = analyzers.disable(request.disabled_analyzers); !st) return st.error();
  // Configuration files are only kept when they will be scanned.
  bool misconfig = std::find(request.scanners.begin(), request.scanners.end(), "misconfig") != request.scanners.end();
  if (!misconfig && analyzers.find("config-files")) (void)analyzers.disable({"config-files"});
  if (!request.packages) {
    std::vector<std::string> others;
    for (const auto& a : analyzers.all())
      if (a->name() != "config-files") others.emplace_back(a->name());
    if (auto st = analyzers.disable(others); !st) return st.error();
  }

  auto detectors = default_detectors(request);
  if (!detectors) return detectors.error();
  Report report;
  stamp(report, request, analyzers);

  switch (request.kind) {
    case TargetKind::kImage: {
      auto image = artifact::open_image(request.target, request.artifact);
      if (!image) return image.error();
      auto cache = artifact::open_layer_cache(request.artifact.use_cache ? request.artifact.cache_dir : "");
      auto inspection = artifact::inspect_image(**image, analyzers, *cache, request.artifact);
      if (!inspection) return inspection.error();
      report.target.artifact = inspection->artifact;
      report.target.digest = inspection->artifact.manifest_digest;
      report.inventory = std::move(inspection->merged.inventory);
      report.findings = std::move(inspection->merged.findings);
      report.diagnostics = std::move(inspection->merged.diagnostics);
      log_debug("layers from cache: " + std::to_string(inspection->cache_hits) + " of " +
                std::to_string(inspection->artifact.layers.size()));
      break;
    }
    case TargetKind::kFilesystem:
      if (std::error_code ec; std::filesystem::is_regular_file(request.target, ec)) {
        // One configuration file (`bulwark config deploy.yaml`): nothing to walk.
        auto text = read_whole_file(request.target, request.misconfig.limits.max_file_bytes);
        if (!text) return text.error();
        report.target.artifact.name = request.target;
        report.inventory.config_files.push_back(
            ConfigFile{std::filesystem::path(request.target).filename().string(), "", std::move(*text)});
        break;
      }
      [[fallthrough]];
    case TargetKind::kRootfs:
    case TargetKind::kRepository: {
      if (auto st = inspect_tree_into(report, request, analyzers); !st) return st.error();
      if (request.kind == TargetKind::kRepository)
        report.target.repository = artifact::read_git_repository(request.target, report.diagnostics);
      break;
    }
    case TargetKind::kHost: {
      // The root's packages exactly as `rootfs` finds them, then the facts
      // only a running host has.
      if (auto st = inspect_tree_into(report, request, analyzers); !st) return st.error();
      host::HostOptions ho = request.host;
      ho.root = request.target;
      HostInfo h = host::collect(ho, report.diagnostics);
      host::map_kernel_package(h.kernel, report.inventory.os, report.inventory.packages, report.diagnostics);
      report.inventory.host = std::move(h);
      break;
    }
    case TargetKind::kSbom: {
      auto text = read_whole_file(request.target, limits().max_sbom_bytes);
      if (!text) return text.error();
      auto sbom = report::read_sbom(*text, request.target);
      if (!sbom) return sbom.error();
      report.target = sbom->target;
      report.target.kind = TargetKind::kSbom;
      report.target.reference = request.target;
      report.inventory = std::move(sbom->inventory);
      report.diagnostics = std::move(sbom->diagnostics);
      break;
    }
    default:
      return Error(ErrorCode::kUnsupported, std::string("scanning a ") + to_string(request.kind) +
                                                " target is not supported yet");
  }
  assign_package_ids(report.inventory);
  DetectContext ctx{report.target, request.artifact.cancel, &report.diagnostics, &report.tool.components};
  for (const auto& d : *detectors)
    if (auto st = d->detect(report.inventory, ctx, report.findings); !st) return st.error();
  finish(report);
  if (request.kind == TargetKind::kHost && request.scan_containers && report.inventory.host)
    scan_container_images(request, report);
  return report;
}

}  // namespace bulwark::scan
