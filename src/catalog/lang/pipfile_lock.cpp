// Pipfile.lock (pipenv): JSON with a "default" section (what the application
// runs with, direct and transitive alike) and a "develop" section (development
// packages). Versions are pins, "==1.2.3". Entries without a version (VCS,
// path and editable installs) name no release and are skipped. The lock does
// not say which packages the Pipfile asked for, so relationships are unknown,
// and it records no dependency edges.
#include <algorithm>

#include <nlohmann/json.hpp>

#include "catalog/lang/analyzers.hpp"
#include "catalog/lang/format_analyzer.hpp"
#include "catalog/lang/python_common.hpp"

namespace bulwark::catalog {
namespace {

constexpr int64_t kMaxPipfileLockBytes = 64 << 20;

struct TooDeep {};

}  // namespace

std::vector<Package> parse_pipfile_lock(std::string_view text, const std::string& path,
                                        std::vector<Diagnostic>& diags) {
  using ordered = nlohmann::ordered_json;
  auto warn = [&](int line, std::string msg) { diags.push_back(make_warning(path, line, std::move(msg))); };
  ordered doc;
  const int max_depth = limits().max_json_depth;
  try {
    ordered::parser_callback_t cb = [max_depth](int depth, ordered::parse_event_t, ordered&) {
      if (depth > max_depth) throw TooDeep{};
      return true;
    };
    doc = ordered::parse(text.begin(), text.end(), cb);
  } catch (const TooDeep&) {
    warn(0, "Pipfile.lock is nested deeper than " + std::to_string(max_depth) + " levels; not read");
    return {};
  } catch (const ordered::parse_error& e) {
    std::string msg = e.what();
    size_t reason = msg.find(": syntax error");
    if (reason != std::string::npos) msg = msg.substr(reason + 2);
    warn(python::line_of(text, e.byte > 0 ? e.byte - 1 : 0), "Pipfile.lock is not valid JSON: " + msg);
    return {};
  } catch (const ordered::exception& e) {  // a number out of range, invalid UTF-8 in a string
    warn(0, std::string("Pipfile.lock cannot be read: ") + e.what());
    return {};
  }
  if (!doc.is_object()) {
    warn(1, "Pipfile.lock is not a JSON object");
    return {};
  }
  // Keys come in document order; each package's line is found by searching
  // forward for its quoted name, so the whole scan is one pass over the text.
  // A key written with escapes is not found verbatim; the budget keeps the
  // searches linear in the size of the text whatever the file holds.
  size_t cursor = 0;
  size_t counted_to = 0;
  int counted_lines = 1;
  size_t budget = 4 * text.size() + 4096;
  auto line_at = [&](const std::string& key) -> int {
    std::string quoted = "\"" + key + "\"";
    std::string_view window = text.substr(cursor, std::min(budget, text.size() - cursor));
    for (size_t at = window.find(quoted); at != std::string_view::npos; at = window.find(quoted, at + 1)) {
      size_t after = window.find_first_not_of(" \t\r\n", at + quoted.size());
      if (after == std::string_view::npos || window[after] != ':') continue;  // a value, not the key
      budget -= after;
      counted_lines += static_cast<int>(std::count(text.begin() + static_cast<std::ptrdiff_t>(counted_to),
                                                   text.begin() + static_cast<std::ptrdiff_t>(cursor + at), '\n'));
      counted_to = cursor + at;
      cursor += after + 1;
      return counted_lines;
    }
    budget -= window.size();
    return 0;
  };

  python::PackageSet set;
  for (const auto& [section, entries] : doc.items()) {
    if (section != "default" && section != "develop") continue;
    int section_line = line_at(section);
    if (!entries.is_object()) {
      warn(section_line, "\"" + section + "\" is not an object; its packages are not read");
      continue;
    }
    const bool dev = section == "develop";
    for (const auto& [name, info] : entries.items()) {
      int line = line_at(name);
      if (!info.is_object()) {
        warn(line, "package " + name + " is not an object; skipped");
        continue;
      }
      auto v = info.find("version");
      if (v == info.end()) continue;  // VCS, path or editable: no release to report
      if (!v->is_string()) {
        warn(line, "package " + name + " has a version that is not a string; skipped");
        continue;
      }
      std::string_view version = v->get_ref<const std::string&>();
      if (starts_with(version, "===")) {
        version.remove_prefix(3);
      } else if (starts_with(version, "==")) {
        version.remove_prefix(2);
      } else {
        warn(line, "package " + name + " has version '" + std::string(version) + "', not a pin (==); skipped");
        continue;
      }
      version = trim(version);
      if (name.empty() || version.empty()) {
        warn(line, "package '" + name + "' has an empty name or version; skipped");
        continue;
      }
      Package p = python::make_package(name, std::string(version), path, line);
      p.dev = dev;
      set.add(std::move(p));
    }
  }
  return set.take();
}

std::unique_ptr<Analyzer> make_pipfile_lock_analyzer() {
  return make_format_analyzer({.name = "pipfile-lock", .version = 1, .application_type = "pipenv",
                               .read = read_packages<parse_pipfile_lock>, .max_bytes = kMaxPipfileLockBytes,
                               .wants_path = python::outside_installed_trees, .file_name = "Pipfile.lock"});
}

}  // namespace bulwark::catalog
