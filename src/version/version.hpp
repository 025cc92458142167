// Version ordering and range matching per ecosystem (dpkg, rpm, apk, SemVer,
// npm, PEP 440, Maven, Go, RubyGems, NuGet, Composer, crates.io), written from
// each ecosystem's specification. The public face of the version module; see
// docs/versions.md for the rules and the range syntaxes accepted.
//
// Parse once, compare many times: the matcher parses the installed version
// into a Version and the advisory ranges into Range/OsvRange values, then asks
// contains() for each.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace bulwark::version {

// The ordering schemes. Several ecosystem names map to one scheme.
enum class Scheme {
  kDpkg,
  kRpm,
  kApk,
  kSemver,
  kNpm,
  kPep440,
  kMaven,
  kGo,
  kRubyGems,
  kNuGet,
  kComposer,
  kCargo,
};

// Bounds on outside input: longer versions or ranges are kLimitExceeded.
inline constexpr size_t kMaxVersionBytes = 256;
inline constexpr size_t kMaxRangeBytes = 4096;

// The scheme of an ecosystem name as used across the project and in OSV
// ("deb", "Debian", "Ubuntu:22.04", "Rocky Linux", "PyPI", "crates.io", ...).
// Case-insensitive; an OSV release suffix after ':' is ignored. kInvalidArgument
// for an unknown name.
Result<Scheme> lookup_ecosystem(std::string_view name);
// The canonical short name of a scheme ("dpkg", "rpm", "pep440", ...).
std::string_view scheme_name(Scheme scheme);
// Every scheme, in declaration order (for tests, fuzzing and docs).
const std::vector<Scheme>& all_schemes();

namespace detail {
struct Parsed;
struct RangeImpl;
}  // namespace detail

// A parsed version of one scheme. Cheap to copy (shared, immutable).
class Version {
 public:
  Scheme scheme() const { return scheme_; }
  // The text as given.
  const std::string& text() const;
  // -1, 0 or 1. Both must be of the same scheme (kInvalidArgument otherwise).
  Result<int> compare(const Version& other) const;
  // Prerelease in the scheme's sense (SemVer prerelease, PEP 440 a/b/rc/dev,
  // Maven qualifier below release, RubyGems letter segment, ...).
  bool is_prerelease() const;

  friend bool operator<(const Version& a, const Version& b) { return a.cmp(b) < 0; }
  friend bool operator==(const Version& a, const Version& b) { return a.cmp(b) == 0; }

  const detail::Parsed& parsed() const { return *p_; }

 private:
  friend Result<Version> parse(Scheme, std::string_view);
  int cmp(const Version& other) const;  // same scheme assumed
  Scheme scheme_ = Scheme::kSemver;
  std::shared_ptr<const detail::Parsed> p_;
};

// Parses `text` as a version of `scheme`. kInvalidArgument says why;
// kLimitExceeded past kMaxVersionBytes.
Result<Version> parse(Scheme scheme, std::string_view text);

// Compares two version strings: -1, 0 or 1. An invalid version is a
// kInvalidArgument error naming that version and why.
Result<int> compare(Scheme scheme, std::string_view a, std::string_view b);
Result<int> compare(std::string_view ecosystem, std::string_view a, std::string_view b);

// A native range expression of an ecosystem, parsed once:
//   dpkg/rpm/apk/semver: comparators (">= 1.0, < 2.0", "<< 1.2" for dpkg), "||" unions
//   npm: node-semver ranges (^ ~ x * hyphen ranges, ||, prerelease rule)
//   pep440: specifier sets (">=1.0,!=1.3.*,<2", "~=1.4.2", "===foo")
//   maven: "[1.0,2.0)", "(,1.0]", "[1.0]", unions "[1,2),[3,4)"
//   rubygems: requirements ("~> 1.2", ">= 1, < 2")
//   nuget: "[1.0,2.0)", "1.0" (= at least 1.0), "1.*"
//   composer: constraints ("^1.2 || ~2.0", ">=1 <2", "1.0.*", "1.0 - 2.0")
//   go/cargo: semver comparators ("^1.2", ">=1.0.0, <1.4.0", "*")
class Range {
 public:
  Scheme scheme() const { return scheme_; }
  const std::string& text() const { return text_; }
  // False for a version of another scheme.
  bool contains(const Version& v) const;

 private:
  friend Result<Range> parse_range(Scheme, std::string_view);
  Scheme scheme_ = Scheme::kSemver;
  std::string text_;
  std::shared_ptr<const detail::RangeImpl> impl_;
};

Result<Range> parse_range(Scheme scheme, std::string_view text);
// One-shot helper: is `v` within `range`?
Result<bool> satisfies(Scheme scheme, std::string_view v, std::string_view range);

// OSV range events (https://ossf.github.io/osv-schema/#affectedrangesevents).
enum class EventKind { kIntroduced, kFixed, kLastAffected, kLimit };
struct Event {
  EventKind kind = EventKind::kIntroduced;
  std::string version;  // "0" for introduced means "from the beginning"; "*" for limit means none
};
Result<EventKind> parse_event_kind(std::string_view name);  // "introduced", "fixed", ...

// The events of one OSV range, parsed and sorted once.
class OsvRange {
 public:
  Scheme scheme() const { return scheme_; }
  bool contains(const Version& v) const;

 private:
  friend Result<OsvRange> parse_osv_range(Scheme, const std::vector<Event>&);
  struct Point {
    EventKind kind;
    bool zero = false;  // introduced "0"
    Version version;
  };
  Scheme scheme_ = Scheme::kSemver;
  std::vector<Point> points_;  // sorted ascending, introduced first among equals
  std::vector<Version> limits_;
};

// kInvalidArgument naming the bad event version; kLimitExceeded for more than
// 4096 events.
Result<OsvRange> parse_osv_range(Scheme scheme, const std::vector<Event>& events);

}  // namespace bulwark::version
