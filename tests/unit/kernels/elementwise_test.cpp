#include <cmath>
#include <vector>

#include "kernel_test_support.hpp"
#include "kernels/cpu/ops.hpp"

namespace seedgrid::kernels {
namespace {

using testing::at;
using testing::i64;
using testing::wide;

class ElementwiseTest : public testing::KernelTest {};

template <class Exact>
std::vector<double> map_exact(const std::vector<float>& x, Exact f) {
  std::vector<double> y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) y[i] = f(static_cast<double>(x[i]));
  return y;
}

double exact_gelu(double x) { return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0))); }

TEST_F(ElementwiseTest, Activations) {
  const i64 n = 100003;  // several parallel chunks and a vector tail
  const auto x = random(n, 8.0f);
  std::vector<float> y = testing::poisoned(n);
  cpu::gelu(x.data(), y.data(), n);
  EXPECT_CLOSE(y, map_exact(x, exact_gelu));
  y = testing::poisoned(n);
  cpu::quick_gelu(x.data(), y.data(), n);
  EXPECT_CLOSE(y, map_exact(x, [](double v) { return v / (1 + std::exp(-1.702 * v)); }));
  y = testing::poisoned(n);
  cpu::silu(x.data(), y.data(), n);
  EXPECT_CLOSE(y, map_exact(x, [](double v) { return v / (1 + std::exp(-v)); }));
  EXPECT_TRUE(testing::same_bytes_for_1_and_4_threads([&] {
    std::vector<float> out = testing::poisoned(n);
    cpu::gelu(x.data(), out.data(), n);
    return out;
  }));
}

TEST_F(ElementwiseTest, GegluTakesHiddenThenGate) {
  const i64 rows = 9, cols = 37;
  const auto x = random(rows * 2 * cols, 4.0f);
  std::vector<double> want(static_cast<std::size_t>(rows * cols));
  for (i64 r = 0; r < rows; ++r)
    for (i64 c = 0; c < cols; ++c)
      at(want, r * cols + c) = at(x, r * 2 * cols + c) * exact_gelu(at(x, r * 2 * cols + cols + c));
  std::vector<float> y = testing::poisoned(rows * cols);
  cpu::geglu(x.data(), y.data(), rows, cols);
  EXPECT_CLOSE(y, want);
}

TEST_F(ElementwiseTest, UpsampleNearest2x) {
  const i64 planes = 3, h = 5, w = 7;
  const auto x = random(planes * h * w);
  std::vector<double> want(static_cast<std::size_t>(planes * 4 * h * w));
  for (i64 p = 0; p < planes; ++p)
    for (i64 y = 0; y < 2 * h; ++y)
      for (i64 xx = 0; xx < 2 * w; ++xx)
        at(want, (p * 2 * h + y) * 2 * w + xx) = at(x, (p * h + y / 2) * w + xx / 2);
  std::vector<float> y = testing::poisoned(planes * 4 * h * w);
  cpu::upsample_nearest2x(x.data(), y.data(), planes, h, w);
  EXPECT_EQ(testing::relative_l2(y, want), 0.0);
}

TEST_F(ElementwiseTest, AddSameShapeAndTrailingBroadcast) {
  const i64 n = 6 * 35;
  const auto a = random(n), b = random(n), tail = random(35);
  std::vector<float> y = testing::poisoned(n);
  cpu::add(a.data(), n, b.data(), n, y.data());
  std::vector<double> want(static_cast<std::size_t>(n));
  for (i64 i = 0; i < n; ++i) at(want, i) = static_cast<double>(at(a, i)) + at(b, i);
  EXPECT_CLOSE(y, want);
  y = testing::poisoned(n);
  cpu::add(a.data(), n, tail.data(), 35, y.data());
  for (i64 i = 0; i < n; ++i) at(want, i) = static_cast<double>(at(a, i)) + at(tail, i % 35);
  EXPECT_CLOSE(y, want);
}

TEST_F(ElementwiseTest, ChannelwiseAndLinearCombinations) {
  const i64 planes = 2 * 5, spatial = 13, n = planes * spatial;
  const auto x = random(n), z = random(n), v = random(planes);
  const float alpha = 0.7f, beta = -1.3f, g = 7.5f;
  std::vector<double> want(static_cast<std::size_t>(n));

  std::vector<float> y = testing::poisoned(n);
  cpu::add_channelwise(x.data(), v.data(), y.data(), planes, spatial);
  for (i64 i = 0; i < n; ++i) at(want, i) = wide(x, i) + at(v, i / spatial);
  EXPECT_CLOSE(y, want);

  y = testing::poisoned(n);
  cpu::axpby(alpha, x.data(), beta, z.data(), y.data(), n);
  for (i64 i = 0; i < n; ++i) at(want, i) = double{alpha} * at(x, i) + double{beta} * at(z, i);
  EXPECT_CLOSE(y, want);

  y = testing::poisoned(n);
  cpu::scale(x.data(), alpha, y.data(), n);
  for (i64 i = 0; i < n; ++i) at(want, i) = double{alpha} * at(x, i);
  EXPECT_CLOSE(y, want);

  y = testing::poisoned(n);
  cpu::guidance(x.data(), z.data(), g, y.data(), n);
  for (i64 i = 0; i < n; ++i) {
    at(want, i) = wide(x, i) + g * (wide(z, i) - wide(x, i));
    // Bit-exact to the stated order uncond + g * (cond - uncond) in fp32.
    const float uncond = at(x, i), cond = at(z, i);
    ASSERT_EQ(at(y, i), uncond + g * (cond - uncond));
  }
  EXPECT_CLOSE(y, want);
}

TEST_F(ElementwiseTest, ConcatAndTranspose) {
  const i64 batch = 2, ca = 3, cb = 5, spatial = 11;
  const auto a = random(batch * ca * spatial), b = random(batch * cb * spatial);
  std::vector<float> y = testing::poisoned(batch * (ca + cb) * spatial);
  cpu::concat_inner(a.data(), ca * spatial, b.data(), cb * spatial, y.data(), batch);
  std::vector<double> want;
  for (i64 n = 0; n < batch; ++n) {
    want.insert(want.end(), a.begin() + n * ca * spatial, a.begin() + (n + 1) * ca * spatial);
    want.insert(want.end(), b.begin() + n * cb * spatial, b.begin() + (n + 1) * cb * spatial);
  }
  EXPECT_EQ(testing::relative_l2(y, want), 0.0);

  const i64 channels = 37, hw = 45;  // not multiples of the 32 x 32 transpose tile
  const auto x = random(batch * channels * hw);
  std::vector<float> tokens = testing::poisoned(batch * hw * channels);
  cpu::nchw_to_tokens(x.data(), tokens.data(), batch, channels, hw);
  std::vector<double> want_tokens(tokens.size());
  for (i64 n = 0; n < batch; ++n)
    for (i64 c = 0; c < channels; ++c)
      for (i64 s = 0; s < hw; ++s)
        at(want_tokens, (n * hw + s) * channels + c) = at(x, (n * channels + c) * hw + s);
  EXPECT_EQ(testing::relative_l2(tokens, want_tokens), 0.0);
  std::vector<float> back = testing::poisoned(batch * channels * hw);
  cpu::tokens_to_nchw(tokens.data(), back.data(), batch, channels, hw);
  EXPECT_TRUE(testing::same_bytes(back, x));
}

TEST_F(ElementwiseTest, EmbeddingGathersRows) {
  const i64 vocab = 50, cols = 9;
  const auto table = random(vocab * cols);
  const std::vector<std::int32_t> ids = {0, 49, 7, 7, 23};
  std::vector<float> y = testing::poisoned(static_cast<i64>(ids.size()) * cols);
  cpu::embedding(table.data(), cols, ids.data(), static_cast<i64>(ids.size()), y.data());
  std::vector<double> want;
  for (auto id : ids)
    want.insert(want.end(), table.begin() + id * cols, table.begin() + (id + 1) * cols);
  EXPECT_EQ(testing::relative_l2(y, want), 0.0);
}

// diffusers get_timestep_embedding, with its float32 argument rounding made explicit: the
// exponent, the frequency and t·freq are float32 values in diffusers, sin/cos are exact here.
std::vector<double> reference_timestep(const std::vector<float>& t, i64 dim, bool flip, float shift,
                                       bool float32_arguments) {
  const i64 half = dim / 2;
  std::vector<double> y(static_cast<std::size_t>(static_cast<i64>(t.size()) * dim), 0.0);
  for (std::size_t n = 0; n < t.size(); ++n)
    for (i64 i = 0; i < half; ++i) {
      double arg;
      if (float32_arguments) {
        const float exponent = static_cast<float>(-std::log(10000.0)) * static_cast<float>(i) /
                               (static_cast<float>(half) - shift);
        arg =
            static_cast<double>(t[n] * static_cast<float>(std::exp(static_cast<double>(exponent))));
      } else {
        arg = t[n] * std::exp(-std::log(10000.0) * static_cast<double>(i) /
                              (static_cast<double>(half) - shift));
      }
      y[n * static_cast<std::size_t>(dim) + static_cast<std::size_t>(flip ? half + i : i)] =
          std::sin(arg);
      y[n * static_cast<std::size_t>(dim) + static_cast<std::size_t>(flip ? i : half + i)] =
          std::cos(arg);
    }
  return y;
}

TEST_F(ElementwiseTest, TimestepEmbedding) {
  std::vector<float> t = {0.0f, 1.0f, 999.0f, 501.5f};
  t.push_back(static_cast<float>(random_int(0, 999)));
  struct Case {
    i64 dim;
    bool flip;
    float shift;
  };
  for (const Case& c : {Case{320, true, 0.0f}, Case{256, false, 1.0f}, Case{33, true, 1.0f}}) {
    SCOPED_TRACE(::testing::Message()
                 << "dim " << c.dim << " flip " << c.flip << " shift " << c.shift);
    std::vector<float> y = testing::poisoned(static_cast<i64>(t.size()) * c.dim);
    cpu::timestep_embedding(t.data(), static_cast<i64>(t.size()), c.dim, c.flip, c.shift, y.data());
    EXPECT_LE(testing::relative_l2(y, reference_timestep(t, c.dim, c.flip, c.shift, true)), 1e-6);
    // Against the pure formula, only float32 rounding of arguments up to 999 rad separates them.
    EXPECT_LE(testing::relative_l2(y, reference_timestep(t, c.dim, c.flip, c.shift, false)), 1e-4);
    if (c.dim % 2 == 1) {
      for (std::size_t n = 0; n < t.size(); ++n)
        EXPECT_EQ(y[(n + 1) * static_cast<std::size_t>(c.dim) - 1], 0.0f);
    }
  }
}

}  // namespace
}  // namespace seedgrid::kernels
