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

// ---- JavaScript lockfiles (npm-lock, yarn-lock, pnpm-lock analyzers) ----
// Each returns the lockfile's packages (ecosystem "npm", ids and edges set,
// deduplicated by name@version); problems are warnings in `diags` naming the
// file and line, never an exception.

// package-lock.json / npm-shrinkwrap.json, lockfileVersion 1, 2 and 3.
std::vector<Package> parse_package_lock(std::string_view text, const std::string& path,
                                        std::vector<Diagnostic>& diags);
// yarn.lock of Yarn 1 (its own text format) and Yarn 2+ (YAML with __metadata).
std::vector<Package> parse_yarn_lock(std::string_view text, const std::string& path,
                                     std::vector<Diagnostic>& diags);
// pnpm-lock.yaml, lockfileVersion 5.x, 6.x and 9.0.
std::vector<Package> parse_pnpm_lock(std::string_view text, const std::string& path,
                                     std::vector<Diagnostic>& diags);

}  // namespace bulwark::catalog
