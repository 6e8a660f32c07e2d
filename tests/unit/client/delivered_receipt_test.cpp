#include "runtime/base/client/delivered_receipt.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "runtime/base/protocol/job.hpp"

namespace seedgrid::client {
namespace {

protocol::GenerateRequest request_of_two() {
  protocol::GenerateRequest r;
  r.request_id = "req-7";
  r.model_id = "m1";
  r.prompt = "a lighthouse";
  r.seed = 40;
  r.steps = 4;
  r.width = 64;
  r.height = 64;
  r.count = 2;
  return r;
}

protocol::ClientEvent result_event(std::uint32_t index) {
  protocol::ClientEvent e;
  e.kind = protocol::EventKind::result;
  e.request_id = "req-7";
  e.index = index;
  e.attempt = 2;
  e.audit = "passed";
  return e;
}

// The receipt holds the job as the request defines it and the commitment the event shares.
TEST(DeliveredReceipt, HoldsTheJobAndTheCommitmentTheEventCarries) {
  const auto request = request_of_two();
  auto e = result_event(1);
  protocol::JobResult c;
  c.job_id = protocol::job_id_of("req-7", 1);
  c.attempt = 2;
  c.leaf_count = 5;
  c.precision = "f32";
  e.commitment = std::make_shared<const protocol::JobResult>(c);
  auto receipt = delivered_receipt(request, e, "req-7-1.png");
  ASSERT_TRUE(receipt) << receipt.error().message;
  EXPECT_EQ(receipt->job.job_id, c.job_id);
  EXPECT_EQ(receipt->job.attempt, 2u);
  EXPECT_EQ(receipt->job.spec.seed, 41u) << "the request's seed plus the image's index";
  EXPECT_EQ(receipt->result.leaf_count, 5u);
  EXPECT_EQ(receipt->result.precision, "f32");
  EXPECT_EQ(receipt->image_file, "req-7-1.png");
  ASSERT_EQ(receipt->verdicts.size(), 1u);
  EXPECT_EQ(receipt->verdicts[0].outcome, "passed");
}

// An image delivered after its coordinator restarted comes without the commitment: no receipt,
// and the error names the image and why.
TEST(DeliveredReceipt, AnImageWithoutItsCommitmentHasNoReceiptAndTheErrorSaysWhy) {
  auto receipt = delivered_receipt(request_of_two(), result_event(1), "req-7-1.png");
  ASSERT_FALSE(receipt);
  EXPECT_TRUE(receipt.error().message.contains("image 1 of request req-7"))
      << receipt.error().message;
  EXPECT_TRUE(receipt.error().message.contains("signed commitment")) << receipt.error().message;
}

}  // namespace
}  // namespace seedgrid::client
