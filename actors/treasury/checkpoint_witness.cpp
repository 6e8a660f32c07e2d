#include "actors/treasury/checkpoint_witness.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "runtime/base/logging/log.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/verify/ledger_checkpoint_keeper.hpp"

namespace seedgrid::treasury {

namespace {

using ask_atom = caf::atom_constant<caf::atom("ask")>;

// Its own timer: ask the treasury again.
using witness_self_actor = checkpoint_witness_actor::extend<caf::reacts_to<ask_atom>>;

// How often the witness asks the treasury for its signed head. Asking (rather than being told)
// also catches entries another process, the CLI, appended to the ledger.
constexpr auto kAskInterval = std::chrono::seconds(1);
// The treasury answers a checkpoint request from memory (its newest signed head).
constexpr auto kCheckpointAnswerTimeout = std::chrono::seconds(10);

struct WitnessState {
  std::optional<verify::LedgerCheckpointKeeper> keeper;
  std::vector<protocol::validator_actor> followers;
  protocol::treasury_actor treasury;  // the one asked; none for a validator's witness
  bool asking = false;  // an ask is scheduled or in flight
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "seedgrid.checkpoint_witness";
};

using Self = witness_self_actor::stateful_pointer<WitnessState>;

void keep(Self self, const protocol::LedgerCheckpoint& c) {
  auto& s = self->state;
  using Outcome = verify::LedgerCheckpointKeeper::Outcome;
  const auto offer = s.keeper->offer(c);
  switch (offer.outcome) {
    case Outcome::same:
      return;
    case Outcome::advanced:
      s.log->debug("{}", offer.message);
      for (const auto& f : s.followers) self->send(f, protocol::checkpoint_atom::value, c);
      return;
    case Outcome::older:
    case Outcome::conflict:
      s.log->error("{}", offer.message);
      return;
    case Outcome::refused:
      s.log->warn("{}", offer.message);
      return;
  }
}

witness_self_actor::behavior_type witness(Self self, std::string file, std::string who) {
  auto& s = self->state;
  s.log = logging::logger("ledger");
  auto keeper = verify::LedgerCheckpointKeeper::open(file);
  if (!keeper) {
    // The bad file stays as it is (it may be evidence); this run keeps checkpoints in memory.
    s.log->error("{}: {}; keeping ledger checkpoints in memory only", who, keeper.error().message);
    keeper = verify::LedgerCheckpointKeeper::open("");
  }
  s.keeper = std::move(*keeper);
  if (file.empty())
    s.log->warn(
        "{}: no node.data_dir, so the treasury's ledger checkpoints are kept in memory only "
        "(set node.data_dir to keep them across restarts)",
        who);
  else if (const auto& latest = s.keeper->latest())
    s.log->info("{}: keeping the treasury's ledger checkpoints in {} (newest: entry {})", who, file,
                latest->seq);
  self->set_down_handler([self](const caf::down_msg& dm) {
    std::erase_if(self->state.followers,
                  [&](const protocol::validator_actor& f) { return f.address() == dm.source; });
  });
  return {
      [self](watch_atom, const protocol::treasury_actor& treasury) {
        self->state.treasury = treasury;
        if (!self->state.asking) {
          self->state.asking = true;
          self->send(self, ask_atom::value);
        }
      },
      [self](ask_atom) {
        auto& st = self->state;
        const protocol::treasury_actor treasury = st.treasury;
        self->request(treasury, kCheckpointAnswerTimeout, protocol::checkpoint_atom::value)
            .then(
                [self, treasury](const protocol::LedgerCheckpoint& c) {
                  if (treasury == self->state.treasury) keep(self, c);
                  self->delayed_send(self, kAskInterval, ask_atom::value);
                },
                [self](caf::error& err) {
                  self->state.log->debug("the treasury gave no ledger checkpoint: {}",
                                         self->system().render(err));
                  self->delayed_send(self, kAskInterval, ask_atom::value);
                });
      },
      [self](follow_atom, const protocol::validator_actor& follower) {
        auto& st = self->state;
        if (std::find(st.followers.begin(), st.followers.end(), follower) == st.followers.end()) {
          st.followers.push_back(follower);
          self->monitor(follower);
        }
        if (const auto& latest = st.keeper->latest())
          self->send(follower, protocol::checkpoint_atom::value, *latest);
      },
      // Passed on by the validator actor of this node (which takes them from its coordinator
      // only); another node, which sees this witness's handle, could otherwise pin a key of its
      // own before the treasury's first checkpoint.
      [self](protocol::checkpoint_atom, const protocol::LedgerCheckpoint& c) {
        const auto& sender = self->current_sender();
        if (sender && sender->node() == self->node()) keep(self, c);
      },
  };
}

}  // namespace

checkpoint_witness_actor spawn_checkpoint_witness(caf::actor_system& system, std::string file,
                                                  std::string who) {
  return system.spawn(witness, std::move(file), std::move(who));
}

void watch_treasury(const checkpoint_witness_actor& witness,
                    const protocol::treasury_actor& treasury) {
  caf::anon_send(witness, watch_atom::value, treasury);
}

void add_follower(const checkpoint_witness_actor& witness,
                  const protocol::validator_actor& follower) {
  caf::anon_send(witness, follow_atom::value, follower);
}

}  // namespace seedgrid::treasury
