// A single .safetensors checkpoint carries no tokenizer: the error says exactly what to pass, and
// passing it renders.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/integration/cli/cli_process.hpp"

namespace seedgrid::test {
namespace {

TEST(SingleFileCheckpoint, TheErrorSaysWhichTokenizerToPass) {
  ScratchDir dir;
  const auto made = run_seedgrid(
      "mkmodel --preset tiny --seed 1 --layout single-file --out " + dir.path("sd"), 120);
  ASSERT_EQ(made.status, 0) << made.output;
  const std::string render = "render --model " + dir.path("sd/model.safetensors") +
                             " --prompt cat --steps 1 --width 64 --height 64 --out " +
                             dir.path("cat.png");
  const auto refused = run_seedgrid(render, 120);
  EXPECT_EQ(refused.status, 1) << refused.output;
  EXPECT_TRUE(contains(refused.output, "pass --tokenizer DIR")) << refused.output;
  EXPECT_TRUE(contains(refused.output, "tokenizer/ folder of a diffusers copy")) << refused.output;
  const auto rendered = run_seedgrid(render + " --tokenizer " + dir.path("sd/tokenizer"), 120);
  EXPECT_EQ(rendered.status, 0) << rendered.output;
  EXPECT_TRUE(std::filesystem::exists(dir.path("cat.png")));
}

}  // namespace
}  // namespace seedgrid::test
