// Weights stored in fp16 (a checkpoint's own dtype, read where it lies) give the very bytes of the
// fp32 kernels over the same weights widened beforehand: the widening is exact, so keeping weights
// as stored changes no determinism class, only the memory a loaded model takes.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <vector>

#include "kernel_test_support.hpp"
#include "kernels/cpu/f16.hpp"
#include "kernels/cpu/ops.hpp"
#include "models/tensor/half.hpp"

namespace seedgrid::kernels {
namespace {

using testing::at;
using testing::i64;

class F16WeightsTest : public testing::KernelTest {
 protected:
  // Random fp16 weights (as bits) and the same values widened by the models' reference conversion.
  void make_weights(i64 n, float scale = 0.5f) {
    const std::vector<float> values = random(n, scale);
    bits.resize(values.size());
    widened.resize(values.size());
    for (std::size_t i = 0; i < values.size(); ++i) {
      bits[i] = float_to_half(values[i]);
      widened[i] = half_to_float(bits[i]);
    }
  }

  std::vector<std::uint16_t> bits;
  std::vector<float> widened;
};

TEST(F16ToF32, EveryHalfWidensToTheReferenceBits) {
  for (std::uint32_t h = 0; h <= 0xffffu; ++h) {
    const auto half = static_cast<std::uint16_t>(h);
    ASSERT_EQ(std::bit_cast<std::uint32_t>(cpu::f16_to_f32(half)),
              std::bit_cast<std::uint32_t>(half_to_float(half)))
        << "half 0x" << std::hex << h;
  }
}

// widen_row converts eight at a time where the machine has F16C: every half, from an unaligned
// start and with a tail shorter than eight, must still widen to f16_to_f32's bits (NaN payloads
// included, which the instruction would quiet).
TEST(F16ToF32, AWholeRowWidensToTheSameBitsAsOneAtATime) {
  std::vector<std::uint16_t> halves(0x10000 + 4);
  for (std::size_t i = 0; i < halves.size(); ++i) halves[i] = static_cast<std::uint16_t>(i - 1);
  std::vector<float> wide(halves.size());
  const std::int64_t n = static_cast<std::int64_t>(halves.size()) - 1;  // 65,539: a tail of 3
  cpu::widen_row(halves.data() + 1, n, wide.data());
  for (std::int64_t i = 0; i < n; ++i)
    ASSERT_EQ(std::bit_cast<std::uint32_t>(wide[i]),
              std::bit_cast<std::uint32_t>(cpu::f16_to_f32(halves[i + 1])))
        << "half 0x" << std::hex << halves[i + 1];
}

// Sizes off the GEMM tiles (12 x 16 register tile, k blocks of 256) so edge paths run too.
TEST_F(F16WeightsTest, LinearEqualsTheFp32KernelOnWidenedWeights) {
  const i64 shapes[][3] = {{1, 1, 1},     {5, 7, 3},      {13, 37, 300},
                           {97, 9, 520}, {40, 300, 257}, {400, 37, 300}};  // 400: Wᵀ packed once
  for (const auto& [rows, in, out] : shapes) {
    SCOPED_TRACE(::testing::Message() << "rows " << rows << " in " << in << " out " << out);
    const auto x = random(rows * in), bias = random(out);
    make_weights(out * in);
    const auto run = [&](const auto* w) {
      std::vector<float> y = testing::poisoned(rows * out);
      cpu::linear(x.data(), rows, in, w, out, bias.data(), y.data());
      return y;
    };
    EXPECT_TRUE(testing::same_bytes(run(bits.data()), run(widened.data())));
    EXPECT_TRUE(testing::same_bytes_for_1_and_4_threads([&] { return run(bits.data()); }));
  }
}

TEST_F(F16WeightsTest, Conv2dEqualsTheFp32KernelOnWidenedWeights) {
  struct Case {
    i64 batch, cin, h, w, cout, kernel, stride, pad;
  };
  // 3x3 (im2col), 1x1 (pointwise), the downsampling stride 2, and enough output channels that the
  // weights are packed once for several column tasks (gemm::run's prepacked A).
  const Case cases[] = {{2, 3, 9, 11, 5, 3, 1, 1},
                        {1, 16, 8, 8, 13, 1, 1, 0},
                        {2, 8, 10, 10, 7, 3, 2, 1},
                        {1, 32, 24, 24, 40, 3, 1, 1}};
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message() << "cin " << c.cin << " cout " << c.cout << " kernel "
                                      << c.kernel << " stride " << c.stride);
    cpu::ConvShape s;
    s.batch = c.batch, s.in_channels = c.cin, s.height = c.h, s.width = c.w;
    s.out_channels = c.cout, s.kernel_h = s.kernel_w = c.kernel;
    s.stride = c.stride, s.pad_begin = s.pad_end = c.pad;
    const auto x = random(c.batch * c.cin * c.h * c.w), bias = random(c.cout);
    make_weights(c.cout * c.cin * c.kernel * c.kernel);
    const auto run = [&](const auto* w) {
      std::vector<float> y = testing::poisoned(c.batch * c.cout * s.out_height() * s.out_width());
      cpu::conv2d(s, x.data(), w, bias.data(), y.data());
      return y;
    };
    EXPECT_TRUE(testing::same_bytes(run(bits.data()), run(widened.data())));
    EXPECT_TRUE(testing::same_bytes_for_1_and_4_threads([&] { return run(bits.data()); }));
  }
}

TEST_F(F16WeightsTest, EmbeddingGathersWidenedRows) {
  const i64 vocab = 50, cols = 12;
  make_weights(vocab * cols);
  const std::vector<std::int32_t> ids = {3, 0, 49, 3, 17};
  const auto count = static_cast<i64>(ids.size());
  std::vector<float> got = testing::poisoned(count * cols);
  std::vector<float> want = testing::poisoned(count * cols);
  cpu::embedding(bits.data(), cols, ids.data(), count, got.data());
  cpu::embedding(widened.data(), cols, ids.data(), count, want.data());
  EXPECT_TRUE(testing::same_bytes(got, want));
}

}  // namespace
}  // namespace seedgrid::kernels
