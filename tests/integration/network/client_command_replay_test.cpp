// Client commands over a real network of processes: an attach is good once, so a copy of one
// (taken off the wire, which is plain TCP without TLS) cannot be sent again, before or after a
// coordinator restart, to receive the payer's images; a stale one is refused; a fresh one works.
#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <csignal>

#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/link/tls_transport.hpp"
#include "tests/integration/network/network_harness.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"

namespace seedgrid::testing {
namespace {

using protocol::ClientCommandKind;
using protocol::ErrorCode;

// Sends `command` as an attach from a fresh actor of this process; the acknowledgement's outcome
// and how many results reached that actor within a moment of it.
struct Attached {
  protocol::Reply outcome;
  std::size_t results = 0;
};

Attached attach(Network& net, const protocol::ClientCommand& command) {
  Attached got;
  got.outcome = protocol::refuse(ErrorCode::internal, "no answer");
  auto remote = link::remote_actor(net.system(), net.endpoint(), net.coordinator_id());
  if (!remote) return got;
  const auto coordinator = caf::actor_cast<protocol::coordinator_actor>(*remote);
  caf::scoped_actor self{net.system()};
  self->request(coordinator, std::chrono::seconds(30), protocol::attach_atom::value, command,
                std::vector<std::uint32_t>{})
      .receive([&](const protocol::SubmitAck& ack) { got.outcome = ack.outcome; },
               [&](caf::error&) {});
  if (!got.outcome.ok()) return got;
  // The results follow the acknowledgement; the completed event closes them.
  bool done = false;
  while (!done) {
    self->receive(
        [&](protocol::event_atom, const protocol::ClientEvent& e) {
          got.results += e.kind == protocol::EventKind::result;
          done = e.kind == protocol::EventKind::completed;
        },
        caf::after(std::chrono::seconds(30)) >> [&] { done = true; });
  }
  return got;
}

TEST(ClientCommandReplay, ACopiedAttachIsRefusedBeforeAndAfterARestart) {
  NetworkOptions o;
  o.workers = 1;
  o.validators = 0;
  Network net(o);
  net.start();
  Collected collected;
  auto outcome = run_request(net, net.request("mine", 2), collected);
  ASSERT_TRUE(outcome && outcome->reply.ok());

  auto status = client::fetch_status(net.system(), net.endpoint(), std::chrono::seconds(10));
  ASSERT_TRUE(status) << status.error().message;
  const auto command =
      protocol::make_client_command(ClientCommandKind::attach, "mine", status->coordinator,
                                    net.client(), protocol::unix_now_ms());
  const auto first = attach(net, command);
  ASSERT_TRUE(first.outcome.ok()) << first.outcome.reason;
  EXPECT_EQ(first.results, 2u);

  const auto copy = attach(net, command);
  EXPECT_EQ(copy.outcome.code, ErrorCode::replayed_command) << copy.outcome.reason;
  EXPECT_EQ(copy.results, 0u);

  const auto stale =
      attach(net, protocol::make_client_command(
                      ClientCommandKind::attach, "mine", status->coordinator, net.client(),
                      protocol::unix_now_ms() - 2 * protocol::kClientCommandLifetimeMs));
  EXPECT_EQ(stale.outcome.code, ErrorCode::stale_command) << stale.outcome.reason;

  net.coordinator().signal(SIGKILL);
  ASSERT_TRUE(net.coordinator().wait(std::chrono::seconds(10)));
  net.start_coordinator();
  ASSERT_TRUE(net.wait_for_nodes(1, std::chrono::seconds(60)));
  const auto after_restart = attach(net, command);
  EXPECT_EQ(after_restart.outcome.code, ErrorCode::replayed_command)
      << after_restart.outcome.reason;
  const auto fresh = attach(
      net, protocol::make_client_command(ClientCommandKind::attach, "mine", status->coordinator,
                                         net.client(), protocol::unix_now_ms()));
  EXPECT_TRUE(fresh.outcome.ok()) << fresh.outcome.reason;
  EXPECT_EQ(fresh.results, 2u);
  if (::testing::Test::HasFailure()) net.dump_logs();
}

}  // namespace
}  // namespace seedgrid::testing
