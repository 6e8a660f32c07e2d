// The passes (Pipeline::encode_prompt, latent_noise, encode_image, sample) composed in generate's
// order render generate's bytes, latent for latent; a pass's first latent and each of its steps
// replay on their own to its bytes, a masked one's too (what a scripted job's audit runs); and a
// pass refuses what cannot be composed.
#include <gtest/gtest.h>

#include <cstring>

#include "models/backend/cpu_backend.hpp"
#include "models/pipeline/pipeline.hpp"
#include "models/samplers/sampling_schedule.hpp"
#include "preset_model.hpp"
#include "tiny_pipeline.hpp"

namespace seedgrid {
namespace {

using testing::same_bytes;

class SamplingPassTest : public testing::TinyPipelineSuite {
 protected:

  static GenerationSpec spec(SamplerKind sampler, float guidance) {
    return testing::lighthouse_spec(sampler, guidance, 11);
  }

  // generate's image and trajectory.
  static std::pair<RgbImage, std::vector<Tensor>> built_in(const GenerationSpec& s) {
    std::vector<Tensor> xs;
    GenerationHooks hooks;
    hooks.on_latent = [&](std::size_t, int, const Tensor& x) { xs.push_back(x); };
    auto r = pipeline_->generate(std::span(&s, 1), hooks);
    EXPECT_TRUE(r) << r.error().message;
    return {r ? (*r)[0].image : RgbImage{}, xs};
  }

  // The same job composed from the passes.
  static std::pair<RgbImage, std::vector<Tensor>> composed(const GenerationSpec& s) {
    std::vector<Tensor> xs;
    GenerationHooks hooks;
    hooks.on_latent = [&](std::size_t, int, const Tensor& x) { xs.push_back(x); };
    auto text = pipeline_->encode_prompt(s.prompt, s.negative_prompt, s.uses_guidance());
    EXPECT_TRUE(text) << text.error().message;
    auto noise = pipeline_->latent_noise(s.width, s.height, s.seed, NoiseStream::initial_latent);
    EXPECT_TRUE(noise) << noise.error().message;
    SamplingPass pass{s.steps, 0, s.guidance, s.sampler, s.karras, s.seed};
    std::optional<Tensor> clean;
    if (s.init_image) {
      auto c = pipeline_->encode_image(*s.init_image, s.seed);
      EXPECT_TRUE(c) << c.error().message;
      clean = *c;
      pass.first_step = img2img_first_step(s.steps, s.strength);
    }
    auto x = pipeline_->sample(pass, *text, *noise, clean ? &*clean : nullptr, hooks);
    EXPECT_TRUE(x) << x.error().message;
    auto image = pipeline_->decode_latent(*x);
    EXPECT_TRUE(image) << image.error().message;
    return {*image, xs};
  }

  static void expect_same(const GenerationSpec& s) {
    const auto [image_a, xs_a] = built_in(s);
    const auto [image_b, xs_b] = composed(s);
    EXPECT_EQ(image_a, image_b);
    ASSERT_EQ(xs_a.size(), xs_b.size());
    for (std::size_t t = 0; t < xs_a.size(); ++t)
      EXPECT_TRUE(same_bytes(xs_a[t], xs_b[t])) << "x_" << t;
  }
};


TEST_F(SamplingPassTest, ComposedTxt2imgIsGenerateByteForByte) {
  expect_same(spec(SamplerKind::euler, 6.5f));
  expect_same(spec(SamplerKind::euler_ancestral, 6.5f));
  expect_same(spec(SamplerKind::dpmpp_2m, 1.0f));
}

TEST_F(SamplingPassTest, ComposedImg2imgIsGenerateByteForByte) {
  GenerationSpec s = spec(SamplerKind::euler_ancestral, 5.0f);
  s.init_image = built_in(spec(SamplerKind::euler, 6.5f)).first;
  s.strength = 0.5f;
  expect_same(s);
}

// pass_start gives x_0 and replay_pass_step gives each x_{t+1} from the committed x_t (x_{t-1} for
// dpmpp_2m): bytewise the pass's own latents, for an img2img pass with a mask that keeps half of
// the latent.
TEST_F(SamplingPassTest, AMaskedPassReplaysFromItsLatentsByteForByte) {
  const GenerationSpec s = spec(SamplerKind::dpmpp_2m, 5.0f);
  auto text = pipeline_->encode_prompt(s.prompt, s.negative_prompt, true);
  ASSERT_TRUE(text) << text.error().message;
  auto noise = pipeline_->latent_noise(s.width, s.height, s.seed, NoiseStream::initial_latent);
  ASSERT_TRUE(noise) << noise.error().message;
  auto clean = pipeline_->encode_image(built_in(spec(SamplerKind::euler, 6.5f)).first, s.seed);
  ASSERT_TRUE(clean) << clean.error().message;
  SamplingPass pass{6, 2, s.guidance, s.sampler, false, s.seed};
  pass.mask = Tensor::host({1, 1, noise->dim(2), noise->dim(3)});
  for (std::int64_t i = 0; i < pass.mask.numel(); ++i)
    pass.mask.f32()[i] = i % noise->dim(3) < noise->dim(3) / 2 ? 1.0f : 0.0f;
  std::vector<Tensor> xs;
  GenerationHooks hooks;
  hooks.on_latent = [&](std::size_t, int, const Tensor& x) { xs.push_back(x); };
  ASSERT_TRUE(pipeline_->sample(pass, *text, *noise, &*clean, hooks));
  ASSERT_EQ(xs.size(), 5u);  // x_0 .. x_4: steps 2 to 5 of 6
  auto x0 = pipeline_->pass_start(pass, *noise, &*clean);
  ASSERT_TRUE(x0) << x0.error().message;
  EXPECT_TRUE(same_bytes(*x0, xs[0]));
  for (int t = 0; t + 1 < static_cast<int>(xs.size()); ++t) {
    auto next = pipeline_->replay_pass_step(pass, *text, *noise, &*clean, t, xs[t],
                                            t >= 1 ? &xs[t - 1] : nullptr);
    ASSERT_TRUE(next) << next.error().message;
    EXPECT_TRUE(same_bytes(*next, xs[t + 1])) << "x_" << t + 1;
  }
  // Without the mask the step renders the kept half too: other bytes.
  SamplingPass unmasked = pass;
  unmasked.mask = Tensor{};
  auto other = pipeline_->replay_pass_step(unmasked, *text, *noise, &*clean, 1, xs[1], &xs[0]);
  ASSERT_TRUE(other) << other.error().message;
  EXPECT_FALSE(same_bytes(*other, xs[2]));
  auto outside = pipeline_->replay_pass_step(pass, *text, *noise, &*clean, 4, xs[4], &xs[3]);
  ASSERT_FALSE(outside);
  EXPECT_NE(outside.error().message.find("outside the 4 steps run"), std::string::npos)
      << outside.error().message;
  auto no_history = pipeline_->replay_pass_step(pass, *text, *noise, &*clean, 2, xs[2]);
  ASSERT_FALSE(no_history);
  EXPECT_NE(no_history.error().message.find("needs the previous latent"), std::string::npos)
      << no_history.error().message;
}

TEST_F(SamplingPassTest, RefusesWhatCannotBeComposed) {
  auto unguided = pipeline_->encode_prompt("a cat", "", false);
  ASSERT_TRUE(unguided) << unguided.error().message;
  auto noise = pipeline_->latent_noise(64, 64, 1, NoiseStream::initial_latent);
  ASSERT_TRUE(noise) << noise.error().message;
  SamplingPass pass;
  pass.steps = 2;
  pass.guidance = 7.0f;
  auto r = pipeline_->sample(pass, *unguided, *noise, nullptr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("encoded without guidance"), std::string::npos)
      << r.error().message;
  pass.guidance = 1.0f;
  pass.first_step = 1;
  r = pipeline_->sample(pass, *unguided, *noise, nullptr);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("needs a clean latent"), std::string::npos) << r.error().message;
  auto bad_size = pipeline_->latent_noise(63, 64, 1, NoiseStream::initial_latent);
  ASSERT_FALSE(bad_size);
  EXPECT_NE(bad_size.error().message.find("width 63"), std::string::npos)
      << bad_size.error().message;
}

}  // namespace
}  // namespace seedgrid
