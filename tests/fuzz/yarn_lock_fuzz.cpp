// Arbitrary bytes as a yarn.lock (Yarn 1 text or Berry YAML): packages that keep the
// lockfile promises (node_lock_check.hpp) and warnings naming the file, never
// a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/lang/lang.hpp"
#include "node_lock_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  const std::string path = "app/yarn.lock";
  auto pkgs = bulwark::catalog::parse_yarn_lock(text, path, diags);
  bulwark::fuzz::check_lockfile_result(pkgs, diags, path);
  return 0;
}
