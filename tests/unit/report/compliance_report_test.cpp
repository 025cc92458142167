// Compliance results in the report writers: JUnit XML that an XML parser
// accepts with the structure CI systems read (testsuites / testsuite /
// testcase with failure, error and skipped), the JSON report's compliance
// section round-tripping, and the table's control-by-control view.
#include <expat.h>
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "core/json.hpp"
#include "report/report.hpp"
#include "sample_report.hpp"

namespace bulwark::report {
namespace {

Report compliance_report() {
  Report r;
  r.created_at = "2026-11-29T07:00:00Z";
  r.target.kind = TargetKind::kHost;
  r.target.reference = "/";
  ComplianceReport c;
  c.spec = "docker-cis-1.6.0";
  c.title = "CIS Docker Benchmark";
  c.version = "1.6.0";
  c.framework = "cis-docker-1.6.0";
  c.sections = {{"2", "Docker daemon configuration", {}}, {"5", "Container Runtime", {}}};
  ComplianceControlResult icc;
  icc.id = "2.2";
  icc.title = "Ensure network traffic is restricted between containers on the default bridge";
  icc.section = "2";
  icc.severity = Severity::kMedium;
  icc.status = ComplianceStatus::kFail;
  icc.remediation = "Set \"icc\": false";
  icc.items = {{"", ComplianceStatus::kFail, "icc is <true> & \"on\"", {{"etc/docker/daemon.json", 3, "icc", "true", ""}}}};
  ComplianceControlResult ulimit;
  ulimit.id = "2.8";
  ulimit.title = "Ensure the default ulimit is configured appropriately";
  ulimit.section = "2";
  ulimit.status = ComplianceStatus::kManual;
  ulimit.message = "depends on the workloads";
  ComplianceControlResult priv;
  priv.id = "5.5";
  priv.title = "Ensure that privileged containers are not used";
  priv.section = "5";
  priv.severity = Severity::kCritical;
  priv.status = ComplianceStatus::kFail;
  priv.items = {{"good (aaaa)", ComplianceStatus::kPass, "", {}},
                {"bad (bbbb)", ComplianceStatus::kFail, "runs privileged", {{"container bad (bbbb)", 0, "privileged", "true", ""}}},
                {"odd (cccc)", ComplianceStatus::kError, "no such key: 'HostConfig'\x01", {}},
                {"hmm (dddd)", ComplianceStatus::kWarn, "review \xff this", {}}};
  c.controls = {icc, ulimit, priv};
  for (auto& s : c.sections)
    for (const auto& ctl : c.controls)
      if (ctl.section == s.id) s.counts.add(ctl.status);
  for (const auto& ctl : c.controls) c.total.add(ctl.status);
  r.compliance.push_back(c);
  Finding f;
  f.kind = FindingKind::kCompliance;
  f.id = "docker-cis-1.6.0/2.2";
  r.findings.push_back(f);
  return r;
}

std::string render(const Report& r, std::string_view format) {
  std::ostringstream out;
  Status st = write_report(r, format, {}, out);
  EXPECT_TRUE(st.ok()) << (st.ok() ? "" : st.error().describe());
  return out.str();
}

// The elements of an XML document as expat reads it: names with their
// attributes, in document order, and the text inside each failure/error.
struct Element {
  std::string name;
  std::map<std::string, std::string> attrs;
  std::string parent;
  std::string text;
};

struct Parsed {
  bool ok = false;
  std::string error;
  std::vector<Element> elements;
};

Parsed parse_xml(const std::string& text) {
  Parsed p;
  struct State {
    Parsed* p;
    std::vector<size_t> stack;
  } st{&p, {}};
  XML_Parser x = XML_ParserCreate("UTF-8");
  XML_SetUserData(x, &st);
  XML_SetElementHandler(
      x,
      [](void* ud, const XML_Char* name, const XML_Char** atts) {
        auto* s = static_cast<State*>(ud);
        Element e;
        e.name = name;
        e.parent = s->stack.empty() ? "" : s->p->elements[s->stack.back()].name;
        for (size_t i = 0; atts[i]; i += 2) e.attrs[atts[i]] = atts[i + 1];
        s->p->elements.push_back(std::move(e));
        s->stack.push_back(s->p->elements.size() - 1);
      },
      [](void* ud, const XML_Char*) { static_cast<State*>(ud)->stack.pop_back(); });
  XML_SetCharacterDataHandler(x, [](void* ud, const XML_Char* s, int len) {
    auto* st = static_cast<State*>(ud);
    if (!st->stack.empty()) st->p->elements[st->stack.back()].text.append(s, static_cast<size_t>(len));
  });
  p.ok = XML_Parse(x, text.data(), static_cast<int>(text.size()), 1) == XML_STATUS_OK;
  if (!p.ok) p.error = XML_ErrorString(XML_GetErrorCode(x)) + std::string(" at line ") + std::to_string(XML_GetCurrentLineNumber(x));
  XML_ParserFree(x);
  return p;
}

TEST(JunitWriter, ComplianceControlsAreTestcases) {
  std::string xml = render(compliance_report(), "junit");
  Parsed p = parse_xml(xml);
  ASSERT_TRUE(p.ok) << p.error << "\n" << xml;
  ASSERT_FALSE(p.elements.empty());
  const Element& root = p.elements[0];
  EXPECT_EQ(root.name, "testsuites");
  EXPECT_EQ(root.attrs.at("tests"), "6");  // 2.2, 2.8, and 5.5 once per container
  EXPECT_EQ(root.attrs.at("failures"), "2");
  EXPECT_EQ(root.attrs.at("errors"), "1");
  EXPECT_EQ(root.attrs.at("skipped"), "2");
  std::vector<const Element*> suites, cases;
  std::map<std::string, int> kinds;
  for (const auto& e : p.elements) {
    if (e.name == "testsuite") {
      EXPECT_EQ(e.parent, "testsuites");
      suites.push_back(&e);
    }
    if (e.name == "testcase") {
      EXPECT_EQ(e.parent, "testsuite");
      cases.push_back(&e);
    }
    if (e.name == "failure" || e.name == "error" || e.name == "skipped") {
      EXPECT_EQ(e.parent, "testcase") << e.name;
      kinds[e.name]++;
    }
  }
  ASSERT_EQ(suites.size(), 2u);
  EXPECT_EQ(suites[0]->attrs.at("name"), "docker-cis-1.6.0 / 2 Docker daemon configuration");
  EXPECT_EQ(suites[0]->attrs.at("tests"), "2");
  EXPECT_EQ(suites[1]->attrs.at("tests"), "4");
  EXPECT_EQ(cases.size(), 6u);
  EXPECT_EQ(kinds["failure"], 2);
  EXPECT_EQ(kinds["error"], 1);
  EXPECT_EQ(kinds["skipped"], 2);
  // Escaped text comes back as it was; the evidence is in the failure's body.
  for (const auto& e : p.elements)
    if (e.name == "failure" && e.attrs.at("message").find("icc") != std::string::npos) {
      EXPECT_EQ(e.attrs.at("message"), "icc is <true> & \"on\"");
      EXPECT_NE(e.text.find("etc/docker/daemon.json:3 icc = true"), std::string::npos) << e.text;
      EXPECT_NE(e.text.find("Remediation: Set \"icc\": false"), std::string::npos) << e.text;
    }
  EXPECT_EQ(cases[3]->attrs.at("name"), "5.5 Ensure that privileged containers are not used [bad (bbbb)]");
}

TEST(JunitWriter, FindingsWithoutCompliance) {
  Report r = testing::sample_report();
  std::string xml = render(r, "junit");
  Parsed p = parse_xml(xml);
  ASSERT_TRUE(p.ok) << p.error << "\n" << xml;
  size_t cases = 0;
  for (const auto& e : p.elements) cases += e.name == "testcase";
  EXPECT_EQ(cases, r.findings.size());
  EXPECT_EQ(p.elements[0].attrs.at("tests"), std::to_string(r.findings.size()));
  // An empty report is still a valid document.
  Parsed empty = parse_xml(render(Report{}, "junit"));
  ASSERT_TRUE(empty.ok) << empty.error;
  EXPECT_EQ(empty.elements.size(), 1u);
}

TEST(ComplianceJson, SectionRoundTrips) {
  Report r = compliance_report();
  // (Invalid UTF-8 is replaced on the way out, so it would not round-trip.)
  r.compliance[0].controls[2].items[3].message = "review this";
  std::string text = render(r, "json");
  auto j = json::parse(text);
  const json& c = j.at("compliance").at(0);
  EXPECT_EQ(c.at("spec"), "docker-cis-1.6.0");
  EXPECT_EQ(c.at("summary").at("fail"), 2);
  EXPECT_EQ(c.at("summary").at("manual"), 1);
  EXPECT_DOUBLE_EQ(c.at("summary").at("percent").get<double>(), 0.0);
  EXPECT_TRUE(c.at("sections").at(0).at("summary").at("percent").is_number());
  EXPECT_EQ(c.at("controls").at(2).at("items").at(1).at("status"), "fail");
  EXPECT_EQ(c.at("controls").at(0).at("items").at(0).at("evidence").at(0).at("line"), 3);
  auto back = report_from_json(text, "report.json");
  ASSERT_TRUE(back) << back.error().describe();
  ASSERT_EQ(back->compliance.size(), 1u);
  EXPECT_EQ(back->compliance[0], r.compliance[0]);
  // Nothing checked: the percentage is null, not 0.
  ComplianceCounts none;
  none.manual = 3;
  json n = none;
  EXPECT_TRUE(n.at("percent").is_null());
}

TEST(ComplianceTable, ControlByControl) {
  std::string text = render(compliance_report(), "table");
  EXPECT_NE(text.find("CIS Docker Benchmark 1.6.0 (docker-cis-1.6.0)"), std::string::npos) << text;
  EXPECT_NE(text.find("Score: 0.0% of the checked controls pass (0 pass, 2 fail, 0 warn, 0 error, 1 manual)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("| 2.2 "), std::string::npos);
  EXPECT_NE(text.find("bad (bbbb)"), std::string::npos);
  EXPECT_NE(text.find("etc/docker/daemon.json:3 icc = true"), std::string::npos) << text;
  // The compliance finding is the control above, not listed again.
  EXPECT_EQ(text.find("Compliance checks in"), std::string::npos) << text;
  EXPECT_EQ(text.find("No packages found"), std::string::npos) << text;
}

}  // namespace
}  // namespace bulwark::report
