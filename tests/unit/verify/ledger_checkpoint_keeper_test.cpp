// The checkpoint a coordinator or validator keeps: newer ones replace it durably, an older head or
// a second hash for the kept entry is reported and never replaces it, and a checkpoint that is not
// the pinned treasury's is refused.
#include <gtest/gtest.h>

#include <fstream>

#include "runtime/base/verify/ledger_checkpoint_file.hpp"
#include "runtime/base/verify/ledger_checkpoint_keeper.hpp"
#include "tests/unit/common/test_dir.hpp"

using namespace seedgrid;
using Keeper = verify::LedgerCheckpointKeeper;

namespace {

Identity identity_from(std::uint8_t fill) {
  std::array<std::uint8_t, 32> seed;
  seed.fill(fill);
  return Identity::from_seed(seed);
}

Digest digest_of(std::uint8_t fill) {
  Digest d;
  d.fill(fill);
  return d;
}

class CheckpointKeeper : public ::testing::Test {
 protected:
  Keeper open() {
    auto k = Keeper::open(file);
    EXPECT_TRUE(k.has_value()) << k.error().message;
    return std::move(*k);
  }

  const test::TestDir dir;
  const std::string file = dir / "data/ledger-checkpoint.json";
  const Identity treasury = identity_from(1);
};

TEST_F(CheckpointKeeper, KeepsTheNewestAcrossARestart) {
  {
    Keeper k = open();
    EXPECT_FALSE(k.latest());
    EXPECT_EQ(k.offer(protocol::sign_checkpoint(treasury, 5, digest_of(5), 100)).outcome,
              Keeper::Outcome::advanced);
    EXPECT_EQ(k.offer(protocol::sign_checkpoint(treasury, 9, digest_of(9), 200)).outcome,
              Keeper::Outcome::advanced);
    EXPECT_EQ(k.offer(protocol::sign_checkpoint(treasury, 9, digest_of(9), 300)).outcome,
              Keeper::Outcome::same);
  }
  Keeper again = open();
  ASSERT_TRUE(again.latest());
  EXPECT_EQ(again.latest()->seq, 9u);
  EXPECT_EQ(again.latest()->head, digest_of(9));
  EXPECT_EQ(again.latest()->treasury, treasury.public_key());
}

TEST_F(CheckpointKeeper, AnOlderHeadIsReportedAndNotKept) {
  Keeper k = open();
  k.offer(protocol::sign_checkpoint(treasury, 9, digest_of(9), 200));
  const auto offer = k.offer(protocol::sign_checkpoint(treasury, 6, digest_of(6), 300));
  EXPECT_EQ(offer.outcome, Keeper::Outcome::older);
  EXPECT_NE(offer.message.find("lost entries 7..9"), std::string::npos) << offer.message;
  EXPECT_NE(offer.message.find("--checkpoint " + file), std::string::npos) << offer.message;
  EXPECT_EQ(open().latest()->seq, 9u);
}

TEST_F(CheckpointKeeper, TwoHashesForOneEntryAreSavedAsEvidence) {
  Keeper k = open();
  const auto first = protocol::sign_checkpoint(treasury, 9, digest_of(9), 200);
  const auto second = protocol::sign_checkpoint(treasury, 9, digest_of(10), 300);
  k.offer(first);
  const auto offer = k.offer(second);
  EXPECT_EQ(offer.outcome, Keeper::Outcome::conflict);
  EXPECT_NE(offer.message.find("LEDGER FORK"), std::string::npos) << offer.message;
  EXPECT_EQ(open().latest()->head, digest_of(9));
  std::ifstream evidence(file + ".conflict-9");
  std::string line1, line2;
  std::getline(evidence, line1);
  std::getline(evidence, line2);
  EXPECT_EQ(line1 + "\n", verify::checkpoint_json(first));
  EXPECT_EQ(line2 + "\n", verify::checkpoint_json(second));
}

TEST_F(CheckpointKeeper, RefusesForgeriesAndAnotherTreasury) {
  Keeper k = open();
  auto forged = protocol::sign_checkpoint(treasury, 3, digest_of(3), 100);
  forged.seq = 30;
  EXPECT_EQ(k.offer(forged).outcome, Keeper::Outcome::refused);
  EXPECT_FALSE(k.latest());
  k.offer(protocol::sign_checkpoint(treasury, 3, digest_of(3), 100));
  const auto other = k.offer(protocol::sign_checkpoint(identity_from(2), 40, digest_of(4), 100));
  EXPECT_EQ(other.outcome, Keeper::Outcome::refused);
  EXPECT_NE(other.message.find("keeps the checkpoints of treasury key " + treasury.node_id()),
            std::string::npos)
      << other.message;
  EXPECT_EQ(k.latest()->seq, 3u);
}

TEST_F(CheckpointKeeper, AnAlteredFileIsAnErrorNamingIt) {
  open().offer(protocol::sign_checkpoint(treasury, 3, digest_of(3), 100));
  std::string text;
  std::getline(std::ifstream(file), text);
  text.replace(text.find("\"seq\":3"), 7, "\"seq\":4");
  std::ofstream(file) << text;
  auto k = Keeper::open(file);
  ASSERT_FALSE(k.has_value());
  EXPECT_NE(k.error().message.find(file), std::string::npos) << k.error().message;
  EXPECT_NE(k.error().message.find("signature"), std::string::npos) << k.error().message;
}

}  // namespace
