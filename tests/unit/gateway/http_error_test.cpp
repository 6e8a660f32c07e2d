// What the gateway answers when the network refuses a request: the status and `rc` a client acts
// on, chosen by the refusal's code.
#include <gtest/gtest.h>

#include "runtime/gateway/gateway_parts.hpp"

namespace seedgrid::gateway {
namespace {

using protocol::ErrorCode;

std::pair<int, std::string> answer_to(ErrorCode code) {
  return http_error_of(protocol::error_of(protocol::refuse(code, "refused")));
}

TEST(HttpError, ACoordinatorOfAnotherReleaseIsABadGatewayNotTheUsersMistake) {
  EXPECT_EQ(answer_to(ErrorCode::protocol_mismatch),
            (std::pair<int, std::string>{502, "CoordinatorIncompatible"}));
}

TEST(HttpError, EachRefusalKeepsItsStatus) {
  EXPECT_EQ(answer_to(ErrorCode::insufficient_funds).first, 402);
  EXPECT_EQ(answer_to(ErrorCode::treasury_unavailable).first, 503);
  EXPECT_EQ(answer_to(ErrorCode::duplicate_request).first, 409);
  EXPECT_EQ(answer_to(ErrorCode::invalid_steps),
            (std::pair<int, std::string>{400, "ValidationError"}));
}

}  // namespace
}  // namespace seedgrid::gateway
