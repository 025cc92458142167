// NVD importer: CVE records of the NVD CVE API 2.0 — an API page or a yearly
// feed file (nvdcve-2.0-YYYY.json[.gz], the same envelope: {"format":
// "NVD_CVE","version":"2.0",...,"vulnerabilities":[{"cve":{...}}]}), vunnel's
// per-record envelope ({"identifier","item":{"cve":{...}}}), {"cve":{...}},
// or a bare cve object (fkie-cad/nvd-json-data-feeds).
//
// The feed files are 50-300 MB. A DOM of the whole document would take about
// ten times that, so the envelope is walked with simdjson On Demand and only
// one record at a time becomes a DOM (records are a few KB to a few MB).
//
// NVD records carry no affected entries on purpose: Bulwark does not match by
// CPE (CPE matching is the main source of false positives). A record only adds
// NVD's and the CNA's CVSS, CWEs and references to the vulnerability whose id
// is the CVE (docs/vulndb.md, "NVD").
#include <simdjson.h>

#include <cctype>
#include <cmath>
#include <set>

#include "core/json.hpp"
#include "vulndb/cvss.hpp"
#include "vulndb/importers/importers.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb {
namespace {

// A bare record is parsed as one DOM; bigger than this is not one record.
constexpr size_t kMaxRecordBytes = 16u << 20;

bool is_cve(std::string_view s) {
  if (s.size() < 13 || s.size() > 24 || !starts_with(s, "CVE-") || s[8] != '-') return false;
  for (size_t i = 4; i < s.size(); ++i)
    if (i != 8 && !std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

// NVD writes UTC times without a zone ("2024-03-29T17:15:21.150"); the other
// feeds write RFC 3339 with "Z", and dates of one source compare as text.
std::string utc(std::string t) {
  if (t.size() >= 19 && t.find_first_of("Zz+", 19) == std::string::npos && t.find('-', 19) == std::string::npos) t += 'Z';
  return t;
}

// Who scored it. NVD's own analysis (source "nvd@nist.gov") is "nvd"; a CNA's
// score (type "Secondary") is named by its e-mail domain without the
// top-level domain ("secalert@redhat.com" -> "redhat", "psirt@us.ibm.com" ->
// "ibm"); CNAs that NVD names by UUID become "cna:<first 8 hex digits>".
std::string score_source(const std::string& source) {
  if (source.empty() || source == "nvd@nist.gov") return "nvd";
  size_t at = source.find('@');
  if (at == std::string::npos) return "cna:" + to_lower(source.substr(0, 8));
  std::string domain = to_lower(source.substr(at + 1));
  size_t last = domain.rfind('.');
  if (last == std::string::npos) return domain;
  size_t prev = domain.rfind('.', last - 1);
  return domain.substr(prev == std::string::npos ? 0 : prev + 1, last - (prev == std::string::npos ? 0 : prev + 1));
}

std::string reference_type(const json& tags) {
  std::set<std::string> t;
  if (tags.is_array())
    for (const auto& x : tags)
      if (x.is_string()) t.insert(x.get<std::string>());
  if (t.count("Patch")) return "FIX";
  if (t.count("Vendor Advisory") || t.count("Third Party Advisory") || t.count("US Government Resource")) return "ADVISORY";
  if (t.count("Exploit")) return "EVIDENCE";
  if (t.count("Issue Tracking") || t.count("Mailing List")) return "REPORT";
  return "WEB";
}

void add_metrics(const json& metrics, Advisory& a, const std::string& where, ImportContext& ctx) {
  static const std::pair<const char*, const char*> kKinds[] = {
      {"cvssMetricV2", "cvss_v2"}, {"cvssMetricV30", "cvss_v3"}, {"cvssMetricV31", "cvss_v3"}, {"cvssMetricV40", "cvss_v4"}};
  for (const auto& [key, type] : kKinds) {
    auto list = metrics.find(key);
    if (list == metrics.end() || !list->is_array()) continue;
    for (size_t i = 0; i < list->size(); ++i) {
      const json& m = (*list)[i];
      std::string mwhere = where + " metrics." + key + "[" + std::to_string(i) + "]";
      if (!m.is_object() || !m.contains("cvssData") || !m["cvssData"].is_object()) {
        ctx.warning(mwhere, "no cvssData; metric dropped");
        continue;
      }
      const json& data = m["cvssData"];
      SeverityEntry e;
      e.source = score_source(get_string(m, "source"));
      e.type = type;
      e.vector = get_string(data, "vectorString");
      // v2 keeps baseSeverity beside cvssData, v3/v4 inside it.
      std::string given = get_string(data, "baseSeverity");
      if (given.empty()) given = get_string(m, "baseSeverity");
      if (e.vector.empty()) {
        ctx.warning(mwhere, "no vectorString; metric dropped");
        continue;
      }
      auto parsed = parse_cvss(e.vector);
      if (parsed) {
        // NVD's v4 baseScore is the score of the vector as written (CVSS-B..BTE).
        e.score = parsed->major == 4 ? parsed->score : parsed->base;
        e.severity = to_string(parsed->major == 4 ? parsed->score_rating : parsed->rating);
        auto nvd_score = data.find("baseScore");
        if (nvd_score != data.end() && nvd_score->is_number() && std::fabs(nvd_score->get<double>() - *e.score) > 0.05)
          ctx.warning(mwhere, "NVD's baseScore " + nvd_score->dump() + " differs from the score of '" + e.vector + "'");
      } else {
        ctx.warning(mwhere, "vector '" + e.vector.substr(0, 120) + "' kept without a score: " + parsed.error().message);
        e.severity = to_lower(given) == "none" ? "NONE" : to_string(parse_severity(given));
        if (parse_severity(given) == Severity::kUnknown) e.severity.clear();
      }
      bool dup = false;
      for (const auto& s : a.severities) dup = dup || (s.source == e.source && s.type == e.type && s.vector == e.vector);
      if (!dup) a.severities.push_back(std::move(e));
    }
  }
}

void import_cve(const json& cve, const std::string& where, ImportContext& ctx) {
  if (!cve.is_object()) return ctx.problem(where, "not an NVD cve object");
  std::string id = get_string(cve, "id");
  if (!is_cve(id)) return ctx.problem(where, "id '" + id.substr(0, 40) + "' is not a CVE id");
  const std::string rwhere = where + " (" + id + ")";
  Advisory a;
  a.id = id;
  a.origin = "nvd";
  a.location = where;
  a.published = utc(get_string(cve, "published"));
  a.modified = utc(get_string(cve, "lastModified"));
  if (get_string(cve, "vulnStatus") == "Rejected") a.withdrawn = a.modified.empty() ? a.published : a.modified;

  if (auto d = cve.find("descriptions"); d != cve.end() && d->is_array())
    for (const auto& x : *d)
      if (get_string(x, "lang") == "en") {
        a.details = get_string(x, "value");
        break;
      }
  // NVD has no title: a one-sentence description serves as the summary.
  if (size_t dot = a.details.find(". "); a.details.size() <= 160) {
    a.summary = a.details;
  } else if (dot != std::string::npos && dot < 160) {
    a.summary = a.details.substr(0, dot + 1);
  }
  // cveTags ("disputed", "unsupported-when-assigned", ...) have no column of
  // their own; they are kept where a reader sees them.
  std::set<std::string> tags;
  if (auto t = cve.find("cveTags"); t != cve.end() && t->is_array())
    for (const auto& x : *t)
      if (auto tl = x.find("tags"); x.is_object() && tl != x.end() && tl->is_array())
        for (const auto& s : *tl)
          if (s.is_string()) tags.insert(s.get<std::string>());
  if (!tags.empty()) {
    std::string list;
    for (const auto& s : tags) list += (list.empty() ? "" : ", ") + s;
    a.details += (a.details.empty() ? "" : "\n\n") + std::string("CVE tags: ") + list;
  }

  if (auto w = cve.find("weaknesses"); w != cve.end() && w->is_array())
    for (const auto& x : *w)
      if (auto ds = x.find("description"); x.is_object() && ds != x.end() && ds->is_array())
        for (const auto& d : *ds) {
          std::string cwe = get_string(d, "value");
          if (!starts_with(cwe, "CWE-")) continue;  // NVD-CWE-Other, NVD-CWE-noinfo
          if (std::find(a.cwes.begin(), a.cwes.end(), cwe) == a.cwes.end()) a.cwes.push_back(cwe);
        }

  if (auto r = cve.find("references"); r != cve.end() && r->is_array()) {
    std::set<std::string> seen;
    for (const auto& x : *r) {
      std::string url = get_string(x, "url");
      if (url.empty() || !seen.insert(url).second) continue;
      a.references.push_back({reference_type(x.contains("tags") ? x["tags"] : json()), std::move(url)});
    }
  }
  if (auto m = cve.find("metrics"); m != cve.end() && m->is_object()) add_metrics(*m, a, rwhere, ctx);

  ctx.note_date(a.modified);
  ctx.add(std::move(a));
}

// One record in any of the per-record forms, from its own text.
void import_record_text(std::string_view text, const std::string& where, ImportContext& ctx) {
  auto doc = parse_json(text, where);
  if (!doc) return ctx.problem(doc.error().where.empty() ? where : doc.error().where, doc.error().message);
  try {
    const json* rec = &*doc;
    if (rec->is_object() && rec->contains("item")) rec = &(*rec)["item"];  // vunnel
    if (rec->is_object() && rec->contains("cve")) rec = &(*rec)["cve"];
    import_cve(*rec, where, ctx);
  } catch (const std::exception& e) {
    ctx.problem(where, std::string("malformed NVD record: ") + e.what());
  }
}

std::string simd_error(simdjson::error_code e) { return simdjson::error_message(e); }

}  // namespace

void import_nvd_document(std::string_view text, const std::string& where, ImportContext& ctx) {
  size_t first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (first == std::string_view::npos) return ctx.problem(where, "empty file");
  if (text[first] != '{') return ctx.problem(where, "not NVD CVE JSON (expected an object)");
  text.remove_prefix(first);
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(text);
  simdjson::ondemand::document doc;
  if (auto e = parser.iterate(padded).get(doc)) return ctx.problem(where, "malformed JSON: " + simd_error(e));
  simdjson::ondemand::object top;
  if (auto e = doc.get_object().get(top)) return ctx.problem(where, "malformed JSON: " + simd_error(e));
  bool envelope = false, single = false;
  size_t count = 0;
  for (auto field : top) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return ctx.problem(where, "malformed JSON: " + simd_error(e));
    if (key == "format" || key == "version") {
      std::string_view v;
      if (field.value().get_string().get(v)) return ctx.problem(where, "'" + std::string(key) + "' is not a string");
      if (key == "format" && v != "NVD_CVE")
        return ctx.problem(where, "format '" + std::string(v.substr(0, 40)) + "' is not NVD_CVE");
      if (key == "version" && !starts_with(v, "2."))
        return ctx.problem(where, "NVD feed version '" + std::string(v.substr(0, 40)) +
                                      "' is not supported (the 1.1 feeds were retired; expected 2.x)");
    } else if (key == "timestamp") {
      std::string_view v;
      if (!field.value().get_string().get(v)) ctx.note_date(utc(std::string(v.substr(0, 40))));
    } else if (key == "vulnerabilities") {
      envelope = true;
      simdjson::ondemand::array arr;
      if (field.value().get_array().get(arr)) return ctx.problem(where, "'vulnerabilities' is not an array");
      for (auto item : arr) {
        std::string iwhere = where + " vulnerabilities[" + std::to_string(count++) + "]";
        std::string_view raw;
        simdjson::ondemand::object obj;
        if (auto e = item.get_object().get(obj)) {
          if (e == simdjson::INCORRECT_TYPE) {
            ctx.problem(iwhere, "not an object");
            continue;
          }
          return ctx.problem(iwhere, "malformed JSON: " + simd_error(e) + "; rest of the file skipped");
        }
        if (auto e = obj.raw_json().get(raw))
          return ctx.problem(iwhere, "malformed JSON: " + simd_error(e) + "; rest of the file skipped");
        import_record_text(raw, iwhere, ctx);
      }
    } else if (key == "id" || key == "cve" || key == "item") {
      single = true;  // On Demand skips a value that is not read
    }
  }
  if (envelope) return;
  if (!single) return ctx.problem(where, "not NVD CVE JSON: no 'vulnerabilities', 'cve', 'item' or 'id'");
  if (text.size() > kMaxRecordBytes)
    return ctx.problem(where, "single NVD record of " + std::to_string(text.size()) + " bytes is over the limit of " +
                                  std::to_string(kMaxRecordBytes) + " bytes");
  import_record_text(text, where, ctx);
}

namespace feeds {

int sniff_nvd(std::string_view name, std::string_view head) {
  if (contains(head, "\"NVD_CVE\"")) return 30;
  if (starts_with(name, "nvdcve-2")) return 30;
  // fkie-cad and vunnel records: a cve object with NVD's own keys.
  if (contains(head, "\"sourceIdentifier\"") &&
      (contains(head, "\"vulnStatus\"") || contains(head, "\"lastModified\"")))
    return 30;
  if (contains(head, "\"item\"") && contains(head, "\"cve\"")) return 25;
  return 0;
}

}  // namespace feeds
}  // namespace bulwark::vulndb
