// A validator's verdict can cost a worker its stake, so a key alone does not make a validator: the
// coordinator admits one listed in its config, or one bonded in the treasury's ledger
// (stake:validator:<id>, what a lost appeal slashes), and refuses the rest with both ways in.
#include "tests/unit/coordinator/core_fixture.hpp"

namespace seedgrid::coordinator::testing {
namespace {

class ValidatorAdmission : public CoreFixture {
 protected:
  void SetUp() override {
    policy_.validator_min_stake = 20 * treasury::kMicrosPerUnit;  // an epoch pays a worker 35
    policy_.validator_allowlist = {listed_.node_id()};
    CoreFixture::SetUp();
  }

  // Tokens from an epoch reward moved to the validator's account, `amount` of them bonded.
  void bond(const Identity& validator, treasury::Micros amount) {
    const std::string account = validator_account(validator.public_key());
    const std::string earner = worker_account(w3_.public_key());
    ASSERT_TRUE(ledger_->apply(treasury::CloseEpoch{"epoch", 1, 0, {{earner, 1'000, 3'600}}, {}}));
    auto moved = ledger_->apply(
        treasury::Transfer{"to-validator", 2, treasury::Asset::tokens, earner, account, amount});
    ASSERT_TRUE(moved) << moved.error().message;
    auto staked = ledger_->apply(treasury::Stake{"bond", 3, account, amount});
    ASSERT_TRUE(staked) << staked.error().message;
  }

  // As the actor does: ask the treasury when the core needs its word, then admit with it.
  protocol::RegistrationAck register_validator(const Identity& id) {
    const auto reg = protocol::make_registration(protocol::Role::validator, "audit-box",
                                                 validator_caps(), core_->hello(now_), id);
    EXPECT_TRUE(core_->verify_registration(reg, now_).ok());
    StakeWord word;
    if (core_->needs_stake(reg)) {
      EXPECT_EQ(CoordinatorCore::stake_account_of(reg), validator_account(id.public_key()));
      word = {StakeWord::Source::answered, desk_->stake(CoordinatorCore::stake_account_of(reg))};
    }
    Outbox out;
    auto ack = core_->admit_with_stake(reg, word, now_, out);
    pump(out);
    return ack;
  }

  protocol::Capabilities validator_caps() const {
    auto c = worker_caps();
    c.max_inflight = 64;
    return c;
  }

  bool connected(const Identity& id) const {
    const NodeEntry* n = core_->nodes().find(id.public_key());
    return n != nullptr && n->connected && n->role == protocol::Role::validator;
  }

  Identity listed_ = Identity::from_seed({41});
  Identity bonded_ = Identity::from_seed({42});
  Identity stranger_ = Identity::from_seed({43});
};

TEST_F(ValidatorAdmission, AListedValidatorIsAdmittedWithoutABond) {
  const auto reg = protocol::make_registration(protocol::Role::validator, "v", validator_caps(),
                                               core_->hello(now_), listed_);
  EXPECT_FALSE(core_->needs_stake(reg)) << "a listed validator's bond is not asked for";
  const auto ack = register_validator(listed_);
  EXPECT_TRUE(ack.outcome.ok()) << ack.outcome.reason;
  EXPECT_TRUE(connected(listed_));
  EXPECT_EQ(core_->nodes().find(listed_.public_key())->name, "audit-box");
}

TEST_F(ValidatorAdmission, ABondedValidatorIsAdmittedOnItsBond) {
  bond(bonded_, 20 * treasury::kMicrosPerUnit);
  const auto ack = register_validator(bonded_);
  EXPECT_TRUE(ack.outcome.ok()) << ack.outcome.reason;
  EXPECT_TRUE(connected(bonded_));
  EXPECT_NE(ack.note.find("bond of 20.000000 tokens"), std::string::npos) << ack.note;
}

TEST_F(ValidatorAdmission, AnUnlistedValidatorBelowTheMinimumIsRefusedWithBothWaysIn) {
  bond(bonded_, 19 * treasury::kMicrosPerUnit);
  for (const Identity* id : {&bonded_, &stranger_}) {
    const auto ack = register_validator(*id);
    ASSERT_FALSE(ack.outcome.ok());
    EXPECT_EQ(ack.outcome.code, protocol::ErrorCode::role_refused);
    const std::string& why = ack.outcome.reason;
    EXPECT_NE(why.find(id->node_id()), std::string::npos) << why;
    EXPECT_NE(why.find("below the 20.000000"), std::string::npos) << why;
    EXPECT_NE(
        why.find("seedgrid ledger stake --db LEDGER --key TREASURY_KEY --validator validator:" +
                 id->node_id() + " --amount 20.000000"),
        std::string::npos)
        << why;
    EXPECT_NE(why.find("\"validator_allowlist\""), std::string::npos) << why;
    EXPECT_EQ(core_->nodes().find(id->public_key()), nullptr) << "a refused node is not booked";
  }
}

TEST_F(ValidatorAdmission, AnUnlistedValidatorIsRefusedWhenItsBondCannotBeChecked) {
  const auto reg = protocol::make_registration(protocol::Role::validator, "v", validator_caps(),
                                               core_->hello(now_), stranger_);
  ASSERT_TRUE(core_->verify_registration(reg, now_).ok());
  for (auto source : {StakeWord::Source::unreachable, StakeWord::Source::silent}) {
    Outbox out;
    const auto ack = core_->admit_with_stake(reg, {source, {}}, now_, out);
    EXPECT_EQ(ack.outcome.code, protocol::ErrorCode::role_refused);
    EXPECT_NE(ack.outcome.reason.find("bond"), std::string::npos) << ack.outcome.reason;
    EXPECT_FALSE(connected(stranger_));
  }
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
