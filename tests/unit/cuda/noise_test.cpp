// The noise contract on the GPU: the kernel's f32 output is bitwise kernels/philox.hpp (the CPU
// backend's values), for any counter base and in pieces; the fp16 tensor is those values rounded.
#include "tests/unit/cuda/cuda_test_support.hpp"

namespace seedgrid::testing {
namespace {

class CudaNoise : public CudaTest {};

TEST_F(CudaNoise, F32NoiseIsBitwiseTheCpus) {
  const std::uint64_t seed = rng()();
  const auto stream = static_cast<std::uint32_t>(rng()() % 4);
  // 2^20 elements: about two flagged elements recomputed on the host per run, on average.
  for (std::uint64_t base : {std::uint64_t{0}, std::uint64_t{3}, ~std::uint64_t{0} - 5}) {
    SCOPED_TRACE(::testing::Message() << "seed " << seed << " stream " << stream << " base " << base);
    const Shape shape{4, 4, 256, 256};
    const Tensor want = cpu().gaussian_noise(shape, seed, stream, base);
    const Tensor got = gpu().gaussian_noise_f32(shape, seed, stream, base);
    ASSERT_EQ(got.shape(), want.shape());
    std::int64_t differing = 0;
    for (std::int64_t i = 0; i < want.numel(); ++i)
      differing += std::memcmp(&got.f32()[i], &want.f32()[i], sizeof(float)) != 0;
    EXPECT_EQ(differing, 0);
  }
}

TEST_F(CudaNoise, PiecesEqualTheWhole) {
  const std::uint64_t seed = rng()();
  const Tensor whole = gpu().gaussian_noise_f32({1001}, seed, 1, 10);
  const Tensor head = gpu().gaussian_noise_f32({333}, seed, 1, 10);
  const Tensor tail = gpu().gaussian_noise_f32({668}, seed, 1, 343);
  EXPECT_EQ(std::memcmp(whole.f32(), head.f32(), head.bytes()), 0);
  EXPECT_EQ(std::memcmp(whole.f32() + 333, tail.f32(), tail.bytes()), 0);
}

TEST_F(CudaNoise, F16NoiseIsTheCpusRounded) {
  const std::uint64_t seed = rng()();
  const Tensor want = cpu().gaussian_noise({2, 4, 32, 32}, seed, 0, 0);
  const Tensor got = gpu().download(gpu().gaussian_noise({2, 4, 32, 32}, seed, 0, 0));
  for (std::int64_t i = 0; i < want.numel(); ++i)
    ASSERT_EQ(got.f32()[i], half_to_float(float_to_half(want.f32()[i]))) << "element " << i;
}

}  // namespace
}  // namespace seedgrid::testing
