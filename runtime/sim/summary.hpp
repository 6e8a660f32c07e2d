#pragma once
// What a simulated run measured, all in virtual time and ledger micro-units: a function of the
// scenario and the seed (host time is reported apart, by whoever timed the run).
#include <cstdint>
#include <string>
#include <vector>

namespace seedgrid::sim {

struct BatchOutcome {
  std::uint64_t images = 0;
  std::uint32_t requests = 0;
  std::string tier;
  std::int64_t submitted_ms = 0;
  std::int64_t rendered_ms = 0;   // the last result accepted by the coordinator
  std::int64_t delivered_ms = 0;  // the last request's completed event (audits included)
  double expect_s = 0.0;          // the scenario's reference figure; 0: none
};

struct CheaterOutcome {
  std::string worker;  // node id, 16 hex
  std::string kind;
  double detection = 0.0;       // per audited job, for the validators this network has
  std::uint64_t cheats = 0;     // cheated results the coordinator accepted
  std::uint64_t bound = 0;      // the invariant's limit on cheats before the blacklist
  std::int64_t caught_ms = -1;  // blacklisted at; -1: not (yet)
};

// Where the routing sent the work: per worker group of the scenario.
struct GroupOutcome {
  std::string name;
  std::uint32_t workers = 0;
  std::uint64_t results = 0;  // results the coordinator accepted from the group
  double utilisation = 0.0;   // busy render time / (workers x makespan)
};

// One coordinator's share of the run.
struct CoordinatorOutcome {
  std::uint64_t requests = 0;  // requests it owned
  std::uint64_t calls = 0;     // messages its core handled
  double busy = 0.0;           // its thread's busy time / virtual time to the last request's end
};

struct MoneyFlows {
  std::int64_t deposited = 0;  // credits the users started with
  std::int64_t held = 0;       // escrowed at submit
  std::int64_t worker_paid = 0;
  std::int64_t creator_paid = 0;
  std::int64_t platform_fee = 0;
  std::int64_t burned = 0;
  std::int64_t refunded = 0;  // refunds, cancel refunds and released holds
  std::int64_t tokens_slashed = 0;
  std::int64_t validator_bounty = 0;
};

struct Summary {
  std::string scenario;
  std::uint64_t seed = 0;
  std::uint32_t workers = 0;
  std::uint32_t validators = 0;
  std::uint64_t requests = 0;
  std::uint64_t requests_refused = 0;
  std::uint64_t jobs = 0;
  std::uint64_t delivered = 0;
  std::uint64_t failed = 0;
  std::uint64_t cancelled = 0;
  std::uint64_t retries = 0;
  std::uint64_t crashes = 0;
  std::uint64_t disconnects = 0;     // workers cut off by partitions
  std::uint64_t departures = 0;      // workers that left for good
  std::uint64_t validator_cuts = 0;  // validators cut off by partitions
  std::uint64_t treasury_cuts = 0;   // partitions between the coordinator and the treasury
  std::uint64_t orders_lost = 0;     // ledger orders (or their receipts) lost to those cuts
  std::uint64_t audits = 0;
  std::uint64_t busy_refusals = 0;     // jobs a worker refused: its slots held other coordinators'
  std::int64_t makespan_ms = 0;        // first submit to the last request's end
  double utilisation = 0.0;            // busy render time / (workers x makespan)
  std::int64_t queue_wait_p50_ms = 0;  // request submitted to its job's first dispatch
  std::int64_t queue_wait_p99_ms = 0;
  double requests_per_s = 0.0;
  double images_per_s = 0.0;
  double audit_cost_share = 0.0;  // validator busy time / worker busy time
  std::vector<BatchOutcome> batches;
  std::vector<GroupOutcome> groups;
  std::vector<CheaterOutcome> cheaters;
  std::vector<CoordinatorOutcome> coordinators;
  MoneyFlows money;
  std::uint64_t events = 0;
  std::uint64_t invariant_checks = 0;
};

// Several lines of text; equal summaries print equal text.
std::string format_summary(const Summary& s);

}  // namespace seedgrid::sim
