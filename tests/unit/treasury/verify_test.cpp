#include "actors/treasury/verify.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "actors/treasury/journal.hpp"
#include "ledger_fixture.hpp"
#include "runtime/base/storage/database.hpp"

using namespace seedgrid;
using namespace seedgrid::treasury;
using test::units;

namespace {

// A small history with every kind of posting, then each test edits a copy of the file directly.
class Verify : public test::LedgerFixture {
 protected:
  void SetUp() override {
    Ledger ledger = open();
    applied(
        ledger,
        Deposit{.key = "buy/alice", .at = 1, .account = "user:alice", .amount = units(10)});  // 2
    const std::int64_t h = applied(ledger, OpenHold{.key = "hold/r1",
                                                    .at = 2,
                                                    .payer = "user:alice",
                                                    .request_id = "r1",
                                                    .request = {.base_render_millis = 43'200,
                                                                .steps = 20,
                                                                .width = 512,
                                                                .height = 512,
                                                                .count = 3}})
                               .hold_id;  // 3
    applied(ledger, SettleJob{.key = "settle/j0",
                              .at = 3,
                              .hold_id = h,
                              .job_id = "j0",
                              .worker = "worker:w",
                              .creator = "creator:c"});  // 4
    applied(
        ledger,
        SettleJob{
            .key = "settle/j1", .at = 4, .hold_id = h, .job_id = "j1", .worker = "worker:w"});  // 5
    applied(ledger, ReleaseHold{.key = "release/r1", .at = 5, .hold_id = h});                   // 6
    applied(
        ledger,
        CloseEpoch{.key = "epoch/0", .at = 6, .epoch = 0, .workers = {{"worker:w", 10, 10}}});  // 7
    head = ledger.head_hash();
  }

  // A copy of the ledger edited by `sql` (statements separated by ';'), whose `?`s take `blobs`
  // in order: bound, so the same text edits a SQLite file and a PostgreSQL schema.
  std::string tampered(const std::string& sql,
                       const std::vector<std::vector<std::uint8_t>>& blobs = {}) {
    const std::string copy =
        test::copy_of_ledger(dir, path, message_of("tampered-", ++copies) + ".db");
    auto db = storage::Database::open(copy);
    EXPECT_TRUE(db.has_value());
    std::size_t next_blob = 0;
    std::size_t start = 0;
    while (start < sql.size()) {
      std::size_t end = sql.find(';', start);
      if (end == std::string::npos) end = sql.size();
      const std::string statement = sql.substr(start, end - start);
      start = end + 1;
      if (statement.find_first_not_of(' ') == std::string::npos) continue;
      auto st = db->prepare(statement);
      EXPECT_TRUE(st.has_value()) << st.error().message;
      if (!st) break;
      for (int i = 1; i <= static_cast<int>(std::count(statement.begin(), statement.end(), '?'));
           ++i)
        st->bind_blob(i, blobs.at(next_blob++));
      auto r = st->run();
      EXPECT_TRUE(r.has_value()) << r.error().message;
    }
    return copy;
  }
  // 64 bytes that are no key's signature of anything.
  static std::vector<std::uint8_t> junk_signature() { return std::vector<std::uint8_t>(64, 0x5a); }

  std::string problem(const std::string& file) {
    auto r = verify_ledger(file, treasury_id.public_key());
    EXPECT_FALSE(r.has_value()) << "tampering went undetected";
    return r ? std::string() : r.error().message;
  }

  Digest head{};
  int copies = 0;
};

TEST_F(Verify, AcceptsTheUntouchedLedger) {
  auto r = verify_ledger(path, treasury_id.public_key());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->entries, 7u);
  EXPECT_EQ(r->head, head);
  EXPECT_GT(r->accounts, 5u);
}

TEST_F(Verify, DetectsATamperedPostingAmount) {
  const std::string msg = problem(tampered(
      "UPDATE postings SET amount = amount + 100000 WHERE seq = 4 AND account = 'worker:w';"
      "UPDATE postings SET amount = amount - 100000 WHERE seq = 4 AND account = 'platform';"));
  EXPECT_NE(msg.find("entry 4 (settle settle/j0): its contents do not match its hash"),
            std::string::npos)
      << msg;
}

TEST_F(Verify, DetectsATamperedBalance) {
  const std::string msg = problem(tampered(
      "UPDATE balances SET amount = amount + 1 WHERE account = 'user:alice' AND asset = 0"));
  EXPECT_NE(
      msg.find(
          "balance of user:alice (credits) is 8.000001 in the balance table but the journal gives "
          "8.000000"),
      std::string::npos)
      << msg;
}

TEST_F(Verify, DetectsAnEditedFieldOfAnEntry) {
  EXPECT_NE(
      problem(tampered("UPDATE journal SET request = replace(request, 'j1', 'j9') WHERE seq = 5"))
          .find("entry 5 "),
      std::string::npos);
  EXPECT_NE(problem(tampered("UPDATE journal SET at = 99 WHERE seq = 3")).find("entry 3 "),
            std::string::npos);
}

TEST_F(Verify, DetectsADeletedEntry) {
  const std::string msg =
      problem(tampered("DELETE FROM journal WHERE seq = 4; DELETE FROM postings WHERE seq = 4;"));
  EXPECT_NE(msg.find("entry 4 is missing"), std::string::npos) << msg;
  // Only the postings deleted: the entry no longer matches its hash.
  EXPECT_NE(problem(tampered("DELETE FROM postings WHERE seq = 6")).find("entry 6 "),
            std::string::npos);
  // The newest entry deleted with its postings: the balances no longer follow from the journal.
  EXPECT_NE(
      problem(tampered("DELETE FROM journal WHERE seq = 7; DELETE FROM postings WHERE seq = 7;"))
          .find("balance of mint (tokens) is -14000.000000 in the balance table but the journal "
                "gives 0.000000"),
      std::string::npos);
}

TEST_F(Verify, DetectsReorderedEntries) {
  const std::string msg = problem(tampered(
      "UPDATE journal SET seq = -1 WHERE seq = 4; UPDATE journal SET seq = 4 WHERE seq = 5;"
      "UPDATE journal SET seq = 5 WHERE seq = -1;"
      "UPDATE postings SET seq = -1 WHERE seq = 4; UPDATE postings SET seq = 4 WHERE seq = 5;"
      "UPDATE postings SET seq = 5 WHERE seq = -1;"));
  EXPECT_NE(msg.find("entry 4: its previous-hash does not match entry 3's hash"), std::string::npos)
      << msg;
}

TEST_F(Verify, DetectsAForgedSignature) {
  // Another key signs a rewritten entry with a correctly recomputed hash: only the signature tells.
  const Identity forger = test::identity_from(9);
  auto db = storage::Database::open(path);
  ASSERT_TRUE(db.has_value());
  auto st = db->prepare("SELECT at, op, idem_key, request, prev_hash FROM journal WHERE seq = 2");
  ASSERT_TRUE(st.has_value() && st->step().value_or(false));
  Digest prev{};
  const auto prev_blob = st->column_blob(4);
  std::copy(prev_blob.begin(), prev_blob.end(), prev.begin());
  const std::vector<Posting> postings = {{"mint", Asset::credits, -units(10)},
                                         {"user:alice", Asset::credits, units(10)}};
  const Digest hash = journal::entry_hash(2, prev, st->column_int64(0), st->column_text(1),
                                          st->column_text(2), st->column_text(3), postings);
  const Signature forged = forger.sign(std::span<const std::uint8_t>(hash));
  const std::string msg =
      problem(tampered("UPDATE journal SET hash = ?, signature = ? WHERE seq = 2",
                       {std::vector<std::uint8_t>(hash.begin(), hash.end()),
                        std::vector<std::uint8_t>(forged.begin(), forged.end())}));
  EXPECT_NE(msg.find("entry 2 (deposit buy/alice): the signature is not the treasury's"),
            std::string::npos)
      << msg;
  // A random signature on an untouched entry.
  EXPECT_NE(problem(tampered("UPDATE journal SET signature = ? WHERE seq = 6", {junk_signature()}))
                .find("entry 6 (release release/r1): the signature is not the treasury's"),
            std::string::npos);
}

TEST_F(Verify, ReportsTheFirstProblemAcrossSignatureChunks) {
  {
    Ledger ledger = open();
    std::vector<Operation> deposits;
    for (int i = 0; i < 9'000; ++i)
      deposits.push_back(Deposit{.key = message_of("d", i),
                                 .at = 10,
                                 .account = message_of("user:u", i % 50),
                                 .amount = 1'000});
    for (const auto& r : ledger.apply_batch(deposits)) ASSERT_TRUE(r.has_value());
  }
  // Signatures are checked in parallel chunks; the earliest bad one is still the one reported,
  // ahead of a later broken hash.
  const std::string msg =
      problem(tampered("UPDATE journal SET signature = ? WHERE seq IN (5000, 8500);"
                       "UPDATE journal SET at = 11 WHERE seq = 9003;",
                       {junk_signature()}));
  EXPECT_NE(msg.find("entry 5000 (deposit d4992): the signature is not the treasury's"),
            std::string::npos)
      << msg;
  EXPECT_NE(problem(tampered("UPDATE journal SET at = 11 WHERE seq = 9003;"
                             "UPDATE journal SET signature = ? WHERE seq = 9004;",
                             {junk_signature()}))
                .find("entry 9003 (deposit d8995): its contents do not match its hash"),
            std::string::npos);
}

TEST_F(Verify, RefusesAnotherTreasuryKey) {
  auto r = verify_ledger(path, test::identity_from(9).public_key());
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("entry 1: this ledger was created by treasury key " +
                                   treasury_id.public_key().hex()),
            std::string::npos)
      << r.error().message;
}

TEST_F(Verify, RejectsAFileThatIsNotALedger) {
  const std::string other = test::ledger_location(dir, "other.db");
  {
    auto db = storage::Database::open(other);
    ASSERT_TRUE(db.has_value());
    ASSERT_TRUE(db->exec("CREATE TABLE t(x INTEGER)").has_value());
  }
  auto r = verify_ledger(other, treasury_id.public_key());
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("is not a seedgrid ledger"), std::string::npos)
      << r.error().message;
  EXPECT_FALSE(verify_ledger((dir / "missing.db"), treasury_id.public_key()).has_value());
}

}  // namespace

// A batch is signed once, at its last entry; the chain carries that signature to the others.
class VerifyBatch : public Verify {
 protected:
  void SetUp() override {
    Verify::SetUp();
    Ledger ledger = open();
    std::vector<Operation> deposits;
    for (int i = 0; i < 3; ++i)  // entries 8, 9, 10
      deposits.push_back(Deposit{
          .key = message_of("batch/", i), .at = 7, .account = "user:bob", .amount = units(1 + i)});
    for (const auto& r : ledger.apply_batch(deposits)) ASSERT_TRUE(r.has_value());
  }

  // Entry `seq`'s hash recomputed from its stored fields over `prev`, with its postings a deposit
  // of `amount` to user:bob.
  Digest rehash(std::uint64_t seq, const Digest& prev, Micros amount) {
    auto db = storage::Database::open(path);
    EXPECT_TRUE(db.has_value());
    auto st = db->prepare("SELECT at, op, idem_key, request FROM journal WHERE seq = ?");
    EXPECT_TRUE(st.has_value());
    st->bind(1, static_cast<std::int64_t>(seq));
    EXPECT_TRUE(st->step().value_or(false));
    const std::vector<Posting> postings = {{"mint", Asset::credits, -amount},
                                           {"user:bob", Asset::credits, amount}};
    return journal::entry_hash(seq, prev, st->column_int64(0), st->column_text(1),
                               st->column_text(2), st->column_text(3), postings);
  }
  Digest stored_hash(std::uint64_t seq) {
    auto db = storage::Database::open(path);
    EXPECT_TRUE(db.has_value());
    auto st = db->prepare("SELECT hash FROM journal WHERE seq = ?");
    st->bind(1, static_cast<std::int64_t>(seq));
    EXPECT_TRUE(st->step().value_or(false));
    Digest d{};
    const auto blob = st->column_blob(0);
    std::copy(blob.begin(), blob.end(), d.begin());
    return d;
  }
  static std::vector<std::uint8_t> bytes(const Digest& d) { return {d.begin(), d.end()}; }
};

TEST_F(VerifyBatch, OnlyTheLastEntryOfABatchCarriesASignature) {
  auto db = storage::Database::open(path);
  ASSERT_TRUE(db.has_value());
  auto st = db->prepare("SELECT seq, length(signature) FROM journal WHERE seq >= 7 ORDER BY seq");
  ASSERT_TRUE(st.has_value());
  std::vector<std::pair<std::int64_t, std::int64_t>> lengths;
  while (st->step().value_or(false)) lengths.emplace_back(st->column_int64(0), st->column_int64(1));
  const std::vector<std::pair<std::int64_t, std::int64_t>> expected = {
      {7, 64}, {8, 0}, {9, 0}, {10, 64}};
  EXPECT_EQ(lengths, expected);
  auto r = verify_ledger(path, treasury_id.public_key());
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(r->entries, 10u);
}

TEST_F(VerifyBatch, AnUnsignedEntryRewrittenWithItsChainBreaksTheBatchSignature) {
  // Entry 9 (2 credits) becomes 5 credits, its hash and entry 10's link and hash recomputed: every
  // hash checks, and entry 10's signature no longer covers what it is stored with.
  const Digest h9 = rehash(9, stored_hash(8), units(5));
  const Digest h10 = rehash(10, h9, units(3));
  const std::string msg = problem(tampered(
      "UPDATE postings SET amount = -5000000 WHERE seq = 9 AND idx = 0;"
      "UPDATE postings SET amount = 5000000 WHERE seq = 9 AND idx = 1;"
      "UPDATE journal SET hash = ? WHERE seq = 9;"
      "UPDATE journal SET prev_hash = ?, hash = ? WHERE seq = 10",
      {bytes(h9), bytes(h9), bytes(h10)}));
  EXPECT_NE(msg.find("entry 10 (deposit batch/2): the signature is not the treasury's"),
            std::string::npos)
      << msg;
}

TEST_F(VerifyBatch, ALedgerCutInsideABatchIsRefused) {
  const std::string msg = problem(
      tampered("DELETE FROM postings WHERE seq = 10; DELETE FROM journal WHERE seq = 10"));
  EXPECT_NE(msg.find("entries 8..9 are signed by no entry"), std::string::npos) << msg;
}
