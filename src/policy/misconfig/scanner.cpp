// Configuration scanning in the scan pipeline: an analyzer keeps the files a
// format may read, and after all layers are merged the detector parses them
// and evaluates the policies over the documents.
#include <algorithm>
#include <set>
#include <unordered_map>

#include "core/core.hpp"
#include "policy/misconfig/internal.hpp"

namespace bulwark::policy {
namespace {

// Directories that hold installed third-party code: their JSON and YAML are
// package metadata and test data, not the target's configuration.
bool in_vendored_tree(std::string_view path) {
  static constexpr std::string_view kDirs[] = {"node_modules/", "site-packages/", "dist-packages/", "vendor/",
                                               ".git/",         "usr/share/",     "usr/lib/",       "usr/local/lib/",
                                               "proc/",         "sys/"};
  for (auto d : kDirs) {
    if (path.starts_with(d)) return true;
    std::string mid = "/" + std::string(d);
    if (path.find(mid) != std::string_view::npos) return true;
  }
  return false;
}

bool valid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

class ConfigFileAnalyzer final : public Analyzer {
 public:
  explicit ConfigFileAnalyzer(ConfigLimits limits) : limits_(limits) {}
  std::string_view name() const override { return "config-files"; }
  int version() const override { return 1; }
  bool wants(std::string_view path, int64_t size) const override {
    if (size < 0 || static_cast<uint64_t>(size) > limits_.max_file_bytes) return false;
    if (in_vendored_tree(path)) return false;
    for (const auto& f : config_formats())
      if (f->wants(path)) return true;
    return false;
  }
  Status analyze(const FileEntry& entry, FileResult& out) const override {
    auto text = entry.read_all(limits_.max_file_bytes);
    if (!text) return text.error();
    if (!valid_utf8(*text)) {
      out.diagnostics.push_back(make_warning(entry.path, 0, "not UTF-8 text; not scanned as configuration"));
      return {};
    }
    // Keep only what some format recognises: most YAML and JSON is neither
    // Kubernetes nor CloudFormation.
    for (const auto& f : config_formats())
      if (f->wants(entry.path) && f->detect(entry.path, *text)) {
        out.content = std::move(*text);
        break;
      }
    return {};
  }
  void contribute(std::span<const FileResult* const> visible, Inventory& inv, std::vector<Finding>& findings,
                  std::vector<Diagnostic>& diags) const override {
    for (const FileResult* r : visible) {
      if (!r->content.empty()) inv.config_files.push_back(ConfigFile{r->path, r->layer, r->content});
      findings.insert(findings.end(), r->findings.begin(), r->findings.end());
      diags.insert(diags.end(), r->diagnostics.begin(), r->diagnostics.end());
    }
  }

 private:
  ConfigLimits limits_;
};

class MisconfigDetector final : public Detector {
 public:
  MisconfigDetector(MisconfigOptions options, std::vector<Policy> policies)
      : options_(std::move(options)), policies_(std::move(policies)) {}
  std::string_view name() const override { return "misconfig"; }
  Status detect(const Inventory& inventory, DetectContext& ctx, std::vector<Finding>& out) const override {
    std::vector<Diagnostic> local;
    std::vector<Diagnostic>& diags = ctx.diagnostics ? *ctx.diagnostics : local;
    auto docs = parse_config_files(inventory.config_files, options_.limits, diags);
    std::unordered_map<std::string, std::string> layers;
    for (const auto& f : inventory.config_files) layers[f.path] = f.layer;
    auto layer_of = [&](const std::string& path) {
      auto it = layers.find(path);
      return it == layers.end() ? std::string() : it->second;
    };
    evaluate_policies(policies_, docs, layer_of, out, diags);
    if (ctx.components) (*ctx.components)["policies"] = std::to_string(policies_.size());
    return {};
  }

 private:
  MisconfigOptions options_;
  std::vector<Policy> policies_;
};

}  // namespace

std::vector<Document> parse_config_files(std::span<const ConfigFile> files, const ConfigLimits& limits,
                                         std::vector<Diagnostic>& diags) {
  std::vector<Document> docs;
  for (const auto& format : config_formats()) {
    std::vector<const ConfigFile*> mine;
    for (const auto& f : files)
      if (format->wants(f.path) && format->detect(f.path, f.text)) mine.push_back(&f);
    if (!mine.empty()) format->parse(mine, limits, docs, diags);
  }
  return docs;
}

std::unique_ptr<Analyzer> make_config_file_analyzer(ConfigLimits limits) {
  return std::make_unique<ConfigFileAnalyzer>(limits);
}

Result<DetectorPtr> make_misconfig_detector(MisconfigOptions options) {
  auto policies = resolve_policies(options);
  if (!policies) return policies.error();
  return DetectorPtr(std::make_unique<MisconfigDetector>(std::move(options), std::move(*policies)));
}

Result<std::vector<Policy>> resolve_policies(const MisconfigOptions& options) {
  std::vector<Policy> policies;
  if (options.builtin) policies = builtin_policies();
  std::vector<Diagnostic> diags;
  for (const auto& dir : options.policy_dirs) {
    auto ps = load_policy_dir(dir, diags);
    if (!ps) return ps.error();
    for (auto& p : *ps) policies.push_back(std::move(p));
  }
  // A user's policy directory with a broken policy is an error the user must
  // see before trusting a clean result.
  if (!diags.empty()) {
    const auto& d = diags.front();
    std::string where = d.location.path + ":" + std::to_string(d.location.line);
    if (d.location.column > 0) where += ":" + std::to_string(d.location.column);
    return Error(ErrorCode::kInvalidArgument,
                 d.message + (diags.size() > 1 ? " (and " + std::to_string(diags.size() - 1) + " more problems)" : ""),
                 where);
  }
  std::set<std::string> ids;
  for (const auto& p : policies) ids.insert(p.id);
  for (const auto& id : options.disabled)
    if (!ids.count(id)) return Error(ErrorCode::kInvalidArgument, "--disable-policy: no policy has the id '" + id + "'");
  std::erase_if(policies, [&](const Policy& p) {
    return std::find(options.disabled.begin(), options.disabled.end(), p.id) != options.disabled.end();
  });
  return policies;
}

}  // namespace bulwark::policy
