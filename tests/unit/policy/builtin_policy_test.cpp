// Every built-in policy against its own fixtures:
// tests/fixtures/config/policies/<ID>/fail/ holds configuration files that
// break the policy, .../pass/ the same things done right. A policy without
// fixtures fails here, so a new policy has to come with them.
//
// A fail file may mark where a finding belongs: a comment line
// `# expect-next-line` means some finding of the policy must point at the
// line after it.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "policy/misconfig/misconfig.hpp"
#include "testing/testing.hpp"

namespace bulwark::policy {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMarker = "# expect-next-line";

fs::path policy_fixtures() { return ::bulwark::testing::fixture("config/policies"); }

// Every regular file below `dir`, as ConfigFiles named relative to `dir`, in path order.
std::vector<ConfigFile> read_tree(const fs::path& dir) {
  std::vector<ConfigFile> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    files.push_back(ConfigFile{fs::relative(entry.path(), dir).generic_string(), "",
                               ::bulwark::testing::read_file(entry.path())});
  }
  std::sort(files.begin(), files.end(), [](const ConfigFile& a, const ConfigFile& b) { return a.path < b.path; });
  return files;
}

struct Outcome {
  std::vector<Finding> findings;  // of the policy under test only
  std::vector<Diagnostic> diags;
  size_t documents = 0;
};

Outcome evaluate(const Policy& policy, const std::vector<ConfigFile>& files) {
  Outcome out;
  std::vector<Document> docs = parse_config_files(files, ConfigLimits{}, out.diags);
  out.documents = docs.size();
  std::vector<Finding> all;
  evaluate_policies(std::span(&policy, 1), docs, [](const std::string&) { return std::string(); }, all, out.diags);
  for (Finding& f : all)
    if (f.id == policy.id) out.findings.push_back(std::move(f));
  return out;
}

std::string describe(const std::vector<Finding>& findings) {
  std::string out;
  for (const Finding& f : findings) {
    auto m = f.attributes.find("message");
    out += "  " + f.location.path + ":" + std::to_string(f.location.line) + ": " +
           (m != f.attributes.end() ? m->second : f.title) + "\n";
  }
  return out;
}

std::string describe(const std::vector<Diagnostic>& diags) {
  std::string out;
  for (const Diagnostic& d : diags)
    out += "  " + d.location.path + ":" + std::to_string(d.location.line) + ": " + d.message + "\n";
  return out;
}

// Lines (1-based) that follow an `# expect-next-line` marker in `text`.
std::vector<int> marked_lines(const std::string& text) {
  std::vector<int> lines;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    size_t start = line.find_first_not_of(" \t");
    if (start != std::string::npos && std::string_view(line).substr(start).starts_with(kMarker))
      lines.push_back(n + 1);
  }
  return lines;
}

const Policy* find_builtin(const std::string& id) {
  for (const Policy& p : builtin_policies())
    if (p.id == id) return &p;
  return nullptr;
}

std::vector<std::string> builtin_ids() {
  std::vector<std::string> ids;
  for (const Policy& p : builtin_policies()) ids.push_back(p.id);
  return ids;
}

class BuiltinPolicyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BuiltinPolicyTest, FailFixturesFireAndPassFixturesDoNot) {
  const Policy* policy = find_builtin(GetParam());
  ASSERT_NE(policy, nullptr);
  const fs::path dir = policy_fixtures() / policy->id;
  ASSERT_TRUE(fs::is_directory(dir / "fail") && fs::is_directory(dir / "pass"))
      << "built-in policy " << policy->id << " (" << policy->source << ") has no fixtures: add "
      << dir.string() << "/fail/ and /pass/ with " << policy->format << " files that break and keep it";

  std::vector<ConfigFile> fail = read_tree(dir / "fail");
  std::vector<ConfigFile> pass = read_tree(dir / "pass");
  ASSERT_FALSE(fail.empty()) << dir.string() << "/fail is empty";
  ASSERT_FALSE(pass.empty()) << dir.string() << "/pass is empty";

  Outcome failed = evaluate(*policy, fail);
  EXPECT_TRUE(failed.diags.empty()) << "fail/ of " << policy->id << " gives diagnostics:\n" << describe(failed.diags);
  EXPECT_GT(failed.documents, 0u) << "no file in fail/ of " << policy->id << " is recognised as a configuration";
  EXPECT_FALSE(failed.findings.empty()) << "fail/ of " << policy->id << " does not break the policy";

  // Every fail file breaks the policy: each is a variant of its own. A
  // Terraform module is a directory whose files are read together, so there
  // each directory must break it; a check across documents (scope: all)
  // judges the files together.
  auto unit_of = [&](const std::string& path) {
    if (policy->scope == PolicyScope::kAll) return std::string();
    if (policy->format != "terraform") return path;
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash);
  };
  for (const ConfigFile& file : fail) {
    const std::string unit = unit_of(file.path);
    bool hit = std::any_of(failed.findings.begin(), failed.findings.end(),
                           [&](const Finding& f) { return unit_of(f.location.path) == unit; });
    EXPECT_TRUE(hit) << "fail/" << file.path << " gives no " << policy->id << " finding";
    for (int line : marked_lines(file.text)) {
      bool at_line = std::any_of(failed.findings.begin(), failed.findings.end(), [&](const Finding& f) {
        return f.location.path == file.path && f.location.line == line;
      });
      EXPECT_TRUE(at_line) << "fail/" << file.path << ":" << line << " is marked but no " << policy->id
                           << " finding points there; findings:\n" << describe(failed.findings);
    }
  }

  Outcome passed = evaluate(*policy, pass);
  EXPECT_TRUE(passed.diags.empty()) << "pass/ of " << policy->id << " gives diagnostics:\n" << describe(passed.diags);
  EXPECT_GT(passed.documents, 0u) << "no file in pass/ of " << policy->id << " is recognised as a configuration";
  EXPECT_TRUE(passed.findings.empty()) << "pass/ of " << policy->id << " breaks the policy:\n"
                                       << describe(passed.findings);
}

INSTANTIATE_TEST_SUITE_P(Builtin, BuiltinPolicyTest, ::testing::ValuesIn(builtin_ids()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// Fixture directories that name no built-in policy are stale (a renamed or
// removed policy) and would test nothing.
TEST(BuiltinPolicyFixtures, EveryDirectoryNamesABuiltinPolicy) {
  ASSERT_TRUE(fs::is_directory(policy_fixtures()));
  std::set<std::string> ids;
  for (const Policy& p : builtin_policies()) ids.insert(p.id);
  size_t dirs = 0;
  for (const auto& entry : fs::directory_iterator(policy_fixtures())) {
    if (!entry.is_directory()) continue;
    ++dirs;
    EXPECT_TRUE(ids.count(entry.path().filename().string()))
        << entry.path().string() << " names no built-in policy";
  }
  EXPECT_EQ(dirs, ids.size());
}

TEST(BuiltinPolicyFixtures, MarkersAreFound) {
  EXPECT_EQ(marked_lines("a\n# expect-next-line\nb\n  # expect-next-line\nc\n"), (std::vector<int>{3, 5}));
  EXPECT_TRUE(marked_lines("x # expect-next-line\n").empty());
}

}  // namespace
}  // namespace bulwark::policy
