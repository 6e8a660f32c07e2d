#pragma once
// The properties every simulated run must keep, checked on the real coordinator core and the real
// ledger together with what the simulation saw go by (client events, treasury receipts). A
// broken one is an error naming the invariant, the seed and the virtual time, so the run replays.
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "models/result.hpp"
#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/protocol/client_event.hpp"

namespace seedgrid::coordinator {
class CoordinatorCore;
}
namespace seedgrid::treasury {
class Ledger;
}

namespace seedgrid::sim {

// What went by on the wire, per job id ("<request>/<index>") and per request id.
struct Observed {
  std::map<std::string, std::uint32_t> deliveries;  // result events sent to the client
  std::map<std::string, std::uint32_t> payments;    // applied settle, pay_cancelled, refund
  std::set<std::string> accepted;                   // requests the coordinator accepted
  std::set<std::string> ended;                      // requests whose completed event went out
};

struct WorkerFacts {
  PublicKey key;
  std::string account;
  bool honest = true;
  std::int64_t staked = 0;   // bonded before the run
  std::uint64_t cheats = 0;  // cheated results the coordinator accepted
  std::uint64_t bound = 0;   // a cheater's limit on them before its blacklisting; 0: none
};

struct InvariantInputs {
  std::vector<const coordinator::CoordinatorCore*> cores;  // every coordinator of the network
  const treasury::Ledger& ledger;
  const Observed& observed;
  const std::vector<WorkerFacts>& workers;
  std::uint64_t seed = 0;
  std::int64_t now_ms = 0;
};

// Throughout a run: ledger conservation, no job delivered or paid twice, no honest worker slashed,
// every cheater blacklisted within its bound.
Result<void> check_running(const InvariantInputs& in);
// When a request's completed event goes out: its counts account for every one of its `jobs` (none
// lost) and its escrow hold is released. Checked then, because the core keeps only the most
// recent finished requests in memory, as a real coordinator does.
Result<void> check_request_end(const InvariantInputs& in, const protocol::ClientEvent& completed,
                               std::uint32_t jobs);
// At the end, in addition: every accepted request ended (each was checked as it did), every job of
// a request still in the core final, no credit left in escrow.
Result<void> check_final(const InvariantInputs& in);

// How many cheated results a cheater may get accepted before the coordinator blacklists it:
// expected = blacklist_after / (audit rate x detection x share of jobs cheated), at the base
// audit rate (new and low-reputation workers are audited more, never less); the bound is four
// times that plus 20, far in the tail of the negative binomial. 0 when nothing can catch it.
std::uint64_t cheater_bound(std::uint32_t blacklist_after, double audit_rate, double detection,
                            double share);

}  // namespace seedgrid::sim
