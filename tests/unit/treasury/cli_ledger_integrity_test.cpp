// `seedgrid ledger verify` against a truncated, rolled-back or hand-edited ledger, through the
// real binary: the history is written with the ledger library (holds, settlements, a slash: what
// the CLI cannot do by itself), the checkpoints are the treasury's own, and the tampering is plain
// SQL on a copy of the file.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "actors/treasury/ledger.hpp"
#include "cli_run.hpp"
#include "ledger_fixture.hpp"
#include "runtime/base/protocol/ledger_checkpoint.hpp"
#include "runtime/base/verify/ledger_checkpoint_file.hpp"
#include "runtime/base/storage/database.hpp"

using namespace seedgrid;
using namespace seedgrid::treasury;

namespace {

using test::CliRun;
using test::contains;
using test::seedgrid_cli;

// The balance table made to agree with the postings again: a careful tamperer's last step, so the
// checks below are the only ones that can catch what was done.
constexpr const char* kRebuildBalances =
    "DELETE FROM balances; INSERT INTO balances(account, asset, amount) SELECT account, asset, "
    "SUM(amount) FROM postings GROUP BY account, asset HAVING SUM(amount) != 0;";

class LedgerIntegrity : public test::LedgerFixture {
 protected:
  // A request's whole life: a deposit, epoch tokens and a stake, a hold of three jobs (one
  // settled, one paid as cancelled, one refunded), its release and a slash of the settled job.
  void SetUp() override {
    Ledger ledger = open();
    applied(ledger, Deposit{"buy", 10, "user:alice", test::units(100)});
    applied(ledger, CloseEpoch{"epoch/0", 20, 0, {{"worker:w", 1000, 3600}}, {}});
    applied(ledger, Stake{"stake", 30, "worker:w", test::units(100)});
    hold = applied(ledger, OpenHold{"hold/r1", 40, "user:alice", "r1", one_credit_jobs(3)}).hold_id;
    applied(ledger, SettleJob{"settle/j0", 50, hold, "j0", "worker:w", "creator:c"});
    applied(ledger, PayCancelledJob{"cancel/j1", 60, hold, "j1", "worker:w", "", 10});
    applied(ledger, RefundJob{"refund/j2", 70, hold, "j2"});
    applied(ledger, ReleaseHold{"release/r1", 80, hold});
    applied(ledger, Slash{"slash/v1", 90, "v1", "worker:w", "validator:v", hold, "j0"});
    entries = ledger.head_seq();
    checkpoint = write_checkpoint(ledger, "checkpoint.json");
    ASSERT_TRUE(treasury_id.save(key));
  }

  // `count` SD 1.x base renders of 512 x 512: 1 credit each.
  static QuoteRequest one_credit_jobs(int count) {
    QuoteRequest q;
    q.base_render_millis = 43'200;
    q.steps = 20;
    q.width = 512;
    q.height = 512;
    q.count = count;
    return q;
  }

  std::string write_checkpoint(Ledger& ledger, const std::string& name) {
    auto c = ledger.checkpoint(1'700'000'000);
    EXPECT_TRUE(c.has_value()) << c.error().message;
    const std::string file = (dir / name);
    std::ofstream(file) << verify::checkpoint_json(*c);
    return file;
  }

  // The release and the slash removed, with every table made to agree: a careful truncation.
  std::string without_last_two_entries() const {
    return message_of("DELETE FROM journal WHERE seq > ", entries - 2,
                      "; DELETE FROM postings WHERE seq > ", entries - 2,
                      "; DELETE FROM verdicts; UPDATE holds SET released = 0;"
                      "UPDATE hold_jobs SET clawed_back = 0;",
                      kRebuildBalances);
  }

  // A copy of the ledger edited by `sql`.
  std::string tampered(const std::string& sql) {
    const std::string copy = (dir / message_of("tampered-", ++copies) + ".db");
    std::filesystem::copy_file(path, copy);
    auto conn = storage::Database::open(copy);
    EXPECT_TRUE(conn.has_value());
    auto r = conn->exec(sql);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return copy;
  }

  CliRun verify(const std::string& db, const std::string& extra = "") {
    return seedgrid_cli("ledger verify " + db + " --pubkey " + treasury_id.node_id() + " " + extra);
  }

  std::int64_t hold = 0;
  std::uint64_t entries = 0;
  std::string checkpoint;
  std::string key = (dir / "treasury.key");
  int copies = 0;
};

TEST_F(LedgerIntegrity, AnIntactLedgerHoldsTheTreasurysCheckpoint) {
  CliRun r = verify(path, "--checkpoint " + checkpoint);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, message_of("OK: ", entries, " entries"))) << r.output;
  EXPECT_TRUE(
      contains(r.output, message_of("holds entry ", entries, " as checkpoint ", checkpoint)))
      << r.output;
  // Without a published head verify cannot know of truncation, and says so.
  r = verify(path);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, "not checked against a published head")) << r.output;
}

TEST_F(LedgerIntegrity, AGroupOfSettlementsIsListedJobByJobAndVerifies) {
  {
    Ledger ledger = open();
    const std::int64_t h =
        applied(ledger, OpenHold{"hold/r2", 100, "user:alice", "r2", one_credit_jobs(2)}).hold_id;
    const std::vector<Operation> batch = {
        SettleJob{"settle/r2/0", 110, h, "r2/0", "worker:w", "creator:c"},
        SettleJob{"settle/r2/1", 110, h, "r2/1", "worker:v", ""}};
    const auto results = ledger.apply_batch(batch);
    ASSERT_TRUE(results[0].has_value() && results[1].has_value());
    ASSERT_EQ(results[0]->seq, results[1]->seq);
    entries = ledger.head_seq();
  }
  CliRun r = seedgrid_cli("ledger history --db " + path + " --limit 1");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(
      contains(r.output, message_of("#", entries, " at 110 settle_jobs key settle_jobs/", entries)))
      << r.output;
  EXPECT_TRUE(contains(r.output, "job r2/0 (key settle/r2/0): worker:w ")) << r.output;
  EXPECT_TRUE(contains(r.output,
                       "job r2/1 (key settle/r2/1): worker:v 0.800000, creator - 0.000000, "
                       "platform 0.160000, burned 0.040000"))
      << r.output;
  r = verify(path);
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_TRUE(contains(r.output, message_of("OK: ", entries, " entries"))) << r.output;
}

TEST_F(LedgerIntegrity, ATruncatedLedgerFailsAgainstTheCheckpointAndTheExpectedHead) {
  const std::string cut = tampered(without_last_two_entries());
  // On its own the shorter ledger is a valid history: every hash, signature and balance checks.
  CliRun r = verify(cut);
  ASSERT_EQ(r.status, 0) << r.output;

  r = verify(cut, "--checkpoint " + checkpoint);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.output, message_of("FAILED: the ledger ends at entry ", entries - 2,
                                            " but checkpoint ", checkpoint)))
      << r.output;
  EXPECT_TRUE(contains(r.output, message_of("entries ", entries - 1, "..", entries,
                                            " are missing (the ledger was truncated")))
      << r.output;

  auto ledger = Ledger::open_read_only(path);
  ASSERT_TRUE(ledger.has_value());
  const std::string head = message_of(entries, ":", to_hex(ledger->head_hash()));
  r = verify(cut, "--expect-head " + head);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.output, message_of("but --expect-head ", head, " names entry ", entries)))
      << r.output;
}

TEST_F(LedgerIntegrity, ARolledBackLedgerFailsAgainstTheCheckpoint) {
  // An older copy of the ledger (before the release and the slash) that went on with other
  // entries, signed with the real treasury key: a complete, valid history, but not the one the
  // treasury had published.
  const std::string old_copy = (dir / "rolled-back.db");
  {
    const std::string cut = tampered(without_last_two_entries());
    std::filesystem::copy_file(cut, old_copy);
  }
  {
    auto ledger = Ledger::open(old_copy, treasury_id, config);
    ASSERT_TRUE(ledger.has_value()) << ledger.error().message;
    applied(*ledger, Deposit{"buy/2", 100, "user:bob", test::units(7)});
    applied(*ledger, Deposit{"buy/3", 110, "user:bob", test::units(8)});
    applied(*ledger, Deposit{"buy/4", 120, "user:bob", test::units(9)});
  }
  CliRun r = verify(old_copy);
  ASSERT_EQ(r.status, 0) << r.output;
  r = verify(old_copy, "--checkpoint " + checkpoint);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.output, message_of("FAILED: entry ", entries, " has hash "))) << r.output;
  EXPECT_TRUE(contains(r.output, message_of("the ledger was rolled back to before entry ", entries,
                                            " and rewritten")))
      << r.output;
}

TEST_F(LedgerIntegrity, ACheckpointMustBeTheTreasurysOwn) {
  std::string text;
  {
    std::ifstream in(checkpoint);
    std::getline(in, text);
  }
  // Another hash under the treasury's signature: the signature no longer matches.
  auto c = verify::parse_checkpoint_json(text, checkpoint);
  ASSERT_TRUE(c.has_value()) << c.error().message;
  c->head[0] ^= 1;
  const std::string forged = (dir / "forged.json");
  std::ofstream(forged) << verify::checkpoint_json(*c);
  CliRun r = verify(path, "--checkpoint " + forged);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.output, "the signature is not the treasury's")) << r.output;

  // A checkpoint another treasury signed proves nothing about this ledger.
  const Identity other = test::identity_from(9);
  const std::string foreign = (dir / "foreign.json");
  std::ofstream(foreign) << verify::checkpoint_json(
      protocol::sign_checkpoint(other, c->seq, c->head, c->at));
  r = verify(path, "--checkpoint " + foreign);
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.output, "is of treasury key " + other.node_id())) << r.output;

  r = verify(path, "--expect-head 12");
  EXPECT_EQ(r.status, 1);
  EXPECT_TRUE(contains(r.output, "expected head '12' is not SEQ:HASH")) << r.output;
}

TEST_F(LedgerIntegrity, AnEditedRowOfEachWorkingTableIsNamed) {
  struct Case {
    std::string sql;
    std::string named;
  };
  const std::string h = std::to_string(hold);
  const Case cases[] = {
      // A hold reopened (its jobs could be paid again) and one with its per-job price raised.
      {"UPDATE holds SET finalized = 1, released = 0 WHERE id = " + h,
       "holds row id=" + h + ": finalized is '1' in the table but the journal gives '3'"},
      {"UPDATE holds SET per_job = per_job + 1 WHERE id = " + h,
       "holds row id=" + h + ": per_job is"},
      {"INSERT INTO holds(id, request_id, payer, base_render_millis, steps, width, height, tier, "
       "count, img2img, previews, per_job, jobs) VALUES(999, 'ghost', 'user:alice', 1, 1, 8, 8, 0, "
       "1, 0, 0, 1, 1)",
       "holds row id=999 is in the table but no journal entry made it"},
      // A settled job forgotten (it could be settled again), and a refund marked as paid.
      {"DELETE FROM hold_jobs WHERE job_id = 'j0'",
       "hold_jobs row hold_id=" + h + " job_id=j0 is missing from the table"},
      {"UPDATE hold_jobs SET paid = 5, worker = 'worker:w' WHERE job_id = 'j2'",
       "hold_jobs row hold_id=" + h +
           " job_id=j2: worker is 'worker:w' in the table but the journal gives ''"},
      {"UPDATE hold_jobs SET clawed_back = 0 WHERE job_id = 'j0'",
       "hold_jobs row hold_id=" + h +
           " job_id=j0: clawed_back is '0' in the table but the journal gives '1'"},
      // A verdict forgotten: the same verdict could slash the worker again.
      {"DELETE FROM verdicts WHERE verdict_id = 'v1'",
       "verdicts row verdict_id=v1 is missing from the table"},
      {"UPDATE meta SET value = '" + test::identity_from(9).node_id() +
           "' WHERE key = 'treasury_key'",
       "meta row key=treasury_key: value is '" + test::identity_from(9).node_id() + "'"},
  };
  for (const Case& c : cases) {
    CliRun r = verify(tampered(c.sql), "--checkpoint " + checkpoint);
    EXPECT_EQ(r.status, 1) << c.sql << "\n" << r.output;
    EXPECT_TRUE(contains(r.output, "FAILED: the working tables disagree with the journal"))
        << c.sql << "\n"
        << r.output;
    EXPECT_TRUE(contains(r.output, c.named)) << c.sql << "\n" << r.output;
  }
}

}  // namespace
