// Language catalogers: the packages of language ecosystems found in lockfiles,
// manifests and installed package metadata, as analyzers. One file per
// analyzer; register_language_analyzers() is the one place they are listed.
#pragma once

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

// PEP 503 normalised project name: lowercase, every run of '-', '_' and '.'
// becomes one '-'. Names are matched this way; packages keep the name as written.
std::string pep503_normalize(std::string_view name);

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

}  // namespace bulwark::catalog
