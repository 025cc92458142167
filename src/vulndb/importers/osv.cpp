// OSV importer: records of the Open Source Vulnerability schema 1.x in JSON
// (one record, an array of records, or osv.dev's {"vulns": [...]} form) and
// in YAML (the PyPA advisory database). Every record is validated on its own;
// a bad one is reported with its place and skipped, the others go on.
#include <simdjson.h>
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

// Records are read from simdjson's DOM: parsing is most of an import's
// time, and simdjson's is several times faster than building nlohmann's tree.
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

bool has(const object& o, std::string_view key) { return o.at_key(key).error() == simdjson::SUCCESS; }

// The string at `key`, or empty when absent or not a string.
std::string_view field(const object& o, std::string_view key) {
  std::string_view v;
  if (o.at_key(key).get_string().get(v) != simdjson::SUCCESS) return {};
  return v;
}
std::string_view field(const element& e, std::string_view key) {
  object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return {};
  return field(o, key);
}

std::vector<std::string> string_list(const object& o, std::string_view key) {
  std::vector<std::string> out;
  array a;
  if (o.at_key(key).get_array().get(a) != simdjson::SUCCESS) return out;
  for (element v : a) {
    std::string_view sv;
    if (v.get_string().get(sv) == simdjson::SUCCESS && !sv.empty()) out.emplace_back(sv);
  }
  return out;
}

// JSON string literal, escaped as the database has always stored ranges
// (UTF-8 kept, control characters as \uXXXX).
void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
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
std::optional<SeverityEntry> severity_entry(const element& s, const std::string& source, const std::string& where,
                                            ImportContext& ctx) {
  object o;
  if (s.get_object().get(o) != simdjson::SUCCESS) return std::nullopt;
  std::string type(field(o, "type"));
  std::string score(field(o, "score"));
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

// Validates one ranges[] array and re-serialises it (keys in name order:
// events, repo, type); collects fixed versions.
Result<std::string> parse_ranges(const element* ranges, AffectedEntry& out, bool& has_version_range) {
  std::string clean = "[";
  if (!ranges || ranges->is_null()) return std::string("[]");
  array list;
  if (ranges->get_array().get(list) != simdjson::SUCCESS) return Error(ErrorCode::kCorrupt, "ranges is not an array");
  size_t ri = 0;
  for (element re : list) {
    std::string where = "ranges[" + std::to_string(ri++) + "]";
    object r;
    if (re.get_object().get(r) != simdjson::SUCCESS) return Error(ErrorCode::kCorrupt, "not an object", where);
    std::string_view type = field(r, "type");
    if (type != "SEMVER" && type != "ECOSYSTEM" && type != "GIT")
      return Error(ErrorCode::kCorrupt, "unknown range type '" + std::string(type) + "'", where);
    array events;
    if (r.at_key("events").get_array().get(events) != simdjson::SUCCESS || events.size() == 0)
      return Error(ErrorCode::kCorrupt, "range without events", where);
    if (clean.size() > 1) clean += ',';
    clean += "{\"events\":[";
    std::optional<std::vector<uint64_t>> introduced;
    std::string introduced_text;
    bool first_event = true;
    for (element ee : events) {
      object e;
      if (ee.get_object().get(e) != simdjson::SUCCESS || e.size() != 1)
        return Error(ErrorCode::kCorrupt, "an event must have exactly one key", where);
      auto kv = *e.begin();
      std::string_view key = kv.key;
      if (key != "introduced" && key != "fixed" && key != "last_affected" && key != "limit")
        return Error(ErrorCode::kCorrupt, "unknown event '" + std::string(key) + "'", where);
      std::string_view sv;
      if (kv.value.get_string().get(sv) != simdjson::SUCCESS || sv.empty())
        return Error(ErrorCode::kCorrupt, "event '" + std::string(key) + "' has no version", where);
      std::string v(sv);
      if (type != "GIT") {
        if (key == "introduced") {
          introduced = plain_number(v);
          introduced_text = v;
        } else if (key == "fixed" || key == "last_affected") {
          auto n = plain_number(v);
          // Only plain numbers compare the same way in every ecosystem; for
          // anything else ordering is the version module's job, not ours.
          if (introduced && n && *n < *introduced && introduced_text != "0")
            return Error(ErrorCode::kCorrupt,
                         "impossible range: " + std::string(key) + " " + v + " before introduced " + introduced_text,
                         where);
          if (key == "fixed" && std::find(out.fixed.begin(), out.fixed.end(), v) == out.fixed.end())
            out.fixed.push_back(v);
        }
      }
      if (!first_event) clean += ',';
      first_event = false;
      clean += '{';
      append_json_string(clean, key);
      clean += ':';
      append_json_string(clean, v);
      clean += '}';
    }
    clean += ']';
    if (type == "GIT") {
      std::string_view repo = field(r, "repo");
      if (!repo.empty()) {
        clean += ",\"repo\":";
        append_json_string(clean, repo);
      }
    } else {
      has_version_range = true;
    }
    clean += ",\"type\":";
    append_json_string(clean, type);
    clean += '}';
  }
  clean += ']';
  return clean;
}

void import_record(const element& rec_el, const std::string& where, ImportContext& ctx) {
  object rec;
  if (rec_el.get_object().get(rec) != simdjson::SUCCESS) {
    ctx.problem(where, "not an OSV record (expected a JSON/YAML object)");
    return;
  }
  if (has(rec, "Advisory") || has(rec, "GhsaId") || has(rec, "Identifiers"))
    return ctx.problem(where, "not an OSV record: GitHub GraphQL advisory form (no 'id'/'modified'); not supported");
  std::string id(field(rec, "id"));
  if (id.empty()) return ctx.problem(where, "not an OSV record: missing 'id'");
  const std::string rwhere = where + " (" + id + ")";
  if (!has(rec, "modified") && !has(rec, "affected") && !has(rec, "schema_version"))
    return ctx.problem(rwhere, "not an OSV record: none of 'modified', 'affected', 'schema_version'");
  if (id.size() > 256) return ctx.problem(where, "id longer than 256 characters");

  Advisory a;
  a.id = id;
  a.origin = origin_of_id(id);
  a.location = where;
  a.aliases = string_list(rec, "aliases");
  a.upstream = string_list(rec, "upstream");
  a.related = string_list(rec, "related");
  a.summary = field(rec, "summary");
  a.details = field(rec, "details");
  a.published = field(rec, "published");
  a.modified = field(rec, "modified");
  a.withdrawn = field(rec, "withdrawn");

  array list;
  if (rec.at_key("severity").get_array().get(list) == simdjson::SUCCESS)
    for (element s : list)
      if (auto e = severity_entry(s, a.origin, rwhere, ctx)) a.severities.push_back(std::move(*e));

  object ds;
  if (rec.at_key("database_specific").get_object().get(ds) == simdjson::SUCCESS) {
    // GHSA's own rating and CWE list live here.
    std::string text(field(ds, "severity"));
    if (!text.empty()) {
      Severity sv = parse_severity(text);
      a.severities.push_back({a.origin, "text", text, std::nullopt, sv == Severity::kUnknown ? to_lower(text) : to_string(sv)});
    }
    for (auto& c : string_list(ds, "cwe_ids")) a.cwes.push_back(std::move(c));
  }

  if (rec.at_key("references").get_array().get(list) == simdjson::SUCCESS)
    for (element r : list) {
      std::string_view url = field(r, "url");
      if (!url.empty()) a.references.push_back({std::string(field(r, "type")), std::string(url)});
    }

  element aff_el;
  size_t total = 0, dropped = 0;
  array aff;
  bool has_aff = rec.at_key("affected").get(aff_el) == simdjson::SUCCESS && !aff_el.is_null();
  if (has_aff) {
    if (aff_el.get_array().get(aff) != simdjson::SUCCESS) return ctx.problem(rwhere, "'affected' is not an array");
    size_t i = 0;
    for (element ee : aff) {
      const std::string ewhere = rwhere + " affected[" + std::to_string(i++) + "]";
      ++total;
      object e;
      if (ee.get_object().get(e) != simdjson::SUCCESS) return ctx.problem(ewhere, "not an object");
      object pkg;
      if (e.at_key("package").get_object().get(pkg) != simdjson::SUCCESS) {
        // OSV allows a GIT-only entry without a package; nothing to match by name.
        ++dropped;
        continue;
      }
      std::string_view eco_text = field(pkg, "ecosystem");
      std::string_view name = field(pkg, "name");
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
      out.purl = field(pkg, "purl");
      bool has_version_range = false;
      element ranges_el;
      bool has_ranges = e.at_key("ranges").get(ranges_el) == simdjson::SUCCESS;
      auto ranges = parse_ranges(has_ranges ? &ranges_el : nullptr, out, has_version_range);
      if (!ranges) return ctx.problem(ranges.error().where.empty() ? ewhere : ewhere + " " + ranges.error().where,
                                      ranges.error().message);
      out.ranges_json = std::move(*ranges);
      std::string versions = "[";
      bool any_version = false;
      if (e.at_key("versions").get_array().get(list) == simdjson::SUCCESS)
        for (element v : list) {
          std::string_view sv;
          if (v.get_string().get(sv) != simdjson::SUCCESS) continue;
          if (any_version) versions += ',';
          append_json_string(versions, sv);
          any_version = true;
        }
      versions += ']';
      out.matchable = has_version_range || any_version;
      out.versions_json = std::move(versions);
      out.status = out.fixed.empty() ? "unfixed" : "fixed";
      if (e.at_key("severity").get_array().get(list) == simdjson::SUCCESS)
        for (element s : list)
          if (auto se = severity_entry(s, a.origin, ewhere, ctx)) {
            if (out.severity.empty()) out.severity = se->severity;
          }
      a.affected.push_back(std::move(out));
    }
  }
  if (total > 0 && dropped == total && a.affected.empty()) {
    // Every entry named an ecosystem we cannot match (or none): nothing usable.
    bool any_package = false;
    for (element e : aff) any_package = any_package || (e.is_object() && has(object(e), "package"));
    if (any_package) return ctx.problem(rwhere, "no affected entry with a known ecosystem");
  }
  // Some feeds leave 'modified' at the zero time (Go's exported files), so the
  // data date is the newest of both.
  ctx.note_date(a.modified);
  ctx.note_date(a.published);
  ctx.add(std::move(a));
}

// One parser per thread: its buffers are reused from document to document.
simdjson::dom::parser& thread_parser() {
  thread_local simdjson::dom::parser parser = [] {
    simdjson::dom::parser p;
    if (p.allocate(1 << 16, static_cast<size_t>(limits().max_json_depth)) != simdjson::SUCCESS) {
      // Out of memory here surfaces as a parse error on first use.
    }
    return p;
  }();
  return parser;
}

}  // namespace

void import_osv_document(std::string_view text, const std::string& where, ImportContext& ctx) {
  size_t first = text.find_first_not_of(" \t\r\n\xEF\xBB\xBF");
  if (first == std::string_view::npos) return ctx.problem(where, "empty file");
  bool is_json = text[first] == '{' || text[first] == '[';
  simdjson::padded_string padded;
  if (is_json) {
    padded = simdjson::padded_string(text);
  } else {
    // YAML goes through the same record reader: converted to JSON text first.
    Result<json> doc = parse_yaml(text, where);
    if (!doc) return ctx.problem(doc.error().where.empty() ? where : doc.error().where, doc.error().message);
    try {
      padded = simdjson::padded_string(doc->dump());
    } catch (const std::exception& e) {
      return ctx.problem(where, std::string("malformed OSV: ") + e.what());  // invalid UTF-8
    }
  }
  element root;
  if (auto err = thread_parser().parse(padded).get(root); err != simdjson::SUCCESS) {
    if (err == simdjson::DEPTH_ERROR)
      return ctx.problem(where, "JSON nested deeper than " + std::to_string(limits().max_json_depth) + " levels");
    // simdjson does not say where; the slower parser does, for the report.
    if (is_json) {
      Result<json> located = parse_json(text, where);
      if (!located) return ctx.problem(located.error().where.empty() ? where : located.error().where, located.error().message);
    }
    return ctx.problem(where, std::string("malformed JSON: ") + simdjson::error_message(err));
  }
  array list;
  object top;
  if (root.get_array().get(list) == simdjson::SUCCESS) {
    size_t i = 0;
    for (element r : list) {
      import_record(r, where + " record " + std::to_string(i), ctx);
      ++i;
    }
  } else if (root.get_object().get(top) == simdjson::SUCCESS && has(top, "vulns") && !has(top, "id")) {
    if (top.at_key("vulns").get_array().get(list) != simdjson::SUCCESS) return ctx.problem(where, "'vulns' is not an array");
    size_t i = 0;
    for (element r : list) {
      import_record(r, where + " vulns[" + std::to_string(i) + "]", ctx);
      ++i;
    }
  } else {
    import_record(root, where, ctx);
  }
}

namespace feeds {

int sniff_osv(std::string_view name, std::string_view head) {
  bool yaml = ends_with(name, ".yaml") || ends_with(name, ".yml");
  bool has_id = contains(head, "\"id\"") || (yaml && contains(head, "id:"));
  bool has_osv_key = contains(head, "modified") || contains(head, "affected") ||
                     contains(head, "schema_version");
  if (contains(head, "\"vulns\"")) return 8;
  if (has_id && has_osv_key) return 10;
  // Anything else that looks like JSON or YAML is offered to OSV last, so
  // that a non-OSV record is reported as such rather than ignored.
  if (ends_with(name, ".json") || yaml) return 1;
  return 0;
}

}  // namespace feeds
}  // namespace bulwark::vulndb
