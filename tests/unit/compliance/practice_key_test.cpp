// The `practice:` key of compliance specs: the spec's default, a control's
// own value, findings carrying it; the built-in specs say theirs.
#include <gtest/gtest.h>

#include "policy/compliance/compliance.hpp"

namespace bulwark::compliance {
namespace {

constexpr const char* kSpec = R"(spec: t-practice
practice: 4
controls:
  - {id: "1", title: one, check: "false"}
  - {id: "2", title: two, check: "false", practice: 8}
)";

ComplianceReport failing(const Spec& spec) {
  ComplianceReport r;
  r.spec = spec.name;
  r.framework = spec.framework;
  for (const auto& c : spec.controls) {
    ComplianceControlResult res;
    res.id = c.id;
    res.title = c.title;
    res.status = ComplianceStatus::kFail;
    ComplianceItem item;
    item.status = ComplianceStatus::kFail;
    res.items.push_back(item);
    r.controls.push_back(res);
  }
  return r;
}

TEST(CompliancePracticeKey, SpecDefaultAndControlOverride) {
  std::vector<Diagnostic> diags;
  auto spec = load_spec(kSpec, "t.yaml", diags);
  ASSERT_TRUE(spec.ok()) << spec.error().describe();
  EXPECT_TRUE(diags.empty()) << diags[0].message;  // no "unknown key" warning
  EXPECT_EQ(spec->practice, 4);
  EXPECT_EQ(spec->controls[0].practice, 0);
  EXPECT_EQ(spec->controls[1].practice, 8);
  auto findings = findings_of(failing(*spec), *spec);
  ASSERT_EQ(findings.size(), 2u);
  EXPECT_EQ(findings[0].attributes.at("practice"), "4");
  EXPECT_EQ(findings[1].attributes.at("practice"), "8");
  // The overload without the spec leaves it out.
  EXPECT_FALSE(findings_of(failing(*spec)).at(0).attributes.count("practice"));
}

TEST(CompliancePracticeKey, BadValueIsAnError) {
  std::vector<Diagnostic> diags;
  auto spec = load_spec("spec: t\npractice: 20\ncontrols: [{id: \"1\", title: one, check: \"true\"}]\n", "bad.yaml", diags);
  ASSERT_FALSE(spec.ok());
  EXPECT_NE(spec.error().message.find("from 1 to 14"), std::string::npos);
  EXPECT_NE(spec.error().where.find("bad.yaml"), std::string::npos);
}

TEST(CompliancePracticeKey, BuiltinSpecs) {
  EXPECT_EQ(find_builtin_spec("docker-cis")->practice, 4);
  EXPECT_EQ(find_builtin_spec("k8s-cis")->practice, 4);
  // Pod Security Standards are the runtime-privileges practice of the design.
  EXPECT_EQ(find_builtin_spec("k8s-pss-baseline")->practice, 8);
  EXPECT_EQ(find_builtin_spec("k8s-pss-restricted")->practice, 8);
}

}  // namespace
}  // namespace bulwark::compliance
