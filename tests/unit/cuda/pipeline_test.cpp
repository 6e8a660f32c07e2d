// Whole renders on the GPU: the same job twice and the same job alone or in a batch of 8 give the
// same bytes (latent and pixels), the sampler loop allocates no device memory after its first
// step, and the image is close to the CPU backend's (PSNR >= 30 dB).
#include "models/pipeline/pipeline.hpp"

#include <cmath>

#include "tests/unit/cuda/cuda_test_support.hpp"
#include "tests/unit/pipeline/preset_model.hpp"

namespace seedgrid::testing {
namespace {

class CudaPipeline : public CudaTest {
 protected:
  static GenerationSpec spec(std::uint64_t seed, int size) {
    GenerationSpec s;
    s.prompt = "a lighthouse on a cliff at dusk, oil painting";
    s.negative_prompt = "blurry";
    s.seed = seed;
    s.steps = 6;
    s.guidance = 7.0f;
    s.sampler = SamplerKind::euler;
    s.width = size;
    s.height = size;
    return s;
  }
  static double psnr(const RgbImage& a, const RgbImage& b) {
    double se = 0;
    for (std::size_t i = 0; i < a.pixels.size(); ++i) {
      const double d = static_cast<double>(a.pixels[i]) - b.pixels[i];
      se += d * d;
    }
    const double mse = se / static_cast<double>(a.pixels.size());
    return mse == 0 ? INFINITY : 10.0 * std::log10(255.0 * 255.0 / mse);
  }
};

TEST_F(CudaPipeline, RendersRepeatablyAndBatchInvariantly) {
  auto p = Pipeline::load(preset_model("tiny", 0).checkpoint_path, gpu());
  ASSERT_TRUE(p) << p.error().message;
  const int size = 2 * p->size_multiple();
  std::vector<GenerationSpec> batch;
  for (int i = 0; i < 8; ++i) batch.push_back(spec(100 + i, size));
  auto all = p->generate(batch);
  ASSERT_TRUE(all) << all.error().message;
  auto alone = p->generate(std::span(batch.data() + 3, 1));
  ASSERT_TRUE(alone) << alone.error().message;
  auto again = p->generate(std::span(batch.data() + 3, 1));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(same_bytes((*alone)[0].final_latent, (*all)[3].final_latent)) << "alone vs batch of 8";
  EXPECT_EQ((*alone)[0].image.pixels, (*all)[3].image.pixels);
  EXPECT_TRUE(same_bytes((*alone)[0].final_latent, (*again)[0].final_latent)) << "two runs";
}

// Memory is planned by the first step: every later step reuses the caching allocator's blocks, so
// the sampler loop makes no cudaMalloc call (each would synchronise the device).
TEST_F(CudaPipeline, TheSamplerLoopAllocatesNothingAfterItsFirstStep) {
  auto p = Pipeline::load(preset_model("tiny", 0).checkpoint_path, gpu());
  ASSERT_TRUE(p) << p.error().message;
  std::vector<GenerationSpec> batch;
  for (int i = 0; i < 2; ++i) batch.push_back(spec(200 + i, 2 * p->size_multiple()));
  std::vector<std::uint64_t> after_step;  // device allocations after each step
  GenerationHooks hooks;
  hooks.on_progress = [&](std::size_t job, int, int) {
    if (job == 0) after_step.push_back(gpu().device_allocations());
  };
  auto out = p->generate(batch, hooks);
  ASSERT_TRUE(out) << out.error().message;
  ASSERT_EQ(after_step.size(), 6u);
  EXPECT_EQ(after_step.back(), after_step.front())
      << "steps 2..6 made " << after_step.back() - after_step.front() << " cudaMalloc calls";
}

TEST_F(CudaPipeline, SmallPresetImageIsCloseToTheCpus) {
  auto on_gpu = Pipeline::load(preset_model("small", 0).checkpoint_path, gpu());
  ASSERT_TRUE(on_gpu) << on_gpu.error().message;
  auto on_cpu = Pipeline::load(preset_model("small", 0).checkpoint_path, cpu());
  ASSERT_TRUE(on_cpu) << on_cpu.error().message;
  const GenerationSpec s = spec(run_seed() % 100000, 2 * on_gpu->size_multiple());
  auto g = on_gpu->generate(std::span(&s, 1));
  ASSERT_TRUE(g) << g.error().message;
  auto c = on_cpu->generate(std::span(&s, 1));
  ASSERT_TRUE(c) << c.error().message;
  const double db = psnr((*g)[0].image, (*c)[0].image);
  std::printf("cuda tests: small preset, seed %llu, GPU vs CPU image PSNR %.2f dB\n",
              static_cast<unsigned long long>(s.seed), db);
  EXPECT_GE(db, 30.0);
}

}  // namespace
}  // namespace seedgrid::testing
