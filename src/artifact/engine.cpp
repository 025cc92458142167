#include "artifact/sources.hpp"
namespace bulwark::artifact {
Result<std::unique_ptr<ImageSource>> open_engine(const std::string& ref, const Options&) {
  return Error(ErrorCode::kUnsupported, "engine: not yet", ref);
}
}
