// Whole-image inspection: each layer from the cache or analyzed, several at
// once, then merged.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "artifact/layer_stream.hpp"

namespace bulwark::artifact {

namespace {

// Progress sink that tolerates a null target.
void progress_begin(Progress* p, std::string_view task, uint64_t total) {
  if (p != nullptr) p->begin(task, total);
}
void progress_advance(Progress* p, uint64_t n) {
  if (p != nullptr) p->advance(n);
}
void progress_end(Progress* p) {
  if (p != nullptr) p->end();
}

}  // namespace

Result<Inspection> inspect_image(ImageSource& image, const AnalyzerRegistry& analyzers, LayerCache& cache,
                                 const Options& opts) {
  Inspection out;
  out.artifact = image.artifact();
  const std::vector<Layer>& layers = out.artifact.layers;
  const size_t n = layers.size();
  if (n > static_cast<size_t>(limits().max_layers))
    return Error(ErrorCode::kLimitExceeded,
                 std::to_string(n) + " layers, more than the limit of " + std::to_string(limits().max_layers),
                 image.describe());
  out.layers.resize(n);
  const bool verify = image.verify_blob_digest();

  // Our own token: the first failing layer stops the others. opts.cancel is
  // checked as well, by the walker and between layers.
  CancelToken stop;
  std::mutex mu;
  std::optional<Error> first_error;
  std::atomic<size_t> next{0};
  std::atomic<int> hits{0};
  auto fail = [&](Error e) {
    std::lock_guard<std::mutex> lock(mu);
    // Errors caused by our own stop are consequences, not causes.
    if (!first_error) first_error = std::move(e);
    stop.cancel();
  };

  auto worker = [&] {
    for (;;) {
      size_t i = next.fetch_add(1);
      if (i >= n || stop.stopped()) return;
      if (opts.cancel != nullptr) {
        if (auto st = opts.cancel->check(); !st) return fail(st.error());
      }
      const Layer& layer = layers[i];
      const std::string key = layer.diff_id.empty() ? std::string() : layer_cache_key(layer.diff_id, analyzers, opts);
      if (opts.use_cache && !key.empty()) {
        if (auto cached = cache.get(key)) {
          out.layers[i] = std::move(*cached);
          hits.fetch_add(1);
          progress_advance(opts.progress, 1);
          continue;
        }
      }
      BlobOpener opener = [&image, i] { return image.open_layer(i); };
      auto result = analyze_layer_stoppable(opener, layer, verify, analyzers, opts, &stop);
      if (!result) {
        Error e = result.error();
        if (e.where.find(layer_label(layer)) == std::string::npos)
          e = e.within("layer " + std::to_string(i + 1) + "/" + std::to_string(n) + " (" + layer_label(layer) + ")");
        // A layer stopped by our own token is not the cause of anything.
        if (!(e.code == ErrorCode::kCancelled && stop.stopped() &&
              (opts.cancel == nullptr || !opts.cancel->stopped())))
          fail(std::move(e));
        return;
      }
      if (opts.use_cache && !key.empty()) {
        if (auto st = cache.put(key, *result); !st) log_warn("layer cache: " + st.error().describe());
      }
      out.layers[i] = std::move(*result);
      progress_advance(opts.progress, 1);
    }
  };

  progress_begin(opts.progress, "layers of " + image.describe(), n);
  size_t threads = opts.parallelism > 0 ? static_cast<size_t>(opts.parallelism)
                                        : std::max(1u, std::thread::hardware_concurrency());
  threads = std::min(threads, std::max<size_t>(n, 1));
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  progress_end(opts.progress);
  if (first_error) return *first_error;
  if (opts.cancel != nullptr) {
    if (auto st = opts.cancel->check(); !st) return st.error();
  }
  out.cache_hits = hits.load();
  out.merged = merge_layers(out.layers, analyzers);
  return out;
}

Result<Inspection> inspect_tree(const std::string& root, const AnalyzerRegistry& analyzers, const Options& opts) {
  auto layer = analyze_tree(root, analyzers, opts);
  if (!layer) return layer.error();
  Inspection out;
  out.artifact.name = root;
  out.layers.push_back(std::move(*layer));
  out.merged = merge_layers(out.layers, analyzers);
  return out;
}

}  // namespace bulwark::artifact
