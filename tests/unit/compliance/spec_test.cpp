// Spec files: the built-in benchmarks load, and a spec that cannot be
// evaluated does not load (with the file, line and column).
#include <gtest/gtest.h>

#include <set>

#include "policy/compliance/compliance.hpp"

namespace bulwark::compliance {
namespace {

TEST(ComplianceSpec, BuiltinSpecsLoadWithTheirControls) {
  const auto& specs = builtin_specs();
  std::set<std::string> names;
  for (const auto& s : specs) names.insert(s.name);
  EXPECT_EQ(names, (std::set<std::string>{"docker-cis-1.6.0", "k8s-cis-1.8", "k8s-pss-baseline", "k8s-pss-restricted"}));

  const Spec* docker = find_builtin_spec("docker-cis");
  ASSERT_NE(docker, nullptr);
  EXPECT_EQ(docker->name, "docker-cis-1.6.0");
  // 1.1.1-1.1.18, 1.2.1-2, 2.1-2.18, 3.1-3.24, 4.1-4.12, 5.1-5.32, 6.1-6.2, 7.1-7.9
  EXPECT_EQ(docker->controls.size(), 18u + 2 + 18 + 24 + 12 + 32 + 2 + 9);
  size_t checked = 0;
  for (const auto& c : docker->controls) checked += !c.check.empty();
  EXPECT_GE(checked, 80u);
  EXPECT_TRUE(docker->uses("containers"));
  EXPECT_TRUE(docker->uses("daemon"));
  // Paths named in checks are collected so that the facts stat them.
  auto has = [](const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
  };
  EXPECT_TRUE(has(docker->files, "etc/docker/daemon.json"));
  EXPECT_TRUE(has(docker->files, "etc/docker/certs.d/*/*"));
  EXPECT_TRUE(has(docker->units, "docker.service"));

  const Spec* k8s = find_builtin_spec("k8s-cis");
  ASSERT_NE(k8s, nullptr);
  EXPECT_EQ(k8s->version, "1.8.0");
  EXPECT_TRUE(k8s->uses("kubelet"));
  EXPECT_TRUE(has(k8s->files, "etc/kubernetes/pki/**/*.key"));

  const Spec* pss = find_builtin_spec("k8s-pss-restricted");
  ASSERT_NE(pss, nullptr);
  for (const auto& c : pss->controls) {
    EXPECT_EQ(c.scope, Scope::kWorkload) << c.id;
    EXPECT_FALSE(c.policies.empty()) << c.id;
  }
  EXPECT_FALSE(pss->uses("daemon"));
  EXPECT_EQ(find_builtin_spec("no-such-spec"), nullptr);
}

TEST(ComplianceSpec, ControlsTakeTheirSectionFromTheirNumber) {
  std::vector<Diagnostic> diags;
  auto s = load_spec(R"(spec: t
sections: [{id: "1", title: One}, {id: "1.1", title: One one}, {id: "2", title: Two}]
controls:
  - {id: "1.1.4", title: a, check: "true"}
  - {id: "1.2", title: b, check: "true"}
  - {id: "2.10", title: c, check: "true"}
  - {id: "x", title: d, section: "2", check: "true"}
)",
                     "t.yaml", diags);
  ASSERT_TRUE(s) << s.error().describe();
  EXPECT_EQ(s->controls[0].section, "1.1");
  EXPECT_EQ(s->controls[1].section, "1");
  EXPECT_EQ(s->controls[2].section, "2");
  EXPECT_EQ(s->controls[3].section, "2");
  EXPECT_TRUE(diags.empty());
}

struct Bad {
  const char* yaml;
  const char* where;    // expected in Error::where
  const char* message;  // expected in Error::message
};

TEST(ComplianceSpec, BrokenSpecsDoNotLoad) {
  const Bad cases[] = {
      {"spec: t\ncontrols:\n  - id: '1'\n    title: x\n    check: daemon.effective.icc ==\n", "t.yaml:5", "check"},
      {"spec: t\ncontrols:\n  - id: '1'\n    title: x\n    check: nosuchfact.x\n", "t.yaml:5", "nosuchfact"},
      {"spec: t\ncontrols:\n  - {id: '1', title: x, check: 'true'}\n  - {id: '1', title: y, check: 'true'}\n", "t.yaml:4",
       "declared twice"},
      {"spec: t\ncontrols:\n  - {id: '1', title: x, requires: [nope], check: 'true'}\n", "t.yaml:3", "unknown precondition"},
      {"spec: t\ncontrols:\n  - {id: '1', title: x, scope: galaxy, check: 'true'}\n", "t.yaml:3", "unknown scope"},
      {"spec: t\ncontrols:\n  - {id: '1', title: x, severity: DIRE, check: 'true'}\n", "t.yaml:3", "unknown severity"},
      {"spec: t\ncontrols:\n  - {id: '1', title: x, scope: workload}\n", "t.yaml:3", "policies"},
      {"spec: t\ncontrols:\n  - {id: '1', title: x, check: 'container.privileged'}\n", "t.yaml:3", "container"},
      {"spec: 'bad name!'\ncontrols: []\n", "t.yaml:1", "spec name"},
      {"controls: []\n", "t.yaml", "needs a name"},
      {"spec: t\n", "t.yaml", "controls"},
      {"spec: t\ncontrols: [}\n", "t.yaml", ""},
      {"spec: t\ncontrols: []\n---\nspec: u\ncontrols: []\n", "t.yaml", "exactly one"},
  };
  for (const auto& c : cases) {
    std::vector<Diagnostic> diags;
    auto s = load_spec(c.yaml, "t.yaml", diags);
    ASSERT_FALSE(s) << c.yaml;
    EXPECT_NE(s.error().where.find(c.where), std::string::npos) << c.yaml << "\n" << s.error().describe();
    EXPECT_NE(s.error().message.find(c.message), std::string::npos) << c.yaml << "\n" << s.error().describe();
  }
}

TEST(ComplianceSpec, CelErrorsPointIntoTheFile) {
  std::vector<Diagnostic> diags;
  auto s = load_spec("spec: t\ncontrols:\n  - id: '1'\n    title: x\n    check: |\n      true &&\n        daemon.(\n", "t.yaml",
                     diags);
  ASSERT_FALSE(s);
  // The block scalar starts on line 6; the error is on its second line.
  EXPECT_NE(s.error().where.find("t.yaml:7:"), std::string::npos) << s.error().describe();
}

TEST(ComplianceSpec, UnknownKeysAndMissingReasonsAreWarnings) {
  std::vector<Diagnostic> diags;
  auto s = load_spec("spec: t\ncolour: red\ncontrols:\n  - {id: '1', title: x, chek: 'true'}\n", "t.yaml", diags);
  ASSERT_TRUE(s) << s.error().describe();
  ASSERT_EQ(diags.size(), 3u);
  EXPECT_NE(diags[0].message.find("colour"), std::string::npos);
  EXPECT_NE(diags[1].message.find("chek"), std::string::npos);
  EXPECT_NE(diags[2].message.find("no check"), std::string::npos);
  EXPECT_EQ(diags[1].location.line, 4);
}

TEST(ComplianceSpec, SpecFileErrors) {
  std::vector<Diagnostic> diags;
  auto s = load_spec_file("/nonexistent/spec.yaml", diags);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, ErrorCode::kNotFound);
  std::string huge(5u << 20, 'x');
  auto big = load_spec(huge, "big.yaml", diags);
  ASSERT_FALSE(big);
  EXPECT_EQ(big.error().code, ErrorCode::kLimitExceeded);
}

TEST(ComplianceFlags, GoFlagSyntax) {
  auto flags = parse_flags({"--icc=false", "--live-restore", "-H", "unix:///run/d.sock", "-Htcp://0.0.0.0:2375",
                            "--log-level", "warn", "--tlsverify", "-D", "--insecure-registry=a:5000", "positional",
                            "--data-root=/srv/docker", "--", "--not-a-flag"},
                           {"icc", "live-restore", "tlsverify", "debug"}, {{'H', "host"}, {'D', "debug"}});
  std::vector<std::pair<std::string, std::string>> got;
  for (const auto& f : flags) got.emplace_back(f.name, f.value);
  std::vector<std::pair<std::string, std::string>> want = {
      {"icc", "false"},         {"live-restore", "true"}, {"host", "unix:///run/d.sock"},
      {"host", "tcp://0.0.0.0:2375"}, {"log-level", "warn"},  {"tlsverify", "true"},
      {"debug", "true"},        {"insecure-registry", "a:5000"}, {"data-root", "/srv/docker"}};
  EXPECT_EQ(got, want);
  // A boolean flag does not take the next word; a value flag at the end has none.
  auto b = parse_flags({"--icc", "false", "--config"}, {"icc"});
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].value, "true");
  EXPECT_EQ(b[1].name, "config");
  EXPECT_EQ(b[1].value, "");
  EXPECT_EQ(b[1].index, 2u);
}

}  // namespace
}  // namespace bulwark::compliance
