// A client asks a coordinator's wire protocol before it sends anything the coordinator could
// misread: a coordinator of another release, or of one from before the question, refuses the
// request by name instead of leaving the client waiting. The coordinators here are stand-ins: a
// real one of another protocol needs another build.
#include "runtime/base/client/coordinator_protocol.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <atomic>
#include <memory>

#include "runtime/base/client/generate_session.hpp"
#include "runtime/base/link/tls_transport.hpp"
#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/version.hpp"

namespace seedgrid::client {
namespace {

using namespace std::chrono_literals;

// Answers the protocol question with `speaks` (none: a release that does not know the question),
// and counts the questions and the submits that reach it.
struct Counts {
  std::atomic<int> questions{0};
  std::atomic<int> submits{0};
};

caf::behavior stand_in_coordinator(caf::event_based_actor*, std::optional<std::uint32_t> speaks,
                                   std::shared_ptr<Counts> counts) {
  auto submit = [counts](protocol::submit_atom, const protocol::GenerateRequest&) {
    ++counts->submits;
    return protocol::SubmitAck{};
  };
  if (!speaks) return {submit};
  return {
      [speaks, counts](protocol::protocol_atom) {
        ++counts->questions;
        return *speaks;
      },
      submit,
  };
}

protocol::GenerateRequest signed_request(const Identity& client) {
  protocol::GenerateRequest r;
  r.request_id = "protocol-check";
  r.prompt = "a fox";
  r.steps = 3;
  r.width = r.height = 64;
  r.count = 1;
  protocol::sign_request(r, client);
  return r;
}

struct Submitted {
  std::optional<SessionOutcome> outcome;  // refused (or ended)
  bool accepted = false;                  // the coordinator's acknowledgement came
  int submits = 0;                        // submits that reached the coordinator
};

// A session against a coordinator that `speaks` (see stand_in_coordinator), until it is refused
// or accepted (30 s at most).
Submitted submit_to(std::optional<std::uint32_t> speaks) {
  ClientSystem system;
  auto counts = std::make_shared<Counts>();
  const caf::actor coordinator = system.get().spawn(stand_in_coordinator, speaks, counts);
  const Identity client = Identity::from_seed({5});
  auto accepted = std::make_shared<std::atomic<bool>>(false);
  SessionCallbacks callbacks;
  callbacks.on_ack = [accepted](const protocol::SubmitAck&) { *accepted = true; };
  Submitted out;
  {
    GenerateSession session(system.get(), &coordinator, {}, {}, signed_request(client),
                            std::make_shared<const Identity>(client), callbacks);
    for (int i = 0; i < 600 && !out.outcome && !*accepted; ++i) out.outcome = session.wait(50ms);
  }
  caf::anon_send_exit(coordinator, caf::exit_reason::user_shutdown);
  out.accepted = *accepted;
  out.submits = counts->submits.load();
  return out;
}

TEST(CoordinatorProtocol, ASessionRefusesACoordinatorOfAnotherProtocolBeforeSubmitting) {
  const auto [outcome, accepted, submits] = submit_to(protocol::kProtocol + 1);
  ASSERT_TRUE(outcome) << "the session still waits after 30 s";
  EXPECT_EQ(outcome->reply.code, protocol::ErrorCode::protocol_mismatch) << outcome->reply.reason;
  const std::string& why = outcome->reply.reason;
  EXPECT_NE(why.find("speaks seedgrid protocol " + std::to_string(protocol::kProtocol + 1)),
            std::string::npos)
      << why;
  EXPECT_NE(why.find("this client protocol " + std::to_string(protocol::kProtocol)),
            std::string::npos)
      << why;
  EXPECT_FALSE(accepted);
  EXPECT_EQ(submits, 0) << "the request reached a coordinator that would misread it";
}

TEST(CoordinatorProtocol, ASessionRefusesACoordinatorThatCannotSayItsProtocol) {
  const auto [outcome, accepted, submits] = submit_to(std::nullopt);
  ASSERT_TRUE(outcome) << "the session still waits after 30 s";
  EXPECT_EQ(outcome->reply.code, protocol::ErrorCode::protocol_mismatch) << outcome->reply.reason;
  EXPECT_NE(outcome->reply.reason.find("does not say which wire protocol it speaks"),
            std::string::npos)
      << outcome->reply.reason;
  EXPECT_FALSE(accepted);
  EXPECT_EQ(submits, 0);
}

TEST(CoordinatorProtocol, ASessionSubmitsToACoordinatorOfItsOwnProtocol) {
  const auto [outcome, accepted, submits] = submit_to(protocol::kProtocol);
  EXPECT_TRUE(accepted) << (outcome ? outcome->reply.reason : "no answer in 30 s");
  EXPECT_EQ(submits, 1);
}

// One question per coordinator handle, not one per request: a request's latency pays no round
// trip for it once the link is known.
TEST(CoordinatorProtocol, ACoordinatorIsAskedOncePerHandleNotOncePerRequest) {
  ClientSystem system;
  auto counts = std::make_shared<Counts>();
  const caf::actor coordinator =
      system.get().spawn(stand_in_coordinator, protocol::kProtocol, counts);
  const Identity client = Identity::from_seed({5});
  for (int i = 0; i < 3; ++i) {
    auto accepted = std::make_shared<std::atomic<bool>>(false);
    SessionCallbacks callbacks;
    callbacks.on_ack = [accepted](const protocol::SubmitAck&) { *accepted = true; };
    GenerateSession session(system.get(), &coordinator, {}, {}, signed_request(client),
                            std::make_shared<const Identity>(client), callbacks);
    std::optional<SessionOutcome> refused;
    for (int t = 0; t < 600 && !refused && !*accepted; ++t) refused = session.wait(50ms);
    ASSERT_TRUE(*accepted) << (refused ? refused->reply.reason : "no answer in 30 s");
  }
  EXPECT_TRUE(check_coordinator_protocol(system.get(), coordinator, "the coordinator", 10s));
  EXPECT_EQ(counts->submits.load(), 3);
  EXPECT_EQ(counts->questions.load(), 1);
  caf::anon_send_exit(coordinator, caf::exit_reason::user_shutdown);
}

TEST(CoordinatorProtocol, TheBlockingCheckJudgesEachAnswer) {
  ClientSystem system;
  auto counts = std::make_shared<Counts>();
  const std::string where = "the coordinator at 10.0.0.5:7000";
  auto same = system.get().spawn(stand_in_coordinator, protocol::kProtocol, counts);
  auto other = system.get().spawn(stand_in_coordinator, protocol::kProtocol + 1, counts);
  auto older = system.get().spawn(stand_in_coordinator, std::nullopt, counts);
  EXPECT_TRUE(check_coordinator_protocol(system.get(), same, where, 10s));
  for (const caf::actor& refused : {other, older}) {
    auto r = check_coordinator_protocol(system.get(), refused, where, 10s);
    ASSERT_FALSE(r);
    EXPECT_EQ(protocol::code_of(r.error(), protocol::ErrorCode::ok),
              protocol::ErrorCode::protocol_mismatch);
    EXPECT_EQ(r.error().message.rfind(where, 0), 0u) << r.error().message;
  }
  for (const caf::actor& a : {same, other, older})
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
}

// Over a real TLS link on 127.0.0.1: the question, the answer and an older coordinator's
// "unexpected message" cross the wire, and `seedgrid status`'s fetch and a session both stop
// with the coordinator's address in the message.
TEST(CoordinatorProtocol, OverALinkStatusAndSessionsStopAtACoordinatorOfAnotherRelease) {
  const std::optional<std::uint32_t> releases[] = {protocol::kProtocol + 1, std::nullopt};
  for (const auto& speaks : releases) {
    SCOPED_TRACE(speaks ? "protocol " + std::to_string(*speaks) : "a release before the question");
    ClientSystem server(config::NetworkSection{},
                        std::make_shared<const Identity>(Identity::from_seed({7})));
    auto counts = std::make_shared<Counts>();
    const caf::actor coordinator = server.get().spawn(stand_in_coordinator, speaks, counts);
    const auto port = link::publish_actor(server.get(), coordinator, {"127.0.0.1", 0});
    ASSERT_TRUE(port) << server.get().render(port.error());
    const config::Endpoint endpoint{"127.0.0.1", *port};
    const std::string where = "the coordinator at " + endpoint.text();
    {
      ClientSystem system;
      auto status = fetch_status(system.get(), endpoint, 10s);
      ASSERT_FALSE(status);
      EXPECT_EQ(protocol::code_of(status.error(), protocol::ErrorCode::ok),
                protocol::ErrorCode::protocol_mismatch)
          << status.error().message;
      EXPECT_EQ(status.error().message.rfind(where, 0), 0u) << status.error().message;

      const Identity client = Identity::from_seed({5});
      GenerateSession session(system.get(), nullptr, endpoint, {}, signed_request(client),
                              std::make_shared<const Identity>(client), {});
      const auto outcome = session.wait(30s);
      ASSERT_TRUE(outcome) << "the session still waits after 30 s";
      EXPECT_EQ(outcome->reply.code, protocol::ErrorCode::protocol_mismatch)
          << outcome->reply.reason;
      EXPECT_EQ(outcome->reply.reason.rfind(where, 0), 0u) << outcome->reply.reason;
    }
    EXPECT_EQ(counts->submits.load(), 0);
    caf::anon_send_exit(coordinator, caf::exit_reason::user_shutdown);
  }
}

}  // namespace
}  // namespace seedgrid::client
