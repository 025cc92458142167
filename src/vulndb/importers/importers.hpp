// The importer functions of each feed format (internal to the vulndb module).
// Each format lives in its own file; importers.cpp lists them in one table.
#pragma once

#include <string.h>

#include <string>
#include <string_view>

#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb::feeds {

// Whether `needle` occurs in `hay`, for the sniff functions: every document
// is sniffed by every importer, and string_view::find, which stops at each
// occurrence of the needle's first character (a quote, in JSON: every few
// bytes), made sniffing cost as much as parsing an OSV record.
inline bool contains(std::string_view hay, std::string_view needle) {
  return ::memmem(hay.data(), hay.size(), needle.data(), needle.size()) != nullptr;
}

int sniff_osv(std::string_view name, std::string_view head);

int sniff_kev(std::string_view name, std::string_view head);
void import_kev(std::string_view text, const std::string& where, ImportContext& ctx);

int sniff_epss(std::string_view name, std::string_view head);
void import_epss(std::string_view text, const std::string& where, ImportContext& ctx);

int sniff_alpine_secdb(std::string_view name, std::string_view head);

int sniff_nvd(std::string_view name, std::string_view head);

// Debian security tracker: the JSON export, the data/{CVE,DSA,DLA}/list
// sources, and vuln-list-debian's per-record annotation JSON.
int sniff_debian_tracker(std::string_view name, std::string_view head);
void import_debian_tracker(std::string_view text, const std::string& where, ImportContext& ctx);
int sniff_debian_lists(std::string_view name, std::string_view head);
void import_debian_lists(std::string_view text, const std::string& where, ImportContext& ctx);
int sniff_debian_annotations(std::string_view name, std::string_view head);
void import_debian_annotations(std::string_view text, const std::string& where, ImportContext& ctx);

}  // namespace bulwark::vulndb::feeds
