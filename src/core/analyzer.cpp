#include <algorithm>

#include "core/core.hpp"

namespace bulwark {

Result<std::string> FileEntry::read_all(size_t limit) const {
  if (body == nullptr) return Error(ErrorCode::kInternal, "file body is not available", describe());
  if (size > 0 && static_cast<uint64_t>(size) > limit)
    return Error(ErrorCode::kLimitExceeded,
                 "file is " + std::to_string(size) + " bytes, over the limit of " + std::to_string(limit),
                 describe());
  std::string out;
  if (size > 0) out.reserve(static_cast<size_t>(size));
  char buf[64 * 1024];
  for (;;) {
    auto n = body->read(buf, sizeof buf);
    if (!n) return n.error().within(describe());
    if (*n == 0) break;
    if (out.size() + *n > limit)
      return Error(ErrorCode::kLimitExceeded, "file is over the read limit of " + std::to_string(limit) + " bytes",
                   describe());
    out.append(buf, *n);
  }
  return out;
}

std::string FileEntry::describe() const {
  if (layer.empty()) return path;
  return "layer " + layer + " path " + path;
}

void Analyzer::contribute(std::span<const FileResult* const> visible, Inventory& inv,
                          std::vector<Finding>& findings, std::vector<Diagnostic>& diags) const {
  for (const FileResult* r : visible) {
    if (!r->application_type.empty()) {
      Application app;
      app.type = r->application_type;
      app.path = r->path;
      app.packages = r->packages;
      if (!app.packages.empty()) inv.applications.push_back(std::move(app));
    } else {
      inv.packages.insert(inv.packages.end(), r->packages.begin(), r->packages.end());
    }
    if (r->os && !inv.os) inv.os = r->os;
    findings.insert(findings.end(), r->findings.begin(), r->findings.end());
    diags.insert(diags.end(), r->diagnostics.begin(), r->diagnostics.end());
  }
}

void AnalyzerRegistry::add(std::unique_ptr<Analyzer> analyzer) { analyzers_.push_back(std::move(analyzer)); }

Status AnalyzerRegistry::disable(const std::vector<std::string>& names) {
  for (const auto& n : names) {
    auto it = std::find_if(analyzers_.begin(), analyzers_.end(), [&](const auto& a) { return a->name() == n; });
    if (it == analyzers_.end()) {
      std::string known;
      for (const auto& a : analyzers_) known += (known.empty() ? "" : ", ") + std::string(a->name());
      return Error(ErrorCode::kInvalidArgument, "unknown analyzer '" + n + "' (known: " + known + ")");
    }
    analyzers_.erase(it);
  }
  return {};
}

const Analyzer* AnalyzerRegistry::find(std::string_view name) const {
  for (const auto& a : analyzers_)
    if (a->name() == name) return a.get();
  return nullptr;
}

std::string AnalyzerRegistry::versions() const {
  std::vector<std::string> parts;
  for (const auto& a : analyzers_) parts.push_back(std::string(a->name()) + "@" + std::to_string(a->version()));
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ",") + p;
  return out;
}

void AnalyzerRegistry::wanting(std::string_view path, int64_t size, uint32_t mode, std::vector<size_t>& out) const {
  out.clear();
  const bool executable = (mode & 0111) != 0;
  for (size_t i = 0; i < analyzers_.size(); ++i)
    if (analyzers_[i]->wants(path, size) || (executable && analyzers_[i]->wants_executable(path, size)))
      out.push_back(i);
}

std::optional<std::string> clean_path(std::string_view raw) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= raw.size()) {
    size_t slash = raw.find('/', i);
    if (slash == std::string_view::npos) slash = raw.size();
    std::string_view part = raw.substr(i, slash - i);
    if (part.empty() || part == ".") {
      // skip
    } else if (part == "..") {
      if (parts.empty()) return std::nullopt;
      parts.pop_back();
    } else {
      parts.push_back(part);
    }
    i = slash + 1;
  }
  std::string out;
  for (auto p : parts) {
    if (!out.empty()) out.push_back('/');
    out.append(p);
  }
  return out;
}

std::string_view base_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view dir_name(std::string_view path) {
  size_t slash = path.rfind('/');
  return slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
}

}  // namespace bulwark
