#pragma once
// Registers every protocol message type with an actor system config, under a stable name, so CAF
// can serialize it between nodes. Every node (and every in-process test system) calls this once.
namespace caf {
class actor_system_config;
}

namespace seedgrid::protocol {
void add_message_types(caf::actor_system_config& config);
}
