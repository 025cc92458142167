// Helpers for the configuration format tests: run one format over in-memory
// or fixture files the way the scanner does (wants, detect, parse).
#pragma once

#include <string>
#include <vector>

#include "core/document.hpp"
#include "policy/misconfig/misconfig.hpp"
#include "testing/testing.hpp"

namespace bulwark::policy::testing {

struct Parsed {
  std::vector<Document> docs;
  std::vector<Diagnostic> diags;
  std::vector<std::string> skipped;  // paths wants() or detect() turned down
};

inline Parsed run_format(std::string_view format, const std::vector<ConfigFile>& files,
                         const ConfigLimits& limits = {}) {
  const ConfigFormat* f = find_config_format(format);
  Parsed out;
  if (!f) {
    ADD_FAILURE() << "no format " << format;
    return out;
  }
  std::vector<const ConfigFile*> taken;
  for (const ConfigFile& file : files) {
    if (f->wants(file.path) && f->detect(file.path, file.text)) taken.push_back(&file);
    else out.skipped.push_back(file.path);
  }
  f->parse(taken, limits, out.docs, out.diags);
  return out;
}

inline ConfigFile fixture_file(const std::string& rel, const std::string& as_path = {}) {
  return ConfigFile{as_path.empty() ? rel : as_path, "",
                    ::bulwark::testing::read_file(::bulwark::testing::fixture("config/" + rel))};
}

inline std::string messages(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const auto& d : diags)
    out += d.location.path + ":" + std::to_string(d.location.line) + ":" + std::to_string(d.location.column) + ": " +
           d.message + "\n";
  return out;
}

// The node at `path`, failing the test when it is missing.
inline const Node& at(const Node& root, std::string_view path) {
  static const Node missing = Node::string("<missing>");
  const Node* n = find_path(root, path);
  if (!n) {
    ADD_FAILURE() << "no node at " << path;
    return missing;
  }
  return *n;
}

inline std::string str(const Node& root, std::string_view path) {
  const Node& n = at(root, path);
  return n.is_string() ? n.as_string() : n.to_text();
}

}  // namespace bulwark::policy::testing
