// A node's registration is held to the key of the TLS link it came over, over a real coordinator
// process: signed by the key the link's certificate holds, a worker is admitted; signed by any
// other key, it is refused with a reason that names both keys.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "runtime/base/link/tls_transport.hpp"
#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "tests/integration/network/network_harness.hpp"
#include "runtime/base/protocol/interfaces/coordinator_interface.hpp"

namespace seedgrid::testing {
namespace {

using namespace std::chrono_literals;

// Says hello and registers as a worker signed by `signer`, over `system`'s link to `coordinator`.
protocol::RegistrationAck register_worker(caf::actor_system& system,
                                          const protocol::coordinator_actor& coordinator,
                                          const Identity& signer) {
  caf::scoped_actor self{system};
  protocol::RegistrationAck ack;
  ack.outcome = protocol::refuse(protocol::ErrorCode::internal, "no answer");
  protocol::Challenge challenge;
  bool challenged = false;
  self->request(coordinator, 10s, protocol::hello_atom::value, std::string("worker"))
      .receive([&](const protocol::Challenge& c) { challenge = c, challenged = true; },
               [&](caf::error& e) { ADD_FAILURE() << "hello: " << system.render(e); });
  if (!challenged) return ack;
  protocol::Capabilities caps;
  caps.models = {tiny_model_id()};
  caps.task_types = {"txt2img"};
  caps.device = "cpu";
  caps.determinism_class = "cpu-x86_64-f32-test";
  caps.pixel_steps_per_second = 1'000;
  const auto reg =
      protocol::make_registration(protocol::Role::worker, "linked", caps, challenge, signer);
  self->request(coordinator, 30s, protocol::register_atom::value, reg)
      .receive([&](const protocol::RegistrationAck& a) { ack = a; },
               [&](caf::error& e) { ADD_FAILURE() << "register: " << system.render(e); });
  return ack;
}

TEST(LinkKey, ARegistrationSignedByAnotherKeyThanTheLinksCertificateIsRefused) {
  NetworkOptions o;
  o.workers = 1;
  o.validators = 0;
  Network net(o);
  net.start();
  const auto linked = std::make_shared<const Identity>(Identity::generate());
  const Identity other = Identity::generate();
  client::ClientSystem system({}, linked);
  auto remote = link::remote_actor(system.get(), net.endpoint(), net.coordinator_id());
  ASSERT_TRUE(remote) << system.get().render(remote.error());
  const auto coordinator = caf::actor_cast<protocol::coordinator_actor>(*remote);

  const auto refused = register_worker(system.get(), coordinator, other);
  EXPECT_FALSE(refused.outcome.ok());
  EXPECT_EQ(refused.outcome.code, protocol::ErrorCode::bad_signature);
  EXPECT_NE(refused.outcome.reason.find(other.node_id()), std::string::npos)
      << refused.outcome.reason;
  EXPECT_NE(refused.outcome.reason.find("certificate holds the key of node " + linked->node_id()),
            std::string::npos)
      << refused.outcome.reason;

  const auto admitted = register_worker(system.get(), coordinator, *linked);
  EXPECT_TRUE(admitted.outcome.ok()) << admitted.outcome.reason;
  if (::testing::Test::HasFailure()) net.dump_logs();
  net.stop();
}

}  // namespace
}  // namespace seedgrid::testing
