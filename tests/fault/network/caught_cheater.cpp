#include "caught_cheater.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "actors/treasury/settle_group.hpp"

namespace seedgrid::testing {

using protocol::ErrorCode;
using protocol::EventKind;

NetworkOptions cheater_beside_honest(const std::string& cheat) {
  NetworkOptions o;
  o.workers = 2;
  o.audit_rate = 1.0;
  o.blacklist_after = 1;
  o.stake_workers = true;
  o.worker_faults[0] = cheat;
  return o;
}

std::vector<protocol::ClientEvent> audit_failures(Collected& got) {
  std::lock_guard lock(got.mutex);
  std::vector<protocol::ClientEvent> out;
  for (const auto& e : got.events)
    if (e.kind == EventKind::retry && e.code == ErrorCode::audit_failed) out.push_back(e);
  return out;
}

std::size_t entries_naming(const std::vector<treasury::JournalEntry>& history,
                           const std::string& op, const std::string& account) {
  std::size_t n = 0;
  for (const auto& e : history)
    n += e.op == op && e.request.find("worker=" + account) != std::string::npos;
  return n;
}

std::size_t jobs_settled_to(const std::vector<treasury::JournalEntry>& history,
                            const std::string& account) {
  std::size_t n = 0;
  for (const auto& e : history)
    for (const auto& job : treasury::settled_jobs(e)) n += job.worker == account;
  return n;
}

bool verdict_fails(const std::string& reason, const std::string& audit) {
  const auto said = reason.find("audited the result");
  if (said == std::string::npos) return false;
  const auto open = reason.find('(', said), dash = reason.find(" — ", said);
  if (open == std::string::npos || dash == std::string::npos) return false;
  const std::string summary = reason.substr(open + 1, dash - open - 1);
  for (std::size_t at = 0; at < summary.size();) {
    const auto end = std::min(summary.find(", ", at), summary.size());
    const std::string item = summary.substr(at, end - at);
    if (item.rfind(audit, 0) == 0 && item.ends_with(" fail")) return true;
    at = end + 2;
  }
  return false;
}

namespace {

// Verdicts on the cheater (not the blacklisting or give-up events that may follow), each of which
// must name `audit` failing.
std::size_t failed_verdicts(Collected& got, const PublicKey& cheater, const std::string& cheat,
                            const std::string& audit) {
  std::size_t verdicts = 0;
  for (const auto& f : audit_failures(got)) {
    if (f.reason.find("audited the result") == std::string::npos) continue;
    EXPECT_EQ(f.worker, cheater) << "an honest worker failed: " << f.reason;
    EXPECT_TRUE(verdict_fails(f.reason, audit))
        << "the " << audit << " audit catches " << cheat << ": " << f.reason;
    ++verdicts;
  }
  return verdicts;
}

// Waits for one slash per verdict, then for the ledger to settle (a late duplicate is counted).
std::vector<treasury::JournalEntry> history_after_slashes(const Network& net,
                                                          const std::string& cheater_account,
                                                          std::size_t verdicts) {
  for (int i = 0; i < 600 && slashes_of(ledger_history(net), cheater_account) < verdicts; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  return settled_history(net);
}

}  // namespace

void expect_caught(const std::string& cheat, const std::string& audit, std::uint32_t steps,
                   std::uint32_t honest_jobs_of_the_cheater) {
  Network net(cheater_beside_honest(cheat));
  net.start();
  constexpr std::uint32_t kJobs = 6;
  const auto request = net.request(cheat, kJobs, steps);
  Collected got;
  auto outcome = run_request(net, request, got);
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
  EXPECT_EQ(outcome->completed.delivered, kJobs);
  const PublicKey cheater = net.worker_identity(0).public_key();
  const std::size_t verdicts = failed_verdicts(got, cheater, cheat, audit);
  EXPECT_GT(verdicts, 0u) << cheat << " was never caught";
  std::uint32_t from_cheater = 0;  // honest jobs of the cheater, audited and passed
  for (const auto& [index, e] : got.results) {
    from_cheater += e.worker == cheater;
    EXPECT_EQ(e.audit, "passed") << "job " << index;
    EXPECT_EQ(e.pixels, reference_pixels(request, index)) << "job " << index;
  }
  EXPECT_LE(from_cheater, honest_jobs_of_the_cheater) << "jobs delivered from the cheater";
  // The cheater appeals; with no second validator the verdict stands and the slash goes out.
  const std::string cheater_account = "worker:" + net.worker_identity(0).node_id();
  const std::string honest_account = "worker:" + net.worker_identity(1).node_id();
  const auto history = history_after_slashes(net, cheater_account, verdicts);
  net.stop();
  EXPECT_EQ(slashes_of(history, cheater_account), verdicts) << "each failed verdict slashed once";
  EXPECT_EQ(slashes_of(history, honest_account), 0u);
  // Paid once per job, to the honest worker; never for the cheated attempt.
  expect_each_job_settled_once(net.ledger_path(), request.request_id, kJobs);
  EXPECT_EQ(jobs_settled_to(history, cheater_account), from_cheater)
      << "the cheater was paid for a cheated job";
  EXPECT_EQ(jobs_settled_to(history, honest_account), kJobs - from_cheater);
}

void expect_refunded(const std::string& cheat, const std::string& audit, std::uint32_t steps) {
  NetworkOptions o;
  o.workers = 1;
  o.audit_rate = 1.0;
  o.blacklist_after = 100;  // every attempt reaches the cheater, until the attempts run out
  o.stake_workers = true;
  o.worker_faults[0] = cheat;
  Network net(o);
  net.start();
  constexpr std::uint32_t kJobs = 2;
  const auto request = net.request(cheat + "-alone", kJobs, steps);
  Collected got;
  auto outcome = run_request(net, request, got);
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(outcome->reply.ok()) << outcome->reply.reason;
  EXPECT_EQ(outcome->completed.delivered, 0u);
  EXPECT_EQ(outcome->completed.failed, kJobs);
  EXPECT_GT(outcome->completed.refunded, 0);
  EXPECT_EQ(outcome->completed.total_charged, 0);
  EXPECT_TRUE(got.results.empty()) << "a cheated image reached the client";
  const PublicKey cheater = net.worker_identity(0).public_key();
  // Every attempt of every job was audited and failed (retries.max_attempts is 3): the first two
  // verdicts come as retries, the last in the job's failure, which names the refund.
  std::size_t verdicts = failed_verdicts(got, cheater, cheat, audit);
  EXPECT_EQ(verdicts, kJobs * 2);
  {
    std::lock_guard lock(got.mutex);
    for (const auto& e : got.events) {
      if (e.kind != protocol::EventKind::failed || e.index == protocol::kAllJobs) continue;
      EXPECT_EQ(e.code, ErrorCode::attempts_exhausted) << e.reason;
      EXPECT_NE(e.reason.find("failed after 3 attempt(s), refunded"), std::string::npos)
          << e.reason;
      EXPECT_TRUE(verdict_fails(e.reason, audit)) << e.reason;
      verdicts += verdict_fails(e.reason, audit);
    }
  }
  EXPECT_EQ(verdicts, kJobs * 3);
  const std::string cheater_account = "worker:" + net.worker_identity(0).node_id();
  const auto history = history_after_slashes(net, cheater_account, verdicts);
  net.stop();
  EXPECT_EQ(slashes_of(history, cheater_account), verdicts) << "each failed verdict slashed once";
  EXPECT_EQ(jobs_settled_to(history, cheater_account), 0u) << "the cheater was paid";
  std::size_t refunds = 0;
  for (const auto& e : history) refunds += e.op == "refund";
  EXPECT_EQ(refunds, kJobs) << "each job refunded once";
  EXPECT_TRUE(settlements_by_job(net.ledger_path()).empty());  // and every asset conserved
}

}  // namespace seedgrid::testing
