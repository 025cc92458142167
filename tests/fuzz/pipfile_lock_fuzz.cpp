// Arbitrary bytes as a Pipfile.lock: well-formed packages (see
// python_fuzz_common.hpp) and diagnostics naming the file, never a crash.
#include <cstddef>
#include <cstdint>
#include <string>

#include "catalog/lang/lang.hpp"
#include "python_fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<bulwark::Diagnostic> diags;
  const std::string path = "app/Pipfile.lock";
  auto pkgs = bulwark::catalog::parse_pipfile_lock(text, path, diags);
  bulwark::fuzz::check_python_packages(pkgs, diags, path);
  return 0;
}
