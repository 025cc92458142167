// Scans the real multi-layer Debian image built by build-images.sh in every
// form it is stored in, and checks the inventory against dpkg's own view of
// the same root state.
#include <gtest/gtest.h>

#include <cstring>
#include <regex>
#include <sstream>

#include "artifact/artifact.hpp"
#include "integration/harness.hpp"
#include "scan/scan.hpp"

namespace bulwark::integration {
namespace {

using testing::TempDir;

// The image's layers as the report lists them.
std::vector<std::string> diff_ids_of(const json& report) {
  std::vector<std::string> out;
  for (const auto& l : report["target"]["artifact"].value("layers", json::array()))
    out.push_back(l.value("diff_id", ""));
  return out;
}

// The diffIDs written by umoci in the OCI image config, in order.
std::vector<std::string> config_diff_ids(const Images& im, const std::string& tag) {
  json manifest = oci_manifest(im.oci_layout, tag);
  if (manifest.is_null()) return {};
  json config = json::parse(testing::read_file(im.oci_layout / "blobs" / "sha256" /
                                               hex_of(manifest["config"]["digest"])));
  return config["rootfs"]["diff_ids"].get<std::vector<std::string>>();
}

void expect_debian12(const json& report) {
  const json& os = report["inventory"].value("os", json::object());
  EXPECT_EQ(os.value("family", ""), "debian") << os.dump();
  EXPECT_EQ(os.value("version", "").substr(0, 2), "12") << os.dump();
  EXPECT_EQ(os.value("codename", ""), "bookworm") << os.dump();
}

class ImageForms : public ::testing::TestWithParam<std::string> {};

// Each stored form of the same image gives exactly dpkg's package list of the
// final state, the OS, and the three layers with their diffIDs.
TEST_P(ImageForms, PackagesEqualDpkgQuery) {
  BULWARK_REQUIRE_IMAGES(im);
  std::string form = GetParam();
  std::string ref;
  if (form == "oci-layout") ref = im.oci_layout.string() + ":test";
  else if (form == "oci-prefix") ref = "oci:" + im.oci_layout.string() + ":test";
  else if (form == "docker-archive") ref = im.docker_archive.string();
  else if (form == "docker-archive-prefix") ref = "docker-archive:" + im.docker_archive.string();
  else if (form == "oci-archive") ref = im.oci_archive.string();
  else if (form == "oci-archive-prefix") ref = "oci-archive:" + im.oci_archive.string();
  else if (form == "oci-zstd") {
    if (im.oci_zstd.empty()) GTEST_SKIP() << "skopeo could not write zstd layers here";
    ref = im.oci_zstd.string() + ":test";
  }
  TempDir cache;
  auto s = scan_json({"image", "-q", "--cache-dir", cache.path().string(), ref});
  ASSERT_FALSE(s.report.is_null()) << s.why;
  EXPECT_EQ(s.result.exit_code, 0) << s.result.err;
  EXPECT_EQ(diff(read_expected(im.expected("test")), packages_of(s.report)), "") << "bulwark image " << ref;
  expect_debian12(s.report);
  EXPECT_EQ(s.report.value("schema_version", 0), 1);
  EXPECT_EQ(s.report["target"].value("kind", ""), "image");
  EXPECT_EQ(s.report["tool"].value("name", ""), "bulwark");
  std::vector<std::string> want = config_diff_ids(im, "test");
  ASSERT_EQ(want.size(), 3u);
  EXPECT_EQ(diff_ids_of(s.report), want) << s.report["target"].dump(2);
}

INSTANTIATE_TEST_SUITE_P(All, ImageForms,
                         ::testing::Values("oci-layout", "oci-prefix", "docker-archive", "docker-archive-prefix",
                                           "oci-archive", "oci-archive-prefix", "oci-zstd"),
                         [](const auto& info) {
                           std::string n = info.param;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

// Layer attribution: a package installed in layer 2 and untouched since points
// at layer 2's diffID; minbase packages at layer 1; the package upgraded in
// layer 3 is reported with its new version; the purged one is gone.
TEST(ImageLayers, AttributionWhiteoutsAndUpgrade) {
  BULWARK_REQUIRE_IMAGES(im);
  TempDir cache;
  auto s = scan_json({"image", "-q", "--cache-dir", cache.path().string(), im.oci_layout.string() + ":test"});
  ASSERT_FALSE(s.report.is_null()) << s.why;
  std::vector<std::string> ids = config_diff_ids(im, "test");
  ASSERT_EQ(ids.size(), 3u);

  json file = find_package(s.report, "file");
  ASSERT_FALSE(file.is_null()) << "package `file` (installed in layer 2) missing";
  EXPECT_EQ(file["location"].value("layer", ""), ids[1]) << file.dump(2);
  EXPECT_EQ(file.value("version", ""), "1:5.44-3");
  EXPECT_EQ(file.value("epoch", 0), 1) << file.dump(2);
  EXPECT_EQ(file.value("purl", "").rfind("pkg:deb/debian/file@", 0), 0u) << file.dump(2);

  json bzip2 = find_package(s.report, "bzip2");
  ASSERT_FALSE(bzip2.is_null());
  EXPECT_EQ(bzip2["location"].value("layer", ""), ids[1]) << bzip2.dump(2);

  json dpkg = find_package(s.report, "dpkg");
  ASSERT_FALSE(dpkg.is_null());
  EXPECT_EQ(dpkg["location"].value("layer", ""), ids[0]) << dpkg.dump(2);

  EXPECT_TRUE(find_package(s.report, "less").is_null()) << "`less` was purged in layer 3 but is reported";

  json netbase = find_package(s.report, "netbase");
  ASSERT_FALSE(netbase.is_null());
  EXPECT_EQ(netbase.value("version", ""), "6.4+bulwark1") << netbase.dump(2);
}

// Each intermediate tag has its own state: l1 = minbase, l2 = + packages
// (including `less`, purged later), each equal to dpkg-query of that state.
TEST(ImageLayers, IntermediateTagsMatchTheirState) {
  BULWARK_REQUIRE_IMAGES(im);
  TempDir cache;
  for (std::string tag : {"l1", "l2"}) {
    auto s = scan_json({"image", "-q", "--cache-dir", cache.path().string(), im.oci_layout.string() + ":" + tag});
    ASSERT_FALSE(s.report.is_null()) << s.why;
    EXPECT_EQ(diff(read_expected(im.expected(tag)), packages_of(s.report)), "") << "tag " << tag;
  }
}

// The image config set by `umoci config` and the layer history reach the report.
TEST(ImageLayers, ConfigAndHistory) {
  BULWARK_REQUIRE_IMAGES(im);
  TempDir cache;
  auto s = scan_json({"image", "-q", "--cache-dir", cache.path().string(), im.docker_archive.string()});
  ASSERT_FALSE(s.report.is_null()) << s.why;
  const json& art = s.report["target"]["artifact"];
  const json& cfg = art.value("config", json::object());
  EXPECT_EQ(cfg.value("user", ""), "1000:1000") << cfg.dump(2);
  EXPECT_EQ(cfg.value("cmd", json::array()), json::array({"/bin/bash", "-l"})) << cfg.dump(2);
  EXPECT_EQ(cfg.value("working_dir", ""), "/root");
  EXPECT_EQ(cfg.value("architecture", ""), "amd64");
  EXPECT_EQ(cfg.value("os", ""), "linux");
  auto env = cfg.value("env", std::vector<std::string>{});
  EXPECT_NE(std::find(env.begin(), env.end(), "BULWARK_TEST=1"), env.end()) << cfg.dump(2);
  EXPECT_EQ(cfg.value("exposed_ports", json::array()), json::array({"8080/tcp"})) << cfg.dump(2);
  EXPECT_EQ(cfg.value("labels", json::object()).value("org.opencontainers.image.title", ""), "bulwark-test");
  auto tags = art.value("repo_tags", std::vector<std::string>{});
  EXPECT_TRUE(std::any_of(tags.begin(), tags.end(),
                          [](const std::string& t) { return t.find("bulwark/test:1") != std::string::npos; }))
      << art.dump(2);
  // History: the empty_layer entry of `umoci config` must not shift created_by.
  const json& layers = art.value("layers", json::array());
  ASSERT_EQ(layers.size(), 3u);
  EXPECT_EQ(layers[0].value("created_by", ""), "debootstrap --variant=minbase bookworm");
  EXPECT_EQ(layers[1].value("created_by", "").rfind("dpkg -i less", 0), 0u) << layers[1].dump();
  EXPECT_EQ(layers[2].value("created_by", "").rfind("dpkg --purge less", 0), 0u) << layers[2].dump();
  for (const auto& l : layers) {
    EXPECT_EQ(l.value("digest", "").rfind("sha256:", 0), 0u) << l.dump();
    EXPECT_GT(l.value("size", 0), 0) << l.dump();
  }
}

// `bulwark rootfs` on the debootstrap tree equals dpkg-query on it.
TEST(Rootfs, EqualsDpkgQuery) {
  BULWARK_REQUIRE_IMAGES(im);
  auto s = scan_json({"rootfs", "-q", "--no-cache", im.rootfs.string()});
  ASSERT_FALSE(s.report.is_null()) << s.why;
  EXPECT_EQ(s.result.exit_code, 0) << s.result.err;
  // Read dpkg-query now as well: the tree is the one the tests scan.
  auto q = testing::run({"dpkg-query", "--admindir=" + (im.rootfs / "var/lib/dpkg").string(), "-W",
                         "-f=${Package}\t${Version}\t${Architecture}\n"});
  ASSERT_EQ(q.exit_code, 0) << q.err;
  TempDir t;
  testing::write_file(t / "q.tsv", q.out);
  PkgSet want = read_expected(t / "q.tsv");
  EXPECT_GT(want.size(), 50u);
  EXPECT_EQ(diff(want, packages_of(s.report)), "");
  EXPECT_EQ(s.report["target"].value("kind", ""), "rootfs");
  expect_debian12(s.report);
  json dpkg = find_package(s.report, "dpkg");
  ASSERT_FALSE(dpkg.is_null());
  EXPECT_EQ(dpkg["location"].value("path", ""), "var/lib/dpkg/status") << dpkg.dump(2);
}

// The cells of each line of a table: split on blanks and box-drawing borders.
std::vector<std::vector<std::string>> table_cells(const std::string& text) {
  std::vector<std::vector<std::string>> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    for (const char* border : {"\u2502", "\u2503", "|"}) {
      for (size_t at; (at = line.find(border)) != std::string::npos;) line.replace(at, strlen(border), " ");
    }
    std::istringstream words(line);
    std::vector<std::string> cells;
    for (std::string w; words >> w;) cells.push_back(w);
    lines.push_back(std::move(cells));
  }
  return lines;
}

bool has_row(const std::vector<std::vector<std::string>>& lines, const std::string& a, const std::string& b) {
  for (const auto& cells : lines)
    if (std::find(cells.begin(), cells.end(), a) != cells.end() && std::find(cells.begin(), cells.end(), b) != cells.end())
      return true;
  return false;
}

// The table for people: an OS line and one row per package with its version.
TEST(Formats, TableHasOsLineAndPackageRows) {
  BULWARK_REQUIRE_IMAGES(im);
  TempDir cache;
  auto r = bulwark({"image", "-q", "--cache-dir", cache.path().string(), im.oci_archive.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::regex os_line(R"((^|\n)[^\n]*[Dd]ebian[^\n]*12[^\n]*)");
  EXPECT_TRUE(std::regex_search(r.out, os_line)) << r.out.substr(0, 2000);
  auto lines = table_cells(r.out);
  int missing = 0;
  for (const auto& p : read_expected(im.expected("test"))) {
    if (!has_row(lines, p.name, p.version) && ++missing <= 10)
      ADD_FAILURE() << "no table row with " << p.name << " and " << p.version;
  }
  EXPECT_EQ(missing, 0) << "table:\n" << r.out.substr(0, 3000);
  for (const auto& cells : lines)
    EXPECT_EQ(std::find(cells.begin(), cells.end(), "less"), cells.end()) << "purged package `less` in the table";
}

class SbomRoundTrip : public ::testing::TestWithParam<std::string> {};

// An SBOM written by bulwark and read back by `bulwark sbom` gives the same packages.
TEST_P(SbomRoundTrip, SamePackages) {
  BULWARK_REQUIRE_IMAGES(im);
  TempDir t;
  fs::path sbom = t / ("image." + GetParam() + ".json");
  auto w = bulwark({"image", "-q", "--cache-dir", (t / "cache").string(), "-f", GetParam(), "-o", sbom.string(),
                    im.oci_layout.string() + ":test"});
  ASSERT_EQ(w.exit_code, 0) << w.err;
  ASSERT_TRUE(fs::exists(sbom));
  // It is the format it claims to be.
  json doc = json::parse(testing::read_file(sbom));
  if (GetParam() == "cyclonedx") EXPECT_EQ(doc.value("bomFormat", ""), "CycloneDX");
  else EXPECT_EQ(doc.value("spdxVersion", "").rfind("SPDX-2", 0), 0u);

  auto s = scan_json({"sbom", "-q", sbom.string()});
  ASSERT_FALSE(s.report.is_null()) << s.why;
  EXPECT_EQ(s.report["target"].value("kind", ""), "sbom");
  EXPECT_EQ(diff(read_expected(im.expected("test")), packages_of(s.report)), "") << "bulwark sbom " << sbom;
  expect_debian12(s.report);
}

INSTANTIATE_TEST_SUITE_P(Formats, SbomRoundTrip, ::testing::Values("cyclonedx", "spdx-json"),
                         [](const auto& info) { return info.param == "cyclonedx" ? "cyclonedx" : "spdx_json"; });

int count_files(const fs::path& dir) {
  int n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_regular_file()) ++n;
  return n;
}

// The second scan of the same image takes every layer from the cache: the
// cache holds one entry per layer after the first scan and gains none in the
// second, the debug log says all layers came from it, and the report is equal.
TEST(Cache, SecondScanUsesTheCache) {
  BULWARK_REQUIRE_IMAGES(im);
  TempDir cache;
  std::string ref = im.oci_layout.string() + ":test";
  auto first = scan_json({"image", "--debug", "--cache-dir", cache.path().string(), ref});
  ASSERT_FALSE(first.report.is_null()) << first.why;
  int after_first = count_files(cache.path());
  EXPECT_GE(after_first, 3) << "expected one cache entry per layer under " << cache.path();
  auto second = scan_json({"image", "--debug", "--cache-dir", cache.path().string(), ref});
  ASSERT_FALSE(second.report.is_null()) << second.why;
  EXPECT_EQ(count_files(cache.path()), after_first);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(second.result.err, m, std::regex(R"(from cache: (\d+) of (\d+))")))
      << second.result.err;
  EXPECT_EQ(m[1].str(), "3");
  EXPECT_EQ(m[2].str(), "3");
  EXPECT_EQ(packages_of(first.report), packages_of(second.report));
  EXPECT_EQ(first.report["inventory"]["packages"], second.report["inventory"]["packages"]);

  // --no-cache neither reads nor writes it.
  TempDir empty;
  auto nocache = scan_json({"image", "--no-cache", "--cache-dir", empty.path().string(), ref});
  ASSERT_FALSE(nocache.report.is_null()) << nocache.why;
  EXPECT_EQ(count_files(empty.path()), 0);
}

// The same through the library API the benchmark uses: cache_hits counts layers.
TEST(Cache, InspectImageCountsHits) {
  BULWARK_REQUIRE_IMAGES(im);
  TempDir cache;
  artifact::Options opts;
  opts.cache_dir = cache.path().string();
  AnalyzerRegistry analyzers = scan::default_analyzers();
  auto layer_cache = artifact::open_layer_cache(opts.cache_dir);
  for (int round = 0; round < 2; ++round) {
    auto image = artifact::open_image(im.oci_layout.string() + ":test", opts);
    ASSERT_TRUE(image.ok()) << image.error().describe();
    auto ins = artifact::inspect_image(**image, analyzers, *layer_cache, opts);
    ASSERT_TRUE(ins.ok()) << ins.error().describe();
    EXPECT_EQ(ins->cache_hits, round == 0 ? 0 : 3) << "round " << round;
    EXPECT_EQ(ins->layers.size(), 3u);
  }
}

}  // namespace
}  // namespace bulwark::integration
