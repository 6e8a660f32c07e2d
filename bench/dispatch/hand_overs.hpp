#pragma once
// What one hand-over between threads costs on this machine: the floor under the per-job overhead
// dispatch_bench's part 2 reports. A lone image's path is a chain of hand-overs (client ->
// coordinator -> treasury -> coordinator -> worker -> its render thread -> ... ; ARCHITECTURE.md,
// docs/coordinator-speed.md), so the same path costs more on a machine whose threads wake slowly
// than on one whose threads wake fast, and a figure is read against this floor.
// Each figure is the median one-way time of `round_trips` ping-pongs (half a round trip):
// two plain threads on a condition variable (the operating system's floor); two actors in one
// actor system configured as a node's (work sharing: the sending thread often runs the receiver
// itself); an actor and a detached one (the treasury, a worker's render loop: a wake-up each way);
// and two actors in two actor systems over 127.0.0.1 (TLS unless `network.insecure`): what one
// link hop of the path costs, with a small message and with a 512 x 512 image's bytes.
#include "config/node_config.hpp"

namespace seedgrid::bench {

// Prints the figures as a Markdown table.
void print_hand_overs(const config::NetworkSection& network, int round_trips);

}  // namespace seedgrid::bench
