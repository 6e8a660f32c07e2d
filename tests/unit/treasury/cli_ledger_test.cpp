// `seedgrid ledger ...` end to end through the real binary: a person's session, the errors they
// see, and `verify` catching each kind of tampering done directly on the database file.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "runtime/base/crypto/identity.hpp"
#include "runtime/base/storage/database.hpp"
#include "cli_run.hpp"
#include "ledger_location.hpp"

using namespace seedgrid;

namespace {

using test::CliRun;
using test::contains;
using test::seedgrid_cli;

class LedgerCli : public ::testing::Test {
 protected:
  void SetUp() override {
    const CliRun init = seedgrid_cli("ledger init --db " + db + " --key " + key);
    ASSERT_EQ(init.status, 0) << init.output;
    auto id = Identity::load(key);
    ASSERT_TRUE(id.has_value());
    pubkey = id->node_id();
    ASSERT_TRUE(contains(init.output, pubkey)) << init.output;
  }

  CliRun ledger(const std::string& command, const std::string& args) {
    return seedgrid_cli("ledger " + command + " --db " + db + " --key " + key + " " + args);
  }

  // A copy of the ledger edited by `sql`, verified through the CLI.
  CliRun verify_tampered(const std::string& sql) {
    const std::string copy =
        test::copy_of_ledger(dir, location, message_of("tampered-", ++copies) + ".db");
    {
      auto conn = storage::Database::open(copy);
      EXPECT_TRUE(conn.has_value());
      auto r = conn->exec(sql);
      EXPECT_TRUE(r.has_value()) << r.error().message;
    }
    return seedgrid_cli("ledger verify '" + copy + "' --pubkey " + pubkey);
  }

  test::TestDir dir;
  // The ledger's location, and the same quoted for the shell (a PostgreSQL URI holds '&').
  std::string location = test::ledger_location(dir, "ledger.db"), db = "'" + location + "'";
  std::string key = (dir / "treasury.key"), pubkey;
  int copies = 0;
};

TEST_F(LedgerCli, ASessionFromDepositToVerify) {
  CliRun r = ledger("deposit", "--account user:alice --amount 12.5 --idem buy/1 --at 100");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "deposit entry 2")) << r.output;
  EXPECT_TRUE(contains(r.output, "12.500000 credits")) << r.output;
  r = ledger("deposit", "--account user:alice --amount 12.5 --idem buy/1");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "already applied; nothing changed")) << r.output;

  r = ledger("epoch", "--epoch 0 --worker worker:w,1.5,3600 --model sd15,creator:c,100 --at 200");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "35.000000 tokens")) << r.output;  // 70% of 50, one worker
  r = ledger("stake", "--worker worker:w --amount 10 --at 300");
  ASSERT_EQ(r.status, 0) << r.output;
  r = ledger("unstake", "--worker worker:w --amount 4 --at 400");
  ASSERT_EQ(r.status, 0) << r.output;
  r = ledger("transfer", "--from worker:w --to user:bob --amount 5 --at 500");
  ASSERT_EQ(r.status, 0) << r.output;

  r = seedgrid_cli("ledger balance --db " + db + " --account worker:w");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "tokens              20.000000")) << r.output;
  EXPECT_TRUE(contains(r.output, "staked               6.000000")) << r.output;
  EXPECT_TRUE(contains(r.output, "until 605200")) << r.output;  // 400 + 7 days
  r = seedgrid_cli("ledger balance --db " + db);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "credits: minted 12.500000 = balances 12.500000")) << r.output;
  EXPECT_TRUE(contains(r.output, "(conserved)")) << r.output;
  EXPECT_FALSE(contains(r.output, "NOT CONSERVED")) << r.output;
  r = seedgrid_cli("ledger history --db " + db + " --account user:bob");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "transfer")) << r.output;
  EXPECT_FALSE(contains(r.output, "deposit")) << r.output;
  // An account nothing touched says so; one that is no account is named as such.
  r = seedgrid_cli("ledger history --db " + db + " --account user:carol");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "no entries touch user:carol")) << r.output;
  r = seedgrid_cli("ledger history --db " + db + " --account bogus");
  EXPECT_EQ(r.status, 2) << r.output;
  EXPECT_TRUE(contains(r.output, "--account")) << r.output;
  EXPECT_TRUE(contains(r.output, "bogus")) << r.output;

  r = seedgrid_cli("ledger verify " + db + " --pubkey " + pubkey);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "OK: 6 entries")) << r.output;
}

// Validators bond like workers (an unlisted validator needs a bond to be admitted); the ledger
// knows nodes by key, so a configured name in place of a node id is kept with a warning saying so.
TEST_F(LedgerCli, ValidatorsBondAndANameIsNotANodeId) {
  const std::string validator(64, 'b');
  ASSERT_EQ(ledger("epoch", "--epoch 0 --worker worker:w,1.5,3600 --at 200").status, 0);
  CliRun r = ledger("transfer", "--from worker:w --to validator:" + validator + " --amount 20");
  ASSERT_EQ(r.status, 0) << r.output;
  r = ledger("stake", "--validator " + validator + " --amount 20 --at 300");  // the bare id
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_FALSE(contains(r.output, "warning")) << r.output;
  r = seedgrid_cli("ledger balance --db " + db + " --account validator:" + validator);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "staked              20.000000\n")) << r.output;

  r = ledger("stake", "--worker worker:w --amount 1");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "warning: 'w' is not a node id")) << r.output;
  EXPECT_TRUE(contains(r.output, "The ledger knows nodes by key, not by their configured name"))
      << r.output;

  r = ledger("stake", "--amount 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.output, "give one of --worker worker:NODE_ID or --validator "
                                 "validator:NODE_ID"))
      << r.output;
  r = ledger("unstake", "--validator worker:" + validator + " --amount 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.output, "must be validator:NODE_ID")) << r.output;
}

TEST_F(LedgerCli, QuotesARequest) {
  CliRun r = seedgrid_cli("ledger quote");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "credits per image        1.000000")) << r.output;
  EXPECT_TRUE(contains(r.output, "USD total                0.005000")) << r.output;
  r = seedgrid_cli("ledger quote --db " + db +
                   " --steps 30 --width 1024 --height 1024 --count 4 --tier relaxed");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "credits total            12.000000")) << r.output;
  r = seedgrid_cli("ledger quote --width 500");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.output, "width 500 must be a multiple of 8")) << r.output;
}

TEST_F(LedgerCli, ErrorsAreClearAndExitOne) {
  CliRun r = ledger("deposit", "--account worker:x --amount 1");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.output,
                       "seedgrid ledger deposit: deposit account 'worker:x' is not a user account"))
      << r.output;
  r = ledger("deposit", "--account user:x --amount 1.0000001");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.output, "more than 6 decimal places")) << r.output;
  ASSERT_EQ(ledger("deposit", "--account user:x --amount 1 --idem k").status, 0);
  r = ledger("deposit", "--account user:x --amount 2 --idem k");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.output, "idempotency key 'k' was already used by entry 2")) << r.output;
  r = ledger("transfer", "--from user:x --to user:y --amount 1 --asset credits");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.output, "credits are not transferable")) << r.output;
  r = seedgrid_cli("ledger init --db " + db + " --key " + key);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.output, "already exists")) << r.output;
  r = seedgrid_cli("ledger balance --db " + (dir / "missing.db"));
  EXPECT_EQ(r.status, 2);  // a file named that is not there: a usage error, as in every command
  EXPECT_TRUE(contains(r.output, "missing.db")) << r.output;
  r = seedgrid_cli("ledger verify " + db + " --pubkey 1234");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.output, "a public key is 64 hex digits")) << r.output;
}

TEST_F(LedgerCli, ChangesEconomicsOnlyThroughASignedEntry) {
  const std::string economics = (dir / "economics.json");
  std::ofstream(economics)
      << "{ \"slash_ppm\": 250000, // a quarter\n"
         "  \"fee_tiers\": [{\"stake_above_minimum\": 0, \"fee_ppm\": 90000}] }";
  CliRun r = ledger("configure", "--economics " + economics);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "economics changed by entry 2")) << r.output;
  EXPECT_TRUE(contains(r.output, "slash_ppm=250000")) << r.output;
  r = ledger("configure", "--economics " + economics);
  EXPECT_TRUE(contains(r.output, "economics unchanged")) << r.output;
  std::ofstream(economics) << "{ \"slash_pm\": 1 }";
  r = ledger("configure", "--economics " + economics);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.output, "$.slash_pm: unknown treasury config key 'slash_pm'")) << r.output;
}

// configure is a patch: a key left out keeps its value (setting the reward used to reset the
// halving interval to its default); it takes --at and --idem like every other operation.
TEST_F(LedgerCli, ConfigureChangesOnlyTheNamedKeys) {
  const std::string halving = (dir / "halving.json");
  const std::string reward = (dir / "reward.json");
  std::ofstream(halving) << "{\"halving_epochs\": 100}";
  std::ofstream(reward) << "{\"epoch_reward\": 7000000}";
  ASSERT_EQ(ledger("configure", "--economics " + halving).status, 0);
  CliRun r = ledger("configure", "--economics " + reward + " --idem econ-1 --at 42");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "epoch_reward=7000000")) << r.output;
  EXPECT_TRUE(contains(r.output, "halving_epochs=100")) << r.output;
  r = ledger("configure", "--economics " + reward + " --idem econ-1 --at 43");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "already applied")) << r.output;
  r = seedgrid_cli("ledger history --db " + db);
  EXPECT_TRUE(contains(r.output, "at 42 configure key econ-1")) << r.output;
}

// --economics takes the object itself, as each subcommand's --help example shows, or its file;
// a typo in either is named.
TEST_F(LedgerCli, EconomicsMayBeGivenInlineAsTheHelpShows) {
  CliRun r = ledger("configure", "--economics '{\"creator_royalty_ppm\": 50000}'");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "creator_royalty_ppm=50000")) << r.output;
  r = ledger("configure", "--economics '{\"creator_royalty_pm\": 1}'");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "--economics")) << r.output;
  EXPECT_TRUE(contains(r.output, "creator_royalty_pm")) << r.output;
  r = ledger("configure", "--economics '{\"creator_royalty_ppm\": '");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(contains(r.output, "--economics: not valid JSON")) << r.output;
  r = seedgrid_cli("ledger quote --economics '{\"slash_ppm\": 1}'");
  EXPECT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "credits per image")) << r.output;
}

// Closing epoch 2 after 0 would lose epoch 1's emission: refused unless --skip says so.
TEST_F(LedgerCli, EpochGapNeedsSkip) {
  ASSERT_EQ(ledger("epoch", "--epoch 0 --worker worker:w,1,60 --at 3").status, 0);
  CliRun r = ledger("epoch", "--epoch 2 --worker worker:w,1,60 --at 4");
  EXPECT_EQ(r.status, 1) << r.output;
  EXPECT_TRUE(
      contains(r.output, "close epoch 1 first, or skip epochs 1 (they mint nothing) with --skip"))
      << r.output;
  r = ledger("epoch", "--epoch 2 --worker worker:w,1,60 --at 4 --skip --idem e2");
  EXPECT_EQ(r.status, 0) << r.output;
  r = seedgrid_cli("ledger history --db " + db + " --limit 1");
  EXPECT_TRUE(contains(r.output, "key e2")) << r.output;
}

TEST_F(LedgerCli, VerifyDetectsEachKindOfTampering) {
  ASSERT_EQ(ledger("deposit", "--account user:a --amount 5 --idem d1 --at 1").status, 0);
  ASSERT_EQ(ledger("deposit", "--account user:b --amount 6 --idem d2 --at 2").status, 0);
  ASSERT_EQ(ledger("epoch", "--epoch 0 --worker worker:w,1,60 --at 3").status, 0);
  ASSERT_EQ(ledger("transfer", "--from worker:w --to user:a --amount 1 --idem t --at 4").status, 0);

  CliRun r = verify_tampered(
      "UPDATE postings SET amount = amount + 1 WHERE seq = 3 AND account = 'user:b';"
      "UPDATE postings SET amount = amount - 1 WHERE seq = 3 AND account = 'mint';"
      "UPDATE balances SET amount = amount + 1 WHERE account = 'user:b';"
      "UPDATE balances SET amount = amount - 1 WHERE account = 'mint' AND asset = 0;");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(
      contains(r.output, "FAILED: entry 3 (deposit d2): its contents do not match its hash"))
      << r.output;

  r = verify_tampered("DELETE FROM journal WHERE seq = 3; DELETE FROM postings WHERE seq = 3;");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.output, "FAILED: entry 3 is missing")) << r.output;

  r = verify_tampered(
      "UPDATE journal SET seq = -1 WHERE seq = 2; UPDATE journal SET seq = 2 WHERE seq = 3;"
      "UPDATE journal SET seq = 3 WHERE seq = -1; UPDATE postings SET seq = -1 WHERE seq = 2;"
      "UPDATE postings SET seq = 2 WHERE seq = 3; UPDATE postings SET seq = 3 WHERE seq = -1;");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(
      contains(r.output, "FAILED: entry 2: its previous-hash does not match entry 1's hash"))
      << r.output;

  r = verify_tampered(
      "UPDATE journal SET signature = (SELECT signature FROM journal WHERE seq = 4) WHERE seq = 5");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(
      contains(r.output, "FAILED: entry 5 (transfer t): the signature is not the treasury's"))
      << r.output;

  r = verify_tampered(
      "UPDATE balances SET amount = 1000000000 WHERE account = 'user:a' AND asset = 0");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.output, "FAILED: balance of user:a (credits) is 1000.000000")) << r.output;

  r = seedgrid_cli("ledger verify " + db + " --pubkey " + pubkey);
  EXPECT_EQ(r.status, 0) << r.output;
}

}  // namespace
