// Helpers for the JavaScript lockfile tests: a package list described as one
// line per package ("name@version relationship [dev] -> dep@v, ..."), so a
// test states the whole expected graph, and the invariants every result keeps.
#pragma once

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "catalog/lang/lang.hpp"
#include "core/core.hpp"
#include "testing/testing.hpp"

namespace bulwark::catalog::testing {

inline std::string strip_eco(const std::string& id) { return id.rfind("npm:", 0) == 0 ? id.substr(4) : id; }

inline std::set<std::string> describe(const std::vector<Package>& pkgs) {
  std::set<std::string> out;
  for (const auto& p : pkgs) {
    std::string line = p.name + "@" + p.version + " " + to_string(p.relationship);
    if (p.dev) line += " dev";
    if (!p.depends_on.empty()) {
      line += " ->";
      for (size_t i = 0; i < p.depends_on.size(); ++i) line += (i ? ", " : " ") + strip_eco(p.depends_on[i]);
    }
    out.insert(line);
  }
  return out;
}

// Ids are make_package_id, unique; edges point inside the file; every
// package and diagnostic names the file.
inline void expect_well_formed(const std::vector<Package>& pkgs, const std::vector<Diagnostic>& diags,
                               const std::string& path) {
  std::set<std::string> ids;
  for (const auto& p : pkgs) {
    EXPECT_EQ(p.ecosystem, "npm");
    EXPECT_FALSE(p.name.empty());
    EXPECT_EQ(p.id, make_package_id(p));
    EXPECT_EQ(p.location.path, path);
    EXPECT_TRUE(ids.insert(p.id).second) << "duplicate " << p.id;
  }
  for (const auto& p : pkgs)
    for (const auto& d : p.depends_on) {
      EXPECT_TRUE(ids.count(d)) << p.id << " -> " << d;
      EXPECT_NE(d, p.id);
    }
  for (const auto& d : diags) EXPECT_EQ(d.location.path, path) << d.message;
}

// A lockfile fixture's packages and warnings.
struct Parsed {
  std::vector<Package> pkgs;
  std::vector<Diagnostic> diags;
};

using LockfileParser = std::vector<Package> (*)(std::string_view text, const std::string& path,
                                                std::vector<Diagnostic>& diags);

// Parses tests/fixtures/lang/npm/<fixture_dir>/<name> as the file
// <scan_dir>/<name>, and checks the result is well formed.
inline Parsed parse_lock_fixture(LockfileParser parse, const std::string& fixture_dir, const std::string& scan_dir,
                                 const std::string& name) {
  Parsed r;
  std::string path = scan_dir + "/" + name;
  r.pkgs = parse(bulwark::testing::read_file(bulwark::testing::fixture("lang/npm/" + fixture_dir + "/" + name)), path,
                 r.diags);
  expect_well_formed(r.pkgs, r.diags, path);
  return r;
}

inline const Package* find_version(const std::vector<Package>& pkgs, const std::string& name,
                                   const std::string& version) {
  for (const auto& p : pkgs)
    if (p.name == name && p.version == version) return &p;
  return nullptr;
}

// Lines of diagnostics, for asserting where warnings point.
inline std::vector<int> warning_lines(const std::vector<Diagnostic>& diags) {
  std::vector<int> out;
  for (const auto& d : diags) out.push_back(d.location.line);
  return out;
}

inline std::string all_messages(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const auto& d : diags) out += std::to_string(d.location.line) + ": " + d.message + "\n";
  return out;
}

}  // namespace bulwark::catalog::testing
