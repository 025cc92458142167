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

}  // namespace bulwark::catalog
