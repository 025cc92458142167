// Internal header of catalog/lang: the package entries composer.lock and
// vendor/composer/installed.json share (both are lists of Composer package
// objects: name, version, license, require, provide, replace).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"
#include "core/json.hpp"

namespace bulwark::catalog {

class ComposerPackages {
 public:
  ComposerPackages(std::string_view text, const std::string& path, std::vector<Diagnostic>& diags)
      : text_(text), path_(path), diags_(diags) {}

  // Reads the array at `where` (JSON path from the document root, for
  // warnings); `dev` tells whether a package (by its name) is development-only.
  void read_list(const json& list, const std::vector<std::string>& where,
                 const std::function<bool(const std::string& name)>& dev);

  // The packages, one per name and version, with "require" resolved to the
  // packages read (directly by name, or through what they provide or replace).
  std::vector<Package> finish();

 private:
  std::string_view text_;
  const std::string& path_;
  std::vector<Diagnostic>& diags_;
  std::vector<Package> packages_;
  std::vector<std::vector<std::string>> requires_;  // lowercase names, per package
  std::vector<std::vector<std::string>> provides_;  // provide + replace, lowercase
};

// Composer names are case-insensitive; the registry's are lowercase.
std::string composer_key(std::string_view name);

}  // namespace bulwark::catalog
