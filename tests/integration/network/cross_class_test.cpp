// Workers and validators of different determinism classes in one network: workers storing fp16
// (`"precision": "f16"`, the cpu-f16s class: the numbers a GPU fp16 worker produces) audited by an
// fp32 validator. Across classes the audits compare within the calibrated tolerances
// (config/calibrated_thresholds.hpp), so honest results must pass every audit kind.
#include <gtest/gtest.h>

#include "tests/integration/network/network_harness.hpp"

namespace seedgrid::testing {
namespace {

constexpr std::uint32_t kSteps = 6;

TEST(CrossClass, HonestFp16WorkersPassEveryAuditOfAnFp32Validator) {
  NetworkOptions o;
  o.workers = 2;
  o.validators = 1;
  o.audit_rate = 1.0;
  o.step_audits = 2;
  o.full_rate = 1.0;  // noise, decode, two steps and a full re-render on every result
  o.worker_precisions = {{0, "f16"}, {1, "f16"}};
  Network net(o);
  net.start();
  const auto request = net.request("cross-class", 6, kSteps);
  Collected got;
  auto outcome = run_request(net, request, got, std::chrono::seconds(300));
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
  EXPECT_EQ(outcome->completed.delivered, 6u);
  EXPECT_EQ(outcome->completed.failed, 0u);
  {
    std::lock_guard lock(got.mutex);
    for (const auto& e : got.events)
      EXPECT_NE(e.code, protocol::ErrorCode::audit_failed)
          << "an honest result failed: " << e.reason;
    ASSERT_EQ(got.results.size(), 6u);
    for (const auto& [index, e] : got.results) {
      EXPECT_EQ(e.audit, "passed") << "job " << index;
      EXPECT_NE(e.determinism_class.find("-f16s-"), std::string::npos) << e.determinism_class;
      ASSERT_NE(e.commitment, nullptr) << "job " << index;
      EXPECT_EQ(e.commitment->precision, "f16");
      // The worker really rendered in its own class: its bytes are the fp16-storage render's, not
      // the fp32 one's.
      EXPECT_EQ(e.pixels, reference_pixels(request, index, "f16")) << "job " << index;
      EXPECT_NE(e.pixels, reference_pixels(request, index)) << "job " << index;
    }
  }
  if (::testing::Test::HasFailure()) net.dump_logs();
}

}  // namespace
}  // namespace seedgrid::testing
