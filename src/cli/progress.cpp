// A one-line progress bar on stderr, redrawn at most ten times a second.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>

#include "cli/cli.hpp"

namespace bulwark::cli {

namespace {

class TerminalProgress : public Progress {
 public:
  ~TerminalProgress() override { clear(); }

  void begin(std::string_view task, uint64_t total) override {
    std::lock_guard<std::mutex> lock(mu_);
    task_ = std::string(task);
    total_ = total;
    done_ = 0;
    draw(true);
  }
  void advance(uint64_t n) override {
    std::lock_guard<std::mutex> lock(mu_);
    done_ += n;
    draw(false);
  }
  void end() override {
    std::lock_guard<std::mutex> lock(mu_);
    if (total_ > 0) done_ = total_;
    draw(true);
  }

 private:
  void draw(bool force) {
    auto now = std::chrono::steady_clock::now();
    if (!force && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    constexpr int kWidth = 30;
    std::string line = "\r" + task_ + " ";
    if (total_ > 0) {
      uint64_t shown = done_ > total_ ? total_ : done_;
      int filled = static_cast<int>(kWidth * shown / total_);
      line += "[" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] " + std::to_string(shown) +
              "/" + std::to_string(total_);
    } else {
      line += std::to_string(done_);
    }
    line += "\x1b[K";
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
    drawn_ = true;
  }
  void clear() {
    if (drawn_) std::fputs("\r\x1b[K", stderr);
  }

  std::mutex mu_;
  std::string task_;
  uint64_t total_ = 0;
  uint64_t done_ = 0;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace

std::unique_ptr<Progress> make_terminal_progress(bool quiet) {
  if (quiet || !isatty(STDERR_FILENO)) return nullptr;
  return std::make_unique<TerminalProgress>();
}

}  // namespace bulwark::cli
