// OSV importer: records of the Open Source Vulnerability schema 1.x in JSON
// (one record, an array of records, or osv.dev's {"vulns": [...]} form) and
// in YAML (the PyPA advisory database). Every record is validated on its own;
// a bad one is reported with its place and skipped, the others go on.
#include <yaml.h>

#include <cctype>
#include <optional>
#include <unordered_map>
#include <set>

#include "core/json.hpp"
#include "vulndb/cvss.hpp"
#include "vulndb/importers/importers.hpp"
#include "vulndb/vulndb.hpp"

namespace bulwark::vulndb {
namespace {

// YAML documents are converted into JSON from libyaml's event stream (no
// YAML node tree in between) so that both go through one record parser.
// Every scalar becomes a string (OSV fields are strings; YAML would otherwise
// turn "introduced: 0" or "1.10" into numbers); a plain empty, "~" or "null"
// scalar is null. Only the first document of a stream is read. The node
// count, aliases included, bounds alias expansion ("billion laughs").
class YamlToJson {
 public:
  explicit YamlToJson(std::string_view text) {
    yaml_parser_initialize(&parser_);
    yaml_parser_set_input_string(&parser_, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  }
  ~YamlToJson() { yaml_parser_delete(&parser_); }
  YamlToJson(const YamlToJson&) = delete;
  YamlToJson& operator=(const YamlToJson&) = delete;

  Result<json> convert(const std::string& where) {
    // A container being filled, and for a mapping the key awaiting its value.
    struct Open {
      json value;
      std::string anchor;
      std::optional<std::string> key;
      size_t first_node = 0;
    };
    std::vector<Open> stack;
    std::optional<json> root;
    for (;;) {
      yaml_event_t ev;
      if (!yaml_parser_parse(&parser_, &ev)) {
        const yaml_mark_t& m = parser_.problem_mark;
        return Error(ErrorCode::kCorrupt, parser_.problem ? parser_.problem : "YAML syntax error",
                     where + ": line " + std::to_string(m.line + 1) + " column " + std::to_string(m.column + 1));
      }
      struct EventGuard {
        yaml_event_t* e;
        ~EventGuard() { yaml_event_delete(e); }
      } guard{&ev};
      const yaml_mark_t mark = ev.start_mark;
      auto at = [&] { return where + ": line " + std::to_string(mark.line + 1) + " column " + std::to_string(mark.column + 1); };
      std::optional<json> done;  // a finished node to place
      size_t done_nodes = 0;
      std::string done_anchor;
      switch (ev.type) {
        case YAML_STREAM_END_EVENT:
        case YAML_DOCUMENT_END_EVENT:
          return root ? Result<json>(std::move(*root)) : Result<json>(json(nullptr));
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT: {
          if (stack.size() >= static_cast<size_t>(limits().max_json_depth))
            return Error(ErrorCode::kLimitExceeded,
                         "YAML nested deeper than " + std::to_string(limits().max_json_depth) + " levels", at());
          if (++nodes_ > kMaxNodes) return Error(ErrorCode::kLimitExceeded, "YAML document expands to more than 1,000,000 nodes", at());
          Open o;
          o.value = ev.type == YAML_MAPPING_START_EVENT ? json::object() : json::array();
          const yaml_char_t* anchor =
              ev.type == YAML_MAPPING_START_EVENT ? ev.data.mapping_start.anchor : ev.data.sequence_start.anchor;
          if (anchor) o.anchor = reinterpret_cast<const char*>(anchor);
          o.first_node = nodes_;
          if (!stack.empty() && stack.back().value.is_object() && !stack.back().key)
            return Error(ErrorCode::kCorrupt, "YAML mapping key is not a scalar", at());
          stack.push_back(std::move(o));
          continue;
        }
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT: {
          Open o = std::move(stack.back());
          stack.pop_back();
          done_nodes = nodes_ - o.first_node + 1;
          done_anchor = std::move(o.anchor);
          done = std::move(o.value);
          break;
        }
        case YAML_SCALAR_EVENT: {
          if (++nodes_ > kMaxNodes) return Error(ErrorCode::kLimitExceeded, "YAML document expands to more than 1,000,000 nodes", at());
          std::string v(reinterpret_cast<const char*>(ev.data.scalar.value), ev.data.scalar.length);
          bool plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
          if (ev.data.scalar.anchor) done_anchor = reinterpret_cast<const char*>(ev.data.scalar.anchor);
          // A scalar in key position is the key, never null.
          if (!stack.empty() && stack.back().value.is_object() && !stack.back().key) {
            stack.back().key = std::move(v);
            if (!done_anchor.empty()) anchors_[done_anchor] = {json(*stack.back().key), 1};
            continue;
          }
          done_nodes = 1;
          done = plain && (v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL") ? json(nullptr) : json(std::move(v));
          break;
        }
        case YAML_ALIAS_EVENT: {
          auto it = anchors_.find(reinterpret_cast<const char*>(ev.data.alias.anchor));
          if (it == anchors_.end()) return Error(ErrorCode::kCorrupt, "YAML alias of an unknown anchor", at());
          nodes_ += it->second.second;
          if (nodes_ > kMaxNodes) return Error(ErrorCode::kLimitExceeded, "YAML document expands to more than 1,000,000 nodes", at());
          if (!stack.empty() && stack.back().value.is_object() && !stack.back().key) {
            if (!it->second.first.is_string()) return Error(ErrorCode::kCorrupt, "YAML mapping key is not a scalar", at());
            stack.back().key = it->second.first.get<std::string>();
            continue;
          }
          done = it->second.first;
          break;
        }
        default:  // stream/document start, no-op
          continue;
      }
      if (!done_anchor.empty()) anchors_[done_anchor] = {*done, done_nodes};
      if (stack.empty()) {
        root = std::move(*done);
        continue;  // the document end event returns it
      }
      Open& top = stack.back();
      if (top.value.is_object()) {
        top.value[*top.key] = std::move(*done);
        top.key.reset();
      } else {
        top.value.push_back(std::move(*done));
      }
    }
  }

 private:
  static constexpr size_t kMaxNodes = 1'000'000;
  yaml_parser_t parser_;
  size_t nodes_ = 0;
  std::unordered_map<std::string, std::pair<json, size_t>> anchors_;  // anchor -> (value, node count)
};

Result<json> parse_yaml(std::string_view text, const std::string& where) {
  YamlToJson conv(text);
  return conv.convert(where);
}

std::vector<std::string> string_list(const json& obj, std::string_view key) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_array()) return out;
  for (const auto& v : *it)
    if (v.is_string() && !v.get_ref<const std::string&>().empty()) out.push_back(v.get<std::string>());
  return out;
}

// "1.2.10" -> {1,2,10}; nullopt unless the text is digits and dots only.
std::optional<std::vector<uint64_t>> plain_number(const std::string& v) {
  if (v.empty() || v.size() > 40) return std::nullopt;
  std::vector<uint64_t> parts{0};
  bool digit = false;
  for (char c : v) {
    if (c == '.') {
      if (!digit) return std::nullopt;
      parts.push_back(0);
      digit = false;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      parts.back() = parts.back() * 10 + static_cast<uint64_t>(c - '0');
      digit = true;
    } else {
      return std::nullopt;
    }
  }
  if (!digit) return std::nullopt;
  while (parts.size() > 1 && parts.back() == 0) parts.pop_back();
  return parts;
}

std::string cvss_type(std::string_view osv_type) {
  if (osv_type == "CVSS_V2") return "cvss_v2";
  if (osv_type == "CVSS_V3") return "cvss_v3";
  if (osv_type == "CVSS_V4") return "cvss_v4";
  return {};
}

// One OSV severity object ({"type","score"}) into a SeverityEntry.
std::optional<SeverityEntry> severity_entry(const json& s, const std::string& source, const std::string& where,
                                            ImportContext& ctx) {
  if (!s.is_object()) return std::nullopt;
  std::string type = get_string(s, "type");
  std::string score = get_string(s, "score");
  if (score.empty()) return std::nullopt;
  SeverityEntry e;
  e.source = source;
  e.vector = score;
  std::string t = cvss_type(type);
  if (!t.empty()) {
    e.type = t;
    auto parsed = parse_cvss(score);
    if (parsed) {
      e.score = parsed->base;
      e.severity = to_string(parsed->rating);
    } else {
      ctx.warning(where, "severity " + type + " '" + score + "' kept without a score: " + parsed.error().message);
    }
  } else {
    // Vendor ratings ("Ubuntu": "medium") are text.
    e.type = "text";
    Severity sev = parse_severity(score);
    e.severity = sev == Severity::kUnknown ? to_lower(score) : to_string(sev);
  }
  return e;
}

struct RangeCheck {
  bool ok = true;
  std::string message;
};

// Validates and re-serialises one ranges[] array; collects fixed versions.
Result<json> parse_ranges(const json& ranges, AffectedEntry& out, bool& has_version_range) {
  json clean = json::array();
  if (ranges.is_null()) return clean;
  if (!ranges.is_array()) return Error(ErrorCode::kCorrupt, "ranges is not an array");
  for (size_t ri = 0; ri < ranges.size(); ++ri) {
    const json& r = ranges[ri];
    std::string where = "ranges[" + std::to_string(ri) + "]";
    if (!r.is_object()) return Error(ErrorCode::kCorrupt, "not an object", where);
    std::string type = get_string(r, "type");
    if (type != "SEMVER" && type != "ECOSYSTEM" && type != "GIT")
      return Error(ErrorCode::kCorrupt, "unknown range type '" + type + "'", where);
    auto ev = r.find("events");
    if (ev == r.end() || !ev->is_array() || ev->empty()) return Error(ErrorCode::kCorrupt, "range without events", where);
    json events = json::array();
    std::optional<std::vector<uint64_t>> introduced;
    std::string introduced_text;
    for (const auto& e : *ev) {
      if (!e.is_object() || e.size() != 1) return Error(ErrorCode::kCorrupt, "an event must have exactly one key", where);
      const std::string& key = e.begin().key();
      if (key != "introduced" && key != "fixed" && key != "last_affected" && key != "limit")
        return Error(ErrorCode::kCorrupt, "unknown event '" + key + "'", where);
      if (!e.begin()->is_string() || e.begin()->get_ref<const std::string&>().empty())
        return Error(ErrorCode::kCorrupt, "event '" + key + "' has no version", where);
      const std::string& v = e.begin()->get_ref<const std::string&>();
      if (type != "GIT") {
        if (key == "introduced") {
          introduced = plain_number(v);
          introduced_text = v;
        } else if (key == "fixed" || key == "last_affected") {
          auto n = plain_number(v);
          // Only plain numbers compare the same way in every ecosystem; for
          // anything else ordering is the version module's job, not ours.
          if (introduced && n && *n < *introduced && introduced_text != "0")
            return Error(ErrorCode::kCorrupt, "impossible range: " + key + " " + v + " before introduced " + introduced_text,
                         where);
          if (key == "fixed" &&
              std::find(out.fixed.begin(), out.fixed.end(), v) == out.fixed.end())
            out.fixed.push_back(v);
        }
      }
      events.push_back(e);
    }
    json c = {{"type", type}, {"events", std::move(events)}};
    if (type == "GIT") {
      std::string repo = get_string(r, "repo");
      if (!repo.empty()) c["repo"] = repo;
    } else {
      has_version_range = true;
    }
    clean.push_back(std::move(c));
  }
  return clean;
}

void import_record(const json& rec, const std::string& where, ImportContext& ctx) {
  if (!rec.is_object()) {
    ctx.problem(where, "not an OSV record (expected a JSON/YAML object)");
    return;
  }
  if (rec.contains("Advisory") || rec.contains("GhsaId") || rec.contains("Identifiers"))
    return ctx.problem(where, "not an OSV record: GitHub GraphQL advisory form (no 'id'/'modified'); not supported");
  std::string id = get_string(rec, "id");
  if (id.empty()) return ctx.problem(where, "not an OSV record: missing 'id'");
  const std::string rwhere = where + " (" + id + ")";
  if (!rec.contains("modified") && !rec.contains("affected") && !rec.contains("schema_version"))
    return ctx.problem(rwhere, "not an OSV record: none of 'modified', 'affected', 'schema_version'");
  if (id.size() > 256) return ctx.problem(where, "id longer than 256 characters");

  Advisory a;
  a.id = id;
  a.origin = origin_of_id(id);
  a.location = where;
  a.aliases = string_list(rec, "aliases");
  a.upstream = string_list(rec, "upstream");
  a.related = string_list(rec, "related");
  a.summary = get_string(rec, "summary");
  a.details = get_string(rec, "details");
  a.published = get_string(rec, "published");
  a.modified = get_string(rec, "modified");
  a.withdrawn = get_string(rec, "withdrawn");

  if (auto sev = rec.find("severity"); sev != rec.end() && sev->is_array())
    for (const auto& s : *sev)
      if (auto e = severity_entry(s, a.origin, rwhere, ctx)) a.severities.push_back(std::move(*e));

  if (auto ds = rec.find("database_specific"); ds != rec.end() && ds->is_object()) {
    // GHSA's own rating and CWE list live here.
    std::string text = get_string(*ds, "severity");
    if (!text.empty()) {
      Severity sv = parse_severity(text);
      a.severities.push_back({a.origin, "text", text, std::nullopt, sv == Severity::kUnknown ? to_lower(text) : to_string(sv)});
    }
    for (auto& c : string_list(*ds, "cwe_ids")) a.cwes.push_back(std::move(c));
  }

  if (auto refs = rec.find("references"); refs != rec.end() && refs->is_array())
    for (const auto& r : *refs) {
      std::string url = get_string(r, "url");
      if (!url.empty()) a.references.push_back({get_string(r, "type"), std::move(url)});
    }

  auto aff = rec.find("affected");
  size_t total = 0, dropped = 0;
  if (aff != rec.end() && !aff->is_null()) {
    if (!aff->is_array()) return ctx.problem(rwhere, "'affected' is not an array");
    for (size_t i = 0; i < aff->size(); ++i) {
      const json& e = (*aff)[i];
      const std::string ewhere = rwhere + " affected[" + std::to_string(i) + "]";
      ++total;
      if (!e.is_object()) return ctx.problem(ewhere, "not an object");
      auto pkg = e.find("package");
      if (pkg == e.end() || !pkg->is_object()) {
        // OSV allows a GIT-only entry without a package; nothing to match by name.
        ++dropped;
        continue;
      }
      std::string eco_text = get_string(*pkg, "ecosystem");
      std::string name = get_string(*pkg, "name");
      if (name.empty()) return ctx.problem(ewhere, "package without a name");
      auto eco = parse_ecosystem(eco_text);
      if (!eco) {
        ctx.warning(ewhere, eco.error().message + "; entry dropped");
        ++dropped;
        continue;
      }
      AffectedEntry out;
      out.ecosystem = eco->ecosystem;
      out.release = eco->release;
      out.variant = eco->variant;
      out.package = normalize_package_name(out.ecosystem, name);
      out.purl = get_string(*pkg, "purl");
      bool has_version_range = false;
      auto ranges = parse_ranges(e.contains("ranges") ? e["ranges"] : json(), out, has_version_range);
      if (!ranges) return ctx.problem(ranges.error().where.empty() ? ewhere : ewhere + " " + ranges.error().where,
                                      ranges.error().message);
      out.ranges_json = ranges->dump();
      json versions = json::array();
      if (auto vs = e.find("versions"); vs != e.end() && vs->is_array())
        for (const auto& v : *vs)
          if (v.is_string()) versions.push_back(v);
      out.matchable = has_version_range || !versions.empty();
      out.versions_json = versions.dump();
      out.status = out.fixed.empty() ? "unfixed" : "fixed";
      if (auto sev = e.find("severity"); sev != e.end() && sev->is_array())
        for (const auto& s : *sev)
          if (auto se = severity_entry(s, a.origin, ewhere, ctx)) {
            if (out.severity.empty()) out.severity = se->severity;
          }
      a.affected.push_back(std::move(out));
    }
  }
  if (total > 0 && dropped == total && a.affected.empty() && total != 0) {
    // Every entry named an ecosystem we cannot match (or none): nothing usable.
    bool any_package = false;
    for (const auto& e : *aff) any_package = any_package || (e.is_object() && e.contains("package"));
    if (any_package) return ctx.problem(rwhere, "no affected entry with a known ecosystem");
  }
  // Some feeds leave 'modified' at the zero time (Go's exported files), so the
  // data date is the newest of both.
  ctx.note_date(a.modified);
  ctx.note_date(a.published);
  ctx.add(std::move(a));
}

}  // namespace

void import_osv_document(std::string_view text, const std::string& where, ImportContext& ctx) {
  size_t first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (first == std::string_view::npos) return ctx.problem(where, "empty file");
  Result<json> doc = (text[first] == '{' || text[first] == '[') ? parse_json(text, where) : parse_yaml(text, where);
  if (!doc) return ctx.problem(doc.error().where.empty() ? where : doc.error().where, doc.error().message);
  try {
    if (doc->is_array()) {
      for (size_t i = 0; i < doc->size(); ++i) import_record((*doc)[i], where + " record " + std::to_string(i), ctx);
    } else if (doc->is_object() && doc->contains("vulns") && !doc->contains("id")) {
      const json& vulns = (*doc)["vulns"];
      if (!vulns.is_array()) return ctx.problem(where, "'vulns' is not an array");
      for (size_t i = 0; i < vulns.size(); ++i) import_record(vulns[i], where + " vulns[" + std::to_string(i) + "]", ctx);
    } else {
      import_record(*doc, where, ctx);
    }
  } catch (const std::exception& e) {
    // nlohmann throws on type mismatches we did not foresee; the record is bad,
    // not the import.
    ctx.problem(where, std::string("malformed OSV: ") + e.what());
  }
}

namespace feeds {

int sniff_osv(std::string_view name, std::string_view head) {
  bool yaml = ends_with(name, ".yaml") || ends_with(name, ".yml");
  bool has_id = head.find("\"id\"") != std::string_view::npos || (yaml && head.find("id:") != std::string_view::npos);
  bool has_osv_key = head.find("modified") != std::string_view::npos || head.find("affected") != std::string_view::npos ||
                     head.find("schema_version") != std::string_view::npos;
  if (head.find("\"vulns\"") != std::string_view::npos) return 8;
  if (has_id && has_osv_key) return 10;
  // Anything else that looks like JSON or YAML is offered to OSV last, so
  // that a non-OSV record is reported as such rather than ignored.
  if (ends_with(name, ".json") || yaml) return 1;
  return 0;
}

}  // namespace feeds
}  // namespace bulwark::vulndb
