// Shared machinery of the SBOM readers (CycloneDX and SPDX JSON): checked field
// access that reports the JSON path, and the step that turns components into a
// Bulwark inventory. Internal to the report module; includes nlohmann/json.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "report/purl.hpp"
#include "report/report.hpp"

namespace bulwark::report::sbom {

// Upper bound on components/packages in one document: far above real SBOMs
// (a large image has tens of thousands), low enough to bound memory.
constexpr size_t kMaxComponents = 1'000'000;

std::string key_path(const std::string& parent, std::string_view key);  // "a.b"
std::string index_path(const std::string& parent, size_t i);             // "a[3]"

// Reading context: the file name for errors and the diagnostics gathered.
struct Ctx {
  std::string file;
  std::vector<Diagnostic> diagnostics;

  Error error(const std::string& jpath, const std::string& message, ErrorCode code = ErrorCode::kCorrupt) const {
    return Error(code, message, jpath.empty() ? file : file + ": " + jpath);
  }
  void warn(const std::string& jpath, const std::string& message) {
    Diagnostic d;
    d.message = (jpath.empty() ? "" : jpath + ": ") + message;
    d.location.path = file;
    diagnostics.push_back(std::move(d));
  }

  // Absent or null give "" / nullptr; a value of the wrong type is an error.
  Result<std::string> str(const json& obj, std::string_view key, const std::string& parent) const;
  // A string field that the format requires: absent or empty is an error.
  Result<std::string> required_str(const json& obj, std::string_view key, const std::string& parent) const;
  Result<const json*> arr(const json& obj, std::string_view key, const std::string& parent) const;
  Result<const json*> obj(const json& obj, std::string_view key, const std::string& parent) const;
  // The element must be an object.
  Status need_object(const json& j, const std::string& jpath) const;
};

const char* type_name(const json& j);

// One package-like element of the document, before grouping.
struct Element {
  std::string ref;      // bom-ref or SPDXID
  std::string jpath;    // where it is, for errors
  std::string name;     // as the document names it (CycloneDX group joined in)
  std::string version;
  std::string purl;
  std::string purl_path;  // JSON path of the purl field
  std::vector<std::string> licenses;
  std::string maintainer;
  std::string digest;   // "sha256:hex"
  std::string src_name, src_version;
  std::map<std::string, std::string> props;  // "bulwark:*" properties / annotations, key without prefix
};

// What a document says besides its packages.
struct Graph {
  std::vector<Element> packages;                 // in document order
  std::map<std::string, std::vector<std::string>> depends;  // ref -> refs
  std::map<std::string, std::string> app_of;     // package ref -> application ref (CONTAINS / dependencies)
  struct App {
    std::string type, path;
  };
  std::map<std::string, App> apps;               // application ref -> type/path
  std::vector<std::string> app_order;            // application refs in document order
  std::optional<OsInfo> os;
};

// Keeps the best package checksum seen so far as "alg:hex": sha256 over the
// others; algorithms Bulwark does not record (e.g. sha3) are ignored. Both
// formats spell algorithms differently ("SHA-256", "SHA256"), so they are
// compared without case and dashes.
void keep_preferred_digest(std::string& digest, std::string_view algorithm, std::string_view value);

// Builds the inventory: OS packages (deb/apk/rpm purls) and language packages
// grouped into applications; restores epoch/arch/distro from the purl and
// dependency edges as package ids. Errors name the element's JSON path.
Status build_inventory(Ctx& ctx, Graph& g, Inventory& inv);

Result<Report> read_cyclonedx(const json& doc, Ctx& ctx);
Result<Report> read_spdx(const json& doc, Ctx& ctx);

}  // namespace bulwark::report::sbom
