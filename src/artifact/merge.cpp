// Merging layers with whiteout semantics, and resolving paths through the
// image's own symlinks.
#include <deque>
#include <exception>
#include <map>
#include <set>
#include <span>
#include <string_view>
#include <unordered_map>

#include "artifact/layer_stream.hpp"

namespace bulwark::artifact {

namespace {

// (path, analyzer): path first so that a directory's descendants form one range.
using VisibleKey = std::pair<std::string, std::string>;

struct Visible {
  size_t layer = 0;
  const FileResult* result = nullptr;
};

std::string package_key(const Package& p) {
  std::string k;
  k.reserve(p.ecosystem.size() + p.name.size() + p.version.size() + p.arch.size() + 3);
  k.append(p.ecosystem).push_back('\0');
  k.append(p.name).push_back('\0');
  k.append(p.version).push_back('\0');
  k.append(p.arch);
  return k;
}

// Applies layers one by one to the set of visible file results, and tracks for
// each package key the layer from which on it has been visible without
// interruption. Each result is added once and removed at most once, so the work
// is linear in the number of results (times log n for the maps).
class Overlay {
 public:
  void apply(size_t index, const LayerResult& layer) {
    for (const auto& w : layer.whiteouts) {
      remove_exact(w);
      remove_below(w);
    }
    for (const auto& d : layer.opaque_dirs) remove_below(d);
    for (const auto& s : layer.shadowed) remove_exact(s);
    for (const auto& r : layer.files) {
      auto it = visible_.find({r.path, r.analyzer});
      if (it != visible_.end()) remove(it);
      add(index, r);
    }
    // A package that was dropped and re-added by this same layer (a file
    // replaced by a new copy that still lists it) was never absent from any
    // prefix of the image, so it keeps its older layer.
    for (const auto& k : dropped_)
      if (counts_.find(k) == counts_.end()) since_.erase(k);
    dropped_.clear();
  }

  const std::map<VisibleKey, Visible>& visible() const { return visible_; }
  // The index of the layer that introduced the package, if it is visible.
  std::optional<size_t> since(const Package& p) const {
    auto it = since_.find(package_key(p));
    if (it == since_.end()) return std::nullopt;
    return it->second;
  }

 private:
  void add(size_t index, const FileResult& r) {
    visible_[{r.path, r.analyzer}] = Visible{index, &r};
    for (const auto& p : r.packages) {
      std::string k = package_key(p);
      if (counts_[k]++ == 0 && since_.find(k) == since_.end()) since_[k] = index;
    }
  }

  void remove(std::map<VisibleKey, Visible>::iterator it) {
    for (const auto& p : it->second.result->packages) {
      std::string k = package_key(p);
      auto c = counts_.find(k);
      if (c != counts_.end() && --c->second == 0) {
        counts_.erase(c);
        dropped_.insert(k);
      }
    }
    visible_.erase(it);
  }

  void remove_exact(const std::string& path) {
    for (auto it = visible_.lower_bound({path, std::string()}); it != visible_.end() && it->first.first == path;)
      remove(it++);
  }

  // Everything strictly below `dir` ("" is the root: everything).
  void remove_below(const std::string& dir) {
    std::string prefix = dir.empty() ? std::string() : dir + "/";
    for (auto it = visible_.lower_bound({prefix, std::string()});
         it != visible_.end() && starts_with(it->first.first, prefix);)
      remove(it++);
  }

  std::map<VisibleKey, Visible> visible_;
  std::unordered_map<std::string, int> counts_;
  std::unordered_map<std::string, size_t> since_;
  std::set<std::string> dropped_;
};

void attribute(std::vector<Package>& packages, const Overlay& overlay, const std::vector<LayerResult>& layers) {
  for (auto& p : packages) {
    if (auto i = overlay.since(p); i && !layers[*i].diff_id.empty()) p.location.layer = layers[*i].diff_id;
  }
}

std::vector<std::string> split_path(std::string_view p) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= p.size()) {
    size_t slash = p.find('/', i);
    if (slash == std::string_view::npos) slash = p.size();
    if (slash > i) out.emplace_back(p.substr(i, slash - i));
    i = slash + 1;
  }
  return out;
}

std::string join_parts(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out.push_back('/');
    out += p;
  }
  return out;
}

}  // namespace

Merged merge_layers(const std::vector<LayerResult>& layers, const AnalyzerRegistry& analyzers) {
  Merged merged;
  Overlay overlay;
  for (size_t i = 0; i < layers.size(); ++i) {
    overlay.apply(i, layers[i]);
    merged.diagnostics.insert(merged.diagnostics.end(), layers[i].diagnostics.begin(), layers[i].diagnostics.end());
  }
  // Group what is visible by analyzer; the map's order makes each group path-sorted.
  std::map<std::string, std::vector<const FileResult*>, std::less<>> by_analyzer;
  for (const auto& [key, v] : overlay.visible()) by_analyzer[key.second].push_back(v.result);
  for (const auto& a : analyzers.all()) {
    auto it = by_analyzer.find(a->name());
    if (it == by_analyzer.end()) continue;
    try {
      a->contribute(std::span<const FileResult* const>(it->second), merged.inventory, merged.findings,
                    merged.diagnostics);
    } catch (const std::exception& ex) {
      Diagnostic d;
      d.level = Diagnostic::Level::kError;
      d.message = "analyzer " + std::string(a->name()) + " failed to contribute: " + ex.what();
      merged.diagnostics.push_back(std::move(d));
    }
    by_analyzer.erase(it);
  }
  for (const auto& [name, results] : by_analyzer)
    log_debug("merge: " + std::to_string(results.size()) + " results of analyzer '" + name +
              "', which is not registered, ignored");
  attribute(merged.inventory.packages, overlay, layers);
  for (auto& app : merged.inventory.applications) attribute(app.packages, overlay, layers);
  assign_package_ids(merged.inventory);
  return merged;
}

Result<std::string> resolve_in_image(const std::vector<LayerResult>& layers, const std::string& path) {
  // The symlinks of the merged image: later layers remove (whiteout, opaque
  // directory, a file or other entry at the path) and replace earlier ones.
  std::map<std::string, std::string> links;
  auto erase_below = [&](const std::string& dir) {
    std::string prefix = dir.empty() ? std::string() : dir + "/";
    for (auto it = links.lower_bound(prefix); it != links.end() && starts_with(it->first, prefix);) it = links.erase(it);
  };
  for (const auto& layer : layers) {
    for (const auto& w : layer.whiteouts) {
      links.erase(w);
      erase_below(w);
    }
    for (const auto& d : layer.opaque_dirs) erase_below(d);
    for (const auto& s : layer.shadowed) links.erase(s);
    for (const auto& f : layer.files) links.erase(f.path);
    for (const auto& [from, to] : layer.symlinks) links[from] = to;
  }

  const int max_hops = limits().max_symlink_hops;
  std::deque<std::string> todo;
  for (auto& c : split_path(path)) todo.push_back(std::move(c));
  std::vector<std::string> done;
  int hops = 0;
  while (!todo.empty()) {
    std::string c = std::move(todo.front());
    todo.pop_front();
    if (c == ".") continue;
    if (c == "..") {
      if (!done.empty()) done.pop_back();  // ".." stops at the image root
      continue;
    }
    done.push_back(std::move(c));
    std::string current = join_parts(done);
    auto it = links.find(current);
    if (it == links.end()) continue;
    if (++hops > max_hops)
      return Error(ErrorCode::kLimitExceeded,
                   "symlink loop: more than " + std::to_string(max_hops) + " symlinks followed (last at " + current +
                       " -> " + it->second + ")",
                   "resolving " + path + " in the image");
    done.pop_back();
    if (!it->second.empty() && it->second.front() == '/') done.clear();
    auto parts = split_path(it->second);
    todo.insert(todo.begin(), parts.begin(), parts.end());
  }
  return join_parts(done);
}

}  // namespace bulwark::artifact
