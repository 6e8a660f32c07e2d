#include "actors/treasury/treasury_actor.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>
#include <algorithm>
#include <chrono>
#include <optional>
#include <vector>

#include "actors/treasury/ledger.hpp"
#include "actors/treasury/treasury_actor_desk.hpp"
#include "runtime/base/logging/log.hpp"
#include "runtime/base/protocol/atoms.hpp"
#include "runtime/base/protocol/inspect.hpp"

namespace seedgrid::treasury {

namespace {

using flush_atom = caf::atom_constant<caf::atom("flush")>;
using publish_atom = caf::atom_constant<caf::atom("publish")>;

// How often the head is checked and, when it moved, signed and sent to the subscribers. Also
// catches entries another process (the CLI) appended.
constexpr auto kCheckpointInterval = std::chrono::seconds(1);

struct TreasuryState {
  std::shared_ptr<Ledger> ledger;
  std::unique_ptr<TreasuryDesk> desk;
  std::uint32_t batch_max = 256;
  std::vector<protocol::LedgerOrder> orders;
  std::vector<caf::typed_response_promise<protocol::LedgerReceipt>> promises;
  bool flush_scheduled = false;
  std::vector<caf::actor> subscribers;  // checkpoint witnesses (checkpoint_witness.hpp)
  std::optional<protocol::LedgerCheckpoint> published;
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "seedgrid.treasury";
};

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void flush(caf::stateful_actor<TreasuryState>* self) {
  auto& s = self->state;
  if (s.orders.empty()) return;
  auto orders = std::move(s.orders);
  auto promises = std::move(s.promises);
  s.orders.clear();
  s.promises.clear();
  const auto receipts = s.desk->apply(orders, unix_now());
  for (std::size_t i = 0; i < orders.size(); ++i) {
    const auto& o = orders[i];
    const auto& r = receipts[i];
    if (!r.ok) {
      s.log->warn("{} {} refused: {}", protocol::ledger_order_kind_name(o.kind), o.key, r.error);
    } else if (o.kind == protocol::LedgerOrderKind::slash) {
      s.log->info("slashed {}: {} micro-tokens ({} to {}){}", o.worker, r.tokens_slashed,
                  r.validator_bounty, o.validator, r.replayed ? " (replayed)" : "");
    } else {
      s.log->debug("{} {} applied as entry {}{}", protocol::ledger_order_kind_name(o.kind), o.key,
                   r.seq, r.replayed ? " (replayed)" : "");
    }
    promises[i].deliver(r);
  }
}

// Signs the head and sends it to every subscriber when it moved since the last one published.
void publish_checkpoint(caf::stateful_actor<TreasuryState>* self) {
  auto& s = self->state;
  if (s.subscribers.empty()) return;
  auto c = s.ledger->checkpoint(unix_now());
  if (!c) {
    s.log->warn("no ledger checkpoint: {}", c.error().message);
    return;
  }
  if (s.published && s.published->seq == c->seq && s.published->head == c->head) return;
  s.published = *c;
  for (const caf::actor& sub : s.subscribers) self->send(sub, protocol::checkpoint_atom::value, *c);
}

caf::behavior treasury(caf::stateful_actor<TreasuryState>* self, std::shared_ptr<Ledger> ledger,
                       std::uint32_t batch_max) {
  auto& s = self->state;
  s.ledger = std::move(ledger);
  s.desk = std::make_unique<TreasuryDesk>(*s.ledger);
  s.batch_max = std::max<std::uint32_t>(1, batch_max);
  s.log = logging::logger("treasury");
  s.log->info("serving ledger with treasury key {} (head entry {})", s.ledger->treasury_key().hex(),
              s.ledger->head_seq());
  self->set_down_handler([self](const caf::down_msg& dm) {
    std::erase_if(self->state.subscribers,
                  [&](const caf::actor& a) { return a.address() == dm.source; });
  });
  self->delayed_send(self, kCheckpointInterval, publish_atom::value);
  return {
      [self](protocol::checkpoint_atom) -> caf::result<protocol::LedgerCheckpoint> {
        auto& st = self->state;
        auto c = st.ledger->checkpoint(unix_now());
        if (!c) return caf::make_error(caf::sec::runtime_error, c.error().message);
        if (auto sub = caf::actor_cast<caf::actor>(self->current_sender());
            sub && std::find(st.subscribers.begin(), st.subscribers.end(), sub) ==
                       st.subscribers.end()) {
          st.subscribers.push_back(sub);
          self->monitor(sub);
        }
        return *c;
      },
      [self](publish_atom) {
        publish_checkpoint(self);
        self->delayed_send(self, kCheckpointInterval, publish_atom::value);
      },
      [self](protocol::quote_atom, const protocol::PriceInputs& price) {
        return self->state.desk->quote(price);
      },
      [self](protocol::stake_atom, const std::string& worker_account) {
        return self->state.desk->stake(worker_account);
      },
      [self](protocol::ledger_atom, const protocol::LedgerOrder& order)
          -> caf::typed_response_promise<protocol::LedgerReceipt> {
        auto& st = self->state;
        auto promise = self->make_response_promise<protocol::LedgerReceipt>();
        st.orders.push_back(order);
        st.promises.push_back(promise);
        // Orders already in the mailbox join this one's commit: the flush message queues behind
        // them.
        if (st.orders.size() >= st.batch_max) {
          flush(self);
        } else if (!st.flush_scheduled) {
          st.flush_scheduled = true;
          self->send(self, flush_atom::value);
        }
        return promise;
      },
      [self](flush_atom) {
        self->state.flush_scheduled = false;
        flush(self);
      },
  };
}

}  // namespace

caf::actor spawn_treasury_actor(caf::actor_system& system, std::shared_ptr<Ledger> ledger,
                                std::uint32_t batch_max) {
  return system.spawn<caf::detached>(treasury, std::move(ledger), batch_max);
}

}  // namespace seedgrid::treasury
