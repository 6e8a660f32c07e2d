#pragma once
// Keeps a node connected to an actor published on another node (a coordinator, a treasury): the
// link actor connects through CAF's middleman, hands the remote actor to its owner as
// (link_up, caf::actor), watches it, and when it goes down (the node died, or the middleman's
// heartbeats declared the connection dead) connects again with back-off and hands over the new
// handle. The owner monitors the handle itself to learn of the loss. The owner must keep the
// returned handle (an actor nobody refers to is destroyed); the link quits when its owner does.
// The owner accepts link::link_owner_actor (link_atoms.hpp) and casts the handle to the peer's
// typed interface (runtime/base/protocol/interfaces/) as it arrives.
#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>

#include "config/node_config.hpp"
#include "runtime/base/crypto/identity.hpp"

namespace seedgrid::link {

// `peer_key`: the node id the peer must hold (its TLS certificate's key); empty: any node.
caf::actor spawn_remote_link(caf::actor_system& system, const caf::actor& owner,
                             const config::Endpoint& endpoint,
                             const config::NetworkSection& network, std::string what,
                             std::string peer_key = {});

// Sets up an actor system config for a seedgrid node: the middleman (network layer) with its
// heartbeats and connection timeout from `network`, TLS as `identity` unless network.insecure
// (no identity: a fresh key, for a client that signs nothing), and every protocol message type.
void configure_actor_system(caf::actor_system_config& config,
                            const config::NetworkSection& network,
                            std::shared_ptr<const Identity> identity = nullptr);

}  // namespace seedgrid::link
