// Debian security tracker source lists: data/CVE/list, data/DSA/list,
// data/DLA/list (and DTSA). A record is a header line ("CVE-2023-4911
// (description ...)" or "[03 Oct 2023] DSA-5514-1 glibc - security update")
// followed by indented lines: "{CVE-... DSA-...}" cross references,
// "[release] - package version (notes)" or "- package <special> (comment)"
// package lines, and NOTE:/TODO:/NOT-FOR-US:/RESERVED/REJECTED lines.
// Package lines become rows through debian::affected_rows (debian.hpp).
#include <cctype>
#include <cstdlib>

#include "vulndb/importers/debian.hpp"
#include "vulndb/importers/importers.hpp"

namespace bulwark::vulndb::feeds {
namespace {

using debian::Annotation;
using debian::Kind;

constexpr size_t kMaxLine = 64 * 1024;

bool is_cve_header(std::string_view line, std::string_view* id, std::string_view* desc) {
  // CVE-YYYY-NNNN..., CVE-YYYY-XXXX (no CVE yet) or TEMP-NNNNNNN-XXXXXX.
  size_t sp = line.find_first_of(" \t");
  std::string_view tok = line.substr(0, sp);
  bool ok = debian::is_cve_id(tok) || (tok.size() == 13 && starts_with(tok, "CVE-") && tok.substr(8) == "-XXXX") ||
            (starts_with(tok, "TEMP-") && tok.size() < 40);
  if (!ok) return false;
  *id = tok;
  *desc = sp == std::string_view::npos ? std::string_view() : trim(line.substr(sp));
  return true;
}

// "(bug #123; low)" -> urgency and bugs; other notes are free text.
void parse_notes(std::string_view notes, std::string& urgency, std::vector<uint64_t>& bugs) {
  size_t pos = 0;
  while (pos <= notes.size()) {
    size_t semi = notes.find(';', pos);
    std::string_view n = trim(notes.substr(pos, semi == std::string_view::npos ? std::string_view::npos : semi - pos));
    pos = semi == std::string_view::npos ? notes.size() + 1 : semi + 1;
    if (n == "high" || n == "medium" || n == "low" || n == "unimportant" || n == "end-of-life" || n == "unknown" ||
        n == "not yet assigned") {
      urgency = std::string(n);
    } else if (starts_with(n, "bug #")) {
      uint64_t b = std::strtoull(std::string(n.substr(5)).c_str(), nullptr, 10);
      if (b) bugs.push_back(b);
    }
  }
}

// One "[release] - package version (notes)" line; an error says why not.
Result<Annotation> parse_package_line(std::string_view body, std::vector<uint64_t>& bugs) {
  Annotation a;
  if (body[0] == '[') {
    size_t close = body.find(']');
    if (close == std::string_view::npos) return Error(ErrorCode::kCorrupt, "missing ']' after the release");
    a.release = std::string(trim(body.substr(1, close - 1)));
    body = trim(body.substr(close + 1));
  }
  if (body.empty() || body[0] != '-') return Error(ErrorCode::kCorrupt, "expected '- package'");
  body = trim(body.substr(1));
  size_t sp = body.find_first_of(" \t(");
  a.package = std::string(body.substr(0, sp));
  if (a.package.empty() || a.package.size() > 128) return Error(ErrorCode::kCorrupt, "no package name");
  for (char c : a.package)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '+' && c != '-')
      return Error(ErrorCode::kCorrupt, "bad package name '" + a.package.substr(0, 40) + "'");
  std::string_view rest = sp == std::string_view::npos ? std::string_view() : trim(body.substr(sp));
  std::string_view notes;
  if (size_t open = rest.find('('); open != std::string_view::npos) {
    if (rest.back() != ')') return Error(ErrorCode::kCorrupt, "missing ')' after the notes");
    notes = rest.substr(open + 1, rest.size() - open - 2);
    rest = trim(rest.substr(0, open));
  }
  if (!rest.empty() && rest[0] == '<') {
    if (rest.back() != '>') return Error(ErrorCode::kCorrupt, "missing '>' after the special version");
    auto kind = debian::parse_kind(rest.substr(1, rest.size() - 2));
    if (!kind || *kind == Kind::kFixed)
      return Error(ErrorCode::kCorrupt, "unknown special version '" + std::string(rest.substr(0, 40)) + "'");
    a.kind = *kind;
    // Notes of <unfixed>/<removed>/<undetermined>/<itp> carry urgency and
    // bugs; the others' parentheses are a free-text reason.
    if (a.kind == Kind::kUnfixed || a.kind == Kind::kRemoved || a.kind == Kind::kUndetermined || a.kind == Kind::kItp)
      parse_notes(notes, a.urgency, bugs);
  } else {
    a.kind = rest.empty() ? Kind::kUnfixed : Kind::kFixed;  // no version: not fixed anywhere yet
    a.version = std::string(rest);
    parse_notes(notes, a.urgency, bugs);
  }
  return a;
}

struct Record {
  size_t line = 0;
  std::string header_id;  // as written (CVE-2023-XXXX included)
  std::string description;
  std::optional<debian::NoticeHeader> notice;
  std::vector<Annotation> notes;
  std::vector<uint64_t> bugs;
  std::vector<std::string> xrefs;
  bool bad = false;
};

void finish(Record& r, const std::string& where, ImportContext& ctx) {
  if (r.header_id.empty() || r.bad) return;
  // NOT-FOR-US, RESERVED, REJECTED and TODO-only entries name no Debian
  // package: nothing to match, nothing stored.
  if (r.notes.empty()) return;
  std::string id = r.header_id;
  if (ends_with(id, "-XXXX")) id = debian::temp_id(r.bugs.empty() ? 0 : r.bugs.front(), r.description);
  const std::string rwhere = where + ": line " + std::to_string(r.line) + " (" + id + ")";
  Advisory a = debian::make_advisory(id, where);
  a.summary = r.description;
  if (r.notice) a.published = r.notice->date;
  for (const auto& x : r.xrefs) {
    // A notice is about its CVEs (the writer keeps a multi-CVE notice on its
    // own); a CVE only refers to the notices that fixed it.
    if (r.notice && starts_with(x, "CVE-"))
      a.aliases.push_back(x);
    else
      a.related.push_back(x);
  }
  for (uint64_t b : r.bugs) debian::add_bug_reference(a, b);
  std::string severity;
  a.affected = debian::affected_rows(r.notes, rwhere, ctx, &severity);
  if (a.affected.empty()) {
    bool only_itp = true;
    for (const auto& n : r.notes) only_itp = only_itp && n.kind == Kind::kItp;
    if (!only_itp) ctx.problem(rwhere, "no usable package annotation");
    return;
  }
  if (!severity.empty()) a.severities.push_back({"debian", "text", severity, std::nullopt, severity});
  ctx.note_date(a.published);
  ctx.add(std::move(a));
}

}  // namespace

int sniff_debian_lists(std::string_view name, std::string_view head) {
  size_t eol = head.find('\n');
  std::string_view first = trim(head.substr(0, eol));
  std::string_view id, desc;
  bool header = is_cve_header(first, &id, &desc) || debian::parse_notice_header(first).has_value();
  if (!header) return 0;
  return name == "list" ? 20 : 12;
}

void import_debian_lists(std::string_view text, const std::string& where, ImportContext& ctx) {
  Record rec;
  size_t pos = 0, line_no = 0;
  bool any = false;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    std::string_view line = text.substr(pos, eol == std::string_view::npos ? std::string_view::npos : eol - pos);
    pos = eol == std::string_view::npos ? text.size() : eol + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const std::string lwhere = where + ": line " + std::to_string(line_no);
    if (line.size() > kMaxLine) {
      ctx.problem(lwhere, "line longer than " + std::to_string(kMaxLine) + " bytes");
      rec.bad = true;
      continue;
    }
    std::string_view body = trim(line);
    if (body.empty() || starts_with(body, "--")) continue;
    bool indented = line[0] == ' ' || line[0] == '\t';
    if (!indented) {
      finish(rec, where, ctx);
      rec = Record{};
      rec.line = line_no;
      if (starts_with(body, "begin claimed by") || starts_with(body, "end claimed by") || starts_with(body, "STOP:")) continue;
      std::string_view id, desc;
      if (is_cve_header(body, &id, &desc)) {
        rec.header_id = std::string(id);
        rec.description = std::string(debian::strip_description(desc));
        any = true;
      } else if (auto h = debian::parse_notice_header(body)) {
        rec.header_id = h->id;
        rec.description = h->description;
        rec.notice = std::move(h);
        any = true;
      } else {
        ctx.problem(lwhere, "expected a CVE-, DSA-, DLA- or DTSA- header, got '" + std::string(body.substr(0, 60)) + "'");
      }
      continue;
    }
    if (rec.header_id.empty()) continue;  // the lines of a header already reported as bad
    if (body[0] == '{') {
      if (body.back() != '}') {
        ctx.warning(lwhere, "cross reference without a closing '}'; ignored");
        continue;
      }
      std::string_view refs = body.substr(1, body.size() - 2);
      size_t p = 0;
      while (p < refs.size()) {
        size_t s = refs.find_first_not_of(" \t", p);
        if (s == std::string_view::npos) break;
        size_t e = refs.find_first_of(" \t", s);
        std::string_view x = refs.substr(s, e == std::string_view::npos ? std::string_view::npos : e - s);
        if (x.size() <= 64) rec.xrefs.emplace_back(x);
        p = e == std::string_view::npos ? refs.size() : e;
      }
      continue;
    }
    if (body[0] == '[' || body[0] == '-') {
      auto a = parse_package_line(body, rec.bugs);
      if (!a) {
        ctx.warning(lwhere + " (" + rec.header_id + ")", a.error().message + "; line dropped");
        continue;
      }
      a->where = lwhere;
      rec.notes.push_back(std::move(*a));
      continue;
    }
    // NOTE:, TODO:, NOT-FOR-US:, RESERVED, REJECTED, HELP: and other
    // upper-case keywords carry no package state.
  }
  finish(rec, where, ctx);
  if (!any) ctx.problem(where, "no CVE/DSA/DLA record found");
}

}  // namespace bulwark::vulndb::feeds
