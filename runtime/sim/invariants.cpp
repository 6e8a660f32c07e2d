#include "runtime/sim/invariants.hpp"

#include <algorithm>
#include <cmath>

#include "actors/coordinator/coordinator_core.hpp"
#include "actors/treasury/ledger.hpp"

namespace seedgrid::sim {

namespace {

std::unexpected<Error> broken(const InvariantInputs& in, std::string_view invariant,
                              const std::string& detail) {
  return fail("invariant '", invariant, "' broken at virtual time ", in.now_ms, " ms (seed ",
              in.seed, "): ", detail, "; replay with --seed ", in.seed);
}

Result<void> conservation(const InvariantInputs& in) {
  auto assets = in.ledger.conservation();
  if (!assets) return broken(in, "ledger conservation", "unreadable: " + assets.error().message);
  for (const auto& a : *assets)
    if (!a.holds_exactly())
      return broken(in, "ledger conservation",
                    std::string(a.asset == treasury::Asset::credits ? "credits" : "tokens") +
                        ": balances " + std::to_string(a.balances) + " + stakes " +
                        std::to_string(a.stakes) + " + holds " + std::to_string(a.holds) +
                        " + burned " + std::to_string(a.burned) + " != minted " +
                        std::to_string(a.minted));
  return {};
}

Result<void> once_each(const InvariantInputs& in) {
  for (const auto& [job, n] : in.observed.deliveries)
    if (n > 1)
      return broken(in, "no job delivered twice",
                    "job " + job + " was delivered " + std::to_string(n) + " times");
  for (const auto& [job, n] : in.observed.payments)
    if (n > 1)
      return broken(in, "no job paid twice",
                    "job " + job + " was settled, paid or refunded " + std::to_string(n) +
                        " times in the ledger");
  return {};
}

Result<void> workers(const InvariantInputs& in) {
  for (const auto& w : in.workers) {
    if (w.honest) {
      auto stake = in.ledger.stake_of(w.account);
      if (!stake) return broken(in, "no honest worker slashed", stake.error().message);
      std::int64_t total = stake->bonded;
      for (const auto& u : stake->unbonding) total += u.amount;
      if (total != w.staked)
        return broken(in, "no honest worker slashed",
                      "honest worker " + w.account + " staked " + std::to_string(w.staked) +
                          " and holds " + std::to_string(total));
      continue;
    }
    if (w.bound == 0 || w.cheats <= w.bound) continue;
    // One coordinator's blacklisting is the network's: the others hear of it through the ledger.
    const bool banned = std::any_of(in.cores.begin(), in.cores.end(), [&](const auto* core) {
      const auto* n = core->nodes().find(w.key);
      return n != nullptr && n->blacklisted;
    });
    if (!banned)
      return broken(in, "every cheater blacklisted within its bound",
                    "cheater " + w.account + " got " + std::to_string(w.cheats) +
                        " cheated results accepted (bound " + std::to_string(w.bound) +
                        ") and is not blacklisted");
  }
  return {};
}

}  // namespace

std::uint64_t cheater_bound(std::uint32_t blacklist_after, double audit_rate, double detection,
                            double share) {
  const double p = audit_rate * detection * share;
  if (p <= 0.0 || blacklist_after == 0) return 0;
  return static_cast<std::uint64_t>(std::ceil(4.0 * blacklist_after / p)) + 20;
}

Result<void> check_running(const InvariantInputs& in) {
  if (auto r = conservation(in); !r) return r;
  if (auto r = once_each(in); !r) return r;
  return workers(in);
}

Result<void> check_request_end(const InvariantInputs& in, const protocol::ClientEvent& completed,
                               std::uint32_t jobs) {
  const std::string& id = completed.request_id;
  const std::uint64_t accounted =
      std::uint64_t{completed.delivered} + completed.failed + completed.cancelled;
  if (accounted != jobs)
    return broken(in, "no job lost",
                  "request " + id + " completed with " + std::to_string(completed.delivered) +
                      " delivered, " + std::to_string(completed.failed) + " failed and " +
                      std::to_string(completed.cancelled) + " cancelled of its " +
                      std::to_string(jobs) + " jobs");
  auto hold = in.ledger.hold_for_request(id);
  if (!hold) return broken(in, "escrow holds released", hold.error().message);
  if (*hold && !(*hold)->released)
    return broken(in, "escrow holds released",
                  "request " + id + " completed and its hold still holds " +
                      std::to_string((*hold)->remaining));
  return {};
}

Result<void> check_final(const InvariantInputs& in) {
  if (auto r = check_running(in); !r) return r;
  for (const auto& id : in.observed.accepted) {
    if (!in.observed.ended.contains(id))
      return broken(in, "every request ends", "request " + id + " never completed");
    const coordinator::RequestState* r = nullptr;
    for (const auto* core : in.cores)
      if (r == nullptr) r = core->request(id);
    if (r == nullptr) continue;  // finished long ago: checked when it completed
    for (const auto& j : r->jobs)
      if (!coordinator::is_final(j.phase))
        return broken(in, "no job lost",
                      "job " + id + "/" + std::to_string(j.index) + " ended the run " +
                          std::string(coordinator::job_phase_name(j.phase)));
  }
  auto assets = in.ledger.conservation();
  if (assets)
    for (const auto& a : *assets)
      if (a.asset == treasury::Asset::credits && a.holds != 0)
        return broken(in, "escrow holds released",
                      std::to_string(a.holds) + " credits are still in escrow at the end");
  return {};
}

}  // namespace seedgrid::sim
