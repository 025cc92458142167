// Internal header of catalog/lang: the one analyzer class behind every format
// that is read file by file. Most language formats (lockfiles, installed
// package records) need nothing but a name, a size limit, a rule for which
// paths hold the format, the application type, and a parser; a format file
// describes itself in a FileFormat in its factory:
//   return make_format_analyzer({.name = "cargo-lock", .version = 1, .application_type = "cargo", ...});
// Formats whose packages are refined by a project manifest in the same
// directory (yarn.lock and package.json, composer.lock and composer.json) add
// a ManifestRule. Analyzers that join files in other ways subclass
// FormatAnalyzer and override contribute() (pip-requirements follows -r
// includes, maven-pom resolves parents), or stand alone (python-dist; the
// analyzers of executables share elf::ExecutableAnalyzer).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "catalog/lang/lang.hpp"

namespace bulwark::catalog {

// Whether a directory component of `path` (not the file name) is `dir`.
bool has_dir_component(std::string_view path, std::string_view dir);
// Lockfiles inside an installed npm package belong to that package's own
// development, not to what is installed (npm-installed's job), as for Trivy.
inline bool in_node_modules(std::string_view path) { return has_dir_component(path, "node_modules"); }
inline bool outside_node_modules(std::string_view path) { return !in_node_modules(path); }

// Reads one file's text into a FileResult: packages, diagnostics, facts.
using ReadFn = void (*)(std::string_view text, const std::string& path, FileResult& out);

// A project manifest read beside each file of a format. It lists no packages
// itself: contribute() hands it, with the file in the same directory, to
// `refine`.
struct ManifestRule {
  std::string_view file_name;
  int64_t max_bytes = 0;
  bool (*wants_path)(std::string_view path) = nullptr;  // besides the file name
  ReadFn read = nullptr;                                 // facts only; no packages
  void (*refine)(const FileResult& manifest, const FileResult& file, std::vector<Package>& packages,
                 std::vector<Diagnostic>& diags) = nullptr;
};

// What a format is, how it is read, and which files hold it; the optional
// fields last.
struct FileFormat {
  std::string_view name;  // the analyzer's name
  int version = 1;        // bumped whenever what the analyzer extracts changes
  std::string_view application_type;
  ReadFn read = nullptr;
  // Larger files are not wanted; nor are files larger than limits().max_file_read.
  int64_t max_bytes = 0;
  bool (*wants_path)(std::string_view path) = nullptr;  // besides the file name
  std::string_view file_name = {};                      // empty when the names vary
  const ManifestRule* manifest = nullptr;
};

class FormatAnalyzer : public Analyzer {
 public:
  explicit FormatAnalyzer(const FileFormat& format) : format_(format) {}
  std::string_view name() const override { return format_.name; }
  int version() const override { return format_.version; }
  bool wants(std::string_view path, int64_t size) const override;
  // Sets application_type and reads the file (a manifest: its facts only).
  Status analyze(const FileEntry& entry, FileResult& out) const override;
  // One application per file of the format; with a manifest rule, refined by
  // the manifest in the same directory.
  void contribute(std::span<const FileResult* const> visible, Inventory& inv, std::vector<Finding>& findings,
                  std::vector<Diagnostic>& diags) const override;

 private:
  FileFormat format_;
};

// What a format file's factory returns.
inline std::unique_ptr<Analyzer> make_format_analyzer(const FileFormat& format) {
  return std::make_unique<FormatAnalyzer>(format);
}

// A ReadFn from a parse function of lang.hpp: parse(text, path, diags)
// returning the file's packages, or the one package it describes.
template <auto Parse>
void read_packages(std::string_view text, const std::string& path, FileResult& out) {
  auto parsed = Parse(text, path, out.diagnostics);
  if constexpr (std::is_same_v<decltype(parsed), std::optional<Package>>) {
    if (parsed) out.packages.push_back(std::move(*parsed));
  } else {
    out.packages = std::move(parsed);
  }
}

}  // namespace bulwark::catalog
