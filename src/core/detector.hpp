// Detectors: the stage after the inventory is complete. A detector looks at the
// whole inventory (OS, packages, applications) and appends findings: the
// vulnerability matcher, the policy evaluator, the secret scanner, compliance
// checks. Detectors are registered in one table by the scan module, like
// analyzers, and run in registration order.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.hpp"
#include "core/result.hpp"

namespace bulwark {

class CancelToken;

// What a detector may look at besides the inventory.
struct DetectContext {
  const Target& target;
  const CancelToken* cancel = nullptr;
  // Problems that did not stop detection (a package whose version does not
  // parse, stale data) go here; they end up in Report::diagnostics.
  std::vector<Diagnostic>* diagnostics = nullptr;
  // Versions of the data a detector used ("vulndb" -> built-at), copied into
  // Report::tool.components.
  std::map<std::string, std::string>* components = nullptr;
};

class Detector {
 public:
  virtual ~Detector() = default;
  virtual std::string_view name() const = 0;
  // Appends findings to `out`. An error stops the scan (an unreadable
  // database); a problem with one package is a diagnostic and detection goes on.
  virtual Status detect(const Inventory& inventory, DetectContext& ctx, std::vector<Finding>& out) const = 0;
};

using DetectorPtr = std::unique_ptr<Detector>;

}  // namespace bulwark
