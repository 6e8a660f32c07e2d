// The fast tier needs the treasury's minimum bonded stake, not only at registration: the
// coordinator asks again every stake_refresh_ms and right after a slash, and routes fast jobs by
// the answer.
#include "tests/unit/coordinator/core_fixture.hpp"

namespace seedgrid::coordinator::testing {
namespace {

using protocol::EventKind;

class StakeRefresh : public CoreFixture {
 protected:
  void SetUp() override {
    min_stake_fast_ = 1;  // any bonded stake at all
    policy_.stake_refresh_ms = 5'000;
    policy_.deadlines.queue_ms = 60'000;
    CoreFixture::SetUp();
  }

  // Tokens from an epoch reward, bonded: the worker's account meets the minimum.
  void bond(const Identity& worker) {
    const std::string account = worker_account(worker.public_key());
    ASSERT_TRUE(ledger_->apply(
        treasury::CloseEpoch{"epoch/" + account, 1, 0, {{account, 1'000, 3'600}}, {}}));
    auto tokens = ledger_->balance(account, treasury::Asset::tokens);
    ASSERT_TRUE(tokens && *tokens > 0);
    bonded_ = *tokens;
    ASSERT_TRUE(ledger_->apply(treasury::Stake{"stake/" + account, 2, account, bonded_}));
  }

  protocol::Capabilities fast_caps() const {
    auto c = worker_caps();
    c.serves_fast = true;
    c.serves_relaxed = true;
    return c;
  }

  protocol::GenerateRequest with_tier(protocol::GenerateRequest r, protocol::Tier tier) const {
    r.tier = tier;
    protocol::sign_request(r, client_);
    return r;
  }

  void tick_by(std::int64_t ms) {
    now_ += ms;
    Outbox out;
    core_->tick(now_, out);
    pump(out);
  }

  std::int64_t bonded_ = 0;
};

TEST_F(StakeRefresh, AWorkerWithoutTheMinimumStakeGetsOnlyRelaxedJobs) {
  register_node(w1_, protocol::Role::worker, fast_caps());
  EXPECT_FALSE(core_->nodes().find(w1_.public_key())->fast_allowed);
  EXPECT_FALSE(submit(with_tier(request("fast", 1), protocol::Tier::fast)).outcome.ok());
  ASSERT_TRUE(submit(with_tier(request("slow", 1), protocol::Tier::relaxed)).outcome.ok());
  auto slow = take_jobs();
  ASSERT_EQ(slow.size(), 1u);
  ASSERT_TRUE(deliver(slow[0], w1_).ok());
  // It bonds a stake: the next refresh lets it serve the fast tier, no re-registration needed.
  bond(w1_);
  tick_by(5'000);
  EXPECT_GE(stake_checks_, 1u);
  EXPECT_TRUE(core_->nodes().find(w1_.public_key())->fast_allowed);
  ASSERT_TRUE(submit(with_tier(request("fast2", 1), protocol::Tier::fast)).outcome.ok());
  EXPECT_EQ(take_jobs().size(), 1u);
}

TEST_F(StakeRefresh, AnUnstakeAfterRegistrationTakesTheFastTierAwayAtTheNextRefresh) {
  bond(w1_);
  register_node(w1_, protocol::Role::worker, fast_caps());
  ASSERT_TRUE(core_->nodes().find(w1_.public_key())->fast_allowed);
  const std::string account = worker_account(w1_.public_key());
  ASSERT_TRUE(ledger_->apply(treasury::Unstake{"unstake/1", 3, account, bonded_}));
  tick_by(1'000);
  EXPECT_TRUE(core_->nodes().find(w1_.public_key())->fast_allowed) << "not before the refresh";
  tick_by(4'000);
  EXPECT_FALSE(core_->nodes().find(w1_.public_key())->fast_allowed);
  // A fast request now finds no fast worker; relaxed work still flows to it.
  EXPECT_EQ(submit(with_tier(request("fast", 1), protocol::Tier::fast)).outcome.code,
            protocol::ErrorCode::no_capable_worker);
  ASSERT_TRUE(submit(with_tier(request("slow", 1), protocol::Tier::relaxed)).outcome.ok());
  EXPECT_EQ(take_jobs().size(), 1u);
  const auto status = core_->status(now_);
  for (const auto& n : status.nodes)
    if (n.node == w1_.public_key()) {
      EXPECT_FALSE(n.fast_tier);
    }
}

TEST_F(StakeRefresh, AStakeTheTreasuryCouldNotTellIsAskedAgainWithinSeconds) {
  policy_.stake_refresh_ms = 60'000;
  open_core();
  // Registered while the treasury was unreachable (a restarted coordinator still reconnecting):
  // relaxed only, and the actor reports the stake as unknown.
  register_node(w1_, protocol::Role::worker, fast_caps());
  ASSERT_FALSE(core_->nodes().find(w1_.public_key())->fast_allowed);
  core_->stake_unknown(w1_.public_key(), now_);
  bond(w1_);
  const std::size_t before = stake_checks_;
  tick_by(1'000);
  EXPECT_EQ(stake_checks_, before) << "not at once: the treasury was just found silent";
  tick_by(1'000);
  EXPECT_GT(stake_checks_, before) << "asked again within seconds, not a refresh (60 s) later";
  EXPECT_TRUE(core_->nodes().find(w1_.public_key())->fast_allowed);
}

TEST_F(StakeRefresh, ASlashIsFollowedByAStakeCheckAtOnce) {
  policy_.audit.rate = 1.0;
  policy_.audit.appeals = false;
  open_core();
  bond(w1_);
  register_node(w1_, protocol::Role::worker, fast_caps());
  register_node(validator_, protocol::Role::validator, worker_caps());
  ASSERT_TRUE(submit(with_tier(request("r1", 1), protocol::Tier::fast)).outcome.ok());
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  ASSERT_TRUE(deliver(jobs[0], w1_, /*wrong=*/true).ok());
  ASSERT_EQ(audits_.size(), 1u);
  const auto& task = audits_[0].task;
  protocol::Verdict v = protocol::verdict_on(task);
  v.outcome = protocol::AuditOutcome::fail;
  protocol::sign_verdict(v, validator_);
  const std::size_t before = stake_checks_;
  Outbox out;
  ASSERT_TRUE(core_->on_verdict(validator_.public_key(), v, now_, out).ok());
  pump(out);
  EXPECT_EQ(stake_checks_, before + 1) << "asked right after the slash, not at the next refresh";
}

// The actor hands the core the treasury's word on a registering worker's stake; the core decides.
TEST_F(StakeRefresh, ARegisteringWorkerServesTheFastTierOnlyWhenTheTreasurySaysItsStakeSuffices) {
  bond(w1_);
  const auto admit = [&](const Identity& id, const StakeWord& word) {
    const auto reg =
        protocol::make_registration(protocol::Role::worker, "w", fast_caps(), core_->hello(now_), id);
    EXPECT_TRUE(core_->verify_registration(reg, now_).ok());
    Outbox out;
    auto ack = core_->admit_with_stake(reg, word, now_, out);
    pump(out);
    return ack;
  };
  const auto staked = admit(
      w1_, {StakeWord::Source::answered, desk_->stake(worker_account(w1_.public_key()))});
  EXPECT_TRUE(staked.fast_tier);
  EXPECT_TRUE(staked.note.empty());
  const auto unstaked = admit(
      w2_, {StakeWord::Source::answered, desk_->stake(worker_account(w2_.public_key()))});
  EXPECT_FALSE(unstaked.fast_tier);
  EXPECT_EQ(unstaked.note, "stake below the fast-tier minimum: relaxed tier only");
  const auto silent = admit(w3_, {StakeWord::Source::silent, {}});
  EXPECT_FALSE(silent.fast_tier);
  EXPECT_EQ(silent.note, "treasury did not answer: relaxed tier only");
  // Asked again within seconds, not a whole refresh later.
  const std::size_t before = stake_checks_;
  tick_by(2'000);
  EXPECT_GT(stake_checks_, before);
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
