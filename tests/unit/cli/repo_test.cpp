// `bulwark repo` and the skip flags, through the real binary: git metadata in
// the report (checked against git itself), .git never scanned, --skip-dirs and
// --skip-files for fs, repo and image targets, and language packages surviving
// a trip through CycloneDX and SPDX into `bulwark sbom`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <set>

#include "testing/testing.hpp"

namespace bulwark::testing {
namespace {

using nlohmann::json;

CommandResult bulwark(std::vector<std::string> args) {
  args.insert(args.begin(), bulwark_binary());
  return run(args);
}

std::string git(const fs::path& dir, const std::string& args) {
  auto r = sh("cd '" + dir.string() +
              "' && export HOME=/nonexistent GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_NAME=t "
              "GIT_AUTHOR_EMAIL=t@example.org GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.org && "
              "git -c init.defaultBranch=main " +
              args);
  EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
  std::string out = r.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// An installed npm package as node_modules holds it.
void npm_package(const fs::path& dir, const std::string& name, const std::string& version) {
  write_file(dir / "package.json",
             "{\"name\": \"" + name + "\", \"version\": \"" + version + "\", \"license\": \"MIT\"}\n");
}

// Scans and returns the JSON report (no vulnerability matching).
json scan_json(const std::string& command, const fs::path& target, std::vector<std::string> extra = {}) {
  TempDir out;
  std::vector<std::string> args = {command, "-q", "-f", "json", "--scanners", "none", "--no-cache", "-o",
                                   (out / "r.json").string()};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(target.string());
  auto r = bulwark(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  if (r.exit_code != 0) return json::object();
  return json::parse(read_file(out / "r.json"));
}

// "<application path> <package id>" for every language package of a report.
std::set<std::string> app_packages(const json& report) {
  std::set<std::string> out;
  for (const auto& a : report["inventory"].value("applications", json::array()))
    for (const auto& p : a.value("packages", json::array())) out.insert(a.value("path", "") + " " + p.value("id", ""));
  return out;
}

TEST(Repo, RecordsCommitBranchAndOriginAsGitSaysAndNeverScansDotGit) {
  BULWARK_REQUIRE_TOOL("git");
  TempDir tmp;
  fs::path repo = tmp / "project";
  npm_package(repo / "node_modules/left-pad", "left-pad", "1.3.0");
  npm_package(repo / ".git-template/node_modules/visible", "visible", "1.0.0");  // not .git: scanned
  fs::create_directories(repo);
  git(repo, "init -q . && git add -A && git commit -q -m init && git checkout -q -b release/1.x");
  git(repo, "remote add origin https://deploy:s3cret@git.example.org/team/project.git");
  // Something that looks like a package inside .git is never read.
  npm_package(repo / ".git/node_modules/hidden", "hidden", "6.6.6");

  json r = scan_json("repo", repo);
  ASSERT_TRUE(r.contains("target")) << r.dump();
  EXPECT_EQ(r["target"]["kind"], "repository");
  ASSERT_TRUE(r["target"].contains("repository")) << r["target"].dump();
  const json& meta = r["target"]["repository"];
  EXPECT_EQ(meta["commit"], git(repo, "rev-parse HEAD"));
  EXPECT_EQ(meta["branch"], git(repo, "symbolic-ref --short HEAD"));
  EXPECT_EQ(meta["branch"], "release/1.x");
  EXPECT_EQ(meta["remote_url"], "https://git.example.org/team/project.git");  // no credentials
  EXPECT_EQ(app_packages(r), (std::set<std::string>{
                                 ".git-template/node_modules/visible/package.json npm:visible@1.0.0",
                                 "node_modules/left-pad/package.json npm:left-pad@1.3.0"}));

  // fs scans the same tree the same way but records no repository.
  json f = scan_json("fs", repo);
  EXPECT_EQ(f["target"]["kind"], "filesystem");
  EXPECT_FALSE(f["target"].contains("repository"));
  EXPECT_EQ(app_packages(f), app_packages(r));

  // A directory outside any work tree is scanned without metadata.
  fs::path plain = tmp / "plain";
  npm_package(plain / "node_modules/a", "a", "1.0.0");
  json p = scan_json("repo", plain);
  EXPECT_EQ(p["target"]["kind"], "repository");
  EXPECT_FALSE(p["target"].contains("repository"));

  // The table names the commit and the remote.
  auto t = bulwark({"repo", "-q", "--scanners", "none", "--no-cache", repo.string()});
  EXPECT_EQ(t.exit_code, 0) << t.err;
  EXPECT_NE(t.out.find("Commit: " + git(repo, "rev-parse HEAD") + " (release/1.x)"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("Remote: https://git.example.org/team/project.git"), std::string::npos) << t.out;
}

TEST(Repo, SkipFlagsForFsAndRepo) {
  TempDir tmp;
  fs::path root = tmp / "tree";
  npm_package(root / "node_modules/a", "a", "1.0.0");
  npm_package(root / "pkg/x/testdata/node_modules/b", "b", "1.0.0");
  npm_package(root / "testdata/node_modules/c", "c", "1.0.0");
  npm_package(root / "third_party/vendor/node_modules/d", "d", "1.0.0");
  npm_package(root / "web/node_modules/e", "e", "1.0.0");
  npm_package(root / "web/node_modules/f", "f", "1.0.0");
  for (const char* cmd : {"fs", "repo"}) {
    SCOPED_TRACE(cmd);
    EXPECT_EQ(app_packages(scan_json(cmd, root)).size(), 6u);
    json r = scan_json(cmd, root,
                       {"--skip-dirs", "**/testdata", "--skip-dirs", "vendor",
                        "--skip-files", "web/node_modules/f/package.json"});
    EXPECT_EQ(app_packages(r), (std::set<std::string>{"node_modules/a/package.json npm:a@1.0.0",
                                                      "web/node_modules/e/package.json npm:e@1.0.0"}));
    // Comma-separated lists are the same as repeated flags.
    json c = scan_json(cmd, root, {"--skip-dirs", "**/testdata,vendor", "--skip-files", "**/f/package.json"});
    EXPECT_EQ(app_packages(c), app_packages(r));
  }
  // An SBOM has no paths to skip.
  auto s = bulwark({"sbom", "--skip-dirs", "x", (tmp / "bom.json").string()});
  EXPECT_EQ(s.exit_code, 2);
}

TEST(Repo, SkipFlagsApplyToPathsInsideAnImage) {
  BULWARK_REQUIRE_TOOL("tar");
  BULWARK_REQUIRE_TOOL("sha256sum");
  TempDir tmp;
  fs::path rootfs = tmp / "rootfs";
  npm_package(rootfs / "usr/lib/node_modules/npm", "npm", "9.2.0");
  npm_package(rootfs / "app/node_modules/express", "express", "4.18.2");
  npm_package(rootfs / "app/test/fixtures/node_modules/bad", "bad", "0.0.1");
  npm_package(rootfs / "app/node_modules/express/node_modules/debug", "debug", "2.6.9");
  // A docker-archive made with tar: one layer, its diffID in the config.
  auto layer = sh("cd '" + tmp.path().string() + "' && tar --sort=name --owner=0 --group=0 -cf layer.tar -C rootfs . && "
                  "sha256sum layer.tar | cut -d' ' -f1");
  ASSERT_EQ(layer.exit_code, 0) << layer.err;
  std::string diff_id = "sha256:" + layer.out.substr(0, 64);
  write_file(tmp / "config.json",
             "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" +
                 diff_id + "\"]},\"history\":[{\"created_by\":\"COPY . /\"}]}");
  write_file(tmp / "manifest.json",
             "[{\"Config\":\"config.json\",\"RepoTags\":[\"skip-test:1\"],\"Layers\":[\"layer.tar\"]}]");
  auto img = sh("cd '" + tmp.path().string() + "' && tar -cf image.tar manifest.json config.json layer.tar");
  ASSERT_EQ(img.exit_code, 0) << img.err;

  auto scan = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"--image-src", "archive", "--cache-dir", (tmp / "cache").string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return app_packages(scan_json("image", tmp / "image.tar", args));
  };
  EXPECT_EQ(scan({}).size(), 4u);
  EXPECT_EQ(scan({"--skip-dirs", "**/test", "--skip-dirs", "/app/node_modules/express/node_modules",
                  "--skip-files", "usr/lib/node_modules/*/package.json"}),
            std::set<std::string>{"app/node_modules/express/package.json npm:express@4.18.2"});
  // The layer cache keeps the two scans apart.
  EXPECT_EQ(scan({}).size(), 4u);
}

TEST(Repo, LanguagePackagesSurviveASbomTrip) {
  TempDir tmp;
  fs::path root = tmp / "app";
  // Installed packages, and a package-lock.json (v3) describing the same tree.
  npm_package(root / "node_modules/express", "express", "4.18.2");
  npm_package(root / "node_modules/debug", "debug", "2.6.9");
  npm_package(root / "node_modules/ms", "ms", "2.0.0");
  npm_package(root / "node_modules/jest", "jest", "29.7.0");
  write_file(root / "package.json",
             R"({"name":"app","version":"1.0.0","dependencies":{"express":"^4.18.2"},"devDependencies":{"jest":"^29.7.0"}})");
  write_file(root / "package-lock.json", R"({
  "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
  "packages": {
    "": {"name": "app", "version": "1.0.0", "dependencies": {"express": "^4.18.2"}, "devDependencies": {"jest": "^29.7.0"}},
    "node_modules/debug": {"version": "2.6.9", "resolved": "https://registry.npmjs.org/debug/-/debug-2.6.9.tgz",
      "dependencies": {"ms": "2.0.0"}},
    "node_modules/express": {"version": "4.18.2", "resolved": "https://registry.npmjs.org/express/-/express-4.18.2.tgz",
      "dependencies": {"debug": "2.6.9"}},
    "node_modules/jest": {"version": "29.7.0", "resolved": "https://registry.npmjs.org/jest/-/jest-29.7.0.tgz", "dev": true},
    "node_modules/ms": {"version": "2.0.0", "resolved": "https://registry.npmjs.org/ms/-/ms-2.0.0.tgz"}
  }
}
)");
  json direct = scan_json("repo", root);
  // Every package with what a trip must keep: relationship, dev and edges.
  auto graph = [](const json& report) {
    std::set<std::string> out;
    for (const auto& a : report["inventory"].value("applications", json::array()))
      for (const auto& p : a.value("packages", json::array())) {
        std::set<std::string> deps;
        for (const auto& d : p.value("depends_on", json::array())) deps.insert(d);
        std::string line = a.value("type", "") + " " + a.value("path", "") + " " + p.value("id", "") +
                           " rel=" + p.value("relationship", "unknown") + " dev=" + (p.value("dev", false) ? "1" : "0");
        for (const auto& d : deps) line += " " + d;
        out.insert(line);
      }
    return out;
  };
  auto want = graph(direct);
  ASSERT_GE(want.size(), 4u);  // at least the installed packages
  for (const char* format : {"cyclonedx", "spdx-json"}) {
    SCOPED_TRACE(format);
    fs::path bom = tmp / (std::string(format) + ".json");
    auto w = bulwark({"repo", "-q", "--scanners", "none", "--no-cache", "-f", format, "-o", bom.string(), root.string()});
    ASSERT_EQ(w.exit_code, 0) << w.err;
    json back = scan_json("sbom", bom);
    EXPECT_EQ(graph(back), want);
  }
}

}  // namespace
}  // namespace bulwark::testing
