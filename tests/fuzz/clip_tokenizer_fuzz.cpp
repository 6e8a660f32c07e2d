// The CLIP tokenizer (UTF-8 decoding, text cleanup, pre-tokenization, byte symbols, BPE, padding)
// on arbitrary prompt bytes, with the tiny preset's learned vocabulary.
#include "models/tokenizer/tokenizer_files.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace seedgrid;

namespace {
const ClipTokenizer& tokenizer() {
  static const ClipTokenizer t = [] {
    const std::string& dir = fuzz::tiny_tokenizer_dir();
    auto loaded = load_clip_tokenizer(dir + "/vocab.json", dir + "/merges.txt");
    SEEDGRID_FUZZ_CHECK(loaded.has_value());
    return std::move(*loaded);
  }();
  return t;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto tokens = tokenizer().tokenize(text);
  auto encoded = tokenizer().encode(text);
  SEEDGRID_FUZZ_CHECK(tokens.has_value() == encoded.has_value());
  if (!encoded) return 0;
  SEEDGRID_FUZZ_CHECK(encoded->ids.size() == 77);
  SEEDGRID_FUZZ_CHECK(encoded->token_count == static_cast<int>(tokens->size()));
  SEEDGRID_FUZZ_CHECK(encoded->dropped_tokens == std::max(0, encoded->token_count - 75));
  return 0;
}
