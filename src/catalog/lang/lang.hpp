// Language catalogers: the packages of language ecosystems found in lockfiles,
// manifests and installed package metadata, as analyzers. One file per
// analyzer; register_language_analyzers() is the one place they are listed.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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
// ---- Python (pypi): installed distributions, requirements files, Pipfile.lock,
// poetry.lock, uv.lock. See docs/lang/python.md.

// PEP 503 normalised project name (core.hpp): names are matched this way;
// packages keep the name as written.
using bulwark::pep503_normalize;

// Installed package metadata: a *.dist-info/METADATA, *.egg-info/PKG-INFO or a
// bare *.egg-info file (RFC 822 headers; the description body is not read).
// nullopt (with a diagnostic) when there is no Name or Version. `requires`, if
// given, receives the PEP 503 names of the Requires-Dist entries that do not
// depend on an extra.
std::optional<Package> parse_python_metadata(std::string_view text, const std::string& path,
                                             std::vector<Diagnostic>& diags,
                                             std::vector<std::string>* dependencies = nullptr);
// An egg-info requires.txt: the PEP 503 names of the requirements outside
// [extra] sections.
std::vector<std::string> parse_egg_requires(std::string_view text);

// A file named by a "-r"/"--requirement" line of a requirements file: the path
// resolved against the including file's directory, and the line that names it.
struct RequirementsInclude {
  std::string path;
  int line = 0;
};
// A pip requirements file: packages pinned with == or ===; unpinned, URL and
// path requirements are skipped. `includes`, if given, receives the "-r" files.
std::vector<Package> parse_requirements_txt(std::string_view text, const std::string& path,
                                            std::vector<Diagnostic>& diags,
                                            std::vector<RequirementsInclude>* includes = nullptr);
std::vector<Package> parse_pipfile_lock(std::string_view text, const std::string& path,
                                        std::vector<Diagnostic>& diags);
std::vector<Package> parse_poetry_lock(std::string_view text, const std::string& path,
                                       std::vector<Diagnostic>& diags);
std::vector<Package> parse_uv_lock(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags);
// ---- Go and Rust: go.mod, Go executables, Cargo.lock, cargo-auditable executables
// (docs/lang/go-rust.md) ----

// Parses a go.mod file: the main module (kRoot, no version), requirements
// (kDirect, or kTransitive when marked "// indirect") after replace and
// exclude directives, and the standard library ("stdlib") when a toolchain
// directive or a go directive of 1.21 or later names the Go release.
// Problems are warnings with the line number.
std::vector<Package> parse_go_mod(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags);

// The build information the Go linker embeds in an executable.
struct GoBuildInfo {
  std::string go_version;  // the toolchain as written, "go1.19.8"
  std::string path;        // the main package's import path
  // "stdlib" (kDirect), the main module (kRoot) and the modules linked in
  // (kUnknown: the build info does not say which are direct).
  std::vector<Package> packages;
  std::vector<std::pair<std::string, std::string>> settings;  // "build" lines: key, value
};

// Reads the build information of a Go ELF executable. Files that are not ELF,
// and ELF files without Go build information, give nullopt and no diagnostic
// (most executables are not Go programs); an ELF file that carries Go build
// information that cannot be read gives nullopt and a warning naming the file.
std::optional<GoBuildInfo> parse_go_binary(std::string_view bytes, const std::string& path,
                                           std::vector<Diagnostic>& diags);

// Parses a Cargo.lock file (lockfile versions 1 to 4): [[package]] entries
// with their dependency edges. Packages without a source (workspace members
// and path dependencies) are kRoot; registry and git packages they depend on
// are kDirect, the rest kTransitive.
std::vector<Package> parse_cargo_lock(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags);

// Reads the dependency list cargo-auditable embeds in an ELF executable
// (section .dep-v0). Like parse_go_binary, executables without it give no
// packages and no diagnostic.
std::vector<Package> parse_rust_binary(std::string_view bytes, const std::string& path, std::vector<Diagnostic>& diags);

// The contents of a .dep-v0 section: zlib-compressed JSON.
std::vector<Package> parse_cargo_auditable_data(std::string_view compressed, const std::string& path,
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
