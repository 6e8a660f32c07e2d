// `seedgrid render` refuses options it cannot honour before it loads the model, naming them.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace seedgrid::test
