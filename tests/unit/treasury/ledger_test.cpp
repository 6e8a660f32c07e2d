#include <gtest/gtest.h>

#include <thread>

#include "actors/treasury/journal.hpp"
#include "actors/treasury/rewards.hpp"
#include "actors/treasury/verify.hpp"
#include "ledger_fixture.hpp"

using namespace seedgrid;
using namespace seedgrid::treasury;
using test::units;

namespace {

class Ledger_ : public test::LedgerFixture {
 protected:
  // Four SD 1.x base renders: 1 credit each.
  static OpenHold four_images(std::string key, std::string request_id,
                              std::string payer = "user:alice") {
    return OpenHold{.key = std::move(key),
                    .at = 100,
                    .payer = std::move(payer),
                    .request_id = std::move(request_id),
                    .request = {.base_render_millis = 43'200,
                                .steps = 20,
                                .width = 512,
                                .height = 512,
                                .tier = Tier::fast,
                                .count = 4}};
  }
  // Gives a worker tokens the only way they come into being: an epoch where it alone served.
  void fund_worker(Ledger& ledger, const std::string& worker, std::int64_t epoch) {
    applied(ledger, CloseEpoch{.key = message_of("epoch/", epoch),
                               .at = 1'000,
                               .epoch = epoch,
                               .workers = {{worker, 1'000, 3'600}}});
  }
};

TEST_F(Ledger_, CreatesGenesisAndReopensWithoutChange) {
  {
    Ledger ledger = open();
    EXPECT_EQ(ledger.head_seq(), 1u);
    auto history = ledger.history("", 10);
    ASSERT_TRUE(history.has_value());
    ASSERT_EQ(history->size(), 1u);
    EXPECT_EQ((*history)[0].op, "genesis");
    EXPECT_NE((*history)[0].request.find(treasury_id.public_key().hex()), std::string::npos);
  }
  Ledger again = open();
  EXPECT_EQ(again.head_seq(), 1u);
  EXPECT_EQ(again.config(), config);
}

TEST_F(Ledger_, JournalsAConfigChange) {
  Digest first_head;
  {
    Ledger ledger = open();
    first_head = ledger.head_hash();
  }
  config.slash_ppm = 250'000;
  Ledger ledger = open();
  EXPECT_EQ(ledger.head_seq(), 2u);
  EXPECT_EQ(ledger.history("", 1)->front().op, "configure");
  EXPECT_EQ(ledger.config().slash_ppm, 250'000);
  auto read_only = Ledger::open_read_only(path);
  ASSERT_TRUE(read_only.has_value());
  EXPECT_EQ(read_only->config().slash_ppm, 250'000);
  EXPECT_NE(ledger.head_hash(), first_head);
}

TEST_F(Ledger_, RefusesAnotherTreasuryKeyAndABadConfig) {
  { Ledger ledger = open(); }
  auto other = Ledger::open(path, test::identity_from(2), config);
  ASSERT_FALSE(other.has_value());
  EXPECT_NE(other.error().message.find("belongs to treasury key"), std::string::npos);
  config.slash_ppm = -1;
  auto bad = Ledger::open(path, treasury_id, config);
  ASSERT_FALSE(bad.has_value());
  EXPECT_NE(bad.error().message.find("slash_ppm"), std::string::npos);
}

TEST_F(Ledger_, EscrowSettlesCancelsRefundsAndReleases) {
  Ledger ledger = open();
  applied(ledger, Deposit{.key = "buy/1", .at = 1, .account = "user:alice", .amount = units(10)});
  const JournalReceipt hold = applied(ledger, four_images("hold/r1", "r1"));
  ASSERT_GT(hold.hold_id, 0);
  EXPECT_EQ(hold.net("user:alice", Asset::credits), -units(4));
  EXPECT_EQ(ledger.balance("user:alice", Asset::credits).value(), units(6));

  // Below the minimum stake: 20% fee, a fifth of it burned; 5% royalty.
  const JournalReceipt settle = applied(ledger, SettleJob{.key = "settle/j0/1",
                                                   .at = 110,
                                                   .hold_id = hold.hold_id,
                                                   .job_id = "j0",
                                                   .worker = "worker:w1",
                                                   .creator = "creator:c"});
  EXPECT_EQ(settle.net("worker:w1", Asset::credits), 750'000);
  EXPECT_EQ(settle.net("creator:c", Asset::credits), 50'000);
  EXPECT_EQ(settle.net("platform", Asset::credits), 160'000);
  EXPECT_EQ(settle.net("burn", Asset::credits), 40'000);

  // Cancelled after 10 of 20 steps: half the price, split the same way.
  const JournalReceipt cancel = applied(ledger, PayCancelledJob{.key = "cancel/j1",
                                                         .at = 120,
                                                         .hold_id = hold.hold_id,
                                                         .job_id = "j1",
                                                         .worker = "worker:w2",
                                                         .creator = "",
                                                         .completed_steps = 10});
  EXPECT_EQ(cancel.net("worker:w2", Asset::credits), 400'000);  // royalty stays with the worker
  EXPECT_EQ(cancel.net(journal::hold_account(hold.hold_id), Asset::credits), -500'000);

  const JournalReceipt refund = applied(
      ledger, RefundJob{.key = "refund/j2", .at = 130, .hold_id = hold.hold_id, .job_id = "j2"});
  EXPECT_EQ(refund.net("user:alice", Asset::credits), units(1));

  auto info = ledger.hold(hold.hold_id);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->finalized_jobs, 3);
  EXPECT_EQ(info->remaining, 1'500'000);
  EXPECT_EQ(info->per_job, units(1));

  const JournalReceipt release =
      applied(ledger, ReleaseHold{.key = "release/r1", .at = 140, .hold_id = hold.hold_id});
  EXPECT_EQ(release.net("user:alice", Asset::credits), 1'500'000);
  EXPECT_EQ(ledger.balance("user:alice", Asset::credits).value(), 8'500'000);
  EXPECT_TRUE(ledger.hold(hold.hold_id)->released);
  EXPECT_EQ(ledger.hold_for_request("r1").value()->id, hold.hold_id);
  EXPECT_FALSE(ledger.hold_for_request("nope").value().has_value());
  expect_conserved(ledger);
  ASSERT_TRUE(verify_ledger(path, treasury_id.public_key()).has_value());
}

TEST_F(Ledger_, RejectsInvalidSettlementsWithoutChangingAnything) {
  Ledger ledger = open();
  applied(ledger, Deposit{.key = "buy", .at = 1, .account = "user:alice", .amount = units(10)});
  const std::int64_t h = applied(ledger, four_images("hold", "r1")).hold_id;
  applied(ledger,
          SettleJob{.key = "s0", .at = 2, .hold_id = h, .job_id = "j0", .worker = "worker:w"});
  expect_rejected(
      ledger,
      SettleJob{.key = "s0-attempt2", .at = 3, .hold_id = h, .job_id = "j0", .worker = "worker:w"},
      message_of("job j0 of hold ", h) + " was already settled by entry");
  expect_rejected(ledger, RefundJob{.key = "r0", .at = 3, .hold_id = h, .job_id = "j0"},
                  "already settled");
  expect_rejected(
      ledger, SettleJob{.key = "s9", .at = 3, .hold_id = 999, .job_id = "j9", .worker = "worker:w"},
      "hold 999 does not exist");
  expect_rejected(ledger,
                  SettleJob{.key = "s1", .at = 3, .hold_id = h, .job_id = "j1", .worker = "user:w"},
                  "'user:w' is not a worker account");
  expect_rejected(ledger,
                  SettleJob{.key = "s1", .at = 3, .hold_id = h, .job_id = "", .worker = "worker:w"},
                  "job id is empty");
  expect_rejected(ledger,
                  PayCancelledJob{.key = "c1",
                                  .at = 3,
                                  .hold_id = h,
                                  .job_id = "j1",
                                  .worker = "worker:w",
                                  .creator = "",
                                  .completed_steps = 21},
                  "completed steps 21 must be 0..20");
  for (int j = 1; j < 4; ++j)
    applied(
        ledger,
        RefundJob{.key = message_of("r", j), .at = 4, .hold_id = h, .job_id = message_of("j", j)});
  expect_rejected(ledger, RefundJob{.key = "r4", .at = 5, .hold_id = h, .job_id = "j4"},
                  "has all its 4 jobs finalised");
  applied(ledger, ReleaseHold{.key = "rel", .at = 6, .hold_id = h});
  expect_rejected(ledger, ReleaseHold{.key = "rel2", .at = 6, .hold_id = h},
                  "was already released");
  expect_rejected(ledger, four_images("hold-again", "r1"), "request r1 already has hold");
  expect_conserved(ledger);
}

TEST_F(Ledger_, HoldNeedsTheFullQuote) {
  Ledger ledger = open();
  applied(ledger, Deposit{.key = "buy", .at = 1, .account = "user:bob", .amount = units(1)});
  expect_rejected(ledger, four_images("hold", "r1", "user:bob"),
                  "user:bob has 1.000000 credits, needs 4.000000");
  expect_rejected(ledger, four_images("hold", "r1", "worker:bob"), "is not a user account");
}

TEST_F(Ledger_, IdempotencyReplaysTheOriginalAndRefusesDifferentContent) {
  Ledger ledger = open();
  const JournalReceipt first =
      applied(ledger, Deposit{.key = "buy/42", .at = 1, .account = "user:a", .amount = units(3)});
  // A retry stamped later is the same operation.
  const JournalReceipt again =
      applied(ledger, Deposit{.key = "buy/42", .at = 99, .account = "user:a", .amount = units(3)});
  EXPECT_TRUE(again.replayed);
  EXPECT_FALSE(first.replayed);
  EXPECT_EQ(again.seq, first.seq);
  EXPECT_EQ(again.hash, first.hash);
  EXPECT_EQ(again.postings, first.postings);
  EXPECT_EQ(ledger.balance("user:a", Asset::credits).value(), units(3));
  expect_rejected(ledger,
                  Deposit{.key = "buy/42", .at = 1, .account = "user:a", .amount = units(4)},
                  "idempotency key 'buy/42' was already used by entry");
  expect_rejected(ledger,
                  Transfer{.key = "buy/42",
                           .at = 1,
                           .asset = Asset::tokens,
                           .from = "user:a",
                           .to = "user:b",
                           .amount = 1},
                  "for a different operation (deposit)");

  applied(ledger, Deposit{.key = "buy/43", .at = 1, .account = "user:a", .amount = units(2)});
  const std::int64_t h = applied(ledger, four_images("hold", "r", "user:a")).hold_id;
  EXPECT_EQ(applied(ledger, four_images("hold", "r", "user:a")).hold_id, h);
  const SettleJob settle{
      .key = "settle/j/1", .at = 5, .hold_id = h, .job_id = "j", .worker = "worker:w"};
  const JournalReceipt s1 = applied(ledger, settle);
  const JournalReceipt s2 = applied(ledger, settle);
  EXPECT_TRUE(s2.replayed);
  EXPECT_EQ(s2.seq, s1.seq);
  EXPECT_EQ(ledger.balance("worker:w", Asset::credits).value(), s1.net("worker:w", Asset::credits));
}

TEST_F(Ledger_, CreditsStayWithUsersTokensMoveFreely) {
  Ledger ledger = open();
  applied(ledger, Deposit{.key = "buy", .at = 1, .account = "user:a", .amount = units(3)});
  expect_rejected(ledger,
                  Transfer{.key = "t1",
                           .at = 2,
                           .asset = Asset::credits,
                           .from = "user:a",
                           .to = "user:b",
                           .amount = 1},
                  "credits are not transferable");
  fund_worker(ledger, "worker:w", 0);
  applied(ledger, Transfer{.key = "t2",
                           .at = 2,
                           .asset = Asset::tokens,
                           .from = "worker:w",
                           .to = "user:b",
                           .amount = units(5)});
  EXPECT_EQ(ledger.balance("user:b", Asset::tokens).value(), units(5));
  expect_rejected(ledger,
                  Transfer{.key = "t3",
                           .at = 2,
                           .asset = Asset::tokens,
                           .from = "user:b",
                           .to = "user:c",
                           .amount = units(6)},
                  "user:b has 5.000000 tokens, needs 6.000000");
  expect_rejected(ledger,
                  Transfer{.key = "t4",
                           .at = 2,
                           .asset = Asset::tokens,
                           .from = "user:b",
                           .to = "user:b",
                           .amount = 1},
                  "to itself");
  expect_rejected(ledger,
                  Transfer{.key = "t5",
                           .at = 2,
                           .asset = Asset::tokens,
                           .from = "user:b",
                           .to = "hold:3",
                           .amount = 1},
                  "unknown role 'hold'");
  expect_rejected(ledger, Deposit{.key = "d", .at = 2, .account = "user:a", .amount = 0},
                  "deposit amount 0.000000");
  expect_conserved(ledger);
}

TEST_F(Ledger_, StakeUnstakeCooldownAndWithdraw) {
  Ledger ledger = open();
  fund_worker(ledger, "worker:w", 0);  // 14,000 tokens
  ASSERT_EQ(ledger.balance("worker:w", Asset::tokens).value(), units(14'000));
  applied(ledger, Stake{.key = "stake", .at = 10, .worker = "worker:w", .amount = units(12'000)});
  auto info = ledger.stake_of("worker:w");
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->bonded, units(12'000));
  EXPECT_TRUE(info->serves_fast);
  EXPECT_EQ(info->platform_fee_ppm, 125'000);  // 11,000 above the minimum

  applied(ledger,
          Unstake{.key = "unstake", .at = 1'000, .worker = "worker:w", .amount = units(11'500)});
  info = ledger.stake_of("worker:w");
  EXPECT_EQ(info->bonded, units(500));
  EXPECT_FALSE(info->serves_fast);
  ASSERT_EQ(info->unbonding.size(), 1u);
  EXPECT_EQ(info->unbonding[0].release_at, 1'100);
  expect_rejected(ledger, Withdraw{.key = "w1", .at = 1'099, .worker = "worker:w"},
                  "cool-down of worker:w's unbonding stake ends at 1100");
  expect_rejected(ledger,
                  Unstake{.key = "u2", .at = 1'000, .worker = "worker:w", .amount = units(501)},
                  "has 500.000000 tokens, needs 501.000000");
  const JournalReceipt w = applied(ledger, Withdraw{.key = "w2", .at = 1'100, .worker = "worker:w"});
  EXPECT_EQ(w.net("worker:w", Asset::tokens), units(11'500));
  EXPECT_TRUE(ledger.stake_of("worker:w")->unbonding.empty());
  expect_rejected(ledger, Withdraw{.key = "w3", .at = 2'000, .worker = "worker:w"},
                  "has no unbonding stake");
  expect_conserved(ledger);
}

TEST_F(Ledger_, UnbondingStakeIsSlashableButEarnsNoBoost) {
  Ledger ledger = open();
  fund_worker(ledger, "worker:a", 0);
  fund_worker(ledger, "worker:a", 1);  // 28,000 tokens
  applied(ledger, Stake{.key = "stake", .at = 10, .worker = "worker:a", .amount = units(20'000)});
  applied(ledger,
          Unstake{.key = "unstake", .at = 20, .worker = "worker:a", .amount = units(10'000)});
  // Bonded 10,000 = P0: no boost, so an equally fast unstaked worker earns the same.
  const JournalReceipt epoch =
      applied(ledger, CloseEpoch{.key = "epoch/2",
                                 .at = 30,
                                 .epoch = 2,
                                 .workers = {{"worker:a", 500, 3'600}, {"worker:b", 500, 3'600}}});
  EXPECT_EQ(epoch.net("worker:a", Asset::tokens), units(7'000));
  EXPECT_EQ(epoch.net("worker:b", Asset::tokens), units(7'000));

  // 10% of bonded + unbonding = 2,000 tokens, taken from bonded first.
  const JournalReceipt slash = applied(ledger, Slash{.key = "slash/v1",
                                              .at = 40,
                                              .verdict_id = "v1",
                                              .worker = "worker:a",
                                              .validator = "validator:v"});
  EXPECT_EQ(slash.net(journal::stake_account("worker:a"), Asset::tokens), -units(2'000));
  EXPECT_EQ(slash.slashed(), units(2'000));
  EXPECT_EQ(slash.net("validator:v", Asset::tokens), units(1'000));
  EXPECT_EQ(slash.net("burn", Asset::tokens), units(1'000));
  // The next slash reaches into the unbonding stake once the bonded stake is gone.
  applied(ledger,
          Unstake{.key = "unstake2", .at = 50, .worker = "worker:a", .amount = units(8'000)});
  const JournalReceipt slash2 = applied(ledger, Slash{.key = "slash/v2",
                                               .at = 60,
                                               .verdict_id = "v2",
                                               .worker = "worker:a",
                                               .validator = "validator:v"});
  EXPECT_EQ(slash2.net(journal::stake_account("worker:a"), Asset::tokens), 0);
  EXPECT_EQ(slash2.slashed(), units(1'800));
  EXPECT_EQ(slash2.net("validator:v", Asset::tokens), 900'000'000);  // 10% of 18,000 / 2
  auto info = ledger.stake_of("worker:a");
  ASSERT_EQ(info->unbonding.size(), 2u);
  EXPECT_EQ(info->unbonding[0].amount, units(10'000 - 1'800));  // oldest first
  EXPECT_EQ(info->unbonding[1].amount, units(8'000));
  expect_conserved(ledger);
}

// A validator bonds like a worker (an unlisted validator's admission) and the bond is what an
// overturned verdict costs it: a validator's slash takes from stake:validator:NAME.
TEST_F(Ledger_, ABondedValidatorLosesStakeWhenItsVerdictIsOverturned) {
  Ledger ledger = open();
  fund_worker(ledger, "worker:a", 0);
  applied(ledger, Transfer{.key = "t",
                           .at = 1'005,
                           .from = "worker:a",
                           .to = "validator:liar",
                           .amount = units(5'000)});
  applied(ledger,
          Stake{.key = "bond", .at = 1'010, .worker = "validator:liar", .amount = units(5'000)});
  EXPECT_EQ(ledger.stake_of("validator:liar")->bonded, units(5'000));
  expect_rejected(ledger, Stake{.key = "user", .at = 1'010, .worker = "user:u", .amount = 1},
                  "not an account that can bond tokens (worker:NAME or validator:NAME)");
  // The referee that overturned it gets the bounty; 10% of 5,000 taken, half burned.
  const JournalReceipt slash = applied(ledger, Slash{.key = "slash/overturned",
                                              .at = 1'020,
                                              .verdict_id = "overturned",
                                              .worker = "validator:liar",
                                              .validator = "validator:referee"});
  EXPECT_EQ(slash.net(journal::stake_account("validator:liar"), Asset::tokens), -units(500));
  EXPECT_EQ(slash.net("validator:referee", Asset::tokens), units(250));
  EXPECT_EQ(ledger.stake_of("validator:liar")->bonded, units(4'500));
  expect_conserved(ledger);
}

TEST_F(Ledger_, SlashAppliesOncePerVerdictAndRefundsThePayer) {
  Ledger ledger = open();
  fund_worker(ledger, "worker:cheat", 0);
  applied(ledger,
          Stake{.key = "stake", .at = 1, .worker = "worker:cheat", .amount = units(10'000)});
  applied(ledger, Deposit{.key = "buy", .at = 1, .account = "user:alice", .amount = units(4)});
  const std::int64_t h = applied(ledger, four_images("hold", "r1")).hold_id;
  applied(ledger, SettleJob{.key = "s0",
                            .at = 2,
                            .hold_id = h,
                            .job_id = "j0",
                            .worker = "worker:cheat",
                            .creator = "creator:c"});
  // The worker got 0.80 of the 1-credit job (15% fee tier, 5% royalty) and the platform 0.12 (the
  // fee less its burned fifth): the refund claws back both; the burned part and the royalty are
  // gone.
  ASSERT_EQ(ledger.balance("worker:cheat", Asset::credits).value(), 800'000);
  ASSERT_EQ(ledger.balance("platform", Asset::credits).value(), 120'000);
  const Slash verdict{.key = "slash/v1",
                      .at = 3,
                      .verdict_id = "v1",
                      .worker = "worker:cheat",
                      .validator = "validator:val",
                      .hold_id = h,
                      .job_id = "j0"};
  const JournalReceipt slash = applied(ledger, verdict);
  EXPECT_EQ(slash.net("user:alice", Asset::credits), 920'000);
  EXPECT_EQ(slash.net("worker:cheat", Asset::credits), -800'000);
  EXPECT_EQ(slash.net("platform", Asset::credits), -120'000);
  EXPECT_EQ(slash.net("validator:val", Asset::tokens), units(500));
  EXPECT_EQ(slash.net("burn", Asset::tokens), units(500));
  EXPECT_TRUE(applied(ledger, verdict).replayed);
  Slash same_verdict = verdict;
  same_verdict.key = "slash/v1/again";
  expect_rejected(ledger, same_verdict,
                  message_of("verdict v1 was already applied by entry ", slash.seq));
  // A second verdict on the same job slashes again but cannot refund twice.
  Slash second = verdict;
  second.key = "slash/v2";
  second.verdict_id = "v2";
  const JournalReceipt again = applied(ledger, second);
  EXPECT_EQ(again.net("user:alice", Asset::credits), 0);
  EXPECT_EQ(again.net("validator:val", Asset::tokens), units(450));
  Slash wrong = second;
  wrong.key = "slash/v3";
  wrong.verdict_id = "v3";
  wrong.worker = "worker:other";
  expect_rejected(ledger, wrong, "was paid to worker:cheat, not to worker:other");
  expect_conserved(ledger);
}

TEST_F(Ledger_, NoRewardAfterMaxHalvings) {
  TreasuryConfig capped;
  capped.halving_epochs = 2;
  capped.max_halvings = 1;
  EXPECT_EQ(epoch_reward(capped, 1), capped.epoch_reward);
  EXPECT_EQ(epoch_reward(capped, 2), 0);  // one halving done: the cap
  capped.max_halvings = 0;
  EXPECT_EQ(epoch_reward(capped, 2), capped.epoch_reward / 2);
  // Unset, the key stays out of the canonical text: older ledgers' texts and hashes are unchanged.
  EXPECT_EQ(canonical_text(capped).find("max_halvings"), std::string::npos);
  capped.max_halvings = 3;
  auto back = parse_canonical_text(canonical_text(capped));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->max_halvings, 3);
}

TEST_F(Ledger_, EpochsCloseOnceInOrderAndMintExactly) {
  Ledger ledger = open();
  const JournalReceipt e0 = applied(
      ledger, CloseEpoch{.key = "epoch/0",
                         .at = 3'600,
                         .epoch = 0,
                         .workers = {{"worker:a", 1'000, 3'600}, {"worker:b", 2'000, 1'800}},
                         .models = {{"sd15", "creator:x", 9'000}, {"sdxl", "creator:y", 1'000}}});
  EXPECT_EQ(e0.net("mint", Asset::tokens), -units(20'000));
  EXPECT_EQ(e0.net("worker:a", Asset::tokens), units(7'000));
  EXPECT_EQ(e0.net("worker:b", Asset::tokens), units(7'000));
  EXPECT_EQ(e0.net("creator:x", Asset::tokens), units(5'400));
  EXPECT_EQ(e0.net("creator:y", Asset::tokens), units(600));
  expect_rejected(ledger, CloseEpoch{.key = "epoch/0b", .at = 3'600, .epoch = 0},
                  "is not after the last closed epoch 0");
  expect_rejected(
      ledger,
      CloseEpoch{
          .key = "epoch/7", .at = 3'600, .epoch = 7, .workers = {{"user:a", 1, 1}}, .skip = true},
      "is not a worker account");
  // Closing 7 after 0 would lose the emission of 1..6 without a word: refused, unless skipped.
  expect_rejected(ledger, CloseEpoch{.key = "epoch/7", .at = 3'600, .epoch = 7},
                  "epoch 7 leaves a gap after the last closed epoch 0: close epoch 1 first, or "
                  "skip epochs 1..6 (they mint nothing) with --skip");
  applied(ledger, CloseEpoch{.key = "epoch/7s", .at = 3'600, .epoch = 7, .skip = true});
  EXPECT_TRUE(ledger.history("", 1)->front().request.find("skip=1") != std::string::npos);
  EXPECT_EQ(ledger.last_epoch().value(), 7);
  auto c = ledger.conservation();
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ((*c)[1].minted, units(20'000));
  expect_conserved(ledger);
}

TEST_F(Ledger_, BatchAppliesValidOperationsAndRejectsInvalidOnes) {
  Ledger ledger = open();
  const std::vector<Operation> ops = {
      Deposit{.key = "d1", .at = 1, .account = "user:a", .amount = units(1)},
      Deposit{.key = "d2", .at = 1, .account = "user:a", .amount = -5},
      SettleJob{.key = "s", .at = 1, .hold_id = 77, .job_id = "j", .worker = "worker:w"},
      Deposit{.key = "d3", .at = 1, .account = "user:b", .amount = units(2)},
      Deposit{.key = "d1", .at = 1, .account = "user:a", .amount = units(1)},
  };
  const auto results = ledger.apply_batch(ops);
  ASSERT_EQ(results.size(), 5u);
  EXPECT_TRUE(results[0].has_value());
  EXPECT_FALSE(results[1].has_value());
  EXPECT_FALSE(results[2].has_value());
  ASSERT_TRUE(results[3].has_value());
  ASSERT_TRUE(results[4].has_value());
  EXPECT_TRUE(results[4]->replayed);
  EXPECT_EQ(results[3]->seq, results[0]->seq + 1);
  EXPECT_EQ(ledger.head_seq(), 3u);
  EXPECT_EQ(ledger.balance("user:a", Asset::credits).value(), units(1));
  auto report = verify_ledger(path, treasury_id.public_key());
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(report->entries, 3u);
  EXPECT_EQ(report->head, ledger.head_hash());
}

TEST_F(Ledger_, PersistsAcrossReopenAndServesReadOnlyReaders) {
  {
    Ledger ledger = open();
    applied(ledger, Deposit{.key = "d", .at = 1, .account = "user:a", .amount = units(2)});
    applied(ledger, Deposit{.key = "e", .at = 2, .account = "user:b", .amount = units(3)});
  }
  auto reader = Ledger::open_read_only(path);
  ASSERT_TRUE(reader.has_value()) << reader.error().message;
  EXPECT_EQ(reader->balance("user:b", Asset::credits).value(), units(3));
  EXPECT_EQ(reader->treasury_key(), treasury_id.public_key());
  auto refused = reader->apply(Deposit{.key = "f", .at = 3, .account = "user:a", .amount = 1});
  ASSERT_FALSE(refused.has_value());
  EXPECT_NE(refused.error().message.find("read-only"), std::string::npos);
  auto history = reader->history("user:a", 10);
  ASSERT_TRUE(history.has_value());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].key, "d");
  EXPECT_EQ(reader->history("", 10)->front().key, "e");  // newest first

  Ledger writer = open();
  EXPECT_EQ(writer.head_seq(), 3u);
  EXPECT_EQ(
      writer.apply(Deposit{.key = "d", .at = 1, .account = "user:a", .amount = units(2)})->replayed,
      true);
}

TEST_F(Ledger_, TwoWritersOnOneFileKeepOneChain) {
  // The treasury node and an operator's CLI may both write: each transaction extends the head it
  // finds under the write lock.
  Ledger node = open();
  auto cli = Ledger::open_existing(path, treasury_id);
  ASSERT_TRUE(cli.has_value()) << cli.error().message;
  for (int i = 0; i < 5; ++i) {
    applied(node,
            Deposit{.key = message_of("node/", i), .at = i, .account = "user:a", .amount = 1});
    applied(*cli, Deposit{.key = message_of("cli/", i), .at = i, .account = "user:b", .amount = 2});
  }
  EXPECT_TRUE(
      applied(node, Deposit{.key = "cli/3", .at = 9, .account = "user:b", .amount = 2}).replayed);
  EXPECT_EQ(node.balance("user:b", Asset::credits).value(), 10);
  auto report = verify_ledger(path, treasury_id.public_key());
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(report->entries, 11u);
  auto missing = Ledger::open_existing((dir / "none.db"), treasury_id);
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("none.db"), std::string::npos);
}

TEST_F(Ledger_, TwoWritersAtOnceKeepOneChainAndEveryCredit) {
  // The same, with both writing at the same moment to one account: each batch must hold the
  // store's write lock from its start, or the two extend one head or overwrite each other's
  // balance (on PostgreSQL, before a writer's BEGIN took the schema's lock).
  Ledger node = open();
  auto cli = Ledger::open_existing(path, treasury_id);
  ASSERT_TRUE(cli.has_value()) << cli.error().message;
  constexpr int kEach = 60;
  auto deposit = [](Ledger* ledger, const char* who, std::string* error) {
    for (int i = 0; i < kEach && error->empty(); ++i) {
      auto r = ledger->apply(Deposit{.key = message_of(who, "/", i), .at = i,
                                     .account = "user:a", .amount = 3});
      if (!r) *error = r.error().message;
    }
  };
  std::string node_error, cli_error;
  std::thread first(deposit, &node, "node", &node_error);
  std::thread second(deposit, &*cli, "cli", &cli_error);
  first.join();
  second.join();
  EXPECT_EQ(node_error, "");
  EXPECT_EQ(cli_error, "");
  EXPECT_EQ(node.balance("user:a", Asset::credits).value(), 2 * kEach * 3);
  auto report = verify_ledger(path, treasury_id.public_key());
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(report->entries, 2u * kEach + 1);
}

TEST_F(Ledger_, OpenReadOnlyOfAMissingFileIsAClearError) {
  auto r = Ledger::open_read_only((dir / "absent.db"));
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("absent.db"), std::string::npos) << r.error().message;
}

}  // namespace
