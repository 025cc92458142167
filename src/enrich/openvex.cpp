// OpenVEX documents (https://github.com/openvex/spec, v0.2.0; v0.0.x wrote the
// vulnerability as a plain string). Only what matching needs is kept; the
// place of every error is given as a JSON path ("statements[2].products[0]").
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/json.hpp"
#include "enrich/enrich.hpp"
#include "enrich/internal.hpp"

namespace bulwark::enrich {

namespace {

struct VexError {
  std::string place;
  std::string message;
};

// The justification labels of the OpenVEX spec.
constexpr std::string_view kJustifications[] = {
    "component_not_present", "vulnerable_code_not_present", "vulnerable_code_not_in_execute_path",
    "vulnerable_code_cannot_be_controlled_by_adversary", "inline_mitigations_already_exist"};

std::optional<VexStatus> parse_status(std::string_view s) {
  if (s == "not_affected") return VexStatus::kNotAffected;
  if (s == "affected") return VexStatus::kAffected;
  if (s == "fixed") return VexStatus::kFixed;
  if (s == "under_investigation") return VexStatus::kUnderInvestigation;
  return std::nullopt;
}

std::string opt_string(const json& obj, const char* key, const std::string& place) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return {};
  if (!it->is_string()) throw VexError{place + "." + key, "must be a string"};
  return it->get<std::string>();
}

// A component (product or subcomponent): its @id and every identifier.
std::vector<std::string> component_ids(const json& c, const std::string& place) {
  if (c.is_string()) return {c.get<std::string>()};  // tolerated shorthand
  if (!c.is_object()) throw VexError{place, "must be an object with an @id or identifiers"};
  std::vector<std::string> ids;
  if (std::string id = opt_string(c, "@id", place); !id.empty()) ids.push_back(id);
  if (auto it = c.find("identifiers"); it != c.end() && !it->is_null()) {
    if (!it->is_object()) throw VexError{place + ".identifiers", "must be an object"};
    for (const auto& [label, value] : it->items()) {
      if (!value.is_string()) throw VexError{place + ".identifiers." + label, "must be a string"};
      ids.push_back(value.get<std::string>());
    }
  }
  if (ids.empty()) throw VexError{place, "has neither an @id nor identifiers"};
  return ids;
}

VexStatement parse_statement(const json& s, const std::string& place, const std::string& doc_timestamp) {
  if (!s.is_object()) throw VexError{place, "must be an object"};
  VexStatement st;
  st.where = place;
  auto vuln = s.find("vulnerability");
  if (vuln == s.end() || vuln->is_null()) throw VexError{place, "has no vulnerability"};
  if (vuln->is_string()) {
    st.vulnerability = vuln->get<std::string>();
  } else if (vuln->is_object()) {
    st.vulnerability = opt_string(*vuln, "name", place + ".vulnerability");
    if (auto al = vuln->find("aliases"); al != vuln->end() && !al->is_null()) {
      if (!al->is_array()) throw VexError{place + ".vulnerability.aliases", "must be a list"};
      for (size_t i = 0; i < al->size(); ++i) {
        if (!(*al)[i].is_string())
          throw VexError{place + ".vulnerability.aliases[" + std::to_string(i) + "]", "must be a string"};
        st.aliases.push_back((*al)[i].get<std::string>());
      }
    }
    if (st.vulnerability.empty()) st.vulnerability = opt_string(*vuln, "@id", place + ".vulnerability");
  } else {
    throw VexError{place + ".vulnerability", "must be an object or a string"};
  }
  if (st.vulnerability.empty()) throw VexError{place + ".vulnerability", "has no name"};

  std::string status = opt_string(s, "status", place);
  if (status.empty()) throw VexError{place, "has no status"};
  auto parsed = parse_status(status);
  if (!parsed)
    throw VexError{place + ".status",
                   "unknown status '" + status + "' (not_affected, affected, fixed, under_investigation)"};
  st.status = *parsed;
  st.justification = opt_string(s, "justification", place);
  st.impact_statement = opt_string(s, "impact_statement", place);
  st.action_statement = opt_string(s, "action_statement", place);
  st.status_notes = opt_string(s, "status_notes", place);
  if (!st.justification.empty()) {
    bool known = false;
    for (auto j : kJustifications) known = known || st.justification == j;
    if (!known) throw VexError{place + ".justification", "unknown justification '" + st.justification + "'"};
  }
  if (st.status == VexStatus::kNotAffected && st.justification.empty() && st.impact_statement.empty())
    throw VexError{place, "not_affected needs a justification or an impact_statement"};
  st.timestamp = opt_string(s, "timestamp", place);
  if (st.timestamp.empty()) st.timestamp = doc_timestamp;

  auto products = s.find("products");
  if (products == s.end() || products->is_null() || (products->is_array() && products->empty()))
    throw VexError{place, "has no products"};
  if (!products->is_array()) throw VexError{place + ".products", "must be a list"};
  for (size_t i = 0; i < products->size(); ++i) {
    const json& p = (*products)[i];
    std::string pplace = place + ".products[" + std::to_string(i) + "]";
    VexProduct product;
    product.ids = component_ids(p, pplace);
    if (p.is_object()) {
      if (auto subs = p.find("subcomponents"); subs != p.end() && !subs->is_null()) {
        if (!subs->is_array()) throw VexError{pplace + ".subcomponents", "must be a list"};
        for (size_t k = 0; k < subs->size(); ++k)
          product.subcomponents.push_back(
              component_ids((*subs)[k], pplace + ".subcomponents[" + std::to_string(k) + "]"));
      }
    }
    st.products.push_back(std::move(product));
  }
  return st;
}

}  // namespace

const char* to_string(VexStatus s) {
  switch (s) {
    case VexStatus::kNotAffected: return "not_affected";
    case VexStatus::kAffected: return "affected";
    case VexStatus::kFixed: return "fixed";
    case VexStatus::kUnderInvestigation: return "under_investigation";
  }
  return "under_investigation";
}

Result<VexDocument> parse_openvex(std::string_view text, const std::string& path) {
  if (text.size() > limits().max_sbom_bytes)
    return Error(ErrorCode::kLimitExceeded, "VEX document larger than " + std::to_string(limits().max_sbom_bytes) + " bytes",
                 path);
  auto parsed = parse_json(text, path);
  if (!parsed) return parsed.error();
  const json& root = *parsed;
  VexDocument doc;
  doc.path = path;
  try {
    if (!root.is_object()) throw VexError{"document", "must be a JSON object"};
    std::string context = opt_string(root, "@context", "document");
    if (!starts_with(context, "https://openvex.dev/ns"))
      throw VexError{"@context", context.empty() ? "missing: not an OpenVEX document"
                                                 : "'" + context + "' is not an OpenVEX context (https://openvex.dev/ns/…)"};
    doc.id = opt_string(root, "@id", "document");
    doc.author = opt_string(root, "author", "document");
    doc.timestamp = opt_string(root, "timestamp", "document");
    auto statements = root.find("statements");
    if (statements == root.end() || !statements->is_array()) throw VexError{"statements", "missing or not a list"};
    for (size_t i = 0; i < statements->size(); ++i)
      doc.statements.push_back(parse_statement((*statements)[i], "statements[" + std::to_string(i) + "]", doc.timestamp));
  } catch (const VexError& e) {
    return Error(ErrorCode::kCorrupt, e.message, path + ": " + e.place);
  } catch (const json::exception& e) {
    return Error(ErrorCode::kCorrupt, std::string("not an OpenVEX document: ") + e.what(), path);
  }
  for (auto& st : doc.statements) st.where = path + ": " + st.where;
  return doc;
}

Result<VexDocument> load_openvex(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    return Error(ErrorCode::kNotFound, "VEX document not found (or not a regular file)", path);
  auto size = std::filesystem::file_size(path, ec);
  if (!ec && size > limits().max_sbom_bytes)
    return Error(ErrorCode::kLimitExceeded, "VEX document larger than " + std::to_string(limits().max_sbom_bytes) + " bytes",
                 path);
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error(ErrorCode::kIo, "cannot read the VEX document", path);
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad()) return Error(ErrorCode::kIo, "cannot read the VEX document", path);
  return parse_openvex(buf.str(), path);
}

}  // namespace bulwark::enrich
