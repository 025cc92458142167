// Private helpers of the host module: bounded reads under the scanned root.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "host/host.hpp"

namespace bulwark::host {

// Small /proc and /etc files are read up to this many bytes; a file that is
// longer is cut there with a diagnostic (proc files report size 0, so the
// bound is on what is read, not on stat).
constexpr size_t kSmallFileLimit = 1 << 20;      // status, stat, cmdline, osrelease, …
constexpr size_t kTableFileLimit = 64u << 20;    // proc/modules, proc/net/tcp on a busy host
constexpr size_t kMaxProcesses = 1'000'000;
constexpr size_t kMaxFdsPerProcess = 1'000'000;

// `root` joined with a path written relative to it ("proc/modules").
std::filesystem::path under(const std::filesystem::path& root, std::string_view rel);

// The path to name in diagnostics: the path relative to the root ("proc/modules"),
// or the absolute path when the root is "/".
std::string display_path(const std::filesystem::path& root, std::string_view rel);

enum class ReadStatus { kOk, kMissing, kError, kTruncated };

// Reads up to `limit` bytes of a file (proc files are read until EOF since
// their size is 0). On kError `error` says why (strerror).
ReadStatus read_bounded(const std::filesystem::path& file, size_t limit, std::string& out, std::string& error);

// Reads a file and reports problems as diagnostics naming `shown`; missing
// files are reported only when `required`. Returns false when nothing usable
// was read.
bool read_file_diag(const std::filesystem::path& file, const std::string& shown, size_t limit, bool required,
                    std::string& out, std::vector<Diagnostic>& diagnostics);

bool is_root_slash(const std::filesystem::path& root);

}  // namespace bulwark::host
