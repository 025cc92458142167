// The scan pipeline: target -> artifact -> analyzers -> inventory -> detectors
// -> findings -> report. Used by the CLI and (later) the server.
#pragma once

#include <string>

#include "artifact/artifact.hpp"
#include "core/core.hpp"
#include "core/detector.hpp"
#include "host/host.hpp"
#include "policy/misconfig/misconfig.hpp"

namespace bulwark::scan {

struct Request {
  TargetKind kind = TargetKind::kImage;
  std::string target;                  // image reference, directory or SBOM file
  artifact::Options artifact;          // cache, platform, registry, …
  std::vector<std::string> disabled_analyzers;
  // Which detectors run (Trivy's --scanners): "vuln", "misconfig"; empty = none.
  std::vector<std::string> scanners = {"vuln"};
  policy::MisconfigOptions misconfig;  // policies for the "misconfig" scanner
  std::string db_path;      // vulnerability database; empty = vulndb::default_database_path(cache dir)
  bool require_db = false;  // a missing database fails the scan instead of warning
  // Host targets (`target` is the root): the host facts to collect, and
  // whether each distinct image of the running containers is scanned too
  // (through the engine at host.engine_socket, or the one found under the root).
  host::HostOptions host;
  bool scan_containers = false;
};

// The detectors the request asks for, in the order they run.
Result<std::vector<DetectorPtr>> default_detectors(const Request& request);

// Builds the registry of every analyzer Bulwark has.
AnalyzerRegistry default_analyzers();

// Runs the pipeline and returns the report (inventory, findings, diagnostics).
Result<Report> run(const Request& request);

}  // namespace bulwark::scan
