// Every cheat of the zoo (actors/worker/cheats/) through the real path, over real processes: a
// `seedgrid node` worker configured with the cheat (worker.test_fault), the coordinator's audit
// hand-out, a validator node's AuditRunner, the verdict naming the audit that targets the cheat
// (bench/RESULTS.md, same class), the slash, and the job re-run on an honest worker and paid once
// to it; with no honest worker, the refund. wrong_seed and forged_trajectory are run the same way
// in verification_fault_test.cpp, quantized_8bit (a cross-class grey) in cross_class_fault_test.cpp.
// Needs a build with SEEDGRID_TEST_FAULTS=ON (skipped otherwise).
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "actors/worker/cheats/cheat.hpp"
#include "actors/worker/test_fault.hpp"
#include "caught_cheater.hpp"

namespace seedgrid::testing {
namespace {

struct ZooCase {
  const char* cheat;
  const char* audit;  // the audit that targets it within a class
};

const std::vector<ZooCase>& run_here() {
  static const std::vector<ZooCase> cases{
      {"fewer_steps", "step"},     {"skipped_guidance", "step"},     {"smaller_model", "step"},
      {"quantized_4bit", "step"},  {"other_sampler", "step"},        {"random_output", "noise"},
      {"replayed_image", "noise"}, {"swapped_final_image", "decode"}};
  return cases;
}

class ZooCheatsOverRealProcesses : public ::testing::TestWithParam<ZooCase> {};

TEST_P(ZooCheatsOverRealProcesses, CaughtByItsAuditSlashedAndTheJobPaidOnlyToAnHonestWorker) {
  if (!worker::test_faults_enabled()) GTEST_SKIP() << "this build has no test faults";
  ASSERT_TRUE(worker::is_cheat_name(GetParam().cheat)) << GetParam().cheat;
  // replayed_image renders its first job honestly (to replay it): that one may pass and be paid.
  const std::uint32_t honest_jobs = std::string(GetParam().cheat) == "replayed_image" ? 1 : 0;
  expect_caught(GetParam().cheat, GetParam().audit, 8, honest_jobs);
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooCheatsOverRealProcesses, ::testing::ValuesIn(run_here()),
                         [](const auto& info) { return std::string(info.param.cheat); });

// Together with verification_fault_test.cpp and cross_class_fault_test.cpp the zoo is complete:
// a cheat added to actors/worker/cheats without a run over real processes fails here.
TEST(ZooCheatsOverRealProcesses, EveryCheatOfTheZooHasARunOverRealProcesses) {
  const std::set<std::string> run_elsewhere{"wrong_seed", "forged_trajectory", "quantized_8bit"};
  std::set<std::string> here;
  for (const ZooCase& c : run_here()) here.insert(c.cheat);
  for (worker::Cheat c : worker::all_cheats()) {
    const std::string name(worker::cheat_name(c));
    EXPECT_TRUE(here.contains(name) || run_elsewhere.contains(name))
        << name << " never meets the real validator";
  }
}

// A cheater that is the only worker: nothing honest to re-run on, so the client gets its money
// back, and the cheater loses stake for every attempt.
TEST(ZooCheatsOverRealProcesses, ALoneCheatersJobsAreRefundedAndEveryAttemptSlashed) {
  if (!worker::test_faults_enabled()) GTEST_SKIP() << "this build has no test faults";
  expect_refunded("swapped_final_image", "decode");
}

}  // namespace
}  // namespace seedgrid::testing
