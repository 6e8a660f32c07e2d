// The plain (g++) build of a fuzz target: replays every file of the corpus folders (or files)
// given on the command line through LLVMFuzzerTestOneInput, so each corpus is a regression test
// in ctest. A crash or a failed check aborts, naming the file being replayed.
#include <algorithm>
#include <cstdio>
#include <string_view>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "tests/fuzz/fuzz_support.hpp"

// A target may write its own seed corpus (protocol messages are easier made than typed).
extern "C" __attribute__((weak)) int seedgrid_fuzz_write_seeds(const char* dir);

int main(int argc, char** argv) {
  namespace fs = std::filesystem;
  if (argc == 3 && std::string_view(argv[1]) == "--write-seeds") {
    if (!seedgrid_fuzz_write_seeds) {
      std::fprintf(stderr, "%s writes no seeds of its own\n", argv[0]);
      return 2;
    }
    return seedgrid_fuzz_write_seeds(argv[2]);
  }
  std::vector<fs::path> files;
  for (int i = 1; i < argc; ++i) {
    if (fs::is_directory(argv[i])) {
      for (const auto& e : fs::directory_iterator(argv[i]))
        if (e.is_regular_file()) files.push_back(e.path());
    } else {
      files.emplace_back(argv[i]);
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR|FILE...: no corpus files found\n", argv[0]);
    return 2;
  }
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
    std::fprintf(stderr, "replaying %s (%zu bytes)\n", f.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
  std::printf("%zu corpus files replayed\n", files.size());
  return 0;
}
