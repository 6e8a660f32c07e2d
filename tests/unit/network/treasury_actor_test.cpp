// The treasury actor answers a message of orders with one receipt per order, in order, also when
// messages that arrived together join one group commit.
#include <gtest/gtest.h>

#include <caf/all.hpp>

#include "actors/treasury/ledger.hpp"
#include "actors/treasury/treasury_actor.hpp"
#include "runtime/base/protocol/caf_types.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/interfaces/treasury_interface.hpp"
#include "tests/unit/common/test_dir.hpp"

namespace seedgrid::treasury {
namespace {

protocol::LedgerOrder hold(const std::string& payer, const std::string& request) {
  protocol::LedgerOrder o;
  o.kind = protocol::LedgerOrderKind::hold;
  o.key = "hold/" + request;
  o.payer = payer;
  o.request_id = request;
  o.price = {43'200, 20, 512, 512, protocol::Tier::fast, 1};
  return o;
}

TEST(TreasuryActor, AnswersEachOrderOfAMessageWithItsReceiptInOrder) {
  const seedgrid::test::TestDir dir;
  {
    auto ledger = Ledger::open(dir / "l.sqlite", Identity::from_seed({1}), {});
    ASSERT_TRUE(ledger) << ledger.error().message;
    ASSERT_TRUE(ledger->apply(Deposit{"d", 1, "user:alice", 10 * kMicrosPerUnit}));
    caf::actor_system_config cfg;
    protocol::add_message_types(cfg);
    caf::actor_system sys(cfg);
    const auto treasury =
        spawn_treasury_actor(sys, std::make_shared<Ledger>(std::move(*ledger)), 256);
    caf::scoped_actor self{sys};
    // Two messages in the mailbox before the treasury runs, joining one commit: funded, unfunded
    // (refused), and the first order again (a replay).
    const std::vector<std::vector<protocol::LedgerOrder>> messages{
        {hold("user:alice", "a"), hold("user:nobody", "b")},
        {hold("user:nobody", "c"), hold("user:alice", "d"), hold("user:alice", "a")}};
    std::vector<std::vector<protocol::LedgerReceipt>> answers(messages.size());
    // Sent without waiting: the answers come back as messages, in the order asked.
    for (const auto& orders : messages) self->send(treasury, protocol::ledger_atom::value, orders);
    for (auto& answer : answers)
      self->receive([&](const std::vector<protocol::LedgerReceipt>& r) { answer = r; },
                    caf::after(std::chrono::seconds(10)) >> [] { ADD_FAILURE() << "no answer"; });
    ASSERT_EQ(answers[0].size(), 2u);
    ASSERT_EQ(answers[1].size(), 3u);
    EXPECT_TRUE(answers[0][0].ok) << answers[0][0].error;
    EXPECT_FALSE(answers[0][1].ok);
    EXPECT_TRUE(answers[0][1].insufficient_funds);
    EXPECT_TRUE(answers[1][0].insufficient_funds);
    EXPECT_TRUE(answers[1][1].ok) << answers[1][1].error;
    EXPECT_NE(answers[1][1].hold_id, answers[0][0].hold_id);
    EXPECT_TRUE(answers[1][2].replayed);
    EXPECT_EQ(answers[1][2].hold_id, answers[0][0].hold_id);
    bool answered = false;  // no orders: answered at once, with no receipts
    self->request(treasury, std::chrono::seconds(10), protocol::ledger_atom::value,
                  std::vector<protocol::LedgerOrder>{})
        .receive([&](const std::vector<protocol::LedgerReceipt>& r) { answered = r.empty(); },
                 [](caf::error& err) { ADD_FAILURE() << caf::to_string(err); });
    EXPECT_TRUE(answered);
    caf::anon_send_exit(treasury, caf::exit_reason::user_shutdown);
  }
}

}  // namespace
}  // namespace seedgrid::treasury
