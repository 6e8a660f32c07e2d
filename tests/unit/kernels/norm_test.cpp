#include <cmath>
#include <vector>

#include "kernel_test_support.hpp"
#include "kernels/cpu/ops.hpp"

namespace seedgrid::kernels {
namespace {

using testing::at;
using testing::i64;

class NormTest : public testing::KernelTest {};

// Normalises each of `count` runs of `size` values, scaling value t of a run by gamma[channel(t)].
template <class Channel>
std::vector<double> reference_norm(const std::vector<float>& x, i64 count, i64 size, double eps,
                                   const std::vector<float>& gamma, const std::vector<float>& beta,
                                   Channel channel, bool silu) {
  std::vector<double> y(x.size());
  for (i64 r = 0; r < count; ++r) {
    double mean = 0, var = 0;
    for (i64 t = 0; t < size; ++t) mean += at(x, r * size + t);
    mean /= static_cast<double>(size);
    for (i64 t = 0; t < size; ++t) {
      const double d = at(x, r * size + t) - mean;
      var += d * d;
    }
    var /= static_cast<double>(size);
    for (i64 t = 0; t < size; ++t) {
      const auto c = static_cast<std::size_t>(channel(r, t));
      double v = (at(x, r * size + t) - mean) / std::sqrt(var + eps) * gamma[c] + beta[c];
      if (silu) v = v / (1.0 + std::exp(-v));
      at(y, r * size + t) = v;
    }
  }
  return y;
}

TEST_F(NormTest, GroupNormMatchesDoubleReference) {
  const i64 batch = 3, channels = 12, groups = 4, spatial = 37;
  // An offset mean checks the variance is taken about the mean, not about zero.
  auto x = random(batch * channels * spatial, 2.0f);
  for (auto& v : x) v += 3.0f;
  const auto gamma = random(channels), beta = random(channels);
  const i64 per_group = channels / groups;
  auto channel = [&](i64 run, i64 t) { return (run % groups) * per_group + t / spatial; };
  for (bool silu : {false, true}) {
    std::vector<float> y = testing::poisoned(batch * channels * spatial);
    cpu::group_norm(x.data(), y.data(), batch, channels, spatial, groups, gamma.data(), beta.data(),
                    1e-5f, silu);
    EXPECT_CLOSE(
        y, reference_norm(x, batch * groups, per_group * spatial, 1e-5, gamma, beta, channel, silu))
        << (silu ? "with SiLU" : "without SiLU");
  }
}

TEST_F(NormTest, GroupNormBatchAndThreadInvariant) {
  const i64 batch = 4, channels = 32, groups = 8, spatial = 33 * 31;
  const auto x = random(batch * channels * spatial), gamma = random(channels),
             beta = random(channels);
  auto run = [&](i64 b0, i64 n) {
    std::vector<float> y = testing::poisoned(n * channels * spatial);
    cpu::group_norm(x.data() + b0 * channels * spatial, y.data(), n, channels, spatial, groups,
                    gamma.data(), beta.data(), 1e-6f, true);
    return y;
  };
  const auto all = run(0, batch);
  const auto third = run(2, 1);
  EXPECT_EQ(
      std::memcmp(third.data(), all.data() + 2 * channels * spatial, third.size() * sizeof(float)),
      0);
  EXPECT_TRUE(testing::same_bytes_for_1_and_4_threads([&] { return run(0, batch); }));
}

TEST_F(NormTest, LayerNormMatchesDoubleReference) {
  const i64 rows = 19, cols = 77;
  auto x = random(rows * cols, 3.0f);
  for (auto& v : x) v -= 1.5f;
  const auto gamma = random(cols), beta = random(cols);
  std::vector<float> y = testing::poisoned(rows * cols);
  cpu::layer_norm(x.data(), y.data(), rows, cols, gamma.data(), beta.data(), 1e-5f);
  EXPECT_CLOSE(y, reference_norm(
                      x, rows, cols, 1e-5, gamma, beta, [](i64, i64 t) { return t; }, false));
}

TEST_F(NormTest, LayerNormRowAloneAndThreadInvariant) {
  const i64 rows = 300, cols = 320;
  const auto x = random(rows * cols), gamma = random(cols), beta = random(cols);
  auto run = [&](i64 r0, i64 n) {
    std::vector<float> y = testing::poisoned(n * cols);
    cpu::layer_norm(x.data() + r0 * cols, y.data(), n, cols, gamma.data(), beta.data(), 1e-5f);
    return y;
  };
  const auto all = run(0, rows);
  const auto alone = run(123, 1);
  EXPECT_EQ(std::memcmp(alone.data(), all.data() + 123 * cols, cols * sizeof(float)), 0);
  EXPECT_TRUE(testing::same_bytes_for_1_and_4_threads([&] { return run(0, rows); }));
}

}  // namespace
}  // namespace seedgrid::kernels
