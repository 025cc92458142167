// The root as the host sees it: paths resolve inside the root (absolute
// links and ".." never leave it), symbolic-link loops are errors, globs do not
// follow links into loops; audit rules and mount tables as the facts show
// them.
#include <gtest/gtest.h>

#include "compliance_testing.hpp"
#include "policy/compliance/internal.hpp"

namespace bulwark::compliance {
namespace {

using testing::FakeRoot;

TEST(ComplianceFacts, PathsResolveInsideTheRoot) {
  FakeRoot r;
  r.write("run/docker.sock", "");
  r.symlink("var/run", "/run");
  r.symlink("etc/escape", "../../../../../../../../etc");
  r.symlink("etc/loop", "loop");
  auto sock = resolve_in_root(r.path(), "var/run/docker.sock");
  ASSERT_TRUE(sock) << sock.error().describe();
  EXPECT_EQ(sock->rel, "run/docker.sock");
  EXPECT_EQ(sock->host_path, r.path() / "run/docker.sock");
  // ".." from the root stays at the root: etc/escape is the root's own etc.
  auto esc = resolve_in_root(r.path(), "etc/escape/passwd");
  ASSERT_TRUE(esc) << esc.error().describe();
  EXPECT_EQ(esc->rel, "etc/passwd");
  auto loop = resolve_in_root(r.path(), "etc/loop");
  ASSERT_FALSE(loop);
  EXPECT_EQ(loop.error().code, ErrorCode::kLimitExceeded);
  auto missing = resolve_in_root(r.path(), "nope/deeper");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto text = read_in_root(r.path(), "/etc/passwd", 1 << 20);
  ASSERT_TRUE(text);
  EXPECT_NE(text->find("alice"), std::string::npos);
  EXPECT_EQ(read_in_root(r.path(), "etc/passwd", 10).error().code, ErrorCode::kLimitExceeded);
  EXPECT_EQ(read_in_root(r.path(), "etc", 1 << 20).error().code, ErrorCode::kIo);
}

TEST(ComplianceFacts, StatNamesOwnersAndBits) {
  FakeRoot r;
  r.write("etc/x.conf", "x", 04750, 1000, 999);
  Accounts a = read_accounts(r.path());
  Node st = stat_node(r.path(), "etc/x.conf", a);
  EXPECT_EQ(st.get("perm")->as_string(), "4750");
  EXPECT_EQ(st.get("user")->as_string(), "alice");
  EXPECT_EQ(st.get("group")->as_string(), "docker");
  EXPECT_EQ(st.get("type")->as_string(), "file");
  std::vector<std::string> bits;
  for (const auto& b : st.get("bits")->items()) bits.push_back(b.as_string());
  EXPECT_EQ(bits, (std::vector<std::string>{"setuid", "u+r", "u+w", "u+x", "g+r", "g+x"}));
  Node none = stat_node(r.path(), "etc/none", a);
  EXPECT_FALSE(none.get("exists")->as_bool());
  r.symlink("etc/loop", "loop");
  std::string err;
  Node bad = stat_node(r.path(), "etc/loop", a, &err);
  EXPECT_TRUE(bad.get("error"));
  EXPECT_FALSE(bad.get("exists"));
  EXPECT_NE(err.find("etc/loop"), std::string::npos);
}

TEST(ComplianceFacts, Globs) {
  FakeRoot r;
  r.write("etc/kubernetes/pki/ca.key", "");
  r.write("etc/kubernetes/pki/ca.crt", "");
  r.write("etc/kubernetes/pki/etcd/ca.key", "");
  r.write("etc/kubernetes/pki/.hidden.key", "");
  r.symlink("etc/kubernetes/pki/etcd/up", "..");  // a loop for ** to avoid
  auto keys = glob_in_root(r.path(), "etc/kubernetes/pki/**/*.key");
  ASSERT_TRUE(keys) << keys.error().describe();
  EXPECT_EQ(*keys, (std::vector<std::string>{"etc/kubernetes/pki/ca.key", "etc/kubernetes/pki/etcd/ca.key"}));
  auto all = glob_in_root(r.path(), "etc/kubernetes/pki/**");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->size(), 7u) << ::testing::PrintToString(*all);  // pki, its 3 files + .hidden, etcd, etcd/ca.key, etcd/up
  auto none = glob_in_root(r.path(), "etc/docker/certs.d/*/*");
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
  auto capped = glob_in_root(r.path(), "etc/kubernetes/pki/*", 2);
  ASSERT_FALSE(capped);
  EXPECT_EQ(capped.error().code, ErrorCode::kLimitExceeded);
}

TEST(ComplianceFacts, AuditRulesAndMounts) {
  FakeRoot r;
  r.write("etc/audit/audit.rules", "-D\n-b 8192\n-w /usr/bin/dockerd -p rwxa -k docker\n");
  r.write("etc/audit/rules.d/10-docker.rules",
          "# comment\n-a always,exit -F arch=b64 -F path=/usr/bin/runc -F perm=x -k runc\n-w /etc/docker/ -k docker\n");
  r.write("proc/mounts", "/dev/sdb1 /var/lib/docker ext4 rw,relatime 0 0\ntmpfs /mnt/with\\040space tmpfs rw 0 0\n");
  FactsInput in;
  in.root = r.path();
  std::vector<Diagnostic> diags;
  Facts f = gather_facts(in, diags);
  const Node* watched = f.root().get("audit")->get("watched");
  ASSERT_TRUE(watched);
  ASSERT_TRUE(watched->get("/usr/bin/dockerd"));
  EXPECT_EQ(watched->get("/usr/bin/dockerd")->get("perms")->as_string(), "rwxa");
  EXPECT_EQ(watched->get("/usr/bin/runc")->get("key")->as_string(), "runc");
  EXPECT_EQ(watched->get("/usr/bin/runc")->get("line")->as_int(), 2);
  EXPECT_TRUE(watched->get("/etc/docker"));  // trailing slash dropped
  EXPECT_EQ(f.root().get("audit")->get("rules")->size(), 5u);
  const Node* points = f.root().get("mounts")->get("points");
  EXPECT_TRUE(points->get("/var/lib/docker"));
  EXPECT_TRUE(points->get("/mnt/with space"));
  // No mount table at all: the mounts fact is an error.
  FakeRoot empty;
  FactsInput e;
  e.root = empty.path();
  Facts ef = gather_facts(e, diags);
  EXPECT_NE(ef.to_json().find("neither proc/mounts nor etc/fstab"), std::string::npos);
}

}  // namespace
}  // namespace bulwark::compliance
