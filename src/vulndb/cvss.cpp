// CVSS vector parsing (all versions) and the v2 and v3.x scoring formulas.
// v4.0 scoring is in cvss_v4.cpp. Sources: FIRST's "CVSS v2 Complete
// Documentation" (section 3.2 equations), "CVSS v3.0 Specification Document"
// and "CVSS v3.1 Specification Document" (section 7 and Appendix A), and the
// "CVSS v4.0 Specification Document" (section 7, vector string).
#include "vulndb/cvss.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

namespace bulwark::vulndb {

namespace {

// ------------------------------------------------------------ vector parsing --

enum class Group { kBase, kTemporal, kEnvironmental, kSupplemental };

// One metric of a version's vector: its abbreviation, its allowed values in
// the order the specification lists them and its group. For every group but
// Base the first value is the "not defined" one (X, or ND in v2).
struct MetricDef {
  std::string_view key;
  std::array<std::string_view, 6> values;
  Group group;

  int index_of(std::string_view v) const {
    for (size_t i = 0; i < values.size(); ++i)
      if (!values[i].empty() && values[i] == v) return static_cast<int>(i);
    return -1;
  }
  std::string allowed() const {
    std::string out;
    for (auto v : values) {
      if (v.empty()) break;
      if (!out.empty()) out += ", ";
      out += v;
    }
    return out;
  }
};

using G = Group;

// CVSS v2 guide, table 13 (vector order).
constexpr std::array<MetricDef, 14> kV2 = {{
    {"AV", {"L", "A", "N"}, G::kBase},
    {"AC", {"H", "M", "L"}, G::kBase},
    {"Au", {"M", "S", "N"}, G::kBase},
    {"C", {"N", "P", "C"}, G::kBase},
    {"I", {"N", "P", "C"}, G::kBase},
    {"A", {"N", "P", "C"}, G::kBase},
    {"E", {"ND", "U", "POC", "F", "H"}, G::kTemporal},
    {"RL", {"ND", "OF", "TF", "W", "U"}, G::kTemporal},
    {"RC", {"ND", "UC", "UR", "C"}, G::kTemporal},
    {"CDP", {"ND", "N", "L", "LM", "MH", "H"}, G::kEnvironmental},
    {"TD", {"ND", "N", "L", "M", "H"}, G::kEnvironmental},
    {"CR", {"ND", "L", "M", "H"}, G::kEnvironmental},
    {"IR", {"ND", "L", "M", "H"}, G::kEnvironmental},
    {"AR", {"ND", "L", "M", "H"}, G::kEnvironmental},
}};

// CVSS v3.0/v3.1 specification, table 15 (same metrics in both versions).
constexpr std::array<MetricDef, 22> kV3 = {{
    {"AV", {"N", "A", "L", "P"}, G::kBase},
    {"AC", {"L", "H"}, G::kBase},
    {"PR", {"N", "L", "H"}, G::kBase},
    {"UI", {"N", "R"}, G::kBase},
    {"S", {"U", "C"}, G::kBase},
    {"C", {"H", "L", "N"}, G::kBase},
    {"I", {"H", "L", "N"}, G::kBase},
    {"A", {"H", "L", "N"}, G::kBase},
    {"E", {"X", "H", "F", "P", "U"}, G::kTemporal},
    {"RL", {"X", "U", "W", "T", "O"}, G::kTemporal},
    {"RC", {"X", "C", "R", "U"}, G::kTemporal},
    {"CR", {"X", "H", "M", "L"}, G::kEnvironmental},
    {"IR", {"X", "H", "M", "L"}, G::kEnvironmental},
    {"AR", {"X", "H", "M", "L"}, G::kEnvironmental},
    {"MAV", {"X", "N", "A", "L", "P"}, G::kEnvironmental},
    {"MAC", {"X", "L", "H"}, G::kEnvironmental},
    {"MPR", {"X", "N", "L", "H"}, G::kEnvironmental},
    {"MUI", {"X", "N", "R"}, G::kEnvironmental},
    {"MS", {"X", "U", "C"}, G::kEnvironmental},
    {"MC", {"X", "H", "L", "N"}, G::kEnvironmental},
    {"MI", {"X", "H", "L", "N"}, G::kEnvironmental},
    {"MA", {"X", "H", "L", "N"}, G::kEnvironmental},
}};

// CVSS v4.0 specification, table 23 (vector order). "Threat" is kTemporal.
constexpr std::array<MetricDef, 32> kV4 = {{
    {"AV", {"N", "A", "L", "P"}, G::kBase},
    {"AC", {"L", "H"}, G::kBase},
    {"AT", {"N", "P"}, G::kBase},
    {"PR", {"N", "L", "H"}, G::kBase},
    {"UI", {"N", "P", "A"}, G::kBase},
    {"VC", {"H", "L", "N"}, G::kBase},
    {"VI", {"H", "L", "N"}, G::kBase},
    {"VA", {"H", "L", "N"}, G::kBase},
    {"SC", {"H", "L", "N"}, G::kBase},
    {"SI", {"H", "L", "N"}, G::kBase},
    {"SA", {"H", "L", "N"}, G::kBase},
    {"E", {"X", "A", "P", "U"}, G::kTemporal},
    {"CR", {"X", "H", "M", "L"}, G::kEnvironmental},
    {"IR", {"X", "H", "M", "L"}, G::kEnvironmental},
    {"AR", {"X", "H", "M", "L"}, G::kEnvironmental},
    {"MAV", {"X", "N", "A", "L", "P"}, G::kEnvironmental},
    {"MAC", {"X", "L", "H"}, G::kEnvironmental},
    {"MAT", {"X", "N", "P"}, G::kEnvironmental},
    {"MPR", {"X", "N", "L", "H"}, G::kEnvironmental},
    {"MUI", {"X", "N", "P", "A"}, G::kEnvironmental},
    {"MVC", {"X", "H", "L", "N"}, G::kEnvironmental},
    {"MVI", {"X", "H", "L", "N"}, G::kEnvironmental},
    {"MVA", {"X", "H", "L", "N"}, G::kEnvironmental},
    {"MSC", {"X", "H", "L", "N"}, G::kEnvironmental},
    {"MSI", {"X", "S", "H", "L", "N"}, G::kEnvironmental},
    {"MSA", {"X", "S", "H", "L", "N"}, G::kEnvironmental},
    {"S", {"X", "N", "P"}, G::kSupplemental},
    {"AU", {"X", "N", "Y"}, G::kSupplemental},
    {"R", {"X", "A", "U", "I"}, G::kSupplemental},
    {"V", {"X", "D", "C"}, G::kSupplemental},
    {"RE", {"X", "L", "M", "H"}, G::kSupplemental},
    {"U", {"X", "Clear", "Green", "Amber", "Red"}, G::kSupplemental},
}};

// The values of one parsed vector: for each metric of the version's table,
// the index of its value, or -1 when the vector does not carry it.
template <size_t N>
struct Parsed {
  const std::array<MetricDef, N>* defs = nullptr;
  std::array<int, N> idx{};

  bool has(size_t m) const { return idx[m] >= 0; }
  // The value, or "" when absent.
  std::string_view get(size_t m) const { return idx[m] >= 0 ? (*defs)[m].values[idx[m]] : std::string_view{}; }
  // True when any metric of `g` is present (even as "not defined").
  bool any(Group g) const {
    for (size_t i = 0; i < N; ++i)
      if ((*defs)[i].group == g && idx[i] >= 0) return true;
    return false;
  }
  // True when any metric of `g` is present with a defined value.
  bool any_defined(Group g) const {
    for (size_t i = 0; i < N; ++i)
      if ((*defs)[i].group == g && idx[i] > 0) return true;
    return false;
  }
  // The vector in table order without "not defined" metrics.
  std::string normalized(std::string_view prefix) const {
    std::string out(prefix);
    for (size_t i = 0; i < N; ++i) {
      if (idx[i] < 0) continue;
      if ((*defs)[i].group != Group::kBase && idx[i] == 0) continue;
      if (!out.empty() && out.back() != '/') out += '/';
      out += (*defs)[i].key;
      out += ':';
      out += (*defs)[i].values[idx[i]];
    }
    return out;
  }
};

// A short quote of a (possibly hostile) vector for error messages.
std::string quote(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  if (s.size() > 64) out += "...";
  return "'" + out + "'";
}

template <size_t N>
Result<Parsed<N>> parse_metrics(std::string_view body, const std::array<MetricDef, N>& defs,
                                std::string_view label) {
  Parsed<N> p;
  p.defs = &defs;
  p.idx.fill(-1);
  auto err = [&](std::string msg) {
    return Error(ErrorCode::kCorrupt, std::string(label) + " vector: " + std::move(msg));
  };
  if (body.empty()) return err("no metrics");
  size_t pos = 0;
  int component = 0;
  while (pos <= body.size()) {
    size_t slash = body.find('/', pos);
    if (slash == std::string_view::npos) slash = body.size();
    std::string_view part = body.substr(pos, slash - pos);
    ++component;
    if (part.empty()) return err("empty component " + std::to_string(component) + " (stray '/')");
    size_t colon = part.find(':');
    if (colon == std::string_view::npos)
      return err("component " + std::to_string(component) + " " + quote(part) + " is not METRIC:VALUE");
    std::string_view key = part.substr(0, colon);
    std::string_view value = part.substr(colon + 1);
    size_t m = 0;
    while (m < N && defs[m].key != key) ++m;
    if (m == N) return err("unknown metric " + quote(key));
    if (p.idx[m] >= 0) return err("metric " + std::string(key) + " appears more than once");
    int vi = defs[m].index_of(value);
    if (vi < 0)
      return err("metric " + std::string(key) + " has invalid value " + quote(value) + " (allowed: " +
                 defs[m].allowed() + ")");
    p.idx[m] = vi;
    pos = slash + 1;
    if (slash == body.size()) break;
  }
  for (size_t m = 0; m < N; ++m)
    if (defs[m].group == Group::kBase && p.idx[m] < 0)
      return err("mandatory metric " + std::string(defs[m].key) + " is missing");
  return p;
}

double round1(double x) {
  // Round half up to one decimal. The small lift keeps values that binary
  // floating point lands just below an exact x.x5 (e.g. 4.2499999999) on the
  // side the decimal arithmetic of the specification gives.
  return std::floor(x * 10.0 + 0.5 + 1e-9) / 10.0;
}

// ------------------------------------------------------------------ CVSS v2 --

enum V2 { kAV, kAC, kAu, kC, kI, kA, kE, kRL, kRC, kCDP, kTD, kCR, kIR, kAR };

// Weights in the order of each metric's values in kV2.
constexpr double kV2AV[] = {0.395, 0.646, 1.0};
constexpr double kV2AC[] = {0.35, 0.61, 0.71};
constexpr double kV2Au[] = {0.45, 0.56, 0.704};
constexpr double kV2Imp[] = {0.0, 0.275, 0.660};
constexpr double kV2E[] = {1.0, 0.85, 0.9, 0.95, 1.0};
constexpr double kV2RL[] = {1.0, 0.87, 0.90, 0.95, 1.0};
constexpr double kV2RC[] = {1.0, 0.90, 0.95, 1.0};
constexpr double kV2CDP[] = {0.0, 0.0, 0.1, 0.3, 0.4, 0.5};
constexpr double kV2TD[] = {1.0, 0.0, 0.25, 0.75, 1.0};
constexpr double kV2Req[] = {1.0, 0.5, 1.0, 1.51};

CvssScore score_v2(const Parsed<14>& p) {
  auto w = [&](const double* table, V2 m) { return p.has(m) ? table[p.idx[m]] : table[0]; };
  const double c = w(kV2Imp, kC), i = w(kV2Imp, kI), a = w(kV2Imp, kA);
  const double exploitability = 20.0 * w(kV2AV, kAV) * w(kV2AC, kAC) * w(kV2Au, kAu);
  auto base_of = [&](double impact) {
    double f = impact == 0.0 ? 0.0 : 1.176;
    return round1(((0.6 * impact) + (0.4 * exploitability) - 1.5) * f);
  };
  const double impact = 10.41 * (1.0 - (1.0 - c) * (1.0 - i) * (1.0 - a));
  auto temporal_of = [&](double base) { return round1(base * w(kV2E, kE) * w(kV2RL, kRL) * w(kV2RC, kRC)); };

  CvssScore s;
  s.major = 2;
  s.minor = 0;
  s.base = std::max(0.0, base_of(impact));
  if (p.any(Group::kTemporal)) s.temporal = temporal_of(s.base);
  if (p.any(Group::kEnvironmental)) {
    const double adj_impact =
        std::min(10.0, 10.41 * (1.0 - (1.0 - c * w(kV2Req, kCR)) * (1.0 - i * w(kV2Req, kIR)) *
                                          (1.0 - a * w(kV2Req, kAR))));
    const double adj_temporal = temporal_of(std::max(0.0, base_of(adj_impact)));
    s.environmental =
        round1((adj_temporal + (10.0 - adj_temporal) * w(kV2CDP, kCDP)) * w(kV2TD, kTD));
  }
  s.score = s.environmental ? *s.environmental : s.temporal ? *s.temporal : s.base;
  s.normalized_vector = p.normalized("");
  return s;
}

// ------------------------------------------------------------------ CVSS v3 --

enum V3 {
  k3AV, k3AC, k3PR, k3UI, k3S, k3C, k3I, k3A, k3E, k3RL, k3RC, k3CR, k3IR, k3AR,
  k3MAV, k3MAC, k3MPR, k3MUI, k3MS, k3MC, k3MI, k3MA
};

constexpr double kV3AV[] = {0.85, 0.62, 0.55, 0.2};
constexpr double kV3AC[] = {0.77, 0.44};
constexpr double kV3PRUnchanged[] = {0.85, 0.62, 0.27};
constexpr double kV3PRChanged[] = {0.85, 0.68, 0.5};
constexpr double kV3UI[] = {0.85, 0.62};
constexpr double kV3CIA[] = {0.56, 0.22, 0.0};
constexpr double kV3E[] = {1.0, 1.0, 0.97, 0.94, 0.91};
constexpr double kV3RL[] = {1.0, 1.0, 0.97, 0.96, 0.95};
constexpr double kV3RC[] = {1.0, 1.0, 0.96, 0.92};
constexpr double kV3Req[] = {1.0, 1.5, 1.0, 0.5};

CvssScore score_v3(const Parsed<22>& p, int minor) {
  auto roundup = [minor](double x) { return minor == 0 ? cvss30_roundup(x) : cvss31_roundup(x); };
  auto at = [&](V3 m) { return p.has(m) ? p.idx[m] : 0; };
  // The value of a modified metric when defined, else of its base metric.
  // Modified metrics list "X" first, then the base metric's values in order.
  auto eff = [&](V3 base, V3 modified) { return at(modified) > 0 ? at(modified) - 1 : at(base); };

  const bool changed = at(k3S) == 1;
  const double iss = 1.0 - (1.0 - kV3CIA[at(k3C)]) * (1.0 - kV3CIA[at(k3I)]) * (1.0 - kV3CIA[at(k3A)]);
  const double impact = changed ? 7.52 * (iss - 0.029) - 3.25 * std::pow(iss - 0.02, 15) : 6.42 * iss;
  const double exploitability = 8.22 * kV3AV[at(k3AV)] * kV3AC[at(k3AC)] *
                                (changed ? kV3PRChanged : kV3PRUnchanged)[at(k3PR)] * kV3UI[at(k3UI)];
  double base = 0.0;
  if (impact > 0.0)
    base = changed ? roundup(std::min(1.08 * (impact + exploitability), 10.0))
                   : roundup(std::min(impact + exploitability, 10.0));
  const double temporal_factor = kV3E[at(k3E)] * kV3RL[at(k3RL)] * kV3RC[at(k3RC)];

  CvssScore s;
  s.major = 3;
  s.minor = minor;
  s.base = base;
  if (p.any(Group::kTemporal)) s.temporal = roundup(base * temporal_factor);
  if (p.any(Group::kEnvironmental)) {
    const bool mchanged = eff(k3S, k3MS) == 1;
    const double miss = std::min(
        1.0 - (1.0 - kV3Req[at(k3CR)] * kV3CIA[eff(k3C, k3MC)]) *
                  (1.0 - kV3Req[at(k3IR)] * kV3CIA[eff(k3I, k3MI)]) *
                  (1.0 - kV3Req[at(k3AR)] * kV3CIA[eff(k3A, k3MA)]),
        0.915);
    double mimpact;
    if (!mchanged)
      mimpact = 6.42 * miss;
    else if (minor == 0)
      mimpact = 7.52 * (miss - 0.029) - 3.25 * std::pow(miss - 0.02, 15);
    else  // v3.1 changed the modified impact of a changed scope (spec 7.3)
      mimpact = 7.52 * (miss - 0.029) - 3.25 * std::pow(miss * 0.9731 - 0.02, 13);
    const double mexploitability = 8.22 * kV3AV[eff(k3AV, k3MAV)] * kV3AC[eff(k3AC, k3MAC)] *
                                   (mchanged ? kV3PRChanged : kV3PRUnchanged)[eff(k3PR, k3MPR)] *
                                   kV3UI[eff(k3UI, k3MUI)];
    double env = 0.0;
    if (mimpact > 0.0) {
      const double inner = mchanged ? roundup(std::min(1.08 * (mimpact + mexploitability), 10.0))
                                    : roundup(std::min(mimpact + mexploitability, 10.0));
      env = roundup(inner * temporal_factor);
    }
    s.environmental = env;
  }
  s.score = s.environmental ? *s.environmental : s.temporal ? *s.temporal : s.base;
  s.normalized_vector = p.normalized(minor == 0 ? "CVSS:3.0/" : "CVSS:3.1/");
  return s;
}

// ------------------------------------------------------------------ CVSS v4 --

// The metrics that scoring reads, each as the single letter of its value
// (the spec's values are single letters for every scored metric).
detail::V4Metrics v4_metrics(const Parsed<32>& p, bool with_threat_env) {
  auto letter = [&](size_t m) { return p.get(m).empty() ? 'X' : p.get(m)[0]; };
  auto effective = [&](size_t base, size_t modified) {
    char c = with_threat_env ? letter(modified) : 'X';
    return c == 'X' ? letter(base) : c;
  };
  auto defaulted = [&](size_t m, char dflt) {
    char c = with_threat_env ? letter(m) : 'X';
    return c == 'X' ? dflt : c;
  };
  detail::V4Metrics v;
  v.AV = effective(0, 15);
  v.AC = effective(1, 16);
  v.AT = effective(2, 17);
  v.PR = effective(3, 18);
  v.UI = effective(4, 19);
  v.VC = effective(5, 20);
  v.VI = effective(6, 21);
  v.VA = effective(7, 22);
  v.SC = effective(8, 23);
  v.SI = effective(9, 24);
  v.SA = effective(10, 25);
  // Threat and requirements default to their worst case (spec 7.3).
  v.E = defaulted(11, 'A');
  v.CR = defaulted(12, 'H');
  v.IR = defaulted(13, 'H');
  v.AR = defaulted(14, 'H');
  return v;
}

CvssScore score_v4(const Parsed<32>& p) {
  CvssScore s;
  s.major = 4;
  s.minor = 0;
  const auto full = detail::score_v4(v4_metrics(p, true));
  s.base = detail::score_v4(v4_metrics(p, false)).score;
  s.score = full.score;
  s.macro_vector = full.macro_vector;
  const bool threat = p.any_defined(Group::kTemporal);
  const bool env = p.any_defined(Group::kEnvironmental);
  s.nomenclature = threat && env ? "CVSS-BTE" : threat ? "CVSS-BT" : env ? "CVSS-BE" : "CVSS-B";
  s.normalized_vector = p.normalized("CVSS:4.0/");
  return s;
}

}  // namespace

// ------------------------------------------------------------------- public --

const char* to_string(CvssRating r) {
  switch (r) {
    case CvssRating::kNone: return "NONE";
    case CvssRating::kLow: return "LOW";
    case CvssRating::kMedium: return "MEDIUM";
    case CvssRating::kHigh: return "HIGH";
    case CvssRating::kCritical: return "CRITICAL";
  }
  return "NONE";
}

CvssRating cvss_rating(int major, double score) {
  if (major == 2) {
    // CVSS v2 defines no qualitative ratings; these are NVD's v2 bands.
    if (score >= 7.0) return CvssRating::kHigh;
    if (score >= 4.0) return CvssRating::kMedium;
    return CvssRating::kLow;
  }
  // CVSS v3.x spec section 5 / v4.0 spec section 6 (same bands).
  if (score >= 9.0) return CvssRating::kCritical;
  if (score >= 7.0) return CvssRating::kHigh;
  if (score >= 4.0) return CvssRating::kMedium;
  if (score >= 0.1) return CvssRating::kLow;
  return CvssRating::kNone;
}

Severity to_severity(CvssRating r) {
  switch (r) {
    case CvssRating::kNone: return Severity::kUnknown;
    case CvssRating::kLow: return Severity::kLow;
    case CvssRating::kMedium: return Severity::kMedium;
    case CvssRating::kHigh: return Severity::kHigh;
    case CvssRating::kCritical: return Severity::kCritical;
  }
  return Severity::kUnknown;
}

double cvss31_roundup(double x) {
  // Appendix A of the v3.1 specification: work on x * 100000 rounded to an
  // integer so that e.g. 4.000000000000001 (a floating-point artefact of an
  // exact 4.0) is not rounded up to 4.1.
  const auto int_input = static_cast<int64_t>(std::llround(x * 100000.0));
  if (int_input % 10000 == 0) return static_cast<double>(int_input) / 100000.0;
  return static_cast<double>(int_input / 10000 + 1) / 10.0;
}

double cvss30_roundup(double x) { return std::ceil(x * 10.0) / 10.0; }

Result<CvssScore> parse_cvss(std::string_view vector) {
  if (vector.size() > kMaxCvssVectorLength)
    return Error(ErrorCode::kLimitExceeded, "CVSS vector is " + std::to_string(vector.size()) +
                                                " bytes, longer than the limit of " +
                                                std::to_string(kMaxCvssVectorLength));
  std::string_view v = trim(vector);
  if (v.empty()) return Error(ErrorCode::kCorrupt, "CVSS vector is empty");

  Result<CvssScore> out = Error(ErrorCode::kInternal, "unreachable");
  if (starts_with(v, "CVSS:")) {
    size_t slash = v.find('/');
    std::string_view version = v.substr(5, slash == std::string_view::npos ? std::string_view::npos : slash - 5);
    std::string_view body = slash == std::string_view::npos ? std::string_view{} : v.substr(slash + 1);
    if (version == "3.0" || version == "3.1") {
      auto p = parse_metrics(body, kV3, version == "3.0" ? "CVSS:3.0" : "CVSS:3.1");
      if (!p) return p.error();
      out = score_v3(*p, version == "3.0" ? 0 : 1);
    } else if (version == "4.0") {
      auto p = parse_metrics(body, kV4, "CVSS:4.0");
      if (!p) return p.error();
      out = score_v4(*p);
    } else {
      return Error(ErrorCode::kUnsupported, "unsupported CVSS version " + quote(version) +
                                                " (supported: 2.0 without prefix, 3.0, 3.1, 4.0)");
    }
  } else {
    // CVSS v2 has no prefix; NVD's older feeds put the vector in parentheses.
    if (v.front() == '(') {
      if (v.size() < 2 || v.back() != ')')
        return Error(ErrorCode::kCorrupt, "CVSS v2 vector: unbalanced parenthesis");
      v = v.substr(1, v.size() - 2);
    }
    auto p = parse_metrics(v, kV2, "CVSS v2");
    if (!p) return p.error();
    out = score_v2(*p);
  }
  CvssScore& s = *out;
  s.rating = cvss_rating(s.major, s.base);
  s.score_rating = cvss_rating(s.major, s.score);
  return out;
}

}  // namespace bulwark::vulndb
