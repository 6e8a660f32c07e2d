// `seedgrid render` refuses options it cannot honour before it loads the model, naming them.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/integration/cli/cli_process.hpp"

namespace seedgrid::test {
namespace {

TEST(RenderOptions, StrengthWithoutAnInitImageIsRefusedNotIgnored) {
  ScratchDir dir;
  const auto run = run_seedgrid("render --model " + dir.path("tiny") +
                                " --prompt cat --strength 0.4 --out " + dir.path("cat.png"));
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_TRUE(contains(run.output, "--strength applies to img2img only")) << run.output;
}

TEST(RenderOptions, AGuidanceBeyondAFloatIsRefusedWithTheValueGiven) {
  ScratchDir dir;
  const auto run = run_seedgrid("render --model " + dir.path("tiny") +
                                " --prompt cat --cfg 1e308 --out " + dir.path("cat.png"));
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_TRUE(contains(run.output, "--cfg")) << run.output;
  EXPECT_TRUE(contains(run.output, "1e308")) << run.output;
  EXPECT_FALSE(contains(run.output, "loaded")) << "refused before the model loads\n" << run.output;
}

// The size multiple is the model's (16 for the tiny preset) and its configs say it: a size it
// cannot render is refused before its weights load, so even weights that could not load at all
// are never read for it.
TEST(RenderOptions, ASizeTheModelCannotRenderIsRefusedBeforeItsWeightsLoad) {
  ScratchDir dir;
  ASSERT_EQ(run_seedgrid("mkmodel --preset tiny --seed 1 --out " + dir.path("tiny"), 120).status,
            0);
  const std::string unet = dir.path("tiny/unet/diffusion_pytorch_model.safetensors");
  std::filesystem::resize_file(unet, 16);
  const std::string render =
      "render --model " + dir.path("tiny") + " --prompt cat --steps 1 --out " + dir.path("cat.png");
  const auto wide = run_seedgrid(render + " --width 72 --height 64");
  EXPECT_EQ(wide.status, 2) << wide.output;
  EXPECT_TRUE(contains(wide.output,
                       "seedgrid render: width 72 is not a multiple of 16 (the "
                       "latent, 1/8 of the image, must divide by 2 for the UNet's "
                       "levels): try 64"))
      << wide.output;
  EXPECT_FALSE(contains(wide.output, "rendering on")) << wide.output;
  const auto odd = run_seedgrid(render + " --width 64 --height 70");
  EXPECT_EQ(odd.status, 2) << odd.output;
  EXPECT_TRUE(contains(odd.output, "height 70 is not a multiple of 8 (the VAE's downscale factor)"))
      << odd.output;
  // A size the model renders goes on to its weights, which are what is broken here.
  const auto fits = run_seedgrid(render + " --width 64 --height 64");
  EXPECT_EQ(fits.status, 1) << fits.output;
  EXPECT_TRUE(contains(fits.output, "diffusion_pytorch_model.safetensors")) << fits.output;
  EXPECT_FALSE(contains(fits.output, "not a multiple")) << fits.output;
}

}  // namespace
}  // namespace seedgrid::test
