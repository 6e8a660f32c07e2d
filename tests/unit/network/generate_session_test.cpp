// A client session refused before it starts (a request the wire cannot carry) still reports its
// end through on_finish, as every other end does: the gateway's request book waits on that call.
#include "runtime/base/client/generate_session.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace seedgrid::client {
namespace {

TEST(GenerateSession, ARequestTheWireCannotCarryIsRefusedAtOnceThroughOnFinish) {
  ClientSystem system;
  const Identity client = Identity::from_seed({3});
  protocol::GenerateRequest r;
  r.request_id = "too-large-a-guidance";
  r.prompt = "a fox";
  r.steps = 3;
  r.width = r.height = 64;
  r.count = 1;
  r.guidance = std::numeric_limits<float>::infinity();  // 1e39 written as a float
  protocol::sign_request(r, client);
  std::optional<SessionOutcome> finished;
  SessionCallbacks callbacks;
  callbacks.on_finish = [&](const SessionOutcome& o) { finished = o; };
  GenerateSession session(system.get(), nullptr, config::Endpoint{"127.0.0.1", 1}, {}, r,
                          std::make_shared<const Identity>(client), callbacks);
  ASSERT_TRUE(finished) << "on_finish was not called";
  EXPECT_EQ(finished->reply.code, protocol::ErrorCode::invalid_guidance);
  EXPECT_NE(finished->reply.reason.find("inf"), std::string::npos) << finished->reply.reason;
  const auto outcome = session.wait(std::chrono::milliseconds(0));
  ASSERT_TRUE(outcome);
  EXPECT_EQ(outcome->reply.code, protocol::ErrorCode::invalid_guidance);
}

}  // namespace
}  // namespace seedgrid::client
