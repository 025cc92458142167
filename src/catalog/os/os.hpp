// OS catalogers: release-file detection and the package databases of dpkg, apk
// and rpm, as analyzers. One file per analyzer; register_os_analyzers() is the
// one place they are listed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"

namespace bulwark::catalog {

// Adds the OS analyzers (os-release, dpkg, apk, rpm) to the registry.
void register_os_analyzers(AnalyzerRegistry& registry);

// Detects the OS from release files given as (path, content) pairs, the way the
// os analyzer does after merging. Exposed for tests and the host scanner.
std::optional<OsInfo> detect_os(const std::vector<std::pair<std::string, std::string>>& release_files);

// Package fields the OS catalogers fill, the same way for the three ecosystems:
//  - version is the full version as the package manager prints it, epoch
//    included ("1:1.2.13.dfsg-1", rpm "1:2.3-4.el9"); epoch is also apart, and
//    rpm's release too.
//  - src_name/src_version: dpkg Source ("name (version)", else the package's own
//    name and version); rpm SOURCERPM's name and version-release, prefixed
//    with the binary's epoch as rpm does not store the source's own (so that
//    src_version compares like version); apk origin and the package version.
//  - depends_on: ids (make_package_id) of packages of the same database that
//    meet a dependency by name, by what they provide, or (rpm, apk) by a file
//    they own; same architecture first; nothing for what is not installed.
//    id and purl themselves are left empty (assign_package_ids fills them).
//  - installed_files: absolute paths; location.path: the database file.

// Parses a dpkg status file (or one distroless status.d file). Bad stanzas
// become diagnostics naming the line. Only packages whose files are on disk are
// returned: states installed, half-configured, unpacked, triggers-awaited and
// triggers-pending (dpkg(1) "Package states"); not-installed, config-files and
// half-installed are left out. status.d files have no Status field and list
// installed packages only.
std::vector<Package> parse_dpkg_status(std::string_view text, const std::string& path,
                                       std::vector<Diagnostic>& diags);

// Parses an apk installed database.
std::vector<Package> parse_apk_installed(std::string_view text, const std::string& path,
                                         std::vector<Diagnostic>& diags);

// Reads an rpm database file (BerkeleyDB "Packages", SQLite "rpmdb.sqlite", or
// NDB "Packages.db") given its bytes.
Result<std::vector<Package>> parse_rpmdb(std::string_view bytes, const std::string& path,
                                         std::vector<Diagnostic>& diags);

}  // namespace bulwark::catalog
