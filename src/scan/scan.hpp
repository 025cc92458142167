// The scan pipeline: target -> artifact -> analyzers -> inventory -> detectors
// -> findings -> report. Used by the CLI and (later) the server.
#pragma once

#include <string>

#include "artifact/artifact.hpp"
#include "core/core.hpp"

namespace bulwark::scan {

struct Request {
  TargetKind kind = TargetKind::kImage;
  std::string target;                  // image reference, directory or SBOM file
  artifact::Options artifact;          // cache, platform, registry, …
  std::vector<std::string> disabled_analyzers;
};

// Builds the registry of every analyzer Bulwark has.
AnalyzerRegistry default_analyzers();

// Runs the pipeline and returns the report (inventory, findings, diagnostics).
Result<Report> run(const Request& request);

}  // namespace bulwark::scan
