// Result<T>: a value or an Error. Used at every module edge so that errors carry
// where they happened (file, layer, offset) instead of crossing threads as
// exceptions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace bulwark {

enum class ErrorCode {
  kInvalidArgument,   // the user asked for something that cannot be done
  kNotFound,          // a file, image, tag or blob does not exist
  kIo,                // reading or writing failed
  kCorrupt,           // input is malformed: bad archive, bad JSON, bad database
  kDigestMismatch,    // content does not match the digest that names it
  kLimitExceeded,     // a size, depth, count or ratio limit was hit
  kUnsupported,       // a format or feature we do not handle
  kNetwork,           // a remote endpoint failed or refused
  kAuth,              // credentials missing or rejected
  kTimeout,           // the --timeout deadline passed
  kCancelled,         // the user interrupted the scan
  kInternal,          // a bug in Bulwark
};

const char* to_string(ErrorCode code);

// An error with the place it happened. `where` is a human-readable location,
// e.g. "layer sha256:ab12… path var/lib/dpkg/status line 12".
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string where;

  Error() = default;
  Error(ErrorCode c, std::string msg, std::string w = {})
      : code(c), message(std::move(msg)), where(std::move(w)) {}

  // "where: message" or just "message".
  std::string describe() const;
  // Returns a copy whose `where` is prefixed with `outer` ("outer: inner").
  Error within(const std::string& outer) const;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}          // NOLINT(implicit)
  Result(Error error) : v_(std::move(error)) {}      // NOLINT(implicit)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const { return std::get<1>(v_); }
  Error& error() { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : e_(std::move(error)) {}  // NOLINT(implicit)
  bool ok() const { return !e_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return *e_; }
  Error& error() { return *e_; }

 private:
  std::optional<Error> e_;
};

using Status = Result<void>;

}  // namespace bulwark
