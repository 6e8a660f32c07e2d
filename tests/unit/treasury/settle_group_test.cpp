// Settlement per group of jobs (settle_group.hpp): a batch's settlements of one hold are one entry
// whose jobs get the receipts lone settlements would have given, answer their retries one by one,
// and verify like any entry.
#include <gtest/gtest.h>

#include "actors/treasury/derived_tables.hpp"
#include "actors/treasury/journal.hpp"
#include "actors/treasury/settle_group.hpp"
#include "actors/treasury/verify.hpp"
#include "ledger_fixture.hpp"
#include "runtime/base/storage/database.hpp"

using namespace seedgrid;
using namespace seedgrid::treasury;
using test::units;

namespace {

class SettleGroupLedger : public test::LedgerFixture {
 protected:
  // A hold of `count` 1-credit jobs for user:alice, funded; worker:staked bonds enough stake for a
  // lower fee than worker:plain pays, so the jobs of one group split differently.
  std::int64_t funded_hold(Ledger& ledger, int count, const std::string& request_id = "r1") {
    if (ledger.balance("user:alice", Asset::credits).value_or(0) == 0) {
      applied(ledger, Deposit{.key = "buy", .at = 1, .account = "user:alice", .amount = units(50)});
      applied(
          ledger,
          CloseEpoch{
              .key = "epoch/0", .at = 1, .epoch = 0, .workers = {{"worker:staked", 1'000, 3'600}}});
      applied(ledger, Stake{.key = "stake",
                            .at = 2,
                            .worker = "worker:staked",
                            .amount = config.min_stake_fast + units(10'000)});
    }
    return applied(ledger, base_renders(request_id, count, 3)).hold_id;
  }

  static SettleJob settle(std::int64_t hold, const std::string& job, const std::string& worker,
                          const std::string& creator = "creator:c") {
    return SettleJob{.key = "settle/" + job + "/1",
                     .at = 10,
                     .hold_id = hold,
                     .job_id = job,
                     .worker = worker,
                     .creator = creator};
  }

  static std::vector<Operation> three_jobs(std::int64_t hold) {
    return {settle(hold, "j0", "worker:plain"), settle(hold, "j1", "worker:staked"),
            settle(hold, "j2", "worker:plain", "")};
  }

  static std::map<std::string, Micros> nets(const JournalReceipt& r) {
    std::map<std::string, Micros> out;
    for (const Posting& p : r.postings) out[p.account] += p.amount;
    return out;
  }

  void expect_verifies() {
    auto report = verify_ledger(path, treasury_id.public_key());
    ASSERT_TRUE(report.has_value()) << report.error().message;
  }

  std::string verify_problem() {
    auto report = verify_ledger(path, treasury_id.public_key());
    EXPECT_FALSE(report.has_value()) << "verify passed a ledger it should refuse";
    return report ? std::string() : report.error().message;
  }

  void exec(const std::string& sql) {
    auto db = storage::Database::open(path);
    ASSERT_TRUE(db.has_value()) << db.error().message;
    auto r = db->exec(sql);
    ASSERT_TRUE(r.has_value()) << r.error().message;
  }
};

TEST_F(SettleGroupLedger, ABatchOfOneHoldsSettlementsIsOneEntryWithTheReceiptsOfLoneOnes) {
  // The same operations applied one at a time in another ledger are the reference.
  std::vector<JournalReceipt> lone;
  std::vector<Balance> lone_balances;
  std::uint64_t lone_entries = 0;
  {
    const std::string grouped_path = path;
    path = test::ledger_location(dir, "lone.db");
    Ledger ledger = open();
    const std::int64_t hold = funded_hold(ledger, 4);
    const std::uint64_t before = ledger.head_seq();
    for (const Operation& op : three_jobs(hold)) lone.push_back(applied(ledger, op));
    lone_entries = ledger.head_seq() - before;
    lone_balances = ledger.balances().value();
    path = grouped_path;
  }
  Ledger ledger = open();
  const std::int64_t hold = funded_hold(ledger, 4);
  const std::uint64_t before = ledger.head_seq();
  const auto ops = three_jobs(hold);
  const auto results = ledger.apply_batch(ops);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(lone_entries, 3u);
  EXPECT_EQ(ledger.head_seq(), before + 1);
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(results[i].has_value()) << results[i].error().message;
    EXPECT_EQ(results[i]->seq, before + 1);
    EXPECT_EQ(results[i]->op, "settle");
    EXPECT_FALSE(results[i]->replayed);
    EXPECT_EQ(results[i]->postings, lone[i].postings) << "job " << i;
  }
  // The staked worker pays a lower fee than the plain one: the group kept each job's own split.
  EXPECT_LT(nets(*results[1])["platform"], nets(*results[0])["platform"]);
  EXPECT_EQ(nets(*results[2]).count("creator:c"), 0u);
  EXPECT_EQ(ledger.balances().value(), lone_balances);
  EXPECT_EQ(ledger.hold(hold)->finalized_jobs, 3);
  const JournalEntry entry = ledger.history("", 1).value().front();
  EXPECT_EQ(entry.op, kSettleGroupOp);
  EXPECT_EQ(entry.key, message_of(kSettleGroupOp, "/", before + 1));
  // One posting per account: the hold, two workers, the creator, the platform and the burn.
  EXPECT_EQ(entry.postings.size(), 6u);
  expect_conserved(ledger);
  expect_verifies();
}

TEST_F(SettleGroupLedger, EachGroupedJobAnswersItsRetryWithItsOwnReceipt) {
  Ledger ledger = open();
  const std::int64_t hold = funded_hold(ledger, 4);
  const auto ops = three_jobs(hold);
  const auto first = ledger.apply_batch(ops);
  const std::uint64_t head = ledger.head_seq();
  for (std::size_t i = 0; i < 3; ++i) {
    auto again = ledger.apply(ops[i]);
    ASSERT_TRUE(again.has_value()) << again.error().message;
    EXPECT_TRUE(again->replayed);
    EXPECT_EQ(again->seq, first[i]->seq);
    EXPECT_EQ(again->hash, first[i]->hash);
    EXPECT_EQ(again->postings, first[i]->postings);
  }
  // Retried as a batch, the whole group is answered and nothing is written.
  for (const auto& r : ledger.apply_batch(ops)) EXPECT_TRUE(r.has_value() && r->replayed);
  EXPECT_EQ(ledger.head_seq(), head);

  SettleJob other_worker = std::get<SettleJob>(ops[0]);
  other_worker.worker = "worker:staked";
  expect_rejected(ledger, other_worker,
                  "idempotency key 'settle/j0/1' was already used by entry " +
                      std::to_string(head) + " for a different request (settle, in a group)");
  expect_rejected(ledger,
                  Deposit{.key = "settle/j1/1", .at = 11, .account = "user:bob", .amount = 5},
                  "for a different operation");
}

TEST_F(SettleGroupLedger, ARefusedJobLeavesTheRestOfItsGroupSettled) {
  Ledger ledger = open();
  const std::int64_t hold = funded_hold(ledger, 4);
  const std::vector<Operation> ops = {
      settle(hold, "j0", "worker:plain"), settle(hold, "j1", "user:mallory"),
      settle(hold, "j2", "worker:staked"), settle(hold, "j3", "worker:plain")};
  const std::uint64_t before = ledger.head_seq();
  const auto results = ledger.apply_batch(ops);
  ASSERT_FALSE(results[1].has_value());
  EXPECT_NE(results[1].error().message.find("'user:mallory' is not a worker account"),
            std::string::npos)
      << results[1].error().message;
  for (std::size_t i : {0, 2, 3}) {
    ASSERT_TRUE(results[i].has_value()) << results[i].error().message;
    EXPECT_EQ(results[i]->seq, before + 1);
  }
  EXPECT_EQ(ledger.head_seq(), before + 1);
  EXPECT_EQ(ledger.hold(hold)->finalized_jobs, 3);
  applied(ledger, settle(hold, "j1", "worker:plain"));
  expect_conserved(ledger);
  expect_verifies();
}

TEST_F(SettleGroupLedger, AJobOrKeyTwiceInOneBatchIsAnsweredAsInOrder) {
  Ledger ledger = open();
  const std::int64_t hold = funded_hold(ledger, 3);
  SettleJob again_j0 = settle(hold, "j0", "worker:plain");
  again_j0.key = "settle/j0/2";  // a second attempt of a job the batch already settles
  SettleJob reused_key = settle(hold, "j3", "worker:plain");
  reused_key.key = "settle/j2/1";  // another job under j2's key
  const std::vector<Operation> ops = {
      settle(hold, "j0", "worker:plain"),  again_j0,
      settle(hold, "j2", "worker:staked"), reused_key,
      settle(hold, "j2", "worker:staked"), settle(hold, "j4", "worker:plain")};
  const auto results = ledger.apply_batch(ops);
  ASSERT_TRUE(results[0].has_value()) << results[0].error().message;
  ASSERT_FALSE(results[1].has_value());
  EXPECT_NE(results[1].error().message.find("job j0 of hold " + std::to_string(hold) +
                                            " was already settled by entry " +
                                            std::to_string(results[0]->seq)),
            std::string::npos)
      << results[1].error().message;
  ASSERT_TRUE(results[2].has_value()) << results[2].error().message;
  ASSERT_FALSE(results[3].has_value());
  EXPECT_NE(results[3].error().message.find("idempotency key 'settle/j2/1' was already used"),
            std::string::npos)
      << results[3].error().message;
  ASSERT_TRUE(results[4].has_value()) << results[4].error().message;
  EXPECT_TRUE(results[4]->replayed);
  EXPECT_EQ(results[4]->seq, results[2]->seq);
  ASSERT_TRUE(results[5].has_value()) << results[5].error().message;
  EXPECT_EQ(ledger.hold(hold)->finalized_jobs, 3);
  expect_conserved(ledger);
  expect_verifies();
}

TEST_F(SettleGroupLedger, AGroupNeverTakesMoreJobsThanItsHoldHas) {
  Ledger ledger = open();
  const std::int64_t hold = funded_hold(ledger, 2);
  const auto results = ledger.apply_batch(three_jobs(hold));
  EXPECT_TRUE(results[0].has_value());
  EXPECT_TRUE(results[1].has_value());
  ASSERT_FALSE(results[2].has_value());
  EXPECT_NE(results[2].error().message.find("has all its 2 jobs finalised; job j2 is one too many"),
            std::string::npos)
      << results[2].error().message;
  EXPECT_EQ(ledger.hold(hold)->remaining, 0);
  expect_conserved(ledger);
  expect_verifies();
}

TEST_F(SettleGroupLedger, InterleavedHoldsAreGroupedHoldByHold) {
  Ledger ledger = open();
  const std::int64_t a = funded_hold(ledger, 2, "ra");
  const std::int64_t b = funded_hold(ledger, 2, "rb");
  const std::uint64_t before = ledger.head_seq();
  const std::vector<Operation> ops = {
      settle(a, "a0", "worker:plain"), settle(b, "b0", "worker:plain"),
      settle(a, "a1", "worker:staked"), settle(b, "b1", "worker:staked"),
      ReleaseHold{.key = "release/ra", .at = 11, .hold_id = a}};
  const auto results = ledger.apply_batch(ops);
  for (const auto& r : results) ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(results[0]->seq, before + 1);
  EXPECT_EQ(results[2]->seq, before + 1);
  EXPECT_EQ(results[1]->seq, before + 2);
  EXPECT_EQ(results[3]->seq, before + 2);
  // The release after the run comes after every settlement of its hold.
  EXPECT_EQ(results[4]->seq, before + 3);
  EXPECT_TRUE(ledger.hold(a)->released);
  EXPECT_EQ(ledger.balance(journal::hold_account(a), Asset::credits).value(), 0);
  expect_conserved(ledger);
  expect_verifies();
}

TEST_F(SettleGroupLedger, AGroupWhoseEntryKeyAClientTookIsWrittenJobByJob) {
  Ledger ledger = open();
  const std::int64_t hold = funded_hold(ledger, 4);
  // The group would be entry head + 2, keyed settle_jobs/<that>: a deposit took the key first.
  const std::uint64_t head = ledger.head_seq();
  applied(ledger, Deposit{.key = message_of(kSettleGroupOp, "/", head + 2),
                          .at = 9,
                          .account = "user:bob",
                          .amount = 1});
  const auto results = ledger.apply_batch(three_jobs(hold));
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(results[i].has_value()) << results[i].error().message;
    EXPECT_EQ(results[i]->seq, head + 2 + i);
  }
  EXPECT_EQ(ledger.history("", 1).value().front().op, "settle");
  EXPECT_EQ(ledger.hold(hold)->finalized_jobs, 3);
  expect_conserved(ledger);
  expect_verifies();
}

TEST_F(SettleGroupLedger, ASlashOfAGroupedJobRefundsItsPayer) {
  Ledger ledger = open();
  const std::int64_t hold = funded_hold(ledger, 4);
  const auto results = ledger.apply_batch(three_jobs(hold));
  ASSERT_TRUE(results[0].has_value());
  const Micros alice = ledger.balance("user:alice", Asset::credits).value();
  const JournalReceipt slash = applied(ledger, Slash{.key = "slash/v1",
                                                     .at = 12,
                                                     .verdict_id = "v1",
                                                     .worker = "worker:plain",
                                                     .validator = "validator:v",
                                                     .hold_id = hold,
                                                     .job_id = "j0"});
  // The job's whole price goes back to the payer, as for a lone settlement.
  EXPECT_EQ(slash.net("user:alice", Asset::credits), units(1));
  EXPECT_EQ(ledger.balance("user:alice", Asset::credits).value(), alice + units(1));
  expect_conserved(ledger);
  expect_verifies();
}

TEST_F(SettleGroupLedger, VerifyRederivesAGroupsJobsAndKeys) {
  {
    Ledger ledger = open();
    ledger.apply_batch(three_jobs(funded_hold(ledger, 4)));
  }
  expect_verifies();
  exec("DELETE FROM grouped_keys WHERE idem_key = 'settle/j1/1'");
  std::string msg = verify_problem();
  EXPECT_NE(msg.find("grouped_keys row idem_key=settle/j1/1 is missing from the table"),
            std::string::npos)
      << msg;
  exec("INSERT INTO grouped_keys(idem_key, seq) VALUES('settle/j1/1', 1)");
  msg = verify_problem();
  EXPECT_NE(msg.find("grouped_keys row idem_key=settle/j1/1: seq is '1' in the table"),
            std::string::npos)
      << msg;
  exec("DELETE FROM grouped_keys WHERE idem_key = 'settle/j1/1'");
  exec("DELETE FROM hold_jobs WHERE job_id = 'j2'");
  msg = verify_problem();
  EXPECT_NE(msg.find("job_id=j2 is missing from the table"), std::string::npos) << msg;
}

TEST_F(SettleGroupLedger, AVersion1LedgerVerifiesAndIsUpgradedWhenATreasuryOpensIt) {
  std::int64_t hold = 0;
  {
    Ledger ledger = open();
    hold = funded_hold(ledger, 4);
  }
  // What a treasury of schema version 1 left: no grouped_keys table, the version in meta.
  exec("UPDATE meta SET value = '1' WHERE key = 'schema_version'; DROP TABLE grouped_keys");
  expect_verifies();
  ASSERT_TRUE(Ledger::open_read_only(path).has_value());
  {
    Ledger ledger = open();
    const auto results = ledger.apply_batch(three_jobs(hold));
    for (const auto& r : results) ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(results[0]->seq, results[2]->seq);
  }
  expect_verifies();
  // A grouped entry in a ledger that claims version 1 is named.
  exec("UPDATE meta SET value = '1' WHERE key = 'schema_version'");
  const std::string msg = verify_problem();
  EXPECT_NE(msg.find("meta row key=schema_version: value is '1' in the table but the journal "
                     "gives '2'"),
            std::string::npos)
      << msg;
  // A version this build does not know is refused by name, not misread.
  exec("UPDATE meta SET value = '3' WHERE key = 'schema_version'");
  auto newer = Ledger::open(path, treasury_id, config);
  ASSERT_FALSE(newer.has_value());
  EXPECT_NE(newer.error().message.find("has schema version '3', this build reads 1 to 2"),
            std::string::npos)
      << newer.error().message;
}

TEST_F(SettleGroupLedger, AnEntryWhosePostingsAreNotItsJobsSumsIsRefused) {
  // What verify_ledger meets only if a treasury wrote it wrong (the hash and the signature bind
  // the postings): the rows are derived from the list, so the list and the postings must agree.
  DerivedTables tables(treasury_id.public_key());
  const std::vector<Posting> hold_postings = {{"user:a", Asset::credits, -units(2)},
                                              {journal::hold_account(2), Asset::credits, units(2)}};
  const std::string hold_request = journal::RequestText()
                                       .field("payer", "user:a")
                                       .field("request_id", "r")
                                       .field("base_render_millis", std::int64_t{43'200})
                                       .field("steps", std::int64_t{20})
                                       .field("width", std::int64_t{512})
                                       .field("height", std::int64_t{512})
                                       .field("tier", "fast")
                                       .field("count", std::int64_t{2})
                                       .field("img2img", std::int64_t{0})
                                       .field("previews", std::int64_t{0})
                                       .text();
  auto opened = tables.add(2, "hold", hold_request, hold_postings);
  ASSERT_TRUE(opened.has_value()) << opened.error().message;
  const SettleGroup group{2,
                          {{"k0", "j0", "worker:a", "", {units(1) - 200'000, 0, 160'000, 40'000}},
                           {"k1", "j1", "worker:b", "", {units(1) - 200'000, 0, 160'000, 40'000}}}};
  // As written: the hold, worker:a, the platform, the burn, worker:b.
  std::vector<Posting> postings = settle_group_postings(group);
  ASSERT_EQ(postings.size(), 5u);
  ASSERT_TRUE(tables.add(3, kSettleGroupOp, settle_group_text(group), postings).has_value());
  postings[1].amount += 1;  // worker:a paid a micro-credit more,
  postings[2].amount -= 1;  // taken from the platform: still balanced
  auto r = tables.add(4, kSettleGroupOp, settle_group_text(group), postings);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("its postings are not the sums of the splits its jobs list"),
            std::string::npos)
      << r.error().message;
}

TEST(SettleGroupText, ReadsBackWhatItWritesAndNamesWhatIsWrong) {
  SettleGroup group{7,
                    {{"settle/a%b\n/1", "a", "worker:w", "creator:c", {700, 50, 200, 50}},
                     {"settle/b/1", "b", "worker:v", "", {900, 0, 80, 20}}}};
  auto back = parse_settle_group(settle_group_text(group));
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(back->hold_id, 7);
  ASSERT_EQ(back->jobs.size(), 2u);
  EXPECT_EQ(back->jobs[0].key, "settle/a%b\n/1");
  EXPECT_EQ(back->jobs[0].split.creator, 50);
  EXPECT_EQ(back->jobs[1].creator, "");
  EXPECT_EQ(back->jobs[1].split.total(), 1000);

  const auto postings = settle_group_postings(group);
  ASSERT_EQ(postings.size(), 6u);
  EXPECT_EQ(postings[0], (Posting{journal::hold_account(7), Asset::credits, -2000}));
  EXPECT_EQ(postings[3], (Posting{"platform", Asset::credits, 280}));

  auto missing = parse_settle_group("hold=7\njobs=2\nkey=k\njob=a\n");
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("has 2 job fields, not 8 a job"), std::string::npos)
      << missing.error().message;
  std::string swapped = settle_group_text({7, {group.jobs[1]}});
  swapped.replace(swapped.find("worker="), 7, "wroker=");
  auto misnamed = parse_settle_group(swapped);
  ASSERT_FALSE(misnamed.has_value());
  EXPECT_NE(misnamed.error().message.find("has 'wroker' where 'worker' belongs"), std::string::npos)
      << misnamed.error().message;
  auto too_many = parse_settle_group("hold=7\njobs=2305843009213693952\n");
  ASSERT_FALSE(too_many.has_value());
  EXPECT_NE(too_many.error().message.find("has 0 job fields"), std::string::npos)
      << too_many.error().message;
  auto not_number = parse_settle_group("hold=x\njobs=1\n");
  ASSERT_FALSE(not_number.has_value());
  EXPECT_NE(not_number.error().message.find("field 'hold' is 'x', not an integer"),
            std::string::npos);
}

}  // namespace
