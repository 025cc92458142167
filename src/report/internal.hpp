// Helpers shared by the report module's writers and readers. Internal: not part
// of the module's public face.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "report/report.hpp"

namespace bulwark::report {

// One factory per format; registry.cpp lists them in the order formats() gives.
std::unique_ptr<Writer> make_table_writer();
std::unique_ptr<Writer> make_json_writer();
std::unique_ptr<Writer> make_cyclonedx_writer();
std::unique_ptr<Writer> make_spdx_json_writer();
std::unique_ptr<Writer> make_sarif_writer();
std::unique_ptr<Writer> make_junit_writer();

// A random (version 4) UUID, lower-case, from the system's entropy source.
std::string random_uuid_v4();

// The canonical SPDX identifier when `license` is (case-insensitively) one of
// the SPDX licence list identifiers Bulwark knows; nullopt otherwise.
std::optional<std::string> spdx_license_id(std::string_view license);

// RFC 3339 date-time for SBOM timestamps: "YYYY-MM-DD" becomes midnight UTC,
// a full date-time is kept, anything else gives nullopt.
std::optional<std::string> to_date_time(std::string_view text);

// "sha256:abcd…" -> {"SHA-256", "abcd…"} for the algorithms SBOMs know.
struct HashValue {
  std::string cdx_alg;   // CycloneDX spelling, "SHA-256"
  std::string spdx_alg;  // SPDX spelling, "SHA256"
  std::string hex;
};
std::optional<HashValue> split_digest(std::string_view digest);

// One package of an application, as the SBOM writers draw the graph.
struct DependencyNode {
  std::string ref;  // bom-ref / SPDX id
  Relationship relationship = Relationship::kUnknown;
};

// What an application file itself depends on, in the nodes' order: its root
// and direct packages; packages of unknown relationship that nothing in the
// application depends on; then any package still not reachable from those
// through `edges` (so that every package of the application is in its graph).
std::vector<std::string> dependency_roots(const std::vector<DependencyNode>& nodes,
                                          const std::map<std::string, std::vector<std::string>>& edges);

// A git remote URL as an absolute URI, for the fields of SBOM and SARIF
// documents that must hold one: a URL with a scheme as it is, scp-like
// "user@host:path" as "ssh://user@host/path", an absolute path as a file URI;
// nullopt for anything else (a relative path).
std::optional<std::string> repository_uri(std::string_view url);

// ---- UTF-8 text in fixed-width columns --------------------------------------

// Display width in terminal columns: one per code point, two for East Asian
// wide and emoji ranges, zero for combining marks. Invalid bytes count one.
size_t display_width(std::string_view s);
// Cuts `s` to at most `width` columns, ending in "…" when cut; never splits a
// multi-byte character.
std::string truncate_to_width(std::string_view s, size_t width);

}  // namespace bulwark::report
