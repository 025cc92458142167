// Helpers shared by Bulwark's tests: fixture and corpus paths, temporary
// directories, running commands, and skipping cleanly when the shared corpus or
// a tool is absent.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace bulwark::testing {

namespace fs = std::filesystem;

// tests/fixtures/<rel> in the source tree.
fs::path fixture(const std::string& rel);
// The shared corpus root (../shared/corpus), or empty when it is not there.
fs::path corpus_dir();
// The bulwark binary built with the tests.
std::string bulwark_binary();

// Skips the current test with a message when the shared corpus is absent.
#define BULWARK_REQUIRE_CORPUS()                                                   \
  do {                                                                             \
    if (::bulwark::testing::corpus_dir().empty())                                  \
      GTEST_SKIP() << "shared corpus (../shared/corpus) is absent; skipping";      \
  } while (0)

// Skips when a program is not on PATH.
#define BULWARK_REQUIRE_TOOL(tool)                                                 \
  do {                                                                             \
    if (!::bulwark::testing::have_tool(tool))                                      \
      GTEST_SKIP() << (tool) << " is not installed (scripts/bootstrap installs it)"; \
  } while (0)

bool have_tool(const std::string& name);

// A directory removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  fs::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs argv (no shell) and captures stdout and stderr. `input` goes to stdin.
CommandResult run(const std::vector<std::string>& argv, const std::string& input = {});
// Runs a shell command line through /bin/sh -c.
CommandResult sh(const std::string& command_line);

// A TCP port on 127.0.0.1 that was free a moment ago (0 if none could be had).
int free_port();
// Whether process `pid` still runs. A process that exited but was not reaped
// (its parent gone and nothing reaping) still answers kill(pid, 0).
bool process_running(int pid);

std::string read_file(const fs::path& p);
void write_file(const fs::path& p, const std::string& content);

// Extracts a .tar.gz from the corpus into dir (tar xzf); returns false on failure.
bool untar(const fs::path& archive, const fs::path& dir);

}  // namespace bulwark::testing
