// Language catalogers: the packages of language ecosystems found in lockfiles,
// manifests and installed package metadata, as analyzers. One file per
// analyzer; register_language_analyzers() is the one place they are listed.
#pragma once

#include <map>
#include <optional>
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

// ---- Ruby, PHP and .NET (docs/lang/ruby-php-dotnet.md) ----

// Bundler's Gemfile.lock (or gems.locked): the gems of every GEM, GIT, PATH and
// PLUGIN SOURCE section, direct when DEPENDENCIES names them. A platform suffix
// ("1.16.0-x86_64-linux") goes to arch and the purl's platform qualifier.
// `facts`, when given, receives "platforms", "bundled_with" and "ruby_version".
std::vector<Package> parse_gemfile_lock(std::string_view text, const std::string& path,
                                         std::vector<Diagnostic>& diags,
                                         std::map<std::string, std::string>* facts = nullptr);

// An installed gem specification (specifications/*.gemspec), read as text: the
// literal name, version, platform and licenses, never evaluating the Ruby.
// Returns nullopt (with a warning) when no literal name and version are there.
std::optional<Package> parse_gemspec(std::string_view text, const std::string& path,
                                     std::vector<Diagnostic>& diags);

// composer.lock: "packages" and "packages-dev" (dev); edges from "require" to
// packages of the same lock (also through "provide"/"replace"). Relationship
// unknown: only composer.json knows the direct ones (apply_composer_manifest).
std::vector<Package> parse_composer_lock(std::string_view text, const std::string& path,
                                         std::vector<Diagnostic>& diags);

// What a project's composer.json asks for: package names (lowercase) from
// "require" and "require-dev", platform requirements (php, ext-*, lib-*) left out.
struct ComposerManifest {
  std::vector<std::string> require;
  std::vector<std::string> require_dev;
};
std::optional<ComposerManifest> parse_composer_json(std::string_view text, const std::string& path,
                                                    std::vector<Diagnostic>& diags);
// Marks the packages of a composer.lock direct or transitive by its manifest.
void apply_composer_manifest(std::vector<Package>& packages, const ComposerManifest& manifest);

// vendor/composer/installed.json, Composer 1 (an array of packages) or
// Composer 2 ({"packages": [...], "dev-package-names": [...]}).
std::vector<Package> parse_composer_installed(std::string_view text, const std::string& path,
                                              std::vector<Diagnostic>& diags);

// NuGet's packages.lock.json (version 1 and 2): every target framework's
// resolved packages, one package per name and version across frameworks.
std::vector<Package> parse_nuget_lock(std::string_view text, const std::string& path,
                                      std::vector<Diagnostic>& diags);

// A .NET application's <App>.deps.json: the NuGet packages (and runtime pack)
// deployed with it, the application project itself as root.
std::vector<Package> parse_dotnet_deps(std::string_view text, const std::string& path,
                                       std::vector<Diagnostic>& diags);

// A NuGet packages.config (XML); developmentDependency="true" is dev.
std::vector<Package> parse_packages_config(std::string_view text, const std::string& path,
                                           std::vector<Diagnostic>& diags);

}  // namespace bulwark::catalog
