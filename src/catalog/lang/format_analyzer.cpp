// The analyzer of formats read file by file (see format_analyzer.hpp).
#include "catalog/lang/format_analyzer.hpp"

#include <algorithm>
#include <unordered_map>

namespace bulwark::catalog {
namespace {

// A format's own limit, lowered by the process-wide one on file reads.
int64_t read_limit(int64_t max_bytes) {
  return std::min<uint64_t>(static_cast<uint64_t>(max_bytes), limits().max_file_read);
}

}  // namespace

bool has_dir_component(std::string_view path, std::string_view dir) {
  size_t start = 0;
  for (size_t slash = path.find('/'); slash != std::string_view::npos; slash = path.find('/', start)) {
    if (path.substr(start, slash - start) == dir) return true;
    start = slash + 1;
  }
  return false;
}

bool FormatAnalyzer::wants(std::string_view path, int64_t size) const {
  if ((format_.file_name.empty() || base_name(path) == format_.file_name) && format_.wants_path(path))
    return size <= read_limit(format_.max_bytes);
  const ManifestRule* m = format_.manifest;
  return m && base_name(path) == m->file_name && m->wants_path(path) && size <= read_limit(m->max_bytes);
}

Status FormatAnalyzer::analyze(const FileEntry& entry, FileResult& out) const {
  const ManifestRule* m = format_.manifest;
  const bool manifest = m && base_name(entry.path) == m->file_name;
  auto text = entry.read_all(static_cast<size_t>(read_limit(manifest ? m->max_bytes : format_.max_bytes)));
  if (!text) return text.error();
  if (manifest) {
    m->read(*text, entry.path, out);
    return {};
  }
  out.application_type = std::string(format_.application_type);
  format_.read(*text, entry.path, out);
  return {};
}

void FormatAnalyzer::contribute(std::span<const FileResult* const> visible, Inventory& inv,
                                std::vector<Finding>& findings, std::vector<Diagnostic>& diags) const {
  const ManifestRule* m = format_.manifest;
  if (!m) {
    Analyzer::contribute(visible, inv, findings, diags);
    return;
  }
  std::unordered_map<std::string_view, const FileResult*> manifests;  // by directory
  for (const FileResult* r : visible)
    if (base_name(r->path) == m->file_name) manifests.emplace(dir_name(r->path), r);
  for (const FileResult* r : visible) {
    findings.insert(findings.end(), r->findings.begin(), r->findings.end());
    diags.insert(diags.end(), r->diagnostics.begin(), r->diagnostics.end());
    if (base_name(r->path) == m->file_name) continue;
    Application app;
    app.type = r->application_type;
    app.path = r->path;
    app.packages = r->packages;
    if (auto it = manifests.find(dir_name(r->path)); it != manifests.end()) m->refine(*it->second, *r, app.packages, diags);
    if (!app.packages.empty()) inv.applications.push_back(std::move(app));
  }
}

}  // namespace bulwark::catalog
