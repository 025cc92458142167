// Language catalogers: the packages of language ecosystems found in lockfiles,
// manifests and installed package metadata, as analyzers. One file per
// analyzer; register_language_analyzers() is the one place they are listed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"

namespace bulwark::catalog {

// Adds the language analyzers to the registry.
void register_language_analyzers(AnalyzerRegistry& registry);

// Parses one installed npm package manifest (node_modules/<name>/package.json).
// Returns nullopt (with a diagnostic) when the file is not a package manifest
// Bulwark can use: malformed JSON, no name or version.
std::optional<Package> parse_npm_package_json(std::string_view text, const std::string& path,
                                              std::vector<Diagnostic>& diags);

// ---- Java (java-archive, maven-pom, gradle-lock) ----

// The Maven packages of one Java archive (jar, war, ear, par, jpi, hpi) given
// as bytes: every pom.properties, else the manifest, else the file name, and
// the same for archives nested in it. Package locations are `path`, or
// `path` + "/" + the nested entry's path for nested archives. Problems (not a
// zip, corrupt entries, zip bombs, nesting too deep) are warnings naming
// `path` and the nested entry.
std::vector<Package> parse_java_archive(std::string_view data, const std::string& path,
                                        std::vector<Diagnostic>& diags);

// One pom.xml on its own: the project (kRoot) and its declared dependencies
// (kDirect), with properties and dependencyManagement of this file applied.
// The maven-pom analyzer also resolves parents and imported BOMs found among
// the scanned files; this function cannot see them.
std::vector<Package> parse_pom_xml(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags);

// gradle.lockfile ("group:artifact:version=configurations" lines) and the
// older per-configuration gradle/dependency-locks/<configuration>.lockfile.
std::vector<Package> parse_gradle_lockfile(std::string_view text, const std::string& path,
                                           std::vector<Diagnostic>& diags);

}  // namespace bulwark::catalog
