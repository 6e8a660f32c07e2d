#include "tests/fuzz/fuzz_support.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "models/presets/bpe_vocabulary.hpp"
#include "models/presets/prompt_corpus.hpp"

namespace seedgrid::fuzz {

namespace fs = std::filesystem;

const std::string& scratch_dir() {
  static const std::string dir = [] {
    std::error_code ec;
    const fs::path base =
        fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm") : fs::temp_directory_path();
    const fs::path d = base / ("seedgrid-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(d);
    // Removed at exit, also when libFuzzer stops the run (it calls exit()).
    static const std::string path = d.string();
    std::atexit([] {
      std::error_code e;
      fs::remove_all(path, e);
    });
    return d.string();
  }();
  return dir;
}

std::string write_scratch(const std::string& name, std::span<const std::uint8_t> bytes) {
  const std::string path = (fs::path(scratch_dir()) / name).string();
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (!bytes.empty()) std::fwrite(bytes.data(), 1, bytes.size(), f);
  std::fclose(f);
  return path;
}

const std::string& tiny_tokenizer_dir() {
  static const std::string dir = [] {
    const BpeVocabulary vocab = learn_bpe_vocabulary(prompt_corpus(), 1024);
    const fs::path d = fs::path(scratch_dir()) / "tokenizer";
    fs::create_directories(d);
    std::ofstream(d / "vocab.json") << bpe_vocab_json(vocab);
    std::ofstream(d / "merges.txt") << bpe_merges_txt(vocab);
    return d.string();
  }();
  return dir;
}

}  // namespace seedgrid::fuzz
