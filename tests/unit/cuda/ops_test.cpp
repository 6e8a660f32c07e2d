// Every CUDA op against the CPU backend on fresh random fp16-exact inputs: relative L2 within
// 2e-3 (NaN never passes). Shapes include the awkward ones: K not a multiple of 8 or 16, rows and
// columns that do not fill a tile, the attention head sizes of CLIP (64), the UNet (40, 80, 160)
// and the VAE (512, one head).
#include <vector>

#include "tests/unit/cuda/cuda_test_support.hpp"

namespace seedgrid::testing {
namespace {

class CudaOps : public CudaTest {
 protected:
  Tensor up(const Tensor& host) { return gpu().upload(host); }
  Tensor down(const Tensor& t) { return gpu().download(t); }
};

TEST_F(CudaOps, LinearMatchesCpu) {
  struct Case { std::int64_t rows, in, out; bool bias; };
  for (const Case c : {Case{1, 16, 16, false}, Case{77, 768, 768, true}, Case{130, 320, 1280, true},
                       Case{5, 13, 37, true}, Case{300, 40, 7, false}}) {
    SCOPED_TRACE(::testing::Message() << "rows " << c.rows << " in " << c.in << " out " << c.out);
    const Tensor x = random({c.rows, c.in}), w = random({c.out, c.in}, 0.1f), b = random({c.out});
    const Tensor want = cpu().linear(x, w, c.bias ? &b : nullptr);
    const Tensor gb = up(b);
    const Tensor got = down(gpu().linear(up(x), up(w), c.bias ? &gb : nullptr));
    EXPECT_CLOSE_F16(got, want);
  }
}

TEST_F(CudaOps, Conv2dMatchesCpu) {
  struct Case { std::int64_t b, cin, h, w, cout, k; Conv2dGeometry g; };
  for (const Case c : {Case{1, 4, 16, 16, 32, 3, {1, 1, 1}},     // conv_in
                       Case{2, 32, 12, 10, 64, 1, {1, 0, 0}},    // 1x1 shortcut
                       Case{1, 32, 16, 16, 32, 3, {2, 1, 1}},    // UNet downsample
                       Case{2, 16, 15, 17, 16, 3, {2, 0, 1}},    // VAE downsample (pad end only)
                       Case{1, 3, 9, 9, 5, 3, {1, 1, 1}}}) {      // K = 27
    SCOPED_TRACE(::testing::Message() << "cin " << c.cin << " cout " << c.cout << " k " << c.k
                                    << " stride " << c.g.stride);
    const Tensor x = random({c.b, c.cin, c.h, c.w});
    const Tensor w = random({c.cout, c.cin, c.k, c.k}, 0.2f), bias = random({c.cout});
    const Tensor want = cpu().conv2d(x, w, &bias, c.g);
    const Tensor gb = up(bias);
    EXPECT_CLOSE_F16(down(gpu().conv2d(up(x), up(w), &gb, c.g)), want);
    EXPECT_CLOSE_F16(down(gpu().conv2d(up(x), up(w), nullptr, c.g)),
                     cpu().conv2d(x, w, nullptr, c.g));
  }
}

TEST_F(CudaOps, GroupNormMatchesCpu) {
  for (bool silu : {false, true}) {
    const Tensor x = random({2, 64, 9, 7}, 3.0f), g = random({64}), b = random({64});
    EXPECT_CLOSE_F16(down(gpu().group_norm(up(x), up(g), up(b), 32, 1e-5f, silu)),
                     cpu().group_norm(x, g, b, 32, 1e-5f, silu));
  }
}

TEST_F(CudaOps, LayerNormMatchesCpu) {
  for (std::int64_t cols : {std::int64_t{320}, std::int64_t{768}, std::int64_t{37}}) {
    const Tensor x = random({3, 11, cols}, 2.0f), g = random({cols}), b = random({cols});
    EXPECT_CLOSE_F16(down(gpu().layer_norm(up(x), up(g), up(b), 1e-5f)),
                     cpu().layer_norm(x, g, b, 1e-5f));
  }
}

TEST_F(CudaOps, AttentionMatchesCpu) {
  struct Case { std::int64_t b, lq, lk, c; int heads; bool causal; };
  for (const Case c : {Case{2, 77, 77, 128, 2, true},     // CLIP, d = 64
                       Case{2, 100, 100, 80, 2, false},   // UNet self, d = 40
                       Case{2, 70, 77, 160, 2, false},    // UNet cross, d = 80
                       Case{1, 33, 77, 320, 2, false},    // d = 160
                       Case{1, 40, 40, 512, 1, false},    // VAE mid-block, d = 512
                       Case{1, 5, 3, 24, 3, false}}) {    // d = 8, padded to 16
    SCOPED_TRACE(::testing::Message() << "lq " << c.lq << " lk " << c.lk << " d "
                                    << c.c / c.heads << " causal " << c.causal);
    const Tensor q = random({c.b, c.lq, c.c}), k = random({c.b, c.lk, c.c});
    const Tensor v = random({c.b, c.lk, c.c});
    EXPECT_CLOSE_F16(down(gpu().attention(up(q), up(k), up(v), c.heads, c.causal)),
                     cpu().attention(q, k, v, c.heads, c.causal));
  }
}

TEST_F(CudaOps, AttentionPropagatesNan) {
  Tensor q = random({1, 20, 64});
  q.f32()[5 * 64 + 3] = NAN;
  const Tensor k = random({1, 20, 64}), v = random({1, 20, 64});
  const Tensor got = down(gpu().attention(up(q), up(k), up(v), 1, false));
  EXPECT_TRUE(std::isnan(got.f32()[5 * 64]));
  EXPECT_FALSE(std::isnan(got.f32()[4 * 64]));
}

TEST_F(CudaOps, SoftmaxMatchesCpu) {
  const Tensor x = random({7, 1000}, 5.0f);
  EXPECT_CLOSE_F16(down(gpu().softmax(up(x))), cpu().softmax(x));
}

TEST_F(CudaOps, ActivationsMatchCpu) {
  const Tensor x = random({3, 1001}, 6.0f);
  EXPECT_CLOSE_F16(down(gpu().gelu(up(x))), cpu().gelu(x));
  EXPECT_CLOSE_F16(down(gpu().quick_gelu(up(x))), cpu().quick_gelu(x));
  EXPECT_CLOSE_F16(down(gpu().silu(up(x))), cpu().silu(x));
  const Tensor h = random({2, 9, 2 * 160}, 4.0f);
  EXPECT_CLOSE_F16(down(gpu().geglu(up(h))), cpu().geglu(h));
}

TEST_F(CudaOps, ElementwiseMatchCpu) {
  const Tensor a = random({2, 8, 5, 6}), b = random({2, 8, 5, 6}), row = random({5, 6});
  const Tensor v = random({2, 8});
  EXPECT_CLOSE_F16(down(gpu().add(up(a), up(b))), cpu().add(a, b));
  EXPECT_CLOSE_F16(down(gpu().add(up(a), up(row))), cpu().add(a, row));
  EXPECT_CLOSE_F16(down(gpu().add_channelwise(up(a), up(v))), cpu().add_channelwise(a, v));
  EXPECT_CLOSE_F16(down(gpu().axpby(0.7f, up(a), -1.3f, up(b))), cpu().axpby(0.7f, a, -1.3f, b));
  EXPECT_CLOSE_F16(down(gpu().scale(up(a), 0.18215f)), cpu().scale(a, 0.18215f));
  EXPECT_CLOSE_F16(down(gpu().guidance(up(a), up(b), 7.5f)), cpu().guidance(a, b, 7.5f));
}

// Layout ops move fp16 values without arithmetic: bitwise the CPU's result.
TEST_F(CudaOps, LayoutOpsAreExact) {
  const Tensor a = random({2, 3, 5, 7}), b = random({2, 4, 5, 7});
  EXPECT_TRUE(same_bytes(down(gpu().upsample_nearest2x(up(a))), cpu().upsample_nearest2x(a)));
  EXPECT_TRUE(same_bytes(down(gpu().concat_channels(up(a), up(b))), cpu().concat_channels(a, b)));
  const std::vector<Tensor> host_parts{a, a.slice(1, 2), a};
  const std::vector<Tensor> gpu_parts{up(a), up(a).slice(1, 2), up(a)};
  EXPECT_TRUE(same_bytes(down(gpu().concat_batch(gpu_parts)), cpu().concat_batch(host_parts)));
  EXPECT_TRUE(same_bytes(down(gpu().nchw_to_tokens(up(a))), cpu().nchw_to_tokens(a)));
  const Tensor t = random({2, 35, 6});
  EXPECT_TRUE(same_bytes(down(gpu().tokens_to_nchw(up(t), 5, 7)), cpu().tokens_to_nchw(t, 5, 7)));
  const Tensor table = random({50, 24});
  const std::vector<std::int32_t> ids{49, 0, 7, 7, 13};
  EXPECT_TRUE(same_bytes(down(gpu().embedding(up(table), ids)), cpu().embedding(table, ids)));
}

// The embedding is computed by the CPU kernel and stored in fp16: the CPU's values, rounded.
TEST_F(CudaOps, TimestepEmbeddingIsTheCpusRounded) {
  const std::vector<float> steps{999.0f, 500.5f, 1.0f};
  for (bool flip : {false, true}) {
    const Tensor want = cpu().timestep_embedding(steps, 321, flip, 1.0f);
    const Tensor got = down(gpu().timestep_embedding(steps, 321, flip, 1.0f));
    ASSERT_EQ(got.shape(), want.shape());
    for (std::int64_t i = 0; i < want.numel(); ++i)
      ASSERT_EQ(got.f32()[i], half_to_float(float_to_half(want.f32()[i]))) << "element " << i;
  }
}

TEST_F(CudaOps, UploadRoundsLikeTheHost) {
  Tensor x = Tensor::host({6});
  const float values[] = {1.0f / 3.0f, 65520.0f, -1e-8f, 6.1e-5f, NAN, -2.5f};
  std::memcpy(x.f32(), values, sizeof values);
  const Tensor got = down(gpu().upload(x));
  for (int i = 0; i < 6; ++i) {
    const float want = half_to_float(float_to_half(values[i]));
    if (std::isnan(want))
      EXPECT_TRUE(std::isnan(got.f32()[i]));
    else
      EXPECT_EQ(got.f32()[i], want) << "element " << i;
  }
  const Tensor bf = host_to_dtype(random({33}), DType::bf16);
  EXPECT_CLOSE_F16(down(gpu().upload(bf)), cpu().upload(bf));
}

}  // namespace
}  // namespace seedgrid::testing
