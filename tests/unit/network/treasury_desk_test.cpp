#include <gtest/gtest.h>

#include "actors/treasury/ledger.hpp"
#include "actors/treasury/treasury_actor_desk.hpp"
#include "tests/unit/common/test_dir.hpp"

namespace seedgrid::treasury {
namespace {

class DeskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto ledger = Ledger::open(dir_ / "l.sqlite", key_, TreasuryConfig{});
    ASSERT_TRUE(ledger) << ledger.error().message;
    ledger_ = std::make_unique<Ledger>(std::move(*ledger));
    desk_ = std::make_unique<TreasuryDesk>(*ledger_);
    ASSERT_TRUE(ledger_->apply(Deposit{"d", 1, payer_, 10 * kMicrosPerUnit}));
  }
  protocol::LedgerOrder hold(const std::string& request, std::uint32_t count) const {
    protocol::LedgerOrder o;
    o.kind = protocol::LedgerOrderKind::hold;
    o.key = "hold/" + request;
    o.payer = payer_;
    o.request_id = request;
    o.price = {43'200, 20, 512, 512, protocol::Tier::fast, count};
    return o;
  }
  protocol::LedgerReceipt apply(const protocol::LedgerOrder& o) {
    return desk_->apply(std::span(&o, 1), 100).front();
  }
  seedgrid::test::TestDir dir_;  // first: it outlives the ledger open in it
  Identity key_ = Identity::from_seed({1});
  std::string payer_ = "user:alice";
  std::unique_ptr<Ledger> ledger_;
  std::unique_ptr<TreasuryDesk> desk_;
};

TEST_F(DeskTest, HoldSettleRefundReleaseReportWhatMoved) {
  const auto held = apply(hold("r", 3));
  ASSERT_TRUE(held.ok) << held.error;
  EXPECT_EQ(held.per_job, kMicrosPerUnit);  // 1 credit buys one base render
  EXPECT_EQ(held.held, 3 * kMicrosPerUnit);
  const auto held_again = apply(hold("r", 3));  // a restarted coordinator's re-sent hold
  ASSERT_TRUE(held_again.ok) << held_again.error;
  EXPECT_FALSE(held_again.hold_released);
  EXPECT_TRUE(held_again.replayed);
  EXPECT_EQ(held_again.hold_id, held.hold_id);
  EXPECT_EQ(held_again.per_job, held.per_job) << "a replayed hold's receipt lost its price";
  protocol::LedgerOrder settle;
  settle.kind = protocol::LedgerOrderKind::settle;
  settle.key = "settle/r/0/1";
  settle.hold_id = held.hold_id;
  settle.job_id = "r/0";
  settle.worker = "worker:w";
  settle.creator = "creator:c";
  const auto paid = apply(settle);
  ASSERT_TRUE(paid.ok) << paid.error;
  EXPECT_GT(paid.worker_paid, 0);
  EXPECT_GT(paid.creator_paid, 0);
  EXPECT_EQ(paid.worker_paid + paid.creator_paid + paid.platform_fee + paid.burned, held.per_job);
  const auto again = apply(settle);  // a re-sent order
  EXPECT_TRUE(again.ok);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.seq, paid.seq);

  protocol::LedgerOrder refund;
  refund.kind = protocol::LedgerOrderKind::refund;
  refund.key = "refund/r/1/3";
  refund.hold_id = held.hold_id;
  refund.job_id = "r/1";
  EXPECT_EQ(apply(refund).payer_refunded, held.per_job);
  protocol::LedgerOrder release;
  release.kind = protocol::LedgerOrderKind::release;
  release.key = "release/r";
  release.hold_id = held.hold_id;
  EXPECT_EQ(apply(release).payer_refunded, held.per_job);
  EXPECT_EQ(ledger_->balance(payer_, Asset::credits).value(), 9 * kMicrosPerUnit);

  // The request's id again after its hold went back (a client's retry after a coordinator
  // released a hold it found without its request): nothing escrows it, so it is refused.
  const auto after_release = apply(hold("r", 3));
  EXPECT_FALSE(after_release.ok);
  EXPECT_FALSE(after_release.insufficient_funds);
  EXPECT_TRUE(after_release.hold_released);
  EXPECT_EQ(after_release.error, "request r's hold " + std::to_string(held.hold_id) +
                                     " was released; the request id cannot be held again: "
                                     "submit it under a new id");
  EXPECT_EQ(ledger_->balance(payer_, Asset::credits).value(), 9 * kMicrosPerUnit);
}

TEST_F(DeskTest, OpenHoldsAreListedForTheCoordinatorThatOrderedThem) {
  const std::string mine = Identity::from_seed({7}).public_key().hex();
  const std::string theirs = Identity::from_seed({8}).public_key().hex();
  auto ordered_by = [&](const std::string& request, const std::string& coordinator) {
    protocol::LedgerOrder o = hold(request, 1);
    o.coordinator = coordinator;
    const auto r = apply(o);
    EXPECT_TRUE(r.ok) << r.error;
    return r.hold_id;
  };
  const std::int64_t a = ordered_by("a", mine);
  ordered_by("b", theirs);
  const std::int64_t c = ordered_by("c", mine);
  const auto listed = desk_->open_holds(mine);
  ASSERT_TRUE(listed.ok) << listed.error;
  ASSERT_EQ(listed.holds.size(), 2u);
  EXPECT_EQ(listed.holds[0].hold_id, a);
  EXPECT_EQ(listed.holds[0].request_id, "a");
  EXPECT_EQ(listed.holds[1].hold_id, c);
  EXPECT_EQ(listed.holds[1].request_id, "c");
  const auto refused = desk_->open_holds("coordinator-7");
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.error.find("'coordinator-7' is not a coordinator key"), std::string::npos)
      << refused.error;
}

TEST_F(DeskTest, AHoldThePayerCannotCoverIsToldApart) {
  const auto r = apply(hold("big", 500));
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.insufficient_funds);
  EXPECT_NE(r.error.find("user:alice has 10000000 micro-credits"), std::string::npos) << r.error;
  protocol::LedgerOrder bad = hold("x", 1);
  bad.payer = "worker:nope";  // a payer must be a user
  const auto refused = apply(bad);
  EXPECT_FALSE(refused.ok);
  EXPECT_FALSE(refused.insufficient_funds);
}

TEST_F(DeskTest, BatchAnswersEachOrderInPlace) {
  std::vector<protocol::LedgerOrder> orders{hold("a", 1), hold("b", 1000), hold("c", 1)};
  const auto receipts = desk_->apply(orders, 5);
  ASSERT_EQ(receipts.size(), 3u);
  EXPECT_TRUE(receipts[0].ok);
  EXPECT_FALSE(receipts[1].ok);
  EXPECT_TRUE(receipts[2].ok);
  EXPECT_NE(receipts[0].hold_id, receipts[2].hold_id);
}

TEST_F(DeskTest, QuoteAndStake) {
  const auto q = desk_->quote({43'200, 20, 512, 512, protocol::Tier::relaxed, 2});
  ASSERT_TRUE(q.ok) << q.error;
  EXPECT_EQ(q.per_job, kMicrosPerUnit / 2);
  EXPECT_EQ(q.total, kMicrosPerUnit);
  EXPECT_FALSE(desk_->quote({43'200, 0, 512, 512, protocol::Tier::fast, 1}).ok);
  const auto s = desk_->stake("worker:w");
  ASSERT_TRUE(s.ok) << s.error;
  EXPECT_EQ(s.bonded, 0);
  EXPECT_FALSE(s.serves_fast);  // default minimum stake
}

TEST(TreasuryConfigOf, NodeConfigEconomicsWithPaths) {
  config::TreasurySection t;
  t.economics = {{"slash_ppm", 250'000}, {"min_stake_fast", 0}};
  auto c = treasury_config_of(t);
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->slash_ppm, 250'000);
  EXPECT_EQ(c->min_stake_fast, 0);
  t.economics = {{"slash_pmm", 1}};
  auto unknown = treasury_config_of(t);
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("$.treasury.economics.slash_pmm"), std::string::npos)
      << unknown.error().message;
  t.economics = {{"slash_ppm", 2'000'000}};
  auto range = treasury_config_of(t);
  ASSERT_FALSE(range);
  EXPECT_NE(range.error().message.find("$.treasury.economics"), std::string::npos);
}

}  // namespace
}  // namespace seedgrid::treasury
