// Kubernetes manifests for workload controls (Pod Security Standards): the
// files or directories given, parsed by the misconfiguration module's
// Kubernetes format so that its built-in policies evaluate them.
#include <algorithm>
#include <fstream>
#include <sstream>

#include "policy/compliance/internal.hpp"
#include "policy/misconfig/misconfig.hpp"

namespace bulwark::compliance {

namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxFiles = 20000;

bool manifest_name(const fs::path& p) {
  std::string ext = to_lower(p.extension().string());
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

}  // namespace

void gather_manifest_facts(const FactsInput& in, Facts::Impl& f, std::vector<Diagnostic>& diags) {
  if (in.manifests.empty()) {
    f.errors["workloads"] = "no Kubernetes manifests were given (bulwark compliance --spec ... PATH)";
    return;
  }
  policy::ConfigLimits limits;
  std::vector<ConfigFile> files;
  std::string error;
  for (const auto& given : in.manifests) {
    f.manifest_paths.push_back(given.string());
    std::error_code ec;
    std::vector<fs::path> paths;
    if (fs::is_regular_file(given, ec)) {
      paths.push_back(given);
    } else if (fs::is_directory(given, ec)) {
      for (fs::recursive_directory_iterator it(given, fs::directory_options::none, ec), end; !ec && it != end;
           it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (it->is_directory(ec) && !name.empty() && name[0] == '.') {
          it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file(ec) && manifest_name(it->path())) paths.push_back(it->path());
        if (paths.size() > kMaxFiles) {
          error = given.string() + ": more than " + std::to_string(kMaxFiles) + " manifest files";
          break;
        }
      }
      if (ec) error = given.string() + ": " + ec.message();
    } else {
      error = given.string() + ": no such file or directory";
    }
    std::sort(paths.begin(), paths.end());
    for (const auto& p : paths) {
      std::error_code sec;
      auto size = fs::file_size(p, sec);
      if (sec || size > limits.max_file_bytes) {
        diags.push_back(make_warning(p.string(), 0, sec ? "cannot read: " + sec.message() : "file too large; not read"));
        f.manifest_problems.push_back(diags.back());
        continue;
      }
      std::ifstream file(p, std::ios::binary);
      std::ostringstream text;
      text << file.rdbuf();
      if (!file && !file.eof()) {
        diags.push_back(make_warning(p.string(), 0, "cannot read"));
        f.manifest_problems.push_back(diags.back());
        continue;
      }
      files.push_back(ConfigFile{p.string(), "", text.str()});
    }
  }
  if (!error.empty()) {
    f.errors["workloads"] = error;
    return;
  }
  std::vector<Diagnostic> parse_diags;
  auto docs = policy::parse_config_files(files, limits, parse_diags);
  for (auto& d : parse_diags) {
    f.manifest_problems.push_back(d);
    diags.push_back(std::move(d));
  }
  for (auto& d : docs)
    if (d.format == "kubernetes") f.documents.push_back(std::move(d));
}

}  // namespace bulwark::compliance
