// F16StorageBackend: an honest determinism class of its own, deterministic and batch invariant,
// close to the CPU's fp32 numbers but not equal, with the CPU's noise bit for bit.
#include "models/backend/f16_storage_backend.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "models/tensor/half.hpp"
#include "runtime/base/verify/comparison.hpp"
#include "zoo_fixture.hpp"

namespace seedgrid {
namespace {

using testing::ClassKind;

bool all_f16_representable(const Tensor& t) {
  const float* p = t.f32();
  for (std::int64_t i = 0; i < t.numel(); ++i)
    if (half_to_float(float_to_half(p[i])) != p[i]) return false;
  return true;
}

TEST(F16StorageBackend, ClassIsTheCpuClassWithF16Storage) {
  CpuBackend cpu;
  F16StorageBackend f16;
  std::string expected = cpu.determinism_class();
  expected.replace(expected.find("-f32-"), 5, "-f16s-");
  EXPECT_EQ(f16.determinism_class(), expected);
  EXPECT_NE(f16.determinism_class(), cpu.determinism_class());
}

TEST(F16StorageBackend, NoiseIsBitIdenticalToTheCpu) {
  CpuBackend cpu;
  F16StorageBackend f16;
  const Tensor a = cpu.gaussian_noise({1, 4, 8, 8}, 1234, 0, 0);
  const Tensor b = f16.gaussian_noise({1, 4, 8, 8}, 1234, 0, 0);
  ASSERT_EQ(a.bytes(), b.bytes());
  EXPECT_EQ(std::memcmp(a.raw(), b.raw(), a.bytes()), 0);
  EXPECT_FALSE(all_f16_representable(b));  // not rounded: full f32 noise
}

Tensor rounded(const Tensor& t) {
  Tensor r = Tensor::host(t.shape());
  std::memcpy(r.raw(), t.raw(), t.bytes());
  round_to_f16_in_place(r);
  return r;
}

// A network's parameters come through upload_weight: the op rounds that very buffer, once, so a
// loaded network holds each weight once (an fp16 copy beside the fp32 original made the fp16
// class use half again the fp32 class's memory). The numbers are those of a rounded copy.
TEST(F16StorageBackend, ANetworkParameterIsRoundedWhereItLiesNotCopied) {
  CpuBackend cpu;
  F16StorageBackend f16;
  const Tensor x = Tensor::host_f32({1, 3}, {0.1f, 1.0f / 3.0f, -2.7182818f});
  const Tensor w_host = Tensor::host_f32({2, 3}, {0.3f, -0.7f, 0.11f, 1.3f, 0.01f, -0.2f});
  const Tensor param = f16.upload_weight(w_host);
  ASSERT_FALSE(all_f16_representable(param)) << "uploaded as loaded";
  const Tensor y = f16.linear(f16.upload(x), param, nullptr);
  EXPECT_TRUE(all_f16_representable(param)) << "the parameter itself now holds fp16 values";
  EXPECT_FALSE(all_f16_representable(w_host)) << "the caller's tensor is untouched";
  const Tensor expected = rounded(cpu.linear(x, rounded(w_host), nullptr));
  ASSERT_EQ(y.bytes(), expected.bytes());
  EXPECT_EQ(std::memcmp(y.raw(), expected.raw(), y.bytes()), 0);
  const Tensor again = f16.linear(f16.upload(x), param, nullptr);
  EXPECT_EQ(std::memcmp(again.raw(), expected.raw(), y.bytes()), 0) << "rounding twice is once";
}

TEST(F16StorageBackend, LinearIsFp32MathOverFp16WeightsRoundedToFp16) {
  CpuBackend cpu;
  F16StorageBackend f16;
  const Tensor x = Tensor::host_f32({1, 6}, {0.1f, 1.0f / 3.0f, -2.7182818f, 3.0f, 1e-3f, 7.0f});
  const Tensor w = Tensor::host_f32({2, 6}, {0.3f, -0.7f, 0.11f, 0.0f, 5.1f, 0.9f,  //
                                             1.3f, 0.01f, -0.2f, 0.0f, 0.5f, 0.25f});
  const Tensor y = f16.linear(f16.upload(x), f16.upload(w), nullptr);
  EXPECT_TRUE(all_f16_representable(y));
  const Tensor expected = rounded(cpu.linear(x, rounded(w), nullptr));
  ASSERT_EQ(y.bytes(), expected.bytes());
  EXPECT_EQ(std::memcmp(y.raw(), expected.raw(), y.bytes()), 0);
  EXPECT_NE(std::memcmp(y.raw(), cpu.linear(x, w, nullptr).raw(), y.bytes()), 0);
  EXPECT_TRUE(all_f16_representable(f16.silu(x)));
}

// Committed latents are uploaded for replay and decode: they must enter unchanged, and the
// sampler's update ops keep the latent state fp32 (x_0 is compared bytewise in every class).
TEST(F16StorageBackend, UploadAndSamplerUpdatesKeepFp32) {
  CpuBackend cpu;
  F16StorageBackend f16;
  const Tensor x = Tensor::host_f32({1, 3}, {0.1f, 1.0f / 3.0f, -2.7182818f});
  const Tensor up = f16.upload(x);
  EXPECT_EQ(std::memcmp(up.raw(), x.raw(), x.bytes()), 0);
  const Tensor a = f16.axpby(0.3f, x, 0.7f, x);
  const Tensor b = cpu.axpby(0.3f, x, 0.7f, x);
  EXPECT_EQ(std::memcmp(a.raw(), b.raw(), a.bytes()), 0);
  const Tensor noise = f16.gaussian_noise({1, 4, 8, 8}, 9, 0, 0);
  const Tensor s1 = f16.scale(noise, 14.6f);
  const Tensor s2 = cpu.scale(cpu.gaussian_noise({1, 4, 8, 8}, 9, 0, 0), 14.6f);
  EXPECT_EQ(std::memcmp(s1.raw(), s2.raw(), s1.bytes()), 0);
}

TEST(F16StorageBackend, InitialLatentIsTheCpuOne) {
  const GenerationSpec s = testing::zoo_spec("tiny", 3);
  auto a = testing::zoo_pipeline("tiny", ClassKind::cpu_f32).initial_latent(s);
  auto b = testing::zoo_pipeline("tiny", ClassKind::f16_storage).initial_latent(s);
  ASSERT_TRUE(a && b);
  ASSERT_EQ(a->bytes(), b->bytes());
  EXPECT_EQ(std::memcmp(a->raw(), b->raw(), a->bytes()), 0);
}

class BothClasses : public ::testing::TestWithParam<ClassKind> {};

TEST_P(BothClasses, RenderDeterministicallyAndBatchInvariant) {
  const Pipeline& p = testing::zoo_pipeline("tiny", GetParam());
  GenerationSpec a = testing::zoo_spec("tiny", 1);
  GenerationSpec b = testing::zoo_spec("tiny", 2, "a lighthouse at dusk");
  auto alone = p.generate(std::span<const GenerationSpec>(&a, 1));
  auto again = p.generate(std::span<const GenerationSpec>(&a, 1));
  const GenerationSpec both[] = {b, a};
  auto batch = p.generate(both);
  ASSERT_TRUE(alone && again && batch);
  EXPECT_EQ(alone->front().image, again->front().image);
  EXPECT_EQ(alone->front().image, (*batch)[1].image);
}

INSTANTIATE_TEST_SUITE_P(F16StorageBackend, BothClasses,
                         ::testing::Values(ClassKind::cpu_f32, ClassKind::f16_storage));

TEST(F16StorageBackend, DiffersFromCpuOnlyByRounding) {
  const GenerationSpec s = testing::zoo_spec("tiny", 5);
  auto cpu = testing::honest_render(testing::zoo_pipeline("tiny", ClassKind::cpu_f32), s);
  auto f16 = testing::honest_render(testing::zoo_pipeline("tiny", ClassKind::f16_storage), s);
  EXPECT_NE(cpu.trajectory.root(), f16.trajectory.root());
  const verify::ImageDifference d = verify::image_difference(cpu.image, f16.image);
  EXPECT_GT(d.psnr_db, 30.0);
  EXPECT_GT(d.ssim, 0.95);
}

}  // namespace
}  // namespace seedgrid
