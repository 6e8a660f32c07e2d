#include "kernels/philox.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <vector>

#include "kernel_test_support.hpp"
#include "kernels/cpu/ops.hpp"

namespace seedgrid::kernels {
namespace {

using testing::at;
using testing::i64;
using testing::KernelTest;

TEST(Philox, Random123KnownAnswers) {
  // kat_vectors of Random123 for philox4x32 with 10 rounds (also checked against an independent
  // Python implementation of the round function).
  struct Kat {
    Philox4x32 counter;
    std::uint32_t key0, key1;
    Philox4x32 expected;
  };
  const Kat kats[] = {
      {{{0, 0, 0, 0}}, 0, 0, {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}}},
      {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}},
       0xffffffff,
       0xffffffff,
       {{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}}},
      {{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}},
       0xa4093822,
       0x299f31d0,
       {{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}}},
  };
  for (const Kat& kat : kats) {
    const Philox4x32 got = philox4x32_10(kat.counter, kat.key0, kat.key1);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(got.v[i], kat.expected.v[i]) << "word " << i;
  }
}

TEST(Philox, UniformIsCentredInItsInterval) {
  EXPECT_EQ(philox_uniform_open(0), 0.5 / 16777216.0);
  EXPECT_EQ(philox_uniform_open(0xffffffffu), 1.0 - 0.5 / 16777216.0);
  EXPECT_EQ(philox_uniform_open(0x800000ffu), 0.5 + 0.5 / 16777216.0);
}

// Bits of the noise contract for (seed, stream, counter_base), elements 0..7, computed by an
// independent Python implementation (Random123 round function written from the paper, the
// contract's Box-Muller in Python floats) and matching bench/reference/philox.py.
struct NoiseVector {
  std::uint64_t seed;
  std::uint32_t stream;
  std::uint64_t counter_base;
  std::uint32_t bits[8];
};

constexpr NoiseVector kNoiseVectors[] = {
    {0,
     0,
     0,
     {0x3f7dbb33, 0xbf6cb6b1, 0xbf1e1ba0, 0xbef6d1af, 0xbe1d5357, 0x3e392a70, 0x3f54ec98,
      0x3e4a2da6}},
    {0x0123456789abcdefull,
     7,
     0,
     {0xbfd4ccab, 0xbf216064, 0xbd9e1c58, 0xbddd9b61, 0x3e26d76c, 0x3e1deacc, 0x3e6a6a42,
      0xbfd49a39}},
    // Starts 3 elements before block 2^32: the block's high word carries into counter word 1.
    {42,
     1,
     (std::uint64_t{1} << 32) * 4 - 3,
     {0x3f249e4c, 0x3f6b4732, 0x3f65bdfb, 0x3e8727f1, 0xbfdd094a, 0xbd9204a0, 0xbf69efea,
      0x3ee7c081}},
};

TEST(PhiloxNoise, MatchesIndependentComputation) {
  for (const NoiseVector& nv : kNoiseVectors) {
    std::vector<float> out = testing::poisoned(8);
    cpu::philox_normal_fill(out.data(), 8, nv.seed, nv.stream, nv.counter_base);
    for (int i = 0; i < 8; ++i) {
      EXPECT_EQ(std::bit_cast<std::uint32_t>(at(out, i)), nv.bits[i])
          << "seed " << nv.seed << " stream " << nv.stream << " element " << i;
      EXPECT_EQ(std::bit_cast<std::uint32_t>(philox_normal_at(
                    nv.seed, nv.stream, nv.counter_base + static_cast<std::uint64_t>(i))),
                nv.bits[i]);
    }
  }
}

class PhiloxNoiseTest : public KernelTest {};

TEST_F(PhiloxNoiseTest, ElementDependsOnlyOnItsCounter) {
  const auto seed = static_cast<std::uint64_t>(random_int(0, INT64_MAX));
  const i64 n = 1000 + random_int(0, 99);
  std::vector<float> whole = testing::poisoned(n);
  cpu::philox_normal_fill(whole.data(), n, seed, 3, 0);
  // Drawn in pieces that start mid-block, with advancing counter_base: the same values.
  std::vector<float> pieces = testing::poisoned(n);
  for (i64 begin = 0; begin < n;) {
    const i64 len = std::min(n - begin, random_int(1, 37));
    cpu::philox_normal_fill(pieces.data() + begin, len, seed, 3, static_cast<std::uint64_t>(begin));
    begin += len;
  }
  EXPECT_TRUE(testing::same_bytes(whole, pieces));
  EXPECT_TRUE(testing::same_bytes_for_1_and_4_threads([&] {
    std::vector<float> out = testing::poisoned(n);
    cpu::philox_normal_fill(out.data(), n, seed, 3, 0);
    return out;
  }));
  // Another stream or seed gives other values.
  std::vector<float> other = testing::poisoned(n);
  cpu::philox_normal_fill(other.data(), n, seed, 4, 0);
  EXPECT_FALSE(testing::same_bytes(whole, other));
  cpu::philox_normal_fill(other.data(), n, seed ^ (std::uint64_t{1} << 40), 3, 0);
  EXPECT_FALSE(testing::same_bytes(whole, other));
}

TEST_F(PhiloxNoiseTest, StandardNormalMoments) {
  const auto seed = static_cast<std::uint64_t>(random_int(0, INT64_MAX));
  constexpr i64 n = 1'000'000;
  std::vector<float> x = testing::poisoned(n);
  cpu::philox_normal_fill(x.data(), n, seed, 0, 0);
  double sum = 0, sum_sq = 0, sum_4 = 0;
  i64 beyond_3 = 0;
  for (float v : x) {
    ASSERT_TRUE(std::isfinite(v));
    sum += v;
    sum_sq += static_cast<double>(v) * v;
    sum_4 += static_cast<double>(v) * v * v * v;
    beyond_3 += std::fabs(v) > 3.0f;
  }
  const double mean = sum / n, variance = sum_sq / n - mean * mean;
  // Six standard errors: mean 1/sqrt(n) = 0.001, variance sqrt(2/n) = 0.0014, E[x^4] = 3 with
  // standard error sqrt(96/n) ≈ 0.0098; P(|x| > 3) = 0.0026998 with 5.2e-5.
  EXPECT_NEAR(mean, 0.0, 0.006);
  EXPECT_NEAR(variance, 1.0, 0.0085);
  EXPECT_NEAR(sum_4 / n, 3.0, 0.06);
  EXPECT_NEAR(static_cast<double>(beyond_3) / n, 0.0026998, 0.00032);
}

}  // namespace
}  // namespace seedgrid::kernels
