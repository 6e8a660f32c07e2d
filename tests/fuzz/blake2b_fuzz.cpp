// Our own BLAKE2b (runtime/base/crypto/hash.cpp) against libsodium's: the same digest for any
// bytes, however the streaming form is fed them. Differential: a digest that differs is a
// determinism break (every signed result and journal entry hashes through it), so it aborts.
// The first two bytes choose the pieces: byte 0 the length of every piece (0 feeds one byte at a
// time with empty updates between), byte 1 an offset for the first cut. The rest is the message.
#include <sodium.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "runtime/base/crypto/hash.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace seedgrid;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  SEEDGRID_FUZZ_CHECK(sodium_init() >= 0);
  const std::size_t piece = data[0];
  const std::size_t first_cut = data[1];
  const std::span<const std::uint8_t> message(data + 2, size - 2);

  Digest expected{};
  crypto_generichash(expected.data(), expected.size(), message.data(), message.size(), nullptr, 0);
  SEEDGRID_FUZZ_CHECK(blake2b(message) == expected);

  Blake2b streamed;
  std::size_t at = std::min(first_cut, message.size());
  streamed.update(message.first(at));
  while (at < message.size()) {
    const std::size_t n = std::min(piece == 0 ? 1 : piece, message.size() - at);
    streamed.update(message.subspan(at, n));
    if (piece == 0) streamed.update(std::span<const std::uint8_t>());
    at += n;
  }
  SEEDGRID_FUZZ_CHECK(streamed.finish() == expected);
  return 0;
}

// `blake2b_replay --write-seeds DIR`: messages around the block size (128 bytes), fed whole, in
// pieces that end on a block boundary, and byte by byte.
extern "C" int seedgrid_fuzz_write_seeds(const char* dir) {
  struct Seed {
    const char* name;
    std::uint8_t piece, first_cut;
    std::size_t length;
  };
  const Seed seeds[] = {{"empty", 1, 0, 0},
                        {"one-block-whole", 255, 255, 128},
                        {"block-and-a-byte", 128, 0, 129},
                        {"pieces-of-64", 64, 7, 1000},
                        {"byte-by-byte", 0, 3, 300}};
  for (const Seed& s : seeds) {
    std::string bytes{static_cast<char>(s.piece), static_cast<char>(s.first_cut)};
    for (std::size_t i = 0; i < s.length; ++i) bytes.push_back(static_cast<char>(i * 131 + 17));
    std::ofstream(std::string(dir) + "/" + s.name, std::ios::binary) << bytes;
  }
  return 0;
}
