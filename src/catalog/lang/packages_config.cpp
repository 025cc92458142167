// NuGet's packages.config, the package list of .NET Framework projects that
// predate PackageReference:
//
//   <?xml version="1.0" encoding="utf-8"?>
//   <packages>
//     <package id="Newtonsoft.Json" version="13.0.3" targetFramework="net48" />
//     <package id="Microsoft.Net.Compilers" version="4.2.0" developmentDependency="true" />
//   </packages>
//
// The list is flat (NuGet writes every installed package, direct or not), so
// relationships are unknown and there are no edges. developmentDependency="true"
// marks a development-only package. Read with expat; DTDs that declare
// entities are refused (nothing legitimate needs them, and entity expansion is
// how XML bombs work), and nesting is bounded.
#include <expat.h>

#include <map>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/format_analyzer.hpp"

namespace bulwark::catalog {
namespace {

constexpr int64_t kMaxConfigBytes = 8 << 20;
constexpr int kMaxDepth = 64;

struct ConfigReader {
  XML_Parser parser = nullptr;
  const std::string* path = nullptr;
  std::vector<Diagnostic>* diags = nullptr;
  std::vector<Package> packages;
  std::map<std::string, size_t> index;  // id -> position in packages
  int depth = 0;
  bool root_ok = false;
  bool stopped = false;

  int line() const { return static_cast<int>(XML_GetCurrentLineNumber(parser)); }
  void warn(std::string message) { diags->push_back(make_warning(*path, line(), std::move(message))); }
  void stop(std::string message) {
    warn(std::move(message));
    stopped = true;
    XML_StopParser(parser, XML_FALSE);
  }

  void start(const XML_Char* name, const XML_Char** attrs) {
    ++depth;
    if (depth > kMaxDepth) return stop("elements nested deeper than " + std::to_string(kMaxDepth) + " levels");
    std::string_view element(name);
    if (depth == 1) {
      root_ok = element == "packages";
      if (!root_ok) stop("root element is <" + std::string(element.substr(0, 80)) + ">, not <packages>; not a packages.config");
      return;
    }
    if (depth != 2 || element != "package") return;  // other elements carry nothing we read
    Package p;
    p.ecosystem = "nuget";
    bool dev = false;
    for (size_t i = 0; attrs[i] && attrs[i + 1]; i += 2) {
      std::string_view key(attrs[i]);
      if (key == "id") p.name = attrs[i + 1];
      else if (key == "version") p.version = attrs[i + 1];
      else if (key == "developmentDependency") dev = std::string_view(attrs[i + 1]) == "true";
    }
    if (p.name.empty() || p.version.empty()) {
      warn(std::string("<package> without ") + (p.name.empty() ? "an id" : "a version") +
           (p.name.empty() ? "" : " (" + p.name + ")") + "; skipped");
      return;
    }
    p.dev = dev;
    p.location.path = *path;
    p.location.line = line();
    p.id = make_package_id(p);
    auto [it, fresh] = index.emplace(p.id, packages.size());
    if (!fresh) {
      packages[it->second].dev = packages[it->second].dev && p.dev;  // listed twice: runtime wins
      return;
    }
    packages.push_back(std::move(p));
  }
};

void XMLCALL on_start(void* data, const XML_Char* name, const XML_Char** attrs) {
  static_cast<ConfigReader*>(data)->start(name, attrs);
}
void XMLCALL on_end(void* data, const XML_Char*) { --static_cast<ConfigReader*>(data)->depth; }
void XMLCALL on_entity_decl(void* data, const XML_Char* name, int, const XML_Char*, int, const XML_Char*,
                            const XML_Char*, const XML_Char*, const XML_Char*) {
  static_cast<ConfigReader*>(data)->stop("entity declaration '" + std::string(name ? name : "") +
                                         "' refused (entities are not part of packages.config)");
}

}  // namespace

std::vector<Package> parse_packages_config(std::string_view text, const std::string& path,
                                           std::vector<Diagnostic>& diags) {
  if (text.size() > static_cast<size_t>(kMaxConfigBytes)) {
    diags.push_back(make_warning(path, 0, "packages.config larger than " + std::to_string(kMaxConfigBytes) +
                                              " bytes; not read"));
    return {};
  }
  ConfigReader reader;
  reader.parser = XML_ParserCreate(nullptr);
  if (!reader.parser) {
    diags.push_back(make_warning(path, 0, "could not create an XML parser"));
    return {};
  }
  reader.path = &path;
  reader.diags = &diags;
  XML_SetUserData(reader.parser, &reader);
  XML_SetElementHandler(reader.parser, on_start, on_end);
  XML_SetEntityDeclHandler(reader.parser, on_entity_decl);
  XML_Status status = XML_Parse(reader.parser, text.data(), static_cast<int>(text.size()), XML_TRUE);
  if (status == XML_STATUS_ERROR && !reader.stopped) {
    reader.warn(std::string("malformed XML: ") + XML_ErrorString(XML_GetErrorCode(reader.parser)) +
                (reader.packages.empty() ? "" : "; the packages before it are kept"));
  }
  XML_ParserFree(reader.parser);
  if (!reader.root_ok) reader.packages.clear();
  return std::move(reader.packages);
}

std::unique_ptr<Analyzer> make_packages_config_analyzer() {
  return make_format_analyzer({.name = "packages-config", .version = 1, .application_type = "packages-config",
                               .read = read_packages<parse_packages_config>, .max_bytes = kMaxConfigBytes,
                               .wants_path = outside_node_modules, .file_name = "packages.config"});
}

}  // namespace bulwark::catalog
