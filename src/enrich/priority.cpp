// The priority score of a finding and its explanation. The weights and the
// reasons for them are in docs/server/priority.md; keep the two in step.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "core/date.hpp"
#include "core/json.hpp"
#include "enrich/enrich.hpp"
#include "enrich/internal.hpp"

namespace bulwark::enrich {

namespace {

// ---- weights (docs/server/priority.md) -----------------------------------------

constexpr double kCvssWeight = 4.5;  // CVSS 0..10 -> 0..45 points
constexpr int kNetworkPoints = 10;   // AV:N; AV:A half; AV:L / AV:P none
constexpr int kEpssMaxPoints = 20;   // EPSS 1.0; log scale down to 0 at 0.001
constexpr int kKevPoints = 25;
constexpr int kFixPoints = 5;
constexpr int kAgeMaxPoints = 5;
constexpr int kExposurePoints = 10;  // times the reachability weight

// Vulnerabilities without a CVSS score: the points of a typical score of
// each severity band (9.5, 7.5, 5.0, 2.0 times kCvssWeight).
int vuln_severity_points(Severity s) {
  switch (s) {
    case Severity::kCritical: return 43;
    case Severity::kHigh: return 34;
    case Severity::kMedium: return 23;
    case Severity::kLow: return 9;
    case Severity::kUnknown: return 23;  // counted as MEDIUM, and said so
  }
  return 23;
}

// Other kinds have no CVSS, EPSS or KEV: severity carries the score.
int other_severity_points(Severity s) {
  switch (s) {
    case Severity::kCritical: return 75;
    case Severity::kHigh: return 55;
    case Severity::kMedium: return 35;
    case Severity::kLow: return 15;
    case Severity::kUnknown: return 35;  // counted as MEDIUM, and said so
  }
  return 35;
}

// ---- CVSS vectors -------------------------------------------------------------

enum class Av { kUnknown, kNetwork, kAdjacent, kLocal, kPhysical };

// 4 for CVSS:4.x, 3 for CVSS:3.x, 2 for a bare v2 vector ("AV:N/AC:L/Au:N/…"),
// 0 when the text is not a CVSS vector.
int cvss_version(std::string_view vector) {
  if (starts_with(vector, "CVSS:4.")) return 4;
  if (starts_with(vector, "CVSS:3.")) return 3;
  if (starts_with(vector, "(")) vector.remove_prefix(1);
  if (starts_with(vector, "AV:") && vector.find("/Au:") != std::string_view::npos) return 2;
  return 0;
}

int score_version(const Score& s) {
  if (int v = cvss_version(s.vector)) return v;
  std::string type = to_lower(s.type);
  if (starts_with(type, "cvss_v4") || starts_with(type, "cvssv4")) return 4;
  if (starts_with(type, "cvss_v3") || starts_with(type, "cvssv3")) return 3;
  if (starts_with(type, "cvss_v2") || starts_with(type, "cvssv2")) return 2;
  return 0;
}

Av attack_vector(std::string_view vector) {
  if (cvss_version(vector) == 0) return Av::kUnknown;
  if (starts_with(vector, "(")) vector.remove_prefix(1);
  size_t at = 0;
  while (at <= vector.size()) {
    size_t end = vector.find('/', at);
    std::string_view metric = vector.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at);
    if (starts_with(metric, "AV:") && metric.size() >= 4) {
      switch (metric[3]) {
        case 'N': return Av::kNetwork;
        case 'A': return Av::kAdjacent;
        case 'L': return Av::kLocal;
        case 'P': return Av::kPhysical;
        default: return Av::kUnknown;
      }
    }
    if (end == std::string_view::npos) break;
    at = end + 1;
  }
  return Av::kUnknown;
}

// How much of the exposure points an internet-facing artifact adds.
double reachability(Av av) {
  switch (av) {
    case Av::kNetwork: return 1.0;
    case Av::kAdjacent: return 0.5;
    case Av::kLocal: return 0.2;
    case Av::kPhysical: return 0.0;
    case Av::kUnknown: return 0.5;
  }
  return 0.5;
}

std::string source_name(const std::string& source) {
  std::string s = to_lower(source);
  if (s == "nvd") return "NVD";
  if (s == "ghsa" || s == "github") return "GitHub";
  if (s == "redhat" || s == "red hat") return "Red Hat";
  if (s == "osv") return "OSV";
  if (s.empty()) return "unnamed source";
  std::string out = source;
  out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::string fixed1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

// EPSS probabilities span five orders of magnitude; two significant digits
// (at most 5 decimals) keep small ones readable: 0.94, 0.012, 0.00043.
std::string epss_text(double p) {
  char buf[32];
  if (p >= 0.1 || p == 0) std::snprintf(buf, sizeof buf, "%.2f", p);
  else if (p >= 0.01) std::snprintf(buf, sizeof buf, "%.3f", p);
  else if (p >= 0.001) std::snprintf(buf, sizeof buf, "%.4f", p);
  else std::snprintf(buf, sizeof buf, "%.5f", p);
  return buf;
}

std::string ordinal(int n) {
  const char* suffix = "th";
  if (n % 100 < 11 || n % 100 > 13) {
    if (n % 10 == 1) suffix = "st";
    else if (n % 10 == 2) suffix = "nd";
    else if (n % 10 == 3) suffix = "rd";
  }
  return std::to_string(n) + suffix;
}

// The CVSS score the priority rests on: among v3.x and v4 scores (v2 only
// when there is no newer one) the highest, the NVD's first among equals.
const Score* best_cvss(const std::vector<Score>& scores) {
  const Score* best = nullptr;
  int best_generation = 0;  // 2 for v3/v4, 1 for v2
  for (const auto& s : scores) {
    int v = score_version(s);
    if (v == 0 || !(s.value > 0 && s.value <= 10)) continue;
    int generation = v >= 3 ? 2 : 1;
    bool better = !best || generation > best_generation ||
                  (generation == best_generation &&
                   (s.value > best->value || (s.value == best->value && to_lower(s.source) == "nvd" &&
                                              to_lower(best->source) != "nvd")));
    if (better) {
      best = &s;
      best_generation = generation;
    }
  }
  return best;
}

// The attack vector: from the chosen score's vector, else from any vector
// (newest CVSS version first).
Av finding_av(const Finding& f, const Score* chosen) {
  if (chosen) {
    Av av = attack_vector(chosen->vector);
    if (av != Av::kUnknown) return av;
  }
  Av found = Av::kUnknown;
  int found_version = 0;
  for (const auto& s : f.scores) {
    int v = cvss_version(s.vector);
    Av av = attack_vector(s.vector);
    if (av != Av::kUnknown && v > found_version) {
      found = av;
      found_version = v;
    }
  }
  return found;
}

std::string join_versions(const std::vector<std::string>& v) {
  std::string out;
  size_t shown = std::min<size_t>(v.size(), 3);
  for (size_t i = 0; i < shown; ++i) out += (i ? ", " : "") + v[i];
  if (v.size() > shown) out += " and " + std::to_string(v.size() - shown) + " more";
  return out;
}

void add(Priority& p, const char* factor, int points, std::string detail) {
  p.factors.push_back({factor, points, std::move(detail)});
}

void add_exposure(Priority& p, const PriorityContext& ctx, double weight, std::string detail) {
  if (!ctx.internet_facing) return;
  add(p, "exposure", static_cast<int>(std::lround(kExposurePoints * weight)), std::move(detail));
}

Priority prioritize_vulnerability(const Finding& f, const PriorityContext& ctx) {
  Priority p;
  // Impact: the CVSS base score, else the severity.
  const Score* cvss = best_cvss(f.scores);
  if (cvss) {
    add(p, "cvss", static_cast<int>(std::lround(cvss->value * kCvssWeight)),
        "CVSS " + fixed1(cvss->value) + " (" + source_name(cvss->source) + ")");
  } else if (f.severity == Severity::kUnknown) {
    add(p, "severity", vuln_severity_points(f.severity), "no CVSS score and severity unknown; counted as MEDIUM");
  } else {
    std::string who = f.severity_source.empty() ? "" : " (" + source_name(f.severity_source) + ")";
    add(p, "severity", vuln_severity_points(f.severity),
        std::string("severity ") + to_string(f.severity) + who + ", no CVSS score");
  }

  // Reachability over the network.
  Av av = finding_av(f, cvss);
  switch (av) {
    case Av::kNetwork: add(p, "network", kNetworkPoints, "exploitable over the network (AV:N)"); break;
    case Av::kAdjacent: add(p, "network", kNetworkPoints / 2, "exploitable from an adjacent network (AV:A)"); break;
    case Av::kLocal: add(p, "network", 0, "needs local access (AV:L)"); break;
    case Av::kPhysical: add(p, "network", 0, "needs physical access (AV:P)"); break;
    case Av::kUnknown:
      add(p, "network", kNetworkPoints / 2, "attack vector unknown (no CVSS vector); counted as adjacent");
      break;
  }

  // Likelihood of exploitation in the next 30 days.
  if (f.epss_score) {
    double prob = std::clamp(*f.epss_score, 0.0, 1.0);
    int points = 0;
    if (prob > 0) points = static_cast<int>(std::lround(kEpssMaxPoints * (std::log10(prob) + 3.0) / 3.0));
    points = std::clamp(points, 0, kEpssMaxPoints);
    std::string detail = "EPSS " + epss_text(prob);
    if (f.epss_percentile) {
      int pct = static_cast<int>(std::floor(std::clamp(*f.epss_percentile, 0.0, 1.0) * 100.0));
      detail += " (" + ordinal(pct) + " percentile)";
    }
    add(p, "epss", points, detail);
  } else {
    add(p, "epss", 0, "no EPSS score");
  }

  // Known to be exploited.
  if (f.known_exploited) {
    auto since = detail::date_part(f.known_exploited_since);
    add(p, "kev", kKevPoints, since ? "in CISA KEV since " + *since : "in CISA KEV");
  }

  // A fix to apply.
  const auto& rem = f.remediation;
  if (!rem.fixed_versions.empty()) {
    add(p, "fix", kFixPoints, "fixed in " + join_versions(rem.fixed_versions));
  } else if (rem.fix_state == "fixed") {
    add(p, "fix", kFixPoints, "a fix is available");
  } else if (rem.fix_state == "not_fixed" || rem.fix_state == "will_not_fix" || rem.fix_state == "fix_deferred" ||
             rem.fix_state == "end_of_life") {
    std::string state = rem.fix_state;
    std::replace(state.begin(), state.end(), '_', ' ');
    add(p, "fix", 0, "no fix available (" + state + ")");
  } else {
    add(p, "fix", 0, "fix availability unknown");
  }

  // Time attackers have had since disclosure.
  auto published = detail::day_number(f.published);
  auto today = detail::day_number(ctx.today.empty() ? detail::today_utc() : ctx.today);
  if (published && today) {
    int64_t days = *today - *published;
    int points = days >= 365 ? 5 : days >= 180 ? 4 : days >= 90 ? 3 : days >= 30 ? 2 : days >= 7 ? 1 : 0;
    points = std::min(points, kAgeMaxPoints);
    std::string when = days < 0 ? "in the future" : days == 1 ? "1 day ago" : std::to_string(days) + " days ago";
    add(p, "age", points, "published " + *detail::date_part(f.published) + ", " + when);
  } else {
    add(p, "age", 0, "publication date unknown");
  }

  switch (av) {
    case Av::kNetwork: add_exposure(p, ctx, reachability(av), "internet-facing and reachable over the network"); break;
    case Av::kAdjacent:
      add_exposure(p, ctx, reachability(av), "internet-facing, but the attack needs an adjacent network");
      break;
    case Av::kLocal: add_exposure(p, ctx, reachability(av), "internet-facing, but the attack needs local access"); break;
    case Av::kPhysical:
      add_exposure(p, ctx, reachability(av), "internet-facing, but the attack needs physical access");
      break;
    case Av::kUnknown: add_exposure(p, ctx, reachability(av), "internet-facing; attack vector unknown"); break;
  }
  return p;
}

Priority prioritize_other(const Finding& f, const PriorityContext& ctx) {
  Priority p;
  std::string what = std::string(to_string(f.kind)) + (f.id.empty() ? "" : " " + f.id);
  if (f.severity == Severity::kUnknown)
    add(p, "severity", other_severity_points(f.severity), "severity unknown; counted as MEDIUM (" + what + ")");
  else
    add(p, "severity", other_severity_points(f.severity), std::string("severity ") + to_string(f.severity) + " (" + what + ")");
  add_exposure(p, ctx, 1.0, "internet-facing");
  return p;
}

}  // namespace

std::string priority_level(int score) {
  if (score >= 80) return "P1";
  if (score >= 60) return "P2";
  if (score >= 35) return "P3";
  return "P4";
}

Priority prioritize(const Finding& finding, const PriorityContext& context) {
  Priority p = finding.kind == FindingKind::kVulnerability ? prioritize_vulnerability(finding, context)
                                                           : prioritize_other(finding, context);
  int sum = 0;
  for (const auto& f : p.factors) sum += f.points;
  p.score = std::clamp(sum, 0, 100);
  p.level = priority_level(p.score);
  return p;
}

std::string priority_factors_json(const Priority& priority) {
  json out = json::array();
  for (const auto& f : priority.factors) out.push_back({{"factor", f.factor}, {"points", f.points}, {"detail", f.detail}});
  return out.dump();
}

const std::map<std::string, int>& default_sla_days() {
  static const std::map<std::string, int> sla = {{"P1", 7}, {"P2", 30}, {"P3", 90}, {"P4", 180}};
  return sla;
}

int sla_days(std::string_view level, const std::map<std::string, int>& sla) {
  std::string key(level);
  if (auto it = sla.find(key); it != sla.end()) return it->second;
  const auto& defaults = default_sla_days();
  if (auto it = defaults.find(key); it != defaults.end()) return it->second;
  return defaults.at("P4");
}

std::string due_date(std::string_view first_seen, std::string_view level, const std::map<std::string, int>& sla) {
  auto day = detail::day_number(first_seen);
  if (!day) return {};
  return format_day(*day + sla_days(level, sla));
}

}  // namespace bulwark::enrich
