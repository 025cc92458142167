// Writes OpenVEX v0.2.0 documents (https://github.com/openvex/spec): the
// server exports its false-positive judgements with it; parse_openvex() in
// openvex.cpp reads them back.
#include "core/json.hpp"
#include "enrich/enrich.hpp"

namespace bulwark::enrich {

namespace {

using ojson = nlohmann::ordered_json;

// The identifier label of an id (spec: purl, cpe22, cpe23), or nullptr when
// it is none of them and can only be an @id.
const char* identifier_label(const std::string& id) {
  if (starts_with(id, "pkg:")) return "purl";
  if (starts_with(id, "cpe:2.3:")) return "cpe23";
  if (starts_with(id, "cpe:/")) return "cpe22";
  return nullptr;
}

// A component: the first id is its @id; further purls and CPEs are its
// identifiers (one per label, the first wins).
ojson component(const std::vector<std::string>& ids) {
  ojson c = ojson::object();
  if (ids.empty()) return c;
  c["@id"] = ids[0];
  ojson identifiers = ojson::object();
  for (size_t i = 1; i < ids.size(); ++i)
    if (const char* label = identifier_label(ids[i]); label && !identifiers.contains(label)) identifiers[label] = ids[i];
  if (!identifiers.empty()) c["identifiers"] = std::move(identifiers);
  return c;
}

}  // namespace

std::string write_openvex(const std::vector<VexStatement>& statements, const std::string& author,
                          const std::string& timestamp, const std::string& id) {
  ojson stmts = ojson::array();
  for (const auto& st : statements) {
    ojson s = ojson::object();
    ojson vuln = {{"name", st.vulnerability}};
    if (!st.aliases.empty()) vuln["aliases"] = st.aliases;
    s["vulnerability"] = std::move(vuln);
    if (!st.timestamp.empty() && st.timestamp != timestamp) s["timestamp"] = st.timestamp;
    ojson products = ojson::array();
    for (const auto& p : st.products) {
      ojson prod = component(p.ids);
      if (!p.subcomponents.empty()) {
        ojson subs = ojson::array();
        for (const auto& sub : p.subcomponents) subs.push_back(component(sub));
        prod["subcomponents"] = std::move(subs);
      }
      products.push_back(std::move(prod));
    }
    s["products"] = std::move(products);
    s["status"] = to_string(st.status);
    if (!st.justification.empty()) s["justification"] = st.justification;
    if (!st.impact_statement.empty()) s["impact_statement"] = st.impact_statement;
    if (!st.action_statement.empty()) s["action_statement"] = st.action_statement;
    if (!st.status_notes.empty()) s["status_notes"] = st.status_notes;
    stmts.push_back(std::move(s));
  }

  std::string doc_id = id;
  if (doc_id.empty()) {
    // The same judgements by the same author at the same time get the same id.
    Sha256 h;
    h.update(author);
    h.update(std::string_view("\n", 1));
    h.update(timestamp);
    h.update(std::string_view("\n", 1));
    h.update(stmts.dump());
    doc_id = "https://openvex.dev/docs/public/vex-" + h.hex();
  }
  // Members in the spec's order (ordered_json keeps insertion order).
  ojson doc;
  doc["@context"] = "https://openvex.dev/ns/v0.2.0";
  doc["@id"] = doc_id;
  doc["author"] = author;
  doc["timestamp"] = timestamp;
  doc["version"] = 1;
  doc["statements"] = std::move(stmts);
  return doc.dump(2) + "\n";
}

}  // namespace bulwark::enrich
