// Internal to the version module (not part of its public face): the shape every
// scheme file implements, the range representation they share, and helpers.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/core.hpp"
#include "version/version.hpp"

namespace bulwark::version::detail {

// Comparison operators of range expressions. kPrefixEq/kPrefixNe are PEP 440
// wildcards ("==1.3.*"); kArbitraryEq is PEP 440 "===".
enum class Op { kEq, kNe, kLt, kLe, kGt, kGe, kPrefixEq, kPrefixNe, kArbitraryEq };

struct Parsed {
  virtual ~Parsed() = default;
  std::string text;
  // -1/0/1 against a version of the same scheme (same dynamic type).
  virtual int compare(const Parsed& other) const = 0;
  virtual bool is_prerelease() const { return false; }
  // node-semver/cargo prerelease rule: same major.minor.patch tuple.
  virtual bool same_release(const Parsed&) const { return false; }
  // Does this version satisfy `op bound`? The default uses compare(); PEP 440
  // overrides it for its wildcard, local-version and exclusive-bound rules.
  virtual bool test(Op op, const Parsed& bound) const;
};

using ParsedPtr = std::shared_ptr<const Parsed>;

struct Comparator {
  Op op = Op::kEq;
  ParsedPtr bound;
};

// An OR of ANDs of comparators. An empty AND matches everything; an empty OR
// matches nothing.
struct RangeImpl {
  std::vector<std::vector<Comparator>> alternatives;
  // node-semver and cargo: a prerelease version matches an AND set only if one
  // of its comparators names a prerelease of the same major.minor.patch.
  bool prerelease_rule = false;
  bool contains(const Parsed& v) const;
};

using RangePtr = std::shared_ptr<const RangeImpl>;
using ParseFn = Result<ParsedPtr> (*)(std::string_view);
using RangeFn = Result<RangePtr> (*)(std::string_view);

// One row of the registration table (registry.cpp).
struct SchemeDef {
  Scheme scheme;
  std::string_view name;                    // canonical short name
  std::vector<std::string_view> ecosystems;  // lower-case names that map here
  ParseFn parse;
  RangeFn range;
};

// ------------------------------------------------------------- helpers --

// kInvalidArgument: "invalid <scheme> version 'TEXT': WHY".
Error invalid_version(std::string_view scheme, std::string_view text, std::string_view why);
Error invalid_range(std::string_view scheme, std::string_view text, std::string_view why);

// Compares two non-empty digit strings numerically, any length (leading zeros ignored).
int compare_digits(std::string_view a, std::string_view b);
inline int sign(int x) { return x < 0 ? -1 : (x > 0 ? 1 : 0); }
inline bool is_digit(char c) { return c >= '0' && c <= '9'; }
inline bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
inline bool is_alnum(char c) { return is_digit(c) || is_alpha(c); }
inline bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool all_digits(std::string_view s);  // non-empty and only 0-9
// Splits on a separator string, keeping empty pieces.
std::vector<std::string_view> split(std::string_view s, std::string_view sep);
// Drops leading zeros (keeps one "0").
std::string_view strip_zeros(std::string_view digits);

// The generic comparator syntax used where an ecosystem has none of its own
// (dpkg, rpm, apk, plain SemVer): "||" unions of ANDs separated by ',' or
// spaces; operators = == != < <= > >= (and dpkg's << >>); a bare version is =.
Result<RangePtr> parse_comparator_range(std::string_view scheme, std::string_view text, ParseFn parse);

// SemVer-family parts, shared by semver, npm, go, cargo and nuget.
struct SemverParsed : Parsed {
  std::vector<std::string> nums;  // digit strings: major, minor, patch (nuget: up to 4)
  std::vector<std::string> pre;   // prerelease identifiers
  std::string build;
  bool case_insensitive = false;  // nuget
  int compare(const Parsed& other) const override;
  bool is_prerelease() const override { return !pre.empty(); }
  bool same_release(const Parsed& other) const override;
};

struct SemverOptions {
  std::string_view scheme = "semver";
  bool allow_v = false;             // leading v (npm, go)
  bool require_v = false;           // go module versions
  bool loose = false;               // npm: leading '=', whitespace, leading zeros
  bool allow_partial = false;       // go "v1", "v1.2"
  bool case_insensitive = false;
};
Result<std::shared_ptr<SemverParsed>> parse_semver(std::string_view text, const SemverOptions& o);

// node-semver-style ranges shared by npm, cargo, go and semver.
struct NodeRangeOptions {
  SemverOptions version;
  bool bare_is_caret = false;  // cargo: "1.2" means "^1.2"
  bool commas_and = false;     // cargo/go: ',' separates comparators
  bool hyphen_ranges = true;
  bool prerelease_rule = true;
};
Result<RangePtr> parse_node_range(std::string_view text, const NodeRangeOptions& o);

// Maven/NuGet interval syntax: "[1,2)", "(,1]", "[1]", unions "[1,2),[3,4)".
Result<RangePtr> parse_interval_range(std::string_view scheme, std::string_view text, ParseFn parse,
                                      bool allow_union);

}  // namespace bulwark::version::detail
