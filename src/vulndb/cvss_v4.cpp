// CVSS v4.0 scoring, from section 8 of FIRST's "CVSS v4.0 Specification
// Document": the vector is placed in a MacroVector (the levels of the six
// equivalence sets EQ1..EQ6), whose score comes from the table of expert-
// ranked MacroVector scores; the vector's score is then lowered from that by
// the mean, over the EQs, of the scoring distance to the next lower
// MacroVector scaled by how far the vector lies from the MacroVector's
// highest-severity vectors. The table of MacroVector scores, the highest-
// severity vectors and the MacroVector depths are the specification's data
// (published with FIRST's reference calculator).
#include <array>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <string_view>

#include "vulndb/cvss.hpp"

namespace bulwark::vulndb::detail {

namespace {

constexpr double kNoMacro = -1.0;  // the MacroVector does not exist

// MacroVector scores. Each row is "EQ1 EQ2 EQ3 EQ4" followed by the six
// EQ5/EQ6 combinations 00 01 10 11 20 21. EQ3 = 2 exists only with EQ6 = 1
// (EQ6 = 0 needs a High vulnerable-system impact), so those rows have
// kNoMacro in the EQ6 = 0 columns: 270 MacroVectors in all.
struct LookupRow {
  std::string_view eq1to4;
  std::array<double, 6> scores;
};
constexpr double X = kNoMacro;
constexpr LookupRow kLookupRows[] = {
    {"0000", {10, 9.9, 9.8, 9.5, 9.5, 9.2}},   {"0001", {10, 9.6, 9.3, 8.7, 9.1, 8.1}},
    {"0002", {9.3, 9, 8.9, 8, 8.1, 6.8}},      {"0010", {9.8, 9.5, 9.5, 9.2, 9, 8.4}},
    {"0011", {9.3, 9.2, 8.9, 8.1, 8.1, 6.5}},  {"0012", {8.8, 8, 7.8, 7, 6.9, 4.8}},
    {"0020", {X, 9.2, X, 8.2, X, 7.2}},        {"0021", {X, 7.9, X, 6.9, X, 5}},
    {"0022", {X, 6.9, X, 5.5, X, 2.7}},        {"0100", {9.9, 9.7, 9.5, 9.2, 9.2, 8.5}},
    {"0101", {9.5, 9.1, 9, 8.3, 8.4, 7.1}},    {"0102", {9.2, 8.1, 8.2, 7.1, 7.2, 5.3}},
    {"0110", {9.5, 9.3, 9.2, 8.5, 8.5, 7.3}},  {"0111", {9.2, 8.2, 8, 7.2, 7, 5.9}},
    {"0112", {8.4, 7, 7.1, 5.2, 5, 3}},        {"0120", {X, 8.6, X, 7.5, X, 5.2}},
    {"0121", {X, 7.1, X, 5.2, X, 2.9}},        {"0122", {X, 6.3, X, 2.9, X, 1.7}},
    {"1000", {9.8, 9.5, 9.4, 8.7, 9.1, 8.1}},  {"1001", {9.4, 8.9, 8.6, 7.4, 7.7, 6.4}},
    {"1002", {8.7, 7.5, 7.4, 6.3, 6.3, 4.9}},  {"1010", {9.4, 8.9, 8.8, 7.7, 7.6, 6.7}},
    {"1011", {8.6, 7.6, 7.4, 5.8, 5.9, 5}},    {"1012", {7.2, 5.7, 5.7, 5.2, 5.2, 2.5}},
    {"1020", {X, 8.3, X, 7, X, 5.4}},          {"1021", {X, 6.5, X, 5.8, X, 2.6}},
    {"1022", {X, 5.3, X, 2.1, X, 1.3}},        {"1100", {9.5, 9, 8.8, 7.6, 7.6, 7}},
    {"1101", {9, 7.7, 7.5, 6.2, 6.1, 5.3}},    {"1102", {7.7, 6.6, 6.8, 5.9, 5.2, 3}},
    {"1110", {8.9, 7.8, 7.6, 6.7, 6.2, 5.8}},  {"1111", {7.4, 5.9, 5.7, 5.7, 4.7, 2.3}},
    {"1112", {6.1, 5.2, 5.7, 2.9, 2.4, 1.6}},  {"1120", {X, 7.1, X, 5.9, X, 3}},
    {"1121", {X, 5.8, X, 2.6, X, 1.5}},        {"1122", {X, 2.3, X, 1.3, X, 0.6}},
    {"2000", {9.3, 8.7, 8.6, 7.2, 7.5, 5.8}},  {"2001", {8.6, 7.4, 7.4, 6.1, 5.6, 3.4}},
    {"2002", {7, 5.4, 5.2, 4, 4, 2.2}},        {"2010", {8.5, 7.5, 7.4, 5.5, 6.2, 5.1}},
    {"2011", {7.2, 5.7, 5.5, 4.1, 4.6, 1.9}},  {"2012", {5.3, 3.6, 3.4, 1.9, 1.9, 0.8}},
    {"2020", {X, 6.4, X, 5.1, X, 2}},          {"2021", {X, 4.7, X, 2.1, X, 1.1}},
    {"2022", {X, 2.4, X, 0.9, X, 0.4}},        {"2100", {8.8, 7.5, 7.3, 5.3, 6, 5}},
    {"2101", {7.3, 5.5, 5.9, 4, 4.1, 2}},      {"2102", {5.4, 4.3, 4.5, 2.2, 2, 1.1}},
    {"2110", {7.5, 5.5, 5.8, 4.5, 4, 2.1}},    {"2111", {6.1, 5.1, 4.8, 1.8, 2, 0.9}},
    {"2112", {4.6, 1.8, 1.7, 0.7, 0.8, 0.2}},  {"2120", {X, 5.3, X, 2.4, X, 1.4}},
    {"2121", {X, 2.4, X, 1.2, X, 0.5}},        {"2122", {X, 1, X, 0.3, X, 0.1}},
};

struct Macro {
  int eq[6];  // EQ1..EQ6
};

// The score of a MacroVector, or NaN when it does not exist (a level past the
// last one, or EQ3 = 2 with EQ6 = 0).
double lookup(const Macro& m) {
  static const std::array<double, 324> table = [] {
    std::array<double, 324> t;
    t.fill(kNoMacro);
    for (const auto& row : kLookupRows) {
      int e1 = row.eq1to4[0] - '0', e2 = row.eq1to4[1] - '0', e3 = row.eq1to4[2] - '0',
          e4 = row.eq1to4[3] - '0';
      for (int k = 0; k < 6; ++k) {
        int e5 = k / 2, e6 = k % 2;
        t[((((e1 * 2 + e2) * 3 + e3) * 3 + e4) * 3 + e5) * 2 + e6] = row.scores[k];
      }
    }
    return t;
  }();
  const int lim[6] = {3, 2, 3, 3, 3, 2};
  for (int i = 0; i < 6; ++i)
    if (m.eq[i] < 0 || m.eq[i] >= lim[i]) return std::numeric_limits<double>::quiet_NaN();
  double v = table[((((m.eq[0] * 2 + m.eq[1]) * 3 + m.eq[2]) * 3 + m.eq[3]) * 3 + m.eq[4]) * 2 + m.eq[5]];
  return v == kNoMacro ? std::numeric_limits<double>::quiet_NaN() : v;
}

// Severity levels of metric values used for distances (spec 8.2): each step
// towards less severe adds 0.1.
double level(char metric_class, char v) {
  switch (metric_class) {
    case 'V':  // AV
      return v == 'N' ? 0.0 : v == 'A' ? 0.1 : v == 'L' ? 0.2 : 0.3;
    case 'P':  // PR
      return v == 'N' ? 0.0 : v == 'L' ? 0.1 : 0.2;
    case 'U':  // UI
      return v == 'N' ? 0.0 : v == 'P' ? 0.1 : 0.2;
    case 'C':  // AC
      return v == 'L' ? 0.0 : 0.1;
    case 'T':  // AT
      return v == 'N' ? 0.0 : 0.1;
    case 'I':  // VC, VI, VA
      return v == 'H' ? 0.0 : v == 'L' ? 0.1 : 0.2;
    case 'S':  // SC, SI, SA (S = Safety, only for SI/SA)
      return v == 'S' ? 0.0 : v == 'H' ? 0.1 : v == 'L' ? 0.2 : 0.3;
    case 'R':  // CR, IR, AR
      return v == 'H' ? 0.0 : v == 'M' ? 0.1 : 0.2;
  }
  return 0.0;
}

// Highest-severity vectors of each EQ level, as the values of the metrics
// the EQ covers. Order matters: the first one the vector does not exceed is
// used.
struct Eq1Max { char AV, PR, UI; };
struct Eq2Max { char AC, AT; };
struct Eq36Max { char VC, VI, VA, CR, IR, AR; };
struct Eq4Max { char SC, SI, SA; };

const std::initializer_list<Eq1Max>& eq1_maxes(int level) {
  static const std::initializer_list<Eq1Max> l0 = {{'N', 'N', 'N'}};
  static const std::initializer_list<Eq1Max> l1 = {{'A', 'N', 'N'}, {'N', 'L', 'N'}, {'N', 'N', 'P'}};
  static const std::initializer_list<Eq1Max> l2 = {{'P', 'N', 'N'}, {'A', 'L', 'P'}};
  return level == 0 ? l0 : level == 1 ? l1 : l2;
}
const std::initializer_list<Eq2Max>& eq2_maxes(int level) {
  static const std::initializer_list<Eq2Max> l0 = {{'L', 'N'}};
  static const std::initializer_list<Eq2Max> l1 = {{'H', 'N'}, {'L', 'P'}};
  return level == 0 ? l0 : l1;
}
const std::initializer_list<Eq36Max>& eq36_maxes(int eq3, int eq6) {
  static const std::initializer_list<Eq36Max> l00 = {{'H', 'H', 'H', 'H', 'H', 'H'}};
  static const std::initializer_list<Eq36Max> l01 = {{'H', 'H', 'L', 'M', 'M', 'H'},
                                                     {'H', 'H', 'H', 'M', 'M', 'M'}};
  static const std::initializer_list<Eq36Max> l10 = {{'L', 'H', 'H', 'H', 'H', 'H'},
                                                     {'H', 'L', 'H', 'H', 'H', 'H'}};
  static const std::initializer_list<Eq36Max> l11 = {
      {'L', 'H', 'L', 'H', 'M', 'H'}, {'L', 'H', 'H', 'H', 'M', 'M'}, {'H', 'L', 'H', 'M', 'H', 'M'},
      {'H', 'L', 'L', 'M', 'H', 'H'}, {'L', 'L', 'H', 'H', 'H', 'M'}};
  static const std::initializer_list<Eq36Max> l21 = {{'L', 'L', 'L', 'H', 'H', 'H'}};
  if (eq3 == 0) return eq6 == 0 ? l00 : l01;
  if (eq3 == 1) return eq6 == 0 ? l10 : l11;
  return l21;
}
const std::initializer_list<Eq4Max>& eq4_maxes(int level) {
  static const std::initializer_list<Eq4Max> l0 = {{'H', 'S', 'S'}};
  static const std::initializer_list<Eq4Max> l1 = {{'H', 'H', 'H'}};
  static const std::initializer_list<Eq4Max> l2 = {{'L', 'L', 'L'}};
  return level == 0 ? l0 : level == 1 ? l1 : l2;
}

// Depth of each MacroVector (the largest severity distance inside it, +1),
// in steps of 0.1.
int depth_eq1(int l) { return l == 0 ? 1 : l == 1 ? 4 : 5; }
int depth_eq2(int l) { return l == 0 ? 1 : 2; }
int depth_eq36(int eq3, int eq6) {
  if (eq3 == 0) return eq6 == 0 ? 7 : 6;
  if (eq3 == 1) return 8;
  return 10;
}
int depth_eq4(int l) { return l == 0 ? 6 : l == 1 ? 5 : 4; }

Macro macro_of(const V4Metrics& v) {
  Macro m{};
  // EQ1: AV/PR/UI.
  if (v.AV == 'N' && v.PR == 'N' && v.UI == 'N')
    m.eq[0] = 0;
  else if ((v.AV == 'N' || v.PR == 'N' || v.UI == 'N') && v.AV != 'P')
    m.eq[0] = 1;
  else
    m.eq[0] = 2;
  // EQ2: AC/AT.
  m.eq[1] = (v.AC == 'L' && v.AT == 'N') ? 0 : 1;
  // EQ3: VC/VI/VA.
  if (v.VC == 'H' && v.VI == 'H')
    m.eq[2] = 0;
  else if (v.VC == 'H' || v.VI == 'H' || v.VA == 'H')
    m.eq[2] = 1;
  else
    m.eq[2] = 2;
  // EQ4: SC/SI/SA, with MSI/MSA Safety.
  if (v.SI == 'S' || v.SA == 'S')
    m.eq[3] = 0;
  else if (v.SC == 'H' || v.SI == 'H' || v.SA == 'H')
    m.eq[3] = 1;
  else
    m.eq[3] = 2;
  // EQ5: E.
  m.eq[4] = v.E == 'A' ? 0 : v.E == 'P' ? 1 : 2;
  // EQ6: CR/IR/AR against VC/VI/VA.
  m.eq[5] = ((v.CR == 'H' && v.VC == 'H') || (v.IR == 'H' && v.VI == 'H') || (v.AR == 'H' && v.VA == 'H')) ? 0 : 1;
  return m;
}

Macro bumped(Macro m, int eq_index, int by = 1) {
  m.eq[eq_index] += by;
  return m;
}

}  // namespace

V4Result score_v4(const V4Metrics& v) {
  V4Result out;
  const Macro m = macro_of(v);
  for (int i = 0; i < 6; ++i) out.macro_vector += static_cast<char>('0' + m.eq[i]);

  // No impact on either system: the score is 0 whatever else holds.
  if (v.VC == 'N' && v.VI == 'N' && v.VA == 'N' && v.SC == 'N' && v.SI == 'N' && v.SA == 'N') {
    out.score = 0.0;
    return out;
  }
  const int eq1 = m.eq[0], eq2 = m.eq[1], eq3 = m.eq[2], eq4 = m.eq[3], eq6 = m.eq[5];
  const double value = lookup(m);

  // Scores of the next lower MacroVector in each EQ (NaN when there is none).
  const double lower_eq1 = lookup(bumped(m, 0));
  const double lower_eq2 = lookup(bumped(m, 1));
  double lower_eq36;
  if (eq3 == 0 && eq6 == 0) {
    // Two ways down (EQ6 or EQ3 one step); the higher-scoring one counts.
    const double left = lookup(bumped(m, 5));
    const double right = lookup(bumped(m, 2));
    lower_eq36 = left > right ? left : right;
  } else if (eq3 == 1 && eq6 == 0) {
    lower_eq36 = lookup(bumped(m, 5));
  } else if (eq3 == 2) {
    lower_eq36 = std::numeric_limits<double>::quiet_NaN();  // lowest level already
  } else {
    lower_eq36 = lookup(bumped(m, 2));  // 01 -> 11, 11 -> 21
  }
  const double lower_eq4 = lookup(bumped(m, 3));
  const double lower_eq5 = lookup(bumped(m, 4));

  // Severity distance from the first highest-severity vector of the
  // MacroVector that the vector does not exceed in any metric.
  double d_av = 0, d_pr = 0, d_ui = 0, d_ac = 0, d_at = 0, d_vc = 0, d_vi = 0, d_va = 0, d_sc = 0,
         d_si = 0, d_sa = 0, d_cr = 0, d_ir = 0, d_ar = 0;
  bool found = false;
  for (const auto& a : eq1_maxes(eq1)) {
    for (const auto& b : eq2_maxes(eq2)) {
      for (const auto& c : eq36_maxes(eq3, eq6)) {
        for (const auto& d : eq4_maxes(eq4)) {
          // EQ5 has a single highest vector per level and takes no part.
          d_av = level('V', v.AV) - level('V', a.AV);
          d_pr = level('P', v.PR) - level('P', a.PR);
          d_ui = level('U', v.UI) - level('U', a.UI);
          d_ac = level('C', v.AC) - level('C', b.AC);
          d_at = level('T', v.AT) - level('T', b.AT);
          d_vc = level('I', v.VC) - level('I', c.VC);
          d_vi = level('I', v.VI) - level('I', c.VI);
          d_va = level('I', v.VA) - level('I', c.VA);
          d_sc = level('S', v.SC) - level('S', d.SC);
          d_si = level('S', v.SI) - level('S', d.SI);
          d_sa = level('S', v.SA) - level('S', d.SA);
          d_cr = level('R', v.CR) - level('R', c.CR);
          d_ir = level('R', v.IR) - level('R', c.IR);
          d_ar = level('R', v.AR) - level('R', c.AR);
          const double all[] = {d_av, d_pr, d_ui, d_ac, d_at, d_vc, d_vi,
                                d_va, d_sc, d_si, d_sa, d_cr, d_ir, d_ar};
          bool below = false;
          for (double x : all) below = below || x < 0;
          if (!below) {
            found = true;
            break;
          }
        }
        if (found) break;
      }
      if (found) break;
    }
    if (found) break;
  }
  // (When no highest vector fits, the distances of the last one tried stand,
  // as in the reference calculator.)

  const double dist_eq1 = d_av + d_pr + d_ui;
  const double dist_eq2 = d_ac + d_at;
  const double dist_eq36 = d_vc + d_vi + d_va + d_cr + d_ir + d_ar;
  const double dist_eq4 = d_sc + d_si + d_sa;

  const double step = 0.1;
  int n_lower = 0;
  double sum = 0.0;
  auto add = [&](double lower, double distance, double depth) {
    const double available = value - lower;  // NaN when there is no lower MacroVector
    if (std::isnan(available)) return;
    ++n_lower;
    sum += available * (distance / (depth * step));
  };
  add(lower_eq1, dist_eq1, depth_eq1(eq1));
  add(lower_eq2, dist_eq2, depth_eq2(eq2));
  add(lower_eq36, dist_eq36, depth_eq36(eq3, eq6));
  add(lower_eq4, dist_eq4, depth_eq4(eq4));
  // EQ5's proportion is always 0, but an existing lower EQ5 MacroVector still
  // counts towards the mean.
  if (!std::isnan(value - lower_eq5)) ++n_lower;

  double score = value - (n_lower == 0 ? 0.0 : sum / n_lower);
  if (score < 0.0) score = 0.0;
  if (score > 10.0) score = 10.0;
  // Round half up at one decimal. The interpolation can land one ulp below an
  // x.x5 tie; the reference calculator lifts by 1e-6 first, and so do we.
  out.score = std::floor((score + 1e-6) * 10.0 + 0.5) / 10.0;
  return out;
}

}  // namespace bulwark::vulndb::detail
