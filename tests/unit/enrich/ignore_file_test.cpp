// Ignore files: Bulwark's YAML, Trivy's YAML and plain layouts, errors with
// their line, and matching (id or alias, package name or purl, path globs, kind).
#include <gtest/gtest.h>

#include "core/json.hpp"
#include "enrich/enrich.hpp"
#include "enrich/internal.hpp"
#include "testing/testing.hpp"

namespace bulwark::enrich {
namespace {

using bulwark::testing::fixture;
using bulwark::testing::TempDir;

IgnoreFile parse_ok(const std::string& text, const std::string& path) {
  auto r = parse_ignore_file(text, path);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().describe());
  return r.ok() ? *r : IgnoreFile{};
}

Error parse_err(const std::string& text, const std::string& path) {
  auto r = parse_ignore_file(text, path);
  EXPECT_FALSE(r.ok()) << text;
  return r.ok() ? Error{} : r.error();
}

TEST(IgnoreFile, BulwarkYaml) {
  auto r = load_ignore_file(fixture("enrich/bulwarkignore.yaml").string());
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->rules.size(), 4u);
  const IgnoreRule& glibc = r->rules[0];
  EXPECT_EQ(glibc.id, "CVE-2023-4911");
  EXPECT_EQ(glibc.packages, std::vector<std::string>{"libc6"});
  EXPECT_EQ(glibc.reason, "setuid binaries are removed from this image");
  EXPECT_EQ(glibc.expires, "2099-12-31");
  EXPECT_EQ(glibc.line, 3);
  EXPECT_FALSE(glibc.kind.has_value());
  EXPECT_EQ(r->rules[1].packages, std::vector<std::string>{"pkg:npm/lodash"});
  EXPECT_EQ(r->rules[1].paths, std::vector<std::string>{"srv/app/package-lock.json"});
  EXPECT_EQ(r->rules[3].kind, FindingKind::kMisconfiguration);
  // "owner" is not a key Bulwark knows: a warning that names the line.
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].message.find("unknown key 'owner'"), std::string::npos);
  EXPECT_EQ(r->warnings[0].location.line, 17);
  EXPECT_NE(r->warnings[0].location.path.find("bulwarkignore.yaml"), std::string::npos);
}

TEST(IgnoreFile, TrivyYamlLayout) {
  auto r = load_ignore_file(fixture("enrich/trivyignore.yaml").string());
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->rules.size(), 6u);
  EXPECT_EQ(r->rules[0].kind, FindingKind::kVulnerability);
  EXPECT_EQ(r->rules[0].reason, "Accept the risk");
  EXPECT_EQ(r->rules[0].paths.size(), 1u);
  EXPECT_EQ(r->rules[2].packages, std::vector<std::string>{"pkg:deb/debian/libssl3"});
  EXPECT_EQ(r->rules[3].expires, "2023-09-01");
  EXPECT_EQ(r->rules[4].kind, FindingKind::kMisconfiguration);
  EXPECT_EQ(r->rules[5].kind, FindingKind::kSecret);
  EXPECT_EQ(r->rules[5].paths, std::vector<std::string>{"srv/app/**"});
  ASSERT_EQ(r->warnings.size(), 1u);  // licenses: not used
  EXPECT_NE(r->warnings[0].message.find("licenses"), std::string::npos);
}

TEST(IgnoreFile, TrivyPlainText) {
  auto r = load_ignore_file(fixture("enrich/trivyignore").string());
  ASSERT_TRUE(r.ok()) << r.error().describe();
  ASSERT_EQ(r->rules.size(), 4u);
  EXPECT_EQ(r->rules[0].id, "CVE-2023-45853");
  EXPECT_EQ(r->rules[0].reason, "Accept the risk: the MiniZip code is not built into zlib1g");
  EXPECT_EQ(r->rules[0].line, 4);
  EXPECT_EQ(r->rules[1].expires, "2099-01-01");
  EXPECT_EQ(r->rules[2].expires, "2024-01-31");
  EXPECT_EQ(r->rules[3].id, "generic-unwanted-rule");
  EXPECT_EQ(r->rules[3].reason, "");  // the comment above belongs to the previous entry
}

TEST(IgnoreFile, FormatIsSniffedForNamesWithoutExtension) {
  auto yaml = parse_ok("vulnerabilities:\n  - id: CVE-2024-3094\n", ".bulwarkignore");
  ASSERT_EQ(yaml.rules.size(), 1u);
  EXPECT_EQ(yaml.rules[0].kind, FindingKind::kVulnerability);
  auto text = parse_ok("# comment\nCVE-2024-3094 exp:2030-01-01\n", ".bulwarkignore");
  ASSERT_EQ(text.rules.size(), 1u);
  EXPECT_EQ(text.rules[0].expires, "2030-01-01");
  auto list = parse_ok("- CVE-2024-3094\n- id: CVE-2024-6387\n  reason: regreSSHion, sshd not installed\n", "x");
  ASSERT_EQ(list.rules.size(), 2u);
  EXPECT_EQ(list.rules[1].reason, "regreSSHion, sshd not installed");
  EXPECT_TRUE(parse_ok("", "empty.yaml").rules.empty());
  EXPECT_TRUE(parse_ok("\n# nothing\n", ".bulwarkignore").rules.empty());
}

TEST(IgnoreFile, ErrorsNameTheFileAndLine) {
  Error syntax = parse_err("ignores:\n  - id: CVE-1\n    paths: [a, b\n", "bad.yaml");
  EXPECT_EQ(syntax.code, ErrorCode::kCorrupt);
  EXPECT_NE(syntax.where.find("bad.yaml: line "), std::string::npos) << syntax.describe();

  Error no_id = parse_err("ignores:\n  - reason: x\n", "a.yaml");
  EXPECT_EQ(no_id.where, "a.yaml: line 2");
  EXPECT_NE(no_id.message.find("without an 'id'"), std::string::npos);

  Error bad_date = parse_err("ignores:\n  - id: CVE-1\n    expires: 2024-02-30\n", "a.yaml");
  EXPECT_EQ(bad_date.where, "a.yaml: line 3");
  EXPECT_NE(bad_date.message.find("2024-02-30"), std::string::npos);

  Error not_list = parse_err("vulnerabilities: CVE-1\n", "a.yaml");
  EXPECT_EQ(not_list.where, "a.yaml: line 1");

  Error wrong_type = parse_err("ignores:\n  - id: CVE-1\n    reason: [a]\n", "a.yaml");
  EXPECT_EQ(wrong_type.where, "a.yaml: line 3");

  Error scalar_root = parse_err("just words\n", "a.yaml");
  EXPECT_NE(scalar_root.message.find("expected a mapping"), std::string::npos);

  Error text_date = parse_err("CVE-1\nCVE-2 exp:tomorrow\n", ".trivyignore");
  EXPECT_EQ(text_date.where, ".trivyignore: line 2");

  auto unknown_field = parse_ok("CVE-1 severity:high\n", ".trivyignore");
  ASSERT_EQ(unknown_field.warnings.size(), 1u);
  EXPECT_EQ(unknown_field.warnings[0].location.line, 1);

  // Nesting deep enough to blow a recursive parser's stack is an error, not a crash.
  Error deep = parse_err("ignores: " + std::string(100000, '[') + "\n", "deep.yaml");
  EXPECT_EQ(deep.code, ErrorCode::kCorrupt);

  EXPECT_EQ(load_ignore_file("/nonexistent/.bulwarkignore").error().code, ErrorCode::kNotFound);
}

TEST(IgnoreFile, DefaultFileInTheDirectory) {
  TempDir tmp;
  EXPECT_FALSE(default_ignore_file(tmp.path().string()).has_value());
  bulwark::testing::write_file(tmp / ".bulwarkignore", "CVE-1\n");
  EXPECT_EQ(default_ignore_file(tmp.path().string()), (tmp / ".bulwarkignore").string());
  bulwark::testing::write_file(tmp / ".bulwarkignore.yaml", "ignores: []\n");
  EXPECT_EQ(default_ignore_file(tmp.path().string()), (tmp / ".bulwarkignore.yaml").string());
  // Trivy's file is not picked up by itself: the user names it with --ignorefile.
  TempDir other;
  bulwark::testing::write_file(other / ".trivyignore", "CVE-1\n");
  EXPECT_FALSE(default_ignore_file(other.path().string()).has_value());
}

TEST(Glob, SegmentsStarsAndDirectories) {
  using detail::glob_matches;
  EXPECT_TRUE(glob_matches("srv/app/package-lock.json", "srv/app/package-lock.json"));
  EXPECT_TRUE(glob_matches("/srv/app/package-lock.json", "srv/app/package-lock.json"));
  EXPECT_TRUE(glob_matches("./srv/*/package-lock.json", "srv/app/package-lock.json"));
  EXPECT_FALSE(glob_matches("srv/*", "srv/app/package-lock.json"));  // * stays in one segment
  EXPECT_TRUE(glob_matches("srv/**", "srv/app/package-lock.json"));
  EXPECT_TRUE(glob_matches("**/package-lock.json", "package-lock.json"));  // **/ matches no directory too
  EXPECT_TRUE(glob_matches("**/package-lock.json", "a/b/c/package-lock.json"));
  EXPECT_TRUE(glob_matches("usr/lib/**/METADATA", "usr/lib/python3/dist-packages/x-1.0.dist-info/METADATA"));
  EXPECT_TRUE(glob_matches("usr/local/", "usr/local/bin/x"));
  EXPECT_FALSE(glob_matches("usr/local/", "usr/localx/bin"));
  EXPECT_TRUE(glob_matches("*.json", "report.json"));
  EXPECT_FALSE(glob_matches("*.json", "a/report.json"));
  EXPECT_TRUE(glob_matches("a?c", "abc"));
  EXPECT_FALSE(glob_matches("a?c", "a/c"));
  // "**" before a "*": the star must not cut off the search.
  EXPECT_TRUE(glob_matches("**/b*/c", "x/b1/y/b2/c"));
  // A pathological pattern stays fast (linear DP, no backtracking).
  std::string pattern;
  for (int i = 0; i < 200; ++i) pattern += "**/a*";
  EXPECT_FALSE(glob_matches(pattern + "z", std::string(2000, 'a')));
}

TEST(Purl, ParseAndCompare) {
  using detail::parse_purl;
  using detail::purl_matches;
  auto ours = parse_purl("pkg:deb/ubuntu/zabbix-agent@6.0.25%2Bdfsg-1?arch=amd64&distro=ubuntu-24.04&epoch=1");
  ASSERT_TRUE(ours.has_value());
  EXPECT_EQ(ours->version, "1:6.0.25+dfsg-1");  // epoch folded into the version
  EXPECT_EQ(ours->qualifiers.count("epoch"), 0u);
  auto canonical = parse_purl("pkg:deb/ubuntu/zabbix-agent@1:6.0.25+dfsg-1?arch=amd64&distro=noble");
  ASSERT_TRUE(canonical.has_value());
  detail::DistroNames noble{"ubuntu-24.04", "noble"};
  EXPECT_TRUE(purl_matches(*canonical, *ours, noble));
  EXPECT_FALSE(purl_matches(*canonical, *ours, detail::DistroNames{"ubuntu-22.04", "jammy"}));
  // Qualifiers only count when the pattern has them; no version = any version.
  EXPECT_TRUE(purl_matches(*parse_purl("pkg:deb/ubuntu/zabbix-agent"), *ours, {}));
  EXPECT_FALSE(purl_matches(*parse_purl("pkg:deb/ubuntu/zabbix-agent?arch=arm64"), *ours, noble));
  EXPECT_FALSE(purl_matches(*parse_purl("pkg:deb/ubuntu/zabbix-agent@6.0.25+dfsg-1"), *ours, noble));  // epoch differs
  // "debian-12" names the release line of "debian-12.5".
  auto deb = parse_purl("pkg:deb/debian/libc6@2.36-9%2Bdeb12u1?arch=amd64&distro=debian-12.5");
  EXPECT_TRUE(purl_matches(*parse_purl("pkg:deb/debian/libc6@2.36-9+deb12u1?distro=debian-12"), *deb, {}));
  EXPECT_FALSE(purl_matches(*parse_purl("pkg:deb/debian/libc6@2.36-9+deb12u1?distro=debian-11"), *deb, {}));
  // ESM channels name the release after the slash.
  auto focal = parse_purl("pkg:deb/ubuntu/libcurl4@7.68.0-1ubuntu2.25%2Besm3?arch=amd64&distro=ubuntu-20.04");
  EXPECT_TRUE(purl_matches(*parse_purl("pkg:deb/ubuntu/libcurl4@7.68.0-1ubuntu2.25+esm3?arch=amd64&distro=esm-infra/focal"),
                           *focal, detail::DistroNames{"ubuntu-20.04", "focal"}));
  // npm scopes, PyPI name normalisation.
  auto scoped = parse_purl("pkg:npm/%40babel/core@7.23.0");
  ASSERT_TRUE(scoped.has_value());
  EXPECT_EQ(scoped->ns, "@babel");
  EXPECT_EQ(scoped->name, "core");
  EXPECT_TRUE(purl_matches(*parse_purl("pkg:npm/@babel/core@7.23.0"), *scoped, {}));
  EXPECT_TRUE(purl_matches(*parse_purl("pkg:pypi/Django_Rest@3.0"), *parse_purl("pkg:pypi/django-rest@3.0"), {}));
  // Malformed.
  EXPECT_FALSE(parse_purl("deb/debian/x").has_value());
  EXPECT_FALSE(parse_purl("pkg:deb").has_value());
  EXPECT_FALSE(parse_purl("pkg:npm/x%G1@1").has_value());
  EXPECT_FALSE(parse_purl("pkg:npm/x@1%4").has_value());
}

TEST(Dates, CalendarChecks) {
  EXPECT_TRUE(detail::valid_date("2024-02-29"));
  EXPECT_FALSE(detail::valid_date("2023-02-29"));
  EXPECT_FALSE(detail::valid_date("2023-13-01"));
  EXPECT_FALSE(detail::valid_date("2023-1-01"));
  EXPECT_EQ(detail::date_part("2023-09-01T00:00:00Z"), "2023-09-01");
  EXPECT_FALSE(detail::date_part("2023-09-01X").has_value());
}

}  // namespace
}  // namespace bulwark::enrich
