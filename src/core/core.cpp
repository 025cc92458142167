#include "core/core.hpp"

#include <openssl/evp.h>

#include <cctype>
#include <cstdio>
#include <mutex>

#ifndef BULWARK_VERSION
#define BULWARK_VERSION "0.0.0-dev"
#endif

namespace bulwark {

std::string_view tool_version() { return BULWARK_VERSION; }

// ------------------------------------------------------------------ errors --

const char* to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid argument";
    case ErrorCode::kNotFound: return "not found";
    case ErrorCode::kIo: return "i/o error";
    case ErrorCode::kCorrupt: return "corrupt input";
    case ErrorCode::kDigestMismatch: return "digest mismatch";
    case ErrorCode::kLimitExceeded: return "limit exceeded";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kNetwork: return "network error";
    case ErrorCode::kAuth: return "authentication failed";
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kInternal: return "internal error";
  }
  return "error";
}

std::string Error::describe() const { return where.empty() ? message : where + ": " + message; }

Error Error::within(const std::string& outer) const {
  Error e = *this;
  e.where = where.empty() ? outer : outer + ": " + where;
  return e;
}

// ------------------------------------------------------------------ limits --

namespace {
Limits g_limits;
std::mutex g_log_mutex;
std::atomic<LogLevel> g_log_level{LogLevel::kInfo};
}  // namespace

const Limits& limits() { return g_limits; }
void set_limits(const Limits& l) { g_limits = l; }

// ------------------------------------------------------------------ sha256 --

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(impl_->ctx, EVP_sha256(), nullptr);
}

Sha256::~Sha256() { EVP_MD_CTX_free(impl_->ctx); }

void Sha256::update(const void* data, size_t n) { EVP_DigestUpdate(impl_->ctx, data, n); }

std::string Sha256::hex() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(impl_->ctx, md, &len);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

std::string Sha256::digest() { return "sha256:" + hex(); }

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.hex();
}

// ------------------------------------------------------------ cancellation --

Status CancelToken::check() const {
  if (cancelled_.load(std::memory_order_relaxed)) return Error(ErrorCode::kCancelled, "scan cancelled");
  if (has_deadline_ && std::chrono::steady_clock::now() > deadline_)
    return Error(ErrorCode::kTimeout, "scan did not finish within --timeout");
  return {};
}

// ----------------------------------------------------------------- logging --

void set_log_level(LogLevel level) { g_log_level.store(level); }
LogLevel log_level() { return g_log_level.load(); }

void log(LogLevel level, std::string_view message) {
  if (level < g_log_level.load()) return;
  const char* tag = "INFO";
  switch (level) {
    case LogLevel::kDebug: tag = "DEBUG"; break;
    case LogLevel::kInfo: tag = "INFO"; break;
    case LogLevel::kWarn: tag = "WARN"; break;
    case LogLevel::kError: tag = "ERROR"; break;
    case LogLevel::kOff: return;
  }
  std::lock_guard<std::mutex> lock(g_log_mutex);
  std::fprintf(stderr, "%s\t%.*s\n", tag, static_cast<int>(message.size()), message.data());
}

// --------------------------------------------------------------- durations --

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  std::string_view s = trim(text);
  if (s.empty()) return Error(ErrorCode::kInvalidArgument, "empty duration");
  double total_ms = 0;
  size_t i = 0;
  bool any = false;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (start == i) return Error(ErrorCode::kInvalidArgument, "bad duration '" + std::string(text) + "'");
    double n = std::stod(std::string(s.substr(start, i - start)));
    size_t ustart = i;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    std::string_view unit = s.substr(ustart, i - ustart);
    double mult;
    if (unit.empty() || unit == "s") mult = 1000;
    else if (unit == "ms") mult = 1;
    else if (unit == "m") mult = 60'000;
    else if (unit == "h") mult = 3'600'000;
    else return Error(ErrorCode::kInvalidArgument, "bad duration unit '" + std::string(unit) + "' in '" + std::string(text) + "'");
    total_ms += n * mult;
    any = true;
  }
  if (!any) return Error(ErrorCode::kInvalidArgument, "bad duration '" + std::string(text) + "'");
  return std::chrono::milliseconds(static_cast<int64_t>(total_ms));
}

// ----------------------------------------------------------------- strings --

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return s.substr(b, e - b);
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool ends_with(std::string_view s, std::string_view x) {
  return s.size() >= x.size() && s.substr(s.size() - x.size()) == x;
}

std::string pep503_normalize(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  bool in_run = false;
  for (char c : trim(name)) {
    if (c == '-' || c == '_' || c == '.') {
      if (!in_run) out += '-';
      in_run = true;
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      in_run = false;
    }
  }
  return out;
}

}  // namespace bulwark
