// "junit": JUnit XML (testsuites / testsuite / testcase with failure, error
// and skipped) for CI systems that show test reports. A compliance report
// gives one testsuite per top-level section of each benchmark and one
// testcase per control (per container or workload for controls evaluated on
// each): fail is a <failure>, error an <error>, manual and warn are
// <skipped> with the reason. Other reports give one testsuite per finding
// kind and a failing testcase per open finding (suppressed ones skipped).
#include <map>
#include <ostream>
#include <sstream>

#include "report/internal.hpp"

namespace bulwark::report {

namespace {

// Text for XML 1.0: the five entities escaped, characters XML cannot hold
// (controls other than tab, newline, carriage return; invalid UTF-8) replaced.
std::string xml(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default:
          if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') out += "?";
          else out.push_back(static_cast<char>(c));
      }
      ++i;
      continue;
    }
    // A well-formed UTF-8 sequence passes; anything else becomes U+FFFD.
    size_t len = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c <= 0xDF ? 2 : 0;
    bool ok = len > 0 && i + len <= s.size();
    uint32_t cp = len == 2 ? c & 0x1F : len == 3 ? c & 0x0F : c & 0x07;
    for (size_t k = 1; ok && k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (ok && ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)) ||
               (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))))
      ok = false;
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

struct Case {
  std::string classname;
  std::string name;
  enum class Kind { kPass, kFailure, kError, kSkipped } kind = Kind::kPass;
  std::string message;
  std::string text;  // body of the failure / error element
};

struct Suite {
  std::string name;
  std::vector<Case> cases;
  size_t count(Case::Kind k) const {
    size_t n = 0;
    for (const auto& c : cases) n += c.kind == k;
    return n;
  }
};

std::string evidence_text(const std::vector<ComplianceEvidence>& ev) {
  std::string out;
  for (const auto& e : ev) {
    std::string line = e.source;
    if (e.line > 0) line += ":" + std::to_string(e.line);
    if (!e.field.empty()) line += (line.empty() ? "" : " ") + e.field;
    if (!e.value.empty()) line += (line.empty() ? "" : " = ") + e.value;
    if (!e.message.empty()) line += (line.empty() ? "" : ": ") + e.message;
    out += line + "\n";
  }
  return out;
}

Case::Kind kind_of(ComplianceStatus s) {
  switch (s) {
    case ComplianceStatus::kPass: return Case::Kind::kPass;
    case ComplianceStatus::kFail: return Case::Kind::kFailure;
    case ComplianceStatus::kError: return Case::Kind::kError;
    case ComplianceStatus::kWarn:
    case ComplianceStatus::kManual: return Case::Kind::kSkipped;
  }
  return Case::Kind::kError;
}

// The top-level section a control belongs to: the declared section that is
// not below another one and that the control's section equals or continues.
const ComplianceSection* top_section(const ComplianceReport& r, const std::string& section) {
  const ComplianceSection* best = nullptr;
  for (const auto& s : r.sections) {
    bool covers = section == s.id || (starts_with(section, s.id) && section.size() > s.id.size() && section[s.id.size()] == '.');
    if (covers && (!best || s.id.size() < best->id.size())) best = &s;
  }
  return best;
}

std::vector<Suite> compliance_suites(const ComplianceReport& r) {
  std::vector<Suite> suites;
  std::map<std::string, size_t> index;
  for (const auto& c : r.controls) {
    const ComplianceSection* top = top_section(r, c.section);
    std::string key = top ? top->id : "";
    auto [it, fresh] = index.emplace(key, suites.size());
    if (fresh) suites.push_back({r.spec + (top ? " / " + top->id + " " + top->title : std::string()), {}});
    Suite& suite = suites[it->second];
    std::string classname = r.spec + (c.section.empty() ? "" : "." + c.section);
    std::string name = c.id + " " + c.title;
    if (c.status == ComplianceStatus::kManual || c.items.empty()) {
      suite.cases.push_back({classname, name, kind_of(c.status), to_string(c.status) + std::string(": ") + c.message, ""});
      continue;
    }
    bool per_subject = c.items.size() > 1 || !c.items.front().subject.empty();
    for (const auto& item : c.items) {
      Case k{classname, per_subject ? name + " [" + item.subject + "]" : name, kind_of(item.status), "", ""};
      std::string msg = item.message.empty() ? c.title : item.message;
      if (k.kind == Case::Kind::kSkipped) k.message = std::string(to_string(item.status)) + ": " + msg;
      else k.message = msg;
      k.text = evidence_text(item.evidence);
      if (!c.remediation.empty() && k.kind == Case::Kind::kFailure) k.text += "Remediation: " + c.remediation + "\n";
      suite.cases.push_back(std::move(k));
    }
  }
  return suites;
}

std::vector<Suite> finding_suites(const Report& r) {
  std::vector<Suite> suites;
  std::map<FindingKind, size_t> index;
  std::string target = !r.target.reference.empty() ? r.target.reference : r.target.artifact.name;
  for (const auto& f : r.findings) {
    auto [it, fresh] = index.emplace(f.kind, suites.size());
    if (fresh) suites.push_back({target + " (" + to_string(f.kind) + ")", {}});
    Case c;
    c.classname = std::string(to_string(f.kind)) + (f.location.path.empty() ? "" : "." + f.location.path);
    c.name = f.id + (f.package_name.empty() ? "" : " " + f.package_name + "@" + f.package_version) +
             (f.location.line > 0 ? " line " + std::to_string(f.location.line) : "");
    auto msg = f.attributes.find("message");
    c.message = std::string(to_string(f.severity)) + ": " + (msg != f.attributes.end() ? msg->second : f.title);
    c.kind = f.status == FindingStatus::kOpen ? Case::Kind::kFailure : Case::Kind::kSkipped;
    if (c.kind == Case::Kind::kSkipped) c.message = std::string(to_string(f.status)) + ": " + c.message;
    std::string body;
    if (!f.title.empty()) body += f.title + "\n";
    if (!f.location.path.empty())
      body += "Location: " + f.location.path + (f.location.line ? ":" + std::to_string(f.location.line) : "") + "\n";
    if (!f.evidence.empty()) body += "Evidence: " + f.evidence + "\n";
    if (!f.remediation.fixed_versions.empty()) {
      body += "Fixed in:";
      for (const auto& v : f.remediation.fixed_versions) body += " " + v;
      body += "\n";
    }
    if (!f.remediation.text.empty()) body += "Remediation: " + f.remediation.text + "\n";
    c.text = body;
    suites[it->second].cases.push_back(std::move(c));
  }
  return suites;
}

class JunitWriter final : public Writer {
 public:
  std::string_view format() const override { return "junit"; }
  Status write(const Report& report, const WriteOptions&, std::ostream& out) const override {
    std::vector<Suite> suites;
    for (const auto& c : report.compliance) {
      auto s = compliance_suites(c);
      suites.insert(suites.end(), s.begin(), s.end());
    }
    // Findings that are not compliance results already shown as testcases.
    Report rest = report;
    if (!report.compliance.empty())
      std::erase_if(rest.findings, [](const Finding& f) { return f.kind == FindingKind::kCompliance; });
    auto fs = finding_suites(rest);
    suites.insert(suites.end(), fs.begin(), fs.end());

    size_t tests = 0, failures = 0, errors = 0, skipped = 0;
    for (const auto& s : suites) {
      tests += s.cases.size();
      failures += s.count(Case::Kind::kFailure);
      errors += s.count(Case::Kind::kError);
      skipped += s.count(Case::Kind::kSkipped);
    }
    std::ostringstream o;
    o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    o << "<testsuites name=\"bulwark\" tests=\"" << tests << "\" failures=\"" << failures << "\" errors=\"" << errors
      << "\" skipped=\"" << skipped << "\">\n";
    std::string stamp = report.created_at.size() >= 19 ? report.created_at.substr(0, 19) : "";
    for (const auto& s : suites) {
      o << "  <testsuite name=\"" << xml(s.name) << "\" tests=\"" << s.cases.size() << "\" failures=\""
        << s.count(Case::Kind::kFailure) << "\" errors=\"" << s.count(Case::Kind::kError) << "\" skipped=\""
        << s.count(Case::Kind::kSkipped) << "\"";
      if (!stamp.empty()) o << " timestamp=\"" << xml(stamp) << "\"";
      o << ">\n";
      for (const auto& c : s.cases) {
        o << "    <testcase classname=\"" << xml(c.classname) << "\" name=\"" << xml(c.name) << "\"";
        switch (c.kind) {
          case Case::Kind::kPass: o << "/>\n"; continue;
          case Case::Kind::kFailure:
            o << ">\n      <failure message=\"" << xml(c.message) << "\" type=\"fail\">" << xml(c.text) << "</failure>\n";
            break;
          case Case::Kind::kError:
            o << ">\n      <error message=\"" << xml(c.message) << "\" type=\"error\">" << xml(c.text) << "</error>\n";
            break;
          case Case::Kind::kSkipped: o << ">\n      <skipped message=\"" << xml(c.message) << "\"/>\n"; break;
        }
        o << "    </testcase>\n";
      }
      o << "  </testsuite>\n";
    }
    o << "</testsuites>\n";
    out << o.str();
    return {};
  }
};

}  // namespace

std::unique_ptr<Writer> make_junit_writer() { return std::make_unique<JunitWriter>(); }

}  // namespace bulwark::report
