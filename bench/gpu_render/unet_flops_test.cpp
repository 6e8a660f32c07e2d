#include "bench/gpu_render/unet_flops.hpp"

#include <gtest/gtest.h>

#include "models/presets/preset.hpp"

namespace seedgrid::bench {
namespace {

UNetConfig preset_unet(const char* name) {
  auto p = find_preset(name);
  EXPECT_TRUE(p.has_value());
  return p ? p->unet : UNetConfig{};
}

// Expected totals come from an independent count: bench/reference/torch_bench.py --flops-only runs
// the PyTorch reference UNet on the meta device with hooks on every Conv2d and Linear and a counting
// attention (module shapes, not this file's walk of the config):
//   bench_gpu_render --write-preset NAME DIR
//   /usr/bin/python3 bench/reference/torch_bench.py --model DIR --device cpu --flops-only
TEST(UNetFlops, MatchesTheHookCountOfThePyTorchReference) {
  struct Case {
    const char* preset;
    int latent;
    double conv, linear, attention;
  };
  const Case cases[] = {
      {"tiny", 8, 31129600, 11161600, 3846144},
      {"small", 16, 750518272, 409485312, 132980736},
      {"sd15", 64, 443946106880, 233275064320, 126052270080},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.preset);
    auto f = unet_flops_per_image(preset_unet(c.preset), c.latent, c.latent, 77);
    ASSERT_TRUE(f.has_value()) << f.error().message;
    EXPECT_DOUBLE_EQ(f->conv, c.conv);
    EXPECT_DOUBLE_EQ(f->linear, c.linear);
    EXPECT_DOUBLE_EQ(f->attention, c.attention);
  }
}

TEST(UNetFlops, Sd15StepIsAboutEightHundredGflopPerImage) {
  // The figure issue 5's compute floor rests on (~2.2 ms for two images on an H100).
  auto f = unet_flops_per_image(preset_unet("sd15"), 64, 64, 77);
  ASSERT_TRUE(f.has_value()) << f.error().message;
  EXPECT_GT(f->total(), 6.5e11);
  EXPECT_LT(f->total(), 9.5e11);
  EXPECT_GT(f->conv, f->linear);  // SD 1.5 is convolution-heavy at 64x64 latents
}

TEST(UNetFlops, SelfAttentionGrowsWithTheSquareOfTheTokens) {
  const UNetConfig c = preset_unet("small");
  auto small = unet_flops_per_image(c, 16, 16, 77);
  auto big = unet_flops_per_image(c, 32, 32, 77);
  ASSERT_TRUE(small && big);
  EXPECT_DOUBLE_EQ(big->conv, 4 * small->conv);  // every convolution is linear in pixels
  EXPECT_GT(big->attention, 4 * small->attention);
  EXPECT_LT(big->attention, 16 * small->attention);  // cross-attention is linear in pixels
}

TEST(UNetFlops, RefusesWhatTheUNetRefuses) {
  UNetConfig c = preset_unet("tiny");
  EXPECT_FALSE(unet_flops_per_image(c, 0, 8, 77).has_value());
  c.down_block_types[0] = "AttnDownBlock2D";
  auto bad = unet_flops_per_image(c, 8, 8, 77);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("AttnDownBlock2D"), std::string::npos);
  UNetConfig short_list = preset_unet("tiny");
  short_list.up_block_types.pop_back();
  EXPECT_FALSE(unet_flops_per_image(short_list, 8, 8, 77).has_value());
}

}  // namespace
}  // namespace seedgrid::bench
