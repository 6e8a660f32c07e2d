// `seedgrid render --threads N` beyond what a node config allows: capped, said so, and the image
// is rendered (100000 aborted with std::system_error, exit 134).
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/integration/cli/cli_process.hpp"

namespace seedgrid::test {
namespace {

TEST(RenderThreads, TooManyAreCappedAndSaid) {
  ScratchDir dir;
  const auto made = run_seedgrid("mkmodel --preset tiny --seed 1 --out " + dir.path("tiny"), 120);
  ASSERT_EQ(made.status, 0) << made.output;
  const auto run =
      run_seedgrid("render --model " + dir.path("tiny") + " --prompt cat --steps 1 --width 64 " +
                       "--height 64 --threads 100000 --out " + dir.path("cat.png"),
                   120);
  EXPECT_EQ(run.status, 0) << run.output;
  EXPECT_TRUE(contains(run.output, "--threads 100000 is more than 1024")) << run.output;
  EXPECT_TRUE(std::filesystem::exists(dir.path("cat.png"))) << run.output;
}

}  // namespace
}  // namespace seedgrid::test
