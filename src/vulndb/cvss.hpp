// CVSS vector parsing and scoring for versions 2.0, 3.0, 3.1 and 4.0, written
// from FIRST's specification documents. Advisories carry vectors from many
// sources (NVD, GHSA, OSV, vendors); the database stores the score we compute
// from the vector so that every score is derived the same way, and a vector
// that does not parse is reported instead of being stored silently.
//
// Internal header of the vulndb module: self-contained (core + std only).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/core.hpp"

namespace bulwark::vulndb {

// The qualitative rating of a score. CVSS v3.x and v4.0 define these bands
// (None 0.0, Low 0.1-3.9, Medium 4.0-6.9, High 7.0-8.9, Critical 9.0-10.0).
// CVSS v2 defines no rating; for v2 we use NVD's bands (Low 0.0-3.9,
// Medium 4.0-6.9, High 7.0-10.0), so a v2 score is never None or Critical.
enum class CvssRating { kNone, kLow, kMedium, kHigh, kCritical };

const char* to_string(CvssRating r);  // "NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"

// The rating of `score` under CVSS version `major` (2, 3 or 4).
CvssRating cvss_rating(int major, double score);

// Bulwark's severity for a rating. None maps to kUnknown: a vector that
// scores 0.0 claims no impact, which is not a "low" finding to gate on.
Severity to_severity(CvssRating r);

struct CvssScore {
  int major = 0;  // 2, 3 or 4
  int minor = 0;  // 0 or 1

  // v2/v3: the base score. v4: the CVSS-B score, i.e. the vector scored with
  // its Threat and Environmental metrics ignored.
  double base = 0.0;
  // v2/v3 only, present when the vector carries at least one metric of the
  // group (even if every such metric is "not defined").
  std::optional<double> temporal;
  std::optional<double> environmental;

  // The score of the vector as written: v4 scores the whole vector into one
  // number (CVSS-B, -BT, -BE or -BTE, see `nomenclature`); v2/v3 use the most
  // specific of environmental, temporal, base. NVD's v4 "baseScore" is this.
  double score = 0.0;
  std::string nomenclature;  // v4: "CVSS-B", "CVSS-BT", "CVSS-BE", "CVSS-BTE"; empty otherwise
  std::string macro_vector;  // v4: the six EQ levels, e.g. "001100"; empty otherwise

  CvssRating rating = CvssRating::kNone;        // of `base`
  CvssRating score_rating = CvssRating::kNone;  // of `score`

  // The vector in the specification's metric order, with its version prefix
  // ("CVSS:3.1/..."; none for v2), without parentheses and without metrics
  // whose value is "not defined" (X / ND), so equal vectors compare equal.
  // It scores the same base (and, for v4, the same overall score); for v2/v3
  // a group written only as "not defined" no longer yields its optional score.
  std::string normalized_vector;
};

// Longest vector accepted. The longest valid v4.0 vector (every metric with
// its longest value) is about 230 characters.
inline constexpr size_t kMaxCvssVectorLength = 512;

// Parses and scores a vector. The version comes from the prefix ("CVSS:3.0/",
// "CVSS:3.1/", "CVSS:4.0/"); a vector without prefix is v2, optionally in
// parentheses as old NVD feeds wrote it. Validation is strict: an unknown
// metric, a repeated metric, a value outside the metric's set, a missing
// mandatory (base) metric, an empty component or an over-long vector gives a
// kCorrupt (kLimitExceeded for length) Error whose message names the metric.
// Metrics may come in any order; normalized_vector puts them in order.
Result<CvssScore> parse_cvss(std::string_view vector);

// The CVSS v3.1 Roundup: the smallest number with one decimal place that is
// equal to or higher than `x`, computed on integers so that binary floating
// point cannot push an exact value (e.g. 4.0) up a step.
double cvss31_roundup(double x);
// The CVSS v3.0 round up, literally ceil(x * 10) / 10 as v3.0 specifies it.
double cvss30_roundup(double x);

namespace detail {
// CVSS v4.0 scoring on the effective value of each scored metric (modified
// metrics already applied, E/CR/IR/AR defaults already filled in), one letter
// each. Exposed for parse_cvss (cvss.cpp) and tests only.
struct V4Metrics {
  char AV = 'N', AC = 'L', AT = 'N', PR = 'N', UI = 'N';
  char VC = 'N', VI = 'N', VA = 'N', SC = 'N', SI = 'N', SA = 'N';  // SI/SA may be 'S'
  char E = 'A', CR = 'H', IR = 'H', AR = 'H';
};
struct V4Result {
  double score = 0.0;
  std::string macro_vector;  // "EQ1..EQ6", e.g. "001100"
};
V4Result score_v4(const V4Metrics& m);
}  // namespace detail

}  // namespace bulwark::vulndb
