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

// Parses a dpkg status file (or one distroless status.d file). Bad stanzas
// become diagnostics naming the line.
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
