#include <gtest/gtest.h>

#include "core/core.hpp"
#include "report/purl.hpp"

namespace bulwark::report {
namespace {

TEST(Purl, ParsesDebianPurlWithQualifiers) {
  auto p = parse_purl("pkg:deb/debian/zlib1g@1.2.13.dfsg-1?arch=amd64&distro=debian-12&epoch=1");
  ASSERT_TRUE(p.ok()) << p.error().describe();
  EXPECT_EQ(p->type, "deb");
  EXPECT_EQ(p->ns, "debian");
  EXPECT_EQ(p->name, "zlib1g");
  EXPECT_EQ(p->version, "1.2.13.dfsg-1");
  EXPECT_EQ(p->qualifier("arch"), "amd64");
  EXPECT_EQ(p->qualifier("epoch"), "1");
  EXPECT_EQ(p->qualifier("distro"), "debian-12");
  EXPECT_EQ(p->subpath, "");
}

TEST(Purl, PercentDecodesEveryComponent) {
  auto p = parse_purl("pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian%2012");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->version, "5.2.15-2+b2");
  EXPECT_EQ(p->qualifier("distro"), "debian 12");
  auto npm = parse_purl("pkg:npm/%40babel/core@7.23.0");
  ASSERT_TRUE(npm.ok());
  EXPECT_EQ(npm->ns, "@babel");
  EXPECT_EQ(npm->name, "core");
  EXPECT_EQ(npm->version, "7.23.0");
}

TEST(Purl, RawAtInNpmScopeIsNotAVersion) {
  auto p = parse_purl("pkg:npm/@babel/core");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->ns, "@babel");
  EXPECT_EQ(p->name, "core");
  EXPECT_EQ(p->version, "");
}

TEST(Purl, NamespaceSegmentsAndSubpath) {
  auto p = parse_purl("pkg:golang/github.com/gorilla/context@234fd47e07d1004f0aed9c#/api/./v1/../x/");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->ns, "github.com/gorilla");
  EXPECT_EQ(p->name, "context");
  EXPECT_EQ(p->version, "234fd47e07d1004f0aed9c");
  EXPECT_EQ(p->subpath, "api/v1/x");  // "." and ".." segments are dropped
}

TEST(Purl, SchemeAndTypeAreCaseInsensitiveAndSlashesTolerated) {
  auto p = parse_purl("PKG:///Maven/org.apache.logging.log4j/log4j-core@2.14.1?Type=jar");
  ASSERT_TRUE(p.ok()) << p.error().describe();
  EXPECT_EQ(p->type, "maven");
  EXPECT_EQ(p->ns, "org.apache.logging.log4j");
  EXPECT_EQ(p->qualifier("type"), "jar");
}

TEST(Purl, EmptyQualifierValuesAreDropped) {
  auto p = parse_purl("pkg:rpm/fedora/curl@7.50.3-1.fc25?arch=&epoch=2");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->qualifiers.count("arch"), 0u);
  EXPECT_EQ(p->qualifier("epoch"), "2");
}

TEST(Purl, CanonicalFormRoundTrips) {
  for (const char* text : {"pkg:deb/debian/bash@5.2.15-2%2Bb2?arch=amd64&distro=debian-12",
                           "pkg:npm/%40babel/core@7.23.0", "pkg:golang/github.com/gorilla/context@1.0#api/v1",
                           "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=3.18.4"}) {
    auto p = parse_purl(text);
    ASSERT_TRUE(p.ok()) << text;
    EXPECT_EQ(to_string(*p), text);
    auto again = parse_purl(to_string(*p));
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(*again, *p);
  }
  // Qualifiers come out sorted.
  auto p = parse_purl("pkg:deb/debian/a@1?distro=debian-12&arch=amd64");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(to_string(*p), "pkg:deb/debian/a@1?arch=amd64&distro=debian-12");
}

TEST(Purl, AgreesWithCoreMakePurl) {
  Package pk;
  pk.ecosystem = "deb";
  pk.name = "zlib1g";
  pk.version = "1:1.2.13.dfsg-1";
  pk.epoch = 1;
  pk.arch = "amd64";
  OsInfo os;
  os.family = "debian";
  os.version = "12";
  std::string made = make_purl(pk, os);
  auto p = parse_purl(made);
  ASSERT_TRUE(p.ok()) << made;
  EXPECT_EQ(p->version, "1.2.13.dfsg-1");
  EXPECT_EQ(p->qualifier("epoch"), "1");
  EXPECT_EQ(to_string(*p), made);
}

TEST(Purl, RejectsMalformedInput) {
  struct Case {
    const char* text;
    const char* message;
  };
  for (const Case& c : {Case{"", "empty"}, Case{"deb/debian/bash", "pkg:"}, Case{"pkg:deb", "no name"},
                        Case{"pkg:1deb/x", "invalid package type"}, Case{"pkg:npm/%4", "percent"},
                        Case{"pkg:npm/a%zz", "percent"}, Case{"pkg:npm/a@1?x", "no '='"},
                        Case{"pkg:npm/a@1?9x=1", "invalid qualifier key"}, Case{"pkg:npm/a@1?a=1&a=2", "twice"},
                        Case{"pkg:npm/@1.0", "empty name"}}) {
    auto p = parse_purl(c.text);
    ASSERT_FALSE(p.ok()) << c.text;
    EXPECT_NE(p.error().message.find(c.message), std::string::npos) << c.text << ": " << p.error().message;
  }
}

}  // namespace
}  // namespace bulwark::report
