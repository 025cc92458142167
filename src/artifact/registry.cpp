#include "artifact/sources.hpp"
namespace bulwark::artifact {
Result<std::unique_ptr<ImageSource>> open_registry(const std::string& ref, const Options&) {
  return Error(ErrorCode::kUnsupported, "registry: not yet", ref);
}
}
