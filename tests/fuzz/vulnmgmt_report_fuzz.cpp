// Fuzz target: what the server does with an uploaded report's findings —
// priority, practice, patch plan (with and without an image history) — over
// any report the JSON reader accepts. Versions, CVSS vectors, dates and EPSS
// values all come from the input.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/json.hpp"
#include "enrich/enrich.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto report = bulwark::report_from_json(text, "fuzz.report.json");
  if (!report.ok()) return 0;
  for (const auto& f : report->findings) {
    for (bool exposed : {false, true}) {
      auto p = bulwark::enrich::prioritize(f, {exposed, "2026-11-29"});
      if (p.score < 0 || p.score > 100 || p.level.size() != 2) __builtin_trap();
      (void)bulwark::enrich::priority_factors_json(p);
      (void)bulwark::enrich::due_date(f.published, p.level);
    }
    int practice = bulwark::enrich::practice_of(f, report->target);
    if (practice < 0 || practice > 14) __builtin_trap();
  }
  auto plan = bulwark::enrich::plan_patches(*report, {"2026-11-29", {}});
  (void)bulwark::enrich::patch_plan_json(plan);
  // The layers' own history as a history, every other entry an empty CMD.
  std::vector<bulwark::enrich::HistoryStep> history;
  for (const auto& l : report->target.artifact.layers) {
    history.push_back({l.created_by, false});
    history.push_back({"CMD [\"sh\"]", true});
  }
  auto with_history = bulwark::enrich::plan_patches(*report, {"2026-11-29", history});
  if (with_history.base_layers > report->target.artifact.layers.size()) __builtin_trap();
  return 0;
}
