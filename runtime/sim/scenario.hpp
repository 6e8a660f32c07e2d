#pragma once
// A simulated network and what its users ask of it, read from a JSON file
// (deployments/scenarios/*.json; runtime/sim/README.md lists every key). Errors name the JSON path
// of each problem; unknown keys are refused, so a misspelt key is never silently a default.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/node_config.hpp"
#include "models/result.hpp"

namespace seedgrid::sim {

// Workers of this group cheat on `share` of their jobs with `kind` (cheat_detection.hpp).
struct CheaterGroup {
  std::string kind;
  std::uint32_t count = 0;
  double share = 1.0;
};

struct WorkerGroup {
  std::string name;
  std::uint32_t count = 0;
  std::string determinism_class = "gpu";
  double seconds_per_image = 4.0;  // mean render time of the scenario's image
  double speed_spread = 0.0;       // sigma of the lognormal factor of each worker's speed
  double jitter = 0.0;             // sigma of the lognormal factor of each render
  bool fast = true;                // tiers it serves
  bool relaxed = true;
  std::uint32_t max_inflight = 1;
  double crash_per_job = 0.0;        // chance a render ends in a crash (mid-job)
  std::int64_t restart_ms = 30'000;  // a crashed worker registers again after this long
  double straggler_share = 0.0;      // chance a render takes straggler_factor times as long
  double straggler_factor = 4.0;
  std::int64_t link_extra_ms = 0;  // a slow link: added to each message's latency, both ways
  std::int64_t start_ms = 0;  // start-up: each worker registers in [start_ms, +start_spread_ms)
  std::int64_t start_spread_ms = 0;
  // Churn: at leave_ms the last leave_share of the group leave for good (no restart, no return);
  // leave_ms < 0: nobody leaves.
  std::int64_t leave_ms = -1;
  double leave_share = 0.0;
  std::vector<CheaterGroup> cheaters;  // taken from the group's count
};

struct ValidatorGroup {
  std::uint32_t count = 0;
  std::string determinism_class = "gpu";
  double audit_seconds = 0.5;  // one audit (noise, decode, k steps, sometimes a full render)
};

// `images` images in requests of at most `request_size` (the coordinator's limits.max_count caps
// a request), submitted together; `expect_s`: the figure to compare the batch's makespan with.
struct Batch {
  std::uint64_t images = 0;
  std::uint32_t request_size = 500;
  std::string tier = "fast";
  double expect_s = 0.0;
  std::int64_t at_ms = 0;  // when batches are not sequential
};

// A network partition: `share` of each named group's workers (all groups when none is named) lose
// their link to the coordinator at `at_ms` and get it back `duration_ms` later.
// With `treasury`, it is the coordinator's link to the treasury that is cut instead; with
// `validators`, the last `share` of the validators'.
struct Partition {
  std::int64_t at_ms = 0;
  std::int64_t duration_ms = 0;
  double share = 1.0;
  std::vector<std::string> groups;
  bool treasury = false;
  bool validators = false;
};

// Requests arriving at random (exponential gaps), some cancelled after a while.
struct RandomRequests {
  std::uint32_t requests = 0;
  double mean_gap_ms = 1'000.0;
  std::uint32_t count_min = 1;
  std::uint32_t count_max = 8;
  double fast_share = 0.5;
  double cancel_share = 0.0;
  double cancel_after_ms = 5'000.0;  // mean (exponential) time from submit to cancel
};

struct Scenario {
  std::string name;
  std::string description;
  std::uint64_t seed = 1;
  std::uint32_t width = 16;  // the image every request asks for (its pixels travel and are stored)
  std::uint32_t height = 16;
  std::uint32_t steps = 4;
  std::int64_t link_min_ms = 1;  // one-way latency of each node's link, drawn per message
  std::int64_t link_max_ms = 5;
  std::int64_t treasury_ms = 1;  // one way, coordinator to treasury
  std::int64_t tick_ms = 1'000;  // the coordinator's timer tick
  std::uint32_t users = 1;
  std::vector<WorkerGroup> workers;
  std::vector<ValidatorGroup> validators;
  std::vector<Batch> batches;
  bool sequential = true;  // each batch submitted when the one before has ended
  RandomRequests random;
  std::vector<Partition> partitions;
  std::int64_t link_timeout_ms = 5'000;  // a dropped link is noticed by the coordinator this late
  std::uint64_t check_every_events = 50'000;  // invariants checked this often (and at the end)
  // Coordinators sharing the workers, validators and treasury, each owning a partition of the
  // request ids (ARCHITECTURE.md, "Beyond one machine").
  std::uint32_t coordinators = 1;
  // Virtual time each coordinator's one thread spends on each message it handles (0: none); what
  // bounds one coordinator's throughput (bench/RESULTS.md measures the real one).
  std::int64_t coordinator_call_us = 0;
  // With several: a worker idle this long offers a slot to the coordinators it is not homed at.
  std::int64_t offer_after_ms = 1'000;
  config::CoordinatorSection coordinator;  // the node config's coordinator section, overridden
};

// `source` names the text in errors (a path).
Result<Scenario> parse_scenario(std::string_view text, std::string_view source);
Result<Scenario> load_scenario(const std::string& path);

}  // namespace seedgrid::sim
