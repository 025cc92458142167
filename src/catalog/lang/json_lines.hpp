// Internal helpers of catalog/lang for JSON lockfiles: nlohmann's DOM keeps no
// positions, so warnings about one entry find its line again in the text, and
// a syntax error becomes a warning at the line the parser stopped.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/core.hpp"

namespace bulwark::catalog {

// The 1-based line where the value at `path` (object keys and array indices,
// outermost first) starts in `text`, or 0 when the text does not have it.
// Meant for text that already parsed as JSON; it never reads past the end of
// malformed text and takes time linear in the text.
int json_line_of(std::string_view text, const std::vector<std::string>& path);

// The 1-based lines where the children of the object or array at `path`
// start, in document order: (key, line) for an object's members, (index,
// line) for an array's elements. One pass over the text, however many children.
std::vector<std::pair<std::string, int>> json_child_lines(std::string_view text,
                                                          const std::vector<std::string>& path);

// A warning for a parse_json() failure, at the line the error names.
Diagnostic json_error_warning(const std::string& path, const Error& error, std::string_view what);

}  // namespace bulwark::catalog
