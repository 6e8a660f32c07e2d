#include "runtime/base/image/generation_parameters.hpp"

#include <gtest/gtest.h>

namespace seedgrid {
namespace {

GenerationSpec spec() {
  GenerationSpec s;
  s.prompt = "a red fox in the snow";
  s.negative_prompt = "blurry";
  s.seed = 42;
  s.steps = 20;
  s.guidance = 7.0f;
  s.sampler = SamplerKind::euler_ancestral;
  s.width = 512;
  s.height = 768;
  return s;
}

TEST(GenerationParameters, FormatsLikeA1111) {
  EXPECT_EQ(format_generation_parameters(spec(), "0123456789abcdef", "sd15"),
            "a red fox in the snow\nNegative prompt: blurry\nSteps: 20, Sampler: Euler a, CFG "
            "scale: 7, Seed: 42, Size: 512x768, Model hash: 0123456789, Model: sd15");
  GenerationSpec s = spec();
  s.negative_prompt.clear();
  s.guidance = 7.5f;
  s.sampler = SamplerKind::dpmpp_2m;
  s.karras = true;
  s.init_image = RgbImage{};
  s.strength = 0.6f;
  EXPECT_EQ(format_generation_parameters(s, "ffffffffffff", "tiny"),
            "a red fox in the snow\nSteps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG "
            "scale: 7.5, Seed: 42, Size: 512x768, Model hash: ffffffffff, Model: tiny, Denoising "
            "strength: 0.6");
}

TEST(GenerationParameters, ParsesWhatItFormats) {
  GenerationSpec s = spec();
  s.prompt = "line one\nline two, with: punctuation";
  s.seed = 18446744073709551615ull;
  auto p =
      parse_generation_parameters(format_generation_parameters(s, "abcdef0123456", "a, \"b\""));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(p->prompt, s.prompt);
  EXPECT_EQ(p->negative_prompt, "blurry");
  ASSERT_NE(p->find("Seed"), nullptr);
  EXPECT_EQ(*p->find("Seed"), "18446744073709551615");
  EXPECT_EQ(*p->find("Sampler"), "Euler a");
  EXPECT_EQ(*p->find("Model"), "a, \"b\"");
  EXPECT_EQ(*p->find("Model hash"), "abcdef0123");
  EXPECT_EQ(p->find("Denoising strength"), nullptr);
}

TEST(GenerationParameters, RejectsTextWithoutAParameterLine) {
  EXPECT_FALSE(parse_generation_parameters("just a prompt"));
  EXPECT_FALSE(parse_generation_parameters("prompt\nnot a list"));
  EXPECT_FALSE(parse_generation_parameters("prompt\nModel: \"unterminated"));
}

}  // namespace
}  // namespace seedgrid
