// OCI layouts, OCI archives and docker-archives made by umoci and skopeo
// (tests/fixtures/registry/make-images.sh), opened through the ImageSources.
#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "artifact/artifact.hpp"
#include "artifact/image_config.hpp"
#include "artifact/reference.hpp"
#include "artifact/streams.hpp"
#include "artifact/tar_index.hpp"
#include "core/json.hpp"
#include "testing/testing.hpp"

namespace bulwark::artifact {
namespace {

using bulwark::testing::fixture;
using bulwark::testing::read_file;
using bulwark::testing::sh;
using bulwark::testing::TempDir;
using bulwark::testing::write_file;
namespace fs = std::filesystem;

// The images are built once per test program.
const fs::path& images() {
  static std::unique_ptr<TempDir> dir;
  static bool ok = false;
  if (!dir) {
    dir = std::make_unique<TempDir>();
    auto r = sh(fixture("registry/make-images.sh").string() + " " + dir->path().string() + " 2>&1");
    ok = r.exit_code == 0;
    if (!ok) ADD_FAILURE() << "make-images.sh failed: " << r.out;
  }
  return dir->path();
}

#define REQUIRE_IMAGE_TOOLS()          \
  BULWARK_REQUIRE_TOOL("umoci");       \
  BULWARK_REQUIRE_TOOL("skopeo");      \
  BULWARK_REQUIRE_TOOL("python3")

struct Blob {
  std::string digest;
  int64_t size = 0;
};
Blob read_layer(ImageSource& src, size_t i) {
  auto s = src.open_layer(i);
  EXPECT_TRUE(s.ok()) << (s ? "" : s.error().describe());
  if (!s) return {};
  auto data = read_stream(**s, 1 << 30, "layer");
  EXPECT_TRUE(data.ok());
  return {"sha256:" + sha256_hex(*data), static_cast<int64_t>(data->size())};
}

json index_of(const fs::path& layout) { return json::parse(read_file(layout / "index.json")); }

std::string manifest_digest_for(const fs::path& layout, const std::string& tag) {
  const json idx = index_of(layout);
  for (const auto& m : idx["manifests"])
    if (m["annotations"]["org.opencontainers.image.ref.name"] == tag) return m["digest"];
  return {};
}

Options opts_with_cache(const TempDir& cache) {
  Options o;
  o.cache_dir = cache.path().string();
  return o;
}

TEST(SourceOci, LayoutFillsArtifact) {
  REQUIRE_IMAGE_TOOLS();
  const fs::path L = images() / "L";
  auto src = open_oci_layout(L.string(), "1", Options{});
  ASSERT_TRUE(src.ok()) << src.error().describe();
  const Artifact& a = (*src)->artifact();
  EXPECT_EQ(a.manifest_digest, manifest_digest_for(L, "1"));
  EXPECT_EQ(a.media_type, "application/vnd.oci.image.manifest.v1+json");
  EXPECT_TRUE(valid_digest(a.config_digest));
  EXPECT_EQ(a.config.user, "1000");
  EXPECT_EQ(a.config.cmd, std::vector<std::string>{"/bin/sh"});
  EXPECT_NE(std::find(a.config.env.begin(), a.config.env.end(), "FOO=bar"), a.config.env.end());
  EXPECT_EQ(a.config.labels.at("org.example"), "yes");
  EXPECT_EQ(a.config.exposed_ports, std::vector<std::string>{"8080/tcp"});
  EXPECT_EQ(a.config.architecture, "amd64");
  ASSERT_EQ(a.layers.size(), 2u);
  EXPECT_EQ(a.layers[0].created_by, "COPY etc /etc");
  EXPECT_EQ(a.layers[1].created_by, "COPY var /var");
  EXPECT_TRUE((*src)->verify_blob_digest());
  for (size_t i = 0; i < a.layers.size(); ++i) {
    EXPECT_EQ(a.layers[i].media_type, "application/vnd.oci.image.layer.v1.tar+gzip");
    EXPECT_TRUE(valid_digest(a.layers[i].diff_id));
    Blob b = read_layer(**src, i);
    EXPECT_EQ(b.digest, a.layers[i].digest);
    EXPECT_EQ(b.size, a.layers[i].size);
  }
  EXPECT_EQ((*src)->describe(), "oci " + L.string() + ":1");
}

TEST(SourceOci, TagSelection) {
  REQUIRE_IMAGE_TOOLS();
  const fs::path L = images() / "L";
  auto none = open_oci_layout(L.string(), "", Options{});
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kInvalidArgument);
  EXPECT_NE(none.error().message.find("1, arm"), std::string::npos) << none.error().describe();
  auto missing = open_oci_layout(L.string(), "nope", Options{});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("nope"), std::string::npos);
  auto arm = open_oci_layout(L.string(), "arm", Options{});
  ASSERT_TRUE(arm.ok()) << arm.error().describe();
  EXPECT_EQ((*arm)->artifact().config.architecture, "arm64");
  EXPECT_EQ((*arm)->artifact().layers.size(), 1u);
}

TEST(SourceOci, NestedIndexSelectsPlatform) {
  REQUIRE_IMAGE_TOOLS();
  const fs::path M = images() / "M";
  Options o;
  o.platform = "linux/amd64";
  auto amd = open_oci_layout(M.string(), "multi", o);
  ASSERT_TRUE(amd.ok()) << amd.error().describe();
  EXPECT_EQ((*amd)->artifact().manifest_digest, manifest_digest_for(images() / "L", "1"));
  EXPECT_EQ((*amd)->artifact().layers.size(), 2u);
  o.platform = "linux/aarch64";  // alias of arm64
  auto arm = open_oci_layout(M.string(), "", o);
  ASSERT_TRUE(arm.ok()) << arm.error().describe();
  EXPECT_EQ((*arm)->artifact().manifest_digest, manifest_digest_for(images() / "L", "arm"));
  o.platform = "linux/s390x";
  auto none = open_oci_layout(M.string(), "multi", o);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code, ErrorCode::kNotFound);
  EXPECT_NE(none.error().message.find("linux/s390x"), std::string::npos);
  EXPECT_NE(none.error().message.find("linux/arm64, linux/amd64"), std::string::npos) << none.error().message;
  EXPECT_EQ(none.error().message.find("unknown"), std::string::npos);
  o.platform = "linux";
  auto bad = open_oci_layout(M.string(), "multi", o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST(SourceOci, ArchiveMatchesLayout) {
  REQUIRE_IMAGE_TOOLS();
  auto layout = open_oci_layout((images() / "L").string(), "1", Options{});
  auto archive = open_oci_archive((images() / "o.tar").string(), "1", Options{});
  ASSERT_TRUE(layout.ok() && archive.ok()) << (archive ? "" : archive.error().describe());
  const Artifact& a = (*archive)->artifact();
  EXPECT_EQ(a.config_digest, (*layout)->artifact().config_digest);
  ASSERT_EQ(a.layers.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(a.layers[i].diff_id, (*layout)->artifact().layers[i].diff_id);
    Blob b = read_layer(**archive, i);
    EXPECT_EQ(b.digest, a.layers[i].digest);
  }
  // open_docker_archive on an OCI archive says what it is.
  auto wrong = open_docker_archive((images() / "o.tar").string(), Options{});
  ASSERT_FALSE(wrong.ok());
  EXPECT_NE(wrong.error().message.find("OCI archive"), std::string::npos);
}

TEST(SourceDockerArchive, SkopeoArchive) {
  REQUIRE_IMAGE_TOOLS();
  auto layout = open_oci_layout((images() / "L").string(), "1", Options{});
  ASSERT_TRUE(layout.ok());
  auto src = open_docker_archive((images() / "x.tar").string(), Options{});
  ASSERT_TRUE(src.ok()) << src.error().describe();
  const Artifact& a = (*src)->artifact();
  EXPECT_EQ(a.repo_tags, std::vector<std::string>{"docker.io/test/img:1"});
  EXPECT_EQ(a.config_digest, (*layout)->artifact().config_digest);
  EXPECT_EQ(a.config.user, "1000");
  EXPECT_FALSE((*src)->verify_blob_digest());
  ASSERT_EQ(a.layers.size(), 2u);
  EXPECT_EQ(a.layers[1].created_by, "COPY var /var");
  for (size_t i = 0; i < 2; ++i) {
    // skopeo stores the layers uncompressed: blob digest = diffID.
    EXPECT_EQ(a.layers[i].media_type, "application/vnd.docker.image.rootfs.diff.tar");
    EXPECT_EQ(a.layers[i].diff_id, (*layout)->artifact().layers[i].diff_id);
    Blob b = read_layer(**src, i);
    EXPECT_EQ(b.digest, a.layers[i].diff_id);
    EXPECT_EQ(b.size, a.layers[i].size);
  }
}

TEST(SourceDockerArchive, LayersReadFromSeveralThreads) {
  REQUIRE_IMAGE_TOOLS();
  auto src = open_docker_archive((images() / "x.tar").string(), Options{});
  ASSERT_TRUE(src.ok());
  std::vector<Blob> got(8);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t)
    threads.emplace_back([&, t] { got[t] = read_layer(**src, t % 2); });
  for (auto& t : threads) t.join();
  for (size_t t = 0; t < got.size(); ++t) EXPECT_EQ(got[t].digest, (*src)->artifact().layers[t % 2].diff_id);
}

TEST(SourceDockerArchive, CompressedOuterArchiveUsesCacheDir) {
  REQUIRE_IMAGE_TOOLS();
  TempDir cache;
  auto src = open_docker_archive((images() / "x.tar.gz").string(), opts_with_cache(cache));
  ASSERT_TRUE(src.ok()) << src.error().describe();
  EXPECT_EQ((*src)->artifact().layers.size(), 2u);
  EXPECT_EQ(read_layer(**src, 1).digest, (*src)->artifact().layers[1].diff_id);
  EXPECT_TRUE(fs::exists(cache / "archives"));
  EXPECT_FALSE(fs::is_empty(cache / "archives"));
  src->reset();
  EXPECT_TRUE(fs::is_empty(cache / "archives")) << "the decompressed copy is removed with the source";
}

TEST(SourceDockerArchive, Docker25LayoutUsesOciIndex) {
  REQUIRE_IMAGE_TOOLS();
  auto src = open_docker_archive((images() / "d25.tar").string(), Options{});
  ASSERT_TRUE(src.ok()) << src.error().describe();
  const Artifact& a = (*src)->artifact();
  EXPECT_TRUE((*src)->verify_blob_digest());
  EXPECT_EQ(a.manifest_digest, manifest_digest_for(images() / "L", "1"));
  EXPECT_NE(std::find(a.repo_tags.begin(), a.repo_tags.end(), "test/d25:latest"), a.repo_tags.end());
  EXPECT_EQ((*src)->describe(), "docker-archive " + (images() / "d25.tar").string());
  ASSERT_EQ(a.layers.size(), 2u);
  EXPECT_EQ(read_layer(**src, 0).digest, a.layers[0].digest);
}

TEST(OpenImage, LocalForms) {
  REQUIRE_IMAGE_TOOLS();
  const std::string d = images().string();
  struct Case {
    std::string ref;
    std::string describe_prefix;
    size_t layers;
  };
  for (const Case& c : std::vector<Case>{{d + "/L:1", "oci ", 2},
                                         {"oci:" + d + "/L:arm", "oci ", 1},
                                         {d + "/M", "oci ", 2},
                                         {d + "/x.tar", "docker-archive ", 2},
                                         {"docker-archive:" + d + "/x.tar", "docker-archive ", 2},
                                         {"docker-archive:" + d + "/x.tar:test/img:1", "docker-archive ", 2},
                                         {d + "/o.tar", "oci-archive ", 2},
                                         {"oci-archive:" + d + "/o.tar:1", "oci-archive ", 2}}) {
    Options o;
    o.platform = "linux/amd64";
    auto src = open_image(c.ref, o);
    ASSERT_TRUE(src.ok()) << c.ref << ": " << src.error().describe();
    EXPECT_TRUE(starts_with((*src)->describe(), c.describe_prefix)) << (*src)->describe();
    EXPECT_EQ((*src)->artifact().layers.size(), c.layers) << c.ref;
  }
  auto wrong_name = open_image("docker-archive:" + d + "/x.tar:other/img:2", Options{});
  ASSERT_FALSE(wrong_name.ok());
  EXPECT_EQ(wrong_name.error().code, ErrorCode::kNotFound);
}

TEST(OpenImage, AllSourcesFailListsEach) {
  Options o;
  o.image_sources = {"archive"};
  auto r = open_image("/nonexistent/dir/image.tar", o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_NE(r.error().message.find("archive: "), std::string::npos) << r.error().describe();
  o.image_sources = {"archive", "nonsense"};
  auto bad = open_image("/nonexistent", o);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidArgument);
}

TEST(OpenImage, InspectEveryLocalForm) {
  REQUIRE_IMAGE_TOOLS();
  const std::string d = images().string();
  AnalyzerRegistry none;
  auto cache = open_layer_cache("");
  for (const std::string& ref : {d + "/L:1", d + "/x.tar", d + "/o.tar", d + "/d25.tar"}) {
    Options o;
    o.use_cache = false;
    o.parallelism = 2;
    auto src = open_image(ref, o);
    ASSERT_TRUE(src.ok()) << ref << ": " << src.error().describe();
    // The walker checks blob digests (where verify_blob_digest) and diffIDs.
    auto ins = inspect_image(**src, none, *cache, o);
    ASSERT_TRUE(ins.ok()) << ref << ": " << ins.error().describe();
    EXPECT_EQ(ins->layers.size(), 2u);
  }
}

// --------------------------------------------------------------- bad input --

fs::path copy_layout(const TempDir& t) {
  fs::copy(images() / "L", t / "L", fs::copy_options::recursive);
  return t / "L";
}

TEST(SourceOci, CorruptManifestIsDigestMismatch) {
  REQUIRE_IMAGE_TOOLS();
  TempDir t;
  fs::path L = copy_layout(t);
  std::string md = manifest_digest_for(L, "1");
  fs::path blob = L / "blobs/sha256" / md.substr(7);
  std::string text = read_file(blob);
  text[text.size() - 2] = ' ';  // same size, other bytes
  fs::permissions(blob, fs::perms::owner_write, fs::perm_options::add);
  write_file(blob, text);
  auto src = open_oci_layout(L.string(), "1", Options{});
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.error().code, ErrorCode::kDigestMismatch);
  EXPECT_NE(src.error().describe().find(md), std::string::npos) << src.error().describe();
}

TEST(SourceOci, MissingLayerBlobIsNamed) {
  REQUIRE_IMAGE_TOOLS();
  TempDir t;
  fs::path L = copy_layout(t);
  auto ok = open_oci_layout(L.string(), "1", Options{});
  ASSERT_TRUE(ok.ok());
  std::string layer = (*ok)->artifact().layers[1].digest;
  fs::remove(L / "blobs/sha256" / layer.substr(7));
  auto src = open_oci_layout(L.string(), "1", Options{});
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.error().code, ErrorCode::kNotFound);
  EXPECT_NE(src.error().describe().find(layer), std::string::npos);
}

TEST(SourceOci, NotALayout) {
  TempDir t;
  auto src = open_oci_layout(t.path().string(), "", Options{});
  ASSERT_FALSE(src.ok());
  EXPECT_NE(src.error().message.find("oci-layout"), std::string::npos);
}

TEST(SourceDockerArchive, TruncatedArchiveNamesOffset) {
  REQUIRE_IMAGE_TOOLS();
  TempDir t;
  std::string bytes = read_file(images() / "x.tar");
  write_file(t / "cut.tar", bytes.substr(0, 3000));
  auto src = open_docker_archive((t / "cut.tar").string(), Options{});
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(src.error().describe().find("cut.tar: offset "), std::string::npos) << src.error().describe();
}

TEST(SourceDockerArchive, NotATar) {
  TempDir t;
  write_file(t / "junk.tar", std::string(2048, 'x'));
  auto src = open_image((t / "junk.tar").string(), Options{});
  ASSERT_FALSE(src.ok());
  EXPECT_EQ(src.error().code, ErrorCode::kCorrupt);
  EXPECT_NE(src.error().describe().find("not a tar archive"), std::string::npos);
}

// ------------------------------------------------------------- tar index --

TEST(SourceTarIndex, LongNamesInPaxAndGnuFormats) {
  BULWARK_REQUIRE_TOOL("tar");
  TempDir t;
  std::string dir = std::string(60, 'd') + "/" + std::string(70, 'e');
  fs::create_directories(t / "src" / dir);
  std::string long_name = dir + "/" + std::string(120, 'f') + ".json";
  write_file(t / "src" / long_name, "{\"long\":true}");
  write_file(t / "src/short", "hello");
  for (const std::string fmt : {"pax", "gnu", "ustar"}) {
    auto r = sh("tar -C " + (t / "src").string() + " --format=" + fmt + " -cf " + (t / (fmt + ".tar")).string() +
                " . 2>&1");
    if (fmt == "ustar") {
      // ustar cannot hold a 120-byte base name; tar refuses it.
      continue;
    }
    ASSERT_EQ(r.exit_code, 0) << r.out;
    auto idx = TarIndex::build_file((t / (fmt + ".tar")).string());
    ASSERT_TRUE(idx.ok()) << idx.error().describe();
    auto body = idx->read(long_name, 1024);
    ASSERT_TRUE(body.ok()) << fmt << ": " << body.error().describe();
    EXPECT_EQ(*body, "{\"long\":true}");
    EXPECT_EQ(*idx->read("./short", 1024), "hello");
    EXPECT_EQ(idx->find("missing"), nullptr);
  }
}

TEST(SourceTarIndex, Limits) {
  BULWARK_REQUIRE_TOOL("tar");
  TempDir t;
  fs::create_directories(t / "src");
  for (int i = 0; i < 5; ++i) write_file(t / "src" / ("f" + std::to_string(i)), "x");
  ASSERT_EQ(sh("tar -C " + (t / "src").string() + " -cf " + (t / "a.tar").string() + " .").exit_code, 0);
  TarIndexLimits lim;
  lim.max_members = 3;
  auto idx = TarIndex::build_file((t / "a.tar").string(), lim);
  ASSERT_FALSE(idx.ok());
  EXPECT_EQ(idx.error().code, ErrorCode::kLimitExceeded);
  lim = {};
  lim.max_name = 2;
  auto named = TarIndex::build_file((t / "a.tar").string(), lim);
  ASSERT_FALSE(named.ok());
  EXPECT_EQ(named.error().code, ErrorCode::kLimitExceeded);
  EXPECT_NE(named.error().where.find("offset "), std::string::npos);
  // A member read beyond its limit.
  auto ok = TarIndex::build_file((t / "a.tar").string());
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->read("f1", 0).error().code, ErrorCode::kLimitExceeded);
}

}  // namespace
}  // namespace bulwark::artifact
