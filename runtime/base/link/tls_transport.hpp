#pragma once
// TLS on every link between nodes (ARCHITECTURE.md, "Links between nodes"). Every connection a
// node opens or accepts runs TLS 1.3 with both sides presenting their node certificate
// (node_certificate.hpp); a peer whose certificate does not certify an Ed25519 node key, or whose
// key is not the one this node pinned for that address, is refused before any byte reaches CAF's
// BASP layer, and the refusal is logged with the address and the reason. Before a peer has
// authenticated, a listener holds at most kMaxUnauthenticatedPerAddress of its connections and reads
// at most kMaxBytesBeforeAuthentication bytes from each.
//
// It replaces the middleman actor (the actor that opens CAF's connections and listeners) with one
// whose connections run TLS; network_actor() answers it, or CAF's plain one under
// network.insecure. Nodes and clients reach it through configure_actor_system (remote_link.hpp),
// publish_actor and remote_actor.
#include <caf/fwd.hpp>

#include <chrono>
#include <string_view>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "config/node_config.hpp"
#include "runtime/base/crypto/identity.hpp"

namespace seedgrid::link {

inline constexpr std::size_t kMaxUnauthenticatedPerAddress = 8;
inline constexpr std::size_t kMaxBytesBeforeAuthentication = 64 * 1024;
inline constexpr int kHandshakeSeconds = 10;

// Loads the TLS transport into `config`: the actor system built from it talks TLS as `identity`.
void load_tls_transport(caf::actor_system_config& config, std::shared_ptr<const Identity> identity);

// The actor that opens connections and listeners for `system` (a caf::io::middleman_actor).
caf::actor network_actor(caf::actor_system& system);

// The node id the peer at `endpoint` must hold (checked against its certificate's key when this
// node connects there); empty: any node that proves its key, unless an earlier call pinned one.
// No effect under network.insecure.
void expect_peer(caf::actor_system& system, const config::Endpoint& endpoint, std::string node_id);

// Why this node refused the last link it opened to `endpoint` in the TLS handshake (the peer's
// certificate holds another key than the pinned one, the peer does not speak TLS, ...); empty when
// it was not refused, or once a later link there authenticated.
std::string refusal_from(caf::actor_system& system, const config::Endpoint& endpoint);

// What to tell a person when connecting to the `what` at `endpoint` failed with `error`: the TLS
// refusal when there was one, else why the endpoint cannot be reached (reachability.hpp; probes it
// for at most `probe_timeout`), else CAF's own words.
std::string connect_failure(caf::actor_system& system, std::string_view what,
                            const config::Endpoint& endpoint, const caf::error& error,
                            std::chrono::milliseconds probe_timeout = std::chrono::seconds(2));

// The node id whose certificate the link of `peer` (a CAF node that connected to this one) proved;
// empty when there is none: plain TCP, a node this one connected to, an actor of this process.
// Every message from that CAF node came over that link (basp_inbound.hpp refuses routed ones).
std::string linked_node_id(caf::actor_system& system, const caf::node_id& peer);

// Publishes `actor` on `where` (TLS unless insecure); the port it listens on.
caf::expected<std::uint16_t> publish_actor(caf::actor_system& system, const caf::actor& actor,
                                           const config::Endpoint& where);

// The actor published at `endpoint`, connecting there if needed; `node_id` as in expect_peer.
caf::expected<caf::actor> remote_actor(caf::actor_system& system, const config::Endpoint& endpoint,
                                       std::string node_id = {});

}  // namespace seedgrid::link
