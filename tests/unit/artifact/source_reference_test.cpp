// Docker reference normalisation and local transport names.
#include <gtest/gtest.h>

#include "artifact/image_config.hpp"
#include "artifact/reference.hpp"
#include "testing/testing.hpp"

namespace bulwark::artifact {
namespace {

const std::string kDigest = "sha256:" + std::string(64, 'a');

TEST(SourceReference, Normalisation) {
  struct Case {
    std::string in, registry, repository, tag, digest;
  };
  for (const Case& c : std::vector<Case>{
           {"debian", "docker.io", "library/debian", "latest", ""},
           {"debian:12", "docker.io", "library/debian", "12", ""},
           {"bitnami/redis", "docker.io", "bitnami/redis", "latest", ""},
           {"docker.io/debian", "docker.io", "library/debian", "latest", ""},
           {"index.docker.io/library/debian:12", "docker.io", "library/debian", "12", ""},
           {"127.0.0.1:5000/app", "127.0.0.1:5000", "app", "latest", ""},
           {"localhost/app:1", "localhost", "app", "1", ""},
           {"localhost:5000/a/b/c:v1.2_3-x", "localhost:5000", "a/b/c", "v1.2_3-x", ""},
           {"ghcr.io/org/app@" + kDigest, "ghcr.io", "org/app", "", kDigest},
           {"quay.io/org/app:1@" + kDigest, "quay.io", "org/app", "1", kDigest},
           {"[::1]:5000/app:2", "[::1]:5000", "app", "2", ""},
           {"my_name/a__b.c-d", "docker.io", "my_name/a__b.c-d", "latest", ""},
       }) {
    auto r = parse_reference(c.in);
    ASSERT_TRUE(r.ok()) << c.in << ": " << r.error().describe();
    EXPECT_EQ(r->registry, c.registry) << c.in;
    EXPECT_EQ(r->repository, c.repository) << c.in;
    EXPECT_EQ(r->tag, c.tag) << c.in;
    EXPECT_EQ(r->digest, c.digest) << c.in;
  }
  EXPECT_EQ(parse_reference("debian")->str(), "docker.io/library/debian:latest");
  EXPECT_EQ(parse_reference("debian")->api_host(), "registry-1.docker.io");
  EXPECT_EQ(parse_reference("h:1/x@" + kDigest)->manifest_ref(), kDigest);
}

TEST(SourceReference, Rejects) {
  for (const std::string& bad : std::vector<std::string>{"", "Debian", "debian:", "debian:-x", "a//b", "a/-b", "x@sha256:abc", "x@md5:" + std::string(32, 'a'),
        "host:99999999/x", "debian:" + std::string(200, 't'), "a/b:c:d", "../x", "a/./b"}) {
    auto r = parse_reference(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument) << bad;
    }
  }
}

TEST(SourceReference, Loopback) {
  EXPECT_TRUE(is_loopback_host("127.0.0.1:5000"));
  EXPECT_TRUE(is_loopback_host("localhost"));
  EXPECT_TRUE(is_loopback_host("[::1]:5000"));
  EXPECT_FALSE(is_loopback_host("registry.example:5000"));
  EXPECT_FALSE(is_loopback_host("10.0.0.1"));
}

TEST(SourceReference, Transports) {
  bulwark::testing::TempDir t;
  bulwark::testing::write_file(t / "img.tar", "x");
  std::filesystem::create_directories(t / "lay");
  const std::string d = t.path().string();
  auto a = parse_transport("docker-archive:" + d + "/img.tar");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, LocalReference::Kind::kDockerArchive);
  EXPECT_EQ(a->path, d + "/img.tar");
  EXPECT_EQ(a->tag, "");
  auto b = parse_transport("docker-archive:" + d + "/img.tar:localhost:5000/app:1");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->path, d + "/img.tar");
  EXPECT_EQ(b->tag, "localhost:5000/app:1");
  auto c = parse_transport("oci:" + d + "/lay:v2");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->kind, LocalReference::Kind::kOciLayout);
  EXPECT_EQ(c->path, d + "/lay");
  EXPECT_EQ(c->tag, "v2");
  auto e = parse_transport("oci-archive:" + d + "/img.tar");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, LocalReference::Kind::kOciArchive);
  EXPECT_FALSE(parse_transport("debian:12"));
  EXPECT_FALSE(parse_transport(d + "/img.tar"));

  auto f = detect_local(d + "/img.tar");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->kind, LocalReference::Kind::kArchiveFile);
  auto g = detect_local(d + "/lay:tag1");
  ASSERT_TRUE(g);
  EXPECT_EQ(g->kind, LocalReference::Kind::kOciLayout);
  EXPECT_EQ(g->tag, "tag1");
  EXPECT_FALSE(detect_local("debian:12"));
  EXPECT_FALSE(detect_local(d + "/nothing"));
}

TEST(SourceReference, Platforms) {
  EXPECT_EQ(parse_platform("linux/x86_64")->str(), "linux/amd64");
  EXPECT_EQ(parse_platform("Linux/arm/v7")->str(), "linux/arm/v7");
  EXPECT_FALSE(parse_platform("linux").ok());
  EXPECT_FALSE(parse_platform("linux/amd64/v1/x").ok());
  EXPECT_EQ(wanted_platform("")->os, "linux");
  EXPECT_EQ(classify_layer_media_type("application/vnd.oci.image.layer.v1.tar+zstd").kind, LayerKind::kZstd);
  EXPECT_TRUE(classify_layer_media_type("application/vnd.docker.image.rootfs.foreign.diff.tar.gzip").foreign);
  EXPECT_EQ(classify_layer_media_type("application/vnd.oci.image.layer.v1.tar+bzip2").kind, LayerKind::kUnknown);
}

}  // namespace
}  // namespace bulwark::artifact
