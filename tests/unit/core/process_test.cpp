// prepare_process: the process-wide settings of start-up.
#include <gtest/gtest.h>

#include <clocale>
#include <cstdlib>
#include <string>

#include "core/process.hpp"

namespace bulwark {
namespace {

// prepare_process names the local zone only when the user did not, and
// switches character classification to UTF-8 where the C library has it.
TEST(PrepareProcess, NamesTheZoneOnlyWhenUnsetAndUsesUtf8Ctype) {
  std::string saved = std::getenv("TZ") ? std::getenv("TZ") : "";
  bool had = std::getenv("TZ") != nullptr;
  ::unsetenv("TZ");
  prepare_process();
  ASSERT_NE(std::getenv("TZ"), nullptr);
  EXPECT_STREQ(std::getenv("TZ"), ":/etc/localtime");
  ::setenv("TZ", "UTC0", 1);
  prepare_process();
  EXPECT_STREQ(std::getenv("TZ"), "UTC0");
  const char* queried = std::setlocale(LC_CTYPE, nullptr);
  ASSERT_NE(queried, nullptr);
  std::string ctype = queried;
  bool available = std::setlocale(LC_CTYPE, "C.UTF-8") != nullptr;
  if (available) {
    EXPECT_EQ(ctype, "C.UTF-8");
  }
  // LC_NUMERIC stays "C": numbers keep their '.'.
  EXPECT_STREQ(std::setlocale(LC_NUMERIC, nullptr), "C");
  if (had) {
    ::setenv("TZ", saved.c_str(), 1);
  } else {
    ::unsetenv("TZ");
  }
  std::setlocale(LC_CTYPE, "C");
}

}  // namespace
}  // namespace bulwark
