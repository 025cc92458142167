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
  report.target.kind = request.kind;
  report.target.reference = request.target;
}

void finish(Report& report) {
  assign_package_ids(report.inventory);
  for (auto& f : report.findings)
    if (f.fingerprint.empty()) f.fingerprint = fingerprint(f, report.target);
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
      auto inspection = artifact::inspect_tree(request.target, analyzers, request.artifact);
      if (!inspection) return inspection.error();
      report.target.artifact.name = request.target;
      report.inventory = std::move(inspection->merged.inventory);
      report.findings = std::move(inspection->merged.findings);
      report.diagnostics = std::move(inspection->merged.diagnostics);
      if (request.kind == TargetKind::kRepository)
        report.target.repository = artifact::read_git_repository(request.target, report.diagnostics);
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
  return report;
}

}  // namespace bulwark::scan
