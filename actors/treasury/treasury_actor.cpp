#include "actors/treasury/treasury_actor.hpp"

#include <spdlog/spdlog.h>

#include <caf/all.hpp>
#include <chrono>
#include <vector>

#include "actors/treasury/ledger.hpp"
#include "actors/treasury/treasury_actor_desk.hpp"
#include "runtime/base/logging/log.hpp"
#include "runtime/base/protocol/inspect.hpp"
#include "runtime/base/protocol/interfaces/treasury_interface.hpp"

namespace seedgrid::treasury {

namespace {

using flush_atom = caf::atom_constant<caf::atom("flush")>;

// Orders that arrived together are applied at the flush, which queues behind them.
using treasury_self_actor = protocol::treasury_actor::extend<caf::reacts_to<flush_atom>>;

struct TreasuryState {
  std::shared_ptr<Ledger> ledger;
  std::unique_ptr<TreasuryDesk> desk;
  std::uint32_t batch_max = 256;
  std::vector<protocol::LedgerOrder> orders;
  // One per message: its promise answers the next `count` orders.
  struct Waiting {
    caf::typed_response_promise<std::vector<protocol::LedgerReceipt>> promise;
    std::size_t count = 0;
  };
  std::vector<Waiting> waiting;
  bool flush_scheduled = false;
  std::shared_ptr<spdlog::logger> log;
  static inline const char* name = "seedgrid.treasury";
};

std::int64_t unix_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

using Self = treasury_self_actor::stateful_pointer<TreasuryState>;

void flush(Self self) {
  auto& s = self->state;
  if (s.orders.empty()) return;
  auto orders = std::move(s.orders);
  auto waiting = std::move(s.waiting);
  s.orders.clear();
  s.waiting.clear();
  auto receipts = s.desk->apply(orders, unix_now());
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
  }
  auto next = receipts.begin();
  for (auto& w : waiting) {
    w.promise.deliver(std::vector<protocol::LedgerReceipt>(
        std::make_move_iterator(next), std::make_move_iterator(next + w.count)));
    next += w.count;
  }
}

treasury_self_actor::behavior_type treasury(Self self, std::shared_ptr<Ledger> ledger,
                                            std::uint32_t batch_max) {
  auto& s = self->state;
  s.ledger = std::move(ledger);
  s.desk = std::make_unique<TreasuryDesk>(*s.ledger);
  s.batch_max = std::max<std::uint32_t>(1, batch_max);
  s.log = logging::logger("treasury");
  s.log->info("serving ledger with treasury key {} (head entry {})", s.ledger->treasury_key().hex(),
              s.ledger->head_seq());
  return {
      // The ledger's head now, signed (the checkpoint witnesses ask about once a second).
      [self](protocol::checkpoint_atom) -> caf::result<protocol::LedgerCheckpoint> {
        auto c = self->state.ledger->checkpoint(unix_now());
        if (!c) return caf::make_error(caf::sec::runtime_error, c.error().message);
        return *c;
      },
      [self](protocol::quote_atom, const protocol::PriceInputs& price) {
        return self->state.desk->quote(price);
      },
      [self](protocol::stake_atom, const std::string& worker_account) {
        return self->state.desk->stake(worker_account);
      },
      // Orders waiting for their group commit go first: the list answers for every hold ordered
      // before the question.
      [self](protocol::open_holds_atom, const std::string& coordinator) {
        flush(self);
        return self->state.desk->open_holds(coordinator);
      },
      [self](protocol::ledger_atom, std::vector<protocol::LedgerOrder>& orders)
          -> caf::typed_response_promise<std::vector<protocol::LedgerReceipt>> {
        auto& st = self->state;
        auto promise = self->make_response_promise<std::vector<protocol::LedgerReceipt>>();
        if (orders.empty()) {
          promise.deliver(std::vector<protocol::LedgerReceipt>{});
          return promise;
        }
        st.waiting.push_back({promise, orders.size()});
        st.orders.insert(st.orders.end(), std::make_move_iterator(orders.begin()),
                         std::make_move_iterator(orders.end()));
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

protocol::treasury_actor spawn_treasury_actor(caf::actor_system& system,
                                              std::shared_ptr<Ledger> ledger,
                                              std::uint32_t batch_max) {
  return system.spawn<caf::detached>(treasury, std::move(ledger), batch_max);
}

}  // namespace seedgrid::treasury
