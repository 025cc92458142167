// The details record of a vulnerability: JSON written by the builder, read
// with simdjson by the Reader and the matcher (record.hpp, docs/vulndb.md).
#include "vulndb/record.hpp"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>

namespace bulwark::vulndb::record {
namespace {

// Appends `s` as a JSON string. The feeds' text is UTF-8, but a byte
// sequence that is not (a Latin-1 description in a hand-written list) must
// not make the record unreadable: it becomes U+FFFD.
void put_string(std::string& out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out.push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      if (c == '"' || c == '\\') {
        out.push_back('\\');
        out.push_back(static_cast<char>(c));
      } else if (c < 0x20) {
        out += "\\u00";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 15]);
      } else {
        out.push_back(static_cast<char>(c));
      }
      ++p;
      continue;
    }
    // A multi-byte sequence: its length from the lead byte, then the
    // continuation bytes, overlong forms and surrogates checked.
    size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    bool ok = n != 0 && static_cast<size_t>(end - p) >= n;
    for (size_t i = 1; ok && i < n; ++i) ok = (p[i] & 0xc0) == 0x80;
    if (ok && n == 3) ok = !(c == 0xe0 && p[1] < 0xa0) && !(c == 0xed && p[1] >= 0xa0);
    if (ok && n == 4) ok = !(c == 0xf0 && p[1] < 0x90) && !(c == 0xf4 && p[1] >= 0x90);
    if (ok) {
      out.append(reinterpret_cast<const char*>(p), n);
      p += n;
    } else {
      out += "\xef\xbf\xbd";
      ++p;
    }
  }
  out.push_back('"');
}

void put_number(std::string& out, double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back as `v`
  out.append(buf, r.ptr);
}

void put_key(std::string& out, std::string_view key, std::string_view value) {
  put_string(out, key);
  out.push_back(':');
  put_string(out, value);
}

void put_list(std::string& out, std::string_view key, std::vector<std::string_view>& items) {
  if (items.empty()) return;
  std::sort(items.begin(), items.end());
  items.erase(std::unique(items.begin(), items.end()), items.end());
  out += out.size() > 1 ? ",\"" : "\"";
  out += key;
  out += "\":[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out.push_back(',');
    put_string(out, items[i]);
  }
  out.push_back(']');
}

void put_raw(std::string& out, std::string_view key, const std::string& json_value) {
  if (json_value.empty()) return;
  out += out.size() > 1 ? ",\"" : "\"";
  out += key;
  out += "\":";
  out += json_value;
}

}  // namespace

void View::clear() {
  aliases.clear();
  advisories.clear();
  severities.clear();
  cwes.clear();
  references.clear();
  epss.reset();
  kev.reset();
}

void Builder::clear() {
  aliases_.clear();
  advisories_.clear();
  cwes_.clear();
  severities_.clear();
  references_.clear();
  epss_.clear();
  kev_.clear();
}

void Builder::severity(std::string_view source, std::string_view type, std::string_view vector,
                       std::optional<double> score, std::string_view severity) {
  severities_.push_back(severities_.empty() ? '[' : ',');
  severities_.push_back('{');
  put_key(severities_, "source", source);
  severities_.push_back(',');
  put_key(severities_, "type", type);
  severities_.push_back(',');
  put_key(severities_, "vector", vector);
  if (score && std::isfinite(*score)) {
    severities_ += ",\"score\":";
    put_number(severities_, *score);
  }
  severities_.push_back(',');
  put_key(severities_, "severity", severity);
  severities_.push_back('}');
}

void Builder::reference(std::string_view type, std::string_view url) {
  references_.push_back(references_.empty() ? '[' : ',');
  references_.push_back('{');
  put_key(references_, "type", type);
  references_.push_back(',');
  put_key(references_, "url", url);
  references_.push_back('}');
}

void Builder::epss(const Epss& e) {
  epss_ = "{";
  put_key(epss_, "cve", e.cve);
  epss_ += ",\"score\":";
  put_number(epss_, std::isfinite(e.score) ? e.score : 0.0);
  epss_ += ",\"percentile\":";
  put_number(epss_, std::isfinite(e.percentile) ? e.percentile : 0.0);
  epss_.push_back(',');
  put_key(epss_, "date", e.date);
  epss_.push_back('}');
}

void Builder::kev(const Kev& k) {
  kev_ = "{";
  put_key(kev_, "cve", k.cve);
  const std::pair<std::string_view, std::string_view> fields[] = {
      {"date_added", k.date_added}, {"due_date", k.due_date}, {"ransomware", k.ransomware},
      {"vendor", k.vendor},         {"product", k.product},   {"name", k.name}};
  for (const auto& [key, value] : fields) {
    kev_.push_back(',');
    put_key(kev_, key, value);
  }
  kev_.push_back('}');
}

const std::string& Builder::json() {
  out_ = "{";
  put_list(out_, "aliases", aliases_);
  put_list(out_, "advisories", advisories_);
  if (!severities_.empty()) severities_.push_back(']');
  put_raw(out_, "severities", severities_);
  put_list(out_, "cwes", cwes_);
  if (!references_.empty()) references_.push_back(']');
  put_raw(out_, "references", references_);
  put_raw(out_, "epss", epss_);
  put_raw(out_, "kev", kev_);
  out_.push_back('}');
  return out_;
}

// ------------------------------------------------------------------ parser --

struct Parser::Impl {
  simdjson::dom::parser parser;
};

Parser::Parser() : impl_(std::make_unique<Impl>()) {}
Parser::~Parser() = default;

namespace {

using simdjson::SUCCESS;
using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

bool strings(element e, std::vector<std::string_view>& out) {
  array a;
  if (e.get_array().get(a) != SUCCESS) return false;
  for (element v : a) {
    std::string_view s;
    if (v.get_string().get(s) != SUCCESS) return false;
    out.push_back(s);
  }
  return true;
}

// The string fields of an object, by key; other keys are left to `other`.
template <class Fn, class Other>
bool fields(element e, Fn&& string_field, Other&& other) {
  object o;
  if (e.get_object().get(o) != SUCCESS) return false;
  for (auto [key, value] : o) {
    std::string_view s;
    if (value.get_string().get(s) == SUCCESS) {
      string_field(key, s);
    } else if (!other(key, value)) {
      return false;
    }
  }
  return true;
}

bool number(element e, double& out) { return e.get_double().get(out) == SUCCESS; }

}  // namespace

Status Parser::parse(std::string_view json, View& out) {
  out.clear();
  auto bad = [&](const char* what) { return Error(ErrorCode::kCorrupt, std::string("vulnerability record: ") + what); };
  element root;
  if (impl_->parser.parse(json.data(), json.size()).get(root) != SUCCESS) return bad("not JSON");
  object o;
  if (root.get_object().get(o) != SUCCESS) return bad("not an object");
  auto no_other = [](std::string_view, element) { return false; };
  for (auto [key, value] : o) {
    bool ok = true;
    if (key == "aliases") {
      ok = strings(value, out.aliases);
    } else if (key == "advisories") {
      ok = strings(value, out.advisories);
    } else if (key == "cwes") {
      ok = strings(value, out.cwes);
    } else if (key == "severities" || key == "references") {
      array a;
      ok = value.get_array().get(a) == SUCCESS;
      if (!ok) return bad(("'" + std::string(key) + "' is not an array").c_str());
      for (element item : a) {
        if (!ok) break;
        if (key == "severities") {
          Severity s;
          ok = fields(
              item,
              [&](std::string_view k, std::string_view v) {
                if (k == "source") s.source = v;
                else if (k == "type") s.type = v;
                else if (k == "vector") s.vector = v;
                else if (k == "severity") s.severity = v;
              },
              [&](std::string_view k, element v) {
                double d = 0;
                if (k != "score" || !number(v, d)) return false;
                s.score = d;
                return true;
              });
          out.severities.push_back(s);
        } else {
          Reference r;
          ok = fields(
              item,
              [&](std::string_view k, std::string_view v) {
                if (k == "type") r.type = v;
                else if (k == "url") r.url = v;
              },
              no_other);
          out.references.push_back(r);
        }
      }
    } else if (key == "epss") {
      Epss e;
      ok = fields(
          value,
          [&](std::string_view k, std::string_view v) {
            if (k == "cve") e.cve = v;
            else if (k == "date") e.date = v;
          },
          [&](std::string_view k, element v) {
            return k == "score" ? number(v, e.score) : k == "percentile" ? number(v, e.percentile) : false;
          });
      out.epss = e;
    } else if (key == "kev") {
      Kev k;
      ok = fields(
          value,
          [&](std::string_view f, std::string_view v) {
            if (f == "cve") k.cve = v;
            else if (f == "date_added") k.date_added = v;
            else if (f == "due_date") k.due_date = v;
            else if (f == "ransomware") k.ransomware = v;
            else if (f == "vendor") k.vendor = v;
            else if (f == "product") k.product = v;
            else if (f == "name") k.name = v;
          },
          no_other);
      out.kev = k;
    }
    // Other keys: a later schema's additions, ignored.
    if (!ok) return bad(("bad '" + std::string(key) + "'").c_str());
  }
  return {};
}

void copy_to(const View& v, VulnerabilityDetails& d) {
  d.aliases.assign(v.aliases.begin(), v.aliases.end());
  d.advisories.assign(v.advisories.begin(), v.advisories.end());
  d.severities.clear();
  for (const auto& s : v.severities)
    d.severities.push_back(
        SeverityEntry{std::string(s.source), std::string(s.type), std::string(s.vector), s.score, std::string(s.severity)});
  d.cwes.assign(v.cwes.begin(), v.cwes.end());
  d.references.clear();
  for (const auto& r : v.references) d.references.push_back({std::string(r.type), std::string(r.url)});
  d.epss.reset();
  if (v.epss) d.epss = EpssEntry{std::string(v.epss->cve), v.epss->score, v.epss->percentile, std::string(v.epss->date)};
  d.kev.reset();
  if (v.kev)
    d.kev = KevEntry{std::string(v.kev->cve),        std::string(v.kev->date_added), std::string(v.kev->due_date),
                     std::string(v.kev->ransomware), std::string(v.kev->vendor),     std::string(v.kev->product),
                     std::string(v.kev->name)};
}

}  // namespace bulwark::vulndb::record
