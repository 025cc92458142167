// Private to the misconfig module: compiled policies and the embedded policy
// files.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/cel/cel.hpp"
#include "policy/misconfig/misconfig.hpp"

namespace bulwark::policy {

struct Policy::Compiled {
  std::vector<std::pair<std::string, cel::Program>> variables;
  std::optional<cel::Program> violations;
};

// The names a policy's expressions may use, by format and scope.
std::vector<std::string> policy_variables(const Policy& p);

// rules/misconfig/**.yaml as compiled into the binary: (relative path, text),
// in path order. Generated at build time (cmake/EmbedFiles.cmake).
const std::vector<std::pair<std::string_view, std::string_view>>& embedded_policy_files();

// Whether a configuration file is small enough to read; when it is not, a
// warning naming it and the limit (every format checks this first).
bool within_file_limit(const ConfigFile& f, const ConfigLimits& limits, std::vector<Diagnostic>& diags);

// The Dockerfile half of plan_fixes (fix_dockerfile.cpp).
std::vector<FileFix> plan_dockerfile_fixes(std::span<const ConfigFile> files, std::span<const Document> docs,
                                           std::span<const Policy> policies, std::span<const Finding> findings,
                                           const ImagePinner& pin, const ConfigLimits& limits,
                                           std::vector<Diagnostic>& diags);

}  // namespace bulwark::policy
