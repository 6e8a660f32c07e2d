// A hold's life as a coordinator's crash can leave it: the holds each coordinator ordered are
// listed while open, a released hold still replays under its key, and a hold written before
// holds named their coordinator replays for a retry that names one (escrow.cpp,
// Ledger::open_holds_ordered_by).
#include <gtest/gtest.h>

#include "actors/treasury/verify.hpp"
#include "ledger_fixture.hpp"

using namespace seedgrid;
using namespace seedgrid::treasury;
using test::units;

namespace {

const std::string kCoordinatorA = test::identity_from(7).public_key().hex();
const std::string kCoordinatorB = test::identity_from(8).public_key().hex();

class Escrow : public test::LedgerFixture {
 protected:
  // One base render for `coordinator` (empty: as an older build ordered it).
  static OpenHold one_image(const std::string& request_id, const std::string& coordinator) {
    return base_renders(request_id, 1, 100, coordinator);
  }
  static ReleaseHold release(const std::string& request_id, std::int64_t hold_id) {
    return ReleaseHold{.key = "release/" + request_id, .at = 200, .hold_id = hold_id};
  }
  static std::vector<OpenHoldOf> open_of(Ledger& ledger, const std::string& coordinator) {
    auto holds = ledger.open_holds_ordered_by(coordinator);
    EXPECT_TRUE(holds.has_value()) << holds.error().message;
    return holds.value_or(std::vector<OpenHoldOf>{});
  }
};

TEST_F(Escrow, OpenHoldsAreListedForTheCoordinatorThatOrderedThemUntilReleased) {
  Ledger ledger = open();
  applied(ledger, Deposit{.key = "buy", .at = 1, .account = "user:alice", .amount = units(10)});
  const std::int64_t a1 = applied(ledger, one_image("a1", kCoordinatorA)).hold_id;
  const std::int64_t b1 = applied(ledger, one_image("b1", kCoordinatorB)).hold_id;
  const std::int64_t a2 = applied(ledger, one_image("a2", kCoordinatorA)).hold_id;
  applied(ledger, one_image("old", ""));
  const std::vector<OpenHoldOf> both{{a1, "a1"}, {a2, "a2"}};
  EXPECT_EQ(open_of(ledger, kCoordinatorA), both);
  EXPECT_EQ(open_of(ledger, kCoordinatorB), (std::vector<OpenHoldOf>{{b1, "b1"}}));
  EXPECT_TRUE(open_of(ledger, "").empty()) << "a hold that names no coordinator is no one's";

  applied(ledger, release("a1", a1));
  EXPECT_EQ(open_of(ledger, kCoordinatorA), (std::vector<OpenHoldOf>{{a2, "a2"}}));
  // Reopened (another process, or after a restart), the ledger lists the same.
  Ledger again = open();
  EXPECT_EQ(open_of(again, kCoordinatorA), (std::vector<OpenHoldOf>{{a2, "a2"}}));
  expect_conserved(again);
  // verify re-derives the holds from entries that name their coordinator.
  auto report = verify_ledger(path, treasury_id.public_key());
  EXPECT_TRUE(report.has_value()) << report.error().message;
}

TEST_F(Escrow, AReleasedHoldStillReplaysUnderItsKey) {
  Ledger ledger = open();
  applied(ledger, Deposit{.key = "buy", .at = 1, .account = "user:alice", .amount = units(10)});
  const JournalReceipt hold = applied(ledger, one_image("r", kCoordinatorA));
  applied(ledger, release("r", hold.hold_id));
  // The ledger answers every key as it first did; refusing a request under a released hold is
  // the treasury desk's (treasury_actor_desk.cpp), which reads the hold the receipt names.
  const JournalReceipt retry = applied(ledger, one_image("r", kCoordinatorA));
  EXPECT_TRUE(retry.replayed);
  EXPECT_EQ(retry.hold_id, hold.hold_id);
  EXPECT_TRUE(ledger.hold(retry.hold_id)->released);
  EXPECT_EQ(ledger.balance("user:alice", Asset::credits).value(), units(10));
  EXPECT_TRUE(open_of(ledger, kCoordinatorA).empty());
  expect_conserved(ledger);
}

TEST_F(Escrow, AHoldOrderedBeforeHoldsNamedTheirCoordinatorReplaysForANamedRetry) {
  Ledger ledger = open();
  applied(ledger, Deposit{.key = "buy", .at = 1, .account = "user:alice", .amount = units(10)});
  // A coordinator upgraded while the hold's receipt was in flight sends it again, now named.
  const JournalReceipt unnamed = applied(ledger, one_image("r", ""));
  const JournalReceipt named = applied(ledger, one_image("r", kCoordinatorA));
  EXPECT_TRUE(named.replayed);
  EXPECT_EQ(named.hold_id, unnamed.hold_id);
  EXPECT_EQ(named.seq, unnamed.seq);
  EXPECT_EQ(ledger.balance("user:alice", Asset::credits).value(), units(9));
  // The replay does not rename it: the hold stays no coordinator's.
  EXPECT_TRUE(open_of(ledger, kCoordinatorA).empty());
  // Another request under the key is still refused.
  OpenHold other = one_image("r", kCoordinatorA);
  other.request.count = 2;
  expect_rejected(ledger, other, "idempotency key 'hold/r' was already used by entry");
}

}  // namespace
