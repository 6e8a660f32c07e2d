#include "runtime/base/crypto/hash.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <new>
#include <utility>
#include <vector>

namespace seedgrid {

// BLAKE2b-256 as RFC 7693 defines it, unkeyed: the bytes libsodium's crypto_generichash gives
// (hash_test.cpp checks them against it, length by length and split by split). Our own because
// Debian's libsodium hashes at ~620 MB/s on this project's machines and this straight-line form
// at ~1.1 GB/s, and a 512 x 512 image is hashed twice per job, by its worker and by the result
// checker (bench/RESULTS.md, "BLAKE2b of our own"). Words are read and written as the host's
// integers, which are little-endian like BLAKE2b's.
static_assert(std::endian::native == std::endian::little,
              "BLAKE2b here reads and writes words as the host's integers: a big-endian host "
              "would need a byte swap in load_word, first_word and finish");

namespace {

constexpr std::size_t kBlock = 128;

constexpr std::array<std::uint64_t, 8> kInitial = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL, 0xa54ff53a5f1d36f1ULL,
    0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL, 0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};

// The message schedule; rounds 10 and 11 repeat rounds 0 and 1.
constexpr std::uint8_t kSigma[12][16] = {{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
                                         {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
                                         {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
                                         {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
                                         {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
                                         {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
                                         {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
                                         {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
                                         {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
                                         {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
                                         {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
                                         {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3}};

struct State {
  std::array<std::uint64_t, 8> chain;
  std::uint64_t counter_low, counter_high;  // bytes hashed so far, 128 bits
  std::size_t buffered;                     // bytes waiting in `block`
  std::array<std::uint8_t, kBlock> block;
};

std::uint64_t load_word(const std::uint8_t* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

[[gnu::always_inline]] inline void mix(std::uint64_t& a, std::uint64_t& b, std::uint64_t& c,
                                       std::uint64_t& d, std::uint64_t x, std::uint64_t y) {
  a += b + x;
  d = std::rotr(d ^ a, 32);
  c += d;
  b = std::rotr(b ^ c, 24);
  a += b + y;
  d = std::rotr(d ^ a, 16);
  c += d;
  b = std::rotr(b ^ c, 63);
}

// One round with its schedule known at compile time, so each message word is a register read.
template <int R>
[[gnu::always_inline]] inline void round(std::uint64_t (&v)[16], const std::uint64_t (&m)[16]) {
  constexpr const std::uint8_t* s = kSigma[R];
  mix(v[0], v[4], v[8], v[12], m[s[0]], m[s[1]]);
  mix(v[1], v[5], v[9], v[13], m[s[2]], m[s[3]]);
  mix(v[2], v[6], v[10], v[14], m[s[4]], m[s[5]]);
  mix(v[3], v[7], v[11], v[15], m[s[6]], m[s[7]]);
  mix(v[0], v[5], v[10], v[15], m[s[8]], m[s[9]]);
  mix(v[1], v[6], v[11], v[12], m[s[10]], m[s[11]]);
  mix(v[2], v[7], v[8], v[13], m[s[12]], m[s[13]]);
  mix(v[3], v[4], v[9], v[14], m[s[14]], m[s[15]]);
}

template <int... R>
[[gnu::always_inline]] inline void rounds(std::uint64_t (&v)[16], const std::uint64_t (&m)[16],
                                          std::integer_sequence<int, R...>) {
  (round<R>(v, m), ...);
}

void compress(State& st, const std::uint8_t* block, bool last) {
  std::uint64_t m[16], v[16];
  for (int i = 0; i < 16; ++i) m[i] = load_word(block + 8 * i);
  for (int i = 0; i < 8; ++i) {
    v[i] = st.chain[i];
    v[i + 8] = kInitial[i];
  }
  v[12] ^= st.counter_low;
  v[13] ^= st.counter_high;
  if (last) v[14] = ~v[14];
  rounds(v, m, std::make_integer_sequence<int, 12>{});
  for (int i = 0; i < 8; ++i) st.chain[i] ^= v[i] ^ v[i + 8];
}

void count(State& st, std::uint64_t bytes) {
  st.counter_low += bytes;
  if (st.counter_low < bytes) ++st.counter_high;
}

// The State the constructor placed in the class's storage.
State& state_of(std::uint8_t* storage) { return *std::launder(reinterpret_cast<State*>(storage)); }

}  // namespace

static_assert(sizeof(State) <= 384 && alignof(State) <= 64, "Blake2b state buffer too small");

Digest blake2b(std::span<const std::uint8_t> bytes) {
  return Blake2b().update(bytes).finish();
}

Digest blake2b(std::string_view bytes) { return Blake2b().update(bytes).finish(); }

Blake2b::Blake2b() {
  State& st = *new (state_) State{};
  st.chain = kInitial;
  st.chain[0] ^= 0x01010000ULL ^ sizeof(Digest);  // depth 1, fanout 1, no key, 32-byte digest
}

// The last block is compressed apart (with its flag), so a full block waits until more follows.
Blake2b& Blake2b::update(std::span<const std::uint8_t> bytes) {
  State& st = state_of(state_);
  const std::uint8_t* in = bytes.data();
  std::size_t left = bytes.size();
  if (left == 0) return *this;
  if (const std::size_t room = kBlock - st.buffered; left > room) {
    std::memcpy(st.block.data() + st.buffered, in, room);
    count(st, kBlock);
    compress(st, st.block.data(), false);
    st.buffered = 0;
    in += room;
    left -= room;
    for (; left > kBlock; in += kBlock, left -= kBlock) {
      count(st, kBlock);
      compress(st, in, false);
    }
  }
  std::memcpy(st.block.data() + st.buffered, in, left);
  st.buffered += left;
  return *this;
}

Blake2b& Blake2b::update(std::string_view bytes) {
  return update(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

Blake2b& Blake2b::update_u64(std::uint64_t v) {
  std::uint8_t le[8];
  for (int i = 0; i < 8; ++i) le[i] = static_cast<std::uint8_t>(v >> (8 * i));
  return update(std::span<const std::uint8_t>(le, 8));
}

Digest Blake2b::finish() {
  State& st = state_of(state_);
  count(st, st.buffered);
  std::memset(st.block.data() + st.buffered, 0, kBlock - st.buffered);
  compress(st, st.block.data(), true);
  Digest d{};
  std::memcpy(d.data(), st.chain.data(), d.size());  // the first four words, little-endian
  return d;
}

std::uint64_t first_word(const Digest& d) { return load_word(d.data()); }

std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

Result<std::vector<std::uint8_t>> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return fail("hex text has an odd length (", hex.size(), " characters)");
  auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::vector<std::uint8_t> out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = value(hex[2 * i]), lo = value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return fail("'", std::string(hex.substr(2 * i, 2)), "' at position ", 2 * i,
                  " is not a hex digit pair");
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return out;
}

Result<Digest> digest_from_hex(std::string_view hex) {
  if (hex.size() != 64)
    return fail("a digest is 64 hex digits, got ", hex.size(), " in '", std::string(hex), "'");
  auto bytes = from_hex(hex);
  if (!bytes) return pass_on(bytes);
  Digest d{};
  std::copy(bytes->begin(), bytes->end(), d.begin());
  return d;
}

}  // namespace seedgrid
