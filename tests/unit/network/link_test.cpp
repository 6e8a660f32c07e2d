// The CAF layer on its own: system setup, and a remote link that finds a published actor again
// after it was replaced (a coordinator restart).
#include <gtest/gtest.h>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "runtime/base/link/backoff.hpp"
#include "runtime/base/link/link_atoms.hpp"
#include "runtime/base/link/remote_link.hpp"
#include "runtime/base/link/tls_transport.hpp"

namespace seedgrid::link {
namespace {

TEST(Backoff, DoublesUpToTheMaximumAndResets) {
  Backoff b(100, 700);
  EXPECT_EQ(b.next(), 100u);
  EXPECT_EQ(b.next(), 200u);
  EXPECT_EQ(b.next(), 400u);
  EXPECT_EQ(b.next(), 700u);
  EXPECT_EQ(b.next(), 700u);
  b.reset();
  EXPECT_EQ(b.next(), 100u);
}

// Idle scheduler threads wait instead of polling (CAF's work stealing polls with a syscall every
// 50 us, and the nodes of one machine then compete with each other's polling).
TEST(ActorSystemSetup, IdleSchedulerThreadsWaitOnASharedQueue) {
  caf::actor_system_config cfg;
  configure_actor_system(cfg, config::NetworkSection{});
  caf::actor_system sys(cfg);
  EXPECT_EQ(caf::get_or(sys.config(), "scheduler.policy", caf::atom("stealing")),
            caf::atom("sharing"));
}

TEST(ActorSystemSetup, EnablesHeartbeatsAndTheConnectionTimeout) {
  caf::actor_system_config cfg;
  config::NetworkSection net;
  net.heartbeat_interval_ms = 250;
  net.connection_timeout_ms = 2'000;
  configure_actor_system(cfg, net);
  caf::actor_system sys(cfg);
  EXPECT_EQ(caf::get_or(sys.config(), "middleman.heartbeat-interval", caf::timespan{0}),
            caf::timespan{std::chrono::milliseconds(250)});
  EXPECT_EQ(caf::get_or(sys.config(), "middleman.connection-timeout", caf::timespan{0}),
            caf::timespan{std::chrono::milliseconds(2'000)});
}

caf::behavior echo(caf::event_based_actor*, int id) {
  return {[id](int) { return id; }};
}

TEST(RemoteLink, HandsOverTheNewActorAfterARestart) {
  caf::actor_system_config cfg;
  config::NetworkSection net;
  net.reconnect_initial_ms = 50;
  net.reconnect_max_ms = 200;
  configure_actor_system(cfg, net);
  caf::actor_system sys(cfg);
  caf::scoped_actor self{sys};

  auto first = sys.spawn(echo, 1);
  auto port = publish_actor(sys, first, {"127.0.0.1", 0});
  ASSERT_TRUE(port);
  auto link = spawn_remote_link(sys, self, {"127.0.0.1", *port}, net, "test peer");
  auto ask = [&](const caf::actor& remote) {
    int answer = 0;
    self->request(remote, std::chrono::seconds(5), 0)
        .receive([&](int a) { answer = a; }, [](caf::error&) {});
    return answer;
  };
  caf::actor remote;
  self->receive([&](link_up_atom, const caf::actor& a) { remote = a; },
                caf::after(std::chrono::seconds(10)) >> [] { FAIL() << "no link"; });
  EXPECT_EQ(ask(remote), 1);

  // The peer goes away and another actor is published on the same port.
  ASSERT_TRUE(sys.middleman().unpublish(first, *port));
  caf::anon_send_exit(first, caf::exit_reason::user_shutdown);
  auto second = sys.spawn(echo, 2);
  ASSERT_TRUE(publish_actor(sys, second, {"127.0.0.1", *port}));
  caf::actor again;
  self->receive([&](link_up_atom, const caf::actor& a) { again = a; },
                caf::after(std::chrono::seconds(10)) >> [] { FAIL() << "no reconnect"; });
  EXPECT_EQ(ask(again), 2);
  caf::anon_send_exit(link, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(second, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace seedgrid::link
