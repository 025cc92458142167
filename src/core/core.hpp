// The public face of the core module: the shared model, results and errors,
// analyzers, limits, hashing, logging and cancellation. Core depends on nothing
// else in Bulwark.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/analyzer.hpp"
#include "core/detector.hpp"
#include "core/model.hpp"
#include "core/result.hpp"

namespace bulwark {

// Bulwark's version, set by the build.
std::string_view tool_version();

// Bounds on what Bulwark will read from outside input. Every parser takes its
// numbers from here so that a user can raise them in one place.
struct Limits {
  uint64_t max_layer_bytes = 64ull << 30;        // uncompressed size of one layer
  double max_compression_ratio = 1000.0;         // uncompressed/compressed, checked past 64 MiB out
  uint64_t max_file_read = 512ull << 20;         // one file body read into memory by an analyzer
  uint64_t max_metadata_bytes = 16ull << 20;     // manifest, index, config, SBOM document JSON: 16 MiB
  uint64_t max_sbom_bytes = 512ull << 20;
  uint64_t max_entries = 10'000'000;             // tar entries per layer
  size_t max_path_length = 4096;
  int max_symlink_hops = 40;
  int max_json_depth = 128;
  int max_layers = 1000;
  int max_nested_archives = 4;
};

// The process-wide limits (set once by the CLI before scanning).
const Limits& limits();
void set_limits(const Limits& l);

// Incremental SHA-256 (OpenSSL). Digest strings are "sha256:<hex>".
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(const void* data, size_t n);
  void update(std::string_view s) { update(s.data(), s.size()); }
  std::string hex();     // finishes; call once
  std::string digest();  // "sha256:" + hex()

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};
std::string sha256_hex(std::string_view data);

// Cancellation and deadline shared by all threads of one scan. Checked by
// walkers between entries and by network code between chunks.
class CancelToken {
 public:
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  void set_deadline(std::chrono::steady_clock::time_point d) { deadline_ = d; has_deadline_ = true; }
  // kTimeout or kCancelled error if the scan must stop, ok otherwise.
  Status check() const;
  bool stopped() const { return !check().ok(); }

 private:
  std::atomic<bool> cancelled_{false};
  std::chrono::steady_clock::time_point deadline_{};
  bool has_deadline_ = false;
};

// Logging to stderr. Quiet mode drops info; --debug turns on debug.
enum class LogLevel { kDebug, kInfo, kWarn, kError, kOff };
void set_log_level(LogLevel level);
LogLevel log_level();
void log(LogLevel level, std::string_view message);
inline void log_debug(std::string_view m) { log(LogLevel::kDebug, m); }
inline void log_info(std::string_view m) { log(LogLevel::kInfo, m); }
inline void log_warn(std::string_view m) { log(LogLevel::kWarn, m); }
inline void log_error(std::string_view m) { log(LogLevel::kError, m); }

// Progress of a long job, reported to whoever draws the progress bar.
// Thread-safe; a null sink ignores everything.
class Progress {
 public:
  virtual ~Progress() = default;
  virtual void begin(std::string_view task, uint64_t total) = 0;  // total 0 = unknown
  virtual void advance(uint64_t n) = 0;
  virtual void end() = 0;
};

// Parses durations like "5m", "90s", "1h30m", "300" (seconds).
Result<std::chrono::milliseconds> parse_duration(std::string_view text);

// Case-insensitive ASCII helpers used across parsers.
std::string to_lower(std::string_view s);
std::string_view trim(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);

// PEP 503 normalised Python project name: surrounding space dropped,
// lowercase, every run of '-', '_' and '.' one '-'. Python tools compare
// names this way (the language analyzers and the vulnerability database
// alike); packages keep the name as written.
std::string pep503_normalize(std::string_view name);

}  // namespace bulwark
