#pragma once
// A cheating worker over real processes, judged the whole way: the coordinator hands its results
// to a validator's AuditRunner, the verdict names the audit that caught it, the stake is slashed
// once per failed verdict, and the job is re-run on an honest worker and paid once (never to the
// cheater) — or, with no honest worker, refunded to the client.
#include <string>
#include <vector>

#include "actors/treasury/ledger.hpp"
#include "tests/integration/network/network_harness.hpp"

namespace seedgrid::testing {

// Worker 0 runs `cheat` beside an honest, staked worker 1; every result audited; one failed verdict
// blacklists.
NetworkOptions cheater_beside_honest(const std::string& cheat);

// The client's "audit failed" retry events.
std::vector<protocol::ClientEvent> audit_failures(Collected& got);
// Ledger entries of `op` ("slash", "release", ...) whose request names `account` as the worker.
std::size_t entries_naming(const std::vector<treasury::JournalEntry>& history,
                           const std::string& op, const std::string& account);
// Jobs the ledger settled to `account` as their worker (lone or in a group of a hold's jobs).
std::size_t jobs_settled_to(const std::vector<treasury::JournalEntry>& history,
                            const std::string& account);
// Whether a verdict's summary "(noise pass, step 5 fail, decode pass — ...)" has `audit` failing.
bool verdict_fails(const std::string& reason, const std::string& audit);

// Worker 0 runs `cheat` beside an honest worker 1; every result is audited (`steps` per job).
// Expects the `audit` audit to fail every verdict on the cheater, one slash per verdict and none
// for the honest worker, every delivered image the honest one, and each job settled once: to the
// honest worker, or to the cheater for at most `honest_jobs_of_the_cheater` jobs it rendered
// honestly (replayed_image renders its first job honestly, to have something to replay).
void expect_caught(const std::string& cheat, const std::string& audit, std::uint32_t steps = 8,
                   std::uint32_t honest_jobs_of_the_cheater = 0);

// Worker 0 runs `cheat` and is the only worker: every attempt of every job fails `audit` until the
// attempts run out; each job is then refunded (never settled) and each failed verdict slashed once.
void expect_refunded(const std::string& cheat, const std::string& audit, std::uint32_t steps = 8);

}  // namespace seedgrid::testing
