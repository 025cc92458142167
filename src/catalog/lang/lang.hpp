// Language catalogers: the packages of language ecosystems found in lockfiles,
// manifests and installed package metadata, as analyzers. One file per
// analyzer; register_language_analyzers() is the one place they are listed.
#pragma once

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

}  // namespace bulwark::catalog
