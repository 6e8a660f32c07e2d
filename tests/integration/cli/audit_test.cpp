// `seedgrid audit` as a non-expert runs it on a delivered image: no options but the models folder,
// the receipt's own precision (an fp16 worker's image is compared bytewise in its own class), and
// only figures that were measured.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/integration/cli/cli_process.hpp"

namespace seedgrid::test {
namespace {

TEST(Audit, AnFp16ImageIsAuditedInItsOwnClassWithOnlyMeasuredFigures) {
  ScratchDir dir;
  const auto sim = run_seedgrid(
      "sim --workers 1 --f16-workers 1 --validators 1 --count 1 "
      "--steps 2 --log-level off --data " +
          dir.path("sim"),
      180);
  ASSERT_EQ(sim.status, 0) << sim.output;
  std::string receipt;
  for (const auto& e : std::filesystem::directory_iterator(dir.path("sim/out")))
    if (e.path().string().ends_with(".receipt.json")) receipt = e.path().string();
  ASSERT_FALSE(receipt.empty()) << sim.output;

  const auto audit =
      run_seedgrid("audit " + receipt + " --full --models-dir " + dir.path("sim"), 180);
  EXPECT_EQ(audit.status, 0) << audit.output;
  EXPECT_TRUE(contains(audit.output, "audited on cpu f16")) << audit.output;
  EXPECT_TRUE(contains(audit.output, "the receipt's own class, every comparison is bytewise"))
      << audit.output;
  for (const char* meaningless : {"0000000000000000", "PSNR 0 dB", "SSIM 0,", "SSIM 0]"})
    EXPECT_FALSE(contains(audit.output, meaningless)) << meaningless << "\n" << audit.output;
  // A PASS says what it does not cover: the PNG's text and the receipt's verdicts are unsigned.
  EXPECT_TRUE(contains(audit.output, "note: the worker signed")) << audit.output;
  EXPECT_TRUE(contains(audit.output, "copies nobody signed")) << audit.output;

  // A copy under DATA that is not the repository's model (here one made before the model had its
  // thresholds file; after a pull, a retrained model) is set aside, not used, and copied afresh;
  // the earlier receipts still audit from the set-aside copy.
  const std::string copy = dir.path("sim") + "/model-shapes";
  ASSERT_TRUE(std::filesystem::remove(copy + "/calibrated_thresholds.json"));
  const auto again = run_seedgrid(
      "sim --workers 1 --f16-workers 0 --validators 0 --count 1 --steps 2 --log-level off --data " +
          dir.path("sim"),
      180);
  ASSERT_EQ(again.status, 0) << again.output;
  EXPECT_TRUE(contains(again.output, "the repository's shapes model changed")) << again.output;
  EXPECT_TRUE(std::filesystem::exists(copy + "/calibrated_thresholds.json"));
  const auto old =
      run_seedgrid("audit " + receipt + " --full --models-dir " + dir.path("sim"), 180);
  EXPECT_EQ(old.status, 0) << old.output;
}

}  // namespace
}  // namespace seedgrid::test
