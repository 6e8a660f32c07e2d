#include "runtime/base/link/remote_link.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <chrono>

#include "runtime/base/link/backoff.hpp"
#include "runtime/base/link/link_atoms.hpp"
#include "runtime/base/link/tls_transport.hpp"
#include "runtime/base/logging/log.hpp"
#include "runtime/base/protocol/caf_types.hpp"

#include <spdlog/spdlog.h>

namespace seedgrid::link {

namespace {

// The link's own timer: connect (again) after the back-off.
using remote_link_actor = caf::typed_actor<caf::reacts_to<reconnect_atom>>;

struct LinkState {
  // Not an aggregate: CAF would otherwise build the state from the actor's own pointer (its first
  // member, a handle of another interface, cannot take it).
  LinkState() = default;
  link_owner_actor owner;
  config::Endpoint endpoint;
  Backoff backoff{200, 5'000};
  std::string what;
  caf::actor remote;
  bool logged_failure = false;
  static inline const char* name = "seedgrid.link";
};

remote_link_actor::behavior_type remote_link(remote_link_actor::stateful_pointer<LinkState> self,
                                             caf::actor owner, config::Endpoint endpoint,
                                             config::NetworkSection network, std::string what,
                                             std::string peer_key) {
  auto& s = self->state;
  // The boundary: every owner (coordinator, worker, validator, client session, tests) takes
  // (link_up, caf::actor).
  s.owner = caf::actor_cast<link_owner_actor>(owner);
  s.endpoint = std::move(endpoint);
  s.backoff = Backoff(network.reconnect_initial_ms, network.reconnect_max_ms);
  s.what = std::move(what);
  expect_peer(self->system(), s.endpoint, std::move(peer_key));
  self->monitor(owner);
  self->set_down_handler([self](const caf::down_msg& dm) {
    auto& st = self->state;
    if (dm.source == st.owner.address()) {
      self->quit();
      return;
    }
    if (dm.source != st.remote.address()) return;
    logging::logger("node")->warn("lost the {} at {} ({}); reconnecting", st.what,
                                  st.endpoint.text(), caf::to_string(dm.reason));
    st.remote = nullptr;
    st.backoff.reset();
    self->delayed_send(self, std::chrono::milliseconds(st.backoff.next()), reconnect_atom::value);
  });
  self->send(self, reconnect_atom::value);
  return {
      [self](reconnect_atom) {
        auto mm = network_actor(self->system());
        const auto& ep = self->state.endpoint;
        // No request timeout: CAF 0.17 keeps a pending timeout of the middleman's answer alive and
        // the actor system waits for it at shutdown. A connect that cannot complete fails on its
        // own (refused, or the OS's TCP connect timeout) and is retried after the back-off.
        self->request(mm, caf::infinite, caf::connect_atom::value, ep.host, ep.port)
            .then(
                [self](const caf::node_id&, caf::strong_actor_ptr& ptr,
                       const std::set<std::string>&) {
                  auto& st = self->state;
                  if (!ptr) {
                    self->delayed_send(self, std::chrono::milliseconds(st.backoff.next()),
                                       reconnect_atom::value);
                    return;
                  }
                  st.remote = caf::actor_cast<caf::actor>(ptr);
                  st.backoff.reset();
                  st.logged_failure = false;
                  self->monitor(st.remote);
                  logging::logger("node")->info("connected to the {} at {}", st.what,
                                                st.endpoint.text());
                  self->send(st.owner, link_up_atom::value, st.remote);
                },
                [self](caf::error& err) {
                  auto& st = self->state;
                  if (!st.logged_failure) {
                    // A refused connect answers at once; only a silent host costs the probe's
                    // half second, once per outage.
                    logging::logger("node")->warn(
                        "{}; retrying", connect_failure(self->system(), st.what, st.endpoint, err,
                                                        std::chrono::milliseconds(500)));
                    st.logged_failure = true;
                  }
                  self->delayed_send(self, std::chrono::milliseconds(st.backoff.next()),
                                     reconnect_atom::value);
                });
      },
  };
}

}  // namespace

caf::actor spawn_remote_link(caf::actor_system& system, const caf::actor& owner,
                             const config::Endpoint& endpoint,
                             const config::NetworkSection& network, std::string what,
                             std::string peer_key) {
  return caf::actor_cast<caf::actor>(
      system.spawn(remote_link, owner, endpoint, network, std::move(what), std::move(peer_key)));
}

void configure_actor_system(caf::actor_system_config& config,
                            const config::NetworkSection& network,
                            std::shared_ptr<const Identity> identity) {
  config.load<caf::io::middleman>();
  if (!network.insecure) load_tls_transport(config, std::move(identity));
  config.set("middleman.heartbeat-interval",
             caf::timespan{std::chrono::milliseconds(network.heartbeat_interval_ms)});
  config.set("middleman.connection-timeout",
             caf::timespan{std::chrono::milliseconds(network.connection_timeout_ms)});
  // CAF's own logger stays quiet; seedgrid logs through spdlog.
  config.set("logger.verbosity", caf::atom("quiet"));
  // Work sharing: idle scheduler threads wait on one queue's condition variable. CAF's default,
  // work stealing, has idle threads poll with sleeps of 50 us, a syscall each, which on 2 cores
  // took a third of the CPU of a coordinator, treasury and workers under load and left the nodes
  // of one machine competing with each other's polling (bench/RESULTS.md, "Dispatch": loopback
  // dispatch 426 -> 1,982 jobs/s with 10 worker nodes, CPU per job less than half).
  config.set("scheduler.policy", caf::atom("sharing"));
  protocol::add_message_types(config);
}

}  // namespace seedgrid::link
