// Client commands are good once and until they expire: the book of seen nonces alone, then the
// core refusing a replayed or stale attach and cancel with a message that says what to do.
#include "actors/coordinator/seen_commands.hpp"

#include "tests/unit/coordinator/core_fixture.hpp"

namespace seedgrid::coordinator::testing {
namespace {

using protocol::ClientCommandKind;
using protocol::ErrorCode;

constexpr std::int64_t kNow = 1'700'000'000'000;

protocol::ClientCommand command_at(std::int64_t made_unix_ms, const Identity& who) {
  return protocol::make_client_command(ClientCommandKind::attach, "r1",
                                       Identity::from_seed({1}).public_key(), who, made_unix_ms);
}

TEST(SeenCommands, AFreshCommandIsGoodOnceAndAStaleOneNever) {
  SeenCommands seen;
  const Identity client = Identity::from_seed({2});
  const auto fresh = command_at(kNow, client);
  ASSERT_TRUE(seen.check(fresh, kNow).ok());
  seen.remember(fresh);
  const auto replay = seen.check(fresh, kNow + 1'000);
  EXPECT_EQ(replay.code, ErrorCode::replayed_command);
  EXPECT_NE(replay.reason.find("send a new one"), std::string::npos) << replay.reason;
  // Another command of the same client, made at the same moment, has its own nonce.
  EXPECT_TRUE(seen.check(command_at(kNow, client), kNow).ok());

  const auto late = seen.check(fresh, kNow + protocol::kClientCommandLifetimeMs + 1);
  EXPECT_EQ(late.code, ErrorCode::stale_command);
  EXPECT_NE(late.reason.find("expired at"), std::string::npos) << late.reason;
  EXPECT_EQ(seen.size(), 0u) << "an expired nonce is forgotten: the command is stale anyway";
  EXPECT_EQ(
      seen.check(command_at(kNow, client), kNow + protocol::kClientCommandLifetimeMs + 1).code,
      ErrorCode::stale_command);
}

TEST(SeenCommands, ACommandDatedTooFarAheadIsRefused) {
  SeenCommands seen;
  const auto ahead =
      command_at(kNow + protocol::kClientCommandMaxLifetimeMs, Identity::from_seed({2}));
  const auto reply = seen.check(ahead, kNow);
  EXPECT_EQ(reply.code, ErrorCode::stale_command);
  EXPECT_NE(reply.reason.find("clock"), std::string::npos) << reply.reason;
}

TEST(SeenCommands, MemoryIsBoundedByCapacityWithoutForgettingAGoodNonce) {
  SeenCommands seen(2);
  const Identity client = Identity::from_seed({2});
  const auto a = command_at(kNow, client);
  const auto b = command_at(kNow, client);
  seen.remember(a);
  seen.remember(b);
  EXPECT_EQ(seen.check(command_at(kNow, client), kNow).code, ErrorCode::too_many_commands);
  EXPECT_EQ(seen.check(a, kNow).code, ErrorCode::replayed_command);
  // Once they expire there is room again.
  const std::int64_t later = kNow + protocol::kClientCommandLifetimeMs + 1;
  EXPECT_TRUE(seen.check(command_at(later, client), later).ok());
}

TEST_F(CoreFixture, AReplayedOrStaleAttachOrCancelIsRefused) {
  register_node(w1_, protocol::Role::worker, worker_caps());
  ASSERT_TRUE(submit(request("r1", 2)).outcome.ok());
  auto jobs = take_jobs();
  ASSERT_TRUE(deliver(jobs[0], w1_).ok());

  const auto attach = command(ClientCommandKind::attach, "r1", client_);
  Outbox out;
  ASSERT_TRUE(core_->attach(attach, {}, wall_, out).outcome.ok());
  const auto replayed = core_->attach(attach, {}, wall_ + 5'000, out);
  EXPECT_EQ(replayed.outcome.code, ErrorCode::replayed_command) << replayed.outcome.reason;
  const auto stale = core_->attach(command(ClientCommandKind::attach, "r1", client_), {},
                                   wall_ + protocol::kClientCommandLifetimeMs + 1, out);
  EXPECT_EQ(stale.outcome.code, ErrorCode::stale_command) << stale.outcome.reason;
  collect(out);
  EXPECT_EQ(events_of(protocol::EventKind::result).size(), 2u)
      << "the first delivery and the fresh attach's re-delivery; nothing for the refused ones";

  // A changed expiry breaks the signature: it cannot be stretched by whoever holds a copy.
  auto stretched = command(ClientCommandKind::cancel, "r1", client_);
  stretched.expires_unix_ms += 1'000;
  EXPECT_EQ(core_->cancel(stretched, now_, wall_, out).code, ErrorCode::bad_signature);

  const auto cancel = command(ClientCommandKind::cancel, "r1", client_);
  ASSERT_TRUE(core_->cancel(cancel, now_, wall_, out).ok());
  EXPECT_EQ(core_->cancel(cancel, now_, wall_, out).code, ErrorCode::replayed_command);
  // A stranger's commands take no room in the book, so they cannot crowd out the payer's.
  const Identity stranger = Identity::from_seed({77});
  const auto foreign = command(ClientCommandKind::attach, "r1", stranger);
  EXPECT_EQ(core_->attach(foreign, {}, wall_, out).outcome.code, ErrorCode::bad_signature);
  EXPECT_EQ(core_->attach(foreign, {}, wall_, out).outcome.code, ErrorCode::bad_signature);
}

// The nonces are journaled: a restarted coordinator still knows a command it took before.
TEST_F(CoreFixture, ACommandTakenBeforeARestartIsStillAReplayAfterIt) {
  register_node(w1_, protocol::Role::worker, worker_caps());
  ASSERT_TRUE(submit(request("r1", 1)).outcome.ok());
  const auto attach = command(ClientCommandKind::attach, "r1", client_);
  Outbox out;
  ASSERT_TRUE(core_->attach(attach, {}, wall_, out).outcome.ok());
  pump(out);
  open_core();
  EXPECT_EQ(core_->attach(attach, {}, wall_ + 1'000, out).outcome.code,
            ErrorCode::replayed_command);
  EXPECT_TRUE(
      core_->attach(command(ClientCommandKind::attach, "r1", client_), {}, wall_ + 1'000, out)
          .outcome.ok());
}

}  // namespace
}  // namespace seedgrid::coordinator::testing
