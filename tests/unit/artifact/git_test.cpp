// Repository metadata read from git's own files, checked against what git
// itself says (rev-parse, symbolic-ref, config) on real repositories made with
// git: loose and packed refs, detached and unborn HEAD, linked worktrees,
// submodules, SHA-256 repositories; and the file parsers on their own.
#include <gtest/gtest.h>

#include <filesystem>

#include "artifact/artifact.hpp"
#include "artifact/git.hpp"
#include "testing/testing.hpp"

namespace bulwark::artifact {
namespace {

namespace fs = std::filesystem;
using bulwark::testing::TempDir;

// Runs git with a configuration of its own (no user or system config), so the
// tests see only what they set up.
std::string git(const fs::path& dir, const std::string& args) {
  std::string cmd = "cd '" + dir.string() +
                    "' && export HOME=/nonexistent GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null "
                    "GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t "
                    "GIT_COMMITTER_EMAIL=t@example.org && git -c init.defaultBranch=main -c protocol.file.allow=always " +
                    args;
  auto r = bulwark::testing::sh(cmd);
  EXPECT_EQ(r.exit_code, 0) << cmd << "\n" << r.err;
  std::string out = r.out;
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

void commit_file(const fs::path& repo, const std::string& name, const std::string& content) {
  bulwark::testing::write_file(repo / name, content);
  git(repo, "add '" + name + "' && git commit -q -m '" + name + "'");
}

// What git says about the work tree at `dir`.
RepositoryInfo expected(const fs::path& dir) {
  RepositoryInfo r;
  auto head = bulwark::testing::sh("cd '" + dir.string() + "' && git rev-parse -q --verify HEAD");
  if (head.exit_code == 0) r.commit = head.out.substr(0, head.out.find('\n'));
  auto branch = bulwark::testing::sh("cd '" + dir.string() + "' && git symbolic-ref -q --short HEAD");
  if (branch.exit_code == 0) r.branch = branch.out.substr(0, branch.out.find('\n'));
  auto url = bulwark::testing::sh("cd '" + dir.string() + "' && GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null git config --get remote.origin.url");
  if (url.exit_code == 0) r.remote_url = url.out.substr(0, url.out.find('\n'));
  return r;
}

RepositoryInfo read(const fs::path& dir, std::vector<Diagnostic>* diags_out = nullptr) {
  std::vector<Diagnostic> diags;
  auto info = read_git_repository(dir.string(), diags);
  EXPECT_TRUE(info.has_value()) << dir;
  if (diags_out) *diags_out = diags;
  else
    EXPECT_TRUE(diags.empty()) << diags.front().location.path << ": " << diags.front().message;
  return info.value_or(RepositoryInfo{});
}

class GitRepo : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!bulwark::testing::have_tool("git")) GTEST_SKIP() << "git is not installed";
    repo_ = tmp_ / "repo";
    fs::create_directories(repo_);
    git(repo_, "init -q .");
  }
  TempDir tmp_;
  fs::path repo_;
};

TEST_F(GitRepo, LooseRefsBranchAndOrigin) {
  commit_file(repo_, "a.txt", "a\n");
  commit_file(repo_, "b.txt", "b\n");
  git(repo_, "remote add origin https://github.com/example/project.git");
  git(repo_, "remote add upstream https://github.com/other/project.git");
  RepositoryInfo got = read(repo_);
  RepositoryInfo want = expected(repo_);
  EXPECT_EQ(got, want);
  EXPECT_EQ(got.branch, "main");
  EXPECT_EQ(got.commit.size(), 40u);
  EXPECT_EQ(got.remote_url, "https://github.com/example/project.git");
  // A subdirectory of the work tree belongs to it, as git's discovery says.
  fs::create_directories(repo_ / "src/deep");
  EXPECT_EQ(read(repo_ / "src/deep"), want);
}

TEST_F(GitRepo, PackedRefsAfterGc) {
  commit_file(repo_, "a.txt", "a\n");
  git(repo_, "checkout -q -b feature/x");
  commit_file(repo_, "b.txt", "b\n");
  git(repo_, "tag -a v1 -m v1");
  git(repo_, "pack-refs --all --prune");
  ASSERT_FALSE(fs::exists(repo_ / ".git/refs/heads/feature/x"));
  ASSERT_TRUE(fs::exists(repo_ / ".git/packed-refs"));
  RepositoryInfo got = read(repo_);
  EXPECT_EQ(got, expected(repo_));
  EXPECT_EQ(got.branch, "feature/x");
  EXPECT_FALSE(got.commit.empty());
}

TEST_F(GitRepo, DetachedHead) {
  commit_file(repo_, "a.txt", "a\n");
  std::string first = git(repo_, "rev-parse HEAD");
  commit_file(repo_, "b.txt", "b\n");
  git(repo_, "checkout -q --detach " + first);
  RepositoryInfo got = read(repo_);
  EXPECT_EQ(got, expected(repo_));
  EXPECT_EQ(got.commit, first);
  EXPECT_EQ(got.branch, "");
}

TEST_F(GitRepo, UnbornBranchHasNoCommit) {
  RepositoryInfo got = read(repo_);
  EXPECT_EQ(got.branch, "main");
  EXPECT_EQ(got.commit, "");
  EXPECT_EQ(got, expected(repo_));
}

TEST_F(GitRepo, LinkedWorktreeReadsSharedRefsAndConfig) {
  commit_file(repo_, "a.txt", "a\n");
  git(repo_, "remote add origin git@github.com:example/project.git");
  git(repo_, "worktree add -q -b topic ../wt");
  fs::path wt = tmp_ / "wt";
  commit_file(wt, "c.txt", "c\n");
  ASSERT_TRUE(fs::is_regular_file(wt / ".git"));  // "gitdir: …/repo/.git/worktrees/wt"
  RepositoryInfo got = read(wt);
  EXPECT_EQ(got, expected(wt));
  EXPECT_EQ(got.branch, "topic");
  EXPECT_EQ(got.remote_url, "git@github.com:example/project.git");
  EXPECT_NE(got.commit, read(repo_).commit);
  // With the branch packed, the worktree still finds it in the shared packed-refs.
  git(repo_, "pack-refs --all --prune");
  EXPECT_EQ(read(wt), expected(wt));
}

TEST_F(GitRepo, SubmoduleGitFile) {
  fs::path lib = tmp_ / "lib";
  fs::create_directories(lib);
  git(lib, "init -q .");
  commit_file(lib, "lib.txt", "lib\n");
  commit_file(repo_, "a.txt", "a\n");
  git(repo_, "submodule -q add '" + lib.string() + "' vendor/lib");
  fs::path sub = repo_ / "vendor/lib";
  ASSERT_TRUE(fs::is_regular_file(sub / ".git"));  // "gitdir: ../../.git/modules/vendor/lib"
  RepositoryInfo got = read(sub);
  EXPECT_EQ(got, expected(sub));
  EXPECT_EQ(got.remote_url, lib.string());
  EXPECT_EQ(got.commit, git(lib, "rev-parse HEAD"));
}

TEST_F(GitRepo, Sha256Repository) {
  fs::path repo = tmp_ / "sha256";
  fs::create_directories(repo);
  auto init = bulwark::testing::sh("cd '" + repo.string() + "' && git init -q --object-format=sha256 . 2>&1");
  if (init.exit_code != 0) GTEST_SKIP() << "this git cannot make SHA-256 repositories: " << init.out;
  commit_file(repo, "a.txt", "a\n");
  RepositoryInfo got = read(repo);
  EXPECT_EQ(got.commit.size(), 64u);
  EXPECT_EQ(got, expected(repo));
}

TEST_F(GitRepo, CredentialsAreRemovedFromTheUrl) {
  commit_file(repo_, "a.txt", "a\n");
  git(repo_, "remote add origin https://x-access-token:ghp_secret@github.com/example/project.git");
  RepositoryInfo got = read(repo_);
  EXPECT_EQ(got.remote_url, "https://github.com/example/project.git");
}

TEST(Git, NotAWorkTree) {
  TempDir tmp;
  fs::create_directories(tmp / "plain/sub");
  std::vector<Diagnostic> diags;
  EXPECT_FALSE(read_git_repository((tmp / "plain/sub").string(), diags).has_value());
  EXPECT_TRUE(diags.empty());
}

TEST(Git, BrokenFilesAreWarningsNamingTheFile) {
  TempDir tmp;
  fs::path repo = tmp / "repo";
  fs::create_directories(repo / ".git/refs/heads");
  bulwark::testing::write_file(repo / ".git/HEAD", "ref: refs/heads/main\n");
  bulwark::testing::write_file(repo / ".git/refs/heads/main", "not an object id\n");
  bulwark::testing::write_file(repo / ".git/config", "[remote \"origin\"]\n\turl = https://example.org/a.git\n[broken\n");
  std::vector<Diagnostic> diags;
  auto info = read_git_repository(repo.string(), diags);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->branch, "main");
  EXPECT_EQ(info->commit, "");
  EXPECT_EQ(info->remote_url, "https://example.org/a.git");  // read before the error
  ASSERT_EQ(diags.size(), 2u);
  EXPECT_EQ(diags[0].location.path, (repo / ".git/refs/heads/main").string());
  EXPECT_EQ(diags[1].location.path, (repo / ".git/config").string());
  EXPECT_EQ(diags[1].location.line, 3);

  // A .git file that does not name a git directory.
  fs::path other = tmp / "other";
  fs::create_directories(other);
  bulwark::testing::write_file(other / ".git", "hello\n");
  diags.clear();
  EXPECT_FALSE(read_git_repository(other.string(), diags).has_value());
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.path, (other / ".git").string());
}

TEST(Git, SymbolicRefsCannotLeaveTheGitDirectory) {
  TempDir tmp;
  fs::path repo = tmp / "repo";
  fs::create_directories(repo / ".git");
  bulwark::testing::write_file(tmp / "outside", "0123456789012345678901234567890123456789\n");
  bulwark::testing::write_file(repo / ".git/HEAD", "ref: ../../outside\n");
  std::vector<Diagnostic> diags;
  auto info = read_git_repository(repo.string(), diags);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->commit, "");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].message.find("HEAD"), std::string::npos);
}

// ---------------------------------------------------------------- parsers --

std::optional<std::string> origin(std::string_view text, std::vector<Diagnostic>* diags_out = nullptr) {
  std::vector<Diagnostic> diags;
  auto v = git::config_value(text, "remote", "origin", "url", "config", diags);
  if (diags_out) *diags_out = diags;
  else
    EXPECT_TRUE(diags.empty()) << diags.front().message;
  return v;
}

TEST(GitConfig, SyntaxAsGitReadsIt) {
  EXPECT_EQ(origin("[remote \"origin\"]\n\turl = https://a/b.git\n"), "https://a/b.git");
  // Section and key names are case-insensitive, the subsection is not.
  EXPECT_EQ(origin("[REMOTE \"origin\"]\n\tURL = x\n"), "x");
  EXPECT_EQ(origin("[remote \"Origin\"]\n\turl = x\n"), std::nullopt);
  // The legacy [section.subsection] form.
  EXPECT_EQ(origin("[remote.origin]\nurl=y\n"), "y");
  // The last assignment wins; other remotes and sections do not count.
  EXPECT_EQ(origin("[remote \"origin\"]\nurl = one\n[remote \"up\"]\nurl = up\n[remote \"origin\"]\nurl = two\n"), "two");
  // Comments, quotes, escapes, inner blanks, line continuations, CRLF.
  EXPECT_EQ(origin("# c\n; c\n[remote \"origin\"] ; c\n  url = \"a b\"  c  # trailing\n"), "a b  c");
  EXPECT_EQ(origin("[remote \"origin\"]\r\n\turl = \"x;y#z\" \\\\ \\\"q\\\"\r\n"), "x;y#z \\ \"q\"");
  EXPECT_EQ(origin("[remote \"origin\"]\n\turl = first\\\n second\n"), "first second");
  EXPECT_EQ(origin("[remote \"origin\"]\n\turl\n"), "true");
  // A section header and a variable on one line; a quoted subsection with escapes.
  EXPECT_EQ(origin("[remote \"ori\\gin\"] url = z\n"), "z");
  // A UTF-8 byte order mark and no final newline.
  EXPECT_EQ(origin("\xEF\xBB\xBF[remote \"origin\"]\nurl = bom"), "bom");
}

TEST(GitConfig, ErrorsAreWarningsWithTheLine) {
  std::vector<Diagnostic> diags;
  EXPECT_EQ(origin("[remote \"origin\"]\nurl = a\nurl = \"unterminated\nurl = b\n", &diags), "a");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.path, "config");
  EXPECT_EQ(diags[0].location.line, 3);
  EXPECT_EQ(origin("[remote \"origin\"]\nurl = bad \\q escape\n", &diags), std::nullopt);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.line, 2);
  EXPECT_EQ(origin("[remote \"origin\"]\n9url = x\n", &diags), std::nullopt);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.line, 2);
}

TEST(GitRefs, RefFilesAndPackedRefs) {
  auto sym = git::parse_ref_file("ref: refs/heads/main\n");
  ASSERT_TRUE(sym.has_value());
  EXPECT_EQ(sym->symref, "refs/heads/main");
  auto oid = git::parse_ref_file("0123456789abcdef0123456789abcdef01234567\n");
  ASSERT_TRUE(oid.has_value());
  EXPECT_EQ(oid->oid, "0123456789abcdef0123456789abcdef01234567");
  EXPECT_FALSE(git::parse_ref_file("0123456789ABCDEF0123456789abcdef01234567").has_value());
  EXPECT_FALSE(git::parse_ref_file("ref: refs/heads/../../x").has_value());
  EXPECT_FALSE(git::parse_ref_file("ref: /etc/passwd").has_value());
  EXPECT_FALSE(git::parse_ref_file("").has_value());
  EXPECT_TRUE(git::valid_ref_name("refs/heads/feature/x-1.2"));
  EXPECT_FALSE(git::valid_ref_name("refs/heads/.hidden"));
  EXPECT_FALSE(git::valid_ref_name("refs/heads/x.lock"));
  EXPECT_FALSE(git::valid_ref_name("refs/heads/a b"));
  EXPECT_FALSE(git::valid_ref_name("config"));

  const std::string packed =
      "# pack-refs with: peeled fully-peeled sorted \n"
      "1111111111111111111111111111111111111111 refs/heads/main\n"
      "2222222222222222222222222222222222222222 refs/tags/v1\n"
      "^3333333333333333333333333333333333333333\n";
  std::vector<Diagnostic> diags;
  EXPECT_EQ(git::find_packed_ref(packed, "refs/heads/main", "packed-refs", diags),
            "1111111111111111111111111111111111111111");
  EXPECT_EQ(git::find_packed_ref(packed, "refs/heads/other", "packed-refs", diags), std::nullopt);
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(git::find_packed_ref(packed + "garbage\nmore garbage\n", "refs/tags/v1", "packed-refs", diags),
            "2222222222222222222222222222222222222222");
  ASSERT_EQ(diags.size(), 1u);  // one warning per file
  EXPECT_EQ(diags[0].location.line, 5);
}

TEST(GitUrl, CredentialsAreRemoved) {
  EXPECT_EQ(git::redact_url("https://user:pw@host/x.git"), "https://host/x.git");
  EXPECT_EQ(git::redact_url("https://token@host/x.git"), "https://host/x.git");
  EXPECT_EQ(git::redact_url("https://host/x@y.git"), "https://host/x@y.git");
  EXPECT_EQ(git::redact_url("ssh://git@host/x.git"), "ssh://git@host/x.git");
  EXPECT_EQ(git::redact_url("ssh://git:pw@host/x.git"), "ssh://host/x.git");
  EXPECT_EQ(git::redact_url("git@github.com:o/r.git"), "git@github.com:o/r.git");
  EXPECT_EQ(git::redact_url("/srv/git/r.git"), "/srv/git/r.git");
}

}  // namespace
}  // namespace bulwark::artifact
