#pragma once
// The network pieces the loopback benchmarks (bench/dispatch, bench/gateway) share: the tiny model
// they render, a coordinator+treasury node whose ledger has already funded one client, and worker
// nodes linked to it.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "config/node_config.hpp"
#include "models/result.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/node/node.hpp"

namespace seedgrid::bench {

struct BenchModel {
  std::string path;  // the checkpoint
  std::string id;    // its model id
};

// The `tiny` preset (seed 1) written under DIR/tiny.
Result<BenchModel> tiny_model(const std::filesystem::path& dir);

// Where a coordinator+treasury node keeps its ledger and journal: files in its folder when
// empty, or these locations (postgres_stores).
struct Stores {
  std::string ledger, journal;
};

// Where a node in `dir` keeps them when given no other Stores: the ledger in its data folder, the
// journal at its default place there.
Stores stores_in(const std::filesystem::path& dir);

// A ledger and a journal on the PostgreSQL server `server_uri`, each in a schema of its own made
// afresh (`name`_ledger, `name`_journal).
Result<Stores> postgres_stores(const std::string& server_uri, const std::string& name);

// A coordinator+treasury node keeping its key, journal and ledger in `dir` (or `stores`),
// listening on 127.0.0.1:`port` (0: any free port), serving `model` with the benchmark task types,
// no audits, no fast-tier stake, and `client`'s ledger account funded with 1,000,000 tokens. With
// `gateway`, the node also holds the HTTP gateway role, in front of its own coordinator.
Result<std::unique_ptr<node::Node>> funded_coordinator_node(
    const std::filesystem::path& dir, const BenchModel& model, const Identity& client,
    std::uint16_t port, const config::NetworkSection& network,
    const config::GatewaySection* gateway = nullptr, const Stores& stores = {});

// A worker node keeping its key in `key_file`, linked to the coordinator on 127.0.0.1:`port`,
// rendering `model` on one thread with the benchmark task types; `max_batch` and `max_inflight`
// left at their defaults when 0.
Result<std::unique_ptr<node::Node>> worker_node(const std::filesystem::path& key_file,
                                                const BenchModel& model, std::uint16_t port,
                                                const config::NetworkSection& network,
                                                std::uint32_t max_batch = 0,
                                                std::uint32_t max_inflight = 0);

}  // namespace seedgrid::bench
