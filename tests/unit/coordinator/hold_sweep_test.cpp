// The sweep after a start (hold_sweep.cpp): a hold order leaves as its request's commit starts,
// so a crash between the two leaves a hold that no journal knows. The next start releases it,
// the id stays refused, and holds of requests the coordinator knows are left alone.
#include "tests/unit/coordinator/core_fixture.hpp"

namespace seedgrid::coordinator::testing {
namespace {

using protocol::ErrorCode;
using protocol::LedgerOrderKind;

class HoldSweep : public CoreFixture {
 protected:
  // Submits `id` as the actor does up to the crash: the hold order leaves before the commit,
  // the treasury places the hold, and the coordinator dies with the commit unfinished (the
  // reopened journal rolls the transaction back).
  void submit_and_crash_before_the_commit(const std::string& id) {
    Outbox lost;
    ASSERT_TRUE(core_->submit(request(id, 2), now_, lost).reply.ok());
    const auto orders = orders_of(lost);
    ASSERT_EQ(orders.size(), 1u);
    ASSERT_EQ(orders[0].kind, LedgerOrderKind::hold);
    EXPECT_EQ(orders[0].coordinator, coordinator_id_.public_key().hex());
    ASSERT_TRUE(desk_->apply(orders, 1'700'000'000)[0].ok);
    now_ += 5'000;
    open_core();
    ASSERT_EQ(core_->request(id), nullptr) << "the crash kept " << id << " out of the journal";
    register_node(w1_, protocol::Role::worker, worker_caps(1));  // its link comes back
  }

  bool released(const std::string& request_id) const {
    auto hold = ledger_->hold_for_request(request_id);
    EXPECT_TRUE(hold && *hold) << request_id << " has no hold";
    return hold && *hold && (*hold)->released;
  }
};

TEST_F(HoldSweep, AHoldWhoseRequestACrashKeptOutOfTheJournalIsReleasedAtTheNextStart) {
  register_node(w1_, protocol::Role::worker, worker_caps(1));
  const std::int64_t before = credits(payer_account());
  ASSERT_TRUE(submit(request("kept", 1)).outcome.ok());  // journaled before the crash
  const std::int64_t kept_price = before - credits(payer_account());
  ASSERT_GT(kept_price, 0);
  submit_and_crash_before_the_commit("lost");
  EXPECT_EQ(credits(payer_account()), before - 3 * kept_price) << "both holds were placed";

  Outbox out;
  core_->tick(now_, out);
  pump(out);
  EXPECT_EQ(sweeps_asked_, 1u);
  EXPECT_TRUE(released("lost"));
  EXPECT_FALSE(released("kept")) << "a journaled request keeps its hold";
  EXPECT_EQ(credits(payer_account()), before - kept_price);
  // Asked once per start.
  now_ += 60'000;
  Outbox later;
  core_->tick(now_, later);
  pump(later);
  EXPECT_EQ(sweeps_asked_, 1u);

  // The client that never heard back retries: told to choose another id, charged nothing.
  const auto retry = submit(request("lost", 2));
  EXPECT_EQ(retry.outcome.code, ErrorCode::duplicate_request);
  EXPECT_NE(retry.outcome.reason.find("submit it under a new id"), std::string::npos)
      << retry.outcome.reason;
  EXPECT_EQ(core_->request("lost"), nullptr);
  EXPECT_EQ(credits(payer_account()), before - kept_price);
  ASSERT_NE(core_->request("kept"), nullptr);
  EXPECT_EQ(core_->request("kept")->phase, RequestPhase::active);
  expect_conservation();
}

TEST_F(HoldSweep, ARetryWhileTheLeftHoldIsBeingReleasedIsRefusedByTheCoordinator) {
  register_node(w1_, protocol::Role::worker, worker_caps(1));
  const std::int64_t before = credits(payer_account());
  submit_and_crash_before_the_commit("lost");
  Outbox out;
  core_->tick(now_, out);
  ASSERT_EQ(out.list<AskOpenHolds>().size(), 1u);
  Outbox release;
  core_->on_open_holds(desk_->open_holds(out.list<AskOpenHolds>()[0].coordinator), now_, release);
  ASSERT_TRUE(core_->commit());
  const auto orders = orders_of(release);
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].kind, LedgerOrderKind::release);
  EXPECT_EQ(orders[0].key, "release/lost");

  // Before the treasury applies the release, a retry would replay the still-open hold, and the
  // release would then take it from under the request: the coordinator refuses the id itself.
  Outbox retry_out;
  const auto retry = core_->submit(request("lost", 2), now_, retry_out);
  EXPECT_EQ(retry.reply.code, ErrorCode::duplicate_request);
  EXPECT_NE(retry.reply.reason.find("its hold is being released"), std::string::npos)
      << retry.reply.reason;
  EXPECT_TRUE(orders_of(retry_out).empty());

  pump(release);
  EXPECT_TRUE(released("lost"));
  EXPECT_EQ(credits(payer_account()), before);
  // From here the treasury refuses it.
  const auto after = submit(request("lost", 2));
  EXPECT_EQ(after.outcome.code, ErrorCode::duplicate_request) << after.outcome.reason;
  EXPECT_EQ(credits(payer_account()), before);
  expect_conservation();
}

TEST_F(HoldSweep, TheHoldOfARequestInMemoryIsLeftToItsRequest) {
  register_node(w1_, protocol::Role::worker, worker_caps(1));
  Outbox out;
  core_->tick(now_, out);
  ASSERT_EQ(out.list<AskOpenHolds>().size(), 1u);
  const std::string coordinator = out.list<AskOpenHolds>()[0].coordinator;
  // A request's hold order left before its commit, and the treasury placed the hold before it
  // answered the sweep, whose answer comes before the receipt.
  Outbox submitted;
  ASSERT_TRUE(core_->submit(request("r", 1), now_, submitted).reply.ok());
  ASSERT_TRUE(core_->commit());
  const auto holds = orders_of(submitted);
  ASSERT_EQ(holds.size(), 1u);
  const auto receipts = desk_->apply(holds, 1'700'000'000);
  ASSERT_TRUE(receipts[0].ok);
  const auto listed = desk_->open_holds(coordinator);
  ASSERT_TRUE(listed.ok) << listed.error;
  ASSERT_EQ(listed.holds.size(), 1u);
  EXPECT_EQ(listed.holds[0].request_id, "r");
  Outbox swept;
  core_->on_open_holds(listed, now_, swept);
  EXPECT_TRUE(orders_of(swept).empty()) << "the sweep released a hold its request still needs";

  Outbox placed;
  core_->on_receipt(holds[0], receipts[0], now_, placed);
  pump(placed);
  auto jobs = take_jobs();
  ASSERT_EQ(jobs.size(), 1u);
  ASSERT_TRUE(deliver(jobs[0], w1_).ok());
  EXPECT_EQ(core_->request("r")->phase, RequestPhase::done);
  EXPECT_TRUE(released("r"));
  expect_conservation();
}

TEST_F(HoldSweep, ASweepTheTreasuryDidNotAnswerIsAskedAgainAfterTheRetryTime) {
  Outbox out;
  core_->tick(now_, out);
  ASSERT_EQ(out.list<AskOpenHolds>().size(), 1u);
  core_->open_holds_unknown(now_);
  Outbox soon;
  core_->tick(now_ + 1, soon);
  EXPECT_TRUE(soon.list<AskOpenHolds>().empty());
  Outbox due;
  core_->tick(now_ + CoreOptions{}.order_retry_ms, due);
  EXPECT_EQ(due.list<AskOpenHolds>().size(), 1u);
  // A refusal (the treasury could not read its ledger) counts as no answer.
  protocol::OpenHoldsReply refused;
  refused.error = "disk I/O error";
  Outbox none;
  core_->on_open_holds(refused, now_, none);
  EXPECT_TRUE(orders_of(none).empty());
  Outbox back;
  core_->treasury_up(now_ + 1, back);  // the treasury coming up asks at once
  EXPECT_EQ(back.list<AskOpenHolds>().size(), 1u);
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
