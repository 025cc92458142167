// Internal: TOML reading for the Python lockfile analyzers (poetry.lock,
// uv.lock). Kept apart from python_common.hpp so that only the files that
// read TOML pay for toml++.
#pragma once

#include <toml++/toml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"

namespace bulwark::catalog::python {

// Parses a TOML document; a syntax error is a warning with the file, line
// and toml++'s reason, and nullopt.
inline std::optional<toml::table> parse_toml(std::string_view text, const std::string& path, std::string_view what,
                                             std::vector<Diagnostic>& diags) {
  try {
    return toml::parse(text, std::string_view(path));
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    std::string msg = std::string(what) + " is not valid TOML";
    if (where.line > 0) msg += " (line " + std::to_string(where.line) + " column " + std::to_string(where.column) + ")";
    diags.push_back(make_warning(path, static_cast<int>(where.line), msg + ": " + std::string(e.description())));
    return std::nullopt;
  }
}

// The line a TOML node starts on (0 when toml++ does not know).
inline int line_of(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

// A string value of a table, or "".
inline std::string string_of(const toml::table& t, std::string_view key) {
  if (const auto* v = t.get_as<std::string>(key)) return v->get();
  return {};
}

}  // namespace bulwark::catalog::python
