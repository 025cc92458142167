// Runs a fuzz target over seed files (and any files given on the command line)
// without libFuzzer, so that every target is compiled and exercised by the
// normal test suite. Usage: replay_<name> FILE_OR_DIR...
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

int run_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  int files = 0;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path p(argv[i]);
    if (std::filesystem::is_directory(p)) {
      std::vector<std::filesystem::path> all;
      for (const auto& e : std::filesystem::recursive_directory_iterator(p))
        if (e.is_regular_file()) all.push_back(e.path());
      for (const auto& f : all) files += run_file(f);
    } else if (std::filesystem::exists(p)) {
      files += run_file(p);
    }
  }
  // Always also run the empty input and a few odd bytes.
  LLVMFuzzerTestOneInput(nullptr, 0);
  const uint8_t odd[] = {0x1f, 0x8b, 0x08, 0x00, 0xff, 0x00, 0x28, 0xb5, 0x2f, 0xfd};
  LLVMFuzzerTestOneInput(odd, sizeof odd);
  std::printf("replayed %d seed files\n", files);
  return files > 0 ? 0 : 1;
}
