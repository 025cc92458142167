// Per-record JSON files of the vuln-list-debian layout: tracker/CVE/YYYY/
// CVE-*.json, tracker/DSA/*.json, tracker/DLA/*.json, each
// {"Header": {"ID", "Description", "Original"}, "Annotations": [{"Type":
// "package"|"xref"|"NOTE"|"TODO"|..., "Release", "Package", "Kind", "Version",
// "Severity", "BugNo", "Bugs"}]} -- the tracker's list records, pre-parsed.
// Package annotations go through the same rules as the list format
// (debian::affected_rows). tracker/distributions.json (codename ->
// major-version) is checked against the built-in release table.
#include "core/json.hpp"
#include "vulndb/importers/debian.hpp"
#include "vulndb/importers/importers.hpp"

namespace bulwark::vulndb::feeds {
namespace {

void import_distributions(const json& doc, const std::string& where, ImportContext& ctx) {
  for (const auto& [codename, info] : doc.items()) {
    std::string number = get_string(info, "major-version");
    const debian::Release* rel = debian::find_release(codename);
    if (!rel) {
      ctx.warning(where, "release '" + codename.substr(0, 40) + "' (" + number.substr(0, 16) +
                             ") is not in the built-in codename table; its annotations are dropped");
    } else if (!number.empty() && number != rel->number) {
      ctx.warning(where, "release '" + codename + "' is " + number.substr(0, 16) + " here but " +
                             std::string(rel->number) + " in the built-in table");
    }
  }
}

}  // namespace

int sniff_debian_annotations(std::string_view name, std::string_view head) {
  if (contains(head, "\"Header\"") && contains(head, "\"Annotations\"")) return 20;
  if (name == "distributions.json" && contains(head, "\"major-version\"")) return 20;
  return 0;
}

void import_debian_annotations(std::string_view text, const std::string& where, ImportContext& ctx) {
  auto doc = parse_json(text, where);
  if (!doc) return ctx.problem(doc.error().where.empty() ? where : doc.error().where, doc.error().message);
  if (!doc->is_object()) return ctx.problem(where, "not a tracker annotation file (expected an object)");
  if (!doc->contains("Header")) {
    bool dists = !doc->empty();
    for (const auto& [k, v] : doc->items()) dists = dists && v.is_object() && v.contains("major-version");
    if (dists) return import_distributions(*doc, where, ctx);
    return ctx.problem(where, "not a tracker annotation file: no 'Header'");
  }
  const json& header = (*doc)["Header"];
  std::string id = get_string(header, "ID");
  std::string original = get_string(header, "Original");
  std::string description(debian::strip_description(get_string(header, "Description")));
  if (id.empty() || id.size() > 64) return ctx.problem(where, "Header.ID is missing or longer than 64 characters");
  auto notice = debian::parse_notice_header(original);
  bool is_notice = starts_with(id, "DSA-") || starts_with(id, "DLA-") || starts_with(id, "DTSA-");
  if (!is_notice && !debian::is_cve_id(id) && !starts_with(id, "TEMP-") && !ends_with(id, "-XXXX"))
    return ctx.problem(where, "Header.ID '" + id + "' is not a CVE, TEMP, DSA, DLA or DTSA id");

  auto anns = doc->find("Annotations");
  if (anns == doc->end() || anns->is_null()) return;  // nothing about any package
  if (!anns->is_array()) return ctx.problem(where + " (" + id + ")", "'Annotations' is not an array");
  std::vector<debian::Annotation> notes;
  std::vector<std::string> xrefs;
  std::vector<uint64_t> bugs;
  for (size_t i = 0; i < anns->size(); ++i) {
    const json& an = (*anns)[i];
    const std::string awhere = where + " (" + id + ") Annotations[" + std::to_string(i) + "]";
    if (!an.is_object()) {
      ctx.warning(awhere, "not an object; ignored");
      continue;
    }
    std::string type = get_string(an, "Type");
    if (type == "xref") {
      if (auto b = an.find("Bugs"); b != an.end() && b->is_array())
        for (const auto& x : *b)
          if (x.is_string() && x.get_ref<const std::string&>().size() <= 64) xrefs.push_back(x.get<std::string>());
      continue;
    }
    if (type != "package") continue;  // NOTE, TODO, NOT-FOR-US, RESERVED, REJECTED
    debian::Annotation a;
    a.where = awhere;
    a.release = get_string(an, "Release");
    a.package = get_string(an, "Package");
    std::string kind = get_string(an, "Kind");
    auto k = debian::parse_kind(kind);
    if (a.package.empty() || a.package.size() > 128 || !k) {
      ctx.warning(awhere, "package annotation without a package or with unknown Kind '" + kind.substr(0, 40) + "'; dropped");
      continue;
    }
    a.kind = *k;
    a.version = get_string(an, "Version");
    if (a.kind == debian::Kind::kFixed && a.version.empty()) {
      ctx.warning(awhere, "Kind 'fixed' without a Version; dropped");
      continue;
    }
    a.urgency = get_string(an, "Severity");
    if (auto b = an.find("BugNo"); b != an.end() && b->is_number_unsigned()) bugs.push_back(b->get<uint64_t>());
    notes.push_back(std::move(a));
  }
  if (notes.empty()) return;  // NOTE/TODO-only: names no package
  if (ends_with(id, "-XXXX")) id = debian::temp_id(bugs.empty() ? 0 : bugs.front(), description);
  const std::string rwhere = where + " (" + id + ")";
  Advisory a = debian::make_advisory(id, where);
  a.summary = is_notice && notice ? notice->description : description;
  if (notice) a.published = notice->date;
  for (const auto& x : xrefs) {
    if (is_notice && starts_with(x, "CVE-"))
      a.aliases.push_back(x);
    else
      a.related.push_back(x);
  }
  for (uint64_t b : bugs) debian::add_bug_reference(a, b);
  std::string severity;
  a.affected = debian::affected_rows(notes, rwhere, ctx, &severity);
  if (a.affected.empty()) {
    bool only_itp = true;
    for (const auto& n : notes) only_itp = only_itp && n.kind == debian::Kind::kItp;
    if (!only_itp) ctx.problem(rwhere, "no usable package annotation");
    return;
  }
  if (!severity.empty()) a.severities.push_back({"debian", "text", severity, std::nullopt, severity});
  ctx.note_date(a.published);
  ctx.add(std::move(a));
}

}  // namespace bulwark::vulndb::feeds
