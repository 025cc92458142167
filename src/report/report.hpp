// The report module: writers for every output format (table, json, cyclonedx,
// spdx-json, …) registered by name, and readers that turn CycloneDX and SPDX
// SBOMs back into an inventory.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"

namespace bulwark::report {

struct WriteOptions {
  bool color = false;       // ANSI colours in the table (when stdout is a terminal)
  bool show_packages = true;  // table: list packages (inventory view)
};

class Writer {
 public:
  virtual ~Writer() = default;
  virtual std::string_view format() const = 0;  // "json", "cyclonedx", …
  virtual Status write(const Report& report, const WriteOptions& opts, std::ostream& out) const = 0;
};

// Format names in registration order.
std::vector<std::string> formats();
// Writes the report in the named format; unknown names are kInvalidArgument.
Status write_report(const Report& report, std::string_view format, const WriteOptions& opts,
                    std::ostream& out);

// Reads a CycloneDX (JSON, 1.2–1.6) or SPDX (JSON 2.2/2.3) document into a
// report whose target kind is kSbom and whose inventory holds the document's
// packages and OS. `path` names the file in errors.
Result<Report> read_sbom(std::string_view text, const std::string& path);

}  // namespace bulwark::report
