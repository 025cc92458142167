// Helpers for the catalog tests: an in-memory BodyReader and a small driver that
// runs the catalog analyzers over (path, content) pairs the way the walker and the
// merge step do (wants -> analyze -> contribute in path order).
#pragma once

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "catalog/lang/lang.hpp"
#include "catalog/os/os.hpp"
#include "core/core.hpp"
#include "testing/testing.hpp"

namespace bulwark::catalog::testing {

// Serves a string as a file body, in pieces of at most `chunk` bytes so that
// callers that loop over read() are exercised.
class MemoryBody : public BodyReader {
 public:
  explicit MemoryBody(std::string data, size_t chunk = 4096) : data_(std::move(data)), chunk_(chunk) {}
  Result<size_t> read(char* buf, size_t n) override {
    size_t k = std::min({n, chunk_, data_.size() - pos_});
    std::memcpy(buf, data_.data() + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  std::string data_;
  size_t chunk_;
  size_t pos_ = 0;
};

struct Scan {
  Inventory inventory;
  std::vector<Finding> findings;
  std::vector<Diagnostic> diagnostics;
  std::map<std::string, std::vector<FileResult>> results;  // by analyzer name
  std::vector<std::string> analyze_errors;
};

// Runs every OS and language analyzer over the files (paths relative, as the walker gives
// them), then contributes each analyzer's results in path order.
inline Scan scan_files(const std::vector<std::pair<std::string, std::string>>& files,
                       const std::string& layer = "sha256:test") {
  AnalyzerRegistry reg;
  register_os_analyzers(reg);
  register_language_analyzers(reg);
  Scan s;
  std::vector<std::pair<std::string, std::string>> sorted = files;
  std::sort(sorted.begin(), sorted.end());
  for (const auto& [path, content] : sorted) {
    std::vector<size_t> idx;
    reg.wanting(path, static_cast<int64_t>(content.size()), 0755, idx);
    for (size_t i : idx) {
      const Analyzer& a = *reg.all()[i];
      MemoryBody body(content, 1000);
      FileEntry e;
      e.path = path;
      e.size = static_cast<int64_t>(content.size());
      e.layer = layer;
      e.body = &body;
      FileResult r;
      r.analyzer = std::string(a.name());
      r.path = path;
      r.layer = layer;
      Status st = a.analyze(e, r);
      if (!st) s.analyze_errors.push_back(st.error().message);
      s.results[r.analyzer].push_back(std::move(r));
    }
  }
  for (const auto& a : reg.all()) {
    auto it = s.results.find(std::string(a->name()));
    if (it == s.results.end()) continue;
    std::vector<const FileResult*> visible;
    for (const auto& r : it->second) visible.push_back(&r);
    a->contribute(visible, s.inventory, s.findings, s.diagnostics);
  }
  assign_package_ids(s.inventory);
  return s;
}

inline const Package* find_package(const std::vector<Package>& pkgs, const std::string& name) {
  for (const auto& p : pkgs)
    if (p.name == name) return &p;
  return nullptr;
}

inline const Package* find_by_id(const std::vector<Package>& pkgs, const std::string& id) {
  for (const auto& p : pkgs)
    if (p.id == id) return &p;
  return nullptr;
}

inline std::set<std::string> ids_of(const std::vector<Package>& pkgs) {
  std::set<std::string> out;
  for (const auto& p : pkgs) out.insert(p.id);
  return out;
}

// name@version -> relationship, for comparing a whole file's packages at once.
inline std::map<std::string, Relationship> relationships(const std::vector<Package>& pkgs) {
  std::map<std::string, Relationship> out;
  for (const auto& p : pkgs) out[p.name + "@" + p.version] = p.relationship;
  return out;
}

// The text of tests/fixtures/<rel>.
inline std::string fixture_text(const std::string& rel) {
  return bulwark::testing::read_file(bulwark::testing::fixture(rel));
}

// cargo on PATH or in ~/.cargo/bin (rustup's place), or "" when there is none.
inline std::string find_cargo() {
  if (bulwark::testing::have_tool("cargo")) return "cargo";
  const char* home = std::getenv("HOME");
  std::filesystem::path in_home = home ? std::filesystem::path(home) / ".cargo/bin/cargo" : std::filesystem::path();
  return home && std::filesystem::exists(in_home) ? in_home.string() : "";
}

}  // namespace bulwark::catalog::testing
