// Fuzz target: arbitrary bytes as a layer blob (gzip, zstd or plain tar by
// magic) through analyze_layer with a small real analyzer, then merge and
// resolve, with lowered limits so that bombs are cut short quickly.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "artifact/artifact.hpp"
#include "artifact/streams.hpp"
#include "core/core.hpp"

namespace {

using namespace bulwark;

// Wants "*.txt" files and records each line as a package, like the unit tests'
// analyzer; also reads hard links (second pass).
class LineAnalyzer : public Analyzer {
 public:
  std::string_view name() const override { return "fuzz-lines"; }
  int version() const override { return 1; }
  bool wants(std::string_view path, int64_t) const override { return ends_with(path, ".txt"); }
  Status analyze(const FileEntry& entry, FileResult& out) const override {
    auto body = entry.read_all(1 << 16);
    if (!body) return body.error();
    size_t pos = 0;
    while (pos < body->size()) {
      size_t nl = body->find('\n', pos);
      if (nl == std::string::npos) nl = body->size();
      Package p;
      p.ecosystem = "test";
      p.name = body->substr(pos, std::min<size_t>(nl - pos, 64));
      out.packages.push_back(std::move(p));
      pos = nl + 1;
    }
    return {};
  }
};

class SizeAnalyzer : public Analyzer {
 public:
  std::string_view name() const override { return "fuzz-size"; }
  int version() const override { return 1; }
  bool wants(std::string_view path, int64_t) const override { return ends_with(path, "b.txt"); }
  Status analyze(const FileEntry& entry, FileResult& out) const override {
    auto body = entry.read_all(1 << 16);
    if (!body) return body.error();
    out.facts["size"] = std::to_string(body->size());
    return {};
  }
};

const AnalyzerRegistry& registry() {
  static AnalyzerRegistry* reg = [] {
    auto* r = new AnalyzerRegistry;
    r->add(std::make_unique<LineAnalyzer>());
    r->add(std::make_unique<SizeAnalyzer>());
    Limits lim = limits();
    lim.max_layer_bytes = 16u << 20;
    lim.max_entries = 10000;
    set_limits(lim);
    return r;
  }();
  return *reg;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const AnalyzerRegistry& reg = registry();
  std::string blob(reinterpret_cast<const char*>(data), size);
  artifact::BlobOpener open = [&blob]() -> Result<std::unique_ptr<artifact::ByteStream>> {
    return std::unique_ptr<artifact::ByteStream>(std::make_unique<artifact::MemoryStream>(blob));
  };
  Layer layer;
  layer.digest = "sha256:" + sha256_hex(blob);
  auto r = artifact::analyze_layer(open, layer, true, reg, artifact::Options{});
  if (!r) {
    (void)r.error().describe();
    return 0;
  }
  std::vector<LayerResult> layers{*r};
  auto merged = artifact::merge_layers(layers, reg);
  (void)merged;
  for (const auto& [from, to] : r->symlinks) (void)artifact::resolve_in_image(layers, from);
  return 0;
}
