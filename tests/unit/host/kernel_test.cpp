// The running kernel mapped to its distribution package: the uname strings of
// real Debian, Ubuntu, RHEL-family and Alpine kernels (as those distributions
// publish them) against package databases as their analyzers report them.
#include <gtest/gtest.h>

#include "host/host.hpp"

namespace bulwark::host {
namespace {

Package pkg(std::string eco, std::string name, std::string version, std::string src = "", std::string src_version = "") {
  Package p;
  p.ecosystem = std::move(eco);
  p.name = std::move(name);
  p.version = std::move(version);
  p.src_name = std::move(src);
  p.src_version = std::move(src_version);
  return p;
}

OsInfo os(std::string family) {
  OsInfo o;
  o.family = std::move(family);
  return o;
}

TEST(HostKernel, DistroVersionFromTheVersionString) {
  EXPECT_EQ(distro_kernel_version("6.1.0-18-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)"), "6.1.76-1");
  EXPECT_EQ(distro_kernel_version("4.19.0-26-amd64", "#1 SMP Debian 4.19.304-1 (2024-01-09)"), "4.19.304-1");
  EXPECT_EQ(distro_kernel_version("5.15.0-94-generic", "#104-Ubuntu SMP Tue Jan 9 15:25:40 UTC 2024"), "5.15.0-94.104");
  EXPECT_EQ(distro_kernel_version("5.15.0-91-generic", "#101~20.04.1-Ubuntu SMP Thu Nov 16 14:22:28 UTC 2023"),
            "5.15.0-91.101~20.04.1");
  EXPECT_EQ(distro_kernel_version("5.14.0-362.8.1.el9_3.x86_64", "#1 SMP PREEMPT_DYNAMIC Tue Oct 3 11:12:36 EDT 2023"),
            "");
  EXPECT_EQ(distro_kernel_version("6.18.44-fc-v595", "#1 SMP PREEMPT_DYNAMIC @0"), "");
  EXPECT_EQ(distro_kernel_version("", ""), "");
}

TEST(HostKernel, DebianSignedImageBecomesTheLinuxSourceAndIsMarked) {
  KernelInfo k{"6.1.0-18-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)", "x86_64", "", "", ""};
  std::vector<Package> ps = {pkg("deb", "linux-image-6.1.0-17-amd64", "6.1.69-1", "linux-signed-amd64", "6.1.69+1"),
                             pkg("deb", "linux-image-6.1.0-18-amd64", "6.1.76-1", "linux-signed-amd64", "6.1.76+1"),
                             pkg("deb", "bash", "5.2.15-2+b2")};
  ps[1].installed_files = {"/boot/vmlinuz-6.1.0-18-amd64", "/boot/System.map-6.1.0-18-amd64"};
  std::vector<Diagnostic> diags;
  map_kernel_package(k, os("debian"), ps, diags);
  EXPECT_TRUE(diags.empty());
  EXPECT_EQ(k.package, "linux-image-6.1.0-18-amd64");
  EXPECT_EQ(k.package_version, "6.1.76-1");
  EXPECT_EQ(k.src_name, "linux");
  EXPECT_TRUE(ps[1].running_kernel);
  EXPECT_EQ(ps[1].src_name, "linux");
  EXPECT_EQ(ps[1].src_version, "6.1.76-1");
  // The other installed kernel is not the running one and stays as dpkg said.
  EXPECT_FALSE(ps[0].running_kernel);
  EXPECT_EQ(ps[0].src_name, "linux-signed-amd64");
  EXPECT_EQ(ps.size(), 3u);
}

TEST(HostKernel, DebianByNameWhenFilesAreUnknown) {
  KernelInfo k{"6.1.0-18-arm64", "#1 SMP Debian 6.1.76-1 (2024-02-01)", "aarch64", "", "", ""};
  std::vector<Package> ps = {pkg("deb", "linux-image-6.1.0-18-arm64", "6.1.76-1", "linux-signed-arm64", "6.1.76+1")};
  std::vector<Diagnostic> diags;
  map_kernel_package(k, os("debian"), ps, diags);
  EXPECT_EQ(k.src_name, "linux");
  EXPECT_TRUE(ps[0].running_kernel);
}

TEST(HostKernel, UnsignedKernelsKeepTheirSource) {
  KernelInfo k{"6.1.0-18-rt-amd64", "#1 SMP PREEMPT_RT Debian 6.1.76-1 (2024-02-01)", "x86_64", "", "", ""};
  std::vector<Package> ps = {pkg("deb", "linux-image-6.1.0-17-rt-amd64-unsigned", "6.1.69-1", "linux"),
                             pkg("deb", "linux-image-6.1.0-18-rt-amd64-unsigned", "6.1.76-1", "linux")};
  std::vector<Diagnostic> diags;
  map_kernel_package(k, os("debian"), ps, diags);
  EXPECT_EQ(k.package, "linux-image-6.1.0-18-rt-amd64-unsigned");
  EXPECT_FALSE(ps[0].running_kernel);
  EXPECT_TRUE(ps[1].running_kernel);
  EXPECT_EQ(ps[1].src_name, "linux");
  EXPECT_TRUE(ps[1].src_version.empty());  // dpkg gave none: the binary version is the source's

  KernelInfo u{"6.5.0-15-generic", "#15~22.04.1-Ubuntu SMP PREEMPT_DYNAMIC Fri Jan 12 18:54:30 UTC 2", "x86_64", "",
               "", ""};
  std::vector<Package> pu = {pkg("deb", "linux-image-unsigned-6.5.0-15-generic", "6.5.0-15.15~22.04.1",
                                 "linux-hwe-6.5")};
  map_kernel_package(u, os("ubuntu"), pu, diags);
  EXPECT_EQ(u.src_name, "linux-hwe-6.5");
  EXPECT_TRUE(pu[0].running_kernel);
}

TEST(HostKernel, UbuntuSignedFlavours) {
  KernelInfo k{"5.15.0-1051-aws", "#56-Ubuntu SMP Thu Nov 23 17:58:37 UTC 2023", "x86_64", "", "", ""};
  std::vector<Package> ps = {pkg("deb", "linux-image-5.15.0-1051-aws", "5.15.0-1051.56", "linux-signed-aws")};
  ps[0].installed_files = {"/boot/vmlinuz-5.15.0-1051-aws"};
  std::vector<Diagnostic> diags;
  map_kernel_package(k, os("ubuntu"), ps, diags);
  EXPECT_EQ(k.src_name, "linux-aws");
  EXPECT_EQ(ps[0].src_version, "5.15.0-1051.56");
  KernelInfo g{"5.15.0-94-generic", "#104-Ubuntu SMP Tue Jan 9 15:25:40 UTC 2024", "x86_64", "", "", ""};
  std::vector<Package> pg = {pkg("deb", "linux-image-5.15.0-94-generic", "5.15.0-94.104", "linux-signed")};
  map_kernel_package(g, os("ubuntu"), pg, diags);
  EXPECT_EQ(g.src_name, "linux");
}

TEST(HostKernel, RhelFamilyKernelCore) {
  KernelInfo k{"5.14.0-362.8.1.el9_3.x86_64", "#1 SMP PREEMPT_DYNAMIC Tue Oct 3 11:12:36 EDT 2023", "x86_64", "", "",
               ""};
  Package old = pkg("rpm", "kernel-core", "5.14.0", "kernel");
  old.release = "284.30.1.el9_2";
  Package cur = pkg("rpm", "kernel-core", "5.14.0", "kernel");
  cur.release = "362.8.1.el9_3";
  Package mods = pkg("rpm", "kernel-modules", "5.14.0", "kernel");
  mods.release = "362.8.1.el9_3";
  std::vector<Package> ps = {old, mods, cur};
  std::vector<Diagnostic> diags;
  map_kernel_package(k, os("rocky"), ps, diags);
  EXPECT_EQ(k.package, "kernel-core");
  EXPECT_EQ(k.package_version, "5.14.0-362.8.1.el9_3");
  EXPECT_EQ(k.src_name, "kernel");
  EXPECT_FALSE(ps[0].running_kernel);
  EXPECT_FALSE(ps[1].running_kernel);
  EXPECT_TRUE(ps[2].running_kernel);
}

TEST(HostKernel, RhelImageFileInModulesDirectory) {
  KernelInfo k{"6.6.9-200.fc39.x86_64", "#1 SMP PREEMPT_DYNAMIC Mon Jan 1 22:45:45 UTC 2024", "x86_64", "", "", ""};
  Package p = pkg("rpm", "kernel-core", "6.6.9", "kernel");
  p.release = "200.fc39";
  p.installed_files = {"/lib/modules/6.6.9-200.fc39.x86_64/vmlinuz"};
  std::vector<Package> ps = {p};
  std::vector<Diagnostic> diags;
  map_kernel_package(k, os("fedora"), ps, diags);
  EXPECT_TRUE(ps[0].running_kernel);
}

TEST(HostKernel, AlpineFlavour) {
  KernelInfo k{"6.6.14-0-lts", "#1-Alpine SMP PREEMPT_DYNAMIC Fri, 26 Jan 2024 11:02:48 +0000", "x86_64", "", "", ""};
  std::vector<Package> ps = {pkg("apk", "linux-virt", "6.6.14-r0", "linux-virt"),
                             pkg("apk", "linux-lts", "6.6.14-r0", "linux-lts")};
  std::vector<Diagnostic> diags;
  map_kernel_package(k, os("alpine"), ps, diags);
  EXPECT_EQ(k.package, "linux-lts");
  EXPECT_EQ(k.package_version, "6.6.14-r0");
  EXPECT_EQ(k.src_name, "linux-lts");
  EXPECT_TRUE(ps[1].running_kernel);
  EXPECT_FALSE(ps[0].running_kernel);
}

TEST(HostKernel, NotInstalledButNamedByTheVersionStringIsAdded) {
  KernelInfo k{"6.1.0-18-amd64", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01)", "x86_64", "", "", ""};
  std::vector<Package> ps = {pkg("deb", "bash", "5.2.15-2+b2")};
  std::vector<Diagnostic> diags;
  map_kernel_package(k, os("debian"), ps, diags);
  ASSERT_EQ(ps.size(), 2u);
  const Package& added = ps[1];
  EXPECT_EQ(added.name, "linux-image-6.1.0-18-amd64");
  EXPECT_EQ(added.version, "6.1.76-1");
  EXPECT_EQ(added.src_name, "linux");
  EXPECT_EQ(added.src_version, "6.1.76-1");
  EXPECT_EQ(added.arch, "amd64");
  EXPECT_TRUE(added.running_kernel);
  EXPECT_EQ(added.location.path, "proc/sys/kernel/version");
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_NE(diags[0].message.find("not in the package database"), std::string::npos);
}

TEST(HostKernel, AKernelOfNoDistributionIsSaidSo) {
  KernelInfo k{"6.18.44-fc-v595", "#1 SMP PREEMPT_DYNAMIC @0", "x86_64", "", "", ""};
  std::vector<Package> ps = {pkg("deb", "bash", "5.2.15-2+b2")};
  std::vector<Diagnostic> diags;
  map_kernel_package(k, os("debian"), ps, diags);
  EXPECT_TRUE(k.package.empty());
  EXPECT_EQ(ps.size(), 1u);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags[0].location.path, "proc/sys/kernel/osrelease");
  EXPECT_NE(diags[0].message.find("maps to no package"), std::string::npos);
}

}  // namespace
}  // namespace bulwark::host
