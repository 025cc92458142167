// --skip-dirs / --skip-files: glob patterns over paths relative to the target's
// root, shared by the directory walker (tree.cpp) and the layer walker
// (walker.cpp), so that a pattern means the same for `fs`, `repo`, `rootfs` and
// `image`.
#include <fnmatch.h>

#include <algorithm>

#include "artifact/artifact.hpp"

namespace bulwark::artifact {

namespace {

// How many "**/" of one pattern may stand for no directory at all: enough for
// any pattern a person writes, and a bound on the work a pattern can cause.
constexpr int kGlobstarBudget = 4;

// fnmatch without FNM_PATHNAME ('*' also matches '/'), plus: each "**/" may
// also match nothing ("a/**/b" matches "a/b", "**/x" matches "x").
bool match_globstar(const std::string& pattern, const std::string& path, int budget) {
  if (fnmatch(pattern.c_str(), path.c_str(), 0) == 0) return true;
  if (budget == 0) return false;
  for (size_t pos = pattern.find("**/"); pos != std::string::npos; pos = pattern.find("**/", pos + 1)) {
    if (pos != 0 && pattern[pos - 1] != '/') continue;
    if (match_globstar(pattern.substr(0, pos) + pattern.substr(pos + 3), path, budget - 1)) return true;
  }
  return false;
}

std::string normalise(std::string_view raw) {
  std::string pattern(raw);
  while (starts_with(pattern, "./")) pattern.erase(0, 2);
  while (!pattern.empty() && pattern.front() == '/') pattern.erase(0, 1);
  while (!pattern.empty() && pattern.back() == '/') pattern.pop_back();
  return pattern;
}

// A pattern matches the path relative to the root; a pattern without "/" also
// matches the base name anywhere (like .gitignore); "dir/**" matches dir itself.
bool glob_match(std::string_view raw, const std::string& rel) {
  std::string pattern = normalise(raw);
  if (pattern.empty()) return false;
  if (match_globstar(pattern, rel, kGlobstarBudget)) return true;
  if (ends_with(pattern, "/**") && match_globstar(pattern.substr(0, pattern.size() - 3), rel, kGlobstarBudget))
    return true;
  if (pattern.find('/') == std::string::npos) {
    std::string base(base_name(rel));
    if (fnmatch(pattern.c_str(), base.c_str(), 0) == 0) return true;
  }
  return false;
}

bool any_match(const std::vector<std::string>& patterns, std::string_view rel) {
  if (patterns.empty()) return false;
  std::string path(rel);
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return glob_match(p, path); });
}

}  // namespace

bool skip_dir(const Options& opts, std::string_view dir) { return any_match(opts.skip_dirs, dir); }

bool skip_file(const Options& opts, std::string_view file) { return any_match(opts.skip_files, file); }

bool skip_path(const Options& opts, std::string_view file) {
  if (skip_file(opts, file)) return true;
  if (opts.skip_dirs.empty()) return false;
  for (size_t slash = file.find('/'); slash != std::string_view::npos; slash = file.find('/', slash + 1))
    if (skip_dir(opts, file.substr(0, slash))) return true;
  return false;
}

}  // namespace bulwark::artifact
