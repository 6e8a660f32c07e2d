#pragma once
// A ledger in a fresh temp dir with a deterministic treasury key, and the checks every ledger test
// repeats: conservation per asset and an unchanged state after a rejected operation.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "actors/treasury/ledger.hpp"
#include "ledger_location.hpp"

namespace seedgrid::test {

inline Identity identity_from(std::uint8_t fill) {
  std::array<std::uint8_t, 32> seed;
  seed.fill(fill);
  return Identity::from_seed(seed);
}

inline treasury::Micros units(std::int64_t n) { return n * treasury::kMicrosPerUnit; }

class LedgerFixture : public ::testing::Test {
 protected:
  LedgerFixture() {
    // Epoch rewards big enough to fund stakes in a couple of epochs; a short cool-down.
    config.epoch_reward = units(20'000);
    config.unbonding_seconds = 100;
  }

  treasury::Ledger open() {
    auto ledger = treasury::Ledger::open(path, treasury_id, config);
    EXPECT_TRUE(ledger.has_value()) << ledger.error().message;
    return std::move(*ledger);
  }

  static void expect_conserved(treasury::Ledger& ledger) {
    auto c = ledger.conservation();
    ASSERT_TRUE(c.has_value()) << c.error().message;
    for (const auto& part : *c)
      EXPECT_TRUE(part.holds_exactly())
          << treasury::asset_name(part.asset) << ": minted " << part.minted << " != balances "
          << part.balances << " + stakes " << part.stakes << " + holds " << part.holds
          << " + burned " << part.burned;
  }

  // A snapshot of everything an operation could change, to compare across a rejection.
  static std::string state_of(treasury::Ledger& ledger) {
    std::string out = std::to_string(ledger.head_seq()) + "\n";
    const auto balances = ledger.balances();
    EXPECT_TRUE(balances.has_value());
    for (const auto& b : balances.value_or(std::vector<treasury::Balance>{}))
      out += b.account + " " + std::string(treasury::asset_name(b.asset)) + " " +
             std::to_string(b.amount) + "\n";
    return out;
  }

  // Applies an operation that must be rejected; checks the message and that nothing changed.
  static void expect_rejected(treasury::Ledger& ledger, const treasury::Operation& op,
                              const std::string& mentions) {
    const std::string before = state_of(ledger);
    auto r = ledger.apply(op);
    ASSERT_FALSE(r.has_value()) << "expected a rejection mentioning '" << mentions << "'";
    EXPECT_NE(r.error().message.find(mentions), std::string::npos) << r.error().message;
    EXPECT_EQ(state_of(ledger), before) << "a rejected operation changed the ledger";
  }

  // A hold of `count` SD 1.x base renders (1 credit each) for user:alice, under "hold/<id>".
  static treasury::OpenHold base_renders(const std::string& request_id, int count,
                                         std::int64_t at = 100,
                                         const std::string& coordinator = "") {
    return treasury::OpenHold{.key = "hold/" + request_id,
                              .at = at,
                              .payer = "user:alice",
                              .request_id = request_id,
                              .request = {.base_render_millis = 43'200,
                                          .steps = 20,
                                          .width = 512,
                                          .height = 512,
                                          .tier = treasury::Tier::fast,
                                          .count = count},
                              .coordinator = coordinator};
  }

  static treasury::JournalReceipt applied(treasury::Ledger& ledger, const treasury::Operation& op) {
    auto r = ledger.apply(op);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    return r.value_or(treasury::JournalReceipt{});
  }

  TestDir dir;
  Identity treasury_id = identity_from(1);
  treasury::TreasuryConfig config;
  std::string path = ledger_location(dir, "ledger.db");
};

}  // namespace seedgrid::test
