// The passes a task script composes (Pipeline::encode_prompt, latent_noise, sample, decode) on the
// GPU: their host round trips (f16 on the device, f32 on the host) are exact, so composed in
// generate's order they give generate's bytes there too, as on the CPU
// (tests/unit/pipeline/sampling_pass_test.cpp).
#include "models/pipeline/pipeline.hpp"
#include "tests/unit/cuda/cuda_test_support.hpp"
#include "tests/unit/pipeline/preset_model.hpp"

namespace seedgrid::testing {
namespace {

class CudaSamplingPass : public CudaTest {};

TEST_F(CudaSamplingPass, ComposedTxt2imgIsGenerateByteForByte) {
  auto p = Pipeline::load(preset_model("tiny", 0).checkpoint_path, gpu());
  ASSERT_TRUE(p) << p.error().message;
  GenerationSpec s;
  s.prompt = "a lighthouse on a cliff at dusk";
  s.negative_prompt = "blurry";
  s.seed = 42;
  s.steps = 5;
  s.guidance = 6.0f;
  s.sampler = SamplerKind::euler_ancestral;
  s.width = s.height = 2 * p->size_multiple();
  std::vector<Tensor> built_in, composed;
  GenerationHooks record_built_in, record_composed;
  record_built_in.on_latent = [&](std::size_t, int, const Tensor& x) { built_in.push_back(x); };
  record_composed.on_latent = [&](std::size_t, int, const Tensor& x) { composed.push_back(x); };
  auto generated = p->generate(std::span(&s, 1), record_built_in);
  ASSERT_TRUE(generated) << generated.error().message;

  auto text = p->encode_prompt(s.prompt, s.negative_prompt, true);
  ASSERT_TRUE(text) << text.error().message;
  auto noise = p->latent_noise(s.width, s.height, s.seed, NoiseStream::initial_latent);
  ASSERT_TRUE(noise) << noise.error().message;
  const SamplingPass pass{s.steps, 0, s.guidance, s.sampler, s.karras, s.seed};
  auto x = p->sample(pass, *text, *noise, nullptr, record_composed);
  ASSERT_TRUE(x) << x.error().message;
  auto image = p->decode_latent(*x);
  ASSERT_TRUE(image) << image.error().message;

  EXPECT_EQ(image->pixels, (*generated)[0].image.pixels);
  ASSERT_EQ(composed.size(), built_in.size());
  for (std::size_t t = 0; t < built_in.size(); ++t)
    EXPECT_TRUE(same_bytes(composed[t], built_in[t])) << "x_" << t;
}

}  // namespace
}  // namespace seedgrid::testing
