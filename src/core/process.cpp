#include "core/process.hpp"

#include <clocale>
#include <cstdlib>

namespace bulwark {

void prepare_process() {
  if (std::getenv("TZ") == nullptr) ::setenv("TZ", ":/etc/localtime", 0);
  std::setlocale(LC_CTYPE, "C.UTF-8");  // absent elsewhere: stays "C", which is only slower
}

}  // namespace bulwark
