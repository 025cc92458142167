// CISA KEV (JSON catalog) and FIRST EPSS (CSV, "#model_version..." comment,
// header "cve,epss,percentile") importers.
#include <cctype>
#include <cstdlib>

#include "core/json.hpp"
#include "vulndb/importers/importers.hpp"

namespace bulwark::vulndb::feeds {
namespace {

bool is_cve(std::string_view s) {
  if (!starts_with(s, "CVE-") || s.size() < 13 || s.size() > 24) return false;
  for (size_t i = 4; i < s.size(); ++i)
    if (!std::isdigit(static_cast<unsigned char>(s[i])) && !(i == 8 && s[i] == '-')) return false;
  return s[8] == '-';
}

// A probability in [0, 1] from text; nullopt for anything else.
std::optional<double> probability(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 32) return std::nullopt;
  std::string t(s);
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (end != t.c_str() + t.size() || !(v >= 0.0 && v <= 1.0)) return std::nullopt;
  return v;
}

}  // namespace

int sniff_kev(std::string_view, std::string_view head) {
  return contains(head, "\"catalogVersion\"") ? 20 : 0;
}

void import_kev(std::string_view text, const std::string& where, ImportContext& ctx) {
  auto doc = parse_json(text, where);
  if (!doc) return ctx.problem(doc.error().where.empty() ? where : doc.error().where, doc.error().message);
  if (!doc->is_object() || !doc->contains("vulnerabilities") || !(*doc)["vulnerabilities"].is_array())
    return ctx.problem(where, "not a KEV catalog: no 'vulnerabilities' array");
  std::string released = get_string(*doc, "dateReleased");
  if (released.empty()) released = get_string(*doc, "catalogVersion");
  ctx.note_date(released);
  const json& vulns = (*doc)["vulnerabilities"];
  for (size_t i = 0; i < vulns.size(); ++i) {
    const json& v = vulns[i];
    std::string rwhere = where + " vulnerabilities[" + std::to_string(i) + "]";
    std::string cve = get_string(v, "cveID");
    if (!is_cve(cve)) {
      ctx.problem(rwhere, "cveID '" + cve.substr(0, 40) + "' is not a CVE id");
      continue;
    }
    KevEntry k;
    k.cve = cve;
    k.date_added = get_string(v, "dateAdded");
    k.due_date = get_string(v, "dueDate");
    k.ransomware = get_string(v, "knownRansomwareCampaignUse");
    k.vendor = get_string(v, "vendorProject");
    k.product = get_string(v, "product");
    k.name = get_string(v, "vulnerabilityName");
    ctx.add(std::move(k));
  }
}

int sniff_epss(std::string_view, std::string_view head) {
  if (starts_with(head, "#model_version") || starts_with(head, "cve,epss,percentile")) return 20;
  return 0;
}

void import_epss(std::string_view text, const std::string& where, ImportContext& ctx) {
  std::string date;
  size_t pos = 0, line_no = 0;
  bool header = false;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    std::string lwhere = where + ": line " + std::to_string(line_no);
    if (line[0] == '#') {
      // "#model_version:v2023.03.01,score_date:2025-02-20T00:00:00+0000"
      size_t d = line.find("score_date:");
      if (d != std::string_view::npos) date = std::string(line.substr(d + 11, 10));
      continue;
    }
    if (!header) {
      if (line != "cve,epss,percentile") return ctx.problem(lwhere, "not an EPSS CSV: header is not 'cve,epss,percentile'");
      header = true;
      continue;
    }
    size_t c1 = line.find(','), c2 = c1 == std::string_view::npos ? c1 : line.find(',', c1 + 1);
    if (c2 == std::string_view::npos) {
      ctx.problem(lwhere, "expected 3 columns");
      continue;
    }
    std::string_view cve = line.substr(0, c1);
    auto score = probability(line.substr(c1 + 1, c2 - c1 - 1));
    auto pct = probability(line.substr(c2 + 1));
    if (!is_cve(cve) || !score || !pct) {
      ctx.problem(lwhere, "bad row '" + std::string(line.substr(0, 80)) + "'");
      continue;
    }
    ctx.add(EpssEntry{std::string(cve), *score, *pct, date});
  }
  if (!header) ctx.problem(where, "not an EPSS CSV: no 'cve,epss,percentile' header");
}

}  // namespace bulwark::vulndb::feeds
