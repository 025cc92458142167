// The CLI's conventions: exit codes, flags, output files, completion. These run
// the real binary.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "testing/testing.hpp"

namespace bulwark::testing {
namespace {

using nlohmann::json;

CommandResult bulwark(std::vector<std::string> args) {
  args.insert(args.begin(), bulwark_binary());
  return run(args);
}

// A tiny Debian-like root filesystem written by hand.
void make_rootfs(const fs::path& root) {
  write_file(root / "etc/os-release",
             "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n"
             "VERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n");
  write_file(root / "etc/debian_version", "12.5\n");
  write_file(root / "var/lib/dpkg/status",
             "Package: zlib1g\nStatus: install ok installed\nPriority: optional\nSection: libs\n"
             "Maintainer: Mark Brown <broonie@debian.org>\nArchitecture: amd64\nMulti-Arch: same\n"
             "Source: zlib\nVersion: 1:1.2.13.dfsg-1\nDepends: libc6 (>= 2.14)\nDescription: compression library\n\n"
             "Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\n"
             "Version: 2.36-9+deb12u4\nDescription: GNU C Library\n\n"
             "Package: oldpkg\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 1.0\n"
             "Description: removed, config files remain\n");
}

TEST(Cli, HelpListsCommandsAndExitsZero) {
  auto r = bulwark({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* cmd : {"image", "rootfs", "fs", "sbom", "completion", "version"})
    EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd;
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(bulwark({}).exit_code, 2);
  EXPECT_EQ(bulwark({"image"}).exit_code, 2);
  EXPECT_EQ(bulwark({"image", "--format", "bogus", "x"}).exit_code, 2);
  EXPECT_EQ(bulwark({"nosuchcommand"}).exit_code, 2);
  EXPECT_EQ(bulwark({"rootfs", "--timeout", "5parsecs", "/nonexistent"}).exit_code, 2);
}

TEST(Cli, ScanErrorExitsThreeAndNamesThePath) {
  TempDir tmp;
  auto r = bulwark({"image", "--quiet", "--image-src", "archive", "--cache-dir", (tmp / "c").string(),
                    (tmp / "missing.tar").string()});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("missing.tar"), std::string::npos) << r.err;
  auto s = bulwark({"sbom", (tmp / "missing.json").string()});
  EXPECT_EQ(s.exit_code, 3);
  EXPECT_NE(s.err.find("missing.json"), std::string::npos) << s.err;
}

TEST(Cli, RootfsJsonReportHasOsAndInstalledPackagesOnly) {
  TempDir tmp;
  make_rootfs(tmp / "root");
  auto r = bulwark({"rootfs", "-q", "-f", "json", (tmp / "root").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json report = json::parse(r.out);
  EXPECT_EQ(report["schema_version"], 1);
  EXPECT_EQ(report["target"]["kind"], "rootfs");
  EXPECT_EQ(report["inventory"]["os"]["family"], "debian");
  std::set<std::string> names;
  for (const auto& p : report["inventory"]["packages"]) names.insert(p["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"libc6", "zlib1g"}));
}

TEST(Cli, OutputFileIsWrittenAndFailedScanLeavesNone) {
  TempDir tmp;
  make_rootfs(tmp / "root");
  fs::path out = tmp / "report.json";
  auto ok = bulwark({"rootfs", "-q", "-f", "json", "-o", out.string(), (tmp / "root").string()});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_TRUE(ok.out.empty());
  json written;
  EXPECT_NO_THROW(written = json::parse(read_file(out)));
  EXPECT_EQ(written["target"]["kind"], "rootfs");
  fs::path out2 = tmp / "never.json";
  auto bad = bulwark({"sbom", "-o", out2.string(), (tmp / "missing.json").string()});
  EXPECT_EQ(bad.exit_code, 3);
  EXPECT_FALSE(fs::exists(out2));
}

TEST(Cli, SbomRoundTripKeepsPackages) {
  TempDir tmp;
  make_rootfs(tmp / "root");
  for (const char* format : {"cyclonedx", "spdx-json"}) {
    fs::path sbom = tmp / (std::string(format) + ".json");
    auto w = bulwark({"rootfs", "-q", "-f", format, "-o", sbom.string(), (tmp / "root").string()});
    ASSERT_EQ(w.exit_code, 0) << w.err;
    auto r = bulwark({"sbom", "-q", "-f", "json", sbom.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    json report = json::parse(r.out);
    EXPECT_EQ(report["target"]["kind"], "sbom");
    std::set<std::string> got;
    for (const auto& p : report["inventory"]["packages"])
      got.insert(p["name"].get<std::string>() + " " + p["version"].get<std::string>());
    EXPECT_EQ(got, (std::set<std::string>{"libc6 2.36-9+deb12u4", "zlib1g 1:1.2.13.dfsg-1"})) << format;
  }
}

TEST(Cli, BashCompletionIsValidAndKnowsFlags) {
  TempDir tmp;
  auto r = bulwark({"completion", "bash"});
  ASSERT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--format"), std::string::npos);
  EXPECT_NE(r.out.find("cyclonedx"), std::string::npos);
  write_file(tmp / "c.bash", r.out);
  EXPECT_EQ(run({"bash", "-n", (tmp / "c.bash").string()}).exit_code, 0);
  // Complete "bulwark image --form" in a real bash.
  auto c = sh("bash -c 'source " + (tmp / "c.bash").string() +
              "; COMP_WORDS=(bulwark image --form); COMP_CWORD=2; _bulwark; echo \"${COMPREPLY[@]}\"'");
  EXPECT_NE(c.out.find("--format"), std::string::npos) << c.out << c.err;
  EXPECT_EQ(bulwark({"completion", "tcsh"}).exit_code, 2);
}

}  // namespace
}  // namespace bulwark::testing
