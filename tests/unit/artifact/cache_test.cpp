// The layer cache and whole-image inspection (cache hits, parallel = serial,
// the first failing layer named).
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "core/json.hpp"
#include "layer_fixtures.hpp"
#include "testing/testing.hpp"

namespace bulwark::artifact {
namespace {

using namespace testfx;
namespace fs = std::filesystem;

// An image held in memory: real layer blobs and their real digests.
class MemoryImage : public ImageSource {
 public:
  explicit MemoryImage(std::vector<TestLayer> layers) : layers_(std::move(layers)) {
    artifact_.name = "memory-image";
    for (const auto& l : layers_) artifact_.layers.push_back(l.layer);
  }
  const Artifact& artifact() const override { return artifact_; }
  Result<std::unique_ptr<ByteStream>> open_layer(size_t index) override {
    opens_.fetch_add(1);
    if (index >= layers_.size()) return Error(ErrorCode::kNotFound, "no layer " + std::to_string(index));
    return std::unique_ptr<ByteStream>(std::make_unique<MemoryStream>(layers_[index].blob));
  }
  bool verify_blob_digest() const override { return true; }
  std::string describe() const override { return "memory image"; }
  int opens() const { return opens_.load(); }
  Artifact& mutable_artifact() { return artifact_; }

 private:
  std::vector<TestLayer> layers_;
  Artifact artifact_;
  std::atomic<int> opens_{0};
};

std::vector<TestLayer> sample_layers(int n = 5) {
  std::vector<TestLayer> out;
  for (int i = 0; i < n; ++i) {
    std::vector<TarEntry> entries = {file("layer" + std::to_string(i) + ".pkgs", "pkg" + std::to_string(i) + " 1\n"),
                                     file("shared.pkgs", "shared " + std::to_string(i) + "\n")};
    if (i == 0) entries.push_back(file("etc/marker.txt", "base"));
    if (i == 2) entries.push_back(file(".wh.layer1.pkgs", ""));
    out.push_back(make_layer(entries, i % 2 == 0 ? Compression::kGzip : Compression::kZstd));
  }
  return out;
}

std::string inventory_json(const Inventory& inv) {
  json j = inv;
  return j.dump();
}

class CountingProgress : public Progress {
 public:
  void begin(std::string_view, uint64_t total) override {
    std::lock_guard<std::mutex> l(mu);
    ++begins;
    this->total = total;
  }
  void advance(uint64_t n) override {
    std::lock_guard<std::mutex> l(mu);
    advanced += n;
  }
  void end() override {
    std::lock_guard<std::mutex> l(mu);
    ++ends;
  }
  std::mutex mu;
  int begins = 0, ends = 0;
  uint64_t total = 0, advanced = 0;
};

TEST(LayerCacheKey, DependsOnDiffIdAndAnalyzerVersions) {
  auto one = lines_registry(false);
  auto two = lines_registry(true);
  std::string k = layer_cache_key("sha256:aa", one);
  EXPECT_EQ(k.size(), 64u);
  EXPECT_EQ(k, layer_cache_key("sha256:aa", one));
  EXPECT_NE(k, layer_cache_key("sha256:ab", one));
  EXPECT_NE(k, layer_cache_key("sha256:aa", two));
}

TEST(LayerCacheKey, SkipPatternsAreOfTheKeyOnlyWhenGiven) {
  auto reg = lines_registry(false);
  Options none, dirs, files, other;
  dirs.skip_dirs = {"vendor"};
  files.skip_files = {"vendor"};
  other.skip_dirs = {"node_modules"};
  std::string plain = layer_cache_key("sha256:aa", reg);
  EXPECT_EQ(layer_cache_key("sha256:aa", reg, none), plain);  // old cache entries stay valid
  EXPECT_NE(layer_cache_key("sha256:aa", reg, dirs), plain);
  EXPECT_NE(layer_cache_key("sha256:aa", reg, dirs), layer_cache_key("sha256:aa", reg, files));
  EXPECT_NE(layer_cache_key("sha256:aa", reg, dirs), layer_cache_key("sha256:aa", reg, other));
}

TEST(Inspect, SkippedPathsOfAnImageAreNotReusedFromTheCache) {
  testing::TempDir tmp;
  MemoryImage image({make_layer({file("app/a.pkgs", "a 1\n"), file("app/vendor/v.pkgs", "v 1\n")}),
                     make_layer({file("app/vendor/w.pkgs", "w 1\n"), file("opt/x.pkgs", "x 1\n")})});
  auto reg = lines_registry();
  auto cache = open_layer_cache(tmp.path().string());
  Options skipping;
  skipping.skip_dirs = {"vendor"};
  skipping.skip_files = {"/opt/x.pkgs"};  // a leading "/" names the image root too
  auto first = inspect_image(image, reg, *cache, skipping);
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_EQ(package_names(first->merged.inventory), std::vector<std::string>{"a@1"});
  auto second = inspect_image(image, reg, *cache, Options{});
  ASSERT_TRUE(second.ok()) << second.error().describe();
  EXPECT_EQ(second->cache_hits, 0);
  EXPECT_EQ(package_names(second->merged.inventory), (std::vector<std::string>{"a@1", "v@1", "w@1", "x@1"}));
  auto third = inspect_image(image, reg, *cache, skipping);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->cache_hits, 2);
  EXPECT_EQ(package_names(third->merged.inventory), std::vector<std::string>{"a@1"});
}

TEST(LayerCache, RoundTripAndMiss) {
  testing::TempDir tmp;
  auto cache = open_layer_cache(tmp.path().string());
  auto reg = lines_registry(true);
  TestLayer t = make_layer({file("a.pkgs", "a 1\nb 2\n"), symlink("l", "a.pkgs"), file(".wh.gone", "")});
  auto r = analyze_layer(opener_for(t.blob), t.layer, true, reg, {});
  ASSERT_TRUE(r.ok());
  std::string key = layer_cache_key(t.layer.diff_id, reg);
  EXPECT_FALSE(cache->get(key).has_value());
  ASSERT_TRUE(cache->put(key, *r).ok());
  EXPECT_TRUE(fs::exists(tmp / ("layers/" + key + ".json")));
  auto back = cache->get(key);
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(json(*back).dump(), json(*r).dump());
  // No temp files are left behind.
  int files = 0;
  for (const auto& e : fs::directory_iterator(tmp / "layers")) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
  // Keys that are not hex never touch the file system.
  EXPECT_FALSE(cache->put("../escape", *r).ok());
  EXPECT_FALSE(cache->get("../escape").has_value());
}

TEST(LayerCache, EmptyDirStoresNothing) {
  auto cache = open_layer_cache("");
  LayerResult r;
  r.diff_id = "sha256:x";
  EXPECT_TRUE(cache->put(std::string(64, 'a'), r).ok());
  EXPECT_FALSE(cache->get(std::string(64, 'a')).has_value());
}

TEST(LayerCache, CorruptEntryIsIgnoredAndRewritten) {
  testing::TempDir tmp;
  MemoryImage image(sample_layers(3));
  auto reg = lines_registry();
  auto cache = open_layer_cache(tmp.path().string());
  Options opts;
  opts.parallelism = 1;
  auto first = inspect_image(image, reg, *cache, opts);
  ASSERT_TRUE(first.ok()) << first.error().describe();
  std::string key = layer_cache_key(image.artifact().layers[1].diff_id, reg);
  fs::path entry = tmp / ("layers/" + key + ".json");
  ASSERT_TRUE(fs::exists(entry));
  testing::write_file(entry, "{\"format\": 1, \"key\": \"" + key + "\", \"result\": {\"files\": [tru");
  std::string key2 = layer_cache_key(image.artifact().layers[2].diff_id, reg);
  testing::write_file(tmp / ("layers/" + key2 + ".json"), "{\"format\": 1, \"key\": \"wrong\", \"result\": {}}");
  auto second = inspect_image(image, reg, *cache, opts);
  ASSERT_TRUE(second.ok()) << second.error().describe();
  EXPECT_EQ(second->cache_hits, 1);
  EXPECT_EQ(inventory_json(second->merged.inventory), inventory_json(first->merged.inventory));
  // Both were rewritten: a third run hits every layer.
  auto third = inspect_image(image, reg, *cache, opts);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->cache_hits, 3);
}

TEST(Inspect, SecondRunComesFromTheCache) {
  testing::TempDir tmp;
  MemoryImage image(sample_layers(5));
  auto reg = lines_registry(true);
  auto cache = open_layer_cache(tmp.path().string());
  CountingProgress progress;
  Options opts;
  opts.progress = &progress;
  auto first = inspect_image(image, reg, *cache, opts);
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_EQ(first->cache_hits, 0);
  EXPECT_EQ(first->artifact.name, "memory-image");
  EXPECT_EQ(first->layers.size(), 5u);
  EXPECT_EQ(package_names(first->merged.inventory),
            (std::vector<std::string>{"pkg0@1", "pkg2@1", "pkg3@1", "pkg4@1", "shared@4"}));
  EXPECT_EQ(progress.begins, 1);
  EXPECT_EQ(progress.total, 5u);
  EXPECT_EQ(progress.advanced, 5u);
  EXPECT_EQ(progress.ends, 1);
  int opens = image.opens();
  auto second = inspect_image(image, reg, *cache, opts);
  ASSERT_TRUE(second.ok()) << second.error().describe();
  EXPECT_EQ(second->cache_hits, 5);
  EXPECT_EQ(image.opens(), opens);  // no blob was read again
  EXPECT_EQ(inventory_json(second->merged.inventory), inventory_json(first->merged.inventory));
  // Layer attribution survives the cache.
  for (const auto& p : second->merged.inventory.packages) {
    if (p.name == "pkg3") {
      EXPECT_EQ(p.location.layer, image.artifact().layers[3].diff_id);
    }
  }
  // use_cache=false neither reads nor writes.
  opts.use_cache = false;
  auto third = inspect_image(image, reg, *cache, opts);
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->cache_hits, 0);
}

TEST(Inspect, ParallelEqualsSerial) {
  auto layers = sample_layers(8);
  auto reg = lines_registry(true);
  auto none = open_layer_cache("");
  MemoryImage a(layers), b(layers);
  Options serial;
  serial.parallelism = 1;
  Options parallel;
  parallel.parallelism = 4;
  auto s = inspect_image(a, reg, *none, serial);
  auto p = inspect_image(b, reg, *none, parallel);
  ASSERT_TRUE(s.ok() && p.ok());
  EXPECT_EQ(inventory_json(s->merged.inventory), inventory_json(p->merged.inventory));
  ASSERT_EQ(s->layers.size(), p->layers.size());
  for (size_t i = 0; i < s->layers.size(); ++i) EXPECT_EQ(json(s->layers[i]).dump(), json(p->layers[i]).dump());
}

TEST(Inspect, FailingLayerIsNamedAndNothingIsCached) {
  testing::TempDir tmp;
  auto layers = sample_layers(4);
  std::string good_diff = layers[2].layer.diff_id;
  layers[2].layer.diff_id = "sha256:" + std::string(64, 'e');
  MemoryImage image(layers);
  auto reg = lines_registry();
  auto cache = open_layer_cache(tmp.path().string());
  Options opts;
  opts.parallelism = 2;
  auto r = inspect_image(image, reg, *cache, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kDigestMismatch) << r.error().describe();
  EXPECT_NE(r.error().describe().find(layers[2].layer.diff_id), std::string::npos) << r.error().describe();
  EXPECT_NE(r.error().describe().find(good_diff), std::string::npos) << r.error().describe();
  EXPECT_FALSE(cache->get(layer_cache_key(layers[2].layer.diff_id, reg)).has_value());
}

TEST(Inspect, UserCancelStopsInspection) {
  MemoryImage image(sample_layers(3));
  auto reg = lines_registry();
  auto none = open_layer_cache("");
  CancelToken token;
  token.cancel();
  Options opts;
  opts.cancel = &token;
  auto r = inspect_image(image, reg, *none, opts);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::kCancelled);
}

TEST(LayerCache, ConcurrentWritersLeaveAValidEntry) {
  testing::TempDir tmp;
  auto reg = lines_registry();
  TestLayer t = make_layer({file("a.pkgs", "a 1\n")});
  auto r = analyze_layer(opener_for(t.blob), t.layer, true, reg, {});
  ASSERT_TRUE(r.ok());
  std::string key = layer_cache_key(t.layer.diff_id, reg);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i)
    threads.emplace_back([&] {
      auto cache = open_layer_cache(tmp.path().string());
      for (int k = 0; k < 20; ++k) {
        EXPECT_TRUE(cache->put(key, *r).ok());
        auto got = cache->get(key);
        EXPECT_TRUE(got.has_value());
      }
    });
  for (auto& th : threads) th.join();
  auto cache = open_layer_cache(tmp.path().string());
  ASSERT_TRUE(cache->get(key).has_value());
}

}  // namespace
}  // namespace bulwark::artifact
