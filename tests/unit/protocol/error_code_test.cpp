#include "runtime/base/protocol/error_code.hpp"

#include <gtest/gtest.h>

namespace seedgrid::protocol {
namespace {

Result<void> submit(bool taken) {
  if (taken) return fail_with(ErrorCode::duplicate_request, "request id '", "r1", "' is in use");
  return fail("the payer's key is missing");
}

Result<void> gateway_submit(bool taken) {
  auto r = submit(taken);
  if (!r) return context(r.error(), "submitting r1");
  return r;
}

TEST(ErrorCodes, AnErrorRaisedWithACodeKeepsItOnItsWayUpToTheReply) {
  const auto r = gateway_submit(true);
  ASSERT_FALSE(r);
  EXPECT_EQ(code_of(r.error(), ErrorCode::internal), ErrorCode::duplicate_request);
  const Reply reply = reply_of(r.error(), ErrorCode::internal);
  EXPECT_EQ(reply.code, ErrorCode::duplicate_request);
  EXPECT_EQ(reply.reason, "submitting r1: request id 'r1' is in use");
}

TEST(ErrorCodes, AnErrorWithoutACodeTakesTheOneTheEdgeNames) {
  const auto r = gateway_submit(false);
  ASSERT_FALSE(r);
  EXPECT_EQ(code_of(r.error(), ErrorCode::invalid_request), ErrorCode::invalid_request);
  Error unassigned{"from a newer peer", 999};
  EXPECT_EQ(code_of(unassigned, ErrorCode::internal), ErrorCode::internal);
  EXPECT_EQ(code_of(with_code(unassigned, ErrorCode::job_invalid), ErrorCode::internal),
            ErrorCode::job_invalid);
}

TEST(ErrorCodes, ARefusalTurnedIntoAnErrorAndBackIsTheSameRefusal) {
  const Reply refused = refuse(ErrorCode::insufficient_funds, "user:alice has 10 micro-credits");
  const Error e = error_of(refused);
  EXPECT_EQ(e.message, refused.reason);
  const Reply back = reply_of(e, ErrorCode::internal);
  EXPECT_EQ(back.code, ErrorCode::insufficient_funds);
  EXPECT_EQ(back.reason, refused.reason);
}

}  // namespace
}  // namespace seedgrid::protocol
