// `seedgrid generate --cfg X` with a number no message can carry: refused at once (exit 2), naming
// the option and the value, before anything is sent. CAF 0.17 looped forever encoding inf, so the
// client hung; the time limit of run_seedgrid turns such a hang into a failure.
#include <gtest/gtest.h>

#include "tests/integration/cli/cli_process.hpp"

namespace seedgrid::test {
namespace {

struct Case {
  const char* given;
  const char* named;  // how the refusal spells the value
};

class GenerateRefusesNumber : public ::testing::TestWithParam<Case> {};

TEST_P(GenerateRefusesNumber, BeforeSendingAnything) {
  ScratchDir dir;
  const auto run = run_seedgrid(
      "generate --coordinator 127.0.0.1:" + std::to_string(closed_port()) + " --prompt cat --out " +
      dir.path("out") + " --timeout 5 --cfg=" + GetParam().given);
  EXPECT_EQ(run.status, 2) << run.output;
  EXPECT_TRUE(contains(run.output, "--cfg")) << run.output;
  EXPECT_TRUE(contains(run.output, GetParam().named)) << run.output;
  EXPECT_FALSE(contains(run.output, "cannot reach"))
      << "it tried the network first: " << run.output;
}

INSTANTIATE_TEST_SUITE_P(NonFinite, GenerateRefusesNumber,
                         ::testing::Values(Case{"inf", "inf"}, Case{"-inf", "-inf"},
                                           Case{"nan", "nan"}, Case{"1e308", "1e308"},
                                           Case{"1e-42", "1e-42"}));

}  // namespace
}  // namespace seedgrid::test
