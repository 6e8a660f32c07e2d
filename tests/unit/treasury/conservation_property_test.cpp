// Property: whatever sequence of operations arrives — valid, invalid, retried, batched — every
// transaction conserves each asset (balances + stakes + holds + burned = minted), no account but
// the mint goes negative, a rejected operation changes nothing, and the result verifies.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "actors/treasury/journal.hpp"
#include "actors/treasury/verify.hpp"
#include "ledger_fixture.hpp"

using namespace seedgrid;
using namespace seedgrid::treasury;
using test::units;

namespace {

class RandomOperations {
 public:
  explicit RandomOperations(std::uint64_t seed) : rng_(seed) {}

  Operation next() {
    ++n_;
    at_ += pick(0, 40);
    // Now and then an old key again: an exact retry or (via a fresh op under it) a conflict.
    if (!issued_.empty() && chance(6)) {
      Operation old = issued_[pick(0, issued_.size() - 1)];
      if (chance(2)) {
        std::visit([&](auto& o) { o.at = at_; }, old);  // a retry stamped later
      } else {
        std::visit([&](auto& o) { o.key = key_of(issued_[pick(0, issued_.size() - 1)]); }, old);
      }
      return old;
    }
    Operation op = fresh();
    issued_.push_back(op);
    return op;
  }

  void note_hold(std::int64_t id) { holds_.push_back(id); }

  // A treasury batch's run of settlements, all stamped now: a few recent holds' jobs, with exact
  // retries of earlier ones, second attempts of a job, and keys reused within the run.
  std::vector<Operation> settlement_run() {
    ++n_;
    at_ += 1;
    std::vector<Operation> run;
    for (std::size_t i = 0, n = pick(2, 24); i < n; ++i) {
      ++n_;
      if (!run.empty() && chance(10)) {
        run.push_back(run[pick(0, run.size() - 1)]);  // the same order twice in one batch
        continue;
      }
      const std::int64_t hold = holds_.empty() || chance(30)
                                    ? 999'999
                                    : holds_[holds_.size() - 1 - pick(0, 2) % holds_.size()];
      SettleJob op{key(), at_, hold, job(), worker(), creator()};
      if (!run.empty() && chance(12)) op.key = key_of(run[pick(0, run.size() - 1)]);
      run.push_back(std::move(op));
    }
    return run;
  }

 private:
  std::size_t pick(std::size_t lo, std::size_t hi) { return lo + rng_() % (hi - lo + 1); }
  bool chance(int one_in) { return rng_() % static_cast<std::uint64_t>(one_in) == 0; }
  std::string key() { return message_of("k", n_); }
  std::string any(const char* role, int n) {
    return std::string(role) + message_of(":", pick(0, n - 1));
  }
  std::string user() { return chance(25) ? any("worker", 3) : any("user", 4); }
  std::string worker() { return chance(25) ? any("user", 3) : any("worker", 4); }
  Micros amount(Micros typical) {
    switch (pick(0, 12)) {
      case 0:
        return 0;
      case 1:
        return -static_cast<Micros>(pick(1, 1000));
      case 2:
        return Micros{1} << 60;
      default:
        return static_cast<Micros>(pick(1, static_cast<std::size_t>(typical)));
    }
  }
  std::int64_t hold() {
    return holds_.empty() || chance(15) ? 999'999 : holds_[pick(0, holds_.size() - 1)];
  }
  std::string job() { return message_of("j", pick(0, 9)); }
  std::string creator() { return chance(3) ? "" : any("creator", 2); }

  Operation fresh() {
    switch (pick(0, 11)) {
      case 0:
        return Deposit{key(), at_, user(), amount(units(20))};
      case 1:
        return Transfer{key(),
                        at_,
                        chance(3) ? Asset::credits : Asset::tokens,
                        chance(2) ? worker() : user(),
                        chance(2) ? user() : any("validator", 2),
                        amount(units(500))};
      case 2:
      case 3:
        return OpenHold{key(),
                        at_,
                        user(),
                        message_of("r", pick(0, 60)),
                        {.base_render_millis = static_cast<std::int64_t>(pick(1'000, 80'000)),
                         .steps = static_cast<int>(pick(0, 40)),
                         .width = static_cast<int>(pick(1, 96) * 8),
                         .height = static_cast<int>(pick(1, 96) * 8),
                         .tier = chance(2) ? Tier::fast : Tier::relaxed,
                         .count = static_cast<int>(pick(1, 6)),
                         .img2img = chance(4),
                         .previews = chance(4)}};
      case 4:
      case 5:
        return SettleJob{key(), at_, hold(), job(), worker(), creator()};
      case 6:
        return PayCancelledJob{
            key(), at_, hold(), job(), worker(), creator(), static_cast<int>(pick(0, 45))};
      case 7:
        return chance(2) ? Operation(RefundJob{key(), at_, hold(), job()})
                         : Operation(ReleaseHold{key(), at_, hold()});
      case 8:
        return Slash{key(),
                     at_,
                     message_of("v", pick(0, 40)),
                     worker(),
                     any("validator", 2),
                     chance(2) ? hold() : 0,
                     job()};
      case 9:
        return Stake{key(), at_, worker(), amount(units(3'000))};
      case 10:
        return chance(2) ? Operation(Unstake{key(), at_, worker(), amount(units(2'000))})
                         : Operation(Withdraw{key(), at_, worker()});
      default: {
        CloseEpoch e{key(), at_, static_cast<std::int64_t>(epoch_ += pick(0, 2)), {}, {}};
        e.skip = chance(2);  // a gap is refused unless skipped
        for (int i = 0, n = static_cast<int>(pick(0, 4)); i < n; ++i)
          e.workers.push_back({any("worker", 5), static_cast<std::int64_t>(pick(0, 5'000)),
                               static_cast<std::int64_t>(pick(0, 3'600))});
        for (int i = 0, n = static_cast<int>(pick(0, 3)); i < n; ++i)
          e.models.push_back({message_of("m", i), chance(20) ? "user:x" : any("creator", 3),
                              static_cast<std::int64_t>(pick(0, 100'000))});
        return e;
      }
    }
  }

  std::mt19937_64 rng_;
  std::uint64_t n_ = 0;
  std::int64_t at_ = 1'000;
  std::int64_t epoch_ = 0;
  std::vector<std::int64_t> holds_;
  std::vector<Operation> issued_;
};

class Conservation : public test::LedgerFixture {
 protected:
  void check_invariants(Ledger& ledger, const std::string& after) {
    expect_conserved(ledger);
    const auto balances = ledger.balances();
    ASSERT_TRUE(balances.has_value());
    for (const Balance& b : *balances) {
      if (b.account != "mint") {
        ASSERT_GE(b.amount, 0) << b.account << " went negative after " << after;
      }
    }
  }
};

TEST_F(Conservation, HoldsAfterEveryOperationOfARandomStream) {
  config.epoch_reward = units(2'000);
  config.unbonding_seconds = 300;
  Ledger ledger = open();
  RandomOperations gen(20240601);
  std::map<std::string, int> accepted, rejected;
  int replayed = 0;

  for (int i = 0; i < 3'000; ++i) {
    const Operation op = gen.next();
    const std::string name =
        std::visit([](const auto& o) { return std::string(typeid(o).name()); }, op);
    const std::string before = state_of(ledger);
    auto r = ledger.apply(op);
    if (r) {
      if (r->hold_id && !r->replayed) gen.note_hold(r->hold_id);
      if (r->replayed) {
        ++replayed;
        ASSERT_EQ(state_of(ledger), before) << "a replay changed the ledger (op " << i << ")";
      }
      ++accepted[r->op];
    } else {
      ++rejected[name];
      ASSERT_FALSE(r.error().message.empty());
      ASSERT_EQ(r.error().message.find("internal error"), std::string::npos) << r.error().message;
      ASSERT_EQ(state_of(ledger), before)
          << "rejected op " << i << " changed the ledger: " << r.error().message;
    }
    check_invariants(ledger, message_of("operation ", i));
    if (HasFatalFailure()) return;
  }

  // Batches: the same properties per transaction, with rejections inside a batch.
  for (int b = 0; b < 60; ++b) {
    std::vector<Operation> ops;
    for (int i = 0, n = 1 + b % 25; i < n; ++i) ops.push_back(gen.next());
    const std::uint64_t head_before = ledger.head_seq();
    const auto results = ledger.apply_batch(ops);
    ASSERT_EQ(results.size(), ops.size());
    // A hold's settlements in one batch share one entry (settle_group.hpp).
    std::set<std::uint64_t> appended;
    for (const auto& r : results) {
      if (r && r->hold_id && !r->replayed) gen.note_hold(r->hold_id);
      if (r && !r->replayed) appended.insert(r->seq);
    }
    EXPECT_EQ(ledger.head_seq(), head_before + appended.size());
    check_invariants(ledger, message_of("batch ", b));
    if (HasFatalFailure()) return;
  }

  // The stream exercised every kind of operation, both ways.
  for (const char* op : {"deposit", "transfer", "hold", "settle", "cancel", "refund", "release",
                         "slash", "stake", "unstake", "withdraw", "epoch"})
    EXPECT_GT(accepted[op], 3) << op;
  int total_rejected = 0;
  for (const auto& [name, n] : rejected) total_rejected += n;
  EXPECT_GT(total_rejected, 500);
  for (const auto& [op, n] : accepted) std::printf("accepted %s %d\n", op.c_str(), n);
  for (const auto& [op, n] : rejected) std::printf("rejected %s %d\n", op.c_str(), n);
  std::printf("replayed %d\n", replayed);
  EXPECT_GT(replayed, 50);
  auto report = verify_ledger(path, treasury_id.public_key());
  ASSERT_TRUE(report.has_value()) << report.error().message;
  EXPECT_EQ(report->head, ledger.head_hash());
}

TEST_F(Conservation, GroupedSettlementsAnswerEveryOperationAsLoneOnesWould) {
  // Ledger A takes batches (a hold's settlements become one entry); ledger B the same operations
  // one at a time. Every operation must get the same outcome and postings from both, and the
  // balances must agree after every batch. A hold's id is its entry's seq, so the two ledgers
  // number holds differently: operations name B's holds and are translated for A.
  config.epoch_reward = units(2'000);
  Ledger grouped = open();
  auto lone_ledger = Ledger::open(test::ledger_location(dir, "lone.db"), treasury_id, config);
  ASSERT_TRUE(lone_ledger.has_value()) << lone_ledger.error().message;
  Ledger& lone = *lone_ledger;
  std::map<std::int64_t, std::int64_t> hold_in_grouped;
  auto for_grouped = [&](Operation op) {
    std::visit(
        [&](auto& o) {
          if constexpr (requires { o.hold_id; })
            if (auto it = hold_in_grouped.find(o.hold_id); it != hold_in_grouped.end())
              o.hold_id = it->second;
        },
        op);
    return op;
  };
  // Accounts named by an entry's seq (holds, unbonding entries) are compared by the order each
  // ledger first showed them in a receipt, which is the same in both.
  struct Aliases {
    std::map<std::string, std::string> names;
    std::map<std::string, int> counts;
    std::string of(const std::string& account) {
      for (std::string_view prefix : {"hold:", "unbonding:"}) {
        if (!account.starts_with(prefix)) continue;
        auto [it, fresh] = names.try_emplace(account);
        if (fresh) it->second = message_of(prefix, "#", counts[std::string(prefix)]++);
        return it->second;
      }
      return account;
    }
    std::vector<Posting> postings(std::vector<Posting> postings) {
      for (Posting& p : postings) p.account = of(p.account);
      return postings;
    }
    std::vector<Balance> balances(std::vector<Balance> balances) {
      for (Balance& b : balances) b.account = of(b.account);
      std::sort(balances.begin(), balances.end(), [](const Balance& a, const Balance& b) {
        return std::tie(a.account, a.asset) < std::tie(b.account, b.asset);
      });
      return balances;
    }
  } grouped_names, lone_names;
  RandomOperations gen(20261205);
  int settled_in_groups = 0;
  for (int b = 0; b < 300; ++b) {
    std::vector<Operation> ops;
    if (b < 40 || b % 2 == 0)
      for (int i = 0; i < 8; ++i) ops.push_back(gen.next());
    if (b >= 20) {
      auto run = gen.settlement_run();
      ops.insert(ops.end(), run.begin(), run.end());
    }
    std::vector<Operation> translated;
    for (const Operation& op : ops) translated.push_back(for_grouped(op));
    const auto results = grouped.apply_batch(translated);
    ASSERT_EQ(results.size(), ops.size());
    std::map<std::uint64_t, int> jobs_per_entry;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      auto alone = lone.apply(ops[i]);
      ASSERT_EQ(results[i].has_value(), alone.has_value())
          << "batch " << b << " op " << i << " (" << key_of(ops[i]) << "): "
          << (results[i] ? "grouped applied it, alone: " + alone.error().message
                         : "alone applied it, grouped: " + results[i].error().message);
      if (!alone) continue;
      if (alone->hold_id && !alone->replayed) {
        gen.note_hold(alone->hold_id);
        hold_in_grouped[alone->hold_id] = results[i]->hold_id;
      }
      EXPECT_EQ(grouped_names.postings(results[i]->postings), lone_names.postings(alone->postings))
          << "batch " << b << " op " << i;
      EXPECT_EQ(results[i]->replayed, alone->replayed) << "batch " << b << " op " << i;
      if (results[i]->op == "settle" && !results[i]->replayed) ++jobs_per_entry[results[i]->seq];
    }
    for (const auto& [seq, jobs] : jobs_per_entry) settled_in_groups += jobs > 1 ? jobs : 0;
    ASSERT_EQ(grouped_names.balances(grouped.balances().value()),
              lone_names.balances(lone.balances().value()))
        << "after batch " << b;
    check_invariants(grouped, message_of("batch ", b));
    if (HasFatalFailure()) return;
  }
  std::printf("jobs settled in groups: %d; entries: grouped %llu, lone %llu\n", settled_in_groups,
              static_cast<unsigned long long>(grouped.head_seq()),
              static_cast<unsigned long long>(lone.head_seq()));
  // Most random settlements are refused (full holds, bad payees); enough are grouped to matter.
  EXPECT_GT(settled_in_groups, 60);
  EXPECT_LT(grouped.head_seq(), lone.head_seq());
  auto report = verify_ledger(path, treasury_id.public_key());
  ASSERT_TRUE(report.has_value()) << report.error().message;
}

}  // namespace
