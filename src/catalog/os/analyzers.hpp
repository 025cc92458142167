// Internal header of catalog/os: the analyzer factories that registry.cpp lists,
// and small helpers the analyzers share.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/os/os.hpp"

namespace bulwark::catalog {

std::unique_ptr<Analyzer> make_os_release_analyzer();
std::unique_ptr<Analyzer> make_dpkg_analyzer();
std::unique_ptr<Analyzer> make_apk_analyzer();
std::unique_ptr<Analyzer> make_rpm_analyzer();

// Calls fn(line_number, line) for each line (without "\n" or "\r\n").
template <class Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  int line_no = 0;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(start, nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(++line_no, line);
    start = nl + 1;
  }
}


// Resolves dependency names to installed packages: `provides` maps every name a
// package answers to (its own name and what it provides) to its id.
void resolve_dependencies(std::vector<Package>& packages,
                          const std::vector<std::vector<std::string>>& wanted_names,
                          const std::vector<std::vector<std::string>>& provided_names);

}  // namespace bulwark::catalog
