#include "server/practices.hpp"

#include <algorithm>
#include <cmath>

namespace bulwark::server {

const std::vector<PracticeInfo>& practices() {
  static const std::vector<PracticeInfo> kPractices = {
      {1, "code_scanning", "defense", "Code scanning in CI/CD",
       "Scan repositories in CI: bulwark repo . --server URL --token TOKEN"},
      {2, "dependency_scanning", "defense", "Dependency scanning",
       "Scan source trees and lockfiles: bulwark fs . --server URL --token TOKEN"},
      {3, "image_scanning", "defense", "Image scanning",
       "Scan images in CI or from the registry: bulwark image IMAGE --server URL --token TOKEN"},
      {4, "misconfiguration", "defense", "Misconfiguration (CIS benchmarks)",
       "Run the benchmarks on hosts: bulwark compliance docker-cis-1.6.0 --server URL --token TOKEN"},
      {5, "iac_scanning", "defense", "IaC scanning",
       "Scan Terraform, CloudFormation, Kubernetes and Dockerfiles: bulwark config . --server URL --token TOKEN"},
      {6, "host_scanning", "defense", "Host scanning",
       "Scan each host: bulwark host --server URL --token TOKEN"},
      {7, "resource_protection", "protection", "Resource protection (network exposure)",
       "Scan manifests and Terraform (bulwark config) and hosts (bulwark host); exposure rules feed this card"},
      {8, "runtime_privileges", "protection", "Runtime privileges",
       "Scan manifests against the Pod Security Standards: bulwark config . --server URL --token TOKEN"},
      {9, "vulnerability_management", "protection", "Vulnerability management",
       "Upload vulnerability scans; triage them on the Vulnerabilities page"},
      {10, "event_audit", "detection", "Events and log audit",
       "No data yet: runtime events come from Bulwark's runtime sensor, which is not part of this release"},
      {11, "resource_monitoring", "detection", "Resource monitoring",
       "No data yet: container resource metrics come from Bulwark's node agent, which is not part of this release"},
      {12, "isolate_investigate", "response", "Isolate and investigate",
       "No data yet: quarantine and forensic snapshots come with the response tools, not part of this release"},
      {13, "fix_misconfiguration", "response", "Fix misconfiguration",
       "Fix findings of the misconfiguration, IaC and privilege cards (bulwark config --fix) and rescan"},
      {14, "patch_vulnerabilities", "response", "Patch vulnerabilities",
       "Follow the patch plans on the image and host pages and rescan"},
  };
  return kPractices;
}

namespace {

std::string plural(long long n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

int percent(double share) { return static_cast<int>(std::lround(std::clamp(share, 0.0, 1.0) * 100)); }

std::string status_of(int score, bool alarm) {
  if (alarm || score < 60) return "critical";
  if (score < 90) return "warning";
  return "good";
}

}  // namespace

PracticeStatus assess_practice(const PracticeInfo& p, const PracticeFacts& f) {
  PracticeStatus s;
  if (!f.has_data) {
    s.status = "no_data";
    return s;
  }
  long long open_total = 0;
  for (long long n : f.open) open_total += n;
  switch (p.id) {
    case 9: {
      // Managed: triaged, and not past the due date.
      if (open_total == 0) {
        s.score = 100;
      } else {
        double on_time = 1.0 - static_cast<double>(f.overdue) / static_cast<double>(open_total);
        double triaged = 1.0 - static_cast<double>(f.untriaged) / static_cast<double>(open_total);
        s.score = percent(on_time * (0.5 + 0.5 * triaged));
      }
      if (f.untriaged) s.drivers.push_back(plural(f.untriaged, "finding not triaged yet", "findings not triaged yet"));
      if (f.overdue) s.drivers.push_back(plural(f.overdue, "finding past its due date", "findings past their due date"));
      if (f.accepted) s.drivers.push_back(plural(f.accepted, "accepted risk", "accepted risks"));
      if (f.kev_open)
        s.drivers.push_back(plural(f.kev_open, "open vulnerability is known exploited (KEV)",
                                   "open vulnerabilities are known exploited (KEV)"));
      // A known-exploited vulnerability still open is never "good".
      s.status = status_of(*s.score, false);
      if (f.kev_open && s.status == "good") s.status = "warning";
      break;
    }
    case 13:
    case 14: {
      // Response: how much of what was open got fixed lately.
      long long pending = p.id == 14 ? f.open_fixable : open_total;
      long long done = f.fixed_30d;
      s.score = pending + done == 0 ? 100 : percent(static_cast<double>(done) / static_cast<double>(pending + done));
      s.drivers.push_back(plural(done, "finding fixed in the last 30 days", "findings fixed in the last 30 days"));
      if (pending)
        s.drivers.push_back(plural(pending, p.id == 14 ? "open vulnerability has a fix" : "finding still open",
                                   p.id == 14 ? "open vulnerabilities have a fix" : "findings still open"));
      if (p.id == 14 && f.eol_artifacts)
        s.drivers.push_back(plural(f.eol_artifacts, "artifact runs an end-of-life OS", "artifacts run an end-of-life OS"));
      s.status = status_of(*s.score, false);
      // An end-of-life OS gets no more fixes: never "good" while one runs.
      if (p.id == 14 && f.eol_artifacts > 0 && s.status == "good") s.status = "warning";
      break;
    }
    default: {
      // Findings: the share of artifacts without an open critical or high one.
      long long total = std::max(f.artifacts, f.artifacts_affected);
      s.score = total == 0 ? 100 : percent(1.0 - static_cast<double>(f.artifacts_affected) / static_cast<double>(total));
      if (f.open[0] || f.open[1]) {
        s.drivers.push_back(std::to_string(f.open[0]) + " critical and " + std::to_string(f.open[1]) + " high open in " +
                            plural(f.artifacts_affected, "artifact", "artifacts") + " of " + std::to_string(total));
      } else if (open_total) {
        s.drivers.push_back(plural(open_total, "medium or low finding open", "medium or low findings open"));
      } else {
        s.drivers.push_back("no open findings in " + plural(total, "artifact", "artifacts"));
      }
      if (f.overdue) s.drivers.push_back(plural(f.overdue, "finding past its due date", "findings past their due date"));
      s.status = status_of(*s.score, false);
      break;
    }
  }
  return s;
}

}  // namespace bulwark::server
