// The embedded end-of-life data (rules/eol/os.yaml) and its look-ups.
#include <gtest/gtest.h>

#include <set>

#include "enrich/enrich.hpp"

namespace bulwark::enrich {
namespace {

TEST(Eol, DataLoadsForEveryFamily) {
  std::set<std::string> families;
  for (const auto& r : os_releases()) {
    families.insert(r.family);
    EXPECT_FALSE(r.name.empty());
    EXPECT_LT(r.released, r.eol) << r.name;
    if (!r.standard_eol.empty()) {
      EXPECT_LT(r.standard_eol, r.eol) << r.name;
    }
    if (!r.extended.empty()) {
      EXPECT_LT(r.eol, r.extended) << r.name;
    }
    EXPECT_EQ(r.image.find("{version}"), std::string::npos) << r.name;
  }
  for (const char* f : {"debian", "ubuntu", "alpine", "redhat", "rocky", "alma", "amazon", "centos", "centos-stream",
                        "fedora", "opensuse-leap", "sles"})
    EXPECT_TRUE(families.count(f)) << f;
}

TEST(Eol, FindsReleaseByVersionPrefix) {
  auto deb = find_os_release("debian", "12.6");
  ASSERT_TRUE(deb);
  EXPECT_EQ(deb->name, "Debian 12");
  EXPECT_EQ(deb->codename, "bookworm");
  EXPECT_EQ(deb->standard_eol, "2026-07-11");  // distro-info-data debian.csv
  EXPECT_EQ(deb->eol, "2028-06-30");           // end of Debian LTS
  EXPECT_EQ(deb->image, "debian:12");
  auto buster = find_os_release("debian", "10");
  ASSERT_TRUE(buster);
  EXPECT_EQ(buster->eol, "2024-06-30");
  // "3.20.3" is Alpine 3.20, and "3.2" must not match "3.20".
  auto alpine = find_os_release("alpine", "3.20.3");
  ASSERT_TRUE(alpine);
  EXPECT_EQ(alpine->version, "3.20");
  EXPECT_EQ(alpine->eol, "2026-04-01");
  EXPECT_FALSE(find_os_release("alpine", "3.2"));
  auto jammy = find_os_release("ubuntu", "22.04");
  ASSERT_TRUE(jammy);
  EXPECT_EQ(jammy->eol, "2027-06-01");
  EXPECT_EQ(jammy->extended, "2032-04-21");
  auto ubi = find_os_release("redhat", "9.4");
  ASSERT_TRUE(ubi);
  EXPECT_EQ(ubi->image, "registry.access.redhat.com/ubi9/ubi");
  EXPECT_FALSE(find_os_release("debian", "99"));
  EXPECT_FALSE(find_os_release("wolfi", "20230201"));  // rolling: no end of life
}

TEST(Eol, CurrentReleaseIsTheOneSupportedLongest) {
  auto alpine = current_os_release("alpine", "2024-06-01");
  ASSERT_TRUE(alpine);
  EXPECT_EQ(alpine->version, "3.20");
  alpine = current_os_release("alpine", "2026-11-29");
  ASSERT_TRUE(alpine);
  EXPECT_EQ(alpine->version, "3.24");
  // An LTS over the newer interim release.
  auto ubuntu = current_os_release("ubuntu", "2026-11-29");
  ASSERT_TRUE(ubuntu);
  EXPECT_EQ(ubuntu->version, "26.04");
  auto debian = current_os_release("debian", "2026-11-29");
  ASSERT_TRUE(debian);
  EXPECT_EQ(debian->version, "13");
  // CentOS Linux has nothing left.
  EXPECT_FALSE(current_os_release("centos", "2026-11-29"));
}

}  // namespace
}  // namespace bulwark::enrich
