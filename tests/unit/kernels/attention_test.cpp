#include <cmath>
#include <vector>

#include "kernel_test_support.hpp"
#include "kernels/cpu/ops.hpp"

namespace seedgrid::kernels {
namespace {

using testing::at;
using testing::i64;
using testing::wide;

class AttentionTest : public testing::KernelTest {};

std::vector<double> reference_attention(const std::vector<float>& q, const std::vector<float>& k,
                                        const std::vector<float>& v, i64 batch, i64 lq, i64 lk,
                                        i64 channels, i64 heads, bool causal) {
  const i64 d = channels / heads;
  std::vector<double> out(static_cast<std::size_t>(batch * lq * channels));
  std::vector<double> p(static_cast<std::size_t>(lk));
  for (i64 b = 0; b < batch; ++b)
    for (i64 h = 0; h < heads; ++h)
      for (i64 i = 0; i < lq; ++i) {
        const i64 keys = causal ? std::min(lk, i + 1) : lk;
        double top = -INFINITY, sum = 0;
        for (i64 j = 0; j < keys; ++j) {
          double s = 0;
          for (i64 c = 0; c < d; ++c)
            s += wide(q, (b * lq + i) * channels + h * d + c) *
                 wide(k, (b * lk + j) * channels + h * d + c);
          at(p, j) = s / std::sqrt(static_cast<double>(d));
          top = std::max(top, at(p, j));
        }
        for (i64 j = 0; j < keys; ++j) sum += at(p, j) = std::exp(at(p, j) - top);
        for (i64 c = 0; c < d; ++c) {
          double o = 0;
          for (i64 j = 0; j < keys; ++j)
            o += at(p, j) / sum * wide(v, (b * lk + j) * channels + h * d + c);
          at(out, (b * lq + i) * channels + h * d + c) = o;
        }
      }
  return out;
}

std::vector<float> run(const std::vector<float>& q, const std::vector<float>& k,
                       const std::vector<float>& v, i64 batch, i64 lq, i64 lk, i64 channels,
                       i64 heads, bool causal) {
  std::vector<float> out = testing::poisoned(batch * lq * channels);
  cpu::attention(q.data(), k.data(), v.data(), out.data(), batch, lq, lk, channels, heads, causal);
  return out;
}

TEST_F(AttentionTest, MatchesDoubleReference) {
  struct Case {
    i64 batch, lq, lk, channels, heads;
    bool causal;
  };
  const Case cases[] = {
      {2, 53, 53, 24, 3, false},  // self-attention, query rows past one 48-row block
      {2, 61, 77, 40, 5, false},  // cross-attention against a CLIP-length context
      {1, 77, 77, 18, 2, true},   // CLIP's causal self-attention
      {3, 7, 300, 21, 7, false},  // keys past one k block of the value GEMM
      {1, 5, 3, 8, 1, true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::Message()
                 << "B " << c.batch << " Lq " << c.lq << " Lk " << c.lk << " C " << c.channels
                 << " heads " << c.heads << (c.causal ? " causal" : ""));
    // Scores of a few units so the softmax is neither flat nor one-hot.
    const auto q = random(c.batch * c.lq * c.channels, 2.0f),
               k = random(c.batch * c.lk * c.channels, 2.0f);
    const auto v = random(c.batch * c.lk * c.channels);
    EXPECT_CLOSE(run(q, k, v, c.batch, c.lq, c.lk, c.channels, c.heads, c.causal),
                 reference_attention(q, k, v, c.batch, c.lq, c.lk, c.channels, c.heads, c.causal));
  }
}

TEST_F(AttentionTest, BatchAndQueryRowInvariant) {
  const i64 batch = 4, lq = 70, lk = 45, channels = 32, heads = 4;
  const auto q = random(batch * lq * channels, 2.0f), k = random(batch * lk * channels, 2.0f);
  const auto v = random(batch * lk * channels);
  const auto all = run(q, k, v, batch, lq, lk, channels, heads, false);
  const i64 q_image = lq * channels, kv_image = lk * channels;
  for (i64 b = 0; b < batch; ++b) {
    const std::vector<float> qb(q.begin() + b * q_image, q.begin() + (b + 1) * q_image);
    const std::vector<float> kb(k.begin() + b * kv_image, k.begin() + (b + 1) * kv_image);
    const std::vector<float> vb(v.begin() + b * kv_image, v.begin() + (b + 1) * kv_image);
    const auto alone = run(qb, kb, vb, 1, lq, lk, channels, heads, false);
    EXPECT_EQ(std::memcmp(alone.data(), all.data() + b * q_image, q_image * sizeof(float)), 0)
        << "batch element " << b;
    // A query row alone against the same keys.
    const i64 row = 49;
    const std::vector<float> q_row(qb.begin() + row * channels, qb.begin() + (row + 1) * channels);
    const auto one = run(q_row, kb, vb, 1, 1, lk, channels, heads, false);
    EXPECT_EQ(std::memcmp(one.data(), all.data() + b * q_image + row * channels,
                          channels * sizeof(float)),
              0);
  }
}

TEST_F(AttentionTest, ThreadCountInvariant) {
  const i64 batch = 2, lq = 100, lk = 100, channels = 48, heads = 6;
  const auto q = random(batch * lq * channels, 2.0f), k = random(batch * lk * channels, 2.0f);
  const auto v = random(batch * lk * channels);
  for (bool causal : {false, true})
    EXPECT_TRUE(testing::same_bytes_for_1_and_4_threads(
        [&] { return run(q, k, v, batch, lq, lk, channels, heads, causal); }));
}

class SoftmaxTest : public testing::KernelTest {};

TEST_F(SoftmaxTest, MatchesDoubleReference) {
  for (i64 cols : {i64{1}, i64{7}, i64{8}, i64{77}, i64{1001}}) {
    const i64 rows = 13;
    const auto x = random(rows * cols, 8.0f);
    std::vector<double> want(x.size());
    for (i64 r = 0; r < rows; ++r) {
      double top = -INFINITY, sum = 0;
      for (i64 c = 0; c < cols; ++c) top = std::max(top, static_cast<double>(at(x, r * cols + c)));
      for (i64 c = 0; c < cols; ++c)
        sum += at(want, r * cols + c) = std::exp(at(x, r * cols + c) - top);
      for (i64 c = 0; c < cols; ++c) at(want, r * cols + c) /= sum;
    }
    std::vector<float> y = testing::poisoned(rows * cols);
    cpu::softmax(x.data(), y.data(), rows, cols);
    EXPECT_CLOSE(y, want) << "cols " << cols;
    std::vector<float> in_place = x;
    cpu::softmax(in_place.data(), in_place.data(), rows, cols);
    EXPECT_TRUE(testing::same_bytes(in_place, y));
  }
}

TEST_F(SoftmaxTest, LargeLogitsAndNaN) {
  std::vector<float> x = {1000.0f, 999.0f, -1000.0f};
  std::vector<float> y = testing::poisoned(3);
  cpu::softmax(x.data(), y.data(), 1, 3);
  EXPECT_NEAR(y[0], 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
  EXPECT_NEAR(y[1], std::exp(-1.0) / (1.0 + std::exp(-1.0)), 1e-6);
  EXPECT_EQ(y[2], 0.0f);
  x[1] = std::nanf("");
  cpu::softmax(x.data(), y.data(), 1, 3);
  for (float v : y) EXPECT_TRUE(std::isnan(v));  // a NaN is never hidden
}

}  // namespace
}  // namespace seedgrid::kernels
