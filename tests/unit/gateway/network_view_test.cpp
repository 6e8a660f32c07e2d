// The gateway's status reader over a real TLS link on 127.0.0.1: a coordinator of another wire
// protocol is never sent the status query it would misread, and the reader's error (what /readyz
// shows) says why. The coordinator is a stand-in: a real one of another protocol needs another
// build.
#include "runtime/gateway/network_view.hpp"

#include <gtest/gtest.h>

#include <caf/all.hpp>

#include <atomic>
#include <memory>
#include <thread>

#include "runtime/base/client/generate_session.hpp"
#include "runtime/base/link/tls_transport.hpp"
#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/version.hpp"

namespace seedgrid::gateway {
namespace {

using namespace std::chrono_literals;

TEST(NetworkView, ACoordinatorOfAnotherProtocolIsNotAskedForItsStatusAndTheErrorSaysWhy) {
  client::ClientSystem server(config::NetworkSection{},
                              std::make_shared<const Identity>(Identity::from_seed({9})));
  auto asked = std::make_shared<std::atomic<int>>(0);
  const caf::actor coordinator =
      server.get().spawn([asked](caf::event_based_actor*) -> caf::behavior {
        return {
            [](protocol::protocol_atom) { return protocol::kProtocol + 1; },
            [asked](protocol::status_atom) {
              ++*asked;
              return protocol::StatusReport{};
            },
        };
      });
  const auto port = link::publish_actor(server.get(), coordinator, {"127.0.0.1", 0});
  ASSERT_TRUE(port) << server.get().render(port.error());
  const config::Endpoint endpoint{"127.0.0.1", *port};
  client::ClientSystem system;
  std::string error;
  {
    NetworkView view(system.get(), nullptr, endpoint, 100ms);
    for (int i = 0; i < 300 && error.empty(); ++i) {
      std::this_thread::sleep_for(50ms);
      error = view.snapshot().error;
    }
    EXPECT_FALSE(view.fresh());
    EXPECT_FALSE(view.snapshot().report);
  }
  EXPECT_NE(error.find("the coordinator at " + endpoint.text() + " speaks seedgrid protocol " +
                       std::to_string(protocol::kProtocol + 1)),
            std::string::npos)
      << error;
  EXPECT_EQ(asked->load(), 0);
  caf::anon_send_exit(coordinator, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace seedgrid::gateway
