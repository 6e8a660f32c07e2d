#include "models/backend/cpu_backend.hpp"

#include <cmath>
#include <regex>
#include <vector>

#include "kernel_test_support.hpp"
#include "kernels/cpu/ops.hpp"
#include "models/tensor/half.hpp"

namespace seedgrid {
namespace {

using kernels::testing::at;
using kernels::testing::i64;

class CpuBackendTest : public kernels::testing::KernelTest {
 protected:
  Tensor tensor(Shape shape, float scale = 1.0f) {
    return Tensor::host_f32(shape, random(shape_numel(shape), scale));
  }
};

std::vector<float> values(const Tensor& t) {
  return std::vector<float>(t.f32(), t.f32() + t.numel());
}

TEST(CpuBackend, DeterminismClassNamesArchAndKernelHash) {
  CpuBackend backend;
  const std::string cls = backend.determinism_class();
  EXPECT_TRUE(std::regex_match(cls, std::regex("cpu-(x86_64|aarch64|unknown)-f32-[0-9a-f]{8}")))
      << cls;
  EXPECT_EQ(cls.substr(cls.size() - 8), kernels::cpu::build_hash());
  EXPECT_EQ(backend.device(), Device::cpu);
  EXPECT_EQ(backend.compute_dtype(), DType::f32);
}

TEST(CpuBackend, UploadConvertsAndCopies) {
  CpuBackend backend;
  Tensor half = Tensor::host({3}, DType::f16);
  Tensor brain = Tensor::host({3}, DType::bf16);
  const float src[3] = {1.5f, -0.25f, 65504.0f};
  for (int i = 0; i < 3; ++i) {
    half.u16()[i] = float_to_half(src[i]);
    brain.u16()[i] = float_to_bf16(src[i]);
  }
  const Tensor a = backend.upload(half), b = backend.upload(brain);
  EXPECT_EQ(a.dtype(), DType::f32);
  EXPECT_EQ(b.dtype(), DType::f32);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(a.f32()[i], src[i]);
    EXPECT_EQ(b.f32()[i], bf16_to_float(float_to_bf16(src[i])));
  }
  Tensor host = Tensor::host_f32({2}, {1.0f, 2.0f});
  const Tensor up = backend.upload(host);
  host.f32()[0] = 9.0f;  // the uploaded copy is its own
  EXPECT_EQ(up.f32()[0], 1.0f);
  Tensor down = backend.download(up);
  down.f32()[1] = 7.0f;
  EXPECT_EQ(up.f32()[1], 2.0f);
}

// A small UNet-like chain of every op, so thread and batch invariance are checked through the
// backend's shape handling as well as the kernels.
struct Weights {
  Tensor conv_w, conv_b, gn_gamma, gn_beta, ln_gamma, ln_beta, q_w, kv_w, ff_w, ff_b, out_w, table,
      down_w;
};

Tensor chain(Backend& be, const Weights& w, const Tensor& x, const Tensor& context) {
  const i64 b = x.dim(0), h = x.dim(2), wd = x.dim(3);
  Tensor y = be.conv2d(x, w.conv_w, &w.conv_b, {1, 1, 1});
  y = be.group_norm(y, w.gn_gamma, w.gn_beta, 4, 1e-5f, true);
  const std::vector<float> steps(static_cast<std::size_t>(b), 500.0f);
  Tensor temb = be.silu(be.timestep_embedding(steps, 16, true, 0.0f));
  y = be.add_channelwise(y, temb);
  Tensor tokens = be.layer_norm(be.nchw_to_tokens(y), w.ln_gamma, w.ln_beta, 1e-5f);
  Tensor q = be.linear(tokens, w.q_w, nullptr);
  Tensor kv = be.linear(context, w.kv_w, nullptr);
  tokens = be.add(tokens, be.attention(q, kv, kv, 2, false));
  tokens = be.add(tokens, be.attention(tokens, tokens, tokens, 4, false));
  tokens = be.linear(be.geglu(be.linear(tokens, w.ff_w, &w.ff_b)), w.out_w, nullptr);
  y = be.tokens_to_nchw(tokens, h, wd);
  y = be.concat_channels(be.upsample_nearest2x(y), be.upsample_nearest2x(x));
  y = be.conv2d(y, w.down_w, nullptr, {2, 0, 1});
  return be.guidance(y, be.scale(be.gelu(be.quick_gelu(y)), 0.5f), 7.5f);
}

TEST_F(CpuBackendTest, ChainIsThreadAndBatchInvariant) {
  Weights w{tensor({16, 4, 3, 3}), tensor({16}), tensor({16}),     tensor({16}),
            tensor({16}),          tensor({16}), tensor({16, 16}), tensor({16, 12}),
            tensor({64, 16}),      tensor({64}), tensor({16, 32}), tensor({10, 12}),
            tensor({2, 20, 3, 3})};
  const Tensor x = tensor({4, 4, 7, 9});
  const std::vector<std::int32_t> ids = {1, 4, 9, 0, 3};
  std::vector<Tensor> contexts;
  for (int i = 0; i < 4; ++i)
    contexts.push_back(Tensor::host_f32({1, 5, 12}, values(CpuBackend().embedding(w.table, ids))));
  for (int i = 0; i < 4; ++i)
    for (i64 j = 0; j < 60; ++j) at(contexts, i).f32()[j] += 0.1f * static_cast<float>(i);
  CpuBackend one(1), four(4);
  const Tensor context = one.concat_batch(contexts);
  const Tensor a = chain(one, w, x, context), b = chain(four, w, x, context);
  ASSERT_EQ(a.shape(), (Shape{4, 2, 7, 9}));
  EXPECT_TRUE(kernels::testing::same_bytes(values(a), values(b)));
  for (float v : values(a)) ASSERT_TRUE(std::isfinite(v));
  const Tensor third = chain(four, w, x.slice(2, 3), context.slice(2, 3));
  const std::vector<float> all = values(a);
  EXPECT_TRUE(kernels::testing::same_bytes(
      values(third), std::vector<float>(all.begin() + 2 * 126, all.begin() + 3 * 126)));
}

TEST_F(CpuBackendTest, OpsPassTheirShapesToTheKernels) {
  CpuBackend be;
  const Tensor x = tensor({2, 3, 5, 6});
  const Tensor tokens = be.nchw_to_tokens(x);
  EXPECT_EQ(tokens.shape(), (Shape{2, 30, 3}));
  EXPECT_EQ(tokens.f32()[1 * 3 + 2], x.f32()[2 * 30 + 1]);
  const Tensor w = tensor({7, 3}), bias = tensor({7});
  const Tensor y = be.linear(tokens, w, &bias);
  EXPECT_EQ(y.shape(), (Shape{2, 30, 7}));
  std::vector<float> flat = kernels::testing::poisoned(60 * 7);
  kernels::cpu::linear(tokens.f32(), 60, 3, w.f32(), 7, bias.f32(), flat.data());
  EXPECT_TRUE(kernels::testing::same_bytes(values(y), flat));
  EXPECT_EQ(be.geglu(y.slice(0, 1).reshape({30, 7}).slice(0, 2).reshape({1, 14})).shape(),
            (Shape{1, 7}));
  EXPECT_EQ(be.softmax(y).shape(), y.shape());
  EXPECT_EQ(be.concat_channels(x, be.scale(x, 2.0f)).shape(), (Shape{2, 6, 5, 6}));
  const Tensor parts[] = {x, x.slice(0, 1)};
  EXPECT_EQ(be.concat_batch(parts).shape(), (Shape{3, 3, 5, 6}));
  EXPECT_EQ(be.add(x, tensor({5, 6})).shape(), x.shape());
  EXPECT_EQ(be.axpby(1.0f, x, -1.0f, x).shape(), x.shape());
  for (float v : values(be.axpby(1.0f, x, -1.0f, x))) EXPECT_EQ(v, 0.0f);
  EXPECT_EQ(be.conv2d(x, tensor({4, 3, 3, 3}), nullptr, {2, 0, 1}).shape(), (Shape{2, 4, 2, 3}));
  const Tensor noise = be.gaussian_noise({2, 4, 3, 5}, 99, 1, 8);
  std::vector<float> direct = kernels::testing::poisoned(120);
  kernels::cpu::philox_normal_fill(direct.data(), 120, 99, 1, 8);
  EXPECT_TRUE(kernels::testing::same_bytes(values(noise), direct));
}

TEST_F(CpuBackendTest, ShapeMismatchAbortsNamingOpAndShapes) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  CpuBackend be(1);
  const Tensor x = tensor({1, 3, 4, 4});
  EXPECT_DEATH(be.conv2d(x, tensor({2, 5, 3, 3}), nullptr, {}),
               "conv2d.*f32\\[2, 5, 3, 3\\].*f32\\[1, 3, 4, 4\\]");
  EXPECT_DEATH(be.linear(tensor({2, 5}), tensor({4, 6}), nullptr), "linear.*f32\\[4, 6\\]");
  EXPECT_DEATH(be.add(x, tensor({3, 5})), "add.*f32\\[3, 5\\]");
  EXPECT_DEATH(be.attention(tensor({1, 4, 6}), tensor({1, 4, 6}), tensor({1, 4, 6}), 4, false),
               "attention.*4 heads");
  EXPECT_DEATH(be.group_norm(x, tensor({3}), tensor({3}), 2, 1e-5f, false), "group_norm.*2 groups");
  const std::vector<std::int32_t> bad = {0, 12};
  EXPECT_DEATH(be.embedding(tensor({10, 2}), bad), "embedding.*id 12");
  EXPECT_DEATH(be.silu(Tensor::host({2}, DType::f16)), "silu.*f16\\[2\\]");
}

}  // namespace
}  // namespace seedgrid
